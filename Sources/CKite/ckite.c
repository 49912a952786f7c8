#include "ckite.h"
#include <unicode/utypes.h>
#include <unicode/uversion.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>
#include <unicode/ures.h>
#include <unicode/udata.h>
#include <zlib.h>
#include <zstd.h>

// ICU's break-iterator data tree (ICU's own U_ICUDATA_BRKITR is in an internal header).
#define KITE_ICU_BRKITR U_ICUDATA_NAME U_TREE_SEPARATOR_STRING "brkitr"

int32_t kite_icu_major_version(void) { return U_ICU_VERSION_MAJOR_NUM; }

int32_t kite_utf8_to_utf16(const char *src, int32_t len, uint16_t *dest, int32_t cap, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t out = 0;
    u_strFromUTF8((UChar *)dest, cap, &out, src, len, &err);
    *status = (int32_t)err;
    return out;
}

kite_wordbreak *kite_wordbreak_open(const char *locale, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, locale, NULL, 0, &err);
    *status = (int32_t)err;
    if (U_FAILURE(err)) return NULL;
    return (kite_wordbreak *)bi;
}

void kite_wordbreak_close(kite_wordbreak *bi) {
    if (bi) ubrk_close((UBreakIterator *)bi);
}

int32_t kite_wordbreak_set_text(kite_wordbreak *bi, const uint16_t *text, int32_t len) {
    UErrorCode err = U_ZERO_ERROR;
    ubrk_setText((UBreakIterator *)bi, (const UChar *)text, len, &err);
    return (int32_t)err;
}

int32_t kite_wordbreak_next(kite_wordbreak *bi) {
    int32_t b = ubrk_next((UBreakIterator *)bi);
    return b == UBRK_DONE ? -1 : b;
}

int32_t kite_wordbreak_rule_status(kite_wordbreak *bi) {
    return ubrk_getRuleStatus((UBreakIterator *)bi);
}

int32_t kite_icu_break_dictionary_name(const char *script_code, uint16_t *dest, int32_t cap, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UResourceBundle *root = ures_open(KITE_ICU_BRKITR, "", &err);
    UResourceBundle *table = ures_getByKey(root, "dictionaries", NULL, &err);
    int32_t len = 0;
    const UChar *name = ures_getStringByKey(table, script_code, &len, &err);
    if (U_SUCCESS(err)) u_strncpy((UChar *)dest, name, len < cap ? len : cap);
    ures_close(table);
    ures_close(root);
    *status = (int32_t)err;
    return U_SUCCESS(err) ? len : 0;
}

kite_icu_data *kite_icu_break_data_open(const char *type, const char *name, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UDataMemory *data = udata_open(KITE_ICU_BRKITR, type, name, &err);
    *status = (int32_t)err;
    return U_FAILURE(err) ? NULL : (kite_icu_data *)data;
}

const void *kite_icu_data_bytes(kite_icu_data *data) { return udata_getMemory((UDataMemory *)data); }

void kite_icu_data_close(kite_icu_data *data) {
    if (data) udata_close((UDataMemory *)data);
}

int32_t kite_nfkc_casefold(const uint16_t *src, int32_t len, uint16_t *dest, int32_t cap, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFKCCasefoldInstance(&err);
    if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
    int32_t out = unorm2_normalize(n, (const UChar *)src, len, (UChar *)dest, cap, &err);
    *status = (int32_t)err;
    return out;
}

int32_t kite_transliterate(const char *transform_id, uint16_t *text, int32_t len, int32_t cap, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UChar id[64];
    int32_t n = 0;
    while (transform_id[n] && n < 63) { id[n] = (UChar)transform_id[n]; n++; }
    UTransliterator *t = utrans_openU(id, n, UTRANS_FORWARD, NULL, 0, NULL, &err);
    if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
    int32_t limit = len;
    utrans_transUChars(t, (UChar *)text, &len, cap, 0, &limit, &err);
    utrans_close(t);
    *status = (int32_t)err;
    return limit;
}

uint32_t kite_crc32(uint32_t crc, const void *bytes, size_t len) {
    uLong c = crc;
    const Bytef *p = (const Bytef *)bytes;
    while (len > 0) {
        uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)c;
}

long kite_inflate(const void *src, size_t len, void *dest, size_t cap) {
    uLongf out = (uLongf)cap;
    if (uncompress((Bytef *)dest, &out, (const Bytef *)src, (uLong)len) != Z_OK) return -1;
    return (long)out;
}

size_t kite_zstd_bound(size_t len) { return ZSTD_compressBound(len); }

void *kite_zstd_cctx_new(void) { return ZSTD_createCCtx(); }

void kite_zstd_cctx_free(void *cctx) { ZSTD_freeCCtx((ZSTD_CCtx *)cctx); }

long kite_zstd_compress(void *cctx, const void *src, size_t len, void *dest, size_t cap, int level) {
    size_t n = ZSTD_compressCCtx((ZSTD_CCtx *)cctx, dest, cap, src, len, level);
    return ZSTD_isError(n) ? -1 : (long)n;
}

long kite_zstd_decompress(const void *src, size_t len, void *dest, size_t cap) {
    size_t n = ZSTD_decompress(dest, cap, src, len);
    return ZSTD_isError(n) ? -1 : (long)n;
}

#ifdef __GLIBC__
#include <malloc.h>
int kite_set_malloc_trim_threshold(int bytes) { return mallopt(M_TRIM_THRESHOLD, bytes); }
#else
int kite_set_malloc_trim_threshold(int bytes) { (void)bytes; return 0; }
#endif
