// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring zcrx: the area of user buffers and the page pool memory
 * provider that hands them to a NIC rx queue.
 *
 * Context and locking
 * -------------------
 * - ->alloc_netmems() and ->release_netmem() run in the page pool's
 *   contexts: NAPI/softirq for allocation and recycling, a workqueue or
 *   process context when a pool is destroyed. They take only the area's
 *   freelist_lock and the ifq's rq_lock, both BH safe spinlocks.
 * - ->init() and ->destroy() run in process context (the driver creating
 *   or destroying a pool, under rtnl_lock for queue restarts, or the page
 *   pool's release work). ->uninstall() runs under rtnl_lock when the
 *   netdev is unregistered.
 * - Area creation, DMA mapping and freeing run in process context; DMA
 *   (un)mapping is serialised by ifq->dma_lock because netdev unregister
 *   can unmap while the ifq is being freed.
 * - user_refs[] are atomics: the receive path (task context, socket lock)
 *   increments, the refill consumer (softirq or task) and the scrub (task)
 *   decrement with a compare-and-exchange so neither goes below zero.
 */

#include <linux/dma-mapping.h>
#include <linux/io_uring.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/netdev_rx_queue.h>
#include <net/netlink.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/memory_provider.h>
#include <uapi/linux/io_uring.h>

#include "io_uring.h"
#include "memmap.h"
#include "rsrc.h"
#include "zcrx.h"

static atomic_t *io_zcrx_uref(const struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	return &area->user_refs[net_iov_idx(niov)];
}

/**
 * io_zcrx_get_niov_uref() - count one more reference userspace holds
 * @niov: a buffer of an ifq's area just reported in a CQE
 */
void io_zcrx_get_niov_uref(struct net_iov *niov)
{
	atomic_inc(io_zcrx_uref(niov));
}

/**
 * io_zcrx_put_niov_uref() - drop one reference userspace holds, if any
 * @niov: a buffer named by a refill entry or found by the scrub
 *
 * Return: true if userspace held a reference and it was dropped; false
 * if it held none (a bogus or repeated refill entry), nothing changes.
 */
bool io_zcrx_put_niov_uref(struct net_iov *niov)
{
	atomic_t *uref = io_zcrx_uref(niov);
	int old = atomic_read(uref);

	do {
		if (unlikely(!old))
			return false;
	} while (!atomic_try_cmpxchg(uref, &old, old - 1));
	return true;
}

/**
 * io_zcrx_is_ifq_niov() - does a net_iov belong to this ifq's area?
 * @ifq: the ifq
 * @niov: any net_iov, for example an skb frag's
 */
bool io_zcrx_is_ifq_niov(const struct io_zcrx_ifq *ifq,
			 const struct net_iov *niov)
{
	return niov->type == NET_IOV_IOURING && ifq->area &&
	       net_iov_owner(niov) == &ifq->area->nia;
}

/**
 * io_zcrx_get_free_niov() - take a buffer nobody has from the freelist
 * @area: the area
 *
 * The buffer comes with one pp reference and no page pool, the state the
 * copy path and the provider's allocation start from.
 *
 * Return: the buffer, or NULL if every buffer is in use.
 */
struct net_iov *io_zcrx_get_free_niov(struct io_zcrx_area *area)
{
	struct net_iov *niov = NULL;

	spin_lock_bh(&area->freelist_lock);
	if (area->free_count) {
		u32 idx = area->freelist[--area->free_count];

		niov = &area->nia.niovs[idx];
	}
	spin_unlock_bh(&area->freelist_lock);

	if (niov)
		page_pool_fragment_netmem(net_iov_to_netmem(niov), 1);
	return niov;
}

static void io_zcrx_put_free_niov(struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	spin_lock_bh(&area->freelist_lock);
	if (!WARN_ON_ONCE(area->free_count >= area->nia.num_niovs))
		area->freelist[area->free_count++] = net_iov_idx(niov);
	spin_unlock_bh(&area->freelist_lock);
}

/**
 * io_zcrx_return_niov() - give back a buffer whose last reference is gone
 * @niov: the buffer; its pp_ref_count has just dropped to zero
 *
 * A buffer of the copy path (no page pool) goes to the freelist; a page
 * pool's buffer goes back to its pool, which may recycle it or release it
 * to the provider.
 */
void io_zcrx_return_niov(struct net_iov *niov)
{
	netmem_ref netmem = net_iov_to_netmem(niov);

	if (!niov->pp) {
		io_zcrx_put_free_niov(niov);
		return;
	}
	page_pool_put_unrefed_netmem(niov->pp, netmem, -1, false);
}

/**
 * io_zcrx_scrub() - take back every buffer userspace still holds
 * @ifq: an ifq that is shutting down
 *
 * Safe against a concurrent refill consumer: both drop user references
 * with compare-and-exchange, so each reference is dropped exactly once.
 */
void io_zcrx_scrub(struct io_zcrx_ifq *ifq)
{
	struct io_zcrx_area *area = ifq->area;
	unsigned long i;

	if (!area)
		return;

	for (i = 0; i < area->nia.num_niovs; i++) {
		struct net_iov *niov = &area->nia.niovs[i];
		netmem_ref netmem = net_iov_to_netmem(niov);
		int nr;

		nr = atomic_xchg(&area->user_refs[i], 0);
		if (!nr)
			continue;
		if (!page_pool_unref_netmem(netmem, nr))
			io_zcrx_return_niov(niov);
		cond_resched();
	}
}

/**
 * io_zcrx_account() - charge pinned pages to the ifq's user
 * @ifq: the ifq
 * @nr_pages: how many
 *
 * Return: 0, or -ENOMEM over RLIMIT_MEMLOCK.
 */
int io_zcrx_account(struct io_zcrx_ifq *ifq, unsigned long nr_pages)
{
	int ret;

	if (ifq->user) {
		ret = __io_account_mem(ifq->user, nr_pages);
		if (ret)
			return ret;
	}
	if (ifq->mm_account)
		atomic64_add(nr_pages, &ifq->mm_account->pinned_vm);
	return 0;
}

/**
 * io_zcrx_unaccount() - undo io_zcrx_account()
 * @ifq: the ifq
 * @nr_pages: how many
 */
void io_zcrx_unaccount(struct io_zcrx_ifq *ifq, unsigned long nr_pages)
{
	if (ifq->user)
		__io_unaccount_mem(ifq->user, nr_pages);
	if (ifq->mm_account)
		atomic64_sub(nr_pages, &ifq->mm_account->pinned_vm);
}

/*
 * Upstream's io_validate_user_buf_range() (io_uring/rsrc.c), which 6.12
 * does not have: a length of 0 is -EFAULT, a range that wraps or is more
 * pages than pinning takes (INT_MAX) is -EOVERFLOW. Current upstream has
 * no 1 GiB cap any more.
 */
static int io_validate_user_buf_range(u64 uaddr, u64 ulen)
{
	unsigned long tmp, base = (unsigned long)uaddr;
	unsigned long acct_len = (unsigned long)PAGE_ALIGN(ulen);

	if (!ulen)
		return -EFAULT;
	if (!acct_len || check_add_overflow(base, acct_len, &tmp))
		return -EOVERFLOW;
	if ((acct_len >> PAGE_SHIFT) > INT_MAX)
		return -EOVERFLOW;
	return 0;
}

/* The checks of upstream's io_import_area() and io_import_umem(), in order. */
static int io_zcrx_check_area_reg(const struct io_uring_zcrx_area_reg *reg)
{
	int ret;

	if (reg->flags & ~IORING_ZCRX_AREA_DMABUF)
		return -EINVAL;
	if (reg->rq_area_token)
		return -EINVAL;
	if (reg->__resv2[0] || reg->__resv2[1])
		return -EINVAL;
	ret = io_validate_user_buf_range(reg->addr, reg->len);
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(reg->addr) || !PAGE_ALIGNED(reg->len))
		return -EINVAL;
	/* what upstream answers on a kernel without dma-buf support */
	if (reg->flags & IORING_ZCRX_AREA_DMABUF)
		return -EINVAL;
	if (reg->dmabuf_fd)
		return -EINVAL;
	if (!reg->addr)
		return -EFAULT;
	return 0;
}

