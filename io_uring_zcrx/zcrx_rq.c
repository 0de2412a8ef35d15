// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring zcrx: the refill ring consumer.
 *
 * Userspace returns buffers by writing refill entries at rqes[tail &
 * mask] and store-releasing the tail; the kernel load-acquires the tail,
 * consumes at most rq_entries entries and store-releases the head, like a
 * provided buffer ring (kbuf.c) with the roles swapped.
 *
 * Nothing in an entry is trusted: an entry with a non-zero pad, an area
 * token that is not the area's, a buffer index out of range, or a buffer
 * userspace holds no reference to is skipped (and consumed). Head and
 * tail are userspace memory too: a tail more than rq_entries ahead of
 * the head is clamped to rq_entries.
 *
 * Context: the page pool's allocation context (NAPI/softirq), at most
 * PP_ALLOC_CACHE_REFILL entries, or process context (ZCRX_CTRL_FLUSH_RQ,
 * the copy path, shutdown) in batches of IO_ZCRX_FLUSH_BATCH with
 * cond_resched() between them; each batch under ifq->rq_lock, a BH safe
 * spinlock.
 */

#include <linux/io_uring.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/memory_provider.h>
#include <uapi/linux/io_uring.h>

#include "zcrx.h"

/* entries consumed per rq_lock section outside the page pool, as upstream */
#define IO_ZCRX_FLUSH_BATCH	32

static u32 io_zcrx_rqring_entries(struct io_zcrx_ifq *ifq)
{
	u32 entries;

	/* pairs with userspace's store-release of the tail: entries first */
	entries = smp_load_acquire(&ifq->rq_ring->tail) - ifq->cached_rq_head;
	return min(entries, ifq->rq_entries);
}

/* Return the buffer an entry names, or NULL if the entry is bad. */
static struct net_iov *io_zcrx_rqe_to_niov(struct io_zcrx_ifq *ifq,
					   const struct io_uring_zcrx_rqe *rqe)
{
	struct io_zcrx_area *area = ifq->area;
	u64 off = READ_ONCE(rqe->off);
	u32 area_idx, niov_idx;

	if (unlikely(READ_ONCE(rqe->__pad)))
		return NULL;
	area_idx = off >> IORING_ZCRX_AREA_SHIFT;
	if (unlikely(area_idx != area->area_id))
		return NULL;
	off &= ~IORING_ZCRX_AREA_MASK;
	if (unlikely((off >> PAGE_SHIFT) >= area->nia.num_niovs))
		return NULL;
	niov_idx = array_index_nospec(off >> PAGE_SHIFT, area->nia.num_niovs);
	return &area->nia.niovs[niov_idx];
}

/*
 * A buffer whose last reference userspace just dropped: recycle it into
 * @pool's cache if it is @pool's, else give it back to its owner.
 */
static bool io_zcrx_recycle_niov(struct net_iov *niov, struct page_pool *pool)
{
	if (pool && niov->pp == pool &&
	    net_mp_niov_place_in_cache(pool, niov))
		return true;
	io_zcrx_return_niov(niov);
	return false;
}

/*
 * Consume at most @max entries under rq_lock. Return the number of
 * buffers placed in @pool's cache; *@consumed says how many entries went.
 */
static unsigned int io_zcrx_rq_consume(struct io_zcrx_ifq *ifq,
				       struct page_pool *pool, unsigned int max,
				       unsigned int *consumed)
{
	unsigned int mask = ifq->rq_entries - 1;
	unsigned int entries, placed = 0;

	spin_lock_bh(&ifq->rq_lock);
	entries = min(io_zcrx_rqring_entries(ifq), max);
	*consumed = entries;

	while (entries--) {
		struct io_uring_zcrx_rqe *rqe;
		struct net_iov *niov;

		rqe = &ifq->rqes[ifq->cached_rq_head++ & mask];
		niov = io_zcrx_rqe_to_niov(ifq, rqe);
		if (!niov || !io_zcrx_put_niov_uref(niov))
			continue;
		/* Other references (an skb still queued) keep it alive. */
		if (page_pool_unref_netmem(net_iov_to_netmem(niov), 1))
			continue;
		placed += io_zcrx_recycle_niov(niov, pool);
	}
	/* entries are read before userspace may reuse their slots */
	smp_store_release(&ifq->rq_ring->head, ifq->cached_rq_head);
	spin_unlock_bh(&ifq->rq_lock);
	return placed;
}

/**
 * io_zcrx_rq_refill() - consume the refill ring
 * @ifq: the ifq
 * @pool: the page pool asking for buffers, or NULL (flush, copy path,
 *	shutdown)
 *
 * A page pool gets at most PP_ALLOC_CACHE_REFILL entries consumed, in
 * one rq_lock section. Without a pool the ring is consumed in batches of
 * IO_ZCRX_FLUSH_BATCH, each its own rq_lock section with cond_resched()
 * between them, until a batch finds fewer entries or rq_entries entries
 * went, as upstream's zcrx_flush_rq() does; a task with a fatal signal
 * stops early (what is left stays in the ring).
 *
 * Context: see the top of this file. With a pool: the pool's allocation
 * context; without one: process context, may sleep.
 * Return: the number of buffers placed in @pool's alloc cache.
 */
unsigned int io_zcrx_rq_refill(struct io_zcrx_ifq *ifq, struct page_pool *pool)
{
	unsigned int n, total = 0;

	/* a registration that failed before the ring or area existed */
	if (unlikely(!ifq->rq_ring || !ifq->area))
		return 0;
	if (pool)
		return io_zcrx_rq_consume(ifq, pool, PP_ALLOC_CACHE_REFILL, &n);

	might_sleep();
	do {
		io_zcrx_rq_consume(ifq, NULL, IO_ZCRX_FLUSH_BATCH, &n);
		total += n;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	} while (n == IO_ZCRX_FLUSH_BATCH && total < ifq->rq_entries);
	return 0;
}
