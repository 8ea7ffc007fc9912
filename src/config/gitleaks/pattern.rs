//! What a gitleaks rule's regex implies for keyhound: its secret group named `secret` (gitleaks
//! numbers it, keyhound names it) and keywords derived from the literal text every match starts
//! with (keyhound runs a rule only where one of its keywords occurs). Pure functions of the
//! pattern; no TOML, no YAML.

/// Names the secret group `secret`: gitleaks' `secretGroup` N, or else the first capture group,
/// or else the whole match (what gitleaks takes as the secret).
pub(super) fn name_secret_group(
    regex: &str,
    group: Option<usize>,
) -> Result<(String, Option<String>), String> {
    use regex_syntax::ast::{self, Ast};
    let parsed = ast::parse::Parser::new()
        .parse(regex)
        .map_err(|e| format!("its regex does not parse: {}", e.kind()))?;
    // capture groups in order of their opening parenthesis: (index, start offset, name span)
    type Group = (u32, usize, Option<(usize, usize)>);
    let mut groups: Vec<Group> = Vec::new();
    let mut stack = vec![&parsed];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Group(g) => {
                match &g.kind {
                    ast::GroupKind::CaptureIndex(i) => groups.push((*i, g.span.start.offset, None)),
                    ast::GroupKind::CaptureName { name, .. } => groups.push((
                        name.index,
                        g.span.start.offset,
                        Some((name.span.start.offset, name.span.end.offset)),
                    )),
                    ast::GroupKind::NonCapturing(_) => {}
                }
                stack.push(&g.ast);
            }
            Ast::Concat(c) => stack.extend(c.asts.iter().rev()),
            Ast::Alternation(a) => stack.extend(a.asts.iter().rev()),
            Ast::Repetition(r) => stack.push(&r.ast),
            _ => {}
        }
    }
    if groups
        .iter()
        .any(|(_, _, n)| n.is_some_and(|(s, e)| &regex[s..e] == "secret"))
    {
        return Ok((regex.to_string(), None));
    }
    let wanted = match group {
        Some(n) if n > 0 => Some(n as u32),
        _ if groups.is_empty() => None,
        _ => Some(1),
    };
    let note = match (group, groups.len()) {
        (None | Some(0), n) if n > 1 => Some(
            "no secretGroup and several capture groups: the first is taken as the secret (gitleaks takes the first non-empty one)".to_string(),
        ),
        _ => None,
    };
    match wanted {
        None => Ok((format!("(?P<secret>{regex})"), note)),
        Some(n) => {
            let Some(&(_, open, name)) = groups.iter().find(|(i, _, _)| *i == n) else {
                return Err(format!("secretGroup {n} does not exist in its regex"));
            };
            let out = match name {
                Some((s, e)) => format!("{}secret{}", &regex[..s], &regex[e..]),
                None => format!("{}(?P<secret>{}", &regex[..open], &regex[open + 1..]),
            };
            Ok((out, note))
        }
    }
}

/// At most this many keywords are derived for one rule; more says the regex has no specific text.
const MAX_KEYWORDS: usize = 32;

/// Keywords for a rule that has none: literal text of at least 3 characters such that every
/// match of the regex contains one of them (keyhound runs a rule only where one of its keywords
/// occurs, so a derived keyword must never hide a match). Found on the case-folded pattern (a
/// `(?i)` regex gives its literals in lowercase: the prefilter ignores case), from the literal
/// prefixes of the whole regex, of each branch of an alternation, or of any one part every match
/// passes through (`[a-z]+_(aws|amazon)_key` gives `_aws_key`, `_amazon_key`). A literal stops at
/// whitespace or a control character (`secret_key\s*=` gives `secret_key`, not one keyword per
/// kind of space). `None` when no such set exists.
pub(super) fn literal_keywords(regex: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    let mut out = required(&fold_case(&hir))?;
    out.sort();
    out.dedup();
    // a keyword that contains another adds nothing: wherever it occurs, the shorter one does
    let all = out.clone();
    out.retain(|k| !all.iter().any(|o| o != k && k.contains(o.as_str())));
    Some(out)
}

