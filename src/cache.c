/* cache.c: the cache layer: everything that crosses threads.
 * Owns: each heap's remote-free list, the registry and pool of heaps, thread exit and adoption.
 * May call: hot (to file returned blocks in the owner's pages), central (metadata, spans).
 * Never blocks on a lock in the common case: a remote free is one compare-and-swap.
 *
 * A block freed by a thread that does not own its page is pushed on the owner heap's remote
 * list; the owner takes the list back on its next slow path (cache_drain).  A thread that exits
 * abandons its heap: the heap keeps its non-empty pages, goes to a pool, and the next thread that
 * needs a heap adopts it whole, pages and pending remote frees included, so thread churn reuses
 * memory instead of growing.  While a heap is abandoned, whoever frees into it drains it (under
 * the heap's lock), so memory freed after its owner exited still returns to central. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include "lock.h"
#include "cache.h"
#include "central.h"
#include "hot.h"
#include "init.h"
#if HAKO_LARGE_CACHE
#include "large.h"              /* boxes/large_cache: large_cache_flush */
#endif

cache_stats_t hako_cache_stats;

static pthread_mutex_t heaps_mutex = HAKO_MUTEX_INITIALIZER;
static heap_t *heaps_all;     /* [heaps lock to add] every heap ever made */
static heap_t *heaps_pool;    /* [heaps lock] abandoned heaps waiting for a thread */
static uint32_t heaps_count;  /* [heaps lock] */
static pthread_key_t exit_key;

static void thread_exit(void *arg);

void cache_init(void) {
    pthread_key_create(&exit_key, thread_exit);
}

/* ---- heap lock: only for abandoned heaps (drainers) and their adoption ------------------------ */

static bool heap_trylock(heap_t *h) {
    int expected = 0;
    return atomic_compare_exchange_strong_explicit(&h->lock, &expected, 1, memory_order_acquire, RELAXED);
}

static void heap_unlock(heap_t *h) { atomic_store_explicit(&h->lock, 0, memory_order_release); }

/* ---- handing blocks to their owner: one at a time, or batched by a box ----------------------------- */
#if HAKO_OWNER_STASH
#include "owner_stash.h"    /* boxes/owner_stash: remote frees buffered per owner, handed over in chains */
#else
static inline bool stash_put(heap_t *self, heap_t *owner, block_t *b) { (void)self; (void)owner; (void)b; return false; }
static inline void stash_flush(heap_t *self) { (void)self; }
#endif

/* ---- each heap's remote list: one list of blocks, or (a box) a list of pages with their own ------- */
#if HAKO_PAGE_LOCAL_REMOTE
#include "page_local_remote.h"  /* boxes/page_local_remote: remote frees kept per page */
#else
static inline bool remote_pending(heap_t *h) { return load_relaxed(&h->remote) != NULL; }

/* One CAS for the whole chain. */
static inline void remote_push(heap_t *owner, block_t *head, block_t *tail) {
    block_t *old = load_relaxed(&owner->remote);
    do {
        tail->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&owner->remote, &old, head, memory_order_seq_cst, RELAXED));
}

/* Takes the remote list, one pop at a time, at most REMOTE_TAKE_MAX blocks so that one slow path
 * stays bounded (the list is only ever popped by one thread: the owner, or the holder of an
 * abandoned heap's lock, so a pop cannot meet ABA). */
#define REMOTE_TAKE_MAX 4096
static block_t *remote_take(heap_t *h) {
#if HAKO_FULL_DRAIN_EXCHANGE
    /* boxes/full_drain_exchange: everything, with one atomic exchange */
    return atomic_exchange_explicit(&h->remote, NULL, memory_order_acquire);
#else
    block_t *taken = NULL;
    unsigned n = 0;
    block_t *head = atomic_load_explicit(&h->remote, memory_order_acquire);
    while (head && n < REMOTE_TAKE_MAX) {
        if (atomic_compare_exchange_weak_explicit(&h->remote, &head, head->next, memory_order_acquire, memory_order_acquire)) {
            block_t *b = head;
            head = atomic_load_explicit(&h->remote, memory_order_acquire);
            b->next = taken;
            taken = b;
            n++;
        }
    }
    return taken;
#endif
}

static inline uint64_t remote_drain(heap_t *h, uint64_t (*file)(heap_t *, block_t *)) {
    return file(h, remote_take(h));
}
#endif

/* ---- remote frees ------------------------------------------------------------------------------- */

static void drain_abandoned(heap_t *h);

/* Hands the chain head..tail (linked by next) to its owner. */
void cache_push_chain(heap_t *owner, block_t *head, block_t *tail) {
    remote_push(owner, head, tail);
    if (unlikely(atomic_load_explicit(&owner->state, memory_order_seq_cst) == HEAP_ABANDONED))
        drain_abandoned(owner);
}

