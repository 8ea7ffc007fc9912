#!/usr/bin/env bash
# Installs a keyhound wheel into a fresh virtualenv and checks that it runs; then, with the
# pre-commit framework and this tree's `keyhound-system` hook, times how long a new user takes
# from `pip install` to a blocked commit.
#
#   maturin build --locked --profile dist      # the wheel, into target/wheels/
#   scripts/wheel-smoke.sh [WHEEL]             # default: the newest target/wheels/keyhound-*.whl
#
# Options (environment): PYTHON (default python3), SMOKE_PRE_COMMIT=0 skips the pre-commit part
# (it pip-installs pre-commit from the package index). Exits non-zero on the first failure.
# The fake key is generated here at run time: this repository holds no key-shaped text.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
wheel=${1:-}
if [ -z "$wheel" ]; then
    # shellcheck disable=SC2012 # names are maturin's: no newlines
    wheel=$(ls -t "$root"/target/wheels/keyhound-*.whl 2>/dev/null | head -n 1 || true)
fi
[ -n "$wheel" ] && [ -f "$wheel" ] || {
    echo "wheel-smoke: no wheel (build one: maturin build --locked --profile dist)" >&2
    exit 2
}
wheel=$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")

now() { "$python" -c 'import time; print(time.time())'; }
since() { "$python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }
fail() { echo "wheel-smoke: FAILED: $*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "wheel:   $(basename "$wheel") ($("$python" -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1]) / 1e6:.1f} MB")' "$wheel"))"

# 1. a fresh virtualenv, the wheel alone (no index: it has no dependencies)
"$python" -m venv "$tmp/venv"
bin="$tmp/venv/bin"
[ -d "$tmp/venv/Scripts" ] && bin="$tmp/venv/Scripts"   # Windows
start=$(now)
"$bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheel"
echo "install: $(since "$start") (pip install of the wheel into a fresh virtualenv)"

# 2. the installed command runs and is this version
version=$("$bin/keyhound" --version) || fail "keyhound --version exited $?"
expected=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
case "$version" in
*"$expected"*) echo "version: $version" ;;
*) fail "keyhound --version printed '$version', expected $expected" ;;
esac

# 3. it finds a secret on standard input: a fake classic GitHub token, with a valid checksum
token=$("$python" - <<'EOF'
import random, zlib
b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(random.choice(b62) for _ in range(30))
n, digits = zlib.crc32(body.encode()), ""
while n:
    n, r = divmod(n, 62)
    digits = b62[r] + digits
print("ghp" + "_" + body + digits.rjust(6, "0"))
EOF
)
set +e
out=$(printf 'GITHUB_TOKEN=%s\n' "$token" | "$bin/keyhound" stdin --label smoke.sh 2>&1)
code=$?
set -e
[ "$code" = 1 ] || fail "keyhound stdin exited $code on a fake token (expected 1): $out"
case "$out" in
*github-pat-classic*) echo "stdin:   exit 1, github-pat-classic reported" ;;
*) fail "keyhound stdin did not name github-pat-classic: $out" ;;
esac
case "$out" in
*"$token"*) fail "keyhound stdin printed the secret" ;;
esac

[ "${SMOKE_PRE_COMMIT:-1}" = 0 ] && { echo "wheel-smoke: ok (pre-commit part skipped)"; exit 0; }

# 4. from `pip install` to a blocked commit: keyhound from the wheel and pre-commit from the
#    index into a fresh virtualenv, the `keyhound-system` hook of this tree's manifest
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 PRE_COMMIT_HOME="$tmp/pre-commit-home"
export GIT_AUTHOR_NAME=smoke GIT_AUTHOR_EMAIL=smoke@example.invalid
export GIT_COMMITTER_NAME=smoke GIT_COMMITTER_EMAIL=smoke@example.invalid
hooks="$tmp/hooks" app="$tmp/app"
git init -q -b main "$hooks"
cp "$root/.pre-commit-hooks.yaml" "$hooks/"
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" commit -q -m hooks
rev=$(git -C "$hooks" rev-parse HEAD)
git init -q -b main "$app"
printf '# app\n' >"$app/README.md"
git -C "$app" add README.md
git -C "$app" commit -q -m init

start=$(now)
"$python" -m venv "$tmp/user"
ubin="$tmp/user/bin"
[ -d "$tmp/user/Scripts" ] && ubin="$tmp/user/Scripts"
"$ubin/python" -m pip install --quiet --disable-pip-version-check "$wheel" pre-commit
installed=$(since "$start")
export PATH="$ubin:$PATH"
cd "$app"
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: keyhound-system
EOF
pre-commit install >/dev/null
git add .pre-commit-config.yaml
git commit -q -m "the hook" >/dev/null 2>&1 || fail "a clean commit was blocked"
printf 'export GITHUB_TOKEN=%s\n' "$token" >deploy.sh
git add deploy.sh
set +e
out=$(git commit -m "deploy script" 2>&1)
code=$?
set -e
[ "$code" != 0 ] || fail "the commit adding a fake token was not blocked"
case "$out" in
*github-pat-classic*) ;;
*) fail "the blocked commit did not name github-pat-classic: $out" ;;
esac
[ "$(git rev-list --count HEAD)" = 2 ] || fail "something was committed"
echo "pre-commit: blocked commit $(since "$start") after the start of pip install (keyhound + pre-commit installed in $installed)"
echo "wheel-smoke: ok"
