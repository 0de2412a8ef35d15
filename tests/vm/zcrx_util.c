// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the t_zcrx_* VM tests; see zcrx_util.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zcrx_util.h"

int zu_register(int fd, unsigned int opcode, const void *arg,
		unsigned int nr_args)
{
	long ret = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);

	return ret < 0 ? -errno : (int)ret;
}

const char *zu_errname(int err)
{
	static char buf[8][32];
	static int slot;
	char *b = buf[slot++ & 7];

	switch (err) {
	case 0: return "0";
	case -EINVAL: return "-EINVAL";
	case -EFAULT: return "-EFAULT";
	case -EPERM: return "-EPERM";
	case -ENODEV: return "-ENODEV";
	case -EOPNOTSUPP: return "-EOPNOTSUPP";
	case -ENOMEM: return "-ENOMEM";
	case -ENOSPC: return "-ENOSPC";
	case -EEXIST: return "-EEXIST";
	case -ERANGE: return "-ERANGE";
	case -EBADF: return "-EBADF";
	case -ENOTSOCK: return "-ENOTSOCK";
	case -EPROTONOSUPPORT: return "-EPROTONOSUPPORT";
	case -ECANCELED: return "-ECANCELED";
	case -EAGAIN: return "-EAGAIN";
	case -EINTR: return "-EINTR";
	case -ENOTCONN: return "-ENOTCONN";
	case -ETIME: return "-ETIME";
	case -EBADFD: return "-EBADFD";
	case -ENOSYS: return "-ENOSYS";
	}
	if (err < 0)
		snprintf(b, sizeof(buf[0]), "-%d (%s)", -err, strerror(-err));
	else
		snprintf(b, sizeof(buf[0]), "%d", err);
	return b;
}

void zu_fill_pattern(uint8_t *buf, uint64_t at, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = zu_pattern(at + i);
}

long zu_check_pattern(const uint8_t *p, uint64_t at, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != zu_pattern(at + i))
			return (long)i;
	return -1;
}

const char *zu_explain(const struct zu_recv *r, const uint8_t *p,
		       size_t len, uint64_t pos)
{
	static char msg[256];
	size_t bad = 0, i, o;
	uint64_t page, prev;
	int64_t d;

	for (i = 0; i < len; i++)
		bad += p[i] != zu_pattern(pos + i);
	o = snprintf(msg, sizeof(msg), "%zu of %zu bytes wrong, first bytes %02x %02x %02x %02x",
		     bad, len, p[0], len > 1 ? p[1] : 0, len > 2 ? p[2] : 0,
		     len > 3 ? p[3] : 0);
	/* the bytes of an earlier chunk that used the same page? */
	page = ((uintptr_t)p - (uintptr_t)r->z->area) / ZU_PAGE;
	if (r->page_pos && page < r->z->area_len / ZU_PAGE &&
	    r->page_pos[page] != UINT64_MAX) {
		prev = r->page_pos[page];
		if (zu_check_pattern(p, prev, len < r->page_len[page] ?
				     len : r->page_len[page]) < 0) {
			snprintf(msg + o, sizeof(msg) - o,
				 "; the page still holds its previous chunk (stream byte %llu, %u bytes)",
				 (unsigned long long)prev, r->page_len[page]);
			return msg;
		}
	}
	/* some other stream bytes within 64 MiB? (first full match) */
	for (d = -(int64_t)(pos < (64u << 20) ? pos : (64u << 20));
	     d < (64 << 20); d++) {
		if (!d || p[0] != zu_pattern(pos + d))
			continue;
		if (zu_check_pattern(p, pos + d, len) < 0) {
			snprintf(msg + o, sizeof(msg) - o,
				 "; they are stream bytes %lld.. (%+lld)",
				 (long long)(pos + d), (long long)d);
			return msg;
		}
	}
	snprintf(msg + o, sizeof(msg) - o, "; not stream bytes within 64 MiB");
	return msg;
}

int zu_ring_init(struct io_uring *ring, unsigned int sq_entries,
		 unsigned int cq_entries, unsigned int extra_flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = ZU_RING_FLAGS | extra_flags;
	if (cq_entries) {
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = cq_entries;
	}
	return io_uring_queue_init_params(sq_entries, ring, &p);
}

