//! Helpers for the browser tests: the real proxy serving the built app on
//! 127.0.0.1, Debian's chromedriver + Chromium with a fresh profile per
//! browser, and canvas read-backs.

pub mod engine;
pub mod files;
pub mod glb;
pub mod image_compare;
pub mod main_thread;
pub mod scene_glb;
pub mod static_host;
pub mod trellis_glb;
pub mod viewer_page;

use base64::Engine;
use clap::Parser;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;
use trellis_proxy::{AppState, Config};

/// Generous: the CPU engine takes about a second, but the machine may be
/// busy compiling, and SwiftShader renders slowly.
pub const GENERATION_TIMEOUT: Duration = Duration::from_secs(180);
/// Longest wait for the page to react to an action.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);
/// Where the viewer tests serve GLBs from ([`files::FileServer`]): any
/// loopback port.
const MODEL_ORIGINS: &str = "http://127.0.0.1:*";
/// Longest wait for chromedriver to accept a session.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// Flags that give headless Chromium WebGL2 through SwiftShader with no GPU
/// and no network (see the toolchain recipe).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The proxy with the built-in backend, serving `dist/`, on a free port.
pub struct Studio {
    pub url: String,
    state: AppState,
    _data_dir: TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Studio {
    /// The proxy with its default settings.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The proxy with extra command-line flags, e.g. `--cors-origins`. The
    /// viewer tests' GLBs come from file servers on other loopback ports,
    /// which the page's policy allows with `--model-origins`.
    pub async fn start_with(extra_args: &[&str]) -> Self {
        Self::launch(extra_args, None).await
    }

    /// The proxy driving `backend` instead of the configured one.
    pub async fn start_with_backend(
        backend: std::sync::Arc<dyn trellis_proxy::backend::Backend>,
    ) -> Self {
        Self::launch(&[], Some(backend)).await
    }

    /// The proxy in `--access keys` mode, with one API key made as
    /// `trellis-proxy keys add` makes it; returns the key too.
    pub async fn start_with_api_key() -> (Self, String) {
        let data_dir = tempfile::tempdir().expect("temp data dir");
        let key = trellis_proxy::cli::add_key(data_dir.path(), "e2e")
            .await
            .expect("a new key");
        let studio = Self::launch_in(data_dir, &["--access", "keys"], None).await;
        (studio, key)
    }

    async fn launch(
        extra_args: &[&str],
        backend: Option<std::sync::Arc<dyn trellis_proxy::backend::Backend>>,
    ) -> Self {
        let data_dir = tempfile::tempdir().expect("temp data dir");
        Self::launch_in(data_dir, extra_args, backend).await
    }

    async fn launch_in(
        data_dir: TempDir,
        extra_args: &[&str],
        backend: Option<std::sync::Arc<dyn trellis_proxy::backend::Backend>>,
    ) -> Self {
        let dist = dist_dir();
        assert!(
            dist.join("index.html").is_file(),
            "{} has no built app: run scripts/test, which builds it with trunk first (or set TRELLIS_DIST_DIR)",
            dist.display()
        );
        let config = Config::try_parse_from(
            [
                "trellis-proxy".as_ref(),
                "--bind".as_ref(),
                "127.0.0.1:0".as_ref(),
                "--data-dir".as_ref(),
                data_dir.path().as_os_str(),
                "--dist-dir".as_ref(),
                dist.as_os_str(),
                "--model-origins".as_ref(),
                MODEL_ORIGINS.as_ref(),
            ]
            .into_iter()
            .chain(extra_args.iter().map(std::ffi::OsStr::new)),
        )
        .expect("valid proxy config");
        let state = match backend {
            Some(backend) => AppState::with_backend(&config, backend).await,
            None => AppState::new(&config).await,
        }
        .expect("proxy state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("local addr"));
        // The server the proxy binary runs, timeouts and policy included.
        let serving = state.clone();
        let server = tokio::spawn(async move {
            trellis_proxy::serve_on(listener, serving, std::future::pending())
                .await
                .expect("proxy serves");
        });
        Self {
            url,
            state,
            _data_dir: data_dir,
            server,
        }
    }

    /// Runs the retention sweeper now rather than at its next round.
    pub async fn sweep_now(&self) {
        self.state.sweep_now().await.expect("the sweeper runs");
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `TRELLIS_DIST_DIR`, or the workspace's `dist/`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("TRELLIS_DIST_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist"),
        PathBuf::from,
    )
}

/// A chromedriver process, killed on drop even if the test panics.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One Chromium with its own empty profile: two `Browser`s share nothing,
/// like two people on two machines.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
    _profile: TempDir,
}

impl Browser {
    /// A phone: a 390×844 CSS-pixel touch screen at 3× density, the size
    /// the studio was tried at. Emulated through the DevTools protocol,
    /// because headless windows cannot be narrower than 500 px.
    pub async fn launch_phone() -> Self {
        Self::launch_emulated(390, 844, true).await
    }

