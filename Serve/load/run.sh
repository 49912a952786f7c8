#!/usr/bin/env bash
# kite serve under load (README.md, "Serving: under load"): wrk against GET /search with the 200 queries of
# queries.txt (drawn from Corpus/ by make_queries.py) at concurrency 1, 16 and 64, then a soak run at concurrency 16
# while `kite index` commits new documents into the served index every 20 s; the server's resident memory is
# sampled every 10 s. Release binaries:
#
#     swift build -c release && swift build -c release --package-path Serve
#     bash Serve/load/run.sh [SECONDS_PER_LEVEL (20)] [SOAK_SECONDS (600)]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
soak=${2:-600}
kite=${KITE:-.build/release/kite}
serve=${KITE_SERVE:-Serve/.build/release/kite-serve}
work=$(mktemp -d)
trap 'kill "$server" 2> /dev/null || true; rm -rf "$work"' EXIT

"$kite" index Corpus --index "$work/index" > /dev/null
python3 - "$work/paths.txt" <<'PY'
import sys, urllib.parse
with open("Serve/load/queries.txt", encoding="utf-8") as f, open(sys.argv[1], "w") as out:
    for q in f.read().splitlines():
        out.write("/search?q=" + urllib.parse.quote(q) + "\n")
PY
export KITE_LOAD_PATHS="$work/paths.txt"
"$serve" --index "$work/index" --port 0 > "$work/server.out" 2> "$work/server.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" 2> /dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/server.out")
echo "server: $(cat "$work/server.out")"
echo "cores: $(nproc); wrk and the server share them"

# Requests/s, p50, p99 and errors of one wrk report.
summarize() {
    awk -v c="$1" '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        /Non-2xx/ { non2xx = $NF } /Socket errors/ { sock = $0 }
        END { printf "concurrency %-3s %9s req/s  p50 %-9s p99 %-9s non-2xx %s  %s\n", c, rps, p50, p99, non2xx + 0, sock }'
}

for c in 1 16 64; do
    threads=$(( c < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s Serve/load/queries.lua "$url" > "$work/wrk-$c.txt"
    summarize "$c" < "$work/wrk-$c.txt"
done

[ "$soak" -gt 0 ] || exit 0
rss() { awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$server/status"; }
echo "soak: ${soak}s at concurrency 16, a commit every 20 s; RSS MiB every 10 s:"
wrk -t2 -c16 -d"${soak}s" --latency -s Serve/load/queries.lua "$url" > "$work/wrk-soak.txt" &
load=$!
round=0
samples=()
start=$(date +%s)
while kill -0 "$load" 2> /dev/null; do
    sleep 10
    samples+=("$(rss)")
    if (( ($(date +%s) - start) / 20 > round )); then
        round=$(( round + 1 ))
        python3 - "$work/add.jsonl" "$round" <<'PY'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for i in range(20):
        out.write(json.dumps({"id": f"soak-{sys.argv[2]}-{i}", "title": "负载测试", "body": "新质生产力 高质量发展 第%s轮" % sys.argv[2]}, ensure_ascii=False) + "\n")
PY
        "$kite" index "$work/add.jsonl" --index "$work/index" > /dev/null 2>&1 || echo "writer round $round failed"
    fi
done
wait "$load" || true
echo "RSS MiB: ${samples[*]}"
summarize soak < "$work/wrk-soak.txt"
health=$(curl -s "$url/health")
echo "after the soak: $health (writer rounds: $round, each 20 documents)"
