//! Git sources, read in-process through gix: the binary never runs `git` and never writes to the
//! repository. `staged` (index against HEAD), `range` (the commits of `A..B`, each against its
//! parents) and `history` (every blob in the object database, decoded in pack order) all hand
//! out `Blob`s; `history::provenance` says afterwards where a blob was first introduced.
//! gix types stay inside this module.

pub mod history;
pub mod range;
mod resident;
pub mod staged;

use crate::location::CommitInfo;
use crate::source::lines;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use std::collections::HashSet;
use std::path::Path;

pub use history::{HistoryOptions, Provenance};
pub use range::RangeOptions;
pub use staged::StagedOptions;

/// A problem that stops a git scan before it starts (the repository or range is unusable).
/// Problems with single objects are reported as events instead, and the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{path}: not a git repository (nor inside one): {message}; run keyhound inside a repository or pass --repo PATH"
    )]
    NotARepository { path: String, message: String },
    #[error("the base of the range, {base}, is not in this repository{}; fetch enough history \
             (actions/checkout with `fetch-depth: 0`, or `git fetch --deepen=N` / `git fetch origin {base}`) \
             and run again",
            if *.shallow { " (it is a shallow clone)" } else { "" })]
    MissingBase { base: String, shallow: bool },
    #[error("the tip of the range, {tip}, is not in this repository; fetch it and run again")]
    MissingTip { tip: String },
    #[error("cannot resolve {rev:?}: {message}")]
    BadRevision { rev: String, message: String },
    #[error("{what}: {message}")]
    Git { what: String, message: String },
}

impl Error {
    fn git(what: impl Into<String>, e: impl std::fmt::Display) -> Error {
        Error::Git {
            what: what.into(),
            message: e.to_string(),
        }
    }
}

/// An open repository.
pub struct Repo {
    repo: gix::Repository,
}

