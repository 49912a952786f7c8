// Plain, unversioned C entry points over ICU's version-renamed C API and zlib.
// Swift cannot call ICU directly (every function is a macro such as ubrk_open -> ubrk_open_72),
// so this file exposes the handful of calls Kite needs (and zlib's and zstd's). No logic lives here.
#ifndef CKITE_H
#define CKITE_H
#include <stdint.h>
#include <stddef.h>

/// The major version of the ICU this was compiled against.
int32_t kite_icu_major_version(void);

/// Opaque word-break iterator.
typedef struct kite_wordbreak kite_wordbreak;

/// Opens an ICU word-break iterator for `locale`; NULL on failure (error code in *status).
kite_wordbreak *kite_wordbreak_open(const char *locale, int32_t *status);
void kite_wordbreak_close(kite_wordbreak *bi);
/// Points the iterator at `len` UTF-16 units; the buffer must outlive the iteration. Returns an ICU error code (<= 0 ok).
int32_t kite_wordbreak_set_text(kite_wordbreak *bi, const uint16_t *text, int32_t len);
/// Next boundary (UTF-16 index), or -1 at the end.
int32_t kite_wordbreak_next(kite_wordbreak *bi);
/// Rule status of the segment that ends at the current boundary (0-99 none, 100 number, 200 letter, 300 kana, 400 ideo).
int32_t kite_wordbreak_rule_status(kite_wordbreak *bi);

/// The file name (e.g. "cjdict.dict") of the word-break dictionary ICU uses for the script `script_code` (ISO 15924
/// short name, e.g. "Hani"), from its break-iterator data's `dictionaries` table, as UTF-16 into `dest` (capacity
/// `cap`); returns its length, error in *status.
int32_t kite_icu_break_dictionary_name(const char *script_code, uint16_t *dest, int32_t cap, int32_t *status);
/// Opaque ICU data item, mapped from ICU's data.
typedef struct kite_icu_data kite_icu_data;
/// Opens the break-iterator data item `name`.`type` (e.g. "cjdict", "dict"); NULL on failure (error in *status).
kite_icu_data *kite_icu_break_data_open(const char *type, const char *name, int32_t *status);
/// The item's bytes (valid until it is closed).
const void *kite_icu_data_bytes(kite_icu_data *data);
void kite_icu_data_close(kite_icu_data *data);

/// UTF-8 (`len` bytes) to UTF-16 into `dest` (capacity `cap`, ≥ `len` suffices); returns the UTF-16 length, error in *status.
int32_t kite_utf8_to_utf16(const char *src, int32_t len, uint16_t *dest, int32_t cap, int32_t *status);

/// NFKC_Casefold of `len` UTF-16 units into `dest` (capacity `cap`); returns the full output length, error in *status.
int32_t kite_nfkc_casefold(const uint16_t *src, int32_t len, uint16_t *dest, int32_t cap, int32_t *status);
/// Applies the ICU transform `transform_id` (e.g. "Traditional-Simplified") in place; returns the new length.
int32_t kite_transliterate(const char *transform_id, uint16_t *text, int32_t len, int32_t cap, int32_t *status);

/// zlib CRC-32 of `len` bytes, continuing from `crc` (start with 0).
uint32_t kite_crc32(uint32_t crc, const void *bytes, size_t len);
/// Inflates a zlib stream (stored blocks of format version 2) into `dest`; returns the decompressed size, or -1 on corrupt input or too small a buffer.
long kite_inflate(const void *src, size_t len, void *dest, size_t cap);

/// Upper bound of kite_zstd_compress's output for `len` input bytes.
size_t kite_zstd_bound(size_t len);
/// A zstd compression context (reused across blocks); NULL when out of memory.
void *kite_zstd_cctx_new(void);
void kite_zstd_cctx_free(void *cctx);
/// zstd-compresses `len` bytes at `level` into one frame (content size recorded); returns its size, or -1.
long kite_zstd_compress(void *cctx, const void *src, size_t len, void *dest, size_t cap, int level);
/// Decompresses one zstd frame into `dest`; returns the decompressed size, or -1 on corrupt input or too small a buffer.
long kite_zstd_decompress(const void *src, size_t len, void *dest, size_t cap);

/// Hints the processor to fetch the cache line at `address` (no effect on results).
static inline void kite_prefetch(const void *address) { __builtin_prefetch(address); }

/// glibc's mallopt(M_TRIM_THRESHOLD, bytes): free memory above `bytes` at the top of a heap goes back to the system
/// (and the threshold no longer grows as large blocks are freed). Returns 1 on success, 0 without glibc.
int kite_set_malloc_trim_threshold(int bytes);

#endif
