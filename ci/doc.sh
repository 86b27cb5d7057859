#!/usr/bin/env bash
# Render the crates' rustdoc as HTML against a prepared kernel tree, beside
# the kernel crate's own documentation so that kernel types link.
#   ci/doc.sh [VERSION]     (default: the first supported kernel)
source "$(dirname "$0")/lib.sh"
ver=${1:-${KFILES_KERNELS[0]}}
bash "$KFILES_ROOT/ci/kernel.sh" "$ver"
kdir=$(bash "$KFILES_ROOT/ci/kdir.sh" "$ver")
src=$KFILES_CACHE/src/linux-source-$ver
read -r -a mk <<<"$(kmake_vars)"
out=$kdir/Documentation/output/rust/rustdoc
if [ ! -f "$out/kernel/index.html" ]; then
    say "Rendering the kernel crate's rustdoc (make rustdoc; about 1 minute)"
    make -s -C "$src" O="$kdir" "${mk[@]}" rustdoc >"$kdir/kfiles-rustdoc.log" 2>&1 \
        || { tail -n 30 "$kdir/kfiles-rustdoc.log"; die "make rustdoc failed"; }
fi
say "Rendering the kfiles crates' rustdoc"
make -s -C "$KFILES_ROOT/modules" KDIR="$kdir" clean >/dev/null
make -C "$KFILES_ROOT/modules" KDIR="$kdir" KFILES_RUSTDOC="$out" >"$KFILES_CACHE/doc-$ver.log" 2>&1 \
    || { tail -n 40 "$KFILES_CACHE/doc-$ver.log"; die "rustdoc of the crates failed"; }
if grep -E '^(warning|error)(\[|:)' "$KFILES_CACHE/doc-$ver.log" >/dev/null; then
    grep -E -A8 '^(warning|error)(\[|:)' "$KFILES_CACHE/doc-$ver.log" | head -n 60
    die "rustdoc printed warnings (log: $KFILES_CACHE/doc-$ver.log)"
fi
for c in debugfs_rs procfs_rs seqfile_rs process_list kfiles_attr kfiles_file kfiles_compat kfiles_core; do
    [ -f "$out/$c/index.html" ] || die "no documentation for $c in $out"
done
echo "Documentation for Linux $ver: $out/debugfs_rs/index.html (and seqfile_rs, kfiles_attr, ...)"
