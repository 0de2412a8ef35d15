// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, bounded fuzzer of the zcrx ABI: random and boundary values in
 * every input of every zcrx entry point, each call checked against an
 * oracle of what upstream answers, and live streams whose every byte is
 * checked while the refill ring is filled with garbage.
 *
 * Reproducing: the seed comes first ("# seed N"). ZCRX_FUZZ_SEED=N runs
 * the same inputs again, ZCRX_FUZZ_SCALE=K multiplies the iteration
 * counts (default 1). Each case draws from a stream of its own derived
 * from the seed, so a case's inputs do not depend on the cases before it.
 * Cases 1 and 4 are then the same calls; in the streaming cases (2, 3, 5,
 * 6) the decisions are the same but when they fall also depends on when
 * CQEs arrive.
 * In the test VM, put ZCRX_FUZZ_SEED=N on the kernel command line: the
 * kernel hands such words to init's environment, and so to the test.
 *
 * The oracles. A registration, ctrl or RECV_ZC request is generated with
 * a known set of things wrong with it; each thing maps to the errno
 * upstream's code returns for it (io_uring/zcrx.c, memmap.c, rsrc.c,
 * query.c, net.c, register.c; docs/abi-differences.md for where 6.12
 * knowingly differs). The call must succeed when nothing is wrong and
 * fail with one of those errnos otherwise, whichever check comes first.
 * Memory is modelled exactly: every pointer given to the kernel points
 * into a private arena of read-write, read-only and PROT_NONE pages, or
 * somewhere verified unmapped, so whether the kernel can read, write or
 * pin it is known. Queries are simulated entry by entry.
 *
 * Cases, one line each; a failure does not stop the others:
 *  1 reg_fuzz: IORING_REGISTER_ZCRX_IFQ with random and boundary values
 *    in every field of the ifq, area and region descriptors, the event
 *    descriptor, the argument pointers and nr_args, on rings with and
 *    without the flags zcrx needs; NODEV, netdev (vnic) and import
 *    registrations. A registration that succeeds is checked and torn
 *    down (the ring closed) before the next.
 *  2 nodev_refill_fuzz: a NODEV ifq receives a loopback TCP stream (the
 *    copy fallback) with every byte checked when it arrives and again
 *    when its buffer goes back, while the receiver writes more than
 *    10^5 random refill entries (returns, garbage, entries naming
 *    buffers it does not hold) and random head and tail values. No
 *    buffer may be handed out twice, none may change while held, and the
 *    stream must reach its end.
 *  3 vnic_refill_fuzz: the same on an ifq bound to a vnic rx queue with
 *    header split and a steered flow (zero copy); skipped without vnic.
 *  4 ctrl_query_fuzz: IORING_REGISTER_ZCRX_CTRL with random zcrx_ctrl
 *    contents, pointers and nr_args, on a ring with an ifq, one without,
 *    fd -1 and non-ring fds; IORING_REGISTER_QUERY chains with random
 *    ops, sizes, buffers and next_entry (loops, unmapped, read-only).
 *  5 recv_sqe_fuzz: IORING_OP_RECV_ZC with random ioprio, len,
 *    zcrx_ifq_idx, msg_flags, addr fields and sqe flags on a streaming
 *    TCP socket, pipes, UDP and unix sockets, a listening and an
 *    unconnected TCP socket, a regular file, eventfds, another ring's
 *    fd and closed fds: every CQE is data of the stream (checked) or an
 *    errno upstream returns for that file; the stream still completes.
 *  6 kill_and_close: children (spawned, not forked: see README) register
 *    NODEV or vnic ifqs, hold buffers or keep requests in flight, and
 *    are killed with SIGKILL; rings are closed with RECV_ZC requests in
 *    flight. Each time the same queue must register again at once.
 *  7 accounting_restored: VmPin and VmLck of this process, the system's
 *    outstanding FOLL_PIN pages (/proc/vmstat) and the RLIMIT_MEMLOCK
 *    headroom of root's user_struct are back where they started.
 *
 * Loops are bounded by counts; every wait has a generous limit that
 * fails with a message, and each case has a wall-clock safety limit.
 *
 * Inputs of kernel bugs it found are kept as boundary values
 * (ZCRX_FUZZ_KNOWN_BUGS=0 leaves them out, to look for others):
 *  - an area of 2^28 pages or more (len 1 TiB .. 8 TiB): 6.12's
 *    io_pin_pages() lacked upstream's nr_pages > INT_MAX / sizeof(struct
 *    page *) check, so kvmalloc() warned (mm/util.c) and the registration
 *    failed -ENOMEM; upstream, and the series since, -EOVERFLOW.
 * Avoided on UML, because of UML itself: a query buffer of 2 GiB or more
 * (UML's clear_user() takes an int length and memset()s kernel memory).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

extern char **environ;

#define PAGE		4096ull
#define MAX_RQ		32768u		/* IO_RQ_MAX_ENTRIES */
#define REGION_MAX_PAGES 65535u		/* zcrx-lts's region cap (-E2BIG) */
#define CASE_LIMIT_S	75		/* per case, times the scale */
#define WAIT_MS		15000		/* for one CQE, a child, a flush */

/* ------------------------------------------------------------------ */
/* Seed, scale, PRNG                                                   */

static uint64_t fz_seed;
static unsigned int fz_scale = 1;
static bool fz_known = true;		/* inputs of known kernel bugs too */
static bool fz_uml;			/* running on UML */
static uint64_t rs;			/* xorshift64* state */
static struct timespec case_end;	/* the running case's safety limit */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A case's own stream: the same whatever ran before it. */
static void fz_reseed(unsigned int stream)
{
	uint64_t x = fz_seed ^ (0xd1342543de82ef95ull * (stream + 1));

	rs = splitmix64(&x) | 1;
}

static uint64_t r64(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dull;
}

static uint32_t r32(void)
{
	return r64() >> 32;
}

/* 0..n-1 (0 for n 0) */
static uint64_t rbelow(uint64_t n)
{
	return n ? r64() % n : 0;
}

/* lo..hi, both included */
static uint64_t rrange(uint64_t lo, uint64_t hi)
{
	return lo + rbelow(hi - lo + 1);
}

static bool rchance(unsigned int pct)
{
	return rbelow(100) < pct;
}

#define RPICK(a)	((a)[rbelow(ZU_ARRAY_SIZE(a))])

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void case_pins_base(void);

static void case_start(unsigned int nr)
{
	case_pins_base();
	fz_reseed(nr);
	clock_gettime(CLOCK_MONOTONIC, &case_end);
	case_end.tv_sec += CASE_LIMIT_S * fz_scale;
}

/* The case's wall-clock safety limit: fail with what it was doing. */
static void safety(const char *doing)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t.tv_sec > case_end.tv_sec ||
	    (t.tv_sec == case_end.tv_sec && t.tv_nsec > case_end.tv_nsec))
		tst_fail("expected the case to end within its %d s safety limit, still %s (seed %llu)",
			 CASE_LIMIT_S * fz_scale, doing,
			 (unsigned long long)fz_seed);
}

/* u32 values: boundaries first, then random ones */
static uint64_t pick_u32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 0xffffffffu, 4095, 4096, 4097, 0x7fffffff,
		0x80000000u, 0xfffffffeu, 0xffff, 0x10000, 0x7fffff00,
	};

	switch (rbelow(4)) {
	case 0:
		return r32();
	case 1:
		return 1u << rbelow(32);
	default:
		return RPICK(v);
	}
}

/* u64 values */
static uint64_t pick_u64(void)
{
	static const uint64_t v[] = {
		0, 1, 4095, 4096, 4097, 0x7fffffff, 0xffffffffull,
		0x100000000ull, 1ull << 47, 1ull << 48, 1ull << 63,
		~0ull, ~0ull - 4095, 0x8000000000000000ull - 1,
	};

	switch (rbelow(4)) {
	case 0:
		return r64();
	case 1:
		return 1ull << rbelow(64);
	case 2:
		return pick_u32();
	default:
		return RPICK(v);
	}
}

/* ------------------------------------------------------------------ */
/* Failure reporting: the first few in full, then only counted         */

static unsigned int fz_fails;

__attribute__((format(printf, 1, 2)))
static void fz_fail(const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fz_fails++ < 6)
		tst_check(false, "%s (seed %llu)", msg,
			  (unsigned long long)fz_seed);
}

/* "-EINVAL" or "0", for the errnos zu_errname() does not name too */
static const char *E(int err)
{
	switch (err) {
	case -EOVERFLOW: return "-EOVERFLOW";
	case -E2BIG: return "-E2BIG";
	case -ENXIO: return "-ENXIO";
	case -EEXIST: return "-EEXIST";
	case -EBUSY: return "-EBUSY";
	case -EALREADY: return "-EALREADY";
	case -ENOENT: return "-ENOENT";
	case -EACCES: return "-EACCES";
	case -ENODATA: return "-ENODATA";
	case -EMFILE: return "-EMFILE";
	case -EPIPE: return "-EPIPE";
	case -ECONNRESET: return "-ECONNRESET";
	}
	return zu_errname(err);
}

/* How often each result came: 0 and errnos up to 200. */
static unsigned int hist[201];

static void hist_add(int ret)
{
	if (ret <= 0 && ret >= -200)
		hist[-ret]++;
}

static void hist_print(const char *what)
{
	char line[600];
	size_t o;
	int i;

	o = snprintf(line, sizeof(line), "# %s results:", what);
	for (i = 0; i <= 200 && o < sizeof(line) - 1; i++)
		if (hist[i])
			o += snprintf(line + o, sizeof(line) - o, " %s x%u",
				      i ? E(-i) : "0", hist[i]);
	printf("%s\n", line);
	memset(hist, 0, sizeof(hist));
}

static void fz_case_begin(void)
{
	fz_fails = 0;
	memset(hist, 0, sizeof(hist));
}

static void fz_case_summary(const char *what)
{
	if (fz_fails > 6)
		printf("# %s: %u more failures not shown\n", what,
		       fz_fails - 6);
}


/*
 * What a case has open: a case that fails part-way leaves it, and RUN()
 * closes it, so that one failure does not fail the cases after it.
 * Rings are kept by value (the case's copy may be on a stack gone).
 */
static struct io_uring open_ring[12];
static int open_fd[32];
static pid_t open_pid[8];

static void fz_ring(const struct io_uring *r)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_ring); i++)
		if (!open_ring[i].ring_fd) {
			open_ring[i] = *r;
			return;
		}
	tst_fail("internal: too many rings open");
}

static void fz_ring_exit(struct io_uring *r)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_ring); i++)
		if (open_ring[i].ring_fd == r->ring_fd)
			open_ring[i].ring_fd = 0;
	io_uring_queue_exit(r);
}

static void fz_ring_init(struct io_uring *r, unsigned int sq, unsigned int cq)
{
	zu_ring_init_or_die(r, sq, cq, 0);
	fz_ring(r);
}

static int fz_fd(int fd)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_fd) && fd >= 0; i++)
		if (!open_fd[i]) {
			open_fd[i] = fd + 1;
			break;
		}
	return fd;
}

static void fz_close(int fd)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_fd); i++)
		if (open_fd[i] == fd + 1)
			open_fd[i] = 0;
	close(fd);
}

/*
 * An ifq's mappings: a mapped kernel region holds the ring's file, and
 * with it the queue, after the ring is closed.
 */
static struct zu_ifq open_ifq[8];

static void fz_ifq(const struct zu_ifq *z)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_ifq); i++)
		if (!open_ifq[i].area) {
			open_ifq[i] = *z;
			return;
		}
	tst_fail("internal: too many ifqs open");
}

static void fz_ifq_unmap(struct zu_ifq *z)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_ifq); i++)
		if (z->area && open_ifq[i].area == z->area)
			open_ifq[i].area = NULL;
	zu_ifq_unmap(z);
}

static void fz_pid(pid_t pid, bool add)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_pid); i++)
		if (add ? !open_pid[i] : open_pid[i] == pid) {
			open_pid[i] = add ? pid : 0;
			return;
		}
}

static void fz_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(open_pid); i++)
		if (open_pid[i]) {
			kill(open_pid[i], SIGKILL);
			waitpid(open_pid[i], NULL, 0);
			open_pid[i] = 0;
		}
	for (i = 0; i < ZU_ARRAY_SIZE(open_ring); i++)
		if (open_ring[i].ring_fd) {
			io_uring_queue_exit(&open_ring[i]);
			open_ring[i].ring_fd = 0;
		}
	for (i = 0; i < ZU_ARRAY_SIZE(open_ifq); i++)
		if (open_ifq[i].area)
			zu_ifq_unmap(&open_ifq[i]);
	for (i = 0; i < ZU_ARRAY_SIZE(open_fd); i++)
		if (open_fd[i]) {
			close(open_fd[i] - 1);
			open_fd[i] = 0;
		}
}

/* ------------------------------------------------------------------ */
/* The arena: pages whose accessibility the oracles know               */

enum {
	SEG_AREA,		/* rw: areas */
	SEG_AREA_RO,		/* ro */
	SEG_REGION,		/* rw: user refill regions */
	SEG_ARG0, SEG_ARG1, SEG_ARG2, SEG_ARG3,		/* rw: descriptors */
	SEG_ARGRO0, SEG_ARGRO1, SEG_ARGRO2, SEG_ARGRO3,	/* ro copies */
	SEG_QHDR,		/* rw: query headers */
	SEG_QHDR_RO,		/* ro */
	SEG_QDATA0,		/* rw: query answers, one page each */
	SEG_NR = SEG_QDATA0 + 8,
};

#define AREA_SEG_PAGES		64
#define REGION_SEG_PAGES	136	/* 32768 entries: 129 pages */

struct seg {
	uint8_t		*p;
	size_t		len;
	bool		ro;
};

static struct seg seg[SEG_NR];
static uint8_t *arena;
static size_t arena_len;

static unsigned int seg_pages(int i)
{
	if (i == SEG_AREA)
		return AREA_SEG_PAGES;
	if (i == SEG_REGION)
		return REGION_SEG_PAGES;
	if (i == SEG_AREA_RO || i == SEG_QHDR)
		return 2;
	return 1;
}

static bool seg_is_ro(int i)
{
	return i == SEG_AREA_RO || i == SEG_QHDR_RO ||
	       (i >= SEG_ARGRO0 && i <= SEG_ARGRO3);
}

/*
 * One PROT_NONE reservation; each segment is made accessible and
 * followed by a guard page that stays PROT_NONE (4 guard pages lead,
 * 16 trail).
 */
static void arena_setup(void)
{
	size_t pages = 4 + 16, off = 4 * PAGE;
	int i;

	for (i = 0; i < SEG_NR; i++)
		pages += seg_pages(i) + 1;
	arena_len = pages * PAGE;
	arena = mmap(NULL, arena_len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		tst_fail("expected a %zu-byte arena, got %s", arena_len,
			 strerror(errno));
	madvise(arena, arena_len, MADV_NOHUGEPAGE);
	for (i = 0; i < SEG_NR; i++) {
		seg[i].p = arena + off;
		seg[i].len = seg_pages(i) * PAGE;
		seg[i].ro = seg_is_ro(i);
		if (mprotect(seg[i].p, seg[i].len, PROT_READ | PROT_WRITE))
			tst_fail("expected mprotect of the arena to work, got %s",
				 strerror(errno));
		/* a pattern no 8 bytes of which make a user pointer */
		memset(seg[i].p, 0xa5, seg[i].len);
		if (seg[i].ro && mprotect(seg[i].p, seg[i].len, PROT_READ))
			tst_fail("expected mprotect(PROT_READ) to work, got %s",
				 strerror(errno));
		off += seg[i].len + PAGE;
	}
}

static uint64_t seg_addr(int i, uint64_t off)
{
	return (uint64_t)(uintptr_t)seg[i].p + off;
}

/* Write into a segment, read-only or not. */
static void seg_write(int i, uint64_t off, const void *src, size_t len)
{
	if (seg[i].ro)
		mprotect(seg[i].p, seg[i].len, PROT_READ | PROT_WRITE);
	memcpy(seg[i].p + off, src, len);
	if (seg[i].ro)
		mprotect(seg[i].p, seg[i].len, PROT_READ);
}

/*
 * Bytes the kernel can access from addr on, to the end of its segment
 * (write: a read-write one). Anything outside the segments is a guard
 * page or verified unmapped: 0.
 */
static uint64_t mem_avail(uint64_t addr, bool write)
{
	int i;

	for (i = 0; i < SEG_NR; i++) {
		uint64_t b = seg_addr(i, 0);

		if (addr >= b && addr < b + seg[i].len)
			return write && seg[i].ro ? 0 : b + seg[i].len - addr;
	}
	return 0;
}

static bool mem_ok(uint64_t addr, uint64_t len, bool write)
{
	return !len || mem_avail(addr, write) >= len;
}

static bool in_arena(uint64_t addr)
{
	return addr >= (uintptr_t)arena && addr < (uintptr_t)arena + arena_len;
}

/* Is nothing mapped at the pages of [addr, addr + len)? (len small) */
static bool unmapped(uint64_t addr, uint64_t len)
{
	uint64_t p = addr & ~(PAGE - 1), end = addr + (len ? len : 1);

	if (end < addr)
		end = ~0ull;
	if (in_arena(addr))
		return !mem_avail(addr, false) && !mem_avail(end - 1, false);
	for (; p < end && p >= (addr & ~(PAGE - 1)); p += PAGE)
		if (!msync((void *)(uintptr_t)p, PAGE, MS_ASYNC))
			return false;
	return true;
}

/*
 * An address where nothing is: a guard page, low memory, kernel or
 * non-canonical addresses, the top of the user range.
 */
static uint64_t foreign_ptr(uint64_t len)
{
	static const uint64_t v[] = {
		1, 8, 4095, 4096, 4097, 0x10000 - 64, 0x7fffffff,
		0xffffffffull, 0xffff888000000000ull, 0xffffffff81000000ull,
		~0ull, ~0ull - 4095, 0x8000000000000000ull,
		0xa5a5a5a5a5a5a5a5ull, (1ull << 47) - 4096,
	};
	uint64_t a;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		switch (rbelow(3)) {
		case 0:
			/* the guard page before a segment */
			a = (uintptr_t)seg[rbelow(SEG_NR)].p - PAGE +
			    rbelow(PAGE);
			break;
		case 1:
			a = RPICK(v);
			break;
		default:
			a = r64() | (1ull << 63);
			break;
		}
		if (unmapped(a, len))
			return a;
	}
	return 0xffff888000000000ull;
}

