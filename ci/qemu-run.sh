#!/usr/bin/env bash
# Boot a prepared kernel in QEMU (TCG) with a busybox initramfs holding the
# given modules, the guest scripts of ci/guest and kfio, and report.
#   ci/qemu-run.sh VERSION test|demo MODULE.ko...
# bench: runs ci/guest/bench/*.sh and prints their BENCH lines.
# test: runs every ci/guest/tests/*.sh; prints "Linux V: N passed, N failed"
#       and appends "passed failed" to $KFILES_RESULTS if set. Fails on any
#       failed check, kernel warning/oops/BUG, taint other than out-of-tree,
#       module left loaded, or timeout.
# demo: runs ci/guest/demo/*.sh and shows their transcripts.
source "$(dirname "$0")/lib.sh"

ver=${1:?usage: ci/qemu-run.sh VERSION test|demo|bench MODULE.ko...}
mode=${2:?usage: ci/qemu-run.sh VERSION test|demo|bench MODULE.ko...}
shift 2
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
timeout_s=${KFILES_QEMU_TIMEOUT:-600}

variant=$ver
[ "${KFILES_DEBUG:-0}" = 1 ] && variant=$ver-debug
run=$KFILES_SCRATCH/run/$variant-$mode
rm -rf "$run"
root=$run/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,modules,tests,demo,bench}

cp /bin/busybox "$root/bin/busybox"
install -m 755 "$KFILES_ROOT/ci/guest/init.sh" "$root/init"
cp "$KFILES_ROOT/ci/guest/lib.sh" "$root/lib.sh"
# KFILES_ONLY=GLOB runs only the matching guest scripts (e.g. '60-*').
cp "$KFILES_ROOT"/ci/guest/tests/${KFILES_ONLY:-*}.sh "$root/tests/" 2>/dev/null || true
cp "$KFILES_ROOT"/ci/guest/demo/${KFILES_ONLY:-*}.sh "$root/demo/" 2>/dev/null || true
cp "$KFILES_ROOT"/ci/guest/bench/${KFILES_ONLY:-*}.sh "$root/bench/" 2>/dev/null || true
echo "$mode" >"$root/mode"
[ "${KFILES_DEBUG:-0}" = 1 ] && touch "$root/slow"
# Seconds the in-guest fuzzer runs (ci/guest/tests/70-fuzz.sh).
echo "${KFILES_GUEST_FUZZ_SECS:-20}" >"$root/fuzz_secs"
# KFILES_GUEST_FUZZ_SEED=N replays the seed a run printed (KTEST-SEED).
rm -f "$root/fuzz_seed"
[ -z "${KFILES_GUEST_FUZZ_SEED:-}" ] || echo "$KFILES_GUEST_FUZZ_SEED" >"$root/fuzz_seed"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
for m in "$@"; do cp "$m" "$root/modules/"; done

# Guest tools: static std binaries of the workspace.
say "Building guest tools (kfio, relay-read)"
(cd "$KFILES_ROOT" && RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
    cargo build --quiet --release --locked -p kfio -p relay-reader --target x86_64-unknown-linux-gnu) \
    || die "cannot build the guest tools"
cp "$KFILES_ROOT/target/x86_64-unknown-linux-gnu/release/kfio" "$root/bin/kfio"
cp "$KFILES_ROOT/target/x86_64-unknown-linux-gnu/release/relay-read" "$root/bin/relay-read"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initramfs.cpio.gz"

append="console=ttyS0 panic=-1 oops=panic"
# Debug kernels stop at the first warning (the harness reports the panic).
[ "${KFILES_DEBUG:-0}" = 1 ] && append="$append panic_on_warn=1"
[ "$mode" = test ] || append="$append quiet"
say "Booting Linux $ver in QEMU ($mode; log: $run/console.log)"
t0=$SECONDS
set +e
# KFILES_ICOUNT=1: guest time follows the instructions executed (one
# nanosecond each), not the host's clock: timings free of host noise.
icount=()
[ "${KFILES_ICOUNT:-0}" = 1 ] && icount=(-icount shift=0,sleep=off)
timeout "$timeout_s" qemu-system-x86_64 -accel tcg "${icount[@]}" -m 512 -smp 2 -nographic -no-reboot \
    -kernel "$kdir/arch/x86/boot/bzImage" -initrd "$run/initramfs.cpio.gz" \
    -append "$append" </dev/null >"$run/console.raw" 2>&1
