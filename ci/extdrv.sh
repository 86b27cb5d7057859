#!/usr/bin/env bash
# Build ci/extdrv, a driver kept outside modules/, in a fresh temporary
# directory, the way a third party would: its own Kbuild includes
# kbuild/kfiles.mk from this repository.
#   ci/extdrv.sh VERSION OUT_DIR      (the .ko is copied to OUT_DIR)
source "$(dirname "$0")/lib.sh"
ver=${1:?usage: ci/extdrv.sh VERSION OUT_DIR}
out=${2:?usage: ci/extdrv.sh VERSION OUT_DIR}
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$KFILES_ROOT"/ci/extdrv/Kbuild "$KFILES_ROOT"/ci/extdrv/*.rs "$tmp/"
read -r -a mk <<<"$(kmake_vars)"
say "Building the external driver in $tmp against Linux $ver"
make -C "$kdir" M="$tmp" "${mk[@]}" KFILES_DIR="$KFILES_ROOT" modules >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; die "external driver build failed"; }
mkdir -p "$out"
cp "$tmp/kfiles_extdrv.ko" "$out/"
