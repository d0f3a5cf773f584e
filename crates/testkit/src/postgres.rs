//! PostgreSQL from Debian's packages (`postgresql-15`), one cluster per
//! [`Postgres`] in a temporary folder, on a free port.
//!
//! `initdb` and `postgres` refuse to run as root, so as root both run as
//! the `postgres` user the Debian package creates, through `runuser`.
//! `initdb` takes seconds, so it runs once into a template under
//! `target/testkit/`, which each new cluster copies.

use std::{
    fs,
    os::unix::fs::chown,
    path::{Path, PathBuf},
    sync::OnceLock,
    time::Duration,
};

use tempfile::TempDir;

use crate::{
    StartError,
    process::{Watched, free_port, is_root, run, wait_until},
};

/// The unprivileged user PostgreSQL runs as when the tests run as root.
const SERVER_USER: &str = "postgres";
/// The major version the project's scripts install.
const PREFERRED_VERSION: &str = "15";
/// How long a fresh cluster may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts to find a port that stays free until the server binds it.
const START_ATTEMPTS: usize = 3;

/// A running PostgreSQL cluster, stopped (immediately: nothing in it is
/// worth a clean shutdown) and removed when dropped.
pub struct Postgres {
    server: Watched,
    data: PathBuf,
    port: u16,
    bin: PathBuf,
    _dir: TempDir,
}

impl Postgres {
    /// Starts a new, empty cluster whose superuser `postgres` needs no
    /// password from 127.0.0.1.
    pub fn start() -> Result<Self, StartError> {
        let bin = bin_dir()?;
        let template = template(&bin)?;
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            match Self::start_on(&bin, template, free_port()?) {
                Ok(postgres) => return Ok(postgres),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| StartError("PostgreSQL did not start".to_owned())))
    }

    fn start_on(bin: &Path, template: &Path, port: u16) -> Result<Self, StartError> {
        let dir = tempfile::Builder::new().prefix("trellis-pg-").tempdir()?;
        let data = dir.path().join("data");
        run("cp", &["-a", &path(template), &path(&data)])?;
        hand_to_server_user(dir.path())?;
        let postgres = bin.join("postgres");
        let socket_dir = path(dir.path());
        let port_text = port.to_string();
        let server_args = [
            path(&postgres),
            "-D".to_owned(),
            path(&data),
            "-p".to_owned(),
            port_text.clone(),
            "-k".to_owned(),
            socket_dir,
            "-c".to_owned(),
            "listen_addresses=127.0.0.1".to_owned(),
            // A test cluster never needs to survive a power cut.
            "-c".to_owned(),
            "fsync=off".to_owned(),
            "-c".to_owned(),
            "full_page_writes=off".to_owned(),
            "-c".to_owned(),
            "synchronous_commit=off".to_owned(),
            "-c".to_owned(),
            "max_connections=300".to_owned(),
        ];
        let mut command: Vec<&str> = Vec::new();
        if is_root() {
            command.extend(["runuser", "-u", SERVER_USER, "--"]);
        }
        command.extend(server_args.iter().map(String::as_str));
        let log = dir.path().join("server.log");
        let mut server = Watched::spawn(&command, &log, &dir.path().join("watchdog.pid"))?;
        let is_ready = bin.join("pg_isready");
        let ready = wait_until("PostgreSQL", START_TIMEOUT, &log, &mut server, || {
            run(
                &path(&is_ready),
                &["-q", "-h", "127.0.0.1", "-p", &port_text, "-U", "postgres"],
            )
            .is_ok()
        });
        let mut postgres = Self {
            server,
            data,
            port,
            bin: bin.to_owned(),
            _dir: dir,
        };
        match ready {
            Ok(()) => Ok(postgres),
            Err(err) => {
                postgres.stop();
                Err(err)
            }
        }
    }

    /// The port it listens on, at 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates database `name` and returns its connection URL.
    pub fn create_database(&self, name: &str) -> Result<String, StartError> {
        let port = self.port.to_string();
        run(
            &path(&self.bin.join("createdb")),
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name],
        )?;
        Ok(self.url(name))
    }

    /// The connection URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    fn stop(&mut self) {
        // The postmaster's pid is the first line of its pid file; SIGQUIT
        // is an immediate shutdown.
        Watched::signal_pid_file(&self.data.join("postmaster.pid"), "QUIT");
        self.server.stop("TERM");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn path(path: &Path) -> String {
    path.display().to_string()
}

/// The binaries: `TRELLIS_PG_BIN`, else Debian's version 15, else the
/// newest version installed.
fn bin_dir() -> Result<PathBuf, StartError> {
    if let Some(dir) = std::env::var_os("TRELLIS_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let preferred = root.join(PREFERRED_VERSION).join("bin");
    if preferred.join("initdb").is_file() {
        return Ok(preferred);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        StartError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/ensure-tools"
                .to_owned(),
        )
    })
}

/// Gives `dir` to the server user when running as root.
fn hand_to_server_user(dir: &Path) -> Result<(), StartError> {
    if !is_root() {
        return Ok(());
    }
    let (uid, gid) = server_user()?;
    chown(dir, Some(uid), Some(gid))?;
    Ok(())
}

/// The uid and gid of [`SERVER_USER`], from `/etc/passwd`.
fn server_user() -> Result<(u32, u32), StartError> {
    let passwd = fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&SERVER_USER))
        .and_then(|fields| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
        .ok_or_else(|| {
            StartError(format!(
                "no user \"{SERVER_USER}\" to run PostgreSQL as (it refuses root); run scripts/ensure-tools"
            ))
        })
}

/// An initialised, never started cluster to copy, made once per version.
fn template(bin: &Path) -> Result<&'static Path, StartError> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| make_template(bin).map_err(|err| err.0))
        .as_deref()
        .map_err(|err| StartError(err.clone()))
}

fn make_template(bin: &Path) -> Result<PathBuf, StartError> {
    let version = bin
        .parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/testkit");
    let target = cache.join(format!("pg-template-{version}"));
    if target.join("PG_VERSION").is_file() {
        return Ok(target);
    }
    fs::create_dir_all(&cache)?;
    // Made aside and renamed into place, so two test binaries starting at
    // once never see half a template.
    let staging = tempfile::Builder::new()
        .prefix("pg-template-")
        .tempdir_in(&cache)?;
    hand_to_server_user(staging.path())?;
    let data = staging.path().join("data");
    let initdb = path(&bin.join("initdb"));
    let data_text = path(&data);
    let initdb_args = [
        initdb.as_str(),
        "-D",
        &data_text,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    ];
    if is_root() {
        let mut args = vec!["-u", SERVER_USER, "--"];
        args.extend(initdb_args);
        run("runuser", &args)?;
    } else {
        run(initdb_args[0], &initdb_args[1..])?;
    }
    match fs::rename(&data, &target) {
        Ok(()) => Ok(target),
        Err(_) if target.join("PG_VERSION").is_file() => Ok(target),
        Err(err) => Err(err.into()),
    }
}
