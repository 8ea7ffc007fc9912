//! The audit's structure pass: the commits and trees of every pack, decoded once in pack order,
//! kept as a flat commit graph and tree-to-subtree edges (tens of MB on git.git). From them:
//! - where each blob with findings was first introduced (the oldest commit, by commit time,
//!   whose tree holds it, and its path there);
//! - the blobs stored under a file name a path rule may take (`.env`, `id_rsa`), with the path
//!   and commit that first held them under such a name, so path rules run on history too;
//! - every object the refs reach that the scan did not read (a missing pack index, a deleted
//!   loose object, an undecodable commit): the audit names them and fails, it never passes a
//!   history it could not read. Commits behind a shallow clone's boundary are not missing.

use super::objects::{Obj, Part, for_each_object};
use super::{Progress, Seen};
use crate::location::CommitInfo;
use crate::source::git::{Error, Repo, blob_id, one_line, read_tree, tree_blobs};
use crate::source::{Blob, BlobId, Event, Skip};
use gix::ObjectId;
use gix::objs::Kind;
use std::collections::{HashMap, HashSet};

/// Where a blob was first introduced.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub commit: CommitInfo,
    pub path: String,
    /// Whether HEAD's tree still holds this blob (at any path).
    pub at_head: bool,
}

/// An object the refs reach that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Missing {
    /// What it is and where it is reached from, e.g. `blob 1f2e… (config/.env in commit 9a8b…)`.
    pub what: String,
    pub message: String,
}

/// What the structure pass found.
#[derive(Debug, Default)]
pub struct Structure {
    /// Each wanted blob reachable from a ref, where it was first introduced.
    pub places: HashMap<BlobId, Provenance>,
    /// Blobs stored under a name the `names` test accepted, where first introduced under one.
    pub named: Vec<(BlobId, Provenance)>,
    /// Objects the refs reach that the scan did not read, oldest commit first.
    pub missing: Vec<Missing>,
}

/// Why a tree entry is remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    /// A blob with findings.
    Wanted,
    /// A blob under a name a path rule may take.
    Named,
    /// A blob the scan did not read.
    Unread,
}

/// A test of a file name (does some path rule take files of this name?).
pub type NameTest<'a> = &'a (dyn Fn(&[u8]) -> bool + Sync);

/// The blobs a tree holds directly that the walk must look at: (blob, file name, why).
type TreeHits<'g> = gix::hashtable::HashMap<ObjectId, Vec<(BlobId, &'g [u8], Hit)>>;

/// Commit tips with the ref that names them, and the refs whose objects are missing.
type Tips = (Vec<(ObjectId, String)>, Vec<Missing>);

/// What the traversal keeps of each commit and tree, in flat vectors (one set per thread):
/// hundreds of thousands of small vectors would cost more than the data.
#[derive(Default)]
struct Graph {
    /// (commit, root tree, commit time, range of `parents`)
    commits: Vec<(ObjectId, ObjectId, i64, u32, u32)>,
    parents: Vec<ObjectId>,
    /// (tree, range of `subtrees`), for every tree (an absent tree is a missing one)
    trees: Vec<(ObjectId, u32, u32)>,
    subtrees: Vec<ObjectId>,
    /// (tree, blob it holds directly, file name, why)
    hits: Vec<(ObjectId, BlobId, Vec<u8>, Hit)>,
    /// file name → whether `names` accepts it (names repeat across a history's trees; git.git's
    /// trees hold 146M entries, so the hash is foldhash's, not SipHash)
    names: foldhash::HashMap<Vec<u8>, bool>,
}

