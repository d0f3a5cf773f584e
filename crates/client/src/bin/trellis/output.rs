//! What the command line prints: sentences for people, or one JSON
//! document for scripts (`--json`). Results go to stdout, errors and
//! progress to stderr.

use std::{
    io::{self, Write as _},
    path::PathBuf,
};

use indicatif::HumanBytes;
use serde::Serialize;
use trellis_client::{
    Conversion, ConversionReport, ErrorDetail, Generation, GenerationHandle, Health, HealthStatus,
    JobStatus, ModelVariant, api::ApiError,
};

use crate::error::CliError;

/// A model written to disk, as `generate` and `extract` report it.
#[derive(Debug, Serialize)]
pub struct Saved {
    /// The generation id.
    pub id: String,
    /// The web app's link to the generation.
    pub share_url: String,
    /// The seed the generation used.
    pub seed: u64,
    /// The model's variant name.
    pub variant: String,
    /// Faces in the model, when the server counted them.
    pub faces: Option<u64>,
    /// Where the model was written.
    pub output: PathBuf,
    /// The file's size.
    pub bytes: u64,
}

impl Saved {
    /// The report for `bytes` of `model` written to `output`.
    pub fn new(
        handle: &GenerationHandle,
        seed: u64,
        model: ModelVariant,
        output: PathBuf,
        bytes: u64,
    ) -> Self {
        Self {
            id: handle.id().to_owned(),
            share_url: handle.share_url().to_string(),
            seed,
            variant: model.variant,
            faces: model.faces,
            output,
            bytes,
        }
    }
}

/// A conversion written to disk, as `convert` reports it.
#[derive(Debug, Serialize)]
pub struct Converted {
    /// The generation id.
    pub id: String,
    /// The model converted.
    pub variant: String,
    /// Where the file was written.
    pub output: PathBuf,
    /// The file's size.
    pub bytes: u64,
    /// The server's record of it: settings, report, notes.
    pub conversion: Conversion,
}

/// Prints in the chosen mode.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// JSON for scripts, or text for people.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether a script reads the output.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// A line for people; nothing in `--json` mode.
    pub fn note(self, line: &str) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        writeln!(io::stdout().lock(), "{line}").map_err(CliError::Print)
    }

    /// The result: `value` as JSON, or `human` as text.
    pub fn result<T: Serialize>(self, value: &T, human: &str) -> Result<(), CliError> {
        let text = if self.json {
            serde_json::to_string_pretty(value)
                .map_err(|err| CliError::Print(io::Error::other(err)))?
        } else {
            human.to_owned()
        };
        writeln!(io::stdout().lock(), "{text}").map_err(CliError::Print)
    }

    /// Reports a failure on stderr.
    pub fn error(self, err: &CliError) {
        let text = if self.json {
            let body = ApiError {
                error: ErrorDetail::new(err.code(), err.to_string()),
            };
            serde_json::to_string(&body).unwrap_or_else(|_| err.to_string())
        } else {
            format!("error: {err}")
        };
        // With stderr gone too there is no one left to tell.
        let _ = writeln!(io::stderr().lock(), "{text}");
    }
}

/// `trellis health` for people.
pub fn health_text(health: &Health) -> String {
    let status = match health.status {
        HealthStatus::Ready => "ready",
        HealthStatus::Cold => "ready (the GPU is asleep: the next job starts slower)",
        HealthStatus::Loading => "loading",
        HealthStatus::Error => "error",
    };
    format!(
        "{status}: {} ({} engine); {} job(s) waiting or running",
        health.label,
        health.backend.as_str(),
        health.queue_length
    )
}

/// `trellis status` and `trellis cancel` for people.
pub fn generation_text(generation: &Generation, share_url: &str) -> String {
    let p = &generation.params;
    let mut lines = vec![
        format!("generation {}", generation.id),
        format!(
            "  status:   {} ({}), {:.0}%",
            status_word(generation.status),
            generation.phase_label,
            generation.progress * 100.0
        ),
        format!(
            "  settings: seed {}, pipeline {}, {} engine",
            p.seed,
            p.pipeline_type,
            generation.backend.as_str()
        ),
        format!("  link:     {share_url}"),
    ];
    if let Some(place) = generation.queue_position {
        lines.push(format!("  in line:  #{place}"));
    }
    if let Some(error) = &generation.error {
        lines.push(format!("  error:    {} ({})", error.message, error.code));
    }
    lines.extend(generation.models.iter().map(model_line));
    lines.join("\n")
}

fn model_line(model: &ModelVariant) -> String {
    let mut line = format!(
        "  model:    {} {}",
        model.variant,
        status_word(model.status)
    );
    if let (Some(faces), Some(bytes)) = (model.faces, model.bytes) {
        line.push_str(&format!(", {faces} faces, {}", HumanBytes(bytes)));
    }
    if let Some(error) = &model.error {
        line.push_str(&format!(": {}", error.message));
    }
    line
}

/// `generate` and `extract` for people.
pub fn saved_text(saved: &Saved) -> String {
    let faces = saved
        .faces
        .map(|faces| format!(", {faces} faces"))
        .unwrap_or_default();
    format!(
        "Saved {} ({}{faces}; model {})",
        saved.output.display(),
        HumanBytes(saved.bytes),
        saved.variant
    )
}

/// `convert` for people: the file, then what the report says.
pub fn converted_text(converted: &Converted) -> String {
    let conversion = &converted.conversion;
    let mut text = format!(
        "Saved {} ({} {}; model {})",
        converted.output.display(),
        conversion.request.format().as_str().to_uppercase(),
        HumanBytes(converted.bytes),
        converted.variant
    );
    let size = |[x, y, z]: [f32; 3], unit: &str| format!("{x:.1} × {y:.1} × {z:.1} {unit}");
    match &conversion.report {
        ConversionReport::Usdz(report) => {
            text.push_str(&format!("\n  {} in AR", size(report.size_m, "m")));
        }
        ConversionReport::Stl(report) => {
            let shape = match (report.closed, report.manifold) {
                (true, true) => "closed and manifold".to_owned(),
                _ => format!(
                    "not watertight ({} open edges, {} non-manifold): try --make-printable",
                    report.boundary_edges, report.non_manifold_edges
                ),
            };
            let volume = report
                .volume_mm3
                .map(|mm3| format!(", {:.1} cm³", mm3 / 1000.0))
                .unwrap_or_default();
            text.push_str(&format!(
                "\n  {}, {shape}{volume}",
                size(report.size_mm, "mm")
            ));
        }
        ConversionReport::Obj(report) => {
            text.push_str(&format!(
                "\n  {} triangles, {} textures",
                report.triangles, report.textures
            ));
        }
    }
    for note in &conversion.notes {
        text.push_str(&format!("\n  note: {note}"));
    }
    text
}

/// `remove` for people.
pub fn removed_text(id: &str) -> String {
    format!("Generation {id} deleted from the server")
}

fn status_word(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "queued",
        JobStatus::Running => "running",
        JobStatus::Succeeded => "succeeded",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "cancelled",
    }
}
