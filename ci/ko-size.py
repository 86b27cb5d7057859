#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a module's code bytes come from.

    ci/ko-size.py NM MODULE.ko...

NM is llvm-nm. For each module, sums the sizes of its code symbols (text,
init and exit text) by origin: each Rust crate (the crate a function's
demangled path starts with, generic instances included: they are compiled
into the module that uses them), the crates' C helpers (`kfiles_*`), and the
module's own C functions. Prints one Markdown table: a row per module, a
column per origin that any module has, largest first.
"""
import collections
import re
import subprocess
import sys

# A demangled Rust path starts with its crate, possibly inside `<...>` (an
# impl: `<Type as Trait>::f`, whose crate is the Type's).
CRATE = re.compile(r"^<*&?(?:mut )?(?:dyn )?([a-z_][a-z0-9_]*)::")


def origin(name):
    # kCFI's type-hash preambles and call padding before each function
    # (distribution-like kernels) are symbols of their own.
    if name.startswith(("__cfi_", "__pfx_")):
        return "kCFI, padding"
    if "::" not in name:
        return "C helpers" if name.startswith("kfiles_") else "module's C"
    m = CRATE.match(name)
    if not m:
        return "other Rust"
    crate = m.group(1)
    # The module's own crate is named after its main file.
    if crate.endswith("_main"):
        return "module's Rust"
    return crate


def sizes(nm, ko):
    out = subprocess.run([nm, "-C", "-S", "--defined-only", ko], check=True,
                         capture_output=True, text=True).stdout
    total = collections.Counter()
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) != 4 or parts[2] not in ("t", "T"):
            continue
        total[origin(parts[3])] += int(parts[1], 16)
    return total


def main():
    nm, kos = sys.argv[1], sys.argv[2:]
    rows = [(ko.rsplit("/", 1)[-1].removesuffix(".ko"), sizes(nm, ko)) for ko in kos]
    overall = collections.Counter()
    for _, s in rows:
        overall.update(s)
    cols = [c for c, _ in overall.most_common()]
    print("| module | code | " + " | ".join(cols) + " |")
    print("|---|---:|" + "---:|" * len(cols))
    for name, s in rows:
        print(f"| {name} | {sum(s.values())} | " + " | ".join(str(s.get(c, 0)) for c in cols) + " |")


if __name__ == "__main__":
    main()