/// Reads the commits and trees of every pack and loose object (see the module doc). `seen` is
/// what the scan pass read; `wanted` the blobs with findings; `names` (when some rule runs on
/// files by name) tests a file name.
pub fn structure(
    repo: &Repo,
    seen: &Seen,
    wanted: &HashSet<BlobId>,
    names: Option<NameTest<'_>>,
    threads: usize,
    progress: Option<&Progress>,
) -> Result<Structure, Error> {
    if let Some(p) = progress {
        use std::sync::atomic::Ordering::Relaxed;
        p.phase.store(1, Relaxed);
        p.done.store(0, Relaxed);
        p.total.store(0, Relaxed);
    }
    let hash = repo.repo.object_hash();
    let mut wanted_prefix = vec![0u64; 1024];
    for w in wanted {
        wanted_prefix[usize::from(w[0]) << 2 | usize::from(w[1] >> 6)] |= 1 << (w[1] & 63);
    }
    let (graphs, _) = for_each_object(
        repo,
        threads,
        Part::Structure,
        progress,
        Graph::default,
        |g, obj| {
            let Obj::Object { kind, data, id } = obj else {
                // a damaged pack's unreadable objects: the scan pass reported them, and what
                // the refs reach of them shows up below as missing
                return;
            };
            match kind {
                Kind::Commit => {
                    if let Ok(c) = gix::objs::CommitRef::from_bytes(data, hash) {
                        let time = c
                            .committer()
                            .ok()
                            .and_then(|s| s.time().ok())
                            .map_or(0, |t| t.seconds);
                        let start = g.parents.len() as u32;
                        g.parents.extend(c.parents());
                        let len = g.parents.len() as u32 - start;
                        g.commits.push((id.to_owned(), c.tree(), time, start, len));
                    }
                }
                Kind::Tree => {
                    let start = g.subtrees.len() as u32;
                    let Graph {
                        subtrees,
                        hits,
                        names: name_cache,
                        ..
                    } = g;
                    // git.git holds 146M tree entries: a lean parse, and a 64 Kib prefilter on
                    // the wanted ids' first two bytes before any hash lookup
                    for_each_tree_entry(data, |mode, name, oid| {
                        if mode == b"40000" {
                            if let Ok(sub) = ObjectId::try_from(oid) {
                                subtrees.push(sub);
                            }
                            return;
                        }
                        // files and symbolic links are blobs; submodules (160000) are commits
                        // of another repository
                        if mode.first() != Some(&b'1') || mode == b"160000" {
                            return;
                        }
                        let mut key = [0u8; 20];
                        key.copy_from_slice(oid);
                        if !seen.contains_raw(oid) {
                            hits.push((id.to_owned(), key, name.to_vec(), Hit::Unread));
                            return;
                        }
                        if mode == b"120000" {
                            return;
                        }
                        if wanted_prefix[usize::from(oid[0]) << 2 | usize::from(oid[1] >> 6)]
                            & (1 << (oid[1] & 63))
                            != 0
                            && wanted.contains(&key)
                        {
                            hits.push((id.to_owned(), key, name.to_vec(), Hit::Wanted));
                        }
                        if let Some(accepts) = names {
                            let takes = match name_cache.get(name) {
                                Some(&t) => t,
                                None => {
                                    let t = accepts(name);
                                    name_cache.insert(name.to_vec(), t);
                                    t
                                }
                            };
                            if takes {
                                hits.push((id.to_owned(), key, name.to_vec(), Hit::Named));
                            }
                        }
                    });
                    let len = g.subtrees.len() as u32 - start;
                    g.trees.push((id.to_owned(), start, len));
                }
                _ => {}
            }
        },
    )?;
    let graph = Joined::new(&graphs);
    let (tips, mut missing) = all_tips(repo)?;
    let shallow = repo.shallow_commits();
    let reachable = graph.reachable(&tips, &shallow, &mut missing);
    let walk = graph.walk_trees(&reachable);
    let mut out = Structure::default();
    let at_head = head_blobs(repo, wanted);
    let mut buf = Vec::new();
    let mut infos: HashMap<ObjectId, CommitInfo> = HashMap::new();
    let mut info_of = |commit: ObjectId, buf: &mut Vec<u8>| -> Result<CommitInfo, Error> {
        if let Some(i) = infos.get(&commit) {
            return Ok(i.clone());
        }
        let i = repo.commit_info(commit, buf)?;
        infos.insert(commit, i.clone());
        Ok(i)
    };
    for (blob, (commit, chain, name)) in walk.wanted {
        let path = path_of(repo, &chain, &name, &mut buf);
        let commit = info_of(commit, &mut buf)?;
        let at_head = at_head.contains(&blob);
        out.places.insert(
            blob,
            Provenance {
                commit,
                path,
                at_head,
            },
        );
    }
    let named_at_head = if walk.named.is_empty() {
        HashSet::new()
    } else {
        let ids: HashSet<BlobId> = walk.named.keys().copied().collect();
        head_blobs(repo, &ids)
    };
    for (blob, (commit, chain, name)) in walk.named {
        let path = path_of(repo, &chain, &name, &mut buf);
        let commit = info_of(commit, &mut buf)?;
        let at_head = named_at_head.contains(&blob);
        out.named.push((
            blob,
            Provenance {
                commit,
                path,
                at_head,
            },
        ));
    }
    out.named
        .sort_by(|a, b| a.1.path.cmp(&b.1.path).then(a.0.cmp(&b.0)));
    for gap in walk.gaps {
        let (kind, id, chain, name, commit) = match gap {
            Gap::Tree { id, chain, commit } => ("tree", id, chain, None, commit),
            Gap::Blob {
                id,
                chain,
                name,
                commit,
            } => ("blob", id, chain, Some(name), commit),
        };
        let name = name.or_else(|| {
            // a missing subtree: its name in the tree that holds it
            let parent = chain.last()?;
            let entries = read_tree(repo, parent, &mut buf).ok()?;
            entries.into_iter().find(|e| e.oid == id).map(|e| e.name)
        });
        let path = match &name {
            Some(n) => path_of(repo, &chain, n, &mut buf),
            None => String::new(),
        };
        let place = if path.is_empty() {
            format!("root tree of commit {commit}")
        } else {
            format!("{path} in commit {commit}")
        };
        missing.push(Missing {
            what: format!("{kind} {id} ({place})"),
            message: "is missing from the object database or could not be read".into(),
        });
    }
    Ok(out.with_missing(missing))
}

