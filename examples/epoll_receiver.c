// SPDX-License-Identifier: MIT
/*
 * epoll_receiver: the same TCP server as zcrx_server and copy_receiver,
 * with the two receives that do not use io_uring, from an epoll loop:
 *
 * -m read (default): read() into a buffer per connection, what upstream's
 * zcrx cover letters compare against;
 *
 * -m tcpzc: TCP_ZEROCOPY_RECEIVE, the zero-copy receive Linux has
 * had since 4.18: getsockopt() maps the socket's whole payload pages into
 * a PROT_READ mapping of the socket, and what cannot be mapped (a page
 * not filled by one segment's payload, the tail) is copied, by the kernel
 * into a copy buffer given with the call (copybuf, 5.11+) or by a read()
 * of the skip hint. The mapped pages are released with
 * madvise(MADV_DONTNEED) as soon as they are checked, as tcp_mmap does.
 * Every byte is checked.
 *
 *   epoll_receiver: conns=2 bytes=... secs=... MiB/s=... cpu_s=...
 *                   zc_bytes=<mapped> copy_bytes=<copied> errors=0
 *                   calls=<getsockopt calls> reads=<read() calls>
 *                   cpu_ns=<thread CPU> syscalls=<all of the loop>
 *
 * cpu_ns is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), syscalls
 * every system call of the receive loop (epoll_wait, accept, epoll_ctl,
 * mmap, getsockopt, read/recv, madvise, munmap, close), both from the
 * first accept to the last EOF. copy_bytes is every byte the kernel
 * copied: all of them with -m read, the copybuf and read() tails with
 * -m tcpzc.
 *
 * The pages must be whole: a NIC that puts each segment's payload in a
 * page of its own at an MTU whose payload fills the page (vnic at MTU
 * 4096 + headers, or 9000 for two of three pages) maps; at MTU 1500 every
 * byte is copied. Without arguments it checks itself in both modes over
 * loopback with two connections from a sender thread (loopback's pages
 * are the sender's page frags: mostly copied).
 */
#include "example.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#ifndef TCP_ZEROCOPY_RECEIVE
#define TCP_ZEROCOPY_RECEIVE	35
#endif

/*
 * The kernel's struct tcp_zerocopy_receive as of 5.11 (include/uapi/
 * linux/tcp.h): glibc's netinet/tcp.h has only its first two fields, and
 * linux/tcp.h cannot be included beside it. The kernel takes the length
 * given, so the copybuf fields are used only by kernels that have them.
 */
struct zc_receive {
	uint64_t	address;	/* in: the mapping */
	uint32_t	length;		/* in: bytes to map; out: mapped */
	uint32_t	recv_skip_hint;	/* out: bytes to read() instead */
	uint32_t	inq;		/* out: bytes in the receive queue */
	int32_t		err;		/* out: socket error */
	uint64_t	copybuf_address; /* in: buffer for the tail */
	int32_t		copybuf_len;	/* in: its size; out: bytes copied */
	uint32_t	flags;
	uint64_t	msg_control;
	uint64_t	msg_controllen;
	uint32_t	msg_flags;
	uint32_t	reserved;
};

struct opts {
	int		port;
	const char	*bind_addr;
	unsigned int	conns;
	size_t		chunk;		/* mapping per connection */
	uint64_t	expect;
	int		timeout;
	bool		selfcheck;
	bool		tcpzc;		/* -m tcpzc */
};

struct conn {
	int		fd;
	uint8_t		*map;		/* chunk bytes of the socket */
	uint8_t		*buf;		/* copybuf and read() buffer */
	uint64_t	bytes;
	bool		done;
	bool		bad;
};

struct receiver {
	const struct opts	*o;
	int			lfd, ep;
	struct conn		conn[EX_MAX_CONNS];
	unsigned int		accepted, done, errors;
	uint64_t		bytes, mapped, copied, calls, reads;
	uint64_t		syscalls;
	double			t0, t1, c0, c1;
	long long		n0, n1;		/* thread CPU ns */
	struct ex_guest		g0, g1;
	long			page;
};

/* Check n received bytes at p; the first wrong one is reported once. */
static void conn_check(struct receiver *r, struct conn *c, unsigned int i,
		       const uint8_t *p, size_t n)
{
	long bad = c->bad ? -1 : ex_check(p, c->bytes, n);

	if (bad >= 0) {
		uint64_t at = c->bytes + bad;

		fprintf(stderr, "epoll_receiver: connection %u: byte %llu is 0x%02x, want 0x%02x\n",
			i, (unsigned long long)at, p[bad], ex_pattern(at));
		c->bad = true;
		r->errors++;
	}
	c->bytes += n;
	r->bytes += n;
}

static void conn_end(struct receiver *r, unsigned int i)
{
	struct conn *c = &r->conn[i];

	if (r->o->expect && c->bytes != r->o->expect) {
		fprintf(stderr, "epoll_receiver: connection %u: EOF after %llu bytes, want %llu\n",
			i, (unsigned long long)c->bytes,
			(unsigned long long)r->o->expect);
		r->errors++;
	}
	c->done = true;
	r->syscalls++;
	epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->map != MAP_FAILED) {
		r->syscalls++;
		munmap(c->map, r->o->chunk);
	}
	r->syscalls++;
	close(c->fd);
	r->done++;
	r->t1 = ex_now();
	r->c1 = ex_cpu(RUSAGE_THREAD);
	r->n1 = ex_thread_ns();
	ex_guest_cpu(&r->g1);
}

