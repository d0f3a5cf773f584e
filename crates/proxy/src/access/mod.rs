//! Who may do what. Viewers need nothing; creators prove themselves with a
//! generation's owner token (`jobs::owner`); in `keys` mode starting work
//! needs an API key; and state-changing requests from other sites' pages
//! are refused ([`cross_site`]).

pub mod cross_site;
mod forwarded;
mod keys;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, header::AUTHORIZATION, request::Parts},
};
use trellis_api::{AccessMode, OWNER_TOKEN_HEADER};

pub use self::{
    forwarded::{TrustedProxies, ip_client},
    keys::{KeyError, Keys},
};
use crate::{error::AppError, quota::ClientKey, tokens::API_KEY_PREFIX};

/// The access settings and the keys to check. The extractors below take
/// them from any state that holds them, so this module knows nothing of
/// the server's whole state.
#[derive(Debug, Clone)]
pub struct Access {
    pub mode: AccessMode,
    pub keys: Keys,
    pub trusted: TrustedProxies,
}

/// The value of an `Authorization: Bearer <value>` header, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// The peer of the connection, when the server recorded one.
fn peer(parts: &Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer)
}

/// The caller as the per-client limits count it when no key is involved:
/// its address (see [`TrustedProxies`]).
pub struct Caller(pub ClientKey);

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Access>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let access = Arc::<Access>::from_ref(state);
        let ip = access.trusted.client_ip(peer(parts), &parts.headers);
        Ok(Self(ip_client(ip)))
    }
}

/// A caller allowed to start work: anyone in open mode (counted by
/// address), the holder of an active API key in keys mode (counted by key).
pub struct Authorized(pub ClientKey);

impl<S> FromRequestParts<S> for Authorized
where
    S: Send + Sync,
    Arc<Access>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let access = Arc::<Access>::from_ref(state);
        match access.mode {
            AccessMode::Open => Ok(Self(Caller::from_request_parts(parts, state).await?.0)),
            AccessMode::Keys => {
                let key = bearer(&parts.headers).ok_or(AppError::ApiKeyRequired)?;
                match access.keys.find(key).await? {
                    Some(name) => Ok(Self(ClientKey::Key(name.into()))),
                    None => Err(AppError::ApiKeyInvalid),
                }
            }
        }
    }
}

/// The owner token a creator-only request presents: the
/// [`OWNER_TOKEN_HEADER`], or as before the rename, `Authorization: Bearer`
/// (unless that holds an API key).
pub struct OwnerToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for OwnerToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(OWNER_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|token| !token.is_empty());
        let legacy = || bearer(&parts.headers).filter(|token| !token.starts_with(API_KEY_PREFIX));
        Ok(Self(header.or_else(legacy).map(str::to_owned)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_empty_tokens_are_none() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "bEaReR  abc ".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }
}
