//! The command line, as clap reads it. Values with rules of their own
//! (seed, pipeline, preset) are parsed with the shared `trellis-api` code,
//! so a mistake reads the same here, in the web app and from the server.

use std::path::PathBuf;

use clap::{
    Args, Parser, Subcommand,
    builder::{PossibleValuesParser, TypedValueParser as _},
};
use trellis_client::{
    ConversionFormat, ConversionRequest, ExtractRequest, FieldError, GenerateParams, PipelineType,
    Preset,
    api::{DEFAULT_AR_HEIGHT_M, DEFAULT_PRINT_HEIGHT_MM},
};

/// The proxy's default address (`trellis-proxy --bind`).
const DEFAULT_SERVER: &str = "http://127.0.0.1:8642";

/// Turn photos into 3D models (GLB) with a Trellis Studio server.
#[derive(Debug, Parser)]
#[command(name = "trellis", version)]
pub struct Cli {
    /// The Trellis Studio server (the web app's address).
    #[arg(long, global = true, env = "TRELLIS_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,

    /// Print one JSON document on stdout instead of text, and no progress
    /// bar; errors go to stderr as {"error":{"code","message"}}.
    #[arg(long, global = true)]
    pub json: bool,

    /// The API key a server in `keys` mode asks for. Prefer the
    /// environment: flags show in `ps`.
    #[arg(long, global = true, env = "TRELLIS_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// The file where the owner tokens of the generations this command
    /// started are kept, so that `cancel`, `remove` and `extract` work on
    /// them later. Default: trellis/owner-tokens.json in the user's data
    /// folder (~/.local/share on Linux).
    #[arg(long, global = true, env = "TRELLIS_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Turn a photo into a GLB model, showing progress; Ctrl-C cancels.
    Generate(GenerateArgs),
    /// Check that the server is up and its engine ready.
    Health,
    /// Show where a generation stands.
    Status {
        /// The generation id (the `g=` of a share link).
        id: String,
    },
    /// Make another model of a finished generation and download it
    /// (generations this command started, or with --owner-token).
    Extract(ExtractArgs),
    /// Convert a finished model to USDZ, STL or OBJ and download it
    /// (generations this command started, or with --owner-token).
    Convert(ConvertArgs),
    /// Cancel a generation, or the models it is still extracting
    /// (generations this command started, or with --owner-token).
    Cancel(OwnerArgs),
    /// Delete a generation and its files from the server for good
    /// (generations this command started, or with --owner-token).
    Remove(OwnerArgs),
}

/// A generation, and the proof of having created it.
#[derive(Debug, Args)]
pub struct OwnerArgs {
    /// The generation id (the `g=` of a share link).
    pub id: String,

    /// The generation's owner token, for one this command did not start
    /// here. Default: the one kept when `generate` started it.
    #[arg(long, env = "TRELLIS_OWNER_TOKEN", hide_env_values = true)]
    pub owner_token: Option<String>,
}

/// `trellis generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The photo: PNG, JPEG, WebP, GIF, BMP or TIFF, at most 10 MiB. One
    /// object on a plain background works best.
    pub image: PathBuf,

    /// Where to write the model (.glb).
    #[arg(short, long)]
    pub output: PathBuf,

    /// The TRELLIS.2 pipeline [default: 1024_cascade].
    #[arg(long, value_parser = pipeline_parser())]
    pub pipeline: Option<PipelineType>,

    /// The seed, 0 to 2147483647 [default: 42]. The same photo, settings
    /// and seed give the same model.
    // Negative numbers are read as values, so `--seed -1` gets the range
    // message rather than "unexpected argument".
    #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: Option<u64>,

    /// A fresh random seed; it is printed, so the model can be made again.
    #[arg(long, conflicts_with = "seed")]
    pub random_seed: bool,

    /// The model's settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `trellis extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub owner: OwnerArgs,

    /// Where to write the model (.glb).
    #[arg(short, long)]
    pub output: PathBuf,

    /// The model's settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `trellis convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub owner: OwnerArgs,

    /// Where to write the file (.usdz, .stl, or .zip for OBJ).
    #[arg(short, long)]
    pub output: PathBuf,

    /// usdz (AR on iPhone and iPad), stl (3D printing) or obj (OBJ + MTL +
    /// textures in a zip, for DCC tools).
    #[arg(long, value_parser = format_parser())]
    pub format: ConversionFormat,

    /// The model to convert, by its variant name (`trellis status` lists
    /// them) [default: the generation's first finished model].
    #[arg(long)]
    pub variant: Option<String>,

    /// USDZ: the model's height in AR, in metres [default: 0.3].
    #[arg(long, value_name = "METRES")]
    pub height_m: Option<f32>,

    /// STL: the printed height, in millimetres [default: 100].
    #[arg(long, value_name = "MM")]
    pub height_mm: Option<f32>,

    /// STL: fill holes, remove non-manifold edges and orient faces outward
    /// first.
    #[arg(long)]
    pub make_printable: bool,
}

