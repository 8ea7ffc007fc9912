//! `keyhound git`: every blob in the object database, read once. Packs are decoded in pack order
//! with gix-pack's delta-tree traversal, so each delta base is inflated once and shared by its
//! children, on every core; loose objects are read after. Which commit and path introduced a blob
//! is worked out afterwards, and only for the few blobs with findings (`provenance`).

use super::{Error, Repo, is_blob, one_line, read_tree};
use crate::location::CommitInfo;
use crate::source::{Blob, BlobId, Event, Skip};
use gix::ObjectId;
use gix::odb::pack;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

#[derive(Debug, Clone)]
pub struct HistoryOptions {
    pub max_file_size: u64,
    pub threads: usize,
}

/// Totals of the object scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryStats {
    pub packs: usize,
    pub loose: usize,
}

fn raw(id: &gix::oid) -> BlobId {
    let mut out = [0u8; 20];
    let b = id.as_bytes();
    out.copy_from_slice(&b[..20.min(b.len())]);
    out
}

/// Per-thread state of the pack traversal: cloning makes a fresh state (gix clones the processor
/// for each thread), dropping hands the state back.
struct Worker<'a, S, I, V> {
    state: Option<S>,
    init: &'a I,
    visit: &'a V,
    max: u64,
    /// Packs already traversed: an object in one of them was scanned there.
    earlier: &'a [pack::Bundle],
    done: &'a Mutex<Vec<S>>,
}

impl<S, I: Fn() -> S, V> Clone for Worker<'_, S, I, V> {
    fn clone(&self) -> Self {
        Worker {
            state: Some((self.init)()),
            init: self.init,
            visit: self.visit,
            max: self.max,
            earlier: self.earlier,
            done: self.done,
        }
    }
}

impl<S, I, V> Drop for Worker<'_, S, I, V> {
    fn drop(&mut self) {
        if let Some(s) = self.state.take() {
            self.done.lock().unwrap_or_else(|p| p.into_inner()).push(s);
        }
    }
}

impl<S, I, V: Fn(&mut S, Event<'_>)> Worker<'_, S, I, V> {
    fn on_object(&mut self, kind: gix::objs::Kind, data: &[u8], id: &gix::oid) {
        if kind != gix::objs::Kind::Blob || self.earlier.iter().any(|b| b.index.lookup(id).is_some()) {
            return;
        }
        let Some(state) = self.state.as_mut() else { return };
        if data.len() as u64 > self.max {
            (self.visit)(
                state,
                Event::Skipped {
                    path: format!("blob {id}"),
                    reason: Skip::TooLarge(data.len() as u64),
                },
            );
            return;
        }
        (self.visit)(
            state,
            Event::Blob(Blob {
                bytes: data,
                path: "",
                added: None,
                commit: None,
                id: Some(raw(id)),
            }),
        );
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
            Record::LooseObjectDatabase { objects_directory, .. } => loose.push(objects_directory),
            Record::Empty => {}
        }
    }
    idx.sort();
    idx.dedup();
    Ok((idx, loose))
}

