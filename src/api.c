/* api.c: the exported symbols: argument checks, errno, overflow, fail-fast on bad pointers.
 * Owns: nothing but the contract with the caller (DESIGN §1 "Required behaviour").
 * May call: hot (small blocks), cache (remote frees), central (the pointer map), large.
 *
 * malloc and free are the hot layer's inline fast paths plus one test each; everything unusual
 * goes to a noinline slow path so the fast paths stay short.  With HAKO_NO_OVERRIDE (sanitizer
 * builds) only the hako_* names are defined and the C library keeps malloc. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hako.h"
#include "api.h"
#include "hot.h"
#include "cache.h"
#include "central.h"
#include "init.h"
#include "large.h"
#include "stats.h"
#include "os.h"
#if HAKO_SEGMATH
#include "pagemap.h"
#endif
#if HAKO_LEND_TO_CURRENT
#include "lend_to_current.h"    /* boxes/lend_to_current: free blocks lent to the class's current page */
#endif
#if HAKO_REALLOC_SLACK
#include "realloc_slack.h"      /* boxes/realloc_slack: a block that moves to grow gets room to grow again */
#endif
#if HAKO_FOREIGN_REUSE
#include "foreign_reuse.h"      /* boxes/foreign_reuse: remote frees kept and handed out again here */
#endif
#if HAKO_SEGMENT_ARENA
#include "segment_arena.h"      /* boxes/segment_arena: segments from one range, told by a compare */
#endif
#if HAKO_ALIGNED_DIRECT
#include "aligned_direct.h"     /* boxes/aligned_direct: small aligned requests on malloc's fast path */
#endif

#define API __attribute__((visibility("default")))

/* ---- looking a pointer up, with every check ------------------------------------------------------ */

enum ref_kind { REF_SMALL, REF_LARGE, REF_HUGE };
typedef struct ref {
    enum ref_kind kind;
    segment_t *seg;
    page_t *pg;
    size_t usable;
} ref_t;

/* Validates p (a block hako handed out and that is not free) or stops the process naming fn. */
static ref_t lookup(const void *p, const char *fn) {
    uintptr_t a = (uintptr_t)p;
    ref_t r = { 0 };
    if (!segmap_has(a)) {
        /* a block aligned to 4 MiB or more sits one segment above its header */
        if (a >= SEG_SIZE && segmap_has(a - SEG_SIZE)) {
            segment_t *seg = segment_of((void *)(a - SEG_SIZE));
            if (seg->cookie == ((uintptr_t)seg ^ hako_secret) && seg->kind == SEG_HUGE && seg->user == p)
                return (ref_t){ REF_HUGE, seg, NULL, seg->user_size };
        }
        hako_fatal(fn, "invalid pointer (not allocated by hako)", p);
    }
    segment_t *seg = segment_of(p);
    if (unlikely(seg->cookie != ((uintptr_t)seg ^ hako_secret))) hako_fatal(fn, "corrupt segment header at", seg);
    if (seg->kind == SEG_HUGE) {
        if (p == seg->user) return (ref_t){ REF_HUGE, seg, NULL, seg->user_size };
        hako_fatal(fn, "invalid pointer (inside a block or its header)", p);
    }
    page_t *pg = page_of(seg, p);
    switch (pg->kind) {
    case PAGE_SMALL: {
        if (!hot_is_block(pg, p)) {
            uintptr_t off = a - (uintptr_t)pg->start;
            if (off / pg->block_size < load_relaxed(&pg->capacity))
                hako_fatal(fn, "invalid pointer (inside a block)", p);
            hako_fatal(fn, "invalid pointer (never allocated)", p);
        }
        const block_t *b = p;
        if (b->mark == block_mark(b)) hako_fatal(fn, "double free", p);
        r.kind = REF_SMALL;
        r.usable = pg->block_size;
        break;
    }
    case PAGE_LARGE:
        if (p != pg->start) hako_fatal(fn, "invalid pointer (inside a block)", p);
        r.kind = REF_LARGE;
        r.usable = pg->block_size;
        break;
#if HAKO_LARGE_CACHE
    case PAGE_LARGE_CACHED:     /* boxes/large_cache: freed, kept by a thread's heap */
        hako_fatal(fn, p == pg->start ? "double free" : "invalid pointer (inside a freed block)", p);
#endif
#if HAKO_PAGE_RECYCLE
    case PAGE_RECYCLED:         /* boxes/page_recycle: an empty page its heap keeps */
#endif
    case PAGE_FREE:
        hako_fatal(fn, "double free or invalid pointer (memory not in use)", p);
    default:
        hako_fatal(fn, "invalid pointer (allocator metadata)", p);
    }
    r.seg = seg;
    r.pg = pg;
    return r;
}

