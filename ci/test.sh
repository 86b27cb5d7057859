#!/usr/bin/env bash
# Run every test: host `cargo test`, then for each supported kernel (or those
# given) build everything with CLIPPY=1 and run the guest tests under QEMU.
# Ends with one "N passed, N failed" line.
#   ci/test.sh [VERSION...]
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
bash "$KFILES_ROOT/ci/setup.sh"
vers=("$@")
[ ${#vers[@]} -gt 0 ] || vers=("${KFILES_KERNELS[@]}")
bash "$KFILES_ROOT/ci/kernel.sh" "${vers[@]}"

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

say "Fuzzing the pure parsers (ci/fuzz.sh, ${KFILES_FUZZ_SECS:-15} s per target)"
if bash "$KFILES_ROOT/ci/fuzz.sh" "${KFILES_FUZZ_SECS:-15}" 2>&1 | tee "$KFILES_CACHE/fuzz.log" | grep -E '^  |^fuzz:'; then
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

for v in "${vers[@]}"; do
    kos=$KFILES_CACHE/ko/$v
    if bash "$KFILES_ROOT/ci/build-modules.sh" "$v" "$kos" CLIPPY=1; then
        bash "$KFILES_ROOT/ci/qemu-run.sh" "$v" test "$kos"/*.ko || status=1
    else
        echo "  FAIL [$v] build"
        echo "0 1" >>"$KFILES_RESULTS"
        status=1
    fi
done

say "Rendering rustdoc for Linux ${vers[0]} (warnings fail)"
if bash "$KFILES_ROOT/ci/doc.sh" "${vers[0]}" >"$KFILES_CACHE/doc.log" 2>&1; then
    echo "1 0" >>"$KFILES_RESULTS"
else
    tail -n 30 "$KFILES_CACHE/doc.log"
    echo "  FAIL rustdoc (ci/doc.sh ${vers[0]})"
    echo "0 1" >>"$KFILES_RESULTS"
fi

read -r passed failed < <(awk '{p += $1; f += $2} END {print p + 0, f + 0}' "$KFILES_RESULTS")
rm -f "$KFILES_RESULTS"
echo "Kernels: ${vers[*]}; took $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
