/* SPDX-License-Identifier: GPL-2.0 */
/*
 * io_uring zero-copy receive (zcrx): the interface queue (ifq), its area
 * of user buffers and its refill ring.
 *
 * Reference rules
 * ---------------
 * An ifq has two counts:
 *  - @users: rings that registered or imported it, and export files. The
 *    last user going shuts the ifq down: the rx queue is unbound and every
 *    buffer userspace still holds is taken back (scrub).
 *  - @refs: the users' one reference plus one per page pool that uses the
 *    ifq as its memory provider (taken in ->init, dropped in ->destroy).
 *    The last reference frees the ifq: DMA unmap, unpin, unaccount.
 * So an ifq outlives its rings while the network stack still holds
 * buffers of its page pools, and pages are never unpinned under a pool.
 *
 * Each buffer (net_iov) of the area has, besides the page pool's
 * pp_ref_count, a user reference count (user_refs[]): how many CQEs that
 * point at it userspace has not yet returned through the refill ring.
 * Every user reference also holds one pp reference, so a buffer in
 * userspace is never recycled; the refill consumer drops both, and the
 * scrub drops whatever is left at shutdown.
 */
#ifndef IOU_ZCRX_H
#define IOU_ZCRX_H

#include <linux/io_uring_types.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <net/netmem.h>
#include <net/page_pool/types.h>

struct seq_file;

#define IO_ZCRX_MAX_ENTRIES	32768

struct io_zcrx_ifq;

/* The buffers userspace receives into: one net_iov per page. */
struct io_zcrx_area {
	struct net_iov_area	nia;
	struct io_zcrx_ifq	*ifq;
	atomic_t		*user_refs;
	struct page		**pages;
	dma_addr_t		*dma;
	unsigned long		nr_pages;
	unsigned long		acct_pages;
	u16			area_id;
	bool			is_mapped;

	/* buffers no page pool and no user has */
	spinlock_t		freelist_lock ____cacheline_aligned_in_smp;
	u32			free_count;
	u32			*freelist;
};

/* Memory shared with userspace: the refill ring. */
struct io_zcrx_region {
	void			*ptr;
	struct page		**pages;
	unsigned short		nr_pages;
	bool			is_user;
	unsigned long		acct_pages;
	u64			mmap_offset;
};

struct io_zcrx_ifq {
	struct io_zcrx_area	*area;
	struct io_zcrx_region	region;
	u32			id;
	bool			nodev;

	/* refill ring, consumed under rq_lock (BH safe) */
	spinlock_t		rq_lock ____cacheline_aligned_in_smp;
	struct io_uring		*rq_ring;
	struct io_uring_zcrx_rqe *rqes;
	u32			rq_entries;
	u32			cached_rq_head;

	/*
	 * The bound queue. Set before the ifq is visible (registration);
	 * once queue_bound, netdev and if_rxq change only under rtnl_lock.
	 */
	struct net_device	*netdev;
	netdevice_tracker	netdev_tracker;
	u32			if_rxq;
	bool			queue_bound;
	u32			if_idx;		/* as registered, for fdinfo */
	struct device		*dev;
	struct mutex		dma_lock;	/* area DMA map/unmap */

	refcount_t		refs;
	refcount_t		users;
	struct work_struct	free_work;

	/* memory accounting, kept past the ring that registered */
	struct user_struct	*user;
	struct mm_struct	*mm_account;

	/* statistics for tests and fdinfo */
	atomic64_t		copy_bytes;
	atomic64_t		zc_bytes;
};

#if defined(CONFIG_IO_URING_ZCRX)
int io_register_zcrx_ifq(struct io_ring_ctx *ctx,
			 struct io_uring_zcrx_ifq_reg __user *arg);
int io_register_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg,
			  unsigned int nr_args);
ssize_t io_zcrx_query(struct io_uring_query_zcrx *e);
void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx);
void io_release_zcrx_queues(struct io_ring_ctx *ctx);
void io_zcrx_show_fdinfo(struct seq_file *m, struct io_ring_ctx *ctx);
void *io_zcrx_mmap_region(struct io_ring_ctx *ctx, loff_t offset,
			  struct page ***pages, unsigned int *nr_pages);

/* zcrx_area.c: the area and the page pool memory provider */
int io_zcrx_create_area(struct io_zcrx_ifq *ifq,
			const struct io_uring_zcrx_area_reg *reg);
void io_zcrx_free_area(struct io_zcrx_area *area);
int io_zcrx_account(struct io_zcrx_ifq *ifq, unsigned long nr_pages);
void io_zcrx_unaccount(struct io_zcrx_ifq *ifq, unsigned long nr_pages);
int io_zcrx_map_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area);
void io_zcrx_unmap_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area);
struct net_iov *io_zcrx_get_free_niov(struct io_zcrx_area *area);
void io_zcrx_return_niov(struct net_iov *niov);
void io_zcrx_scrub(struct io_zcrx_ifq *ifq);
bool io_zcrx_put_niov_uref(struct net_iov *niov);
void io_zcrx_get_niov_uref(struct net_iov *niov);
bool io_zcrx_is_ifq_niov(const struct io_zcrx_ifq *ifq,
			 const struct net_iov *niov);
void io_zcrx_ifq_put(struct io_zcrx_ifq *ifq);
extern const struct memory_provider_ops io_uring_pp_zc_ops;

/* zcrx_rq.c: the refill ring consumer */
unsigned int io_zcrx_rq_refill(struct io_zcrx_ifq *ifq,
			       struct page_pool *pool);

static inline struct io_zcrx_area *io_zcrx_iov_to_area(const struct net_iov *niov)
{
	return container_of(net_iov_owner(niov), struct io_zcrx_area, nia);
}
#else
static inline int io_register_zcrx_ifq(struct io_ring_ctx *ctx,
				       struct io_uring_zcrx_ifq_reg __user *arg)
{
	return -EOPNOTSUPP;
}

static inline int io_register_zcrx_ctrl(struct io_ring_ctx *ctx,
					void __user *arg, unsigned int nr_args)
{
	return -EOPNOTSUPP;
}

static inline ssize_t io_zcrx_query(struct io_uring_query_zcrx *e)
{
	return -EOPNOTSUPP;
}

static inline void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx)
{
}

static inline void io_release_zcrx_queues(struct io_ring_ctx *ctx)
{
}

static inline void io_zcrx_show_fdinfo(struct seq_file *m,
				       struct io_ring_ctx *ctx)
{
}

static inline void *io_zcrx_mmap_region(struct io_ring_ctx *ctx, loff_t offset,
					struct page ***pages,
					unsigned int *nr_pages)
{
	return ERR_PTR(-EINVAL);
}
#endif

#endif
