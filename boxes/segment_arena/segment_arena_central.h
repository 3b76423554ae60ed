/* segment_arena_central.h: boxes/segment_arena, central's side: the range is reserved on the first
 * segment_new, slots are handed out lowest first (a released one before a fresh one) and a
 * released segment is emptied in place.  Included by src/central.c; every function here runs
 * under the central lock.  See segment_arena.h. */
#ifndef HAKO_SEGMENT_ARENA_CENTRAL_H
#define HAKO_SEGMENT_ARENA_CENTRAL_H
#include "segment_arena.h"

#define ARENA_BYTES_MAX ((uintptr_t)64 << 30)   /* 16384 segments; later ones are mapped outside */
#define ARENA_BYTES_MIN ((uintptr_t)1 << 30)    /* smaller reservations are not tried */
#define ARENA_SLOTS_MAX (ARENA_BYTES_MAX / SEG_SIZE)

seg_arena_t hako_seg_arena;
static uint64_t arena_released[ARENA_SLOTS_MAX / 64];   /* [central] slots below top, emptied, free */
static bool arena_tried;                                /* [central] reserved once, or failed once */

/* The largest range the kernel grants; none under an address-space limit (ulimit -v), which
 * would count the whole range against the program's memory. */
static void arena_reserve(void) {
    arena_tried = true;
    if (os_space_limited()) return;
    for (uintptr_t n = ARENA_BYTES_MAX; n >= ARENA_BYTES_MIN; n /= 2) {
        void *p = os_reserve(n, SEG_SIZE);
        if (!p) continue;
        store_relaxed(&hako_seg_arena.size, n);
        store_relaxed(&hako_seg_arena.base, (uintptr_t)p);     /* published by top's release store */
        return;
    }
}

/* A zeroed segment from the arena, or NULL (no range, or the range is full). */
static segment_t *arena_segment(void) {
    if (!arena_tried) arena_reserve();
    uintptr_t base = load_relaxed(&hako_seg_arena.base), top = load_relaxed(&hako_seg_arena.top);
    if (!base) return NULL;
    for (uintptr_t w = 0; w < ARENA_SLOTS_MAX / 64; w++) {     /* 2 KiB, once a segment */
        if (!arena_released[w]) continue;
        unsigned bit = (unsigned)__builtin_ctzll(arena_released[w]);
        arena_released[w] &= arena_released[w] - 1;
        uint8_t *s = (uint8_t *)base + (w * 64 + bit) * SEG_SIZE;
        os_recommit(s, SEG_SIZE);
        atomic_fetch_add_explicit(&hako_central_stats.arena_segments, 1, RELAXED);
        return (segment_t *)s;
    }
    /* A slot made read/write inside the range adds nothing to the address space the kernel counts:
     * under an address-space limit (set after the range was reserved) segments are mapped outside,
     * where the limit holds them; released slots are in that count already. */
    if (load_relaxed(&hako_seg_arena.size) - top < SEG_SIZE || os_space_limited()) return NULL;
    if (!os_commit((uint8_t *)base + top, SEG_SIZE)) return NULL;
    atomic_store_explicit(&hako_seg_arena.top, top + SEG_SIZE, memory_order_release);
    atomic_fetch_add_explicit(&hako_central_stats.arena_segments, 1, RELAXED);
    return (segment_t *)(base + top);
}

/* Empties s in place when it is the arena's (true); false leaves it to the caller to unmap. */
static bool arena_release(segment_t *s) {
    uintptr_t off = (uintptr_t)s - load_relaxed(&hako_seg_arena.base);
    if (off >= load_relaxed(&hako_seg_arena.top)) return false;
    if (!os_decommit(s, SEG_SIZE)) return true;       /* not zeroed: never handed out again */
    uintptr_t slot = off / SEG_SIZE;
    arena_released[slot / 64] |= (uint64_t)1 << (slot % 64);
    return true;
}
#endif
