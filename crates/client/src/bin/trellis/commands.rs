//! The short commands: `health`, `status`, `extract`, `convert`, `cancel`
//! and `remove`.

use trellis_client::{Client, FieldError, GenerationHandle, HealthStatus, JobStatus};

use crate::{
    args::{ConvertArgs, ExtractArgs, OwnerArgs},
    error::CliError,
    output::{
        Converted, Output, Saved, converted_text, generation_text, health_text, removed_text,
        saved_text,
    },
    progress::Progress,
    save::ModelFile,
    tokens::TokenFile,
};

/// A handle on the generation, with its owner token: the one given, else
/// the one kept when this command line started it.
fn owned(
    client: &Client,
    tokens: &TokenFile,
    args: &OwnerArgs,
) -> Result<GenerationHandle, CliError> {
    let handle = client.generation(args.id.clone());
    let token = match &args.owner_token {
        Some(token) => Some(token.clone()),
        None => tokens.get(client.base_url().as_str(), &args.id)?,
    };
    Ok(match token {
        Some(token) => handle.with_owner_token(token),
        None => handle,
    })
}

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
pub async fn cancel(
    client: &Client,
    tokens: &TokenFile,
    args: OwnerArgs,
    output: Output,
) -> Result<(), CliError> {
    let handle = owned(client, tokens, &args)?;
    let generation = handle.cancel().await?;
    let text = generation_text(&generation, handle.share_url().as_str());
    output.result(&generation, &text)
}

/// `trellis remove ID`: deletes the generation from the server, then
/// forgets its token.
pub async fn remove(
    client: &Client,
    tokens: &TokenFile,
    args: OwnerArgs,
    output: Output,
) -> Result<(), CliError> {
    let handle = owned(client, tokens, &args)?;
    handle.remove().await?;
    tokens.forget(client.base_url().as_str(), handle.id())?;
    let removed = serde_json::json!({ "id": handle.id(), "removed": true });
    output.result(&removed, &removed_text(handle.id()))
}

/// `trellis extract ID -o FILE`: asks for the model, waits, downloads it.
pub async fn extract(
    client: &Client,
    tokens: &TokenFile,
    args: ExtractArgs,
    output: Output,
) -> Result<(), CliError> {
    let handle = owned(client, tokens, &args.owner)?;
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

/// `trellis convert ID --format F -o FILE`: asks for the conversion, waits,
/// downloads it.
pub async fn convert(
    client: &Client,
    tokens: &TokenFile,
    args: ConvertArgs,
    output: Output,
) -> Result<(), CliError> {
    let request = args.request().map_err(trellis_client::Error::from)?;
    let handle = owned(client, tokens, &args.owner)?;
    let generation = handle.status().await?;
    let variant = match &args.variant {
        Some(variant) => variant.clone(),
        None => generation
            .models
            .iter()
            .find(|m| m.status == JobStatus::Succeeded)
            .map(|m| m.variant.clone())
            .ok_or_else(|| {
                trellis_client::Error::from(FieldError::new(
                    "variant",
                    "this generation has no finished model to convert yet",
                ))
            })?,
    };
    let file = ModelFile::create(&args.output).await?;
    let progress = Progress::new(!output.is_json());
    progress.waiting(format!("Converting to {}", request.format().as_str()));
    let result = async {
        let conversion = handle.convert(&variant, request).await?;
        let bytes = file
            .download_url(&handle, &conversion.url, conversion.bytes, &progress)
            .await?;
        Ok::<_, CliError>((conversion, bytes))
    }
    .await;
    progress.finish();
    let (conversion, bytes) = result?;
    let converted = Converted {
        id: handle.id().to_owned(),
        variant,
        output: args.output,
        bytes,
        conversion,
    };
    output.result(&converted, &converted_text(&converted))
}
