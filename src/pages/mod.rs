mod embed_page;
mod studio_page;

pub use embed_page::EmbedPage;
pub use studio_page::StudioPage;
