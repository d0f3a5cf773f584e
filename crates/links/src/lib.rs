//! What a link to the studio says, read and written without the browser so
//! it is tested natively. Query parameters rather than paths keep links
//! working on static hosts with no rewrite rules and under any sub-path:
//! - `?g=<id>` a generation, with `&v=<version>` the model version it was
//!   shared with, `&embed=1` for the viewer alone in an `<iframe>`,
//!   `&mode=<display mode>` and `&cam=<camera>` for the view it was
//!   shared in;
//! - `?model=<url>` any GLB, with `&coarse=<url>` a coarse level of it
//!   drawn first and `&poster=<url>` an image shown while it loads.

mod camera_pose;

pub use camera_pose::CameraPose;

/// The query parameter that carries a generation id.
pub const GENERATION_QUERY: &str = "g";
/// The query parameter that names any GLB to open in the viewer.
pub const MODEL_QUERY: &str = "model";
/// With [`MODEL_QUERY`]: a coarse level of that model, drawn first.
pub const COARSE_QUERY: &str = "coarse";
/// An image to show while a `?model=` GLB loads in an embed.
pub const POSTER_QUERY: &str = "poster";
/// `embed=1` shows only the viewer, for an `<iframe>` on another site.
pub const EMBED_QUERY: &str = "embed";
/// The model version the link was shared with (`ModelVariant::variant`).
pub const VERSION_QUERY: &str = "v";
/// The display mode the link was shared in (the viewer's mode keys).
pub const MODE_QUERY: &str = "mode";
/// The camera the link was shared from ([`CameraPose::to_param`]).
pub const CAMERA_QUERY: &str = "cam";

