//! The browser's own record of the page's main thread: every `longtask`
//! entry (a task of 50 ms or more) and every `long-animation-frame` entry
//! (a frame that took 50 ms or more, with the scripts that ran in it and
//! when rendering started), observed from before the page's own scripts
//! run; plus each change of `#viewer`'s `data-state` and `data-camera`,
//! with its time. Times are `performance.now()` milliseconds, from the
//! navigation's start.

use crate::Browser;
use serde_json::Value;
use std::fmt;

/// Installed with [`Browser::run_before_page_scripts`]; `buffered`, so
/// nothing before the observers existed is missed.
pub const RECORDER: &str = r#"
window.__longTasks = [];
window.__longFrames = [];
window.__viewer = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const a = (e.attribution || [])[0] || {};
    window.__longTasks.push({ start: e.startTime, ms: e.duration, name: e.name,
      attribution: [a.name, a.containerType, a.containerSrc, a.containerName].filter(Boolean).join(' ') });
  }
}).observe({ type: 'longtask', buffered: true });
if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__longFrames.push({ start: e.startTime, ms: e.duration, blocking: e.blockingDuration,
        renderStart: e.renderStart, styleAndLayoutStart: e.styleAndLayoutStart,
        scripts: e.scripts.map((s) => ({ invoker: s.invoker, type: s.invokerType,
          source: (s.sourceURL || '').split('/').pop(), fn: s.sourceFunctionName,
          start: s.startTime, ms: s.duration, pause: s.pauseDuration })) });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
}
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.target.id !== 'viewer') continue;
    window.__viewer.push({ at: performance.now(), name: c.attributeName,
      value: c.target.getAttribute(c.attributeName) });
  }
}).observe(document, { subtree: true, attributes: true,
  attributeFilter: ['data-state', 'data-camera'] });
"#;

/// One `longtask` entry.
#[derive(Debug, Clone)]
pub struct LongTask {
    pub start: f64,
    pub ms: f64,
    /// The entry's name and its attribution (container type and source).
    pub attribution: String,
}

/// One change of a `#viewer` attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerChange {
    pub at: f64,
    /// `data-state` or `data-camera`.
    pub name: String,
    pub value: String,
}

/// What [`RECORDER`] saw in the current page.
#[derive(Debug, Clone)]
pub struct MainThreadRecord {
    pub long_tasks: Vec<LongTask>,
    /// The `long-animation-frame` entries as the browser gave them.
    pub long_frames: Vec<Value>,
    pub viewer: Vec<ViewerChange>,
}

