// SPDX-License-Identifier: MIT
/*
 * zcrx_server: a netcat-like TCP server that receives with io_uring
 * zero-copy receive (IORING_OP_RECV_ZC) and checks every byte.
 *
 * It registers one zcrx ifq, either bound to an rx queue of a NIC
 * (-i IFNAME -q QUEUE: payload the NIC placed in the area reaches the
 * program without a copy) or with ZCRX_REG_NODEV (-n: no NIC, every byte
 * takes the copy path into the area). Then it listens, accepts -c
 * connections through io_uring and runs one multishot recv-zc per
 * connection. Each completion is a 32-byte CQE pointing into the area; the
 * program checks the bytes against the stream pattern of zcrx_loopback
 * (byte i = (uint8_t)(i * 7 + (i >> 12))) and hands the buffer straight
 * back through the refill ring: -R batch (default) writes the entry at
 * once and publishes the ring's tail once per batch of CQEs, -R eager
 * publishes the tail after every entry, so the kernel can reuse each
 * buffer as soon as it is checked. A recv-zc that ends without
 * IORING_CQE_F_MORE before EOF (-ENOSPC: CQ full, -ENOMEM: no free buffer
 * for the copy path) is armed again.
 *
 * Steer the flows to the bound queue (ethtool -N ... action QUEUE) or the
 * data lands in other queues' ordinary pages and is copied.
 *
 * At the end it reads the ifq's line of the ring's fdinfo (bytes delivered
 * zero-copy and copied) and prints one summary line:
 *   zcrx_server: conns=2 bytes=... secs=... MiB/s=... cpu_s=...
 *                zc_bytes=... copy_bytes=... errors=0 rearms=...
 *                flushes=... cpu_ns=... syscalls=... refill=batch|eager
 * cpu_s is the CPU time of the receiving thread (rusage), cpu_ns the same
 * from CLOCK_THREAD_CPUTIME_ID, syscalls the io_uring_enter() and
 * io_uring_register() calls of the receive loop. The exit status is 0
 * only if every byte matched and every connection ended cleanly.
 *
 * Without arguments it checks itself: NODEV over loopback, two
 * connections from a sender thread (IPv4, and IPv6 where there is ::1),
 * a small CQ so that recv-zc gets re-armed, once with each refill mode.
 *
 * Written against upstream's names only; build with liburing-ext.
 */
#include "example.h"
#include "ex_uring.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/mman.h>

#define UD_ACCEPT	1ull
#define UD_RECV		2ull
#define UD(type, i)	(((type) << 32) | (i))

struct opts {
	const char	*ifname;	/* NULL: NODEV */
	int		queue;
	int		port;
	const char	*bind_addr;
	unsigned int	conns;
	size_t		area_len;
	unsigned int	rq_entries;	/* 0: one per area buffer */
	unsigned int	cq_entries;
	uint64_t	expect;		/* bytes per connection, 0: any */
	int		timeout;	/* seconds without an event */
	bool		fdinfo;
	bool		selfcheck;
	bool		eager;		/* -R eager */
};

struct conn {
	int		fd;
	uint64_t	bytes;
	uint64_t	stall_bytes;	/* bytes at the last re-arm */
	double		stall_since;
	bool		done;
	bool		bad;
};

struct server {
	const struct opts		*o;
	struct io_uring			ring;
	struct io_uring_zcrx_area_reg	area_reg;
	struct io_uring_zcrx_ifq_reg	reg;
	struct io_uring_region_desc	rd;
	struct io_uring_zcrx_rq		rq;
	uint8_t				*area;
	int				lfd;
	struct conn			conn[EX_MAX_CONNS];
	unsigned int			accepted, done;
	uint64_t			bytes;
	unsigned int			errors, rearms, flushes;
	double				t0, t1, c0, c1;
	long long			n0, n1;		/* thread CPU ns */
	struct ex_guest			g0, g1;
	uint64_t			syscalls;
	/* the fdinfo line */
	bool				have_info;
	unsigned int			info_ifindex, info_rxq;
	long long			zc_bytes, copy_bytes;
};

static struct io_uring_sqe *get_sqe(struct server *s)
{
	return ex_uring_sqe(&s->ring, &s->syscalls);
}

static void arm_accept(struct server *s)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	io_uring_prep_accept(sqe, s->lfd, NULL, NULL, 0);
	sqe->user_data = UD(UD_ACCEPT, 0);
}

