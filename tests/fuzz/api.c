/* The API fuzzer: an input is a program of calls to hako_malloc, calloc, realloc, reallocarray,
 * aligned_alloc, posix_memalign, free, free_sized, free_aligned_sized, usable_size and trim on 64
 * slots, run by 4 threads, with every block's contents checked.
 *
 * Input: byte 0 picks the mode; then 4 bytes per call: [op, slot, size, size].
 *   deterministic (byte 0 even)  one call at a time, each on the thread the program last switched
 *                                to (op "switch"), so blocks are freed and resized by threads that
 *                                do not own them, in an order an input reproduces exactly;
 *   concurrent (byte 0 odd)      the calls are dealt to the 4 threads by their position and run at
 *                                once, the slots locked one at a time (remote frees race with the
 *                                owner's allocations; a crash may not replay).
 * op "restart" ends a worker thread (its heap is abandoned with the blocks it owns) and starts a
 * new one.  Every block holds a pattern of its own seed (tests/lib/alloc.h t_fill), checked before
 * it is freed or resized; a resized block must keep its prefix, a calloc block must be zero, every
 * block aligned (16, or its alignment) with usable_size >= its size.  A failed check prints what
 * and aborts: libFuzzer keeps the input.
 *
 * Built two ways (Makefile): with HAKO_FUZZ_LIBFUZZER, by clang's libFuzzer with ASan/UBSan and
 * src/ compiled in (build/fuzz/api); without it, linked with libhako.so, a main that replays the
 * files and folders it is given (build/tests/fuzz/api: tests/fuzz/fuzz.t replays the corpus and
 * every regression input on the real library and on variants/hardened). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include "alloc.h"

enum { SLOTS = 64, WORKERS = 3, THREADS = WORKERS + 1, MAX_CALLS = 4096 };
#define LIVE_CAP (32 * T_MIB)  /* calls that would hold more are skipped */

typedef struct slot {
    pthread_mutex_t mu;
    unsigned char *p;
    size_t n, align;
    uint64_t seed;
} slot_t;

static slot_t slots[SLOTS];
static _Atomic size_t live_bytes;

static void fail(const char *what, const slot_t *s) {
    fprintf(stderr, "hako fuzz: %s (block %p, %zu bytes, alignment %zu)\n", what, (void *)s->p, s->n, s->align);
    abort();
}

/* ---- sizes and alignments -------------------------------------------------------------------- */
static size_t size_of(uint8_t a, uint8_t b) {
    static const size_t edges[] = {0, 1, 15, 16, 17, 127, 128, 129, 1024, 1025, 4096, 65536,
                                   128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 2 * 1024 * 1024 - 1,
                                   2 * 1024 * 1024, 2 * 1024 * 1024 + 1};
    unsigned v = (unsigned)a << 8 | b;
    switch (a >> 5) {
    case 0: case 1: case 2: return v & 255;                 /* tiny */
    case 3: case 4: return v & 4095;                        /* small */
    case 5: return (size_t)(v & 8191) * 32;                 /* up to 256 KiB */
    case 6: return edges[v % (sizeof edges / sizeof *edges)];
    default: return (b & 7) ? (size_t)(v & 8191) * 32     /* up to 256 KiB */
                            : (size_t)(v & 8191) * 1024;  /* up to 8 MiB, rarely */
    }
}

static size_t align_of(uint8_t b) { return (size_t)16 << (b % 14); }  /* 16 .. 128 KiB */

/* ---- checks ---------------------------------------------------------------------------------- */
static void check_block(const slot_t *s) {
    if (!s->p) return;
    if (!t_intact(s->p, s->n, s->seed)) fail("block contents changed", s);
    if (hako_usable_size(s->p) < s->n) fail("usable_size below the size", s);
}

static void place(slot_t *s, unsigned char *p, size_t n, size_t align, uint64_t seed, int zeroed) {
    s->p = p;
    s->n = n;
    s->align = align;
    s->seed = seed;
    if (((uintptr_t)p & ((align ? align : 16) - 1)) != 0) fail("misaligned block", s);
    if (hako_usable_size(p) < n) fail("usable_size below the size", s);
    if (zeroed) {
        size_t step = n <= 8192 ? 1 : 61;
        for (size_t i = 0; i < n; i += step)
            if (p[i]) fail("calloc block not zero", s);
    }
    t_fill(p, n, seed);
    atomic_fetch_add(&live_bytes, n);
}

