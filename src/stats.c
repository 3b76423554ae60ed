/* stats.c: the counters' single exit dump (DESIGN §1 "The exit dump").
 * Owns: the dump's format, the banner, the global counters of large and huge blocks.
 * May call: cache (to visit heaps), central and os (their counters).  Never prints on a hot path:
 * the dump is written once, at exit (HAKO_STATS=1), or on malloc_stats()/hako_stats_json(). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stats.h"
#include "types.h"
#include "cache.h"
#include "central.h"
#include "init.h"
#if HAKO_SEGMENT_ARENA
#include "segment_arena.h"      /* boxes/segment_arena: hako_seg_arena.size (arena_bytes) */
#endif
#include "os.h"

global_stats_t hako_global_stats;

/* ---- a JSON writer into a fixed buffer, snprintf-style (the length counts what did not fit) --- */
typedef struct out { char *buf; size_t cap, len; } out_t;

static void put(out_t *o, const char *s) {
    for (; *s; s++, o->len++)
        if (o->len + 1 < o->cap) o->buf[o->len] = *s;
}

static void put_u64(out_t *o, uint64_t v) {
    char tmp[24];
    int k = 0;
    do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    char s[24];
    int n = 0;
    while (k) s[n++] = tmp[--k];
    s[n] = 0;
    put(o, s);
}

static void put_kv(out_t *o, const char *key, uint64_t v, bool comma) {
    put(o, "\"");
    put(o, key);
    put(o, "\":");
    put_u64(o, v);
    if (comma) put(o, ",");
}

/* "A,B" -> "A","B" */
static void put_flags(out_t *o) {
    const char *f = HAKO_BUILD_FLAGS;
    if (!*f) return;
    put(o, "\"");
    for (; *f; f++) {
        char c[2] = { *f, 0 };
        put(o, *f == ',' ? "\",\"" : c);
    }
    put(o, "\"");
}

/* heap_stats_t is counters only, every one a uint64_t (src/types.h), boxes' included: a heap's
 * are added to the sum word by word, so a box's new counter needs no line here. */
_Static_assert(sizeof(heap_stats_t) % sizeof(uint64_t) == 0, "heap_stats_t: uint64_t counters only");
static void add_heap(heap_t *h, void *arg) {
    uint64_t *sum = arg;
    const uint64_t *c = (const uint64_t *)&h->stats;
    for (size_t i = 0; i < sizeof(heap_stats_t) / sizeof(uint64_t); i++) sum[i] += c[i];
}

#define G(x) load_relaxed(&(x))

