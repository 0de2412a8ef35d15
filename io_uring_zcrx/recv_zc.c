// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_RECV_ZC: multishot TCP receive into a zcrx ifq's area.
 *
 * Each chunk of payload gives one 32-byte CQE whose second half holds the
 * chunk's offset in the area. Payload that arrived in the ifq's own
 * buffers (net_iovs of its page pool) is reported in place; everything
 * else (linear skb data, frags of other memory, every byte of a NODEV
 * ifq) is copied into a free buffer of the area first.
 *
 * Context: the request is issued by the submitter task (the ring is
 * DEFER_TASKRUN) with ctx->uring_lock held, inline or from poll task
 * work, never from io-wq (io_uring arms poll for multishot requests
 * there). The socket is read with tcp_read_sock() under lock_sock(). CQEs
 * are filled in place under uring_lock and committed when the task's
 * completions are flushed.
 */

#include <linux/highmem.h>
#include <linux/io_uring.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <net/busy_poll.h>
#include <net/rps.h>
#include <net/page_pool/helpers.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/io_uring.h>

#include "io_uring.h"
#include "recv_zc.h"
#include "zcrx.h"

/* skbs one issue may consume before it yields to other requests */
#define IO_ZCRX_SKBS_PER_CALL	20

struct io_recvzc {
	struct file		*file;
	u16			flags;
	u32			len;
	struct io_zcrx_ifq	*ifq;
};

struct io_zcrx_args {
	struct io_kiocb		*req;
	struct io_zcrx_ifq	*ifq;
	unsigned int		nr_skbs;
	/* why the read stopped early, if it did: ends the request */
	int			err;
};

/**
 * io_recvzc_prep() - validate an IORING_OP_RECV_ZC SQE
 * @req: the request
 * @sqe: the SQE
 *
 * Return: 0, or -EINVAL for a field that must be 0, an unknown ioprio
 * flag, a missing IORING_RECV_MULTISHOT or an unknown zcrx_ifq_idx.
 */
int io_recvzc_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe)
{
	struct io_recvzc *zc = io_kiocb_to_cmd(req, struct io_recvzc);
	u32 ifq_idx;

	if (unlikely(sqe->addr || sqe->addr2 || sqe->addr3 || sqe->msg_flags))
		return -EINVAL;

	zc->flags = READ_ONCE(sqe->ioprio);
	if (zc->flags & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT))
		return -EINVAL;
	if (!(zc->flags & IORING_RECV_MULTISHOT))
		return -EINVAL;

	ifq_idx = READ_ONCE(sqe->zcrx_ifq_idx);
	zc->ifq = xa_load(&req->ctx->zcrx_ctxs, ifq_idx);
	if (!zc->ifq)
		return -EINVAL;

	zc->len = READ_ONCE(sqe->len);
	/* data completions are all auxiliary CQEs */
	req->flags |= REQ_F_APOLL_MULTISHOT;
	return 0;
}

static bool io_zcrx_post_cqe(struct io_kiocb *req, struct net_iov *niov,
			     unsigned int off, unsigned int len)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);
	u64 offset;

	offset = off + ((u64)net_iov_idx(niov) << PAGE_SHIFT);
	offset |= (u64)area->area_id << IORING_ZCRX_AREA_SHIFT;
	return io_req_post_cqe32(req, len, IORING_CQE_F_MORE, offset, 0);
}

static struct net_iov *io_zcrx_alloc_copy_niov(struct io_zcrx_ifq *ifq)
{
	struct net_iov *niov;

	niov = io_zcrx_get_free_niov(ifq->area);
	if (niov)
		return niov;
	/* Out of buffers: take back what userspace returned meanwhile. */
	io_zcrx_rq_refill(ifq, NULL);
	return io_zcrx_get_free_niov(ifq->area);
}

/* Copy @len bytes at kernel address @src into one free buffer. */
static int io_zcrx_copy_one(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			    const void *src, unsigned int len)
{
	struct io_zcrx_area *area = ifq->area;
	struct net_iov *niov;
	struct page *page;
	void *dst;

	niov = io_zcrx_alloc_copy_niov(ifq);
	if (!niov)
		return -ENOMEM;

	page = area->pages[net_iov_idx(niov)];
	dst = kmap_local_page(page);
	memcpy(dst, src, len);
	kunmap_local(dst);
	flush_dcache_page(page);

	if (!io_zcrx_post_cqe(req, niov, 0, len)) {
		if (!page_pool_unref_netmem(net_iov_to_netmem(niov), 1))
			io_zcrx_return_niov(niov);
		return -ENOSPC;
	}
	/* the buffer's one reference is now userspace's */
	io_zcrx_get_niov_uref(niov);
	atomic64_add(len, &ifq->copy_bytes);
	return len;
}