impl Repo {
    /// Opens the repository containing `path` (a work tree, a subfolder of one, or a bare repo).
    pub fn discover(path: &Path) -> Result<Repo, Error> {
        let opts = gix::open::Options::default().config_overrides([
            // a repository owned by someone else (a CI checkout) must still read large blobs
            "gitoxide.objects.allocLimitIfReducedTrust=0",
            // we only read the index; verifying its checksum cost ~1 ms of a pre-commit run
            "index.skipHash=true",
        ]);
        let mut repo = gix::discover_opts(path, Default::default(), opts).map_err(|e| {
            Error::NotARepository {
                path: path.display().to_string(),
                message: one_line(&e),
            }
        })?;
        repo.object_cache_size_if_unset(4 << 20);
        Ok(Repo { repo })
    }

    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    pub fn work_dir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// The commits at a shallow clone's boundary (their parents are not here), sorted; empty
    /// for a full clone.
    fn shallow_commits(&self) -> Vec<ObjectId> {
        let mut out: Vec<ObjectId> = self
            .repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    /// A partial clone (`git clone --filter=…`): objects its promisor remote holds were never
    /// fetched. Told by `extensions.partialClone` or a `.promisor` file beside a pack.
    pub fn is_partial_clone(&self) -> bool {
        let config = self.repo.config_snapshot();
        if config.string("extensions.partialClone").is_some() {
            return true;
        }
        let packs = self.repo.objects.store_ref().path().join("pack");
        std::fs::read_dir(packs).is_ok_and(|dir| {
            dir.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "promisor"))
        })
    }

    /// The contents of the file at `path` in the tree of commit `rev` (trusted config in CI):
    /// `Ok(None)` when the commit has no such file.
    pub fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let bad = |message: String| Error::BadRevision {
            rev: rev.to_string(),
            message,
        };
        let id = self.repo.rev_parse_single(rev).map_err(|e| {
            bad(format!(
                "{}; fetch it or name a commit that is here",
                range::revision_problem(self, &e)
            ))
        })?;
        let not_commit = |m: String| bad(format!("does not name a commit ({m})"));
        let tree = self
            .repo
            .find_object(id)
            .map_err(|e| not_commit(one_line(&e)))?
            .peel_to_tree()
            .map_err(|e| not_commit(one_line(&e)))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| Error::git(format!("{rev}:{path}"), one_line(&e)))?;
        let Some(entry) = entry.filter(|e| e.mode().is_blob()) else {
            return Ok(None);
        };
        let object = entry
            .object()
            .map_err(|e| Error::git(format!("{rev}:{path}"), one_line(&e)))?;
        Ok(Some(object.detach().data))
    }

    /// The directory hooks go to: `core.hooksPath` when set, else `<git dir>/hooks`.
    pub fn hooks_dir(&self) -> std::path::PathBuf {
        let config = self.repo.config_snapshot();
        if let Ok(Some(p)) = config.trusted_path("core.hooksPath") {
            return if p.is_absolute() {
                p
            } else {
                self.work_dir().unwrap_or(self.git_dir()).join(p)
            };
        }
        self.repo.common_dir().join("hooks")
    }

    /// Reads a commit's metadata.
    fn commit_info(&self, id: ObjectId, buf: &mut Vec<u8>) -> Result<CommitInfo, Error> {
        use gix::prelude::FindExt;
        let c = self
            .repo
            .objects
            .find_commit(&id, buf)
            .map_err(|e| Error::git(format!("commit {id}"), one_line(&e)))?;
        let (author, email, date) = match c.author() {
            Ok(a) => (
                a.name.to_str_lossy().into_owned(),
                a.email.to_str_lossy().into_owned(),
                a.time().map(rfc3339).unwrap_or_default(),
            ),
            Err(_) => (String::new(), String::new(), String::new()),
        };
        let time = c
            .committer()
            .ok()
            .and_then(|s| s.time().ok())
            .map_or(0, |t| t.seconds);
        Ok(CommitInfo {
            commit: id.to_string(),
            author,
            email,
            date,
            time,
        })
    }

    /// Reads a blob into `buf`. `Ok(None)` when the object is missing.
    fn read_blob<'b>(
        &self,
        id: &gix::oid,
        buf: &'b mut Vec<u8>,
    ) -> Result<Option<&'b [u8]>, String> {
        use gix::prelude::Find;
        match self.repo.objects.try_find(id, buf) {
            Ok(None) => Ok(None),
            Ok(Some(d)) if d.kind == gix::objs::Kind::Blob => Ok(Some(d.data)),
            Ok(Some(d)) => Err(format!("expected a blob, found a {}", d.kind)),
            Err(e) => Err(one_line(&e)),
        }
    }

    /// The size of an object without reading it.
    fn object_size(&self, id: &gix::oid) -> Option<u64> {
        use gix::prelude::HeaderExt;
        self.repo.objects.header(id).ok().map(|h| h.size())
    }

    /// The id of the commit `rev` names (a full id, a ref, any revision; a tag is peeled), when
    /// this repository holds it: `None` for an id whose object is absent (a force push's old tip,
    /// a base beyond a shallow clone) or a name that does not resolve.
    pub fn commit_id(&self, rev: &str) -> Option<String> {
        let id = match ObjectId::from_hex(rev.as_bytes()) {
            Ok(id) => id,
            Err(_) => self.repo.rev_parse_single(rev).ok()?.detach(),
        };
        if !self.repo.has_object(id) {
            return None;
        }
        let commit = self
            .repo
            .find_object(id)
            .ok()?
            .peel_to_kind(gix::objs::Kind::Commit)
            .ok()?;
        Some(commit.id.to_string())
    }

    /// The tip of the default branch: of branch `name`, or without a name of `origin/HEAD`,
    /// `main` or `master`; the remote-tracking branch (`refs/remotes/origin/NAME`, what a CI
    /// clone has) before the local one. Returns the ref's full name and its commit id.
    pub fn default_branch_tip(&self, name: Option<&str>) -> Option<(String, String)> {
        let candidates: Vec<String> = match name {
            Some(n) => vec![
                format!("refs/remotes/origin/{n}"),
                format!("refs/heads/{n}"),
            ],
            None => [
                "refs/remotes/origin/HEAD",
                "refs/remotes/origin/main",
                "refs/heads/main",
                "refs/remotes/origin/master",
                "refs/heads/master",
            ]
            .map(String::from)
            .to_vec(),
        };
        candidates.into_iter().find_map(|full| {
            let mut r = self.repo.try_find_reference(full.as_str()).ok()??;
            let id = r.peel_to_id().ok()?.detach();
            Some((full, self.commit_id(&id.to_string())?))
        })
    }
}

/// gix errors print only their outermost message with `{}`; this joins the chain on one line.
fn one_line(err: &gix::Error) -> String {
    let mut out = String::new();
    for e in err.iter_errors() {
        let s = e.to_string();
        if !s.is_empty() && !out.contains(&s) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&s);
        }
    }
    if out.is_empty() { err.to_string() } else { out }
}

