/* runone: run one benchmark command and record how it went (the runner's per-run wrapper).
 *
 * hyperfine times the slot; this wrapper, inside it, runs the command once with the variant's
 * environment, sends its stdout/stderr to files, and appends one JSON line to --result:
 *   {"rc":N,"signal":N,"timed_out":B,"wall_s":S,"user_s":S,"sys_s":S,"maxrss_kb":N}
 * wall_s is fork to reap, so the start of perf and of this wrapper is not in it.  The command
 * runs in its own process group so a timeout (or Ctrl-C, forwarded) stops a driver and the
 * server it started together.  Exit status 0 whatever the command did (hyperfine must not stop
 * the round); 2 on a usage error.  No allocation after fork, no output but the files.  The
 * command gets no HAKO_ variable from the caller's environment, only --stats' and --env's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pgid;
static volatile sig_atomic_t timed_out;

static void usage(void) {
    fputs("usage: runone [--result FILE] [--stdout FILE] [--stderr FILE] [--stats FILE]\n"
          "              [--timeout SECONDS] [--env NAME=VALUE]... -- CMD [ARG...]\n"
          "Runs CMD once; appends {rc,signal,timed_out,wall_s,user_s,sys_s,maxrss_kb} to FILE.\n"
          "--stats FILE: truncates FILE and sets HAKO_STATS=1 HAKO_STATS_FILE=FILE for CMD.\n",
          stderr);
}

static void forward(int sig) {
    if (child_pgid > 0) kill(-child_pgid, sig);
}

static void on_alarm(int sig) {
    (void)sig;
    timed_out = 1;
    if (child_pgid > 0) kill(-child_pgid, SIGKILL);
}

extern char **environ;

/* The command sees no HAKO_ variable but those given here (the runner's own settings, such as
 * HAKO_BENCH_LOCK_FD, are not the allocator's options and it would report them). */
static void clear_hako_environment(void) {
    char name[256];
    for (;;) {
        char **e = environ;
        while (*e && strncmp(*e, "HAKO_", 5) != 0) e++;
        if (!*e) return;
        size_t n = strcspn(*e, "=");
        if (n >= sizeof name) n = sizeof name - 1;
        memcpy(name, *e, n);
        name[n] = 0;
        if (unsetenv(name) != 0) return;
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

/* Opens path for the child's stream fd (truncating), or /dev/null when path is NULL. */
static int open_stream(const char *path, int for_input) {
    if (for_input || !path) return open("/dev/null", for_input ? O_RDONLY : O_WRONLY);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

int main(int argc, char **argv) {
    const char *result = NULL, *out = NULL, *err = NULL, *stats = NULL;
    double timeout = 0;
    int i;
    clear_hako_environment();
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); return 0; }
        if (i + 1 >= argc) { usage(); return 2; }
        if (!strcmp(a, "--result")) result = argv[++i];
        else if (!strcmp(a, "--stdout")) out = argv[++i];
        else if (!strcmp(a, "--stderr")) err = argv[++i];
        else if (!strcmp(a, "--stats")) stats = argv[++i];
        else if (!strcmp(a, "--timeout")) timeout = atof(argv[++i]);
        else if (!strcmp(a, "--env")) {
            char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq) { fprintf(stderr, "hako: runone: --env %s: not NAME=VALUE\n", kv); return 2; }
            *eq = 0;
            setenv(kv, eq + 1, 1);
            *eq = '=';
        } else { usage(); return 2; }
    }
    if (i >= argc) { usage(); return 2; }
    if (stats) {
        char abs[4096];
        int fd = open(stats, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || !realpath(stats, abs)) {
            fprintf(stderr, "hako: runone: %s: %s\n", stats, strerror(errno));
            return 2;
        }
        close(fd);
        setenv("HAKO_STATS", "1", 1);
        setenv("HAKO_STATS_FILE", abs, 1);
    }
    int fds[3] = {open_stream(NULL, 1), open_stream(out, 0), open_stream(err, 0)};
    if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0) {
        fprintf(stderr, "hako: runone: cannot open the output files: %s\n", strerror(errno));
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    double start = now_s();
    pid_t pid = fork();
    if (pid < 0) { fprintf(stderr, "hako: runone: fork: %s\n", strerror(errno)); return 2; }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        for (int s = 0; s < 3; s++) dup2(fds[s], s);
        execvp(argv[i], argv + i);
        _exit(127);
    }
    setpgid(pid, pid);
    child_pgid = pid;
    if (timeout > 0) {
        struct itimerval it = {{0, 0}, {(time_t)timeout, (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6)}};
        setitimer(ITIMER_REAL, &it, NULL);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    double wall = now_s() - start;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    /* A server left behind by a killed driver goes with its group. */
    if (timed_out || WIFSIGNALED(status)) kill(-pid, SIGKILL);

    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    char line[512];
    int n = snprintf(line, sizeof line,
                     "{\"rc\":%d,\"signal\":%d,\"timed_out\":%s,\"wall_s\":%.9f,\"user_s\":%.6f,"
                     "\"sys_s\":%.6f,\"maxrss_kb\":%ld}\n",
                     rc, sig, timed_out ? "true" : "false", wall, tv_s(ru.ru_utime),
                     tv_s(ru.ru_stime), ru.ru_maxrss);
    if (result) {
        int fd = open(result, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0 || write(fd, line, (size_t)n) != n) {
            fprintf(stderr, "hako: runone: %s: %s\n", result, strerror(errno));
            return 2;
        }
        close(fd);
    } else if (write(1, line, (size_t)n) != n) {
        return 2;
    }
    return 0;
}
