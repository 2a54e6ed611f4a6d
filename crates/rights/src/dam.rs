//! DAM layer.
