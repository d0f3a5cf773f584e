//! The `Format` facts a server relies on match what each converter writes.

mod common;

use trellis_convert::{
    Format, PosterOptions, StlOptions, UsdzOptions, poster_png, to_obj_zip, to_stl, to_usdz,
};

fn convert(format: Format) -> Vec<u8> {
    let glb = common::robot_glb();
    let bytes = match format {
        Format::Usdz => to_usdz(glb, &UsdzOptions::default()).map(|c| c.bytes),
        Format::Stl => to_stl(glb, &StlOptions::default()).map(|c| c.bytes),
        Format::Obj => to_obj_zip(glb).map(|c| c.bytes),
        Format::Poster => poster_png(glb, &PosterOptions::default()).map(|c| c.bytes),
    };
    bytes.unwrap_or_else(|e| panic!("{format:?}: {e}"))
}

#[test]
fn media_types_and_names_match_the_files() {
    for format in Format::ALL {
        let bytes = convert(format);
        let media_type = format.media_type();
        let zip = bytes.starts_with(b"PK\x03\x04");
        match media_type {
            "model/vnd.usdz+zip" | "application/zip" => assert!(zip, "{format:?}"),
            "image/png" => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{format:?}"),
            "model/stl" => {
                let count = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]);
                assert_eq!(bytes.len(), 84 + 50 * count as usize, "{format:?}");
            }
            other => panic!("{format:?} has an unexpected media type {other}"),
        }
        // Route segments and cache keys use the lowercase serde name.
        let name = serde_json::to_value(format).unwrap_or_default();
        assert_eq!(name, format!("{format:?}").to_lowercase().as_str());
        assert!(!format.file_extension().starts_with('.'), "{format:?}");
    }
}
