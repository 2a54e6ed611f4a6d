//! Integration tests of damkit-rendition. Test files: `tests/data` (see its README) and
//! `tests/bad` (broken inputs that must fail cleanly).

mod avif;
mod bad_input;
mod cmyk;
mod formats;
mod orientation;
mod quality;
mod support;
mod writing;
