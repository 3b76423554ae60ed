/* The hako_* API of include/hako.h mapped onto glibc's malloc, so that the allocator tests can run
 * against glibc (HAKO_TEST_GLIBC=1, build/san/glibc/): the reference that shows each check of a
 * glibc semantic is right.  hako's own features (stats, build identity) are stubs here; the tests
 * skip their checks in this build.  Included once, by alloc.h, into the test's only source file. */
#ifndef HAKO_GLIBC_SHIM_H
#define HAKO_GLIBC_SHIM_H
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include "hako.h"

void *hako_malloc(size_t size) { return malloc(size); }
void hako_free(void *ptr) { free(ptr); }
void *hako_calloc(size_t count, size_t size) { return calloc(count, size); }
void *hako_realloc(void *ptr, size_t size) { return realloc(ptr, size); }
void *hako_reallocarray(void *ptr, size_t count, size_t size) { return reallocarray(ptr, count, size); }
void *hako_aligned_alloc(size_t alignment, size_t size) { return aligned_alloc(alignment, size); }
int hako_posix_memalign(void **out, size_t alignment, size_t size) { return posix_memalign(out, alignment, size); }
size_t hako_usable_size(const void *ptr) { return malloc_usable_size((void *)ptr); }
void hako_free_sized(void *ptr, size_t size) { (void)size; free(ptr); }
void hako_free_aligned_sized(void *ptr, size_t alignment, size_t size) { (void)alignment; (void)size; free(ptr); }
int hako_trim(void) { return malloc_trim(0); }
size_t hako_stats_json(char *buf, size_t cap) { return (size_t)snprintf(buf, cap, "{}"); }
const char *hako_build_info(void) { return "glibc"; }
#endif
