//! A finding: one secret of one rule, with every place it occurs. Built by the pipeline from a
//! scan `Match` and the blob's origin; read by the reports.

use crate::location::Location;
use crate::rules::RuleInfo;
use crate::secret::Secret;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub secret: Secret,
    /// Hash of rule id and secret; see `fingerprint`.
    pub fingerprint: String,
    /// The first place (in report order) the secret occurs.
    pub location: Location,
    /// Every other place the same secret of the same rule occurs, sorted.
    pub also_at: Vec<Location>,
    /// Git history: whether HEAD still holds the secret.
    pub present_at_head: Option<bool>,
    /// Git sources: the blob the secret was found in.
    pub blob: Option<crate::source::BlobId>,
    /// The matched text and its line, kept only while allowlists that test them need them.
    pub context: Option<Box<MatchText>>,
    /// How the secret was encoded where it was found (`base64`, `percent`), when keyhound had
    /// to decode the text to see it; the location is the encoded text's.
    pub encoding: Option<&'static str>,
    /// `--context N`: the lines around the first place, every secret in them masked.
    pub excerpt: Option<Box<Excerpt>>,
}

/// Lines around a finding as the human report shows them (`--context`): the finding's secret and
/// every other secret the engine finds in them replaced by `*****`, long lines cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The number of the first line.
    pub first: u32,
    pub lines: Vec<String>,
}

/// The text around a secret that line- and match-targeted allowlists test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchText {
    pub line: Vec<u8>,
    pub matched: Vec<u8>,
}

/// A blob id in hex, as git writes it.
pub fn blob_hex(id: &crate::source::BlobId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

impl Finding {
    /// Report order within a severity: path, line, column, rule.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (
            &self.location.path,
            self.location.start.line,
            self.location.start.column,
            &self.rule.id,
        )
    }
}