static void release(ref_t r, void *p) {
    switch (r.kind) {
    case REF_SMALL: {
        heap_t *h = hako_tl_heap;
        uintptr_t owner = load_relaxed(&r.pg->xheap) & ~XHEAP_FLAGS;
        if (owner == (uintptr_t)h) hot_free_local_slow(h, r.pg, p);
        else cache_remote_free(h, (heap_t *)owner, p);
        break;
    }
    case REF_LARGE: large_free(r.pg); break;
    case REF_HUGE: huge_free(r.seg); break;
    }
}

static NOINLINE void free_slow(void *p) {
    int saved = errno;
    release(lookup(p, "free"), p);
    errno = saved;
}

#if HAKO_LEND_TO_CURRENT
/* boxes/lend_to_current: out of line, so that free()'s fast path still needs no stack. */
static NOINLINE void lend_free_or_slow(heap_t *h, page_t *pg, void *p) {
    if (!lend_free(h, pg, p)) free_slow(p);
}
#endif

/* ---- allocation ------------------------------------------------------------------------------------ */

static NOINLINE void *alloc_slow(size_t size) {
    if (size <= SMALL_MAX) return hot_alloc_class(hako_tl_heap, class_of(size));
    return large_alloc(size, 0, false);
}

void *core_malloc(size_t size) {
    if (likely(size <= DIRECT_MAX)) return hot_alloc_direct(hako_tl_heap, size);
    return alloc_slow(size);
}

/* The descriptor free() starts from: by segment arithmetic, or (boxes/segmath) the page map. */
static inline page_t *free_page_of(uintptr_t a) {
#if HAKO_SEGMATH
    return pagemap_get(a);
#else
    return likely(segmap_has(a)) ? page_of(segment_of((void *)a), (void *)a) : NULL;
#endif
}

#if HAKO_SEGMENT_ARENA
/* boxes/segment_arena: below the arena's top (as h last read it) every address is readable, so
 * the descriptor needs no segment map; outside it, the segment map, and a hit there means h's
 * copy of the range may be old (refreshed). */
static inline page_t *arena_page_of(heap_t *h, uintptr_t a) {
    if (likely(a - h->arena_base < h->arena_top)) return page_of(segment_of((void *)a), (void *)a);
    page_t *pg = free_page_of(a);
    if (pg) seg_arena_refresh(h);
    return pg;
}
#endif

#if HAKO_REMOTE_LEAN
/* boxes/remote_lean: a block of another heap's small page goes to its owner with the fast path's
 * checks, not through free_slow's second lookup; false leaves anything else to free_slow. */
static inline bool remote_lean_free(heap_t *h, page_t *pg, block_t *b) {
    uintptr_t x = load_relaxed(&pg->xheap);
    heap_t *owner = (heap_t *)(x & ~XHEAP_FLAGS);
    if (x == 0 || owner == h) return false;                 /* not a small page, or h's own full one */
    if (unlikely(!hot_is_block(pg, b) || b->mark == block_mark(b))) return false;
#if HAKO_FOREIGN_REUSE
    if (h != &hako_empty_heap && foreign_keep(h, pg, b)) return true;    /* boxes/foreign_reuse */
#endif
    cache_remote_free(h, owner, b);
    return true;
}
#endif

