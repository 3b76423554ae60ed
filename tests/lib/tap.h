/* Shared helpers for C tests: each check prints one TAP-style line (see tests/run).
 *   T_PLAN(n)                         "# plan: n checks": a case that runs in its own process
 *                                     says first how many check lines it will print, so that
 *                                     run_cases (tests/lib/alloc.sh) can tell a lost one
 *   T_CHECK(cond, "name %d", ...)     ok when cond holds
 *   T_SKIP("why", "name")             a skip that says why (it counts as a check)
 *   return t_done();                  exit status 1 when anything failed */
#ifndef HAKO_TAP_H
#define HAKO_TAP_H
#include <stdio.h>
#include <stdarg.h>

static int t_failed;

/* The stdout lock is held for the whole line: a check printed by another thread at the same time
 * cannot land in the middle of it. */
__attribute__((format(printf, 3, 4), unused))
static int t_check(int cond, const char *expr, const char *fmt, ...) {
    va_list ap;
    flockfile(stdout);
    printf(cond ? "ok - " : "not ok - ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) {
        printf("#   failed: %s\n", expr);
        t_failed++;
    }
    fflush(stdout);
    funlockfile(stdout);
    return cond;
}
#define T_CHECK(cond, ...) t_check(!!(cond), #cond, __VA_ARGS__)
#define T_SKIP(why, name) (printf("ok - %s # SKIP %s\n", (name), (why)), fflush(stdout))
#define T_PLAN(n) (printf("# plan: %d checks\n", (int)(n)), fflush(stdout))
__attribute__((unused)) static int t_done(void) { return t_failed ? 1 : 0; }
#endif
