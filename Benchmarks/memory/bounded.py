#!/usr/bin/env python3
"""Peak memory of `kite index` against its RAM budget, on a corpus and on copies of it several times larger.

    Benchmarks/memory/bounded.py CORPUS.jsonl [--kite PATH] [--budgets 8,16,32,64] [--copies 1,3] [--threads 1]

For every (corpus size, budget) pair, runs `kite index CORPUS --index TMP --ram-budget B --threads T` as a whole
process (one commit at the end, merges included) and samples /proc/PID/status every 20 ms: peak resident set
(VmHWM, what the kernel reports as the process's peak RSS), and the peaks of its two parts, anonymous memory
(what Kite allocates) and file-backed pages (shared libraries, ICU data, mapped segment files; the kernel can
drop these at any time). "×N" copies repeat every line of CORPUS N times with ids made unique, so the text grows
N-fold while its vocabulary stays the same. Prints a Markdown table; needs Linux (/proc) and a release build of
kite (default: .build/release/kite at the repository root).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def copies_of(corpus, n, work):
    if n == 1:
        return corpus
    path = os.path.join(work, f'corpus-x{n}.jsonl')
    with open(path, 'w', encoding='utf-8') as out:
        for k in range(n):
            with open(corpus, encoding='utf-8') as f:
                for i, line in enumerate(f):
                    if not line.strip():
                        continue
                    d = json.loads(line)
                    d['id'] = f"{d.get('id', i)}#copy{k}"
                    out.write(json.dumps(d, ensure_ascii=False) + '\n')
    return path


def status(pid):
    out = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmHWM', 'RssAnon', 'RssFile'):
                out[key] = int(value.split()[0]) / 1024
    return out


def measure(kite, corpus, budget, threads, work):
    index = os.path.join(work, 'index')
    shutil.rmtree(index, ignore_errors=True)
    argv = [kite, 'index', corpus, '--index', index, '--ram-budget', str(budget), '--threads', str(threads)]
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {}
    while p.poll() is None:
        try:
            for k, v in status(p.pid).items():
                peak[k] = max(peak.get(k, 0), v)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    out, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f'bounded.py: {" ".join(argv)} failed: {err.strip()[-300:]}')
    segments = len([n for n in os.listdir(index) if n.endswith('.doc')])
    shutil.rmtree(index, ignore_errors=True)
    return {'wall_s': time.perf_counter() - t, 'segments': segments, **peak}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('corpus')
    ap.add_argument('--kite', default=os.path.join(ROOT, '.build', 'release', 'kite'))
    ap.add_argument('--budgets', default='8,16,32,64')
    ap.add_argument('--copies', default='1,3')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    if not os.path.exists(args.kite):
        sys.exit(f'bounded.py: no kite binary at {args.kite} (swift build -c release)')
    budgets = [int(b) for b in args.budgets.split(',')]
    with tempfile.TemporaryDirectory(prefix='kite-memory-') as work:
        rows = []
        for n in [int(c) for c in args.copies.split(',')]:
            corpus = copies_of(os.path.abspath(args.corpus), n, work)
            mb = os.path.getsize(corpus) / 1e6
            for b in budgets:
                r = measure(args.kite, corpus, b, args.threads, work)
                rows.append((n, mb, b, r))
                print(f'x{n} ({mb:.0f} MB), budget {b} MB: peak RSS {r["VmHWM"]:.0f} MiB '
                      f'(anonymous {r["RssAnon"]:.0f}, file-backed {r["RssFile"]:.0f}), {r["wall_s"]:.1f} s',
                      file=sys.stderr, flush=True)
    print(f'Corpus `{os.path.basename(args.corpus)}`, `kite index --threads {args.threads}`, one commit, merges '
          f'included; peaks sampled every 20 ms from /proc.\n')
    print('| corpus | text MB | RAM budget MB | text ÷ budget | peak RSS MiB | peak anonymous MiB '
          '| peak file-backed MiB | peak RSS − budget MiB | wall s |')
    print('|---|---|---|---|---|---|---|---|---|')
    for n, mb, b, r in rows:
        print(f'| ×{n} | {mb:.0f} | {b} | {mb / b:.1f} | {r["VmHWM"]:.0f} | {r["RssAnon"]:.0f} | {r["RssFile"]:.0f} '
              f'| {r["VmHWM"] - b * 1.048576:.0f} | {r["wall_s"]:.1f} |')


if __name__ == '__main__':
    main()