void core_free(void *p) {
    uintptr_t a = (uintptr_t)p;
#if HAKO_SEGMENT_ARENA
    heap_t *h = hako_tl_heap;
    page_t *pg = arena_page_of(h, a);           /* boxes/segment_arena */
    if (likely(pg != NULL)) {
#else
    page_t *pg = free_page_of(a);
    if (likely(pg != NULL)) {
        heap_t *h = hako_tl_heap;
#endif
        if (likely(load_relaxed(&pg->xheap) == (uintptr_t)h)) {
            block_t *b = p;
            if (likely(hot_is_block(pg, p) && b->mark != block_mark(b))) {
#if HAKO_CLASS_LIFO
                hot_free_own(h, pg, b);             /* boxes/class_lifo: on its class's list */
#else
                hot_free_local(h, pg, b);
#endif
                return;
            }
        }
#if HAKO_LEND_TO_CURRENT
        else if ((load_relaxed(&pg->xheap) & ~XHEAP_FLAGS) == (uintptr_t)h) {
            lend_free_or_slow(h, pg, p);            /* boxes/lend_to_current: h's page that left its queue */
            return;
        }
#endif
#if HAKO_REMOTE_LEAN
        else if (remote_lean_free(h, pg, p)) return;
#endif
    } else if (!p) {
        return;
    }
    free_slow(p);
}

void *core_calloc(size_t count, size_t size) {
    size_t n;
    if (unlikely(__builtin_mul_overflow(count, size, &n))) { errno = ENOMEM; return NULL; }
    if (n > SMALL_MAX) return large_alloc(n, 0, true);
    void *p = core_malloc(n);
    if (likely(p)) memset(p, 0, n);
    return p;
}

static size_t next_pow2(size_t n) { return n <= 1 ? 1 : (size_t)1 << (64 - __builtin_clzl(n - 1)); }

/* align: a power of two > ALIGN_MIN. Small requests come from a class whose blocks are all
 * aligned (class size a multiple of align; spans start on 64 KiB). */
static void *aligned_alloc_impl(size_t align, size_t size) {
    if (align <= ALIGN_MIN) return core_malloc(size);
    if (size > PTRDIFF_MAX) { errno = ENOMEM; return NULL; }
    if (align <= SLICE_SIZE) {
        size_t sz = (size ? size + align - 1 : align) & ~(align - 1);
        if (sz <= SMALL_MAX) {
            unsigned c = class_of(sz);
            if (class_size(c) & (align - 1)) c = class_of(next_pow2(sz));
            return hot_alloc_class(hako_tl_heap, c);
        }
    }
    return large_alloc(size ? size : 1, align, false);
}

/* memalign/aligned_alloc as glibc 2.36: a non-power-of-two alignment is rounded up. */
void *core_memalign(size_t align, size_t size) {
    if (align > (SIZE_MAX >> 1) + 1) { errno = EINVAL; return NULL; }
    if (align & (align - 1)) align = next_pow2(align);
#if HAKO_ALIGNED_DIRECT
    void *p = aligned_direct(align, size);                  /* boxes/aligned_direct */
    if (likely(p != NULL)) return p;
#endif
    return aligned_alloc_impl(align, size);
}

int core_posix_memalign(void **out, size_t align, size_t size) {
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
#if HAKO_ALIGNED_DIRECT
    void *q = aligned_direct(align, size);                  /* boxes/aligned_direct: errno untouched */
    if (likely(q != NULL)) { *out = q; return 0; }
#endif
    int saved = errno;
    void *p = aligned_alloc_impl(align, size);
    errno = saved;
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *core_aligned_alloc(size_t align, size_t size) { return core_memalign(align, size); }

/* ---- realloc ---------------------------------------------------------------------------------------- */

void *core_realloc(void *p, size_t size) {
    if (!p) return core_malloc(size);
    if (size == 0) { core_free(p); return NULL; }      /* glibc: realloc(p, 0) frees */
    ref_t r = lookup(p, "realloc");
    if (size > PTRDIFF_MAX) { errno = ENOMEM; return NULL; }
    /* keep the block when the new size fits and would not waste more than half of it */
    if (size <= r.usable && size >= r.usable / 2) return p;
    if (r.kind == REF_SMALL && size <= r.usable && class_of(size) == r.pg->cls) return p;
    if (r.kind == REF_HUGE && size > LARGE_MAX) {
        void *q = huge_realloc(r.seg, size);
        if (q) return q;
    }
#if HAKO_LARGE_INPLACE
    if (r.kind == REF_LARGE && size > r.usable && size <= LARGE_MAX && large_grow(r.pg, size)) return p;
#endif
#if HAKO_REALLOC_SLACK
    void *q = core_malloc(realloc_slack(r.usable, size));  /* boxes/realloc_slack: room for the next growth */
#else
    void *q = core_malloc(size);
#endif
    if (!q) return NULL;
    memcpy(q, p, size < r.usable ? size : r.usable);
    release(r, p);
    return q;
}

void *core_reallocarray(void *p, size_t count, size_t size) {
    size_t n;
    if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return NULL; }
    return core_realloc(p, n);
}

/* ---- the rest of the family -------------------------------------------------------------------------- */

size_t core_usable_size_in(const void *p, const char *fn) { return lookup(p, fn).usable; }

size_t core_usable_size(const void *p) {
    if (!p) return 0;
    return lookup(p, "malloc_usable_size").usable;
}


API int hako_trim(void) {
    hako_init();
    bool a = cache_trim();
    bool b = central_trim();
    bool c = large_trim();
    return a || b || c;
}

API size_t hako_stats_json(char *buf, size_t cap) { hako_init(); return stats_json(buf, cap); }

API const char *hako_build_info(void) {
    return "hako " HAKO_VERSION_STR " build " HAKO_BUILD_HASH " flags " HAKO_BUILD_FLAGS;
}

/* ---- exported names: the core, or the core wrapped by boxes/checks_full ------------------------------ */
#define ALIAS(name) __attribute__((alias(#name), visibility("default")))
#if HAKO_CHECKS_FULL
#include "checks_full.h"
#define ENTRY(ret, name, params, args) API ret hako_##name params { return checks_##name args; }
API void hako_free(void *p) { checks_free(p); }
#else
#define ENTRY(ret, name, params, args) ret hako_##name params ALIAS(core_##name);
void hako_free(void *) ALIAS(core_free);
#endif
ENTRY(void *, malloc, (size_t n), (n))
ENTRY(void *, calloc, (size_t c, size_t n), (c, n))
ENTRY(void *, realloc, (void *p, size_t n), (p, n))
ENTRY(void *, reallocarray, (void *p, size_t c, size_t n), (p, c, n))
ENTRY(void *, aligned_alloc, (size_t a, size_t n), (a, n))
ENTRY(int, posix_memalign, (void **out, size_t a, size_t n), (out, a, n))
ENTRY(size_t, usable_size, (const void *p), (p))
API void hako_free_sized(void *p, size_t size) { (void)size; hako_free(p); }
API void hako_free_aligned_sized(void *p, size_t align, size_t size) { (void)align; (void)size; hako_free(p); }

#ifndef HAKO_NO_OVERRIDE
static void *memalign_entry(size_t align, size_t size) {
#if HAKO_CHECKS_FULL
    return checks_memalign(align, size);
#else
    return core_memalign(align, size);
#endif
}
/* ---- the C library's names ------------------------------------------------------------------------------ */

void *malloc(size_t) ALIAS(hako_malloc);
void free(void *) ALIAS(hako_free);
void *calloc(size_t, size_t) ALIAS(hako_calloc);
void *realloc(void *, size_t) ALIAS(hako_realloc);
void *reallocarray(void *, size_t, size_t) ALIAS(hako_reallocarray);
int posix_memalign(void **, size_t, size_t) ALIAS(hako_posix_memalign);
void *aligned_alloc(size_t, size_t) ALIAS(hako_aligned_alloc);
size_t malloc_usable_size(void *) ALIAS(hako_usable_size);
void cfree(void *) ALIAS(hako_free);
void free_sized(void *, size_t) ALIAS(hako_free_sized);
void free_aligned_sized(void *, size_t, size_t) ALIAS(hako_free_aligned_sized);

API void *memalign(size_t align, size_t size) { return memalign_entry(align, size); }

API void *valloc(size_t size) { return memalign_entry((size_t)sysconf(_SC_PAGESIZE), size); }

API void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t n = size ? (size + page - 1) & ~(page - 1) : page;
    if (n < size) { errno = ENOMEM; return NULL; }
    return memalign_entry(page, n);
}

