//! `keyhound git --range BASE..HEAD`: the commits reachable from HEAD and not from BASE, each
//! against its parent(s), added lines only. A merge reports only what none of its parents had. A
//! base of all zeros (a new branch being pushed) means "not reachable from any other ref". A
//! missing base (a shallow clone) is an error that says how to fetch enough history, never a
//! silent pass.

use super::{Change, Error, Repo, blob_id, diff_trees, one_line};
use crate::location::CommitInfo;
use crate::source::lines::{LineSet, added_against_all};
use crate::source::{Blob, Event, Skip};
use gix::ObjectId;
use gix::prelude::FindExt;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct RangeOptions {
    /// `BASE..TIP`; an empty TIP means HEAD.
    pub range: String,
    pub max_file_size: u64,
}

/// What the range held.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeStats {
    pub commits: usize,
}

enum Endpoint {
    Found(ObjectId),
    Missing(String),
}

fn resolve(repo: &Repo, rev: &str) -> Result<Endpoint, Error> {
    if let Ok(id) = ObjectId::from_hex(rev.as_bytes()) {
        return Ok(if repo.repo.has_object(id) {
            Endpoint::Found(peel(repo, rev, id)?)
        } else {
            Endpoint::Missing(rev.to_string())
        });
    }
    match repo.repo.rev_parse_single(rev) {
        Ok(id) => Ok(Endpoint::Found(peel(repo, rev, id.detach())?)),
        Err(e)
            if e.is_not_found()
                && (rev.len() >= 7 && rev.bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            Ok(Endpoint::Missing(rev.to_string()))
        }
        Err(e) => Err(Error::BadRevision {
            rev: rev.to_string(),
            message: revision_problem(repo, &e),
        }),
    }
}

/// Why a revision does not resolve, in the user's terms. gix wraps the reason in frames that name
/// its parser's internals (`delegate.traverse(NthAncestor(5)) failed, input="~5"`); only the
/// innermost one, the reason, is shown.
pub(super) fn revision_problem(repo: &Repo, e: &gix::Error) -> String {
    let reason = e
        .iter_errors()
        .last()
        .map_or_else(|| e.to_string(), |c| c.to_string());
    let mut chars = reason.chars();
    let reason = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => one_line(e),
    };
    if reason.contains("ancestors along the first parent") {
        let why = if repo.is_shallow() {
            "this is a shallow clone: fetch more history (`git fetch --deepen=N`) and run again"
        } else {
            "the history is shorter than that"
        };
        format!("no such revision: {reason}; {why}")
    } else if reason.contains("out of range") {
        format!("no such revision: {reason}")
    } else if e.is_not_found() {
        format!("no such revision in this repository: {reason}")
    } else {
        reason
    }
}

fn peel(repo: &Repo, rev: &str, id: ObjectId) -> Result<ObjectId, Error> {
    let bad = |m: String| Error::BadRevision {
        rev: rev.to_string(),
        message: m,
    };
    let obj = repo.repo.find_object(id).map_err(|e| bad(one_line(&e)))?;
    obj.peel_to_kind(gix::objs::Kind::Commit)
        .map(|c| c.id)
        .map_err(|e| bad(format!("does not name a commit ({})", one_line(&e))))
}

