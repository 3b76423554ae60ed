/* remote_stash_ring.c: boxes/remote_stash_ring, the remote-free stash as one intrusive list.
 * Owns: the calling thread's stash (heap->stash): the head of a list of blocks it freed for other
 * heaps, threaded through the blocks, and its length.  May call: cache (cache_push_chain),
 * central (the stash's 16 bytes, once per heap).  Implements owner_stash.h.
 *
 * Nothing is sorted when a block is freed; at RING_MAX blocks, or on the thread's slow path, the
 * list is split into one chain per owner (found from each block's page) and each chain is pushed
 * with one CAS. */
#include "owner_stash.h"
#include "cache.h"
#include "central.h"

#define RING_MAX   64
#define GROUPS_MAX 16

typedef struct ring {
    block_t *head;
    uint64_t count;
} ring_t;

typedef struct group { heap_t *owner; block_t *head, *tail; } group_t;

static heap_t *owner_of(block_t *b) {
    page_t *pg = page_of(segment_of(b), b);
    return (heap_t *)(load_relaxed(&pg->xheap) & ~XHEAP_FLAGS);
}

static void hand_over(ring_t *r) {
    group_t g[GROUPS_MAX];
    unsigned ng = 0;
    block_t *b = r->head;
    r->head = NULL;
    r->count = 0;
    while (b) {
        block_t *next = b->next;
        heap_t *owner = owner_of(b);
        unsigned i = 0;
        while (i < ng && g[i].owner != owner) i++;
        if (i == ng) {
            if (ng == GROUPS_MAX) { cache_push_chain(owner, b, b); b = next; continue; }
            g[ng++] = (group_t){ owner, NULL, b };
        }
        b->next = g[i].head;
        g[i].head = b;
        b = next;
    }
    for (unsigned i = 0; i < ng; i++) cache_push_chain(g[i].owner, g[i].head, g[i].tail);
}

bool stash_put(heap_t *self, heap_t *owner, block_t *b) {
    (void)owner;
    ring_t *r = self->stash;
    if (unlikely(!r)) {
        r = self->stash = central_meta_alloc(sizeof(ring_t));
        if (!r) return false;
    }
    b->next = r->head;
    r->head = b;
    if (++r->count >= RING_MAX) hand_over(r);
    return true;
}

void stash_flush(heap_t *self) {
    ring_t *r = self->stash;
    if (r && r->head) hand_over(r);
}