impl Structure {
    fn with_missing(mut self, missing: Vec<Missing>) -> Structure {
        self.missing = missing;
        self
    }
}

/// Indexes into the per-thread graphs: (graph, position).
struct Joined<'g> {
    graphs: &'g [Graph],
    commits: gix::hashtable::HashMap<ObjectId, (usize, usize)>,
    trees: gix::hashtable::HashMap<ObjectId, (usize, usize)>,
    hits: TreeHits<'g>,
}

/// An object the refs reach that is not there, with the trees that lead to it.
enum Gap {
    Tree {
        id: ObjectId,
        /// root first, ending at the tree holding it (empty: a commit's root tree)
        chain: Vec<ObjectId>,
        commit: ObjectId,
    },
    Blob {
        id: ObjectId,
        chain: Vec<ObjectId>,
        name: Vec<u8>,
        commit: ObjectId,
    },
}

/// What walking the reachable trees found: (commit, tree chain, file name) per blob.
type Places = HashMap<BlobId, (ObjectId, Vec<ObjectId>, Vec<u8>)>;

struct Walk {
    wanted: Places,
    named: Places,
    gaps: Vec<Gap>,
    seen: gix::hashtable::HashMap<ObjectId, Option<ObjectId>>,
}

impl<'g> Joined<'g> {
    fn new(graphs: &'g [Graph]) -> Joined<'g> {
        let mut commits: gix::hashtable::HashMap<ObjectId, (usize, usize)> = Default::default();
        let mut trees: gix::hashtable::HashMap<ObjectId, (usize, usize)> = Default::default();
        let mut hits: TreeHits<'g> = Default::default();
        for (gi, g) in graphs.iter().enumerate() {
            commits.extend(g.commits.iter().enumerate().map(|(i, c)| (c.0, (gi, i))));
            trees.extend(g.trees.iter().enumerate().map(|(i, t)| (t.0, (gi, i))));
            for (t, b, name, why) in &g.hits {
                hits.entry(*t).or_default().push((*b, name, *why));
            }
        }
        Joined {
            graphs,
            commits,
            trees,
            hits,
        }
    }

    fn subtrees_of(&self, t: &ObjectId) -> &'g [ObjectId] {
        self.trees.get(t).map_or(&[][..], |&(gi, i)| {
            let (_, s, l) = self.graphs[gi].trees[i];
            &self.graphs[gi].subtrees[s as usize..(s + l) as usize]
        })
    }

