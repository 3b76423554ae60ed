/* hstats: the statistics of one A/B comparison (the runner's "decide" step computes the rest in jq).
 *
 * Input (stdin): one sample per line, "ROUND SIDE VALUE", SIDE is a or b; ROUND groups the
 * samples measured together (one ABBA/BAAB round).  Output (stdout), one JSON line:
 *   {"n_a":N,"n_b":N,"median_a":X,"median_b":X,"ratio":R,"ci":[LO,HI],"p":P,"u":U,"rounds":N}
 * ratio = median(b)/median(a).  The confidence interval is a percentile bootstrap of that ratio in
 * which the resampled unit is a whole round: A and B of a round stay together, so slow drift of
 * the machine (which ABBA ordering shares between the sides) does not widen the interval, and
 * with two samples a side per round the interval is not too narrow either (resampling inside a
 * two-sample round would halve the variance).  With fewer than 2 rounds the samples themselves
 * are resampled.  p is the two-sided Mann-Whitney U test: exact (Gaussian binomial counts) when
 * there are no ties and both sides have at most 50 samples, else the normal approximation with
 * tie and continuity corrections.  Deterministic for a given --seed. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { long round; int side; double v; } sample_t;

static sample_t *samples;
static size_t nsamples, capsamples;

/* ---- random numbers: splitmix64, enough for resampling ---- */
static uint64_t rng_state;
static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static size_t rng_below(size_t n) { return (size_t)(rng_next() % n); }

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median of v[0..n) (sorts v). */
static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double quantile_sorted(const double *v, size_t n, double q) {
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

/* ---- Mann-Whitney U ---- */
typedef struct { double v; int side; double rank; } ranked_t;
static int cmp_ranked(const void *x, const void *y) {
    double a = ((const ranked_t *)x)->v, b = ((const ranked_t *)y)->v;
    return (a > b) - (a < b);
}

/* Number of arrangements with each U value: the coefficients of the Gaussian binomial
 * [n1+n2 choose n1]_q = prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i), as doubles. */
static double *u_counts(int n1, int n2) {
    int max = n1 * n2;
    double *c = calloc((size_t)max + 1, sizeof *c);
    if (!c) return NULL;
    c[0] = 1;
    for (int i = 1; i <= n1; i++) {
        int m = n2 + i;
        for (int u = max; u >= m; u--) c[u] -= c[u - m];      /* times (1 - q^m) */
        for (int u = i; u <= max; u++) c[u] += c[u - i];      /* divided by (1 - q^i) */
    }
    return c;
}

static double normal_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

/* Two-sided p-value of U_a (the count of pairs where a > b, ties counted half). */
static double mann_whitney(const double *a, int na, const double *b, int nb, double *u_out) {
    int n = na + nb;
    ranked_t *r = malloc((size_t)n * sizeof *r);
    if (!r) return 1;
    for (int i = 0; i < na; i++) r[i] = (ranked_t){a[i], 0, 0};
    for (int i = 0; i < nb; i++) r[na + i] = (ranked_t){b[i], 1, 0};
    qsort(r, (size_t)n, sizeof *r, cmp_ranked);
    double tie_term = 0;
    int ties = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && r[j].v == r[i].v) j++;
        double rank = (i + 1 + j) / 2.0;
        for (int k = i; k < j; k++) r[k].rank = rank;
        double t = j - i;
        if (t > 1) { tie_term += t * t * t - t; ties = 1; }
        i = j;
    }
    double ra = 0;
    for (int i = 0; i < n; i++) if (r[i].side == 0) ra += r[i].rank;
    free(r);
    double u = ra - (double)na * (na + 1) / 2.0;
    *u_out = u;
    double mean = (double)na * nb / 2.0;
    if (!ties && na <= 50 && nb <= 50) {
        double *c = u_counts(na, nb);
        if (c) {
            int ui = (int)llround(u), max = na * nb;
            double total = 0, lo = 0, hi = 0;
            for (int k = 0; k <= max; k++) {
                total += c[k];
                if (k <= ui) lo += c[k];
                if (k >= ui) hi += c[k];
            }
            free(c);
            double p = 2 * fmin(lo, hi) / total;
            return p > 1 ? 1 : p;
        }
    }
    double var = (double)na * nb / 12.0 * ((n + 1) - tie_term / ((double)n * (n - 1)));
    if (var <= 0) return 1;
    double z = (fabs(u - mean) - 0.5) / sqrt(var);
    if (z < 0) z = 0;
    double p = 2 * normal_sf(z);
    return p > 1 ? 1 : p;
}

/* ---- bootstrap of the ratio of medians, resampling rounds ---- */
static int cmp_sample_round(const void *x, const void *y) {
    long a = ((const sample_t *)x)->round, b = ((const sample_t *)y)->round;
    return (a > b) - (a < b);
}

/* Replaces v[0..n) by a sample of n drawn from it with replacement. */
static void resample(double *v, size_t n) {
    double *copy = malloc(n * sizeof *copy);
    if (!copy) return;
    memcpy(copy, v, n * sizeof *copy);
    for (size_t i = 0; i < n; i++) v[i] = copy[rng_below(n)];
    free(copy);
}

