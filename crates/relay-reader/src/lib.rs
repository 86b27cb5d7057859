// SPDX-License-Identifier: GPL-2.0

//! The pure parts of `relay-read`: command line, channel file discovery and
//! messages. The sub-buffer format and its decoder are in
//! [`kfiles_core::relay`], shared with the kernel side.

use std::{fmt, path::PathBuf, time::Duration};

/// What `relay-read` was asked to do.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// Path prefix of the per-CPU files: `DIR/BASE` for `DIR/BASE0`, ...
    pub channel: PathBuf,
    /// Write `cpuN` files (and nothing to stdout) into this directory.
    pub per_cpu_dir: Option<PathBuf>,
    /// Write the merged records to this file instead of stdout.
    pub output: Option<PathBuf>,
    /// Keep reading until the channel is closed, interrupted, or `duration`.
    pub follow: bool,
    /// Stop following after this long.
    pub duration: Option<Duration>,
    /// File holding the kernel's count of dropped records.
    pub dropped_file: Option<PathBuf>,
    /// No progress line and no summary.
    pub quiet: bool,
}

/// Usage text.
pub const USAGE: &str = "\
usage: relay-read [OPTIONS] CHANNEL

Reads every per-CPU file CHANNEL0, CHANNEL1, ... of a relay channel written
with relay-rs sub-buffer headers (for example
/sys/kernel/debug/relay-exam/example), strips the headers (with the driver's
own header, if the channel has one) and padding, and writes the records,
merged, to stdout.

  -o, --output FILE      write the merged records to FILE
  -d, --per-cpu DIR      write the records of CPU N to DIR/cpuN instead
  -f, --follow           keep reading (waiting with poll) until the channel
                         is closed or SIGINT/SIGTERM
  -t, --duration SECS    stop following after SECS seconds
  -D, --dropped-file F   report the kernel's dropped-record count read from F
  -q, --quiet            no progress line, no summary
  -h, --help             this text
";

/// Parses the arguments after the program name.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut channel = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-o" | "--output" => opts.output = Some(value(&arg)?.into()),
            "-d" | "--per-cpu" => opts.per_cpu_dir = Some(value(&arg)?.into()),
            "-f" | "--follow" => opts.follow = true,
            "-t" | "--duration" => {
                let secs = value(&arg)?;
                let secs: f64 = secs
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| format!("bad duration {secs:?}"))?;
                opts.duration = Some(Duration::from_secs_f64(secs));
                opts.follow = true;
            }
            "-D" | "--dropped-file" => opts.dropped_file = Some(value(&arg)?.into()),
            "-q" | "--quiet" => opts.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ if channel.is_some() => return Err(format!("unexpected argument {arg:?}")),
            _ => channel = Some(PathBuf::from(arg)),
        }
    }
    if opts.output.is_some() && opts.per_cpu_dir.is_some() {
        return Err("--output and --per-cpu exclude each other".into());
    }
    opts.channel = channel.ok_or("no CHANNEL given")?;
    Ok(opts)
}

