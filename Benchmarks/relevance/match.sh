#!/usr/bin/env bash
# Relevance of the matching modes (issue 11): the default (matching documents first, then related ones) against
# `--match any` (every document with a query term, ranked by score alone), and `--match exact`, on the three
# yardsticks, with the default analyzer and ranking.
#
#   Benchmarks/relevance/match.sh [EVAL_DIR] [OUT_DIR]
#
# Prints per collection and mode: baseline (any) nDCG@10, mode nDCG@10, paired difference ± 95% interval, p.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval_dir="${1:-$root/../shared/eval}"
out="${2:-/tmp/kite-relevance-match}"
mkdir -p "$out"
(cd "$root" && ${NICE:-} swift build -c release >/dev/null)
kite="$root/.build/release/kite"
for c in ${COLLECTIONS:-qbqtc-dev cmrc2018 drcd}; do
  idx="$out/$c-index"
  [ -f "$idx/manifest" ] || ${NICE:-} "$kite" index "$eval_dir/$c/corpus.jsonl" --index "$idx" --passages-over 0 2>/dev/null
  for mode in any related exact; do
    ${NICE:-} "$kite" run --index "$idx" --queries "$eval_dir/$c/queries.tsv" --output "$out/$c-$mode.run" --match "$mode" 2>/dev/null
  done
  for mode in related exact; do
    printf '%s\t%s\t' "$c" "$mode"
    python3 "$here/paired.py" "$eval_dir/$c/qrels.txt" "$out/$c-any.run" "$out/$c-$mode.run" --score "$eval_dir/score.py"
  done
done
