//! The proxy's modules stay in layers, so no import cycle comes back: the
//! HTTP error maps the domain's errors (which never name it), the
//! configuration names no component it configures, and the access checks
//! and the web app's pages take their parts of the state rather than the
//! whole `AppState`. Read from the source, since the compiler allows
//! cycles between modules of one crate.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// Each rule: the module (a folder or a file under `src/`) and the
/// modules of the crate it must not import.
const RULES: &[(&str, &[&str])] = &[
    ("error", &["routes", "state", "access", "web"]),
    (
        "config",
        &["backend", "jobs", "pool", "quota", "repo", "store"],
    ),
    ("quota", &["error", "routes", "state"]),
    ("access", &["state", "routes"]),
    ("web", &["state", "routes"]),
    ("jobs", &["error", "routes", "state"]),
    ("backend", &["error", "routes", "state", "config"]),
    ("store", &["error", "routes", "state"]),
    ("repo", &["error", "routes", "state"]),
    ("pool", &["error", "routes", "state"]),
    ("id.rs", &["error", "routes", "state"]),
    ("tokens.rs", &["error", "routes", "state"]),
];

#[test]
fn no_module_imports_one_that_would_close_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (module, forbidden) in RULES {
        for file in rust_files(&src.join(module)) {
            let source = fs::read_to_string(&file).unwrap();
            for used in crate_modules_used(&source) {
                if forbidden.contains(&used.as_str()) {
                    let file = file.strip_prefix(&src).unwrap().display();
                    broken.push(format!("src/{file} imports crate::{used}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layering:\n  {}",
        broken.join("\n  ")
    );
}

/// One line, one way through it: the jobs claim their tasks from the
/// repository's line whichever repository it is (the embedded default
/// keeps it in this process, PostgreSQL shares it), so no second queue
/// may grow back beside it for the default alone.
#[test]
fn the_jobs_keep_no_line_of_their_own() {
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/jobs");
    let queues: Vec<String> = rust_files(&jobs)
        .into_iter()
        .filter(|file| {
            let source = fs::read_to_string(file).unwrap();
            ["VecDeque", "Notify"]
                .iter()
                .any(|queue_part| source.contains(queue_part))
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        queues.is_empty(),
        "a line of tasks outside repo/: {queues:?}"
    );
}

#[test]
fn grouped_and_inline_imports_are_both_seen() {
    let source = "use crate::{\n    clock::now_ms,\n    error::{AppError, Result},\n};\n\
                  fn f() { crate::jobs::Retention::default(); }";
    let used = crate_modules_used(source);
    assert_eq!(
        used,
        BTreeSet::from(["clock", "error", "jobs"].map(str::to_owned))
    );
}

/// The `.rs` files at `path`: the file itself, or every one under the folder.
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let entries = fs::read_dir(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level modules of the crate that `source` names through
/// `crate::module` or `use crate::{module::…, …}`.
fn crate_modules_used(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => used.extend(top_level_names(group)),
            None => used.extend(leading_name(rest)),
        }
    }
    used
}

/// The first name of each item of a `{…}` group, up to its closing brace.
fn top_level_names(group: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (index, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                names.extend(leading_name(&group[index..]));
                item_start = false;
            }
            _ => {}
        }
    }
    names
}

/// The identifier `text` starts with, if any.
fn leading_name(text: &str) -> Option<String> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| text[..end].to_owned())
}
