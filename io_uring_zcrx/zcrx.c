// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring zero-copy receive: registering an interface queue (ifq), its
 * refill ring region, the zcrx query, ctrl operations and teardown.
 *
 * Context and locking
 * -------------------
 * Registration, ctrl and query run in the registering task under
 * ctx->uring_lock (query without a ring). Binding and unbinding the rx
 * queue take rtnl_lock inside uring_lock; nothing takes uring_lock under
 * rtnl_lock (the provider's ->uninstall() does not). ctx->zcrx_ctxs maps
 * ids to ifqs; entries are added at the end of a successful registration
 * and removed only when the ring is freed, so a request or an mmap that
 * found an ifq may use it while it holds the ring.
 *
 * See zcrx.h for the reference rules that decide when an ifq shuts down
 * and when it is freed.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/io_uring.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <net/page_pool/memory_provider.h>
#include <uapi/linux/io_uring.h>

#include "io_uring.h"
#include "memmap.h"
#include "zcrx.h"

#define IO_ZCRX_REG_FLAGS	(ZCRX_REG_IMPORT | ZCRX_REG_NODEV)
#define IO_ZCRX_REGION_MAX	((u64)U16_MAX << PAGE_SHIFT)

static size_t io_zcrx_rq_hdr_size(void)
{
	return ALIGN(sizeof(struct io_uring), L1_CACHE_BYTES);
}

static void io_zcrx_free_region(struct io_zcrx_ifq *ifq)
{
	struct io_zcrx_region *r = &ifq->region;

	if (r->ptr && r->is_user) {
		vunmap(r->ptr);
		io_pages_free(&r->pages, r->nr_pages);
	} else if (r->ptr) {
		io_pages_unmap(r->ptr, &r->pages, &r->nr_pages, true);
	}
	r->ptr = NULL;
	if (r->acct_pages)
		io_zcrx_unaccount(ifq, r->acct_pages);
	r->acct_pages = 0;
}

/*
 * The checks and errnos of upstream's io_create_region(), after the size
 * check of io_allocate_rbuf_ring(). 6.12's page helpers count pages in an
 * unsigned short, so regions stop at IO_ZCRX_REGION_MAX (-E2BIG), far above
 * what 32768 refill entries need.
 */
static int io_zcrx_check_region(const struct io_uring_region_desc *rd,
				size_t need)
{
	u64 end;

	if (rd->size < need)
		return -EINVAL;
	if (!mem_is_zero(rd->__resv, sizeof(rd->__resv)))
		return -EINVAL;
	if (rd->flags & ~IORING_MEM_REGION_TYPE_USER)
		return -EINVAL;
	/* user_addr is set if and only if user memory backs the region */
	if (!!(rd->flags & IORING_MEM_REGION_TYPE_USER) != !!rd->user_addr)
		return -EFAULT;
	if (!rd->size || rd->mmap_offset || rd->id)
		return -EINVAL;
	if (rd->size > IO_ZCRX_REGION_MAX)
		return -E2BIG;
	if ((rd->user_addr | rd->size) & ~PAGE_MASK)
		return -EINVAL;
	if (check_add_overflow(rd->user_addr, rd->size, &end))
		return -EOVERFLOW;
	return 0;
}

static int io_zcrx_create_region(struct io_zcrx_ifq *ifq,
				 struct io_uring_region_desc *rd)
{
	struct io_zcrx_region *r = &ifq->region;
	size_t need = io_zcrx_rq_hdr_size() +
		      ifq->rq_entries * sizeof(struct io_uring_zcrx_rqe);
	void *ptr;
	int ret;

	ret = io_zcrx_check_region(rd, need);
	if (ret)
		return ret;
	ret = io_zcrx_account(ifq, rd->size >> PAGE_SHIFT);
	if (ret)
		return ret;
	r->acct_pages = rd->size >> PAGE_SHIFT;

	if (rd->flags & IORING_MEM_REGION_TYPE_USER) {
		ptr = __io_uaddr_map(&r->pages, &r->nr_pages, rd->user_addr,
				     rd->size);
		r->is_user = true;
	} else {
		ptr = io_pages_map(&r->pages, &r->nr_pages, rd->size);
		/* '+' as upstream: an id past 2047 fails mmap, never aliases */
		r->mmap_offset = IORING_MAP_OFF_ZCRX_REGION +
				 ((u64)ifq->id << IORING_OFF_ZCRX_SHIFT);
		rd->mmap_offset = r->mmap_offset;
	}
	if (IS_ERR(ptr))
		return PTR_ERR(ptr);
	r->ptr = ptr;

	ifq->rq_ring = ptr;
	ifq->rqes = ptr + io_zcrx_rq_hdr_size();
	return 0;
}

static void io_zcrx_free_work(struct work_struct *work)
{
	struct io_zcrx_ifq *ifq = container_of(work, struct io_zcrx_ifq,
					       free_work);

	io_zcrx_free_area(ifq->area);
	io_zcrx_free_region(ifq);
	if (ifq->dev)
		put_device(ifq->dev);
	if (ifq->user)
		free_uid(ifq->user);
	if (ifq->mm_account)
		mmdrop(ifq->mm_account);
	mutex_destroy(&ifq->dma_lock);
	kfree(ifq);
}

/**
 * io_zcrx_ifq_put() - drop a page pool's reference to an ifq
 * @ifq: the ifq
 *
 * A page pool may be destroyed where sleeping is not allowed, so the last
 * reference frees the ifq from a workqueue.
 */
void io_zcrx_ifq_put(struct io_zcrx_ifq *ifq)
{
	if (refcount_dec_and_test(&ifq->refs))
		queue_work(system_unbound_wq, &ifq->free_work);
}

static struct io_zcrx_ifq *io_zcrx_ifq_alloc(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;

	ifq = kzalloc(sizeof(*ifq), GFP_KERNEL);
	if (!ifq)
		return NULL;
	spin_lock_init(&ifq->rq_lock);
	mutex_init(&ifq->dma_lock);
	refcount_set(&ifq->refs, 1);
	refcount_set(&ifq->users, 1);
	INIT_WORK(&ifq->free_work, io_zcrx_free_work);
	if (ctx->user)
		ifq->user = get_uid(ctx->user);
	if (ctx->mm_account) {
		mmgrab(ctx->mm_account);
		ifq->mm_account = ctx->mm_account;
	}
	return ifq;
}

static struct pp_memory_provider_params io_zcrx_mp_params(struct io_zcrx_ifq *ifq)
{
	return (struct pp_memory_provider_params) {
		.mp_priv	= ifq,
		.mp_ops		= &io_uring_pp_zc_ops,
	};
}

/* Unbind the queue and let go of the netdev, once. */
static void io_zcrx_close_queue(struct io_zcrx_ifq *ifq)
{
	struct pp_memory_provider_params p = io_zcrx_mp_params(ifq);

	rtnl_lock();
	/*
	 * Once the queue runs without us the device does no more DMA to the
	 * area (the old pool no longer syncs): unmap now, not when the last
	 * buffer comes back, when the device may be gone. A registration
	 * that failed between finding the netdev and binding the queue has
	 * nothing bound and maybe no area: it only lets go of the netdev.
	 */
	if (ifq->netdev && ifq->queue_bound &&
	    !net_mp_close_rxq(ifq->netdev, ifq->if_rxq, &p))
		io_zcrx_unmap_area(ifq, ifq->area);
	ifq->queue_bound = false;
	if (ifq->netdev) {
		netdev_put(ifq->netdev, &ifq->netdev_tracker);
		ifq->netdev = NULL;
	}
	rtnl_unlock();
}

/*
 * Find the device before anything is pinned, as upstream does: -ENODEV
 * for no such netdev, -EOPNOTSUPP for one without a parent device to map
 * DMA for (lo, virtual devices). No rtnl_lock: the ifq is not visible to
 * anyone yet and binds nothing; io_zcrx_open_queue() checks under
 * rtnl_lock that the device is still registered.
 */
static int io_zcrx_get_netdev(struct io_zcrx_ifq *ifq,
			      const struct io_uring_zcrx_ifq_reg *reg)
{
	ifq->netdev = netdev_get_by_index(current->nsproxy->net_ns, reg->if_idx,
					  &ifq->netdev_tracker, GFP_KERNEL);
	if (!ifq->netdev)
		return -ENODEV;
	if (!ifq->netdev->dev.parent) {
		netdev_put(ifq->netdev, &ifq->netdev_tracker);
		ifq->netdev = NULL;
		return -EOPNOTSUPP;
	}
	ifq->dev = get_device(ifq->netdev->dev.parent);
	ifq->if_rxq = reg->if_rxq;
	ifq->if_idx = reg->if_idx;
	return 0;
}

/*
 * Map the area for the device, then bind the provider to the queue. The
 * DMA mapping, which can take long for a large area, runs before rtnl_lock
 * is taken. On failure the netdev stays: the registration's error path
 * lets go of it in io_zcrx_close_queue(), which unbinds nothing unbound.
 */
static int io_zcrx_open_queue(struct io_zcrx_ifq *ifq)
{
	struct pp_memory_provider_params p = io_zcrx_mp_params(ifq);
	int ret;

	ret = io_zcrx_map_area(ifq, ifq->area);
	if (ret)
		return ret;
	rtnl_lock();
	/* unregistered since io_zcrx_get_netdev(): ->uninstall() has run */
	if (ifq->netdev->reg_state != NETREG_REGISTERED)
		ret = -ENODEV;
	else
		ret = net_mp_open_rxq(ifq->netdev, ifq->if_rxq, &p, NULL);
	ifq->queue_bound = !ret;
	rtnl_unlock();
	return ret;
}

/* The last user is gone: unbind the queue and take back user buffers. */
static void io_zcrx_ifq_shutdown(struct io_zcrx_ifq *ifq)
{
	io_zcrx_close_queue(ifq);
	io_zcrx_scrub(ifq);
	/* Buffers that come back from now on must not wait in the ring. */
	io_zcrx_rq_refill(ifq, NULL);
	/* Nor in skbs read on one CPU and freed later by another. */
	if (!ifq->nodev)
		net_mp_flush_deferred_skbs();
}

/*
 * A ring or export file lets go. Its callers may sleep, so when no page
 * pool is left the ifq is freed at once: a failed registration or a ring
 * exit gives the memory charge back before it returns.
 */
static void io_zcrx_ifq_put_user(struct io_zcrx_ifq *ifq)
{
	might_sleep();
	if (refcount_dec_and_test(&ifq->users))
		io_zcrx_ifq_shutdown(ifq);
	if (refcount_dec_and_test(&ifq->refs))
		io_zcrx_free_work(&ifq->free_work);
}

static void io_zcrx_fill_offsets(struct io_uring_zcrx_offsets *o)
{
	memset(o, 0, sizeof(*o));
	o->head = offsetof(struct io_uring, head);
	o->tail = offsetof(struct io_uring, tail);
	o->rqes = io_zcrx_rq_hdr_size();
}

static int io_zcrx_export_release(struct inode *inode, struct file *file)
{
	io_zcrx_ifq_put_user(file->private_data);
	return 0;
}

static const struct file_operations io_zcrx_export_fops = {
	.owner		= THIS_MODULE,
	.release	= io_zcrx_export_release,
};

/*
 * ZCRX_CTRL_EXPORT: a file that holds the ifq as a user, so that another
 * ring can import it with ZCRX_REG_IMPORT (if_idx = the file's fd).
 */
static int io_zcrx_ctrl_export(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl,
			       void __user *arg)
{
	struct zcrx_ctrl __user *uctrl = arg;
	struct file *file;
	int fd;

	if (ctrl->zc_export.zcrx_fd ||
	    !mem_is_zero(ctrl->zc_export.__resv1,
			 sizeof(ctrl->zc_export.__resv1)))
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	refcount_inc(&ifq->users);
	refcount_inc(&ifq->refs);
	file = anon_inode_getfile("[zcrx]", &io_zcrx_export_fops, ifq, O_CLOEXEC);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		io_zcrx_ifq_put_user(ifq);
		return PTR_ERR(file);
	}
	if (put_user(fd, &uctrl->zc_export.zcrx_fd)) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

/* ZCRX_REG_IMPORT: share an exported ifq with this ring. */
static int io_zcrx_import(struct io_ring_ctx *ctx,
			  struct io_uring_zcrx_ifq_reg __user *arg,
			  struct io_uring_zcrx_ifq_reg *reg)
{
	struct io_zcrx_ifq *ifq;
	struct fd f;
	u32 id;
	int ret;

	if (reg->flags != ZCRX_REG_IMPORT || reg->if_rxq || reg->rq_entries ||
	    reg->area_ptr || reg->region_ptr || reg->event_desc)
		return -EINVAL;

	f = fdget(reg->if_idx);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &io_zcrx_export_fops) {
		fdput(f);
		return -EBADF;
	}
	ifq = fd_file(f)->private_data;
	refcount_inc(&ifq->users);
	refcount_inc(&ifq->refs);
	fdput(f);

	ret = xa_alloc(&ctx->zcrx_ctxs, &id, NULL,
		       xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto err_put;

	/* as upstream: the id and the offsets, rq_entries stays 0 */
	reg->zcrx_id = id;
	io_zcrx_fill_offsets(&reg->offsets);
	ret = -EFAULT;
	if (copy_to_user(arg, reg, sizeof(*reg)))
		goto err_erase;
	ret = xa_err(xa_store(&ctx->zcrx_ctxs, id, ifq, GFP_KERNEL));
	if (ret)
		goto err_erase;
	return 0;

err_erase:
	xa_erase(&ctx->zcrx_ctxs, id);
err_put:
	io_zcrx_ifq_put_user(ifq);
	return ret;
}

/*
 * Upstream's checks of the registration. The offsets are output only and
 * not looked at; an event descriptor is read by io_zcrx_check_events().
 */
static int io_zcrx_check_reg(struct io_ring_ctx *ctx,
			     struct io_uring_zcrx_ifq_reg *reg)
{
	if (!mem_is_zero(reg->__resv, sizeof(reg->__resv)) || reg->zcrx_id)
		return -EINVAL;
	if (reg->flags & ~IO_ZCRX_REG_FLAGS)
		return -EINVAL;
	if (reg->flags & ZCRX_REG_IMPORT)
		return 0;
	if (reg->if_rxq == -1)
		return -EINVAL;
	if ((reg->flags & ZCRX_REG_NODEV) && (reg->if_idx || reg->if_rxq))
		return -EINVAL;
	/* 0 means PAGE_SIZE; larger buffers are not there yet on 6.12 */
	if (!reg->rx_buf_len)
		reg->rx_buf_len = PAGE_SIZE;
	if (!is_power_of_2(reg->rx_buf_len) || reg->rx_buf_len < PAGE_SIZE)
		return -EINVAL;
	if (reg->rx_buf_len != PAGE_SIZE)
		return -EOPNOTSUPP;
	if (!reg->area_ptr || !reg->region_ptr)
		return -EFAULT;

	if (!reg->rq_entries)
		return -EINVAL;
	if (reg->rq_entries > IO_ZCRX_MAX_ENTRIES) {
		if (!(ctx->flags & IORING_SETUP_CLAMP))
			return -EINVAL;
		reg->rq_entries = IO_ZCRX_MAX_ENTRIES;
	}
	reg->rq_entries = roundup_pow_of_two(reg->rq_entries);
	return 0;
}

/*
 * reg.event_desc: a descriptor that asks for nothing is fine, as upstream
 * has it; events and stats (7.2) are not there yet on 6.12, so asking for
 * any is -EINVAL, the answer upstream gives to types it does not know.
 */
static int io_zcrx_check_events(const struct io_uring_zcrx_ifq_reg *reg)
{
	struct zcrx_event_desc ed;

	if (!reg->event_desc)
		return 0;
	if (copy_from_user(&ed, u64_to_user_ptr(reg->event_desc), sizeof(ed)))
		return -EFAULT;
	/* user_data is only stored upstream; anything else asks for events */
	if (ed.type_mask || ed.flags || ed.stats_offset ||
	    !mem_is_zero(ed.__resv2, sizeof(ed.__resv2)))
		return -EINVAL;
	return 0;
}

/**
 * io_register_zcrx_ifq() - IORING_REGISTER_ZCRX_IFQ
 * @ctx: the ring, with DEFER_TASKRUN and CQE32
 * @arg: a struct io_uring_zcrx_ifq_reg in user memory
 *
 * Pins and accounts the area, creates the refill ring and, unless
 * ZCRX_REG_NODEV, binds the page pool provider to the rx queue. Writes
 * back offsets, rq_entries, zcrx_id, the area's rq_area_token and the
 * region's mmap_offset. A failed registration leaves nothing behind.
 *
 * Context: process context, ctx->uring_lock held.
 * Return: 0 or a negative errno (see the ABI notes in docs/).
 */
int io_register_zcrx_ifq(struct io_ring_ctx *ctx,
			 struct io_uring_zcrx_ifq_reg __user *arg)
{
	struct io_uring_zcrx_area_reg area;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_region_desc rd;
	struct io_zcrx_ifq *ifq;
	u32 id;
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (!(ctx->flags & IORING_SETUP_DEFER_TASKRUN) ||
	    !(ctx->flags & IORING_SETUP_CQE32))
		return -EINVAL;
	if (copy_from_user(&reg, arg, sizeof(reg)))
		return -EFAULT;
	ret = io_zcrx_check_reg(ctx, &reg);
	if (ret)
		return ret;
	if (reg.flags & ZCRX_REG_IMPORT)
		return io_zcrx_import(ctx, arg, &reg);
	ret = io_zcrx_check_events(&reg);
	if (ret)
		return ret;
	if (copy_from_user(&rd, u64_to_user_ptr(reg.region_ptr), sizeof(rd)) ||
	    copy_from_user(&area, u64_to_user_ptr(reg.area_ptr), sizeof(area)))
		return -EFAULT;

	ifq = io_zcrx_ifq_alloc(ctx);
	if (!ifq)
		return -ENOMEM;
	ifq->rq_entries = reg.rq_entries;
	ifq->nodev = reg.flags & ZCRX_REG_NODEV;

	/* Reserve the id; the ifq becomes visible only at the end. */
	ret = xa_alloc(&ctx->zcrx_ctxs, &id, NULL,
		       xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto err_free;
	ifq->id = id;

	ret = io_zcrx_create_region(ifq, &rd);
	if (ret)
		goto err_erase;
	if (!ifq->nodev) {
		ret = io_zcrx_get_netdev(ifq, &reg);
		if (ret)
			goto err_erase;
	}
	ret = io_zcrx_create_area(ifq, &area);
	if (ret)
		goto err_erase;
	if (!ifq->nodev) {
		ret = io_zcrx_open_queue(ifq);
		if (ret)
			goto err_erase;
	}

	reg.zcrx_id = id;
	io_zcrx_fill_offsets(&reg.offsets);
	area.rq_area_token = (u64)ifq->area->area_id << IORING_ZCRX_AREA_SHIFT;
	if (copy_to_user(arg, &reg, sizeof(reg)) ||
	    copy_to_user(u64_to_user_ptr(reg.region_ptr), &rd, sizeof(rd)) ||
	    copy_to_user(u64_to_user_ptr(reg.area_ptr), &area, sizeof(area))) {
		ret = -EFAULT;
		goto err_erase;
	}
	if (xa_err(xa_store(&ctx->zcrx_ctxs, id, ifq, GFP_KERNEL))) {
		ret = -ENOMEM;
		goto err_erase;
	}
	return 0;

err_erase:
	xa_erase(&ctx->zcrx_ctxs, id);
err_free:
	io_zcrx_ifq_put_user(ifq);
	return ret;
}

/**
 * io_unregister_zcrx_ifqs() - the ring is being freed: drop its ifqs
 * @ctx: the ring; no request is left
 *
 * Context: process context (the ring's exit work).
 */
void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	xa_for_each(&ctx->zcrx_ctxs, index, ifq) {
		xa_erase(&ctx->zcrx_ctxs, index);
		io_zcrx_ifq_put_user(ifq);
	}
	xa_destroy(&ctx->zcrx_ctxs);
}

/**
 * io_release_zcrx_queues() - the ring's file is going: unbind its queues now
 * @ctx: the ring
 *
 * The ring's exit work runs later, in a workqueue. A queue that only this
 * ring uses is unbound here instead, so that it can be bound again as soon
 * as close() returns or the process is reaped. The buffers userspace holds
 * are taken back in the exit work, once no request is left
 * (io_unregister_zcrx_ifqs()).
 *
 * Context: process context (the ring's release), ctx->uring_lock held.
 */
void io_release_zcrx_queues(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	lockdep_assert_held(&ctx->uring_lock);
	xa_for_each(&ctx->zcrx_ctxs, index, ifq) {
		/*
		 * One user: no export file exists, so no other ring has
		 * the ifq and none can import it (EXPORT needs uring_lock).
		 */
		if (!ifq->nodev && refcount_read(&ifq->users) == 1)
			io_zcrx_close_queue(ifq);
	}
}

/**
 * io_zcrx_show_fdinfo() - print the ring's ifqs in its fdinfo
 * @m: the fdinfo file
 * @ctx: the ring
 *
 * One line per ifq: its id, the device and queue it was bound to (0 and 0
 * for ZCRX_REG_NODEV) and how many bytes recv-zc delivered without a copy
 * (net_iovs of the area) and through the copy path.
 *
 * Context: process context, ctx->uring_lock held (ifqs come and go under it).
 */
void io_zcrx_show_fdinfo(struct seq_file *m, struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	lockdep_assert_held(&ctx->uring_lock);
	xa_for_each(&ctx->zcrx_ctxs, index, ifq)
		seq_printf(m, "ZcrxIfq%lu:\tifindex=%u rxq=%u zc_bytes=%lld copy_bytes=%lld\n",
			   index, ifq->if_idx, ifq->if_rxq,
			   atomic64_read(&ifq->zc_bytes),
			   atomic64_read(&ifq->copy_bytes));
}

/**
 * io_zcrx_mmap_region() - find a kernel-allocated refill region to mmap
 * @ctx: the ring
 * @offset: IORING_MAP_OFF_ZCRX_REGION | (zcrx_id << IORING_OFF_ZCRX_SHIFT)
 * @pages: the region's pages, out
 * @nr_pages: how many, out
 *
 * Return: the region's kernel address, or ERR_PTR(-EINVAL) for an id that
 * has no kernel-allocated region.
 */
void *io_zcrx_mmap_region(struct io_ring_ctx *ctx, loff_t offset,
			  struct page ***pages, unsigned int *nr_pages)
{
	/* as upstream's io_mmap_get_region(): the low bits do not count */
	u32 id = (offset & ~IORING_OFF_MMAP_MASK) >> IORING_OFF_ZCRX_SHIFT;
	struct io_zcrx_ifq *ifq;

	ifq = xa_load(&ctx->zcrx_ctxs, id);
	if (!ifq || ifq->region.is_user || !ifq->region.ptr)
		return ERR_PTR(-EINVAL);
	*pages = ifq->region.pages;
	*nr_pages = ifq->region.nr_pages;
	return ifq->region.ptr;
}

static int io_zcrx_ctrl_flush(struct io_zcrx_ifq *ifq,
			      const struct zcrx_ctrl *ctrl)
{
	if (!mem_is_zero(&ctrl->zc_flush, sizeof(ctrl->zc_flush)))
		return -EINVAL;
	io_zcrx_rq_refill(ifq, NULL);
	return 0;
}

/**
 * io_register_zcrx_ctrl() - IORING_REGISTER_ZCRX_CTRL
 * @ctx: the ring
 * @arg: a struct zcrx_ctrl in user memory
 * @nr_args: must be 0
 *
 * Context: process context, ctx->uring_lock held.
 * Return: 0; -EINVAL for nr_args or a bad operation argument; -EFAULT for
 * unreadable memory or reserved bits set; -ENXIO for an unknown zcrx_id;
 * -EOPNOTSUPP for an unknown operation or one 6.12 does not have yet.
 */
int io_register_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg,
			  unsigned int nr_args)
{
	struct io_zcrx_ifq *ifq;
	struct zcrx_ctrl ctrl;

	if (nr_args)
		return -EINVAL;
	if (copy_from_user(&ctrl, arg, sizeof(ctrl)))
		return -EFAULT;
	/* upstream's errnos: -EFAULT for reserved bits, -ENXIO for no ifq */
	if (!mem_is_zero(ctrl.__resv, sizeof(ctrl.__resv)))
		return -EFAULT;
	ifq = xa_load(&ctx->zcrx_ctxs, ctrl.zcrx_id);
	if (!ifq)
		return -ENXIO;

	switch (ctrl.op) {
	case ZCRX_CTRL_FLUSH_RQ:
		return io_zcrx_ctrl_flush(ifq, &ctrl);
	case ZCRX_CTRL_EXPORT:
		return io_zcrx_ctrl_export(ifq, &ctrl, arg);
	}
	/* ARM_EVENT, ADD_AREA (not yet on 6.12) and unknown operations */
	return -EOPNOTSUPP;
}

/**
 * io_zcrx_query() - fill the IO_URING_QUERY_ZCRX answer
 * @e: the answer, in kernel memory
 *
 * What 6.12 has: NODEV and IMPORT registrations, user memory areas, the
 * ctrl operations FLUSH_RQ and EXPORT, no feature bits yet.
 *
 * Return: the size of the answer.
 */
ssize_t io_zcrx_query(struct io_uring_query_zcrx *e)
{
	memset(e, 0, sizeof(*e));
	e->register_flags = IO_ZCRX_REG_FLAGS;
	e->area_flags = 0;
	e->nr_ctrl_opcodes = ZCRX_CTRL_EXPORT + 1;
	e->features = 0;
	e->rq_hdr_size = sizeof(struct io_uring);
	e->rq_hdr_alignment = L1_CACHE_BYTES;
	return sizeof(*e);
}
