#!/usr/bin/env bash
# Format every Rust file with rustfmt and the kernel's .rustfmt.toml.
#   ci/fmt.sh [--check]
source "$(dirname "$0")/lib.sh"
src=$KFILES_CACHE/src/linux-source-${KFILES_KERNELS[0]}
[ -f "$src/.rustfmt.toml" ] || die "no kernel sources in $src (run ci/kernel.sh)"
cd "$KFILES_ROOT"
# Every tracked or new .rs file, the generated ones (ignored) excepted.
/usr/bin/rustfmt --edition 2021 --config-path "$src/.rustfmt.toml" "$@" \
    $(git ls-files --cached --others --exclude-standard '*.rs')
