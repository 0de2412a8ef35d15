// SPDX-License-Identifier: MIT
/*
 * A zcrx program written for upstream: upstream liburing (2.10+) and
 * uapi names only, and of liburing's headers nothing but <liburing.h>.
 * The test is that it builds unchanged with -I liburing-ext/include and
 * links with -lzcrx-ext -luring.
 *
 * With no arguments it asks the kernel about zcrx (IORING_REGISTER_QUERY
 * with no ring) and passes on any answer a kernel may give: a zcrx report,
 * "no zcrx query" (before 7.x), or -EINVAL (no query at all, before 6.18).
 *
 *   upstream-prog IFNAME RXQ PORT
 *
 * receives one TCP connection on PORT through queue RXQ of IFNAME, zero
 * copy, and prints the byte count. That needs a zcrx kernel, CAP_NET_ADMIN
 * and a NIC with header split; make check never runs it.
 */
#include <liburing.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define AREA_PAGES	4096
#define RQ_ENTRIES	4096

static int query_zcrx(void)
{
	struct io_uring_query_zcrx qz;
	struct io_uring_query_hdr hdr;
	int ret;

	memset(&qz, 0, sizeof(qz));
	memset(&hdr, 0, sizeof(hdr));
	hdr.query_op = IO_URING_QUERY_ZCRX;
	hdr.query_data = (__u64)(uintptr_t)&qz;
	hdr.size = sizeof(qz);

	ret = io_uring_register_query(-1, &hdr);
	if (ret == -EINVAL) {
		printf("kernel has no IORING_REGISTER_QUERY (op %d): -EINVAL\n",
		       IORING_REGISTER_QUERY);
		return 0;
	}
	if (ret == -ENOSYS) {
		printf("skip: kernel has no io_uring\n");
		return 77;
	}
	if (ret < 0) {
		printf("io_uring_register_query(-1): unexpected %d (%s)\n",
		       ret, strerror(-ret));
		return 1;
	}
	if (hdr.result == -EOPNOTSUPP) {
		printf("kernel has IORING_REGISTER_QUERY but not IO_URING_QUERY_ZCRX\n");
		return 0;
	}
	if (hdr.result < 0) {
		printf("IO_URING_QUERY_ZCRX: unexpected result %d (%s)\n",
		       hdr.result, strerror(-hdr.result));
		return 1;
	}
	printf("zcrx: register_flags %#llx area_flags %#llx ctrl opcodes %u "
	       "features %#x refill header %u bytes, aligned %u\n",
	       (unsigned long long)qz.register_flags,
	       (unsigned long long)qz.area_flags, qz.nr_ctrl_opcodes,
	       qz.features, qz.rq_hdr_size, qz.rq_hdr_alignment);
	return 0;
}

static void prep_recv(struct io_uring *ring, int fd, __u32 zcrx_id)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_rw(IORING_OP_RECV_ZC, sqe, fd, NULL, 0, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->zcrx_ifq_idx = zcrx_id;
}

static int accept_one(unsigned short port)
{
	struct sockaddr_in6 addr;
	int one = 1, lfd, fd;

	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin6_family = AF_INET6;
	addr.sin6_port = htons(port);
	addr.sin6_addr = in6addr_any;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1)) {
		close(lfd);
		return -1;
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	return fd;
}

static int recv_zc(const char *ifname, unsigned rxq, unsigned short port)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t area_len = AREA_PAGES * page;
	size_t ring_size = page + RQ_ENTRIES * sizeof(struct io_uring_zcrx_rqe);
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc region_reg;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	struct io_uring_params p;
	struct io_uring ring;
	unsigned long long total = 0;
	void *area, *ring_ptr;
	int ret, fd, done = 0;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_CQE32;
	ret = io_uring_queue_init_params(512, &ring, &p);
	if (ret) {
		fprintf(stderr, "io_uring_queue_init_params: %s\n", strerror(-ret));
		return 1;
	}

	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 1;
	memset(&area_reg, 0, sizeof(area_reg));
	area_reg.addr = (__u64)(uintptr_t)area;
	area_reg.len = area_len;

	/* the refill ring in kernel memory: mmap()ed from the ring afterwards */
	memset(&region_reg, 0, sizeof(region_reg));
	region_reg.size = (ring_size + page - 1) & ~(page - 1);

	memset(&reg, 0, sizeof(reg));
	reg.if_idx = if_nametoindex(ifname);
	reg.if_rxq = rxq;
	reg.rq_entries = RQ_ENTRIES;
	reg.area_ptr = (__u64)(uintptr_t)&area_reg;
	reg.region_ptr = (__u64)(uintptr_t)&region_reg;

	ret = io_uring_register_ifq(&ring, &reg);
	if (ret) {
		fprintf(stderr, "io_uring_register_ifq: %s\n", strerror(-ret));
		return 1;
	}

	ring_ptr = mmap(NULL, region_reg.size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, ring.ring_fd,
			region_reg.mmap_offset);
	if (ring_ptr == MAP_FAILED)
		return 1;
	rq.khead = (__u32 *)((char *)ring_ptr + reg.offsets.head);
	rq.ktail = (__u32 *)((char *)ring_ptr + reg.offsets.tail);
	rq.rqes = (struct io_uring_zcrx_rqe *)((char *)ring_ptr + reg.offsets.rqes);
	rq.rq_tail = 0;
	rq.ring_entries = reg.rq_entries;
	rq.ring_ptr = ring_ptr;

	fd = accept_one(port);
	if (fd < 0) {
		perror("accept");
		return 1;
	}
	prep_recv(&ring, fd, reg.zcrx_id);

	while (!done) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0) {
			fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-ret));
			return 1;
		}
		io_uring_for_each_cqe(&ring, head, cqe) {
			struct io_uring_zcrx_cqe *rcqe = (struct io_uring_zcrx_cqe *)(cqe + 1);
			struct io_uring_zcrx_rqe *rqe;
			__u64 off = rcqe->off & ~IORING_ZCRX_AREA_MASK;

			seen++;
			if (cqe->res == -ENOSPC) {	/* CQ overflowed: re-arm */
				prep_recv(&ring, fd, reg.zcrx_id);
				continue;
			}
			if (cqe->res < 0) {
				fprintf(stderr, "recv zc: %s\n", strerror(-cqe->res));
				return 1;
			}
			if (cqe->res == 0) {		/* EOF */
				done = 1;
				continue;
			}
			/* the data is at area + off: a real program reads it here */
			total += (unsigned)cqe->res;

			if (rq.rq_tail - io_uring_smp_load_acquire(rq.khead) >=
			    rq.ring_entries) {
				fprintf(stderr, "refill ring full\n");
				return 1;
			}
			rqe = &rq.rqes[rq.rq_tail & (rq.ring_entries - 1)];
			rqe->off = off | area_reg.rq_area_token;
			rqe->len = (unsigned)cqe->res;
			io_uring_smp_store_release(rq.ktail, ++rq.rq_tail);

			if (!(cqe->flags & IORING_CQE_F_MORE))
				prep_recv(&ring, fd, reg.zcrx_id);
		}
		io_uring_cq_advance(&ring, seen);
	}
	printf("received %llu bytes zero copy\n", total);
	close(fd);
	io_uring_queue_exit(&ring);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc == 4)
		return recv_zc(argv[1], (unsigned)atoi(argv[2]),
			       (unsigned short)atoi(argv[3]));
	if (argc != 1) {
		fprintf(stderr, "usage: %s [IFNAME RXQ PORT]\n", argv[0]);
		return 2;
	}
	return query_zcrx();
}