/*
 * Copy @len bytes starting @off bytes into @page (which may be the head
 * of a compound page) into area buffers, one per source page chunk.
 */
static int io_zcrx_copy_pages(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			      struct page *page, unsigned int off,
			      unsigned int len)
{
	unsigned int copied = 0;
	int ret = 0;

	while (copied < len) {
		unsigned int poff = offset_in_page(off + copied);
		unsigned int n = min_t(unsigned int, len - copied,
				       PAGE_SIZE - poff);
		void *src;

		src = kmap_local_page(page + ((off + copied) >> PAGE_SHIFT));
		ret = io_zcrx_copy_one(req, ifq, src + poff, n);
		kunmap_local(src);
		if (ret < 0)
			break;
		copied += ret;
	}
	return copied ? copied : ret;
}

static int io_zcrx_recv_frag(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			     const skb_frag_t *frag, unsigned int off,
			     unsigned int len)
{
	struct net_iov *niov;

	if (!skb_frag_is_net_iov(frag))
		return io_zcrx_copy_pages(req, ifq, skb_frag_page(frag),
					  skb_frag_off(frag) + off, len);

	niov = netmem_to_net_iov(frag->netmem);
	if (!io_zcrx_is_ifq_niov(ifq, niov) || !niov->pp ||
	    niov->pp->mp_ops != &io_uring_pp_zc_ops ||
	    niov->pp->mp_priv != ifq)
		return -EFAULT;

	if (!io_zcrx_post_cqe(req, niov, off + skb_frag_off(frag), len))
		return -ENOSPC;
	/*
	 * Keep the buffer from being recycled while userspace reads it. The
	 * pool reference comes first: a refill entry naming this buffer may
	 * be consumed as soon as the user reference exists, and must find
	 * the reference it drops backed by one of the pool's.
	 */
	page_pool_ref_netmem(net_iov_to_netmem(niov));
	io_zcrx_get_niov_uref(niov);
	atomic64_add(len, &ifq->zc_bytes);
	return len;
}

/* Report @len bytes of @skb from @offset; frag_list skbs recursively. */
static int __io_zcrx_recv_skb(struct io_zcrx_args *args, struct sk_buff *skb,
			      unsigned int offset, size_t len)
{
	struct io_zcrx_ifq *ifq = args->ifq;
	struct io_kiocb *req = args->req;
	unsigned int start, start_off = offset;
	struct sk_buff *frag_iter;
	int i, copy, end, off;
	int ret = 0;

	if (unlikely(offset < skb_headlen(skb))) {
		copy = min_t(size_t, skb_headlen(skb) - offset, len);
		/* skb heads are kmalloc or page-frag memory, never vmalloc */
		ret = io_zcrx_copy_pages(req, ifq, virt_to_page(skb->data),
					 offset_in_page(skb->data) + offset, copy);
		if (ret < 0)
			goto out;
		offset += ret;
		len -= ret;
		if (!len || ret != copy)
			goto out;
	}

	start = skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		end = start + skb_frag_size(frag);
		if (offset < end) {
			copy = min_t(size_t, end - offset, len);
			off = offset - start;
			ret = io_zcrx_recv_frag(req, ifq, frag, off, copy);
			if (ret < 0)
				goto out;
			offset += ret;
			len -= ret;
			if (!len || ret != copy)
				goto out;
		}
		start = end;
	}

	skb_walk_frags(skb, frag_iter) {
		end = start + frag_iter->len;
		if (offset < end) {
			copy = min_t(size_t, end - offset, len);
			off = offset - start;
			ret = __io_zcrx_recv_skb(args, frag_iter, off, copy);
			if (ret < 0)
				goto out;
			offset += ret;
			len -= ret;
			if (!len || ret != copy)
				goto out;
		}
		start = end;
	}

out:
	if (ret < 0 && !args->err)
		args->err = ret;
	if (offset == start_off)
		return ret;
	return offset - start_off;
}

