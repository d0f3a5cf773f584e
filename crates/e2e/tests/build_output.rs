//! The release build in `dist/` stays a release build while a developer
//! runs `trunk serve`: the dev server writes elsewhere.

use std::path::Path;

/// The `[build] dist` of `Trunk.toml`, which `trunk serve` writes to.
fn dev_server_output() -> String {
    let config =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Trunk.toml"))
            .expect("Trunk.toml");
    let mut in_build = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_build = line == "[build]";
        } else if in_build && let Some(value) = line.strip_prefix("dist") {
            return value
                .trim_start_matches([' ', '='])
                .trim_matches('"')
                .to_string();
        }
    }
    panic!("Trunk.toml has no [build] dist");
}

#[test]
fn trunk_serve_writes_somewhere_other_than_the_served_dist() {
    let dev = dev_server_output();
    assert_ne!(
        Path::new(&dev).components().collect::<Vec<_>>(),
        Path::new("dist").components().collect::<Vec<_>>(),
        "trunk serve would overwrite the release build in dist/"
    );
}

#[test]
fn dist_holds_a_release_build_without_the_live_reload_script() {
    let index = std::fs::read_to_string(trellis_e2e::dist_dir().join("index.html"))
        .expect("dist/index.html: run scripts/test, which builds it");
    assert!(
        !index.contains("__TRUNK_ADDRESS__") && !index.contains("__trunk_address__"),
        "dist/ holds a trunk serve build"
    );
    assert!(
        trellis_e2e::dist_dir().join("config.json").is_file(),
        "no default config.json: every load would log a 404"
    );
}
