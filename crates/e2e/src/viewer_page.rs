//! The viewer opened on a GLB with view parameters (`&mode=`, `&cam=`, as a
//! share link carries them), driven by synthetic wheel and touch input, and
//! measured from canvas read-backs.

use crate::files::FileServer;
use crate::glb::query_escape;
use crate::{Browser, drawn_fraction};
use image::RgbaImage;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Longest wait for the picture to stop changing (the wireframe's edges
/// are found over several frames; SwiftShader draws slowly).
const STABLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Serves `glb`, opens the studio at `studio_url` with it as `?model=` plus
/// `view_query` (e.g. `&mode=base-color`), and waits for the viewer to
/// settle. Returns the server (it must outlive the page's fetch) and the
/// viewer's state and message.
pub async fn open_glb_with_view(
    browser: &Browser,
    studio_url: &str,
    glb: Vec<u8>,
    view_query: &str,
    timeout: Duration,
) -> (FileServer, (String, String)) {
    let files = FileServer::start(HashMap::from([("model.glb".into(), glb)])).await;
    let url = format!(
        "{studio_url}?model={}{view_query}",
        query_escape(&files.url("model.glb"))
    );
    browser.client.goto(&url).await.expect("open the page");
    let settled = browser.wait_for_viewer(timeout).await;
    (files, settled)
}

/// The canvas once two read-backs a few frames apart agree, i.e. once
/// everything the viewer draws over several frames is there.
pub async fn stable_pixels(browser: &Browser) -> RgbaImage {
    let deadline = Instant::now() + STABLE_TIMEOUT;
    browser.settle().await;
    let mut last = browser.canvas_pixels().await;
    loop {
        browser.settle().await;
        let now = browser.canvas_pixels().await;
        if now == last || Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

/// The mean colour of the `side`×`side` block at the centre of `pixels`.
pub fn centre_colour(pixels: &RgbaImage, side: u32) -> [f64; 3] {
    let (x0, y0) = ((pixels.width() - side) / 2, (pixels.height() - side) / 2);
    let mut sum = [0.0; 3];
    for y in y0..y0 + side {
        for x in x0..x0 + side {
            let p = pixels.get_pixel(x, y).0;
            for (s, v) in sum.iter_mut().zip(p) {
                *s += f64::from(v);
            }
        }
    }
    sum.map(|s| s / f64::from(side * side))
}

/// Sends `count` wheel events of `delta_y` to the canvas (negative zooms
/// in), then waits for the frame.
pub async fn wheel(browser: &Browser, delta_y: f64, count: u32) {
    browser
        .client
        .execute(
            "const [delta, count] = arguments;
             const canvas = document.querySelector('#viewer canvas');
             for (let i = 0; i < count; i++) {
               canvas.dispatchEvent(new WheelEvent('wheel',
                 { deltaY: delta, bubbles: true, cancelable: true }));
             }",
            vec![delta_y.into(), count.into()],
        )
        .await
        .expect("wheel events");
    browser.settle().await;
}

/// A two-finger pinch on the canvas whose fingers go from `from_px` to
/// `to_px` apart, in `steps` moves (spreading zooms in), as touch pointer
/// events; then waits for the frame.
pub async fn pinch(browser: &Browser, from_px: f64, to_px: f64, steps: u32) {
    browser
        .client
        .execute(
            "const [from, to, steps] = arguments;
             const canvas = document.querySelector('#viewer canvas');
             const box = canvas.getBoundingClientRect();
             const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
             const send = (type, id, x) => canvas.dispatchEvent(new PointerEvent(type, {
               pointerId: id, pointerType: 'touch', isPrimary: id === 1,
               clientX: x, clientY: cy, bubbles: true, cancelable: true }));
             send('pointerdown', 1, cx - from / 2);
             send('pointerdown', 2, cx + from / 2);
             for (let i = 1; i <= steps; i++) {
               const apart = from + (to - from) * i / steps;
               send('pointermove', 1, cx - apart / 2);
               send('pointermove', 2, cx + apart / 2);
             }
             send('pointerup', 1, cx - to / 2);
             send('pointerup', 2, cx + to / 2);",
            vec![from_px.into(), to_px.into(), steps.into()],
        )
        .await
        .expect("pinch");
    browser.settle().await;
}

/// Share of the canvas the model covers (pixels unlike the background).
pub async fn model_coverage(browser: &Browser) -> f64 {
    drawn_fraction(&stable_pixels(browser).await)
}
