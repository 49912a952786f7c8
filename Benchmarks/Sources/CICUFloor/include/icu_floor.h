#ifndef KITE_ICU_FLOOR_H
#define KITE_ICU_FLOOR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The bare-ICU floor of Kite's analysis: converts `len` bytes of UTF-8 to UTF-16 (u_strFromUTF8) and runs ICU's
/// `zh` word-break iterator over it, counting the segments whose rule status is >= 100 (numbers, letters, kana,
/// ideographs), the segments Kite keeps as words. No folding, no repair, no bigrams, no term strings.
///
/// The iterator and the UTF-16 buffer are opened once per thread and reused (as Kite reuses its token streams), so
/// a call costs only the conversion and the segmentation. Returns (size_t)-1 on an ICU error (e.g. invalid UTF-8).
size_t icu_floor_count_words(const char *utf8, size_t len);

/// UTF-8 → UTF-16 conversion alone (no segmentation): returns the number of UTF-16 units, (size_t)-1 on error.
size_t icu_floor_convert_only(const char *utf8, size_t len);

/// The ICU major version the floor runs with (e.g. 72).
int icu_floor_version_major(void);

#ifdef __cplusplus
}
#endif

#endif
