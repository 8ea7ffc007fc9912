//! `keyhound staged`: what `git commit` would record, i.e. the index against HEAD, as added lines.
//! Unstaged work-tree changes are not read. The index's cached-tree extension tells which
//! directories are unchanged since HEAD, so only the directories with staged changes are read:
//! a small commit costs a few object reads however large the repository.

use super::{Entry, Error, Repo, blob_id, is_blob, one_line, read_tree, tree_blobs};
use crate::source::lines::added_lines;
use crate::source::{Blob, Event, Skip};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct StagedOptions {
    pub max_file_size: u64,
}

/// Calls `visit` for every staged file version that adds lines. Symbolic links, submodules and
/// conflicted entries are skipped.
pub fn scan(
    repo: &Repo,
    opts: &StagedOptions,
    mut visit: impl FnMut(Event<'_>),
) -> Result<(), Error> {
    let index = match repo.repo.try_index() {
        Ok(Some(i)) => i,
        Ok(None) => return Ok(()),
        Err(e) => return Err(Error::git("the index (.git/index)", one_line(&e))),
    };
    let head_tree = head_tree(repo)?;
    let mut head = HeadTree {
        repo,
        root: head_tree,
        dirs: HashMap::new(),
        buf: Vec::new(),
        blobs: None,
        deleted: None,
    };
    let mut unchanged: HashSet<Vec<u8>> = HashSet::new();
    if let (Some(ext), Some(root)) = (index.tree(), head_tree) {
        collect_unchanged(&mut head, ext, Some(root), Vec::new(), &mut unchanged);
        if unchanged.contains(&b""[..]) {
            return Ok(()); // the index records exactly HEAD's tree
        }
    }
    let (mut new_buf, mut old_buf) = (Vec::new(), Vec::new());
    use gix::index::entry::{Mode, Stage};
    for entry in index.entries() {
        if entry.stage() != Stage::Unconflicted
            || !(entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE)
        {
            continue;
        }
        let path = entry.path(&index);
        if in_unchanged_dir(path, &unchanged) {
            continue;
        }
        let old = head.blob_at(path);
        if old == Some(entry.id) {
            continue;
        }
        // a new path whose content HEAD already has elsewhere: a rename or copy adds no line
        if old.is_none()
            && head.root.is_some()
            && head.blobs_in_changed_dirs(&unchanged).contains(&entry.id)
        {
            continue;
        }
        let display = path.to_str_lossy();
        if let Some(size) = repo.object_size(&entry.id)
            && size > opts.max_file_size
        {
            visit(Event::Skipped {
                path: display.into_owned(),
                reason: Skip::TooLarge(size),
            });
            continue;
        }
        let new = match repo.read_blob(&entry.id, &mut new_buf) {
            Ok(Some(b)) => b,
            Ok(None) => {
                visit(missing(&display, entry.id));
                continue;
            }
            Err(message) => {
                visit(Event::Error(crate::source::Error::Walk {
                    path: display.into_owned(),
                    message,
                }));
                continue;
            }
        };
        // a new path that holds most of a file the index deletes: that file renamed and edited
        let old = match old {
            None if head.root.is_some() => {
                let deleted = head.deleted(&index, &unchanged);
                if deleted.is_empty() {
                    None
                } else {
                    let deleted = deleted.to_vec();
                    super::rename_source(repo, new, deleted, &mut old_buf)
                }
            }
            old => old,
        };
        let old_bytes: &[u8] = match old {
            Some(id) => repo
                .read_blob(&id, &mut old_buf)
                .ok()
                .flatten()
                .unwrap_or(&[]),
            None => &[],
        };
        let added = added_lines(old_bytes, new);
        if added.is_empty() {
            continue;
        }
        visit(Event::Blob(Blob {
            bytes: new,
            path: &display,
            added: Some(&added),
            commit: None,
            id: Some(blob_id(&entry.id)),
        }));
    }
    Ok(())
}

fn missing(path: &str, id: ObjectId) -> Event<'static> {
    Event::Error(crate::source::Error::Walk {
        path: path.to_string(),
        message: format!("staged object {id} is missing from the object database"),
    })
}

/// HEAD's tree, or None on an unborn branch (the first commit).
fn head_tree(repo: &Repo) -> Result<Option<ObjectId>, Error> {
    let head = repo
        .repo
        .head()
        .map_err(|e| Error::git("HEAD", one_line(&e)))?;
    if head.is_unborn() {
        return Ok(None);
    }
    repo.repo
        .head_tree_id()
        .map(|id| Some(id.detach()))
        .map_err(|e| Error::git("HEAD", one_line(&e)))
}

