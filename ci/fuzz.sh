#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, through the libfuzzer-sys crate) of the
# pure parsers in kfiles-core: integer parsing of debugfs/procfs writes, the
# bounded-buffer offset rules, and relay-read's sub-buffer decoder.
#   ci/fuzz.sh [SECONDS [TARGET...]]    default: 20 seconds per target, all
# Corpora persist in $KFILES_CACHE/fuzz/<target>; crashes are written to
# $KFILES_CACHE/fuzz/artifacts/. Ends with "fuzz: N executions, N failed".
# A long run: bash ci/fuzz.sh 3600
source "$(dirname "$0")/lib.sh"
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_int buffer_writes relay_decode relay_roundtrip)
manifest=$KFILES_ROOT/crates/kfiles-fuzz/Cargo.toml
export CARGO_TARGET_DIR=$KFILES_ROOT/target/fuzz
# What cargo-fuzz passes, minus the sanitizer (the code under test is safe
# Rust; the stable compiler takes these flags).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
say "Building fuzz targets"
# --target keeps RUSTFLAGS off build scripts, as cargo-fuzz does.
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --quiet --release --locked --manifest-path "$manifest" --bins --target "$host"
total=0
failed=0
for t in "${targets[@]}"; do
    corpus=$KFILES_CACHE/fuzz/$t
    mkdir -p "$corpus" "$KFILES_CACHE/fuzz/artifacts"
    log=$KFILES_CACHE/fuzz/$t.log
    if "$CARGO_TARGET_DIR/$host/release/$t" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$KFILES_CACHE/fuzz/artifacts/$t-" "$corpus" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "  $t: ${runs:-0} executions in ${secs}s, no failure"
        total=$((total + ${runs:-0}))
    else
        echo "  FAIL $t (log: $log)"
        grep -E 'panicked|ERROR|Test unit written' "$log" | head -n 5 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "fuzz: $total executions, $failed failed"
[ "$failed" -eq 0 ]
