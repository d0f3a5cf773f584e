mod studio_page;

pub use studio_page::StudioPage;
