/* owner_stash.c: boxes/owner_stash, remote frees batched per owner.
 * Owns: the calling thread's stash (heap->stash): a few (owner, chain) slots.
 * May call: cache (cache_push_chain), central (the stash's memory, once per heap).
 *
 * A remote free links the block into its owner's slot; at STASH_BATCH blocks the chain goes to
 * the owner with one CAS.  A new owner takes a free slot, or evicts (hands over) the fullest one.
 * boxes/remote_stash_ring replaces the slot table with a ring (then this file compiles empty). */
#include "owner_stash.h"
#include "cache.h"
#include "central.h"

#if !HAKO_REMOTE_STASH_RING
#define STASH_SLOTS 8
#define STASH_BATCH 32

typedef struct slot {
    heap_t *owner;
    block_t *head, *tail;
    uint32_t count;
} slot_t;

typedef struct stash {
    slot_t slot[STASH_SLOTS];
} stash_t;

static void hand_over(slot_t *s) {
    cache_push_chain(s->owner, s->head, s->tail);
    s->owner = NULL;
    s->head = s->tail = NULL;
    s->count = 0;
}

bool stash_put(heap_t *self, heap_t *owner, block_t *b) {
    stash_t *st = self->stash;
    if (unlikely(!st)) {
        st = self->stash = central_meta_alloc(sizeof(stash_t));
        if (!st) return false;
    }
    slot_t *s = NULL, *fullest = &st->slot[0];
    for (unsigned i = 0; i < STASH_SLOTS; i++) {
        slot_t *t = &st->slot[i];
        if (t->owner == owner) { s = t; break; }
        if (!s && !t->owner) s = t;
        if (t->count > fullest->count) fullest = t;
    }
    if (!s) { hand_over(fullest); s = fullest; }
    if (s->owner != owner) { s->owner = owner; s->tail = b; }
    b->next = s->head;
    s->head = b;
    if (++s->count >= STASH_BATCH) hand_over(s);
    return true;
}

void stash_flush(heap_t *self) {
    stash_t *st = self->stash;
    if (!st) return;
    for (unsigned i = 0; i < STASH_SLOTS; i++)
        if (st->slot[i].owner) hand_over(&st->slot[i]);
}
#endif