    fn parents_of(&self, c: &ObjectId) -> &'g [ObjectId] {
        self.commits.get(c).map_or(&[][..], |&(gi, i)| {
            let (_, _, _, s, l) = self.graphs[gi].commits[i];
            &self.graphs[gi].parents[s as usize..(s + l) as usize]
        })
    }

    /// The commits reachable from `tips`, oldest first: (time, commit, root tree). A commit
    /// that is not there (and not behind a shallow boundary) goes to `missing`.
    fn reachable(
        &self,
        tips: &[(ObjectId, String)],
        shallow: &[ObjectId],
        missing: &mut Vec<Missing>,
    ) -> Vec<(i64, ObjectId, ObjectId)> {
        let mut reachable: Vec<(i64, ObjectId, ObjectId)> = Vec::new();
        let mut seen_commits: gix::hashtable::HashSet<ObjectId> = Default::default();
        // (commit, what reaches it)
        let mut queue: Vec<(ObjectId, Reach<'_>)> =
            tips.iter().map(|(id, r)| (*id, Reach::Ref(r))).collect();
        while let Some((c, from)) = queue.pop() {
            if !seen_commits.insert(c) {
                continue;
            }
            match self.commits.get(&c) {
                Some(&(gi, i)) => {
                    let (_, tree, time, s, l) = self.graphs[gi].commits[i];
                    reachable.push((time, c, tree));
                    if shallow.binary_search(&c).is_err() {
                        let parents = &self.graphs[gi].parents[s as usize..(s + l) as usize];
                        queue.extend(parents.iter().map(|p| (*p, Reach::Child(c))));
                    }
                }
                None => missing.push(Missing {
                    what: match from {
                        Reach::Ref(r) => format!("commit {c} (the tip of {r})"),
                        Reach::Child(child) => format!("commit {c} (a parent of {child})"),
                    },
                    message: "is missing from the object database or could not be read".into(),
                }),
            }
        }
        // oldest first by commit time; on equal times (rebases, scripted commits) parents first
        let mut generation: gix::hashtable::HashMap<ObjectId, u32> = Default::default();
        for &(_, c, _) in &reachable {
            let mut stack = vec![c];
            while let Some(&top) = stack.last() {
                if generation.contains_key(&top) {
                    stack.pop();
                    continue;
                }
                let pending: Vec<ObjectId> = self
                    .parents_of(&top)
                    .iter()
                    .filter(|p| self.commits.contains_key(*p) && !generation.contains_key(*p))
                    .copied()
                    .collect();
                if pending.is_empty() {
                    let g = self
                        .parents_of(&top)
                        .iter()
                        .filter_map(|p| generation.get(p))
                        .max()
                        .map_or(0, |g| g + 1);
                    generation.insert(top, g);
                    stack.pop();
                } else {
                    stack.extend(pending);
                }
            }
        }
        reachable.sort_by_key(|&(time, c, _)| (time, generation.get(&c).copied().unwrap_or(0), c));
        reachable
    }

    /// Depth-first through every tree the commits reach, each once, oldest commit first; each
    /// tree remembers its parent so the path of a hit can be rebuilt.
    fn walk_trees(&self, reachable: &[(i64, ObjectId, ObjectId)]) -> Walk {
        let mut walk = Walk {
            wanted: HashMap::new(),
            named: HashMap::new(),
            gaps: Vec::new(),
            seen: Default::default(),
        };
        let chain_to = |seen: &gix::hashtable::HashMap<ObjectId, Option<ObjectId>>, t: ObjectId| {
            let mut chain = vec![t];
            while let Some(Some(p)) = chain.last().and_then(|l| seen.get(l)) {
                chain.push(*p);
            }
            chain.reverse();
            chain
        };
        let mut stack = Vec::new();
        let mut unread: HashSet<BlobId> = HashSet::new();
        for &(_, c, root) in reachable {
            if walk.seen.contains_key(&root) {
                continue;
            }
            walk.seen.insert(root, None);
            stack.push(root);
            while let Some(t) = stack.pop() {
                if !self.trees.contains_key(&t) {
                    let mut chain = chain_to(&walk.seen, t);
                    chain.pop();
                    walk.gaps.push(Gap::Tree {
                        id: t,
                        chain,
                        commit: c,
                    });
                    continue;
                }
                for &(blob, name, why) in self.hits.get(&t).map_or(&[][..], Vec::as_slice) {
                    let places = match why {
                        Hit::Wanted => &mut walk.wanted,
                        Hit::Named => &mut walk.named,
                        Hit::Unread => {
                            if !unread.insert(blob) {
                                continue; // named once, where first reached
                            }
                            walk.gaps.push(Gap::Blob {
                                id: ObjectId::from(blob),
                                chain: chain_to(&walk.seen, t),
                                name: name.to_vec(),
                                commit: c,
                            });
                            continue;
                        }
                    };
                    if let std::collections::hash_map::Entry::Vacant(slot) = places.entry(blob) {
                        slot.insert((c, chain_to(&walk.seen, t), name.to_vec()));
                    }
                }
                for s in self.subtrees_of(&t) {
                    if !walk.seen.contains_key(s) {
                        walk.seen.insert(*s, Some(t));
                        stack.push(*s);
                    }
                }
            }
        }
        walk
    }
}

