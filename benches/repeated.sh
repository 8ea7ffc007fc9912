#!/usr/bin/env bash
# One secret repeated on N lines of one file: the time must grow linearly with N (grouping the
# places of one secret is a hash set, not a list search). Scans a generated file of N lines and
# one of 8N lines through `keyhound stdin` (and `dir`), each ROUNDS times, and prints the medians
# and their ratio (linear: about 8x; the issue's bar: at most 10x). With BASELINE=path, an
# earlier build runs on the same files in the same rounds.
#
#   benches/repeated.sh [N] [ROUNDS]        (default 20000 lines, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
rounds=${2:-3}
bin=${KEYHOUND:-target/release/keyhound}
[ -x "$bin" ] || cargo build --locked --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a fake AWS key pair, generated (no key-shaped text in this repository)
python3 - "$work" "$n" <<'PY'
import random, string, sys
work, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
key = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
secret = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
line = f"aws_access_key_id={key} aws_secret_access_key={secret}\n"
for name, count in (("small", n), ("large", 8 * n)):
    with open(f"{work}/{name}.txt", "w") as f:
        f.write(line * count)
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_one() { # prints seconds; exit 1 (findings) is success here
    local start end rc
    start=$(date +%s%N)
    set +e
    "$@" >/dev/null 2>&1
    rc=$?
    set -e
    end=$(date +%s%N)
    if [ "$rc" -gt 1 ]; then echo FAILED; return; fi
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f\n", (b - a) / 1e9}'
}
for tool in "$bin" ${BASELINE:+"$BASELINE"}; do
    for size in small large; do
        : > "$work/$size.times"
    done
    for _ in $(seq "$rounds"); do
        for size in small large; do
            time_one "$tool" stdin -q --label "$size.txt" < "$work/$size.txt" >> "$work/$size.times"
        done
    done
    if grep -q FAILED "$work"/*.times; then
        echo "$tool: FAILED (exit status over 1)"
        continue
    fi
    s=$(median < "$work/small.times")
    l=$(median < "$work/large.times")
    awk -v t="$tool" -v n="$n" -v s="$s" -v l="$l" \
        'BEGIN {printf "%s: %d lines %.3f s, %d lines %.3f s: %.1fx for 8x the lines\n", t, n, s, 8 * n, l, l / s}'
done
