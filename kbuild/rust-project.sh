#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Writes DRIVER_DIR/rust-project.json for rust-analyzer: the kernel's crates
# of the prepared tree KDIR (core, kernel, pin-init, macros, bindings, ...),
# the kfiles crates the driver links (with the --cfg flags they are built
# with) and the driver's own crates, which depend on both.
#
#   kbuild/rust-project.sh KDIR [DRIVER_DIR] [MAKE_VARIABLE=VALUE...]
#
# On 6.12, whose `make M=DIR rust-analyzer` is broken, the tree-wide
# `make rust-analyzer` runs instead, which writes into KDIR: KDIR must be
# writable there, and two runs against one tree must not overlap.
#
# DRIVER_DIR (default: the current directory) holds a Kbuild file that
# includes kbuild/kfiles.mk; the make variables are those the driver is built
# with (LLVM=1, RUSTC=..., BINDGEN=...). The driver is built first: the crate
# list and the generated bindings come from that build. The kernel's own
# `make M=DIR rust-analyzer` describes the kernel crates and the driver.
set -euo pipefail
kdir=${1:?usage: kbuild/rust-project.sh KDIR [DRIVER_DIR] [MAKE_VARIABLE=VALUE...]}
shift
dir=.
case ${1:-} in
"" | *=*) ;;
*) dir=$1; shift ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
dir=$(cd "$dir" && pwd)
kdir=$(cd "$kdir" && pwd)
log=$(mktemp)
new=$(mktemp)
trap 'rm -f "$log" "$new"' EXIT
# The list must come from this build (another kernel or KFILES_CRATES may
# have left one).
rm -f "$dir/kfiles-crates.txt"
# A driver that does not compile yet still gets a project, as long as the
# crates' part of the build (which comes first) ran.
if ! make -C "$kdir" M="$dir" KFILES_DIR="$(dirname "$here")" KFILES_RUST_PROJECT=1 "$@" modules >"$log" 2>&1; then
    [ -f "$dir/kfiles-crates.txt" ] || { cat "$log" >&2; echo "rust-project.sh: the build did not get as far as the crates" >&2; exit 1; }
    echo "rust-project.sh: note: the driver does not build yet (make's output follows)" >&2
    tail -n 20 "$log" >&2
fi
# The driver's own rust-project.json is replaced only once the new one is
# complete.
json=$dir/rust-project.json
[ ! -f "$json" ] || mv "$json" "$json.old"
if make -C "$kdir" M="$dir" "$@" rust-analyzer >"$log" 2>&1 && [ -f "$json" ]; then
    mv "$json" "$new"
    add=
else
    # 6.12's `make M=DIR rust-analyzer` looks for rust/Makefile in the wrong
    # place (fixed in later kernels): describe the kernel's crates alone,
    # and let rust-project.py add the driver's.
    if ! make -C "$kdir" "$@" rust-analyzer >"$log" 2>&1; then
        [ ! -f "$json.old" ] || mv "$json.old" "$json"
        cat "$log" >&2
        exit 1
    fi
    mv "$kdir/rust-project.json" "$new"
    add=--add-driver-crates
fi
if ! python3 "$here/rust-project.py" $add "$new" "$dir/kfiles-crates.txt" "$dir" "$kdir"; then
    [ ! -f "$json.old" ] || mv "$json.old" "$json"
    exit 1
fi
mv "$new" "$json"
rm -f "$json.old"
echo "$json"
