//! The scheduler's decisions, as pure functions over plain data so that the
//! in-process queue and the database queue make exactly the same ones:
//! which waiting task runs next and on which server ([`pick`]), and when
//! each waiting task is expected to be done ([`forecast`]).

use std::{cmp::Ordering, time::Duration};

/// A GPU server as the scheduler sees it at one moment.
#[derive(Debug, Clone, Copy)]
pub struct ServerLoad<'a> {
    /// Servers of one deployment share the state a generation leaves
    /// behind, so any of them can extract from it.
    pub deployment: &'a str,
    /// Jobs it may run at once.
    pub concurrency: usize,
    /// Jobs it runs now, over every proxy.
    pub running: usize,
    /// Whether it passed its last health check and connection.
    pub healthy: bool,
    /// Time before a job sent now starts working: a cold start.
    pub wake: Duration,
}

impl ServerLoad<'_> {
    /// How busy it is, `0..=1`, for breaking ties toward the idler one.
    fn busyness(&self) -> f64 {
        self.running as f64 / self.concurrency.max(1) as f64
    }
}

/// A waiting task as the scheduler sees it.
#[derive(Debug, Clone, Copy)]
pub struct WaitingTask<'a> {
    /// The deployment it must run on (an extraction needs the state of
    /// its generation); `None`: any server.
    pub needs: Option<&'a str>,
}

/// The first waiting task (in line order) that a free server can run, and
/// the server that would finish it soonest: its wake-up time plus
/// `expected(task, server)`. Ties go to the less busy server, then to the
/// first listed. A task no free server can run (its deployment is busy)
/// does not hold up the tasks behind it.
///
/// Drained servers get nothing while a healthy one could run the task.
/// When none could, they are used anyway: the job then fails at once with
/// the reason (unreachable, still loading) instead of waiting in a line
/// that no server serves.
pub fn pick(
    waiting: &[WaitingTask<'_>],
    servers: &[ServerLoad<'_>],
    expected: impl Fn(usize, usize) -> Duration,
) -> Option<(usize, usize)> {
    waiting.iter().enumerate().find_map(|(task, waiting)| {
        let finish = |server: usize| servers[server].wake + expected(task, server);
        let can_run =
            |load: &ServerLoad<'_>| waiting.needs.is_none_or(|needs| needs == load.deployment);
        let any_healthy = servers.iter().any(|load| load.healthy && can_run(load));
        (0..servers.len())
            .filter(|&server| {
                let load = &servers[server];
                can_run(load) && load.running < load.concurrency && (load.healthy || !any_healthy)
            })
            .min_by(|&a, &b| {
                finish(a).cmp(&finish(b)).then_with(|| {
                    servers[a]
                        .busyness()
                        .partial_cmp(&servers[b].busyness())
                        .unwrap_or(Ordering::Equal)
                })
            })
            .map(|server| (task, server))
    })
}

/// When each waiting task (in line order, with its expected duration) is
/// expected to be done, from now: the line played forward over `slots`
/// parallel places (every healthy server's concurrency), each free once
/// the running job it holds ends (`running_left`: time left of each).
pub fn forecast(running_left: &[Duration], slots: usize, waiting: &[Duration]) -> Vec<Duration> {
    let mut free_at: Vec<Duration> = running_left.to_vec();
    free_at.sort();
    free_at.truncate(slots.max(1));
    free_at.resize(slots.max(1), Duration::ZERO);
    waiting
        .iter()
        .map(|expected| {
            let (soonest, _) = free_at
                .iter()
                .enumerate()
                .min_by_key(|(_, at)| **at)
                .unwrap_or((0, &Duration::ZERO));
            free_at[soonest] += *expected;
            free_at[soonest]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn server(deployment: &str, running: usize) -> ServerLoad<'_> {
        ServerLoad {
            deployment,
            concurrency: 1,
            running,
            healthy: true,
            wake: Duration::ZERO,
        }
    }

    const ANY: WaitingTask<'static> = WaitingTask { needs: None };

    #[test]
    fn the_head_of_the_line_goes_to_the_free_server_that_finishes_soonest() {
        let mut servers = [server("a", 0), server("b", 0), server("c", 1)];
        // b is faster for this job; c is faster still but busy.
        let speed = [secs(30), secs(20), secs(5)];
        assert_eq!(pick(&[ANY, ANY], &servers, |_, s| speed[s]), Some((0, 1)));
        // A cold start counts against a server.
        servers[1].wake = secs(143);
        assert_eq!(pick(&[ANY], &servers, |_, s| speed[s]), Some((0, 0)));
        // Nothing is free: nothing starts.
        servers[0].running = 1;
        servers[1].running = 1;
        assert_eq!(pick(&[ANY], &servers, |_, s| speed[s]), None);
    }

    #[test]
    fn ties_go_to_the_idler_server_then_the_first_listed() {
        let mut servers = [server("a", 0), server("b", 0)];
        servers[0].concurrency = 4;
        servers[0].running = 3;
        servers[1].concurrency = 4;
        servers[1].running = 1;
        assert_eq!(pick(&[ANY], &servers, |_, _| secs(10)), Some((0, 1)));
        servers[1].running = 3;
        assert_eq!(pick(&[ANY], &servers, |_, _| secs(10)), Some((0, 0)));
    }

    #[test]
    fn an_extraction_runs_only_where_its_state_is_and_does_not_block_the_line() {
        let servers = [server("one", 1), server("two", 0)];
        let line = [WaitingTask { needs: Some("one") }, ANY];
        // The extraction's deployment is busy: the generate job behind it starts.
        assert_eq!(pick(&line, &servers, |_, _| secs(1)), Some((1, 1)));
        let line = [WaitingTask { needs: Some("two") }, ANY];
        assert_eq!(pick(&line, &servers, |_, _| secs(1)), Some((0, 1)));
    }

    #[test]
    fn drained_servers_get_nothing_while_a_healthy_one_could_run_the_task() {
        let mut servers = [server("a", 0), server("b", 1)];
        servers[0].healthy = false;
        // b is healthy but busy: the task waits for it.
        assert_eq!(pick(&[ANY], &servers, |_, _| secs(1)), None);
        servers[1].running = 0;
        assert_eq!(pick(&[ANY], &servers, |_, _| secs(1)), Some((0, 1)));
        // With no healthy server at all, the job goes out and fails fast.
        servers[1].healthy = false;
        assert_eq!(pick(&[ANY], &servers, |_, _| secs(1)), Some((0, 0)));
        // A task bound to a drained deployment is sent there too.
        let bound = [WaitingTask { needs: Some("a") }];
        servers[1].healthy = true;
        assert_eq!(pick(&bound, &servers, |_, _| secs(1)), Some((0, 0)));
    }

    #[test]
    fn one_server_adds_each_job_to_the_time_left_on_the_running_one() {
        let done = forecast(&[secs(5)], 1, &[secs(10), secs(10), secs(10)]);
        assert_eq!(done, [secs(15), secs(25), secs(35)]);
    }

    #[test]
    fn three_servers_take_the_line_three_at_a_time() {
        let done = forecast(&[], 3, &[secs(10); 7]);
        assert_eq!(
            done,
            [
                secs(10),
                secs(10),
                secs(10),
                secs(20),
                secs(20),
                secs(20),
                secs(30)
            ]
        );
        // Busy servers free up first where their job ends soonest.
        let done = forecast(&[secs(8), secs(2)], 3, &[secs(10); 3]);
        assert_eq!(done, [secs(10), secs(12), secs(18)]);
    }
}