    /// A viewport of exactly `width`×`height` CSS pixels (e.g. a 300×300
    /// embed), a touch phone's when `phone` is set.
    pub async fn launch_emulated(width: u32, height: u32, phone: bool) -> Self {
        let browser = Self::launch(width.max(500), height.max(500) + 100).await;
        let metrics = serde_json::json!({
            "width": width, "height": height,
            "deviceScaleFactor": if phone { 3 } else { 1 }, "mobile": phone
        });
        browser
            .client
            .issue_cmd(DevTools::new("Emulation.setDeviceMetricsOverride", metrics))
            .await
            .expect("viewport emulation");
        if phone {
            browser
                .client
                .issue_cmd(DevTools::new(
                    "Emulation.setTouchEmulationEnabled",
                    serde_json::json!({ "enabled": true, "maxTouchPoints": 5 }),
                ))
                .await
                .expect("touch emulation");
        }
        browser
    }

    /// Records, in every page opened from now on, what would show as an
    /// error in the console: script errors, `console.error` and failed
    /// requests (the browser's own resource timing, status 400 and over).
    pub async fn watch_console(&self) {
        self.run_before_page_scripts(
            "window.__problems = [];
             addEventListener('error', e => window.__problems.push('error: ' + e.message));
             addEventListener('unhandledrejection', e => window.__problems.push('rejection: ' + e.reason));
             const error = console.error;
             console.error = (...args) => { window.__problems.push('console: ' + args.join(' ')); error(...args); };
             new PerformanceObserver(list => list.getEntries()
                 .filter(e => e.responseStatus >= 400)
                 .forEach(e => window.__problems.push(e.responseStatus + ' ' + e.name)))
               .observe({ type: 'resource', buffered: true });",
        )
        .await;
    }

    /// What [`Browser::watch_console`] has recorded in this page so far.
    pub async fn console_problems(&self) -> Vec<String> {
        let problems = self
            .client
            .execute(
                "return window.__problems || ['console not watched'];",
                vec![],
            )
            .await
            .expect("read the console record");
        problems
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| p.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes pages opened from now on see `user_agent` as the browser's
    /// (`navigator.userAgent` and the request header), e.g. a phone's.
    pub async fn set_user_agent(&self, user_agent: &str) {
        self.client
            .issue_cmd(DevTools::new(
                "Emulation.setUserAgentOverride",
                serde_json::json!({ "userAgent": user_agent }),
            ))
            .await
            .expect("user agent override");
    }

    /// Lets pages write to the clipboard, as a user's click would.
    pub async fn allow_clipboard(&self) {
        self.client
            .issue_cmd(DevTools::new(
                "Browser.grantPermissions",
                serde_json::json!({ "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
            ))
            .await
            .expect("clipboard permission");
    }

    /// Where the element matching `css` is, in CSS pixels of the viewport.
    pub async fn rect(&self, css: &str) -> Rect {
        let value = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]);
                 if (!e) return null;
                 const r = e.getBoundingClientRect();
                 return [r.left, r.top, r.width, r.height];",
                vec![css.into()],
            )
            .await
            .expect("read a bounding box");
        let numbers: Vec<f64> = value
            .as_array()
            .unwrap_or_else(|| panic!("{css} not found"))
            .iter()
            .map(|v| v.as_f64().unwrap_or(0.0))
            .collect();
        Rect {
            x: numbers[0],
            y: numbers[1],
            width: numbers[2],
            height: numbers[3],
        }
    }

    /// The viewport's size in CSS pixels.
    pub async fn viewport(&self) -> (f64, f64) {
        let size = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .expect("viewport size");
        let size = size.as_array().expect("two numbers");
        (
            size[0].as_f64().unwrap_or(0.0),
            size[1].as_f64().unwrap_or(0.0),
        )
    }

