//! The `code`s of refusals that a client acts on rather than only showing
//! the message: ask for a key, hide the creator's controls, show the
//! "expired" page, or wait and retry. Every error body also has a message
//! written for a person; show it as it is.

/// 401: the server runs in `keys` mode and the request carries no API key.
pub const API_KEY_REQUIRED: &str = "api_key_required";
/// 401: the API key is unknown or was revoked.
pub const API_KEY_INVALID: &str = "api_key_invalid";
/// 401: a creator-only request without an owner token.
pub const OWNER_TOKEN_REQUIRED: &str = "owner_token_required";
/// 403: an owner token that is not this generation's.
pub const NOT_CREATOR: &str = "not_creator";
/// 403: a POST or DELETE sent by a page of another site.
pub const CROSS_SITE_REQUEST: &str = "cross_site_request";
/// 410: the generation was removed when its retention ran out.
pub const GENERATION_EXPIRED: &str = "generation_expired";
/// 410: the generation was removed by its creator.
pub const GENERATION_DELETED: &str = "generation_deleted";
/// 429: this client started its generations-per-hour allowance.
pub const GENERATION_RATE_LIMITED: &str = "generation_rate_limited";
/// 429: this client already has its allowance of jobs waiting or running.
pub const TOO_MANY_WAITING: &str = "too_many_waiting";
/// 429: this generation has had all the extractions allowed; waiting does
/// not help, so this one comes without a retry time.
pub const EXTRACTION_LIMIT: &str = "extraction_limit";
/// 429: this generation has had all the conversions allowed; waiting does
/// not help, so this one comes without a retry time.
pub const CONVERSION_LIMIT: &str = "conversion_limit";
/// 422: the model cannot be converted to the format asked for; the message
/// says why. Show it next to that format's download.
pub const MODEL_UNCONVERTIBLE: &str = "model_unconvertible";
/// 503: the conversion took longer than the server waits for one; it
/// carries on, so asking again after `retry_after_seconds` picks it up.
pub const CONVERSION_TIMED_OUT: &str = "conversion_timed_out";
/// 429: the engine's daily budget of GPU time is spent.
pub const GPU_BUDGET_SPENT: &str = "gpu_budget_spent";
/// 429: this client has its allowance of open event streams.
pub const TOO_MANY_STREAMS: &str = "too_many_streams";
/// 503: the server is shedding load; retry after `retry_after_seconds`.
pub const SERVER_BUSY: &str = "server_busy";
/// 503: the line of waiting jobs is full.
pub const QUEUE_FULL: &str = "queue_full";
/// On a failed job: the GPU server stopped sending its answer midway.
pub const UPSTREAM_STALLED: &str = "upstream_stalled";
/// On a failed job or model: the server restarted while it ran.
pub const INTERRUPTED: &str = "interrupted";