/// The CPU number of `name` if it is `base` followed by a decimal number.
pub fn cpu_of(name: &str, base: &str) -> Option<u32> {
    let digits = name.strip_prefix(base)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 5 {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// Why a channel cannot be read, in words a user can act on.
#[derive(Debug, PartialEq)]
pub enum ChannelError {
    /// debugfs is not mounted where the channel should be.
    DebugfsNotMounted(PathBuf),
    /// The directory exists but holds no `BASE<N>` files.
    NoSuchChannel(PathBuf),
    /// Not allowed to read the channel (or its directory).
    PermissionDenied(PathBuf),
    /// Anything else.
    Io(PathBuf, String),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DebugfsNotMounted(p) => write!(
                f,
                "debugfs is not mounted at {} (mount -t debugfs none {})",
                p.display(),
                p.display()
            ),
            Self::NoSuchChannel(p) => write!(
                f,
                "no such channel: no files {}0, {}1, ... (is the module loaded?)",
                p.display(),
                p.display()
            ),
            Self::PermissionDenied(p) => write!(
                f,
                "permission denied: {} (relay files are usually readable by root only)",
                p.display()
            ),
            Self::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

/// Where debugfs is normally mounted.
pub const DEBUGFS: &str = "/sys/kernel/debug";

/// Whether `/proc/mounts` content `mounts` has a debugfs at `at`.
pub fn debugfs_mounted(mounts: &str, at: &str) -> bool {
    mounts.lines().any(|line| {
        let mut fields = line.split_whitespace();
        let _source = fields.next();
        fields.next() == Some(at) && fields.next() == Some("debugfs")
    })
}

/// The file position in the text of `/proc/self/fdinfo/FD` (its `pos:`
/// line). relay's `read()` leaves the position at the buffer offset it read
/// up to, which is how a reader finds where an earlier one stopped.
pub fn fdinfo_pos(fdinfo: &str) -> Option<usize> {
    fdinfo
        .lines()
        .find_map(|line| line.strip_prefix("pos:"))
        .and_then(|v| v.trim().parse().ok())
}

/// `bytes` per `secs` as a human-readable rate.
pub fn rate(bytes: u64, secs: f64) -> String {
    if secs <= 0.0 {
        return "-".into();
    }
    format!("{:.1} MiB/s", bytes as f64 / secs / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Options, String> {
        parse_args(s.split_whitespace().map(String::from))
    }

    #[test]
    fn command_line() {
        let o = args("-f -D /d/dropped -o out /sys/kernel/debug/x/example").unwrap();
        assert!(o.follow);
        assert_eq!(o.channel, PathBuf::from("/sys/kernel/debug/x/example"));
        assert_eq!(o.output, Some("out".into()));
        assert_eq!(o.dropped_file, Some("/d/dropped".into()));
        let o = args("--duration 1.5 -q c").unwrap();
        assert!(o.follow && o.quiet);
        assert_eq!(o.duration, Some(Duration::from_millis(1500)));
        assert!(args("").is_err());
        assert!(args("-x c").unwrap_err().contains("unknown option"));
        assert!(args("a b").unwrap_err().contains("unexpected"));
        assert!(args("-o").unwrap_err().contains("needs a value"));
        assert!(args("-t -1 c").unwrap_err().contains("bad duration"));
        assert!(args("-t nan c").is_err());
        assert!(args("-o a -d b c").unwrap_err().contains("exclude"));
        assert_eq!(args("-h"), Err(String::new()));
    }

    #[test]
    fn cpu_files() {
        assert_eq!(cpu_of("example0", "example"), Some(0));
        assert_eq!(cpu_of("example17", "example"), Some(17));
        assert_eq!(cpu_of("example", "example"), None);
        assert_eq!(cpu_of("example01", "example"), None);
        assert_eq!(cpu_of("example1x", "example"), None);
        assert_eq!(cpu_of("examples1", "example"), None);
        assert_eq!(cpu_of("other0", "example"), None);
        assert_eq!(cpu_of("example999999", "example"), None);
    }

    #[test]
    fn mounts() {
        let m = "sysfs /sys sysfs rw 0 0\nnone /sys/kernel/debug debugfs rw 0 0\n";
        assert!(debugfs_mounted(m, DEBUGFS));
        assert!(!debugfs_mounted("sysfs /sys sysfs rw 0 0\n", DEBUGFS));
        assert!(!debugfs_mounted(
            "x /sys/kernel/debug tmpfs rw 0 0\n",
            DEBUGFS
        ));
        assert!(!debugfs_mounted("", DEBUGFS));
    }

    #[test]
    fn fdinfo() {
        assert_eq!(
            fdinfo_pos("pos:\t65556\nflags:\t0100000\nmnt_id:\t21\n"),
            Some(65556)
        );
        assert_eq!(fdinfo_pos("flags:\t0\npos:\t0\n"), Some(0));
        assert_eq!(fdinfo_pos("flags:\t0\n"), None);
        assert_eq!(fdinfo_pos("pos:\t-1\n"), None);
        assert_eq!(fdinfo_pos("pos:\tx\n"), None);
    }

    #[test]
    fn messages() {
        let e = ChannelError::NoSuchChannel("/d/x/example".into());
        assert!(e.to_string().contains("/d/x/example0"));
        assert!(ChannelError::DebugfsNotMounted(DEBUGFS.into())
            .to_string()
            .contains("mount -t debugfs"));
        assert_eq!(rate(1 << 20, 1.0), "1.0 MiB/s");
        assert_eq!(rate(1, 0.0), "-");
    }
}
