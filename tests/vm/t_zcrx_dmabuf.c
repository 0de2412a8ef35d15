// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf areas (upstream 6.16): IORING_ZCRX_AREA_DMABUF with dmabuf_fd
 * registers an area that is a dma-buf attached to the NIC's device; its
 * buffers are the DMA addresses of the attachment's mapping, which the CPU
 * never touches. The dma-buf here is a udmabuf of memfd pages (sealed
 * against shrinking), so the test reads what the NIC wrote through its own
 * mapping of the memfd, where each CQE's offset says.
 *
 * Cases:
 * - errnos: NODEV (-EINVAL), addr set (-EINVAL), a length that is not the
 *   dma-buf's (-EINVAL), an fd that is not a dma-buf (-EINVAL), a closed
 *   fd (-EBADF), dmabuf_fd without the flag (-EINVAL);
 * - stream: bound to vnic's queue 1, 8 MiB arrive zero-copy (fdinfo
 *   zc_bytes, copy_bytes 0), every byte checked in the memfd and again
 *   when its buffer goes back; the area is not charged to VmPin;
 * - no_copy: a recv-zc on a loopback socket, whose data would need the
 *   copy fallback, ends with -ENOMEM: nothing the CPU may write to;
 * - teardown: the ring exits and lets the dma-buf go (the kernel log
 *   says whether an attachment or a reference was left), VmPin back.
 * Skipped without /dev/udmabuf (UML) or vnic.
 */
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(2 * ZU_MIB)
#define STREAM_LEN	(8ull * ZU_MIB)
#define RQ_ENTRIES	1024
#define PORT		9000
#define QUEUE		1

static struct zv_pair pair;
static int memfd = -1, dmabuf = -1;
static long pinned_before;
static bool have_pair;

/* A udmabuf of len bytes of a sealed memfd; skips without /dev/udmabuf. */
static int make_udmabuf(size_t len, int *mfd)
{
	struct udmabuf_create c;
	int dev, fd;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		tst_skip("no /dev/udmabuf in this kernel (CONFIG_UDMABUF): %s",
			 zu_errname(-errno));
	*mfd = memfd_create("zcrx-dmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (*mfd < 0 || ftruncate(*mfd, len) ||
	    fcntl(*mfd, F_ADD_SEALS, F_SEAL_SHRINK))
		tst_fail("expected a sealed memfd of %zu bytes, got %s", len,
			 zu_errname(-errno));
	memset(&c, 0, sizeof(c));
	c.memfd = *mfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.offset = 0;
	c.size = len;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
	if (fd < 0)
		tst_fail("expected UDMABUF_CREATE of %zu bytes, got %s", len,
			 zu_errname(-errno));
	return fd;
}

/* An ifq on vB's QUEUE (or NODEV) whose area is the dma-buf fd. */
static void prepare(struct zu_ifq *z, struct io_uring *ring, int fd,
		    bool nodev)
{
	zu_ifq_prepare(z, ring, AREA_LEN, RQ_ENTRIES, false);
	/* the test reads through the memfd: the anonymous area goes */
	munmap(z->area, z->area_len);
	z->area = mmap(NULL, AREA_LEN, PROT_READ, MAP_SHARED, memfd, 0);
	if (z->area == MAP_FAILED)
		tst_fail("expected the memfd mapped, got %s", zu_errname(-errno));
	z->area_reg.addr = 0;
	z->area_reg.flags = IORING_ZCRX_AREA_DMABUF;
	z->area_reg.dmabuf_fd = fd;
	if (!nodev) {
		z->reg.flags = 0;
		z->reg.if_idx = pair.ifindex;
		z->reg.if_rxq = QUEUE;
	}
}

/* The udmabuf first: without one, nothing else is made and every case skips. */
static void setup(void)
{
	if (dmabuf < 0)
		dmabuf = make_udmabuf(AREA_LEN, &memfd);
	if (!have_pair) {
		zv_pair_setup(&pair);
		have_pair = true;
		vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	}
}

/* Register with one thing changed; expect want. */
static void expect_reg(const char *what, int fd, bool nodev, uint64_t addr,
		       uint64_t len, uint32_t flags, int want)
{
	struct io_uring ring;
	struct zu_ifq z;

	zu_ring_init_or_die(&ring, 8, 64, 0);
	prepare(&z, &ring, fd, nodev);
	z.area_reg.addr = addr;
	z.area_reg.len = len;
	z.area_reg.flags = flags;
	zu_expect(what, zu_ifq_register(&z), want);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
}

