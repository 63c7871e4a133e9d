/* Host unit tests link against the C library, which has its own mem*
 * and str* functions.  lib/string.c is compiled with this header forced
 * in, so that its versions are the lib_* names and can be tested side by
 * side with the host's. */
#define memset lib_memset
#define memcpy lib_memcpy
#define memmove lib_memmove
#define memcmp lib_memcmp
#define strlen lib_strlen
#define strnlen lib_strnlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#define strchr lib_strchr
