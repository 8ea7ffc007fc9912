//! No rule fires on ordinary open-source-like files: a generated corpus of lockfiles, minified
//! JavaScript, notebooks, SVG and base64 images, go.sum, hashes, UUIDs, public keys and
//! certificates, placeholders, environment lookups and i18n strings. The random parts come from a
//! seeded generator, so a failure repeats; the seed is in the file names.

use super::*;
use std::fmt::Write as _;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
    fn hex(&mut self, n: usize) -> String {
        self.pick(b"0123456789abcdef", n)
    }
    fn b64(&mut self, n: usize) -> String {
        self.pick(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            n,
        )
    }
    fn ident(&mut self) -> String {
        let n = 1 + (self.next() % 3) as usize;
        self.pick(b"abcdefghijklmnopqrstuvwxyz", 1)
            + &self.pick(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789",
                n,
            )
    }
    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }
}

fn package_lock(r: &mut Rng) -> String {
    let mut s =
        String::from("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    for i in 0..300 {
        let name = format!("pkg-{}", r.pick(b"abcdefghijklmnop", 8));
        let _ = writeln!(
            s,
            "    \"node_modules/{name}\": {{\n      \"version\": \"{}.{}.{}\",\n      \"resolved\": \"https://registry.npmjs.org/{name}/-/{name}-1.0.{i}.tgz\",\n      \"integrity\": \"sha512-{}==\",\n      \"license\": \"MIT\"\n    }},",
            i % 7,
            i % 13,
            i % 5,
            r.b64(86)
        );
    }
    s.push_str("    \"\": {}\n  }\n}\n");
    s
}

fn go_sum(r: &mut Rng) -> String {
    let mut s = String::new();
    for i in 0..400 {
        let m = format!(
            "github.com/{}/{}",
            r.pick(b"abcdefghij", 6),
            r.pick(b"klmnopqrs", 7)
        );
        let _ = writeln!(s, "{m} v1.{i}.0 h1:{}=", r.b64(43));
        let _ = writeln!(s, "{m} v1.{i}.0/go.mod h1:{}=", r.b64(43));
    }
    s
}

fn other_locks(r: &mut Rng) -> Vec<(String, String)> {
    let mut cargo = String::from("version = 4\n\n");
    let mut yarn = String::from("# yarn lockfile v1\n\n");
    let mut poetry = String::new();
    let mut pnpm = String::from("lockfileVersion: '9.0'\n\npackages:\n\n");
    for i in 0..200 {
        let _ = writeln!(
            cargo,
            "[[package]]\nname = \"crate-{i}\"\nversion = \"0.{i}.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n",
            r.hex(64)
        );
        let _ = writeln!(
            yarn,
            "lib-{i}@^1.0.0:\n  version \"1.0.{i}\"\n  resolved \"https://registry.yarnpkg.com/lib-{i}/-/lib-{i}-1.0.{i}.tgz#{}\"\n  integrity sha512-{}==\n",
            r.hex(40),
            r.b64(86)
        );
        let _ = writeln!(
            poetry,
            "[[package]]\nname = \"py-{i}\"\nversion = \"2.{i}\"\nfiles = [\n    {{file = \"py_{i}-2.{i}-py3-none-any.whl\", hash = \"sha256:{}\"}},\n]\n",
            r.hex(64)
        );
        let _ = writeln!(
            pnpm,
            "  mod-{i}@3.{i}.0:\n    resolution: {{integrity: sha512-{}==}}\n",
            r.b64(86)
        );
    }
    vec![
        ("Cargo.lock".into(), cargo),
        ("yarn.lock".into(), yarn),
        ("poetry.lock".into(), poetry),
        ("pnpm-lock.yaml".into(), pnpm),
    ]
}