    /// Chooses a display mode in the viewer's mode menu (`DisplayMode::key`).
    pub async fn set_display_mode(&self, key: &str) {
        self.client
            .execute(
                "const select = document.getElementById('viewer-mode');
                 select.value = arguments[0];
                 select.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![key.into()],
            )
            .await
            .expect("choose a display mode");
        self.settle().await;
    }

    /// Opens the viewer's details sheet (statistics, alpha, downloads).
    pub async fn open_viewer_sheet(&self) {
        let sheet_hidden = self
            .client
            .execute(
                "return document.getElementById('viewer-sheet').hidden;",
                vec![],
            )
            .await
            .expect("the details sheet");
        if sheet_hidden.as_bool() == Some(true) {
            self.client
                .find(Locator::Css("#viewer-more"))
                .await
                .expect("the details button")
                .click()
                .await
                .expect("open the details");
        }
        self.wait_for("#viewer-sheet:not([hidden])").await;
    }

    /// Runs `script` in every page this browser opens from now on, before
    /// the page's own scripts (e.g. to install a `PerformanceObserver`).
    pub async fn run_before_page_scripts(&self, script: &str) {
        self.client
            .issue_cmd(DevTools::new(
                "Page.addScriptToEvaluateOnNewDocument",
                serde_json::json!({ "source": script }),
            ))
            .await
            .expect("init script");
    }

