#!/usr/bin/env bash
# Cargo.toml is the one truth for the crate graph; kbuild/kfiles.mk repeats
# it for Kbuild. Fail if the two disagree on any kernel crate's dependencies.
source "$(dirname "$0")/lib.sh"
status=0
while read -r crate deps; do
    manifest=$(grep -l "^name = \"${crate}\"" "$KFILES_ROOT"/crates/*/Cargo.toml | head -n 1 || true)
    if [ -z "$manifest" ]; then
        echo "kbuild/kfiles.mk builds $crate, which no Cargo.toml names"
        status=1
        continue
    fi
    cargo_deps=$(sed -n '/^\[dependencies\]/,/^\[/p' "$manifest" | { grep -E '^[a-z_-]+(\.workspace)? *=' || true; } |
        sed -E 's/^([a-z_-]+).*/\1/' | tr - _ | sort | xargs)
    mk_deps=$(echo "$deps" | tr ' ' '\n' | sort | xargs)
    if [ "$cargo_deps" != "$mk_deps" ]; then
        echo "$crate: Cargo.toml has [$cargo_deps], kbuild/kfiles.mk has [$mk_deps]"
        status=1
    fi
done < <(sed -n 's/^\$(eval \$(call kfiles-crate,\([a-z_]*\),[^,]*,\([^,)]*\).*/\1 \2/p' \
    "$KFILES_ROOT/kbuild/kfiles.mk" | grep -v '^static_assertions ')
[ $status -eq 0 ] && echo "kbuild/kfiles.mk matches the Cargo.toml dependencies"
exit $status
