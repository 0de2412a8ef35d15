// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_ZCRX_IFQ refuses every malformed registration with
 * upstream's errno (io_uring/zcrx.c, io_create_region() in memmap.c and
 * io_validate_user_buf_range() in rsrc.c), and leaves nothing behind.
 *
 * One table of cases, each a valid NODEV registration with one thing
 * wrong: the ring (no DEFER_TASKRUN, no CQE32), each reserved field of
 * io_uring_zcrx_ifq_reg, unknown flags, NODEV with a device, rq_entries
 * (0, 32769), rx_buf_len, the event descriptor (unknown types or flags,
 * stats_offset without the stats flag, reserved: -EINVAL; stats
 * unaligned: -EINVAL, over the entries or past the region: -ERANGE),
 * the area (zero address or
 * length: -EFAULT; a wrap or over INT_MAX / 8 pages: -EOVERFLOW, no 1 GiB
 * cap; unaligned, flags, token, reserved: -EINVAL; unmapped or read-only:
 * -EFAULT), the region (too small,
 * reserved, id, mmap_offset, flags, unaligned: -EINVAL; user_addr set for
 * a kernel region or missing for a user one: -EFAULT), the argument
 * memory (unmapped or read-only reg/area/region), nr_args, netdev mode
 * (no such device, lo cannot restart queues, if_rxq -1) and
 * CAP_NET_ADMIN; without CAP_IPC_LOCK an area over RLIMIT_MEMLOCK fails
 * -ENOMEM. Then 32769 entries on a IORING_SETUP_CLAMP ring succeed as
 * 32768, offsets set on input, an event descriptor asking for nothing
 * and one asking for everything are taken, as upstream takes them, and
 * at the end a valid registration
 * on the ring that saw all the failures gets zcrx_id 0 and the write-back
 * the ABI describes (rx_buf_len PAGE_SIZE), with no pages left pinned by
 * the failures.
 *
 * Each of these is a case: the two capability checks (children, forked
 * before this process maps a ring), one per table row, CLAMP, the pins
 * and the final registration. A row that registers when it should not
 * gets its ring replaced, so that its ifq fails only that row.
 */
#include <errno.h>
#include <linux/capability.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(16 * ZU_PAGE)
#define RQ_ENTRIES	64

struct ctx {
	struct io_uring			*ring;	/* the ring to register on */
	struct io_uring_zcrx_area_reg	area;
	struct io_uring_region_desc	rd;
	struct io_uring_zcrx_ifq_reg	reg;
	void				*arg;	/* what is passed, usually &reg */
	unsigned int			nr_args;
};

static struct io_uring main_ring, ring_no_defer, ring_no_cqe32;
static uint8_t *area_rw, *area_ro;
static struct io_uring_region_desc user_rd, big_rd;
static struct zcrx_event_desc event_desc;

/* A range of len bytes that is not mapped, right now. */
static void *hole(size_t len)
{
	void *p = zu_map(len, PROT_NONE);

	munmap(p, len);
	return p;
}

/* A copy of src in a fresh page, then made read-only. */
static void *ro_copy(const void *src, size_t len)
{
	void *p = zu_map(ZU_PAGE, PROT_READ | PROT_WRITE);

	memcpy(p, src, len);
	if (mprotect(p, ZU_PAGE, PROT_READ))
		tst_fail("expected mprotect(PROT_READ) to work, got %s",
			 strerror(errno));
	return p;
}

/* AREA_LEN bytes of which the last page is not mapped, right now. */
static void *short_area(void)
{
	uint8_t *p = zu_map(AREA_LEN, PROT_READ | PROT_WRITE);

	munmap(p + AREA_LEN - ZU_PAGE, ZU_PAGE);
	return p;
}

