#!/usr/bin/env python3
"""Build a Kite shard set from JSON Lines on Apache Spark.

Every document goes to shard FNV-1a-64(id) mod S (the function of Kite's ``ShardSet.shard(ofDocument:count:)``),
so a later run with the same S updates or deletes a document in the shard that holds it. Spark groups the lines by
shard (one partition per shard); each partition writes its lines to a staging file and runs the ``kite`` binary,
shipped to the executors with ``SparkContext.addFile``, into ``OUT/shard-<i>``. The driver then writes ``OUT/shards``,
which makes OUT one index for ``kite search --index OUT`` and ``IndexReader(at:)``, ranked with collection-wide BM25
statistics.

    python3 Scale/spark/kite_shards.py --kite .build/release/kite --shards 4 --output /data/laws-shards \\
        ../shared/corpus/laws.jsonl [--deletes ids.txt] [--merge] [--master local[2]]

OUT must be on a file system every executor and the reader see (see Scale/spark/README.md for a real cluster).
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1
SHARDS_FILE = "shards"


def shard_of(document_id: str, count: int) -> int:
    """FNV-1a (64-bit) of the id's UTF-8 bytes, modulo count: Kite's ShardSet.shard(ofDocument:count:)."""
    h = FNV_OFFSET
    for byte in document_id.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h % count


# What Kite's JSONL reader (Sources/Kite/Corpus) counts as space when it trims an id: CorpusText.isSpace.
KITE_SPACE = set(chr(c) for c in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
                                  0x205F, 0x3000, 0xFEFF] + list(range(0x2000, 0x200B)))


def document_id(line: str):
    """The id `kite index` gives the line, or None when it has none (then `kite index` reports the line).

    As Kite's JSONL reader: the last `id` member that is not null; a string (trimmed of CorpusText.isSpace) or a
    number (its literal text); booleans, arrays and objects are no id; blank is no id.
    """
    try:
        pairs = json.loads(line, parse_int=str, parse_float=str, parse_constant=str, object_pairs_hook=list)
    except ValueError:
        return None
    if not isinstance(pairs, list):
        return None
    values = [v for k, v in pairs if k == "id" and v is not None]
    if not values or not isinstance(values[-1], str):
        return None  # absent, or a boolean, array or object
    value = values[-1].strip("".join(KITE_SPACE))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: not UTF-8, Kite rejects the line
    return value or None


def read_shard_count(output):
    """The number of shards an existing OUT/shards names, or None."""
    path = os.path.join(output, SHARDS_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.strip().startswith("#"))


def write_shards_file(output, count):
    """OUT/shards, written atomically; line i is shard i."""
    text = f"# Kite shard set: line i is shard i of FNV-1a-64(document id) mod {count}\n"
    text += "".join(f"shard-{i}\n" for i in range(count))
    tmp = os.path.join(output, SHARDS_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(output, SHARDS_FILE))


def build_shard(shard, records, kite_name, output, kite_args, merge):
    """Runs in an executor: index one shard's lines, then delete its ids, then optionally merge it."""
    from pyspark import SparkFiles

    kite = SparkFiles.get(kite_name)
    os.chmod(kite, os.stat(kite).st_mode | stat.S_IXUSR)
    directory = os.path.join(output, f"shard-{shard}")
    started = time.time()
    deletes = []
    staging = tempfile.mkdtemp(prefix=f"kite-shard-{shard}-")
    try:
        lines = os.path.join(staging, "documents.jsonl")
        count = 0
        with open(lines, "w", encoding="utf-8") as f:
            for kind, value in records:
                if kind == "delete":
                    deletes.append(value)
                else:
                    f.write(value + "\n")
                    count += 1
        # An empty file still creates the shard's index, so that every shard of the set exists. `kite index` reports
        # a line it cannot read (no id, bad JSON) on standard error and goes on: those messages come back.
        messages = [m for m in run([kite, "index", "--index", directory, *kite_args, lines]).splitlines()
                    if m.startswith("kite:")]
        for i in range(0, len(deletes), 1000):
            run([kite, "delete", "--index", directory, "--", *deletes[i:i + 1000]])
        if merge:
            run([kite, "merge", "--index", directory])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    yield {"shard": shard, "documents": count, "deletes": len(deletes), "seconds": round(time.time() - started, 3),
           "messages": messages[:20], "messageCount": len(messages)}


