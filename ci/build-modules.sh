#!/usr/bin/env bash
# Build the demo modules and the external driver against kernel VERSION and
# collect the .ko files in OUT_DIR.
#   ci/build-modules.sh VERSION OUT_DIR [CLIPPY=1]
source "$(dirname "$0")/lib.sh"
ver=${1:?usage: ci/build-modules.sh VERSION OUT_DIR}
out=${2:?usage: ci/build-modules.sh VERSION OUT_DIR}
shift 2
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
say "Building crates and demo modules against Linux $ver"
# modules/ is built in place (M=); start clean so no object of the other
# kernel is reused.
make -s -C "$KFILES_ROOT/modules" KDIR="$kdir" clean >/dev/null
log=$KFILES_SCRATCH/modules-$ver.log
make -C "$KFILES_ROOT/modules" KDIR="$kdir" "$@" >"$log" 2>&1 || { tail -n 60 "$log"; die "module build failed against Linux $ver (log: $log)"; }
no_kbuild_warnings "$log" "the module build against Linux $ver"
rm -rf "$out"
mkdir -p "$out"
find "$KFILES_ROOT/modules" -name '*.ko' -exec cp {} "$out/" \;
bash "$KFILES_ROOT/ci/extdrv.sh" "$ver" "$out" "$@"
bash "$KFILES_ROOT/ci/doctests.sh" "$ver" "$out" "$@"
ls "$out"/*.ko >/dev/null || die "no modules built"
