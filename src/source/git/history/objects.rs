//! The object traversal under both passes of an audit: every object of every pack decoded once,
//! in pack order, with gix-pack's delta-tree traversal (each delta base inflated once and shared
//! by its children, on every core), then the loose objects no pack holds. A damaged pack is
//! reported and read object by object, so every readable object is still seen.

use super::Progress;
use crate::source::git::{Error, Repo, one_line, resident};
use gix::objs::Kind;
use gix::odb::pack;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

/// Totals of the object scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryStats {
    pub packs: usize,
    pub loose: usize,
}

/// What the object traversal hands to its callback.
pub(super) enum Obj<'a> {
    Object {
        kind: Kind,
        data: &'a [u8],
        id: &'a gix::oid,
    },
    Error {
        what: String,
        message: String,
    },
}

/// Per-thread state of a pack traversal: cloning makes a fresh state (gix clones the processor
/// for each thread), dropping hands the state back.
struct Worker<'a, S, I, F> {
    state: Option<S>,
    init: &'a I,
    f: &'a F,
    /// Packs already traversed: an object in one of them was handled there.
    earlier: &'a [pack::Bundle],
    done: &'a Mutex<Vec<S>>,
}

impl<S, I: Fn() -> S, F> Clone for Worker<'_, S, I, F> {
    fn clone(&self) -> Self {
        Worker {
            state: Some((self.init)()),
            init: self.init,
            f: self.f,
            earlier: self.earlier,
            done: self.done,
        }
    }
}

impl<S, I, F> Drop for Worker<'_, S, I, F> {
    fn drop(&mut self) {
        if let Some(s) = self.state.take() {
            self.done.lock().unwrap_or_else(|p| p.into_inner()).push(s);
        }
    }
}

