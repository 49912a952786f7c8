#!/usr/bin/env bash
# Relevance with a discovered dictionary (issue 14): per collection, `kite vocab` proposes words from the collection's
# own documents (no queries, no judgments), an index is built with them as the user dictionary, and its run is
# compared with the default analyzer's on the same queries.
#
#   Benchmarks/relevance/vocab.sh [EVAL_DIR] [OUT_DIR]      (TOP=1000 words, MIN_COUNT=5)
#
# Prints per collection: default nDCG@10, with-dictionary nDCG@10, paired difference ± 95% interval, p.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval_dir="${1:-$root/../shared/eval}"
out="${2:-/tmp/kite-relevance-vocab}"
mkdir -p "$out"
(cd "$root" && ${NICE:-} swift build -c release >/dev/null)
kite="$root/.build/release/kite"
for c in ${COLLECTIONS:-qbqtc-dev cmrc2018 drcd}; do
  corpus="$eval_dir/$c/corpus.jsonl"
  [ -f "$out/$c-words.txt" ] || "$kite" vocab "$corpus" --top "${TOP:-1000}" --min-count "${MIN_COUNT:-5}" -o "$out/$c-words.txt" >/dev/null 2>&1
  [ -f "$out/$c-plain/manifest" ] || "$kite" index "$corpus" --index "$out/$c-plain" --passages-over 0 2>/dev/null
  [ -f "$out/$c-dict/manifest" ] || "$kite" index "$corpus" --index "$out/$c-dict" --passages-over 0 --dictionary "$out/$c-words.txt" 2>/dev/null
  for v in plain dict; do
    "$kite" run --index "$out/$c-$v" --queries "$eval_dir/$c/queries.tsv" --output "$out/$c-$v.run" 2>/dev/null
  done
  printf '%s\tdictionary of %s words\t' "$c" "$(grep -vc '^#' "$out/$c-words.txt")"
  python3 "$here/paired.py" "$eval_dir/$c/qrels.txt" "$out/$c-plain.run" "$out/$c-dict.run" --score "$eval_dir/score.py"
done