static void base(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	memset(&event_desc, 0, sizeof(event_desc));
	c->ring = &main_ring;
	c->area.addr = (uint64_t)(uintptr_t)area_rw;
	c->area.len = AREA_LEN;
	c->rd = user_rd;
	c->reg.flags = ZCRX_REG_NODEV;
	c->reg.rq_entries = RQ_ENTRIES;
	c->reg.area_ptr = (uint64_t)(uintptr_t)&c->area;
	c->reg.region_ptr = (uint64_t)(uintptr_t)&c->rd;
	c->arg = &c->reg;
	c->nr_args = 1;
}

#define CASE(fn, body) static void fn(struct ctx *c) { body; }

CASE(no_defer_taskrun, c->ring = &ring_no_defer)
CASE(no_cqe32, c->ring = &ring_no_cqe32)
CASE(reg_resv0, c->reg.__resv[0] = 1)
CASE(reg_resv1, c->reg.__resv[1] = 1)
CASE(reg_zcrx_id, c->reg.zcrx_id = 1)
#define WITH_ED(body) body; c->reg.event_desc = (uint64_t)(uintptr_t)&event_desc
CASE(event_type_unknown, WITH_ED(event_desc.type_mask = 1u << __ZCRX_EVENT_TYPE_LAST))
CASE(event_flags_unknown, WITH_ED(event_desc.flags = 1u << 1))
CASE(event_stats_offset_no_flag, WITH_ED(event_desc.stats_offset = c->rd.size - 16))
CASE(event_resv2, WITH_ED(event_desc.__resv2[8] = 1))
CASE(event_stats_unaligned, WITH_ED(event_desc.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	event_desc.stats_offset = c->rd.size - 20))
CASE(event_stats_in_entries, WITH_ED(event_desc.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	event_desc.stats_offset = 0))
CASE(event_stats_past_region, WITH_ED(event_desc.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	event_desc.stats_offset = c->rd.size - 8))
CASE(event_stats_far, WITH_ED(event_desc.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	event_desc.stats_offset = UINT64_MAX - 7))
CASE(event_desc_unmapped, c->reg.event_desc = (uint64_t)(uintptr_t)hole(ZU_PAGE))
CASE(rx_buf_len_2048, c->reg.rx_buf_len = 2048)
CASE(rx_buf_len_6144, c->reg.rx_buf_len = 6144)
CASE(rx_buf_len_8192, c->reg.rx_buf_len = 8192)
CASE(flags_unknown, c->reg.flags |= 1u << 2)
CASE(flags_high, c->reg.flags |= 1u << 31)
CASE(nodev_if_idx, c->reg.if_idx = 1)
CASE(nodev_if_rxq, c->reg.if_rxq = 1)
CASE(rq_zero, c->reg.rq_entries = 0)
CASE(rq_32769, c->reg.rq_entries = 32769; c->rd = big_rd)
CASE(area_addr0, c->area.addr = 0)
CASE(area_len0, c->area.len = 0)
CASE(area_addr_unaligned, c->area.addr += 1)
CASE(area_len_unaligned, c->area.len -= 1)
CASE(area_len_over_1g, c->area.len = (1ull << 30) + ZU_PAGE)
CASE(area_len_over_int_max_pages, c->area.len = (1ull << 31) * ZU_PAGE)
CASE(area_addr0_len_over_int_max_pages, c->area.addr = 0;
	c->area.len = (1ull << 31) * ZU_PAGE)