/* Where a descriptor goes: how the kernel can access the pointer given. */
enum place {
	PL_RW,		/* read-write, aligned */
	PL_RW_ODD,	/* read-write, unaligned */
	PL_RO,		/* read-only copy */
	PL_STRADDLE,	/* runs into the guard page: unreadable */
	PL_NULL,
	PL_FOREIGN,	/* nothing there */
	PL_NR,
};

static const char *const place_name[] = {
	"rw", "rw-unaligned", "read-only", "straddling a guard", "NULL",
	"unmapped",
};

static enum place pick_place(unsigned int pct_bad)
{
	if (!rchance(pct_bad))
		return rchance(85) ? PL_RW : PL_RW_ODD;
	return rrange(PL_RO, PL_FOREIGN);
}

/* Copy s (len bytes) as p says, into rw_seg or ro_seg; its address. */
static uint64_t place_at(enum place p, const void *s, size_t len, int rw_seg,
			 int ro_seg)
{
	uint64_t off;

	switch (p) {
	case PL_RW:
		off = rbelow((PAGE - len) / 8) * 8;
		seg_write(rw_seg, off, s, len);
		return seg_addr(rw_seg, off);
	case PL_RW_ODD:
		off = rrange(1, PAGE - len);
		seg_write(rw_seg, off, s, len);
		return seg_addr(rw_seg, off);
	case PL_RO:
		off = rbelow((PAGE - len) / 8) * 8;
		seg_write(ro_seg, off, s, len);
		return seg_addr(ro_seg, off);
	case PL_STRADDLE:
		off = PAGE - rrange(1, len - 1);
		seg_write(rw_seg, off, s, PAGE - off);
		return seg_addr(rw_seg, off);
	case PL_NULL:
		return 0;
	default:
		return foreign_ptr(len);
	}
}

/* ------------------------------------------------------------------ */
/* Oracle candidates                                                   */

struct cands {
	unsigned int	n;
	int		err[32];
	const char	*why[32];
};

static void cand(struct cands *c, int err, const char *why)
{
	if (c->n < ZU_ARRAY_SIZE(c->err)) {
		c->err[c->n] = err;
		c->why[c->n] = why;
		c->n++;
	}
}

static bool cand_has(const struct cands *c, int err)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->err[i] == err)
			return true;
	return false;
}

/* "0" or "one of {-EINVAL (why), ...}" */
static const char *cand_str(const struct cands *c)
{
	static char buf[400];
	size_t o = 0;
	unsigned int i;

	if (!c->n)
		return "0";
	o += snprintf(buf, sizeof(buf), "%s{", c->n > 1 ? "one of " : "");
	for (i = 0; i < c->n && o < sizeof(buf) - 1; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s (%s)",
			      i ? ", " : "", E(c->err[i]), c->why[i]);
	if (o < sizeof(buf) - 1)
		snprintf(buf + o, sizeof(buf) - o, "}");
	return buf;
}

/* ret is right: 0 with no candidate, one of them otherwise */
static bool cand_ok(const struct cands *c, int ret)
{
	return c->n ? cand_has(c, ret) : ret == 0;
}

/* ------------------------------------------------------------------ */
/* Accounting: pins and memlock                                        */

static long status_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			kb = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Pages pinned with FOLL_PIN in the whole system and not unpinned. */
static long long foll_pins(void)
{
	long long acq = -1, rel = -1, v;
	char key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return LLONG_MIN;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? LLONG_MIN : acq - rel;
}

struct acct {
	long		vmpin, vmlck;	/* kB */
	long long	foll;		/* pages */
};

static void acct_read(struct acct *a)
{
	a->vmpin = status_kb("VmPin");
	a->vmlck = status_kb("VmLck");
	a->foll = foll_pins();
}

static struct acct acct0, case_acct;

/* Up to 5 s (the last references of an ifq may go in a workqueue). */
static void acct_wait(struct acct *a, const struct acct *want)
{
	int ms;

	for (ms = 0; ms <= 5000; ms += 20) {
		acct_read(a);
		if (a->vmpin == want->vmpin && a->foll == want->foll)
			return;
		usleep(20000);
	}
}

/*
 * A case's baseline: the start's, or what an earlier case that failed
 * left, so that its failure is not this case's too.
 */
static void case_pins_base(void)
{
	acct_read(&case_acct);
	if (case_acct.vmpin > acct0.vmpin || case_acct.foll > acct0.foll)
		acct_wait(&case_acct, &acct0);
}

/*
 * The system's count at the start, once it holds still for a second
 * (up to 10 s): an ifq of a test that ran before may still be going.
 */
static void acct_settle(void)
{
	long long last = LLONG_MIN;
	int ms, still = 0;

	for (ms = 0; ms < 10000 && still < 1000; ms += 100) {
		acct_read(&acct0);
		still = acct0.foll == last ? still + 100 : 0;
		last = acct0.foll;
		usleep(100000);
	}
}

/* This process's and the system's pins must be the case's baseline. */
static void check_pins_back(const char *after)
{
	struct acct a;

	acct_wait(&a, &case_acct);
	if (a.vmpin != case_acct.vmpin || a.foll != case_acct.foll)
		fz_fail("%s: expected VmPin %ld kB and %lld FOLL_PIN pages in the system as before, got %ld kB and %lld",
			after, case_acct.vmpin, case_acct.foll, a.vmpin,
			a.foll);
}

/* ------------------------------------------------------------------ */
/* Children: spawned (vfork + exec of this program), never forked      */

#define CHILD_FD_SOCK	100
#define CHILD_FD_REP	101

struct child {
	pid_t	pid;
	int	rep;		/* its reports */
	int	err;		/* its stderr */
};

/*
 * Run this program again as a child: argv after the program name,
 * sock (or -1) as CHILD_FD_SOCK, a report pipe as CHILD_FD_REP and a
 * pipe as stderr. posix_spawn() shares the memory until exec, so the
 * rings this process has mapped are not copied (UML's "Bad page map").
 */
