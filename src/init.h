/* init.h: process start-up, options, and the fail-fast exit (src/init.c). */
#ifndef HAKO_INIT_H
#define HAKO_INIT_H
#include "types.h"

extern _Atomic int hako_init_state;       /* 0 not yet, 1 in progress, 2 done */
void hako_init_slow(void);
static inline void hako_init(void) {
    if (likely(atomic_load_explicit(&hako_init_state, memory_order_acquire) == 2)) return;
    hako_init_slow();
}

/* Stops the process: "hako: <fn>(): <cause> <pointer>" on stderr, then abort(). */
__attribute__((noreturn, cold)) void hako_fatal(const char *fn, const char *cause, const void *p);
void hako_write_all(int fd, const char *s, size_t n);
#endif
