/*
 * icu_words.c -- the bare-ICU floor of Kite's analysis, and the tokenizer that feeds the peers.
 *
 *   icu_words count DOCS.txt          read the file, then per line: UTF-8 -> UTF-16 (u_strFromUTF8Lenient) and ICU's
 *                                     "zh" word-break iterator, counting segments with rule status >= 100 (numbers,
 *                                     letters, kana, ideographs: the segments Kite keeps as words). Prints one JSON
 *                                     line: bytes, docs, words, seconds (in-process, file read included), MB/s.
 *   icu_words dump DOCS.txt > TOK     the same segmentation, writing JSONL {"id":LINE,"text":"w w w"}: the words
 *                                     joined by single spaces, ASCII lower-cased (the pre-tokenized corpus).
 *
 * DOCS.txt holds one document per line (compare.py writes it: title + " " + text, line breaks made spaces).
 * One thread, one iterator reused for every line, as Kite reuses its token streams.
 *
 * Build: cc -O2 -o icu_words icu_words.c $(pkg-config --cflags --libs icu-uc)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "icu_words: %s\n", what);
    exit(1);
}

/* The whole input file, NUL-terminated. */
static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek input");
    long n = ftell(f);
    if (n < 0) die("cannot size input");
    rewind(f);
    char *data = malloc((size_t)n + 1);
    if (!data) die("out of memory");
    if (fread(data, 1, (size_t)n, f) != (size_t)n) die("short read");
    data[n] = 0;
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* Buffered stdout for dump mode. */
static char *out_buf;
static size_t out_len, out_cap;

static void out_write(const void *p, size_t n) {
    if (out_len + n > out_cap) {
        size_t cap = out_cap ? out_cap : (size_t)1 << 20;
        while (out_len + n > cap) cap *= 2;
        out_buf = realloc(out_buf, cap);
        if (!out_buf) die("out of memory");
        out_cap = cap;
    }
    memcpy(out_buf + out_len, p, n);
    out_len += n;
}

static void out_flush(void) {
    if (out_len && fwrite(out_buf, 1, out_len, stdout) != out_len) die("write failed");
    out_len = 0;
}

/* Appends one word (UTF-16) as JSON string content: ASCII lower-cased, quotes and backslashes escaped, control
 * characters dropped. */
static void out_word(const UChar *w, int32_t len) {
    char utf8[1024];
    int32_t n = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8(utf8, (int32_t)sizeof utf8, &n, w, len, &st);
    if (U_FAILURE(st) || n <= 0) return; /* an absurdly long "word": skip it */
    for (int32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)utf8[i];
        if (c < 0x20) continue;
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        if (c == '"' || c == '\\') out_write("\\", 1);
        out_write(&c, 1);
    }
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "count") != 0 && strcmp(argv[1], "dump") != 0)) {
        fprintf(stderr, "usage: icu_words count|dump DOCS.txt\n");
        return 2;
    }
    int dump = strcmp(argv[1], "dump") == 0;
    double start = seconds_now();
    size_t size;
    char *data = slurp(argv[2], &size);

    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "zh", NULL, 0, &st);
    if (U_FAILURE(st)) die(u_errorName(st));

    int32_t cap = 1 << 16;
    UChar *u = malloc(sizeof(UChar) * (size_t)cap);
    if (!u) die("out of memory");
    size_t docs = 0, words = 0;
    const char *p = data, *end = data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        size_t blen = (size_t)(line_end - p);
        if (blen >= (size_t)INT32_MAX / 2) die("line too long");
        if ((int32_t)blen + 1 > cap) {
            while ((int32_t)blen + 1 > cap) cap *= 2;
            u = realloc(u, sizeof(UChar) * (size_t)cap);
            if (!u) die("out of memory");
        }
        int32_t ulen = 0;
        st = U_ZERO_ERROR;
        u_strFromUTF8Lenient(u, cap, &ulen, p, (int32_t)blen, &st);
        if (U_FAILURE(st)) die(u_errorName(st));
        st = U_ZERO_ERROR;
        ubrk_setText(bi, u, ulen, &st);
        if (U_FAILURE(st)) die(u_errorName(st));
        if (dump) {
            char head[64];
            int hn = snprintf(head, sizeof head, "{\"id\":%zu,\"text\":\"", docs);
            out_write(head, (size_t)hn);
        }
        int32_t from = ubrk_first(bi), to;
        int first = 1;
        while ((to = ubrk_next(bi)) != UBRK_DONE) {
            if (ubrk_getRuleStatus(bi) >= UBRK_WORD_NONE_LIMIT) {
                words++;
                if (dump) {
                    if (!first) out_write(" ", 1);
                    first = 0;
                    out_word(u + from, to - from);
                }
            }
            from = to;
        }
        if (dump) {
            out_write("\"}\n", 3);
            if (out_len > ((size_t)1 << 22)) out_flush();
        }
        docs++;
        p = line_end + 1;
    }
    if (dump) out_flush();
    double secs = seconds_now() - start;
    fprintf(dump ? stderr : stdout,
            "{\"mode\":\"%s\",\"bytes\":%zu,\"docs\":%zu,\"words\":%zu,\"seconds\":%.4f,\"mb_per_s\":%.2f}\n",
            argv[1], size, docs, words, secs, (double)size / 1e6 / secs);
    ubrk_close(bi);
    free(u);
    free(data);
    return 0;
}
