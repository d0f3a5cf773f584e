//! The client: where the server is, how to talk to it, and the calls that
//! need no generation.

use std::{sync::Arc, time::Duration};

use reqwest::{
    Method, RequestBuilder, Url,
    header::{AUTHORIZATION, HeaderMap, HeaderValue},
};
use serde::de::DeserializeOwned;
use trellis_api::{GenerateAccepted, Health, bearer};

use crate::{Error, GenerateRequest, GenerationHandle, http};

/// How long one API call may take unless the builder says otherwise. Every
/// call but the upload answers in milliseconds; a minute is enough to send
/// a 10 MiB photo over a 1.5 Mbit/s uplink. Event streams and downloads
/// have no overall limit; a minute of silence ends them instead.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Sent with every request unless the builder sets another, so server logs
/// can tell this client from browsers.
pub const DEFAULT_USER_AGENT: &str = concat!("trellis-client/", env!("CARGO_PKG_VERSION"));
/// A working server accepts a connection in milliseconds; after this long
/// it is not there, and waiting for the OS's own timeout (minutes) helps
/// no one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest silence on an open connection. The proxy sends a keep-alive
/// comment on event streams every 15 s, so this is four missed ones; it
/// also ends downloads that stall, which have no overall limit because a
/// large model on a slow link may rightly take minutes.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Where [`ClientBuilder::api_key_from_env`] (and the `trellis` command
/// line) read an API key.
pub const API_KEY_ENV: &str = "TRELLIS_API_KEY";

/// A client for one Trellis Studio server. Cheap to clone: clones share
/// one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// The web app's address, ending in `/`; share links point here.
    server: Url,
    /// `server` + `api/`.
    api: Url,
    timeout: Duration,
}

/// Settings for a [`Client`]; start with [`Client::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    user_agent: String,
    api_key: Option<String>,
}

impl ClientBuilder {
    /// How long one API call (not an event stream or a download) may take.
    /// Default: [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header. Default: [`DEFAULT_USER_AGENT`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The API key a server in `keys` mode asks for, sent with every
    /// request as `Authorization: Bearer <key>`. Servers in open mode
    /// ignore it.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API key from the `TRELLIS_API_KEY` environment variable, if it
    /// is set and not empty.
    pub fn api_key_from_env(self) -> Self {
        match std::env::var(API_KEY_ENV) {
            Ok(key) if !key.trim().is_empty() => self.api_key(key.trim()),
            _ => self,
        }
    }

    /// Checks the settings and makes the client. No request is sent.
    pub fn build(self) -> Result<Client, Error> {
        let server = parse_base(&self.base_url)?;
        let api = server
            .join("api/")
            .map_err(|err| Error::Config(format!("cannot make the API URL of {server}: {err}")))?;
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.api_key {
            let mut value = HeaderValue::from_str(&bearer(key.trim())).map_err(|_| {
                Error::Config("the API key has characters a key cannot have".to_owned())
            })?;
            // Kept out of debug output and HTTP/2 header compression tables.
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(self.user_agent)
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .build()
            .map_err(|err| Error::Config(format!("cannot set up HTTP: {err}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                server,
                api,
                timeout: self.timeout,
            }),
        })
    }
}