static void child_spawn(struct child *c, char *const *args, int sock)
{
	posix_spawn_file_actions_t fa;
	char *argv[16];
	int rep[2], err[2], i, ret;

	argv[0] = program_invocation_name;
	argv[1] = "--fuzz-child";
	for (i = 0; args[i] && i < 13; i++)
		argv[i + 2] = args[i];
	argv[i + 2] = NULL;
	if (pipe2(rep, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		tst_fail("expected pipes, got %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	if (sock >= 0)
		posix_spawn_file_actions_adddup2(&fa, sock, CHILD_FD_SOCK);
	posix_spawn_file_actions_adddup2(&fa, rep[1], CHILD_FD_REP);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	fflush(NULL);
	ret = posix_spawn(&c->pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(rep[1]);
	close(err[1]);
	if (ret) {
		close(rep[0]);
		close(err[0]);
		tst_fail("expected to spawn a child, got %s", strerror(ret));
	}
	c->rep = rep[0];
	c->err = err[0];
	fz_pid(c->pid, true);
}

/* Read the child's report line (up to len-1 bytes) or fail with its why. */
static void child_report(struct child *c, char *buf, size_t len)
{
	struct pollfd p = { .fd = c->rep, .events = POLLIN };
	char msg[400];
	ssize_t n = -1;
	int st = 0;

	if (poll(&p, 1, 3 * WAIT_MS) == 1)
		n = read(c->rep, buf, len - 1);
	if (n > 0) {
		buf[n] = '\0';
		return;
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	fz_pid(c->pid, false);
	close(c->rep);
	tst_fail("expected the child's report within %d ms, got %s; status %#x: %s",
		 3 * WAIT_MS, n < 0 ? "none" : "EOF", st,
		 tst_child_why(c->err, msg, sizeof(msg)));
}

/* SIGKILL it and reap it. */
static void child_kill(struct child *c)
{
	int st = 0;

	kill(c->pid, SIGKILL);
	if (waitpid(c->pid, &st, 0) == c->pid)
		fz_pid(c->pid, false);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fz_fail("expected the child to die of SIGKILL, got status %#x",
			st);
	close(c->rep);
	close(c->err);
	c->pid = 0;
}

/* Reap a child that exits on its own; fail with its why unless exit 0. */
static void child_wait(struct child *c, const char *what)
{
	char msg[400];
	int st = 0;

	tst_child_why(c->err, msg, sizeof(msg));
	waitpid(c->pid, &st, 0);
	fz_pid(c->pid, false);
	close(c->rep);
	close(c->err);
	c->pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tst_fail("%s child: expected exit 0, got status %#x: %s", what,
			 st, msg);
}

static void cap_drop(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		tst_fail("expected capget() to work, got %s", strerror(errno));
	data[cap / 32].effective &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &hdr, data))
		tst_fail("expected capset() to drop capability %d, got %s",
			 cap, strerror(errno));
}

/*
 * Child "memlock L": without CAP_IPC_LOCK and with RLIMIT_MEMLOCK L
 * pages, the largest area (plus a one-page refill region) that registers
 * says how much of L root's user_struct has charged already: the
 * headroom. Failed attempts charge nothing, so it counts down from L
 * and stops at the first success. Reports "H <pages>".
 */
static int child_memlock(unsigned int limit)
{
	struct rlimit rl = { limit * PAGE, limit * PAGE };
	struct io_uring ring;
	struct zu_ifq z;
	unsigned int a;
	char rep[32];
	uint8_t *area;
	int ret;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		tst_fail("expected to set RLIMIT_MEMLOCK, got %s",
			 strerror(errno));
	cap_drop(CAP_IPC_LOCK);
	zu_ring_init_or_die(&ring, 4, 0, 0);
	area = zu_map(limit * PAGE, PROT_READ | PROT_WRITE);
	madvise(area, limit * PAGE, MADV_NOHUGEPAGE);
	memset(area, 1, limit * PAGE);
	for (a = limit - 1; a >= 1; a--) {
		memset(&z, 0, sizeof(z));
		z.ring = &ring;
		z.area_reg.addr = (uintptr_t)area;
		z.area_reg.len = a * PAGE;
		z.rd.size = PAGE;
		z.reg.flags = ZCRX_REG_NODEV;
		z.reg.rq_entries = 64;
		z.reg.area_ptr = (uintptr_t)&z.area_reg;
		z.reg.region_ptr = (uintptr_t)&z.rd;
		ret = io_uring_register_ifq(&ring, &z.reg);
		if (!ret)
			break;
		if (ret != -ENOMEM)
			tst_fail("memlock probe: a %u-page area: expected 0 or -ENOMEM, got %s",
				 a, E(ret));
	}
	snprintf(rep, sizeof(rep), "H %u\n", a ? a + 1 : 0);
	if (write(CHILD_FD_REP, rep, strlen(rep)) < 0)
		return 1;
	io_uring_queue_exit(&ring);
	return 0;
}

#define MEMLOCK_PROBE	256	/* pages */

/* The headroom a memlock child finds, in pages. */
static long memlock_headroom(void)
{
	char lim[16], buf[32];
	char *args[] = { "memlock", lim, NULL };
	struct child c;
	long h = -1;

	snprintf(lim, sizeof(lim), "%u", MEMLOCK_PROBE);
	child_spawn(&c, args, -1);
	child_report(&c, buf, sizeof(buf));
	if (sscanf(buf, "H %ld", &h) != 1)
		tst_fail("expected \"H <pages>\" from the memlock child, got \"%s\"",
			 buf);
	child_wait(&c, "memlock");
	return h;
}

static long memlock0 = -1;

/* ------------------------------------------------------------------ */
/* The vnic pair (made before any ring exists) and the probe values    */

static bool have_vnic;
static char no_vnic[300] = "not set up";
static struct zv_pair vp;
static unsigned int lo_idx;
static uint32_t rqes_off;	/* where the entries start in a region */

#define VN_PORT(q)	(9100 + (q))	/* steered to queue q (1..3) */

/*
 * The pair of zcrx_vnic.h, ntuple rules steering VN_PORT(q) to queue q,
 * header split on. Without vnic in the kernel the vnic parts skip.
 */
static void vnic_setup(void)
{
	int ret, q;

	ret = vn_pair_create(VN_A, VN_B, VN_DEF_QUEUES);
	if (ret == -EOPNOTSUPP) {
		snprintf(no_vnic, sizeof(no_vnic),
			 "the kernel has no vnic: `ip link add ... type vnic` said: %s",
			 vn_out_line());
		return;
	}
	if (ret)
		tst_fail("expected a vnic pair, got: %s", vn_out_line());
	vn_pair_delete(VN_A);
	zv_pair_setup(&vp);
	for (q = 1; q <= 3; q++)
		vn_ntuple_add_or_die(VN_B, "tcp4", VN_PORT(q), q, -1);
	ret = vn_set_hds(VN_B, true);
	if (ret)
		tst_fail("expected tcp-data-split on for %s, got %s", VN_B,
			 E(ret));
	have_vnic = true;
}

/* Where a registration puts the entries (offsets.rqes), from a probe. */
static void probe_offsets(void)
{
	struct io_uring ring;
	struct zu_ifq z;

	zu_ring_init_or_die(&ring, 4, 0, 0);
	zu_ifq_setup(&z, &ring, 4 * PAGE, 64, true);
	rqes_off = z.reg.offsets.rqes;
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	if (!rqes_off || rqes_off % 16 || rqes_off > PAGE)
		tst_fail("expected offsets.rqes in the first page, got %u",
			 rqes_off);
}

static uint32_t pow2_up(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* ------------------------------------------------------------------ */
/* Child "hold": register, receive, hold, report, wait for SIGKILL     */

enum hold_variant { HV_REG_ONLY, HV_HOLD, HV_INFLIGHT, HV_NR };

static const char *const hv_name[] = { "registered only", "holding buffers",
				       "requests in flight" };

/*
 * args: nodev|vnic ifindex rxq variant dropcap target kernel_region.
 * Without CAP_IPC_LOCK (dropcap) the ring and the ifq are charged to
 * root's RLIMIT_MEMLOCK account, so the kill has to give that back too.
 */
static int child_hold(char **a)
{
	bool vnic = !strcmp(a[0], "vnic");
	unsigned int ifindex = atoi(a[1]), rxq = atoi(a[2]);
	int variant = atoi(a[3]);
	unsigned int target = atoi(a[5]);
	struct rlimit rl = { 1ull << 30, 1ull << 30 };
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;
	int ret;

	if (atoi(a[4])) {
		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			tst_fail("child: expected to raise RLIMIT_MEMLOCK, got %s",
				 strerror(errno));
		cap_drop(CAP_IPC_LOCK);
	}
	zu_ring_init_or_die(&ring, 16, 1024, 0);
	zu_ifq_prepare(&z, &ring, (vnic ? 2 : 1) * ZU_MIB, 256, atoi(a[6]));
	if (vnic) {
		z.reg.flags = 0;
		z.reg.if_idx = ifindex;
		z.reg.if_rxq = rxq;
	}
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("child: expected to register a %s ifq%s at once, got %s",
			 vnic ? "vnic" : "NODEV",
			 vnic ? " on the queue the last holder had" : "",
			 E(ret));
	if (variant != HV_REG_ONLY) {
		zu_recv_init(&r, &z, CHILD_FD_SOCK, UINT64_MAX,
			     variant == HV_HOLD ? ZU_REFILL_LAZY :
						  ZU_REFILL_EAGER);
		if (variant == HV_HOLD) {
			zu_arm(&r);
			while (zu_held(&r) < target) {
				struct io_uring_cqe *cqe;

				cqe = zu_recv_wait(&r, WAIT_MS);
				do {
					if (zu_handle_cqe(&r, cqe) == ZU_CQE_END)
						zu_rearm_after_end(&r, cqe->res);
					io_uring_cqe_seen(&ring, cqe);
				} while (!io_uring_peek_cqe(&ring, &cqe));
			}
		} else {
			zu_recv_until(&r, target * PAGE);
		}
	}
	if (write(CHILD_FD_REP, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}

static int child_main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[2], "memlock"))
		return child_memlock(atoi(argv[3]));
	if (argc >= 10 && !strcmp(argv[2], "hold"))
		return child_hold(argv + 3);
	tst_fail("unknown child mode");
}

/* ------------------------------------------------------------------ */
/* Case 1: registration                                                */

#define REG_USE_REGISTERED	(1u << 31)	/* IORING_REGISTER_USE_REGISTERED_RING */

enum ring_kind { RK_GOOD, RK_CLAMP, RK_NO_DEFER, RK_NO_CQE32, RK_NR };

static const char *const rk_name[] = { "zcrx ring", "zcrx ring with CLAMP",
				       "ring without DEFER_TASKRUN",
				       "ring without CQE32" };

enum fd_kind { FDK_RING, FDK_MINUS1, FDK_PIPE, FDK_CLOSED, FDK_REGISTERED };

static const char *const fdk_name[] = { "ring", "-1", "pipe", "closed",
					"registered-ring index" };

enum reg_mode { RM_NODEV_USER, RM_NODEV_KERNEL, RM_NETDEV, RM_IMPORT };

static struct io_uring fr[RK_NR];
static int fr_pipe[2] = { -1, -1 };
static int box_fd = -1;		/* an exported ifq, to import */

static void fr_open(int k)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	switch (k) {
	case RK_GOOD:
		p.flags = ZU_RING_FLAGS;
		break;
	case RK_CLAMP:
		p.flags = ZU_RING_FLAGS | IORING_SETUP_CLAMP;
		break;
	case RK_NO_DEFER:
		p.flags = IORING_SETUP_CQE32;
		break;
	default:
		p.flags = IORING_SETUP_SINGLE_ISSUER |
			  IORING_SETUP_DEFER_TASKRUN;
		break;
	}
	ret = io_uring_queue_init_params(4, &fr[k], &p);
	if (ret)
		tst_fail("expected a %s, got %s", rk_name[k], E(ret));
	fz_ring(&fr[k]);
}

/* One registration's input; the descriptors go where pl_* say. */
struct rin {
	int				ring;		/* enum ring_kind */
	int				fdk;		/* enum fd_kind */
	uint32_t			fdval;		/* FDK_REGISTERED */
	unsigned int			nr_args;
	enum place			pl_reg, pl_area, pl_rd, pl_ed;
	bool				has_ed;
	struct io_uring_zcrx_ifq_reg	reg;
	struct io_uring_zcrx_area_reg	area;
	struct io_uring_region_desc	rd;
	struct zcrx_event_desc		ed;
	uint64_t			reg_p;		/* the argument */
	char				muts[200];	/* what was changed */
};

static void mut_note(struct rin *in, const char *what)
{
	size_t o = strlen(in->muts);

	snprintf(in->muts + o, sizeof(in->muts) - o, "%s%s", o ? "," : "",
		 what);
}

static uint32_t region_need(uint32_t entries)
{
	return rqes_off + 16 * entries;
}

/* A valid registration of a random kind. */
static void rin_base(struct rin *in)
{
	static const uint32_t ent[] = { 1, 2, 8, 64, 100, 256, 1000, 4096 };
	uint64_t apg, aoff, rpg;
	unsigned int m = rbelow(100);

	memset(in, 0, sizeof(*in));
	in->ring = RK_GOOD;
	in->nr_args = 1;
	in->pl_reg = in->pl_area = in->pl_rd = PL_RW;
	in->reg.rq_entries = RPICK(ent);
	apg = rrange(1, AREA_SEG_PAGES / 2);
	aoff = rbelow(AREA_SEG_PAGES - apg + 1);
	in->area.addr = seg_addr(SEG_AREA, aoff * PAGE);
	in->area.len = apg * PAGE;
	rpg = (region_need(pow2_up(in->reg.rq_entries)) + PAGE - 1) / PAGE;
	rpg += rbelow(2);
	in->rd.size = rpg * PAGE;
	if (m < 45) {
		in->rd.flags = IORING_MEM_REGION_TYPE_USER;
		in->rd.user_addr = seg_addr(SEG_REGION,
			rbelow(REGION_SEG_PAGES - rpg + 1) * PAGE);
	}
	in->reg.flags = ZCRX_REG_NODEV;
	if (m >= 75 && m < 88 && have_vnic) {
		in->reg.flags = 0;
		in->reg.if_idx = vp.ifindex;
		in->reg.if_rxq = rrange(1, 3);
	} else if (m >= 88) {
		memset(&in->reg, 0, sizeof(in->reg));
		in->reg.flags = ZCRX_REG_IMPORT;
		in->reg.if_idx = box_fd;
		in->pl_area = in->pl_rd = PL_NULL;
	}
}

static uint64_t pool_len(void)
{
	static const uint64_t v[] = {
		0, 1, 4095, 4096, 4097, 8191, 8192, 0x7fffffff, 0xffffffffull,
		0x100000000ull, (1ull << 30) + 4096,
		0x80000000ull * 4096, 1ull << 44,
		~0ull, ~0ull - 4095, ~0ull - 8191, 1ull << 63,
		(uint64_t)REGION_MAX_PAGES * 4096, 65536ull * 4096,
	};
	/*
	 * Upstream's io_pin_pages() limit, INT_MAX / 8 pages, + 1, and INT_MAX
	 * pages: -EOVERFLOW (6.12's io_pin_pages() lacked the bound and gave
	 * a kvmalloc() WARN and -ENOMEM; ZCRX_FUZZ_KNOWN_BUGS=0 leaves them
	 * out).
	 */
	static const uint64_t known[] = { (1ull << 28) * 4096,
					  0x7fffffffull * 4096 };

	if (fz_known && rchance(2))
		return RPICK(known);

	switch (rbelow(4)) {
	case 0:
		return rrange(1, AREA_SEG_PAGES + 4) * PAGE;
	case 1:
		return rrange(1, (AREA_SEG_PAGES + 4) * PAGE);
	case 2:
		return r64() | (1ull << 63);
	default:
		return RPICK(v);
	}
}

/* A pointer-sized value whose target the memory model knows. */
static uint64_t pool_addr(int rw_seg, unsigned int pages)
{
	uint64_t v;

	switch (rbelow(8)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return seg_addr(rw_seg, rbelow(pages) * PAGE);
	case 3:
		return seg_addr(rw_seg, rbelow(pages * PAGE)) | 1;
	case 4:
		return seg_addr(SEG_AREA_RO, 0);
	case 5:
		return seg_addr(rw_seg, pages * PAGE);	/* the guard after */
	case 6:
		return foreign_ptr(PAGE) & (rchance(50) ? ~(PAGE - 1) : ~0ull);
	default:
		v = pick_u64();
		return in_arena(v) || unmapped(v, PAGE) ? v : foreign_ptr(PAGE);
	}
}

static uint32_t pool_entries(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 7, 64, 100, 1000, 4096, 32767, 32768, 32769,
		65536, 0x7fffffff, 0x80000000u, 0xffffffffu,
	};

	return rchance(75) ? RPICK(v) : pick_u32();
}

static uint32_t pool_ifidx(void)
{
	char name[IF_NAMESIZE];
	uint32_t v;

	switch (rbelow(8)) {
	case 0:
		return 0;
	case 1:
		return lo_idx;
	case 2:
	case 3:
		return have_vnic ? (uint32_t)vp.ifindex : 0x7fffff00;
	case 4:
		return box_fd;
	case 5:
		return fr_pipe[0];
	default:
		v = pick_u32();
		/* not some device the oracle does not know */
		if (v != lo_idx && (!have_vnic || v != (uint32_t)vp.ifindex) &&
		    if_indextoname(v, name))
			v = 0x7fffff00;
		return v;
	}
}

/* One field (or the ring, fd, nr_args, a descriptor's place) changed. */
static void rin_mutate(struct rin *in)
{
	static const uint32_t rxbuf[] = { 4096, 2048, 8192, 6144, 1,
					  0xffffffffu, 0x80000000u, 65536 };
	static const uint32_t flags[] = { 0, ZCRX_REG_NODEV, ZCRX_REG_IMPORT,
					  ZCRX_REG_IMPORT | ZCRX_REG_NODEV, 4,
					  1u << 31 };
	static const uint32_t rdfl[] = { 0, IORING_MEM_REGION_TYPE_USER, 2, 3,
					 1u << 31 };
	static const uint32_t regfd[] = { 0, 1, 15, 16, 100, 0xffffffffu };
	uint8_t *b;

	switch (rbelow(30)) {
	case 0:
		in->ring = rrange(RK_CLAMP, RK_NO_CQE32);
		mut_note(in, rk_name[in->ring]);
		break;
	case 1:
		in->fdk = rrange(FDK_MINUS1, FDK_REGISTERED);
		in->fdval = RPICK(regfd);
		mut_note(in, "fd");
		break;
	case 2:
		in->nr_args = rchance(50) ? rbelow(3) : pick_u32();
		mut_note(in, "nr_args");
		break;
	case 3:
		in->pl_reg = pick_place(100);
		mut_note(in, "reg place");
		break;
	case 4:
		in->reg.if_idx = pool_ifidx();
		mut_note(in, "if_idx");
		break;
	case 5:
		in->reg.if_rxq = rchance(50) ? rbelow(6) : pick_u32();
		mut_note(in, "if_rxq");
		break;
	case 6:
	case 7:
		in->reg.rq_entries = pool_entries();
		mut_note(in, "rq_entries");
		break;
	case 8:
		in->reg.flags = rchance(70) ? RPICK(flags) : pick_u32();
		mut_note(in, "flags");
		break;
	case 9:
		in->pl_area = pick_place(100);
		mut_note(in, "area place");
		break;
	case 10:
		in->pl_rd = pick_place(100);
		mut_note(in, "region place");
		break;
	case 11:
		b = (uint8_t *)&in->reg.offsets;
		b[rbelow(sizeof(in->reg.offsets))] = r32();
		mut_note(in, "offsets");
		break;
	case 12:
		in->reg.zcrx_id = pick_u32();
		mut_note(in, "zcrx_id");
		break;
	case 13:
		in->reg.rx_buf_len = rchance(70) ? RPICK(rxbuf) : pick_u32();
		mut_note(in, "rx_buf_len");
		break;
	case 14:
		in->has_ed = true;
		in->pl_ed = pick_place(30);
		memset(&in->ed, 0, sizeof(in->ed));
		switch (rbelow(7)) {
		case 0:
			in->ed.user_data = r64();
			break;
		case 1:
			in->ed.type_mask = pick_u32();
			break;
		case 2:
			in->ed.flags = pick_u32();
			break;
		case 3:
			in->ed.stats_offset = pick_u64();
			break;
		case 4:
			in->ed.__resv2[rbelow(9)] = pick_u64();
			break;
		}
		mut_note(in, "event_desc");
		break;
	case 15:
		in->reg.__resv[rbelow(2)] = pick_u64();
		mut_note(in, "reg.__resv");
		break;
	case 16:
	case 17:
		in->area.addr = pool_addr(SEG_AREA, AREA_SEG_PAGES);
		mut_note(in, "area.addr");
		break;
	case 18:
	case 19:
		in->area.len = pool_len();
		mut_note(in, "area.len");
		break;
	case 20:
		in->area.rq_area_token = pick_u64();
		mut_note(in, "area.token");
		break;
	case 21:
		in->area.flags = rchance(50) ? rbelow(4) : pick_u32();
		mut_note(in, "area.flags");
		break;
	case 22:
		in->area.dmabuf_fd = pick_u32();
		mut_note(in, "area.dmabuf_fd");
		break;
	case 23:
		in->area.__resv2[rbelow(2)] = pick_u64();
		mut_note(in, "area.__resv2");
		break;
	case 24:
		in->rd.user_addr = pool_addr(SEG_REGION, REGION_SEG_PAGES);
		mut_note(in, "rd.user_addr");
		break;
	case 25:
		in->rd.size = rchance(30) ?
			(uint64_t)rrange(1, REGION_SEG_PAGES + 2) * PAGE :
			pool_len();
		mut_note(in, "rd.size");
		break;
	case 26:
		in->rd.flags = rchance(70) ? RPICK(rdfl) : pick_u32();
		mut_note(in, "rd.flags");
		break;
	case 27:
		in->rd.id = pick_u32();
		mut_note(in, "rd.id");
		break;
	case 28:
		in->rd.mmap_offset = rchance(30) ? 0x30000000ull : pick_u64();
		mut_note(in, "rd.mmap_offset");
		break;
	default:
		in->rd.__resv[rbelow(4)] = pick_u64();
		mut_note(in, "rd.__resv");
		break;
	}
}

/*
 * A kernel region the kernel would allocate must stay small: the huge
 * ones are tested through the sizes it refuses (over 65535 pages).
 */
static void rin_sanitize(struct rin *in)
{
	struct io_uring_region_desc *rd = &in->rd;

	if (!rd->flags && !rd->user_addr && !(rd->size & (PAGE - 1)) &&
	    rd->size > 256 * PAGE &&
	    rd->size <= (uint64_t)REGION_MAX_PAGES * PAGE)
		rd->size = 256 * PAGE;
}

/* Put the descriptors where the input says; sets the pointers. */
static void rin_place(struct rin *in)
{
	uint64_t p;

	if (in->has_ed)
		in->reg.event_desc = place_at(in->pl_ed, &in->ed,
					      sizeof(in->ed), SEG_ARG3,
					      SEG_ARGRO3);
	if (!(in->reg.flags & ZCRX_REG_IMPORT) || in->pl_area != PL_NULL) {
		p = place_at(in->pl_area, &in->area, sizeof(in->area), SEG_ARG1,
			     SEG_ARGRO1);
		in->reg.area_ptr = p;
	}
	if (!(in->reg.flags & ZCRX_REG_IMPORT) || in->pl_rd != PL_NULL) {
		p = place_at(in->pl_rd, &in->rd, sizeof(in->rd), SEG_ARG2,
			     SEG_ARGRO2);
		in->reg.region_ptr = p;
	}
	in->reg_p = place_at(in->pl_reg, &in->reg, sizeof(in->reg), SEG_ARG0,
			     SEG_ARGRO0);
}

static bool add_ovf(uint64_t a, uint64_t b)
{
	return a + b < a;
}

/* What upstream's io_import_area() and io_import_umem() refuse. */
static void area_oracle(const struct io_uring_zcrx_area_reg *a,
			uint32_t rx_buf_len, struct cands *c)
{
	unsigned int n0 = c->n;
	uint64_t alen;

	if (rx_buf_len) {
		if ((rx_buf_len & (rx_buf_len - 1)) || rx_buf_len < PAGE)
			cand(c, -EINVAL, "rx_buf_len not a power of two >= PAGE_SIZE");
		else if (rx_buf_len != PAGE)
			cand(c, -EOPNOTSUPP, "rx_buf_len > PAGE_SIZE (not on 6.12)");
	}
	if (a->flags & ~IORING_ZCRX_AREA_DMABUF)
		cand(c, -EINVAL, "unknown area.flags");
	if (a->__resv2[0] || a->__resv2[1])
		cand(c, -EINVAL, "area.__resv2 set");
	if (!a->len) {
		cand(c, -EFAULT, "area.len 0");
	} else {
		alen = a->len > ~0ull - (PAGE - 1) ? 0 :
		       (a->len + PAGE - 1) & ~(PAGE - 1);
		/* a length that page-aligns to 0 passes here, as upstream */
		if (add_ovf(a->addr, alen))
			cand(c, -EOVERFLOW, "area range wraps");
	}
	if ((a->addr | a->len) & (PAGE - 1))
		cand(c, -EINVAL, "area addr or len not page aligned");
	if (a->flags & IORING_ZCRX_AREA_DMABUF) {
		/* NODEV or addr set; else the fd is no dma-buf or not open */
		cand(c, -EINVAL, "dma-buf area: NODEV, addr set or fd not a dma-buf");
		cand(c, -EBADF, "dma-buf area: dmabuf_fd not open");
		return;
	}
	if (a->dmabuf_fd)
		cand(c, -EINVAL, "area.dmabuf_fd without DMABUF");
	if (!a->addr)
		cand(c, -EFAULT, "area.addr 0");
	if (c->n != n0)
		return;
	/* io_pin_pages(): the page array must stay under INT_MAX bytes */
	if ((a->len >> 12) > INT_MAX / 8)
		cand(c, -EOVERFLOW, "more area pages than io_pin_pages() takes (INT_MAX / 8)");
	else if (!mem_ok(a->addr, a->len, true))
		cand(c, -EFAULT, "area not all writable memory");
}

/* What upstream's io_allocate_rbuf_ring() and io_create_region() refuse. */
static void region_oracle(const struct io_uring_region_desc *rd,
			  uint32_t entries, struct cands *c)
{
	unsigned int n0 = c->n;

	if (rd->size < region_need(entries))
		cand(c, -EINVAL, "region smaller than the ring");
	if (rd->__resv[0] || rd->__resv[1] || rd->__resv[2] || rd->__resv[3])
		cand(c, -EINVAL, "region.__resv set");
	if (rd->flags & ~IORING_MEM_REGION_TYPE_USER)
		cand(c, -EINVAL, "unknown region flags");
	if (!!(rd->flags & IORING_MEM_REGION_TYPE_USER) != !!rd->user_addr)
		cand(c, -EFAULT, "user_addr not set iff a user region");
	if (!rd->size || rd->mmap_offset || rd->id)
		cand(c, -EINVAL, "region size 0, mmap_offset or id set");
	if (rd->size > (uint64_t)REGION_MAX_PAGES * PAGE)
		cand(c, -E2BIG, "region over 65535 pages (6.12's cap)");
	if ((rd->user_addr | rd->size) & (PAGE - 1))
		cand(c, -EINVAL, "region addr or size not page aligned");
	if (add_ovf(rd->user_addr, rd->size))
		cand(c, -EOVERFLOW, "region range wraps");
	if (c->n == n0 && (rd->flags & IORING_MEM_REGION_TYPE_USER) &&
	    !mem_ok(rd->user_addr, rd->size, true))
		cand(c, -EFAULT, "user region not all writable memory");
}

/* Upstream's checks of the event descriptor, right after it is read. */
static void event_desc_oracle(const struct zcrx_event_desc *ed,
			      struct cands *c)
{
	unsigned int i;
	bool resv = false;

	for (i = 0; i < ZU_ARRAY_SIZE(ed->__resv2); i++)
		resv |= !!ed->__resv2[i];
	if (ed->type_mask & ~((1u << ZCRX_EVENT_ALLOC_FAIL) |
			      (1u << ZCRX_EVENT_COPY)))
		cand(c, -EINVAL, "event_desc.type_mask with unknown types");
	if (ed->flags & ~ZCRX_EVENT_DESC_FLAG_STATS)
		cand(c, -EINVAL, "event_desc.flags unknown");
	if (!(ed->flags & ZCRX_EVENT_DESC_FLAG_STATS) && ed->stats_offset)
		cand(c, -EINVAL, "stats_offset without ZCRX_EVENT_DESC_FLAG_STATS");
	if (resv)
		cand(c, -EINVAL, "event_desc.__resv2 set");
}

/* The stats' place in the refill region, checked once the ring exists. */
static void stats_oracle(const struct zcrx_event_desc *ed,
			 const struct io_uring_region_desc *rd,
			 uint32_t entries, struct cands *c)
{
	uint64_t off = ed->stats_offset;

	if (off % 8)
		cand(c, -EINVAL, "stats_offset not 8-byte aligned");
	else if (off < region_need(entries))
		cand(c, -ERANGE, "stats over the ring's header or entries");
	else if (add_ovf(off, 16) || off + 16 > rd->size)
		cand(c, -ERANGE, "stats past the region");
}

/*
 * Every errno the input earns: the call must fail with one of them, or
 * succeed when there is none. Checks whose data the kernel cannot read
 * (an unreadable descriptor) are replaced by that -EFAULT; a failure
 * upstream can only see at the very end (copying the results back, the
 * queue binding) counts only when nothing else is wrong.
 */
static void reg_oracle(const struct rin *in, struct cands *c)
{
	const struct io_uring_zcrx_ifq_reg *r = &in->reg;
	bool nodev = r->flags & ZCRX_REG_NODEV, dev_ok = true;
	uint32_t entries = r->rq_entries;

	memset(c, 0, sizeof(*c));
	switch (in->fdk) {
	case FDK_MINUS1:
		cand(c, -EINVAL, "fd -1 with an op that needs a ring");
		return;
	case FDK_PIPE:
		cand(c, -EOPNOTSUPP, "fd is not a ring");
		return;
	case FDK_CLOSED:
		cand(c, -EBADF, "fd closed");
		return;
	case FDK_REGISTERED:
		cand(c, in->fdval >= 16 ? -EINVAL : -EBADF,
		     "no ring registered at that index");
		return;
	}
	if (!in->reg_p || in->nr_args != 1) {
		cand(c, -EINVAL, in->reg_p ? "nr_args != 1" : "arg NULL");
		return;
	}
	if (in->ring == RK_NO_DEFER)
		cand(c, -EINVAL, "ring without DEFER_TASKRUN");
	if (in->ring == RK_NO_CQE32)
		cand(c, -EINVAL, "ring without CQE32");
	if (!mem_ok(in->reg_p, sizeof(*r), false)) {
		cand(c, -EFAULT, "reg unreadable");
		return;
	}
	if (r->__resv[0] || r->__resv[1] || r->zcrx_id)
		cand(c, -EINVAL, "reg.__resv or zcrx_id set");
	if (r->flags & ~(ZCRX_REG_IMPORT | ZCRX_REG_NODEV)) {
		cand(c, -EINVAL, "unknown reg.flags");
		return;
	}
	if (r->flags & ZCRX_REG_IMPORT) {
		if (r->if_rxq || r->rq_entries || r->area_ptr || r->region_ptr)
			cand(c, -EINVAL, "import with if_rxq, rq_entries, area or region");
		if (r->event_desc)
			cand(c, -EINVAL, "import with event_desc");
		if (nodev)
			cand(c, -EINVAL, "import with NODEV");
		if ((int)r->if_idx != box_fd)
			cand(c, -EBADF, "import of a file that is no exported zcrx");
		if (!c->n && !mem_ok(in->reg_p, sizeof(*r), true))
			cand(c, -EFAULT, "reg read-only (write-back)");
		return;
	}
	if (!mem_ok(r->region_ptr, sizeof(in->rd), false))
		cand(c, -EFAULT, "region descriptor unreadable");
	if (r->if_rxq == ~0u)
		cand(c, -EINVAL, "if_rxq -1");
	if (!r->rq_entries)
		cand(c, -EINVAL, "rq_entries 0");
	if ((r->if_rxq || r->if_idx) && nodev)
		cand(c, -EINVAL, "NODEV with if_idx or if_rxq");
	if (entries > MAX_RQ) {
		if (in->ring != RK_CLAMP)
			cand(c, -EINVAL, "rq_entries over 32768 without CLAMP");
		entries = MAX_RQ;
	}
	entries = pow2_up(entries ? entries : 1);
	if (!mem_ok(r->area_ptr, sizeof(in->area), false))
		cand(c, -EFAULT, "area descriptor unreadable");
	else if (in->area.rq_area_token)
		cand(c, -EINVAL, "area.rq_area_token set");
	if (r->event_desc && !mem_ok(r->event_desc, sizeof(in->ed), false))
		cand(c, -EFAULT, "event_desc unreadable");
	else if (r->event_desc)
		event_desc_oracle(&in->ed, c);
	if (mem_ok(r->region_ptr, sizeof(in->rd), false)) {
		region_oracle(&in->rd, entries, c);
		if (r->event_desc && (in->ed.flags & ZCRX_EVENT_DESC_FLAG_STATS))
			stats_oracle(&in->ed, &in->rd, entries, c);
	}
	if (!nodev) {
		if (r->if_idx == lo_idx) {
			cand(c, -EOPNOTSUPP, "netdev without a parent device (lo)");
			dev_ok = false;
		} else if (!have_vnic || r->if_idx != (uint32_t)vp.ifindex) {
			cand(c, -ENODEV, "no such if_idx");
			dev_ok = false;
		}
	}
	if (mem_ok(r->area_ptr, sizeof(in->area), false))
		area_oracle(&in->area, r->rx_buf_len, c);
	if (!c->n && !nodev && dev_ok && r->if_rxq >= VN_DEF_QUEUES) {
		cand(c, -ERANGE, "no such rx queue");
		cand(c, -EINVAL, "no such rx queue");
	}
	if (!c->n) {
		if (!mem_ok(in->reg_p, sizeof(*r), true))
			cand(c, -EFAULT, "reg read-only (write-back)");
		if (!mem_ok(r->region_ptr, sizeof(in->rd), true))
			cand(c, -EFAULT, "region descriptor read-only (write-back)");
		if (!mem_ok(r->area_ptr, sizeof(in->area), true))
			cand(c, -EFAULT, "area descriptor read-only (write-back)");
	}
}

static const char *rin_str(const struct rin *in)
{
	static char s[700];
	const struct io_uring_zcrx_ifq_reg *r = &in->reg;

	snprintf(s, sizeof(s),
		 "[%s] %s fd %s nr_args %u reg %s {if_idx %u rxq %u rq %u flags %#x id %u rx_buf_len %u ed %#llx resv %#llx,%#llx} area %s {%#llx +%#llx token %#llx flags %#x dmabuf_fd %u resv %#llx,%#llx} region %s {%#llx +%#llx flags %#x id %u mmap_offset %#llx resv %#llx}",
		 in->muts, rk_name[in->ring], fdk_name[in->fdk], in->nr_args,
		 place_name[in->pl_reg], r->if_idx, r->if_rxq, r->rq_entries,
		 r->flags, r->zcrx_id, r->rx_buf_len,
		 (unsigned long long)r->event_desc,
		 (unsigned long long)r->__resv[0],
		 (unsigned long long)r->__resv[1], place_name[in->pl_area],
		 (unsigned long long)in->area.addr,
		 (unsigned long long)in->area.len,
		 (unsigned long long)in->area.rq_area_token, in->area.flags,
		 in->area.dmabuf_fd, (unsigned long long)in->area.__resv2[0],
		 (unsigned long long)in->area.__resv2[1],
		 place_name[in->pl_rd], (unsigned long long)in->rd.user_addr,
		 (unsigned long long)in->rd.size, in->rd.flags, in->rd.id,
		 (unsigned long long)in->rd.mmap_offset,
		 (unsigned long long)(in->rd.__resv[0] | in->rd.__resv[1] |
				      in->rd.__resv[2] | in->rd.__resv[3]));
	return s;
}

/* The write-back of a registration that succeeded. */
static void reg_check_success(unsigned int it, const struct rin *in,
			      struct io_uring *ring)
{
	struct io_uring_zcrx_ifq_reg r;
	struct io_uring_zcrx_area_reg a;
	struct io_uring_region_desc rd;
	uint32_t want;
	void *m;

	memcpy(&r, (void *)(uintptr_t)in->reg_p, sizeof(r));
	if (r.zcrx_id != 0 || r.offsets.rqes != rqes_off ||
	    r.offsets.head == r.offsets.tail)
		fz_fail("registration #%u: expected zcrx_id 0 (a ring that saw only failures) and the offsets written back, got id %u head %u tail %u rqes %u",
			it, r.zcrx_id, r.offsets.head, r.offsets.tail,
			r.offsets.rqes);
	if (in->reg.flags & ZCRX_REG_IMPORT) {
		if (r.rq_entries)
			fz_fail("import #%u: expected rq_entries to stay 0, got %u",
				it, r.rq_entries);
		return;
	}
	memcpy(&a, (void *)(uintptr_t)in->reg.area_ptr, sizeof(a));
	memcpy(&rd, (void *)(uintptr_t)in->reg.region_ptr, sizeof(rd));
	want = pow2_up(in->reg.rq_entries > MAX_RQ ? MAX_RQ :
		       in->reg.rq_entries);
	if (r.rq_entries != want || r.rx_buf_len != PAGE ||
	    a.rq_area_token != 0)
		fz_fail("registration #%u: expected rq_entries %u, rx_buf_len %llu and area token 0 written back, got %u, %u and %#llx",
			it, want, PAGE, r.rq_entries, r.rx_buf_len,
			(unsigned long long)a.rq_area_token);
	if (rd.flags & IORING_MEM_REGION_TYPE_USER) {
		if (rd.mmap_offset)
			fz_fail("registration #%u: expected no mmap_offset for a user region, got %#llx",
				it, (unsigned long long)rd.mmap_offset);
		return;
	}
	m = mmap(NULL, rd.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring->ring_fd, rd.mmap_offset);
	if (m == MAP_FAILED)
		fz_fail("registration #%u: expected the kernel region (%llu bytes at mmap_offset %#llx) mappable, got %s",
			it, (unsigned long long)rd.size,
			(unsigned long long)rd.mmap_offset, strerror(errno));
	else
		munmap(m, rd.size);
}

static int closed_fd(void)
{
	int fd = dup(STDERR_FILENO);

	close(fd);
	return fd;
}

static long reg_pin_base;

static void reg_attempt(unsigned int it, unsigned int *ok, unsigned int *bad)
{
	struct cands c;
	struct rin in;
	unsigned int k, opcode = IORING_REGISTER_ZCRX_IFQ;
	int fd, ret;

	rin_base(&in);
	k = rchance(10) ? 0 : 1 + (rchance(60) ? 0 : rbelow(3));
	while (k--)
		rin_mutate(&in);
	rin_sanitize(&in);
	rin_place(&in);
	reg_oracle(&in, &c);

	switch (in.fdk) {
	case FDK_RING:
		fd = fr[in.ring].ring_fd;
		break;
	case FDK_MINUS1:
		fd = -1;
		break;
	case FDK_PIPE:
		fd = fr_pipe[0];
		break;
	case FDK_CLOSED:
		fd = closed_fd();
		break;
	default:
		fd = in.fdval;
		opcode |= REG_USE_REGISTERED;
		break;
	}
	ret = zu_register(fd, opcode, (void *)(uintptr_t)in.reg_p, in.nr_args);
	hist_add(ret);
	if (!cand_ok(&c, ret)) {
		printf("# reg #%u input: %s\n", it, rin_str(&in));
		fz_fail("registration #%u [%s]: expected %s, got %s", it,
			in.muts, cand_str(&c), E(ret));
	}
	if (ret)
		(*bad)++;
	if (!ret) {
		(*ok)++;
		if (in.fdk == FDK_RING)
			reg_check_success(it, &in, &fr[in.ring]);
		/* torn down before the next one */
		fz_ring_exit(&fr[in.ring]);
		fr_open(in.ring);
	}
}

/*
 * Case 1. The donor ring's ifq is exported, so that imports have a file
 * to take. Every 64 attempts, the pages pinned must be what the donor
 * alone pins: a failed registration leaves nothing behind.
 */
static void reg_fuzz(void)
{
	unsigned int it, n = 1500 * fz_scale, ok = 0, bad = 0;
	struct io_uring donor;
	struct zcrx_ctrl ctrl;
	struct zu_ifq dz;
	long pin;
	int k, ret;

	case_start(1);
	fz_case_begin();
	if (pipe2(fr_pipe, O_CLOEXEC))
		tst_fail("expected a pipe, got %s", strerror(errno));
	fz_ring_init(&donor, 4, 0);
	zu_ifq_setup(&dz, &donor, 16 * PAGE, 64, false);
	fz_ifq(&dz);
	memset(&ctrl, 0, sizeof(ctrl));
	ctrl.zcrx_id = dz.id;
	ctrl.op = ZCRX_CTRL_EXPORT;
	ret = io_uring_register_zcrx_ctrl(&donor, &ctrl);
	if (ret)
		tst_fail("expected ZCRX_CTRL_EXPORT to work, got %s", E(ret));
	box_fd = fz_fd(ctrl.zc_export.zcrx_fd);
	for (k = 0; k < RK_NR; k++)
		fr_open(k);
	reg_pin_base = status_kb("VmPin");

	for (it = 0; it < n; it++) {
		reg_attempt(it, &ok, &bad);
		if (it % 64 == 63) {
			safety("registering");
			pin = zu_wait_vmpin(reg_pin_base, 3000);
			if (pin != reg_pin_base)
				fz_fail("after registration #%u: expected VmPin %ld kB (the donor's), got %ld kB",
					it, reg_pin_base, pin);
		}
	}
	printf("# reg_fuzz: %u registrations, %u succeeded (and were torn down), %u refused\n",
	       n, ok, bad);
	hist_print("reg_fuzz");
	for (k = 0; k < RK_NR; k++)
		fz_ring_exit(&fr[k]);
	fz_close(box_fd);
	box_fd = -1;
	fz_ring_exit(&donor);
	fz_ifq_unmap(&dz);
	close(fr_pipe[0]);
	close(fr_pipe[1]);
	fz_case_summary("reg_fuzz");
	check_pins_back("reg_fuzz");
}

/* ------------------------------------------------------------------ */
/* Cases 2 and 3: the refill ring under fire while a stream flows      */

/*
 * The model of the refill ring: an entry names buffer idx when its pad
 * is 0, its area bits are the area's (0) and idx = offset >> 12 is in the
 * area; the kernel skips every other entry. Naming a buffer the receiver
 * holds returns it (one CQE's reference); naming one it does not hold
 * must change nothing, which is only certain while no CQE is on its way
 * to the receiver: such entries are written only with the CQ drained and
 * are flushed out before the next io_uring_enter(). Two entries naming
 * the same buffer in a row are never written (upstream's refill takes
 * them as one of two references), nor indexes past 32 bits that upstream
 * would cut to an index in the area.
 */

struct chunk {
	uint64_t	off;	/* in the area */
	uint32_t	len;
	uint64_t	pos;	/* stream position */
};

enum { FZ_NONE, FZ_TAIL, FZ_HEAD };

struct rfz {
	const char		*name;
	bool			nodev;
	struct io_uring		ring;
	struct zu_ifq		z;
	int			fd;
	uint64_t		total, bytes, limit_at, ud, target;
	bool			armed, eof, need_barrier, stuck;
	bool			hoard;		/* hold until the area runs dry */
	uint32_t		npages, nent;
	uint16_t		*cnt;		/* chunks held per page */
	struct chunk		*held;
	size_t			nheld, cap;
	int64_t			last_named;	/* -1: none since a barrier */
	int			frozen;		/* FZ_TAIL, FZ_HEAD */
	unsigned int		frozen_steps, ends_no_data;
	unsigned long		data_since_arm;
	/* statistics */
	uint64_t		entries, returns, garbage, naming, jumps;
	uint64_t		scribbles, flushes, rearms, enomem, enospc;
	uint64_t		limits, cqes, barriers, steps, hoards, stucks;
};

static uint32_t rf_head(struct rfz *r)
{
	return __atomic_load_n(r->z.rq.khead, __ATOMIC_ACQUIRE);
}

static uint32_t rf_space(struct rfz *r)
{
	return r->nent - (r->z.rq.rq_tail - rf_head(r));
}

static void rf_commit(struct rfz *r)
{
	__atomic_store_n(r->z.rq.ktail, r->z.rq.rq_tail, __ATOMIC_RELEASE);
}

static void rf_flush(struct rfz *r)
{
	int ret = zu_flush_rq(&r->z);

	r->flushes++;
	if (ret)
		tst_fail("%s: expected ZCRX_CTRL_FLUSH_RQ to work, got %s",
			 r->name, E(ret));
}

/*
 * Flush until the kernel has taken every entry up to the tail (upstream
 * stops a flush at a bad entry: one per call at worst).
 */
static void rf_barrier(struct rfz *r)
{
	uint32_t i;

	rf_commit(r);
	for (i = 0; i < r->nent + 8 && rf_head(r) != r->z.rq.rq_tail; i++)
		rf_flush(r);
	if (rf_head(r) != r->z.rq.rq_tail)
		tst_fail("%s: expected %u FLUSH_RQ calls to consume the refill ring, got head %u tail %u",
			 r->name, i, rf_head(r), r->z.rq.rq_tail);
	r->last_named = -1;
	r->need_barrier = false;
	r->barriers++;
}

/* The buffer an entry names, or -1 if the kernel must skip it. */
static int64_t rf_names(const struct rfz *r, uint64_t off, uint32_t pad)
{
	uint64_t idx = (off & ~IORING_ZCRX_AREA_MASK) >> 12;

	if (pad || (off & IORING_ZCRX_AREA_MASK) != r->z.token)
		return -1;
	return idx < r->npages ? (int64_t)idx : -1;
}

/* An index past 32 bits must not be one upstream cuts into the area. */
static uint64_t rf_no_alias(const struct rfz *r, uint64_t off)
{
	uint64_t idx = (off & ~IORING_ZCRX_AREA_MASK) >> 12;

	if (idx >> 32 && (idx & 0xffffffffu) < r->npages)
		off |= 1ull << (31 + 12);
	return off;
}

static void rf_recheck(struct rfz *r, const struct chunk *c)
{
	const uint8_t *p = (const uint8_t *)r->z.area + c->off;
	long bad = zu_check_pattern(p, c->pos, c->len);

	if (bad >= 0)
		tst_fail("%s: expected a held buffer to keep its data, got stream byte %llu (area offset %llu) %#04x instead of %#04x",
			 r->name, (unsigned long long)(c->pos + bad),
			 (unsigned long long)(c->off + bad), p[bad],
			 zu_pattern(c->pos + bad));
}

/* Drop one held chunk of page idx: the entry just written returns it. */
static void rf_unhold_page(struct rfz *r, uint64_t idx)
{
	size_t i;

	for (i = r->nheld; i-- > 0;) {
		if (r->held[i].off / PAGE != idx)
			continue;
		rf_recheck(r, &r->held[i]);
		r->held[i] = r->held[--r->nheld];
		r->cnt[idx]--;
		return;
	}
	tst_fail("internal: page %llu counted held but no chunk found",
		 (unsigned long long)idx);
}

/* Write one entry (not committed) and update the model. */
static void rf_put(struct rfz *r, uint64_t off, uint32_t len, uint32_t pad)
{
	struct io_uring_zcrx_rqe *e;
	int64_t idx;

	off = rf_no_alias(r, off);
	idx = rf_names(r, off, pad);
	if (idx >= 0 && idx == r->last_named) {
		pad = 1;	/* not the same buffer twice in a row */
		idx = -1;
	}
	/* the data must still be there when the kernel can take it back */
	if (idx >= 0 && r->cnt[idx]) {
		rf_unhold_page(r, idx);
		r->returns++;
	} else if (idx >= 0) {
		r->need_barrier = true;	/* flushed before the next enter */
	}
	e = &r->z.rq.rqes[r->z.rq.rq_tail++ & (r->nent - 1)];
	e->off = off;
	e->len = len;
	e->__pad = pad;
	r->entries++;
	if (idx < 0)
		r->garbage++;
	else
		r->last_named = idx;
}

/* An entry the kernel must skip. */
static void rf_garbage(struct rfz *r, uint64_t *off, uint32_t *len,
		       uint32_t *pad)
{
	uint64_t low = r->nheld && rchance(50) ?
		       r->held[rbelow(r->nheld)].off : r64() & ((1ull << 48) - 1);

	*len = rchance(50) ? PAGE : r32();
	*pad = 0;
	switch (rbelow(4)) {
	case 0:		/* a pad: even naming a held buffer, skipped */
		*off = low | r->z.token;
		*pad = rchance(50) ? 1u << rbelow(32) : (r32() | 1);
		break;
	case 1:		/* another area */
		*off = ((uint64_t)rrange(1, 0xffff) << 48) | low;
		break;
	case 2:		/* past the area */
		*off = ((uint64_t)rrange(r->npages, r->npages + 4096) << 12) |
		       rbelow(PAGE);
		break;
	default:	/* far past it, past 32 bits too */
		*off = (r64() & ((1ull << 48) - 1)) | (1ull << (31 + 12));
		break;
	}
}

/*
 * A burst: up to nret returns of held buffers and ngarb other entries,
 * interleaved. With danger, the others may be anything, including
 * entries naming buffers nobody holds; the caller flushes them out.
 */
static void rf_burst(struct rfz *r, size_t nret, size_t ngarb, bool danger)
{
	uint64_t off;
	uint32_t len, pad;

	while ((nret || ngarb) && rf_space(r)) {
		if (nret && r->nheld && (!ngarb || rchance(50))) {
			size_t i = rbelow(r->nheld), tries;
			uint64_t pg;

			for (tries = 0; tries < 4 &&
			     (int64_t)(r->held[i].off / PAGE) == r->last_named;
			     tries++)
				i = rbelow(r->nheld);
			nret--;
			pg = r->held[i].off / PAGE;
			if ((int64_t)pg == r->last_named)
				continue;
			rf_put(r, (pg << 12) | (rchance(50) ? 0 : rbelow(PAGE)) |
				  r->z.token,
			       rchance(50) ? r->held[i].len : r32(), 0);
			continue;
		}
		if (!ngarb) {
			nret = 0;
			continue;
		}
		ngarb--;
		if (danger && rchance(40)) {
			/* anything: a random buffer, or random bits */
			if (rchance(60)) {
				off = (rbelow(r->npages) << 12) | rbelow(PAGE) |
				      r->z.token;
				pad = 0;
			} else {
				off = r64();
				pad = rchance(50) ? 0 : r32();
			}
			len = r32();
			if (rf_names(r, rf_no_alias(r, off), pad) >= 0)
				r->naming++;
			r->need_barrier = true;
		} else {
			rf_garbage(r, &off, &len, &pad);
		}
		rf_put(r, off, len, pad);
	}
	rf_commit(r);
}

/* How many more entries the target wants at this point of the stream. */
static uint64_t rf_deficit(struct rfz *r)
{
	uint64_t want = (r->target + r->target / 8) *
			((double)r->bytes / (double)r->total) + 256;

	return want > r->entries ? want - r->entries : 0;
}

/* Every slot garbage, then the tail moved somewhere wrong. */
static void rf_tail_jump(struct rfz *r)
{
	const uint32_t n = r->nent;
	const uint32_t deltas[] = { 1, 2, n - 1, n, n + 1, 5 * n + 3,
				    0x7fffffff, 0x80000000u, -1u, -3u, -n,
				    -(n + 1) };
	uint64_t off;
	uint32_t i, h, len, pad;

	rf_barrier(r);
	h = r->z.rq.rq_tail;
	for (i = 0; i < n; i++) {
		rf_garbage(r, &off, &len, &pad);
		r->z.rq.rqes[i].off = rf_no_alias(r, off);
		r->z.rq.rqes[i].len = len;
		r->z.rq.rqes[i].__pad = pad;
	}
	r->entries += n;
	r->garbage += n;
	__atomic_store_n(r->z.rq.ktail, h + (rchance(80) ? RPICK(deltas) : r32()),
			 __ATOMIC_RELEASE);
	r->jumps++;
	r->frozen = FZ_TAIL;
	r->frozen_steps = rrange(1, 6);
	if (rchance(50))
		rf_flush(r);
}

/* The head (the kernel's to write) scribbled over. */
static void rf_head_scribble(struct rfz *r)
{
	const uint32_t t = r->z.rq.rq_tail, n = r->nent;
	const uint32_t v[] = { t + 1, t - 1, t + n, t - n, 0, ~0u,
			       0x80000000u, t + 5 * n };

	rf_barrier(r);
	__atomic_store_n(r->z.rq.khead, rchance(80) ? RPICK(v) : r32(),
			 __ATOMIC_RELEASE);
	r->scribbles++;
	r->frozen = FZ_HEAD;
	r->frozen_steps = rrange(1, 6);
}

/*
 * Back to a sane ring. A bad tail: the tail set to the kernel's head
 * until the kernel stops consuming (with a real device it may consume
 * between the two). A scribbled head: nothing was written since the
 * barrier, so the kernel's head is our tail.
 */
static void rf_unfreeze(struct rfz *r)
{
	uint32_t h;
	int i;

	if (r->frozen == FZ_TAIL) {
		for (i = 0; i < 64; i++) {
			h = rf_head(r);
			r->z.rq.rq_tail = h;
			rf_commit(r);
			rf_flush(r);
			if (rf_head(r) == h)
				break;
		}
		if (i == 64)
			tst_fail("%s: expected the kernel to stop consuming with the tail back at its head, head still moves (%u)",
				 r->name, rf_head(r));
	} else if (r->frozen == FZ_HEAD) {
		__atomic_store_n(r->z.rq.khead, r->z.rq.rq_tail,
				 __ATOMIC_RELEASE);
	}
	r->frozen = FZ_NONE;
	rf_barrier(r);
}

/* Give everything back (after -ENOMEM, at the end). */
static void rf_return_all(struct rfz *r)
{
	size_t tries;

	for (tries = 0; r->nheld && tries < r->cap + 8; tries++) {
		rf_burst(r, r->nheld, rbelow(8), false);
		rf_barrier(r);
	}
	if (r->nheld)
		tst_fail("internal: %zu chunks left to return", r->nheld);
}

/*
 * Between CQE batches: one misbehaviour or none. Entries naming buffers
 * nobody holds only when the CQ is drained (no CQE on its way).
 */
static void rf_step(struct rfz *r, bool drained)
{
	size_t limit = r->nodev ? r->npages / 2 : r->npages / 4;
	unsigned int act = rbelow(100), rounds;
	uint64_t d;

	r->steps++;
	/*
	 * A device drops what it has no buffer for, and TCP backs off:
	 * with vnic, never hold more than a quarter of the area for long.
	 */
	if (r->frozen) {
		if (--r->frozen_steps == 0 || (!r->nodev && r->nheld > limit))
			rf_unfreeze(r);
		return;
	}
	if (r->hoard && !r->nodev && r->nheld > limit)
		r->hoard = false;	/* no -ENOMEM with a device */
	if (r->hoard)
		act = 99;
	else if (r->nheld > limit)
		act = 0;
	if (act < 45) {
		rf_burst(r, rbelow(r->nheld + 1), rbelow(16), false);
	} else if (act < 65) {
		rf_burst(r, rbelow(r->nheld + 1), rbelow(64), drained);
		rf_barrier(r);
	} else if (act < 69) {
		r->hoard = true;
		r->hoards++;
	} else if (act < 73) {
		rf_tail_jump(r);
		return;
	} else if (act < 77) {
		rf_head_scribble(r);
		return;
	} else if (act < 84) {
		rounds = rrange(1, 3);
		while (rounds--)
			rf_flush(r);
	}
	/* keep up with the target: more garbage, flushed out as it goes */
	for (rounds = 0; (d = rf_deficit(r)) && rounds < 64; rounds++) {
		rf_burst(r, 0, d, drained && rchance(30));
		rf_barrier(r);
	}
	if (r->need_barrier || rf_space(r) < r->nent / 4)
		rf_barrier(r);
}

static void rf_arm(struct rfz *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	uint32_t len = rchance(10) ? rrange(1, 2 * ZU_MIB) : 0;
	int ret;

	if (!sqe)
		tst_fail("expected a free SQE, got none");
	io_uring_prep_recv_zc(sqe, r->fd, r->z.id, len,
			      IORING_RECV_MULTISHOT |
			      (rchance(10) ? IORING_RECVSEND_POLL_FIRST : 0));
	if (rchance(5))
		sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = r->ud;
	r->limit_at = len ? r->bytes + len : 0;
	ret = io_uring_submit(&r->ring);
	if (ret != 1)
		tst_fail("%s: expected to submit the recv-zc SQE, got %s",
			 r->name, E(ret));
	r->armed = true;
	r->data_since_arm = 0;
}

/* One CQE; returns its res when it ended the request, else 1. */
static int rf_cqe(struct rfz *r, const struct io_uring_cqe *cqe)
{
	const struct io_uring_zcrx_cqe *zc = (const void *)(cqe + 1);
	uint64_t o, pg;
	long bad;
	int res = cqe->res;

	if (cqe->user_data != r->ud)
		tst_fail("%s: expected CQEs of user_data %#llx, got %#llx (res %d)",
			 r->name, (unsigned long long)r->ud,
			 (unsigned long long)cqe->user_data, res);
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		r->armed = false;
		if (!res && r->limit_at && r->bytes == r->limit_at) {
			r->limits++;
			return -EAGAIN;		/* re-arm */
		}
		if (!res) {
			if (r->bytes != r->total)
				tst_fail("%s: expected EOF after %llu bytes, got it after %llu",
					 r->name, (unsigned long long)r->total,
					 (unsigned long long)r->bytes);
			r->eof = true;
			return 0;
		}
		if (res == -ENOMEM || res == -ENOSPC)
			return res;
		tst_fail("%s: expected the request to go on or end with 0, -ENOSPC or -ENOMEM, got %s after %llu bytes",
			 r->name, E(res), (unsigned long long)r->bytes);
	}
	o = zc->off & ~IORING_ZCRX_AREA_MASK;
	pg = o / PAGE;
	if (res <= 0 || (zc->off & IORING_ZCRX_AREA_MASK) != r->z.token ||
	    zc->__pad || o + res > r->z.area_len || (o % PAGE) + res > PAGE)
		tst_fail("%s: expected a data CQE inside one buffer of the area, got res %d off %#llx pad %#llx",
			 r->name, res, (unsigned long long)zc->off,
			 (unsigned long long)zc->__pad);
	if (r->nodev && r->cnt[pg])
		tst_fail("%s: expected each copied chunk in a free buffer, got page %llu which the receiver still holds (CQE %llu): a buffer handed out twice",
			 r->name, (unsigned long long)pg,
			 (unsigned long long)r->cqes);
	if (r->bytes + res > r->total ||
	    (r->limit_at && r->bytes + res > r->limit_at))
		tst_fail("%s: expected at most %llu bytes (limit %llu), got a CQE of %d at %llu",
			 r->name, (unsigned long long)r->total,
			 (unsigned long long)r->limit_at, res,
			 (unsigned long long)r->bytes);
	bad = zu_check_pattern((const uint8_t *)r->z.area + o, r->bytes, res);
	if (bad >= 0)
		tst_fail("%s: expected stream byte %llu (area offset %llu) to be %#04x, got %#04x: the stream broke",
			 r->name, (unsigned long long)(r->bytes + bad),
			 (unsigned long long)(o + bad),
			 zu_pattern(r->bytes + bad),
			 ((const uint8_t *)r->z.area)[o + bad]);
	if (r->nheld == r->cap) {
		r->cap *= 2;
		r->held = realloc(r->held, r->cap * sizeof(*r->held));
		if (!r->held)
			tst_fail("expected memory for %zu chunks", r->cap);
	}
	r->held[r->nheld].off = o;
	r->held[r->nheld].len = res;
	r->held[r->nheld].pos = r->bytes;
	r->nheld++;
	r->cnt[pg]++;
	r->bytes += res;
	r->cqes++;
	r->data_since_arm++;
	return 1;
}

