#!/usr/bin/env bash
# Print what a kernel-side build needs, for Makefiles and scripts:
#   ci/kdir.sh VERSION      the prepared build tree (KDIR) of kernel VERSION
#   ci/kdir.sh --make-vars  make variables for the toolchain (LLVM=1 RUSTC=...)
#   ci/kdir.sh --path       the PATH to build with
source "$(dirname "$0")/lib.sh"
case ${1:-} in
--make-vars) kmake_vars ;;
--path) echo "$PATH" ;;
"") die "usage: ci/kdir.sh VERSION|--make-vars|--path" ;;
*)
    d=$(kernel_build_dir "$1")
    [ -f "$d/.kfiles-ready" ] || die "Linux $1 is not prepared in $d; run ci/kernel.sh $1"
    echo "$d" ;;
esac