/// A page's query string, read as the browser's `URLSearchParams` reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Reads `search` (`location.search`, with or without its `?`).
    pub fn parse(search: &str) -> Self {
        let search = search.strip_prefix('?').unwrap_or(search);
        Self(
            form_urlencoded::parse(search.as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`; an empty one counts as absent, as a
    /// link with `?model=` and nothing after it names no model.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// Whether the link asks for the viewer alone (`embed=1`).
    pub fn is_embed(&self) -> bool {
        self.get(EMBED_QUERY) == Some("1")
    }

    /// The camera the link asks for; a broken one is ignored.
    pub fn camera(&self) -> Option<CameraPose> {
        self.get(CAMERA_QUERY).and_then(CameraPose::from_param)
    }
}

/// A link to a generation, as the share and embed buttons make it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenerationLink<'a> {
    pub id: &'a str,
    /// The model version; `None` opens the first finished one.
    pub version: Option<&'a str>,
    /// The viewer alone, for an `<iframe>`.
    pub embed: bool,
    /// The display mode's key; `None` for the viewer's default.
    pub mode: Option<&'a str>,
    /// The camera; `None` for the model's own framing.
    pub pose: Option<CameraPose>,
}

impl GenerationLink<'_> {
    /// The link on `page` (origin and path, no query).
    pub fn url(&self, page: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair(GENERATION_QUERY, self.id);
        if self.embed {
            query.append_pair(EMBED_QUERY, "1");
        }
        if let Some(version) = self.version {
            query.append_pair(VERSION_QUERY, version);
        }
        if let Some(mode) = self.mode {
            query.append_pair(MODE_QUERY, mode);
        }
        let mut url = format!("{page}?{}", query.finish());
        // Digits, signs, points and commas need no escaping: the camera
        // stays readable in the link.
        if let Some(pose) = self.pose {
            url.push_str(&format!("&{CAMERA_QUERY}={}", pose.to_param()));
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://studio.example/app/";

    #[test]
    fn a_share_link_reads_back_what_it_was_made_with() {
        let pose = CameraPose {
            eye: [1.5, -0.25, 3.0],
            target: [0.0, 0.1, 0.0],
        };
        let link = GenerationLink {
            id: "gen-42",
            version: Some("fast & light/2"),
            embed: true,
            mode: Some("wireframe"),
            pose: Some(pose),
        };
        let url = link.url(PAGE);
        assert_eq!(
            url,
            "https://studio.example/app/?g=gen-42&embed=1&v=fast+%26+light%2F2\
             &mode=wireframe&cam=1.5,-0.25,3,0,0.1,0"
        );
        let query = Query::parse(url.split_once('?').expect("a query").1);
        assert_eq!(query.get(GENERATION_QUERY), Some("gen-42"));
        assert_eq!(query.get(VERSION_QUERY), Some("fast & light/2"));
        assert_eq!(query.get(MODE_QUERY), Some("wireframe"));
        assert!(query.is_embed());
        assert_eq!(query.camera(), Some(pose));
    }

    #[test]
    fn a_plain_share_link_carries_only_the_generation() {
        let link = GenerationLink {
            id: "abc",
            version: None,
            embed: false,
            mode: None,
            pose: None,
        };
        assert_eq!(link.url(PAGE), "https://studio.example/app/?g=abc");
    }

    #[test]
    fn any_glb_with_its_coarse_level_and_poster_reads_decoded() {
        let query = Query::parse(
            "?model=https%3A%2F%2Fcdn.example%2Fm.opt.glb%3Fsig%3D1%262\
             &coarse=https://cdn.example/m.coarse.glb&poster=p.png&embed=1",
        );
        assert_eq!(
            query.get(MODEL_QUERY),
            Some("https://cdn.example/m.opt.glb?sig=1&2")
        );
        assert_eq!(
            query.get(COARSE_QUERY),
            Some("https://cdn.example/m.coarse.glb")
        );
        assert_eq!(query.get(POSTER_QUERY), Some("p.png"));
        assert!(query.is_embed());
        assert_eq!(query.get(GENERATION_QUERY), None);
    }

    #[test]
    fn empty_repeated_and_odd_parameters_read_as_the_browser_reads_them() {
        let query = Query::parse("g=&model=a.glb&model=b.glb&embed=true&cam&x=%zz+1");
        // An empty value names nothing; the first of a repeated one wins.
        assert_eq!(query.get(GENERATION_QUERY), None);
        assert_eq!(query.get(MODEL_QUERY), Some("a.glb"));
        // Only `embed=1` embeds; a bare `cam` has no camera.
        assert!(!query.is_embed());
        assert_eq!(query.camera(), None);
        // A broken escape stays as written, `+` is a space.
        assert_eq!(query.get("x"), Some("%zz 1"));
        assert_eq!(Query::parse(""), Query::default());
    }

    #[test]
    fn a_broken_camera_is_ignored_as_a_whole() {
        for cam in [
            "1,2,3,4,5",
            "1,2,3,4,5,6,7",
            "1,2,x,0,0,0",
            "NaN,0,1,0,0,0",
            "inf,0,1,0,0,0",
            "2e6,0,0,0,0,0",
            "1,1,1,1,1,1",
        ] {
            let query = Query::parse(&format!("cam={cam}"));
            assert_eq!(query.camera(), None, "{cam}");
        }
        let pose = Query::parse("cam=%201,2,3%20,0,0,0").camera();
        assert_eq!(
            pose,
            Some(CameraPose {
                eye: [1.0, 2.0, 3.0],
                target: [0.0; 3]
            })
        );
    }

    #[test]
    fn camera_coordinates_are_kept_short_and_round_trip_to_a_ten_thousandth() {
        let pose = CameraPose {
            eye: [1.234_567, -0.000_01, 100.0],
            target: [-2.5, 0.0, 0.333_33],
        };
        let param = pose.to_param();
        assert_eq!(param, "1.2346,0,100,-2.5,0,0.3333");
        let back = CameraPose::from_param(&param).expect("reads back");
        for (a, b) in back
            .eye
            .iter()
            .chain(&back.target)
            .zip(pose.eye.iter().chain(&pose.target))
        {
            assert!((a - b).abs() <= 5e-5, "{a} vs {b}");
        }
    }
}