static void rf_after_end(struct rfz *r, int res)
{
	if (!r->data_since_arm) {
		if (++r->ends_no_data > 64)
			tst_fail("%s: expected data after re-arming, got %s 64 times in a row with none (%zu chunks held, %llu of %llu bytes)",
				 r->name, E(res), r->nheld,
				 (unsigned long long)r->bytes,
				 (unsigned long long)r->total);
	} else {
		r->ends_no_data = 0;
	}
	if (r->frozen)
		rf_unfreeze(r);
	if (res == -ENOMEM) {
		r->enomem++;
		r->hoard = false;
		rf_return_all(r);
	} else if (res == -ENOSPC) {
		r->enospc++;
	}
	r->rearms++;
	rf_arm(r);
}

static void rf_timeout_fail(struct rfz *r)
{
	tst_fail("%s: expected a CQE within %d ms, got none: request %s, %llu of %llu bytes, %ld waiting in the socket, %zu chunks held, frozen %d, refill head %u tail %u (kernel's tail %u)",
		 r->name, WAIT_MS, r->armed ? "armed" : "not armed",
		 (unsigned long long)r->bytes, (unsigned long long)r->total,
		 zu_inq(r->fd), r->nheld, r->frozen, rf_head(r),
		 r->z.rq.rq_tail,
		 __atomic_load_n(r->z.rq.ktail, __ATOMIC_RELAXED));
}

