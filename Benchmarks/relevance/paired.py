#!/usr/bin/env python3
"""Paired comparison of two TREC runs on one qrels file.

  python3 paired.py QRELS BASE_RUN RUN [--score SCORE_PY]

Prints mean nDCG@10 of each run, the mean paired difference with a 95% interval, and the two-sided p-value of a
paired randomization (sign-flip) test with 10,000 permutations (seed 1), using score.py --per-query for the values.
"""
import random
import subprocess
import sys


def per_query(score_py, run, qrels):
    out = subprocess.run([sys.executable, score_py, run, qrels, "--per-query"], capture_output=True, text=True,
                         check=True).stdout
    vals = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("nDCG@10="):
            vals[parts[0]] = float(parts[1].split("=")[1])
    return vals


def main():
    args = sys.argv[1:]
    score_py = "../shared/eval/score.py"
    if "--score" in args:
        i = args.index("--score")
        score_py = args[i + 1]
        del args[i:i + 2]
    qrels, base, run = args
    a, b = per_query(score_py, base, qrels), per_query(score_py, run, qrels)
    qs = sorted(set(a) | set(b))
    d = [b.get(q, 0.0) - a.get(q, 0.0) for q in qs]
    n = len(d)
    mean = sum(d) / n
    var = sum((x - mean) ** 2 for x in d) / (n - 1)
    se = (var / n) ** 0.5
    rng = random.Random(1)
    obs = abs(sum(d))
    extreme = 0
    trials = 10000
    nonzero = [x for x in d if x != 0]
    for _ in range(trials):
        s = sum(x if rng.random() < 0.5 else -x for x in nonzero)
        if abs(s) >= obs - 1e-12:
            extreme += 1
    p = (extreme + 1) / (trials + 1)
    ma = sum(a.get(q, 0.0) for q in qs) / n
    mb = sum(b.get(q, 0.0) for q in qs) / n
    print(f"{ma:.4f}\t{mb:.4f}\t{mean:+.4f} ± {1.96 * se:.4f}\tp={p:.4f}\tqueries={n}")


if __name__ == "__main__":
    main()