/*
 * What pinning the pages costs: a folio is pinned whole, so each folio
 * the pages belong to is charged with all its pages (upstream's
 * io_count_account_pages()).
 */
static unsigned long io_count_account_pages(struct page **pages,
					    unsigned long nr_pages)
{
	struct folio *last_folio = NULL;
	unsigned long i, res = 0;

	for (i = 0; i < nr_pages; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (folio == last_folio)
			continue;
		last_folio = folio;
		res += folio_nr_pages(folio);
	}
	return res;
}

/**
 * io_zcrx_create_area() - pin and account the user's buffers
 * @ifq: the ifq being registered
 * @reg: the area as userspace described it
 *
 * Context: process context, the registering task.
 * Return: 0, -EINVAL for a bad descriptor (or a dma-buf area), -EFAULT
 * for a zero length, address 0 or memory that is not mapped writable,
 * -EOVERFLOW for a range that wraps or is over INT_MAX pages, -ENOMEM over
 * RLIMIT_MEMLOCK or out of memory.
 */
int io_zcrx_create_area(struct io_zcrx_ifq *ifq,
			const struct io_uring_zcrx_area_reg *reg)
{
	unsigned long i, acct_pages;
	struct io_zcrx_area *area;
	int nr_pages, ret;

	ret = io_zcrx_check_area_reg(reg);
	if (ret)
		return ret;

	area = kzalloc(sizeof(*area), GFP_KERNEL);
	if (!area)
		return -ENOMEM;
	area->ifq = ifq;
	spin_lock_init(&area->freelist_lock);

	area->pages = io_pin_pages(reg->addr, reg->len, &nr_pages);
	if (IS_ERR(area->pages)) {
		ret = PTR_ERR(area->pages);
		area->pages = NULL;
		goto err;
	}
	area->nr_pages = nr_pages;

	/* RLIMIT_MEMLOCK is charged per folio pinned, as upstream does */
	acct_pages = io_count_account_pages(area->pages, area->nr_pages);
	ret = io_zcrx_account(ifq, acct_pages);
	if (ret)
		goto err;
	area->acct_pages = acct_pages;

	ret = -ENOMEM;
	area->nia.num_niovs = area->nr_pages;
	area->nia.niovs = kvcalloc(area->nr_pages, sizeof(area->nia.niovs[0]),
				   GFP_KERNEL_ACCOUNT);
	area->freelist = kvmalloc_array(area->nr_pages, sizeof(u32),
					GFP_KERNEL_ACCOUNT);
	area->user_refs = kvcalloc(area->nr_pages, sizeof(atomic_t),
				   GFP_KERNEL_ACCOUNT);
	area->dma = kvcalloc(area->nr_pages, sizeof(dma_addr_t),
			     GFP_KERNEL_ACCOUNT);
	if (!area->nia.niovs || !area->freelist || !area->user_refs ||
	    !area->dma)
		goto err;

	for (i = 0; i < area->nr_pages; i++) {
		struct net_iov *niov = &area->nia.niovs[i];

		niov->type = NET_IOV_IOURING;
		niov->owner = &area->nia;
		area->freelist[i] = area->nr_pages - i - 1;
	}
	area->free_count = area->nr_pages;
	area->area_id = 0;
	ifq->area = area;
	return 0;
err:
	io_zcrx_free_area(area);
	return ret;
}