/* The stream, to its end, with the misbehaviours in between. */
static void rf_run(struct rfz *r)
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct __kernel_timespec ts_short = { .tv_sec = 2 };
	struct io_uring_cqe *cqe;
	unsigned int budget;
	int ret, end;

	r->last_named = -1;
	r->cap = r->npages * 2 + 16;
	r->held = calloc(r->cap, sizeof(*r->held));
	r->cnt = calloc(r->npages, sizeof(*r->cnt));
	if (!r->held || !r->cnt)
		tst_fail("expected memory for the model");
	rf_arm(r);
	while (!r->eof) {
		safety(r->name);
		/* holding buffers: a short wait, then give them back */
		do {
			ret = io_uring_wait_cqe_timeout(&r->ring, &cqe,
							r->nheld || r->frozen ?
							&ts_short : &ts);
		} while (ret == -EINTR);
		if (ret == -ETIME && !r->stuck && (r->nheld || r->frozen)) {
			/* no buffer left for the device? give them all back */
			r->stuck = true;
			r->stucks++;
			r->hoard = false;
			if (r->frozen)
				rf_unfreeze(r);
			rf_return_all(r);
			continue;
		}
		if (ret == -ETIME)
			rf_timeout_fail(r);
		r->stuck = false;
		if (ret)
			tst_fail("expected to wait for CQEs, got %s", E(ret));
		/* sometimes only part of the batch before misbehaving */
		end = 1;
		budget = rchance(75) ? rrange(1, 32) : UINT_MAX;
		do {
			ret = rf_cqe(r, cqe);
			if (ret <= 0)
				end = ret;
			io_uring_cqe_seen(&r->ring, cqe);
		} while (!r->eof && --budget &&
			 !io_uring_peek_cqe(&r->ring, &cqe));
		if (r->eof)
			break;
		rf_step(r, !io_uring_cq_ready(&r->ring));
		if (end <= 0)
			rf_after_end(r, end);
	}
	if (r->frozen)
		rf_unfreeze(r);
	rf_return_all(r);
	printf("# %s: %llu bytes intact in %llu CQEs, %llu steps, %llu stalls; %llu refill entries (%llu returns, %llu skipped, %llu naming buffers nobody held), %llu tail jumps, %llu head scribbles, %llu hoards, %llu flushes, %llu re-arms (%llu -ENOMEM, %llu -ENOSPC, %llu limits)\n",
	       r->name, (unsigned long long)r->bytes,
	       (unsigned long long)r->cqes, (unsigned long long)r->steps,
	       (unsigned long long)r->stucks, (unsigned long long)r->entries,
	       (unsigned long long)r->returns, (unsigned long long)r->garbage,
	       (unsigned long long)r->naming, (unsigned long long)r->jumps,
	       (unsigned long long)r->scribbles,
	       (unsigned long long)r->hoards,
	       (unsigned long long)r->flushes, (unsigned long long)r->rearms,
	       (unsigned long long)r->enomem, (unsigned long long)r->enospc,
	       (unsigned long long)r->limits);
	tst_check(r->entries >= r->target,
		  "%s: expected at least %llu random refill entries while the stream flowed, got %llu",
		  r->name, (unsigned long long)r->target,
		  (unsigned long long)r->entries);
}

static void rf_free(struct rfz *r)
{
	free(r->held);
	free(r->cnt);
	r->held = NULL;
	r->cnt = NULL;
}

static const uint32_t rf_nent[] = { 64, 256, 1024, 4096 };
static const uint32_t rf_cq[] = { 128, 1024, 4096 };

/* Case 2: a NODEV ifq, a loopback stream, data by the copy fallback. */
static void nodev_refill_fuzz(void)
{
	static struct rfz r;
	struct zv_ifq_info info;
	struct zu_sender *snd;
	int tx;

	case_start(2);
	fz_case_begin();
	memset(&r, 0, sizeof(r));
	r.name = "nodev";
	r.nodev = true;
	r.total = 16ull * ZU_MIB * fz_scale;
	r.target = 100000ull * fz_scale;
	r.nent = RPICK(rf_nent);
	r.npages = RPICK(((const uint32_t[]){ 64, 128, 256, 512 }));
	r.ud = 0xf00d0002;
	zu_tcp_pair(&r.fd, &tx);
	fz_fd(r.fd);
	snd = zu_start_sender(tx, r.total, 64 * 1024);
	fz_ring_init(&r.ring, 64, RPICK(rf_cq));
	zu_ifq_setup(&r.z, &r.ring, r.npages * PAGE, r.nent, rchance(50));
	fz_ifq(&r.z);
	printf("# nodev: %u-page area, %u refill entries, %llu-byte stream\n",
	       r.npages, r.nent, (unsigned long long)r.total);
	rf_run(&r);
	zu_wait_sender(snd);
	if (!zv_ifq_info(r.ring.ring_fd, r.z.id, &info))
		tst_check(info.copy_bytes == r.total && !info.zc_bytes,
			  "nodev: expected every byte through the copy fallback (copy_bytes %llu, zc_bytes 0), got %llu and %llu",
			  (unsigned long long)r.total, info.copy_bytes,
			  info.zc_bytes);
	fz_ring_exit(&r.ring);
	fz_ifq_unmap(&r.z);
	fz_close(r.fd);
	rf_free(&r);
	fz_case_summary("nodev_refill_fuzz");
	check_pins_back("nodev_refill_fuzz");
}

