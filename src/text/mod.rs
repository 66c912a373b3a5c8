//! Text handling shared by every stage: normalization, Chinese segmentation, charset labels, and the bound on
//! HTML nesting applied before any HTML parser runs.
pub mod encoding;
pub mod html;
pub mod link;
pub mod normalize;
pub mod segment;

pub use normalize::{normalize, normalize_mapped};