void cache_remote_free(heap_t *self, heap_t *owner, block_t *b) {
    b->mark = block_mark(b);
    if (self != &hako_empty_heap) {
        STAT_INC(self->stats.free);
        STAT_INC(self->stats.remote_free);
        if (stash_put(self, owner, b)) return;
    } else {
        atomic_fetch_add_explicit(&hako_cache_stats.remote_free_heapless, 1, RELAXED);
    }
    cache_push_chain(owner, b, b);
}

/* The owner is on its slow path: it hands over what it holds for others, takes back its own. */
void cache_slow_path(heap_t *h) {
    stash_flush(h);
    if (remote_pending(h)) cache_drain(h);
}

/* Files each block of a chain back in its page, as a local free of the owner; returns how many. */
#if HAKO_REMOTE_LEAN
/* boxes/remote_lean: with page_local_remote every chain is one page's: found once, not per block */
static uint64_t file_chain(heap_t *h, block_t *b) {
    return b ? hot_free_page_chain(h, page_of(segment_of(b), b), b) : 0;
}
#else
static uint64_t file_chain(heap_t *h, block_t *b) {
    uint64_t n = 0;
    while (b) {
        block_t *next = b->next;
        page_t *pg = page_of(segment_of(b), b);
        n++;
        hot_free_local_slow(h, pg, b);
        b = next;
    }
    return n;
}
#endif

void cache_drain(heap_t *h) {
    uint64_t n = remote_drain(h, file_chain);
    if (!n) return;
    STAT_ADD(h->stats.free, -n);            /* these were counted by the threads that freed them */
    STAT_ADD(h->stats.remote_drained, n);
    STAT_INC(h->stats.cache_refill);
}

/* Someone other than an owner drains an abandoned heap; whoever holds the lock re-checks after
 * releasing it, so a block pushed while the lock was busy is never stranded. */
static void drain_abandoned(heap_t *h) {
    while (atomic_load_explicit(&h->state, memory_order_seq_cst) == HEAP_ABANDONED &&
           remote_pending(h)) {
        if (!heap_trylock(h)) return;
        if (atomic_load_explicit(&h->state, memory_order_seq_cst) == HEAP_ABANDONED) {
            cache_drain(h);      /* pages that empty go back to central, but for each class's current one */
            atomic_fetch_add_explicit(&hako_cache_stats.abandoned_drains, 1, RELAXED);
        }
        heap_unlock(h);
    }
}

/* ---- heap lifecycle ----------------------------------------------------------------------------- */

/* A heap for the caller: an abandoned one adopted whole, or a new one; NULL when out of memory. */
static heap_t *heap_take(void) {
    pthread_mutex_lock(&heaps_mutex);
    heap_t *h = heaps_pool;
    if (h) heaps_pool = h->next_pool;
    pthread_mutex_unlock(&heaps_mutex);
    if (h) {
        while (!heap_trylock(h)) sched_yield();         /* a freer may be draining it */
        atomic_store_explicit(&h->state, HEAP_ACTIVE, memory_order_seq_cst);
        heap_unlock(h);
        atomic_fetch_add_explicit(&hako_cache_stats.heaps_adopted, 1, RELAXED);
    } else {
        h = central_meta_alloc(sizeof(heap_t));
        if (!h) return NULL;
        hot_heap_init(h);
        atomic_store_explicit(&h->state, HEAP_ACTIVE, memory_order_seq_cst);
        pthread_mutex_lock(&heaps_mutex);
        h->id = ++heaps_count;
        h->next_all = heaps_all;
        heaps_all = h;
        pthread_mutex_unlock(&heaps_mutex);
        atomic_fetch_add_explicit(&hako_cache_stats.heaps_made, 1, RELAXED);
    }
    return h;
}

/* The heap goes back to the pool: it returns what it can, keeps its non-empty pages. */
static void heap_abandon(heap_t *h) {
#if HAKO_CLASS_LIFO
    hot_lifo_return(h);                     /* boxes/class_lifo: listed blocks back to their pages */
#endif
#if HAKO_LEND_TO_CURRENT
    hot_lend_return(h);                     /* boxes/lend_to_current: lent blocks back to their pages */
#endif
#if HAKO_FOREIGN_REUSE
    hot_foreign_return(h);                  /* boxes/foreign_reuse: kept blocks go to their owners */
#endif
    stash_flush(h);
#if HAKO_LARGE_CACHE
    large_cache_flush(h);                   /* boxes/large_cache: kept large spans back to central */
#endif
    cache_drain(h);
    hot_heap_collect(h, true);
#if HAKO_PAGE_RECYCLE
    hot_recycle_flush(h);                   /* boxes/page_recycle: the empty pages it keeps, to central */
#endif
    atomic_store_explicit(&h->state, HEAP_ABANDONED, memory_order_seq_cst);
    pthread_mutex_lock(&heaps_mutex);
    h->next_pool = heaps_pool;
    heaps_pool = h;
    pthread_mutex_unlock(&heaps_mutex);
    drain_abandoned(h);                     /* blocks freed into it since the drain above */
}

