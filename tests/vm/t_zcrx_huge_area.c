// SPDX-License-Identifier: GPL-2.0
/*
 * Areas backed by huge pages, with 4 KiB buffers: hugetlbfs (MAP_HUGETLB,
 * 2 MiB pages from the pool the test reserves) and THP (an aligned
 * anonymous mapping with MADV_HUGEPAGE).
 *
 * - the memlock charge is per folio, as upstream's io_count_account_pages():
 *   a folio is pinned whole, so an area that covers part of a 2 MiB page
 *   is charged 2 MiB, and one that straddles two pages 4 MiB (VmPin of
 *   /proc/self/status shows the charge);
 * - a NODEV stream over loopback through a hugetlb area and through a THP
 *   area: every byte checked, every buffer back through the refill ring
 *   many times;
 * - a zero-copy stream from a vnic rx queue into a hugetlb area: the
 *   device writes into subpages of huge pages;
 * - after the ring is gone, nothing stays pinned and every huge page goes
 *   back to the pool.
 *
 * Kernels without hugetlbfs (UML) or THP skip those cases.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define HPAGE		(2u * ZU_MIB)
#define NR_HPAGES	4	/* reserved: the largest area is 4 MiB */
#define STREAM_LEN	(12ull * ZU_MIB)	/* three times round a 4 MiB area */
#define RQ_ENTRIES	1024
#define VNIC_QUEUE	1
#define VNIC_PORT	9420
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* What a case sets up; cleanup() undoes whatever is there. */
static struct {
	struct io_uring		ring;
	bool			have_ring;
	struct zu_ifq		z;
	bool			have_ifq;
	void			*map;		/* the huge mapping */
	size_t			map_len;
	struct zu_recv		r;
	bool			have_recv;
	struct zv_pair		p;
	bool			have_pair;
	int			rx, tx, lfd;
} c = { .rx = -1, .tx = -1, .lfd = -1 };

static long saved_nr_hugepages = -1;

static long read_long(const char *path)
{
	char buf[64];
	long v = -1;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY), n, ret;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	ret = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return ret;
}

/* A line "<key>: <n> kB" of /proc/meminfo, or -1. */
static long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void restore_hugepages(void)
{
	if (saved_nr_hugepages >= 0)
		write_long(NR_HUGEPAGES, saved_nr_hugepages);
}

/* Reserve NR_HPAGES more 2 MiB pages, once; skip the case if impossible. */
static void need_hugetlb(void)
{
	long have;

	if (saved_nr_hugepages >= 0)
		return;
	have = read_long(NR_HUGEPAGES);
	if (have < 0)
		tst_skip("no hugetlbfs in this kernel (%s)", NR_HUGEPAGES);
	if (meminfo_kb("Hugepagesize") != HPAGE / 1024)
		tst_skip("the default huge page is %ld kB, the cases need 2048",
			 meminfo_kb("Hugepagesize"));
	saved_nr_hugepages = have;
	atexit(restore_hugepages);
	/*
	 * Earlier tests leave memory fragmented: free what can be freed and
	 * compact, so that 2 MiB of contiguous pages can be found.
	 */
	write_long("/proc/sys/vm/drop_caches", 3);
	write_long("/proc/sys/vm/compact_memory", 1);
	if (write_long(NR_HUGEPAGES, have + NR_HPAGES) ||
	    read_long(NR_HUGEPAGES) < have + NR_HPAGES)
		tst_fail("expected %ld huge pages reserved, got %ld",
			 have + NR_HPAGES, read_long(NR_HUGEPAGES));
}

static void *map_hugetlb(size_t len)
{
	void *p;

	need_hugetlb();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		tst_fail("expected a %zu-byte MAP_HUGETLB mapping, got %s", len,
			 strerror(errno));
	c.map = p;
	c.map_len = len;
	memset(p, 0, len);	/* fault every huge page in */
	return p;
}