/// What reaches a commit, for naming a missing one.
#[derive(Clone, Copy)]
enum Reach<'a> {
    Ref(&'a str),
    Child(ObjectId),
}

/// Every commit tip, with its name: all refs (branches, tags peeled to commits, remotes, notes,
/// stash) and HEAD. A ref whose object is not there is missing; a ref to a tree or blob is not a
/// tip.
fn all_tips(repo: &Repo) -> Result<Tips, Error> {
    use gix::bstr::ByteSlice;
    let refs = repo
        .repo
        .references()
        .map_err(|e| Error::git("refs", one_line(&e)))?;
    let mut tips = Vec::new();
    let mut missing = Vec::new();
    for r in refs.all().map_err(|e| Error::git("refs", one_line(&e)))? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                missing.push(Missing {
                    what: "refs".into(),
                    message: format!("a ref could not be read: {e}"),
                });
                continue;
            }
        };
        if matches!(r.target(), gix::refs::TargetRef::Symbolic(_)) {
            // `refs/remotes/origin/HEAD`: its target is listed in its own right (or is gone,
            // which loses no object)
            continue;
        }
        let name = r.name().as_bstr().to_str_lossy().into_owned();
        let id = match r.peel_to_id() {
            Ok(id) => id.detach(),
            Err(e) => {
                missing.push(Missing {
                    what: name,
                    message: format!(
                        "points to an object that is missing or could not be read ({e})"
                    ),
                });
                continue;
            }
        };
        match repo.repo.find_header(id) {
            Ok(h) if h.kind() == Kind::Commit => tips.push((id, name)),
            Ok(_) => {}
            Err(e) => missing.push(Missing {
                what: name,
                message: format!("points to {id}, which is missing or could not be read ({e})"),
            }),
        }
    }
    match repo.repo.head() {
        Ok(mut head) if !head.is_unborn() => match head.try_peel_to_id() {
            Ok(Some(id)) => tips.push((id.detach(), "HEAD".into())),
            Ok(None) => {}
            Err(e) => missing.push(Missing {
                what: "HEAD".into(),
                message: format!("points to an object that is missing or could not be read ({e})"),
            }),
        },
        _ => {}
    }
    tips.sort();
    tips.dedup_by(|a, b| a.0 == b.0);
    Ok((tips, missing))
}

/// Calls `f(mode, name, oid)` for each entry of a raw tree object (`<mode> <name>\0<20-byte id>`),
/// stopping at the first malformed entry.
pub fn for_each_tree_entry(data: &[u8], mut f: impl FnMut(&[u8], &[u8], &[u8])) {
    let mut p = 0;
    while p < data.len() {
        let Some(sp) = data[p..].iter().take(7).position(|&b| b == b' ') else {
            return;
        };
        let mode = &data[p..p + sp];
        let name_start = p + sp + 1;
        let Some(nul) = memchr::memchr(0, &data[name_start..]) else {
            return;
        };
        let oid_start = name_start + nul + 1;
        let Some(oid) = data.get(oid_start..oid_start + 20) else {
            return;
        };
        f(mode, &data[name_start..name_start + nul], oid);
        p = oid_start + 20;
    }
}