static int fits(size_t n) { return atomic_load(&live_bytes) + n <= LIVE_CAP; }

static void release(slot_t *s, int how) {
    check_block(s);
    atomic_fetch_sub(&live_bytes, s->n);
    if (how == 1) hako_free_sized(s->p, s->n);
    else if (how == 2 && s->align) hako_free_aligned_sized(s->p, s->align, s->n);
    else hako_free(s->p);
    s->p = NULL;
}

/* ---- one call ---------------------------------------------------------------------------------- */
enum { OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_REALLOCARRAY, OP_ALIGNED, OP_MEMALIGN, OP_FREE,
       OP_FREE_SIZED, OP_FREE_ALIGNED, OP_USABLE, OP_TRIM, OP_SWITCH, OP_RESTART, OP_COUNT };

static void call(const uint8_t c[4], uint64_t seed) {
    slot_t *s = &slots[c[1] % SLOTS];
    size_t n = size_of(c[2], c[3]);
    int op = c[0] % OP_COUNT;
    pthread_mutex_lock(&s->mu);
    switch (op) {
    case OP_MALLOC: case OP_CALLOC: case OP_ALIGNED: case OP_MEMALIGN: {
        if (s->p) release(s, 0);
        if (!fits(n)) break;
        size_t align = op >= OP_ALIGNED ? align_of(c[3] ^ c[1]) : 0;
        void *p = NULL;
        if (op == OP_MALLOC) p = hako_malloc(n);
        else if (op == OP_CALLOC) p = hako_calloc(n / 8 + (n % 8 != 0), n ? 8 : 0);
        else if (op == OP_ALIGNED) p = hako_aligned_alloc(align, n);
        else if (hako_posix_memalign(&p, align, n) != 0) p = NULL;
        if (op == OP_CALLOC) n = (n / 8 + (n % 8 != 0)) * 8;
        if (!p) fail("allocation failed", s);
        place(s, p, n, align, seed, op == OP_CALLOC);
        break;
    }
    case OP_REALLOC: case OP_REALLOCARRAY: {
        if (!fits(n)) break;
        check_block(s);
        size_t old = s->p ? s->n : 0, keep = old < n ? old : n;
        uint64_t old_seed = s->seed;
        unsigned char *q = op == OP_REALLOC ? hako_realloc(s->p, n) : hako_reallocarray(s->p, n, 1);
        if (!q && n == 0) {  /* realloc(p, 0) freed p, as glibc's */
            atomic_fetch_sub(&live_bytes, old);
            s->p = NULL;
            break;
        }
        if (!q) fail("realloc failed", s);
        if (s->p && !t_intact_prefix(q, old, keep, old_seed)) {
            s->p = q;
            fail("realloc lost the block's contents", s);
        }
        atomic_fetch_sub(&live_bytes, old);
        place(s, q, n, 0, seed, 0);
        break;
    }
    case OP_FREE: case OP_FREE_SIZED: case OP_FREE_ALIGNED:
        if (s->p) release(s, op - OP_FREE);
        else hako_free(NULL);
        break;
    case OP_USABLE:
#ifdef HAKO_FUZZ_PLANT  /* a planted fault: the fuzzer must find it (tests/fuzz/fuzz.t) */
        if (s->p && s->n > 16 && c[2] == 0x5a) s->p[1] ^= 1;
#endif
        check_block(s);
        if (s->p && hako_usable_size(s->p) != hako_usable_size(s->p)) fail("usable_size unstable", s);
        break;
    case OP_TRIM:
        if (c[2] % 64 == 0) hako_trim();  /* rarely: it purges everything */
        break;
    default:  /* switch and restart are the scheduler's */
        break;
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- the threads ----------------------------------------------------------------------------- */
typedef struct worker {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const uint8_t *calls;  /* the calls to run: count of them, every stride-th from calls */
    size_t count, stride;
    uint64_t seed;
    int busy, quit;
} worker_t;

static worker_t workers[WORKERS];

static void run_calls(const uint8_t *calls, size_t count, size_t stride, uint64_t seed) {
    for (size_t i = 0; i < count; i++) call(calls + 4 * stride * i, seed + i);
}

static void *worker_loop(void *arg) {
    worker_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->quit) pthread_cond_wait(&w->cv, &w->mu);
        if (w->busy) {
            pthread_mutex_unlock(&w->mu);
            run_calls(w->calls, w->count, w->stride, w->seed);
            pthread_mutex_lock(&w->mu);
            w->busy = 0;
            pthread_cond_broadcast(&w->cv);
        } else {
            break;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void start_worker(worker_t *w) {
    w->busy = w->quit = 0;
    if (t_thread(&w->tid, worker_loop, w) != 0) {
        fprintf(stderr, "hako fuzz: cannot start a thread\n");
        abort();
    }
}

static void restart_worker(worker_t *w) {
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    start_worker(w);
}

static void post(worker_t *w, const uint8_t *calls, size_t count, size_t stride, uint64_t seed) {
    pthread_mutex_lock(&w->mu);
    w->calls = calls;
    w->count = count;
    w->stride = stride;
    w->seed = seed;
    w->busy = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void wait_idle(worker_t *w) {
    pthread_mutex_lock(&w->mu);
    while (w->busy) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void setup(void) {
    static int done;
    if (done) return;
    done = 1;
    for (int i = 0; i < SLOTS; i++) pthread_mutex_init(&slots[i].mu, NULL);
    for (int i = 0; i < WORKERS; i++) {
        pthread_mutex_init(&workers[i].mu, NULL);
        pthread_cond_init(&workers[i].cv, NULL);
        start_worker(&workers[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setup();
    if (size < 1) return 0;
    int concurrent = data[0] & 1;
    const uint8_t *calls = data + 1;
    size_t count = (size - 1) / 4;
    if (count > MAX_CALLS) count = MAX_CALLS;
    uint64_t seed = 0x9e3779b97f4a7c15u ^ size;
    if (concurrent) {
        /* call i goes to thread i % THREADS; the main thread is thread 0 */
        for (size_t k = 1; k < THREADS; k++)
            if (count > k) post(&workers[k - 1], calls + 4 * k, (count - k + THREADS - 1) / THREADS, THREADS, seed + k * 100000);
        run_calls(calls, (count + THREADS - 1) / THREADS, THREADS, seed);
        for (size_t k = 0; k < WORKERS; k++) wait_idle(&workers[k]);
    } else {
        /* Each run of calls between two switches goes to one thread in one hand-over. */
        int on = 0;  /* 0: the main thread, k: worker k - 1 */
        size_t start = 0;
        for (size_t i = 0; i <= count; i++) {
            int op = i < count ? calls[4 * i] % OP_COUNT : OP_SWITCH;
            if (op != OP_SWITCH && op != OP_RESTART) continue;
            if (i > start && on == 0) {
                run_calls(calls + 4 * start, i - start, 1, seed + start);
            } else if (i > start) {
                post(&workers[on - 1], calls + 4 * start, i - start, 1, seed + start);
                wait_idle(&workers[on - 1]);
            }
            start = i + 1;
            if (i == count) break;
            if (op == OP_SWITCH) on = calls[4 * i + 1] % THREADS;
            else restart_worker(&workers[calls[4 * i + 1] % WORKERS]);
        }
    }
    for (size_t i = 0; i < SLOTS; i++) {  /* every block checked and freed: inputs are independent */
        pthread_mutex_lock(&slots[i].mu);
        if (slots[i].p) release(&slots[i], 0);
        pthread_mutex_unlock(&slots[i].mu);
    }
    return 0;
}

#ifndef HAKO_FUZZ_LIBFUZZER
/* ---- replay: the files (and the files in the folders) named on the command line -------------- */
static size_t replayed;

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "hako fuzz: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    static uint8_t buf[1 + 4 * MAX_CALLS + 64];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    replayed++;
    return 0;
}

static int replay(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "hako fuzz: no file or folder %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) return replay_file(path);
    DIR *d = opendir(path);
    if (!d) return 1;
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        bad |= replay(sub);
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|FOLDER...  (replays fuzzer inputs; build/fuzz/api fuzzes)\n", argv[0]);
        return 2;
    }
    int bad = 0;
    for (int i = 1; i < argc; i++) bad |= replay(argv[i]);
    printf("replayed %zu inputs\n", replayed);
    return bad;
}
#endif
