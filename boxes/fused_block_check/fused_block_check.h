/* fused_block_check.h: boxes/fused_block_check, the test that p starts a carved block of its page
 * as one multiplication and one compare.  Included by boxes/free_lean/free_lean.h in place of its
 * hot_is_block; src/hot.c sets the multiplier and the bound (page_new, page_extend); the bound
 * takes free_lean's carved's place in the descriptor (boxes/page_lines): nothing else reads carved.
 *
 * free_lean tests off = p - start by two compares: off < carved, and off * M < M (M = div_exact,
 * exact divisibility).  Here M = floor(2^64 / bs) + 1 for every block size bs (one more than
 * free_lean's for a power of two), so that e = bs * M - 2^64 lies in 1..bs.  For off = q * bs + r
 * (0 <= r < bs) and off below the segment size, off * M mod 2^64 = q * e + r * M with no wrap:
 * q * e <= off < 2^22 and r * M <= (bs - 1) * (2^64 / bs + 1) < 2^64 - 2^64 / bs + bs, and
 * 2^64 / bs >= 2^47 (bs <= SMALL_MAX) is far above 2^22 + bs.  So a block start (r = 0) gives
 * q * e, below capacity * e exactly when q < capacity, and any other offset gives at least
 * M >= 2^47, above any bound (capacity * e <= capacity * bs <= the span, at most 4 MiB).  With
 * valid_below = capacity * e the test is off * M < valid_below.  Every caller passes p with pg =
 * page_of(p), the span that holds p, so 0 <= off < SEG_SIZE holds. */
#ifndef HAKO_FUSED_BLOCK_CHECK_H
#define HAKO_FUSED_BLOCK_CHECK_H

_Static_assert(SMALL_MAX <= ((size_t)1 << 20) && SEG_SIZE <= ((size_t)1 << 22),
               "boxes/fused_block_check: the no-wrap argument above needs bs <= 2^20 and off < 2^22");
_Static_assert(offsetof(page_t, valid_below) + sizeof(uint32_t) <= 64,
               "boxes/fused_block_check: the bound stays on the descriptor's first line");

/* floor(2^64 / bs) + 1 */
static inline uint64_t fused_multiplier(uint64_t bs) { return UINT64_MAX / bs + 1 + ((bs & (bs - 1)) == 0); }

/* capacity * e, e = bs * M mod 2^64 (1..bs) */
static inline uint32_t fused_bound(uint32_t capacity, uint64_t bs, uint64_t m) { return (uint32_t)(capacity * (bs * m)); }

static inline bool hot_is_block(const page_t *pg, const void *p) {
    uint64_t off = (uintptr_t)p - (uintptr_t)pg->start;
    return off * pg->div_exact < load_relaxed(&pg->valid_below);
}
#endif
