/* init.c: process start-up: the secret, the options, fork and exit hooks; and the fail-fast exit.
 * Owns: hako_options, hako_secret, the initialization state.
 * May call: central, cache, stats (to register their hooks).  Uses no stdio and no allocation:
 * it runs inside the first malloc of the process. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/single_threaded.h>
#include <unistd.h>
#include "init.h"
#include "cache.h"
#include "central.h"
#include "large.h"
#include "stats.h"

options_t hako_options;
uintptr_t hako_secret;
_Atomic int hako_init_state;
static pthread_t init_thread;

extern char **environ;

void hako_write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

void hako_fatal(const char *fn, const char *cause, const void *p) {
    char buf[256];
    size_t n = 0;
    const char *parts[] = { "hako: ", fn, "(): ", cause, " 0x" };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *c = parts[i]; *c && n < sizeof buf - 24; c++) buf[n++] = *c;
    uintptr_t v = (uintptr_t)p;
    char hex[16];
    int k = 0;
    do { hex[k++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    while (k) buf[n++] = hex[--k];
    buf[n++] = '\n';
    hako_write_all(2, buf, n);
    abort();
}

/* ---- options ------------------------------------------------------------------------------------ */

static const char *const known_vars[] = { "HAKO_STATS", "HAKO_STATS_FILE", "HAKO_VERBOSE" };

static bool flag_value(const char *v) {
    return v[0] == '1' || v[0] == 'y' || v[0] == 'Y' || v[0] == 't' || v[0] == 'T' ||
           ((v[0] == 'o' || v[0] == 'O') && (v[1] == 'n' || v[1] == 'N'));
}

static void say(const char *a, const char *b, const char *c) {
    hako_write_all(2, a, strlen(a));
    hako_write_all(2, b, strlen(b));
    hako_write_all(2, c, strlen(c));
}

static void read_options(void) {
    if (!environ) return;
    for (char **e = environ; *e; e++) {
        const char *s = *e;
        if (strncmp(s, "HAKO_", 5) != 0) continue;
        const char *eq = strchr(s, '=');
        if (!eq) continue;
        size_t len = (size_t)(eq - s);
        const char *v = eq + 1;
        if (len == 10 && !strncmp(s, "HAKO_STATS", len)) hako_options.stats = flag_value(v);
        else if (len == 12 && !strncmp(s, "HAKO_VERBOSE", len)) hako_options.verbose = flag_value(v);
        else if (len == 15 && !strncmp(s, "HAKO_STATS_FILE", len)) {
            size_t n = strlen(v);
            if (n >= sizeof hako_options.stats_file) {
                say("hako: HAKO_STATS_FILE is too long (over 255 bytes); the dump goes to stderr", "", "\n");
            } else {
                memcpy(hako_options.stats_file, v, n + 1);
            }
        } else {
            char name[64];
            size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
            memcpy(name, s, n);
            name[n] = 0;
            say("hako: unknown environment variable ", name,
                " ignored (known: HAKO_STATS, HAKO_STATS_FILE, HAKO_VERBOSE)\n");
        }
    }
    (void)known_vars;
}

/* ---- fork ----------------------------------------------------------------------------------------- */

/* Lock order: heaps, huge cache, central.  A single-threaded process takes no lock: nobody else
 * can hold one, and a fork from a signal handler that interrupted hako (which holds it) must not
 * wait for itself.  glibc's own malloc does the same. */
static bool fork_locked;

static void fork_prepare(void) {
    fork_locked = !__libc_single_threaded;
    if (!fork_locked) return;
    cache_fork_prepare(); large_fork_prepare(); central_lock();
}

static void fork_parent(void) {
    if (!fork_locked) return;
    central_unlock(); large_fork_parent(); cache_fork_parent();
}

static void fork_child(void) {
    if (!fork_locked) return;
    central_fork_child(); large_fork_child(); cache_fork_child();
}

/* ---- start-up ------------------------------------------------------------------------------------- */

void hako_init_slow(void) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&hako_init_state, &expected, 1)) {
        if (expected == 2) return;
        if (pthread_equal(init_thread, pthread_self())) return;   /* an allocation made by init itself */
        while (atomic_load_explicit(&hako_init_state, memory_order_acquire) != 2) sched_yield();
        return;
    }
    init_thread = pthread_self();
    const uint8_t *r = (const uint8_t *)getauxval(AT_RANDOM);
    uintptr_t s = (uintptr_t)&expected * 0x9e3779b97f4a7c15u;
    if (r) { uintptr_t x; memcpy(&x, r + 8, sizeof x); s ^= x; }
    hako_secret = s | 1;
    read_options();
    central_init();
    cache_init();
    atomic_store_explicit(&hako_init_state, 2, memory_order_release);
    /* These may allocate: they run after the state says "done". */
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    stats_init();
}

__attribute__((constructor)) static void hako_constructor(void) { hako_init(); }