/*
 * One TCP_ZEROCOPY_RECEIVE round: map what can be mapped, take what the
 * kernel copied, read what it says to skip. Returns the bytes received,
 * 0 at EOF, -EAGAIN when the socket is empty, another -errno on error.
 */
static long zc_round(struct receiver *r, unsigned int i)
{
	struct conn *c = &r->conn[i];
	struct zc_receive zc;
	socklen_t len = sizeof(zc);
	long got = 0;
	ssize_t n;

	memset(&zc, 0, sizeof(zc));
	zc.address = (uintptr_t)c->map;
	zc.length = r->o->chunk;
	/*
	 * The kernel copies everything when all that is queued fits the
	 * copy buffer: one page keeps it to the tails.
	 */
	zc.copybuf_address = (uintptr_t)c->buf;
	zc.copybuf_len = r->page;
	r->calls++;
	r->syscalls++;
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &len)) {
		/* EIO: nothing queued and the peer has closed */
		if (errno != EIO)
			return -errno;
		zc.length = 0;
		zc.copybuf_len = 0;
		zc.recv_skip_hint = 0;
	}
	if (zc.err)
		return -zc.err;
	if (zc.length) {
		conn_check(r, c, i, c->map, zc.length);
		r->mapped += zc.length;
		got += zc.length;
		/* the pages go back now, not at the next call's zap */
		r->syscalls++;
		madvise(c->map, zc.length, MADV_DONTNEED);
	}
	if (zc.copybuf_len > 0) {
		conn_check(r, c, i, c->buf, zc.copybuf_len);
		r->copied += zc.copybuf_len;
		got += zc.copybuf_len;
	}
	if (zc.recv_skip_hint) {
		size_t want = zc.recv_skip_hint < r->o->chunk ?
			      zc.recv_skip_hint : r->o->chunk;

		r->reads++;
		r->syscalls++;
		n = read(c->fd, c->buf, want);
		if (n < 0)
			return got ? got : -errno;
		conn_check(r, c, i, c->buf, n);
		r->copied += n;
		got += n;
	}
	if (got)
		return got;
	/* Nothing mapped or copied: at EOF or empty, read() says which. */
	r->reads++;
	r->syscalls++;
	n = recv(c->fd, c->buf, r->o->chunk, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > 0) {
		conn_check(r, c, i, c->buf, n);
		r->copied += n;
	}
	return n;
}

/* -m read: one read() of up to a chunk. */
static long read_round(struct receiver *r, unsigned int i)
{
	struct conn *c = &r->conn[i];
	ssize_t n;

	r->reads++;
	r->syscalls++;
	n = recv(c->fd, c->buf, r->o->chunk, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	conn_check(r, c, i, c->buf, n);
	r->copied += n;
	return n;
}

static void on_readable(struct receiver *r, unsigned int i)
{
	long ret;

	do {
		ret = r->o->tcpzc ? zc_round(r, i) : read_round(r, i);
	} while (ret > 0);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	if (ret < 0) {
		fprintf(stderr, "epoll_receiver: connection %u: %s\n", i,
			strerror(-ret));
		r->errors++;
	}
	conn_end(r, i);
}

static void on_accept(struct receiver *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int i = r->accepted;
	struct conn *c = &r->conn[i];
	int fd = accept(r->lfd, NULL, NULL);

	if (fd < 0)
		ex_die("accept: %s", strerror(errno));
	if (!i) {
		r->t0 = ex_now();
		r->c0 = ex_cpu(RUSAGE_THREAD);
		ex_guest_cpu(&r->g0);
		r->n0 = ex_thread_ns();
		r->syscalls = 0;
	}
	r->syscalls++;		/* the accept */
	c->fd = fd;
	c->map = MAP_FAILED;
	if (r->o->tcpzc) {
		r->syscalls++;
		c->map = mmap(NULL, r->o->chunk, PROT_READ, MAP_SHARED, fd, 0);
		if (c->map == MAP_FAILED)
			ex_die("mmap of a TCP socket: %s (a kernel without TCP zerocopy receive?)",
			       strerror(errno));
	}
	ev.data.u32 = i;
	r->syscalls++;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev))
		ex_die("epoll_ctl: %s", strerror(errno));
	r->accepted++;
	if (r->accepted == r->o->conns) {
		r->syscalls++;
		epoll_ctl(r->ep, EPOLL_CTL_DEL, r->lfd, NULL);
	}
}

#define EV_LISTEN	(~0u)

