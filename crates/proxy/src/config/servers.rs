//! The GPU servers of `--config trellis.toml`: a pool the queue spreads
//! jobs over. Each `[[server]]` has a name, a kind, its URLs and its
//! concurrency; credentials are named (an environment variable, a secrets
//! file), never written in the file, so the file can be shared and kept in
//! version control.
//!
//! ```toml
//! [[server]]
//! name = "gpu-a"
//! kind = "modal"
//! generate_url = "https://team--trellis2-3d-trellis2service-generate.modal.run"
//! key_env = "GPU_A_MODAL_KEY"
//! secret_env = "GPU_A_MODAL_SECRET"
//! concurrency = 1
//! ```

use std::{collections::HashSet, num::NonZeroUsize, path::Path, path::PathBuf};

use serde::Deserialize;
use trellis_api::BackendKind;

use crate::names;

/// Longest server name: it is shown in `GET /api/health` and the logs.
const MAX_NAME_CHARS: usize = 40;
/// Keys that would hold a credential inline. Refused by name before the
/// file is parsed, so no error message can ever quote their values.
const INLINE_CREDENTIALS: [&str; 7] = [
    "key",
    "secret",
    "modal_key",
    "modal_secret",
    "token",
    "password",
    "api_key",
];

/// One GPU server as the file describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerEntry {
    /// How the server is called in `GET /api/health` and the logs.
    pub name: String,
    /// `modal`, `fastapi` or `builtin`.
    pub kind: BackendKind,
    /// Jobs it runs at once; the rest wait in the shared line.
    #[serde(default = "one")]
    pub concurrency: NonZeroUsize,
    /// Modal: the generate endpoint; the other two are derived from its
    /// standard form when not given.
    pub generate_url: Option<String>,
    pub extract_url: Option<String>,
    pub health_url: Option<String>,
    /// Modal: the environment variables holding the token id and secret.
    pub key_env: Option<String>,
    pub secret_env: Option<String>,
    /// Modal: a JSON file with `modal_key` and `modal_secret`.
    pub secrets_file: Option<PathBuf>,
    /// Modal: how long its GPU container stays up after a request, and
    /// how long a cold start takes until one is measured. Default: the
    /// `--modal-scale-down-secs` and `--modal-cold-start-secs` values.
    pub scale_down_secs: Option<u64>,
    pub cold_start_secs: Option<u64>,
    /// FastAPI: the server's base URL.
    pub url: Option<String>,
}

fn one() -> NonZeroUsize {
    NonZeroUsize::MIN
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServersFile {
    #[serde(rename = "server", default)]
    servers: Vec<ServerEntry>,
}

/// Reads and checks the servers of `path`. Errors name the file, the
/// server and the setting, and never quote a value.
pub fn load(path: &Path) -> Result<Vec<ServerEntry>, String> {
    let place = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the config file {place}: {err}"))?;
    parse(&text).map_err(|err| format!("config file {place}: {err}"))
}

/// Parses and checks the text of a servers file.
pub fn parse(text: &str) -> Result<Vec<ServerEntry>, String> {
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        // The error's own rendering quotes the line, which could hold a
        // credential: only its position and message are shown.
        let line = err
            .span()
            .map_or(0, |span| text[..span.start].matches('\n').count() + 1);
        format!("line {line}: {}", err.message().trim())
    })?;
    refuse_inline_credentials(&table)?;
    let file: ServersFile = toml::Value::Table(table)
        .try_into()
        .map_err(|err: toml::de::Error| err.message().trim().to_owned())?;
    check(&file.servers)?;
    Ok(file.servers)
}

fn refuse_inline_credentials(table: &toml::Table) -> Result<(), String> {
    let servers = table.get("server").and_then(toml::Value::as_array);
    for (index, server) in servers.into_iter().flatten().enumerate() {
        let Some(server) = server.as_table() else {
            continue;
        };
        if let Some(key) = INLINE_CREDENTIALS
            .iter()
            .find(|key| server.contains_key(**key))
        {
            return Err(format!(
                "server {} has \"{key}\": credentials never go in the config file; name the \
                 environment variables that hold them with key_env and secret_env, or a secrets \
                 file with secrets_file",
                index + 1
            ));
        }
    }
    Ok(())
}

fn check(servers: &[ServerEntry]) -> Result<(), String> {
    let first = servers
        .first()
        .ok_or("it lists no GPU servers: add at least one [[server]] with a name and a kind")?;
    let mut names = HashSet::new();
    for server in servers {
        let name = &server.name;
        if !names::is_plain(name, MAX_NAME_CHARS) {
            return Err(format!(
                "server name \"{name}\" must be 1 to {MAX_NAME_CHARS} letters, digits, '-', '_' or '.'"
            ));
        }
        if !names.insert(name.as_str()) {
            return Err(format!(
                "two servers are named \"{name}\"; names must differ"
            ));
        }
        // The app shows one engine's abilities (previews, extraction), so
        // a pool is of one kind.
        if server.kind != first.kind {
            return Err(format!(
                "server \"{name}\" is {} but \"{}\" is {}: the servers of a pool are all of one kind",
                server.kind.as_str(),
                first.name,
                first.kind.as_str()
            ));
        }
        check_fields(server)?;
    }
    Ok(())
}