CASE(area_len_aligns_to_0, c->area.len = ~0ull)
CASE(area_wraps, c->area.addr = -(uint64_t)ZU_PAGE; c->area.len = 2 * ZU_PAGE)
CASE(area_len_2p28_pages, c->area.len = (1ull << 28) * ZU_PAGE)
CASE(area_unmapped, c->area.addr = (uint64_t)(uintptr_t)hole(AREA_LEN))
CASE(area_tail_unmapped, c->area.addr = (uint64_t)(uintptr_t)short_area())
CASE(area_readonly, c->area.addr = (uint64_t)(uintptr_t)area_ro)
CASE(area_flag_unknown, c->area.flags = 2)
CASE(area_flag_high, c->area.flags = 1u << 31)
CASE(area_dmabuf, c->area.flags = IORING_ZCRX_AREA_DMABUF)
CASE(area_token, c->area.rq_area_token = 1ull << IORING_ZCRX_AREA_SHIFT)
CASE(area_token_low, c->area.rq_area_token = ZU_PAGE)
CASE(area_resv0, c->area.__resv2[0] = 1)
CASE(area_resv1, c->area.__resv2[1] = 1)
CASE(rd_too_small, c->reg.rq_entries = 4096; c->rd.size = ZU_PAGE)
CASE(rd_no_header, c->reg.rq_entries = 4096; c->rd = big_rd;
	c->rd.size = 4096 * sizeof(struct io_uring_zcrx_rqe))
CASE(rd_resv0, c->rd.__resv[0] = 1)
CASE(rd_resv1, c->rd.__resv[1] = 1)
CASE(rd_resv2, c->rd.__resv[2] = 1)
CASE(rd_resv3, c->rd.__resv[3] = 1)
CASE(rd_id, c->rd.id = 1)
CASE(rd_mmap_offset, c->rd.mmap_offset = 0x30000000ull)
CASE(rd_flag_unknown, c->rd.flags |= 2)
CASE(rd_flag_high, c->rd.flags |= 1u << 31)
CASE(rd_user_unaligned, c->rd.user_addr += 64)
CASE(rd_kernel_with_addr, c->rd.flags = 0)
CASE(rd_user_without_addr, c->rd.user_addr = 0)
CASE(rd_kernel_size_unaligned, c->rd.flags = 0; c->rd.user_addr = 0;
	c->rd.size += 64)
CASE(arg_reg_unmapped, c->arg = hole(ZU_PAGE))
CASE(arg_area_unmapped, c->reg.area_ptr = (uint64_t)(uintptr_t)hole(ZU_PAGE))
CASE(arg_region_unmapped,
	c->reg.region_ptr = (uint64_t)(uintptr_t)hole(ZU_PAGE))
CASE(arg_area_readonly,
	c->reg.area_ptr = (uint64_t)(uintptr_t)ro_copy(&c->area, sizeof(c->area)))
CASE(arg_region_readonly,
	c->reg.region_ptr = (uint64_t)(uintptr_t)ro_copy(&c->rd, sizeof(c->rd)))
CASE(arg_reg_readonly, c->arg = ro_copy(&c->reg, sizeof(c->reg)))
CASE(nr_args0, c->nr_args = 0)
CASE(nr_args2, c->nr_args = 2)
CASE(netdev_missing, c->reg.flags = 0; c->reg.if_idx = 0x7fffff00)
CASE(netdev_lo, c->reg.flags = 0; c->reg.if_idx = if_nametoindex("lo"))
CASE(netdev_missing_bad_area, c->reg.flags = 0; c->reg.if_idx = 0x7fffff00;
	c->area.len = 0)
CASE(netdev_rxq_minus1, c->reg.flags = 0; c->reg.if_idx = if_nametoindex("lo");
	c->reg.if_rxq = (uint32_t)-1)

/* One case per row, named after its function; what says it in a failure. */
struct reg_case {
	const char *name;
	const char *what;
	void (*set)(struct ctx *c);
	int expect;
};

#define ROW(what, fn, expect)	{ #fn, what, fn, expect }

