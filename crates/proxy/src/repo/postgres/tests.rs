//! The shared repository against a real PostgreSQL, started for each test
//! (crates/testkit): records, the line and its leases, notifications.

use std::{collections::HashMap, sync::Arc, time::Duration};

use trellis_api::{BackendKind, ExtractParams, GenerateParams, Generation, JobStatus, Phase};
use trellis_testkit::Postgres as Server;

use super::Postgres;
use crate::{
    id::GenerationId,
    repo::{
        Effect, Event, Lookup, NewTask, Progress, Removal, Repository, StoredGeneration, Task,
        TaskKind,
    },
    secret::Secret,
};

/// Long enough that no lease expires in a test that is not about expiry.
const LONG_LEASE: Duration = Duration::from_secs(600);
/// Short, for the tests of expiry.
const SHORT_LEASE: Duration = Duration::from_secs(2);
/// How long a notification may take to arrive.
const NOTICE: Duration = Duration::from_secs(10);

fn start() -> (Server, String) {
    let server = Server::start().unwrap();
    let url = server.create_database("trellis").unwrap();
    (server, url)
}

async fn connect(url: &str, lease: Duration) -> Postgres {
    Postgres::connect(&Secret::from(url.to_owned()), lease)
        .await
        .unwrap()
}

fn generation(id: &GenerationId) -> StoredGeneration {
    let generation = Generation::queued_for_tests(id.as_str(), BackendKind::Modal);
    StoredGeneration::new(generation, None)
}

fn task(id: &GenerationId, kind: TaskKind) -> NewTask {
    NewTask {
        id: id.clone(),
        kind,
        expected: Duration::from_secs(10),
        needs: None,
    }
}

/// Takes the first waiting task for whichever of `servers` has fewer
/// than one running task.
fn one_each<'a>(
    servers: &'a [&'a str],
) -> impl Fn(&[Task], &HashMap<&str, usize>) -> Option<(usize, String)> + Send + Sync + 'a {
    move |waiting, running| {
        let free = servers
            .iter()
            .find(|server| running.get(**server).copied().unwrap_or_default() < 1)?;
        (!waiting.is_empty()).then(|| (0, (*free).to_owned()))
    }
}