/// Scans every blob: `init` makes a state per worker thread, `visit` receives the events; the
/// states come back at the end. Unreadable packs and objects are error events, not failures.
pub fn scan<S, I, V>(repo: &Repo, opts: &HistoryOptions, init: I, visit: V) -> Result<(Vec<S>, HistoryStats), Error>
where
    S: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, Event<'_>) + Sync,
{
    let hash = repo.repo.object_hash();
    let (idx_paths, loose_dirs) = layout(repo)?;
    let done = Mutex::new(Vec::new());
    let interrupt = AtomicBool::new(false);
    let mut bundles: Vec<pack::Bundle> = Vec::new();
    let mut stats = HistoryStats::default();
    let mut own = init();
    for idx in &idx_paths {
        let bundle = match pack::Bundle::at(idx, hash) {
            Ok(b) => b,
            Err(e) => {
                visit(
                    &mut own,
                    Event::Error(crate::source::Error::Walk {
                        path: idx.display().to_string(),
                        message: format!("cannot open pack: {}", one_line(&e)),
                    }),
                );
                continue;
            }
        };
        stats.packs += 1;
        let mut worker = Worker {
            state: Some(init()),
            init: &init,
            visit: &visit,
            max: opts.max_file_size,
            earlier: &bundles,
            done: &done,
        };
        let processor = move |kind: gix::objs::Kind,
                              data: &[u8],
                              entry: &pack::index::Entry,
                              _: &dyn gix::progress::Progress|
              -> gix::Result<()> {
            worker.on_object(kind, data, &entry.oid);
            Ok(())
        };
        let outcome = bundle.index.traverse_with_index(
            &bundle.pack,
            processor,
            &mut gix::progress::Discard,
            &interrupt,
            pack::index::traverse::with_index::Options {
                check: pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
                thread_limit: Some(opts.threads.max(1)),
                alloc_limit_bytes: None,
            },
        );
        if let Err(e) = outcome {
            // a damaged pack: report it, then read what can be read object by object
            visit(
                &mut own,
                Event::Error(crate::source::Error::Walk {
                    path: idx.display().to_string(),
                    message: format!("pack cannot be traversed ({}); reading it object by object", one_line(&e)),
                }),
            );
            one_by_one(&bundle, &bundles, opts.max_file_size, &mut own, &visit);
        }
        bundles.push(bundle);
    }
    // loose objects, skipping any that a pack already had
    let mut buf = Vec::new();
    for dir in &loose_dirs {
        let db = gix::odb::loose::Store::at(dir, hash);
        for id in db.iter() {
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    visit(
                        &mut own,
                        Event::Error(crate::source::Error::Walk {
                            path: dir.display().to_string(),
                            message: e.to_string(),
                        }),
                    );
                    continue;
                }
            };
            if bundles.iter().any(|b| b.index.lookup(&id).is_some()) {
                continue;
            }
            match db.try_find(&id, &mut buf) {
                Ok(Some(d)) if d.kind == gix::objs::Kind::Blob => {
                    stats.loose += 1;
                    emit_blob(&mut own, &visit, &id, d.data, opts.max_file_size);
                }
                Ok(_) => {}
                Err(e) => visit(
                    &mut own,
                    Event::Error(crate::source::Error::Walk {
                        path: format!("object {id}"),
                        message: one_line(&e),
                    }),
                ),
            }
        }
    }
    let mut states = done.into_inner().unwrap_or_else(|p| p.into_inner());
    states.push(own);
    Ok((states, stats))
}

fn emit_blob<S, V: Fn(&mut S, Event<'_>)>(state: &mut S, visit: &V, id: &gix::oid, data: &[u8], max: u64) {
    if data.len() as u64 > max {
        visit(
            state,
            Event::Skipped {
                path: format!("blob {id}"),
                reason: Skip::TooLarge(data.len() as u64),
            },
        );
    } else {
        visit(
            state,
            Event::Blob(Blob {
                bytes: data,
                path: "",
                added: None,
                commit: None,
                id: Some(raw(id)),
            }),
        );
    }
}

/// Reads a damaged pack one object at a time, reporting the objects that fail.
fn one_by_one<S, V: Fn(&mut S, Event<'_>)>(bundle: &pack::Bundle, earlier: &[pack::Bundle], max: u64, state: &mut S, visit: &V) {
    let mut buf = Vec::new();
    let mut inflate = gix::zlib::Inflate::default();
    let mut cache = pack::cache::lru::StaticLinkedList::<64>::default();
    for i in 0..bundle.index.num_objects() {
        let id = bundle.index.oid_at_index(i).to_owned();
        if earlier.iter().any(|b| b.index.lookup(&id).is_some()) {
            continue;
        }
        match bundle.get_object_by_index(i, &mut buf, &mut inflate, &mut cache) {
            Ok((data, _)) if data.kind == gix::objs::Kind::Blob => emit_blob(state, visit, &id, data.data, max),
            Ok(_) => {}
            Err(e) => visit(
                state,
                Event::Error(crate::source::Error::Walk {
                    path: format!("object {id}"),
                    message: one_line(&e),
                }),
            ),
        }
    }
}

/// Where a blob was first introduced.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub commit: CommitInfo,
    pub path: String,
    /// Whether HEAD's tree still holds this blob (at any path).
    pub at_head: bool,
}

