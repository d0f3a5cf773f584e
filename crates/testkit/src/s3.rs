//! An S3-compatible store: moto's server (`moto[server]`, pinned in
//! `tools/requirements.txt`) from the tools venv, on a free port. It keeps
//! everything in memory and takes any credentials.

use std::{
    io::{Read as _, Write as _},
    net::TcpStream,
    path::PathBuf,
    time::Duration,
};

use tempfile::TempDir;

use crate::{
    StartError,
    process::{Watched, free_port, wait_until},
};

/// How long moto may take to import and listen (it is a Python program).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts to find a port that stays free until the server binds it.
const START_ATTEMPTS: usize = 3;
/// The credentials and region the tests use; moto accepts any.
const ACCESS_KEY: &str = "testing";
const SECRET_KEY: &str = "testing";
const REGION: &str = "us-east-1";

/// A running S3-compatible server, stopped when dropped.
pub struct S3 {
    server: Watched,
    port: u16,
    _dir: TempDir,
}

impl S3 {
    /// Starts moto's server.
    pub fn start() -> Result<Self, StartError> {
        let program = moto_server();
        if !program.is_file() {
            return Err(StartError(format!(
                "{} is missing; run scripts/ensure-tools",
                program.display()
            )));
        }
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            match Self::start_on(&program, free_port()?) {
                Ok(s3) => return Ok(s3),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| StartError("moto did not start".to_owned())))
    }

    fn start_on(program: &std::path::Path, port: u16) -> Result<Self, StartError> {
        let dir = tempfile::Builder::new().prefix("trellis-s3-").tempdir()?;
        let log = dir.path().join("server.log");
        let program = program.display().to_string();
        let port_text = port.to_string();
        let command = [program.as_str(), "-H", "127.0.0.1", "-p", &port_text];
        let mut server = Watched::spawn(&command, &log, &dir.path().join("server.pid"))?;
        let ready = wait_until("moto_server", START_TIMEOUT, &log, &mut server, || {
            request(port, "GET", "/").is_ok_and(|status| status == 200)
        });
        let mut s3 = Self {
            server,
            port,
            _dir: dir,
        };
        match ready {
            Ok(()) => Ok(s3),
            Err(err) => {
                s3.server.stop("TERM");
                Err(err)
            }
        }
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates bucket `name`.
    pub fn create_bucket(&self, name: &str) -> Result<(), StartError> {
        match request(self.port, "PUT", &format!("/{name}"))? {
            200 => Ok(()),
            status => Err(StartError(format!(
                "creating bucket {name} answered HTTP {status}"
            ))),
        }
    }

    /// The keys of the objects in `bucket` under `prefix`, sorted: read
    /// straight from the server, to check what a client really stored.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, StartError> {
        let (status, body) = exchange(
            self.port,
            "GET",
            &format!("/{bucket}?list-type=2&max-keys=1000&prefix={prefix}"),
        )?;
        if status != 200 {
            return Err(StartError(format!(
                "listing {bucket} answered HTTP {status}: {body:.200}"
            )));
        }
        let mut keys: Vec<String> = body
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// The standard AWS environment variables that point a client here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        self.server.stop("TERM");
    }
}

/// `TRELLIS_MOTO_SERVER`, else the tools venv's.
fn moto_server() -> PathBuf {
    std::env::var_os("TRELLIS_MOTO_SERVER").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/.venv/bin/moto_server"),
        PathBuf::from,
    )
}

/// One bodiless HTTP/1.1 request; the answer's status.
fn request(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    exchange(port, method, path).map(|(status, _)| status)
}

/// One bodiless HTTP/1.1 request; the answer's status and body. Plain
/// TCP: moto needs no signature, and this keeps the kit free of an HTTP
/// client.
fn exchange(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:.80}")))?;
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, body.to_owned()))
}
