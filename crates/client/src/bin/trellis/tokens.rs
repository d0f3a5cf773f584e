//! The owner tokens of the generations this command line started, kept in
//! a file so that `cancel`, `remove` and `extract` can prove later that
//! this user created them. The file is the user's alone (mode 0600), and
//! is replaced atomically, so a crash never leaves half of it.

use std::{
    collections::BTreeMap,
    io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The file's place in the user's data folder.
const DEFAULT_FILE: &str = "trellis/owner-tokens.json";

/// Tokens by server base URL, then by generation id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Tokens(BTreeMap<String, BTreeMap<String, String>>);

/// The token file.
#[derive(Debug, Clone)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// `path`, or the default place.
    pub fn new(path: Option<PathBuf>) -> Self {
        let path = path.unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join(DEFAULT_FILE)
        });
        Self { path }
    }

    /// The token kept for generation `id` of `server`, if any.
    pub fn get(&self, server: &str, id: &str) -> Result<Option<String>, CliError> {
        Ok(self
            .read()?
            .0
            .get(server)
            .and_then(|ids| ids.get(id))
            .cloned())
    }

    /// Keeps `token` for generation `id` of `server`.
    pub fn put(&self, server: &str, id: &str, token: &str) -> Result<(), CliError> {
        self.update(|tokens| {
            tokens
                .0
                .entry(server.to_owned())
                .or_default()
                .insert(id.to_owned(), token.to_owned());
        })
    }

    /// Forgets the token of a removed generation.
    pub fn forget(&self, server: &str, id: &str) -> Result<(), CliError> {
        self.update(|tokens| {
            if let Some(ids) = tokens.0.get_mut(server) {
                ids.remove(id);
            }
        })
    }

    /// Reads, changes and writes the file under an exclusive lock, so two
    /// commands running at once (two generations started side by side)
    /// never lose each other's tokens. The lock is released on drop.
    fn update(&self, change: impl FnOnce(&mut Tokens)) -> Result<(), CliError> {
        let lock = self.lock().map_err(|err| self.error(err))?;
        let mut tokens = self.read()?;
        change(&mut tokens);
        let written = self.write(&tokens);
        drop(lock);
        written
    }

    fn lock(&self) -> io::Result<std::fs::File> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(PathBuf::from(name))?;
        file.lock()?;
        Ok(file)
    }

    fn read(&self) -> Result<Tokens, CliError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|err| self.error(io::Error::other(err)))
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Tokens::default()),
            Err(err) => Err(self.error(err)),
        }
    }

    fn write(&self, tokens: &Tokens) -> Result<(), CliError> {
        let json =
            serde_json::to_vec_pretty(tokens).map_err(|err| self.error(io::Error::other(err)))?;
        write_private(&self.path, &json).map_err(|err| self.error(err))
    }

    fn error(&self, source: io::Error) -> CliError {
        CliError::Tokens {
            path: self.path.clone(),
            source,
        }
    }
}

/// Writes `bytes` to `path` readable by the user only, through a temporary
/// file renamed into place.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_per_server_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::new(Some(dir.path().join("sub/tokens.json")));
        assert_eq!(file.get("http://a/", "1").unwrap(), None);
        file.put("http://a/", "1", "t1").unwrap();
        file.put("http://b/", "1", "t2").unwrap();
        assert_eq!(file.get("http://a/", "1").unwrap().as_deref(), Some("t1"));
        assert_eq!(file.get("http://b/", "1").unwrap().as_deref(), Some("t2"));
        file.forget("http://a/", "1").unwrap();
        assert_eq!(file.get("http://a/", "1").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("sub/tokens.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the token file is readable by others");
        }
    }

    #[test]
    fn commands_keeping_tokens_at_once_lose_none() {
        const WRITERS: usize = 8;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::thread::scope(|scope| {
            for writer in 0..WRITERS {
                let file = TokenFile::new(Some(path.clone()));
                scope.spawn(move || {
                    for n in 0..10 {
                        file.put("http://a/", &format!("{writer}-{n}"), "t")
                            .unwrap();
                    }
                });
            }
        });
        let tokens = TokenFile::new(Some(path)).read().unwrap();
        assert_eq!(tokens.0["http://a/"].len(), WRITERS * 10);
    }
}
