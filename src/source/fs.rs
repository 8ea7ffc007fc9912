//! Files and directories (in parallel, honouring `.gitignore` unless told not to) and standard
//! input. Each walker thread owns one read buffer, reused for every file.

use super::{Blob, Error, Event, Skip};
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct DirOptions {
    pub roots: Vec<PathBuf>,
    /// Scan files that `.gitignore`, `.ignore` and git's excludes would skip.
    pub no_ignore: bool,
    pub max_file_size: u64,
    pub threads: usize,
}

/// Walks `opts.roots` in parallel. Each walker thread gets its own state from `init` and calls
/// `visit` for every file event; the states are returned when the walk ends.
pub fn walk<S, I, V>(opts: &DirOptions, init: I, visit: V) -> Vec<S>
where
    S: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, Event<'_>) + Sync,
{
    let Some((first, rest)) = opts.roots.split_first() else {
        return Vec::new();
    };
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(false)
        .parents(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .require_git(false)
        .threads(opts.threads.max(1))
        // the repository's own database is not part of the tree; `keyhound git` scans history
        .filter_entry(|e| e.file_name() != ".git");
    let done = Mutex::new(Vec::new());
    let mut vb = Builder {
        init: &init,
        visit: &visit,
        max: opts.max_file_size,
        done: &done,
    };
    builder.build_parallel().visit(&mut vb);
    done.into_inner().unwrap_or_else(|p| p.into_inner())
}

struct Builder<'a, S, I, V> {
    init: &'a I,
    visit: &'a V,
    max: u64,
    done: &'a Mutex<Vec<S>>,
}

impl<'s, S, I, V> ParallelVisitorBuilder<'s> for Builder<'s, S, I, V>
where
    S: Send + 's,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, Event<'_>) + Sync,
{
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Visitor {
            state: Some((self.init)()),
            visit: self.visit,
            max: self.max,
            buf: Vec::new(),
            done: self.done,
        })
    }
}

struct Visitor<'a, S, V> {
    state: Option<S>,
    visit: &'a V,
    max: u64,
    buf: Vec<u8>,
    done: &'a Mutex<Vec<S>>,
}

impl<S, V> Drop for Visitor<'_, S, V> {
    fn drop(&mut self) {
        if let Some(s) = self.state.take() {
            // once per thread, at the end of the walk
            self.done.lock().unwrap_or_else(|p| p.into_inner()).push(s);
        }
    }
}

impl<S, V> ParallelVisitor for Visitor<'_, S, V>
where
    S: Send,
    V: Fn(&mut S, Event<'_>) + Sync,
{
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let Some(state) = self.state.as_mut() else {
            return WalkState::Quit;
        };
        match entry {
            Err(e) => (self.visit)(state, Event::Error(walk_error(e))),
            Ok(entry) => match read_entry(&entry, self.max, &mut self.buf) {
                ReadOutcome::Dir => {}
                ReadOutcome::Other(ev) => (self.visit)(state, ev),
                ReadOutcome::Bytes => {
                    let path = display_path(entry.path());
                    (self.visit)(state, Event::Blob(Blob::file(&self.buf, &path)));
                }
            },
        }
        WalkState::Continue
    }
}

enum ReadOutcome {
    /// `buf` holds the file.
    Bytes,
    /// A directory: nothing to report.
    Dir,
    /// A skip or an error to report instead.
    Other(Event<'static>),
}

/// Reads a file entry into `buf`.
fn read_entry(entry: &DirEntry, max: u64, buf: &mut Vec<u8>) -> ReadOutcome {
    let path = entry.path();
    let Some(ft) = entry.file_type() else {
        // stdin given as "-" is not supported here; the stdin command reads it
        return ReadOutcome::Other(Event::Skipped {
            path: display_path(path),
            reason: Skip::Special,
        });
    };
    if ft.is_dir() {
        return ReadOutcome::Dir;
    }
    if ft.is_symlink() {
        return ReadOutcome::Other(Event::Skipped {
            path: display_path(path),
            reason: Skip::Symlink,
        });
    }
    if !ft.is_file() {
        return ReadOutcome::Other(Event::Skipped {
            path: display_path(path),
            reason: Skip::Special,
        });
    }
    let io_err = |source| {
        ReadOutcome::Other(Event::Error(Error::Io {
            path: display_path(path),
            source,
        }))
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return io_err(e),
    };
    if let Ok(meta) = file.metadata()
        && meta.len() > max
    {
        return ReadOutcome::Other(Event::Skipped {
            path: display_path(path),
            reason: Skip::TooLarge(meta.len()),
        });
    }
    buf.clear();
    // the head first: a binary file (a NUL in its first 8000 bytes, and no text name) is not
    // read further, whatever its size; path rules only need its name
    if let Err(e) = (&mut file)
        .take(super::binary::PEEK as u64)
        .read_to_end(buf)
    {
        return io_err(e);
    }
    if super::binary::looks_binary(buf) && !super::binary::named_as_text(&display_path(path)) {
        return ReadOutcome::Bytes;
    }
    let rest = max.saturating_add(1).saturating_sub(buf.len() as u64);
    match (&mut file).take(rest).read_to_end(buf) {
        Ok(_) if buf.len() as u64 > max => ReadOutcome::Other(Event::Skipped {
            path: display_path(path),
            reason: Skip::TooLarge(buf.len() as u64),
        }),
        Ok(_) => ReadOutcome::Bytes,
        Err(e) => io_err(e),
    }
}

fn walk_error(e: ignore::Error) -> Error {
    fn inner(e: &ignore::Error) -> (Option<&Path>, String) {
        match e {
            ignore::Error::WithPath { path, err } => (Some(path), inner(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner(err)
            }
            ignore::Error::Io(io) => (None, io_message(io)),
            ignore::Error::Loop { child, .. } => (Some(child), "symbolic link loop".to_string()),
            other => (None, other.to_string()),
        }
    }
    let (path, message) = inner(&e);
    Error::Walk {
        path: path.map(display_path).unwrap_or_default(),
        message,
    }
}

/// An io error's message without Rust's "(os error N)" suffix, lowercased like ours.
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s).to_string();
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => s,
    }
}

/// The path as the user gave it, without a leading `./`, with `/` separators.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.to_string()
    }
}

/// Reads all of standard input (or any reader) into `buf`.
pub fn read_stdin(mut input: impl Read, buf: &mut Vec<u8>) -> Result<(), Error> {
    buf.clear();
    input
        .read_to_end(buf)
        .map(|_| ())
        .map_err(|source| Error::Io {
            path: "<stdin>".to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_drop_the_dot_slash() {
        assert_eq!(display_path(Path::new("./src/a.rs")), "src/a.rs");
        assert_eq!(display_path(Path::new("/abs/a.rs")), "/abs/a.rs");
    }

    #[test]
    fn io_messages_are_lowercase_without_os_error() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "no such file or directory");
    }
}