/// Every blob id (regular or executable file) in the tree `root`, without entering the folders
/// whose path `skip` accepts.
fn tree_blobs(repo: &Repo, root: ObjectId, skip: impl Fn(&[u8]) -> bool) -> HashSet<ObjectId> {
    let mut out = HashSet::new();
    let mut stack: Vec<(ObjectId, Vec<u8>)> = vec![(root, Vec::new())];
    let mut buf = Vec::new();
    while let Some((t, path)) = stack.pop() {
        let Ok(entries) = read_tree(repo, &t, &mut buf) else {
            continue;
        };
        for e in entries {
            if e.kind == gix::objs::tree::EntryKind::Tree {
                let mut sub = path.clone();
                if !sub.is_empty() {
                    sub.push(b'/');
                }
                sub.extend_from_slice(&e.name);
                if !skip(&sub) {
                    stack.push((e.oid, sub));
                }
            } else if is_blob(e.kind) {
                out.insert(e.oid);
            }
        }
    }
    out
}

/// A gix object id as the source-neutral `BlobId`.
pub(crate) fn blob_id(id: &gix::oid) -> crate::source::BlobId {
    let mut out = [0u8; 20];
    let b = id.as_bytes();
    let n = b.len().min(20);
    out[..n].copy_from_slice(&b[..n]);
    out
}

fn rfc3339(t: gix::date::Time) -> String {
    t.format(gix::date::time::format::ISO8601_STRICT)
        .unwrap_or_else(|_| format!("@{}", t.seconds))
}

/// An entry of a tree, owned.
#[derive(Debug, Clone)]
struct Entry {
    name: Vec<u8>,
    kind: gix::objs::tree::EntryKind,
    oid: ObjectId,
}

fn read_tree(repo: &Repo, id: &gix::oid, buf: &mut Vec<u8>) -> Result<Vec<Entry>, String> {
    use gix::prelude::FindExt;
    let iter = repo
        .repo
        .objects
        .find_tree_iter(id, buf)
        .map_err(|e| one_line(&e))?;
    let mut out = Vec::new();
    for e in iter {
        let e = e.map_err(|e| format!("malformed tree {id}: {e}"))?;
        out.push(Entry {
            name: e.filename.to_vec(),
            kind: e.mode.kind(),
            oid: e.oid.to_owned(),
        });
    }
    Ok(out)
}

fn is_blob(kind: gix::objs::tree::EntryKind) -> bool {
    matches!(
        kind,
        gix::objs::tree::EntryKind::Blob | gix::objs::tree::EntryKind::BlobExecutable
    )
}

/// How many (new path, deleted blob) pairs rename pairing may compare in one diff.
const RENAME_PAIRS: usize = 400;

/// A renamed-and-edited file's old version: of `candidates` (blobs the change removed), the
/// one that holds the largest share of `new`'s lines, if it holds at least half of them (git's
/// default rename threshold). Bounded like git's `diff.renameLimit`: with more candidates than
/// `RENAME_PAIRS`, or blobs over 4 MB, no pairing is tried and the new path counts as new.
fn rename_source(
    repo: &Repo,
    new: &[u8],
    candidates: impl IntoIterator<Item = ObjectId>,
    buf: &mut Vec<u8>,
) -> Option<ObjectId> {
    const MAX_BYTES: u64 = 4 << 20;
    let candidates: Vec<ObjectId> = candidates.into_iter().take(RENAME_PAIRS + 1).collect();
    if candidates.len() > RENAME_PAIRS || new.len() as u64 > MAX_BYTES {
        return None;
    }
    let mut best: Option<(f32, ObjectId)> = None;
    for id in candidates {
        // to hold half of `new`'s lines, the old version needs about half its bytes
        let Some(size) = repo.object_size(&id) else {
            continue;
        };
        if size > MAX_BYTES || size.saturating_mul(2) + 64 < new.len() as u64 {
            continue;
        }
        let Ok(Some(old)) = repo.read_blob(&id, buf) else {
            continue;
        };
        let score = lines::similarity(old, new);
        if score >= 0.5 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, id));
        }
    }
    best.map(|(_, id)| id)
}

/// One file whose content differs between an old and a new tree.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub path: String,
    pub new: ObjectId,
    pub old: Option<ObjectId>,
}

