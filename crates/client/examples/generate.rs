//! Turns a photo into a GLB file with the client library: check the
//! server, submit, follow the progress, save the model.
//!
//! Start a server (`scripts/serve`), then:
//!
//! ```sh
//! cargo run -p trellis-client --example generate -- photo.png model.glb [http://127.0.0.1:8642]
//! ```

use std::process::ExitCode;

use trellis_client::{Client, Error, GenerateRequest, Preset};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(photo), Some(output)) = (args.next(), args.next()) else {
        eprintln!("usage: generate PHOTO OUTPUT.glb [SERVER]");
        return ExitCode::FAILURE;
    };
    let server = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8642".to_owned());
    match run(&server, &photo, &output).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            // Transport trouble and busy gateways may pass; a refused
            // photo or a failed job will not, so don't suggest retrying.
            if err.is_retryable() {
                eprintln!("(this may work if you try again later)");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(server: &str, photo: &str, output: &str) -> Result<(), Error> {
    let client = Client::new(server)?;
    let health = client.health().await?;
    println!("{server}: {}", health.label);

    let request = GenerateRequest::from_path(photo)
        .await?
        .random_seed()
        .extract_preset(Preset::Fast);
    println!("seed {}", request.params().seed);

    let generation = client.generate(request).await?;
    println!("follow it at {}", generation.share_url());
    let done = generation
        .wait_with_progress(|g| eprintln!("{:>3.0}% {}", g.progress * 100.0, g.phase_label))
        .await?;

    // The first model is extracted with the request's preset; others can
    // be asked for with `generation.extract_glb(...)`.
    let Some(model) = done.ready_model() else {
        println!("generation {} has no model yet", done.id);
        return Ok(());
    };
    let mut file = tokio::fs::File::create(output)
        .await
        .map_err(Error::Write)?;
    let bytes = generation.download_glb(&model.variant, &mut file).await?;
    println!("saved {output}: {bytes} bytes, model {}", model.variant);
    Ok(())
}