/// Each kind takes its own settings; a setting of another kind is a
/// mistake worth stopping for.
fn check_fields(server: &ServerEntry) -> Result<(), String> {
    let modal = [
        ("generate_url", server.generate_url.is_some()),
        ("extract_url", server.extract_url.is_some()),
        ("health_url", server.health_url.is_some()),
        ("key_env", server.key_env.is_some()),
        ("secret_env", server.secret_env.is_some()),
        ("secrets_file", server.secrets_file.is_some()),
        ("scale_down_secs", server.scale_down_secs.is_some()),
        ("cold_start_secs", server.cold_start_secs.is_some()),
    ];
    let fastapi = [("url", server.url.is_some())];
    let (name, kind) = (&server.name, server.kind.as_str());
    let foreign = match server.kind {
        BackendKind::Modal => fastapi.iter().find(|(_, set)| *set),
        BackendKind::Fastapi => modal.iter().find(|(_, set)| *set),
        BackendKind::Builtin => modal.iter().chain(&fastapi).find(|(_, set)| *set),
    };
    if let Some((setting, _)) = foreign {
        return Err(format!(
            "server \"{name}\" is {kind}, which takes no {setting}"
        ));
    }
    match server.kind {
        BackendKind::Modal if server.generate_url.is_none() => Err(format!(
            "server \"{name}\" needs generate_url, the generate endpoint from `modal deploy`"
        )),
        BackendKind::Modal if server.key_env.is_some() != server.secret_env.is_some() => Err(
            format!("server \"{name}\" names only one of key_env and secret_env; name both"),
        ),
        BackendKind::Fastapi if server.url.is_none() => Err(format!(
            "server \"{name}\" needs url, the FastAPI server's base URL"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = r#"
        [[server]]
        name = "gpu-a"
        kind = "modal"
        generate_url = "https://a--trellis2-3d-trellis2service-generate.modal.run"
        key_env = "GPU_A_KEY"
        secret_env = "GPU_A_SECRET"
        concurrency = 2

        [[server]]
        name = "gpu-b"
        kind = "modal"
        generate_url = "http://127.0.0.1:9/generate"
        extract_url = "http://127.0.0.1:9/extract_glb"
        health_url = "http://127.0.0.1:9/health"
        secrets_file = "/etc/trellis/gpu-b.json"
    "#;

    #[test]
    fn a_pool_of_modal_servers_parses_with_defaults() {
        let servers = parse(POOL).unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].concurrency.get(), 2);
        assert_eq!(servers[0].key_env.as_deref(), Some("GPU_A_KEY"));
        assert_eq!(servers[1].concurrency.get(), 1);
        assert_eq!(servers[1].kind, BackendKind::Modal);
    }

    #[test]
    fn an_inline_credential_is_refused_without_being_quoted() {
        let text = format!("{POOL}\nkey = \"wk-leaked-value\"\n");
        let inline = text.replace(
            "secrets_file = \"/etc/trellis/gpu-b.json\"",
            "secret = \"ws-leaked-value\"",
        );
        for text in [
            inline,
            "[[server]]\nname = \"x\"\nkind = \"modal\"\nmodal_key = \"wk-leaked-value\"\nbroken ="
                .to_owned(),
        ] {
            let err = parse(&text).unwrap_err();
            assert!(!err.contains("leaked-value"), "{err}");
        }
        let err =
            parse(&POOL.replace("concurrency = 2", "token = \"wk-leaked-value\"")).unwrap_err();
        assert!(
            err.contains("credentials never go in the config file"),
            "{err}"
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("", "lists no GPU servers"),
            (
                "[[server]]\nname = \"a\"\nkind = \"tpu\"",
                "unknown variant",
            ),
            (
                "[[server]]\nname = \"a b\"\nkind = \"builtin\"",
                "must be 1 to 40",
            ),
            (
                "[[server]]\nname = \"a\"\nkind = \"builtin\"\n[[server]]\nname = \"a\"\nkind = \"builtin\"",
                "two servers are named \"a\"",
            ),
            (
                "[[server]]\nname = \"a\"\nkind = \"builtin\"\n[[server]]\nname = \"b\"\nkind = \"fastapi\"\nurl = \"http://x\"",
                "all of one kind",
            ),
            (
                "[[server]]\nname = \"a\"\nkind = \"modal\"",
                "needs generate_url",
            ),
            ("[[server]]\nname = \"a\"\nkind = \"fastapi\"", "needs url"),
            (
                "[[server]]\nname = \"a\"\nkind = \"builtin\"\nurl = \"http://x\"",
                "takes no url",
            ),
            (
                "[[server]]\nname = \"a\"\nkind = \"builtin\"\nconcurrency = 0",
                "nonzero",
            ),
            (
                "[[server]]\nname = \"a\"\nkind = \"builtin\"\ncolour = 1",
                "unknown field",
            ),
            ("[[server]]\nname = \"a\"\nkind = ", "line 3"),
        ];
        for (text, words) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(words), "{text:?}: {err}");
        }
    }
}