void zu_ring_init_or_die(struct io_uring *ring, unsigned int sq_entries,
			 unsigned int cq_entries, unsigned int extra_flags)
{
	int ret = zu_ring_init(ring, sq_entries, cq_entries, extra_flags);

	if (ret == -ENOSYS || ret == -EPERM)
		tst_skip("io_uring is not available: %s", zu_errname(ret));
	if (ret)
		tst_fail("expected a ring with flags %#x (sq %u, cq %u), got %s",
			 ZU_RING_FLAGS | extra_flags, sq_entries, cq_entries,
			 zu_errname(ret));
}

void *zu_map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tst_fail("expected an anonymous mapping of %zu bytes, got %s",
			 len, strerror(errno));
	return p;
}

void zu_require_zcrx(void)
{
	struct io_uring_query_zcrx qz;
	struct io_uring_query_hdr hdr;
	struct io_uring ring;
	void *hole;
	int ret;

	zu_ring_init_or_die(&ring, 4, 0, 0);
	hole = zu_map(ZU_PAGE, PROT_NONE);
	munmap(hole, ZU_PAGE);
	/* an unmapped argument: -EFAULT where the op exists */
	ret = zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_IFQ, hole, 1);
	io_uring_queue_exit(&ring);
	if (ret == -EPERM)
		tst_skip("registering a zcrx ifq needs CAP_NET_ADMIN");
	if (ret == -EINVAL)
		tst_skip("the kernel has no IORING_REGISTER_ZCRX_IFQ");
	if (ret != -EFAULT)
		tst_fail("expected IORING_REGISTER_ZCRX_IFQ with an unmapped argument to fail -EFAULT, got %s",
			 zu_errname(ret));

	/* A kernel that answers the zcrx query must offer NODEV. */
	memset(&qz, 0, sizeof(qz));
	memset(&hdr, 0, sizeof(hdr));
	hdr.query_op = IO_URING_QUERY_ZCRX;
	hdr.query_data = (uint64_t)(uintptr_t)&qz;
	hdr.size = sizeof(qz);
	ret = io_uring_register_query(-1, &hdr);
	if (!ret && hdr.result >= 0 && !(qz.register_flags & ZCRX_REG_NODEV))
		tst_skip("the kernel's zcrx has no ZCRX_REG_NODEV (register_flags %#llx)",
			 (unsigned long long)qz.register_flags);
}

void zu_ifq_prepare(struct zu_ifq *z, struct io_uring *ring, size_t area_len,
		    unsigned int rq_entries, bool kernel_region)
{
	int ret;

	memset(z, 0, sizeof(*z));
	z->ring = ring;
	z->area_len = area_len;
	z->kernel_region = kernel_region;
	z->area = zu_map(area_len, PROT_READ | PROT_WRITE);

	z->area_reg.addr = (uint64_t)(uintptr_t)z->area;
	z->area_reg.len = area_len;

	if (kernel_region) {
		z->rd.size = io_uring_zcrx_rq_region_size(rq_entries);
	} else {
		ret = io_uring_zcrx_rq_region_alloc(&z->rd, rq_entries);
		if (ret)
			tst_fail("expected a refill region for %u entries, got %s",
				 rq_entries, zu_errname(ret));
	}

	z->reg.flags = ZCRX_REG_NODEV;
	z->reg.rq_entries = rq_entries;
	z->reg.area_ptr = (uint64_t)(uintptr_t)&z->area_reg;
	z->reg.region_ptr = (uint64_t)(uintptr_t)&z->rd;
}

int zu_ifq_register(struct zu_ifq *z)
{
	int ret = io_uring_register_ifq(z->ring, &z->reg);

	if (ret)
		return ret;
	z->id = z->reg.zcrx_id;
	z->token = z->area_reg.rq_area_token;
	z->rq_len = z->rd.size;
	if (z->kernel_region) {
		z->rq_ptr = mmap(NULL, z->rd.size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, z->ring->ring_fd,
				 z->rd.mmap_offset);
		if (z->rq_ptr == MAP_FAILED)
			tst_fail("expected mmap of the kernel refill region (ring fd, offset %#llx, %llu bytes) to work, got %s",
				 (unsigned long long)z->rd.mmap_offset,
				 (unsigned long long)z->rd.size,
				 strerror(errno));
	} else {
		z->rq_ptr = (void *)(uintptr_t)z->rd.user_addr;
	}
	ret = io_uring_zcrx_rq_init(&z->rq, z->rq_ptr, &z->reg);
	if (ret)
		tst_fail("expected io_uring_zcrx_rq_init() to accept the registration (rq_entries %u), got %s",
			 z->reg.rq_entries, zu_errname(ret));
	return 0;
}

