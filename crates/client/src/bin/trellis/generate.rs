//! `trellis generate`: photo in, GLB file out, Ctrl-C cancels.

use std::pin::pin;

use trellis_client::{
    Client, Error, ExtractRequest, GenerateRequest, GenerationHandle, ModelVariant, Preset,
    api::ExtractParams,
};

use crate::{
    args::GenerateArgs,
    error::CliError,
    output::{Output, Saved, saved_text},
    progress::Progress,
    save::ModelFile,
    tokens::TokenFile,
};

/// The first model when custom settings follow: the generate call always
/// extracts one, so make it the cheapest.
const FIRST_OF_CUSTOM: Preset = Preset::Fast;

/// Runs `trellis generate`.
pub async fn run(
    client: &Client,
    tokens: &TokenFile,
    args: GenerateArgs,
    output: Output,
) -> Result<(), CliError> {
    // Everything that can be checked here is, before the upload: a bad
    // --texture or output path must fail now, not after minutes of work.
    let custom = if args.model.is_custom() {
        let request = args.model.request();
        let params = request.resolve().map_err(Error::from)?;
        Some((request, params))
    } else {
        None
    };
    let request = generate_request(&args, custom.is_some()).await?;
    request.validate()?;
    let seed = request.params().seed;
    let file = ModelFile::create(&args.output).await?;

    // Watched from the upload on, so that once the id is printed, Ctrl-C
    // is certain to be caught here rather than kill the process.
    let mut interrupt = pin!(ctrl_c());
    let handle = tokio::select! {
        handle = client.generate(request) => handle?,
        () = &mut interrupt => return Err(CliError::Interrupted(
            "interrupted while sending the photo; no generation was followed".to_owned(),
        )),
    };
    // Kept at once, so the generation can be cancelled, removed or
    // extracted again later, whatever happens to this run.
    if let Some(token) = handle.owner_token() {
        tokens.put(client.base_url().as_str(), handle.id(), token)?;
    }
    output.note(&format!("Generation {} (seed {seed})", handle.id()))?;
    output.note(&format!("Share link: {}", handle.share_url()))?;

    let mut progress = Progress::new(!output.is_json());
    let finished = tokio::select! {
        result = follow(&handle, custom, file, &mut progress) => result,
        () = &mut interrupt => Err(cancel_after_interrupt(&handle).await),
    };
    progress.finish();
    let (model, bytes) = finished?;
    let saved = Saved::new(&handle, seed, model, args.output, bytes);
    output.result(&saved, &saved_text(&saved))
}

/// The request the arguments describe.
async fn generate_request(args: &GenerateArgs, custom: bool) -> Result<GenerateRequest, CliError> {
    let mut request = GenerateRequest::from_path(&args.image).await?;
    if let Some(pipeline) = args.pipeline {
        request = request.pipeline(pipeline);
    }
    if let Some(seed) = args.seed {
        request = request.seed(seed);
    } else if args.random_seed {
        request = request.random_seed();
    }
    let first_model = if custom {
        Some(FIRST_OF_CUSTOM)
    } else {
        args.model.preset
    };
    Ok(match first_model {
        Some(preset) => request.extract_preset(preset),
        None => request,
    })
}

/// Completes on Ctrl-C; never where Ctrl-C cannot be watched, so the job
/// then simply runs to its end.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits for the generation, gets the model asked for, and saves it.
async fn follow(
    handle: &GenerationHandle,
    custom: Option<(ExtractRequest, ExtractParams)>,
    file: ModelFile,
    progress: &mut Progress,
) -> Result<(ModelVariant, u64), CliError> {
    let done = handle
        .wait_with_progress(|generation| progress.update(generation))
        .await?;
    let model = match custom {
        Some((request, params)) => {
            progress.waiting(format!(
                "Extracting the model ({} faces, {}² textures)",
                params.decimation_target, params.texture_size
            ));
            handle.extract_glb(request).await?
        }
        None => done
            .ready_model()
            .cloned()
            .ok_or_else(|| CliError::NoModel(handle.id().to_owned()))?,
    };
    let bytes = file.download(handle, &model, progress).await?;
    Ok((model, bytes))
}

/// Ctrl-C: cancels the generation this command started, and says how
/// that went.
async fn cancel_after_interrupt(handle: &GenerationHandle) -> CliError {
    let id = handle.id();
    CliError::Interrupted(match handle.cancel().await {
        Ok(_) => format!("interrupted: generation {id} cancelled"),
        Err(err) if err.code() == "already_finished" => format!(
            "interrupted: generation {id} had already finished, so it was kept ({})",
            handle.share_url()
        ),
        Err(err) => format!("interrupted, but cancelling generation {id} failed: {err}"),
    })
}
