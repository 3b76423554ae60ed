/* tests/alloc/fused/check.c: boxes/fused_block_check's argument, checked exhaustively (tests/alloc/fused_check.t).
 * For every size class, several capacities and every offset below the segment size, the fused
 * test (off * M < capacity * e) must agree with the plain one (off is a multiple of the block size
 * and off / block size < capacity).  Built with src/ and the box folders on the include path (not
 * in the box's folder: the build compiles every .c file there into the library). */
#include <stdio.h>
#include "types.h"
#include "free_lean.h"

int main(void) {
    unsigned long long checked = 0, wrong = 0;
    for (unsigned c = 0; c < NCLASS; c++) {
        uint64_t bs = class_size(c);
        if (bs > SMALL_MAX) break;
        page_t pg = {0};
        pg.start = (uint8_t *)((uintptr_t)1 << 30);
        pg.div_exact = fused_multiplier(bs);
        uint32_t reserved = (uint32_t)(SEG_SIZE / bs);
        uint32_t caps[] = {0, 1, reserved / 3, reserved};
        for (unsigned k = 0; k < sizeof caps / sizeof caps[0]; k++) {
            store_relaxed(&pg.valid_below, fused_bound(caps[k], bs, pg.div_exact));
            for (uint64_t off = 0, q = 0, r = 0; off < SEG_SIZE; off++, r = r + 1 == bs ? (q++, 0) : r + 1) {
                bool want = r == 0 && q < caps[k];
                bool got = hot_is_block(&pg, pg.start + off);
                checked++;
                if (got != want && wrong++ < 10)
                    printf("class %u (%llu B), capacity %u, offset %llu: fused says %d\n", c,
                           (unsigned long long)bs, caps[k], (unsigned long long)off, got);
            }
        }
    }
    printf("%llu offsets checked, %llu wrong\n", checked, wrong);
    return wrong != 0;
}