/* The tcp_read_sock() actor: only here is the byte limit accounted. */
static int io_zcrx_recv_skb(read_descriptor_t *desc, struct sk_buff *skb,
			    unsigned int offset, size_t len)
{
	struct io_zcrx_args *args = desc->arg.data;
	int ret;

	len = min_t(size_t, len, desc->count);
	if (!len)
		return 0;
	if (unlikely(args->nr_skbs++ > IO_ZCRX_SKBS_PER_CALL))
		return -EAGAIN;

	ret = __io_zcrx_recv_skb(args, skb, offset, len);
	if (ret > 0)
		desc->count -= ret;
	return ret;
}

static int io_zcrx_tcp_recv(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			    struct sock *sk, unsigned int issue_flags,
			    u32 *outlen)
{
	u32 len = *outlen;
	struct io_zcrx_args args = {
		.req = req,
		.ifq = ifq,
	};
	read_descriptor_t rd_desc = {
		.count = len ? len : UINT_MAX,
		.arg.data = &args,
	};
	int ret;

	lock_sock(sk);
	ret = tcp_read_sock(sk, &rd_desc, io_zcrx_recv_skb);
	if (len && ret > 0)
		*outlen = len - ret;
	/*
	 * Progress, then a full CQ, no free buffer or a foreign buffer: what
	 * was read is reported; end the request with the reason, nothing
	 * else would wake it up.
	 */
	if (ret > 0 && args.err)
		ret = args.err;
	if (ret <= 0) {
		if (ret < 0 || sock_flag(sk, SOCK_DONE))
			goto out;
		if (sk->sk_err)
			ret = sock_error(sk);
		else if (sk->sk_shutdown & RCV_SHUTDOWN)
			goto out;
		else if (sk->sk_state == TCP_CLOSE)
			ret = -ENOTCONN;
		else
			ret = -EAGAIN;
	} else if (unlikely(args.nr_skbs > IO_ZCRX_SKBS_PER_CALL) &&
		   (issue_flags & IO_URING_F_MULTISHOT)) {
		ret = IOU_REQUEUE;
	} else if (sock_flag(sk, SOCK_DONE)) {
		/* come back until the read returns 0 */
		ret = (issue_flags & IO_URING_F_MULTISHOT) ? IOU_REQUEUE : -EAGAIN;
	}
out:
	release_sock(sk);
	return ret;
}

static int io_recvzc_done(struct io_kiocb *req, int res,
			  unsigned int issue_flags)
{
	if (res < 0) {
		if (res == -ERESTARTSYS)
			res = -EINTR;
		req_set_fail(req);
	}
	io_req_set_res(req, res, 0);
	if (issue_flags & IO_URING_F_MULTISHOT)
		return IOU_STOP_MULTISHOT;
	return IOU_OK;
}

/**
 * io_recvzc() - issue IORING_OP_RECV_ZC
 * @req: the request
 * @issue_flags: IO_URING_F_* of this issue
 *
 * Return: an io_uring issue result. The request ends, without
 * IORING_CQE_F_MORE, with 0 at EOF or when its byte limit is reached,
 * -ENOSPC when the CQ is full, -ENOMEM when the area has no free buffer
 * for the copy path, or another negative errno.
 */
int io_recvzc(struct io_kiocb *req, unsigned int issue_flags)
{
	struct io_recvzc *zc = io_kiocb_to_cmd(req, struct io_recvzc);
	struct socket *sock;
	u32 len = zc->len;
	int ret;

	sock = sock_from_file(req->file);
	if (unlikely(!sock))
		return -ENOTSOCK;
	if (!(req->flags & REQ_F_POLLED) &&
	    (zc->flags & IORING_RECVSEND_POLL_FIRST))
		return -EAGAIN;
	/*
	 * Plain TCP only, as upstream (after POLL_FIRST, as there): a socket
	 * whose proto was replaced (kTLS, sockmap's tcp_bpf, espintcp) has
	 * its own idea of the stream.
	 */
	if (READ_ONCE(sock->sk->sk_prot)->recvmsg != tcp_recvmsg)
		return -EPROTONOSUPPORT;

	sock_rps_record_flow(sock->sk);
	ret = io_zcrx_tcp_recv(req, zc->ifq, sock->sk, issue_flags, &zc->len);
	if (len && !zc->len)
		return io_recvzc_done(req, 0, issue_flags);
	if (ret == IOU_REQUEUE)
		return IOU_REQUEUE;
	if (ret <= 0 && ret != -EAGAIN)
		return io_recvzc_done(req, ret, issue_flags);
	if (issue_flags & IO_URING_F_MULTISHOT)
		return IOU_ISSUE_SKIP_COMPLETE;
	return -EAGAIN;
}
