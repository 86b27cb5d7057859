#!/usr/bin/env bash
# Render the crates' rustdoc as HTML against a prepared kernel tree, beside
# the kernel crate's own documentation so that kernel types link. The
# crates are built once, as the documentation examples' module, which links
# them all (ci/doctests.sh), and each is rendered once.
#   ci/doc.sh [VERSION]     (default: the first supported kernel)
source "$(dirname "$0")/lib.sh"
ver=${1:-${KFILES_KERNELS[0]}}
bash "$KFILES_ROOT/ci/kernel.sh" "$ver"
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say "Rendering the kfiles crates' rustdoc"
log=$KFILES_CACHE/doc-$ver.log
KFILES_RUSTDOC_LOG=$log bash "$KFILES_ROOT/ci/doctests.sh" "$ver" "$tmp"
tail -n 1 "$log"
grep -q '^rustdoc: ok' "$log" || { tail -n 40 "$log"; die "rustdoc of the crates failed"; }
