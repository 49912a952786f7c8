#!/bin/bash
# How much faster two analysis threads index a corpus than one, beside the machine's own ceiling for that split:
# the corpus's two halves (by bytes, whole lines) indexed as two independent one-thread processes at once.
#
#   Benchmarks/compare/two_threads.sh CORPUS.jsonl [ROUNDS]     (KITE_BIN=… to skip the release build)
#
# Each round times, as whole processes: the corpus with --threads 1; its halves at once, one process each with
# --threads 1 (wall time of the slower); the corpus with --threads 2. Prints each round and the medians of
# one ÷ halves (what two cores give two processes that share nothing) and one ÷ two threads.
set -euo pipefail
CORPUS=${1:?usage: two_threads.sh CORPUS.jsonl [ROUNDS]}
ROUNDS=${2:-7}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${KITE_BIN:-}" ]; then
  (cd "$ROOT" && swift build -c release --product kite >&2)
  KITE_BIN="$ROOT/.build/release/kite"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$CORPUS" "$WORK" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').readlines()
total, acc = sum(map(len, lines)), 0
for i, line in enumerate(lines):
    acc += len(line)
    if acc >= total / 2: break
open(sys.argv[2] + '/half1.jsonl', 'wb').writelines(lines[:i + 1])
open(sys.argv[2] + '/half2.jsonl', 'wb').writelines(lines[i + 1:])
PY
now() { date +%s.%N; }
run() { "$KITE_BIN" index --index "$WORK/$1" "${@:2}" >/dev/null 2>&1; }
echo "round  one-thread-s  halves-at-once-s  two-threads-s  one/halves  one/two"
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK"/i1 "$WORK"/h1 "$WORK"/h2 "$WORK"/i2
  s=$(now); run i1 "$CORPUS" --threads 1; a=$(echo "$(now) - $s" | bc)
  s=$(now); run h1 "$WORK/half1.jsonl" --threads 1 & run h2 "$WORK/half2.jsonl" --threads 1; wait; b=$(echo "$(now) - $s" | bc)
  s=$(now); run i2 "$CORPUS" --threads 2; c=$(echo "$(now) - $s" | bc)
  printf "%5d  %12.2f  %16.2f  %13.2f  %10.3f  %7.3f\n" "$r" "$a" "$b" "$c" "$(echo "$a / $b" | bc -l)" "$(echo "$a / $c" | bc -l)"
done | tee "$WORK/rounds"
python3 - "$WORK/rounds" <<'PY'
import sys, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
print(f"median one/halves {statistics.median(r[4] for r in rows):.3f}, median one/two threads {statistics.median(r[5] for r in rows):.3f}")
PY
