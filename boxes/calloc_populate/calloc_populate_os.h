/* calloc_populate_os.h: boxes/calloc_populate, a calloc'ed large block whose pages the kernel has
 * never mapped (a fresh or purged span: zero already, so hako skips the memset) is faulted in
 * writable at once, by one madvise(MADV_POPULATE_WRITE), instead of page by page as the program
 * touches it.
 * Included by src/os.c (os_populate, which src/large.c calls from large_span_alloc for calloc).
 *
 * Without it such a block is left to the program's first touches, and a program that reads a
 * calloc'ed array before it writes it (a table whose empty entries are NULL: `if (!slot[i])
 * slot[i] = ...`) takes two faults a page: the read maps the shared zero page read-only, the write
 * replaces it (copy on write), and in a process with more than one thread that write fault also
 * flushes the other CPUs' TLBs (an IPI to each).  perf record on tiny --threads 2, whose slot
 * arrays (1.6 MB each) are such tables: do_wp_page -> flush_tlb_mm_range ->
 * smp_call_function_many_cond -> native_write_msr, 2.2% of the samples.  Populated at calloc, each
 * page is one fault taken inside the kernel's loop, zeroed and writable: no zero page, no IPI.
 *
 * The cost is memory: the pages of a calloc'ed large block (at most LARGE_MAX, 2 MiB) are resident
 * at once, touched or not (a sparse table keeps them).  Huge blocks (> 2 MiB) stay lazy.  A kernel
 * older than 5.14 refuses the advice (EINVAL) and the block stays lazy, as without the box. */
#ifndef HAKO_CALLOC_POPULATE_OS_H
#define HAKO_CALLOC_POPULATE_OS_H
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14 */
#endif

void os_populate(void *p, size_t size) {
    int saved = errno;
    size_t len = (size + OS_PAGE - 1) & ~(OS_PAGE - 1);
    if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
        atomic_fetch_add_explicit(&hako_os_stats.populated_bytes, len, RELAXED);
    errno = saved;
}
#endif