/* AnonHugePages of the mapping that starts at @addr (smaps), or -1. */
static long thp_kb(const void *addr)
{
	unsigned long start = (unsigned long)addr, lo, hi;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo <= start && start < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* @len bytes of THP, 2 MiB aligned; skip the case if THP gives none. */
static void *map_thp(size_t len)
{
	char mode[128] = "";
	int fd = open(THP_ENABLED, O_RDONLY);
	uint8_t *p, *a;
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, mode, sizeof(mode) - 1);
		close(fd);
	}
	if (n <= 0 || strstr(mode, "[never]"))
		tst_skip("no transparent huge pages in this kernel (%s)",
			 THP_ENABLED);
	p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tst_fail("expected a %zu-byte mapping, got %s", len + HPAGE,
			 strerror(errno));
	c.map = p;
	c.map_len = len + HPAGE;
	a = (uint8_t *)(((uintptr_t)p + HPAGE - 1) & ~(uintptr_t)(HPAGE - 1));
	if (madvise(a, len, MADV_HUGEPAGE))
		tst_fail("expected MADV_HUGEPAGE to work, got %s",
			 strerror(errno));
	memset(a, 0, len);
	if (thp_kb(a) < (long)(len / 1024))
		tst_skip("the kernel gave %ld kB of the %zu kB as huge pages (fragmented memory?)",
			 thp_kb(a), len / 1024);
	return a;
}

/* A NODEV ifq (or bound, @ifindex > 0) on @len bytes at @area. */
static int register_at(void *area, size_t len, int ifindex)
{
	int ret;

	zu_ring_init_or_die(&c.ring, 64, 4096, 0);
	c.have_ring = true;
	zu_ifq_prepare(&c.z, &c.ring, 4096, RQ_ENTRIES, false);
	/* the area is the huge mapping, not the one prepare made */
	munmap(c.z.area, c.z.area_len);
	c.z.area = area;
	c.z.area_len = len;
	c.z.area_reg.addr = (uint64_t)(uintptr_t)area;
	c.z.area_reg.len = len;
	if (ifindex > 0) {
		c.z.reg.flags = 0;
		c.z.reg.if_idx = ifindex;
		c.z.reg.if_rxq = VNIC_QUEUE;
	}
	ret = zu_ifq_register(&c.z);
	c.have_ifq = true;
	return ret;
}

static void register_at_or_die(void *area, size_t len, int ifindex)
{
	int ret = register_at(area, len, ifindex);

	if (ret)
		tst_fail("expected to register a %zu-byte area at %p%s, got %s",
			 len, area, ifindex > 0 ? " on vB queue 1" : "",
			 zu_errname(ret));
}

/* Close the ring and wait for the pins to go. Returns VmPin in kB. */
static long close_ring(void)
{
	if (c.have_recv)
		zu_recv_free(&c.r);
	c.have_recv = false;
	if (c.have_ring)
		io_uring_queue_exit(&c.ring);
	c.have_ring = false;
	return zu_wait_vmpin(0, 5000);
}

static void cleanup(void)
{
	close_ring();
	if (c.have_ifq) {
		c.z.area = NULL;	/* part of c.map */
		zu_ifq_unmap(&c.z);
	}
	c.have_ifq = false;
	if (c.map)
		munmap(c.map, c.map_len);
	c.map = NULL;
	if (c.rx >= 0)
		close(c.rx);
	if (c.tx >= 0)
		close(c.tx);
	if (c.lfd >= 0)
		close(c.lfd);
	c.rx = c.tx = c.lfd = -1;
	if (c.have_pair)
		zv_pair_delete(&c.p);
	c.have_pair = false;
}

/*
 * Register @len bytes at @area; expect VmPin to grow by @want_kb for the
 * area, plus the refill region's pages (user memory, pinned and charged
 * too).
 */
static void expect_charge(void *area, size_t len, long want_kb,
			  const char *what)
{
	long before = zu_vmpin_kb(), got, region_kb, after;

	register_at_or_die(area, len, 0);
	got = zu_vmpin_kb() - before;
	region_kb = (c.z.rd.size + 4095) / 4096 * 4;
	after = close_ring();
	tst_check(got == want_kb + region_kb,
		  "expected %s (%zu bytes) to be charged %ld kB and the refill region %ld kB, VmPin grew by %ld kB",
		  what, len, want_kb, region_kb, got);
	tst_check(after == 0,
		  "expected nothing pinned after the ring exit, VmPin is %ld kB",
		  after);
}

static void hugetlb_charge_whole_pages(void)
{
	uint8_t *m = map_hugetlb(2 * HPAGE);

	expect_charge(m, 2 * HPAGE, 2 * HPAGE / 1024, "two whole huge pages");
}

static void hugetlb_charge_part_of_a_page(void)
{
	uint8_t *m = map_hugetlb(HPAGE);

	expect_charge(m + 64 * 1024, 64 * 1024, HPAGE / 1024,
		      "64 KiB inside one huge page");
}

static void hugetlb_charge_straddling_two_pages(void)
{
	uint8_t *m = map_hugetlb(2 * HPAGE);

	expect_charge(m + HPAGE - 32 * 1024, 64 * 1024, 2 * HPAGE / 1024,
		      "64 KiB across two huge pages");
}

