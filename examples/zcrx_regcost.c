// SPDX-License-Identifier: MIT
/*
 * zcrx_regcost: what registering a zcrx area costs, against its size.
 *
 * For each area size it maps and faults in the area and a refill region
 * first (so that page faults are not counted), then times
 * io_uring_register_ifq() (wall clock and the thread's CPU time) and
 * takes the kernel memory the registration keeps as the growth of
 * /proc/meminfo's Slab + VmallocUsed across the call: the per-buffer
 * net_iovs, the freelist, the user references and the pinned pages'
 * array (kvmalloc'd: vmalloc for a large area, slab for a small one), the
 * scatterlist and the ifq itself; bound to a queue (-i, -q) also what the
 * page pool and the queue restart allocate there. The area's own pages
 * are the user's, faulted in before, and not counted. Each size is registered -r times in a new ring; the median
 * and the spread ((max - min) / median) are printed, one line per size:
 *
 *   zcrx_regcost: area=1073741824 bufs=262144 runs=3 reg_ms=... \
 *                 ns_per_buf=... kmem_bytes=... kmem_per_buf=... spread=...
 *
 * Slab counts whole slab pages and other activity moves it too: below a
 * few MiB of area the kernel memory figure is mostly noise, and it is only
 * meaningful on an otherwise idle machine (the bench VM).
 *
 * Without arguments it checks itself with NODEV areas of 1 and 8 MiB, each
 * registered twice, every registration must succeed.
 *
 * Written against upstream's names only; build with liburing-ext.
 */
#include "example.h"

#include <liburing.h>
#include <net/if.h>
#include <sys/mman.h>

#define MAX_RUNS	15

struct opts {
	const char	*ifname;	/* NULL: NODEV */
	int		queue;
	unsigned int	runs;
	uint64_t	sizes[32];
	unsigned int	nr_sizes;
	bool		selfcheck;
};

struct sample {
	double		wall_ns;
	double		cpu_ns;
	double		kmem;		/* bytes, may be < 0 (noise) */
};

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Slab + VmallocUsed of /proc/meminfo in bytes: kernel allocations. */
static double kernel_mem(void)
{
	long long slab = -1, vm = -1, kb;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		ex_die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			slab = kb;
		else if (sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			vm = kb;
	}
	fclose(f);
	if (slab < 0 || vm < 0)
		ex_die("no Slab or VmallocUsed in /proc/meminfo");
	return (slab + vm) * 1024.0;
}

/*
 * One registration of a @len-byte area in a new ring: 0 and @out filled,
 * or the negative errno of the registration.
 */
static int register_once(const struct opts *o, void *area, uint64_t len,
			 struct sample *out)
{
	struct io_uring_params p = { 0 };
	struct io_uring_zcrx_area_reg area_reg = { 0 };
	struct io_uring_zcrx_ifq_reg reg = { 0 };
	struct io_uring_region_desc rd = { 0 };
	unsigned int rq_entries = 64;
	struct io_uring ring;
	double t0, c0, m0;
	int ret;

	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_CQE32;
	ret = io_uring_queue_init_params(64, &ring, &p);
	if (ret)
		ex_die("io_uring_queue_init_params: %s", strerror(-ret));
	while (rq_entries < len / 4096 && rq_entries < 32768)
		rq_entries <<= 1;
	ret = io_uring_zcrx_rq_region_alloc(&rd, rq_entries);
	if (ret)
		ex_die("refill region of %u entries: %s", rq_entries,
		       strerror(-ret));
	memset((void *)(uintptr_t)rd.user_addr, 0, rd.size);

	area_reg.addr = (uint64_t)(uintptr_t)area;
	area_reg.len = len;
	reg.rq_entries = rq_entries;
	reg.area_ptr = (uint64_t)(uintptr_t)&area_reg;
	reg.region_ptr = (uint64_t)(uintptr_t)&rd;
	if (o->ifname) {
		reg.if_idx = if_nametoindex(o->ifname);
		if (!reg.if_idx)
			ex_die("no interface %s", o->ifname);
		reg.if_rxq = o->queue;
	} else {
		reg.flags = ZCRX_REG_NODEV;
	}

	m0 = kernel_mem();
	c0 = thread_cpu_ns();
	t0 = mono_ns();
	ret = io_uring_register_ifq(&ring, &reg);
	out->wall_ns = mono_ns() - t0;
	out->cpu_ns = thread_cpu_ns() - c0;
	out->kmem = kernel_mem() - m0;

