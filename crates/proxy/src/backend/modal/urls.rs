//! The three Modal endpoint URLs: given explicitly, or derived from the
//! generate URL when it has Modal's standard form (contract §1.2).

use reqwest::Url;

/// Host suffix of the generate endpoint: `<workspace>--trellis2-3d-…`.
const GENERATE_SUFFIX: &str = "--trellis2-3d-trellis2service-generate.modal.run";
/// Host suffix of the extract endpoint (`_` becomes `-` in Modal labels).
const EXTRACT_SUFFIX: &str = "--trellis2-3d-trellis2service-extract-glb.modal.run";
/// Host suffix of the health endpoint, on a separate always-on class.
const HEALTH_SUFFIX: &str = "--trellis2-3d-healthcheckservice-health.modal.run";

/// Where the Modal endpoints are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModalUrls {
    pub generate: Url,
    pub extract_glb: Url,
    pub health: Url,
}

impl ModalUrls {
    /// Takes the explicit URLs, deriving any missing one from the generate
    /// URL's workspace prefix when it has the standard form.
    pub fn resolve(
        generate: &str,
        extract_glb: Option<&str>,
        health: Option<&str>,
    ) -> Result<Self, String> {
        let generate = parse("--modal-generate-url", generate)?;
        let derive = |suffix: &str, flag: &str| -> Result<Url, String> {
            let host = generate.host_str().unwrap_or_default();
            let workspace = host.strip_suffix(GENERATE_SUFFIX).ok_or_else(|| {
                format!(
                    "{flag} is needed: it can only be derived from a generate URL of the form \
                     https://<workspace>{GENERATE_SUFFIX}"
                )
            })?;
            parse(
                flag,
                &format!("{}://{workspace}{suffix}", generate.scheme()),
            )
        };
        let extract_glb = match extract_glb {
            Some(url) => parse("--modal-extract-url", url)?,
            None => derive(EXTRACT_SUFFIX, "--modal-extract-url")?,
        };
        let health = match health {
            Some(url) => parse("--modal-health-url", url)?,
            None => derive(HEALTH_SUFFIX, "--modal-health-url")?,
        };
        Ok(Self {
            generate,
            extract_glb,
            health,
        })
    }
}

fn parse(flag: &str, text: &str) -> Result<Url, String> {
    let url =
        Url::parse(text.trim()).map_err(|err| format!("{flag} \"{text}\" is not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{flag} \"{text}\" must start with https:// (or http://)"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_generate_url_gives_the_other_two() {
        let urls = ModalUrls::resolve(
            "https://acme-dev--trellis2-3d-trellis2service-generate.modal.run/",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            urls.extract_glb.as_str(),
            "https://acme-dev--trellis2-3d-trellis2service-extract-glb.modal.run/"
        );
        assert_eq!(
            urls.health.as_str(),
            "https://acme-dev--trellis2-3d-healthcheckservice-health.modal.run/"
        );
    }

    #[test]
    fn explicit_urls_win_and_other_forms_need_them() {
        let urls = ModalUrls::resolve(
            "http://127.0.0.1:9/generate",
            Some("http://127.0.0.1:9/extract"),
            Some("http://127.0.0.1:9/health"),
        )
        .unwrap();
        assert_eq!(urls.extract_glb.path(), "/extract");
        let err = ModalUrls::resolve("http://127.0.0.1:9/generate", None, None).unwrap_err();
        assert!(err.contains("--modal-extract-url is needed"), "{err}");
        assert!(ModalUrls::resolve("ftp://x", None, None).is_err());
    }
}