static void thp_charge_part_of_a_page(void)
{
	uint8_t *a = map_thp(HPAGE);

	expect_charge(a + 4096, 8192, HPAGE / 1024,
		      "8 KiB inside one transparent huge page");
}

/* 32 MiB over loopback through a 4 MiB area at @area, eager refill. */
static void nodev_stream(void *area)
{
	struct zu_sender *snd;

	register_at_or_die(area, 2 * HPAGE, 0);
	zu_tcp_pair(&c.rx, &c.tx);
	snd = zu_start_sender(c.tx, STREAM_LEN, 256 * 1024);
	c.tx = -1;	/* the sender closes it */
	zu_recv_init(&c.r, &c.z, c.rx, STREAM_LEN, ZU_REFILL_EAGER);
	c.have_recv = true;
	c.r.recheck = true;
	zu_recv_all(&c.r);
	zu_wait_sender(snd);
	tst_check(c.r.returned >= STREAM_LEN / (2 * HPAGE),
		  "expected the buffers to go round (at least %llu returned), got %lu",
		  STREAM_LEN / (2 * HPAGE), c.r.returned);
	printf("# %llu bytes in %lu CQEs, %lu buffers returned\n",
	       (unsigned long long)c.r.bytes, c.r.cqes, c.r.returned);
}

static void hugetlb_nodev_stream(void)
{
	nodev_stream(map_hugetlb(2 * HPAGE));
}

static void thp_nodev_stream(void)
{
	nodev_stream(map_thp(2 * HPAGE));
}

/* The NIC writes the payload into subpages of huge pages. */
static void hugetlb_vnic_zero_copy(void)
{
	struct zv_ifq_info info;
	struct zu_sender *snd;
	uint8_t *m = map_hugetlb(2 * HPAGE);
	int ret;

	zv_pair_setup(&c.p);
	c.have_pair = true;
	vn_ntuple_add_or_die(VN_B, "tcp4", VNIC_PORT, VNIC_QUEUE, -1);
	ret = register_at(m, 2 * HPAGE, c.p.ifindex);
	if (ret)
		tst_fail("expected to bind a hugetlb area to %s queue %d, got %s",
			 VN_B, VNIC_QUEUE, zu_errname(ret));
	c.lfd = vn_listen(VN_B_ADDR, VNIC_PORT);
	c.tx = zv_connect(&c.p, VNIC_PORT);
	c.rx = vn_accept(c.lfd, 5000);
	snd = zu_start_sender(c.tx, STREAM_LEN, 256 * 1024);
	c.tx = -1;
	zu_recv_init(&c.r, &c.z, c.rx, STREAM_LEN, ZU_REFILL_EAGER);
	c.have_recv = true;
	zu_recv_all(&c.r);
	zu_wait_sender(snd);
	if (zv_ifq_info(c.ring.ring_fd, c.z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo",
			 c.z.id);
	tst_check(info.zc_bytes == STREAM_LEN && !info.copy_bytes,
		  "expected all %llu bytes zero-copy into the hugetlb area, got zc_bytes=%llu copy_bytes=%llu",
		  STREAM_LEN, info.zc_bytes, info.copy_bytes);
}

/* Every huge page back in the pool once the rings and mappings are gone. */
static void huge_pages_all_free(void)
{
	long total, free_;
	int ms;

	if (saved_nr_hugepages < 0)
		tst_skip("no hugetlb case ran");
	for (ms = 0; ms < 5000; ms += 10) {
		total = meminfo_kb("HugePages_Total");
		free_ = meminfo_kb("HugePages_Free");
		if (total == free_)
			break;
		usleep(10000);
	}
	tst_check(total == free_,
		  "expected all %ld huge pages free after the rings and mappings went, %ld are",
		  total, free_);
	tst_check(zu_vmpin_kb() == 0, "expected VmPin 0, got %ld kB",
		  zu_vmpin_kb());
}

#define RUN(fn)	do { TST_CASE(fn); cleanup(); } while (0)

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(8);
	RUN(hugetlb_charge_whole_pages);
	RUN(hugetlb_charge_part_of_a_page);
	RUN(hugetlb_charge_straddling_two_pages);
	RUN(thp_charge_part_of_a_page);
	RUN(hugetlb_nodev_stream);
	RUN(thp_nodev_stream);
	RUN(hugetlb_vnic_zero_copy);
	RUN(huge_pages_all_free);
	return tst_exit();
}
