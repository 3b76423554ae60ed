/* span_best_fit.h: boxes/span_best_fit, a new span goes into the shortest run of free slices that
 * holds it, over all segments, instead of the first run of the first segment that has one.
 * Included by src/central.c (under the central lock, with its statics).
 *
 * Without it a span of n slices takes the first run of n free slices in the first segment of
 * the list that has one (segments with free slices first, in no particular order), starting at a
 * resident slice where it can.  A 2-slice block then cuts into a 40-slice hole while a 2-slice
 * hole waits elsewhere, and the next 16-slice block finds no hole long enough and maps a new
 * segment: more segments mapped, more RSS.
 *
 * Here every maximal run of free slices long enough for n is measured, in every segment, and the
 * shortest wins (the first of equals; an exact fit ends the search); inside it the span starts at
 * its first resident position, as before.  Empty segments hold the longest run there is, so they
 * are taken last.  Walking the segment list to read each header's mask would cost a cache miss a
 * segment (the headers are 4 MiB apart: one cache set for all of them), so the masks are copied
 * into a dense index, kept in step wherever central changes a mask.  Segments beyond FIT_SLOTS
 * (4 GiB of them) are not indexed: when no indexed segment fits, the caller's first fit over the
 * segment list finds room in them. */
#ifndef HAKO_SPAN_BEST_FIT_H
#define HAKO_SPAN_BEST_FIT_H

#define FIT_SLOTS 1024
#define FIT_NONE  0xffffffffu

static segment_t *fit_seg[FIT_SLOTS];   /* [central] indexed segments, dense */
static uint64_t fit_free[FIT_SLOTS];    /* [central] fit_free[i] == fit_seg[i]->free_mask */
static unsigned fit_count;              /* [central] */
static unsigned fit_unindexed;          /* [central] segments left out: the index was full */
#if HAKO_SPAN_AFFINITY
#include "span_affinity.h"              /* boxes/span_affinity: a thread's own segments first */
#if HAKO_LARGE_AFFINITY
#include "large_affinity.h"             /* boxes/large_affinity: for large spans only */
#endif
#endif
#ifndef FIT_RANK_END
#define FIT_RANK_END 65u                /* above the rank of any run */
#endif

/* [central] s's free mask changed. */
static inline void fit_note(segment_t *s) {
    if (s->fit_slot != FIT_NONE) fit_free[s->fit_slot] = s->free_mask;
}

/* [central] A new segment joins the index. */
static void fit_add(segment_t *s) {
    if (fit_count == FIT_SLOTS) { s->fit_slot = FIT_NONE; fit_unindexed++; return; }
    s->fit_slot = fit_count;
#if HAKO_SPAN_AFFINITY
    fit_aff[fit_count] = affinity_self();   /* the thread mapping it is about to use it */
#endif
    fit_seg[fit_count] = s;
    fit_free[fit_count++] = s->free_mask;
}

/* [central] A segment about to be unmapped leaves it; the last one takes its slot. */
static void fit_remove(segment_t *s) {
    if (s->fit_slot == FIT_NONE) { fit_unindexed--; return; }
    unsigned i = s->fit_slot, last = --fit_count;
    fit_seg[i] = fit_seg[last];
    fit_free[i] = fit_free[last];
#if HAKO_SPAN_AFFINITY
    fit_aff[i] = fit_aff[last];
#endif
    fit_seg[i]->fit_slot = i;
}

/* [central] Index entries out of step with their segment (0 unless a hook is missing): the exit
 * dump shows it, and the tests check it. */
static uint64_t fit_stale(void) {
    uint64_t stale = 0;
    for (unsigned k = 0; k < fit_count; k++)
        stale += fit_free[k] != fit_seg[k]->free_mask || fit_seg[k]->fit_slot != k;
    return stale;
}

static uint64_t runs_of(uint64_t m, unsigned n);

/* [central] The indexed segment holding the shortest run of free slices that fits n and, in *runs,
 * the positions where a span of n fits inside that run; NULL when no indexed segment has one. */
static segment_t *best_fit(unsigned n, uint64_t *runs) {
    unsigned best = FIT_NONE, best_len = FIT_RANK_END;
    uint64_t best_run = 0;
#if HAKO_SPAN_AFFINITY
    uintptr_t me = affinity_self();
#if HAKO_LARGE_AFFINITY
    /* boxes/large_affinity: large spans only */
    const unsigned penalty = n >= AFFINITY_MIN_SLICES ? AFFINITY_OTHER : 0;
#else
    const unsigned penalty = AFFINITY_OTHER;
#endif
#endif
    for (unsigned k = 0; k < fit_count; k++) {
        uint64_t m = fit_free[k];
#if HAKO_SPAN_AFFINITY
        unsigned other = fit_aff[k] == me ? 0 : penalty;    /* another's run ranks after every own one */
#else
        const unsigned other = 0;
#endif
        /* the starts of the maximal free runs long enough for n: only those are measured */
        uint64_t starts = runs_of(m, n) & ~(m << 1);
        while (starts) {
            unsigned i = (unsigned)__builtin_ctzll(starts);
            starts &= starts - 1;
            uint64_t rest = m >> i;
            unsigned len = rest == ~(uint64_t)0 >> i ? 64 - i : (unsigned)__builtin_ctzll(~rest);
            if (len + other >= best_len) continue;
            best = k;
            best_len = len + other;
            best_run = (len == 64 ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1)) << i;
            if (len + other == n) goto done;
        }
    }
done:
    if (best == FIT_NONE) return NULL;
#if HAKO_SPAN_AFFINITY
    if (penalty) fit_aff[best] = me;        /* 0: boxes/large_affinity's small pages take no side */
#endif
    *runs = runs_of(fit_free[best], n) & best_run;
    return fit_seg[best];
}

#endif