void zu_ifq_setup(struct zu_ifq *z, struct io_uring *ring, size_t area_len,
		  unsigned int rq_entries, bool kernel_region)
{
	int ret;

	zu_ifq_prepare(z, ring, area_len, rq_entries, kernel_region);
	ret = zu_ifq_register(z);
	if (ret)
		tst_fail("expected a NODEV registration (area %zu bytes, %u refill entries, %s region) to succeed, got %s",
			 area_len, rq_entries, kernel_region ? "kernel" : "user",
			 zu_errname(ret));
}

void zu_ifq_unmap(struct zu_ifq *z)
{
	if (z->area)
		munmap(z->area, z->area_len);
	z->area = NULL;
	if (z->kernel_region) {
		if (z->rq_ptr && z->rq_ptr != MAP_FAILED)
			munmap(z->rq_ptr, z->rq_len);
	} else {
		io_uring_zcrx_rq_region_free(&z->rd);
	}
	z->rq_ptr = NULL;
}

int zu_flush_rq(struct zu_ifq *z)
{
	struct zcrx_ctrl ctrl;

	memset(&ctrl, 0, sizeof(ctrl));
	ctrl.zcrx_id = z->id;
	ctrl.op = ZCRX_CTRL_FLUSH_RQ;
	return io_uring_register_zcrx_ctrl(z->ring, &ctrl);
}

void zu_tcp_pair(int *rx, int *tx)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &alen))
		tst_fail("expected a listening loopback TCP socket, got %s",
			 strerror(errno));
	*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx < 0 || connect(*tx, (struct sockaddr *)&a, sizeof(a)))
		tst_fail("expected to connect to 127.0.0.1:%u, got %s",
			 ntohs(a.sin_port), strerror(errno));
	*rx = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*rx < 0)
		tst_fail("expected to accept the loopback connection, got %s",
			 strerror(errno));
	close(l);
}

struct zu_sender {
	pthread_t	thread;
	int		fd;
	uint64_t	total;
	size_t		chunk;
	uint64_t	written;
	int		err;		/* errno of a failed write */
	bool		closed;		/* fd closed: nothing to report */
};

/* The sender started last, for zu_recv_wait()'s stall report. */
static struct zu_sender *zu_last_sender;

static void *zu_sender_main(void *arg)
{
	struct zu_sender *s = arg;
	uint8_t *buf = malloc(s->chunk);

	if (!buf) {
		s->err = ENOMEM;
		goto out;
	}
	while (s->written < s->total) {
		size_t n = s->total - s->written < s->chunk ?
			   s->total - s->written : s->chunk;
		size_t done = 0;

		zu_fill_pattern(buf, s->written, n);
		while (done < n) {
			ssize_t w = write(s->fd, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				s->err = w < 0 ? errno : EIO;
				goto out;
			}
			done += w;
			s->written += w;
		}
	}
	shutdown(s->fd, SHUT_WR);
out:
	free(buf);
	__atomic_store_n(&s->closed, true, __ATOMIC_RELEASE);
	close(s->fd);
	return NULL;
}

struct zu_sender *zu_start_sender(int tx, uint64_t total, size_t chunk)
{
	struct zu_sender *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		tst_fail("expected memory for the sender, got none");
	signal(SIGPIPE, SIG_IGN);
	s->fd = tx;
	s->total = total;
	s->chunk = chunk;
	ret = pthread_create(&s->thread, NULL, zu_sender_main, s);
	if (ret)
		tst_fail("expected a sender thread, got %s", strerror(ret));
	zu_last_sender = s;
	return s;
}

void zu_join_sender(struct zu_sender *s)
{
	pthread_join(s->thread, NULL);
	if (zu_last_sender == s)
		zu_last_sender = NULL;
	free(s);
}

