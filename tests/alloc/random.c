/* A long random sequence of every hako_* call: malloc, calloc, realloc, reallocarray,
 * aligned_alloc, posix_memalign, free, free_sized, free_aligned_sized, usable_size and trim, over
 * sizes 0 .. 6 MiB, on one thread ("sequence") and on 4 threads that trade blocks through a shared
 * mailbox ("threads": so any block may be resized or freed by a thread that does not own it).
 * Every block carries a pattern checked before it is freed or resized, so a block handed out
 * twice, a lost realloc copy or a stray write shows.
 * Only the hako_* API, so the file also runs under the sanitizers (tests/sanitizers). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include "alloc.h"

enum { SLOTS = 2048 };
typedef struct slot {
    unsigned char *p;
    size_t n;       /* requested bytes, holding the pattern of (n, seed) */
    size_t align;   /* 0: not an aligned allocation */
    uint64_t seed;
} slot_t;

static slot_t slots[SLOTS];
static _Atomic int damaged, misaligned, short_usable, unzeroed, failed;

static size_t random_size(uint64_t *rng) {
    unsigned r = (unsigned)(t_rng(rng) % 100);
    if (r < 80) return t_rng_size(rng, 0, 2048);
    if (r < 97) return t_rng_size(rng, 2049, 256 * T_KIB);
    return t_rng_size(rng, 256 * T_KIB, 6 * T_MIB);
}

static void check_block(const slot_t *s) {
    if (s->p && !t_intact(s->p, s->n, s->seed)) damaged++;
}

static void release(slot_t *s, uint64_t *rng) {
    check_block(s);
    switch (t_rng(rng) % 3) {
    case 0: hako_free(s->p); break;
    case 1: if (s->align) hako_free_aligned_sized(s->p, s->align, s->n);
            else hako_free_sized(s->p, s->n);
            break;
    default: hako_free(s->p); break;
    }
    s->p = NULL;
}

static void place(slot_t *s, unsigned char *p, size_t n, size_t align, uint64_t *rng) {
    if (!p) {
        failed++;
        return;
    }
    if (((uintptr_t)p & ((align ? align : 16) - 1)) != 0) misaligned++;
    if (hako_usable_size(p) < n) short_usable++;
    s->p = p;
    s->n = n;
    s->align = align;
    s->seed = t_rng(rng);
    t_fill(p, n, s->seed);
}

enum { MAILBOX = 64 };
static slot_t mailbox[MAILBOX];
static pthread_mutex_t mailbox_mu = PTHREAD_MUTEX_INITIALIZER;

/* One random call on a slot of slots[lo, lo + n). */
static void step(uint64_t *rng, size_t lo, size_t n_slots) {
    slot_t *s = &slots[lo + t_rng(rng) % n_slots];
    if (s->p && t_rng(rng) % 4 != 0) {
        if (t_rng(rng) % 2) {
            release(s, rng);
            return;
        }
        check_block(s);  /* resize */
        size_t n = random_size(rng);
        unsigned char *q = t_rng(rng) % 4 ? hako_realloc(s->p, n)
                                          : hako_reallocarray(s->p, n ? n / 8 + 1 : 0, n ? 8 : 1);
        if (n == 0 && q == NULL) {  /* like realloc(p, 0) on glibc: p was freed */
            s->p = NULL;
            return;
        }
        if (!q) {
            failed++;
            return;
        }
        if (!t_intact_prefix(q, s->n, n, s->seed)) damaged++;
        s->p = NULL;
        place(s, q, n, 0, rng);
        return;
    }
    if (s->p) release(s, rng);
    size_t n = random_size(rng);
    switch (t_rng(rng) % 5) {
    case 0: {
        unsigned char *p = hako_calloc(1, n);
        if (p)
            for (size_t i = 0; i < n; i++)
                if (p[i]) {
                    unzeroed++;
                    break;
                }
        place(s, p, n, 0, rng);
        break;
    }
    case 1: {
        size_t a = (size_t)1 << (t_rng(rng) % 17);  /* 1 .. 64 KiB */
        place(s, hako_aligned_alloc(a, n), n, a, rng);
        break;
    }
    case 2: {
        size_t a = (size_t)8 << (t_rng(rng) % 14);  /* 8 .. 64 KiB */
        void *p = NULL;
        if (hako_posix_memalign(&p, a, n) != 0) p = NULL;
        place(s, p, n, a, rng);
        break;
    }
    default: place(s, hako_malloc(n), n, 0, rng); break;
    }
}

static void report(size_t steps, const char *where) {
    T_CHECK(failed == 0, "%zu random calls of the hako_* API %s all succeed", steps, where);
    T_CHECK(damaged == 0, "every block keeps its contents through realloc and until its free (%s)", where);
    T_CHECK(misaligned == 0, "every block has the alignment asked for, 16 by default (%s)", where);
    T_CHECK(short_usable == 0, "hako_usable_size is at least the size asked for (%s)", where);
    T_CHECK(unzeroed == 0, "hako_calloc blocks are zero, also where freed blocks were reused (%s)", where);
}

static void case_sequence(void) {
    uint64_t rng = 12345;
    size_t steps = t_scale(400000);
    for (size_t i = 0; i < steps; i++) {
        step(&rng, 0, SLOTS);
        if (i % 100000 == 99999) hako_trim();
    }
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].p) release(&slots[i], &rng);
    report(steps, "on one thread");
}

enum { THREADS = 4 };
static size_t thread_steps;

static void *worker(void *arg) {
    size_t id = (size_t)arg, lo = id * (SLOTS / THREADS);
    uint64_t rng = 777 + id;
    for (size_t i = 0; i < thread_steps; i++) {
        step(&rng, lo, SLOTS / THREADS);
        if (t_rng(&rng) % 16 == 0) {  /* trade a block with the mailbox */
            slot_t *mine = &slots[lo + t_rng(&rng) % (SLOTS / THREADS)];
            pthread_mutex_lock(&mailbox_mu);
            slot_t *theirs = &mailbox[t_rng(&rng) % MAILBOX], tmp = *mine;
            *mine = *theirs;
            *theirs = tmp;
            pthread_mutex_unlock(&mailbox_mu);
        }
        if (i % 50000 == 49999) hako_trim();
    }
    for (size_t i = lo; i < lo + SLOTS / THREADS; i++)
        if (slots[i].p) release(&slots[i], &rng);
    return NULL;
}

static void case_threads(void) {
    thread_steps = t_scale(100000);
    pthread_t tid[THREADS];
    size_t started = 0;
    for (size_t t = 0; t < THREADS; t++) started += t_thread(&tid[t], worker, (void *)t) == 0;
    if (started < THREADS) {
        T_CHECK(0, "%d threads start", THREADS);
        exit(1);
    }
    for (size_t t = 0; t < THREADS; t++) pthread_join(tid[t], NULL);
    uint64_t rng = 1;
    for (size_t i = 0; i < MAILBOX; i++)
        if (mailbox[i].p) release(&mailbox[i], &rng);
    report(THREADS * thread_steps, "on 4 threads trading blocks");
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"sequence", case_sequence}, {"threads", case_threads}, {NULL, NULL}};
    return t_run_cases(argc, argv, cases);
}