static void arm_recv(struct server *s, unsigned int i)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	io_uring_prep_recv_zc(sqe, s->conn[i].fd, s->reg.zcrx_id, 0,
			      IORING_RECV_MULTISHOT);
	sqe->user_data = UD(UD_RECV, i);
}

/* Give the buffer of a completion back to the kernel. */
static void refill(struct server *s, uint64_t off, unsigned int len)
{
	struct io_uring_zcrx_rqe *rqe = io_uring_zcrx_rq_get_rqe(&s->rq);

	if (!rqe) {
		/*
		 * Full: the kernel consumes the ring when it needs buffers.
		 * Several CQEs can point into one buffer, so this can happen
		 * with a ring as big as the area; have it consumed now.
		 */
		struct zcrx_ctrl ctrl = {
			.zcrx_id = s->reg.zcrx_id,
			.op = ZCRX_CTRL_FLUSH_RQ,
		};
		int ret;

		io_uring_zcrx_rq_commit(&s->rq);
		s->syscalls++;
		ret = io_uring_register_zcrx_ctrl(&s->ring, &ctrl);
		if (ret)
			ex_die("refill ring full and ZCRX_CTRL_FLUSH_RQ failed: %s",
			       strerror(-ret));
		s->flushes++;
		rqe = io_uring_zcrx_rq_get_rqe(&s->rq);
		if (!rqe)
			ex_die("refill ring still full after a flush");
	}
	rqe->off = off | s->area_reg.rq_area_token;
	rqe->len = len;
	rqe->__pad = 0;
	if (s->o->eager)
		io_uring_zcrx_rq_commit(&s->rq);
}

static void conn_end(struct server *s, unsigned int i)
{
	struct conn *c = &s->conn[i];

	c->done = true;
	close(c->fd);
	s->done++;
	s->t1 = ex_now();
	s->c1 = ex_cpu(RUSAGE_THREAD);
	s->n1 = ex_thread_ns();
	ex_guest_cpu(&s->g1);
}

static void conn_error(struct server *s, unsigned int i, const char *fmt,
		       const char *what)
{
	fprintf(stderr, "zcrx_server: connection %u: ", i);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	s->errors++;
	conn_end(s, i);
}

static void on_accept(struct server *s, int res)
{
	unsigned int i = s->accepted;

	if (res < 0)
		ex_die("accept: %s", strerror(-res));
	if (!i) {
		s->t0 = ex_now();
		s->c0 = ex_cpu(RUSAGE_THREAD);
		ex_guest_cpu(&s->g0);
		s->n0 = ex_thread_ns();
		s->syscalls = 0;
	}
	s->conn[i] = (struct conn){ .fd = res };
	s->accepted++;
	arm_recv(s, i);
	if (s->accepted < s->o->conns)
		arm_accept(s);
}

static void on_recv(struct server *s, unsigned int i,
		    const struct io_uring_cqe *cqe)
{
	const struct io_uring_zcrx_cqe *zcqe = (const void *)(cqe + 1);
	struct conn *c = &s->conn[i];
	int res = cqe->res;
	uint64_t off;
	long bad;

	if (cqe->flags & IORING_CQE_F_MORE) {
		off = zcqe->off & ~IORING_ZCRX_AREA_MASK;
		if (res <= 0 || off + res > s->area_reg.len) {
			fprintf(stderr, "zcrx_server: connection %u: CQE res %d off %llu outside the area\n",
				i, res, (unsigned long long)off);
			s->errors++;
			return;
		}
		bad = c->bad ? -1 : ex_check(s->area + off, c->bytes, res);
		if (bad >= 0) {
			uint64_t at = c->bytes + bad;

			fprintf(stderr, "zcrx_server: connection %u: byte %llu is 0x%02x, want 0x%02x\n",
				i, (unsigned long long)at, s->area[off + bad],
				ex_pattern(at));
			c->bad = true;
			s->errors++;
		}
		c->bytes += res;
		s->bytes += res;
		refill(s, off, res);
		return;
	}

	if (c->done)
		return;
	if (res == 0) {
		/* EOF (no length limit was asked for) */
		if (s->o->expect && c->bytes != s->o->expect) {
			fprintf(stderr, "zcrx_server: connection %u: EOF after %llu bytes, want %llu\n",
				i, (unsigned long long)c->bytes,
				(unsigned long long)s->o->expect);
			s->errors++;
		}
		conn_end(s, i);
		return;
	}
	if (res == -ENOSPC || res == -ENOMEM || res == -EAGAIN ||
	    res == -EINTR || res > 0) {
		/* Ended before EOF with nothing wrong: arm it again. */
		double t = ex_now();

		if (c->bytes != c->stall_bytes || !c->stall_since) {
			c->stall_bytes = c->bytes;
			c->stall_since = t;
		} else if (t - c->stall_since > s->o->timeout) {
			conn_error(s, i, "recv-zc keeps ending with %s and no data",
				   strerror(-res));
			return;
		} else if (res == -ENOMEM) {
			/* no free buffer: hand back ours, let others come back */
			io_uring_zcrx_rq_commit(&s->rq);
			usleep(1000);
		}
		s->rearms++;
		arm_recv(s, i);
		return;
	}
	conn_error(s, i, "recv-zc failed: %s", strerror(-res));
}

