//! Compiles the built-in rule files into the binary: parses every `rules/*.yml` at build time
//! (with the same schema as custom rules, `src/rules/spec.rs`) and writes
//! `$OUT_DIR/builtin_rules.rs`, which builds the `RuleSpec`s directly. Parsing YAML at run time
//! cost several milliseconds per start, which `keyhound staged` cannot afford; a broken rule file
//! now fails the build, naming the file, line and column.

use std::fmt::Write as _;
use std::path::Path;

#[allow(dead_code)]
#[path = "src/rules/spec.rs"]
mod spec;

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn strings(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("s({})", lit(s))).collect();
    format!("vec![{}]", items.join(", "))
}

fn emit(out: &mut String, file: &str, r: &spec::RuleSpec) {
    let opt_str = |o: &Option<String>| match o {
        Some(v) => format!("Some(s({}))", lit(v)),
        None => "None".to_string(),
    };
    let _ = writeln!(
        out,
        "        ({file:?}, RuleSpec {{ id: s({}), name: s({}), description: s({}), keywords: {}, \
         regex: s({}), paths: {}, path_regex: None, file: {}, entropy: {}, validator: {}, multiline: {}, fallback: {}, severity: Severity::{:?}, \
         allowlist: AllowlistSpec {{ regexes: {}, stopwords: {}, matches: {}, paths: {} }}, remediation: s({}), \
         references: {}, examples: if examples {{ {} }} else {{ Vec::new() }}, negative: if examples {{ {} }} else {{ Vec::new() }} }}),",
        lit(&r.id),
        lit(&r.name),
        lit(&r.description),
        strings(&r.keywords),
        lit(&r.regex),
        strings(&r.paths),
        r.file,
        match r.entropy {
            Some(e) => format!("Some({e:?}_f64)"),
            None => "None".into(),
        },
        opt_str(&r.validator),
        r.multiline,
        r.fallback,
        r.severity,
        strings(&r.allowlist.regexes),
        strings(&r.allowlist.stopwords),
        strings(&r.allowlist.matches),
        strings(&r.allowlist.paths),
        lit(&r.remediation),
        strings(&r.references),
        strings(&r.examples),
        strings(&r.negative),
    );
}

fn main() {
    // read at run time: `env!` would bake in the folder the build script was compiled in, and a
    // second checkout sharing the target folder would then build the first one's rules
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=src/rules/spec.rs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("rules/ folder is part of the package")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every built-in rule as (file name, spec), generated from rules/*.yml by build.rs. The\n\
         /// examples are only allocated when asked for (`rules check`): a scan does not need them.\n\
         pub(crate) fn builtin_specs(examples: bool) -> Vec<(&'static str, RuleSpec)> {\n    \
         fn s(x: &str) -> String { x.to_string() }\n    vec![\n",
    );
    let mut sources = String::from("pub(crate) static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        let parsed: spec::RuleFileSpec =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        for r in &parsed.rules {
            // built-in path rules say their files with globs (the audit tests names by them)
            assert!(
                r.path_regex.is_none(),
                "rules/{name}: rule {}: `path-regex` is for custom rules; use `paths` globs",
                r.id
            );
            emit(&mut out, &name, r);
        }
        let _ = writeln!(
            sources,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("    ]\n}\n");
    sources.push_str("];\n");
    out.push_str(&sources);
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