/* Case 3: an ifq bound to vnic queue 1, a flow steered to it. */
static void vnic_refill_fuzz(void)
{
	static struct rfz r;
	struct zv_ifq_info info;
	struct zu_sender *snd;
	int lfd, tx, ret;

	case_start(3);
	fz_case_begin();
	if (!have_vnic)
		tst_skip("%s", no_vnic);
	memset(&r, 0, sizeof(r));
	r.name = "vnic";
	r.total = 16ull * ZU_MIB * fz_scale;
	r.target = 100000ull * fz_scale;
	r.nent = RPICK(((const uint32_t[]){ 1024, 4096 }));
	r.npages = 1024;
	r.ud = 0xf00d0003;
	lfd = vn_listen(VN_B_ADDR, VN_PORT(1));
	tx = zv_connect(&vp, VN_PORT(1));
	r.fd = fz_fd(vn_accept(lfd, 5000));
	close(lfd);
	fz_ring_init(&r.ring, 64, RPICK(rf_cq));
	zu_ifq_prepare(&r.z, &r.ring, r.npages * PAGE, r.nent, rchance(50));
	r.z.reg.flags = 0;
	r.z.reg.if_idx = vp.ifindex;
	r.z.reg.if_rxq = 1;
	ret = zu_ifq_register(&r.z);
	if (!ret)
		fz_ifq(&r.z);
	if (ret)
		tst_fail("vnic: expected to bind an ifq to %s queue 1, got %s",
			 VN_B, E(ret));
	snd = zu_start_sender(tx, r.total, 64 * 1024);
	printf("# vnic: %u-page area, %u refill entries, %llu-byte stream\n",
	       r.npages, r.nent, (unsigned long long)r.total);
	rf_run(&r);
	zu_wait_sender(snd);
	printf("# vnic: %lld frames dropped for lack of buffers\n",
	       vn_stat(VN_B, "rx1_drops_nobuf"));
	if (!zv_ifq_info(r.ring.ring_fd, r.z.id, &info)) {
		tst_check(info.zc_bytes + info.copy_bytes == r.total,
			  "vnic: expected zc_bytes + copy_bytes = the stream (%llu), got %llu + %llu",
			  (unsigned long long)r.total, info.zc_bytes,
			  info.copy_bytes);
		printf("# vnic: %llu bytes zero copy, %llu copied\n",
		       info.zc_bytes, info.copy_bytes);
	}
	fz_ring_exit(&r.ring);
	fz_ifq_unmap(&r.z);
	fz_close(r.fd);
	rf_free(&r);
	fz_case_summary("vnic_refill_fuzz");
	check_pins_back("vnic_refill_fuzz");
}

/* ------------------------------------------------------------------ */
/* Case 4: IORING_REGISTER_ZCRX_CTRL and IORING_REGISTER_QUERY         */

enum cfd { CFD_IFQ, CFD_NOIFQ, CFD_MINUS1, CFD_PIPE, CFD_CLOSED };

static const char *const cfd_name[] = { "ring with ifq 0", "ring without ifq",
					"-1", "pipe", "closed fd" };

struct cin {
	int			fdk;
	unsigned int		nr_args;
	enum place		pl;
	uint64_t		p;
	struct zcrx_ctrl	c;
};

static bool union_zero(const struct zcrx_ctrl *c)
{
	static const uint8_t zero[sizeof(c->zc_flush)];

	return !memcmp(&c->zc_flush, zero, sizeof(zero));
}

/*
 * Upstream's io_zcrx_ctrl() after the syscall's own checks; ADD_AREA is
 * -EOPNOTSUPP on 6.12 (docs/abi-differences.md). The fuzzed ifq asked for
 * no events, so ARM_EVENT finds none fired: -EINVAL whatever it names.
 */
static void ctrl_oracle(const struct cin *in, struct cands *c)
{
	const struct zcrx_ctrl *x = &in->c;

	memset(c, 0, sizeof(*c));
	switch (in->fdk) {
	case CFD_MINUS1:
		cand(c, -EINVAL, "fd -1 with an op that needs a ring");
		return;
	case CFD_PIPE:
		cand(c, -EOPNOTSUPP, "fd is not a ring");
		return;
	case CFD_CLOSED:
		cand(c, -EBADF, "fd closed");
		return;
	}
	if (in->nr_args)
		cand(c, -EINVAL, "nr_args != 0");
	if (!mem_ok(in->p, sizeof(*x), false)) {
		cand(c, -EFAULT, "ctrl unreadable");
		return;
	}
	if (x->__resv[0] || x->__resv[1])
		cand(c, -EFAULT, "ctrl.__resv set");
	if (in->fdk == CFD_NOIFQ || x->zcrx_id != 0)
		cand(c, -ENXIO, "no ifq of that zcrx_id");
	switch (x->op) {
	case ZCRX_CTRL_FLUSH_RQ:
		if (!union_zero(x))
			cand(c, -EINVAL, "FLUSH_RQ with its reserved union set");
		break;
	case ZCRX_CTRL_EXPORT:
		if (!union_zero(x))
			cand(c, -EINVAL, "EXPORT with its reserved union set");
		else if (!c->n && !mem_ok(in->p, sizeof(*x), true))
			cand(c, -EFAULT, "ctrl read-only (EXPORT writes the fd back)");
		break;
	case ZCRX_CTRL_ARM_EVENT:
		cand(c, -EINVAL, "ARM_EVENT: a bad type, reserved bits or nothing fired");
		break;
	default:
		cand(c, -EOPNOTSUPP, "op not there (ADD_AREA: not on 6.12) or unknown");
		break;
	}
}

static void ctrl_gen(struct cin *in)
{
	static const uint32_t ops[] = { ZCRX_CTRL_FLUSH_RQ, ZCRX_CTRL_FLUSH_RQ,
					ZCRX_CTRL_FLUSH_RQ, ZCRX_CTRL_EXPORT,
					ZCRX_CTRL_EXPORT, ZCRX_CTRL_ARM_EVENT,
					ZCRX_CTRL_ADD_AREA, 4 };
	uint8_t *u = (uint8_t *)&in->c.zc_flush;
	unsigned int k = rbelow(100);

	memset(in, 0, sizeof(*in));
	in->fdk = k < 75 ? CFD_IFQ : k < 85 ? CFD_NOIFQ : rrange(CFD_MINUS1,
								 CFD_CLOSED);
	in->c.zcrx_id = rchance(75) ? 0 : pick_u32();
	in->c.op = rchance(80) ? RPICK(ops) : pick_u32();
	if (rchance(12))
		in->c.__resv[rbelow(2)] = pick_u64();
	if (rchance(25)) {
		if (rchance(50))
			u[rbelow(sizeof(in->c.zc_flush))] = r32() | 1;
		else
			memset(u, r32() | 1, sizeof(in->c.zc_flush));
	}
	if (in->c.op == ZCRX_CTRL_ADD_AREA && rchance(50))
		in->c.zc_area.area_ptr = seg_addr(SEG_ARG1, 0);
	in->nr_args = rchance(90) ? 0 : pick_u32();
	in->pl = pick_place(20);
	in->p = place_at(in->pl, &in->c, sizeof(in->c), SEG_ARG0, SEG_ARGRO0);
}

/* Entries the ifq's refill ring holds when FLUSH_RQ comes. */
static void ctrl_fill_rq(struct zu_ifq *z)
{
	unsigned int i, n = rbelow(z->rq.ring_entries + 1);

	for (i = 0; i < n; i++) {
		struct io_uring_zcrx_rqe *e = io_uring_zcrx_rq_get_rqe(&z->rq);

		if (!e)
			break;
		e->off = rchance(50) ? rbelow(z->area_len) : r64();
		e->len = r32();
		e->__pad = rchance(70) ? 0 : r32();
	}
	if (rchance(10))
		__atomic_store_n(z->rq.ktail, r32(), __ATOMIC_RELEASE);
	else
		io_uring_zcrx_rq_commit(&z->rq);
}

static void ctrl_fuzz(struct io_uring *ring, struct io_uring *none,
		      struct zu_ifq *z, int pipe_fd)
{
	unsigned int it, n = 1500 * fz_scale, exported = 0;
	struct zcrx_ctrl back;
	struct cands c;
	struct cin in;
	int fd, ret, low, low2, xfd;

	for (it = 0; it < n; it++) {
		if (it % 64 == 0)
			safety("fuzzing ctrl");
		ctrl_gen(&in);
		ctrl_oracle(&in, &c);
		if (in.fdk == CFD_IFQ && rchance(30))
			ctrl_fill_rq(z);
		low = closed_fd();
		fd = in.fdk == CFD_IFQ ? ring->ring_fd :
		     in.fdk == CFD_NOIFQ ? none->ring_fd :
		     in.fdk == CFD_MINUS1 ? -1 :
		     in.fdk == CFD_PIPE ? pipe_fd : low;
		ret = zu_register(fd, IORING_REGISTER_ZCRX_CTRL,
				  (void *)(uintptr_t)in.p, in.nr_args);
		hist_add(ret);
		if (!cand_ok(&c, ret))
			fz_fail("ctrl #%u (%s, op %#x, zcrx_id %u, nr_args %u, arg %s, resv %s, union %s): expected %s, got %s",
				it, cfd_name[in.fdk], in.c.op, in.c.zcrx_id,
				in.nr_args, place_name[in.pl],
				in.c.__resv[0] | in.c.__resv[1] ? "set" : "0",
				union_zero(&in.c) ? "0" : "set", cand_str(&c),
				E(ret));
		if (!ret && in.c.op == ZCRX_CTRL_EXPORT) {
			memcpy(&back, (void *)(uintptr_t)in.p, sizeof(back));
			xfd = back.zc_export.zcrx_fd;
			ret = fcntl(xfd, F_GETFD);
			if (ret < 0 || !(ret & FD_CLOEXEC))
				fz_fail("ctrl #%u: expected EXPORT to return an O_CLOEXEC fd, got fd %d (F_GETFD %d)",
					it, xfd, ret);
			else
				close(xfd);
			exported++;
		}
		low2 = closed_fd();
		if (low2 != low)
			fz_fail("ctrl #%u (op %#x, got %s): expected no file left behind (lowest free fd %d), got lowest free fd %d",
				it, in.c.op, E(ret), low, low2);
	}
	printf("# ctrl: %u calls, %u exports (closed again)\n", n, exported);
	hist_print("ctrl");
}

/* Query chains, simulated entry by entry as upstream's query.c walks. */

#define QMAX		6
#define QSIZE_MAX	48	/* the largest answer: the union's size */

struct qent {
	uint64_t			addr;
	int				seg;	/* SEG_QHDR or SEG_QHDR_RO */
	struct io_uring_query_hdr	h;	/* as written, then as simulated */
};

static uint8_t qref[3][QSIZE_MAX];	/* clean answers, per op */
static const uint32_t qsz[3] = { sizeof(struct io_uring_query_opcode),
				 sizeof(struct io_uring_query_zcrx),
				 sizeof(struct io_uring_query_scq) };

static void query_refs(void)
{
	struct io_uring_query_hdr h;
	int op, ret;

	for (op = 0; op < 3; op++) {
		memset(&h, 0, sizeof(h));
		h.query_op = op;
		h.query_data = (uintptr_t)qref[op];
		h.size = QSIZE_MAX;
		ret = io_uring_register_query(-1, &h);
		if (ret || h.result || h.size != qsz[op])
			tst_fail("expected a clean query of op %d to answer %u bytes, got %s, result %d, size %u",
				 op, qsz[op], E(ret), h.result, h.size);
	}
}

static int q_find(const struct qent *e, int n, uint64_t addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].addr == addr)
			return i;
	return -1;
}

/* The call's result; e[].h become what the kernel writes back. */
static int q_sim(struct qent *e, int n, uint64_t first, bool *visited)
{
	uint64_t cur = first;
	int nr = 0;

	while (cur) {
		int i = q_find(e, n, cur);
		struct io_uring_query_hdr h;
		uint32_t usize, sz, rsz = 0;
		uint64_t d;
		int res;

		if (i < 0)
			return -EFAULT;		/* unmapped or straddling */
		h = e[i].h;
		d = h.query_data;
		usize = h.size;
		sz = usize < QSIZE_MAX ? usize : QSIZE_MAX;
		if (h.query_op >= 3) {
			res = -EOPNOTSUPP;
		} else if (h.__resv[0] || h.__resv[1] || h.__resv[2] ||
			   h.result || !sz) {
			res = -EINVAL;
		} else {
			if (!mem_ok(d, sz, false))
				return -EFAULT;
			res = 0;
			rsz = qsz[h.query_op];
		}
		h.result = res;
		h.size = usize < rsz ? usize : rsz;
		if (!mem_ok(d, h.size, true))
			return -EFAULT;
		if (usize > h.size && !mem_ok(d + h.size, usize - h.size, true))
			return -EFAULT;
		if (e[i].seg == SEG_QHDR_RO)
			return -EFAULT;
		e[i].h = h;
		visited[i] = true;
		if (++nr >= 1000)
			return -ERANGE;
		cur = h.next_entry;
	}
	return 0;
}

static uint32_t q_pick_size(uint32_t op)
{
	static const uint32_t v[] = {
		0, 1, 8, 15, 16, 39, 40, 41, 47, 48, 49, 64, 4095, 4096, 4097,
		0xffffffffu, 0x80000000u,
	};

	uint32_t n;

	if (op < 3 && rchance(40))
		return qsz[op];
	n = rchance(80) ? RPICK(v) : rrange(1, 8192);
	/*
	 * UML's clear_user() takes the length as an int (buffer_op() in
	 * arch/um/kernel/skas/uaccess.c): 2 GiB or more is a negative
	 * length and a memset() over kernel memory. Not there on UML.
	 */
	if (fz_uml && n >= 0x80000000u)
		n = 0x7fffffff;
	return n;
}

static uint64_t q_pick_data(int i)
{
	switch (rbelow(14)) {
	case 0:
		return 0;
	case 1:
		return seg_addr(SEG_AREA_RO, rbelow(PAGE));
	case 2:
		return foreign_ptr(64);
	case 3:
		return seg_addr(SEG_QDATA0 + i, PAGE - rrange(1, 47));
	case 4:
	case 5:
		return seg_addr(SEG_QDATA0 + i, rbelow(PAGE + 1));
	default:
		return seg_addr(SEG_QDATA0 + i, rchance(80) ? 0 : rbelow(64));
	}
}

static bool in_qdata(uint64_t a)
{
	int i;

	for (i = 0; i < QMAX; i++)
		if (a >= seg_addr(SEG_QDATA0 + i, 0) &&
		    a < seg_addr(SEG_QDATA0 + i, PAGE))
			return true;
	return false;
}

/* The answers of a successful chain: data, then zeros to the size. */
static void q_check_answers(unsigned int it, const struct qent *e, int n,
			    const uint32_t *usize, const bool *visited)
{
	int i;

	for (i = 0; i < n; i++) {
		struct io_uring_query_hdr h;
		const uint8_t *d;
		uint32_t j, end;

		if (!visited[i])
			continue;
		memcpy(&h, (void *)(uintptr_t)e[i].addr, sizeof(h));
		if (h.result != e[i].h.result || h.size != e[i].h.size ||
		    h.next_entry != e[i].h.next_entry ||
		    h.query_data != e[i].h.query_data) {
			fz_fail("query #%u entry %d (op %u): expected result %s and size %u written back, got %s and %u",
				it, i, e[i].h.query_op, E(e[i].h.result),
				e[i].h.size, E(h.result), h.size);
			continue;
		}
		if (!mem_ok(h.query_data, usize[i], true) ||
		    !in_qdata(h.query_data))
			continue;
		d = (const uint8_t *)(uintptr_t)h.query_data;
		end = usize[i];
		for (j = 0; j < end; j++) {
			uint8_t want = !h.result && j < h.size ?
				       qref[h.query_op][j] : 0;

			if (d[j] != want) {
				fz_fail("query #%u entry %d (op %u, result %s, size %u of %u): expected byte %u of the buffer %#04x, got %#04x",
					it, i, e[i].h.query_op, E(h.result),
					h.size, end, j, want, d[j]);
				break;
			}
		}
	}
}

static void query_fuzz(struct io_uring *ring, int pipe_fd)
{
	unsigned int it, n = 1500 * fz_scale, ranges = 0, faults = 0;
	bool used[128], visited[QMAX];
	uint32_t usize[QMAX];
	struct qent e[QMAX];
	unsigned int nr_args;
	int i, ne, fdk, fd, want, ret;
	uint64_t first, last_next;

	for (it = 0; it < n; it++) {
		if (it % 64 == 0)
			safety("fuzzing queries");
		memset(seg[SEG_QHDR].p, 0xa5, seg[SEG_QHDR].len);
		for (i = 0; i < QMAX; i++)
			memset(seg[SEG_QDATA0 + i].p, 0xa5, PAGE);
		memset(used, 0, sizeof(used));
		memset(visited, 0, sizeof(visited));
		ne = rrange(1, QMAX);
		for (i = 0; i < ne; i++) {
			int slot;

			e[i].seg = rchance(8) ? SEG_QHDR_RO : SEG_QHDR;
			do {
				slot = rbelow(e[i].seg == SEG_QHDR ? 128 : 64);
			} while (used[slot]);
			used[slot] = true;
			e[i].addr = seg_addr(e[i].seg, slot * 64 +
					     (rchance(80) ? 0 : rbelow(24)));
			memset(&e[i].h, 0, sizeof(e[i].h));
			e[i].h.query_op = rchance(65) ? rbelow(3) :
					  rchance(50) ? rrange(3, 5) : pick_u32();
			e[i].h.size = q_pick_size(e[i].h.query_op);
			e[i].h.query_data = q_pick_data(i);
			if (rchance(8))
				e[i].h.result = pick_u32();
			if (rchance(8))
				e[i].h.__resv[rbelow(3)] = pick_u32() | 1;
			usize[i] = e[i].h.size;
		}
		for (i = 0; i + 1 < ne; i++)
			e[i].h.next_entry = e[i + 1].addr;
		switch (rbelow(10)) {
		case 0:
			last_next = e[rbelow(ne)].addr;		/* a loop */
			break;
		case 1:
			last_next = foreign_ptr(40);
			break;
		case 2:
			last_next = seg_addr(SEG_QHDR, 2 * PAGE - rrange(1, 39));
			break;
		default:
			last_next = 0;
			break;
		}
		e[ne - 1].h.next_entry = last_next;
		for (i = 0; i < ne; i++) {
			uint64_t off = e[i].addr - seg_addr(e[i].seg, 0);

			seg_write(e[i].seg, off, &e[i].h, sizeof(e[i].h));
		}
		first = rchance(4) ? 0 : e[0].addr;
		nr_args = rchance(92) ? 0 : pick_u32();
		fdk = rbelow(100);
		fd = fdk < 45 ? -1 : fdk < 90 ? ring->ring_fd :
		     fdk < 95 ? pipe_fd : closed_fd();
		if (fdk >= 95)
			want = -EBADF;
		else if (fdk >= 90)
			want = -EOPNOTSUPP;
		else if (nr_args)
			want = -EINVAL;
		else
			want = q_sim(e, ne, first, visited);
		ret = zu_register(fd, IORING_REGISTER_QUERY,
				  (void *)(uintptr_t)first, nr_args);
		hist_add(ret);
		ranges += ret == -ERANGE;
		faults += ret == -EFAULT;
		if (ret != want) {
			fz_fail("query #%u (fd %s, %d entries, nr_args %u, first op %u size %u): expected %s, got %s",
				it, fd == -1 ? "-1" : fd == ring->ring_fd ?
				"ring" : "other", ne, nr_args,
				e[0].h.query_op, usize[0], E(want), E(ret));
			continue;
		}
		if (!ret && fdk < 90 && !nr_args)
			q_check_answers(it, e, ne, usize, visited);
	}
	printf("# query: %u chains (%u ended -ERANGE, %u -EFAULT)\n", n,
	       ranges, faults);
	hist_print("query");
}