    /// A desktop browser window of `width`×`height`.
    pub async fn launch(width: u32, height: u32) -> Self {
        let port = free_port();
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // Wrapped before anything can fail, so the process never leaks.
        let driver = Driver(
            Command::new(&chromedriver)
                .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {chromedriver}: {e} (scripts/test installs it)")
                }),
        );
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": args }),
        );

        let deadline = std::time::Instant::now() + DRIVER_START_TIMEOUT;
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&format!("http://127.0.0.1:{port}"))
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if std::time::Instant::now() > deadline => {
                    panic!("chromedriver did not start: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Self {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// A desktop browser that has opened the studio at `url` and made a
    /// model from the shipped example photo `example`.
    pub async fn with_model_from_example(url: &str, example: &str) -> Self {
        let browser = Self::launch(1200, 900).await;
        browser.open(url).await;
        browser.pick_example(example).await;
        browser.generate().await;
        browser
    }

    /// Opens the studio at `url` and waits until the app has mounted.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("open the page");
        self.client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css("#image-input"))
            .await
            .expect("the app mounts");
    }

    /// Waits for an element matching `css` to appear.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "{css} never appeared ({e}); page says: {}",
                self.page_text().await
            ),
        }
    }

    /// Picks a file from disk with the file input.
    pub async fn pick_file(&self, path: &Path) {
        let input = self
            .client
            .find(Locator::Css("#image-input"))
            .await
            .expect("#image-input");
        input
            .send_keys(&path.display().to_string())
            .await
            .expect("pick the file");
    }

    /// Clicks one of the shipped example photos and waits until it is ready.
    pub async fn pick_example(&self, file: &str) {
        self.client
            .find(Locator::Css(&format!("button[data-example='{file}']")))
            .await
            .expect("the example button")
            .click()
            .await
            .expect("click the example");
        // Prepared once the sizes name this file: a photo shown before
        // has sizes too, and Generate would send that one.
        let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
        let named = format!("{file}:");
        loop {
            let sizes = match self.client.find(Locator::Css("#photo-sizes")).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if sizes.starts_with(&named) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{file} was never prepared; the sizes say {sizes:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Presses Generate once it is enabled.
    pub async fn press_generate(&self) {
        let button = self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css("#generate:not([disabled])"))
            .await
            .expect("Generate becomes enabled");
        button.click().await.expect("press Generate");
    }

    /// Presses Generate and waits until the model is drawn.
    pub async fn generate(&self) {
        self.press_generate().await;
        let (state, message) = self.wait_for_viewer(GENERATION_TIMEOUT).await;
        assert_eq!(state, "rendered", "the viewer failed: {message}");
    }

    /// The value of the share-link field.
    pub async fn share_link(&self) -> String {
        self.property("#share-link", "value").await
    }

    /// The visible text of the element matching `css`, once it appears.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .text()
            .await
            .expect("read an element's text")
    }

    /// Sets the form field `id` to `value` and commits it, as typing and
    /// leaving the field would.
    pub async fn set_value(&self, id: &str, value: &str) {
        self.client
            .execute(
                "const [id, value] = arguments; const input = document.getElementById(id);
                 input.value = value; input.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![id.into(), value.into()],
            )
            .await
            .expect("set a field");
    }

    /// Deletes the generation on screen from its history entry, confirming
    /// the question the page asks first.
    pub async fn delete_shown_generation(&self) {
        self.wait_for(
            ".history-item[aria-current='true'] .history-actions button[aria-label^='Delete']",
        )
        .await
        .click()
        .await
        .expect("ask to delete");
        self.wait_for(".history-confirm button.danger")
            .await
            .click()
            .await
            .expect("confirm the deletion");
        self.wait_for("#stage[data-view='empty']").await;
    }

    /// Keeps what the page's `<a download>` clicks would save from now on,
    /// for [`Browser::next_download`]: a headless browser's download folder
    /// is out of the test's reach.
    pub async fn capture_downloads(&self) {
        self.client
            .execute(
                "window.capturedDownloads = [];
                 const click = HTMLAnchorElement.prototype.click;
                 HTMLAnchorElement.prototype.click = function () {
                     if (this.download) {
                         window.capturedDownloads.push({ name: this.download, href: this.href });
                     } else {
                         click.call(this);
                     }
                 };",
                vec![],
            )
            .await
            .expect("capture downloads");
    }

    /// The first download captured since [`Browser::capture_downloads`],
    /// waiting for it: its file name and bytes.
    pub async fn next_download(&self) -> (String, Vec<u8>) {
        let download = self
            .client
            .execute_async(
                "const done = arguments[0];
                 const poll = () => {
                     const download = window.capturedDownloads[0];
                     if (!download) return setTimeout(poll, 100);
                     fetch(download.href).then(r => r.arrayBuffer()).then(buffer => {
                         const bytes = new Uint8Array(buffer);
                         let text = '';
                         for (let i = 0; i < bytes.length; i += 0x8000) {
                             text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
                         }
                         done({ name: download.name, base64: btoa(text) });
                     }, error => done({ error: String(error) }));
                 };
                 poll();",
                vec![],
            )
            .await
            .expect("a download");
        assert!(download.get("error").is_none(), "the download: {download}");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(download["base64"].as_str().unwrap_or_default())
            .expect("base64 bytes");
        (
            download["name"].as_str().unwrap_or_default().to_string(),
            bytes,
        )
    }

    /// The DOM property `name` (`href`, `value`…) of the element matching
    /// `css`, which must exist and have it.
    pub async fn property(&self, css: &str, name: &str) -> String {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} not found: {e}"));
        element
            .prop(name)
            .await
            .expect("read a DOM property")
            .unwrap_or_else(|| panic!("{css} has no {name}"))
    }

    /// Waits for `#viewer` to settle and returns its state and message.
    pub async fn wait_for_viewer(&self, timeout: Duration) -> (String, String) {
        let settled = Locator::Css("#viewer[data-state='rendered'], #viewer[data-state='error']");
        if let Err(e) = self
            .client
            .wait()
            .at_most(timeout)
            .for_element(settled)
            .await
        {
            panic!(
                "the viewer never settled: {e}; page says: {}",
                self.page_text().await
            );
        }
        let viewer = self
            .client
            .find(Locator::Css("#viewer"))
            .await
            .expect("#viewer");
        let state = viewer
            .attr("data-state")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        (state, viewer.text().await.unwrap_or_default())
    }

    /// The page's visible text, for failure messages.
    pub async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Serves `glb` from a file server of its own, opens the studio at
    /// `studio_url` with it as `?model=`, and waits for the viewer to settle.
    /// Returns the server (it must outlive any later fetch of the file) and
    /// the viewer's state and message.
    pub async fn open_glb(
        &self,
        studio_url: &str,
        glb: Vec<u8>,
        timeout: Duration,
    ) -> (files::FileServer, (String, String)) {
        let files =
            files::FileServer::start(std::collections::HashMap::from([("model.glb".into(), glb)]))
                .await;
        let url = format!(
            "{studio_url}?model={}",
            glb::query_escape(&files.url("model.glb"))
        );
        self.client.goto(&url).await.expect("open the page");
        let settled = self.wait_for_viewer(timeout).await;
        (files, settled)
    }

    /// Presses and releases `key` on the keyboard, wherever focus is, as a
    /// user without a mouse would (WebDriver key codes for special keys).
    pub async fn press_key(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let press = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(press)
            .await
            .expect("press a key");
    }

    /// Waits until the viewer has drawn whatever the last input asked for:
    /// it draws on the next animation frame, so two frames is enough.
    pub async fn settle(&self) {
        self.client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await
            .expect("animation frames");
    }

    /// Reads the viewer canvas back as an RGBA image.
    pub async fn canvas_pixels(&self) -> image::RgbaImage {
        let data_url = self
            .client
            .execute(
                "return document.querySelector('#viewer canvas').toDataURL('image/png');",
                vec![],
            )
            .await
            .expect("canvas read-back");
        let data_url = data_url.as_str().expect("a data URL");
        let encoded = data_url.split_once(',').map_or("", |(_, b64)| b64);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64 PNG");
        image::load_from_memory(&png)
            .expect("canvas PNG")
            .to_rgba8()
    }

    /// Saves what the page looks like to `target/e2e-screenshots/<name>.png`,
    /// for people reviewing a run.
    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
        if let (Ok(png), Ok(())) = (
            self.client.screenshot().await,
            std::fs::create_dir_all(&dir),
        ) {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A box on the page, in CSS pixels of the viewport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn area(&self) -> f64 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    /// The area two boxes share.
    pub fn overlap(&self, other: &Rect) -> f64 {
        let width = self.right().min(other.right()) - self.x.max(other.x);
        let height = self.bottom().min(other.bottom()) - self.y.max(other.y);
        width.max(0.0) * height.max(0.0)
    }

    /// Whether the box lies wholly within a viewport of `height` pixels.
    pub fn within_viewport(&self, height: f64) -> bool {
        self.y >= -1.0 && self.bottom() <= height + 1.0
    }
}

