//! Two proxies sharing a real PostgreSQL (`--database`) and a real
//! S3-compatible bucket (`--store s3://`, moto): a generation made through
//! one is seen, followed live and downloaded through the other.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use trellis_api::{Generation, JobStatus};
use trellis_proxy::AppState;
use trellis_testkit::{Postgres, S3};

use crate::{
    common::{
        MODAL_KEY, MODAL_SECRET, Part, TestServer, capture_logs, config_with, multipart,
        pool_config,
    },
    images::subject_png,
    modal::modal_args,
    quotas::{assert_limited, upload_from},
    upstream::{Reply, Upstream, fake_glb, modal_generated},
};

/// How long following a job through the other proxy may take.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(60);

/// The bucket the tests' proxies share, and the prefix of their files.
pub const BUCKET: &str = "trellis-files";
pub const PREFIX: &str = "studio";

/// What proxies share: a real PostgreSQL with a database, and a real
/// S3-compatible server with [`BUCKET`] (`store`: the flags that use it).
pub struct Backing {
    _postgres: Postgres,
    pub database: String,
    pub s3: S3,
    pub store: Vec<String>,
}

impl Backing {
    pub fn start() -> Self {
        let postgres = Postgres::start().unwrap();
        let database = postgres.create_database("trellis").unwrap();
        let s3 = bucket();
        let store = s3_store(&s3);
        Self {
            _postgres: postgres,
            database,
            s3,
            store,
        }
    }
}

/// A started S3-compatible server with [`BUCKET`].
pub fn bucket() -> S3 {
    let s3 = S3::start().unwrap();
    s3.create_bucket(BUCKET).unwrap();
    s3
}

/// The flags that keep a proxy's files in [`BUCKET`] of `s3`: the
/// flag forms of the AWS variables, since the proxies of one test process
/// share its environment.
pub fn s3_store(s3: &S3) -> Vec<String> {
    let mut flags = vec!["--store".to_owned(), format!("s3://{BUCKET}/{PREFIX}")];
    for (variable, value) in s3.env() {
        let flag = match variable {
            "AWS_ENDPOINT_URL" => "--s3-endpoint",
            "AWS_REGION" => "--s3-region",
            "AWS_ACCESS_KEY_ID" => "--s3-access-key-id",
            "AWS_SECRET_ACCESS_KEY" => "--s3-secret-access-key",
            "AWS_ALLOW_HTTP" => {
                flags.push("--s3-allow-http".to_owned());
                continue;
            }
            other => panic!("no flag for {other}"),
        };
        flags.extend([flag.to_owned(), value]);
    }
    flags
}

/// A proxy in front of `upstream` on its own data dir, with the records in
/// `database` and the files where `store` (flags) says.
pub async fn proxy(upstream: &Upstream, database: &str, store: &[String]) -> TestServer {
    proxy_with(upstream, database, store, &[]).await
}

/// Like [`proxy`], with `more` flags.
async fn proxy_with(
    upstream: &Upstream,
    database: &str,
    store: &[String],
    more: &[&str],
) -> TestServer {
    capture_logs();
    let mut extra = vec!["--database", database];
    extra.extend(store.iter().map(String::as_str));
    extra.extend_from_slice(more);
    let args = modal_args(&format!("{}/generate", upstream.url), &upstream.url, &extra);
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(&config_with(dir.path(), 1, &args))
        .await
        .unwrap();
    TestServer::of(state, dir)
}

async fn model(server: &TestServer, generation: &Generation, variant: &str) -> Vec<u8> {
    let model = generation
        .models
        .iter()
        .find(|m| m.variant == variant)
        .unwrap();
    let reply = server
        .get(&format!("/api/{}", model.url.clone().unwrap()))
        .await;
    reply.assert_status(StatusCode::OK);
    reply.body.to_vec()
}

