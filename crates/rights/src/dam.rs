//! The DAM layer: the rights people actually write, compiled to ODRL; rights read from
//! embedded metadata; Creative Commons licences; expiry alerts with enforcement hints.

pub mod alerts;
mod builder;
pub mod cc;
pub mod metadata;

pub use builder::{
    CREDIT_LINE, DAMKIT_NS, MODEL_RELEASE, PROPERTY_RELEASE, PURPOSE_AI_TRAINING,
    PURPOSE_COMMERCIAL, PURPOSE_DATA_MINING, PURPOSE_EDITORIAL, PURPOSE_GENAI_TRAINING,
    RightsBuilder, credit_line,
};
