// SPDX-License-Identifier: GPL-2.0

//! relay-read's command line.

use relay_reader::Format;
use std::{path::PathBuf, time::Duration};

/// What `relay-read` was asked to do.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// Path prefix of the per-CPU files: `DIR/BASE` for `DIR/BASE0`, ...
    pub channel: PathBuf,
    /// With or without sub-buffer headers, or decided from the data.
    pub format: Format,
    /// Write `cpuN` files (and nothing to stdout) into this directory.
    pub per_cpu_dir: Option<PathBuf>,
    /// Write the merged records to this file instead of stdout.
    pub output: Option<PathBuf>,
    /// Keep reading until the channel is closed, interrupted, or `duration`.
    pub follow: bool,
    /// Stop following after this long.
    pub duration: Option<Duration>,
    /// File holding the kernel's count of dropped records (default: the
    /// channel's directory's `dropped`, if there is one).
    pub dropped_file: Option<PathBuf>,
    /// No progress line and no summary.
    pub quiet: bool,
}

/// What the command line asks for besides reading.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    Read(Options),
    Help,
    Version,
}

/// Usage text.
pub const USAGE: &str = "\
usage: relay-read [OPTIONS] CHANNEL

Reads every per-CPU file CHANNEL0, CHANNEL1, ... of a relay channel (for
example /sys/kernel/debug/relay-exam/example) and writes the records,
merged, to stdout. A channel with relay-rs sub-buffer headers has them (and
the driver's own header, if any) stripped, and sub-buffers lost or
overwritten while reading counted; a channel without headers (a C driver's,
such as blktrace's) is copied as read() returns it. Which one each file is
comes from its first bytes, unless --format says. Starts where an earlier
reader stopped.

  -F, --format FORMAT    auto (default), headers or raw
  -o, --output FILE      write the merged records to FILE
  -d, --per-cpu DIR      write the records of CPU N to DIR/cpuN instead
  -f, --follow           keep reading (waiting with poll) until the channel
                         is closed or SIGINT/SIGTERM
  -t, --duration SECS    stop following after SECS seconds
  -D, --dropped-file F   report the kernel's dropped-record count read from F
                         (default: CHANNEL's directory's dropped, if any)
  -q, --quiet            no progress line, no summary
  -h, --help             this text
  -V, --version          the version

Exit status: 0 when everything available was read, 1 on an error reading
or writing, 2 on a bad command line. The summary (on stderr) reports
sub-buffers lost or overwritten and the kernel's drop count.
";

/// Parses the arguments after the program name.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Parsed, String> {
    let mut opts = Options::default();
    let mut channel = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-F" | "--format" => {
                let name = value(&arg)?;
                opts.format = Format::from_name(&name)
                    .ok_or_else(|| format!("bad format {name:?} (auto, headers or raw)"))?;
            }
            "-o" | "--output" => opts.output = Some(value(&arg)?.into()),
            "-d" | "--per-cpu" => opts.per_cpu_dir = Some(value(&arg)?.into()),
            "-f" | "--follow" => opts.follow = true,
            "-t" | "--duration" => {
                let secs = value(&arg)?;
                let secs: f64 = secs
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0 && *s < 1e9)
                    .ok_or_else(|| format!("bad duration {secs:?}"))?;
                opts.duration = Some(Duration::from_secs_f64(secs));
                opts.follow = true;
            }
            "-D" | "--dropped-file" => opts.dropped_file = Some(value(&arg)?.into()),
            "-q" | "--quiet" => opts.quiet = true,
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ if channel.is_some() => return Err(format!("unexpected argument {arg:?}")),
            _ => channel = Some(PathBuf::from(arg)),
        }
    }
    if opts.output.is_some() && opts.per_cpu_dir.is_some() {
        return Err("--output and --per-cpu exclude each other".into());
    }
    opts.channel = channel.ok_or("no CHANNEL given")?;
    Ok(Parsed::Read(opts))
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
        match parse_args(s.split_whitespace().map(String::from))? {
            Parsed::Read(o) => Ok(o),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn command_line() {
        let o = args("-f -D /d/dropped -o out /sys/kernel/debug/x/example").unwrap();
        assert!(o.follow);
        assert_eq!(o.channel, PathBuf::from("/sys/kernel/debug/x/example"));
        assert_eq!(o.output, Some("out".into()));
        assert_eq!(o.dropped_file, Some("/d/dropped".into()));
        assert_eq!(o.format, Format::Auto);
        let o = args("--duration 1.5 -q c").unwrap();
        assert!(o.follow && o.quiet);
        assert_eq!(o.duration, Some(Duration::from_millis(1500)));
        assert_eq!(args("-F raw c").unwrap().format, Format::Raw);
        assert_eq!(args("--format headers c").unwrap().format, Format::Headers);
        assert!(args("-F cooked c").unwrap_err().contains("bad format"));
        assert!(args("").is_err());
        assert!(args("-x c").unwrap_err().contains("unknown option"));
        assert!(args("a b").unwrap_err().contains("unexpected"));
        assert!(args("-o").unwrap_err().contains("needs a value"));
        assert!(args("-t -1 c").unwrap_err().contains("bad duration"));
        assert!(args("-t nan c").is_err());
        assert!(args("-t 1e300 c").is_err());
        assert!(args("-o a -d b c").unwrap_err().contains("exclude"));
        let parse = |s: &str| parse_args(s.split_whitespace().map(String::from));
        assert_eq!(parse("-h"), Ok(Parsed::Help));
        assert_eq!(parse("c --version"), Ok(Parsed::Version));
    }

    #[test]
    fn rates() {
        assert_eq!(rate(1 << 20, 1.0), "1.0 MiB/s");
        assert_eq!(rate(1, 0.0), "-");
    }
}
