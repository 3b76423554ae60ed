/* aligned: one thread, random allocate/free over a window of slots as in random_mixed, where a new
 * block comes in turn from malloc, posix_memalign, aligned_alloc and memalign, with alignments of
 * 32..4096 bytes (powers of two, chosen at random) and sizes of 16..4096 bytes. Every block's
 * alignment is checked, and its contents before it is freed. aligned_alloc gets a size rounded up
 * to a multiple of the alignment, as C11 asks. The work is fixed: the same calls every run. */
#include "../lib/bench.h"
#include <malloc.h>

struct slot {
    void *p;
    size_t size;
    uint64_t tag;
};

static void *allocate(uint64_t how, size_t *size, size_t align) {
    void *p = NULL;
    int err;
    switch (how) {
    case 0:
        return bench_malloc(*size);
    case 1:
        if ((err = posix_memalign(&p, align, *size)))
            bench_fail("posix_memalign(%zu, %zu) failed: %s", align, *size, strerror(err));
        break;
    case 2:
        *size = (*size + align - 1) / align * align;
        if (!(p = aligned_alloc(align, *size)))
            bench_fail("aligned_alloc(%zu, %zu) returned NULL", align, *size);
        break;
    default:
        if (!(p = memalign(align, *size)))
            bench_fail("memalign(%zu, %zu) returned NULL", align, *size);
        break;
    }
    if ((uintptr_t)p % align)
        bench_fail("%s(%zu, %zu) returned %p, not aligned",
                   how == 1 ? "posix_memalign" : how == 2 ? "aligned_alloc" : "memalign", align, *size, p);
    return p;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"ops", 6000000, 1, 1ULL << 40, "allocations and frees in all"},
        {"slots", 400, 1, 1u << 24, "slots in the window"},
        {"min", 16, 8, 1u << 30, "smallest block, bytes"},
        {"max", 4096, 8, 1u << 30, "largest block, bytes"},
        {"min_align", 32, 16, 1u << 30, "smallest alignment, a power of two"},
        {"max_align", 4096, 16, 1u << 30, "largest alignment, a power of two"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "aligned",
               "One thread: malloc, posix_memalign, aligned_alloc and memalign in turn (alignments "
               "32..4096) over a 400-slot window.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t ops = bench_param("ops"), nslots = bench_param("slots");
    uint64_t min = bench_param("min"), max = bench_param("max");
    uint64_t amin = bench_param("min_align"), amax = bench_param("max_align");
    if (min > max)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min, max);
    if ((amin & (amin - 1)) || (amax & (amax - 1)) || amin > amax)
        bench_usage_error("--min_align and --max_align must be powers of two, the first not larger");
    int lo = __builtin_ctzll(amin), hi = __builtin_ctzll(amax);
    uint64_t rng = rng_seed(bench_param("seed"), 0);
    struct slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        bench_fail("cannot allocate the slot array");
    uint64_t calls = 0, allocs = 0, aligned = 0;
    const char *why;

    bench_start();
    while (calls < ops) {
        struct slot *s = &slots[rng_range(&rng, 0, nslots - 1)];
        if (s->p) {
            if ((why = stamp_check(s->p, s->size, s->tag)))
                bench_fail("%s", why);
            free(s->p);
            s->p = NULL;
        } else {
            uint64_t how = allocs++ % 4;
            size_t align = (size_t)1 << rng_range(&rng, (uint64_t)lo, (uint64_t)hi);
            s->size = rng_range(&rng, min, max);
            s->tag = rng_next(&rng);
            s->p = allocate(how, &s->size, align);
            stamp_fill(s->p, s->size, s->tag);
            aligned += how != 0;
        }
        calls++;
    }
    for (uint64_t i = 0; i < nslots; i++)
        if (slots[i].p) {
            if ((why = stamp_check(slots[i].p, slots[i].size, slots[i].tag)))
                bench_fail("%s", why);
            free(slots[i].p);
        }
    bench_stop(calls);
    free(slots);
    bench_extra("aligned_allocs", "%" PRIu64, aligned);
    bench_extra("mallocs", "%" PRIu64, allocs - aligned);
    return bench_finish();
}