size_t stats_json(char *buf, size_t cap) {
    heap_stats_t s = { 0 };
    cache_each_heap(add_heap, &s);
    central_info_t ci;
    central_info(&ci);
    uint64_t heapless = G(hako_cache_stats.remote_free_heapless);
    out_t o = { buf, cap, 0 };
    put(&o, "{\"hako\":\"" HAKO_VERSION_STR "\",\"build\":\"" HAKO_BUILD_HASH "\",\"flags\":[");
    put_flags(&o);
    put(&o, "],");
    put_kv(&o, "pid", (uint64_t)getpid(), true);
    put_kv(&o, "threads_seen", G(hako_cache_stats.heaps_made) + G(hako_cache_stats.heaps_adopted), true);
    put(&o, "\"counters\":{");
    /* large and huge blocks (src/large.c): counted process-wide, not in the heaps */
    uint64_t big_malloc = G(hako_global_stats.malloc), big_free = G(hako_global_stats.free);
    uint64_t large_alloc = G(hako_global_stats.large_alloc);
#if HAKO_HEAP_COUNTERS
    big_malloc += s.big_malloc;           /* boxes/heap_counters: those a heap counted itself */
    big_free += s.big_free;
    large_alloc += s.large_alloc;
#endif
    put_kv(&o, "malloc", s.malloc + big_malloc, true);
    put_kv(&o, "free", s.free + big_free + heapless, true);
    put_kv(&o, "remote_free", s.remote_free + heapless, true);
    put_kv(&o, "hot_hit", s.malloc - s.alloc_slow, true);
    put_kv(&o, "alloc_slow", s.alloc_slow, true);
    put_kv(&o, "cache_refill", s.cache_refill, true);
    put_kv(&o, "remote_drained", s.remote_drained, true);
    put_kv(&o, "central_refill", s.central_refill, true);
    put_kv(&o, "pages_returned", s.pages_returned, true);
#if HAKO_LEND_TO_CURRENT
    put_kv(&o, "lent", s.lent, true);
    put_kv(&o, "lent_returned", s.lent_returned, true);
#endif
#if HAKO_CLASS_LIFO
    put_kv(&o, "lifo_flushed", s.lifo_flushed, true);
#endif
#if HAKO_FOREIGN_REUSE
    put_kv(&o, "foreign_kept", s.foreign_kept, true);
    put_kv(&o, "foreign_returned", s.foreign_returned, true);
#endif
    put_kv(&o, "large_alloc", large_alloc, true);
#if HAKO_LARGE_CACHE
    put_kv(&o, "large_cached", s.large_cached, true);
#endif
#if HAKO_LARGE_SPLIT
    put_kv(&o, "large_split", s.large_split, true);
    put_kv(&o, "large_joined", s.large_joined, true);
    put_kv(&o, "large_given", s.large_given, true);
#endif
#if HAKO_LARGE_SWAP
    put_kv(&o, "large_swapped", s.large_swapped, true);
#endif
#if HAKO_PAGE_RECYCLE
    put_kv(&o, "pages_recycled", s.pages_recycled, true);
#endif
    put_kv(&o, "huge_alloc", G(hako_global_stats.huge_alloc), true);
    put_kv(&o, "huge_remap", G(hako_global_stats.huge_realloc_remap), true);
    put_kv(&o, "huge_cache_hit", G(hako_global_stats.huge_cache_hit), true);
    put_kv(&o, "heaps_made", G(hako_cache_stats.heaps_made), true);
    put_kv(&o, "heaps_adopted", G(hako_cache_stats.heaps_adopted), true);
    put_kv(&o, "threads_exited", G(hako_cache_stats.threads_exited), true);
    put_kv(&o, "abandoned_drains", G(hako_cache_stats.abandoned_drains), true);
#if HAKO_FULL_RECLAIM
    put_kv(&o, "pages_reclaimed", G(hako_cache_stats.pages_reclaimed), true);
#endif
    put_kv(&o, "late_allocs", G(hako_cache_stats.late_allocs), true);
    put_kv(&o, "segments_mapped", G(hako_central_stats.segments_mapped), true);
    put_kv(&o, "segments_unmapped", G(hako_central_stats.segments_unmapped), true);
    put_kv(&o, "spans_alloc", G(hako_central_stats.spans_alloc), true);
    put_kv(&o, "spans_free", G(hako_central_stats.spans_free), true);
#if HAKO_LARGE_INPLACE
    put_kv(&o, "spans_grown", G(hako_central_stats.spans_grown), true);
#endif
#if HAKO_SEGMENT_ARENA
    put_kv(&o, "arena_bytes", G(hako_seg_arena.size), true);      /* boxes/segment_arena */
    put_kv(&o, "arena_segments", G(hako_central_stats.arena_segments), true);
#endif
    put_kv(&o, "os_map_bytes", G(hako_os_stats.map_bytes), true);
    put_kv(&o, "os_unmap_bytes", G(hako_os_stats.unmap_bytes), true);
    put_kv(&o, "os_map_calls", G(hako_os_stats.map_calls), true);
    put_kv(&o, "purged_bytes", G(hako_os_stats.purged_bytes), true);
#if HAKO_CALLOC_POPULATE
    put_kv(&o, "populated_bytes", G(hako_os_stats.populated_bytes), true);
#endif
    put_kv(&o, "mapped_bytes", G(hako_os_stats.mapped_now), true);
    put_kv(&o, "span_bytes_peak", G(hako_central_stats.span_bytes_peak), true);   /* against peak_mapped_bytes: fragmentation */
#if HAKO_SPAN_BEST_FIT
    put_kv(&o, "span_index_stale", ci.index_stale, true);
#endif
    put_kv(&o, "dirty_bytes", ci.dirty_bytes, false);
    put(&o, "},");
    put_kv(&o, "peak_mapped_bytes", G(hako_os_stats.mapped_peak), true);
    put_kv(&o, "peak_rss_bytes", os_peak_rss_bytes(), false);
    put(&o, "}");
    if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
    return o.len;
}

void stats_dump(int fd) {
    char buf[4096];
    size_t n = stats_json(buf, sizeof buf - 1);
    if (n > sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    hako_write_all(fd, buf, n);
}

/* Programs may close stderr before the exit dump (coreutils do): the dump then goes to a copy of
 * stderr taken at start, but only to a descriptor that still is that same file, so it never lands
 * in a file the program has since opened as fd 2 or as the copy's number.  The copy is one open
 * descriptor the program can see (python's test_subprocess counts them), so it is taken only when
 * the dump goes to stderr: with HAKO_STATS_FILE the process holds none of hako's. */
static int stderr_copy = -1;
static struct stat stderr_id;

static bool same_file(int fd) {
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == stderr_id.st_dev && st.st_ino == stderr_id.st_ino;
}

static int stderr_now(void) {
    if (same_file(2)) return 2;
    if (same_file(stderr_copy)) return stderr_copy;
    return -1;
}

static void dump_at_exit(void) {
    int fd = stderr_now();
    if (hako_options.stats_file[0]) {
        fd = open(hako_options.stats_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            static const char msg[] = "hako: HAKO_STATS_FILE cannot be opened; the dump goes to stderr\n";
            fd = stderr_now();
            if (fd >= 0) hako_write_all(fd, msg, sizeof msg - 1);
        }
    }
    if (fd < 0) return;
    stats_dump(fd);
    if (fd != 2 && fd != stderr_copy) close(fd);
}

void stats_init(void) {
    if (hako_options.verbose) {
        char buf[2048];
        out_t o = { buf, sizeof buf, 0 };
        put(&o, "hako " HAKO_VERSION_STR " build " HAKO_BUILD_HASH " flags [");
        put_flags(&o);
        put(&o, "] pid ");
        put_u64(&o, (uint64_t)getpid());
        put(&o, "\n");
        size_t n = o.len;
        if (n > sizeof buf - 1) {       /* cut short: still one line */
            n = sizeof buf - 1;
            buf[n - 1] = '\n';
        }
        hako_write_all(2, buf, n);
    }
    if (hako_options.stats) {
        if (fstat(2, &stderr_id) == 0 && !hako_options.stats_file[0]) stderr_copy = fcntl(2, F_DUPFD_CLOEXEC, 3);
        atexit(dump_at_exit);
    }
}
