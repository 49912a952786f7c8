// The system's ICU (libicu-dev; flags from `pkg-config icu-uc`). Only the C target CICUFloor includes it: ICU's
// functions are version-renamed macros (ubrk_open → ubrk_open_72) that Swift cannot import.
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>
