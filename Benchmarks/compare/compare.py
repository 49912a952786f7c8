#!/usr/bin/env python3
"""compare.py -- Kite side by side with bare ICU, tantivy and SQLite FTS5 on one JSONL corpus (run by run.sh).

    compare.py run --corpus C.jsonl --out DIR --kite KITE [--query-bench QB] --icu-words BIN [--runs 3] [--reps 5]
    compare.py peer tantivy|sqlite index TOK.jsonl INDEX_DIR
    compare.py peer tantivy|sqlite query INDEX_DIR QUERIES.txt

`run` does everything in one go and writes DIR/results.json and DIR/RESULTS.md (also printed):

1. prep: DIR/work/docs.txt, one document per line (title + " " + text, line breaks made spaces); the text bytes
   of that file (without newlines) are the denominator of every MB/s and size ratio.
2. tokenize: `icu_words dump` (ICU zh word break, ASCII lower-cased) -> DIR/work/tok.jsonl, the pre-tokenized
   corpus that the peers index; 200 queries of 1-3 words are drawn from it with seed 42 (DIR/work/queries.txt).
3. index builds, --runs rounds; each round runs, as whole processes timed with os.wait4 (wall, CPU, peak RSS):
   the bare ICU floor (`icu_words count docs.txt`), Kite end to end (`kite index C.jsonl --index D
   --passages-over 0`: JSONL parsing + Kite's analysis + indexing + commit), tantivy and SQLite FTS5 indexing
   tok.jsonl. "x ICU" is engine wall / ICU wall of the same round (median over rounds). The peers get their
   tokens for free, so "x ICU incl. tokenizing" adds the 1.00 of the ICU run that made tok.jsonl.
4. index size on disk / text bytes. Kite's is split with `kite stats --json`: the inverted index (tim + doc + pos),
   the rest (len, kwd, del, manifest), and stored fields (sto) separately; the peers store no text.
5. query latency: each engine in-process, one thread, top-10, OR and AND of the query words; one warm-up pass,
   then --reps timed passes; a query's latency is its median over the passes; p50/p95 over the 200 queries.
   Kite: `kite-query-bench` (the Benchmarks package), default ranking and plain BM25; and Kite's default matching
   mode (exact counts, related documents after fewer than 10 matches), reported as a ratio to its own OR counting.
A peer that fails (e.g. tantivy not installed) is reported as failed; the rest still runs.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter

K1, B = 1.2, 0.75


# ---------------------------------------------------------------------------------------------------- helpers
def log(msg):
    print(f"[compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def percentile(xs, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def fresh(path):
    if os.path.lexists(path):
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)


def timed_process(argv, stdout_path=None, stderr_path=None):
    """Runs argv as a whole process; returns wall s (monotonic), CPU s (user+sys) and peak RSS MiB of the child."""
    out = open(stdout_path, 'wb') if stdout_path else subprocess.DEVNULL
    err = open(stderr_path, 'ab') if stderr_path else subprocess.DEVNULL
    try:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
    finally:
        for f in (out, err):
            if f is not subprocess.DEVNULL:
                f.close()
    return {'wall_s': wall, 'cpu_s': ru.ru_utime + ru.ru_stime, 'peak_mib': ru.ru_maxrss / 1024.0,
            'exit': os.waitstatus_to_exitcode(status)}


def last_json_line(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = [l for l in f.read().splitlines() if l.strip().startswith('{')]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def tail(path, n=5):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return ' | '.join(f.read().strip().splitlines()[-n:])
    except OSError:
        return ''


# ---------------------------------------------------------------------------------------------------- prep
def prep(corpus, work):
    """docs.txt: one document per line. Returns corpus statistics."""
    tr = str.maketrans({'\n': ' ', '\r': ' ', '\t': ' ', '\u2028': ' ', '\u2029': ' ', '\x85': ' ', '\x0b': ' ',
                        '\x0c': ' ', '\x1c': ' ', '\x1d': ' ', '\x1e': ' '})
    docs = text_bytes = skipped = 0
    with open(corpus, encoding='utf-8') as f, open(os.path.join(work, 'docs.txt'), 'w', encoding='utf-8') as out:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                d = json.loads(line)
            except ValueError:
                skipped += 1
                continue
            title = (d.get('title') or '').strip() if isinstance(d.get('title'), str) else ''
            text = d.get('text') or d.get('body') or d.get('content') or ''
            if not isinstance(text, str):
                text = ''
            doc = (title + ' ' + text if title else text).translate(tr).strip()
            out.write(doc + '\n')
            text_bytes += len(doc.encode('utf-8'))
            docs += 1
    return {'corpus': os.path.abspath(corpus), 'corpus_bytes': os.path.getsize(corpus), 'docs': docs,
            'text_bytes': text_bytes, 'skipped_lines': skipped}


def eligible(w):
    return w.isalnum() and not w.isdigit() and len(w) <= 12


def make_queries(tok_path, out_path, n=200, seed=42):
    """n queries of 1-3 words, each from ONE random document (so AND has a hit). Each word's document-frequency
    bucket is drawn first: frequent (df >= 1% of docs) 30%, mid 35%, rare (df < 0.05% of docs) 35%, falling back
    to any eligible word of the document (alphanumeric with a non-digit, at most 12 characters)."""
    df, docs = Counter(), []
    with open(tok_path, encoding='utf-8') as f:
        for line in f:
            text = json.loads(line)['text']
            df.update(set(w for w in text.split() if eligible(w)))
            docs.append(text)
    N = len(docs)
    hi, lo = max(2, int(N * 0.01)), max(2, int(N * 0.0005))

    def bucket(w):
        return 'frequent' if df[w] >= hi else ('mid' if df[w] >= lo else 'rare')

    rng = random.Random(seed)
    queries, seen, tries = [], set(), 0
    while len(queries) < n and tries < n * 1000:
        tries += 1
        words = sorted(set(w for w in docs[rng.randrange(N)].split() if eligible(w)))
        if len(words) < 3:
            continue
        q = []
        for _ in range(rng.choice((1, 2, 3))):
            want = rng.choices(('frequent', 'mid', 'rare'), (0.30, 0.35, 0.35))[0]
            cand = [w for w in words if bucket(w) == want and w not in q] or [w for w in words if w not in q]
            q.append(rng.choice(cand))
        key = ' '.join(q)
        if key not in seen:
            seen.add(key)
            queries.append(key)
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(queries) + '\n')
    lengths = Counter(len(q.split()) for q in queries)
    buckets = Counter(bucket(w) for q in queries for w in q.split())
    return {'queries': len(queries), 'seed': seed, 'lengths': dict(sorted(lengths.items())), 'buckets': dict(buckets)}


# ---------------------------------------------------------------------------------------------------- peers
def read_tok(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            d = json.loads(line)
            yield d['id'], d['text']


def load_queries(path):
    with open(path, encoding='utf-8') as f:
        return [l.split() for l in f if l.strip()]


def time_queries(queries, run_or, run_and, reps, run_or_top=None, run_and_top=None):
    """'or'/'and' count every match; 'or_top'/'and_top' (where the engine has them) return the top 10 only."""
    out = {}
    modes = [('or', run_or), ('and', run_and), ('or_top', run_or_top), ('and_top', run_and_top)]
    for name, fn in ((n, f) for n, f in modes if f):
        hits = [len(fn(q)) for q in queries]  # warm-up, and the hit counts
        per_q = [[] for _ in queries]
        for _ in range(reps):
            for i, q in enumerate(queries):
                t = time.perf_counter()
                fn(q)
                per_q[i].append(time.perf_counter() - t)
        meds = [statistics.median(x) * 1e6 for x in per_q]
        out[name] = {'p50_us': round(percentile(meds, 0.5), 1), 'p95_us': round(percentile(meds, 0.95), 1),
                     'mean_us': round(sum(meds) / len(meds), 1),
                     'queries_with_hits': sum(1 for h in hits if h > 0), 'total_hits_top10': sum(hits)}
    return out


def tantivy_schema(tantivy):
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field('id', stored=True, indexed=False)
    sb.add_text_field('text', stored=False, tokenizer_name='ws', index_option='position')
    return sb.build()


def tantivy_register(tantivy, index):
    # The text is already split: tantivy's whitespace tokenizer (no lower-casing, no length filter).
    index.register_tokenizer('ws', tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())


def tantivy_index(tok, idx):
    import tantivy
    fresh(idx)
    os.makedirs(idx)
    index = tantivy.Index(tantivy_schema(tantivy), path=idx)
    tantivy_register(tantivy, index)
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    n = 0
    for i, text in read_tok(tok):
        writer.add_document(tantivy.Document(id=i, text=text))
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    try:
        from importlib.metadata import version
        v = version('tantivy')
    except Exception:  # noqa: BLE001 -- the version is only a label
        v = None
    return {'docs': n, 'version': v}


def tantivy_query(idx, queries, reps):
    import tantivy
    index = tantivy.Index.open(idx)
    tantivy_register(tantivy, index)
    searcher = index.searcher()
    schema = index.schema
    Q, O = tantivy.Query, tantivy.Occur

    def mk(ws, occ):
        return Q.boolean_query([(occ, Q.term_query(schema, 'text', w)) for w in ws])

    return time_queries(queries, lambda ws: searcher.search(mk(ws, O.Should), 10).hits,
                        lambda ws: searcher.search(mk(ws, O.Must), 10).hits, reps,
                        lambda ws: searcher.search(mk(ws, O.Should), 10, count=False).hits,
                        lambda ws: searcher.search(mk(ws, O.Must), 10, count=False).hits)


FTS5_TOKENIZE = os.environ.get('FTS5_TOKENIZE', 'ascii')


def sqlite_index(tok, idx):
    import sqlite3
    fresh(idx)
    os.makedirs(idx)
    con = sqlite3.connect(os.path.join(idx, 'fts.db'))
    con.execute('PRAGMA synchronous=NORMAL')
    con.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, content='', tokenize='{FTS5_TOKENIZE}')")
    n = 0

    def rows():
        nonlocal n
        for i, text in read_tok(tok):
            n += 1
            yield (i + 1, text)

    with con:
        con.executemany('INSERT INTO t(rowid, text) VALUES (?, ?)', rows())
    con.close()
    return {'docs': n, 'version': sqlite3.sqlite_version, 'tokenize': FTS5_TOKENIZE}


def sqlite_query(idx, queries, reps):
    import sqlite3
    con = sqlite3.connect(os.path.join(idx, 'fts.db'))
    sql = 'SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10'  # rank = bm25(), k1 1.2, b 0.75

    def q(ws, op):
        return con.execute(sql, ((' %s ' % op).join('"%s"' % w.replace('"', '""') for w in ws),)).fetchall()

    return time_queries(queries, lambda ws: q(ws, 'OR'), lambda ws: q(ws, 'AND'), reps)


PEERS = {'tantivy': (tantivy_index, tantivy_query), 'sqlite': (sqlite_index, sqlite_query)}


def peer_main(args):
    index_fn, query_fn = PEERS[args.peer]
    if args.action == 'index':
        t = time.perf_counter()
        info = index_fn(args.a, args.b)
        info['in_process_s'] = time.perf_counter() - t
    else:
        info = query_fn(args.a, load_queries(args.b), int(os.environ.get('COMPARE_REPS', '5')))
    print(json.dumps(info))


# ---------------------------------------------------------------------------------------------------- run
def run_main(args):
    out = os.path.abspath(args.out)
    work = os.path.join(out, 'work')
    os.makedirs(work, exist_ok=True)
    py = sys.executable
    me = os.path.abspath(__file__)
    res = {'when_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'runs': args.runs, 'reps': args.reps,
           'host': {'cpus': os.cpu_count(), 'python': sys.version.split()[0]}}

    log(f"prep {args.corpus}")
    res['corpus'] = prep(args.corpus, work)
    docs_txt, tok = os.path.join(work, 'docs.txt'), os.path.join(work, 'tok.jsonl')
    text_bytes = res['corpus']['text_bytes']
    log(f"{res['corpus']['docs']} documents, {text_bytes / 1e6:.1f} MB of text; ICU tokenizing for the peers")
    dump = timed_process([args.icu_words, 'dump', docs_txt], stdout_path=tok, stderr_path=os.path.join(work, 'dump.log'))
    if dump['exit'] != 0:
        sys.exit(f"icu_words dump failed: {tail(os.path.join(work, 'dump.log'))}")
    res['tokenize'] = last_json_line(os.path.join(work, 'dump.log'))
    queries = os.path.join(work, 'queries.txt')
    res['queries'] = make_queries(tok, queries, 200, 42)
    log(f"queries: {res['queries']}")
    if args.reference_icu_tok:  # cross-check against the shared reference tokenizer, if it was built
        p = subprocess.run([args.reference_icu_tok, 'count', docs_txt], capture_output=True, text=True)
        res['reference_icu_tok'] = p.stdout.strip() or p.stderr.strip()

    kite_index = [args.kite, 'index', args.corpus, '--passages-over', '0']
    engines = {'icu': {'argv': lambda d: [args.icu_words, 'count', docs_txt], 'dir': None}}
    threads_flag = '--threads' in subprocess.run([args.kite, 'index', '--help'], capture_output=True, text=True).stdout
    if threads_flag:
        # One analysis thread, like the peers' writers; then Kite's default (all cores) as a second row.
        engines['kite'] = {'argv': lambda d: kite_index + ['--index', d, '--threads', '1'],
                           'dir': os.path.join(work, 'idx_kite')}
        engines['kite_mt'] = {'argv': lambda d: kite_index + ['--index', d], 'dir': os.path.join(work, 'idx_kite_mt')}
    else:
        engines['kite'] = {'argv': lambda d: kite_index + ['--index', d], 'dir': os.path.join(work, 'idx_kite')}
    res['kite_threads_flag'] = threads_flag
    for peer in args.peers:
        engines[peer] = {'argv': (lambda p: lambda d: [py, me, 'peer', p, 'index', tok, d])(peer),
                         'dir': os.path.join(work, f'idx_{peer}')}
    runs = {name: [] for name in engines}
    failed = {}
    for r in range(args.runs):
        for name, e in engines.items():
            if name in failed:
                continue
            if e['dir']:
                fresh(e['dir'])
            logf = os.path.join(work, f'index_{name}.log')
            x = timed_process(e['argv'](e['dir']), stdout_path=logf + '.out', stderr_path=logf)
            if x['exit'] != 0:
                failed[name] = f"exit {x['exit']}: {tail(logf)}"
                log(f"{name} index FAILED ({failed[name]})")
                continue
            x['stdout'] = last_json_line(logf + '.out')
            runs[name].append(x)
            log(f"round {r + 1}/{args.runs} {name}: {x['wall_s']:.2f} s wall, {x['cpu_s']:.2f} s cpu, "
                f"{x['peak_mib']:.0f} MiB")
    res['index_runs'] = runs
    res['failed'] = failed

    # sizes
    sizes = {}
    for variant in ('kite', 'kite_mt'):
        if variant not in engines or variant in failed or not runs[variant]:
            continue
        p = subprocess.run([args.kite, 'stats', '--index', engines[variant]['dir'], '--json'], capture_output=True,
                           text=True)
        try:
            st = json.loads(p.stdout)
            by = st['bytes']
            inv = sum(by.get(k, 0) for k in ('tim', 'doc', 'pos'))
            stored = by.get('sto', 0)
            other = sum(v for k, v in by.items() if k not in ('tim', 'doc', 'pos', 'sto'))
            sizes[variant] = {'bytes': by, 'inverted': inv, 'other': other, 'stored': stored,
                              'total': inv + other + stored, 'no_stored': inv + other, 'documents': st.get('documents'),
                              'segments': st.get('segments'), 'terms': st.get('terms'),
                              'dir_bytes': du(engines[variant]['dir'])}
        except (ValueError, KeyError) as err:
            sizes[variant] = {'error': f'kite stats: {err}: {p.stderr.strip()[:300]}'}
    for peer in args.peers:
        if peer not in failed and runs[peer]:
            sizes[peer] = {'no_stored': du(engines[peer]['dir']), 'total': du(engines[peer]['dir'])}
    res['sizes'] = sizes

    # queries
    lat = {}
    env = dict(os.environ, COMPARE_REPS=str(args.reps))
    if args.query_bench and 'kite' not in failed and runs['kite']:
        for label, ranking in (('kite', 'default'), ('kite_plain', 'plain')):
            log(f"query latency {label}")
            p = subprocess.run([args.query_bench, engines['kite']['dir'], queries, '--reps', str(args.reps),
                                '--ranking', ranking], capture_output=True, text=True)
            try:
                lat[label] = json.loads(p.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                lat[label] = {'error': (p.stderr or p.stdout).strip()[-300:]}
    for peer in args.peers:
        if peer in failed or not runs[peer]:
            continue
        log(f"query latency {peer}")
        p = subprocess.run([py, me, 'peer', peer, 'query', engines[peer]['dir'], queries], capture_output=True,
                           text=True, env=env)
        try:
            lat[peer] = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            lat[peer] = {'error': (p.stderr or p.stdout).strip()[-300:]}
    res['latency'] = lat
    res['peer_versions'] = {p: (runs[p][0].get('stdout') or {}).get('version') for p in args.peers if runs.get(p)}

    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
    table = render(res, args.peers)
    with open(os.path.join(out, 'RESULTS.md'), 'w') as f:
        f.write(table)
    print(table)


# ---------------------------------------------------------------------------------------------------- table
def render(res, peers):
    text_bytes = res['corpus']['text_bytes']
    runs, sizes, lat, failed = res['index_runs'], res['sizes'], res['latency'], res['failed']
    icu_walls = [x['wall_s'] for x in runs.get('icu', [])]

    def summary(name):
        xs = runs.get(name) or []
        if not xs:
            return None
        walls = [x['wall_s'] for x in xs]
        ratios = [x['wall_s'] / icu_walls[i] for i, x in enumerate(xs) if i < len(icu_walls) and icu_walls[i] > 0]
        return {'wall': median(walls), 'cpu': median([x['cpu_s'] for x in xs]), 'peak': median([x['peak_mib'] for x in xs]),
                'ratio': median(ratios), 'n': len(xs)}

    def f(x, fmt='{:.2f}'):
        return '—' if x is None else fmt.format(x)

    def pq(d, mode):
        m = (d or {}).get(mode)
        if not isinstance(m, dict):
            return '—'
        return f"{m['p50_us']:,.0f} / {m['p95_us']:,.0f}"

    one = ', 1 thread' if res.get('kite_threads_flag') else ''
    names = {'icu': 'bare ICU word breaking (C)', 'kite': f'Kite, end to end (JSONL → index){one}',
             'kite_mt': f"Kite, end to end, default threads ({res['host']['cpus']} cores)",
             'tantivy': 'tantivy, positions (pre-tokenized)', 'sqlite': 'SQLite FTS5 (pre-tokenized)'}
    for p in peers:
        v = res.get('peer_versions', {}).get(p)
        if v:
            names[p] = names[p].replace(',', f' {v},', 1) if p == 'tantivy' else names[p].replace('FTS5', f'FTS5 {v}')
    c = res['corpus']
    lines = [f"Corpus `{os.path.basename(c['corpus'])}`: {c['docs']:,} documents, {text_bytes / 1e6:.1f} MB of text "
             f"(title + text), {((res.get('tokenize') or {}).get('words') or 0) / 1e6:.2f} M ICU words; "
             f"index builds: median of {res['runs']} rounds (whole process); queries: {res['queries']['queries']} of "
             f"1–3 words (seed 42), top-10, 1 thread, median of {res['reps']} passes per query.", '',
             '| engine | index wall s | MB/s | × ICU time | × ICU incl. tokenizing | index size / text | peak RSS MiB '
             '| OR p50 / p95 µs | AND p50 / p95 µs |',
             '|---|---|---|---|---|---|---|---|---|']
    order = ['icu', 'kite', 'kite_mt'] + list(peers)
    S = {n: summary(n) for n in order}
    for n in order:
        s = S[n]
        if n in failed and not s:
            lines.append(f"| {names[n]} | failed: {failed[n][:80]} | | | | | | | |")
            continue
        if not s:
            continue
        if n == 'icu':
            size, incl = '—', '1.00'
        elif n in ('kite', 'kite_mt'):
            k = sizes.get(n, {})
            size = (f"{k['no_stored'] / text_bytes:.3f} (+ {k['stored'] / text_bytes:.3f} stored)"
                    if 'no_stored' in k else '—')
            incl = f(s['ratio'])
        else:
            size = f(sizes.get(n, {}).get('no_stored', 0) / text_bytes, '{:.3f}') if sizes.get(n) else '—'
            incl = f(None if s['ratio'] is None else s['ratio'] + 1)
        lines.append(f"| {names[n]} | {f(s['wall'])} | {f(text_bytes / 1e6 / s['wall'], '{:.1f}')} | {f(s['ratio'])} "
                     f"| {incl} | {size} | {f(s['peak'], '{:.0f}')} | {pq(lat.get(n), 'or')} | {pq(lat.get(n), 'and')} |")
        if n == 'kite' and 'kite_plain' in lat:
            lines.append(f"| Kite, plain BM25 queries (no bigram/phrase bonus) | | | | | | "
                         f"| {pq(lat.get('kite_plain'), 'or')} | {pq(lat.get('kite_plain'), 'and')} |")

    # Kite / peer ratios
    ratio_lines = []
    ks = S.get('kite')
    labels = {'tantivy': 'tantivy', 'sqlite': 'SQLite FTS5'}
    for p in peers:
        ps = S.get(p)
        if not ks or not ps:
            continue

        def rr(a, b, fmt='{:.2f}'):
            return '—' if a is None or b is None or b == 0 else fmt.format(a / b)

        def lr(mode, key):
            a, b = (lat.get('kite') or {}).get(mode), (lat.get(p) or {}).get(mode)
            return rr(a.get(key) if isinstance(a, dict) else None, b.get(key) if isinstance(b, dict) else None)

        ks_size, ps_size = sizes.get('kite', {}).get('no_stored'), sizes.get(p, {}).get('no_stored')
        incl = None if ps['ratio'] is None or ks['ratio'] is None else ks['ratio'] / (ps['ratio'] + 1)
        ratio_lines.append(f"| Kite{one} / {labels.get(p, p)} | {rr(ks['wall'], ps['wall'])} | {f(incl)} | {rr(ks_size, ps_size)} "
                           f"| {rr(ks['peak'], ps['peak'])} | {lr('or', 'p50_us')} / {lr('or', 'p95_us')} "
                           f"| {lr('and', 'p50_us')} / {lr('and', 'p95_us')} |")
    top = [n for n in ['kite', 'kite_plain'] + list(peers) if isinstance((lat.get(n) or {}).get('or_top'), dict)]
    if top:
        tnames = dict(names, kite='Kite, default ranking', kite_plain='Kite, plain BM25')
        lines += ['', 'Top-10 latency, µs p50 / p95: counting every match (exact total) and top 10 only '
                  '(documents that cannot enter the top 10 may be skipped: Kite MaxScore / block-max, tantivy block-WAND).',
                  '', '| engine | OR, counting | AND, counting | OR, top 10 only | AND, top 10 only |', '|---|---|---|---|---|']
        for n in top:
            d = lat.get(n)
            lines.append(f"| {tnames.get(n, n)} | {pq(d, 'or')} | {pq(d, 'and')} | {pq(d, 'or_top')} | {pq(d, 'and_top')} |")
    km, ko = (lat.get('kite') or {}).get('match'), (lat.get('kite') or {}).get('or')
    if isinstance(km, dict) and isinstance(ko, dict) and ko.get('p50_us') and ko.get('p95_us'):
        lines += ['', f"Kite's default matching mode (exact counts, related documents after fewer than 10 matches), "
                  f"µs p50 / p95: {pq(lat.get('kite'), 'match')}, "
                  f"{km['p50_us'] / ko['p50_us']:.2f}× / {km['p95_us'] / ko['p95_us']:.2f}× Kite's OR counting."]
    if ratio_lines:
        lines += ['', '| ratio | index wall | index wall vs peer + ICU tokenizing | size (no stored) | peak RSS '
                  '| OR p50 / p95 | AND p50 / p95 |', '|---|---|---|---|---|---|---|'] + ratio_lines

    short = {'icu': 'ICU', 'kite': f'Kite{one}', 'kite_mt': 'Kite default threads', 'tantivy': 'tantivy',
             'sqlite': 'SQLite'}
    segs = [f"{short[v]}: {sizes[v].get('segments')}"
            for v in ('kite', 'kite_mt') if isinstance(sizes.get(v), dict) and 'segments' in sizes[v]]
    k = sizes.get('kite', {})
    if 'bytes' in k:
        lines += ['', 'Kite index bytes by kind: ' + ', '.join(f"{n} {v / 1e6:.2f} MB" for n, v in sorted(k['bytes'].items()))
                  + f" ({k.get('documents')} documents; segments: {'; '.join(segs)}); queries run on the first.",
                  f"Inverted index (tim + doc + pos) / text = {k['inverted'] / text_bytes:.3f}; lengths, keywords, ids, "
                  f"manifest = {k['other'] / text_bytes:.3f}; stored fields = {k['stored'] / text_bytes:.3f}."]
    cpu = [f"{short.get(n, n)} {S[n]['cpu']:.2f} s" for n in S if S[n]]
    lines += ['', 'CPU s (user + sys, median): ' + '; '.join(cpu) + '.']
    hits = [f"{n}: OR {lat[n]['or']['queries_with_hits']}, AND {lat[n]['and']['queries_with_hits']}"
            for n in lat if isinstance(lat[n].get('or'), dict) and isinstance(lat[n].get('and'), dict)]
    if hits:
        lines.append(f"Queries with ≥ 1 hit (of {res['queries']['queries']}): " + '; '.join(hits) + '.')
    errs = [f"{n}: {lat[n]['error']}" for n in lat if 'error' in lat[n]]
    if errs:
        lines.append('Query errors: ' + ' | '.join(errs))
    if failed:
        lines.append('Failed: ' + ' | '.join(f"{n}: {v}" for n, v in failed.items()))
    if res.get('reference_icu_tok'):
        lines.append(f"Cross-check, shared icu_tok.c: {res['reference_icu_tok']}; ours: "
                     f"{json.dumps(runs['icu'][-1].get('stdout')) if runs.get('icu') else '—'}")
    lines.append('')
    lines.append('Peers index tokens that ICU already made (the time to make them is the "× ICU" of the first row), '
                 'so "× ICU incl. tokenizing" adds 1.00 for them; Kite\'s figure includes JSONL parsing, folding, '
                 'repair, ICU segmentation, bigrams and stored fields. Peak RSS of the Python peers includes the '
                 'interpreter.')
    return '\n'.join(lines) + '\n'


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--corpus', required=True)
    r.add_argument('--out', required=True)
    r.add_argument('--kite', required=True)
    r.add_argument('--query-bench')
    r.add_argument('--icu-words', required=True)
    r.add_argument('--reference-icu-tok')
    r.add_argument('--runs', type=int, default=3)
    r.add_argument('--reps', type=int, default=5)
    r.add_argument('--peers', default='tantivy sqlite')
    p = sub.add_parser('peer')
    p.add_argument('peer', choices=sorted(PEERS))
    p.add_argument('action', choices=['index', 'query'])
    p.add_argument('a')
    p.add_argument('b')
    args = ap.parse_args()
    if args.cmd == 'peer':
        peer_main(args)
    else:
        args.peers = [x for x in args.peers.split() if x in PEERS]
        args.corpus = os.path.abspath(args.corpus)
        run_main(args)


if __name__ == '__main__':
    main()
