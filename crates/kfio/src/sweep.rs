// SPDX-License-Identifier: GPL-2.0

//! `kfio sweep`: security checks over every file under some roots.
//!
//! ```text
//! kfio sweep access ROOT...     as the calling user: a file opens for reading
//!                               (writing) exactly when its mode and every
//!                               directory above it let "others" do so
//! kfio sweep overlong ROOT...   a 1 MiB write to every writable file fails
//!                               or stores at most 64 KiB (no file takes more
//!                               than its bound)
//! kfio sweep addresses ROOT...  no readable file shows a kernel address
//! ```
//!
//! Each prints one line per problem and ends with "ok N files" or
//! "bad N of M files".

use crate::errno_name;
use std::{
    fs::{self, OpenOptions},
    io::{Read, Write},
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

/// Every regular file (symlinks followed) under `root`.
fn files(root: &Path, out: &mut Vec<PathBuf>) {
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => {
            if let Ok(entries) = fs::read_dir(root) {
                for e in entries.flatten() {
                    files(&e.path(), out);
                }
            }
        }
        Ok(m) if m.is_file() => out.push(root.to_path_buf()),
        _ => {}
    }
}

/// Whether "others" may reach `path`: every directory above it is
/// searchable by them.
fn reachable(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .all(|dir| fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// Relay channel data files (binary records, consumed by reading).
fn relay_data(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.parent()
        .is_some_and(|p| p.to_string_lossy().contains("relay-exam"))
        && name
            .strip_prefix("example")
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
}

/// Where `text` shows something that looks like an x86-64 kernel address
/// (direct map, vmalloc, vmemmap or kernel text), in hex.
pub fn kernel_address(text: &[u8]) -> Option<usize> {
    const PREFIXES: &[&[u8]] = &[
        b"ffff88",
        b"ffffc9",
        b"ffffea",
        b"ffffffff8",
        b"ffffffffa",
        b"ffffffffc",
    ];
    let hex = |b: &u8| b.is_ascii_hexdigit();
    (0..text.len()).find(|&i| {
        // 16 hex digits, not part of a longer run.
        let Some(word) = text.get(i..i + 16) else {
            return false;
        };
        (i == 0 || !hex(&text[i - 1]))
            && !text.get(i + 16).is_some_and(hex)
            && word.iter().all(hex)
            && PREFIXES
                .iter()
                .any(|p| word.to_ascii_lowercase().starts_with(p))
    })
}

pub fn cmd(args: &[String]) -> Result<(), String> {
    let [what, roots @ ..] = args else {
        return Err("usage: kfio sweep access|overlong|addresses ROOT...".into());
    };
    let mut all = Vec::new();
    for r in roots {
        files(Path::new(r), &mut all);
    }
    let mut bad = 0;
    for path in &all {
        let shown = path.display();
        let problem = match what.as_str() {
            "access" => {
                let mode = fs::metadata(path)
                    .map(|m| m.permissions().mode())
                    .unwrap_or(0);
                let reach = reachable(path);
                let can_read = OpenOptions::new().read(true).open(path).is_ok();
                let can_write = OpenOptions::new().write(true).open(path).is_ok();
                let (want_read, want_write) =
                    (reach && mode & 0o004 != 0, reach && mode & 0o002 != 0);
                (can_read != want_read || can_write != want_write).then(|| {
                    format!(
                        "{shown}: mode {:o}: read {can_read} write {can_write}, expected {want_read} {want_write}",
                        mode & 0o777
                    )
                })
            }
            "overlong" => match OpenOptions::new().write(true).open(path) {
                Err(_) => None,
                Ok(mut f) => match f.write(&vec![b'A'; 1 << 20]) {
                    Ok(n) if n > 64 * 1024 => Some(format!("{shown}: took {n} bytes")),
                    Ok(_) => None,
                    Err(e) if errno_name(&e) == "EFAULT" => Some(format!("{shown}: EFAULT")),
                    Err(_) => None,
                },
            },
            "addresses" if relay_data(path) => None,
            "addresses" => {
                let mut text = Vec::new();
                match fs::File::open(path) {
                    Ok(f) => {
                        let _ = f.take(8 << 20).read_to_end(&mut text);
                    }
                    Err(_) => continue,
                }
                kernel_address(&text).map(|at| {
                    let end = (at + 16).min(text.len());
                    format!("{shown}: {}", String::from_utf8_lossy(&text[at..end]))
                })
            }
            _ => return Err(format!("unknown sweep {what}")),
        };
        if let Some(p) = problem {
            println!("{p}");
            bad += 1;
        }
    }
    if bad == 0 {
        println!("ok {} files", all.len());
    } else {
        println!("bad {bad} of {} files", all.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::kernel_address;

    #[test]
    fn addresses() {
        assert_eq!(kernel_address(b"at ffff888003a1b2c0\n"), Some(3));
        assert_eq!(kernel_address(b"ffffffff81000000"), Some(0));
        assert_eq!(kernel_address(b"FFFFC90000123456"), Some(0));
        assert_eq!(kernel_address(b"     1 9e3779b97f4a7c15\n"), None);
        assert_eq!(kernel_address(b"0ffff888003a1b2c0"), None);
        assert_eq!(kernel_address(b"ffff888003a1b2c"), None);
        assert_eq!(kernel_address(b"ffff0000000000001"), None);
    }
}
