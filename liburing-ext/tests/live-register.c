// SPDX-License-Identifier: MIT
/*
 * The registration structures against the running kernel, when it has
 * zcrx (upstream 6.15 and later, or zcrx-lts): register an instance on
 * loopback. lo has no queue a memory provider can bind, so a kernel that
 * accepts our io_uring_zcrx_ifq_reg and refill region gets as far as the
 * device and refuses there (-EOPNOTSUPP upstream). The same call with a
 * reserved field set, no entries, or a region one size too small must
 * fail -EINVAL instead: that tells a layout the kernel agrees with from
 * one it does not. The area is only read after the device check, so
 * this cannot vouch for struct io_uring_zcrx_area_reg.
 *
 * Skips without io_uring, without zcrx, or without CAP_NET_ADMIN.
 */
#include <liburing.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"

#define AREA_PAGES	16
#define RQ_ENTRIES	64

struct live {
	struct io_uring			ring;
	struct io_uring_zcrx_area_reg	area;
	struct io_uring_region_desc	rd;
	struct io_uring_zcrx_ifq_reg	reg;
};

/* a fresh registration request: area, region and reg as a program fills them */
static void live_reset(struct live *l, void *area, size_t area_len,
		       const struct io_uring_region_desc *rd)
{
	memset(&l->area, 0, sizeof(l->area));
	l->area.addr = (__u64)(unsigned long)area;
	l->area.len = area_len;
	l->rd = *rd;
	memset(&l->reg, 0, sizeof(l->reg));
	l->reg.if_idx = if_nametoindex("lo");
	l->reg.if_rxq = 0;
	l->reg.rq_entries = RQ_ENTRIES;
	l->reg.area_ptr = (__u64)(unsigned long)&l->area;
	l->reg.region_ptr = (__u64)(unsigned long)&l->rd;
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), area_len = AREA_PAGES * pg;
	struct io_uring_region_desc user_rd, kernel_rd, small_rd;
	struct io_uring_params p;
	struct live l;
	void *area, *unmapped;
	unsigned too_many = RQ_ENTRIES;
	int ret, base;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_CQE32;
	ret = io_uring_queue_init_params(4, &l.ring, &p);
	if (ret)
		return t_skip("live-register", "cannot set up a CQE32 DEFER_TASKRUN ring");

	/*
	 * An unmapped argument is -EFAULT where op 32 is zcrx and the
	 * caller may use it, -EINVAL where the op does not exist.
	 */
	unmapped = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (unmapped == MAP_FAILED)
		return t_skip("live-register", "out of memory");
	munmap(unmapped, pg);
	ret = io_uring_register_ifq(&l.ring, unmapped);
	if (ret == -EINVAL)
		return t_skip("live-register", "kernel has no IORING_REGISTER_ZCRX_IFQ");
	if (ret == -EPERM)
		return t_skip("live-register", "needs CAP_NET_ADMIN");
	if (!t_check(ret == -EFAULT, "register_ifq(unmapped): got %d, want -EFAULT", ret))
		return t_result("live-register");
	if (!if_nametoindex("lo"))
		return t_skip("live-register", "no loopback interface");

	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || io_uring_zcrx_rq_region_alloc(&user_rd, RQ_ENTRIES) ||
	    io_uring_zcrx_rq_region_alloc(&small_rd, RQ_ENTRIES))
		return t_skip("live-register", "out of memory");
	memset(&kernel_rd, 0, sizeof(kernel_rd));
	kernel_rd.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES);
	/* sized for RQ_ENTRIES, later asked to hold more entries than fit */
	small_rd.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES);
	while (too_many * 16 <= small_rd.size)
		too_many <<= 1;

	live_reset(&l, area, area_len, &user_rd);
	base = io_uring_register_ifq(&l.ring, &l.reg);
	printf("lo, user region: %d (%s)\n", base, strerror(-base));
	if (base == -EINVAL)
		return t_skip("live-register",
			      "kernel refuses lo with -EINVAL before the device: layout not checked");
	t_check(base != -EFAULT, "register_ifq on lo: -EFAULT");
	if (base == 0) {
		/* a kernel that can bind lo: check what it wrote back */
		t_check(l.reg.rq_entries == RQ_ENTRIES, "rq_entries came back %u",
			l.reg.rq_entries);
		t_check(l.reg.offsets.rqes + RQ_ENTRIES * 16 <= user_rd.size,
			"offsets.rqes %u past the region", l.reg.offsets.rqes);
		t_eq("rq_area_token low 48 bits",
		     l.area.rq_area_token & ~IORING_ZCRX_AREA_MASK, 0);
		return t_result("live-register");
	}

	live_reset(&l, area, area_len, &kernel_rd);
	ret = io_uring_register_ifq(&l.ring, &l.reg);
	printf("lo, kernel region: %d (%s)\n", ret, strerror(-ret));
	t_check(ret == base, "kernel-allocated region: got %d, want %d as with user memory",
		ret, base);

	live_reset(&l, area, area_len, &user_rd);
	l.reg.__resv[1] = 1;
	ret = io_uring_register_ifq(&l.ring, &l.reg);
	printf("lo, reserved field set: %d (%s)\n", ret, strerror(-ret));
	t_eq("reserved field set", ret, -EINVAL);

	live_reset(&l, area, area_len, &user_rd);
	l.reg.rq_entries = 0;
	ret = io_uring_register_ifq(&l.ring, &l.reg);
	printf("lo, no entries: %d (%s)\n", ret, strerror(-ret));
	t_eq("rq_entries 0", ret, -EINVAL);

	live_reset(&l, area, area_len, &small_rd);
	l.reg.rq_entries = too_many;
	ret = io_uring_register_ifq(&l.ring, &l.reg);
	printf("lo, region too small for %u entries: %d (%s)\n",
	       l.reg.rq_entries, ret, strerror(-ret));
	t_eq("region too small", ret, -EINVAL);

	io_uring_zcrx_rq_region_free(&small_rd);
	io_uring_zcrx_rq_region_free(&user_rd);
	munmap(area, area_len);
	io_uring_queue_exit(&l.ring);
	return t_result("live-register");
}