qemu_rc=$?
set -e
tr -d '\r' <"$run/console.raw" >"$run/console.log"
log=$run/console.log
elapsed=$((SECONDS - t0))

if [ "$mode" = demo ]; then
    sed -n '/KTEST-BOOTED/,/^KTEST-MODULES-LEFT/p' "$log" | grep -v 'KTEST' || true
    grep -q '^KTEST-DONE' "$log" || die "the guest did not finish (see $log)"
    exit 0
fi

sed -n 's/^KTEST-SEED /  random seed: /p' "$log"
sed -n 's/^KTEST info fuzz.summary /  in-guest /p' "$log"
if [ "$mode" = bench ]; then
    grep -q '^KTEST-DONE' "$log" || die "the guest did not finish (see $log)"
    grep -E '^(BENCH|MEMCPY|E2E)' "$log" || true
    exit 0
fi

passed=$(grep -c '^KTEST ok ' "$log" || true)
failed=$(grep -c '^KTEST FAIL ' "$log" || true)
grep '^KTEST FAIL ' "$log" | sed 's/^KTEST /  /' || true
problems=()
problem() { echo "  FAIL [$ver] $*"; failed=$((failed + 1)); problems+=("$*"); }

grep -q '^KTEST-DONE' "$log" || problem "guest did not finish (timeout ${timeout_s}s or crash, qemu rc=$qemu_rc)"
bad=$(grep -E 'BUG:|WARNING:|Oops|CFI failure|Kernel panic|general protection fault|Call Trace:|UBSAN:|KASAN:|unreferenced object|INFO: task .* blocked|possible recursive locking|circular locking' "$log" | head -n 5 || true)
[ -z "$bad" ] || problem "kernel reported: $bad"
# Only the digits: a kernel message may continue the console line.
taint=$(sed -n 's/^KTEST-TAINT \([0-9]*\).*/\1/p' "$log")
# Bit 12 (O, out-of-tree module) is expected: our modules are out of tree.
if [ -n "$taint" ] && [ $((taint & ~4096)) -ne 0 ]; then problem "kernel tainted: $taint"; fi
# Between the brackets: a kernel message may continue the console line.
left=$(sed -n 's/^KTEST-MODULES-LEFT \[\([^]]*\)\].*/\1/p' "$log" | xargs)
[ -z "$left" ] || problem "modules still loaded at the end: $left"

# The results in KTAP (Documentation/dev-tools/ktap.rst), the kernel's test
# output format: every check in order, then what the run itself got wrong
# (a kernel report, a guest that did not finish, ...) as failed tests.
ktap=$run/results.ktap
{
    echo "KTAP version 1"
    echo "1..$((passed + failed))"
    awk '/^KTEST ok / { n++; print "ok " n " " $3 }
         /^KTEST FAIL / { n++; name = $3; sub(/:$/, "", name); $1 = $2 = $3 = "";
                          sub(/^ +/, ""); print "# " $0; print "not ok " n " " name }
         END { print n > "/dev/stderr" }' "$log" 2>"$run/ktap.count"
    i=$(cat "$run/ktap.count")
    for p in "${problems[@]}"; do
        i=$((i + 1))
        echo "# ${p//$'\n'/ }"
        echo "not ok $i run.$variant"
    done
} >"$ktap"
# Checked with the kernel's own KTAP parser: a clean run must parse clean.
kunit_py=$(kernel_src_dir "$ver")/tools/testing/kunit/kunit.py
if [ "$failed" -eq 0 ] && [ -f "$kunit_py" ] &&
    ! python3 "$kunit_py" parse "$ktap" >"$run/ktap-parse.log" 2>&1; then
    problem "the KTAP results ($ktap) do not parse clean with kunit.py (see $run/ktap-parse.log)"
fi

echo "Linux $variant: $passed passed, $failed failed (guest ran ${elapsed}s; KTAP: $ktap)"
[ -z "${KFILES_RESULTS:-}" ] || echo "$passed $failed" >>"$KFILES_RESULTS"
[ "$failed" -eq 0 ]
