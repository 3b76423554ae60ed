/* Shared helpers for C tests: each check prints one TAP-style line (see tests/run).
 *   T_CHECK(cond, "name %d", ...)     ok when cond holds
 *   T_SKIP("why", "name")             a skip that says why
 *   return t_done();                  exit status 1 when anything failed */
#ifndef HAKO_TAP_H
#define HAKO_TAP_H
#include <stdio.h>
#include <stdarg.h>

static int t_failed;

__attribute__((format(printf, 3, 4), unused))
static int t_check(int cond, const char *expr, const char *fmt, ...) {
    va_list ap;
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
    return cond;
}
#define T_CHECK(cond, ...) t_check(!!(cond), #cond, __VA_ARGS__)
#define T_SKIP(why, name) (printf("ok - %s # SKIP %s\n", (name), (why)), fflush(stdout))
__attribute__((unused)) static int t_done(void) { return t_failed ? 1 : 0; }
#endif
