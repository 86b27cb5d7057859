#!/usr/bin/env bash
# The main job: set up, build the crates and demo modules against the default
# kernel (or VERSION), boot them in QEMU and show each demo working.
#   ci/demo.sh [VERSION]
source "$(dirname "$0")/lib.sh"
ver=${1:-${KFILES_KERNELS[0]}}
bash "$KFILES_ROOT/ci/setup.sh"
bash "$KFILES_ROOT/ci/kernel.sh" "$ver"
kos=$KFILES_CACHE/ko/$ver
bash "$KFILES_ROOT/ci/build-modules.sh" "$ver" "$kos"
bash "$KFILES_ROOT/ci/qemu-run.sh" "$ver" demo "$kos"/*.ko
