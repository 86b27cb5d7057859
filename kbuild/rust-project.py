#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Adds the kfiles crates to a rust-project.json from `make M=DIR rust-analyzer`.

    rust-project.py [--add-driver-crates] RUST_PROJECT_JSON KFILES_CRATES_TXT DRIVER_DIR KDIR

KFILES_CRATES_TXT is written by kbuild/kfiles.mk (KFILES_RUST_PROJECT=1): one
line per crate the driver links, "NAME ROOT DEPS...", then "cfgs FLAGS..." and
"externs CRATES...". The kfiles crates are added with the kernel's cfg list
plus their own flags and depend on the kernel's crates; the driver's crates
(already listed by the kernel's script) get absolute paths and the kfiles
crates as dependencies. With --add-driver-crates (the JSON describes the
kernel only), the driver's crates are found as the kernel's script finds them:
each .rs file whose object the driver's Kbuild or Makefile names.
"""
import json
import pathlib
import sys


def main():
    args = sys.argv[1:]
    add_driver = args[:1] == ["--add-driver-crates"]
    if add_driver:
        args = args[1:]
    json_path, crates_txt, driver, kdir = map(pathlib.Path, args[:4])
    project = json.loads(json_path.read_text())
    crates = project["crates"]
    index = {c["display_name"]: i for i, c in enumerate(crates)}
    for name in ("core", "kernel"):
        if name not in index:
            sys.exit(f"rust-project.py: {json_path} has no `{name}` crate")

    ours, cfgs, externs = [], [], []
    for line in crates_txt.read_text().splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "cfgs":
            # "--cfg kfiles_legacy_api" pairs
            cfgs = [w for w in words[1:] if w != "--cfg"]
        elif words[0] == "externs":
            externs = words[1:]
        else:
            ours.append((words[0], words[1], words[2:]))

    # The kernel's cfg list (CONFIG_*), as its script gives the drivers.
    base_cfg = [line.strip().replace("--cfg=", "")
                for line in (kdir / "include" / "generated" / "rustc_cfg").read_text().splitlines()
                if line.strip()]
    if add_driver:
        # The in-tree samples and drivers are not what the editor works on.
        for c in crates:
            if "/samples/" in c["root_module"] or "/drivers/" in c["root_module"]:
                c["is_workspace_member"] = False
        build = "".join(p.read_text() for p in (driver / "Kbuild", driver / "Makefile") if p.exists())
        for rs in sorted(driver.glob("*.rs")):
            if f"{rs.stem}.o" in build and rs.name != "kfiles_ffi.rs":
                index[rs.stem] = len(crates)
                crates.append({
                    "display_name": rs.stem,
                    "root_module": rs.name,
                    "is_workspace_member": True,
                    "deps": [{"crate": index[n], "name": n}
                             for n in ("core", "kernel", "pin_init", "macros") if n in index],
                    "cfg": list(base_cfg),
                    "edition": "2021",
                    "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
                })
    driver_crates = [i for i, c in enumerate(crates)
                     if not pathlib.Path(c["root_module"]).is_absolute()
                     or pathlib.Path(c["root_module"]).resolve().is_relative_to(driver.resolve())]
    kernel_deps = [{"crate": index[n], "name": n}
                   for n in ("core", "kernel", "pin_init", "ffi", "macros", "bindings")
                   if n in index]

    for name, root, deps in ours:
        if name in index:
            continue
        dep_list = list(kernel_deps) + [{"crate": index[d], "name": d} for d in deps]
        index[name] = len(crates)
        crates.append({
            "display_name": name,
            "root_module": str(pathlib.Path(root).resolve()),
            "is_workspace_member": name != "static_assertions",
            "deps": dep_list,
            "cfg": base_cfg + cfgs,
            "edition": "2021",
            "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
        })

    for i in driver_crates:
        c = crates[i]
        c["root_module"] = str((driver / c["root_module"]).resolve())
        have = {d["name"] for d in c["deps"]}
        c["deps"] += [{"crate": index[e], "name": e} for e in externs if e not in have]
        c["cfg"] = list(c["cfg"]) + [f for f in cfgs if f not in c["cfg"]]

    for c in crates:
        if not pathlib.Path(c["root_module"]).exists():
            sys.exit(f"rust-project.py: {c['display_name']}: {c['root_module']} does not exist")
    json_path.write_text(json.dumps(project, sort_keys=True, indent=4) + "\n")


if __name__ == "__main__":
    main()