/// Every ref tip that is a commit, except `except`.
fn other_ref_tips(repo: &Repo, except: ObjectId) -> Result<Vec<ObjectId>, Error> {
    let refs = repo
        .repo
        .references()
        .map_err(|e| Error::git("refs", one_line(&e)))?;
    let all = refs.all().map_err(|e| Error::git("refs", one_line(&e)))?;
    let mut tips = Vec::new();
    for r in all.flatten() {
        let mut r = r;
        let Ok(id) = r.peel_to_id() else { continue };
        let id = id.detach();
        if id == except {
            continue;
        }
        if let Ok(h) = repo.repo.find_header(id)
            && h.kind() == gix::objs::Kind::Commit
        {
            tips.push(id);
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Calls `visit` for every file version the range's commits add lines to.
pub fn scan(
    repo: &Repo,
    opts: &RangeOptions,
    mut visit: impl FnMut(Event<'_>),
) -> Result<RangeStats, Error> {
    let Some((base, tip)) = opts
        .range
        .split_once("..")
        .filter(|(_, t)| !t.starts_with('.'))
    else {
        return Err(Error::BadRevision {
            rev: opts.range.clone(),
            message:
                "expected BASE..TIP, e.g. origin/main..HEAD or the push event's before..after ids"
                    .into(),
        });
    };
    let tip = if tip.is_empty() { "HEAD" } else { tip };
    let tip = match resolve(repo, tip)? {
        Endpoint::Found(id) => id,
        Endpoint::Missing(t) => return Err(Error::MissingTip { tip: t }),
    };
    let hidden = if !base.is_empty() && base.bytes().all(|b| b == b'0') {
        other_ref_tips(repo, tip)?
    } else {
        let base = if base.is_empty() { "HEAD" } else { base };
        match resolve(repo, base)? {
            Endpoint::Found(id) => vec![id],
            Endpoint::Missing(b) => {
                return Err(Error::MissingBase {
                    base: b,
                    shallow: repo.is_shallow(),
                });
            }
        }
    };
    let shallow = repo.shallow_commits();
    let walk = repo
        .repo
        .rev_walk([tip])
        .with_hidden(hidden)
        .all()
        .map_err(|e| Error::git("walking the range", one_line(&e)))?;
    let mut commits = Vec::new();
    for info in walk {
        let info = info.map_err(|e| Error::git("walking the range", e))?;
        if shallow.binary_search(&info.id).is_ok() {
            return Err(Error::MissingBase {
                base: base.to_string(),
                shallow: true,
            });
        }
        commits.push(info.id);
    }
    let mut buf = Vec::new();
    let (mut new_buf, mut old_bufs) = (Vec::new(), Vec::<Vec<u8>>::new());
    for &id in &commits {
        let (tree, parents) = {
            let c = repo
                .repo
                .objects
                .find_commit(&id, &mut buf)
                .map_err(|e| Error::git(format!("commit {id}"), one_line(&e)))?;
            (c.tree(), c.parents().collect::<Vec<_>>())
        };
        let changes = match changes_of(repo, tree, &parents) {
            Ok(c) => c,
            Err(message) => {
                visit(Event::Error(crate::source::Error::Walk {
                    path: format!("commit {id}"),
                    message,
                }));
                continue;
            }
        };
        if changes.is_empty() {
            continue;
        }
        let info: CommitInfo = repo.commit_info(id, &mut buf)?;
        for (change, olds) in changes {
            if let Some(size) = repo.object_size(&change.new)
                && size > opts.max_file_size
            {
                visit(Event::Skipped {
                    path: change.path.clone(),
                    reason: Skip::TooLarge(size),
                });
                continue;
            }
            let new = match repo.read_blob(&change.new, &mut new_buf) {
                Ok(Some(b)) => b,
                Ok(None) => {
                    visit(Event::Error(crate::source::Error::Walk {
                        path: change.path.clone(),
                        message: format!("object {} of commit {id} is missing", change.new),
                    }));
                    continue;
                }
                Err(message) => {
                    visit(Event::Error(crate::source::Error::Walk {
                        path: change.path.clone(),
                        message,
                    }));
                    continue;
                }
            };
            old_bufs.resize_with(olds.len(), Vec::new);
            let mut old_slices: Vec<&[u8]> = Vec::with_capacity(olds.len());
            for (old, ob) in olds.iter().zip(old_bufs.iter_mut()) {
                let bytes: &[u8] = match old {
                    Some(o) => repo.read_blob(o, ob).ok().flatten().unwrap_or(&[]),
                    None => &[],
                };
                old_slices.push(bytes);
            }
            let added: LineSet = if old_slices.is_empty() {
                LineSet::All
            } else {
                added_against_all(&old_slices, new)
            };
            if added.is_empty() {
                continue;
            }
            visit(Event::Blob(Blob {
                bytes: new,
                path: &change.path,
                added: Some(&added),
                commit: Some(&info),
                id: Some(blob_id(&change.new)),
            }));
        }
    }
    Ok(RangeStats {
        commits: commits.len(),
    })
}

/// A changed file and its version in each parent (None: absent there).
type ChangeWithParents = (Change, Vec<Option<ObjectId>>);

/// The files a commit changes, each with its version in every parent (None: absent there). For a
/// merge, only files that differ from every parent.
fn changes_of(
    repo: &Repo,
    tree: ObjectId,
    parents: &[ObjectId],
) -> Result<Vec<ChangeWithParents>, String> {
    let mut buf = Vec::new();
    let parent_trees: Vec<ObjectId> = parents
        .iter()
        .map(|p| {
            repo.repo
                .objects
                .find_commit(p, &mut buf)
                .map(|c| c.tree())
                .map_err(|e| format!("parent {p}: {}", one_line(&e)))
        })
        .collect::<Result<_, _>>()?;
    if parent_trees.is_empty() {
        let mut out = Vec::new();
        diff_trees(repo, None, tree, &mut out)?;
        return Ok(out.into_iter().map(|c| (c, Vec::new())).collect());
    }
    let mut per_parent: Vec<HashMap<String, Change>> = Vec::new();
    for pt in &parent_trees {
        let mut out = Vec::new();
        diff_trees(repo, Some(*pt), tree, &mut out)?;
        per_parent.push(out.into_iter().map(|c| (c.path.clone(), c)).collect());
    }
    let (first, rest) = per_parent.split_first().ok_or("no parents")?;
    let mut result: Vec<ChangeWithParents> = first
        .values()
        .filter(|c| rest.iter().all(|m| m.contains_key(&c.path)))
        .map(|c| {
            let olds = per_parent
                .iter()
                .map(|m| m.get(&c.path).and_then(|x| x.old))
                .collect();
            (c.clone(), olds)
        })
        .collect();
    result.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(result)
}
