//! What the page says about a model's other formats, and where a phone
//! can place it in the room. Pure functions, so they are tested natively.

use trellis_api::{ConversionFormat, ConversionRequest, PrintReport};

/// Google's app, which opens Scene Viewer from an intent and falls back to
/// its 3D view on phones without ARCore.
const SCENE_VIEWER_PACKAGE: &str = "com.google.android.googlequicksearchbox";
/// Scene Viewer's entry point, behind the `intent://` scheme.
const SCENE_VIEWER: &str = "arvr.google.com/scene-viewer/1.0";
/// Scene Viewer cuts titles past this many characters.
const SCENE_VIEWER_TITLE_CHARS: usize = 60;
/// Cubic millimetres in a cubic centimetre, the unit slicers show.
const MM3_PER_CM3: f64 = 1000.0;

/// How this device can show a model in the room, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArViewer {
    /// iPhone and iPad: AR Quick Look opens a USDZ from `<a rel="ar">`.
    QuickLook,
    /// Android: Scene Viewer opens a GLB from an intent link.
    SceneViewer,
}

/// The AR viewer of the device whose browser says `user_agent`, with
/// `touch_points` from `navigator.maxTouchPoints`: iPadOS asks for desktop
/// pages as a Mac, and only its touch screen tells it apart.
pub fn ar_viewer(user_agent: &str, touch_points: i32) -> Option<ArViewer> {
    let apple_mobile = ["iPhone", "iPad", "iPod"]
        .iter()
        .any(|device| user_agent.contains(device));
    let ipad_as_mac = user_agent.contains("Macintosh") && touch_points > 1;
    if apple_mobile || ipad_as_mac {
        Some(ArViewer::QuickLook)
    } else if user_agent.contains("Android") {
        Some(ArViewer::SceneViewer)
    } else {
        None
    }
}

/// The link that opens the GLB at `glb_url` (absolute) in Scene Viewer,
/// AR first, titled `title`; a phone without Google's app goes back to
/// `fallback_url`.
pub fn scene_viewer_intent(glb_url: &str, title: &str, fallback_url: &str) -> String {
    let title: String = title.chars().take(SCENE_VIEWER_TITLE_CHARS).collect();
    format!(
        "intent://{SCENE_VIEWER}?file={}&mode=ar_preferred&title={}#Intent;scheme=https;package={SCENE_VIEWER_PACKAGE};action=android.intent.action.VIEW;S.browser_fallback_url={};end;",
        percent_encode(glb_url),
        percent_encode(&title),
        percent_encode(fallback_url),
    )
}

/// Everything but unreserved characters escaped, as `encodeURIComponent`
/// does (and a little more), so a URL survives inside another.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A format as people name it in the menu.
pub fn format_name(format: ConversionFormat) -> &'static str {
    match format {
        ConversionFormat::Usdz => "USDZ",
        ConversionFormat::Stl => "STL",
        ConversionFormat::Obj => "OBJ (zip)",
    }
}

/// What a format is for, in a few words.
pub fn format_use(format: ConversionFormat) -> &'static str {
    match format {
        ConversionFormat::Usdz => "For AR on iPhone and iPad (Quick Look)",
        ConversionFormat::Stl => "For 3D printing, in millimetres",
        ConversionFormat::Obj => "OBJ, MTL and textures, for Blender, Maya and other DCC tools",
    }
}

/// A conversion's settings in words: "30 cm tall", "120 mm, made printable".
pub fn settings_words(request: &ConversionRequest) -> String {
    match *request {
        ConversionRequest::Usdz { height_m } => format!("{} cm tall", trimmed(height_m * 100.0)),
        ConversionRequest::Stl {
            height_mm,
            make_printable,
        } => {
            let printable = if make_printable {
                ", made printable"
            } else {
                ""
            };
            format!("{} mm tall{printable}", trimmed(height_mm))
        }
        ConversionRequest::Obj {} => "textures included".to_string(),
    }
}

/// A number with at most one decimal and no trailing `.0`.
fn trimmed(value: f32) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// A file size as downloads show it, in decimal units like the model's
/// statistics and the server's messages: "12.3 MB", "840 KB".
pub fn file_size(bytes: u64) -> String {
    const KB: f64 = 1e3;
    const MB: f64 = 1e6;
    let bytes = bytes as f64;
    if bytes >= MB / 10.0 {
        format!("{:.1} MB", bytes / MB)
    } else {
        format!("{} KB", (bytes / KB).ceil())
    }
}

