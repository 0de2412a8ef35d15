/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOU_ZC_RX_H
#define IOU_ZC_RX_H

#include <linux/io_uring_types.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/socket.h>
#include <net/net_trackers.h>
#include <net/page_pool/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct io_uring_query_zcrx;
struct seq_file;

/*
 * The memory an area's buffers are: user pages, pinned and DMA mapped, or
 * a dma-buf attached to the device (is_dmabuf: no pages, never touched by
 * the CPU).
 */
struct io_zcrx_mem {
	unsigned long			size;
	bool				is_dmabuf;

	struct page			**pages;
	unsigned long			nr_folios;	/* pages pinned */
	struct sg_table			page_sg_table;
	unsigned long			account_pages;
	struct sg_table			*sgt;

	struct dma_buf_attachment	*attach;
	struct dma_buf			*dmabuf;
};

struct io_zcrx_area {
	struct net_iov_area	nia;
	struct io_zcrx_ifq	*ifq;
	/* references userspace holds, one counter per net_iov */
	atomic_t		*user_refs;

	bool			is_mapped;
	u16			area_id;

	/* buffers no page pool and no user has, under ifq->alloc_lock */
	u32			free_count;
	u32			*freelist;

	struct io_zcrx_mem	mem;
};

/* The refill ring: userspace produces, the kernel consumes under ->lock. */
struct zcrx_rq {
	spinlock_t			lock;	/* the consumer side: cached_head */
	struct io_uring			*ring;
	struct io_uring_zcrx_rqe	*rqes;
	u32				cached_head;
	u32				nr_entries;
};

/* The refill ring's memory, shared with userspace. */
struct io_zcrx_region {
	void			*ptr;
	struct page		**pages;
	unsigned short		nr_pages;
	bool			is_user;
	unsigned long		acct_pages;
	u64			mmap_offset;
};

struct io_zcrx_ifq {
	struct io_zcrx_area		*area;
	struct user_struct		*user;
	struct mm_struct		*mm_account;

	struct zcrx_rq			rq ____cacheline_aligned_in_smp;
	spinlock_t			alloc_lock ____cacheline_aligned_in_smp;

	/*
	 * The bound queue. netdev is set before the ifq is visible; once
	 * the queue is bound it changes only under rtnl_lock.
	 */
	u32				if_rxq;
	bool				queue_bound;
	struct device			*dev;
	struct net_device		*netdev;
	netdevice_tracker		netdev_tracker;

	/* page pools and the ifq's users, see zcrx.c */
	refcount_t			refs;
	refcount_t			user_refs;
	struct work_struct		free_work;

	/* the area's DMA map and unmap, which netdev unregister can race */
	struct mutex			pp_lock;
	struct io_zcrx_region		rq_region;
	u32				id;
	u32				if_idx;		/* as registered, for fdinfo */

	/* what recv-zc delivered in place and by copy, for fdinfo */
	atomic64_t			zc_bytes;
	atomic64_t			copy_bytes;

	/*
	 * Events (reg.event_desc) go to the ring that registered the ifq,
	 * master_ctx, while it holds a reference to it; one CQE per type
	 * until ZCRX_CTRL_ARM_EVENT re-arms it. master_ctx and fired_notifs
	 * change under ctx_lock.
	 */
	spinlock_t			ctx_lock;
	struct io_ring_ctx		*master_ctx;
	u64				notif_data;
	u32				allowed_notif_mask;
	u32				fired_notifs;
	/* ZCRX_EVENT_DESC_FLAG_STATS: in the refill region, or NULL */
	struct zcrx_stats		*notif_stats;
};

#if defined(CONFIG_IO_URING_ZCRX)
int io_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg, unsigned int nr_args);
int io_register_zcrx(struct io_ring_ctx *ctx,
		     struct io_uring_zcrx_ifq_reg __user *arg);
void io_terminate_zcrx(struct io_ring_ctx *ctx);
void io_unregister_zcrx(struct io_ring_ctx *ctx);
int io_zcrx_recv(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
		 struct socket *sock, unsigned int flags,
		 unsigned int issue_flags, unsigned int *len);
struct io_zcrx_region *io_zcrx_get_region(struct io_ring_ctx *ctx,
					  unsigned int id);
ssize_t io_zcrx_query(struct io_uring_query_zcrx *e);
void io_zcrx_show_fdinfo(struct seq_file *m, struct io_ring_ctx *ctx);
#else
static inline int io_register_zcrx(struct io_ring_ctx *ctx,
				   struct io_uring_zcrx_ifq_reg __user *arg)
{
	return -EOPNOTSUPP;
}

static inline void io_terminate_zcrx(struct io_ring_ctx *ctx)
{
}

static inline void io_unregister_zcrx(struct io_ring_ctx *ctx)
{
}

static inline int io_zcrx_recv(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			       struct socket *sock, unsigned int flags,
			       unsigned int issue_flags, unsigned int *len)
{
	return -EOPNOTSUPP;
}

static inline struct io_zcrx_region *io_zcrx_get_region(struct io_ring_ctx *ctx,
							unsigned int id)
{
	return NULL;
}

static inline int io_zcrx_ctrl(struct io_ring_ctx *ctx,
			       void __user *arg, unsigned int nr_args)
{
	return -EOPNOTSUPP;
}

static inline ssize_t io_zcrx_query(struct io_uring_query_zcrx *e)
{
	return -EOPNOTSUPP;
}

static inline void io_zcrx_show_fdinfo(struct seq_file *m,
				       struct io_ring_ctx *ctx)
{
}
#endif

#endif