/// Accepts `http(s)://host[:port][/path]`. The app may live below a path
/// (`https://host/studio/`), so the path is kept and made to end in `/`:
/// `api/` and share links are relative to it.
fn parse_base(text: &str) -> Result<Url, Error> {
    let example = "write it like http://127.0.0.1:8642";
    let mut url = Url::parse(text.trim()).map_err(|err| {
        Error::Config(format!("\"{text}\" is not a server URL ({err}); {example}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "\"{text}\" is not a server URL: it must start with http:// or https://; {example}"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

impl Client {
    /// A client for the server at `base_url` (the web app's address, e.g.
    /// `http://127.0.0.1:8642`) with default settings.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// Settings for a client of the server at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: DEFAULT_TIMEOUT,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            api_key: None,
        }
    }

    /// The server's base URL, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.server
    }

    /// Whether the engine is ready, and how busy the queue is.
    pub async fn health(&self) -> Result<Health, Error> {
        let url = self.endpoint(&["health"])?;
        self.call(self.request(Method::GET, url)).await
    }

    /// Validates the request locally, uploads the photo and queues the
    /// job. Returns as soon as the server has accepted it; follow it with
    /// the handle, which holds the generation's owner token (see
    /// [`GenerationHandle::owner_token`]). Never retried: a second
    /// submission would be a second job of many minutes.
    pub async fn generate(&self, request: GenerateRequest) -> Result<GenerationHandle, Error> {
        request.validate()?;
        let url = self.endpoint(&["generate"])?;
        let form = request.into_form()?;
        let accepted: GenerateAccepted = self
            .call(self.request(Method::POST, url).multipart(form))
            .await?;
        let token = accepted.token().map(str::to_owned);
        let handle = self.generation(accepted.id);
        Ok(match token {
            Some(token) => handle.with_owner_token(token),
            None => handle,
        })
    }

    /// A handle on an existing generation, e.g. from a share link. Nothing
    /// is sent until a method of the handle is called. Without its owner
    /// token (see [`GenerationHandle::with_owner_token`]) the handle can
    /// follow and download, but not cancel, remove or extract.
    pub fn generation(&self, id: impl Into<String>) -> GenerationHandle {
        GenerationHandle::new(self.clone(), id.into())
    }

    /// `api/` followed by `segments`, each percent-encoded as one segment.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Result<Url, Error> {
        let mut url = self.inner.api.clone();
        // Only URLs like `mailto:` have no path; `parse_base` admits
        // http(s) alone, so this error cannot happen in practice.
        url.path_segments_mut()
            .map_err(|()| Error::Config(format!("{} cannot have a path", self.inner.server)))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A request with no overall time limit, for streams.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.inner.http.request(method, url)
    }

    /// Sends an API call under the call timeout and reads its JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        self.call_within(request, self.inner.timeout).await
    }

    /// Like [`Client::call`], allowing the call at least `at_least`.
    pub(crate) async fn call_within<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        at_least: Duration,
    ) -> Result<T, Error> {
        let timeout = self.inner.timeout.max(at_least);
        let response = self.send(request.timeout(timeout)).await?;
        http::json(&self.inner.server, response).await
    }

    /// A URL from an answer (relative to the API base) as an absolute one;
    /// one that leads off this server is refused, so the client's API key
    /// never goes anywhere else.
    pub(crate) fn resolve(&self, url: &str) -> Result<Url, Error> {
        let resolved = self.inner.api.join(url).ok();
        resolved
            .filter(|resolved| resolved.as_str().starts_with(self.inner.api.as_str()))
            .ok_or_else(|| Error::Protocol {
                url: self.inner.api.clone(),
                reason: format!("the answer's URL \"{url}\" leads off this server's API"),
            })
    }

    /// Sends an API call that answers with no content, under the call
    /// timeout.
    pub(crate) async fn call_no_content(&self, request: RequestBuilder) -> Result<(), Error> {
        self.send(request.timeout(self.inner.timeout)).await?;
        Ok(())
    }

    /// Sends a request; any answer but a 2xx becomes an error.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response, Error> {
        http::send(&self.inner.server, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_gets_a_trailing_slash_and_loses_query_and_fragment() {
        let client = Client::new("http://127.0.0.1:8642").unwrap();
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:8642/");
        let below = Client::new("https://example.test/studio?x=1#top").unwrap();
        assert_eq!(below.base_url().as_str(), "https://example.test/studio/");
        assert_eq!(
            below.endpoint(&["generations", "ab/c"]).unwrap().as_str(),
            "https://example.test/studio/api/generations/ab%2Fc"
        );
    }

    #[test]
    fn answer_urls_resolve_against_the_api_base_and_never_leave_it() {
        let client = Client::new("https://example.test/studio").unwrap();
        assert_eq!(
            client
                .resolve("generations/ab/poster.png")
                .unwrap()
                .as_str(),
            "https://example.test/studio/api/generations/ab/poster.png"
        );
        for elsewhere in ["https://evil.test/x", "//evil.test/x", "../x", "/x"] {
            assert!(client.resolve(elsewhere).is_err(), "{elsewhere}");
        }
    }

    #[test]
    fn urls_without_an_http_scheme_are_refused_with_an_example() {
        for bad in ["127.0.0.1:8642", "localhost:8642", "ftp://host/", ""] {
            let err = Client::new(bad).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}");
            assert!(err.to_string().contains("http://127.0.0.1:8642"), "{err}");
        }
    }

    #[test]
    fn an_api_key_that_is_not_a_header_value_is_a_config_error() {
        let err = Client::builder("http://127.0.0.1:8642")
            .api_key("bad\nkey")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(!err.to_string().contains("bad"), "the key is echoed: {err}");
    }

    #[test]
    fn a_user_agent_that_is_not_a_header_value_is_a_config_error() {
        let err = Client::builder("http://127.0.0.1:8642")
            .user_agent("bad\nagent")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }
}