static const struct reg_case cases[] = {
	ROW("ring without IORING_SETUP_DEFER_TASKRUN", no_defer_taskrun, -EINVAL),
	ROW("ring without IORING_SETUP_CQE32", no_cqe32, -EINVAL),
	ROW("reg.__resv[0] != 0", reg_resv0, -EINVAL),
	ROW("reg.__resv[1] != 0", reg_resv1, -EINVAL),
	ROW("reg.zcrx_id != 0", reg_zcrx_id, -EINVAL),
	ROW("event_desc.type_mask with an unknown event type", event_type_unknown, -EINVAL),
	ROW("event_desc.flags with unknown bit 1", event_flags_unknown, -EINVAL),
	ROW("event_desc.stats_offset without ZCRX_EVENT_DESC_FLAG_STATS", event_stats_offset_no_flag, -EINVAL),
	ROW("event_desc.__resv2[8] != 0", event_resv2, -EINVAL),
	ROW("stats_offset not 8-byte aligned", event_stats_unaligned, -EINVAL),
	ROW("stats_offset 0 (over the ring's header and entries)", event_stats_in_entries, -ERANGE),
	ROW("stats ending past the region", event_stats_past_region, -ERANGE),
	ROW("stats_offset near U64_MAX (the end wraps)", event_stats_far, -ERANGE),
	ROW("event_desc unmapped", event_desc_unmapped, -EFAULT),
	ROW("rx_buf_len 2048 (below PAGE_SIZE)", rx_buf_len_2048, -EINVAL),
	ROW("rx_buf_len 6144 (not a power of two)", rx_buf_len_6144, -EINVAL),
	ROW("rx_buf_len 8192 (large buffers not yet on 6.12)", rx_buf_len_8192, -EOPNOTSUPP),
	ROW("reg.flags with unknown bit 2", flags_unknown, -EINVAL),
	ROW("reg.flags with unknown bit 31", flags_high, -EINVAL),
	ROW("ZCRX_REG_NODEV with if_idx 1", nodev_if_idx, -EINVAL),
	ROW("ZCRX_REG_NODEV with if_rxq 1", nodev_if_rxq, -EINVAL),
	ROW("rq_entries 0", rq_zero, -EINVAL),
	ROW("rq_entries 32769 without IORING_SETUP_CLAMP", rq_32769, -EINVAL),
	ROW("area addr 0", area_addr0, -EFAULT),
	ROW("area len 0", area_len0, -EFAULT),
	ROW("area addr not page aligned", area_addr_unaligned, -EINVAL),
	ROW("area len not page aligned", area_len_unaligned, -EINVAL),
	ROW("area len 1 GiB + 4 KiB, no cap but only 16 pages mapped", area_len_over_1g, -EFAULT),
	ROW("area len 2^31 pages (over what pinning takes)", area_len_over_int_max_pages, -EOVERFLOW),
	ROW("area addr 0, len 2^31 pages (no length check before the address)",
	    area_addr0_len_over_int_max_pages, -EFAULT),
	ROW("area len ~0 (page-aligns to 0: not a wrap, unaligned)", area_len_aligns_to_0, -EINVAL),
	ROW("area range wraps past 2^64", area_wraps, -EOVERFLOW),
	ROW("area len 2^28 pages (page array over INT_MAX bytes)", area_len_2p28_pages, -EOVERFLOW),
	ROW("area unmapped", area_unmapped, -EFAULT),
	ROW("area whose last page is unmapped", area_tail_unmapped, -EFAULT),
	ROW("area in a read-only mapping", area_readonly, -EFAULT),
	ROW("area flags with unknown bit 1", area_flag_unknown, -EINVAL),
	ROW("area flags with unknown bit 31", area_flag_high, -EINVAL),
	ROW("area flag IORING_ZCRX_AREA_DMABUF with ZCRX_REG_NODEV (no device to attach to)", area_dmabuf, -EINVAL),
	ROW("area rq_area_token 1 << 48 on input", area_token, -EINVAL),
	ROW("area rq_area_token 4096 on input", area_token_low, -EINVAL),
	ROW("area __resv2[0] != 0", area_resv0, -EINVAL),
	ROW("area __resv2[1] != 0", area_resv1, -EINVAL),
	ROW("region of one page for 4096 entries", rd_too_small, -EINVAL),
	ROW("region of 4096 entries' size, no room for the header", rd_no_header, -EINVAL),
	ROW("region __resv[0] != 0", rd_resv0, -EINVAL),
	ROW("region __resv[1] != 0", rd_resv1, -EINVAL),
	ROW("region __resv[2] != 0", rd_resv2, -EINVAL),
	ROW("region __resv[3] != 0", rd_resv3, -EINVAL),
	ROW("region id != 0", rd_id, -EINVAL),
	ROW("region mmap_offset != 0 on input", rd_mmap_offset, -EINVAL),
	ROW("region flags with unknown bit 1", rd_flag_unknown, -EINVAL),
	ROW("region flags with unknown bit 31", rd_flag_high, -EINVAL),
	ROW("user region at an unaligned address", rd_user_unaligned, -EINVAL),
	ROW("kernel region (flags 0) with user_addr set", rd_kernel_with_addr, -EFAULT),
	ROW("user region with user_addr 0", rd_user_without_addr, -EFAULT),
	ROW("kernel region whose size is not page aligned", rd_kernel_size_unaligned, -EINVAL),
	ROW("reg pointer unmapped", arg_reg_unmapped, -EFAULT),
	ROW("area_ptr unmapped", arg_area_unmapped, -EFAULT),
	ROW("region_ptr unmapped", arg_region_unmapped, -EFAULT),
	ROW("area descriptor read-only (copy back)", arg_area_readonly, -EFAULT),
	ROW("region descriptor read-only (copy back)", arg_region_readonly, -EFAULT),
	ROW("nr_args 0", nr_args0, -EINVAL),
	ROW("nr_args 2", nr_args2, -EINVAL),
	ROW("netdev mode, no such if_idx", netdev_missing, -ENODEV),
	ROW("netdev mode on lo (cannot restart queues)", netdev_lo, -EOPNOTSUPP),
	ROW("netdev mode, no such if_idx and a zero-length area (netdev first)", netdev_missing_bad_area, -ENODEV),
	ROW("netdev mode with if_rxq -1", netdev_rxq_minus1, -EINVAL),
	/* last: the same ring must then register fine */
	ROW("reg read-only (copy back)", arg_reg_readonly, -EFAULT),
};

