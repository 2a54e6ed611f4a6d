//! Parallel batches: one image per core (rayon), a progress callback, a result per file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{RenditionError, Result};
use crate::pipeline::{FileReport, Renderer, output_name};
use crate::spec::RenditionSpec;

/// The outcome for one input of a batch.
#[derive(Debug)]
#[non_exhaustive]
pub struct FileOutcome {
    /// The input file.
    pub input: PathBuf,
    /// The files written, or why not.
    pub result: Result<FileReport>,
}

/// Progress of a batch, given to the callback after each file.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Progress<'a> {
    /// Files finished so far (including this one).
    pub done: usize,
    /// Files in the batch.
    pub total: usize,
    /// The file just finished.
    pub outcome: &'a FileOutcome,
}

/// Renders every spec for every input into `out_dir`, in parallel on the current rayon pool
/// (one image per thread; wrap the call in `ThreadPool::install` to choose the count).
///
/// Inputs whose output names would collide with an earlier input's (same file stem) fail
/// with an error instead of overwriting. Results come back in input order.
pub fn render_batch<F>(
    renderer: &Renderer,
    inputs: &[PathBuf],
    specs: &[RenditionSpec],
    out_dir: &Path,
    progress: F,
) -> Vec<FileOutcome>
where
    F: Fn(Progress<'_>) + Sync,
{
    render_batch_with(renderer, inputs, specs, out_dir, |_| None, progress)
}

/// [`render_batch`] with a hook: for each input, `custom` may render it itself (return
/// `Some(result)`, e.g. from the JPEG preview embedded in a RAW file through
/// [`Renderer::render_bytes_into`]) or leave it to [`Renderer::render_file`] (`None`).
pub fn render_batch_with<F, C>(
    renderer: &Renderer,
    inputs: &[PathBuf],
    specs: &[RenditionSpec],
    out_dir: &Path,
    custom: C,
    progress: F,
) -> Vec<FileOutcome>
where
    F: Fn(Progress<'_>) + Sync,
    C: Fn(&Path) -> Option<Result<FileReport>> + Sync,
{
    let mut first_by_name: HashMap<PathBuf, &Path> = HashMap::new();
    let collisions: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|input| {
            let key = specs
                .first()
                .map_or_else(PathBuf::new, |s| output_name(input, s));
            match first_by_name.get(&key) {
                Some(first) => Some(first.to_path_buf()),
                None => {
                    first_by_name.insert(key, input);
                    None
                }
            }
        })
        .collect();
    let done = AtomicUsize::new(0);
    let total = inputs.len();
    inputs
        .par_iter()
        .zip(collisions.par_iter())
        .with_max_len(1)
        .map(|(input, collision)| {
            let result = match collision {
                Some(first) => Err(RenditionError::Preset(format!(
                    "output names of {} collide with those of {} (same file stem); \
                     render it into another folder",
                    input.display(),
                    first.display()
                ))),
                None => match custom(input) {
                    Some(result) => result,
                    None => renderer.render_file(input, specs, out_dir),
                },
            };
            let outcome = FileOutcome {
                input: input.clone(),
                result,
            };
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(Progress {
                done: n,
                total,
                outcome: &outcome,
            });
            outcome
        })
        .collect()
}
