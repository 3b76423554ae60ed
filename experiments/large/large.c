/* large: one thread, large blocks over a small window of slots. Each step picks a slot at random:
 * an empty slot gets a new block of 64 KiB..4 MiB (log-uniform); a full one is either grown by
 * realloc (by 25..100%, up to 32 MiB) or freed, as even odds. One word per 4 KiB page is written,
 * so every page is touched as a program would; after each realloc the old contents are checked.
 * This is the mmap/munmap, page-fault and reuse path: time and peak RSS (peak_rss_kb) both count.
 * The work is fixed: the same calls and sizes every run. */
#include "../lib/bench.h"
#include <math.h>

struct slot {
    void *p;
    size_t size;
    uint64_t tag;
};

#define PAGE 4096

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"ops", 10000, 1, 1ULL << 40, "malloc, realloc and free calls in all"},
        {"slots", 8, 1, 1u << 20, "slots in the window"},
        {"min", 64 << 10, 4096, 1ULL << 36, "smallest new block, bytes"},
        {"start_max", 4 << 20, 4096, 1ULL << 36, "largest new block, bytes"},
        {"max", 32 << 20, 4096, 1ULL << 36, "largest block after growth, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "large",
               "One thread: blocks of 64 KiB..32 MiB in 8 slots, grown by realloc, every page touched.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t ops = bench_param("ops"), nslots = bench_param("slots");
    uint64_t min = bench_param("min"), start_max = bench_param("start_max"), max = bench_param("max");
    if (min > start_max || start_max > max)
        bench_usage_error("need --min <= --start_max <= --max");
    uint64_t rng = rng_seed(bench_param("seed"), 0);
    struct slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        bench_fail("cannot allocate the slot array");
    uint64_t calls = 0, reallocs = 0, bytes = 0;
    const char *why;
    double lmin = log2((double)min), lmax = log2((double)start_max);

    bench_start();
    while (calls < ops) {
        struct slot *s = &slots[rng_range(&rng, 0, nslots - 1)];
        uint64_t r = rng_next(&rng);
        if (!s->p) {
            /* log-uniform: as many 64-128 KiB blocks as 2-4 MiB ones (2^-53 steps, exact) */
            double u = (double)(r >> 11) * 0x1p-53;
            s->size = (size_t)exp2(lmin + u * (lmax - lmin));
            s->tag = rng_next(&rng);
            s->p = bench_malloc(s->size);
            stamp_fill_stride(s->p, s->size, s->tag, PAGE);
            bytes += s->size;
        } else if ((r & 1) && s->size < max) {
            if ((why = stamp_check_stride(s->p, s->size, s->tag, PAGE)))
                bench_fail("%s", why);
            size_t grown = s->size + s->size * rng_range(&rng, 25, 100) / 100;
            if (grown > max)
                grown = max;
            void *q = realloc(s->p, grown);
            if (!q)
                bench_fail("realloc(%p, %zu) returned NULL", s->p, grown);
            if ((uintptr_t)q % 16)
                bench_fail("realloc(%zu) returned %p, not 16-byte aligned", grown, q);
            if ((why = stamp_check_stride(q, s->size, s->tag, PAGE)))
                bench_fail("realloc lost contents: %s", why);
            bytes += grown - s->size;
            s->p = q;
            s->size = grown;
            stamp_fill_stride(s->p, s->size, s->tag, PAGE);
            reallocs++;
        } else {
            if ((why = stamp_check_stride(s->p, s->size, s->tag, PAGE)))
                bench_fail("%s", why);
            free(s->p);
            s->p = NULL;
        }
        calls++;
    }
    for (uint64_t i = 0; i < nslots; i++)
        if (slots[i].p) {
            if ((why = stamp_check_stride(slots[i].p, slots[i].size, slots[i].tag, PAGE)))
                bench_fail("%s", why);
            free(slots[i].p);
        }
    bench_stop(calls);
    free(slots);
    bench_extra("reallocs", "%" PRIu64, reallocs);
    bench_extra("mib_allocated", "%.1f", (double)bytes / (1 << 20));
    return bench_finish();
}
