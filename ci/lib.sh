# Shared settings for the ci/ scripts. Source it; do not run it.
#
# Everything built here lives outside the clone, under $KFILES_CACHE
# (default ~/.cache/kfiles-rs), so a fresh clone reuses earlier work:
#   $KFILES_CACHE/tools/bin/bindgen        bindgen-cli
#   $KFILES_CACHE/src/linux-<ver>/         unpacked kernel sources
#   $KFILES_CACHE/build/<ver>-<key>/       out-of-tree kernel build (O=),
#                                          keyed by config and toolchain

set -euo pipefail

KFILES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KFILES_CACHE=${KFILES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kfiles-rs}
mkdir -p "$KFILES_CACHE"
# Build logs and guest run directories of this checkout. Point it elsewhere
# to build and boot two checkouts at once (they share the kernels above).
KFILES_SCRATCH=${KFILES_SCRATCH:-$KFILES_CACHE}
mkdir -p "$KFILES_SCRATCH"

# The kernels we support. The first is the default.
KFILES_KERNELS=(6.12 7.3)
# Kernels built distribution-like (ci/kconfig/dist.config: kCFI, IBT,
# retpolines, PREEMPT, MODVERSIONS, hardening) unless KFILES_DEBUG=1. (A
# lower-case array: the variable itself must stay a string that child
# scripts inherit; bash does not export arrays.)
read -r -a kfiles_dist_kernels <<<"${KFILES_DIST_KERNELS-7.3}"
BINDGEN_VERSION=0.73.2
LLVM_VERSION=19

# Debian's rustc (with its library sources) builds kernel code; the rustup
# toolchain has no rust-src. Host `cargo test` keeps using rustup's.
KRUSTC=/usr/bin/rustc
KRUSTDOC=/usr/bin/rustdoc
export PATH="/usr/lib/llvm-$LLVM_VERSION/bin:$KFILES_CACHE/tools/bin:$HOME/.cargo/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
# Every make (modules, the external driver, the doc examples) runs a job per
# core: each module directory compiles its own copy of the crates, and one
# job at a time left a core idle (the module builds took twice as long).
case " ${MAKEFLAGS:-} " in
*" -j"* | *" --jobs"*) ;;
*) export MAKEFLAGS="${MAKEFLAGS:+$MAKEFLAGS }-j$(nproc)" ;;
esac

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

rust_lib_src() {
    local d
    d=$(ls -d /usr/src/rustc-*/library 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] || die "Debian's rust-web-src is not installed (run ci/setup.sh)"
    echo "$d"
}

# Make variables every kernel-side build needs.
kmake_vars() {
    echo LLVM=1 "RUSTC=$KRUSTC" "RUSTDOC=$KRUSTDOC" "RUST_LIB_SRC=$(rust_lib_src)" \
        "BINDGEN=$KFILES_CACHE/tools/bin/bindgen" "HOSTRUSTC=$KRUSTC" \
        CLIPPY_DRIVER=/usr/bin/clippy-driver RUSTFMT=/usr/bin/rustfmt
}

# The configuration of kernel series $1: "debug" (KFILES_DEBUG=1), "bare"
# (KFILES_BARE=1), "dist" (a series in KFILES_DIST_KERNELS) or "plain".
kernel_flavour() {
    local v
    if [ "${KFILES_DEBUG:-0}" = 1 ]; then echo debug; return; fi
    if [ "${KFILES_BARE:-0}" = 1 ]; then echo bare; return; fi
    for v in "${kfiles_dist_kernels[@]}"; do
        [ "$v" = "$1" ] && { echo dist; return; }
    done
    echo plain
}

# The config fragments merged over tinyconfig for kernel series $1.
kernel_fragments() {
    echo "$KFILES_ROOT/ci/kconfig/base.config"
    case $(kernel_flavour "$1") in
    debug) echo "$KFILES_ROOT/ci/kconfig/debug.config" ;;
    bare) echo "$KFILES_ROOT/ci/kconfig/bare.config" ;;
    dist) echo "$KFILES_ROOT/ci/kconfig/dist.config" ;;
    esac
}

# Short hash of the things a kernel build depends on.
kernel_key() {
    local ver=$1 f
    {
        while read -r f; do cat "$f"; done < <(kernel_fragments "$ver")
        echo "$ver"
        "$KRUSTC" --version
        clang --version | head -n 1
        bindgen --version 2>/dev/null || true
        # Kbuild also compares pahole's version with the one the tree was
        # configured with (CONFIG_PAHOLE_VERSION) and warns when it differs,
        # which fails the warning-free module build: a pahole installed
        # later must give another tree. (No line without pahole, so the
        # trees cached before this line keep their key.)
        if command -v pahole >/dev/null; then echo "pahole $(pahole --version)"; fi
    } | sha256sum | cut -c1-12
}

# Compiler and clippy diagnostics in a Kbuild log: Rust ones start a line, C
# ones follow "file:line:col: ".
KBUILD_DIAGNOSTIC='^(warning|error)(\[|:)|: (warning|error):'

# Fails, showing them, if the Kbuild log $1 holds diagnostics: every build of
# the project is warning-free. $2 names what was built.
no_kbuild_warnings() {
    if grep -E "$KBUILD_DIAGNOSTIC" "$1" >/dev/null; then
        grep -E -A8 "$KBUILD_DIAGNOSTIC" "$1" | head -n 80
        die "$2 printed warnings (log: $1)"
    fi
}

# The kfiles crates whose rustdoc is rendered (ci/doctests.sh links them all).
KFILES_DOC_CRATES=(debugfs_rs procfs_rs seqfile_rs relay_rs process_list periodic_work kfiles_attr
    kfiles_file kfiles_compat kfiles_core)

# Echo where the kernel crate's rustdoc for kernel $1 (prepared tree $2) is,
# rendering it first if needed (make rustdoc; about 1 minute, once per tree).
# The kfiles crates' rustdoc goes beside it so that kernel types link.
kernel_rustdoc() {
    local ver=$1 kdir=$2 mk out
    read -r -a mk <<<"$(kmake_vars)"
    out=$kdir/Documentation/output/rust/rustdoc
    if [ ! -f "$out/kernel/index.html" ]; then
        say "Rendering the kernel crate's rustdoc (make rustdoc; about 1 minute)"
        make -s -C "$KFILES_CACHE/src/linux-source-$ver" O="$kdir" "${mk[@]}" rustdoc \
            >"$kdir/kfiles-rustdoc.log" 2>&1 \
            || { tail -n 30 "$kdir/kfiles-rustdoc.log" >&2; die "make rustdoc failed"; }
    fi
    # Pages of an earlier run must not pass for this one's.
    local c
    for c in "${KFILES_DOC_CRATES[@]}"; do rm -rf "${out:?}/$c"; done
    echo "$out"
}

# Fail unless rustdoc output directory $1 has every kfiles crate's pages.
rustdoc_complete() {
    local c
    for c in "${KFILES_DOC_CRATES[@]}"; do
        [ -f "$1/$c/index.html" ] || die "no documentation for $c in $1"
    done
}

kernel_src_dir() { ls -d "$KFILES_CACHE"/src/linux-source-"$1" 2>/dev/null || true; }

# Echo the prepared build directory (KDIR) of kernel series $1, or fail.
kernel_build_dir() {
    local ver=$1 d
    d="$KFILES_CACHE/build/$ver-$(kernel_key "$ver")"
    case $(kernel_flavour "$ver") in
    debug | bare | dist) d="$d-$(kernel_flavour "$ver")" ;;
    esac
    echo "$d"
}