static void errnos(void)
{
	int pipefd[2], closed;

	setup();
	if (pipe(pipefd))
		tst_fail("expected a pipe, got %s", zu_errname(-errno));
	/* high, so that no ring made meanwhile gets the number */
	closed = fcntl(pipefd[0], F_DUPFD_CLOEXEC, 900);
	close(closed);

	expect_reg("dma-buf area with ZCRX_REG_NODEV", dmabuf, true, 0,
		   AREA_LEN, IORING_ZCRX_AREA_DMABUF, -EINVAL);
	expect_reg("dma-buf area with addr set", dmabuf, false, ZU_PAGE,
		   AREA_LEN, IORING_ZCRX_AREA_DMABUF, -EINVAL);
	expect_reg("dma-buf area shorter than the dma-buf", dmabuf, false, 0,
		   AREA_LEN / 2, IORING_ZCRX_AREA_DMABUF, -EINVAL);
	expect_reg("dma-buf area of a pipe fd", pipefd[0], false, 0,
		   AREA_LEN, IORING_ZCRX_AREA_DMABUF, -EINVAL);
	expect_reg("dma-buf area of a closed fd", closed, false, 0, AREA_LEN,
		   IORING_ZCRX_AREA_DMABUF, -EBADF);
	expect_reg("dmabuf_fd without IORING_ZCRX_AREA_DMABUF", dmabuf, false,
		   0, AREA_LEN, 0, -EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);
}

static struct io_uring ring;
static struct zu_ifq z;
static bool registered;

static void stream(void)
{
	struct zv_ifq_info info;
	struct zu_sender *snd;
	struct zu_recv r;
	int lfd, tx, rx, ret;
	long pinned;

	setup();
	zu_ring_init_or_die(&ring, 64, 4096, 0);
	prepare(&z, &ring, dmabuf, false);
	pinned = zu_vmpin_kb();
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("expected a dma-buf area bound to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));
	registered = true;
	/* nothing pinned for the area: only the refill region's pages */
	tst_check(zu_vmpin_kb() - pinned < (long)(AREA_LEN / 1024),
		  "expected no VmPin for the dma-buf area (%u kB), got %ld kB more",
		  (unsigned int)(AREA_LEN / 1024), zu_vmpin_kb() - pinned);

	lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(&pair, PORT);
	rx = vn_accept(lfd, 5000);
	snd = zu_start_sender(tx, STREAM_LEN, 128 * 1024);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	r.recheck = true;
	zu_recv_all(&r);
	zu_wait_sender(snd);
	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	tst_check(info.zc_bytes == STREAM_LEN && !info.copy_bytes,
		  "expected %llu bytes zero-copy into the dma-buf and none copied, got zc_bytes=%llu copy_bytes=%llu",
		  STREAM_LEN, info.zc_bytes, info.copy_bytes);
	printf("# stream: %llu bytes into the dma-buf in %lu CQEs, every byte checked in the memfd\n",
	       (unsigned long long)r.bytes, r.cqes);
	zu_recv_free(&r);
	close(rx);
	close(lfd);
}

static void no_copy(void)
{
	struct io_uring_cqe *cqe;
	struct zu_sender *snd;
	struct zu_recv r;
	int rx, tx, res;

	if (!registered)
		tst_skip("no dma-buf ifq: stream failed");
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, 64 * 1024, 64 * 1024);
	zu_recv_init(&r, &z, rx, 64 * 1024, ZU_REFILL_EAGER);
	zu_arm(&r);
	cqe = zu_wait_cqe(&ring, 5000);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	zu_expect("recv-zc of loopback data (the copy fallback) into a dma-buf area",
		  res, -ENOMEM);
	close(rx);
	zu_join_sender(snd);
	zu_recv_free(&r);
}

static void teardown(void)
{
	if (!registered)
		tst_skip("no dma-buf ifq: stream failed");
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(dmabuf);
	close(memfd);
	dmabuf = memfd = -1;
	zv_pair_delete(&pair);
	have_pair = false;
	zu_check_vmpin_back(pinned_before);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	pinned_before = zu_vmpin_kb();

	tst_plan(4);
	TST_CASE(errnos);
	TST_CASE(stream);
	TST_CASE(no_copy);
	TST_CASE(teardown);
	return tst_exit();
}