void zu_wait_sender(struct zu_sender *s)
{
	uint64_t written;
	int err;

	pthread_join(s->thread, NULL);
	written = s->written;
	err = s->err;
	if (err || written != s->total)
		tst_fail("expected the sender to write all %llu bytes, got %llu written (%s)",
			 (unsigned long long)s->total,
			 (unsigned long long)written,
			 err ? strerror(err) : "no error");
	free(s);
}

long zu_vmpin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

long zu_wait_vmpin(long kb, int ms)
{
	long v = zu_vmpin_kb();

	while (v > kb && ms > 0) {
		usleep(10000);
		ms -= 10;
		v = zu_vmpin_kb();
	}
	return v;
}

void zu_check_vmpin_back(long kb)
{
	long pinned = zu_wait_vmpin(kb, 5000);

	tst_check(pinned <= kb,
		  "expected VmPin back to %ld kB after the ring exit, got %ld kB",
		  kb, pinned);
}

void zu_recv_init(struct zu_recv *r, struct zu_ifq *z, int fd,
		  uint64_t total, enum zu_refill refill)
{
	memset(r, 0, sizeof(*r));
	r->z = z;
	r->fd = fd;
	r->total = total;
	r->refill = refill;
	r->user_data = 0x2c7c0000u + z->id;
	r->held_cap = z->area_len / ZU_PAGE * 2 + 16;
	r->held = calloc(r->held_cap, sizeof(*r->held));
	r->page_refs = calloc(z->area_len / ZU_PAGE, sizeof(*r->page_refs));
	r->page_pos = malloc(z->area_len / ZU_PAGE * sizeof(*r->page_pos));
	r->page_len = calloc(z->area_len / ZU_PAGE, sizeof(*r->page_len));
	if (r->page_pos)
		memset(r->page_pos, 0xff,
		       z->area_len / ZU_PAGE * sizeof(*r->page_pos));
	if (!r->held || !r->page_refs || !r->page_pos || !r->page_len)
		tst_fail("expected memory for %zu held buffers, got none",
			 r->held_cap);
}

void zu_recv_free(struct zu_recv *r)
{
	free(r->held);
	free(r->page_refs);
	free(r->page_pos);
	free(r->page_len);
	r->page_pos = NULL;
	r->page_len = NULL;
	r->held = NULL;
	r->page_refs = NULL;
}

void zu_prep_arm(struct zu_recv *r)
{
	struct io_uring *ring = r->z->ring;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			tst_fail("expected a free SQE, got none");
	}
	io_uring_prep_recv_zc(sqe, r->fd, r->z->id, r->arm_len,
			      IORING_RECV_MULTISHOT | r->ioprio_extra);
	r->limit_at = r->arm_len ? r->bytes + r->arm_len : 0;
	sqe->user_data = r->user_data;
}

void zu_armed(struct zu_recv *r)
{
	r->armed = true;
	r->data_since_arm = 0;
}

void zu_arm(struct zu_recv *r)
{
	int ret;

	zu_prep_arm(r);
	ret = io_uring_submit(r->z->ring);
	if (ret != 1)
		tst_fail("expected to submit the recv-zc SQE, got %s",
			 zu_errname(ret));
	zu_armed(r);
}

void zu_hold(struct zu_recv *r, uint64_t off, uint32_t len, uint64_t pos)
{
	if (r->held_tail == r->held_cap) {
		size_t n = zu_held(r);

		if (r->held_head) {
			memmove(r->held, r->held + r->held_head,
				n * sizeof(*r->held));
		} else {
			r->held_cap *= 2;
			r->held = realloc(r->held,
					  r->held_cap * sizeof(*r->held));
			if (!r->held)
				tst_fail("expected memory for %zu held buffers, got none",
					 r->held_cap);
		}
		r->held_head = 0;
		r->held_tail = n;
	}
	r->held[r->held_tail].off = off;
	r->held[r->held_tail].len = len;
	r->held[r->held_tail].pos = pos;
	r->held_tail++;
	r->page_refs[off / ZU_PAGE]++;
}

struct zu_buf zu_unhold(struct zu_recv *r)
{
	if (r->held_head == r->held_tail)
		tst_fail("internal: no held buffer to take");
	return r->held[r->held_head++];
}

