#include "icu_floor.h"

#include <stdint.h>
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/uclean.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>
#include <unicode/uversion.h>

// Per-thread state: one word-break iterator and one growable UTF-16 buffer.
static _Thread_local UBreakIterator *floor_iterator;
static _Thread_local UChar *floor_buffer;
static _Thread_local int32_t floor_capacity;

// Converts into the thread's buffer; returns the UTF-16 length, or -1 on error.
static int32_t floor_convert(const char *utf8, size_t len) {
    if (len > (size_t)INT32_MAX / 2) return -1;
    int32_t need = (int32_t)len + 1;  // UTF-16 units never exceed UTF-8 bytes
    if (floor_capacity < need) {
        int32_t cap = floor_capacity ? floor_capacity : 1 << 16;
        while (cap < need) cap *= 2;
        UChar *grown = realloc(floor_buffer, sizeof(UChar) * (size_t)cap);
        if (!grown) return -1;
        floor_buffer = grown;
        floor_capacity = cap;
    }
    UErrorCode status = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(floor_buffer, floor_capacity, &ulen, utf8, (int32_t)len, &status);
    if (U_FAILURE(status)) return -1;
    return ulen;
}

size_t icu_floor_count_words(const char *utf8, size_t len) {
    UErrorCode status = U_ZERO_ERROR;
    if (!floor_iterator) {
        floor_iterator = ubrk_open(UBRK_WORD, "zh", NULL, 0, &status);
        if (U_FAILURE(status)) { floor_iterator = NULL; return (size_t)-1; }
    }
    int32_t ulen = floor_convert(utf8, len);
    if (ulen < 0) return (size_t)-1;
    ubrk_setText(floor_iterator, floor_buffer, ulen, &status);
    if (U_FAILURE(status)) return (size_t)-1;
    size_t words = 0;
    ubrk_first(floor_iterator);
    while (ubrk_next(floor_iterator) != UBRK_DONE) {
        if (ubrk_getRuleStatus(floor_iterator) >= UBRK_WORD_NONE_LIMIT) words++;
    }
    return words;
}

size_t icu_floor_convert_only(const char *utf8, size_t len) {
    int32_t ulen = floor_convert(utf8, len);
    return ulen < 0 ? (size_t)-1 : (size_t)ulen;
}

int icu_floor_version_major(void) {
    UVersionInfo v;
    u_getVersion(v);
    return v[0];
}
