#!/usr/bin/env bash
# Build ci/extdrv, a driver kept outside modules/, in a fresh temporary
# directory, the way a third party would: its own Kbuild includes
# kbuild/kfiles.mk from this repository.
#   ci/extdrv.sh VERSION OUT_DIR [MAKE_VARIABLE=VALUE...]   (the .ko is copied to OUT_DIR)
source "$(dirname "$0")/lib.sh"
ver=${1:?usage: ci/extdrv.sh VERSION OUT_DIR}
out=${2:?usage: ci/extdrv.sh VERSION OUT_DIR}
shift 2
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$KFILES_ROOT"/ci/extdrv/Kbuild "$KFILES_ROOT"/ci/extdrv/*.rs "$tmp/"
read -r -a mk <<<"$(kmake_vars)"
say "Building the external driver in $tmp against Linux $ver"
make -C "$kdir" M="$tmp" "${mk[@]}" KFILES_DIR="$KFILES_ROOT" "$@" modules >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; die "external driver build failed"; }
no_kbuild_warnings "$tmp/build.log" "the external driver against Linux $ver"
mkdir -p "$out"
cp "$tmp/kfiles_extdrv.ko" "$out/"
# Editor support for the same driver: kbuild/rust-project.sh must describe the
# kernel's crates, ours and the driver's, with paths that exist (it checks
# them) and the driver depending on the crates it links.
bash "$KFILES_ROOT/kbuild/rust-project.sh" "$kdir" "$tmp" "${mk[@]}" >"$tmp/ra.log" 2>&1 \
    || { cat "$tmp/ra.log"; die "kbuild/rust-project.sh failed for the external driver"; }
python3 - "$tmp/rust-project.json" <<'PY' || die "the external driver's rust-project.json is incomplete"
import json, sys
crates = json.load(open(sys.argv[1]))["crates"]
by_name = {c["display_name"]: c for c in crates}
need = ["core", "kernel", "kfiles_ffi", "debugfs_rs", "procfs_rs", "relay_rs", "kfiles_extdrv_main"]
missing = [n for n in need if n not in by_name]
deps = {crates[d["crate"]]["display_name"] for d in by_name.get("kfiles_extdrv_main", {}).get("deps", [])}
if missing or not {"kernel", "debugfs_rs", "kfiles_attr"} <= deps:
    sys.exit(f"missing crates {missing}, driver deps {sorted(deps)}")
PY