/// A DevTools protocol command sent through chromedriver's
/// `goog/cdp/execute` extension.
#[derive(Debug)]
struct DevTools {
    body: String,
}

impl DevTools {
    fn new(method: &str, params: serde_json::Value) -> Self {
        Self {
            body: serde_json::json!({ "cmd": method, "params": params }).to_string(),
        }
    }
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

/// Share of pixels that differ clearly from the top-left (background) one.
pub fn drawn_fraction(pixels: &image::RgbaImage) -> f64 {
    let background = *pixels.get_pixel(0, 0);
    let drawn = pixels
        .pixels()
        .filter(|p| {
            p.0.iter()
                .zip(background.0.iter())
                .map(|(a, b)| a.abs_diff(*b) as u32)
                .sum::<u32>()
                > 30
        })
        .count();
    drawn as f64 / (pixels.width() * pixels.height()).max(1) as f64
}

/// Share of pixels that differ clearly between two same-sized read-backs.
pub fn changed_fraction(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    if a.dimensions() != b.dimensions() {
        return 1.0;
    }
    let changed = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| {
            p.0.iter()
                .zip(q.0.iter())
                .map(|(x, y)| x.abs_diff(*y) as u32)
                .sum::<u32>()
                > 30
        })
        .count();
    changed as f64 / (a.width() * a.height()).max(1) as f64
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A photo-like test image: a shaded, multi-coloured object on a light,
/// slightly uneven background, like a product shot.
pub fn write_test_photo(path: &Path) {
    let (w, h) = (640u32, 480u32);
    let photo = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let (dx, dy) = ((fx - 0.5) / 0.28, (fy - 0.52) / 0.36);
        let r2 = dx * dx + dy * dy;
        if r2 < 1.0 {
            let shade = 0.55 + 0.45 * (1.0 - r2).sqrt();
            let stripe = if ((fx * 12.0) as u32).is_multiple_of(2) {
                1.0
            } else {
                0.7
            };
            image::Rgb([
                (220.0 * shade * stripe) as u8,
                (90.0 * shade) as u8,
                (40.0 + 120.0 * fy * shade) as u8,
            ])
        } else {
            let base = 238.0 - 10.0 * fy + ((x * 7 + y * 13) % 5) as f32;
            image::Rgb([base as u8, base as u8, (base - 4.0) as u8])
        }
    });
    photo.save(path).expect("write test photo");
}
