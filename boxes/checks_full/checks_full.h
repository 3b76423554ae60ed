/* checks_full.h: the checked entry points (boxes/checks_full), wrapping api.h's core_*. */
#ifndef HAKO_CHECKS_FULL_H
#define HAKO_CHECKS_FULL_H
#include <stddef.h>
#include "types.h"

HIDDEN void  *checks_malloc(size_t size);
HIDDEN void   checks_free(void *p);
HIDDEN void  *checks_calloc(size_t count, size_t size);
HIDDEN void  *checks_realloc(void *p, size_t size);
HIDDEN void  *checks_reallocarray(void *p, size_t count, size_t size);
HIDDEN void  *checks_memalign(size_t align, size_t size);
HIDDEN void  *checks_aligned_alloc(size_t align, size_t size);
HIDDEN int    checks_posix_memalign(void **out, size_t align, size_t size);
HIDDEN size_t checks_usable_size(const void *p);
#endif
