/* hako: a multi-threaded malloc.  Link with -lhako (pkg-config hako) or LD_PRELOAD libhako.so.
 *
 * libhako replaces the C allocator (malloc, free, calloc, realloc, posix_memalign, ...).  The
 * hako_* names below are the same functions under hako's own names: use them to call hako
 * explicitly (for instance when hako is linked beside another allocator).
 *
 * Environment: HAKO_STATS=1 dumps one JSON line of counters at exit (stderr, or appended to
 * HAKO_STATS_FILE=path); HAKO_VERBOSE=1 prints a banner (version, build hash, flags) at start. */
#ifndef HAKO_H
#define HAKO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void  *hako_malloc(size_t size);
void   hako_free(void *ptr);
void  *hako_calloc(size_t count, size_t size);
void  *hako_realloc(void *ptr, size_t size);
void  *hako_reallocarray(void *ptr, size_t count, size_t size);
void  *hako_aligned_alloc(size_t alignment, size_t size);
int    hako_posix_memalign(void **out, size_t alignment, size_t size);
size_t hako_usable_size(const void *ptr);
void   hako_free_sized(void *ptr, size_t size);
void   hako_free_aligned_sized(void *ptr, size_t alignment, size_t size);
/* Returns memory hako holds but does not use to the OS (like malloc_trim(0)); 1 if any was. */
int    hako_trim(void);

/* Writes the exit dump's JSON object (one line, no newline) into buf, truncated to cap bytes
 * with a terminating NUL; returns the full length, as snprintf does. */
size_t hako_stats_json(char *buf, size_t cap);
/* "hako VERSION build HASH flags FLAG,FLAG" : the identity of the library in use. */
const char *hako_build_info(void);

#ifdef __cplusplus
}
#endif
#endif
