/* adaptive_locks.h: boxes/adaptive_locks, hako's mutexes spin a while before they sleep.
 * Included by src/lock.h, which src/central.c, src/cache.c and src/large.c use for their mutexes.
 *
 * Without it they are glibc's default mutexes: a thread that finds one taken goes to sleep in the
 * kernel (futex) at once, and the holder's unlock has to wake it.  Central's critical sections
 * (a span taken from or given back to a segment's free masks) last well under a microsecond, less
 * than the sleep and the wake-up cost, so two threads that allocate large blocks at the same time
 * spend their time switching.  glibc's adaptive mutex (PTHREAD_MUTEX_ADAPTIVE_NP) first spins on
 * the lock for a bounded number of rounds (it learns how many from the lock's recent history) and
 * sleeps only after that: the same mutex, the same fairness, no new code of ours on the lock path. */
#ifndef HAKO_ADAPTIVE_LOCKS_H
#define HAKO_ADAPTIVE_LOCKS_H
#include <pthread.h>

#define HAKO_MUTEX_INITIALIZER PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP

/* A fork child's copy of a mutex the parent held across fork: made anew, unlocked, adaptive. */
static inline void hako_mutex_reinit(pthread_mutex_t *m) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}
#endif
