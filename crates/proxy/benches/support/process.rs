//! Starting `trellis-proxy` as a child process and reading its memory from
//! `/proc`, shared by the benches and the load and crash examples.

use std::{
    io::{BufRead as _, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

/// A running proxy, killed (SIGKILL) when dropped.
pub struct Proxy {
    pub child: Child,
    /// Its address, ending in `/`.
    pub url: String,
}

impl Proxy {
    /// Starts `binary` with `args` on `data_dir` (its `dist` beside it,
    /// absent) on a free loopback port, and waits until it serves.
    pub fn start(binary: &Path, data_dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(binary)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--dist-dir")
            .arg(data_dir.with_extension("no-dist"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
        let mut log = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let url = loop {
            let line = log
                .next()
                .expect("the proxy printed its address before exiting")
                .expect("readable output");
            if let Some(url) = line.strip_prefix("Trellis Studio at ") {
                break url.to_owned();
            }
        };
        // Read on, so that its log never fills the pipe and blocks it.
        std::thread::spawn(move || log.for_each(drop));
        Self { child, url }
    }

    /// Its `(VmRSS, VmHWM)` in MiB: memory now, and the peak so far.
    pub fn memory_mib(&self) -> (f64, f64) {
        memory_mib(self.child.id())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(VmRSS, VmHWM)` of process `pid` in MiB, NaN where unknown.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
