//! Snapshots of the results while the run goes, so a crash (of throng or
//! of the machine) loses at most one interval of what was measured.
//!
//! Every `--snapshot-interval` the results so far, marked
//! `"partial": true`, replace the `--out` file atomically: they are written
//! to `FILE.tmp`, flushed to disk, and renamed over `FILE`. A reader, or a
//! crash at any moment, sees either the previous snapshot or the new one,
//! never half of one. The final results replace the last snapshot the same
//! way.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use throng_metrics::RunResults;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The task that writes the snapshots; [`Snapshots::finish`] stops it.
pub struct Snapshots {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Snapshots {
    /// Writes `results()` to `path` every `interval`, the first after one
    /// interval. `None` when snapshots are off: no interval, or a path that
    /// is not a plain file (`/dev/stdout`, a symlink), where a rename
    /// would replace the link instead of writing through it.
    pub fn start(
        path: &Path,
        interval: Duration,
        quiet: bool,
        results: impl Fn() -> RunResults + Send + Sync + 'static,
    ) -> Option<Snapshots> {
        if interval.is_zero() || !replaceable(path) {
            return None;
        }
        let path = path.to_path_buf();
        let results = Arc::new(results);
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let start = tokio::time::Instant::now() + interval;
            let mut ticks = tokio::time::interval_at(start, interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut warned = false;
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = ticks.tick() => {}
                }
                let (results, target) = (results.clone(), path.clone());
                // Merging the histograms and writing block; the handle is
                // awaited, so `finish` returns only once no write is in
                // flight.
                let written = tokio::task::spawn_blocking(move || {
                    let mut snapshot = results();
                    snapshot.partial = true;
                    write_atomic(&target, |w| throng_report::write_json(&snapshot, w))
                })
                .await;
                match written {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) if !warned && !quiet => {
                        warned = true;
                        eprintln!("throng: warning: snapshot not written: {e:#}");
                    }
                    Ok(Err(_)) | Err(_) => {}
                }
            }
        });
        Some(Snapshots { stop, task })
    }

    /// Stops writing snapshots, waiting for one in progress, so the final
    /// results written after this are never overwritten by a snapshot.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Whether `path` may be replaced by a rename: it does not exist yet, or
/// is a plain file (not a symlink, device or pipe).
pub fn replaceable(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_file(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// `path` with `.tmp` appended to its file name: `results.json.tmp`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes `path` through `FILE.tmp` and a rename, so it holds either its
/// old content or the whole new one, even if the process or the machine
/// dies midway. Where `path` cannot be replaced by a rename (see
/// [`replaceable`]), it is written in place.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if !replaceable(path) {
        return crate::run::write_file(path, write);
    }
    let temp = temp_path(path);
    let file = std::fs::File::create(&temp)
        .with_context(|| format!("cannot create {}", temp.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let written = write(&mut out)
        .and_then(|()| out.flush())
        // On disk before the rename, or a machine crash could leave the
        // renamed file empty.
        .and_then(|()| out.get_ref().sync_all())
        .with_context(|| format!("writing {}", temp.display()))
        .and_then(|()| {
            std::fs::rename(&temp, path)
                .with_context(|| format!("renaming {} to {}", temp.display(), path.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        write_atomic(&path, |w| w.write_all(b"old")).unwrap();
        let failed = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(!temp_path(&path).exists());
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn only_plain_files_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        assert!(replaceable(&dir.path().join("missing.json")));
        assert!(!replaceable(dir.path()));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(dir.path().join("target.json"), &link).unwrap();
            assert!(!replaceable(&link));
            // Written through the link, which stays a link.
            write_atomic(&link, |w| w.write_all(b"x")).unwrap();
            assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
            assert_eq!(std::fs::read(dir.path().join("target.json")).unwrap(), b"x");
        }
    }
}
