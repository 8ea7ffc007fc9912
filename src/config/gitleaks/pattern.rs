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

/// Keywords from the literal text every match of the regex starts with, when there is such text
/// of at least 3 characters in every alternative.
pub(super) fn literal_keywords(regex: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::Extractor;
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    let seq = Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > 32 {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for l in lits {
        let s = String::from_utf8(l.as_bytes().to_vec())
            .ok()?
            .to_ascii_lowercase();
        if s.trim().len() < 3 {
            return None;
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Some(out)
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

    #[test]
    fn keywords_come_from_literals() {
        assert_eq!(
            literal_keywords("acme_[a-z]{8}"),
            Some(vec!["acme_".to_string()])
        );
        assert_eq!(literal_keywords("[a-z]{8}"), None);
    }
}
