//! The short commands: `health`, `status`, `extract` and `cancel`.

use trellis_client::{Client, HealthStatus};

use crate::{
    args::ExtractArgs,
    error::CliError,
    output::{Output, Saved, generation_text, health_text, saved_text},
    progress::Progress,
    save::ModelFile,
};

/// `trellis health`: succeeds unless the server is down or its engine
/// reports an error. A cold or loading engine still takes jobs.
pub async fn health(client: &Client, output: Output) -> Result<(), CliError> {
    let health = client.health().await?;
    output.result(&health, &health_text(&health))?;
    match health.status {
        HealthStatus::Ready | HealthStatus::Cold | HealthStatus::Loading => Ok(()),
        HealthStatus::Error => Err(CliError::Unhealthy(health.label)),
    }
}

/// `trellis status ID`.
pub async fn status(client: &Client, id: String, output: Output) -> Result<(), CliError> {
    let handle = client.generation(id);
    let generation = handle.status().await?;
    let text = generation_text(&generation, handle.share_url().as_str());
    output.result(&generation, &text)
}

/// `trellis cancel ID`.
pub async fn cancel(client: &Client, id: String, output: Output) -> Result<(), CliError> {
    let handle = client.generation(id);
    let generation = handle.cancel().await?;
    let text = generation_text(&generation, handle.share_url().as_str());
    output.result(&generation, &text)
}

/// `trellis extract ID -o FILE`: asks for the model, waits, downloads it.
pub async fn extract(client: &Client, args: ExtractArgs, output: Output) -> Result<(), CliError> {
    let handle = client.generation(args.id);
    // A wrong id or an unwritable path fails before anything is queued.
    let seed = handle.status().await?.params.seed;
    let file = ModelFile::create(&args.output).await?;
    let progress = Progress::new(!output.is_json());
    progress.waiting("Extracting the model".to_owned());
    let result = async {
        let model = handle.extract_glb(args.model.request()).await?;
        let bytes = file.download(&handle, &model, &progress).await?;
        Ok::<_, CliError>((model, bytes))
    }
    .await;
    progress.finish();
    let (model, bytes) = result?;
    let saved = Saved::new(&handle, seed, model, args.output, bytes);
    output.result(&saved, &saved_text(&saved))
}