void zu_release(struct zu_recv *r, const struct zu_buf *b)
{
	const uint8_t *p = (const uint8_t *)r->z->area + b->off;
	long bad;

	if (r->recheck) {
		bad = zu_check_pattern(p, b->pos, b->len);
		if (bad >= 0)
			tst_fail("expected a held buffer to keep its data until returned, got stream byte %llu (area offset %llu) changed to %#04x (want %#04x); %s",
				 (unsigned long long)(b->pos + bad),
				 (unsigned long long)(b->off + bad), p[bad],
				 zu_pattern(b->pos + bad),
				 zu_explain(r, p, b->len, b->pos));
	}
	r->page_refs[b->off / ZU_PAGE]--;
}

size_t zu_return_held(struct zu_recv *r, size_t max)
{
	struct io_uring_zcrx_rq *rq = &r->z->rq;
	size_t n = 0;

	while (n < max && zu_held(r)) {
		struct io_uring_zcrx_rqe *rqe = io_uring_zcrx_rq_get_rqe(rq);
		struct zu_buf b;

		if (!rqe)
			break;
		b = zu_unhold(r);
		zu_release(r, &b);
		rqe->off = b.off | r->z->token;
		rqe->len = b.len;
		rqe->__pad = 0;
		n++;
	}
	if (n)
		io_uring_zcrx_rq_commit(rq);
	r->returned += n;
	r->to_return -= n < r->to_return ? n : r->to_return;
	return n;
}

enum zu_cqe_kind zu_handle_cqe(struct zu_recv *r,
			       const struct io_uring_cqe *cqe)
{
	const struct io_uring_zcrx_cqe *zcqe =
		(const struct io_uring_zcrx_cqe *)(cqe + 1);
	struct zu_ifq *z = r->z;
	uint64_t off;
	long bad;
	int res = cqe->res;

	if (cqe->user_data != r->user_data)
		tst_fail("expected CQEs with user_data %#llx, got %#llx (res %d, flags %#x)",
			 (unsigned long long)r->user_data,
			 (unsigned long long)cqe->user_data, res, cqe->flags);

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		r->armed = false;
		if (res == 0 && r->limit_at && r->bytes == r->limit_at) {
			r->limit_at = 0;
			return ZU_CQE_LIMIT;
		}
		if (res == 0) {
			if (r->bytes != r->total)
				tst_fail("expected EOF (res 0) after %llu bytes, got it after %llu",
					 (unsigned long long)r->total,
					 (unsigned long long)r->bytes);
			r->eof = true;
			return ZU_CQE_EOF;
		}
		if (res == -ENOSPC) {
			r->enospc++;
			return ZU_CQE_END;
		}
		if (res == -ENOMEM) {
			r->enomem++;
			return ZU_CQE_END;
		}
		tst_fail("expected recv-zc to go on (F_MORE) or end with 0, -ENOSPC or -ENOMEM, got res %s without F_MORE after %llu of %llu bytes",
			 zu_errname(res), (unsigned long long)r->bytes,
			 (unsigned long long)r->total);
	}

	if (res <= 0)
		tst_fail("expected a data CQE (F_MORE) to carry res > 0, got res %s after %llu bytes",
			 zu_errname(res), (unsigned long long)r->bytes);
	if ((zcqe->off & IORING_ZCRX_AREA_MASK) != z->token)
		tst_fail("expected the zcrx CQE's area bits to be rq_area_token %#llx, got off %#llx",
			 (unsigned long long)z->token,
			 (unsigned long long)zcqe->off);
	off = zcqe->off & ~IORING_ZCRX_AREA_MASK;
	if (off + res > z->area_len)
		tst_fail("expected the chunk inside the %zu-byte area, got off %llu + res %d",
			 z->area_len, (unsigned long long)off, res);
	if (zcqe->__pad)
		tst_fail("expected the zcrx CQE's __pad to be 0, got %#llx",
			 (unsigned long long)zcqe->__pad);
	if ((r->z->reg.flags & ZCRX_REG_NODEV) && r->page_refs[off / ZU_PAGE])
		tst_fail("expected each NODEV chunk in a free buffer, got area page %llu (off %llu, CQE %lu) which userspace still holds",
			 (unsigned long long)(off / ZU_PAGE),
			 (unsigned long long)off, r->cqes);
	if (r->limit_at && r->bytes + res > r->limit_at)
		tst_fail("expected the request to stop at stream byte %llu (its byte limit), got a CQE of %d at %llu",
			 (unsigned long long)r->limit_at, res,
			 (unsigned long long)r->bytes);
	if (r->bytes + res > r->total)
		tst_fail("expected %llu bytes in all, got %llu (a CQE of %d after %llu)",
			 (unsigned long long)r->total,
			 (unsigned long long)(r->bytes + res), res,
			 (unsigned long long)r->bytes);
	bad = zu_check_pattern((const uint8_t *)z->area + off, r->bytes, res);
	if (bad >= 0)
		tst_fail("expected stream byte %llu (area offset %llu, CQE %lu, res %d) to be %#04x, got %#04x; %s",
			 (unsigned long long)(r->bytes + bad),
			 (unsigned long long)(off + bad), r->cqes, res,
			 zu_pattern(r->bytes + bad),
			 ((const uint8_t *)z->area)[off + bad],
			 zu_explain(r, (const uint8_t *)z->area + off, res,
				    r->bytes));
	zu_hold(r, off, res, r->bytes);
	r->page_pos[off / ZU_PAGE] = r->bytes;
	r->page_len[off / ZU_PAGE] = res;
	r->bytes += res;
	r->cqes++;
	r->data_since_arm++;
	return ZU_CQE_DATA;
}

