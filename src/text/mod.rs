//! Text handling shared by every stage: normalization, Chinese segmentation, and the bound on
//! HTML nesting applied before any HTML parser runs.
pub mod html;
pub mod normalize;
pub mod segment;

pub use normalize::{normalize, normalize_mapped};
