// SPDX-License-Identifier: MIT
/*
 * copy_receiver: the comparison for zcrx_server. The same TCP server, with
 * the same byte checks and summary line, but receiving the ordinary way,
 * the kernel copying every byte from the socket's pages:
 *
 * -m single (default): one IORING_OP_RECV at a time per connection into
 * a buffer of its own that is reused;
 *
 * -m multishot: one multishot IORING_OP_RECV per connection picking
 * buffers from a provided buffer ring (-n buffers of -s bytes, shared by
 * the connections), each buffer given back as soon as it is checked: the
 * best copying receive io_uring has, as few submissions as recv-zc's.
 *
 * Only liburing 2.3's API; the ring has the same setup flags as
 * zcrx_server's (single issuer, deferred task work).
 *
 *   copy_receiver: conns=2 bytes=... secs=... MiB/s=... cpu_s=...
 *                  zc_bytes=0 copy_bytes=... errors=0 recvs=<recv SQEs>
 *                  cpu_ns=<thread CPU> syscalls=<io_uring_enter calls>
 *
 * cpu_ns is the receiving thread's CPU time (CLOCK_THREAD_CPUTIME_ID) and
 * syscalls the io_uring_enter() calls of the receive loop, one a wait
 * (ex_uring.h), from the first accept to the last EOF.
 *
 * Without arguments it checks itself over loopback with two connections
 * from a sender thread.
 */
#include "example.h"
#include "ex_uring.h"

#include <sys/mman.h>

#define UD_ACCEPT	1ull
#define UD_RECV		2ull
#define UD(type, i)	(((type) << 32) | (i))

struct opts {
	int		port;
	const char	*bind_addr;
	unsigned int	conns;
	size_t		buf_len;
	unsigned int	nr_bufs;	/* -m multishot: buffers in the ring */
	bool		multishot;
	uint64_t	expect;
	int		timeout;
	bool		selfcheck;
};

struct conn {
	int		fd;
	uint8_t		*buf;
	uint64_t	bytes;
	bool		done;
	bool		bad;
};

struct receiver {
	const struct opts	*o;
	struct io_uring		ring;
	int			lfd;
	struct conn		conn[EX_MAX_CONNS];
	unsigned int		accepted, done, errors;
	uint64_t		bytes;
	double			t0, t1, c0, c1;
	long long		n0, n1;		/* thread CPU ns */
	struct ex_guest		g0, g1;
	uint64_t		syscalls;
	/* -m multishot */
	struct io_uring_buf_ring *br;
	uint8_t			*bufs;
	size_t			br_len;
	uint64_t		recvs;		/* recv SQEs */
};

#define BGID		1

/* The provided buffer ring, every buffer in it. */
static void bufring_setup(struct receiver *r)
{
	const struct opts *o = r->o;
	struct io_uring_buf_reg reg = { 0 };
	unsigned int i;
	int ret;

	r->br_len = o->nr_bufs * sizeof(struct io_uring_buf);
	r->br = mmap(NULL, r->br_len, PROT_READ | PROT_WRITE,
		     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	r->bufs = malloc((size_t)o->nr_bufs * o->buf_len);
	if (r->br == MAP_FAILED || !r->bufs)
		ex_die("out of memory for %u buffers of %zu bytes", o->nr_bufs,
		       o->buf_len);
	reg.ring_addr = (uintptr_t)r->br;
	reg.ring_entries = o->nr_bufs;
	reg.bgid = BGID;
	ret = io_uring_register_buf_ring(&r->ring, &reg, 0);
	if (ret)
		ex_die("io_uring_register_buf_ring: %s", strerror(-ret));
	/*
	 * Touch every buffer now: the first write to fresh anonymous memory
	 * faults, which costs a lot in a VM (and in UML), and a receiver that
	 * runs for long has long since faulted its buffers in.
	 */
	memset(r->bufs, 0, (size_t)o->nr_bufs * o->buf_len);
	io_uring_buf_ring_init(r->br);
	for (i = 0; i < o->nr_bufs; i++)
		io_uring_buf_ring_add(r->br, r->bufs + (size_t)i * o->buf_len,
				      o->buf_len, i,
				      io_uring_buf_ring_mask(o->nr_bufs), i);
	io_uring_buf_ring_advance(r->br, o->nr_bufs);
}

static void bufring_put(struct receiver *r, unsigned int bid)
{
	io_uring_buf_ring_add(r->br, r->bufs + (size_t)bid * r->o->buf_len,
			      r->o->buf_len, bid,
			      io_uring_buf_ring_mask(r->o->nr_bufs), 0);
	io_uring_buf_ring_advance(r->br, 1);
}

static struct io_uring_sqe *get_sqe(struct receiver *r)
{
	return ex_uring_sqe(&r->ring, &r->syscalls);
}

static void arm_accept(struct receiver *r)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	io_uring_prep_accept(sqe, r->lfd, NULL, NULL, 0);
	sqe->user_data = UD(UD_ACCEPT, 0);
}

