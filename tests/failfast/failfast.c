/* Fail-fast beyond tests/alloc/badfree.c: double frees that cross threads, and the heap
 * corruptions only variants/hardened sees (boxes/checks_full, boxes/freelist_guard).  Each case
 * prints "info <hako_build_info()>" and then "ptr <block> <bytes>" on stdout before the bad call;
 * tests/failfast/failfast.t expects SIGABRT and one line "hako: <function>(): <cause> <pointer>"
 * on stderr, the pointer inside that block.  "valid" and "valid-huge-reuse" are controls: correct
 * programs that exit 0 silently (on every variant).
 * Usage: failfast CASE */
#define _GNU_SOURCE
#include "alloc.h"

static void *announce(void *p, size_t n) {
    printf("ptr %p %zu\n", p, n);
    fflush(stdout);
    return p;
}

/* Keeps the compiler from seeing a use after free (gcc's -Wuse-after-free). */
static void *hide(void *p) { return (void *)t_opaque((size_t)p); }

static void *free_it(void *p) {
    hako_free(p);
    return NULL;
}

/* Two helper threads, started (and given their heaps) before any case allocates, so that nothing
 * is allocated between the frees of a double free: a block freed and then reused by a new
 * thread's start-up would make the second free a valid one. */
typedef struct helper {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void *(*fn)(void *);
    void *arg;
} helper_t;
static helper_t helpers[2];

static void *helper_loop(void *arg) {
    helper_t *h = arg;
    hako_free(hako_malloc(16));
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->fn) pthread_cond_wait(&h->cv, &h->mu);
        h->fn(h->arg);
        h->fn = NULL;
        pthread_cond_broadcast(&h->cv);
    }
    return NULL;
}

static void start_helpers(void) {
    for (int i = 0; i < 2; i++) {
        pthread_mutex_init(&helpers[i].mu, NULL);
        pthread_cond_init(&helpers[i].cv, NULL);
        if (t_thread(&helpers[i].tid, helper_loop, &helpers[i]) != 0) exit(3);
    }
}