fn in_unchanged_dir(path: &gix::bstr::BStr, unchanged: &HashSet<Vec<u8>>) -> bool {
    if unchanged.is_empty() {
        return false;
    }
    let bytes: &[u8] = path.as_ref();
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .any(|(i, _)| unchanged.contains(&bytes[..i]))
}

/// Directories whose cached tree in the index equals HEAD's tree at the same path.
fn collect_unchanged(
    head: &mut HeadTree<'_>,
    ext: &gix::index::extension::Tree,
    head_id: Option<ObjectId>,
    prefix: Vec<u8>,
    out: &mut HashSet<Vec<u8>>,
) {
    if ext.num_entries.is_some() && head_id == Some(ext.id) {
        out.insert(prefix);
        return;
    }
    for child in &ext.children {
        let mut path = prefix.clone();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(&child.name);
        let child_head = head.tree_at(&path);
        collect_unchanged(head, child, child_head, path, out);
    }
}

/// Lazily read directories of HEAD's tree, each at most once.
struct HeadTree<'r> {
    repo: &'r Repo,
    root: Option<ObjectId>,
    /// directory path → its entries sorted by name (None: not a directory in HEAD)
    dirs: HashMap<Vec<u8>, Option<Vec<Entry>>>,
    buf: Vec<u8>,
    /// every blob of HEAD's tree, read on first need (only when a new path is staged)
    blobs: Option<HashSet<ObjectId>>,
    /// the blobs of HEAD's files that the index no longer has, read on first need
    deleted: Option<Vec<ObjectId>>,
}

impl HeadTree<'_> {
    fn entries(&mut self, dir: &[u8]) -> Option<&Vec<Entry>> {
        if !self.dirs.contains_key(dir) {
            let id = if dir.is_empty() {
                self.root
            } else {
                self.tree_at(dir)
            };
            let entries = id
                .and_then(|id| read_tree(self.repo, &id, &mut self.buf).ok())
                .map(|mut v| {
                    v.sort_by(|a, b| a.name.cmp(&b.name));
                    v
                });
            self.dirs.insert(dir.to_vec(), entries);
        }
        self.dirs.get(dir).and_then(Option::as_ref)
    }

    fn lookup(&mut self, path: &[u8]) -> Option<Entry> {
        let (dir, name) = match memchr::memrchr(b'/', path) {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => (&b""[..], path),
        };
        let entries = self.entries(dir)?;
        entries
            .binary_search_by(|e| e.name.as_slice().cmp(name))
            .ok()
            .map(|i| entries[i].clone())
    }

    fn tree_at(&mut self, path: &[u8]) -> Option<ObjectId> {
        self.lookup(path)
            .filter(|e| e.kind == gix::objs::tree::EntryKind::Tree)
            .map(|e| e.oid)
    }

    /// Every blob of HEAD's tree outside the directories the index records as unchanged: where
    /// the old path of a staged rename must be (its directory lost a file).
    fn blobs_in_changed_dirs(&mut self, unchanged: &HashSet<Vec<u8>>) -> &HashSet<ObjectId> {
        if self.blobs.is_none() {
            let set = match self.root {
                Some(root) => tree_blobs(self.repo, root, |dir| unchanged.contains(dir)),
                None => HashSet::new(),
            };
            self.blobs = Some(set);
        }
        self.blobs.get_or_insert_with(HashSet::new)
    }

    /// The blobs of HEAD's files (outside unchanged directories) whose path the index no
    /// longer holds: where a renamed file came from.
    fn deleted(&mut self, index: &gix::index::File, unchanged: &HashSet<Vec<u8>>) -> &[ObjectId] {
        if self.deleted.is_none() {
            let mut out = Vec::new();
            let mut stack: Vec<(ObjectId, Vec<u8>)> =
                self.root.map(|r| (r, Vec::new())).into_iter().collect();
            while let Some((t, dir)) = stack.pop() {
                let Ok(entries) = read_tree(self.repo, &t, &mut self.buf) else {
                    continue;
                };
                for e in entries {
                    let mut path = dir.clone();
                    if !path.is_empty() {
                        path.push(b'/');
                    }
                    path.extend_from_slice(&e.name);
                    if e.kind == gix::objs::tree::EntryKind::Tree {
                        if !unchanged.contains(&path) {
                            stack.push((e.oid, path));
                        }
                    } else if is_blob(e.kind) && index.entry_by_path(path.as_bstr()).is_none() {
                        out.push(e.oid);
                    }
                }
            }
            out.sort();
            out.dedup();
            self.deleted = Some(out);
        }
        self.deleted.as_deref().unwrap_or(&[])
    }

    fn blob_at(&mut self, path: &gix::bstr::BStr) -> Option<ObjectId> {
        self.root?;
        self.lookup(path.as_ref())
            .filter(|e| is_blob(e.kind))
            .map(|e| e.oid)
    }
}
