#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks docs/api-coverage.md against the four C headers of each kernel.

    ci/api-coverage.py check TABLE REPO SRC_6_12 SRC_7_3
    ci/api-coverage.py names SRC...     (the names each header declares)

Every function and macro that include/linux/{proc_fs,seq_file,debugfs,relay}.h
declare on either kernel must have one row in the table, with the kernels
that declare it marked, and every row must name something a header declares.
A row whose status is `safe` or `replaced` must name at least one Rust item
(`crate::path::item`), and every Rust item named must exist in the crates
(its last segment defined public, as a fn, struct, enum, trait, type, const,
macro or public enum's variant, in the kernel crates; not an `unsafe fn` in a
`safe` or `replaced` row). Prints the differences and exits 1 if any.
"""
import pathlib
import re
import sys

HEADERS = ["proc_fs", "seq_file", "debugfs", "relay"]
VERSIONS = ["6.12", "7.3"]
STATUSES = {"safe", "replaced", "internal", "not offered", "not yet"}
CRATES = {
    "debugfs_rs": "debugfs-rs",
    "procfs_rs": "procfs-rs",
    "seqfile_rs": "seqfile-rs",
    "relay_rs": "relay-rs",
    "kfiles_file": "kfiles-file",
    "kfiles_attr": "kfiles-attr",
    "kfiles_core": "kfiles-core",
}


def header_names(path):
    """The functions and macros a header declares or defines."""
    src = pathlib.Path(path).read_text()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    names = set()
    for m in re.finditer(r"^\s*#\s*define\s+([A-Za-z_]\w*)", src, flags=re.M):
        name = m.group(1)
        if not re.fullmatch(r"_+[A-Z_]+_H_*", name):  # include guards
            names.add(name)
    # Top-level declarations and definitions, bodies skipped.
    # Preprocessor lines, continued ones included; attribute macros after
    # a declaration's parameters.
    text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", src, flags=re.M)
    text = re.sub(r"\b__(?:printf|acquires|releases|must_hold|cond_acquires)\s*\([^()]*\)", "", text)
    depth, buf, tops = 0, "", []
    for ch in text:
        if ch == "{":
            if depth == 0:
                tops.append(buf)
                buf = ""
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            buf += ch
            if ch == ";":
                tops.append(buf)
                buf = ""
    for top in tops:
        top = " ".join(top.split())
        if top.startswith("typedef"):
            continue
        m = re.search(r"([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)[^()]*;?$", top)
        # A function has a return type before its name (a macro invoked
        # at top level, `context_lock_struct(x) {`, has none).
        if m and top[: m.start()].strip():
            names.add(m.group(1))
    return names


def declared(srcs):
    """{name: (header, {versions})} over both kernels."""
    out = {}
    for ver, src in zip(VERSIONS, srcs):
        for h in HEADERS:
            for name in header_names(f"{src}/include/linux/{h}.h"):
                out.setdefault(name, (h, set()))[1].add(ver)
    return out


def rust_items(repo):
    """The public items of the kernel crates: {name: unsafe?}. A name is
    unsafe only if every public definition of it is an `unsafe fn`."""
    items = {}
    pat = re.compile(
        r"\bpub\s+(unsafe\s+)?(?:const\s+)?(?:fn|struct|enum|trait|type|const|static)\s+"
        r"([A-Za-z_]\w*)|macro_rules!\s+([A-Za-z_]\w*)"
    )
    for crate in CRATES.values():
        for f in pathlib.Path(repo, "crates", crate, "src").glob("**/*.rs"):
            text = re.sub(r"//[^\n]*", "", f.read_text())
            for m in pat.finditer(text):
                name = m.group(2) or m.group(3)
                items[name] = items.get(name, True) and bool(m.group(1))
            # Items of public traits (no `pub` of their own).
            for body in re.findall(r"\bpub\s+(?:unsafe\s+)?trait\s+\w+[^{]*\{(.*?)\n\}", text, flags=re.S):
                for m in re.finditer(r"^\s+(unsafe\s+)?(?:const|fn|type)\s+([A-Za-z_]\w*)", body, flags=re.M):
                    items[m.group(2)] = items.get(m.group(2), True) and bool(m.group(1))
            # Variants of public enums.
            for body in re.findall(r"\bpub\s+enum\s+\w+[^{]*\{(.*?)\n\}", text, flags=re.S):
                for v in re.findall(r"^\s+([A-Z]\w*)\s*[,({]", body, flags=re.M):
                    items.setdefault(v, False)
    return items


def table_rows(path):
    rows = {}
    for line in pathlib.Path(path).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith("`"):
            continue
        rows.setdefault(cells[0].strip("`"), []).append(cells)
    return rows


def check(table, repo, srcs):
    decl = declared(srcs)
    rows = table_rows(table)
    items = rust_items(repo)
    errors = []
    for name, (h, vers) in sorted(decl.items()):
        if name not in rows:
            errors.append(f"{h}.h: {name} ({', '.join(sorted(vers))}) has no row")
    for name, found in sorted(rows.items()):
        if len(found) > 1:
            errors.append(f"{name}: {len(found)} rows")
        cells = found[0]
        if name not in decl:
            errors.append(f"{name}: no header declares it")
            continue
        h, vers = decl[name]
        if cells[1] != f"{h}.h":
            errors.append(f"{name}: in {h}.h, the row says {cells[1]}")
        marks = {v for v, c in zip(VERSIONS, cells[2:4]) if c == "yes"}
        if marks != vers:
            errors.append(f"{name}: declared on {sorted(vers)}, the row says {sorted(marks)}")
        if cells[4] not in STATUSES:
            errors.append(f"{name}: unknown status {cells[4]!r}")
        paths = re.findall(r"`([a-z_]+(?:::[A-Za-z_]\w*)+)`", cells[5])
        paths = [p for p in paths if p.split("::")[0] in CRATES]
        if cells[4] in ("safe", "replaced") and not paths:
            errors.append(f"{name}: status {cells[4]} names no Rust item")
        for p in paths:
            last = p.split("::")[-1]
            if last not in items:
                errors.append(f"{name}: {p} is not a public item of the crates")
            elif items[last] and cells[4] in ("safe", "replaced"):
                errors.append(f"{name}: {p} is an unsafe fn, not a safe form")
    for e in errors:
        print(f"  FAIL api-coverage: {e}")
    print(f"  docs/api-coverage.md: {len(decl)} names of the four headers, {len(errors)} problems")
    return not errors


def main():
    if sys.argv[1:2] == ["check"] and len(sys.argv) == 6:
        sys.exit(0 if check(sys.argv[2], sys.argv[3], sys.argv[4:6]) else 1)
    if sys.argv[1:2] == ["names"]:
        for name, (h, vers) in sorted(declared(sys.argv[2:4]).items()):
            print(h, name, " ".join(sorted(vers)))
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