/// Regular and executable files that differ between `old` (None: the empty tree) and `new`.
/// Symbolic links and submodules are skipped. Unchanged subtrees are not entered. A file whose
/// content was already in `old` under another path (an exact rename or move, of a file or a
/// whole folder) is not a change: renaming a file adds no line.
fn diff_trees(
    repo: &Repo,
    old: Option<ObjectId>,
    new: ObjectId,
    out: &mut Vec<Change>,
) -> Result<(), String> {
    let mut buf = Vec::new();
    let mut stack: Vec<(Option<ObjectId>, ObjectId, String)> = vec![(old, new, String::new())];
    let mut changes = Vec::new();
    // blobs and trees of `old` that are gone from their place in `new`
    let mut removed_blobs: HashSet<ObjectId> = HashSet::new();
    let mut removed_trees: Vec<ObjectId> = Vec::new();
    // blobs of `old` whose path is gone from `new` (not the old versions of modified files):
    // where a renamed and edited file can come from
    let mut deleted: Vec<ObjectId> = Vec::new();
    while let Some((old, new, prefix)) = stack.pop() {
        if old == Some(new) {
            continue;
        }
        let mut new_entries = read_tree(repo, &new, &mut buf)?;
        let mut old_entries = match old {
            Some(o) => read_tree(repo, &o, &mut buf)?,
            None => Vec::new(),
        };
        old_entries.sort_by(|a, b| a.name.cmp(&b.name));
        new_entries.sort_by(|a, b| a.name.cmp(&b.name));
        for o in &old_entries {
            let still = new_entries
                .binary_search_by(|n| n.name.as_slice().cmp(&o.name))
                .ok()
                .map(|i| &new_entries[i]);
            if still.is_some_and(|n| n.oid == o.oid && n.kind == o.kind) {
                continue;
            }
            if is_blob(o.kind) {
                removed_blobs.insert(o.oid);
                if still.is_none_or(|n| !is_blob(n.kind)) {
                    deleted.push(o.oid);
                }
            } else if o.kind == gix::objs::tree::EntryKind::Tree
                && still.is_none_or(|n| n.kind != o.kind)
            {
                removed_trees.push(o.oid);
            }
        }
        for e in new_entries {
            let prev = old_entries
                .binary_search_by(|o| o.name.as_slice().cmp(&e.name))
                .ok()
                .map(|i| &old_entries[i]);
            if prev.is_some_and(|p| p.oid == e.oid && p.kind == e.kind) {
                continue;
            }
            let path = if prefix.is_empty() {
                e.name.to_str_lossy().into_owned()
            } else {
                format!("{prefix}/{}", e.name.to_str_lossy())
            };
            if e.kind == gix::objs::tree::EntryKind::Tree {
                let old_sub = prev
                    .filter(|p| p.kind == gix::objs::tree::EntryKind::Tree)
                    .map(|p| p.oid);
                stack.push((old_sub, e.oid, path));
            } else if is_blob(e.kind) {
                changes.push(Change {
                    path,
                    new: e.oid,
                    old: prev.filter(|p| is_blob(p.kind)).map(|p| p.oid),
                });
            }
        }
    }
    if changes.iter().any(|c| c.old.is_none()) && !removed_trees.is_empty() {
        // files of removed folders count as removed (a moved folder)
        while let Some(t) = removed_trees.pop() {
            for e in read_tree(repo, &t, &mut buf)? {
                if is_blob(e.kind) {
                    removed_blobs.insert(e.oid);
                    deleted.push(e.oid);
                } else if e.kind == gix::objs::tree::EntryKind::Tree {
                    removed_trees.push(e.oid);
                }
            }
        }
    }
    changes.retain(|c| c.old.is_some() || !removed_blobs.contains(&c.new));
    let added = changes.iter().filter(|c| c.old.is_none()).count();
    deleted.sort();
    deleted.dedup();
    // a new path that holds most of a deleted file's lines is that file renamed and edited:
    // diffed against it, only the edit's lines are added. Bounded like git's diff.renameLimit:
    // past RENAME_PAIRS pairs (a big merge, a vendored tree replaced) no pairing is tried.
    if added > 0 && !deleted.is_empty() && added * deleted.len() <= RENAME_PAIRS {
        let (mut new_buf, mut old_buf) = (Vec::new(), Vec::new());
        for c in changes.iter_mut().filter(|c| c.old.is_none()) {
            if let Ok(Some(new)) = repo.read_blob(&c.new, &mut new_buf) {
                c.old = rename_source(repo, new, deleted.iter().copied(), &mut old_buf);
            }
        }
    }
    out.extend(changes);
    Ok(())
}
