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
(cd "$root" && ${NICE:-} swift build -c release >/dev/null)
kite="$root/.build/release/kite"

# Row name | analyzer flags (index) | ranking flags (run)
rows=(
  "plain BM25 (k1 1.2, b 0.75), ICU words|--no-bigrams --no-fold-traditional --subwords 0|--k1 1.2 --b 0.75 --bigram-weight 0 --phrase-weight 0 --run-unigram-weight 1"
  "+ T→S folding|--no-bigrams --subwords 0|--k1 1.2 --b 0.75 --bigram-weight 0 --phrase-weight 0 --run-unigram-weight 1"
  "+ bigram rescue, weight 1|--subwords 0|--k1 1.2 --b 0.75 --bigram-weight 1 --phrase-weight 0 --run-unigram-weight 1"
  "+ bigrams 0.5, covered characters 0.5|--subwords 0|--k1 1.2 --b 0.75 --bigram-weight 0.5 --phrase-weight 0 --run-unigram-weight 0.5"
  "+ k1 0.5, b 0.9|--subwords 0|--bigram-weight 0.5 --phrase-weight 0 --run-unigram-weight 0.5"
  "+ proximity pairs 0.25|--subwords 0|--full-phrase-weight 0 --proximity-length 0"
  "+ whole-text phrase 0.5 (default before sub-words)|--subwords 0|--proximity-length 0"
  "+ letter/digit parts 0.5|--subwords 1|--proximity-length 0"
  "+ Latin trigrams 0.5|--subwords 3|--proximity-length 0"
  "+ proximity scaled by dl/(dl+20) = default||"
  "default, proximity 1||--phrase-weight 1"
  "default, coverage factor 1||--coordination 1"
  "default without bigrams (weight 0)||--bigram-weight 0 --run-unigram-weight 1"
  "default + bigrams inside Han words 0.5|--subwords 7|"
  "default + BM25+ delta 0.5||--delta 0.5"
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
      ${NICE:-} "$kite" index "$eval_dir/$c/corpus.jsonl" --index "$idx" --passages-over 0 $aflags 2>/dev/null
    fi
    run="$out/$c-$(echo "$name" | tr -c 'a-zA-Z0-9' '_').run"
    # shellcheck disable=SC2086
    ${NICE:-} "$kite" run --index "$idx" --queries "$eval_dir/$c/queries.tsv" --output "$run" $rflags 2>/dev/null
    if [ -z "$base" ]; then base="$run"; fi
    printf '%s\t%s\t' "$c" "$name"
    python3 "$here/paired.py" "$eval_dir/$c/qrels.txt" "$base" "$run" --score "$eval_dir/score.py"
  done
done