void zu_refill_step(struct zu_recv *r)
{
	if (r->refill == ZU_REFILL_EAGER)
		zu_return_held(r, SIZE_MAX);
	else if (r->to_return)
		zu_return_held(r, r->to_return);
}

void zu_rearm_after_end(struct zu_recv *r, int res)
{
	struct io_uring_zcrx_rq *rq = &r->z->rq;

	if (!r->data_since_arm) {
		if (++r->empty_rearms > 20)
			tst_fail("expected data after re-arming, got %s %lu times in a row with none (%zu buffers held, %u refill entries free)",
				 zu_errname(res), r->empty_rearms, zu_held(r),
				 io_uring_zcrx_rq_space_left(rq));
	} else {
		r->empty_rearms = 0;
	}

	if (r->refill == ZU_REFILL_LAZY && res == -ENOMEM) {
		r->to_return = zu_held(r);
		if (r->flush_before_rearm) {
			while (r->to_return) {
				unsigned int left;
				int ret;

				if (!zu_return_held(r, r->to_return))
					tst_fail("expected room in the refill ring after FLUSH_RQ, got %u of %u entries free",
						 io_uring_zcrx_rq_space_left(rq),
						 rq->ring_entries);
				ret = zu_flush_rq(r->z);
				if (ret)
					tst_fail("expected ZCRX_CTRL_FLUSH_RQ to succeed, got %s",
						 zu_errname(ret));
				left = io_uring_zcrx_rq_space_left(rq);
				if (left != rq->ring_entries)
					tst_fail("expected FLUSH_RQ to consume every refill entry, got %u of %u entries free after it",
						 left, rq->ring_entries);
			}
		}
	}
	zu_refill_step(r);
	r->rearms++;
	zu_arm(r);
}

struct io_uring_cqe *zu_wait_cqe(struct io_uring *ring, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};
	struct io_uring_cqe *cqe = NULL;
	int ret;

	do {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	} while (ret == -EINTR);
	if (ret == -ETIME)
		tst_fail("expected a CQE within %d ms, got none", timeout_ms);
	if (ret)
		tst_fail("expected io_uring_wait_cqe_timeout() to work, got %s",
			 zu_errname(ret));
	return cqe;
}

long long zu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long zu_inq(int fd)
{
	int n;

	if (ioctl(fd, SIOCINQ, &n))
		return -errno;
	return n;
}

void (*zu_stall_report)(void);

