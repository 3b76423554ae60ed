/* A small program for tests/alloc/env.t, which runs it under HAKO_STATS, HAKO_STATS_FILE,
 * HAKO_VERBOSE and friends and reads what hako writes.  It allocates a known amount and prints on
 * stdout "pid N", "info <hako_build_info()>" and "json <hako_stats_json()>".
 * Usage: probe [threads|large|malloc_stats|fork|fds]
 *   threads       3 threads each malloc 1000 blocks and free 1000 of main's (remote frees)
 *   malloc_stats  calls malloc_stats() before exiting
 *   large         4 threads each malloc and free 100 blocks of 300 KiB (large): main, two that
 *                 allocated a small block first, one that never allocates a small block (no heap)
 *   fork          a forked child allocates and exits too (two processes, two dumps)
 *   fds           also prints "fds N N ...", the descriptors open in the process (from /proc/self/fd,
 *                 less the one reading it) */
#define _GNU_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <sys/wait.h>
#include "alloc.h"

enum { BLOCKS = 1000, THREADS = 3 };
static void *main_blocks[THREADS][BLOCKS];

static int by_int(const void *a, const void *b) { return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b); }

static void *worker(void *arg) {
    void **theirs = arg;
    for (int i = 0; i < BLOCKS; i++) {
        void *mine = malloc(32 + (size_t)i);
        t_keep(mine);
        free(mine);
        free(theirs[i]);
    }
    return NULL;
}

enum { LARGE_BLOCKS = 100, LARGE_BYTES = 300 << 10 };

static void *large_worker(void *arg) {
    void *small = arg ? malloc(64) : NULL;      /* with a small block first the thread has a heap */
    t_keep(small);
    for (int i = 0; i < LARGE_BLOCKS; i++) {
        void *p = malloc(LARGE_BYTES);
        t_keep(p);
        free(p);
    }
    free(small);
    return NULL;
}

static void allocate_some(void) {
    for (int i = 0; i < BLOCKS; i++) {
        void *p = malloc((size_t)i * 7 + 1);
        t_keep(p);
        free(p);
    }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    allocate_some();
    if (!strcmp(mode, "threads")) {
        pthread_t tid[THREADS];
        for (int t = 0; t < THREADS; t++)
            for (int i = 0; i < BLOCKS; i++) main_blocks[t][i] = malloc(64);
        for (int t = 0; t < THREADS; t++)
            if (t_thread(&tid[t], worker, main_blocks[t]) != 0) return 3;
        for (int t = 0; t < THREADS; t++) pthread_join(tid[t], NULL);
    }
    if (!strcmp(mode, "large")) {
        pthread_t tid[THREADS];
        for (int t = 0; t < THREADS; t++)
            if (t_thread(&tid[t], large_worker, t ? "heap" : NULL) != 0) return 3;
        large_worker("heap");
        for (int t = 0; t < THREADS; t++) pthread_join(tid[t], NULL);
    }
    if (!strcmp(mode, "fork")) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            allocate_some();
            exit(0);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) return 4;
    }
    printf("pid %d\n", (int)getpid());
    printf("info %s\n", hako_build_info());
    char json[16384];
    hako_stats_json(json, sizeof json);
    printf("json %s\n", json);
    fflush(stdout);
    if (!strcmp(mode, "malloc_stats")) malloc_stats();
    if (!strcmp(mode, "fds")) {
        DIR *d = opendir("/proc/self/fd");
        if (!d) return 4;
        int fds[256], n = 0;
        for (struct dirent *e; (e = readdir(d)) && n < 256;)
            if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) fds[n++] = atoi(e->d_name);
        closedir(d);
        qsort(fds, (size_t)n, sizeof fds[0], by_int);
        printf("fds");
        for (int i = 0; i < n; i++) printf(" %d", fds[i]);
        printf("\n");
    }
    return 0;
}
