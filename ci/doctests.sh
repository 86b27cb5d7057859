#!/usr/bin/env bash
# Build the kernel crates' documentation examples as one test module,
# kfiles_doctests.ko, against kernel VERSION: ci/doctests.py turns each
# example into a function run at load (KTAP in the kernel log), and the
# module is built in a temporary directory as a third-party driver would be.
# The guest test ci/guest/tests/15-doctests.sh loads it.
#   ci/doctests.sh VERSION OUT_DIR [MAKE_VARIABLE=VALUE...]   (the .ko is copied to OUT_DIR)
# With KFILES_RUSTDOC_LOG=FILE it then renders the crates' rustdoc too, once
# each (this module links them all), from the objects just built, and ends
# FILE with "rustdoc: ok" or "rustdoc: FAIL ..." (its failure does not fail
# this script: ci/test.sh counts it on its own).
source "$(dirname "$0")/lib.sh"
ver=${1:?usage: ci/doctests.sh VERSION OUT_DIR}
out=${2:?usage: ci/doctests.sh VERSION OUT_DIR}
shift 2
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$KFILES_ROOT"/ci/doctests/{Kbuild,doctest.rs,doctest_io.c} "$tmp/"
python3 "$KFILES_ROOT/ci/doctests.py" "$tmp/kfiles_doctests_main.rs" >"$tmp/counts" \
    || die "ci/doctests.py could not turn the documentation examples into tests"
read -r run skipped <"$tmp/counts"
read -r -a mk <<<"$(kmake_vars)"
say "Building the documentation examples ($run run, $skipped not run) against Linux $ver"
make -C "$kdir" M="$tmp" "${mk[@]}" KFILES_DIR="$KFILES_ROOT" "$@" modules >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; die "the documentation examples do not build against Linux $ver"; }
no_kbuild_warnings "$tmp/build.log" "the documentation examples against Linux $ver"
mkdir -p "$out"
cp "$tmp/kfiles_doctests.ko" "$out/"
if [ -n "${KFILES_RUSTDOC_LOG:-}" ]; then
    (
        d0=$SECONDS
        doc=$(kernel_rustdoc "$ver" "$kdir")
        make -C "$kdir" M="$tmp" "${mk[@]}" KFILES_DIR="$KFILES_ROOT" KFILES_RUSTDOC="$doc" "$@" \
            modules || die "rustdoc of the crates failed"
        no_kbuild_warnings "$KFILES_RUSTDOC_LOG" "rustdoc"
        rustdoc_complete "$doc"
        echo "rustdoc: ok, $doc/debugfs_rs/index.html ($((SECONDS - d0)) s)"
    ) >"$KFILES_RUSTDOC_LOG" 2>&1 || echo "rustdoc: FAIL (log: $KFILES_RUSTDOC_LOG)" >>"$KFILES_RUSTDOC_LOG"
fi
