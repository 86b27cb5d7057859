#!/usr/bin/env bash
# Install the host tools the project needs (idempotent): Debian packages and
# bindgen-cli. Works as root or through sudo.
source "$(dirname "$0")/lib.sh"

PACKAGES=(
    rustc-web rust-web-src rust-web-clippy rustfmt-web  # rustc 1.96, its library sources, clippy, rustfmt
    "clang-$LLVM_VERSION" "lld-$LLVM_VERSION" "llvm-$LLVM_VERSION" "libclang-$LLVM_VERSION-dev"
    make flex bison bc libelf-dev libssl-dev libdw-dev cpio xz-utils kmod gcc libc6-dev
    busybox-static qemu-system-x86 linux-source-6.12
)
# libdw-dev: gendwarfksyms (MODVERSIONS for Rust) of the distribution-like kernel.

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]} (about 2 minutes)"
    $SUDO apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
        >"$KFILES_CACHE/apt.log" 2>&1 || { tail -n 30 "$KFILES_CACHE/apt.log"; die "apt-get install failed (log: $KFILES_CACHE/apt.log)"; }
fi

if ! "$KFILES_CACHE/tools/bin/bindgen" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
    say "Installing bindgen-cli $BINDGEN_VERSION into $KFILES_CACHE/tools (about 2 minutes)"
    command -v cargo >/dev/null || die "cargo is needed to install bindgen-cli"
    cargo install --locked --quiet --root "$KFILES_CACHE/tools" bindgen-cli --version "$BINDGEN_VERSION" \
        || die "cargo install bindgen-cli failed"
fi

"$KRUSTC" --version >/dev/null || die "$KRUSTC is missing"
rust_lib_src >/dev/null
say "Host tools ready: $($KRUSTC --version), clang $LLVM_VERSION, $(bindgen --version)"