/// Every commit tip: all refs (branches, tags peeled to commits, remotes, notes, stash) and HEAD.
fn all_tips(repo: &Repo) -> Result<Vec<ObjectId>, Error> {
    let refs = repo.repo.references().map_err(|e| Error::git("refs", one_line(&e)))?;
    let mut tips = Vec::new();
    for r in refs.all().map_err(|e| Error::git("refs", one_line(&e)))?.flatten() {
        let mut r = r;
        let Ok(id) = r.peel_to_id() else { continue };
        let id = id.detach();
        if let Ok(h) = repo.repo.find_header(id)
            && h.kind() == gix::objs::Kind::Commit
        {
            tips.push(id);
        }
    }
    if let Ok(mut head) = repo.repo.head()
        && let Ok(Some(id)) = head.try_peel_to_id()
    {
        tips.push(id.detach());
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// For each wanted blob reachable from a ref: the oldest commit (by commit time) whose tree holds
/// it, the path there, and whether HEAD still holds it. Unreachable blobs are absent from the map.
/// Each tree is read at most once; the walk stops when every wanted blob is placed.
pub fn provenance(repo: &Repo, wanted: &HashSet<BlobId>) -> Result<HashMap<BlobId, Provenance>, Error> {
    let mut found: HashMap<BlobId, (usize, String)> = HashMap::new();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let tips = all_tips(repo)?;
    let commits: Vec<ObjectId> = repo
        .repo
        .rev_walk(tips)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
        .all()
        .map_err(|e| Error::git("walking history", one_line(&e)))?
        .map_while(Result::ok)
        .map(|i| i.id)
        .collect();
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut buf = Vec::new();
    let mut tbuf = Vec::new();
    use gix::prelude::FindExt;
    'commits: for (ci, id) in commits.iter().enumerate().rev() {
        let Ok(c) = repo.repo.objects.find_commit(id, &mut buf) else { continue };
        let root = c.tree();
        if !seen.insert(root) {
            continue;
        }
        let mut stack = vec![(root, String::new())];
        while let Some((tree, prefix)) = stack.pop() {
            let Ok(entries) = read_tree(repo, &tree, &mut tbuf) else { continue };
            for e in entries {
                let name = String::from_utf8_lossy(&e.name);
                let path = || if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
                if e.kind == gix::objs::tree::EntryKind::Tree {
                    if seen.insert(e.oid) {
                        stack.push((e.oid, path()));
                    }
                } else if is_blob(e.kind) {
                    let key = raw(&e.oid);
                    if wanted.contains(&key) && !found.contains_key(&key) {
                        found.insert(key, (ci, path()));
                        if found.len() == wanted.len() {
                            break 'commits;
                        }
                    }
                }
            }
        }
    }
    let at_head = head_blobs(repo, wanted);
    let mut infos: HashMap<usize, CommitInfo> = HashMap::new();
    let mut out = HashMap::new();
    for (key, (ci, path)) in found {
        let commit = match infos.get(&ci) {
            Some(c) => c.clone(),
            None => {
                let c = repo.commit_info(commits[ci], &mut buf)?;
                infos.insert(ci, c.clone());
                c
            }
        };
        out.insert(
            key,
            Provenance {
                commit,
                path,
                at_head: at_head.contains(&key),
            },
        );
    }
    Ok(out)
}

/// The wanted blobs that HEAD's tree holds.
fn head_blobs(repo: &Repo, wanted: &HashSet<BlobId>) -> HashSet<BlobId> {
    let mut out = HashSet::new();
    let Ok(root) = repo.repo.head_tree_id() else { return out };
    let mut stack = vec![root.detach()];
    let mut buf = Vec::new();
    while let Some(t) = stack.pop() {
        let Ok(entries) = read_tree(repo, &t, &mut buf) else { continue };
        for e in entries {
            if e.kind == gix::objs::tree::EntryKind::Tree {
                stack.push(e.oid);
            } else if is_blob(e.kind) && wanted.contains(&raw(&e.oid)) {
                out.insert(raw(&e.oid));
            }
        }
    }
    out
}
