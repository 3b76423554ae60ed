/* Fail-fast: each case hands free (or realloc) a pointer hako must refuse.  It prints
 * "ptr <pointer>" on stdout first; tests/alloc/badfree.t expects SIGABRT and the one line
 * "hako: free(): <cause> <pointer>" on stderr.  "valid" is the control: a correct program that
 * must exit 0 silently.  Nothing is allocated between the two frees of a double free (stdout's
 * buffer exists before), so the freed block cannot have been handed out again.
 * Usage: badfree CASE */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "alloc.h"

static char global_block[64];

static void *announce(void *p) {
    printf("ptr %p\n", p);
    fflush(stdout);
    return p;
}

/* Keeps the compiler from seeing (and refusing at build time) a free of a non-heap object. */
static void *hide(void *p) { return (void *)t_opaque((size_t)p); }

static void *remote_free(void *p) {
    hako_free(p);
    return NULL;
}

/* Frees p from another thread (a remote free). */
static void freed_by_another_thread(void *p) {
    pthread_t tid;
    if (t_thread(&tid, remote_free, p) != 0) exit(3);
    pthread_join(tid, NULL);
}

static void *owner_thread(void *arg) {
    void **out = arg;
    *out = hako_malloc(64);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: badfree CASE\n");
        return 2;
    }
    static const char *const known[] = {
        "valid", "stack", "global", "wild", "unmapped", "foreign", "interior-small",
        "interior-odd", "interior-large", "interior-huge", "double-small", "double-large",
        "double-huge", "double-later", "double-remote", "double-orphan", "double-lent", "double-listed", "double-midsize",
        "released", "realloc-stack", "realloc-interior", "realloc-freed", NULL};
    const char *c = argv[1];
    const char *const *k = known;
    while (*k && strcmp(*k, c) != 0) k++;
    if (!*k) {
        fprintf(stderr, "badfree: no case '%s'\n", c);
        return 2;
    }
    char stack_block[64];
    t_keep(stack_block);
    printf("case %s\n", c);  /* allocates stdout's buffer now */
    fflush(stdout);
    if (!strcmp(c, "valid")) {
        for (size_t n = 1; n < 8 * T_MIB; n = n * 2 + 3) {
            char *p = hako_malloc(n);
            hako_free(hako_realloc(p, n + 100));
        }
        return 0;
    }
    if (!strcmp(c, "stack")) hako_free(announce(hide(stack_block)));
    if (!strcmp(c, "global")) hako_free(announce(hide(global_block)));
    if (!strcmp(c, "wild")) hako_free(announce((void *)(uintptr_t)0x5a5a5a5a5a50));
    if (!strcmp(c, "unmapped") || !strcmp(c, "foreign")) {
        void *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return 3;
        if (!strcmp(c, "unmapped")) munmap(m, 1 << 16);
        hako_free(announce(m));
    }
    if (!strcmp(c, "interior-small")) hako_free(announce((char *)hako_malloc(64) + 16));
    if (!strcmp(c, "interior-odd")) hako_free(announce((char *)hako_malloc(100) + 8));
    if (!strcmp(c, "interior-large")) hako_free(announce((char *)hako_malloc(T_MIB) + 64 * T_KIB));
    if (!strcmp(c, "interior-huge")) hako_free(announce((char *)hako_malloc(16 * T_MIB) + 4 * T_MIB));
    if (!strcmp(c, "double-small") || !strcmp(c, "double-large") || !strcmp(c, "double-huge")) {
        size_t n = c[7] == 's' ? 48 : c[7] == 'l' ? 512 * T_KIB : 8 * T_MIB;
        void *p = announce(hako_malloc(n)), *again = hide(p);
        hako_free(p);
        hako_free(again);
    }
    if (!strcmp(c, "double-later")) {  /* other frees in between */
        void *p = hako_malloc(48), *q = announce(hako_malloc(48)), *r = hako_malloc(48);
        void *again = hide(q);
        hako_free(p);
        hako_free(q);
        hako_free(r);
        hako_free(again);
    }
    if (!strcmp(c, "double-remote")) {  /* freed by another thread, then by its owner */
        void *p = announce(hako_malloc(48)), *again = hide(p);
        freed_by_another_thread(p);
        hako_free(again);
    }
    if (!strcmp(c, "double-orphan")) {  /* the owner exited; freed twice by this thread */
        void *p = NULL;
        pthread_t tid;
        if (t_thread(&tid, owner_thread, &p) != 0) return 3;
        pthread_join(tid, NULL);
        void *again = hide(announce(p));
        hako_free(p);
        hako_free(again);
    }
    if (!strcmp(c, "double-lent")) {  /* a block of a full page: lent to its class's current page */
        void *b[200];
        for (int i = 0; i < 200; i++) b[i] = hako_malloc(1024);
        void *p = announce(b[0]), *again = hide(p);
        hako_free(p);
        hako_free(again);
    }
    if (!strcmp(c, "double-listed")) {  /* a block of 1000 bytes: on its class's list (boxes/class_lifo) */
        void *p = announce(hako_malloc(1000)), *again = hide(p);
        hako_free(p);
        hako_free(again);
    }
    if (!strcmp(c, "double-midsize")) {  /* 100 KiB: a one-block page, emptied by the free (boxes/page_recycle) */
        void *p = announce(hako_malloc(100 * T_KIB)), *again = hide(p);
        hako_free(p);
        hako_free(again);
    }
    if (!strcmp(c, "released")) {  /* a block of a segment malloc_trim gave back (emptied or unmapped) */
        enum { N = 40000 };         /* 40 MiB of 1 KiB blocks: ten segments and more */
        static void *b[N];
        for (int i = 0; i < N; i++) b[i] = hako_malloc(1024);
        void *stale = hide(b[N / 2]);
        for (int i = 0; i < N; i++) hako_free(b[i]);
        hako_trim();
        hako_free(announce(stale));
    }
    if (!strcmp(c, "realloc-stack")) t_keep(hako_realloc(announce(hide(stack_block)), 100));
    if (!strcmp(c, "realloc-interior"))
        t_keep(hako_realloc(announce((char *)hako_malloc(200) + 32), 100));
    if (!strcmp(c, "realloc-freed")) {
        void *p = announce(hako_malloc(200)), *again = hide(p);
        hako_free(p);
        t_keep(hako_realloc(again, 300));
    }
    printf("survived\n");
    return 0;
}