async fn submit(repo: &Postgres) -> GenerationId {
    let id = GenerationId::random().unwrap();
    repo.insert(
        &id,
        &generation(&id),
        10,
        Some(task(&id, TaskKind::Generate)),
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn records_change_in_transactions_with_versions_and_removals_are_remembered() {
    let (_server, url) = start();
    let repo = connect(&url, LONG_LEASE).await;
    let id = submit(&repo).await;
    let Lookup::Found(found) = repo.lookup(&id).await.unwrap() else {
        panic!("not found");
    };
    assert_eq!((found.version, found.extractions), (0, 1));

    // A change that changes nothing writes nothing.
    let unchanged = repo
        .update(&id, Box::new(|_| Effect::Unchanged))
        .await
        .unwrap();
    assert!(unchanged.is_none());
    // A change that queues an extraction does both at once.
    let variant = ExtractParams::default().variant_name();
    let queued = task(
        &id,
        TaskKind::Extract {
            variant: variant.clone(),
        },
    );
    let changed = repo
        .update(
            &id,
            Box::new(move |stored| {
                stored.generation.status = JobStatus::Succeeded;
                stored.extractions += 1;
                stored.cache_key = Some("key".to_owned());
                stored.deployment = Some("gpu".to_owned());
                Effect::Queue(queued)
            }),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((changed.version, changed.extractions), (1, 2));
    let line = repo.line().await.unwrap();
    let kinds: Vec<_> = line.waiting.iter().map(|t| t.kind.clone()).collect();
    assert_eq!(kinds, [TaskKind::Generate, TaskKind::Extract { variant }]);
    assert_eq!(repo.unsettled().await.unwrap().len(), 1);

    repo.remove(&id, Removal::Deleted).await.unwrap();
    assert!(matches!(
        repo.lookup(&id).await.unwrap(),
        Lookup::Removed(Removal::Deleted)
    ));
    assert_eq!(repo.waiting().await.unwrap(), 0);
    let other = GenerationId::random().unwrap();
    assert!(matches!(
        repo.lookup(&other).await.unwrap(),
        Lookup::Unknown
    ));
}

#[tokio::test]
async fn claims_follow_the_line_fill_each_server_once_and_requeued_tasks_keep_their_place() {
    let (_server, url) = start();
    let repo = connect(&url, LONG_LEASE).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(submit(&repo).await);
    }
    let servers = ["a", "b"];
    let choose = one_each(&servers);
    let first = repo.claim(&choose).await.unwrap().unwrap();
    let second = repo.claim(&choose).await.unwrap().unwrap();
    assert_eq!((&first.task.id, &second.task.id), (&ids[0], &ids[1]));
    assert_eq!((first.server.as_str(), second.server.as_str()), ("a", "b"));
    assert!(first.claimed_at <= second.claimed_at);
    assert!(
        repo.claim(&choose).await.unwrap().is_none(),
        "both servers are busy"
    );
    let loads = repo.line().await.unwrap();
    assert_eq!(loads.running.len(), 2);
    assert_eq!(loads.running_per_server().get("a"), Some(&1));

    // The first one's server never took it: back in line, ahead of the rest.
    repo.requeue(&first).await.unwrap();
    assert!(
        !repo.heartbeat(&first).await.unwrap(),
        "a requeued task has no lease"
    );
    let again = repo.claim(&choose).await.unwrap().unwrap();
    assert_eq!(again.task.id, ids[0]);
    repo.accept(&again).await.unwrap();
    assert!(repo.heartbeat(&again).await.unwrap());
    repo.finish(&again).await.unwrap();
    repo.finish(&second).await.unwrap();
    assert_eq!(repo.waiting().await.unwrap(), 2);

    // Cancelling takes waiting tasks out.
    repo.dequeue(&ids[2]).await.unwrap();
    let line = repo.line().await.unwrap();
    let waiting: Vec<_> = line.waiting.into_iter().map(|t| t.id).collect();
    assert_eq!(waiting, [ids[3].clone()]);
}

#[tokio::test]
async fn two_proxies_claiming_at_once_never_take_the_same_task() {
    let (_server, url) = start();
    let a = Arc::new(connect(&url, LONG_LEASE).await);
    let b = Arc::new(connect(&url, LONG_LEASE).await);
    for _ in 0..30 {
        submit(&a).await;
    }
    let take_all = |repo: Arc<Postgres>| async move {
        let any = |waiting: &[Task], _: &HashMap<&str, usize>| {
            (!waiting.is_empty()).then(|| (0, "gpu".to_owned()))
        };
        let mut taken = Vec::new();
        while let Some(lease) = repo.claim(&any).await.unwrap() {
            taken.push((lease.claimed_at, lease.task.seq));
        }
        taken
    };
    let (from_a, from_b) = tokio::join!(take_all(Arc::clone(&a)), take_all(Arc::clone(&b)));
    let mut all: Vec<_> = from_a.iter().chain(&from_b).copied().collect();
    assert_eq!(all.len(), 30);
    // One at a time, in the order of the line.
    all.sort();
    assert!(all.windows(2).all(|w| w[0].1 < w[1].1), "{all:?}");
}

#[tokio::test]
async fn a_dead_proxys_lease_expires_and_another_takes_the_task_over() {
    let (_server, url) = start();
    let dead = connect(&url, SHORT_LEASE).await;
    let alive = connect(&url, SHORT_LEASE).await;
    let sent = submit(&dead).await;
    let unsent = submit(&dead).await;
    let servers = ["a", "b"];
    let choose = one_each(&servers);
    let sent_lease = dead.claim(&choose).await.unwrap().unwrap();
    dead.accept(&sent_lease).await.unwrap();
    let unsent_lease = dead.claim(&choose).await.unwrap().unwrap();
    assert!(
        alive.take_over_expired().await.unwrap().is_empty(),
        "too early"
    );

    // When the first proxy stops renewing its leases
    tokio::time::sleep(SHORT_LEASE + Duration::from_millis(500)).await;
    let mut taken = alive.take_over_expired().await.unwrap();
    taken.sort_by_key(|lease| lease.task.seq);

    // Then the other has both, knowing which one was already sent
    let summary: Vec<_> = taken
        .iter()
        .map(|l| (l.task.id.clone(), l.accepted))
        .collect();
    assert_eq!(summary, [(sent, true), (unsent.clone(), false)]);
    assert!(
        !dead.heartbeat(&sent_lease).await.unwrap(),
        "the dead proxy lost it"
    );
    assert!(alive.heartbeat(&taken[0]).await.unwrap());
    // And the unsent one can go back in line
    alive.requeue(&taken[1]).await.unwrap();
    let line = alive.line().await.unwrap();
    assert_eq!(line.waiting[0].id, unsent);
    drop(unsent_lease);
}

#[tokio::test]
async fn changes_progress_and_the_line_reach_the_other_proxies() {
    let (_server, url) = start();
    let a = connect(&url, LONG_LEASE).await;
    let b = connect(&url, LONG_LEASE).await;
    let mut events = b.events();
    // Lets b's listener start before anything happens.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id = submit(&a).await;
    a.update(
        &id,
        Box::new(|stored| {
            stored.generation.status = JobStatus::Running;
            Effect::Changed
        }),
    )
    .await
    .unwrap();
    let progress = Progress {
        phase: Phase::Generating,
        progress: 0.25,
        eta_seconds: 30.0,
    };
    a.publish_progress(&id, progress).await;

    let mut versions = Vec::new();
    let (mut lines, mut progressed) = (0, None);
    let deadline = tokio::time::Instant::now() + NOTICE;
    while versions.last() != Some(&1) || progressed.is_none() || lines == 0 {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the notifications arrive")
            .unwrap();
        match event {
            Event::Changed {
                id: changed,
                version,
                stored: None,
            } if changed == id => versions.push(version),
            Event::Progress { progress, .. } => progressed = Some(progress),
            Event::Line => lines += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(versions, [0, 1]);
    assert_eq!(progressed, Some(progress));
}

#[tokio::test]
async fn timings_and_engine_time_are_shared_sums() {
    let (_server, url) = start();
    let a = connect(&url, LONG_LEASE).await;
    let b = connect(&url, LONG_LEASE).await;
    a.observe("gpu/generate/512", 20.0, 0.3).await.unwrap();
    let after = b.observe("gpu/generate/512", 30.0, 0.3).await.unwrap();
    assert!(
        (after.seconds - 23.0).abs() < 1e-9 && after.runs == 2,
        "{after:?}"
    );
    assert_eq!(a.timings().await.unwrap()["gpu/generate/512"], after);

    a.add_usage(7, BackendKind::Modal, 1.5).await.unwrap();
    let total = b.add_usage(7, BackendKind::Modal, 2.0).await.unwrap();
    assert!((total - 3.5).abs() < 1e-9);
    assert!((a.usage(7, BackendKind::Modal).await.unwrap() - 3.5).abs() < 1e-9);
    assert!(a.usage(8, BackendKind::Modal).await.unwrap().abs() < 1e-9);
}

/// A queued generation for the tests, without going through the job
/// queue's lifecycle.
trait QueuedForTests {
    fn queued_for_tests(id: &str, backend: BackendKind) -> Generation;
}

impl QueuedForTests for Generation {
    fn queued_for_tests(id: &str, backend: BackendKind) -> Generation {
        let id = GenerationId::parse(id).unwrap();
        crate::jobs::queued_generation(
            &id,
            backend,
            GenerateParams::default(),
            ExtractParams::default(),
        )
    }
}
