/* lock.h: how hako's three mutexes (central's, the heap registry's, the huge-mapping cache's) are
 * made: plain glibc mutexes, or (boxes/adaptive_locks) ones that spin a while before they sleep. */
#ifndef HAKO_LOCK_H
#define HAKO_LOCK_H
#include <pthread.h>

#if HAKO_ADAPTIVE_LOCKS
#include "adaptive_locks.h"     /* boxes/adaptive_locks */
#else
#define HAKO_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
/* A fork child's copy of a mutex the parent held across fork: made anew, unlocked. */
static inline void hako_mutex_reinit(pthread_mutex_t *m) { pthread_mutex_init(m, NULL); }
#endif
#endif
