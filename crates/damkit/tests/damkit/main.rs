//! Integration tests of the damkit facade's library folder.

mod crash;
#[cfg(feature = "search")]
mod index;
mod ingest;
mod layout;
mod lifecycle;
mod stages;
mod util;