impl<S, I, F: Fn(&mut S, Obj<'_>)> Worker<'_, S, I, F> {
    fn on_object(&mut self, kind: Kind, data: &[u8], id: &gix::oid) {
        if self.earlier.iter().any(|b| b.index.lookup(id).is_some()) {
            return;
        }
        if let Some(state) = self.state.as_mut() {
            (self.f)(state, Obj::Object { kind, data, id });
        }
    }
}

/// Pack index files and loose-object directories of the repository (alternates included).
fn layout(repo: &Repo) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Error> {
    use gix::odb::store::structure::Record;
    let mut idx = Vec::new();
    let mut loose = Vec::new();
    let records = repo
        .repo
        .objects
        .store_ref()
        .structure()
        .map_err(|e| Error::git("the object database", one_line(&e)))?;
    for rec in records {
        match rec {
            Record::Index { path, .. } => idx.push(path),
            Record::MultiIndex { path, .. } => {
                let midx = pack::multi_index::File::at(&path, None)
                    .map_err(|e| Error::git(path.display().to_string(), one_line(&e)))?;
                if let Some(dir) = path.parent() {
                    idx.extend(midx.index_names().iter().map(|n| dir.join(n)));
                }
            }
            Record::LooseObjectDatabase {
                objects_directory, ..
            } => loose.push(objects_directory),
            Record::Empty => {}
        }
    }
    idx.sort();
    idx.dedup();
    Ok((idx, loose))
}

/// Decodes every object once: packs in pack order on `threads` threads, then loose objects not in
/// any pack. `init` makes a state per thread; the states come back at the end. A damaged pack is
/// reported and then read object by object, so every readable object is still seen. Objects of
/// the other `part` may be left out where the pack allows it (the caller ignores them).
pub(super) fn for_each_object<S, I, F>(
    repo: &Repo,
    threads: usize,
    part: Part,
    progress: Option<&Progress>,
    init: I,
    f: F,
) -> Result<(Vec<S>, HistoryStats), Error>
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, Obj<'_>) + Sync,
{
    use std::sync::atomic::Ordering::Relaxed;
    let hash = repo.repo.object_hash();
    let (idx_paths, loose_dirs) = layout(repo)?;
    let f = |s: &mut S, o: Obj<'_>| {
        if let Some(p) = progress {
            p.done.fetch_add(1, Relaxed);
        }
        f(s, o)
    };
    let done = Mutex::new(Vec::new());
    let interrupt = AtomicBool::new(false);
    let mut bundles: Vec<pack::Bundle> = Vec::new();
    let mut stats = HistoryStats::default();
    let mut own = init();
    for idx in &idx_paths {
        let bundle = match pack::Bundle::at(idx, hash) {
            Ok(b) => b,
            Err(e) => {
                f(
                    &mut own,
                    Obj::Error {
                        what: idx.display().to_string(),
                        message: format!("cannot open pack: {}", one_line(&e)),
                    },
                );
                continue;
            }
        };
        stats.packs += 1;
        if let Some(p) = progress {
            p.total
                .fetch_add(u64::from(bundle.index.num_objects()), Relaxed);
        }
        let mut worker = Worker {
            state: Some(init()),
            init: &init,
            f: &f,
            earlier: &bundles,
            done: &done,
        };
        let processor = move |kind: Kind,
                              data: &[u8],
                              entry: &pack::index::Entry,
                              _: &dyn gix::progress::Progress|
              -> gix::Result<()> {
            worker.on_object(kind, data, &entry.oid);
            Ok(())
        };
        let partial = match resident::released_while(&bundle.pack, || {
            traverse_part(&bundle, part, threads, &interrupt, processor.clone())
        }) {
            Ok(left_out) => {
                if let Some(p) = progress {
                    p.done.fetch_add(left_out, Relaxed);
                }
                true
            }
            Err(_) => false,
        };
        let outcome = if partial {
            drop(processor);
            Ok(())
        } else {
            resident::released_while(&bundle.pack, || {
                bundle.index.traverse_with_index(
                    &bundle.pack,
                    processor,
                    &mut gix::progress::Discard,
                    &interrupt,
                    pack::index::traverse::with_index::Options {
                        check: pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
                        thread_limit: Some(threads.max(1)),
                        alloc_limit_bytes: None,
                    },
                )
            })
            .map(|_| ())
        };
        if let Err(e) = outcome {
            f(
                &mut own,
                Obj::Error {
                    what: idx.display().to_string(),
                    message: format!(
                        "pack cannot be traversed ({}); reading it object by object",
                        one_line(&e)
                    ),
                },
            );
            one_by_one(&bundle, &bundles, &mut own, &f);
        }
        bundles.push(bundle);
    }
    let mut buf = Vec::new();
    for dir in &loose_dirs {
        let db = gix::odb::loose::Store::at(dir, hash);
        for id in db.iter() {
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    f(
                        &mut own,
                        Obj::Error {
                            what: dir.display().to_string(),
                            message: e.to_string(),
                        },
                    );
                    continue;
                }
            };
            if bundles.iter().any(|b| b.index.lookup(id).is_some()) {
                continue;
            }
            match db.try_find(&id, &mut buf) {
                Ok(Some(d)) => {
                    stats.loose += 1;
                    f(
                        &mut own,
                        Obj::Object {
                            kind: d.kind,
                            data: d.data,
                            id: &id,
                        },
                    );
                }
                Ok(None) => {}
                Err(e) => f(
                    &mut own,
                    Obj::Error {
                        what: format!("object {id}"),
                        message: one_line(&e),
                    },
                ),
            }
        }
    }
    drop(bundles);
    let mut states = done.into_inner().unwrap_or_else(|p| p.into_inner());
    states.push(own);
    Ok((states, stats))
}

/// Which objects a pass over the packs needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// The blobs: the scan.
    Blobs,
    /// Commits, trees and tags: the pass that places findings.
    Structure,
}

