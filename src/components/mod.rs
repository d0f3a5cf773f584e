mod drop_zone;
mod error_banner;
mod health_badge;
mod model_viewer;
mod progress_card;
mod result_bar;
mod settings_form;

pub use drop_zone::{DropZone, SelectedImage};
pub use error_banner::ErrorBanner;
pub use health_badge::HealthBadge;
pub use model_viewer::ModelViewer;
pub use progress_card::ProgressCard;
pub use result_bar::ResultBar;
pub use settings_form::SettingsForm;
