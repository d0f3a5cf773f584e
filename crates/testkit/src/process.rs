//! Starting a server process under a watchdog, free ports, and waiting.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use crate::StartError;

/// How often the watchdog checks that its parent process still lives.
const WATCHDOG_POLL: &str = "0.5";

/// A port nothing listens on right now. Another process could take it
/// before the server binds it; callers retry on a failed start.
pub fn free_port() -> Result<u16, StartError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A server process started by [`Watched::spawn`].
pub struct Watched {
    /// The watchdog shell; the server is its child.
    shell: Child,
    pid_file: std::path::PathBuf,
}

impl Watched {
    /// Starts `command` (a program and its arguments) in the background
    /// under `sh`, which stops it with SIGTERM once this process is gone.
    /// Its output goes to `log`; its pid to `pid_file`.
    pub fn spawn(command: &[&str], log: &Path, pid_file: &Path) -> Result<Self, StartError> {
        let script = format!(
            "\"$@\" & child=$!\n\
             echo \"$child\" > '{pid_file}'\n\
             while kill -0 {parent} 2>/dev/null && kill -0 \"$child\" 2>/dev/null; do sleep {WATCHDOG_POLL}; done\n\
             kill -TERM \"$child\" 2>/dev/null\n\
             wait \"$child\"",
            parent = std::process::id(),
            pid_file = pid_file.display(),
        );
        let log = std::fs::File::create(log)?;
        let shell = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(command)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        Ok(Self {
            shell,
            pid_file: pid_file.to_owned(),
        })
    }

    /// Whether the server (or its watchdog) has exited.
    pub fn exited(&mut self) -> bool {
        self.shell.try_wait().ok().flatten().is_some()
    }

    /// Sends `signal` (e.g. "QUIT") to the process whose pid is on the
    /// first line of `pid_file`, and waits until it is gone.
    pub fn signal_pid_file(pid_file: &Path, signal: &str) {
        let Some(pid) = std::fs::read_to_string(pid_file)
            .ok()
            .and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
            .filter(|pid| !pid.is_empty())
        else {
            return;
        };
        let _ = run("kill", &[&format!("-{signal}"), &pid]);
        let give_up = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < give_up && run("kill", &["-0", &pid]).is_ok() {
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server with `signal` and waits for it and its watchdog.
    pub fn stop(&mut self, signal: &str) {
        Self::signal_pid_file(&self.pid_file, signal);
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

/// How long a stopped server may take to exit before it is left behind.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Polls `ready` until it holds, or fails after `limit` with the server's
/// log in the message.
pub fn wait_until(
    what: &str,
    limit: Duration,
    log: &Path,
    server: &mut Watched,
    mut ready: impl FnMut() -> bool,
) -> Result<(), StartError> {
    let give_up = Instant::now() + limit;
    loop {
        if ready() {
            return Ok(());
        }
        let exited = server.exited();
        if exited || Instant::now() > give_up {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            let why = if exited {
                "exited"
            } else {
                "did not start in time"
            };
            return Err(StartError(format!("{what} {why}; its log:\n{log}")));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Whether this process runs as root, which PostgreSQL refuses.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// Runs a short command to completion; its output in the error.
pub fn run(program: &str, args: &[&str]) -> Result<(), StartError> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| StartError(format!("cannot run {program}: {err}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StartError(format!(
            "{program} {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}
