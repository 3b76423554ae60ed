/* probe: how fast the machine is right now, in two numbers, for the runner to record beside each run.
 *
 * This machine's two vCPUs are not always placed the same way on the host: a cache line that
 * one core writes and the other reads goes round in about 125 ns at some times and about 500 ns
 * at others (close and far), switching within seconds.  Programs whose threads exchange memory
 * (mt_remote, larson, xmalloc) run slower in the far state (mt_remote T=2 R=50: 2.5..3.6x), and
 * the peers' order can flip with it (that case on 2026-11-29: hako ahead of tcmalloc 1.31x in
 * runs at its close-state speed, behind it 1.4x in probed far-state runs).  A single-threaded
 * program can also slow down (another tenant on the core).  So before each run the runner asks:
 *   rtt_ns   the median of 9 batches' mean round trip of a cache line between two threads pinned
 *            on the first two CPUs this process may use (null with fewer than two);
 *   spin_ns  the fastest of 5 timings of a fixed chain of dependent multiply-adds (2^18 steps)
 *            on one CPU: a clock-and-contention reading for one core.
 * Output: one JSON line {"rtt_ns":N|null,"spin_ns":N}.  About 5 to 15 ms in all.  Exit status 0;
 * 2 on a usage error.  It allocates nothing after its threads start and prints nothing else. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCHES     9
#define TRIPS       1000            /* round trips a batch */
#define SPIN_STEPS  (1u << 18)
#define SPIN_TRIES  5

static _Alignas(64) _Atomic uint64_t ball;      /* odd: the pinger's serve; even: the return */
static int cpus[2];

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *ponger(void *arg) {
    (void)arg;
    pin(cpus[1]);
    for (uint64_t i = 0; i < (uint64_t)BATCHES * TRIPS; i++) {
        while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Median batch mean of a round trip, ns; 0 when two CPUs are not available. */
static uint64_t round_trip_ns(void) {
    cpu_set_t s;
    if (sched_getaffinity(0, sizeof s, &s) != 0) return 0;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET(c, &s)) cpus[n++] = c;
    if (n < 2) return 0;
    pthread_t t;
    if (pin(cpus[0]) != 0 || pthread_create(&t, NULL, ponger, NULL) != 0) return 0;
    uint64_t batch[BATCHES], i = 0;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = now_ns();
        for (int k = 0; k < TRIPS; k++, i++) {
            atomic_store_explicit(&ball, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 2)
                ;
        }
        batch[b] = (now_ns() - t0) / TRIPS;
    }
    pthread_join(t, NULL);
    qsort(batch, BATCHES, sizeof batch[0], cmp_u64);
    return batch[BATCHES / 2];
}

/* Fastest of SPIN_TRIES timings of SPIN_STEPS dependent multiply-adds, ns. */
static uint64_t spin_ns(void) {
    uint64_t best = UINT64_MAX;
    for (int t = 0; t < SPIN_TRIES; t++) {
        volatile uint64_t seed = 1;
        uint64_t x = seed, t0 = now_ns();
        for (uint32_t k = 0; k < SPIN_STEPS; k++) x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t dt = now_ns() - t0;
        seed = x;                   /* the chain's result is used, so the loop stays */
        if (dt < best) best = dt;
    }
    return best;
}

int main(int argc, char **argv) {
    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        fputs("usage: probe\n"
              "Prints {\"rtt_ns\":N|null,\"spin_ns\":N}: a cache line's round trip between the first two\n"
              "CPUs this process may use, and the time of a fixed chain of work on one CPU.\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    uint64_t spin = spin_ns();
    uint64_t rtt = round_trip_ns();
    if (rtt) printf("{\"rtt_ns\":%llu,\"spin_ns\":%llu}\n", (unsigned long long)rtt, (unsigned long long)spin);
    else printf("{\"rtt_ns\":null,\"spin_ns\":%llu}\n", (unsigned long long)spin);
    return 0;
}