/// The print report as a slicer user reads it: one line per fact.
pub fn print_facts(report: &PrintReport) -> Vec<(&'static str, String)> {
    let [width, depth, height] = report.size_mm;
    let bad_edges = report.non_manifold_edges + report.inconsistent_edges;
    let mut facts = vec![
        (
            "Closed (watertight)",
            if report.closed {
                "yes".to_string()
            } else {
                format!("no: {} open edges", report.boundary_edges)
            },
        ),
        (
            "Manifold",
            if report.manifold {
                "yes".to_string()
            } else {
                format!("no: {bad_edges} bad edges")
            },
        ),
        (
            "Volume",
            report.volume_mm3.map_or_else(
                || "unknown until closed".to_string(),
                |mm3| format!("{:.1} cm³", mm3 / MM3_PER_CM3),
            ),
        ),
        (
            "Size (W × D × H)",
            format!("{width:.1} × {depth:.1} × {height:.1} mm"),
        ),
        ("Pieces", report.shells.to_string()),
    ];
    if let Some(repair) = &report.repair {
        let changes = [
            (repair.holes_filled, "holes filled"),
            (repair.non_manifold_removed, "non-manifold faces removed"),
            (repair.degenerate_removed, "degenerate faces removed"),
            (repair.flipped, "faces flipped"),
            (repair.vertices_merged, "vertices merged"),
        ];
        let done: Vec<String> = changes
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{count} {what}"))
            .collect();
        let words = if done.is_empty() {
            "none needed".to_string()
        } else {
            done.join(", ")
        };
        facts.push(("Repairs", words));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_api::RepairReport;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const PIXEL: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
    const MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    const LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    #[test]
    fn phones_get_their_own_ar_viewer_and_desktops_none() {
        assert_eq!(ar_viewer(IPHONE, 5), Some(ArViewer::QuickLook));
        assert_eq!(ar_viewer(MAC, 5), Some(ArViewer::QuickLook), "iPadOS");
        assert_eq!(ar_viewer(MAC, 0), None);
        assert_eq!(ar_viewer(PIXEL, 5), Some(ArViewer::SceneViewer));
        assert_eq!(ar_viewer(LINUX, 0), None);
    }

    #[test]
    fn the_scene_viewer_intent_carries_the_file_title_and_fallback_escaped() {
        let intent = scene_viewer_intent(
            "https://s.example/api/generations/ab/models/m.glb?x=1&y=2",
            "Cactus — Balanced",
            "https://s.example/?g=ab",
        );
        assert!(intent.starts_with(
            "intent://arvr.google.com/scene-viewer/1.0?file=https%3A%2F%2Fs.example%2Fapi%2Fgenerations%2Fab%2Fmodels%2Fm.glb%3Fx%3D1%26y%3D2&mode=ar_preferred&title=Cactus%20%E2%80%94%20Balanced#Intent;"
        ), "{intent}");
        assert!(intent.contains(";package=com.google.android.googlequicksearchbox;"));
        assert!(
            intent.ends_with(";S.browser_fallback_url=https%3A%2F%2Fs.example%2F%3Fg%3Dab;end;")
        );
        let long = scene_viewer_intent("u", &"x".repeat(100), "f");
        assert!(long.contains(&format!("title={}#", "x".repeat(60))));
    }

    #[test]
    fn settings_and_sizes_read_as_people_say_them() {
        assert_eq!(
            settings_words(&ConversionRequest::Usdz { height_m: 0.3 }),
            "30 cm tall"
        );
        assert_eq!(
            settings_words(&ConversionRequest::Stl {
                height_mm: 25.4,
                make_printable: true
            }),
            "25.4 mm tall, made printable"
        );
        assert_eq!(file_size(12_340_000), "12.3 MB");
        assert_eq!(file_size(2_000), "2 KB");
    }

    #[test]
    fn the_print_report_says_closed_volume_size_and_repairs() {
        let report = PrintReport {
            triangles: 12,
            closed: true,
            manifold: true,
            boundary_edges: 0,
            non_manifold_edges: 0,
            inconsistent_edges: 0,
            shells: 1,
            volume_mm3: Some(125_000.0),
            size_mm: [50.0, 50.0, 50.0],
            repair: Some(RepairReport {
                vertices_merged: 4,
                degenerate_removed: 0,
                non_manifold_removed: 0,
                flipped: 1,
                holes_filled: 2,
                triangles_added: 6,
            }),
        };
        let facts = print_facts(&report);
        assert_eq!(facts[0], ("Closed (watertight)", "yes".to_string()));
        assert_eq!(facts[2].1, "125.0 cm³");
        assert_eq!(facts[3].1, "50.0 × 50.0 × 50.0 mm");
        assert_eq!(
            facts[5].1,
            "2 holes filled, 1 faces flipped, 4 vertices merged"
        );
        let open = PrintReport {
            closed: false,
            manifold: false,
            boundary_edges: 8,
            non_manifold_edges: 1,
            volume_mm3: None,
            repair: None,
            ..report
        };
        let facts = print_facts(&open);
        assert_eq!(facts[0].1, "no: 8 open edges");
        assert_eq!(facts[1].1, "no: 1 bad edges");
        assert_eq!(facts[2].1, "unknown until closed");
    }
}
