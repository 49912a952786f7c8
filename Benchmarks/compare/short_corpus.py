#!/usr/bin/env python3
"""The short-document corpus of the README's speed tables: every law of laws.jsonl cut at the last 。 between 300
and 500 characters (a law's rest, when it has no such 。 or is at most 500 characters, is one document).

    python3 Benchmarks/compare/short_corpus.py ../shared/corpus/laws.jsonl short.jsonl   # 34,364 documents
"""
import json
import sys


def main(source, target):
    count = 0
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            d = json.loads(line)
            t = d["text"]
            i = k = 0
            while i < len(t):
                j = t.rfind("。", i + 300, i + 500)
                j = len(t) if j < 0 or len(t) - i <= 500 else j + 1
                doc = {"id": f"{d['id']}-{k}", "title": d.get("title", ""), "text": t[i:j]}
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
                count += 1
                k += 1
                i = j
    print(f"{count} documents", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