API int malloc_trim(size_t pad) { (void)pad; return hako_trim(); }

API struct mallinfo2 mallinfo2(void) {
    hako_init();
    central_info_t ci;
    central_info(&ci);
    struct mallinfo2 m = { 0 };
    uint64_t mapped = load_relaxed(&hako_os_stats.mapped_now);
    uint64_t sliced = ci.segments * SEG_SIZE;
    m.arena = sliced;
    m.ordblks = 1;
    m.hblks = (size_t)(load_relaxed(&hako_global_stats.huge_alloc));
    m.hblkhd = mapped > sliced ? mapped - sliced : 0;
    m.uordblks = ci.span_bytes;
    m.fordblks = ci.free_bytes;
    m.keepcost = ci.dirty_bytes;
    return m;
}

API struct mallinfo mallinfo(void) {
    struct mallinfo2 m2 = mallinfo2();
    struct mallinfo m = { 0 };
    m.arena = (int)m2.arena;
    m.ordblks = (int)m2.ordblks;
    m.hblks = (int)m2.hblks;
    m.hblkhd = (int)m2.hblkhd;
    m.uordblks = (int)m2.uordblks;
    m.fordblks = (int)m2.fordblks;
    m.keepcost = (int)m2.keepcost;
    return m;
}

/* Options of glibc's allocator have no meaning here; accepted and ignored. */
API int mallopt(int param, int value) { (void)param; (void)value; return 1; }

API void malloc_stats(void) { hako_init(); stats_dump(2); }
#endif