/* The ZcrxIfq<id> line of the ring's fdinfo. */
static void read_fdinfo(struct server *s)
{
	char path[64], line[256], want[32];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", s->ring.ring_fd);
	snprintf(want, sizeof(want), "ZcrxIfq%u:", s->reg.zcrx_id);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		if (sscanf(line + strlen(want), " ifindex=%u rxq=%u zc_bytes=%lld copy_bytes=%lld",
			   &s->info_ifindex, &s->info_rxq, &s->zc_bytes,
			   &s->copy_bytes) == 4)
			s->have_info = true;
		if (s->o->fdinfo)
			printf("zcrx_server: fdinfo %s", line);
		break;
	}
	fclose(f);
}

static void setup(struct server *s)
{
	const struct opts *o = s->o;
	struct io_uring_params p = { 0 };
	unsigned int rq_entries = o->rq_entries;
	int ret;

	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE;
	p.cq_entries = o->cq_entries;
	ret = io_uring_queue_init_params(64, &s->ring, &p);
	if (ret)
		ex_die("io_uring_queue_init_params: %s", strerror(-ret));

	s->area = mmap(NULL, o->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED)
		ex_die("mmap of a %zu-byte area: %s", o->area_len,
		       strerror(errno));
	if (!rq_entries) {
		rq_entries = 64;
		while (rq_entries < o->area_len / 4096 && rq_entries < 32768)
			rq_entries <<= 1;
	}
	ret = io_uring_zcrx_rq_region_alloc(&s->rd, rq_entries);
	if (ret)
		ex_die("refill region of %u entries: %s", rq_entries,
		       strerror(-ret));

	s->area_reg.addr = (uint64_t)(uintptr_t)s->area;
	s->area_reg.len = o->area_len;
	s->reg.rq_entries = rq_entries;
	s->reg.area_ptr = (uint64_t)(uintptr_t)&s->area_reg;
	s->reg.region_ptr = (uint64_t)(uintptr_t)&s->rd;
	if (o->ifname) {
		s->reg.if_idx = if_nametoindex(o->ifname);
		if (!s->reg.if_idx)
			ex_die("no interface %s", o->ifname);
		s->reg.if_rxq = o->queue;
	} else {
		s->reg.flags = ZCRX_REG_NODEV;
	}
	ret = io_uring_register_ifq(&s->ring, &s->reg);
	/*
	 * -EEXIST: the queue still has a provider, that of a ring closed a
	 * moment ago (the kernel frees rings in a workqueue, the previous
	 * zcrx_server's too): give its teardown a few seconds.
	 */
	for (int tries = 0; ret == -EEXIST && o->ifname && tries < 100; tries++) {
		usleep(100 * 1000);
		ret = io_uring_register_ifq(&s->ring, &s->reg);
	}
	if (ret && o->selfcheck && (ret == -EINVAL || ret == -EOPNOTSUPP)) {
		printf("zcrx_server: SKIP: this kernel has no zcrx (%s)\n",
		       strerror(-ret));
		exit(77);
	}
	if (ret) {
		if (o->ifname)
			ex_die("binding an ifq to %s rx queue %d: %s%s", o->ifname,
			       o->queue, strerror(-ret),
			       ret == -EOPNOTSUPP ?
			       " (does the device split headers, tcp-data-split on?)" : "");
		ex_die("registering a NODEV ifq: %s", strerror(-ret));
	}
	if (io_uring_zcrx_rq_init(&s->rq, (void *)(uintptr_t)s->rd.user_addr,
				  &s->reg))
		ex_die("bad refill ring offsets");
}