/// The pattern with every class that is one ASCII letter in both cases (what `(?i)` makes of a
/// letter) replaced by the lowercase letter, so that literal extraction sees text, not classes.
fn fold_case(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};
    match hir.kind() {
        HirKind::Class(Class::Bytes(c)) => {
            let r = c.ranges();
            let letter = |lo: u8, up: u8| lo.is_ascii_lowercase() && up == lo.to_ascii_uppercase();
            if let [a, b] = r
                && a.start() == a.end()
                && b.start() == b.end()
                && letter(b.start(), a.start())
            {
                return Hir::literal([b.start()]);
            }
            hir.clone()
        }
        HirKind::Class(Class::Unicode(c)) => {
            let r = c.ranges();
            if let [a, b] = r
                && a.start() == a.end()
                && b.start() == b.end()
                && b.start().is_ascii_lowercase()
                && a.start() == b.start().to_ascii_uppercase()
            {
                return Hir::literal(b.start().to_string().into_bytes());
            }
            hir.clone()
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(fold_case(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(fold_case(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(fold_case).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(fold_case).collect()),
        _ => hir.clone(),
    }
}

/// A set of literals (lowercase, 3+ characters) one of which every match of `hir` contains.
fn required(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::HirKind;
    let mut best = prefixes(hir);
    let mut consider = |c: Option<Vec<String>>| {
        if let Some(c) = c
            && best.as_ref().is_none_or(|b| better(&c, b))
        {
            best = Some(c);
        }
    };
    match hir.kind() {
        HirKind::Capture(c) => consider(required(&c.sub)),
        HirKind::Repetition(r) if r.min > 0 => consider(required(&r.sub)),
        HirKind::Concat(parts) => {
            for p in parts {
                consider(required(p));
            }
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required(b)?);
                if all.len() > MAX_KEYWORDS {
                    return best;
                }
            }
            consider(Some(all));
        }
        _ => {}
    }
    best
}

/// The more selective set: a longer shortest keyword (`aws_key`, `amazon_key` over `_key`), then
/// fewer keywords.
fn better(a: &[String], b: &[String]) -> bool {
    let shortest = |v: &[String]| v.iter().map(String::len).min().unwrap_or(0);
    (std::cmp::Reverse(shortest(a)), a.len()) < (std::cmp::Reverse(shortest(b)), b.len())
}

/// The literal prefixes every match of `hir` starts with, each cut at its first byte that is
/// not visible ASCII; `None` when there is no finite set or one is shorter than 3.
fn prefixes(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::Extractor;
    // classes end a literal rather than multiply it (`bar_[0-9]` gives `bar_`, not ten
    // keywords); `(?i)` letters are literals by now (`fold_case`)
    let seq = Extractor::new().limit_class(1).extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > MAX_KEYWORDS * 8 {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for l in lits {
        let bytes = l.as_bytes();
        let end = bytes
            .iter()
            .position(|b| !b.is_ascii_graphic())
            .unwrap_or(bytes.len());
        if end < 3 {
            return None;
        }
        let s = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    (out.len() <= MAX_KEYWORDS).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_groups_are_named() {
        let (r, _) = name_secret_group("key=([a-z]+)-(\\d+)", Some(2)).expect("ok");
        assert_eq!(r, "key=([a-z]+)-(?P<secret>\\d+)");
        let (r, _) = name_secret_group("(?i)acme_(?P<tok>[a-z]{8})", None).expect("ok");
        assert_eq!(r, "(?i)acme_(?P<secret>[a-z]{8})");
        let (r, _) = name_secret_group("acme_[a-z]{8}", None).expect("ok");
        assert_eq!(r, "(?P<secret>acme_[a-z]{8})");
        assert!(name_secret_group("a(b)", Some(3)).is_err());
    }

    fn kw(regex: &str) -> Option<Vec<String>> {
        literal_keywords(regex)
    }

    fn v(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn keywords_come_from_literals() {
        assert_eq!(kw("acme_[a-z]{8}"), v(&["acme_"]));
        assert_eq!(kw("[a-z]{8}"), None);
    }

    #[test]
    fn a_literal_stops_at_whitespace_classes() {
        // `\s` is [\t\n\v\f\r ]: expanding it gave one keyword per kind of space, control
        // characters included, which the written YAML could not hold
        assert_eq!(kw(r"secret_key\s*=\s*[a-z]+"), v(&["secret_key"]));
        assert_eq!(
            kw(r"secret_key\s=\s*(?P<secret>[a-z]+)"),
            v(&["secret_key"])
        );
        assert_eq!(kw(r"key\s[a-z]+"), v(&["key"]));
    }

    #[test]
    fn case_folded_and_alternated_literals_give_keywords() {
        assert_eq!(
            kw(r"(?i)(aws|amazon)_key\s*=\s*([a-z0-9]{16})"),
            v(&["amazon_key", "aws_key"])
        );
        // the longest text every match holds
        assert_eq!(kw(r"(?i)acme[_-]?token"), v(&["token"]));
        assert_eq!(
            kw(r"(?i)\b(?:ACME|Foo)Bar_[0-9]+"),
            v(&["acmebar_", "foobar_"])
        );
        // an inner part every match passes through
        assert_eq!(
            kw(r"[a-z0-9]{4,}_(?:prod|stage)_token=[a-z]+"),
            v(&["_token="])
        );
        assert_eq!(kw(r"[a-z]{4}(?:prod|stage)[0-9]+"), v(&["prod", "stage"]));
        // branches that each have literals
        assert_eq!(kw(r"(?:tok_[a-z]+|[0-9]+_secret)"), v(&["_secret", "tok_"]));
    }

    #[test]
    fn no_keywords_when_some_match_has_no_literal() {
        assert_eq!(kw(r"(?i)[\w.-]{0,50}(?:key|pw)[\s=:]+([a-z0-9]{32})"), None);
        assert_eq!(kw(r"(?:tok_[a-z]+|[0-9]{40})"), None);
        assert_eq!(kw(r"(ab|cd)[0-9]+"), None);
    }

    #[test]
    fn derived_keywords_find_every_match() {
        // soundness: each sample's match contains a derived keyword (case-insensitively)
        for (re, sample) in [
            (
                r"(?i)(aws|amazon)_key\s*=\s*[a-z0-9]{4}",
                "AMAZON_KEY = ab12",
            ),
            (r"secret_key\s*=\s*[a-z]+", "secret_key\t=abc"),
            (
                r"[a-z0-9]{4,}_(?:prod|stage)_token=[a-z]+",
                "abcd_stage_token=x",
            ),
        ] {
            let keys = kw(re).expect("keywords");
            let m = regex::Regex::new(re)
                .expect("regex")
                .find(sample)
                .expect("match");
            let text = m.as_str().to_ascii_lowercase();
            assert!(
                keys.iter().any(|k| text.contains(k.as_str())),
                "{re}: {keys:?}"
            );
        }
    }
}