static int do_register(struct ctx *c)
{
	if (c->arg == &c->reg && c->nr_args == 1)
		return io_uring_register_ifq(c->ring, &c->reg);
	return zu_register(c->ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, c->arg,
			   c->nr_args);
}

/* main_ring, ring_no_defer or ring_no_cqe32, as the cases want it. */
static void open_ring(struct io_uring *ring)
{
	struct io_uring_params p;
	int ret;

	if (ring == &main_ring) {
		zu_ring_init_or_die(ring, 4, 0, 0);
		return;
	}
	memset(&p, 0, sizeof(p));
	if (ring == &ring_no_defer)
		p.flags = IORING_SETUP_CQE32;
	else
		p.flags = IORING_SETUP_SINGLE_ISSUER |
			  IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(4, ring, &p);
	if (ret)
		tst_fail("expected a %s ring, got %s",
			 ring == &ring_no_defer ? "CQE32" : "DEFER_TASKRUN",
			 zu_errname(ret));
}

/* One row of cases[]: a valid registration with one thing wrong. */
static void reg_case(void *arg)
{
	const struct reg_case *rc = arg;
	struct ctx c;
	int ret;

	base(&c);
	rc->set(&c);
	ret = do_register(&c);
	if (ret == rc->expect)
		return;
	/*
	 * It registered: a new ring instead, so that the ifq it left does
	 * not fail no_pin_left and final_registration as well.
	 */
	if (ret >= 0) {
		io_uring_queue_exit(c.ring);
		open_ring(c.ring);
	}
	tst_fail("%s: expected %s, got %s", rc->what, zu_errname(rc->expect),
		 zu_errname(ret));
}

/*
 * Run fn in a child process and end the case as the child ended. The
 * child's tst_fail() or tst_skip() ends it with a "<test>: FAIL: <why>"
 * line on stderr, which comes back through a pipe as the case's message.
 * Only before this process maps a ring: in UML a child forked after that
 * hits "BUG: Bad page map" when it exits.
 */
