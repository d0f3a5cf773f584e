//! Building the configured engine, with a startup error a person can act
//! on when its settings are incomplete.

use std::{path::PathBuf, sync::Arc, time::Duration};

use reqwest::Url;

use super::{Backend, Builtin, Credentials, FastApi, Modal, ModalUrls, modal::SECRETS_FILE};
use crate::config::{BackendChoice, Config};

/// The engine `config` asks for, or why it cannot be set up.
pub fn from_config(config: &Config) -> Result<Arc<dyn Backend>, String> {
    match config.backend {
        BackendChoice::Builtin => Ok(Arc::new(Builtin)),
        BackendChoice::Modal => modal(config).map(|m| Arc::new(m) as Arc<dyn Backend>),
        BackendChoice::Fastapi => {
            let url = Url::parse(config.fastapi_url.trim()).map_err(|err| {
                format!(
                    "--fastapi-url \"{}\" is not a URL: {err}",
                    config.fastapi_url
                )
            })?;
            let backend = FastApi::new(url, config.hosting.upstream_idle())
                .map_err(|err| format!("HTTP client: {err}"))?;
            Ok(Arc::new(backend))
        }
    }
}

fn modal(config: &Config) -> Result<Modal, String> {
    let settings = &config.modal;
    let generate = settings.modal_generate_url.as_deref().ok_or(
        "set --modal-generate-url (or TRELLIS_MODAL_GENERATE_URL) to the generate endpoint from `modal deploy`",
    )?;
    let urls = ModalUrls::resolve(
        generate,
        settings.modal_extract_url.as_deref(),
        settings.modal_health_url.as_deref(),
    )?;
    let file = match &settings.modal_secrets_file {
        Some(file) => file.clone(),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(SECRETS_FILE),
    };
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
