//! A progress bar on standard error for history scans, only when it is a terminal (never for
//! `staged`). Workers only add to atomic counters; a separate thread redraws ten times a second,
//! so the hot path takes no lock.

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
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {human_pos}/{human_len} objects ({eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        while !flag.load(Relaxed) {
            let phase = progress.phase.load(Relaxed);
            bar.set_prefix(if phase == 0 {
                "scanning history"
            } else {
                "placing findings"
            });
            bar.set_length(progress.total.load(Relaxed).max(1));
            bar.set_position(progress.done.load(Relaxed));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    });
    Ticker {
        stop,
        thread: Some(thread),
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
