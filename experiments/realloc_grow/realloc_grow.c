/* realloc_grow: one thread grows strings by realloc, as a string builder or a growing buffer does:
 * each step picks one of S strings at random and appends to it (the new size is the old one plus
 * 16 bytes and a tenth), from a 16-byte malloc up to --max bytes, after which the string is checked, freed
 * and started again.  One word per 4 KiB page is written and checked after every realloc, so the
 * contents that realloc had to keep are verified.  The path: realloc of small blocks through every
 * size class, then of large blocks, in place or moved.  The work is fixed: the same calls and sizes
 * every run. */
#include "../lib/bench.h"

#define PAGE 4096

struct str {
    char *p;
    size_t size;
    uint64_t tag;
};

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"ops", 400000, 1, 1ULL << 40, "realloc calls in all"},
        {"strings", 64, 1, 1u << 20, "strings grown at the same time"},
        {"max", 256 << 10, 64, 1ULL << 36, "a string this long is freed and started again, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "realloc_grow",
               "One thread: 64 strings grown by realloc (16 bytes and a tenth at a time) up to 256 KiB.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t ops = bench_param("ops"), nstr = bench_param("strings"), max = bench_param("max");
    uint64_t rng = rng_seed(bench_param("seed"), 0);
    struct str *s = calloc(nstr, sizeof *s);
    if (!s)
        bench_fail("cannot allocate the string array");
    uint64_t frees = 0;
    const char *why;

    bench_start();
    for (uint64_t k = 0; k < ops; k++) {
        struct str *t = &s[rng_range(&rng, 0, nstr - 1)];
        if (t->size > max) {
            if ((why = stamp_check_stride(t->p, t->size, t->tag, PAGE)))
                bench_fail("%s", why);
            free(t->p);
            t->p = NULL;
            t->size = 0;
            frees++;
        }
        size_t grown = t->size + 16 + t->size / 10;
        char *q = t->size ? realloc(t->p, grown) : bench_malloc(grown);  /* a new string: malloc */
        if (!q)
            bench_fail("realloc(%p, %zu) returned NULL", (void *)t->p, grown);
        if ((uintptr_t)q % 16)
            bench_fail("realloc(%zu) returned %p, not 16-byte aligned", grown, (void *)q);
        if (t->size && (why = stamp_check_stride(q, t->size, t->tag, PAGE)))
            bench_fail("realloc lost contents: %s", why);
        if (!t->size)
            t->tag = rng_next(&rng);
        t->p = q;
        t->size = grown;
        stamp_fill_stride(t->p, t->size, t->tag, PAGE);
    }
    for (uint64_t i = 0; i < nstr; i++)
        if (s[i].p) {
            if ((why = stamp_check_stride(s[i].p, s[i].size, s[i].tag, PAGE)))
                bench_fail("%s", why);
            free(s[i].p);
        }
    bench_stop(ops);
    free(s);
    bench_extra("frees", "%" PRIu64, frees);
    return bench_finish();
}
