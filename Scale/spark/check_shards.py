#!/usr/bin/env python3
"""Check a Kite shard set against a single index of the same corpus.

1. Routing: every document of shard i (``kite export``) routes to i by its document id.
2. ``kite check`` passes on the set (it also finds an id live in two shards).
3. For N queries drawn from the corpus with a fixed seed (one to three chunks; phrases, OR, exclusions, period
   ranges), ``kite run --format jsonl`` (``kite search --json``'s object per query) over the set and over the single
   index give the same total, the same per-period counts, and the same top-10: scores equal to 1e-9 relative, ids equal where a score is not tied.

    python3 Scale/spark/check_shards.py --kite KITE --set OUT --single SINGLE --corpus laws.jsonl [--queries 100]

Exit status 0 when everything agrees; otherwise each disagreement is printed and the status is 1.
"""
import argparse
import json
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from kite_shards import shard_of  # noqa: E402

HAN = re.compile(r"^[\u4e00-\u9fff]+$")
PASSAGE = re.compile(r"^(.+)#([1-9][0-9]{0,8})$")


def kite(binary, *args):
    result = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"kite {' '.join(args[:3])} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def shard_paths(set_dir):
    with open(f"{set_dir}/shards", encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]
    return [n if n.startswith("/") else f"{set_dir}/{n}" for n in names]


def check_routing(binary, set_dir):
    problems = []
    shards = shard_paths(set_dir)
    documents = 0
    for i, path in enumerate(shards):
        for line in kite(binary, "export", "--index", path).splitlines():
            doc_id = json.loads(line)["id"]
            m = PASSAGE.match(doc_id)
            routed = shard_of(m.group(1) if m else doc_id, len(shards))
            documents += 1
            if routed != i:
                problems.append(f"{doc_id!r} is in shard {i}, routes to {routed}")
    return documents, problems


def draw_queries(corpus, count, seed):
    rng = random.Random(seed)
    texts = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            body = obj.get("text") or obj.get("body") or ""
            if len(body) > 8:
                texts.append(body)

    def chunk():
        while True:
            text = rng.choice(texts)
            start = rng.randrange(len(text) - 4)
            piece = text[start:start + rng.randint(2, 4)]
            if HAN.match(piece):
                return piece

    forms = [
        lambda: chunk(),
        lambda: f"{chunk()} {chunk()}",
        lambda: f'"{chunk()}" OR {chunk()}',
        lambda: f"{chunk()} -{chunk()}",
        lambda: f"{chunk()} period:[1990 TO 2020]",
        lambda: f"{chunk()} OR {chunk()} OR {chunk()}",
    ]
    return [forms[i % len(forms)]() for i in range(count)]


def compare(query, a, b):
    problems = []
    if a["totalHits"] != b["totalHits"]:
        problems.append(f"totals {a['totalHits']} and {b['totalHits']}")
    if sorted(map(json.dumps, a["periods"])) != sorted(map(json.dumps, b["periods"])):
        problems.append("per-period counts differ")
    if len(a["hits"]) != len(b["hits"]):
        return problems + [f"{len(a['hits'])} and {len(b['hits'])} hits"]
    scores = [h["score"] for h in a["hits"]]
    for i, (x, y) in enumerate(zip(a["hits"], b["hits"])):
        if abs(x["score"] - y["score"]) > 1e-9 * max(abs(x["score"]), 1e-300):
            problems.append(f"place {i + 1}: scores {x['score']!r} and {y['score']!r}")
        tied = scores.count(x["score"]) > 1 or (i == len(scores) - 1 and len(scores) == 10)
        if not tied and (x["id"], x["matchingPassages"], x["match"]) != (y["id"], y["matchingPassages"], y["match"]):
            problems.append(f"place {i + 1}: {x['id']} and {y['id']}")
    return [f"{query}: {p}" for p in problems]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kite", required=True)
    p.add_argument("--set", required=True, help="the shard set's directory")
    p.add_argument("--single", required=True, help="a single index of the same corpus")
    p.add_argument("--corpus", required=True, help="the JSONL corpus (queries are drawn from it)")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--seed", type=int, default=18)
    args = p.parse_args(argv)

    documents, problems = check_routing(args.kite, args.set)
    kite(args.kite, "check", "--index", args.set)
    single = kite(args.kite, "stats", "--index", args.single, "--json")
    if json.loads(single)["documents"] != documents:
        problems.append(f"the set holds {documents} documents, the single index {json.loads(single)['documents']}")
    queries = draw_queries(args.corpus, args.queries, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/queries.tsv", "w", encoding="utf-8") as f:
            f.writelines(f"q{i}\t{q}\n" for i, q in enumerate(queries))
        runs = []
        for index in (args.single, args.set):
            # One process per index: kite run --format jsonl writes what kite search --json would, per query.
            kite(args.kite, "run", "--index", index, "--queries", f"{tmp}/queries.tsv", "--output", f"{tmp}/run.jsonl",
                 "--format", "jsonl", "--parse", "--limit", "10")
            with open(f"{tmp}/run.jsonl", encoding="utf-8") as f:
                runs.append([json.loads(line) for line in f])
    matched = 0
    for query, one, many in zip(queries, *runs):
        problems += compare(query, one, many)
        matched += one["totalHits"] > 0
    for problem in problems:
        print("check_shards:", problem, file=sys.stderr)
    print(f"check_shards: {documents} documents routed; {args.queries} queries ({matched} with hits) "
          f"{'agree' if not problems else 'DISAGREE'} between {args.set} and {args.single}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
