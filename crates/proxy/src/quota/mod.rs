//! Limits per client, so one client cannot take the service from the
//! others: generations per hour, jobs waiting at once, open event streams;
//! and the engine's daily budget, which applies to everyone. Going over
//! one is a 429 with `Retry-After` and a plain message.
//!
//! A client is an API key, or in open mode an IP address (see
//! `access::forwarded` for which address counts behind a reverse proxy).
//! The hourly count is kept by the job repository, so proxies sharing a
//! database share it; the counts of what a client holds at once are kept
//! by the proxy that holds it.

mod budget;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

pub use budget::EngineBudget;

use crate::{config::QuotaSettings, repo::Repository, tokens::TokenHash};

/// What `Retry-After` says when a client has too many jobs waiting: about
/// one job's length on a GPU, after which one of them has likely finished.
const WAITING_RETRY_AFTER: Duration = Duration::from_secs(30);
/// What `Retry-After` says when a client has too many event streams open:
/// streams end as their generations settle, typically within a minute.
const STREAMS_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Who is asking, for the limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// The name of an API key.
    Key(Arc<str>),
    /// An address; IPv6 ones cut to their /64, since one subscriber
    /// usually holds a whole /64 and could otherwise rotate through it.
    Ip(IpAddr),
}

impl ClientKey {
    /// How the repository knows the client: a hash, so no address is kept.
    fn hash(&self) -> TokenHash {
        TokenHash::of(&self.to_string())
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(name) => write!(f, "key {name}"),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// A limit that was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Generations started in the last hour.
    GenerationsPerHour { limit: u32, retry_after: Duration },
    /// Jobs waiting or running at once.
    Waiting { limit: u32 },
    /// Models asked of one generation; waiting does not help.
    Extractions { limit: u32 },
    /// Conversions made of one generation; waiting does not help.
    Conversions { limit: u32 },
    /// The engine's time for today.
    GpuBudget { retry_after: Duration },
    /// Event streams open at once.
    Streams { limit: u32 },
}

impl Refusal {
    /// When the same request may succeed; `None` when waiting won't help.
    pub fn retry_after(self) -> Option<Duration> {
        match self {
            Self::GenerationsPerHour { retry_after, .. } | Self::GpuBudget { retry_after } => {
                Some(retry_after)
            }
            Self::Waiting { .. } => Some(WAITING_RETRY_AFTER),
            Self::Streams { .. } => Some(STREAMS_RETRY_AFTER),
            Self::Extractions { .. } | Self::Conversions { .. } => None,
        }
    }
}

/// A limit in words: what was reached and when to try again.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let again = |after: Duration| format!("try again in {}", spoken(after));
        let words = match *self {
            Refusal::GenerationsPerHour { limit, retry_after } => format!(
                "You have started {limit} generations in the last hour, the most this server allows; {}.",
                again(retry_after)
            ),
            Refusal::Waiting { limit } => format!(
                "You already have {limit} jobs waiting or running, the most this server allows at once; try again when one of them is done."
            ),
            Refusal::Extractions { limit } => format!(
                "This generation already has {limit} models, the most this server allows; generate again to get other settings."
            ),
            Refusal::Conversions { limit } => format!(
                "This generation already has {limit} conversions, the most this server allows; download one of them, or generate again."
            ),
            Refusal::GpuBudget { retry_after } => format!(
                "The server has used up today's GPU time; {} (the budget starts afresh at midnight UTC).",
                again(retry_after)
            ),
            Refusal::Streams { limit } => format!(
                "You already follow {limit} generations at once, the most this server allows; close some pages and {}.",
                again(STREAMS_RETRY_AFTER)
            ),
        };
        f.write_str(&words)
    }
}

/// A wait in words, rounded up: seconds, then minutes, then hours.
fn spoken(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        91..=5400 => format!("{} minutes", seconds.div_ceil(60)),
        _ => format!("{} hours", seconds.div_ceil(3600)),
    }
}

