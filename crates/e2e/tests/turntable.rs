//! A turntable video recorded in the browser: one turn of the model as it
//! is shown, at the chosen length and size, that plays (checked by ffprobe)
//! with the duration and picture size asked for.

use std::process::Command;
use trellis_e2e::glb::{TestGlb, Textures};
use trellis_e2e::{Browser, Studio};

/// How far the played duration may be from the length asked for: the
/// recorder starts and stops on frame boundaries.
const DURATION_SLACK_S: f64 = 0.6;
/// Frames a 4-second turn must have at least: a few per second even when
/// SwiftShader draws each 720p frame on the CPU.
const MIN_FRAMES: u64 = 8;

#[tokio::test(flavor = "multi_thread")]
async fn a_four_second_720p_turntable_downloads_as_a_video_that_plays() {
    // A light textured model: SwiftShader draws a 500k-triangle one at two
    // frames a second on this machine, a GPU at sixty.
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    let glb = TestGlb::blob(Textures::Png).to_bytes();
    let (_files, (state, message)) = browser
        .open_glb(&studio.url, glb, trellis_e2e::GENERATION_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "{message}");
    browser.capture_downloads().await;
    browser.open_viewer_sheet().await;

    browser.set_value("turntable-seconds", "4").await;
    browser
        .wait_for("#turntable-record")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#turntable-progress").await;
    browser.wait_for("#turntable-cancel").await;

    let (name, video) = browser.next_download().await;
    assert_eq!(name, "model-turntable.webm");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turntable.webm");
    std::fs::write(&path, &video).unwrap();

    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-show_entries"])
        .arg("format=duration:stream=width,height,codec_name,nb_read_frames")
        .args(["-of", "json"])
        .arg(&path)
        .output()
        .expect("ffprobe (scripts/ensure-tools installs ffmpeg)");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let stream = &report["streams"][0];
    assert_eq!(
        (stream["width"].as_u64(), stream["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let duration: f64 = report["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no duration: {report}"));
    assert!(
        (duration - 4.0).abs() <= DURATION_SLACK_S,
        "the video says it lasts {duration} s"
    );
    // The pictures themselves span the turn, not only the duration written
    // into the file: frames throughout, the last one near the end.
    let frames: u64 = stream["nb_read_frames"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(frames >= MIN_FRAMES, "only {frames} frames");
    let packets = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let last = String::from_utf8_lossy(&packets.stdout)
        .lines()
        .filter_map(|t| t.trim().trim_end_matches(',').parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(
        last >= 4.0 - 2.0 * DURATION_SLACK_S,
        "the last frame is at {last} s"
    );
    // Decodes to the end: every frame readable.
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decode.status.success() && decode.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&decode.stderr)
    );
    // And the viewer is back to its own size and view.
    let recording = browser
        .client
        .execute(
            "return document.getElementById('viewer').classList.contains('recording');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(recording, false);
    browser.close().await;
}