fn minified_js(r: &mut Rng) -> String {
    let mut s = String::from("!function(e,t){\"use strict\";");
    for _ in 0..3000 {
        let (a, b, c) = (r.ident(), r.ident(), r.ident());
        match r.next() % 6 {
            0 => {
                let _ = write!(
                    s,
                    "var {a}={b}({c},\"{}\");",
                    r.pick(
                        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                        24
                    )
                );
            }
            1 => {
                let _ = write!(
                    s,
                    "function {a}({b},{c}){{return {b}.{c}||{b}[\"{}\"]}}",
                    r.hex(8)
                );
            }
            2 => {
                let _ = write!(
                    s,
                    "{a}.prototype.{b}=function(){{this.{c}=0x{};}};",
                    r.hex(6)
                );
            }
            3 => {
                let _ = write!(
                    s,
                    "{a}.token={b}.getToken();{a}.apiKey=process.env.API_KEY;"
                );
            }
            4 => {
                let _ = write!(s, "const {a}=\"{}\";", r.uuid());
            }
            _ => {
                let _ = write!(
                    s,
                    "{a}=[{}];",
                    (0..8)
                        .map(|_| (r.next() % 1000).to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
        }
    }
    s.push_str("}(window);\n//# sourceMappingURL=app.min.js.map\n");
    s
}

fn png_base64(r: &mut Rng, n: usize) -> String {
    // a PNG header and random-looking compressed data, as notebooks and data URIs carry them
    format!("iVBORw0KGgoAAAANSUhEUgAA{}", r.b64(n))
}

fn notebook(r: &mut Rng) -> String {
    let mut cells = Vec::new();
    for i in 0..20 {
        cells.push(format!(
            "{{\"cell_type\": \"code\", \"execution_count\": {i}, \"metadata\": {{}}, \"outputs\": [{{\"data\": {{\"image/png\": \"{}\\n\", \"text/plain\": [\"<Figure size 640x480 with 1 Axes>\"]}}, \"output_type\": \"display_data\"}}], \"source\": [\"import os\\n\", \"api_key = os.environ[\\\"OPENAI_API_KEY\\\"]\\n\", \"df = pd.read_csv(\\\"data-{i}.csv\\\")\"]}}",
            png_base64(r, 6000)
        ));
    }
    format!(
        "{{\"cells\": [{}], \"metadata\": {{\"kernelspec\": {{\"name\": \"python3\"}}}}, \"nbformat\": 4, \"nbformat_minor\": 5}}\n",
        cells.join(", ")
    )
}

fn svg(r: &mut Rng) -> String {
    let mut s =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\">\n");
    for _ in 0..200 {
        let _ = writeln!(
            s,
            "  <path id=\"p{}\" d=\"M{} {}L{} {}Z\" fill=\"#{}\"/>",
            r.hex(6),
            r.next() % 100,
            r.next() % 100,
            r.next() % 100,
            r.next() % 100,
            r.hex(6)
        );
    }
    for _ in 0..5 {
        let _ = writeln!(
            s,
            "  <image href=\"data:image/png;base64,{}\"/>",
            png_base64(r, 20000)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn code(r: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..60 {
        let _ = writeln!(s, "commit = \"{}\"  # git sha", r.hex(40));
        let _ = writeln!(s, "checksum_md5 = \"{}\"", r.hex(32));
        let _ = writeln!(s, "digest = \"sha256:{}\"", r.hex(64));
        let _ = writeln!(s, "request_id = \"{}\"", r.uuid());
        let _ = writeln!(s, "TOKEN_TYPE = \"Bearer\"");
        let _ = writeln!(s, "api_key = os.environ.get(\"API_KEY\")");
        let _ = writeln!(s, "password = os.getenv('DB_PASSWORD', '')");
        let _ = writeln!(s, "secret = config['secret']");
        let _ = writeln!(s, "token = get_token(user_id)");
        let _ = writeln!(s, "password: ${{{{ secrets.DB_PASSWORD }}}}");
        let _ = writeln!(s, "apiKey: \"{{{{ .Values.apiKey }}}}\"");
        let _ = writeln!(s, "API_KEY=<your-api-key-here>");
        let _ = writeln!(s, "SECRET_KEY=changeme");
        let _ = writeln!(s, "password = \"********\"");
        let _ = writeln!(s, "private String password; // set by the container");
        let _ = writeln!(s, "def check_password(password: str) -> bool:");
        let _ = writeln!(s, "    password_hash = bcrypt.hashpw(password, salt)");
        let _ = writeln!(s, "const SECRET_KEY_LENGTH = 32;");
        let _ = writeln!(
            s,
            "tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")"
        );
        let _ = writeln!(
            s,
            "color: #{}; background: url(data:image/png;base64,{});",
            r.hex(6),
            png_base64(r, 200)
        );
    }
    s
}

fn i18n() -> String {
    let mut s = String::from("en:\n  auth:\n");
    for (k, v) in [
        ("password", "Password"),
        ("password_confirmation", "Confirm your password"),
        ("secret_question", "Secret question"),
        (
            "token_expired",
            "Your session token has expired, please sign in again",
        ),
        ("api_key_label", "API key"),
        ("forgot_password", "Forgot your password?"),
        (
            "new_password_hint",
            "At least 12 characters, one of them a digit",
        ),
    ] {
        let _ = writeln!(s, "    {k}: \"{v}\"");
    }
    s.push_str("de:\n  auth:\n    password: \"Passwort\"\n    secret_question: \"Geheimfrage\"\n");
    s
}

fn keys_and_certs(r: &mut Rng) -> String {
    let mut s = String::new();
    for i in 0..10 {
        let _ = writeln!(
            s,
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{} user{i}@host",
            r.b64(340)
        );
        let _ = writeln!(
            s,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} deploy@ci",
            r.b64(43)
        );
    }
    s.push_str("-----BEGIN CERTIFICATE-----\n");
    for _ in 0..20 {
        let _ = writeln!(s, "{}", r.b64(64));
    }
    s.push_str("-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\n");
    for _ in 0..6 {
        let _ = writeln!(s, "{}", r.b64(64));
    }
    s.push_str("-----END PUBLIC KEY-----\n");
    s
}

fn corpus(seed: u64) -> Vec<(String, String)> {
    let mut r = Rng(seed | 1);
    let mut files = vec![
        ("package-lock.json".to_string(), package_lock(&mut r)),
        ("go.sum".to_string(), go_sum(&mut r)),
        ("dist/app.min.js".to_string(), minified_js(&mut r)),
        ("notebooks/analysis.ipynb".to_string(), notebook(&mut r)),
        ("assets/logo.svg".to_string(), svg(&mut r)),
        ("src/app.py".to_string(), code(&mut r)),
        ("config/locales/en.yml".to_string(), i18n()),
        ("docs/keys.txt".to_string(), keys_and_certs(&mut r)),
    ];
    files.extend(other_locks(&mut r));
    files
}

#[test]
fn no_rule_fires_on_ordinary_code_lockfiles_and_encoded_media() {
    for seed in [1u64, 2, 3] {
        let t = tempfile::tempdir().expect("tempdir");
        for (name, text) in corpus(seed) {
            write(t.path(), &name, text);
        }
        // one planted key shows the corpus was really scanned
        write(
            t.path(),
            "control.conf",
            format!("GITHUB_TOKEN={}\n", github_token()),
        );
        let (code, out, err) = run(
            &["dir", "--format", "json", "--max-file-size", "50M"],
            t.path(),
        );
        let found: Vec<String> = json_of(&out)["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!("{} in {}:{}", f["rule_id"], f["path"], f["line"]))
            .collect();
        assert_eq!(
            found,
            vec!["\"github-pat-classic\" in \"control.conf\":1".to_string()],
            "seed {seed}"
        );
        assert_eq!(code, 1, "seed {seed}: {err}");
    }
}
