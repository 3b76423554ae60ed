/* random_mixed: one thread, random malloc/free over a window of slots. Each step picks a slot at
 * random: an empty slot gets a new block of a random size (stamped), a full one is checked and
 * freed. The window stays about half full, so the allocator sees an even, unpredictable mix of
 * sizes and lifetimes: the single-threaded fast path, size-class selection and reuse. */
#include "../lib/bench.h"

struct slot {
    void *p;
    size_t size;
    uint64_t tag;
};

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"ops", 20000000, 1, 1ULL << 40, "malloc and free calls in all"},
        {"slots", 400, 1, 1u << 24, "slots in the window"},
        {"min", 16, 8, 1u << 30, "smallest block, bytes"},
        {"max", 2048, 8, 1u << 30, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "random_mixed",
               "One thread: random malloc/free of 16..2048-byte blocks over a 400-slot window.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t ops = bench_param("ops"), nslots = bench_param("slots");
    uint64_t min = bench_param("min"), max = bench_param("max");
    if (min > max)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min, max);
    uint64_t rng = rng_seed(bench_param("seed"), 0);
    struct slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        bench_fail("cannot allocate the slot array");
    uint64_t calls = 0, mallocs = 0;
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
            s->size = rng_range(&rng, min, max);
            s->tag = rng_next(&rng);
            s->p = bench_malloc(s->size);
            stamp_fill(s->p, s->size, s->tag);
            mallocs++;
        }
        calls++;
    }
    for (uint64_t i = 0; i < nslots; i++) /* the blocks still live: checked and freed, not counted */
        if (slots[i].p) {
            if ((why = stamp_check(slots[i].p, slots[i].size, slots[i].tag)))
                bench_fail("%s", why);
            free(slots[i].p);
        }
    bench_stop(calls);
    free(slots);
    bench_extra("mallocs", "%" PRIu64, mallocs);
    return bench_finish();
}