/* Runs fn(arg) on helper thread k and waits for it. */
static void on_helper(int k, void *(*fn)(void *), void *arg) {
    helper_t *h = &helpers[k];
    pthread_mutex_lock(&h->mu);
    h->fn = fn;
    h->arg = arg;
    pthread_cond_broadcast(&h->cv);
    while (h->fn) pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

/* Frees p from helper k (a remote free: it does not own p's page). */
static void free_elsewhere(void *p) { on_helper(0, free_it, p); }
static void free_elsewhere2(void *p) { on_helper(1, free_it, p); }

static void *realloc_it(void *p) {
    t_keep(hako_realloc(p, 5000));
    return NULL;
}

static void *owned_block;
static void *make_block(void *arg) {
    owned_block = hako_malloc((size_t)arg);
    return NULL;
}

/* A block of n bytes owned by a thread that has exited. */
static void *orphan(size_t n) {
    pthread_t tid;
    if (t_thread(&tid, make_block, (void *)n) != 0) exit(3);
    pthread_join(tid, NULL);
    return owned_block;
}

/* Allocates blocks of n bytes (kept) until one is p again, and two more after it; a free list is
 * only popped when its turn comes, after the blocks the page had free before p. */
static void until_reused(const void *p, size_t n) {
    for (size_t i = 0; i < 400000; i++) {
        void *q = hako_malloc(n);
        if (q == p) {
            t_keep(hako_malloc(n));
            t_keep(hako_malloc(n));
            printf("reused after %zu blocks\n", i);
            return;
        }
        if (!q) break;
    }
    printf("never reused\n");
}

static size_t case_size(const char *c) {
    if (strstr(c, "huge")) return 8 * T_MIB;
    if (strstr(c, "large")) return 300 * T_KIB;
    return 48;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: failfast CASE\n");
        return 2;
    }
    const char *c = argv[1];
    printf("info %s\n", hako_build_info());  /* allocates stdout's buffer now */
    fflush(stdout);
    start_helpers();
    size_t n = case_size(c);
    if (!strcmp(c, "valid-huge-reuse")) {  /* a huge mapping reused by an aligned block, then again */
        size_t big = 2 * T_MIB + 1;
        hako_free(t_dirty(hako_malloc(big), big, 1));
        hako_free(t_dirty(hako_aligned_alloc(128 * T_KIB, 1000), 1000, 2));
        hako_free(t_dirty(hako_malloc(big), big, 3));
        return 0;
    }
    if (!strcmp(c, "valid")) {
        for (size_t k = 1; k < 8 * T_MIB; k = k * 2 + 3) {
            char *p = hako_malloc(k);
            t_dirty(p, k, 1);
            free_elsewhere(hako_realloc(p, k + 100));
        }
        return 0;
    }
    /* ---- double frees across threads ------------------------------------------------------ */
    if (!strncmp(c, "remote-twice", 12)) {  /* two other threads free it */
        void *p = announce(hako_malloc(n), n), *again = hide(p);
        free_elsewhere(p);
        free_elsewhere2(again);
    } else if (!strncmp(c, "owner-then-remote", 17)) {  /* its owner, then another thread */
        void *p = announce(hako_malloc(n), n), *again = hide(p);
        hako_free(p);
        free_elsewhere(again);
    } else if (!strncmp(c, "orphan-remote-twice", 19)) {  /* owner exited; two threads free it */
        void *p = announce(orphan(n), n), *again = hide(p);
        free_elsewhere(p);
        free_elsewhere2(again);
    } else if (!strcmp(c, "realloc-after-remote-free")) {
        void *p = announce(hako_malloc(n), n), *again = hide(p);
        free_elsewhere(p);
        t_keep(hako_realloc(again, 5000));
    } else if (!strcmp(c, "remote-realloc-after-free")) {
        void *p = announce(hako_malloc(n), n), *again = hide(p);
        hako_free(p);
        on_helper(0, realloc_it, again);
    } else if (!strcmp(c, "evicted-twice-large")) {
        /* freed, then pushed out of the thread's large cache (boxes/large_cache) by larger frees:
         * parked until the next large request (boxes/large_swap) or back in central; freed again */
        t_keep(hako_malloc(48));                        /* the thread gets a heap, and with it the cache */
        void *p = announce(hako_malloc(n), n), *again = hide(p);
        hako_free(p);
        for (size_t k = 0; k < 3; k++) hako_free(t_dirty(hako_malloc(900 * T_KIB + k * T_KIB), 64, 5));
        hako_free(again);
    } else if (!strcmp(c, "joined-twice-large")) {
        /* a large block cut from a bigger span the thread's cache kept (boxes/large_split), freed
         * (joined to the rest of that span again), freed again */
        t_keep(hako_malloc(48));                        /* the thread gets a heap, and with it the cache */
        hako_free(t_dirty(hako_malloc(768 * T_KIB), 64, 7));
        void *p = announce(hako_malloc(200 * T_KIB), 200 * T_KIB), *again = hide(p);
        hako_free(p);
        hako_free(again);
    } else if (!strcmp(c, "remote-interior")) {
        char *p = announce(hako_malloc(100), 100);
        free_elsewhere(p + 16);
    } else if (!strcmp(c, "interior-aligned")) {
        void *p = NULL;
        if (hako_posix_memalign(&p, 4096, 10000) != 0) return 3;
        announce(p, 10000);
        hako_free((char *)p + 64);
    /* ---- corruption: variants/hardened ----------------------------------------------------- */
    } else if (!strcmp(c, "overflow-remote")) {  /* freed by another thread */
        unsigned char *p = announce(hako_malloc(100), 100);
        p[t_opaque(100)] = 0x41;
        free_elsewhere(p);
    } else if (!strcmp(c, "overflow-realloc")) {
        unsigned char *p = announce(hako_malloc(100), 100);
        p[t_opaque(103)] = 0x41;
        t_keep(hako_realloc(p, 200));
    } else if (!strncmp(c, "overflow", 8)) {  /* one byte past the end, then free */
        unsigned char *p = announce(hako_malloc(n), n);
        t_dirty(p, n, 1);
        p[t_opaque(n)] = 0x41;
        hako_free(p);
    } else if (!strncmp(c, "use-after-free", 14)) {  /* a write into a freed block, then reuse */
        unsigned char *p = announce(hako_malloc(n), n), *stale = hide(p);
        hako_free(p);
        stale[t_opaque(n / 2)] = 0x41;
        until_reused(stale, n);
    } else if (!strcmp(c, "freelist-corrupt")) {
        /* The first word of a free block is its free-list link: overwrite it with a plausible
         * pointer (another live block), then allocate until the list is popped past it. */
        void *keep = hako_malloc(n);
        unsigned char *p = announce(hako_malloc(n), n), *stale = hide(p);
        hako_free(p);
        memcpy(stale, &keep, sizeof keep);
        until_reused(stale, n);
    } else {
        fprintf(stderr, "failfast: no case '%s'\n", c);
        return 2;
    }
    printf("survived\n");
    return 0;
}