/// Traverses a pack's blobs only, or everything but its blobs: git deltas an object only against
/// one of its own kind, so a blob's delta chain holds only blobs and a tree's only trees. In
/// git.git's history that leaves 5.8 GB of trees out of the scan and 8 GB of blobs out of the
/// pass that places findings. The kinds come from the entries' headers, without decompressing
/// anything. Returns how many objects were left out. Err when the pack does not allow it (a
/// delta against an object of another kind, found while the delta tree is built, before any
/// object is decoded) or an object does not decode: the caller then traverses all of it (in the
/// second case some objects are seen twice, which neither pass minds: a scan's findings are
/// merged by fingerprint, and placing them looks for the oldest commit).
fn traverse_part<P>(
    bundle: &pack::Bundle,
    part: Part,
    threads: usize,
    interrupt: &AtomicBool,
    mut processor: P,
) -> Result<u64, String>
where
    P: FnMut(Kind, &[u8], &pack::index::Entry, &dyn gix::progress::Progress) -> gix::Result<()>
        + Send
        + Clone,
{
    use pack::data::entry::Header;
    const UNKNOWN: u8 = 0;
    const BLOB: u8 = 1;
    const OTHER: u8 = 2;
    let mut entries: Vec<pack::index::Entry> = bundle.index.iter().collect();
    entries.sort_unstable_by_key(|e| e.pack_offset);
    let offsets: Vec<u64> = entries.iter().map(|e| e.pack_offset).collect();
    let mut kinds = vec![UNKNOWN; entries.len()];
    let kind_at =
        |kinds: &[u8], offset: u64| offsets.binary_search(&offset).map_or(UNKNOWN, |i| kinds[i]);
    for i in 0..entries.len() {
        let header = bundle
            .pack
            .entry(offsets[i])
            .map_err(|e| one_line(&e))?
            .header;
        kinds[i] = match header {
            Header::Blob => BLOB,
            Header::Commit | Header::Tree | Header::Tag => OTHER,
            Header::OfsDelta { base_distance } => offsets[i]
                .checked_sub(base_distance)
                .map_or(UNKNOWN, |base| kind_at(&kinds, base)),
            Header::RefDelta { base_id } => {
                bundle.index.lookup(base_id.as_ref()).map_or(UNKNOWN, |j| {
                    kind_at(&kinds, bundle.index.pack_offset_at_index(j))
                })
            }
        };
    }
    // an entry of unknown kind (a forward reference to its base) is kept either way
    let wanted = |k: u8| match part {
        Part::Blobs => k != OTHER,
        Part::Structure => k != BLOB,
    };
    let left_out = kinds.iter().filter(|&&k| !wanted(k)).count() as u64;
    let kept = entries
        .into_iter()
        .zip(kinds)
        .filter(|&(_, k)| wanted(k))
        .map(|(e, _)| e);
    let index = &bundle.index;
    let tree = pack::cache::delta::Tree::from_offsets_in_pack(
        bundle.pack.path(),
        kept,
        &|e: &pack::index::Entry| e.pack_offset,
        &|id| Ok(index.lookup(id).map(|i| index.pack_offset_at_index(i))),
        &mut gix::progress::Discard,
        interrupt,
        index.object_hash(),
    )
    .map_err(|e| one_line(&e))?;
    tree.traverse(
        |slice, pack: &pack::data::File| pack.entry_slice(slice),
        &bundle.pack,
        bundle.pack.pack_end() as u64,
        move |entry: &mut pack::index::Entry, progress, ctx| match ctx.entry.header.as_kind() {
            Some(kind) => processor(kind, ctx.decompressed, entry, progress),
            None => Ok(()),
        },
        pack::cache::delta::traverse::Options {
            object_progress: Box::new(gix::progress::Discard),
            size_progress: &mut gix::progress::Discard,
            thread_limit: Some(threads.max(1)),
            should_interrupt: interrupt,
            object_hash: index.object_hash(),
            alloc_limit_bytes: None,
        },
    )
    .map(|_| left_out)
    .map_err(|e| one_line(&e))
}

/// Reads a damaged pack one object at a time, reporting the objects that fail.
fn one_by_one<S, F: Fn(&mut S, Obj<'_>)>(
    bundle: &pack::Bundle,
    earlier: &[pack::Bundle],
    state: &mut S,
    f: &F,
) {
    let mut buf = Vec::new();
    let mut inflate = gix::zlib::Inflate::default();
    let mut cache = pack::cache::lru::StaticLinkedList::<64>::default();
    for i in 0..bundle.index.num_objects() {
        let id = bundle.index.oid_at_index(i).to_owned();
        if earlier.iter().any(|b| b.index.lookup(id).is_some()) {
            continue;
        }
        match bundle.get_object_by_index(i, &mut buf, &mut inflate, &mut cache) {
            Ok((data, _)) => f(
                state,
                Obj::Object {
                    kind: data.kind,
                    data: data.data,
                    id: &id,
                },
            ),
            Err(e) => f(
                state,
                Obj::Error {
                    what: format!("object {id}"),
                    message: one_line(&e),
                },
            ),
        }
    }
}
