mod embed_page;
mod model_page;
mod studio_page;

pub use embed_page::EmbedPage;
pub use model_page::ModelPage;
pub use studio_page::StudioPage;