/**
 * io_zcrx_free_area() - unpin and unaccount an area
 * @area: an area no page pool and no user references any more
 *
 * Context: process context.
 */
void io_zcrx_free_area(struct io_zcrx_area *area)
{
	if (!area)
		return;
	if (area->ifq && area->is_mapped)
		io_zcrx_unmap_area(area->ifq, area);
	if (area->acct_pages)
		io_zcrx_unaccount(area->ifq, area->acct_pages);
	if (area->pages)
		unpin_user_pages(area->pages, area->nr_pages);
	kvfree(area->pages);
	kvfree(area->dma);
	kvfree(area->user_refs);
	kvfree(area->freelist);
	kvfree(area->nia.niovs);
	kfree(area);
}

static void __io_zcrx_unmap_area(struct io_zcrx_ifq *ifq,
				 struct io_zcrx_area *area, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		dma_unmap_page_attrs(ifq->dev, area->dma[i], PAGE_SIZE,
				     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
		net_mp_niov_set_dma_addr(&area->nia.niovs[i], 0);
		cond_resched();
	}
}

/**
 * io_zcrx_map_area() - DMA map every buffer for the ifq's device
 * @ifq: an ifq bound to a netdev
 * @area: its area
 *
 * Context: process context.
 * Return: 0, or -EINVAL if a page cannot be mapped.
 */
int io_zcrx_map_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area)
{
	unsigned long i;
	int ret = 0;

	mutex_lock(&ifq->dma_lock);
	for (i = 0; i < area->nr_pages; i++) {
		dma_addr_t dma;

		dma = dma_map_page_attrs(ifq->dev, area->pages[i], 0, PAGE_SIZE,
					 DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(ifq->dev, dma)) {
			ret = -EINVAL;
			break;
		}
		area->dma[i] = dma;
		if (net_mp_niov_set_dma_addr(&area->nia.niovs[i], dma)) {
			i++;
			ret = -EINVAL;
			break;
		}
		cond_resched();
	}
	if (ret)
		__io_zcrx_unmap_area(ifq, area, i);
	else
		area->is_mapped = true;
	mutex_unlock(&ifq->dma_lock);
	return ret;
}

/**
 * io_zcrx_unmap_area() - undo io_zcrx_map_area(), once
 * @ifq: the ifq
 * @area: its area
 *
 * Context: process context (netdev unregister or the ifq's last put).
 */