static void serve(struct receiver *r)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_LISTEN };
	struct epoll_event evs[EX_MAX_CONNS + 1];
	int n, k;

	r->ep = epoll_create1(0);
	if (r->ep < 0 || epoll_ctl(r->ep, EPOLL_CTL_ADD, r->lfd, &ev))
		ex_die("epoll: %s", strerror(errno));
	while (r->done < r->o->conns) {
		r->syscalls++;
		n = epoll_wait(r->ep, evs, EX_MAX_CONNS + 1,
			       r->o->timeout * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ex_die("epoll_wait: %s", strerror(errno));
		if (!n)
			ex_die("nothing happened for %d s: %u of %u connections accepted, %u ended, %llu bytes",
			       r->o->timeout, r->accepted, r->o->conns,
			       r->done, (unsigned long long)r->bytes);
		for (k = 0; k < n; k++) {
			unsigned int i = evs[k].data.u32;

			if (i == EV_LISTEN)
				on_accept(r);
			else if (i < r->accepted && !r->conn[i].done)
				on_readable(r, i);
		}
	}
	close(r->ep);
}

static int run(const struct opts *o)
{
	static struct receiver r;
	const char *how = o->tcpzc ? "TCP_ZEROCOPY_RECEIVE" : "read()";
	struct ex_sender snd;
	char extra[320], guest[160];
	pthread_t th;
	unsigned int i;
	int port = o->port, fail = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.page = sysconf(_SC_PAGESIZE);
	for (i = 0; i < o->conns; i++) {
		r.conn[i].buf = malloc(o->chunk);
		if (!r.conn[i].buf)
			ex_die("out of memory");
		/* faulted in now, not in the first reads (costly in a VM) */
		memset(r.conn[i].buf, 0, o->chunk);
	}
	r.lfd = ex_listen(o->bind_addr, &port, NULL);
	fprintf(stderr, "epoll_receiver: %s, %zu bytes a call; listening on port %d for %u connection%s\n",
		how, o->chunk, port, o->conns, o->conns == 1 ? "" : "s");
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
	for (i = 0; i < o->conns; i++)
		free(r.conn[i].buf);
	ex_guest_fmt(guest, sizeof(guest), &r.g0, &r.g1);
	snprintf(extra, sizeof(extra),
		 "calls=%llu reads=%llu cpu_ns=%lld syscalls=%llu%s",
		 (unsigned long long)r.calls, (unsigned long long)r.reads,
		 r.n1 - r.n0, (unsigned long long)r.syscalls, guest);
	ex_summary(r.accepted, r.bytes, r.t1 - r.t0, r.c1 - r.c0,
		   (long long)r.mapped, (long long)r.copied, r.errors, extra);
	if (r.errors)
		fail = 1;
	if (o->selfcheck) {
		pthread_join(th, NULL);
		if (snd.error[0]) {
			printf("epoll_receiver: FAIL: %s: sender: %s\n", how,
			       snd.error);
			fail = 1;
		}
		if (r.bytes != o->conns * o->expect) {
			printf("epoll_receiver: FAIL: %s: received %llu bytes, want %llu\n",
			       how, (unsigned long long)r.bytes,
			       (unsigned long long)(o->conns * o->expect));
			fail = 1;
		}
		if (!fail)
			printf("epoll_receiver: PASS: %llu bytes on %u connections through %s (%llu mapped, %llu copied), every byte checked\n",
			       (unsigned long long)r.bytes, o->conns, how,
			       (unsigned long long)r.mapped,
			       (unsigned long long)r.copied);
	} else if (fail) {
		fprintf(stderr, "epoll_receiver: FAILED\n");
	}
	return fail;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: epoll_receiver [-m read|tcpzc] [-p PORT] [-c CONNS] [-s BYTES] [-e BYTES] [-t SECS] [-b ADDR]\n"
		"  -m  read() (default) or TCP_ZEROCOPY_RECEIVE\n"
		"  -p  TCP port (default 9001)    -b  listen address (default: all)\n"
		"  -c  connections (default 1)    -s  read buffer / mapping per connection (default 512K, pages)\n"
		"  -e  bytes each connection must bring\n"
		"  -t  give up after SECS without an event (default 60)\n"
		"without arguments: a self-check over loopback\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.port = 9001, .conns = 1, .chunk = 512 << 10, .timeout = 60,
	};
	long page = sysconf(_SC_PAGESIZE);
	int opt;

	ex_prog = "epoll_receiver";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1) {
		int fail;

		o.selfcheck = true;
		o.port = 0;
		o.conns = 2;
		o.expect = 32u << 20;
		fail = run(&o);
		o.tcpzc = true;
		return run(&o) | fail;
	}
	while ((opt = getopt(argc, argv, "m:p:c:s:e:t:b:h")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "tcpzc"))
				o.tcpzc = true;
			else if (strcmp(optarg, "read"))
				usage();
			break;
		case 'p': o.port = atoi(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 's': o.chunk = ex_size(optarg); break;
		case 'e': o.expect = ex_size(optarg); break;
		case 't': o.timeout = atoi(optarg); break;
		case 'b': o.bind_addr = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !o.conns || o.conns > EX_MAX_CONNS ||
	    !o.chunk || o.chunk % page || o.chunk > (1u << 30) ||
	    o.timeout <= 0)
		usage();
	return run(&o);
}
