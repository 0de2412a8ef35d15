// SPDX-License-Identifier: GPL-2.0
/*
 * A refill ring in kernel memory: registered with a region descriptor of
 * flags 0 and user_addr 0, it comes back with mmap_offset = 0x30000000 +
 * (zcrx_id << 16); mmap() of the ring fd at that offset gives the ring
 * (head and tail 0, the rest of the region as the kernel left it), and
 * the refill ring works through the mapping: an 8 MiB stream through a
 * 2 MiB area needs every buffer back 4 times. Two ifqs on one ring get
 * zcrx_id 0 and 1 and distinct offsets, and each one's ring works. An
 * offset with no kernel region behind it cannot be mapped.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(2 * ZU_MIB)
#define STREAM_LEN	(8ull * ZU_MIB)
#define RQ_ENTRIES	512
#define OFF_ZCRX_REGION	0x30000000ull

static void stream(struct zu_ifq *z, const char *which)
{
	struct zu_recv r;
	int rx, tx;
	struct zu_sender *snd;

	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 64 * 1024);
	zu_recv_init(&r, z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	zu_wait_sender(snd);
	if (r.returned < STREAM_LEN / AREA_LEN)
		tst_fail("%s: expected the area to go round through the mapped refill ring, got only %lu buffers returned",
			 which, r.returned);
	printf("%s: %llu bytes through a %u-byte area, %lu buffers returned through the mmapped ring\n",
	       which, (unsigned long long)r.bytes, AREA_LEN, r.returned);
	zu_recv_free(&r);
	close(rx);
}

static void check_region(struct zu_ifq *z, uint32_t want_id)
{
	uint64_t want = OFF_ZCRX_REGION + ((uint64_t)want_id << 16);

	if (z->id != want_id)
		tst_fail("expected zcrx_id %u, got %u", want_id, z->id);
	if (z->rd.mmap_offset != want)
		tst_fail("ifq %u: expected region mmap_offset %#llx, got %#llx",
			 z->id, (unsigned long long)want,
			 (unsigned long long)z->rd.mmap_offset);
	if (z->rd.user_addr || z->rd.flags)
		tst_fail("ifq %u: expected user_addr and flags to stay 0, got %#llx and %#x",
			 z->id, (unsigned long long)z->rd.user_addr,
			 z->rd.flags);
	if (*z->rq.khead || *z->rq.ktail)
		tst_fail("ifq %u: expected a fresh ring (head 0, tail 0) in the mapping, got head %u tail %u",
			 z->id, *z->rq.khead, *z->rq.ktail);
}

int main(void)
{
	struct io_uring ring;
	struct zu_ifq z0, z1;
	void *p;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	zu_ring_init_or_die(&ring, 16, 4096, 0);

	zu_ifq_setup(&z0, &ring, AREA_LEN, RQ_ENTRIES, true);
	check_region(&z0, 0);
	zu_ifq_setup(&z1, &ring, AREA_LEN, RQ_ENTRIES, true);
	check_region(&z1, 1);
	if (z0.rq_ptr == z1.rq_ptr)
		tst_fail("expected the two regions mapped apart, got both at %p",
			 z0.rq_ptr);

	/* no region behind ifq id 2, nor within an id's range */
	p = mmap(NULL, ZU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring.ring_fd, OFF_ZCRX_REGION + (2ull << 16));
	if (p != MAP_FAILED)
		tst_fail("expected mmap at the offset of zcrx_id 2 (no such ifq) to fail, got a mapping");
	p = mmap(NULL, ZU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring.ring_fd, OFF_ZCRX_REGION + ZU_PAGE);
	if (p != MAP_FAILED)
		tst_fail("expected mmap at region offset + 4096 (not an ifq's offset) to fail, got a mapping");

	stream(&z0, "ifq 0");
	stream(&z1, "ifq 1");
	/* and both again, alternating rings */
	stream(&z0, "ifq 0 again");

	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z0);
	zu_ifq_unmap(&z1);
	return TST_PASS;
}