/// The path of the last tree of `chain` (root first), reading the few trees involved.
fn tree_path(repo: &Repo, chain: &[ObjectId], buf: &mut Vec<u8>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for pair in chain.windows(2) {
        let (parent, child) = (pair[0], pair[1]);
        let Ok(entries) = read_tree(repo, &parent, buf) else {
            break;
        };
        if let Some(e) = entries
            .iter()
            .find(|e| e.oid == child && e.kind == gix::objs::tree::EntryKind::Tree)
        {
            parts.push(String::from_utf8_lossy(&e.name).into_owned());
        }
    }
    parts.join("/")
}

/// The path of `name` in the last tree of `chain` (root first).
fn path_of(repo: &Repo, chain: &[ObjectId], name: &[u8], buf: &mut Vec<u8>) -> String {
    let dir = tree_path(repo, chain, buf);
    let name = String::from_utf8_lossy(name);
    if dir.is_empty() {
        name.into_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The given blobs that HEAD's tree holds.
fn head_blobs(repo: &Repo, wanted: &HashSet<BlobId>) -> HashSet<BlobId> {
    if wanted.is_empty() {
        return HashSet::new();
    }
    let Ok(root) = repo.repo.head_tree_id() else {
        return HashSet::new();
    };
    tree_blobs(repo, root.detach(), |_| false)
        .iter()
        .map(|id| blob_id(id))
        .filter(|b| wanted.contains(b))
        .collect()
}

/// Reads the blobs the structure pass found under a path rule's file name and hands each out
/// with its path and the commit that introduced it there, for the path rules to look at.
pub fn scan_named(
    repo: &Repo,
    named: &[(BlobId, Provenance)],
    max_file_size: u64,
    mut visit: impl FnMut(Event<'_>, &Provenance),
) {
    let mut buf = Vec::new();
    for (blob, place) in named {
        let id = ObjectId::from(*blob);
        if let Some(size) = repo.object_size(&id)
            && size > max_file_size
        {
            visit(
                Event::Skipped {
                    path: place.path.clone(),
                    reason: Skip::TooLarge(size),
                },
                place,
            );
            continue;
        }
        match repo.read_blob(&id, &mut buf) {
            Ok(Some(bytes)) => visit(
                Event::Blob(Blob {
                    bytes,
                    path: &place.path,
                    added: None,
                    commit: Some(&place.commit),
                    id: Some(*blob),
                }),
                place,
            ),
            Ok(None) => visit(
                Event::Error(crate::source::Error::Walk {
                    path: place.path.clone(),
                    message: format!("blob {id} is missing"),
                }),
                place,
            ),
            Err(message) => visit(
                Event::Error(crate::source::Error::Walk {
                    path: place.path.clone(),
                    message,
                }),
                place,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tree_entries_are_parsed_and_malformed_ones_stop_the_walk() {
        let mut data = Vec::new();
        data.extend_from_slice(b"100644 a.txt\0");
        data.extend_from_slice(&[1u8; 20]);
        data.extend_from_slice(b"40000 dir\0");
        data.extend_from_slice(&[2u8; 20]);
        let mut seen = Vec::new();
        for_each_tree_entry(&data, |m, n, o| seen.push((m.to_vec(), n.to_vec(), o[0])));
        assert_eq!(
            seen,
            vec![
                (b"100644".to_vec(), b"a.txt".to_vec(), 1),
                (b"40000".to_vec(), b"dir".to_vec(), 2)
            ]
        );
        // a truncated id, a missing NUL, a mode without a space: no panic, no bogus entry (the
        // truncated tree still yields its first, whole entry)
        let cases: [(&[u8], usize); 3] = [
            (&data[..data.len() - 3], 1),
            (b"100644 name-without-nul", 0),
            (b"1006441234567 x\0", 0),
        ];
        for (bad, expected) in cases {
            let mut n = 0;
            for_each_tree_entry(bad, |_, _, _| n += 1);
            assert_eq!(n, expected, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