/* Set once the thread's heap has left (its key destructor ran). */
static __thread bool tl_left __attribute__((tls_model("initial-exec")));

heap_t *cache_heap_acquire(void) {
    hako_init();
    if (hako_tl_heap != &hako_empty_heap) return hako_tl_heap;   /* made while initializing */
    heap_t *h = heap_take();
    if (!h) return NULL;
    hako_tl_heap = h;
    pthread_setspecific(exit_key, h);
    return h;
}

bool cache_thread_left(void) { return tl_left; }

/* After its heap left, a thread (a later key destructor) borrows one per allocation: a heap bound
 * again could be stranded, since the last round of key destructors never calls thread_exit. */
heap_t *cache_heap_lend(void) {
    atomic_fetch_add_explicit(&hako_cache_stats.late_allocs, 1, RELAXED);
    return heap_take();
}

void cache_heap_give_back(heap_t *h) { heap_abandon(h); }

/* pthread key destructor: the thread leaves; its heap returns what it can and joins the pool. */
static void thread_exit(void *arg) {
    heap_t *h = arg;
    if (h != hako_tl_heap) return;
    hako_tl_heap = &hako_empty_heap;
    tl_left = true;
    atomic_fetch_add_explicit(&hako_cache_stats.threads_exited, 1, RELAXED);
    heap_abandon(h);
}

bool cache_trim(void) {
    heap_t *h = hako_tl_heap;
    if (h != &hako_empty_heap) {
#if HAKO_CLASS_LIFO
        hot_lifo_return(h);                 /* boxes/class_lifo: listed blocks back to their pages */
#endif
#if HAKO_LEND_TO_CURRENT
        hot_lend_return(h);                 /* boxes/lend_to_current: lent blocks back to their pages */
#endif
#if HAKO_FOREIGN_REUSE
        hot_foreign_return(h);              /* boxes/foreign_reuse: kept blocks go to their owners */
        stash_flush(h);
#endif
#if HAKO_LARGE_CACHE
        large_cache_flush(h);               /* boxes/large_cache: kept large spans back to central */
#endif
        cache_drain(h);
        hot_heap_collect(h, false);
#if HAKO_PAGE_RECYCLE
        hot_recycle_flush(h);               /* boxes/page_recycle: the empty pages it keeps, to central */
#endif
    }
    pthread_mutex_lock(&heaps_mutex);
    for (heap_t *a = heaps_pool; a; a = a->next_pool) {
        if (!heap_trylock(a)) continue;
        if (atomic_load_explicit(&a->state, memory_order_seq_cst) == HEAP_ABANDONED) {
            cache_drain(a);
            hot_heap_collect(a, true);
        }
        heap_unlock(a);
    }
    pthread_mutex_unlock(&heaps_mutex);
    return true;
}

void cache_each_heap(void (*fn)(heap_t *h, void *arg), void *arg) {
    pthread_mutex_lock(&heaps_mutex);
    for (heap_t *h = heaps_all; h; h = h->next_all) fn(h, arg);
    pthread_mutex_unlock(&heaps_mutex);
}

/* ---- fork ---------------------------------------------------------------------------------------- */

void cache_fork_prepare(void) { pthread_mutex_lock(&heaps_mutex); }
void cache_fork_parent(void) { pthread_mutex_unlock(&heaps_mutex); }

/* In the child only the forking thread exists.  Heaps other threads were using may be
 * half-updated: they are retired (HEAP_DEAD, never adopted).  Pooled heaps whose lock was free
 * are consistent and stay adoptable. */
void cache_fork_child(void) {
    hako_mutex_reinit(&heaps_mutex);
    heaps_pool = NULL;
    for (heap_t *h = heaps_all; h; h = h->next_all) {
        if (h == hako_tl_heap) continue;
        int st = atomic_load_explicit(&h->state, RELAXED);
        if (st == HEAP_ABANDONED && atomic_load_explicit(&h->lock, RELAXED) == 0) {
            h->next_pool = heaps_pool;
            heaps_pool = h;
        } else {
            atomic_store_explicit(&h->state, HEAP_DEAD, RELAXED);
        }
    }
}
