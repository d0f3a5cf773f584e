//! The tables of the shared repository, and the names every proxy agrees on.

/// The notification channel every proxy listens to.
pub const CHANNEL: &str = "trellis_events";
/// Advisory lock held while a task is claimed: claims are made one at a
/// time over every proxy, so they follow the line, and each sees the
/// servers' loads as the previous claim left them.
pub const CLAIM_LOCK: i64 = 0x7472_656c_6c69_7301;
/// Advisory lock held while the schema is made, so two proxies starting
/// at once do not race.
pub const SCHEMA_LOCK: i64 = 0x7472_656c_6c69_7302;

/// The schema; every statement is safe to run again.
///
/// - `generations`: as in the embedded SQLite database (`record` is the
///   wire `Generation` as JSON), plus the version bumped by every change.
/// - `removed`: ids that existed, so their links answer 410, not 404.
/// - `tasks`: the line. A `queued` task waits; a `running` one is leased
///   by the proxy `owner` until `lease_expires`, on `server`. `accepted`
///   says the request went out to the server, after which the task is
///   never sent again. `seq` is the order of arrival.
/// - `timings`: moving averages of step durations, per server and step.
/// - `engine_usage`: engine seconds per UTC day and engine.
/// - `api_keys`: as in the embedded database (SHA-256 of each key; a
///   revoked key keeps its row), one active key per name.
/// - `client_rates`: each client's theoretical arrival time for the hourly
///   limit (`repo::rate`), by the hash of its key or address.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS generations (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    settled BOOLEAN NOT NULL,
    owner_hash TEXT,
    extractions INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    record TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    cache_key TEXT,
    deployment TEXT
);
CREATE INDEX IF NOT EXISTS generations_unsettled ON generations (created_at) WHERE NOT settled;
CREATE INDEX IF NOT EXISTS generations_settled_age ON generations (created_at) WHERE settled;
CREATE INDEX IF NOT EXISTS generations_cache ON generations (cache_key) WHERE cache_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS removed (
    id TEXT PRIMARY KEY,
    removed_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    seq BIGSERIAL PRIMARY KEY,
    generation_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    variant TEXT,
    expected_ms BIGINT NOT NULL,
    needs TEXT,
    state TEXT NOT NULL DEFAULT 'queued',
    server TEXT,
    owner TEXT,
    claimed_at TIMESTAMPTZ,
    lease_expires TIMESTAMPTZ,
    accepted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS tasks_waiting ON tasks (seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS tasks_running ON tasks (lease_expires) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS tasks_generation ON tasks (generation_id);
CREATE TABLE IF NOT EXISTS timings (
    key TEXT PRIMARY KEY,
    seconds DOUBLE PRECISION NOT NULL,
    runs BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS engine_usage (
    day BIGINT NOT NULL,
    backend TEXT NOT NULL,
    seconds DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (day, backend)
);
CREATE TABLE IF NOT EXISTS api_keys (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS client_rates (
    client TEXT PRIMARY KEY,
    tat_ms BIGINT NOT NULL
);
";

/// The columns of a generation, in the order `rows::stored` reads them.
pub const GENERATION_COLUMNS: &str =
    "id, record, owner_hash, extractions, version, cache_key, deployment";

/// The columns of a task, in the order `rows::task` reads them.
pub const TASK_COLUMNS: &str = "seq, generation_id, kind, variant, expected_ms, needs";