/* TcpExt counters that say where a stalled stream's data went. */
static void zu_report_tcpext(void)
{
	static const char *const names[] = {
		"PruneCalled", "OfoPruned", "TCPOFOQueue", "TCPOFODrop",
		"TCPRcvQDrop", "TCPBacklogDrop", "TCPZeroWindowDrop",
		"TCPRcvCollapsed",
	};
	char hdr[4096], val[4096], *hs, *vs, *h, *v;
	FILE *f = fopen("/proc/net/netstat", "r");
	size_t i;

	if (!f)
		return;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "TcpExt:", 7))
			continue;
		printf("# TcpExt:");
		h = strtok_r(hdr + 7, " \n", &hs);
		v = strtok_r(val + 7, " \n", &vs);
		for (; h && v; h = strtok_r(NULL, " \n", &hs),
			       v = strtok_r(NULL, " \n", &vs))
			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(h, names[i]))
					printf(" %s=%s", h, v);
		printf("\n");
	}
	fclose(f);
}

/* The sending side of a stalled stream: is it backing off? */
static void zu_report_sender(void)
{
	struct zu_sender *s = zu_last_sender;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (!s || __atomic_load_n(&s->closed, __ATOMIC_ACQUIRE))
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return;
	printf("# sender: written=%llu state=%u ca_state=%u retransmits=%u backoff=%u rto=%u us probes=%u unacked=%u lost=%u total_retrans=%u cwnd=%u last_ack_recv=%u ms\n",
	       (unsigned long long)__atomic_load_n(&s->written, __ATOMIC_RELAXED),
	       ti.tcpi_state, ti.tcpi_ca_state, ti.tcpi_retransmits,
	       ti.tcpi_backoff, ti.tcpi_rto, ti.tcpi_probes, ti.tcpi_unacked,
	       ti.tcpi_lost, ti.tcpi_total_retrans, ti.tcpi_snd_cwnd,
	       ti.tcpi_last_ack_recv);
}

/*
 * What a stalled stream's socket holds: receive memory (with the
 * out-of-order queue, which SIOCINQ does not count), its window and the
 * out-of-order packets it saw.
 */
static void zu_report_socket(int fd)
{
	__u32 mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);
	struct tcp_info ti;

	if (!getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		printf("# socket: rmem_alloc=%u rcvbuf=%u backlog=%u drops=%u\n",
		       mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF],
		       mem[SK_MEMINFO_BACKLOG], mem[SK_MEMINFO_DROPS]);
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		printf("# tcp_info: state=%u rcv_space=%u rcv_ooopack=%u segs_in=%u last_data_recv=%u ms\n",
		       ti.tcpi_state, ti.tcpi_rcv_space,
		       ti.tcpi_rcv_ooopack, ti.tcpi_segs_in,
		       ti.tcpi_last_data_recv);
	zu_report_sender();
	zu_report_tcpext();
	if (zu_stall_report)
		zu_stall_report();
	fflush(stdout);
}

struct io_uring_cqe *zu_recv_wait(struct zu_recv *r, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};
	struct io_uring_zcrx_rq *rq = &r->z->rq;
	struct io_uring_cqe *cqe = NULL;
	int ret;

	do {
		ret = io_uring_wait_cqe_timeout(r->z->ring, &cqe, &ts);
	} while (ret == -EINTR);
	if (ret == -ETIME)
		zu_report_socket(r->fd);
	if (ret == -ETIME)
		tst_fail("expected a CQE within %d ms, got none: request %s, %ld bytes waiting in the socket, %llu of %llu bytes received, %zu buffers held (%zu due back), %u refill entries not yet taken (%lu re-arms, %lu -ENOMEM, %lu -ENOSPC)",
			 timeout_ms, r->armed ? "armed" : "not armed",
			 zu_inq(r->fd), (unsigned long long)r->bytes,
			 (unsigned long long)r->total, zu_held(r),
			 r->to_return,
			 rq->ring_entries - io_uring_zcrx_rq_space_left(rq),
			 r->rearms, r->enomem, r->enospc);
	if (ret)
		tst_fail("expected io_uring_wait_cqe_timeout() to work, got %s",
			 zu_errname(ret));
	return cqe;
}