def run(command):
    """Runs a kite command; its standard error (the summary and any per-line problems) is returned."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} … failed ({result.returncode}): {result.stderr.strip()}")
    return result.stderr


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("inputs", nargs="+", help="JSON Lines files (any path Spark reads: local, HDFS, S3)")
    p.add_argument("--output", required=True, help="the shard set's directory, on storage every executor shares")
    p.add_argument("--shards", type=int, required=True, help="number of shards (fixed for the life of the set)")
    p.add_argument("--kite", required=True, help="the kite binary, shipped to the executors")
    p.add_argument("--deletes", help="a file of document ids to delete, one per line")
    p.add_argument("--merge", action="store_true", help="merge each shard to one segment")
    p.add_argument("--kite-arg", action="append", default=[],
                   help="an argument passed on to every kite index (e.g. --kite-arg=--passages-over=0)")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's, or local[2])")
    p.add_argument("--report", help="write a JSON summary (wall time, per-shard documents and seconds) here")
    args = p.parse_args(argv)
    if args.shards < 1:
        p.error("--shards must be at least 1")
    existing = read_shard_count(args.output)
    if existing is not None and existing != args.shards:
        p.error(f"{args.output} is a set of {existing} shards; rerun with --shards {existing} "
                "(documents are routed by the count)")
    os.makedirs(args.output, exist_ok=True)
    if os.path.exists(os.path.join(args.output, "manifest")):
        p.error(f"{args.output} holds an index, not a shard set")

    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("kite-shards").config("spark.ui.showConsoleProgress", "false")
    if args.master or not SparkConf().contains("spark.master"):  # spark-submit sets it
        builder = builder.master(args.master or "local[2]")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    started = time.time()
    try:
        summary = build(spark, args)
    finally:
        spark.stop()
    wall = time.time() - started
    write_shards_file(args.output, args.shards)
    report = {"shards": args.shards, "wallSeconds": round(wall, 3), "perShard": summary,
              "documents": sum(s["documents"] for s in summary), "deletes": sum(s["deletes"] for s in summary)}
    for s in summary:
        for m in s["messages"]:
            print(f"kite_shards: shard {s['shard']}: {m}", file=sys.stderr)
        if s["messageCount"] > len(s["messages"]):
            print(f"kite_shards: shard {s['shard']}: {s['messageCount'] - len(s['messages'])} more", file=sys.stderr)
    report["problems"] = sum(s["messageCount"] for s in summary)
    print(f"kite_shards: {report['documents']} lines into {args.shards} shards of {args.output} "
          f"({report['deletes']} deletes, {report['problems']} line{'' if report['problems'] == 1 else 's'} kite index could "
          f"not read) in {wall:.1f} s",
          file=sys.stderr)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return 0


def build(spark, args):
    sc = spark.sparkContext
    sc.addFile(os.path.abspath(args.kite))
    kite_name = os.path.basename(args.kite)
    count = args.shards
    output = os.path.abspath(args.output)
    kite_args = ["--threads", "1"] + args.kite_arg

    def route(numbered):
        line, position = numbered
        doc_id = document_id(line)
        # A line without an id goes to shard 0, whose kite index reports it (the report and the job's output say so).
        return ((0 if doc_id is None else shard_of(doc_id, count), position), ("document", line))

    # Numbered in input order, so that each shard sees its lines in that order (of two lines with one id, the later
    # one wins, as in a single kite index run).
    documents = sc.textFile(",".join(args.inputs)).filter(lambda line: line.strip()).zipWithIndex().map(route)
    if args.deletes:
        deletes = sc.textFile(args.deletes).map(str.strip).filter(bool).map(
            lambda i: ((shard_of(i, count), 0), ("delete", i)))
        documents = documents.union(deletes)
    # One partition per shard (partition i holds shard i's records), sorted by input position within it.
    by_shard = documents.repartitionAndSortWithinPartitions(count, lambda key: key[0])
    results = by_shard.mapPartitionsWithIndex(
        lambda shard, records: build_shard(shard, (r for _, r in records), kite_name, output, kite_args, args.merge))
    return sorted(results.collect(), key=lambda s: s["shard"])


if __name__ == "__main__":
    sys.exit(main())
