#!/usr/bin/env python3
"""Draws 200 queries from the bundled corpus (seeded, so every run loads the server with the same ones).

Each query is one or two consecutive words (of two or more Han characters, as `kite analyze --words` cuts them) of a
line of a randomly chosen document of Corpus/*.jsonl: the words analysts type, some frequent, some rare.

    python3 Serve/load/make_queries.py KITE_BINARY > Serve/load/queries.txt
"""
import json, pathlib, random, re, subprocess, sys

kite = sys.argv[1] if len(sys.argv) > 1 else ".build/release/kite"
root = pathlib.Path(__file__).resolve().parents[2]
rng = random.Random(2026)
bodies = []
for path in sorted((root / "Corpus").glob("*.jsonl")):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            bodies.append(item.get("body") or item.get("text") or "")
assert any(bodies), "no document text found"
lines = []
while len(lines) < 400:
    body_lines = [l.strip() for l in rng.choice(bodies).splitlines() if len(l.strip()) >= 12]
    if body_lines:
        lines.append(rng.choice(body_lines)[:80])
words = subprocess.run([kite, "analyze", "--words"], input="\n".join(lines) + "\n", capture_output=True,
                       text=True, check=True).stdout.splitlines()
han = re.compile(r"^[\u4e00-\u9fff]{2,}$")
queries = []
for cut in words:
    found = [w for w in cut.split("  ") if han.match(w)]
    if not found:
        continue
    i = rng.randrange(len(found))
    q = " ".join(found[i:i + 2]) if rng.random() < 0.3 and i + 1 < len(found) else found[i]
    if q not in queries:
        queries.append(q)
    if len(queries) == 200:
        break
assert len(queries) == 200, len(queries)
print("\n".join(queries))