#[tokio::test]
async fn a_generation_made_through_one_proxy_is_followed_and_downloaded_through_the_other() {
    let backing = Backing::start();
    let upstream = Upstream::modal().await;
    upstream.set_default(
        "/generate",
        Reply::After(
            Duration::from_millis(1500),
            Box::new(Reply::Json(modal_generated())),
        ),
    );
    let a = proxy(&upstream, &backing.database, &backing.store).await;
    let b = proxy(&upstream, &backing.database, &backing.store).await;

    let id = a.submit(&subject_png(), &[]).await;
    // B knows it at once, and its event stream follows it to the end.
    assert_eq!(b.generation(&id).await.id, id);
    let events = tokio::time::timeout(
        FOLLOW_TIMEOUT,
        b.get(&format!("/api/generations/{id}/events")),
    )
    .await
    .expect("B's event stream ends when the job settles");
    let text = events.text();
    assert!(text.contains("\"status\":\"running\""), "{text}");
    assert!(text.contains("\"status\":\"succeeded\""), "{text}");
    assert_eq!(upstream.seen("/generate").len(), 1, "generated once");

    let done = b.generation(&id).await;
    assert_eq!(done.status, JobStatus::Succeeded);
    let first = done.models[0].variant.clone();
    assert_eq!(model(&b, &done, &first).await, fake_glb());

    // A model extracted through A downloads from B.
    let asked = a
        .as_owner(
            &id,
            axum::http::Request::post(format!("/api/generations/{id}/extract_glb")),
        )
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "decimation_target": 150_000, "texture_size": 1024 }).to_string(),
        ))
        .unwrap();
    let reply = a.send(asked).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let both = b
        .wait_until(&id, |g| {
            g.models.len() == 2 && g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    let second = both.models[1].variant.clone();
    assert_eq!(model(&b, &both, &second).await, fake_glb());
}

#[tokio::test]
async fn an_api_key_kept_in_the_shared_database_works_at_every_proxy_until_revoked_there() {
    // Given two proxies in keys mode over one database, and a key made
    // with `trellis-proxy keys add --database` (no proxy's data dir)
    let backing = Backing::start();
    let upstream = Upstream::modal().await;
    let keys_mode = ["--access", "keys"];
    let a = proxy_with(&upstream, &backing.database, &[], &keys_mode).await;
    let b = proxy_with(&upstream, &backing.database, &[], &keys_mode).await;
    let elsewhere = tempfile::tempdir().unwrap();
    // Run beside the proxies, which must go on answering the database
    // (their transactions hold locks the command may wait for).
    let keys = async |args: &[&str]| {
        let dir = elsewhere.path().to_owned();
        let mut args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        args.extend(["--database".to_owned(), backing.database.clone()]);
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::keys::keys(&dir, &args)
        })
        .await
        .unwrap()
    };
    let (made, key, err) = keys(&["add", "alice"]).await;
    assert!(made, "{err}");
    let authorization = trellis_api::bearer(key.trim());
    let (twice, _, err) = keys(&["add", "alice"]).await;
    assert!(!twice && err.contains("already exists"), "{err}");

    // Then both proxies take it
    for proxy in [&a, &b] {
        let reply = crate::keys::upload(proxy, Some(&authorization)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    }

    // And once it is revoked (through the database again), both refuse it
    let (revoked, _, err) = keys(&["revoke", "alice"]).await;
    assert!(revoked, "{err}");
    for proxy in [&a, &b] {
        let reply = crate::keys::upload(proxy, Some(&authorization)).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid", "revoked");
    }
    let (_, listed, _) = keys(&["list"]).await;
    assert!(
        listed.contains("alice") && listed.contains("revoked"),
        "{listed}"
    );
    let (_, local, _) = crate::keys::keys(elsewhere.path(), &["list"]);
    assert!(
        local.trim().is_empty(),
        "a data dir holds the shared key: {local}"
    );
}