static void arm_recv(struct receiver *r, unsigned int i)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	r->recvs++;
	if (r->o->multishot) {
		io_uring_prep_recv_multishot(sqe, r->conn[i].fd, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = BGID;
	} else {
		io_uring_prep_recv(sqe, r->conn[i].fd, r->conn[i].buf,
				   r->o->buf_len, 0);
	}
	sqe->user_data = UD(UD_RECV, i);
}

static void conn_end(struct receiver *r, unsigned int i)
{
	r->conn[i].done = true;
	close(r->conn[i].fd);
	r->done++;
	r->t1 = ex_now();
	r->c1 = ex_cpu(RUSAGE_THREAD);
	r->n1 = ex_thread_ns();
	ex_guest_cpu(&r->g1);
}

static void on_accept(struct receiver *r, int res)
{
	unsigned int i = r->accepted;

	if (res < 0)
		ex_die("accept: %s", strerror(-res));
	if (!i) {
		r->t0 = ex_now();
		r->c0 = ex_cpu(RUSAGE_THREAD);
		ex_guest_cpu(&r->g0);
		r->n0 = ex_thread_ns();
		r->syscalls = 0;
	}
	r->conn[i].fd = res;
	r->accepted++;
	arm_recv(r, i);
	if (r->accepted < r->o->conns)
		arm_accept(r);
}

/*
 * A recv's data: the connection's buffer, or with -m multishot the
 * provided buffer the CQE names (NULL if it names none).
 */
static const uint8_t *recv_data(struct receiver *r, unsigned int i,
				unsigned int flags, int *bid)
{
	*bid = -1;
	if (!r->o->multishot)
		return r->conn[i].buf;
	if (!(flags & IORING_CQE_F_BUFFER))
		return NULL;
	*bid = flags >> IORING_CQE_BUFFER_SHIFT;
	if ((unsigned int)*bid >= r->o->nr_bufs)
		ex_die("CQE names buffer %d of %u", *bid, r->o->nr_bufs);
	return r->bufs + (size_t)*bid * r->o->buf_len;
}

static void on_recv(struct receiver *r, unsigned int i, int res,
		    unsigned int flags)
{
	struct conn *c = &r->conn[i];
	const uint8_t *data;
	bool more = r->o->multishot && (flags & IORING_CQE_F_MORE);
	int bid;
	long bad;

	if (res > 0) {
		data = recv_data(r, i, flags, &bid);
		if (!data)
			ex_die("connection %u: %d bytes without a buffer", i, res);
		bad = c->bad ? -1 : ex_check(data, c->bytes, res);
		if (bad >= 0) {
			uint64_t at = c->bytes + bad;

			fprintf(stderr, "copy_receiver: connection %u: byte %llu is 0x%02x, want 0x%02x\n",
				i, (unsigned long long)at, data[bad],
				ex_pattern(at));
			c->bad = true;
			r->errors++;
		}
		c->bytes += res;
		r->bytes += res;
		if (bid >= 0)
			bufring_put(r, bid);
		if (!more)
			arm_recv(r, i);
	} else if (res == 0) {
		if (r->o->expect && c->bytes != r->o->expect) {
			fprintf(stderr, "copy_receiver: connection %u: EOF after %llu bytes, want %llu\n",
				i, (unsigned long long)c->bytes,
				(unsigned long long)r->o->expect);
			r->errors++;
		}
		conn_end(r, i);
	} else if (res == -EINTR || res == -EAGAIN ||
		   (res == -ENOBUFS && r->o->multishot)) {
		/* -ENOBUFS: the ring was empty; buffers have gone back since */
		if (!more)
			arm_recv(r, i);
	} else {
		fprintf(stderr, "copy_receiver: connection %u: recv failed: %s\n",
			i, strerror(-res));
		r->errors++;
		conn_end(r, i);
	}
}

static void serve(struct receiver *r)
{
	const struct opts *o = r->o;

	arm_accept(r);
	while (r->done < o->conns) {
		struct __kernel_timespec ts = { .tv_sec = o->timeout };
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		int ret;

		ret = ex_uring_wait(&r->ring, &ts, &r->syscalls);
		if (ret == -ETIME)
			ex_die("nothing happened for %d s: %u of %u connections accepted, %u ended, %llu bytes",
			       o->timeout, r->accepted, o->conns, r->done,
			       (unsigned long long)r->bytes);
		if (ret < 0 && ret != -EINTR)
			ex_die("io_uring_enter: %s",
			       strerror(-ret));
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			unsigned int type = cqe->user_data >> 32;
			unsigned int i = (unsigned int)cqe->user_data;

			if (type == UD_ACCEPT)
				on_accept(r, cqe->res);
			else if (type == UD_RECV && i < r->accepted)
				on_recv(r, i, cqe->res, cqe->flags);
			else
				ex_die("CQE with unknown user_data 0x%llx",
				       (unsigned long long)cqe->user_data);
			n++;
		}
		io_uring_cq_advance(&r->ring, n);
	}
}

