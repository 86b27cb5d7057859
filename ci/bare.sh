#!/usr/bin/env bash
# Kernels without debugfs, procfs or relay: against Linux VERSION configured
# without all three (ci/kconfig/bare.config), ci/bare builds and links with
# the crates that need none of them, and kbuild/kfiles.mk refuses each crate
# that needs one, naming it and the option. Build only; nothing is booted.
#   ci/bare.sh VERSION        (prints "N passed, N failed" style lines)
source "$(dirname "$0")/lib.sh"
ver=${1:?usage: ci/bare.sh VERSION}
export KFILES_BARE=1 KFILES_DEBUG=0
bash "$KFILES_ROOT/ci/kernel.sh" "$ver"
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
read -r -a mk <<<"$(kmake_vars)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
build() { # LOG [MAKE ARGS...]
    local log=$1
    shift
    rm -rf "$tmp/m"
    mkdir -p "$tmp/m"
    cp "$KFILES_ROOT"/ci/bare/Kbuild "$KFILES_ROOT"/ci/bare/*.rs "$tmp/m/"
    make -C "$kdir" M="$tmp/m" "${mk[@]}" KFILES_DIR="$KFILES_ROOT" "$@" modules >"$log" 2>&1
}
if build "$tmp/ok.log" && [ -f "$tmp/m/kfiles_bare.ko" ] &&
    ! grep -E "$KBUILD_DIAGNOSTIC|WARNING:" "$tmp/ok.log" >/dev/null; then
    echo "  ok kfiles_bare (seqfile-rs, kfiles-attr, process-list, periodic-work) builds without debugfs, procfs and relay"
else
    tail -n 40 "$tmp/ok.log"
    echo "  FAIL kfiles_bare does not build cleanly without debugfs, procfs and relay"
    fail=1
fi
for want in debugfs_rs:CONFIG_DEBUG_FS procfs_rs:CONFIG_PROC_FS relay_rs:CONFIG_RELAY; do
    crate=${want%%:*} opt=${want#*:}
    if build "$tmp/$crate.log" KFILES_CRATES="$crate"; then
        echo "  FAIL a module naming $crate built without $opt"
        fail=1
    elif grep -q "kfiles: this kernel lacks what these crates need (crate/option):.*$crate/$opt" "$tmp/$crate.log"; then
        echo "  ok $crate is refused without $opt: $(grep -o 'kfiles: this kernel lacks.*' "$tmp/$crate.log" | head -n 1 | cut -c1-120)"
    else
        tail -n 20 "$tmp/$crate.log"
        echo "  FAIL $crate without $opt failed without kfiles.mk's message"
        fail=1
    fi
done
exit $fail
