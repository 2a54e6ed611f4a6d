//! Integration tests of the damkit facade's library folder.

mod crash;
mod ingest;
mod layout;
mod lifecycle;
mod stages;
mod util;