/* Case 4. */
static void ctrl_query_fuzz(void)
{
	struct io_uring ring, none;
	struct zu_ifq z;
	int p[2];

	case_start(4);
	fz_case_begin();
	if (pipe2(p, O_CLOEXEC))
		tst_fail("expected a pipe, got %s", strerror(errno));
	fz_ring_init(&ring, 4, 0);
	fz_ring_init(&none, 4, 0);
	zu_ifq_setup(&z, &ring, 64 * PAGE, RPICK(rf_nent), rchance(50));
	fz_ifq(&z);
	ctrl_fuzz(&ring, &none, &z, p[0]);
	query_fuzz(&none, p[0]);
	fz_ring_exit(&ring);
	fz_ring_exit(&none);
	fz_ifq_unmap(&z);
	close(p[0]);
	close(p[1]);
	fz_case_summary("ctrl_query_fuzz");
	check_pins_back("ctrl_query_fuzz");
}

/* ------------------------------------------------------------------ */
/* Case 5: RECV_ZC SQEs                                                */

enum fkind {
	FK_TCP, FK_PIPE_DATA, FK_PIPE_EMPTY, FK_UDP, FK_UNIX, FK_LISTEN,
	FK_UNCONN, FK_FILE, FK_EVFD0, FK_EVFD1, FK_RING, FK_CLOSED, FK_MINUS1,
	FK_NR,
};

static const char *const fk_name[] = {
	"the streaming TCP socket", "a pipe with data", "an empty pipe",
	"a UDP socket with a datagram", "a unix socket with data",
	"a listening TCP socket", "an unconnected TCP socket",
	"a regular file", "an eventfd at 0", "an eventfd at 1",
	"another ring's fd", "a closed fd", "fd -1",
};

#define NREQ		48
#define UD_REQ		0x5a000000ull
#define UD_CANCEL	0xcc000000ull

struct rreq {
	bool		live, cancelled;
	int		kind, ifq;
	uint32_t	len;		/* byte limit, 0 none */
	uint64_t	got;
	bool		data_ok;	/* a valid request on the stream */
	bool		may_wait;	/* may stay until cancelled */
	struct cands	c;		/* for its last CQE */
	char		desc[200];
};

/* An area the stream lands in, and what of it is held. */
struct zst {
	struct zu_ifq	z;
	uint16_t	*cnt;
	struct chunk	*held;
	size_t		n, cap;
	bool		enomem;
};

struct sqf {
	struct io_uring		ring, other;
	struct zst		a[2];		/* ifq ids 0 and 1 */
	struct rreq		r[NREQ];
	int			fd[FK_NR];
	int			wends[3];	/* the other ends, kept */
	int			tx;
	uint64_t		total, bytes;
	bool			eof;
	unsigned long		cqes, finals, data_cqes, cancels, submitted;
	unsigned long		empty_ends;	/* stream requests in a row */
	unsigned long		res_count[8];
};

static struct sqf sf;

static void zst_init(struct zst *s, struct io_uring *ring, uint32_t pages)
{
	memset(s, 0, sizeof(*s));
	zu_ifq_setup(&s->z, ring, pages * PAGE, 256, rchance(50));
	fz_ifq(&s->z);
	s->cap = pages + 8;
	s->cnt = calloc(pages, sizeof(*s->cnt));
	s->held = calloc(s->cap, sizeof(*s->held));
	if (!s->cnt || !s->held)
		tst_fail("expected memory for the model");
}

/* Every held buffer back; FLUSH_RQ after -ENOMEM (as upstream needs). */
static void zst_return(struct zst *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct io_uring_zcrx_rqe *e = io_uring_zcrx_rq_get_rqe(&s->z.rq);
		int ret;

		if (!e) {
			io_uring_zcrx_rq_commit(&s->z.rq);
			ret = zu_flush_rq(&s->z);
			if (ret)
				tst_fail("expected FLUSH_RQ to work, got %s",
					 E(ret));
			e = io_uring_zcrx_rq_get_rqe(&s->z.rq);
			if (!e)
				tst_fail("expected room in the refill ring after FLUSH_RQ");
		}
		e->off = s->held[i].off | s->z.token;
		e->len = s->held[i].len;
		e->__pad = 0;
		s->cnt[s->held[i].off / PAGE]--;
	}
	s->n = 0;
	io_uring_zcrx_rq_commit(&s->z.rq);
	if (s->enomem && zu_flush_rq(&s->z))
		tst_fail("expected FLUSH_RQ to work");
	s->enomem = false;
}

static void sf_files(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char path[64];
	int p[2], u[2], i;

	for (i = 0; i < FK_NR; i++)
		sf.fd[i] = -1;
	zu_tcp_pair(&sf.fd[FK_TCP], &sf.tx);
	if (pipe2(p, O_CLOEXEC) || write(p[1], "data", 4) != 4)
		tst_fail("expected a pipe with data");
	sf.fd[FK_PIPE_DATA] = p[0];
	if (pipe2(u, O_CLOEXEC))
		tst_fail("expected a pipe");
	sf.fd[FK_PIPE_EMPTY] = u[0];
	sf.wends[0] = p[1];
	sf.wends[1] = u[1];
	sf.fd[FK_UDP] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sf.fd[FK_UDP] < 0 ||
	    bind(sf.fd[FK_UDP], (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(sf.fd[FK_UDP], (struct sockaddr *)&a, &alen) ||
	    sendto(sf.fd[FK_UDP], "dgram", 5, 0, (struct sockaddr *)&a,
		   sizeof(a)) != 5)
		tst_fail("expected a UDP socket with a datagram, got %s",
			 strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) ||
	    write(u[1], "unix", 4) != 4)
		tst_fail("expected a unix socket pair with data");
	sf.fd[FK_UNIX] = u[0];
	sf.wends[2] = u[1];
	sf.fd[FK_LISTEN] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_port = 0;
	if (sf.fd[FK_LISTEN] < 0 ||
	    bind(sf.fd[FK_LISTEN], (struct sockaddr *)&a, sizeof(a)) ||
	    listen(sf.fd[FK_LISTEN], 1))
		tst_fail("expected a listening socket, got %s", strerror(errno));
	sf.fd[FK_UNCONN] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(path, sizeof(path), "/tmp/zcrx-fuzz-%d", getpid());
	sf.fd[FK_FILE] = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0600);
	if (sf.fd[FK_FILE] < 0 || write(sf.fd[FK_FILE], "file", 4) != 4)
		tst_fail("expected a file in /tmp, got %s", strerror(errno));
	unlink(path);
	sf.fd[FK_EVFD0] = eventfd(0, EFD_CLOEXEC);
	sf.fd[FK_EVFD1] = eventfd(1, EFD_CLOEXEC);
	fz_ring_init(&sf.other, 4, 0);
	sf.fd[FK_RING] = sf.other.ring_fd;
	for (i = 0; i < FK_NR; i++)
		if (i != FK_RING && sf.fd[i] >= 0)
			fz_fd(sf.fd[i]);
	for (i = 0; i < 3; i++)
		fz_fd(sf.wends[i]);
}

/* The fd a request of that kind uses. */
static int sf_fd(int kind)
{
	if (kind == FK_MINUS1)
		return -1;
	if (kind == FK_CLOSED)
		return closed_fd();
	return sf.fd[kind];
}

static bool sf_data_live(void)
{
	int i;

	for (i = 0; i < NREQ; i++)
		if (sf.r[i].live && sf.r[i].data_ok)
			return true;
	return false;
}

static int sf_slot(void)
{
	int i;

	for (i = 0; i < NREQ; i++)
		if (!sf.r[i].live)
			return i;
	return -1;
}

/*
 * One RECV_ZC SQE, random or (valid) well formed on the stream; its
 * oracle from upstream's io_recvzc_prep(), io_recvzc() and the core:
 * prep refuses bad fields (-EINVAL) before the file is looked at (-EBADF);
 * a file that is no socket is -ENOTSOCK, a socket that is not TCP
 * -EPROTONOSUPPORT, a TCP socket with no connection -ENOTCONN; a
 * POLL_FIRST or IOSQE_ASYNC request waits for its file (a file that
 * cannot be polled: -EBADFD from io-wq, as multishot must poll) and is
 * cancelled if it never becomes readable.
 */
static void sf_submit(bool valid, bool on_stream)
{
	static const uint32_t lens[] = { 1, 4095, 4096, 4097, 0xffffffffu,
					 0x7fffffff, 65536 };
	struct io_uring_sqe *sqe;
	struct rreq *q;
	uint16_t ioprio;
	uint32_t idx, msg = 0, pers = 0;
	uint64_t addr = 0, addr2 = 0, addr3 = 0;
	bool pf, as, bad;
	int slot = sf_slot(), kind;

	if (slot < 0)
		return;
	q = &sf.r[slot];
	memset(q, 0, sizeof(*q));
	kind = on_stream || rchance(35) ? FK_TCP : rrange(1, FK_NR - 1);
	ioprio = IORING_RECV_MULTISHOT |
		 (rchance(20) ? IORING_RECVSEND_POLL_FIRST : 0);
	idx = rchance(70) ? 0 : 1;
	q->len = rchance(60) ? 0 : rchance(70) ? RPICK(lens) :
		 rrange(1, ZU_MIB);
	if (!valid) {
		switch (rbelow(8)) {
		case 0:
			ioprio = rchance(50) ? r32() : 1u << rbelow(16);
			break;
		case 1:
			ioprio &= ~IORING_RECV_MULTISHOT;
			break;
		case 2:
			idx = pick_u32();
			break;
		case 3:
			msg = rchance(50) ? MSG_DONTWAIT : pick_u32();
			break;
		case 4:
			addr = pick_u64();
			break;
		case 5:
			addr2 = pick_u64();
			break;
		case 6:
			addr3 = pick_u64();
			break;
		default:
			pers = rrange(1, 0xffff);
			break;
		}
	}
	pf = ioprio & IORING_RECVSEND_POLL_FIRST;
	as = rchance(10);
	bad = addr || addr2 || addr3 || idx > 1 || msg || pers ||
	      (ioprio & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT)) ||
	      !(ioprio & IORING_RECV_MULTISHOT);

	sqe = io_uring_get_sqe(&sf.ring);
	if (!sqe) {
		io_uring_submit(&sf.ring);
		sqe = io_uring_get_sqe(&sf.ring);
	}
	if (!sqe)
		tst_fail("expected a free SQE, got none");
	io_uring_prep_recv_zc(sqe, sf_fd(kind), idx, q->len, ioprio);
	sqe->addr = addr;
	sqe->addr2 = addr2;
	sqe->addr3 = addr3;
	sqe->msg_flags = msg;
	sqe->personality = pers;
	if (as)
		sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = UD_REQ | slot;
	snprintf(q->desc, sizeof(q->desc),
		 "RECV_ZC on %s: ioprio %#x len %u ifq %u msg_flags %#x addr %#llx/%#llx/%#llx personality %u%s",
		 fk_name[kind], ioprio, q->len, idx, msg,
		 (unsigned long long)addr, (unsigned long long)addr2,
		 (unsigned long long)addr3, pers, as ? " IOSQE_ASYNC" : "");
	q->live = true;
	q->kind = kind;
	q->ifq = idx;
	if (bad) {
		cand(&q->c, -EINVAL, "a field prep refuses");
	} else {
		switch (kind) {
		case FK_TCP:
			q->data_ok = q->may_wait = true;
			cand(&q->c, 0, "EOF or the byte limit");
			cand(&q->c, -ENOSPC, "CQ full");
			cand(&q->c, -ENOMEM, "no free buffer");
			cand(&q->c, -ECANCELED, "cancelled");
			break;
		case FK_CLOSED:
		case FK_MINUS1:
			cand(&q->c, -EBADF, "no such file");
			break;
		case FK_FILE:
			cand(&q->c, -ENOTSOCK, "not a socket");
			if (pf || as)
				cand(&q->c, -EBADFD, "multishot on a file io-wq cannot poll");
			break;
		case FK_UDP:
		case FK_UNIX:
			cand(&q->c, -EPROTONOSUPPORT, "not TCP");
			if (as)
				cand(&q->c, -ECANCELED, "io-wq could not arm the poll");
			break;
		case FK_LISTEN:
		case FK_UNCONN:
			cand(&q->c, -ENOTCONN, "no connection");
			if (pf || as) {
				cand(&q->c, -ECANCELED, "cancelled while waiting");
				q->may_wait = true;
			}
			break;
		case FK_PIPE_DATA:
		case FK_EVFD1:
			cand(&q->c, -ENOTSOCK, "not a socket");
			if (as)
				cand(&q->c, -ECANCELED, "io-wq could not arm the poll");
			break;
		default:	/* empty pipe, eventfd 0, a ring: never readable */
			cand(&q->c, -ENOTSOCK, "not a socket");
			if (pf || as) {
				cand(&q->c, -ECANCELED, "cancelled while waiting");
				if (kind == FK_RING)
					cand(&q->c, -EAGAIN, "a ring's fd from io-wq");
				q->may_wait = true;
			}
			break;
		}
	}
	sf.submitted++;
}

static void sf_cancel(int slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&sf.ring);

	if (!sqe) {
		io_uring_submit(&sf.ring);
		sqe = io_uring_get_sqe(&sf.ring);
	}
	if (!sqe)
		tst_fail("expected a free SQE, got none");
	io_uring_prep_cancel64(sqe, UD_REQ | slot, 0);
	sqe->user_data = UD_CANCEL | slot;
	sf.r[slot].cancelled = true;
	sf.cancels++;
}

/* A data CQE of the stream. */
static void sf_data(struct rreq *q, const struct io_uring_cqe *cqe)
{
	const struct io_uring_zcrx_cqe *zc = (const void *)(cqe + 1);
	struct zst *s = &sf.a[q->ifq];
	uint64_t o = zc->off & ~IORING_ZCRX_AREA_MASK, pg = o / PAGE;
	int res = cqe->res;
	long bad;

	if (res <= 0 || (zc->off & IORING_ZCRX_AREA_MASK) != s->z.token ||
	    o + res > s->z.area_len || (o % PAGE) + res > PAGE)
		tst_fail("%s: expected a data CQE inside one buffer of ifq %d's area, got res %d off %#llx",
			 q->desc, q->ifq, res, (unsigned long long)zc->off);
	if (s->cnt[pg])
		tst_fail("%s: expected a free buffer, got page %llu the receiver holds",
			 q->desc, (unsigned long long)pg);
	if (sf.bytes + res > sf.total || (q->len && q->got + res > q->len))
		tst_fail("%s: expected at most %llu bytes (limit %u, %llu so far), got %d more",
			 q->desc, (unsigned long long)sf.total, q->len,
			 (unsigned long long)q->got, res);
	bad = zu_check_pattern((const uint8_t *)s->z.area + o, sf.bytes, res);
	if (bad >= 0)
		tst_fail("%s: expected stream byte %llu to be %#04x, got %#04x",
			 q->desc, (unsigned long long)(sf.bytes + bad),
			 zu_pattern(sf.bytes + bad),
			 ((const uint8_t *)s->z.area)[o + bad]);
	if (s->n == s->cap)
		tst_fail("internal: more chunks held than buffers");
	s->held[s->n].off = o;
	s->held[s->n].len = res;
	s->held[s->n].pos = sf.bytes;
	s->n++;
	s->cnt[pg]++;
	sf.bytes += res;
	q->got += res;
	sf.data_cqes++;
}

static void sf_cqe(const struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	unsigned int slot = ud & 0xffff;
	struct rreq *q;
	int res = cqe->res;

	sf.cqes++;
	if ((ud & ~0xffffull) == UD_CANCEL) {
		if (res < 0 && res != -ENOENT && res != -EALREADY)
			fz_fail("cancel of request %u: expected 0, -ENOENT or -EALREADY, got %s",
				slot, E(res));
		return;
	}
	if ((ud & ~0xffffull) != UD_REQ || slot >= NREQ || !sf.r[slot].live)
		tst_fail("expected CQEs of live requests, got user_data %#llx res %d flags %#x",
			 (unsigned long long)ud, res, cqe->flags);
	q = &sf.r[slot];
	if (cqe->flags & IORING_CQE_F_MORE) {
		if (!q->data_ok)
			tst_fail("%s: expected no data (it should end with %s), got a CQE res %d with F_MORE",
				 q->desc, cand_str(&q->c), res);
		sf_data(q, cqe);
		return;
	}
	q->live = false;
	sf.finals++;
	hist_add(res);
	if (q->data_ok)
		sf.empty_ends = q->got ? 0 : sf.empty_ends + 1;
	if (!cand_ok(&q->c, res) && q->c.n) {
		fz_fail("%s: expected %s, got %s", q->desc, cand_str(&q->c),
			E(res));
		return;
	}
	if (q->data_ok && !res && !(q->len && q->got == q->len) &&
	    sf.bytes != sf.total)
		fz_fail("%s: expected res 0 only at EOF or the byte limit, got it after %llu of %u bytes (stream at %llu of %llu)",
			q->desc, (unsigned long long)q->got, q->len,
			(unsigned long long)sf.bytes,
			(unsigned long long)sf.total);
	if (q->data_ok && !res && sf.bytes == sf.total)
		sf.eof = true;
	if (res == -ENOMEM)
		sf.a[q->ifq].enomem = true;
}