void io_zcrx_unmap_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area)
{
	mutex_lock(&ifq->dma_lock);
	if (area->is_mapped)
		__io_zcrx_unmap_area(ifq, area, area->nr_pages);
	area->is_mapped = false;
	mutex_unlock(&ifq->dma_lock);
}

/* The page pool memory provider. */

static struct io_zcrx_ifq *io_pp_to_ifq(struct page_pool *pool)
{
	return pool->mp_priv;
}

/* Give a batch of free buffers to the pool's cache. */
static unsigned int io_pp_zc_alloc_free(struct page_pool *pool,
					struct io_zcrx_area *area)
{
	struct net_iov *niov;
	unsigned int i;

	for (i = 0; i < PP_ALLOC_CACHE_REFILL; i++) {
		niov = io_zcrx_get_free_niov(area);
		if (!niov)
			break;
		net_mp_niov_set_page_pool(pool, niov);
		if (!net_mp_niov_place_in_cache(pool, niov)) {
			page_pool_put_full_netmem(pool, net_iov_to_netmem(niov),
						  false);
			break;
		}
	}
	return i;
}

/*
 * The pool calls this with an empty alloc cache. Buffers go into the
 * cache, where they are synced for the device, and the last one placed is
 * handed out from it, as upstream's io_pp_zc_alloc_netmems() does: the
 * page pool is not entered again.
 */
static netmem_ref io_pp_zc_alloc_netmems(struct page_pool *pool, gfp_t gfp)
{
	struct io_zcrx_ifq *ifq = io_pp_to_ifq(pool);

	/* Buffers userspace gave back first: they are already the pool's. */
	if (!io_zcrx_rq_refill(ifq, pool))
		io_pp_zc_alloc_free(pool, ifq->area);
	if (unlikely(!pool->alloc.count))
		return 0;
	return pool->alloc.cache[--pool->alloc.count];
}

static bool io_pp_zc_release_netmem(struct page_pool *pool, netmem_ref netmem)
{
	struct net_iov *niov;

	if (WARN_ON_ONCE(!netmem_is_net_iov(netmem)))
		return false;

	niov = netmem_to_net_iov(netmem);
	net_mp_niov_clear_page_pool(niov);
	io_zcrx_put_free_niov(niov);
	return false;
}

static int io_pp_zc_init(struct page_pool *pool)
{
	struct io_zcrx_ifq *ifq = io_pp_to_ifq(pool);

	if (WARN_ON_ONCE(!ifq))
		return -EINVAL;
	if (pool->p.order != 0)
		return -EINVAL;
	if (pool->p.dev != ifq->dev)
		return -EINVAL;
	/*
	 * As upstream's io_pp_zc_init(): the pool must map DMA (the area's
	 * addresses are what it hands the device) and for the device to
	 * write into, nothing else.
	 */
	if (!pool->dma_map)
		return -EOPNOTSUPP;
	if (pool->p.dma_dir != DMA_FROM_DEVICE)
		return -EOPNOTSUPP;
	if (!ifq->area->is_mapped)
		return -EINVAL;
	refcount_inc(&ifq->refs);
	return 0;
}

static void io_pp_zc_destroy(struct page_pool *pool)
{
	io_zcrx_ifq_put(io_pp_to_ifq(pool));
}

static int io_pp_zc_nl_fill(void *mp_priv, struct sk_buff *rsp,
			    struct netdev_rx_queue *rxq)
{
	struct nlattr *nest;
	int type;

	type = rxq ? NETDEV_A_QUEUE_IO_URING : NETDEV_A_PAGE_POOL_IO_URING;
	nest = nla_nest_start(rsp, type);
	if (!nest)
		return -EMSGSIZE;
	nla_nest_end(rsp, nest);
	return 0;
}

static void io_pp_zc_uninstall(void *mp_priv, struct netdev_rx_queue *rxq)
{
	struct io_zcrx_ifq *ifq = mp_priv;

	ASSERT_RTNL();
	if (ifq->area)
		io_zcrx_unmap_area(ifq, ifq->area);
	if (ifq->netdev) {
		netdev_put(ifq->netdev, &ifq->netdev_tracker);
		ifq->netdev = NULL;
	}
}

const struct memory_provider_ops io_uring_pp_zc_ops = {
	.alloc_netmems		= io_pp_zc_alloc_netmems,
	.release_netmem		= io_pp_zc_release_netmem,
	.init			= io_pp_zc_init,
	.destroy		= io_pp_zc_destroy,
	.nl_fill		= io_pp_zc_nl_fill,
	.uninstall		= io_pp_zc_uninstall,
};
