// SPDX-License-Identifier: GPL-2.0
/*
 * A refill ring in kernel memory: registered with a region descriptor of
 * flags 0 and user_addr 0, it comes back with mmap_offset = 0x30000000 +
 * (zcrx_id << 16); mmap() of the ring fd at that offset gives the ring
 * (head and tail 0, the rest of the region as the kernel left it), and
 * the refill ring works through the mapping: an 8 MiB stream through a
 * 2 MiB area needs every buffer back 4 times. Two ifqs on one ring get
 * zcrx_id 0 and 1 and distinct offsets, and each one's ring works. An
 * offset with no kernel region behind it cannot be mapped; as upstream,
 * the offset's bits below the id do not count, and a mapping shorter than
 * the region fails with EFAULT.
 *
 * The ring and both ifqs are set up in main(); each check and each
 * stream is a case. A stream that fails part-way leaves its request armed
 * on the shared ring: the next stream cancels it first.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(2 * ZU_MIB)
#define STREAM_LEN	(8ull * ZU_MIB)
#define RQ_ENTRIES	512
#define OFF_ZCRX_REGION	0x30000000ull

static struct io_uring ring;
static struct zu_ifq z0, z1;

/* The stream in progress, or one that failed part-way. */
static struct {
	bool			dirty;
	int			rx;
	struct zu_sender	*snd;	/* not yet waited for */
	struct zu_recv		r;
} cur;

/*
 * After a stream that failed part-way: cancel its request, give its
 * buffers back, close its socket (which ends the sender) and wait for
 * the sender.
 */
static void stream_cleanup(void)
{
	zu_quiesce(&ring);
	if (cur.r.held)
		zu_return_held(&cur.r, SIZE_MAX);
	zu_recv_free(&cur.r);
	if (cur.rx >= 0)
		close(cur.rx);
	if (cur.snd)
		zu_join_sender(cur.snd);
	cur.dirty = false;
}

static void stream(struct zu_ifq *z, const char *which)
{
	struct zu_sender *snd;
	struct zu_recv *r = &cur.r;
	int tx;

	if (cur.dirty)
		stream_cleanup();
	memset(&cur, 0, sizeof(cur));
	cur.dirty = true;
	cur.rx = -1;
	zu_tcp_pair(&cur.rx, &tx);
	cur.snd = zu_start_sender(tx, STREAM_LEN, 64 * 1024);
	zu_recv_init(r, z, cur.rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(r);
	snd = cur.snd;
	cur.snd = NULL;
	zu_wait_sender(snd);
	if (r->returned < STREAM_LEN / AREA_LEN)
		tst_fail("%s: expected the area to go round through the mapped refill ring, got only %lu buffers returned",
			 which, r->returned);
	printf("# %s: %llu bytes through a %u-byte area, %lu buffers returned through the mmapped ring\n",
	       which, (unsigned long long)r->bytes, AREA_LEN, r->returned);
	zu_recv_free(r);
	close(cur.rx);
	cur.dirty = false;
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

static void region_ifq0(void)
{
	check_region(&z0, 0);
}

static void region_ifq1(void)
{
	check_region(&z1, 1);
	if (z0.rq_ptr == z1.rq_ptr)
		tst_fail("expected the two regions mapped apart, got both at %p",
			 z0.rq_ptr);
}

/* no region behind ifq id 2 */
static void mmap_no_region(void)
{
	void *p;

	p = mmap(NULL, ZU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring.ring_fd, OFF_ZCRX_REGION + (2ull << 16));
	if (!tst_check(p == MAP_FAILED, "expected mmap at the offset of zcrx_id 2 (no such ifq) to fail, got a mapping"))
		munmap(p, ZU_PAGE);
}

/*
 * As upstream's io_mmap_get_region(), the bits below the id do not count:
 * region offset + 4096 is ifq 0's region. And a region is mapped whole or
 * not at all: a mapping shorter than it fails with EFAULT.
 */
static void mmap_offset_low_bits(void)
{
	volatile uint8_t *p, *mine = (uint8_t *)z0.rq_ptr + z0.rq_len - 1;
	uint8_t old = *mine;

	p = mmap(NULL, z0.rq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring.ring_fd, OFF_ZCRX_REGION + ZU_PAGE);
	if (p == MAP_FAILED)
		tst_fail("expected mmap at region offset + 4096 to map ifq 0's region (low bits ignored, as upstream), got %s",
			 strerror(errno));
	p[z0.rq_len - 1] = old ^ 0x5a;
	tst_check(*mine == (uint8_t)(old ^ 0x5a),
		  "expected the mapping at region offset + 4096 to be ifq 0's region, got other memory");
	p[z0.rq_len - 1] = old;
	munmap((void *)p, z0.rq_len);
}

static void mmap_shorter_than_region(void)
{
	void *p;

	if (z0.rq_len <= ZU_PAGE)
		tst_skip("the region is one page (%zu bytes)", z0.rq_len);
	p = mmap(NULL, ZU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring.ring_fd, OFF_ZCRX_REGION);
	if (p != MAP_FAILED) {
		munmap(p, ZU_PAGE);
		tst_fail("expected mmap of one page of the %zu-byte region to fail with EFAULT (as upstream), got a mapping",
			 z0.rq_len);
	}
	tst_check(errno == EFAULT,
		  "expected mmap of one page of the %zu-byte region to fail with EFAULT, got %s",
		  z0.rq_len, strerror(errno));
}

static void stream_ifq0(void)
{
	stream(&z0, "ifq 0");
}

static void stream_ifq1(void)
{
	stream(&z1, "ifq 1");
}

/* and both again, alternating rings */
static void stream_ifq0_again(void)
{
	stream(&z0, "ifq 0 again");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(8);
	zu_ring_init_or_die(&ring, 16, 4096, 0);
	zu_ifq_setup(&z0, &ring, AREA_LEN, RQ_ENTRIES, true);
	zu_ifq_setup(&z1, &ring, AREA_LEN, RQ_ENTRIES, true);

	TST_CASE(region_ifq0);
	TST_CASE(region_ifq1);
	TST_CASE(mmap_no_region);
	TST_CASE(mmap_offset_low_bits);
	TST_CASE(mmap_shorter_than_region);
	TST_CASE(stream_ifq0);
	TST_CASE(stream_ifq1);
	TST_CASE(stream_ifq0_again);

	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z0);
	zu_ifq_unmap(&z1);
	return tst_exit();
}