impl ConvertArgs {
    /// The settings as the API takes them; a setting of another format is
    /// a mistake worth saying.
    pub fn request(&self) -> Result<ConversionRequest, FieldError> {
        let stray = |field: &str, format: &str| {
            FieldError::new(field, format!("--{field} applies to {format} only"))
        };
        let request = match self.format {
            ConversionFormat::Usdz => ConversionRequest::Usdz {
                height_m: self.height_m.unwrap_or(DEFAULT_AR_HEIGHT_M),
            },
            ConversionFormat::Stl => ConversionRequest::Stl {
                height_mm: self.height_mm.unwrap_or(DEFAULT_PRINT_HEIGHT_MM),
                make_printable: self.make_printable,
            },
            ConversionFormat::Obj => ConversionRequest::Obj {},
        };
        if self.height_m.is_some() && self.format != ConversionFormat::Usdz {
            return Err(stray("height-m", "usdz"));
        }
        if (self.height_mm.is_some() || self.make_printable) && self.format != ConversionFormat::Stl
        {
            return Err(stray(
                if self.make_printable {
                    "make-printable"
                } else {
                    "height-mm"
                },
                "stl",
            ));
        }
        request.resolve()
    }
}

/// A model's settings: a preset, optionally with custom values on top.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Named settings: fast (100k faces, 1024² textures), balanced (500k,
    /// 2048²) or quality (1M, 4096²) [default: balanced].
    #[arg(long, value_parser = preset_parser())]
    pub preset: Option<Preset>,

    /// Faces to keep, 1000 to 2000000; overrides the preset's.
    #[arg(long, value_name = "FACES")]
    pub decimation: Option<u32>,

    /// Texture size: 512, 1024, 2048 or 4096; overrides the preset's.
    #[arg(long, value_name = "PIXELS")]
    pub texture: Option<u32>,
}

impl ModelArgs {
    /// The settings as the API takes them.
    pub fn request(&self) -> ExtractRequest {
        ExtractRequest {
            preset: self.preset,
            decimation_target: self.decimation,
            texture_size: self.texture,
            ..ExtractRequest::default()
        }
    }

    /// Whether custom values were given, rather than a preset alone.
    pub fn is_custom(&self) -> bool {
        self.decimation.is_some() || self.texture.is_some()
    }
}

fn pipeline_parser() -> impl clap::builder::TypedValueParser<Value = PipelineType> {
    PossibleValuesParser::new(PipelineType::ALL.map(PipelineType::as_str))
        .try_map(|text| PipelineType::parse(&text))
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = ConversionFormat> {
    PossibleValuesParser::new(ConversionFormat::ALL.map(ConversionFormat::as_str)).try_map(|text| {
        ConversionFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == text)
            .ok_or_else(|| format!("unknown format \"{text}\""))
    })
}

fn preset_parser() -> impl clap::builder::TypedValueParser<Value = Preset> {
    PossibleValuesParser::new(Preset::ALL.map(Preset::as_str)).try_map(|text| {
        Preset::ALL
            .into_iter()
            .find(|preset| preset.as_str() == text)
            .ok_or_else(|| format!("unknown preset \"{text}\""))
    })
}

/// A seed, checked by the shared rule so the message is the proxy's.
fn parse_seed(text: &str) -> Result<u64, FieldError> {
    let mut params = GenerateParams::default();
    params.set_field("seed", text)?;
    Ok(params.seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_seed_out_of_range_gets_the_proxys_message() {
        let err = Cli::try_parse_from([
            "trellis", "generate", "p.png", "-o", "m.glb", "--seed", "-1",
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("seed must be a whole number from 0 to 2147483647"),
            "{err}"
        );
    }

    #[test]
    fn a_fixed_and_a_random_seed_cannot_both_be_asked_for() {
        let both = [
            "trellis",
            "generate",
            "p.png",
            "-o",
            "m.glb",
            "--seed",
            "1",
            "--random-seed",
        ];
        assert!(Cli::try_parse_from(both).is_err());
    }

    fn convert_args(extra: &[&str]) -> ConvertArgs {
        let args = ["trellis", "convert", "abc", "-o", "out"]
            .into_iter()
            .chain(extra.iter().copied());
        match Cli::try_parse_from(args).unwrap().command {
            Command::Convert(args) => args,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn conversion_settings_take_defaults_and_refuse_another_formats() {
        assert_eq!(
            convert_args(&["--format", "usdz"]).request().unwrap(),
            ConversionRequest::Usdz { height_m: 0.3 }
        );
        assert_eq!(
            convert_args(&["--format", "stl", "--height-mm", "25.4", "--make-printable"])
                .request()
                .unwrap(),
            ConversionRequest::Stl {
                height_mm: 25.4,
                make_printable: true
            }
        );
        let stray = convert_args(&["--format", "obj", "--height-m", "1"]).request();
        assert!(stray.unwrap_err().message.contains("usdz only"));
        let range = convert_args(&["--format", "usdz", "--height-m", "500"]).request();
        assert!(range.unwrap_err().message.contains("from 0.01 to 100 m"));
    }

    #[test]
    fn custom_values_override_the_preset() {
        let cli = Cli::try_parse_from([
            "trellis",
            "extract",
            "abc",
            "-o",
            "m.glb",
            "--preset",
            "fast",
            "--texture",
            "512",
        ])
        .unwrap();
        let Command::Extract(args) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(args.owner.id, "abc");
        assert!(args.model.is_custom());
        let params = args.model.request().resolve().unwrap();
        assert_eq!(
            (params.decimation_target, params.texture_size),
            (100_000, 512)
        );
    }
}
