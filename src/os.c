/* os.c: the os layer: mmap, munmap, madvise, mremap and the clock.
 * Owns: the process's mappings as the kernel sees them, and their byte counters.
 * May call: the kernel.  Never decides when to map or purge (that is central's policy). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include "types.h"
#include "os.h"

os_stats_t hako_os_stats;

static void count_map(size_t n) {
    atomic_fetch_add_explicit(&hako_os_stats.map_bytes, n, RELAXED);
    atomic_fetch_add_explicit(&hako_os_stats.map_calls, 1, RELAXED);
    uint64_t now = atomic_fetch_add_explicit(&hako_os_stats.mapped_now, n, RELAXED) + n;
    uint64_t peak = load_relaxed(&hako_os_stats.mapped_peak);
    while (now > peak && !atomic_compare_exchange_weak_explicit(&hako_os_stats.mapped_peak, &peak, now, RELAXED, RELAXED)) {}
}

static void count_unmap(size_t n) {
    atomic_fetch_add_explicit(&hako_os_stats.unmap_bytes, n, RELAXED);
    atomic_fetch_sub_explicit(&hako_os_stats.mapped_now, n, RELAXED);
}

static void *map_raw(void *hint, size_t size) {
    void *p = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *os_map(size_t size) {
    void *p = map_raw(NULL, size);
    if (p) count_map(size);
    else errno = ENOMEM;
    return p;
}

/* Aligned mappings: first at the hint (where the last segment ended: the kernel usually agrees),
 * else over-allocate by the alignment and trim both ends. */
void *os_map_aligned(size_t size, size_t align, void *hint) {
    if (hint && ((uintptr_t)hint & (align - 1)) == 0) {
        void *p = map_raw(hint, size);
        if (p == hint) { count_map(size); return p; }
        if (p) munmap(p, size);
    }
    size_t over = size + align;
    if (over < size) { errno = ENOMEM; return NULL; }
    uint8_t *raw = map_raw(NULL, over);
    if (!raw) { errno = ENOMEM; return NULL; }
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    size_t head = (size_t)(p - raw), tail = over - head - size;
    if (head) munmap(raw, head);
    if (tail) munmap(p + size, tail);
    count_map(size);
    return p;
}

void os_unmap(void *p, size_t size) {
    int saved = errno;
    if (munmap(p, size) == 0) count_unmap(size);
    errno = saved;
}

void os_purge(void *p, size_t size) {
    int saved = errno;
    if (madvise(p, size, MADV_DONTNEED) == 0)
        atomic_fetch_add_explicit(&hako_os_stats.purged_bytes, size, RELAXED);
    errno = saved;
}

#if HAKO_CALLOC_POPULATE
#include "calloc_populate_os.h"     /* boxes/calloc_populate: os_populate */
#endif

/* Grows or shrinks a mapping keeping its start aligned to align: in place when the kernel can,
 * else moved (pages, not bytes) to a fresh aligned range.  NULL when neither worked. */
void *os_remap(void *p, size_t old_size, size_t new_size, size_t align) {
    int saved = errno;
    void *q = mremap(p, old_size, new_size, 0);
    if (q != MAP_FAILED) goto done;
    uint8_t *raw = mmap(NULL, new_size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) { errno = saved; return NULL; }
    uint8_t *dst = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    q = mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
    if (q == MAP_FAILED) { munmap(raw, new_size + align); errno = saved; return NULL; }
    if (dst > raw) munmap(raw, (size_t)(dst - raw));
    size_t tail = (size_t)(raw + new_size + align - (dst + new_size));
    if (tail) munmap(dst + new_size, tail);
done:
    if (new_size > old_size) count_map(new_size - old_size);
    else count_unmap(old_size - new_size);
    errno = saved;
    return q;
}

bool os_shrink(void *p, size_t old_size, size_t new_size) {
    if (new_size >= old_size) return true;
    int saved = errno;
    bool ok = munmap((uint8_t *)p + new_size, old_size - new_size) == 0;
    if (ok) count_unmap(old_size - new_size);
    errno = saved;
    return ok;
}

#if HAKO_SEGMENT_ARENA
/* boxes/segment_arena: a range of addresses with no memory and no commit charge behind it. */
void *os_reserve(size_t size, size_t align) {
    int saved = errno;
    uint8_t *raw = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    errno = saved;
    if (raw == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    size_t head = (size_t)(p - raw), tail = align - head;
    if (head) munmap(raw, head);
    if (tail) munmap(p + size, tail);
    errno = saved;
    return p;
}

bool os_commit(void *p, size_t size) {
    int saved = errno;
    bool ok = mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
    errno = saved;
    if (ok) count_map(size);
    return ok;
}

void os_recommit(void *p, size_t size) { (void)p; count_map(size); }

bool os_space_limited(void) {
    struct rlimit rl;
    int saved = errno;
    bool limited = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
    errno = saved;
    return limited;
}

/* True when the pages now read back as zeros (a failed madvise is retried as a fresh mapping). */
bool os_decommit(void *p, size_t size) {
    int saved = errno;
    bool ok = madvise(p, size, MADV_DONTNEED) == 0 ||
              mmap(p, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == p;
    errno = saved;
    count_unmap(size);
    return ok;
}
#endif

/* Asks for transparent huge pages on a range (the kernel may ignore it). */
void os_hugepage_hint(void *p, size_t size) {
    int saved = errno;
    madvise(p, size, MADV_HUGEPAGE);
    errno = saved;
}

uint64_t os_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t os_peak_rss_bytes(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}
