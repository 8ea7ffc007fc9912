//! A progress bar on standard error for history scans, only when it is a terminal (never for
//! `staged`). Workers only add to atomic counters; a separate thread redraws ten times a second,
//! so the hot path takes no lock.
//!
//! An audit reads every object twice: blobs in the first pass, commits and trees in the second
//! (which resets the counters). The bar is one bar over both: while the first pass runs, its
//! length is twice the first pass's objects (the second walks the same packs), and the second
//! pass continues from where the first ended, each labelled with its step.

use crate::source::git::history::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

pub fn start(progress: Arc<Progress>) -> Ticker {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template(
            // the bar takes what the text leaves of the terminal's width: a line longer than the
            // terminal wraps, and each redraw would then leave a line behind
            "{prefix} [{wide_bar}] {human_pos}/{human_len} objects ({eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        // objects of the first pass, as last seen while it ran
        let mut first = 0u64;
        while !flag.load(Relaxed) {
            let (length, position) = both_passes(
                progress.phase.load(Relaxed),
                progress.total.load(Relaxed),
                progress.done.load(Relaxed),
                &mut first,
            );
            bar.set_prefix(if progress.phase.load(Relaxed) == 0 {
                "1/2 scanning blobs"
            } else {
                "2/2 reading commits and trees"
            });
            bar.set_length(length.max(1));
            bar.set_position(position);
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    });
    Ticker {
        stop,
        thread: Some(thread),
    }
}

/// (length, position) of the one bar over both passes, from the current pass's counters.
fn both_passes(phase: u64, total: u64, done: u64, first: &mut u64) -> (u64, u64) {
    if phase == 0 {
        *first = total.max(done);
        (first.saturating_mul(2), done.min(*first))
    } else {
        // the second pass's total is known once its packs are open; until then, the first's
        let second = if total == 0 { *first } else { total };
        (
            first.saturating_add(second),
            first.saturating_add(done.min(second)),
        )
    }
}

impl Ticker {
    pub fn finish(mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::both_passes;

    #[test]
    fn one_bar_runs_over_both_passes_without_going_back() {
        let mut first = 0;
        assert_eq!(both_passes(0, 1000, 0, &mut first), (2000, 0));
        assert_eq!(both_passes(0, 1000, 1000, &mut first), (2000, 1000));
        // the second pass resets its counters: the bar goes on from the middle
        assert_eq!(both_passes(1, 0, 0, &mut first), (2000, 1000));
        assert_eq!(both_passes(1, 1000, 500, &mut first), (2000, 1500));
        assert_eq!(both_passes(1, 1000, 1000, &mut first), (2000, 2000));
    }
}
