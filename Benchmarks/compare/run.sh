#!/usr/bin/env bash
# run.sh CORPUS.jsonl [OUTDIR] -- Kite side by side with bare ICU word breaking, tantivy and SQLite FTS5.
#
# CORPUS.jsonl: one document per line, {"id", "text"[, "title"]}. OUTDIR (default: Benchmarks/.build/compare)
# receives results.json, RESULTS.md (the Markdown table, also printed) and work/ (docs.txt, tok.jsonl, queries.txt,
# indexes, logs). What is measured, and how, is described in compare.py.
#
# Needs: swift, cc, pkg-config and ICU headers (Debian: libicu-dev pkg-config gcc), python3 with venv. Builds Kite in
# release at the repository root and kite-query-bench in the Benchmarks package; creates a Python venv with tantivy in
# $KITE_COMPARE_CACHE (default ~/.cache/kite-compare). A peer that cannot be installed is reported as failed.
#
# Environment: RUNS=3 (index-build rounds), REPS=5 (timed query passes), PEERS="tantivy sqlite",
#   TANTIVY_SPEC="tantivy==0.27.0" (pip requirement), FTS5_TOKENIZE=ascii, KITE_BIN / QUERY_BENCH_BIN (skip builds).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
CORPUS=$(readlink -f "${1:?usage: run.sh CORPUS.jsonl [OUTDIR]}")
[ -f "$CORPUS" ] || { echo "run.sh: no such corpus: $CORPUS" >&2; exit 2; }
OUT=$(readlink -m "${2:-$BENCH/.build/compare}")
CACHE=${KITE_COMPARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kite-compare}
RUNS=${RUNS:-3}
REPS=${REPS:-5}
PEERS=${PEERS:-"tantivy sqlite"}
TANTIVY_SPEC=${TANTIVY_SPEC:-tantivy==0.27.0}
mkdir -p "$OUT/bin" "$CACHE"
log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
START=$(date +%s)

for tool in swift cc pkg-config python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 2; }
done
pkg-config --exists icu-uc || { echo "run.sh: ICU development files not found (apt-get install libicu-dev)" >&2; exit 2; }

# 1. Kite in release, and the per-query latency tool.
if [ -n "${KITE_BIN:-}" ]; then
  KITE=$KITE_BIN
else
  log "swift build -c release (repository root)"
  (cd "$ROOT" && swift build -c release >&2)
  KITE="$(cd "$ROOT" && swift build -c release --show-bin-path)/kite"
fi
if [ -n "${QUERY_BENCH_BIN:-}" ]; then
  QB=$QUERY_BENCH_BIN
else
  log "swift build -c release --product kite-query-bench (Benchmarks package)"
  if (cd "$BENCH" && swift build -c release --product kite-query-bench >&2); then
    QB="$(cd "$BENCH" && swift build -c release --show-bin-path)/kite-query-bench"
  else
    log "kite-query-bench did not build: Kite's query latency will be missing"
    QB=""
  fi
fi

# 2. The ICU floor / tokenizer (ours), and the shared reference tokenizer as a cross-check where it exists.
log "cc icu_words.c"
cc -O2 -o "$OUT/bin/icu_words" "$HERE/icu_words.c" $(pkg-config --cflags --libs icu-uc)
REF=""
REF_SRC="$ROOT/../shared/bench/peers/icu_tok.c"
if [ -f "$REF_SRC" ] && cc -O2 -o "$OUT/bin/icu_tok_ref" "$REF_SRC" $(pkg-config --cflags --libs icu-uc icu-i18n) 2>/dev/null; then
  REF="$OUT/bin/icu_tok_ref"
fi

# 3. Python: a venv with tantivy (SQLite's FTS5 comes with the standard library's sqlite3).
PY=python3
if [ -x "$CACHE/venv/bin/python" ] || python3 -m venv "$CACHE/venv" >&2; then
  PY="$CACHE/venv/bin/python"
  if [[ " $PEERS " == *" tantivy "* ]] && ! "$PY" -c 'import tantivy' 2>/dev/null; then
    log "pip install $TANTIVY_SPEC"
    "$PY" -m pip install -q "$TANTIVY_SPEC" >&2 || "$PY" -m pip install -q tantivy >&2 \
      || log "tantivy did not install: it will be reported as failed"
  fi
else
  log "python3 -m venv failed: tantivy will be reported as failed"
fi

log "measuring (RUNS=$RUNS REPS=$REPS PEERS=$PEERS)"
"$PY" "$HERE/compare.py" run --corpus "$CORPUS" --out "$OUT" --kite "$KITE" ${QB:+--query-bench "$QB"} \
  --icu-words "$OUT/bin/icu_words" ${REF:+--reference-icu-tok "$REF"} --runs "$RUNS" --reps "$REPS" --peers "$PEERS"
log "done in $(( $(date +%s) - START )) s; $OUT/RESULTS.md, $OUT/results.json"