void zu_recv_until(struct zu_recv *r, uint64_t until)
{
	struct io_uring *ring = r->z->ring;

	if (!r->armed)
		zu_arm(r);
	while (!r->eof && r->bytes < until) {
		struct io_uring_cqe *cqe;
		int end = 1;	/* no end seen */

		zu_refill_step(r);
		cqe = zu_recv_wait(r, 20000);
		do {
			enum zu_cqe_kind k;

			if (r->other_cqe && cqe->user_data != r->user_data &&
			    r->other_cqe(r, cqe)) {
				io_uring_cqe_seen(ring, cqe);
				continue;
			}
			k = zu_handle_cqe(r, cqe);
			if (k == ZU_CQE_END || k == ZU_CQE_LIMIT)
				end = cqe->res;
			io_uring_cqe_seen(ring, cqe);
			if (k == ZU_CQE_EOF)
				break;
			if (k == ZU_CQE_DATA && r->refill == ZU_REFILL_EAGER)
				zu_return_held(r, SIZE_MAX);
		} while (!io_uring_peek_cqe(ring, &cqe));
		if (r->eof)
			break;
		if (end <= 0)
			zu_rearm_after_end(r, end);
	}
}

void zu_recv_all(struct zu_recv *r)
{
	zu_recv_until(r, UINT64_MAX);
	if (r->bytes != r->total)
		tst_fail("expected %llu bytes before EOF, got %llu",
			 (unsigned long long)r->total,
			 (unsigned long long)r->bytes);
}

/*
 * Cancel every request still in flight (one an earlier case let go ahead,
 * or whose CQE did not come) and reap every CQE: those before the
 * cancel's, and if it cancelled anything, the cancelled requests' last
 * ones, until 100 ms pass without a CQE.
 */
void zu_quiesce(struct io_uring *ring)
{
	struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret, cancelled = -1, waited = 0;

	if (!sqe)
		tst_fail("internal: no free SQE to cancel with");
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	sqe->user_data = ZU_CANCEL_TAG;
	ret = io_uring_submit(ring);
	if (ret != 1)
		tst_fail("expected the cancel SQE submitted, got %s",
			 zu_errname(ret));
	while (cancelled) {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		if (ret == -EINTR)
			continue;
		if (ret == -ETIME && cancelled > 0)
			break;
		if (ret == -ETIME) {
			waited += 100;
			if (waited >= 5000)
				tst_fail("expected the cancel's CQE within 5 s, got none");
			continue;
		}
		if (ret)
			tst_fail("expected io_uring_wait_cqe_timeout() to work, got %s",
				 zu_errname(ret));
		/* the number of requests cancelled (0 or -ENOENT for none) */
		if (cqe->user_data == ZU_CANCEL_TAG)
			cancelled = cqe->res > 0 ? cqe->res : 0;
		io_uring_cqe_seen(ring, cqe);
	}
}

void zu_child_init(struct zu_child *c)
{
	c->pid = 0;
	c->ready = c->err = -1;
}

void zu_child_start(struct zu_child *c, void (*fn)(void *arg, int ready_fd),
		    void *arg)
{
	int rp[2], ep[2];

	zu_child_init(c);
	if (pipe(rp))
		tst_fail("expected a pipe, got %s", strerror(errno));
	if (pipe(ep)) {
		close(rp[0]);
		close(rp[1]);
		tst_fail("expected a pipe, got %s", strerror(errno));
	}
	c->ready = rp[0];
	c->err = ep[0];
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		close(rp[1]);
		close(ep[1]);
		tst_fail("expected fork() to work, got %s", strerror(errno));
	}
	if (!c->pid) {
		close(rp[0]);
		close(ep[0]);
		/* its failure line goes to the parent's case */
		if (dup2(ep[1], STDERR_FILENO) < 0)
			_exit(TST_FAIL);
		close(ep[1]);
		fn(arg, rp[1]);
		_exit(TST_FAIL);
	}
	close(rp[1]);
	close(ep[1]);
}

const char *zu_child_ready(struct zu_child *c, char *msg, size_t size)
{
	char ch;

	if (read(c->ready, &ch, 1) == 1)
		return NULL;
	return tst_child_why(c->err, msg, size);
}

int zu_child_kill(struct zu_child *c)
{
	int st = 0;

	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	c->pid = 0;
	return st;
}

void zu_child_close(struct zu_child *c)
{
	if (c->pid > 0)
		zu_child_kill(c);
	if (c->ready >= 0)
		close(c->ready);
	if (c->err >= 0)
		close(c->err);
	zu_child_init(c);
}
