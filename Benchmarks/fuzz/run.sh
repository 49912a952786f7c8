#!/usr/bin/env bash
# Runs Kite's libFuzzer targets (Package.swift here) under AddressSanitizer, each for a set time, and prints per
# target: executions, coverage (libFuzzer's cov/ft), corpus size, CPU seconds and what crashed. Not part of CI.
#
#     bash Benchmarks/fuzz/run.sh [seconds per target, default 60] [target …]
#
# Targets: FuzzJSONLines FuzzQuery FuzzReport FuzzSegment (all by default). State lives in Benchmarks/fuzz/.work/:
# seeds/T (rewritten from the repository each run), corpus/T (grows across runs), artifacts/T (crash-*, oom-*,
# timeout-* inputs: reproduce with `.build/release/T FILE`), logs/T.log.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzJSONLines FuzzQuery FuzzReport FuzzSegment)

swift build -c release --sanitize fuzzer --sanitize address 2>&1 | grep -v "__asan_extra_spill_area" >&2
bin=.build/release
export SWIFT_BACKTRACE=enable=no  # libFuzzer and ASan print the stack; Swift's backtracer would wait for a terminal
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

printf '%-14s %12s %7s %7s %7s %8s  %s\n' target executions cov ft corpus cpu_s found
for t in "${targets[@]}"; do
    rm -rf ".work/seeds/$t"
    mkdir -p ".work/corpus/$t" ".work/artifacts/$t" .work/logs
    KITE_FUZZ_WRITE_SEEDS=".work/seeds/$t" "$bin/$t" > /dev/null 2>&1
    set +e
    TIMEFORMAT='%U %S'
    { time "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix=".work/artifacts/$t/" ".work/corpus/$t" ".work/seeds/$t" > ".work/logs/$t.log" 2>&1 ; } 2> ".work/logs/$t.time"
    set -e
    cpu=$(awk '{printf "%.0f", $1 + $2}' ".work/logs/$t.time")
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' ".work/logs/$t.log" | awk '{print $2}')
    last=$(grep -E '^#[0-9]+' ".work/logs/$t.log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<< "$last")
    corpus=$(ls ".work/corpus/$t" | wc -l)
    found=$(ls ".work/artifacts/$t" | tr '\n' ' ')
    printf '%-14s %12s %7s %7s %7s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$cpu" "${found:-none}"
done