impl MainThreadRecord {
    /// Reads the record, after one more frame and a moment: the browser
    /// reports a long task only once it has ended.
    pub async fn read(browser: &Browser) -> Self {
        browser
            .client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => setTimeout(done, 300));",
                vec![],
            )
            .await
            .expect("settle");
        let record = browser
            .client
            .execute(
                "return { tasks: window.__longTasks, frames: window.__longFrames, viewer: window.__viewer };",
                vec![],
            )
            .await
            .expect("the main-thread record");
        let list = |key: &str| record[key].as_array().cloned().unwrap_or_default();
        let number = |v: &Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        Self {
            long_tasks: list("tasks")
                .iter()
                .map(|t| LongTask {
                    start: number(t, "start"),
                    ms: number(t, "ms"),
                    attribution: format!("{} ({})", text(t, "name"), text(t, "attribution")),
                })
                .collect(),
            long_frames: list("frames"),
            viewer: list("viewer")
                .iter()
                .map(|c| ViewerChange {
                    at: number(c, "at"),
                    name: text(c, "name"),
                    value: text(c, "value"),
                })
                .collect(),
        }
    }

    /// When `#viewer[data-state]` first became `state`.
    pub fn state_at(&self, state: &str) -> Option<f64> {
        self.viewer
            .iter()
            .find(|c| c.name == "data-state" && c.value == state)
            .map(|c| c.at)
    }

    /// The `data-state` values in order.
    pub fn states(&self) -> Vec<&str> {
        self.viewer
            .iter()
            .filter(|c| c.name == "data-state")
            .map(|c| c.value.as_str())
            .collect()
    }

    /// The `data-camera` values between `from` and `to`.
    pub fn cameras_between(&self, from: f64, to: f64) -> Vec<&str> {
        self.viewer
            .iter()
            .filter(|c| c.name == "data-camera" && c.at >= from && c.at <= to)
            .map(|c| c.value.as_str())
            .collect()
    }

    /// The long tasks that started before `until`.
    pub fn long_tasks_until(&self, until: f64) -> Vec<&LongTask> {
        self.long_tasks.iter().filter(|t| t.start < until).collect()
    }

    /// The long tasks that started between the viewer's first `from` and
    /// `to` states, each with [`MainThreadRecord::script_ms_in`]; printed.
    pub fn tasks_between_states(&self, from: &str, to: &str) -> Vec<(&LongTask, f64)> {
        let (Some(from_at), Some(to_at)) = (self.state_at(from), self.state_at(to)) else {
            panic!("the viewer was never {from} then {to}: {:?}", self.states());
        };
        let tasks: Vec<_> = self
            .long_tasks_until(to_at)
            .into_iter()
            // The state is recorded as the task that set it ends.
            .filter(|t| t.start + 1.0 >= from_at)
            .map(|t| (t, self.script_ms_in(t)))
            .collect();
        for (task, script_ms) in &tasks {
            println!(
                "long task at {:.0} ms: {:.0} ms, {script_ms:.0} ms of it in scripts",
                task.start, task.ms
            );
        }
        tasks
    }

    /// How long the page's scripts ran within `task`, by the
    /// `long-animation-frame` entries' script attribution (which covers
    /// every script of 5 ms or more). The rest of a long task is the
    /// browser's own work: style, layout, painting, and waiting on the
    /// GPU process.
    pub fn script_ms_in(&self, task: &LongTask) -> f64 {
        let end = task.start + task.ms;
        self.long_frames
            .iter()
            .flat_map(|frame| frame["scripts"].as_array().cloned().unwrap_or_default())
            .filter_map(|script| Some((script["start"].as_f64()?, script["ms"].as_f64()?)))
            .filter(|(start, _)| *start >= task.start - 1.0 && *start < end)
            .map(|(_, ms)| ms)
            .sum()
    }
}

impl fmt::Display for MainThreadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "viewer changes:")?;
        for change in &self.viewer {
            writeln!(
                f,
                "  {:8.0} ms  {} = {}",
                change.at, change.name, change.value
            )?;
        }
        writeln!(f, "long tasks ({}):", self.long_tasks.len())?;
        for task in &self.long_tasks {
            writeln!(
                f,
                "  {:8.0} ms  {:5.0} ms  {}",
                task.start, task.ms, task.attribution
            )?;
        }
        writeln!(f, "long animation frames ({}):", self.long_frames.len())?;
        for frame in &self.long_frames {
            let at = |key: &str| frame[key].as_f64().unwrap_or(f64::NAN);
            let start = at("start");
            writeln!(
                f,
                "  {start:8.0} ms  {:5.0} ms  blocking {:.0} ms, rendering from +{:.0} ms",
                at("ms"),
                at("blocking"),
                at("renderStart") - start
            )?;
            for script in frame["scripts"].as_array().into_iter().flatten() {
                writeln!(
                    f,
                    "      script {:5.0} ms at +{:.0}: {} ({} {} {})",
                    script["ms"].as_f64().unwrap_or(f64::NAN),
                    script["start"].as_f64().unwrap_or(f64::NAN) - start,
                    script["invoker"].as_str().unwrap_or_default(),
                    script["type"].as_str().unwrap_or_default(),
                    script["source"].as_str().unwrap_or_default(),
                    script["fn"].as_str().unwrap_or_default(),
                )?;
            }
        }
        Ok(())
    }
}