static void teardown(struct server *s)
{
	io_uring_queue_exit(&s->ring);
	io_uring_zcrx_rq_region_free(&s->rd);
	munmap(s->area, s->o->area_len);
}

/* The receive loop, until every connection has ended. */
static void serve(struct server *s)
{
	const struct opts *o = s->o;

	arm_accept(s);
	while (s->done < o->conns) {
		struct __kernel_timespec ts = { .tv_sec = o->timeout };
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		int ret;

		ret = ex_uring_wait(&s->ring, &ts, &s->syscalls);
		if (ret == -ETIME)
			ex_die("nothing happened for %d s: %u of %u connections accepted, %u ended, %llu bytes",
			       o->timeout, s->accepted, o->conns, s->done,
			       (unsigned long long)s->bytes);
		if (ret < 0 && ret != -EINTR)
			ex_die("io_uring_enter: %s",
			       strerror(-ret));
		io_uring_for_each_cqe(&s->ring, head, cqe) {
			unsigned int type = cqe->user_data >> 32;
			unsigned int i = (unsigned int)cqe->user_data;

			if (type == UD_ACCEPT)
				on_accept(s, cqe->res);
			else if (type == UD_RECV && i < s->accepted)
				on_recv(s, i, cqe);
			else
				ex_die("CQE with unknown user_data 0x%llx",
				       (unsigned long long)cqe->user_data);
			n++;
		}
		io_uring_cq_advance(&s->ring, n);
		io_uring_zcrx_rq_commit(&s->rq);
	}
	read_fdinfo(s);
}

static void summary(struct server *s)
{
	char extra[320], guest[160];

	ex_guest_fmt(guest, sizeof(guest), &s->g0, &s->g1);
	snprintf(extra, sizeof(extra),
		 "rearms=%u flushes=%u cpu_ns=%lld syscalls=%llu refill=%s%s",
		 s->rearms, s->flushes, s->n1 - s->n0,
		 (unsigned long long)s->syscalls,
		 s->o->eager ? "eager" : "batch", guest);
	ex_summary(s->accepted, s->bytes, s->t1 - s->t0, s->c1 - s->c0,
		   s->have_info ? s->zc_bytes : -1,
		   s->have_info ? s->copy_bytes : -1, s->errors, extra);
}

/* Is ::1 there to connect to? */
static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return ok;
}

