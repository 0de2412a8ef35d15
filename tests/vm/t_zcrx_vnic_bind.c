// SPDX-License-Identifier: GPL-2.0
/*
 * Binding an ifq to a vnic rx queue: what the groundwork refuses, with the
 * errno the ABI page gives, and what stays possible:
 * - header split off: -EINVAL; a queue that does not exist: -ERANGE or
 *   -EINVAL; a second ifq on a bound queue: -EEXIST;
 * - header split cannot be switched off while a queue is bound (the
 *   ethtool request fails, the setting stays on);
 * - after the ring exits, the same queue binds again at once;
 * - a registration whose area is bad fails with the area's errno after the
 *   device was found, leaves nothing bound, and the queue binds at once.
 *
 * Cases: hds_off_refused, no_such_queue_refused, no_such_device_refused,
 * second_ifq_refused, hds_locked_while_bound, rebind_after_ring_exit,
 * bad_area_then_bind.
 * Each case has rings of its own; after it, main() closes them (which
 * frees the queue) and switches header split back on, so a case that
 * fails part-way leaves the next one an unbound queue.
 */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(1 * ZU_MIB)

static struct zv_pair p;

/* What the running case opened: closed by case_cleanup(). */
static struct io_uring rings[2];
static bool ring_up[2];
static struct zu_ifq ifqs[4];	/* registered, unmapped after their ring */
static unsigned int nifqs;

static struct io_uring *ring_open(unsigned int i)
{
	zu_ring_init_or_die(&rings[i], 8, 64, 0);
	ring_up[i] = true;
	return &rings[i];
}

/* Exit ring i, then unmap the ifqs registered on it. */
static void ring_close(unsigned int i)
{
	unsigned int j = 0;

	if (!ring_up[i])
		return;
	io_uring_queue_exit(&rings[i]);
	ring_up[i] = false;
	while (j < nifqs) {
		if (ifqs[j].ring != &rings[i]) {
			j++;
			continue;
		}
		zu_ifq_unmap(&ifqs[j]);
		ifqs[j] = ifqs[--nifqs];
	}
}

/* After each case: no ring, no bound queue, header split on. */
static void case_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(rings); i++)
		ring_close(i);
	if (vn_get_hds(VN_B) != 1)
		vn_set_hds(VN_B, true);
}

static int try_bind(struct io_uring *ring, int ifindex, unsigned int rxq)
{
	struct zu_ifq *z;
	int ret;

	if (nifqs == ZU_ARRAY_SIZE(ifqs))
		tst_fail("internal: more than %zu ifqs in one case",
			 ZU_ARRAY_SIZE(ifqs));
	z = &ifqs[nifqs];
	zu_ifq_prepare(z, ring, AREA_LEN, 64, false);
	z->reg.flags = 0;
	z->reg.if_idx = ifindex;
	z->reg.if_rxq = rxq;
	ret = zu_ifq_register(z);
	if (ret)
		zu_ifq_unmap(z);
	else
		nifqs++;
	return ret;
}

static void expect_bind(struct io_uring *ring, int ifindex, unsigned int rxq,
			int want, int alt, const char *what)
{
	int ret = try_bind(ring, ifindex, rxq);

	if (ret != want && ret != alt)
		tst_fail("%s: expected %s, got %s", what, zu_errname(want),
			 zu_errname(ret));
}

static void bind_or_fail(struct io_uring *ring, const char *what)
{
	int ret = try_bind(ring, p.ifindex, 1);

	if (ret)
		tst_fail("expected to bind %s queue 1%s, got %s", VN_B, what,
			 zu_errname(ret));
}

static void hds_off_refused(void)
{
	struct io_uring *ring = ring_open(0);
	int ret;

	ret = vn_set_hds(VN_B, false);
	if (ret)
		tst_fail("expected to switch tcp-data-split off on an unbound %s, got %s",
			 VN_B, zu_errname(ret));
	expect_bind(ring, p.ifindex, 1, -EINVAL, -EINVAL,
		    "binding with header split off");
	ret = vn_set_hds(VN_B, true);
	if (ret)
		tst_fail("expected to switch tcp-data-split on again, got %s",
			 zu_errname(ret));
}

static void no_such_queue_refused(void)
{
	expect_bind(ring_open(0), p.ifindex, VN_DEF_QUEUES, -ERANGE, -EINVAL,
		    "binding a queue that does not exist");
}

static void no_such_device_refused(void)
{
	expect_bind(ring_open(0), p.ifindex + 1000, 1, -ENODEV, -ENODEV,
		    "binding an ifindex with no device");
}

static void second_ifq_refused(void)
{
	struct io_uring *ring = ring_open(0);

	bind_or_fail(ring, "");
	expect_bind(ring, p.ifindex, 1, -EEXIST, -EEXIST,
		    "binding a queue that already has a provider");
}

/* Header split stays on, and vB up, under a bound queue. */
static void hds_locked_while_bound(void)
{
	bind_or_fail(ring_open(0), "");
	tst_check(vn_set_hds(VN_B, false),
		  "expected switching tcp-data-split off under a bound queue to fail, it succeeded");
	tst_check(!vn_sh("ethtool -g %s | grep -q 'TCP data split:[[:space:]]*on'",
			 VN_B),
		  "expected tcp-data-split to stay on after the refused change");
	tst_check(!vn_sh("grep -q up /sys/class/net/%s/operstate", VN_B),
		  "expected %s to stay up after the refused change", VN_B);
}

/* The queue is free again as soon as the ring is gone. */
static void rebind_after_ring_exit(void)
{
	bind_or_fail(ring_open(0), "");
	ring_close(0);
	bind_or_fail(ring_open(1), " again right after the ring exit");
}

/*
 * A bad area after the device was found (upstream looks the netdev up
 * first): the area's errno, nothing bound, and the queue binds at once.
 */
static void bad_area_then_bind(void)
{
	struct io_uring *ring = ring_open(0);
	struct zu_ifq z;
	int ret;

	zu_ifq_prepare(&z, ring, AREA_LEN, 64, false);
	z.reg.flags = 0;
	z.reg.if_idx = p.ifindex;
	z.reg.if_rxq = 1;
	z.area_reg.len = 0;
	ret = zu_ifq_register(&z);
	zu_ifq_unmap(&z);
	if (ret != -EFAULT)
		tst_fail("binding %s queue 1 with a zero-length area: expected -EFAULT, got %s",
			 VN_B, zu_errname(ret));
	bind_or_fail(ring, " after a registration with a bad area failed");
}

/* A case, then what it left closed. */
#define RUN(fn)	do { TST_CASE(fn); case_cleanup(); } while (0)

int main(void)
{
	zu_require_zcrx();
	/* Left behind by a failure outside the cases, the pair goes at exit. */
	zv_pair_setup(&p);

	tst_plan(7);
	RUN(hds_off_refused);
	RUN(no_such_queue_refused);
	RUN(no_such_device_refused);
	RUN(second_ifq_refused);
	RUN(hds_locked_while_bound);
	RUN(rebind_after_ring_exit);
	RUN(bad_area_then_bind);

	zv_pair_delete(&p);
	return tst_exit();
}
