//! Text handling shared by every stage: normalization and Chinese segmentation.
pub mod normalize;
pub mod segment;

pub use normalize::{normalize, normalize_mapped};
