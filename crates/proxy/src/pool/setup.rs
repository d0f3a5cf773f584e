//! Building the configured servers: the one engine of the one-server flags,
//! or every `[[server]]` of the config file, with a startup error a person
//! can act on when settings are incomplete.

use std::{num::NonZeroUsize, path::PathBuf, sync::Arc, time::Duration};

use reqwest::Url;
use trellis_api::BackendKind;

use crate::{
    backend::{Backend, Builtin, Credentials, FastApi, Modal, ModalUrls, SECRETS_FILE},
    config::{BackendChoice, Config, servers::ServerEntry},
};

/// A server to put in the pool.
pub struct ServerSpec {
    pub name: String,
    /// Servers whose states are interchangeable share a deployment.
    pub deployment: String,
    pub concurrency: usize,
    pub backend: Arc<dyn Backend>,
}

/// The CPU engine's states hold everything it needs, so any builtin
/// server can extract from any other's.
const BUILTIN_DEPLOYMENT: &str = "builtin";

/// One server running `backend` with `concurrency` jobs at once, named
/// after its engine: the one-server flags, and tests' fake engines.
pub fn single(backend: Arc<dyn Backend>, concurrency: NonZeroUsize) -> ServerSpec {
    let name = backend.kind().as_str().to_owned();
    ServerSpec {
        deployment: name.clone(),
        name,
        concurrency: concurrency.get(),
        backend,
    }
}

/// The servers `config` asks for, or why they cannot be set up.
pub fn from_config(config: &Config) -> Result<Vec<ServerSpec>, String> {
    let Some(file) = &config.scale.servers_file else {
        return one_server(config).map(|backend| vec![single(backend, config.concurrency)]);
    };
    let entries = crate::config::servers::load(file)?;
    entries
        .iter()
        .map(|entry| {
            server(config, entry).map_err(|err| format!("server \"{}\": {err}", entry.name))
        })
        .collect()
}

fn server(config: &Config, entry: &ServerEntry) -> Result<ServerSpec, String> {
    let (backend, deployment): (Arc<dyn Backend>, String) = match entry.kind {
        BackendKind::Builtin => (Arc::new(Builtin), BUILTIN_DEPLOYMENT.to_owned()),
        BackendKind::Fastapi => {
            let url = entry.url.as_deref().unwrap_or_default();
            (fastapi(config, url, "url")?, entry.name.clone())
        }
        BackendKind::Modal => {
            let urls = ModalUrls::resolve(
                entry.generate_url.as_deref().unwrap_or_default(),
                entry.extract_url.as_deref(),
                entry.health_url.as_deref(),
            )?;
            // A generation's state is only understood by the deployment
            // that made it, which its extract endpoint names.
            let deployment = urls.extract_glb.to_string();
            let credentials = match (&entry.key_env, &entry.secret_env) {
                (Some(key), Some(secret)) => {
                    Credentials::from_named_env(key, secret, |name| std::env::var(name).ok())
                }
                _ => Credentials::resolve(
                    (None, None),
                    |name| std::env::var(name).ok(),
                    &entry
                        .secrets_file
                        .clone()
                        .unwrap_or_else(default_secrets_file),
                ),
            }
            .map_err(|err| err.to_string())?;
            tracing::info!(server = %entry.name, source = ?credentials.source, "Modal credentials loaded");
            let settings = &config.modal;
            let window = entry
                .scale_down_secs
                .unwrap_or(settings.modal_scale_down_secs);
            let backend = Modal::new(
                urls,
                credentials,
                Duration::from_secs(window),
                config.hosting.upstream_idle(),
            )
            .map_err(|err| format!("HTTP client: {err}"))?;
            (Arc::new(backend), deployment)
        }
    };
    Ok(ServerSpec {
        name: entry.name.clone(),
        deployment,
        concurrency: entry.concurrency.get(),
        backend,
    })
}

/// The engine of the one-server flags.
fn one_server(config: &Config) -> Result<Arc<dyn Backend>, String> {
    match config.backend {
        BackendChoice::Builtin => Ok(Arc::new(Builtin)),
        BackendChoice::Modal => one_modal(config).map(|m| Arc::new(m) as Arc<dyn Backend>),
        BackendChoice::Fastapi => fastapi(config, &config.fastapi_url, "--fastapi-url"),
    }
}

fn fastapi(config: &Config, url: &str, setting: &str) -> Result<Arc<dyn Backend>, String> {
    let url =
        Url::parse(url.trim()).map_err(|err| format!("{setting} \"{url}\" is not a URL: {err}"))?;
    let backend = FastApi::new(url, config.hosting.upstream_idle())
        .map_err(|err| format!("HTTP client: {err}"))?;
    Ok(Arc::new(backend))
}

fn default_secrets_file() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(SECRETS_FILE)
}

fn one_modal(config: &Config) -> Result<Modal, String> {
    let settings = &config.modal;
    let generate = settings.modal_generate_url.as_deref().ok_or(
        "set --modal-generate-url (or TRELLIS_MODAL_GENERATE_URL) to the generate endpoint from `modal deploy`",
    )?;
    let urls = ModalUrls::resolve(
        generate,
        settings.modal_extract_url.as_deref(),
        settings.modal_health_url.as_deref(),
    )?;
    let file = settings
        .modal_secrets_file
        .clone()
        .unwrap_or_else(default_secrets_file);
    let credentials = Credentials::resolve(
        (settings.modal_key.as_ref(), settings.modal_secret.as_ref()),
        |name| std::env::var(name).ok(),
        &file,
    )
    .map_err(|err| err.to_string())?;
    tracing::info!(source = ?credentials.source, "Modal credentials loaded");
    let window = Duration::from_secs(settings.modal_scale_down_secs);
    Modal::new(urls, credentials, window, config.hosting.upstream_idle())
        .map_err(|err| format!("HTTP client: {err}"))
}
