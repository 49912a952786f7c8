#!/usr/bin/env bash
# Runs Kite's libFuzzer targets (Package.swift here) under AddressSanitizer, each until it has used a budget of CPU
# seconds, and prints per target: executions, coverage (libFuzzer's cov/ft), corpus size, CPU seconds and what it
# found. Not part of CI.
#
#     bash Benchmarks/fuzz/run.sh [CPU seconds per target, default 60] [target …]
#
# Targets: FuzzJSONLines FuzzQuery FuzzReport FuzzSegment (all by default, one after the other; start several
# run.sh with one target each, KITE_FUZZ_SKIP_BUILD=1 for all but the first, to use more cores). The budget is CPU
# time, not wall time, so that a busy machine does not shorten a run: the fuzzer is interrupted (SIGINT, after which
# libFuzzer prints its final statistics) once it has used that much. State lives in Benchmarks/fuzz/.work/: seeds/T
# (rewritten from the repository each run), corpus/T (grows across runs), artifacts/T (crash-*, oom-*, timeout-*
# inputs: reproduce with `.build/release/T FILE`), logs/T.log, and history.tsv (a line per run).
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzJSONLines FuzzQuery FuzzReport FuzzSegment)
bin=.build/release

# Kite must be instrumented too: each target must have tens of thousands of coverage counters, not the few dozen of
# the C shim alone. (Builds run from this script with the fuzzers' environment below exported came out without
# Swift coverage; a build in a plain environment has it. The build therefore runs before the exports.)
instrumented() { SWIFT_BACKTRACE=enable=no "$bin/$1" -runs=0 2>&1 | sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' | head -1; }
if [ "${KITE_FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    build() { env -u ASAN_OPTIONS -u SWIFT_BACKTRACE swift build -c release --sanitize fuzzer --sanitize address 2>&1 | grep -v "__asan_extra_spill_area" >&2; }
    build
    counters=$(instrumented FuzzJSONLines)
    if [ "${counters:-0}" -lt 10000 ]; then rm -rf .build; build; fi
fi
export SWIFT_BACKTRACE=enable=no  # libFuzzer and ASan print the stack; Swift's backtracer would wait for a terminal
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

mkdir -p .work/logs
printf '%-14s %12s %7s %7s %7s %8s  %s\n' target executions cov ft corpus cpu_s found
for t in "${targets[@]}"; do
    rm -rf ".work/seeds/$t"
    mkdir -p ".work/corpus/$t" ".work/artifacts/$t"
    KITE_FUZZ_WRITE_SEEDS=".work/seeds/$t" "$bin/$t" > /dev/null 2>&1
    counters=$(instrumented "$t")
    [ "${counters:-0}" -ge 10000 ] || { echo "run.sh: $t has $counters coverage counters: Kite is not instrumented" >&2; exit 1; }
    "$bin/$t" -max_total_time=86400 -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix=".work/artifacts/$t/" ".work/corpus/$t" ".work/seeds/$t" > ".work/logs/$t.log" 2>&1 &
    pid=$!
    cpu=0
    while kill -0 "$pid" 2> /dev/null; do
        sleep 5
        ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || true)
        [ -n "$ticks" ] && cpu=$((ticks / $(getconf CLK_TCK)))  # the last reading, if it stopped on its own
        if [ "$cpu" -ge "$budget" ]; then kill -INT "$pid" 2> /dev/null || true; break; fi
    done
    wait "$pid" || true
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' ".work/logs/$t.log" | awk '{print $2}')
    last=$(grep -E '^#[0-9]+' ".work/logs/$t.log" | grep 'cov:' | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<< "$last")
    corpus=$(ls ".work/corpus/$t" | wc -l)
    found=$(ls ".work/artifacts/$t" | tr '\n' ' ')
    line=$(printf '%-14s %12s %7s %7s %7s %8s  %s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$cpu" "${found:-none}")
    echo "$line"
    printf '%s\t%s\n' "$(date -u +%FT%TZ)" "$line" >> .work/history.tsv
done