/* Reap what comes within ms; give every buffer back after each batch. */
static void sf_reap(int ms)
{
	struct __kernel_timespec ts = { .tv_nsec = (long)ms * 1000000 };
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait_timeout(&sf.ring, &cqe, 1, &ts, NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR)
		tst_fail("expected to wait for CQEs, got %s", E(ret));
	while (!io_uring_peek_cqe(&sf.ring, &cqe)) {
		sf_cqe(cqe);
		io_uring_cqe_seen(&sf.ring, cqe);
	}
	zst_return(&sf.a[0]);
	zst_return(&sf.a[1]);
}

/* Live requests that must end by themselves. */
static int sf_pending_finite(void)
{
	int i, n = 0;

	for (i = 0; i < NREQ; i++)
		n += sf.r[i].live && !sf.r[i].may_wait;
	return n;
}

static void sf_wait_finite(const char *when)
{
	uint64_t end = now_ns() + WAIT_MS * 1000000ull;
	int i;

	while (sf_pending_finite()) {
		if (now_ns() > end) {
			for (i = 0; i < NREQ; i++)
				if (sf.r[i].live && !sf.r[i].may_wait)
					break;
			tst_fail("%s: %s: expected to complete with %s within %d ms, still in flight",
				 when, sf.r[i].desc, cand_str(&sf.r[i].c),
				 WAIT_MS);
		}
		sf_reap(50);
	}
}

/* Cancel what waits; all of it must then end. */
static void sf_cancel_waiting(bool data_too, const char *when)
{
	uint64_t end;
	int i, live;

	for (i = 0; i < NREQ; i++)
		if (sf.r[i].live && sf.r[i].may_wait &&
		    (!sf.r[i].data_ok || data_too))
			sf_cancel(i);
	end = now_ns() + WAIT_MS * 1000000ull;
	for (;;) {
		sf_reap(20);
		for (live = 0, i = 0; i < NREQ; i++)
			live += sf.r[i].live && sf.r[i].cancelled;
		if (!live)
			break;
		if (now_ns() > end) {
			for (i = 0; i < NREQ; i++)
				if (sf.r[i].live && sf.r[i].cancelled)
					break;
			tst_fail("%s: %s: expected to end once cancelled, still in flight after %d ms",
				 when, sf.r[i].desc, WAIT_MS);
		}
	}
}

/* Case 5. */
static void recv_sqe_fuzz(void)
{
	unsigned int round, n = 250 * fz_scale, k, i;
	struct zu_sender *snd;

	case_start(5);
	fz_case_begin();
	memset(&sf, 0, sizeof(sf));
	sf.total = 8ull * ZU_MIB * fz_scale;
	fz_ring_init(&sf.ring, 16, rchance(20) ? 32 : 2048);
	zst_init(&sf.a[0], &sf.ring, 256);
	zst_init(&sf.a[1], &sf.ring, 64);
	if (sf.a[0].z.id != 0 || sf.a[1].z.id != 1)
		tst_fail("expected ifq ids 0 and 1, got %u and %u",
			 sf.a[0].z.id, sf.a[1].z.id);
	sf_files();
	snd = zu_start_sender(sf.tx, sf.total, 64 * 1024);

	for (round = 0; round < n; round++) {
		safety("submitting RECV_ZC SQEs");
		for (k = rrange(1, 6); k; k--)
			sf_submit(rchance(50), false);
		if (!sf.eof && !sf_data_live() && rchance(80))
			sf_submit(true, true);
		sf_reap(5);
		sf_wait_finite("round");
		if (rchance(25))
			sf_cancel_waiting(rchance(20), "round");
	}
	sf_cancel_waiting(true, "the end of the rounds");
	sf_wait_finite("the end of the rounds");
	/* the rest of the stream, with well-formed requests */
	while (!sf.eof) {
		safety("draining the stream");
		if (sf.empty_ends > 64)
			tst_fail("expected the stream to go on, got 64 well-formed requests in a row ending without data (%llu of %llu bytes)",
				 (unsigned long long)sf.bytes,
				 (unsigned long long)sf.total);
		if (!sf_data_live())
			sf_submit(true, true);
		sf_reap(100);
		sf_wait_finite("draining");
	}
	sf_cancel_waiting(true, "the end");
	zu_wait_sender(snd);
	tst_check(sf.bytes == sf.total,
		  "expected the whole stream (%llu bytes) through RECV_ZC, got %llu",
		  (unsigned long long)sf.total, (unsigned long long)sf.bytes);
	printf("# recv_sqe: %lu SQEs, %lu CQEs (%lu data, %lu ends), %lu cancels, %llu stream bytes\n",
	       sf.submitted, sf.cqes, sf.data_cqes, sf.finals, sf.cancels,
	       (unsigned long long)sf.bytes);
	hist_print("recv_sqe last CQE");
	fz_ring_exit(&sf.ring);
	fz_ring_exit(&sf.other);
	for (i = 0; i < 2; i++) {
		fz_ifq_unmap(&sf.a[i].z);
		free(sf.a[i].cnt);
		free(sf.a[i].held);
	}
	for (i = 0; i < FK_NR; i++)
		if (i != FK_RING && sf.fd[i] >= 0)
			fz_close(sf.fd[i]);
	for (i = 0; i < 3; i++)
		fz_close(sf.wends[i]);
	fz_case_summary("recv_sqe_fuzz");
	check_pins_back("recv_sqe_fuzz");
}

/* ------------------------------------------------------------------ */
/* Case 6: killed holders, rings closed in flight, re-registration     */

/* A connected pair for queue q (1..3 steered; 0: loopback, NODEV). */
static void kc_stream(int q, int *rx, int *tx)
{
	int lfd;

	if (!q) {
		zu_tcp_pair(rx, tx);
		return;
	}
	lfd = vn_listen(VN_B_ADDR, VN_PORT(q));
	*tx = zv_connect(&vp, VN_PORT(q));
	*rx = vn_accept(lfd, 5000);
	close(lfd);
}

/* A ring with an ifq: NODEV (q 0) or on vnic queue q. Returns its errno. */
static int kc_register(struct io_uring *ring, struct zu_ifq *z, int q,
		       size_t area_len)
{
	int ret;

	fz_ring_init(ring, 16, 1024);
	zu_ifq_prepare(z, ring, area_len, 256, rchance(50));
	if (q) {
		z->reg.flags = 0;
		z->reg.if_idx = vp.ifindex;
		z->reg.if_rxq = q;
	}
	ret = zu_ifq_register(z);
	if (!ret)
		fz_ifq(z);
	return ret;
}

/*
 * The same queue again, at once: it must register. NODEV: and a short
 * stream through it, checked.
 */
static void kc_again(int q, const char *after)
{
	struct io_uring ring;
	struct zu_sender *snd;
	struct zu_recv r;
	struct zu_ifq z;
	int ret, rx, tx;

	ret = kc_register(&ring, &z, q, ZU_MIB);
	if (ret) {
		fz_fail("%s: expected %s to register again at once, got %s",
			after, q ? "the vnic queue" : "a NODEV ifq", E(ret));
	} else if (!q) {
		zu_tcp_pair(&rx, &tx);
		fz_fd(rx);
		snd = zu_start_sender(tx, ZU_MIB, 64 * 1024);
		zu_recv_init(&r, &z, rx, ZU_MIB, ZU_REFILL_EAGER);
		zu_recv_all(&r);
		zu_wait_sender(snd);
		zu_recv_free(&r);
		fz_close(rx);
	}
	fz_ring_exit(&ring);
	fz_ifq_unmap(&z);
}

/* A child registers (queue q), does variant, is killed. */
static void kc_kill_one(int q, int variant)
{
	char qs[8], ifs[16], vs[4], ds[4], ts[16], ks[4], what[96];
	char *args[] = { "hold", q ? "vnic" : "nodev", ifs, qs, vs, ds, ts, ks,
			 NULL };
	bool dropcap = rchance(50);
	struct zu_sender *snd = NULL;
	struct child c;
	char buf[8];
	int rx = -1, tx = -1;

	snprintf(ifs, sizeof(ifs), "%d", q ? vp.ifindex : 0);
	snprintf(qs, sizeof(qs), "%d", q);
	snprintf(vs, sizeof(vs), "%d", variant);
	snprintf(ds, sizeof(ds), "%d", dropcap);
	snprintf(ts, sizeof(ts), "%u", (unsigned int)rrange(4, 64));
	snprintf(ks, sizeof(ks), "%d", (int)rchance(50));
	snprintf(what, sizeof(what), "a %s child %s%s, SIGKILLed",
		 q ? "vnic" : "NODEV", hv_name[variant],
		 dropcap ? " without CAP_IPC_LOCK" : "");
	if (variant != HV_REG_ONLY) {
		kc_stream(q, &rx, &tx);
		fz_fd(rx);
		snd = zu_start_sender(tx, 1024ull * ZU_MIB, 64 * 1024);
	}
	child_spawn(&c, args, rx);
	if (rx >= 0)
		fz_close(rx);
	child_report(&c, buf, sizeof(buf));
	if (rchance(50))
		usleep(rbelow(3000));
	child_kill(&c);
	/* its socket is gone; the sender stops (shut down, to be sure) */
	if (snd) {
		shutdown(tx, SHUT_RDWR);
		zu_join_sender(snd);
	}
	kc_again(q, what);
}

/*
 * A ring closed with 1-4 RECV_ZC requests armed (some IOSQE_ASYNC, some
 * POLL_FIRST), after a random number of CQEs, some buffers held; then
 * the queue again at once, and the socket still a socket.
 */
static void kc_close_inflight(int q)
{
	struct __kernel_timespec ts = { .tv_nsec = 20000000 };
	unsigned int i, nreq = rrange(1, 4), want = rbelow(200), got = 0;
	struct io_uring_cqe *cqe;
	struct zu_sender *snd;
	struct io_uring ring;
	struct zu_ifq z;
	char what[96], buf[4096];
	int ret, rx, tx;

	snprintf(what, sizeof(what),
		 "a ring closed with %u RECV_ZC in flight after %u CQEs (%s)",
		 nreq, want, q ? "vnic" : "NODEV");
	kc_stream(q, &rx, &tx);
	fz_fd(rx);
	snd = zu_start_sender(tx, 1024ull * ZU_MIB, 64 * 1024);
	ret = kc_register(&ring, &z, q, 2 * ZU_MIB);
	if (ret)
		tst_fail("%s: expected to register, got %s", what, E(ret));
	for (i = 0; i < nreq; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_recv_zc(sqe, rx, z.id, rchance(20) ?
				      rrange(1, ZU_MIB) : 0,
				      IORING_RECV_MULTISHOT |
				      (rchance(30) ? IORING_RECVSEND_POLL_FIRST : 0));
		if (rchance(30))
			sqe->flags |= IOSQE_ASYNC;
		sqe->user_data = i;
	}
	io_uring_submit(&ring);
	while (got < want) {
		safety(what);
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (ret == -ETIME || ret == -EINTR)
			break;
		if (ret)
			tst_fail("expected to wait for CQEs, got %s", E(ret));
		/* hold them: the close must take them back */
		io_uring_cqe_seen(&ring, cqe);
		got++;
	}
	fz_ring_exit(&ring);
	fz_ifq_unmap(&z);
	kc_again(q, what);
	/*
	 * The socket still works. Data the device already put in provider
	 * memory is unreadable to recv(): -EFAULT, as upstream (devmem).
	 */
	if (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EAGAIN &&
	    !(q && errno == EFAULT))
		fz_fail("%s: expected plain recv() to work after the ring closed, got %s",
			what, strerror(errno));
	shutdown(tx, SHUT_RDWR);
	fz_close(rx);
	zu_join_sender(snd);
}

/* Case 6. */
static void kill_and_close(void)
{
	unsigned int i, n = 3 * fz_scale;
	uint64_t t0;

	case_start(6);
	fz_case_begin();
	t0 = now_ns();

	for (i = 0; i < n + 1; i++) {
		safety("killing holders");
		kc_kill_one(0, rbelow(HV_NR));
		check_pins_back("a killed NODEV holder");
	}
	printf("# kill_and_close: %u NODEV holders killed, %.1f s\n", n + 1,
	       (now_ns() - t0) / 1e9);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		safety("closing rings in flight");
		kc_close_inflight(0);
		check_pins_back("a NODEV ring closed in flight");
	}
	printf("# kill_and_close: %u NODEV rings closed in flight, %.1f s\n",
	       n, (now_ns() - t0) / 1e9);
	t0 = now_ns();
	if (!have_vnic) {
		printf("# kill_and_close: no vnic parts: %s\n", no_vnic);
	} else {
		for (i = 0; i < n; i++) {
			safety("killing vnic holders");
			kc_kill_one(rrange(1, 3), rbelow(HV_NR));
			check_pins_back("a killed vnic holder");
		}
		printf("# kill_and_close: %u vnic holders killed, %.1f s\n",
		       n, (now_ns() - t0) / 1e9);
		t0 = now_ns();
		for (i = 0; i < (n > 1 ? n - 1 : 1); i++) {
			safety("closing vnic rings in flight");
			kc_close_inflight(rrange(1, 3));
			check_pins_back("a vnic ring closed in flight");
		}
		printf("# kill_and_close: %u vnic rings closed in flight, %.1f s\n",
		       i, (now_ns() - t0) / 1e9);
	}
	fz_case_summary("kill_and_close");
}

/* ------------------------------------------------------------------ */
/* Case 7: accounting                                                  */

static void accounting_restored(void)
{
	struct acct a;
	long h;
	int ms;

	case_start(7);
	fz_case_begin();
	for (ms = 0; ms <= 5000; ms += 20) {
		acct_read(&a);
		if (a.vmpin == acct0.vmpin && a.foll == acct0.foll)
			break;
		usleep(20000);
	}
	tst_check(a.vmpin == acct0.vmpin,
		  "expected VmPin back to %ld kB (at the start), got %ld kB",
		  acct0.vmpin, a.vmpin);
	tst_check(a.vmlck == acct0.vmlck,
		  "expected VmLck back to %ld kB, got %ld kB", acct0.vmlck,
		  a.vmlck);
	/* fewer: pins of something that ran before this test went meanwhile */
	tst_check(a.foll <= acct0.foll,
		  "expected the system's FOLL_PIN pages (nr_foll_pin_acquired - nr_foll_pin_released) back to %lld, got %lld",
		  acct0.foll, a.foll);
	h = memlock_headroom();
	tst_check(h == memlock0,
		  "expected root's RLIMIT_MEMLOCK headroom back to %ld of %u pages (nothing left charged), got %ld",
		  memlock0, MEMLOCK_PROBE, h);
	printf("# accounting: VmPin %ld -> %ld kB, VmLck %ld -> %ld kB, FOLL_PIN pages %lld -> %lld, memlock headroom %ld -> %ld pages\n",
	       acct0.vmpin, a.vmpin, acct0.vmlck, a.vmlck, acct0.foll, a.foll,
	       memlock0, h);
}

/* ------------------------------------------------------------------ */

static void parse_env(void)
{
	const char *s = getenv("ZCRX_FUZZ_SEED"), *k = getenv("ZCRX_FUZZ_SCALE");
	uint64_t x;

	if (s && *s) {
		fz_seed = strtoull(s, NULL, 0);
	} else {
		x = now_ns() ^ ((uint64_t)getpid() << 32);
		fz_seed = splitmix64(&x) >> 16;	/* short enough to type */
	}
	if (k && *k) {
		fz_scale = strtoul(k, NULL, 0);
		if (!fz_scale)
			fz_scale = 1;
	}
	k = getenv("ZCRX_FUZZ_KNOWN_BUGS");
	if (k && *k == '0')
		fz_known = false;
}

static bool on_uml(void)
{
	char line[256];
	bool uml = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!uml && fgets(line, sizeof(line), f))
		uml = strstr(line, "User Mode Linux") != NULL;
	fclose(f);
	return uml;
}

/* A case, and how long it took. */
#define RUN(fn)	do {							\
	uint64_t t0 = now_ns();						\
									\
	TST_CASE(fn);							\
	fz_cleanup();							\
	printf("# %s: %.1f s\n", #fn, (now_ns() - t0) / 1e9);		\
} while (0)

int main(int argc, char **argv)
{
	uint64_t t0 = now_ns();

	if (argc > 2 && !strcmp(argv[1], "--fuzz-child"))
		return child_main(argc, argv);

	parse_env();
	printf("# seed %llu\n", (unsigned long long)fz_seed);
	printf("# scale %u (reproduce with ZCRX_FUZZ_SEED=%llu ZCRX_FUZZ_SCALE=%u)\n",
	       fz_scale, (unsigned long long)fz_seed, fz_scale);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	lo_idx = if_nametoindex("lo");
	fz_uml = on_uml();
	/* what forks (ip, ethtool) comes before any ring */
	vnic_setup();
	arena_setup();
	acct_settle();
	if (acct0.vmpin < 0 || acct0.foll == LLONG_MIN)
		tst_fail("expected VmPin in /proc/self/status and nr_foll_pin_* in /proc/vmstat");
	probe_offsets();
	query_refs();
	/* the probe's ifq goes in the ring's exit work */
	zu_wait_vmpin(acct0.vmpin, 5000);
	memlock0 = memlock_headroom();
	printf("# start: VmPin %ld kB, VmLck %ld kB, FOLL_PIN pages %lld, memlock headroom %ld of %u pages; vnic: %s; %s; known-bug inputs %s\n",
	       acct0.vmpin, acct0.vmlck, acct0.foll, memlock0, MEMLOCK_PROBE,
	       have_vnic ? "yes" : no_vnic, fz_uml ? "UML" : "not UML",
	       fz_known ? "in" : "out (ZCRX_FUZZ_KNOWN_BUGS=0)");

	tst_plan(7);
	RUN(reg_fuzz);
	RUN(nodev_refill_fuzz);
	RUN(vnic_refill_fuzz);
	RUN(ctrl_query_fuzz);
	RUN(recv_sqe_fuzz);
	RUN(kill_and_close);
	RUN(accounting_restored);
	if (have_vnic)
		zv_pair_delete(&vp);
	printf("# total: %.1f s (seed %llu, scale %u)\n", (now_ns() - t0) / 1e9,
	       (unsigned long long)fz_seed, fz_scale);
	return tst_exit();
}
