#!/usr/bin/env bash
# Run every test: host `cargo test` and a short fuzzing run, then for each
# supported kernel (or those given) build everything with CLIPPY=1 (debug
# kernels without: their plain twin lints the same code) and run the guest
# tests under QEMU; without VERSIONs, also the debug configuration (KASAN,
# lockdep, kmemleak, ...) of the kernels in KFILES_DEBUG_KERNELS (default
# 6.12; "" for none), and the build against a kernel without debugfs, procfs
# and relay (ci/bare.sh, KFILES_BARE_KERNEL, default 6.12; "" for none). Ends
# with one "N passed, N failed" line.
#   ci/test.sh [VERSION...]
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
bash "$KFILES_ROOT/ci/setup.sh"
vers=("$@")
debug_vers=()
bare_ver=
if [ ${#vers[@]} -eq 0 ]; then
    vers=("${KFILES_KERNELS[@]}")
    [ "${KFILES_DEBUG:-0}" = 1 ] || bare_ver=${KFILES_BARE_KERNEL-6.12}
    [ "${KFILES_DEBUG:-0}" = 1 ] || read -r -a debug_vers <<<"${KFILES_DEBUG_KERNELS-6.12}"
fi
bash "$KFILES_ROOT/ci/kernel.sh" "${vers[@]}"
[ ${#debug_vers[@]} -eq 0 ] || KFILES_DEBUG=1 bash "$KFILES_ROOT/ci/kernel.sh" "${debug_vers[@]}"
[ -z "$bare_ver" ] || KFILES_BARE=1 bash "$KFILES_ROOT/ci/kernel.sh" "$bare_ver"

export KFILES_RESULTS=$KFILES_CACHE/results.$$
: >"$KFILES_RESULTS"
status=0

say "Host tests (cargo test)"
hostlog=$KFILES_CACHE/cargo-test.log
if (cd "$KFILES_ROOT" && cargo test --locked 2>&1) | tee "$hostlog" | grep -E '^test result|^error|FAILED|panicked'; then :; fi
hp=$(awk '/^test result:/ {p += $4} END {print p + 0}' "$hostlog")
hf=$(awk '/^test result:/ {f += $6} END {print f + 0}' "$hostlog")
grep -q '^test result:' "$hostlog" || { hf=$((hf + 1)); echo "  FAIL cargo test did not run (log: $hostlog)"; }
grep -q '^error' "$hostlog" && { hf=$((hf + 1)); echo "  FAIL cargo test reported an error (log: $hostlog)"; }
echo "$hp $hf" >>"$KFILES_RESULTS"

# `cargo test --workspace` cannot build the kernel crates; it must say so in
# one line (kbuild/host-build.rs), not with pages of unresolved `kernel::` paths.
wslog=$KFILES_CACHE/cargo-test-workspace.log
(cd "$KFILES_ROOT" && cargo test --workspace --locked --no-run >"$wslog" 2>&1) || true
if grep -q 'a kernel crate, built by Kbuild only' "$wslog" && ! grep -q '^error\[' "$wslog"; then
    echo "  cargo test --workspace points to ci/test.sh in one line"
    echo "1 0" >>"$KFILES_RESULTS"
else
    echo "  FAIL cargo test --workspace does not explain itself (log: $wslog)"
    echo "0 1" >>"$KFILES_RESULTS"
fi

# The corpora persist in the cache, so each run's few seconds add up.
say "Fuzzing the pure parsers (ci/fuzz.sh, ${KFILES_FUZZ_SECS:-6} s per target)"
if bash "$KFILES_ROOT/ci/fuzz.sh" "${KFILES_FUZZ_SECS:-6}" 2>&1 | tee "$KFILES_CACHE/fuzz.log" | grep -E '^  |^fuzz:'; then
    echo "1 0" >>"$KFILES_RESULTS"
else
    echo "  FAIL fuzzing (log: $KFILES_CACHE/fuzz.log)"
    echo "0 1" >>"$KFILES_RESULTS"
fi

say "Formatting (rustfmt with the kernel's .rustfmt.toml)"
if bash "$KFILES_ROOT/ci/fmt.sh" --check >"$KFILES_CACHE/fmt.log" 2>&1; then
    echo "1 0" >>"$KFILES_RESULTS"
else
    head -n 40 "$KFILES_CACHE/fmt.log"
    echo "  FAIL rustfmt --check (run ci/fmt.sh)"
    echo "0 1" >>"$KFILES_RESULTS"
fi

if bash "$KFILES_ROOT/ci/check-deps.sh"; then
    echo "1 0" >>"$KFILES_RESULTS"
else
    echo "  FAIL kbuild/kfiles.mk and Cargo.toml disagree"
    echo "0 1" >>"$KFILES_RESULTS"
fi

# Example and test modules use the crates' safe API only.
unsafe_uses=$(cd "$KFILES_ROOT" && git ls-files 'modules/*.rs' 'ci/extdrv/*.rs' |
    xargs -r grep -nE '\bunsafe[[:space:]]*(\{|fn\b|impl\b|extern\b|trait\b)' || true)
if [ -z "$unsafe_uses" ]; then
    echo "  modules/ and ci/extdrv contain no unsafe code"
    echo "1 0" >>"$KFILES_RESULTS"
else
    echo "$unsafe_uses" | sed 's/^/  /'
    echo "  FAIL unsafe code in modules/ or ci/extdrv"
    echo "0 1" >>"$KFILES_RESULTS"
fi

# docs/api-coverage.md names every function and macro of the four headers,
# on both kernels (when both sources are unpacked: a run for one version
# checks nothing here).
src612=$(kernel_src_dir 6.12)
src73=$(kernel_src_dir 7.3)
if [ -n "$src612" ] && [ -n "$src73" ]; then
    if python3 "$KFILES_ROOT/ci/api-coverage.py" check "$KFILES_ROOT/docs/api-coverage.md" \
        "$KFILES_ROOT" "$src612" "$src73"; then
        echo "1 0" >>"$KFILES_RESULTS"
    else
        echo "0 1" >>"$KFILES_RESULTS"
    fi
else
    echo "  SKIP docs/api-coverage.md: needs the 6.12 and 7.3 sources unpacked"
fi

# One kernel configuration: build with clippy (modules/ is built in place,
# so builds run one at a time), then run the guest suite, in the foreground
# or, with a log file as 4th argument, in the background (its PID is added
# to guest_pids, its log to guest_logs).
guest_pids=()
guest_logs=()
test_kernel() { # VERSION KO_DIR NAME [LOG]
    local b0=$SECONDS
    # A debug kernel's build is linted by its plain twin's (same sources,
    # same version): no clippy there.
    local lint=CLIPPY=1
    [ "${KFILES_DEBUG:-0}" = 1 ] && lint=CLIPPY=0
    if bash "$KFILES_ROOT/ci/build-modules.sh" "$1" "$2" $lint; then
        echo "  [$3] modules built in $((SECONDS - b0)) s"
        if [ -n "${4:-}" ]; then
            echo "  [$3] guest running in the background (log: $4)"
            bash "$KFILES_ROOT/ci/qemu-run.sh" "$1" test "$2"/*.ko >"$4" 2>&1 &
            guest_pids+=($!)
            guest_logs+=("$4")
        else
            bash "$KFILES_ROOT/ci/qemu-run.sh" "$1" test "$2"/*.ko || status=1
        fi
    else
        echo "  FAIL [$3] build"
        echo "0 1" >>"$KFILES_RESULTS"
        status=1
    fi
}
# The debug kernels' guests take longest (about 9 minutes under TCG), so they
# go first and run in the background while the other kernels build and run
# theirs; the machine's two cores are otherwise half idle during a guest.
# Guests then share the CPU: their time limits are raised to match.
for v in "${debug_vers[@]}"; do
    KFILES_QEMU_TIMEOUT=${KFILES_QEMU_TIMEOUT:-1800} KFILES_DEBUG=1 \
        test_kernel "$v" "$KFILES_CACHE/ko/$v-debug" "$v debug" "$KFILES_CACHE/guest-$v-debug.log"
done
[ ${#guest_pids[@]} -eq 0 ] || export KFILES_QEMU_TIMEOUT=${KFILES_QEMU_TIMEOUT:-1200}
# The first kernel's build also renders the crates' rustdoc (warnings fail
# it), once each, from the documentation examples' module (ci/doctests.sh).
for v in "${vers[@]}"; do
    if [ "$v" = "${vers[0]}" ]; then
        rm -f "$KFILES_CACHE/doc.log"
        KFILES_RUSTDOC_LOG=$KFILES_CACHE/doc.log test_kernel "$v" "$KFILES_CACHE/ko/$v" "$v"
        if grep -q '^rustdoc: ok' "$KFILES_CACHE/doc.log" 2>/dev/null; then
            echo "  $(tail -n 1 "$KFILES_CACHE/doc.log")"
            echo "1 0" >>"$KFILES_RESULTS"
        else
            tail -n 30 "$KFILES_CACHE/doc.log" 2>/dev/null
            echo "  FAIL rustdoc of the crates (log: $KFILES_CACHE/doc.log)"
            echo "0 1" >>"$KFILES_RESULTS"
        fi
    else
        test_kernel "$v" "$KFILES_CACHE/ko/$v" "$v"
    fi
done

if [ -n "$bare_ver" ]; then
    say "Linux $bare_ver without debugfs, procfs and relay (ci/bare.sh)"
    bash "$KFILES_ROOT/ci/bare.sh" "$bare_ver" 2>&1 | tee "$KFILES_CACHE/bare.log" | grep -E '^  ' || true
    bp=$(grep -c '^  ok ' "$KFILES_CACHE/bare.log" || true)
    bf=$(grep -c '^  FAIL ' "$KFILES_CACHE/bare.log" || true)
    if [ "$bp" -ne 4 ]; then
        echo "  FAIL ci/bare.sh ran $bp of 4 checks (log: $KFILES_CACHE/bare.log)"
        bf=$((bf + 1))
    fi
    echo "$bp $bf" >>"$KFILES_RESULTS"
fi

for i in "${!guest_pids[@]}"; do
    wait "${guest_pids[$i]}" || status=1
    cat "${guest_logs[$i]}"
done

read -r passed failed < <(awk '{p += $1; f += $2} END {print p + 0, f + 0}' "$KFILES_RESULTS")
rm -f "$KFILES_RESULTS"
echo "Kernels: ${vers[*]}${debug_vers[*]:+; debug: ${debug_vers[*]}}; took $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