	io_uring_queue_exit(&ring);
	io_uring_zcrx_rq_region_free(&rd);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The ring's teardown (and with it the area's unpin) runs in a kernel
 * worker after io_uring_queue_exit(): a bound queue stays busy and a
 * NODEV area's pages stay pinned for a moment. Retry -EBUSY briefly.
 */
static int register_retry(const struct opts *o, void *area, uint64_t len,
			  struct sample *s)
{
	int ret, i;

	for (i = 0; i < 200; i++) {
		ret = register_once(o, area, len, s);
		if (ret != -EBUSY)
			break;
		usleep(10000);
	}
	return ret;
}

static int measure(const struct opts *o, uint64_t len)
{
	double wall[MAX_RUNS], cpu[MAX_RUNS], kmem[MAX_RUNS];
	uint64_t bufs = len / 4096;
	double mw, mc, mk, spread;
	struct sample s;
	unsigned int r;
	void *area;
	int ret;

	area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (area == MAP_FAILED)
		ex_die("mmap of a %llu-byte area: %s",
		       (unsigned long long)len, strerror(errno));
	memset(area, 0, len);	/* every page its own, not the zero page */

	for (r = 0; r < o->runs; r++) {
		ret = register_retry(o, area, len, &s);
		if (ret == -EINVAL && o->selfcheck && !r) {
			printf("zcrx_regcost: SKIP: this kernel has no zcrx\n");
			exit(77);
		}
		if (ret) {
			printf("zcrx_regcost: FAIL: registration %u of a %llu-byte area: %s\n",
			       r + 1, (unsigned long long)len, strerror(-ret));
			munmap(area, len);
			return 1;
		}
		wall[r] = s.wall_ns;
		cpu[r] = s.cpu_ns;
		kmem[r] = s.kmem;
	}
	munmap(area, len);

	qsort(wall, o->runs, sizeof(double), cmp_double);
	spread = 0;
	mw = median(wall, o->runs);
	if (mw > 0)
		spread = (wall[o->runs - 1] - wall[0]) / mw;
	mc = median(cpu, o->runs);
	mk = median(kmem, o->runs);
	printf("zcrx_regcost: area=%llu bufs=%llu runs=%u reg_ms=%.3f cpu_ms=%.3f ns_per_buf=%.1f kmem_bytes=%.0f kmem_per_buf=%.1f spread=%.2f\n",
	       (unsigned long long)len, (unsigned long long)bufs, o->runs,
	       mw / 1e6, mc / 1e6, mw / bufs, mk, mk / bufs, spread);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_regcost [-i IFNAME -q QUEUE] [-s SIZES] [-r RUNS]\n"
		"  -i, -q  bind each area to this rx queue (default: ZCRX_REG_NODEV)\n"
		"  -s      area sizes, comma separated (default 1M,16M,256M,1G)\n"
		"  -r      registrations per size, the median printed (default 3, at most %d)\n"
		"without arguments: a self-check with small NODEV areas\n",
		MAX_RUNS);
	exit(2);
}

static void parse_sizes(struct opts *o, char *list)
{
	char *tok, *save = NULL;

	o->nr_sizes = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_sizes == sizeof(o->sizes) / sizeof(o->sizes[0]))
			usage();
		o->sizes[o->nr_sizes] = ex_size(tok);
		if (!o->sizes[o->nr_sizes] || o->sizes[o->nr_sizes] % 4096)
			usage();
		o->nr_sizes++;
	}
}

int main(int argc, char **argv)
{
	struct opts o = {
		.queue = -1, .runs = 3, .nr_sizes = 4,
		.sizes = { 1ull << 20, 16ull << 20, 256ull << 20, 1ull << 30 },
	};
	unsigned int i;
	int opt, fail = 0;

	ex_prog = "zcrx_regcost";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1) {
		o.selfcheck = true;
		o.runs = 2;
		o.nr_sizes = 2;
		o.sizes[0] = 1ull << 20;
		o.sizes[1] = 8ull << 20;
	}
	while ((opt = getopt(argc, argv, "i:q:s:r:h")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 'q': o.queue = atoi(optarg); break;
		case 's': parse_sizes(&o, optarg); break;
		case 'r': o.runs = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || !o.runs || o.runs > MAX_RUNS ||
	    !o.ifname != (o.queue < 0))
		usage();
	for (i = 0; i < o.nr_sizes; i++)
		fail |= measure(&o, o.sizes[i]);
	if (o.selfcheck)
		printf("zcrx_regcost: %s\n", fail ? "FAIL" : "PASS");
	return fail;
}