#[tokio::test]
async fn a_clients_hourly_generations_are_counted_over_every_proxy() {
    // Given two proxies over one database allowing 2 generations an hour
    let backing = Backing::start();
    let upstream = Upstream::modal().await;
    let two_an_hour = ["--generations-per-hour", "2"];
    let a = proxy_with(&upstream, &backing.database, &[], &two_an_hour).await;
    let b = proxy_with(&upstream, &backing.database, &[], &two_an_hour).await;

    // When one client starts one through each
    for proxy in [&a, &b] {
        let reply = proxy.send(upload_from("192.0.2.1:5000")).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    }

    // Then neither lets it start a third, and it is told to wait half an hour
    for proxy in [&a, &b] {
        let reply = proxy.send(upload_from("192.0.2.1:5001")).await;
        assert_limited(
            &reply,
            "generation_rate_limited",
            "2 generations in the last hour",
            1800,
        );
    }
    // While another client goes on
    let reply = b.send(upload_from("192.0.2.2:5000")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
}

/// A proxy over the pool `servers` (a config file), on its own data dir,
/// with the records in `database` and the files where `store` (flags) says.
pub async fn pool_proxy(
    servers: &str,
    database: &str,
    store: &[String],
    more: &[&str],
) -> TestServer {
    capture_logs();
    let mut extra = vec!["--database", database, "--no-cache"];
    extra.extend(store.iter().map(String::as_str));
    extra.extend_from_slice(more);
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(&pool_config(dir.path(), servers, &extra))
        .await
        .unwrap();
    TestServer::of(state, dir)
}

/// `count` Modal fakes answering generate calls with `takes`, as a config file
/// of servers with concurrency 1; the secrets file stays with the caller.
pub async fn servers(
    count: usize,
    takes: Reply,
) -> (Vec<Upstream>, String, tempfile::NamedTempFile) {
    let secrets = tempfile::NamedTempFile::new().unwrap();
    let json = json!({ "modal_key": MODAL_KEY, "modal_secret": MODAL_SECRET });
    std::fs::write(secrets.path(), json.to_string()).unwrap();
    let mut fakes = Vec::new();
    let mut config = String::new();
    for n in 0..count {
        let fake = Upstream::modal().await;
        fake.set_default("/generate", takes.clone());
        let url = &fake.url;
        config += &format!(
            "[[server]]\nname = \"gpu-{n}\"\nkind = \"modal\"\nconcurrency = 1\n\
             generate_url = \"{url}/generate\"\nextract_url = \"{url}/extract_glb\"\n\
             health_url = \"{url}/health\"\nsecrets_file = \"{}\"\n\n",
            secrets.path().display()
        );
        fakes.push(fake);
    }
    (fakes, config, secrets)
}

/// Claims are made one at a time, but each job's start is stamped by the
/// worker after its claim, on either proxy: stamps may cross by this much.
const START_STAMP_SLACK_MS: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_proxies_share_one_line_over_three_servers_and_run_each_job_once_in_order() {
    let backing = Backing::start();
    let takes = Reply::After(
        Duration::from_millis(300),
        Box::new(Reply::Json(modal_generated())),
    );
    let (fakes, servers, _secrets) = servers(3, takes).await;
    let a = pool_proxy(&servers, &backing.database, &backing.store, &[]).await;
    let b = pool_proxy(&servers, &backing.database, &backing.store, &[]).await;

    let mut ids = Vec::new();
    for n in 0..30 {
        let to = if n % 2 == 0 { &a } else { &b };
        ids.push(to.submit(&subject_png(), &[]).await);
    }
    // Either proxy's health shows the whole line and each server's load.
    let shown: trellis_api::Health = b.get("/api/health").await.json();
    assert!(shown.queue_length > 3, "{shown:?}");
    let running: u32 = shown.servers.iter().map(|s| s.running).sum();
    assert!((1..=3).contains(&running), "{:?}", shown.servers);
    let mut started = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let from = if n % 2 == 0 { &b } else { &a };
        let done = from.wait_for_status(id, JobStatus::Succeeded).await;
        started.push(done.started_at.expect("a start"));
    }
    let calls: Vec<usize> = fakes.iter().map(|f| f.seen("/generate").len()).collect();
    assert_eq!(
        calls.iter().sum::<usize>(),
        30,
        "each generate call once: {calls:?}"
    );
    assert!(
        calls.iter().all(|&n| n > 0),
        "every server worked: {calls:?}"
    );
    for pair in started.windows(2) {
        assert!(
            pair[0] <= pair[1] + START_STAMP_SLACK_MS,
            "jobs started out of order: {started:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_show_through_either_proxy_and_a_cancel_through_another_stops_the_gpu_call() {
    let backing = Backing::start();
    let (fakes, servers, _secrets) = servers(1, Reply::Json(modal_generated())).await;
    // The first call never ends unless the proxy running it lets go.
    fakes[0].script("/generate", [Reply::Hang]);
    let a = pool_proxy(&servers, &backing.database, &backing.store, &[]).await;
    let stuck = a.submit(&subject_png(), &[]).await;
    a.wait_for_status(&stuck, JobStatus::Running).await;

    // B starts after the job is running on A, so only A can be running it.
    let b = pool_proxy(&servers, &backing.database, &backing.store, &[]).await;
    // Jobs waiting in the shared line have their places through either proxy.
    let next = b.submit(&subject_png(), &[]).await;
    let last = b.submit(&subject_png(), &[]).await;
    for server in [&a, &b] {
        let waiting = server.generation(&last).await;
        assert_eq!(waiting.queue_position, Some(2), "{waiting:?}");
        assert!(
            waiting.eta_seconds.is_some_and(|eta| eta > 0.0),
            "{waiting:?}"
        );
    }

    b.know_token(&stuck, a.token(&stuck));
    b.cancel(&stuck).await.assert_status(StatusCode::OK);
    a.wait_for_status(&stuck, JobStatus::Cancelled).await;

    // The server's one slot is free again: the jobs behind run and succeed.
    a.wait_for_status(&next, JobStatus::Succeeded).await;
    a.wait_for_status(&last, JobStatus::Succeeded).await;
    assert_eq!(fakes[0].seen("/generate").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gpu_server_that_dies_mid_run_fails_its_job_honestly_and_the_others_take_the_line() {
    let backing = Backing::start();
    let takes = Reply::After(
        Duration::from_millis(300),
        Box::new(Reply::Json(modal_generated())),
    );
    let (fakes, servers, _secrets) = servers(3, takes).await;
    // The first call to gpu-0 is still running when it dies.
    fakes[0].script("/generate", [Reply::Hang]);
    let more = ["--health-interval-secs", "1"];
    let a = pool_proxy(&servers, &backing.database, &backing.store, &more).await;
    let b = pool_proxy(&servers, &backing.database, &backing.store, &more).await;

    let mut ids = Vec::new();
    for n in 0..9 {
        let to = if n % 2 == 0 { &a } else { &b };
        ids.push(to.submit(&subject_png(), &[]).await);
        if n == 0 {
            a.wait_until(&ids[0], |_| fakes[0].seen("/generate").len() == 1)
                .await;
        }
    }
    fakes[0].stop();

    let mut failed = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let from = if n % 2 == 0 { &b } else { &a };
        let done = from.wait_until(id, |g| g.is_settled()).await;
        if done.status == JobStatus::Failed {
            failed.push(done.error.expect("an error").message);
        } else {
            assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
        }
    }
    assert_eq!(
        failed.len(),
        1,
        "only the job gpu-0 was running: {failed:?}"
    );
    assert!(failed[0].contains("broke"), "{failed:?}");
    let calls: Vec<usize> = fakes.iter().map(|f| f.seen("/generate").len()).collect();
    assert_eq!(
        calls[0], 1,
        "nothing more went to the dead server: {calls:?}"
    );
    assert_eq!(
        calls.iter().sum::<usize>(),
        9,
        "each job sent once: {calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_days_gpu_budget_is_shared_by_the_proxies() {
    let backing = Backing::start();
    let takes = Reply::After(
        Duration::from_millis(1500),
        Box::new(Reply::Json(modal_generated())),
    );
    let (_fakes, servers, _secrets) = servers(1, takes).await;
    let budget = ["--gpu-seconds-per-day", "1"];
    let a = pool_proxy(&servers, &backing.database, &backing.store, &budget).await;
    let b = pool_proxy(&servers, &backing.database, &backing.store, &budget).await;

    let id = a.submit(&subject_png(), &[]).await;
    a.wait_for_status(&id, JobStatus::Succeeded).await;
    // B ran nothing, but the day's GPU time was spent through A.
    let image = subject_png();
    let refused = b.send(multipart(&[Part::File("image", &image)])).await;
    refused.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "gpu_budget_spent",
        "today's GPU time",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_jobs_waiting_in_the_shared_line_count_until_they_are_done() {
    let backing = Backing::start();
    let (fakes, servers, _secrets) = servers(1, Reply::Json(modal_generated())).await;
    fakes[0].script("/generate", [Reply::Hang]);
    let limit = ["--waiting-per-client", "1"];
    let a = pool_proxy(&servers, &backing.database, &backing.store, &limit).await;
    let b = pool_proxy(&servers, &backing.database, &backing.store, &limit).await;
    let image = subject_png();
    let upload = || multipart(&[Part::File("image", &image)]);

    let first = a.accepted(&a.send(upload()).await);
    b.wait_for_status(&first, JobStatus::Running).await;
    a.send(upload()).await.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_waiting",
        "1 jobs",
    );

    // Done (cancelled): the place is given back.
    a.cancel(&first).await.assert_status(StatusCode::OK);
    let give_up = tokio::time::Instant::now() + FOLLOW_TIMEOUT;
    loop {
        let reply = a.send(upload()).await;
        if reply.status == StatusCode::ACCEPTED {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "{}", reply.text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
