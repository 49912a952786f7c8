#!/usr/bin/env bash
# What sharding costs, measured in one run on one corpus (README.md, "Shards"):
#  1. indexing wall time of the Spark job (4 shards, local[1] and local[2], one `kite index --threads 1` per shard)
#     against plain `kite index --threads 1` and `--threads 2` of the same corpus, RUNS times each, medians;
#  2. query latency (Benchmarks' kite-query-bench: OR, AND and Kite's default matching, 200 queries, median of REPS
#     passes) over one index and over sets of 4 and 16 shards, every index merged to one segment per shard.
#
#   RUNS=3 REPS=5 bash Scale/spark/bench.sh [CORPUS] [OUT_DIR]
# (QUERIES_ONLY=1 keeps OUT_DIR's index times and indexes and measures the queries again.)
# Needs a release kite (KITE, default .build/release/kite), Benchmarks/.build/release/kite-query-bench, pyspark.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
KITE=$(realpath "${KITE:-.build/release/kite}")
QBENCH=$(realpath "${QBENCH:-Benchmarks/.build/release/kite-query-bench}")
CORPUS=$(realpath "${1:-../shared/corpus/laws.jsonl}")
OUT=$(realpath -m "${2:-/tmp/kite-shard-bench}")
RUNS=${RUNS:-3}
REPS=${REPS:-5}
mkdir -p "$OUT"
quiet() { grep -v -e WARN -e log4j -e setLogLevel -e '^\s*$' >&2 || true; }
seconds() { python3 -c 'import sys, time; print(f"{time.time():.3f}")'; }

if [ -z "${QUERIES_ONLY:-}" ]; then
: > "$OUT/index_times.tsv"
for run in $(seq "$RUNS"); do
    for threads in 1 2; do
        rm -rf "$OUT/single"
        t0=$(seconds); "$KITE" index --index "$OUT/single" --threads "$threads" "$CORPUS" 2> /dev/null; t1=$(seconds)
        echo -e "kite index --threads $threads\t$(python3 -c "print($t1 - $t0)")" >> "$OUT/index_times.tsv"
    done
    for cores in 1 2; do
        rm -rf "$OUT/set4"
        t0=$(seconds)
        python3 Scale/spark/kite_shards.py --kite "$KITE" --shards 4 --output "$OUT/set4" --master "local[$cores]" \
            "$CORPUS" 2> >(quiet)
        t1=$(seconds)
        echo -e "spark local[$cores], 4 shards\t$(python3 -c "print($t1 - $t0)")" >> "$OUT/index_times.tsv"
    done
done

# Indexes for the query latencies: one (merged), 4 and 16 shards (each merged).
"$KITE" merge --index "$OUT/single" > /dev/null
for shards in 4 16; do
    rm -rf "$OUT/set$shards"
    python3 Scale/spark/kite_shards.py --kite "$KITE" --shards "$shards" --output "$OUT/set$shards" --merge \
        --master 'local[2]' "$CORPUS" 2> >(quiet)
done
fi
python3 - "$CORPUS" "$OUT/queries.txt" <<'EOF'
import sys
sys.path.insert(0, "Scale/spark")
from check_shards import HAN, draw_queries
# 200 queries of 1-3 chunks (2-4 Han characters from the corpus), seed 42, words separated by spaces.
queries = draw_queries(sys.argv[1], 200, 42)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for q in queries:
        words = [w.strip('"') for w in q.split() if HAN.match(w.strip('"'))]
        f.write(" ".join(words) + "\n")
EOF
for index in single set4 set16; do
    "$QBENCH" "$OUT/$index" "$OUT/queries.txt" --reps "$REPS" > "$OUT/query_$index.json"
done

python3 - "$OUT" "$CORPUS" "$RUNS" "$REPS" <<'EOF'
import json, statistics, sys
out, corpus, runs, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
times = {}
for line in open(f"{out}/index_times.tsv", encoding="utf-8"):
    name, t = line.rstrip("\n").split("\t")
    times.setdefault(name, []).append(float(t))
base = statistics.median(times["kite index --threads 1"])
result = {"corpus": corpus, "runs": int(runs), "reps": int(reps), "index": {}, "query": {}}
lines = [f"Corpus {corpus}, {runs} runs (medians), 2 cores.", "", "| build | wall s | × kite index --threads 1 |", "|---|---|---|"]
for name, ts in times.items():
    m = statistics.median(ts)
    result["index"][name] = {"median_s": round(m, 2), "runs": [round(t, 2) for t in ts]}
    lines.append(f"| {name} | {m:.1f} | {m / base:.2f} |")
lines += ["", f"Query latency, 200 queries, median of {reps} passes, µs (p50 / p95):", "",
          "| index | OR | AND | default matching |", "|---|---|---|---|"]
for index, label in [("single", "one index"), ("set4", "4 shards"), ("set16", "16 shards")]:
    q = json.load(open(f"{out}/query_{index}.json", encoding="utf-8"))
    result["query"][label] = q
    cell = lambda m: f"{q[m]['p50_us']:,.0f} / {q[m]['p95_us']:,.0f}"
    lines.append(f"| {label} | {cell('or')} | {cell('and')} | {cell('match')} |")
json.dump(result, open(f"{out}/results.json", "w", encoding="utf-8"), indent=1)
open(f"{out}/RESULTS.md", "w", encoding="utf-8").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
