#!/usr/bin/env bash
# Fetch, configure and build a kernel out of tree, cached under $KFILES_CACHE.
#   ci/kernel.sh [6.12|7.3]...   (default: all supported kernels)
# Prints nothing else to stdout; the prepared KDIR is found with
# `ci/kdir.sh VERSION`. Set KFILES_DEBUG=1 for the debug configuration.
source "$(dirname "$0")/lib.sh"

fetch_source() {
    local ver=$1 tarball dest
    dest="$KFILES_CACHE/src/linux-source-$ver"
    [ -f "$dest/Makefile" ] && return 0
    tarball=/usr/src/linux-source-$ver.tar.xz
    if [ ! -f "$tarball" ]; then
        tarball=$(ls "$KFILES_CACHE"/debs/usr/src/linux-source-"$ver".tar.xz 2>/dev/null || true)
    fi
    if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
        case $ver in
        6.12)
            die "/usr/src/linux-source-6.12.tar.xz is missing (run ci/setup.sh)" ;;
        *)
            fetch_backports_source "$ver"
            tarball=$KFILES_CACHE/debs/usr/src/linux-source-$ver.tar.xz ;;
        esac
    fi
    say "Unpacking $(basename "$tarball") (about 1 minute)"
    mkdir -p "$KFILES_CACHE/src"
    rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
    tar -xJf "$tarball" -C "$dest.tmp" --strip-components=1
    mv "$dest.tmp" "$dest"
}

# linux-source-7.3 lives in trixie-backports of the archive this machine
# already uses; download just that package through a temporary sources list.
fetch_backports_source() {
    local ver=$1 uri tmp
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || die "cannot find the Debian archive URI in /etc/apt/sources.list.d/debian.sources"
    say "Downloading linux-source-$ver from trixie-backports (about 1 minute)"
    tmp=$(mktemp -d)
    mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
    echo "deb [trusted=yes] $uri trixie-backports main" >"$tmp/sources.list"
    local aptopts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
        -o APT::Sandbox::User=root)
    apt-get "${aptopts[@]}" update -q >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log"; die "apt-get update of trixie-backports failed"; }
    (cd "$tmp" && apt-get "${aptopts[@]}" download "linux-source-$ver") >"$tmp/dl.log" 2>&1 \
        || { cat "$tmp/dl.log"; die "linux-source-$ver cannot be downloaded"; }
    mkdir -p "$KFILES_CACHE/debs"
    dpkg-deb -x "$tmp"/linux-source-"$ver"_*.deb "$KFILES_CACHE/debs"
    rm -rf "$tmp"
}

build_kernel() {
    local ver=$1 src out
    src="$KFILES_CACHE/src/linux-source-$ver"
    out=$(kernel_build_dir "$ver")
    if [ -f "$out/.kfiles-ready" ]; then
        return 0
    fi
    fetch_source "$ver"
    local kv
    kv=$(make -s -C "$src" kernelversion)
    mkdir -p "$out"
    local -a mk
    read -r -a mk <<<"$(kmake_vars)"
    say "Configuring Linux $kv in $out"
    make -s -C "$src" O="$out" "${mk[@]}" tinyconfig >"$out/kfiles-config.log" 2>&1
    local frags
    mapfile -t frags < <(kernel_fragments "$ver")
    (cd "$out" && KCONFIG_CONFIG=.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}") \
        >>"$out/kfiles-config.log" 2>&1
    make -s -C "$src" O="$out" "${mk[@]}" olddefconfig >>"$out/kfiles-config.log" 2>&1
    grep -q '^CONFIG_RUST=y' "$out/.config" || {
        make -C "$src" O="$out" "${mk[@]}" rustavailable || true
        die "CONFIG_RUST did not survive olddefconfig for $kv (see $out/kfiles-config.log)"
    }
    # What the fragments ask for, the last word on each option winning
    # (bare.config turns off what base.config turns on).
    local cfg want miss=()
    while read -r cfg want; do
        if [ "$want" = y ]; then
            if ! grep -qx "$cfg=y" "$out/.config"; then miss+=("$cfg=y"); fi
        elif grep -q "^$cfg=" "$out/.config"; then
            miss+=("$cfg off")
        fi
    done < <(sed -nE 's/^(CONFIG_[A-Z0-9_]+)=y$/\1 y/p; s/^# (CONFIG_[A-Z0-9_]+) is not set$/\1 n/p' "${frags[@]}" |
        awk '{last[$1] = $2} END {for (c in last) print c, last[c]}')
    if [ ${#miss[@]} -gt 0 ]; then
        # A distribution-like kernel without, say, CFI would pass for one;
        # a bare one with debugfs would prove nothing.
        case $(kernel_flavour "$ver") in
        dist | bare) die "not as asked after olddefconfig for $kv: ${miss[*]} (see $out/kfiles-config.log)" ;;
        esac
        say "warning: not as asked after olddefconfig: ${miss[*]}"
    fi
    say "Building Linux $kv (about 6-9 minutes on 2 cores; log: $out/kfiles-build.log)"
    local t0=$SECONDS
    make -C "$src" O="$out" "${mk[@]}" -j"$(($(nproc) + 1))" >"$out/kfiles-build.log" 2>&1 \
        || { tail -n 40 "$out/kfiles-build.log"; die "kernel build of $kv failed"; }
    # rust/ artifacts (libkernel.rmeta, ...) are what out-of-tree Rust modules link against.
    [ -f "$out/rust/libkernel.rmeta" ] || die "no rust/libkernel.rmeta in $out"
    echo "$kv" >"$out/.kfiles-ready"
    say "Linux $kv built in $((SECONDS - t0)) s"
}

vers=("$@")
[ ${#vers[@]} -gt 0 ] || vers=("${KFILES_KERNELS[@]}")
for v in "${vers[@]}"; do
    build_kernel "$v"
done
