#!/usr/bin/env bash
# Relevance ablation: every row of the table in README.md, on the three yardsticks, against plain BM25 over ICU words.
#
#   Benchmarks/relevance/ablate.sh [EVAL_DIR] [OUT_DIR]
#
# EVAL_DIR holds qbqtc-dev/, cmrc2018/, drcd/ (corpus.jsonl, queries.tsv, qrels.txt) and score.py
# (default ../shared/eval next to the repository). Prints one line per row and collection:
# collection, row, baseline nDCG@10, row nDCG@10, paired difference ± 95% interval, randomization-test p-value.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval_dir="${1:-$root/../shared/eval}"
out="${2:-/tmp/kite-relevance}"
mkdir -p "$out"
(cd "$root" && swift build -c release >/dev/null)
kite="$root/.build/release/kite"

# Row name | analyzer flags (index) | ranking flags (run)
rows=(
  "plain BM25 (k1 1.2, b 0.75), ICU words|--no-bigrams --no-fold-traditional|--k1 1.2 --b 0.75 --bigram-weight 0 --phrase-weight 0 --run-unigram-weight 1"
  "+ T→S folding|--no-bigrams|--k1 1.2 --b 0.75 --bigram-weight 0 --phrase-weight 0 --run-unigram-weight 1"
  "+ bigram rescue, weight 1|| --k1 1.2 --b 0.75 --bigram-weight 1 --phrase-weight 0 --run-unigram-weight 1"
  "+ bigrams 0.5, covered characters 0.5||--k1 1.2 --b 0.75 --bigram-weight 0.5 --phrase-weight 0 --run-unigram-weight 0.5"
  "+ k1 0.5, b 0.9||--bigram-weight 0.5 --phrase-weight 0 --run-unigram-weight 0.5"
  "+ proximity pairs 0.25||--full-phrase-weight 0"
  "+ whole-text phrase 0.5 = default||"
  "default, proximity 1||--phrase-weight 1"
  "default, coverage factor 1||--coordination 1"
  "default without bigrams (weight 0)||--bigram-weight 0 --run-unigram-weight 1"
)
collections=(${COLLECTIONS:-qbqtc-dev cmrc2018 drcd})
for c in "${collections[@]}"; do
  base=""
  for row in "${rows[@]}"; do
    IFS='|' read -r name aflags rflags <<<"$row"
    key=$(echo "$aflags" | tr -c 'a-z0-9' '_')
    idx="$out/$c-index$key"
    if [ ! -f "$idx/manifest" ]; then
      # shellcheck disable=SC2086
      "$kite" index "$eval_dir/$c/corpus.jsonl" --index "$idx" --passages-over 0 $aflags 2>/dev/null
    fi
    run="$out/$c-$(echo "$name" | tr -c 'a-zA-Z0-9' '_').run"
    # shellcheck disable=SC2086
    "$kite" run --index "$idx" --queries "$eval_dir/$c/queries.tsv" --output "$run" $rflags 2>/dev/null
    if [ -z "$base" ]; then base="$run"; fi
    printf '%s\t%s\t' "$c" "$name"
    python3 "$here/paired.py" "$eval_dir/$c/qrels.txt" "$base" "$run" --score "$eval_dir/score.py"
  done
done