static int run(const struct opts *o)
{
	static struct server s;
	struct ex_sender snd[2];
	pthread_t th[2];
	char where[IF_NAMESIZE + 24];
	bool ipv6;
	int port = o->port, i, nsnd = 0, fail = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	/* The ifq first, so no data of the flows reaches the queue before. */
	setup(&s);
	s.lfd = ex_listen(o->bind_addr, &port, &ipv6);
	if (o->ifname)
		snprintf(where, sizeof(where), "%s rx queue %d", o->ifname,
			 o->queue);
	else
		snprintf(where, sizeof(where), "NODEV");
	fprintf(stderr, "zcrx_server: ifq %u on %s, area %zu MiB, %u refill entries; listening on port %d for %u connection%s\n",
		s.reg.zcrx_id, where, o->area_len >> 20, s.reg.rq_entries,
		port, o->conns, o->conns == 1 ? "" : "s");
	if (o->selfcheck) {
		const char *hosts[2] = { "127.0.0.1",
			ipv6 && have_ipv6_loopback() ? "::1" : "127.0.0.1" };

		for (i = 0; i < 2; i++) {
			snd[i] = (struct ex_sender){
				.host = hosts[i], .port = port, .conns = 1,
				.bytes = o->expect, .msg = 64 << 10,
				.wait_secs = 10,
			};
			if (pthread_create(&th[i], NULL, ex_send_thread, &snd[i]))
				ex_die("pthread_create failed");
			nsnd++;
		}
		fprintf(stderr, "zcrx_server: self-check senders over %s and %s\n",
			hosts[0], hosts[1]);
	}
	serve(&s);
	close(s.lfd);
	summary(&s);
	for (i = 0; i < nsnd; i++) {
		pthread_join(th[i], NULL);
		if (snd[i].errors || snd[i].error[0]) {
			fprintf(stderr, "zcrx_server: sender %d: %s\n", i,
				snd[i].error);
			fail = 1;
		}
	}
	teardown(&s);

	if (s.errors)
		fail = 1;
	if (o->selfcheck) {
		uint64_t want = 2 * o->expect;

		if (!s.have_info) {
			printf("zcrx_server: FAIL: no ZcrxIfq%u line in the ring's fdinfo\n",
			       s.reg.zcrx_id);
			fail = 1;
		} else if (s.info_ifindex || s.info_rxq || s.zc_bytes ||
			   (uint64_t)s.copy_bytes != s.bytes) {
			printf("zcrx_server: FAIL: fdinfo says ifindex=%u rxq=%u zc_bytes=%lld copy_bytes=%lld, want 0 0 0 %llu (NODEV copies all)\n",
			       s.info_ifindex, s.info_rxq, s.zc_bytes,
			       s.copy_bytes, (unsigned long long)s.bytes);
			fail = 1;
		}
		if (s.bytes != want) {
			printf("zcrx_server: FAIL: received %llu bytes, want %llu\n",
			       (unsigned long long)s.bytes,
			       (unsigned long long)want);
			fail = 1;
		}
		if (!fail)
			printf("zcrx_server: PASS: %llu bytes on 2 connections through multishot recv-zc, every byte checked and every buffer returned (%s refill); fdinfo counts them all as copied (NODEV); %u re-arms\n",
			       (unsigned long long)s.bytes,
			       o->eager ? "eager" : "batched", s.rearms);
	}
	if (fail && !o->selfcheck)
		fprintf(stderr, "zcrx_server: FAILED\n");
	return fail;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_server (-i IFNAME -q QUEUE | -n) [-p PORT] [-c CONNS] [-a AREA_MiB]\n"
		"                   [-r RQ_ENTRIES] [-C CQ_ENTRIES] [-R batch|eager] [-e BYTES] [-t SECS]\n"
		"                   [-b ADDR] [-o]\n"
		"  -i, -q  bind the ifq to rx queue QUEUE of IFNAME (steer the flows there)\n"
		"  -n      no device (ZCRX_REG_NODEV): every byte is copied into the area\n"
		"  -p      TCP port (default 9000)         -b  listen address (default: all)\n"
		"  -c      connections to serve (default 1) -a  area MiB (default 32)\n"
		"  -r      refill ring entries (default: one per area page)\n"
		"  -C      CQ entries (default 4096)        -e  bytes each connection must bring\n"
		"  -R      refill tail published once per CQE batch (default) or after every buffer\n"
		"  -t      give up after SECS without an event (default 60)\n"
		"  -o      print the ifq's line of the ring's fdinfo\n"
		"without arguments: a NODEV self-check over loopback\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.queue = -1, .port = 9000, .conns = 1, .area_len = 32u << 20,
		.cq_entries = 4096, .timeout = 60,
	};
	bool nodev = false;
	int opt;

	ex_prog = "zcrx_server";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1) {
		/* the self-check: small CQ and area, so both run short */
		o.selfcheck = true;
		o.port = 0;
		o.conns = 2;
		o.area_len = 8u << 20;
		o.cq_entries = 128;
		o.expect = 32u << 20;
		o.bind_addr = NULL;
		if (run(&o))
			return 1;
		o.eager = true;
		return run(&o);
	}
	while ((opt = getopt(argc, argv, "i:q:np:c:a:r:C:R:e:t:b:oh")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 'q': o.queue = atoi(optarg); break;
		case 'n': nodev = true; break;
		case 'p': o.port = atoi(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 'a': o.area_len = strtoul(optarg, NULL, 0) << 20; break;
		case 'r': o.rq_entries = ex_size(optarg); break;
		case 'C': o.cq_entries = ex_size(optarg); break;
		case 'R':
			if (!strcmp(optarg, "eager"))
				o.eager = true;
			else if (strcmp(optarg, "batch"))
				usage();
			break;
		case 'e': o.expect = ex_size(optarg); break;
		case 't': o.timeout = atoi(optarg); break;
		case 'b': o.bind_addr = optarg; break;
		case 'o': o.fdinfo = true; break;
		default: usage();
		}
	}
	if (optind != argc || nodev == !!o.ifname ||
	    (o.ifname && o.queue < 0) || (!o.ifname && o.queue >= 0) ||
	    !o.conns || o.conns > EX_MAX_CONNS || !o.area_len ||
	    o.timeout <= 0)
		usage();
	return run(&o);
}
