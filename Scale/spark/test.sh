#!/usr/bin/env bash
# Builds 4 shards of laws.jsonl with Spark (local[2]) and checks them against a single index of the same corpus:
# routing, `kite check`, and 100 queries with identical totals, per-period counts and top-10 scores. Then reruns the
# job with updates and deletes and checks that they landed in the right shards (no id live twice, counts, the new
# text found). Run by .ci/run after `swift test`; needs pyspark and Java 17.
#
#   KITE=.build/release/kite bash Scale/spark/test.sh [CORPUS]
set -euo pipefail
cd "$(dirname "$0")/../.."
KITE=$(realpath "${KITE:-.build/debug/kite}")
CORPUS=$(realpath "${1:-../shared/corpus/laws.jsonl}")
WORK=$(mktemp -d /tmp/kite-spark-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -x "$KITE" ] || { echo "test.sh: no kite binary at $KITE (swift build first)" >&2; exit 2; }

echo "== single index of $CORPUS"
"$KITE" index --index "$WORK/single" --threads 2 "$CORPUS"
echo "== 4 shards on Spark local[2]"
python3 Scale/spark/kite_shards.py --kite "$KITE" --shards 4 --output "$WORK/set" --master 'local[2]' \
    --report "$WORK/report.json" "$CORPUS" 2> >(grep -v -e WARN -e '^\[Stage' -e log4j -e setLogLevel >&2)
python3 Scale/spark/check_shards.py --kite "$KITE" --set "$WORK/set" --single "$WORK/single" --corpus "$CORPUS"

echo "== rerun with 3 updates, 2 deletes and a line without an id"
python3 - "$CORPUS" "$WORK" <<'EOF'
import json, sys
corpus, work = sys.argv[1], sys.argv[2]
docs = [json.loads(line) for _, line in zip(range(200), open(corpus, encoding="utf-8"))]
with open(f"{work}/updates.jsonl", "w", encoding="utf-8") as f:
    for d in docs[10:13]:
        d["text"] = "本条已修订为测试标记甲乙丙。" + d["text"][:300]
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
    f.write(json.dumps({"title": "无编号", "text": "这一行没有编号"}, ensure_ascii=False) + "\n")
with open(f"{work}/deletes.txt", "w", encoding="utf-8") as f:
    f.write(docs[20]["id"] + "\n" + docs[21]["id"] + "\n")
with open(f"{work}/expected.json", "w", encoding="utf-8") as f:
    json.dump({"updated": sorted(d["id"] for d in docs[10:13]), "deleted": [docs[20]["id"], docs[21]["id"]]}, f)
EOF
"$KITE" export --index "$WORK/set" > "$WORK/before.jsonl"
python3 Scale/spark/kite_shards.py --kite "$KITE" --shards 4 --output "$WORK/set" --master 'local[2]' \
    --deletes "$WORK/deletes.txt" "$WORK/updates.jsonl" 2> "$WORK/rerun.log" || { cat "$WORK/rerun.log" >&2; exit 1; }
grep -e '^kite_shards' "$WORK/rerun.log" >&2
grep -q '1 line kite index could not read' "$WORK/rerun.log" || { echo "test.sh: the line without an id was not reported" >&2; exit 1; }
"$KITE" check --index "$WORK/set"
"$KITE" search '"测试标记甲乙丙"' --index "$WORK/set" --json --limit 10 > "$WORK/found.json"
"$KITE" export --index "$WORK/set" > "$WORK/export.jsonl"
python3 - "$WORK" <<'EOF'
import json, re, sys
from collections import Counter
work = sys.argv[1]
expected = json.load(open(f"{work}/expected.json", encoding="utf-8"))
found = json.load(open(f"{work}/found.json", encoding="utf-8"))
ids = sorted(h["documentId"] for h in found["hits"])
assert ids == expected["updated"], f"updated documents found: {ids}, expected {expected['updated']}"
def passages(name):  # document id -> passages (or 1) in an export
    return Counter(re.sub(r"#[1-9][0-9]{0,8}$", "", json.loads(line)["id"]) for line in open(f"{work}/{name}", encoding="utf-8"))
before, after = passages("before.jsonl"), passages("export.jsonl")
for gone in expected["deleted"]:
    assert gone in before and gone not in after, f"{gone} survived its delete"
for updated in expected["updated"]:
    assert after[updated] == 1, f"{updated} has {after[updated]} passages after its update to a short text"
changed = expected["deleted"] + expected["updated"]
assert all(after[d] == n for d, n in before.items() if d not in changed), "a document the rerun did not name changed"
print(f"test.sh: updates found in their shards, old passages gone ({sum(before[u] for u in expected['updated'])} -> 3), "
      f"deletes applied, {len(before) - len(after)} documents fewer")
EOF
echo "test.sh: ok"