static void in_child(const char *what, void (*fn)(void))
{
	const char *why;
	char msg[400];
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		tst_fail("expected a pipe, got %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		tst_fail("expected fork() to work, got %s", strerror(errno));
	if (!pid) {
		close(p[0]);
		if (dup2(p[1], STDERR_FILENO) < 0)
			_exit(TST_FAIL);
		fn();
		_exit(0);
	}
	close(p[1]);
	/* "<test>: FAIL: <why>": the case's line names the test already */
	why = tst_child_why(p[0], msg, sizeof(msg));
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		tst_fail("expected the %s child to exit, got status %#x", what,
			 st);
	if (WEXITSTATUS(st) == TST_SKIP)
		tst_skip("%s", why);
	if (WEXITSTATUS(st))
		tst_fail("%s child (exit %d): %s", what, WEXITSTATUS(st), why);
}

/* Registering without CAP_NET_ADMIN in the effective set: -EPERM. */
static void eperm_child(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct io_uring ring;
	struct ctx c;
	int ret;

	zu_ring_init_or_die(&ring, 4, 0, 0);
	base(&c);
	c.ring = &ring;
	if (syscall(SYS_capget, &hdr, data))
		tst_fail("expected capget() to work, got %s", strerror(errno));
	data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	if (syscall(SYS_capset, &hdr, data))
		tst_fail("expected capset() to drop CAP_NET_ADMIN, got %s",
			 strerror(errno));
	ret = do_register(&c);
	if (ret != -EPERM)
		tst_fail("registering without CAP_NET_ADMIN: expected -EPERM, got %s",
			 zu_errname(ret));
	io_uring_queue_exit(&ring);
}

static void no_cap_net_admin(void)
{
	in_child("CAP_NET_ADMIN", eperm_child);
}

/*
 * Without CAP_IPC_LOCK the area is charged to RLIMIT_MEMLOCK: an area
 * over the limit fails -ENOMEM, one under it registers.
 */
static void memlock_child(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { 256 * 1024, 256 * 1024 };
	struct io_uring ring;
	struct zu_ifq z;
	int ret;

	if (syscall(SYS_capget, &hdr, data))
		tst_fail("expected capget() to work, got %s", strerror(errno));
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	if (syscall(SYS_capset, &hdr, data) ||
	    setrlimit(RLIMIT_MEMLOCK, &rl))
		tst_fail("expected to drop CAP_IPC_LOCK and set RLIMIT_MEMLOCK, got %s",
			 strerror(errno));
	/* the ring is charged when it is created without the cap */
	zu_ring_init_or_die(&ring, 4, 0, 0);
	zu_ifq_prepare(&z, &ring, 1024 * 1024, 64, false);
	ret = zu_ifq_register(&z);
	if (ret != -ENOMEM)
		tst_fail("1 MiB area over a 256 KiB RLIMIT_MEMLOCK without CAP_IPC_LOCK: expected -ENOMEM, got %s",
			 zu_errname(ret));
	zu_ifq_unmap(&z);
	zu_ifq_prepare(&z, &ring, 64 * 1024, 64, false);
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("64 KiB area under a 256 KiB RLIMIT_MEMLOCK: expected success, got %s",
			 zu_errname(ret));
	io_uring_queue_exit(&ring);
}

static void memlock_no_cap_ipc_lock(void)
{
	in_child("RLIMIT_MEMLOCK", memlock_child);
}

/*
 * rq_entries 32769 on an IORING_SETUP_CLAMP ring: 32768. The ring is
 * closed whatever happens, so no_pin_left sees only the failures' pins.
 */
static void clamp_32769(void)
{
	struct io_uring ring;
	struct ctx c;
	int ret;

	zu_ring_init_or_die(&ring, 4, 0, IORING_SETUP_CLAMP);
	base(&c);
	c.ring = &ring;
	c.rd = big_rd;
	c.reg.rq_entries = 32769;
	ret = do_register(&c);
	if (tst_check(!ret, "rq_entries 32769 on a IORING_SETUP_CLAMP ring: expected success, got %s",
		      zu_errname(ret)))
		tst_check(c.reg.rq_entries == 32768,
			  "rq_entries 32769 on a IORING_SETUP_CLAMP ring: expected 32768 written back, got %u",
			  c.reg.rq_entries);
	io_uring_queue_exit(&ring);
}

/*
 * What upstream takes that looks wrong: offsets, which are output only,
 * set on input, and an event descriptor that asks for nothing. Each on a
 * ring of its own, closed after.
 */
static void register_on_own_ring(const char *what, struct ctx *c)
{
	struct io_uring ring;
	int ret;

	zu_ring_init_or_die(&ring, 4, 0, 0);
	c->ring = &ring;
	ret = do_register(c);
	io_uring_queue_exit(&ring);
	if (ret)
		tst_fail("%s: expected success (as upstream), got %s", what,
			 zu_errname(ret));
}

static void offsets_ignored_on_input(void)
{
	struct ctx c;

	base(&c);
	memset(&c.reg.offsets, 0xa5, sizeof(c.reg.offsets));
	register_on_own_ring("registration with every offsets byte 0xa5 on input", &c);
	tst_check(c.reg.offsets.rqes && c.reg.offsets.head != c.reg.offsets.tail &&
		  c.reg.offsets.rqes != 0xa5a5a5a5u,
		  "expected the offsets written back, got head %#x tail %#x rqes %#x",
		  c.reg.offsets.head, c.reg.offsets.tail, c.reg.offsets.rqes);
}

/* user_data alone asks for nothing either: upstream only stores it */
static void event_desc_user_data(void)
{
	struct zcrx_event_desc ed;
	struct ctx c;

	memset(&ed, 0, sizeof(ed));
	ed.user_data = 0x1234;
	base(&c);
	c.reg.event_desc = (uint64_t)(uintptr_t)&ed;
	register_on_own_ring("registration with an event_desc of user_data only", &c);
}

/* Events and stats asked for, the stats at the region's end: taken. */
static void event_desc_full(void)
{
	struct zcrx_event_desc ed;
	struct ctx c;

	base(&c);
	memset(&ed, 0, sizeof(ed));
	ed.user_data = 0x1234;
	ed.type_mask = (1u << ZCRX_EVENT_ALLOC_FAIL) | (1u << ZCRX_EVENT_COPY);
	ed.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	ed.stats_offset = c.rd.size - sizeof(struct zcrx_stats);
	c.reg.event_desc = (uint64_t)(uintptr_t)&ed;
	register_on_own_ring("registration asking for both events and stats at the region's end", &c);
}

static void event_desc_zeroed(void)
{
	struct zcrx_event_desc zero;
	struct ctx c;

	memset(&zero, 0, sizeof(zero));
	base(&c);
	c.reg.event_desc = (uint64_t)(uintptr_t)&zero;
	register_on_own_ring("registration with an event_desc that asks for nothing", &c);
}

/* The failures and the CLAMP ring must have unpinned their areas. */
static void no_pin_left(void)
{
	long pin = zu_wait_vmpin(0, 5000);

	if (pin != 0)
		tst_fail("expected no pages pinned after the failed registrations and the closed CLAMP ring, got VmPin %ld kB",
			 pin);
}

/*
 * A valid registration on the ring that saw all the failures: zcrx_id 0
 * and the write-back the ABI describes.
 */
static void final_registration(void)
{
	struct io_uring_zcrx_offsets *o;
	struct ctx c;
	int ret;

	base(&c);
	c.reg.rq_entries = 100;
	ret = do_register(&c);
	if (ret)
		tst_fail("valid registration after the failures: expected success, got %s",
			 zu_errname(ret));
	if (c.reg.zcrx_id != 0)
		tst_fail("valid registration after the failures: expected zcrx_id 0 (nothing left behind), got %u",
			 c.reg.zcrx_id);
	if (c.reg.rq_entries != 128)
		tst_fail("rq_entries 100: expected 128 written back, got %u",
			 c.reg.rq_entries);
	if (c.reg.rx_buf_len != ZU_PAGE)
		tst_fail("rx_buf_len 0: expected %u (PAGE_SIZE) written back, as upstream, got %u",
			 ZU_PAGE, c.reg.rx_buf_len);
	if (c.area.rq_area_token & ~IORING_ZCRX_AREA_MASK)
		tst_fail("expected rq_area_token = area_id << 48, got %#llx",
			 (unsigned long long)c.area.rq_area_token);
	o = &c.reg.offsets;
	if (o->__resv2 || o->__resv[0] || o->__resv[1])
		tst_fail("expected the offsets' reserved fields 0, got %u %llu %llu",
			 o->__resv2, (unsigned long long)o->__resv[0],
			 (unsigned long long)o->__resv[1]);
	if (o->head == o->tail || o->head % 4 || o->tail % 4 ||
	    o->head + 4 > o->rqes || o->tail + 4 > o->rqes || o->rqes % 16 ||
	    o->rqes + 128 * sizeof(struct io_uring_zcrx_rqe) > c.rd.size)
		tst_fail("expected distinct aligned head and tail before 16-byte aligned rqes, all in the %llu-byte region, got head %u tail %u rqes %u",
			 (unsigned long long)c.rd.size, o->head, o->tail,
			 o->rqes);
	if (c.reg.flags != ZCRX_REG_NODEV || c.reg.if_idx || c.reg.if_rxq ||
	    c.reg.area_ptr != (uint64_t)(uintptr_t)&c.area ||
	    c.reg.region_ptr != (uint64_t)(uintptr_t)&c.rd)
		tst_fail("expected flags, if_idx, if_rxq, area_ptr and region_ptr written back unchanged, got flags %#x if_idx %u if_rxq %u",
			 c.reg.flags, c.reg.if_idx, c.reg.if_rxq);
	if (zu_vmpin_kb() < AREA_LEN / 1024)
		tst_fail("expected the area (%u kB) pinned while registered, got VmPin %ld kB",
			 AREA_LEN / 1024, zu_vmpin_kb());
}

int main(void)
{
	unsigned int i;
	int ret;

	zu_require_zcrx();
	/* the two children, the table, CLAMP, two taken, the pins, the last */
	tst_plan(2 + ZU_ARRAY_SIZE(cases) + 6);
	area_rw = zu_map(AREA_LEN, PROT_READ | PROT_WRITE);
	area_ro = zu_map(AREA_LEN, PROT_READ);
	ret = io_uring_zcrx_rq_region_alloc(&user_rd, RQ_ENTRIES);
	if (!ret)
		ret = io_uring_zcrx_rq_region_alloc(&big_rd, 65536);
	if (ret)
		tst_fail("expected user refill regions, got %s",
			 zu_errname(ret));
	/* they fork: before this process maps any ring */
	TST_CASE(no_cap_net_admin);
	TST_CASE(memlock_no_cap_ipc_lock);

	open_ring(&main_ring);
	open_ring(&ring_no_defer);
	open_ring(&ring_no_cqe32);

	for (i = 0; i < ZU_ARRAY_SIZE(cases); i++)
		tst_case(cases[i].name, reg_case, (void *)&cases[i]);
	TST_CASE(clamp_32769);
	TST_CASE(offsets_ignored_on_input);
	TST_CASE(event_desc_zeroed);
	TST_CASE(event_desc_full);
	TST_CASE(event_desc_user_data);
	TST_CASE(no_pin_left);
	TST_CASE(final_registration);

	io_uring_queue_exit(&main_ring);
	io_uring_queue_exit(&ring_no_defer);
	io_uring_queue_exit(&ring_no_cqe32);
	return tst_exit();
}
