#!/usr/bin/env python3
"""How often ICU4J's word break (what Lucene's ICUTokenizer, and so OpenSearch's analysis-icu, runs for Han text)
agrees with Kite's words on a corpus: docs/scale.md.

    python3 Scale/icu4j/agreement.py --kite .build/release/kite [--icu4j JAR] [--lines 20000] ../shared/corpus/laws.jsonl

Lines of the corpus's bodies with at least 10 Han characters, a seeded sample, go through `kite analyze --words`
(ICU 72 with Kite's repair, folding and lattice) and through IcuWords.java (ICU4J's root word instance). Both are
compared on the Han characters only, as SIGHAN's scorer compares segmentations: a word is a span of the line's Han
character stream; words with other characters are left out on both sides. Prints precision, recall and F of ICU4J's
words against Kite's, and the share of lines cut identically.
"""
import argparse
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def spans(words):
    """The Han-only words of a line as spans over its Han character stream (other words advance past their Han)."""
    out, at = set(), 0
    for w in words:
        n = len(HAN.findall(w))
        if n and n == len(w):
            out.add((at, at + n))
        at += n
    return out, at


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus")
    p.add_argument("--kite", required=True)
    p.add_argument("--icu4j", help="icu4j jar (default: the one pyspark ships)")
    p.add_argument("--lines", type=int, default=20000)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    jar = args.icu4j
    if not jar:
        import pyspark
        jar = sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "icu4j-*.jar")))[-1]
    lines = []
    with open(args.corpus, encoding="utf-8") as f:
        for record in f:
            body = json.loads(record).get("text") or ""
            lines += [l.strip() for l in body.split("\n") if len(HAN.findall(l)) >= 10]
    random.Random(args.seed).shuffle(lines)
    lines = lines[:args.lines]
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["javac", "-cp", jar, "-d", tmp, os.path.join(here, "IcuWords.java")], check=True)
        text = "\n".join(lines) + "\n"
        icu4j = subprocess.run(["java", "-cp", f"{jar}:{tmp}", "IcuWords"], input=text, capture_output=True, text=True,
                               check=True).stdout.split("\n")
        kite = subprocess.run([args.kite, "analyze", "--words"], input=text, capture_output=True, text=True,
                              check=True).stdout.split("\n")
    version, icu4j = icu4j[0], icu4j[1:]
    common = kite_total = icu_total = same = compared = 0
    for k, j in zip(kite[:len(lines)], icu4j[:len(lines)]):
        (ks, kn), (js, jn) = spans(k.split("  ")), spans(j.split("  "))
        if kn != jn:
            continue  # the two saw different Han characters (folding): not comparable
        compared += 1
        common += len(ks & js)
        kite_total += len(ks)
        icu_total += len(js)
        same += ks == js
    precision, recall = common / icu_total, common / kite_total
    print(json.dumps({"icu4j": version.lstrip("# "), "lines": compared, "kiteWords": kite_total,
                      "icu4jWords": icu_total, "precision": round(precision, 4), "recall": round(recall, 4),
                      "f": round(2 * precision * recall / (precision + recall), 4),
                      "identicalLines": round(same / compared, 4)}))


if __name__ == "__main__":
    sys.exit(main())
