/* checks_full.c: boxes/checks_full, full heap-integrity checking at the api boundary.
 * Owns: the layout of a checked block.  May call: the core entry points (api.h), hako_fatal.
 *
 * A checked block of n requested bytes is a core block of at least n + 16 bytes U:
 *     [ user bytes 0..n ) [ canary 0xca .. U-8 ) [ trailer: n ^ secret, 8 bytes ]
 * free() and realloc() verify the trailer and the canary (a write past the end of the block),
 * then poison the block beyond its first 16 bytes (where the core keeps its free-list link and
 * mark): a tag word (address ^ size ^ secret) and 0xdf bytes.  malloc() checks a block it gets
 * back: when the tag is there (the block was freed with this very layout of its span) every poison byte must
 * be too, else the block was written after it was freed.  Memory reused with another layout, or
 * purged, carries no matching tag and is not judged. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "api.h"
#include "checks_full.h"
#include "init.h"

#define EXTRA    16
#define CANARY   0xca
#define POISON   0xdf
#define LINK     16          /* bytes at the start of a free block that the core owns */

static uint64_t *trailer(uint8_t *p, size_t usable) { return (uint64_t *)(p + usable - 8); }

/* Which layout of the span holds p: a span handed out again (maybe with other block sizes in
 * between) has another generation, so an old tag left in its memory no longer matches. */
static uint64_t layout_gen(const uint8_t *p) {
    if (!segmap_has((uintptr_t)p)) return 0;                 /* huge, aligned beyond a segment */
    segment_t *seg = segment_of(p);
    return seg->kind == SEG_HUGE ? seg->pages[0].gen : page_of(seg, p)->gen;
}

static uint64_t poison_tag(const uint8_t *p, size_t usable) {
    uint64_t x = usable * 0x9e3779b97f4a7c15ull + layout_gen(p) * 0xc2b2ae3d27d4eb4full;
    return ((uintptr_t)p ^ x ^ hako_secret) | 1;
}

static void poison(uint8_t *p, size_t usable) {
    if (usable < LINK + 8) return;
    uint64_t tag = poison_tag(p, usable);
    memcpy(p + LINK, &tag, 8);
    memset(p + LINK + 8, POISON, usable - LINK - 8);
}

/* A block back from the core: when it carries its own poison tag, every poison byte is intact. */
static void verify_poison(uint8_t *p, size_t usable, const char *fn) {
    uint64_t tag;
    if (usable < LINK + 8) return;
    memcpy(&tag, p + LINK, 8);
    if (tag != poison_tag(p, usable)) return;
    for (size_t i = LINK + 8; i < usable; i++)
        if (p[i] != POISON) hako_fatal(fn, "block written after free, at", p + i);
}

static void *arm(uint8_t *p, size_t n, const char *fn) {
    if (!p) return NULL;
    size_t usable = core_usable_size_in(p, fn);
    verify_poison(p, usable, fn);
    memset(p + n, CANARY, usable - 8 - n);
    *trailer(p, usable) = (uint64_t)n ^ hako_secret;
    return p;
}

/* The requested size of a checked block, after verifying its trailer and canary. */
static size_t verify(uint8_t *p, const char *fn) {
    size_t usable = core_usable_size_in(p, fn);   /* stops on pointers hako does not own */
    uint64_t n = *trailer(p, usable) ^ hako_secret;
    if (n > usable - EXTRA) hako_fatal(fn, "corrupt block trailer (write past the end of the block?)", p);
    for (size_t i = n; i < usable - 8; i++)
        if (p[i] != CANARY) hako_fatal(fn, "write past the end of the block", p);
    return n;
}

static bool grow(size_t n, size_t *out) { return !__builtin_add_overflow(n, EXTRA, out) && *out <= PTRDIFF_MAX; }

void *checks_malloc(size_t n) {
    size_t m;
    if (!grow(n, &m)) { errno = ENOMEM; return NULL; }
    return arm(core_malloc(m), n, "malloc");
}

void checks_free(void *p) {
    if (!p) return;
    int saved = errno;
    verify(p, "free");
    poison(p, core_usable_size_in(p, "free"));
    core_free(p);
    errno = saved;
}

/* The core zeroes (and knows which fresh memory needs no zeroing); only the canary is written. */
void *checks_calloc(size_t count, size_t size) {
    size_t n, m;
    if (__builtin_mul_overflow(count, size, &n) || !grow(n, &m)) { errno = ENOMEM; return NULL; }
    return arm(core_calloc(1, m), n, "calloc");
}

void *checks_realloc(void *p, size_t n) {
    if (!p) return checks_malloc(n);
    if (n == 0) { checks_free(p); return NULL; }
    size_t old = verify(p, "realloc");
    void *q = checks_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    checks_free(p);
    return q;
}

void *checks_reallocarray(void *p, size_t count, size_t size) {
    size_t n;
    if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return NULL; }
    return checks_realloc(p, n);
}

void *checks_memalign(size_t align, size_t n) {
    size_t m;
    if (!grow(n, &m)) { errno = ENOMEM; return NULL; }
    return arm(core_memalign(align, m), n, "memalign");
}

void *checks_aligned_alloc(size_t align, size_t n) { return checks_memalign(align, n); }

int checks_posix_memalign(void **out, size_t align, size_t n) {
    size_t m;
    if (!grow(n, &m)) return ENOMEM;
    void *p;
    int r = core_posix_memalign(&p, align, m);
    if (r == 0) *out = arm(p, n, "posix_memalign");
    return r;
}

/* Exactly what was asked: the canary starts there. */
size_t checks_usable_size(const void *p) {
    if (!p) return 0;
    return verify((uint8_t *)p, "malloc_usable_size");
}