/// Counts of something each client holds at once.
#[derive(Debug, Clone, Default)]
struct Counters(Arc<Mutex<HashMap<ClientKey, u32>>>);

impl Counters {
    /// One more for `client`, unless it already holds `limit`.
    fn take(&self, client: &ClientKey, limit: Option<u32>) -> Option<Ticket> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let held = counts.entry(client.clone()).or_default();
        if limit.is_some_and(|limit| *held >= limit) {
            return None;
        }
        *held += 1;
        Some(Ticket {
            client: client.clone(),
            counters: self.clone(),
        })
    }
}

/// One unit of a per-client count (a job waiting, a stream open), given
/// back when dropped.
#[derive(Debug)]
pub struct Ticket {
    client: ClientKey,
    counters: Counters,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self
            .counters
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = counts.get_mut(&self.client) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                // Clients come and go; the map only holds current ones.
                counts.remove(&self.client);
            }
        }
    }
}

/// The limits, and what each client holds.
pub struct Quotas {
    settings: QuotaSettings,
    /// Keeps the hourly counts.
    repo: Arc<dyn Repository>,
    waiting: Counters,
    streams: Counters,
    budget: Arc<EngineBudget>,
}

impl Quotas {
    pub fn new(
        settings: QuotaSettings,
        budget: Arc<EngineBudget>,
        repo: Arc<dyn Repository>,
    ) -> Self {
        Self {
            settings,
            repo,
            waiting: Counters::default(),
            streams: Counters::default(),
            budget,
        }
    }

    /// A place for a new generation of `client`. Checks that cost nothing
    /// come first, so a refused request does not use up an hourly one.
    pub async fn admit_generation(&self, client: &ClientKey) -> Result<Ticket, Refusal> {
        let ticket = self.admit_extraction(client)?;
        let Some(limit) = self.settings.generations_per_hour else {
            return Ok(ticket);
        };
        match self.repo.count_hourly(&client.hash(), limit).await {
            Ok(None) => Ok(ticket),
            Ok(Some(retry_after)) => Err(Refusal::GenerationsPerHour {
                limit: limit.get(),
                retry_after,
            }),
            // The records are out of reach: storing the generation fails
            // next, with the message for that.
            Err(err) => {
                tracing::warn!(error = %err, "could not count a client's generations");
                Ok(ticket)
            }
        }
    }

    /// A place for one more job of `client` (an extraction, or the job of
    /// a generation), within its jobs at once and the engine's budget.
    pub fn admit_extraction(&self, client: &ClientKey) -> Result<Ticket, Refusal> {
        self.budget.check()?;
        self.admit_job(client)
    }

    fn admit_job(&self, client: &ClientKey) -> Result<Ticket, Refusal> {
        let limit = self.settings.waiting_per_client;
        self.waiting.take(client, limit).ok_or(Refusal::Waiting {
            limit: limit.unwrap_or_default(),
        })
    }

    /// A place for one more conversion of `client`: it counts among the
    /// client's jobs at once, but spends no engine time.
    pub fn admit_conversion(&self, client: &ClientKey) -> Result<Ticket, Refusal> {
        self.admit_job(client)
    }

    /// A place for one more event stream of `client`.
    pub fn open_stream(&self, client: &ClientKey) -> Result<Ticket, Refusal> {
        let limit = self.settings.streams_per_client;
        self.streams
            .take(client, Some(limit))
            .ok_or(Refusal::Streams { limit })
    }

    /// Forgets the hourly history of clients that have been quiet for an
    /// hour, so what is kept follows current clients only.
    pub async fn forget_quiet_clients(&self) {
        if let Err(err) = self.repo.forget_quiet_clients().await {
            tracing::warn!(error = %err, "could not forget quiet clients; tried again later");
        }
    }

    /// Reads the day's engine time again, with what other proxies sharing
    /// the database spent: before admitting work, so every proxy refuses
    /// once the shared budget is spent.
    pub async fn refresh_budget(&self) {
        self.budget.refresh().await;
    }
}
