//! Who may do what, as the wire shows it.
//!
//! - **Viewers** (anyone with a share link) read a generation, follow its
//!   events and download its files: no credential at all.
//! - **Creators** hold a generation's owner token, given once in the 202
//!   answer of `POST /api/generate` ([`crate::GenerateAccepted`]). Only they
//!   may cancel (`DELETE /api/generations/{id}`), remove (`…?remove=true`)
//!   or ask for new models (`POST …/extract_glb`); they send the token in
//!   [`OWNER_TOKEN_HEADER`].
//! - **Clients of the operator**: when the server runs in
//!   [`AccessMode::Keys`], generating and extracting also need an API key,
//!   sent as `Authorization: Bearer <key>` ([`bearer`]).
//!
//! The error codes of refused requests are in [`crate::codes`].

use serde::{Deserialize, Serialize};

/// The header carrying a generation's owner token on creator-only
/// requests. Before it existed the token (then called the delete token)
/// went in `Authorization: Bearer` on removals; servers still accept that
/// when this header is absent.
pub const OWNER_TOKEN_HEADER: &str = "x-owner-token";

/// The `Authorization` value carrying an API key.
pub fn bearer(api_key: &str) -> String {
    format!("Bearer {api_key}")
}

/// Who may start work on a server, from `GET /api/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessMode {
    /// Anyone who reaches the server may generate (a local tool).
    #[default]
    Open,
    /// Generating and extracting need an API key from the operator; the
    /// app asks for one before the first generation.
    Keys,
}

impl AccessMode {
    /// The wire and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::Open => "open",
            AccessMode::Keys => "keys",
        }
    }
}

/// The limits a server applies per client (per API key, or per IP address
/// in open mode), from `GET /api/health`, so a page can say them up front.
/// `None` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// New generations one client may start per hour.
    pub generations_per_hour: Option<u32>,
    /// Jobs of one client that may wait or run at once.
    pub waiting_per_client: Option<u32>,
    /// Models that may be extracted from one generation, the first included.
    pub extractions_per_generation: Option<u32>,
    /// Days a generation is kept before it expires (410 after that).
    pub retention_days: Option<u32>,
    /// Conversions (USDZ, STL, OBJ with given settings) one generation may
    /// have, over all its models.
    pub conversions_per_generation: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_use_their_command_line_names_on_the_wire() {
        for mode in [AccessMode::Open, AccessMode::Keys] {
            let json = serde_json::to_value(mode).unwrap();
            assert_eq!(json, mode.as_str());
        }
        assert_eq!(bearer("k"), "Bearer k");
    }
}
