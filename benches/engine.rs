//! Engine throughput on generated source-like text (code, config, JSON, lockfile lines, decoys such
//! as hashes, UUIDs and placeholders) with real-shaped fake keys planted every ~64 KiB, with all
//! built-in rules loaded and with 80 of them (what adding rules costs). Reports bytes per second;
//! compare runs as ratios.
//!
//! `cargo bench --bench engine`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyhound::rules::{builtin_rules, expand_template};
use keyhound::scan::Engine;
use std::hint::black_box;

const LINES: &[&str] = &[
    "    let config = Config::from_env().context(\"loading configuration\")?;",
    "    for (i, item) in items.iter().enumerate() { total += item.price * i as u64; }",
    "def handle_request(self, request, *args, **kwargs):",
    "        password = os.environ[\"DB_PASSWORD\"]",
    "  \"integrity\": \"sha512-{{base64 86}}==\",",
    "    \"version\": \"4.17.21\", \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\",",
    "// TODO: the token is read from the secret store at start-up, never hard-coded",
    "const apiKey = process.env.API_KEY;",
    "commit {{hex 40}}",
    "id: {{hex 8}}-{{hex 4}}-{{hex 4}}-{{hex 4}}-{{hex 12}}",
    "  <path d=\"M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2z\"/>",
    "github.com/stretchr/testify v1.8.4 h1:{{base64 43}}=",
    "    secret_key: ${SECRET_KEY}",
    "    if (user.token === undefined) { throw new Error('missing token'); }",
    "SELECT id, name, created_at FROM users WHERE email = $1 AND deleted_at IS NULL;",
    "    return hashlib.sha256(data).hexdigest()  # {{hex 64}}",
    "      - name: Checkout\n        uses: actions/checkout@v4",
    "  api_key: \"<YOUR_API_KEY>\"",
    "public static final String DEFAULT_CHARSET = \"UTF-8\";",
    "    buf.extend_from_slice(&header[..n]); // keep the key prefix for the next block",
];

const KEYS: &[&str] = &[
    "GITHUB_TOKEN={{valid github-crc32 ghp_}}",
    "aws_access_key_id = AKIA{{alnumupper 16}}",
    "export NPM_TOKEN={{valid github-crc32 npm_}}",
    "password = \"{{alnum 10}}!{{alnum 6}}\"",
    "SLACK_BOT_TOKEN=xoxb-{{digit 12}}-{{digit 13}}-{{alnum 24}}",
];

fn corpus(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    let mut i = 0usize;
    let mut next_key = 64 * 1024;
    while out.len() < size {
        let line = LINES[(i * 7 + i / 3) % LINES.len()];
        out.extend_from_slice(
            expand_template(line, "bench", i)
                .unwrap_or_default()
                .as_bytes(),
        );
        out.push(b'\n');
        if out.len() >= next_key {
            let k = KEYS[i % KEYS.len()];
            out.extend_from_slice(
                expand_template(k, "bench-key", i)
                    .unwrap_or_default()
                    .as_bytes(),
            );
            out.push(b'\n');
            next_key += 64 * 1024;
        }
        i += 1;
    }
    out
}

fn engine_throughput(c: &mut Criterion) {
    let engine = Engine::new(builtin_rules().expect("built-in rules")).expect("engine");
    let data = corpus(8 << 20);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(20);
    group.bench_function(
        format!("source-like text, {} rules", engine.rules().len()),
        |b| {
            let mut scanner = engine.scanner();
            b.iter(|| black_box(scanner.scan(black_box(&data)).len()))
        },
    );
    // what adding rules costs: 80 rules, namely the generic ones, the ones the planted keys need,
    // and every n-th other one by id (spread over the families)
    let all = builtin_rules().expect("built-in rules");
    let core = |id: &str| {
        id.starts_with("generic-")
            || [
                "github-pat-classic",
                "aws-access-key-id",
                "npm-access-token",
                "slack-bot-token",
                "url-basic-auth-password",
                "jwt",
            ]
            .contains(&id)
    };
    let (mut some, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| core(r.id()));
    let need = 80usize.saturating_sub(some.len()).max(1);
    let step = (rest.len() / need).max(1);
    some.extend(rest.into_iter().step_by(step).take(need));
    let small = Engine::new(some).expect("engine");
    group.bench_function(
        format!("source-like text, {} rules", small.rules().len()),
        |b| {
            let mut scanner = small.scanner();
            b.iter(|| black_box(scanner.scan(black_box(&data)).len()))
        },
    );
    group.bench_function("prefilter only", |b| {
        b.iter(|| black_box(engine.keyword_hits(black_box(&data))))
    });
    group.finish();
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