static int run(const struct opts *o)
{
	static struct receiver r;
	struct io_uring_params p = { 0 };
	struct ex_sender snd;
	pthread_t th;
	unsigned int i;
	int port = o->port, ret, fail = 0;

	const char *how = o->multishot ? "multishot io_uring recv" :
					 "io_uring recv";
	char extra[320], guest[160];

	memset(&r, 0, sizeof(r));
	r.o = o;
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(64, &r.ring, &p);
	if (ret)
		ex_die("io_uring_queue_init_params: %s", strerror(-ret));
	if (o->multishot)
		bufring_setup(&r);
	for (i = 0; i < o->conns; i++) {
		r.conn[i].buf = malloc(o->buf_len);
		if (!r.conn[i].buf)
			ex_die("out of memory");
		memset(r.conn[i].buf, 0, o->buf_len);	/* faulted in now */
	}
	r.lfd = ex_listen(o->bind_addr, &port, NULL);
	if (o->multishot)
		fprintf(stderr, "copy_receiver: multishot recv, a ring of %u %zu-byte buffers; listening on port %d for %u connection%s\n",
			o->nr_bufs, o->buf_len, port, o->conns,
			o->conns == 1 ? "" : "s");
	else
		fprintf(stderr, "copy_receiver: %zu-byte recv buffers; listening on port %d for %u connection%s\n",
			o->buf_len, port, o->conns, o->conns == 1 ? "" : "s");
	if (o->selfcheck) {
		snd = (struct ex_sender){
			.host = "127.0.0.1", .port = port, .conns = o->conns,
			.bytes = o->expect, .msg = 64 << 10, .wait_secs = 10,
		};
		if (pthread_create(&th, NULL, ex_send_thread, &snd))
			ex_die("pthread_create failed");
	}
	serve(&r);
	close(r.lfd);
	io_uring_queue_exit(&r.ring);
	for (i = 0; i < o->conns; i++)
		free(r.conn[i].buf);
	if (o->multishot) {
		munmap(r.br, r.br_len);
		free(r.bufs);
	}
	ex_guest_fmt(guest, sizeof(guest), &r.g0, &r.g1);
	snprintf(extra, sizeof(extra), "recvs=%llu cpu_ns=%lld syscalls=%llu%s",
		 (unsigned long long)r.recvs, r.n1 - r.n0,
		 (unsigned long long)r.syscalls, guest);
	ex_summary(r.accepted, r.bytes, r.t1 - r.t0, r.c1 - r.c0, 0,
		   (long long)r.bytes, r.errors, extra);
	if (r.errors)
		fail = 1;
	if (o->selfcheck) {
		pthread_join(th, NULL);
		if (snd.error[0]) {
			printf("copy_receiver: FAIL: sender: %s\n", snd.error);
			fail = 1;
		}
		if (r.bytes != o->conns * o->expect) {
			printf("copy_receiver: FAIL: received %llu bytes, want %llu\n",
			       (unsigned long long)r.bytes,
			       (unsigned long long)(o->conns * o->expect));
			fail = 1;
		}
		if (!fail)
			printf("copy_receiver: PASS: %llu bytes on %u connections through %s, every byte checked\n",
			       (unsigned long long)r.bytes, o->conns, how);
	} else if (fail) {
		fprintf(stderr, "copy_receiver: FAILED\n");
	}
	return fail;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: copy_receiver [-m single|multishot] [-n BUFS] [-p PORT] [-c CONNS] [-s BUF_BYTES] [-e BYTES] [-t SECS] [-b ADDR]\n"
		"  -m  one recv at a time (default) or multishot from a buffer ring\n"
		"  -n  buffers in the ring (multishot; default 256, a power of 2)\n"
		"  -p  TCP port (default 9001)    -b  listen address (default: all)\n"
		"  -c  connections (default 1)    -s  recv buffer per connection or per ring entry (default 64K)\n"
		"  -e  bytes each connection must bring\n"
		"  -t  give up after SECS without an event (default 60)\n"
		"without arguments: a self-check over loopback\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.port = 9001, .conns = 1, .buf_len = 64 << 10, .timeout = 60,
		.nr_bufs = 256,
	};
	int opt;

	ex_prog = "copy_receiver";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1) {
		int fail;

		o.selfcheck = true;
		o.port = 0;
		o.conns = 2;
		o.expect = 32u << 20;
		fail = run(&o);
		o.multishot = true;
		o.buf_len = 16 << 10;	/* fewer than the data: ENOBUFS too */
		o.nr_bufs = 16;
		return run(&o) | fail;
	}
	while ((opt = getopt(argc, argv, "m:n:p:c:s:e:t:b:h")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "multishot"))
				o.multishot = true;
			else if (strcmp(optarg, "single"))
				usage();
			break;
		case 'n': o.nr_bufs = atoi(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 's': o.buf_len = ex_size(optarg); break;
		case 'e': o.expect = ex_size(optarg); break;
		case 't': o.timeout = atoi(optarg); break;
		case 'b': o.bind_addr = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !o.conns || o.conns > EX_MAX_CONNS ||
	    !o.buf_len || o.buf_len > (1u << 30) || o.timeout <= 0 ||
	    !o.nr_bufs || o.nr_bufs > 32768 || (o.nr_bufs & (o.nr_bufs - 1)))
		usage();
	return run(&o);
}
