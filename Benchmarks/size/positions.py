#!/usr/bin/env python3
"""What other encodings of the positions file (.pos) would weigh, from an index's own segments.

Reads every segment of a Kite index directory (FORMAT.md: `.tim` term entries give each term's start in `.pos`;
`.pos` holds, per posting, freq varints: the first position, then deltas) and prints, per kind of term (joins, other
terms), the bytes as written (varints) against:
  - packed128: Lucene's layout for positions: each term's values in blocks of 128 packed at the width of the block's
    largest, one width byte per block, the last partial block as varints;
  - pfor128: the same with the best width per block and exceptions (one byte for the exception's index plus a
    varint of its high bits), as PForDelta does;
and the histogram of the values' bit lengths.

Usage: positions.py INDEX_DIR
"""
import collections
import glob
import os
import sys


def vint(b, i):
    v = s = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return v, i


def vint_size(v):
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def term_starts(tim):
    """(term bytes, body-relative start in .pos) for every term of every field, in file order."""
    index_offset = int.from_bytes(tim[len(tim) - 16:len(tim) - 8], 'little')
    i, out = 24, []
    while i < index_offset:
        n, i = vint(tim, i)
        prev, pos = b'', 0
        for k in range(n):
            shared, i = vint(tim, i)
            length, i = vint(tim, i)
            term = prev[:shared] + tim[i:i + length]
            i += length
            prev = term
            _, i = vint(tim, i)  # document frequency
            _, i = vint(tim, i)  # postings delta
            delta, i = vint(tim, i)
            pos = delta if k == 0 else pos + delta
            out.append((term, pos))
    return out


def pfor_block(block):
    best = None
    for w in range(0, 33):
        exceptions = [v >> w for v in block if v >> w]
        cost = 1 + (128 * w + 7) // 8 + sum(1 + vint_size(e) for e in exceptions)
        best = cost if best is None or cost < best else best
    return best


def main(directory):
    kinds = collections.defaultdict(lambda: [0, 0, 0, 0])  # varint, packed128, pfor128, values
    widths = collections.Counter()
    for tim_path in sorted(glob.glob(os.path.join(directory, 'seg-*.tim'))):
        tim = open(tim_path, 'rb').read()
        pos = open(tim_path[:-4] + '.pos', 'rb').read()
        body = pos[24:len(pos) - 8]
        entries = sorted(term_starts(tim), key=lambda e: e[1])
        for k, (term, start) in enumerate(entries):
            end = entries[k + 1][1] if k + 1 < len(entries) else len(body)
            values, j = [], start
            while j < end:
                v, j = vint(body, j)
                values.append(v)
            widths.update(v.bit_length() for v in values)
            full = len(values) // 128
            packed = pfor = 0
            for q in range(full):
                block = values[q * 128:(q + 1) * 128]
                m = 0
                for v in block:
                    m |= v
                packed += 1 + (m.bit_length() * 128 + 7) // 8
                pfor += pfor_block(block)
            tail = sum(vint_size(v) for v in values[full * 128:])
            kind = kinds['join' if term[:1] == b'\x01' else 'other']
            kind[0] += end - start
            kind[1] += packed + tail
            kind[2] += pfor + tail
            kind[3] += len(values)
    total = [sum(k[i] for k in kinds.values()) for i in range(4)]
    for name, k in sorted(kinds.items()) + [('all', total)]:
        print(f"{name}: values {k[3]:,}, varint {k[0]:,} B ({8 * k[0] / max(k[3], 1):.2f} bits each), "
              f"packed128 {k[1]:,} B ({k[1] / max(k[0], 1):.3f}×), pfor128 {k[2]:,} B ({k[2] / max(k[0], 1):.3f}×)")
    n = sum(widths.values())
    print('bit lengths: ' + ', '.join(f"{w}: {c / n:.1%}" for w, c in sorted(widths.items())))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