static void bootstrap_ci(int iters, double level, double *lo, double *hi) {
    qsort(samples, nsamples, sizeof *samples, cmp_sample_round);
    size_t *start = malloc((nsamples + 1) * sizeof *start);
    size_t nrounds = 0;
    for (size_t i = 0; i < nsamples; i++)
        if (i == 0 || samples[i].round != samples[i - 1].round) start[nrounds++] = i;
    start[nrounds] = nsamples;
    int by_round = nrounds >= 2;
    double *va = malloc(nsamples * sizeof *va), *vb = malloc(nsamples * sizeof *vb);
    double *ratios = malloc((size_t)iters * sizeof *ratios);
    int kept = 0;
    for (int it = 0; it < iters; it++) {
        size_t na = 0, nb = 0;
        if (by_round) {
            for (size_t k = 0; k < nrounds; k++) {
                size_t r = rng_below(nrounds);
                for (size_t i = start[r]; i < start[r + 1]; i++) {
                    if (samples[i].side == 0) va[na++] = samples[i].v;
                    else vb[nb++] = samples[i].v;
                }
            }
        } else {
            for (size_t i = 0; i < nsamples; i++) {
                if (samples[i].side == 0) va[na++] = samples[i].v;
                else vb[nb++] = samples[i].v;
            }
            resample(va, na);
            resample(vb, nb);
        }
        if (na == 0 || nb == 0) continue;
        double ma = median(va, na), mb = median(vb, nb);
        if (ma == 0) continue;
        ratios[kept++] = mb / ma;
    }
    if (kept == 0) { *lo = NAN; *hi = NAN; }
    else {
        qsort(ratios, (size_t)kept, sizeof *ratios, cmp_double);
        *lo = quantile_sorted(ratios, (size_t)kept, (1 - level) / 2);
        *hi = quantile_sorted(ratios, (size_t)kept, 1 - (1 - level) / 2);
    }
    free(start); free(va); free(vb); free(ratios);
}

static void print_num(const char *key, double v, const char *sep) {
    if (isfinite(v)) printf("\"%s\":%.10g%s", key, v, sep);
    else printf("\"%s\":null%s", key, sep);
}

int main(int argc, char **argv) {
    int iters = 10000;
    double level = 0.95;
    rng_state = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--boot") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--level") && i + 1 < argc) level = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) rng_state = strtoull(argv[++i], NULL, 10);
        else {
            fputs("usage: hstats [--boot N] [--level 0.95] [--seed S] <\"ROUND a|b VALUE\" lines\n"
                  "Prints n_a, n_b, median_a, median_b, ratio (b/a), ci, p (Mann-Whitney), u.\n",
                  stderr);
            return strcmp(argv[i], "-h") && strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (iters < 100 || level <= 0 || level >= 1) {
        fputs("hako: hstats: --boot must be >= 100 and --level in (0,1)\n", stderr);
        return 2;
    }
    char line[256], side[16];
    long round;
    double v;
    size_t lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        if (line[0] == '\n' || line[0] == '#') continue;
        if (sscanf(line, "%ld %15s %lf", &round, side, &v) != 3 || (strcmp(side, "a") && strcmp(side, "b")) ||
            !isfinite(v)) {
            fprintf(stderr, "hako: hstats: input line %zu: want \"ROUND a|b VALUE\" (fix the caller)\n", lineno);
            return 2;
        }
        if (nsamples == capsamples) {
            capsamples = capsamples ? 2 * capsamples : 256;
            samples = realloc(samples, capsamples * sizeof *samples);
            if (!samples) return 2;
        }
        samples[nsamples++] = (sample_t){round, side[0] == 'b', v};
    }
    double *a = malloc((nsamples + 1) * sizeof *a), *b = malloc((nsamples + 1) * sizeof *b);
    int na = 0, nb = 0;
    size_t nrounds = 0;
    for (size_t i = 0; i < nsamples; i++) {
        if (samples[i].side == 0) a[na++] = samples[i].v;
        else b[nb++] = samples[i].v;
    }
    if (na == 0 || nb == 0) {
        fprintf(stderr, "hako: hstats: need samples of both a and b (got %d and %d)\n", na, nb);
        return 2;
    }
    double u = 0, p = mann_whitney(a, na, b, nb, &u);
    double ma = median(a, (size_t)na), mb = median(b, (size_t)nb);
    double lo, hi;
    bootstrap_ci(iters, level, &lo, &hi);
    for (size_t i = 0; i < nsamples; i++)
        if (i == 0 || samples[i].round != samples[i - 1].round) nrounds++;
    printf("{\"n_a\":%d,\"n_b\":%d,\"rounds\":%zu,", na, nb, nrounds);
    print_num("median_a", ma, ",");
    print_num("median_b", mb, ",");
    print_num("ratio", ma != 0 ? mb / ma : NAN, ",");
    if (isfinite(lo) && isfinite(hi)) printf("\"ci\":[%.10g,%.10g],", lo, hi);
    else printf("\"ci\":null,");
    print_num("p", p, ",");
    print_num("u", u, "}\n");
    free(a); free(b); free(samples);
    return 0;
}
