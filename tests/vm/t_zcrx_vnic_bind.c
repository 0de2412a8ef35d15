// SPDX-License-Identifier: GPL-2.0
/*
 * Binding an ifq to a vnic rx queue: what the groundwork refuses, with the
 * errno the ABI page gives, and what stays possible:
 * - header split off: -EINVAL; a queue that does not exist: -ERANGE or
 *   -EINVAL; a second ifq on a bound queue: -EEXIST;
 * - header split cannot be switched off while a queue is bound (the
 *   ethtool request fails, the setting stays on);
 * - the netdev netlink family shows the io_uring provider on the queue;
 * - after the ring exits, the same queue binds again at once.
 */
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(1 * ZU_MIB)

static int try_bind(struct zu_ifq *z, struct io_uring *ring, int ifindex,
		    unsigned int rxq)
{
	zu_ifq_prepare(z, ring, AREA_LEN, 64, false);
	z->reg.flags = 0;
	z->reg.if_idx = ifindex;
	z->reg.if_rxq = rxq;
	return zu_ifq_register(z);
}

static void expect_bind(struct io_uring *ring, int ifindex, unsigned int rxq,
			int want, int alt, const char *what)
{
	struct zu_ifq z;
	int ret = try_bind(&z, ring, ifindex, rxq);

	if (ret != want && ret != alt)
		tst_fail("%s: expected %s, got %s", what, zu_errname(want),
			 zu_errname(ret));
	if (ret)
		zu_ifq_unmap(&z);
}

int main(void)
{
	struct io_uring ring, ring2;
	struct zv_pair p;
	struct zu_ifq z;
	int ret;

	zu_require_zcrx();
	zv_pair_setup(&p);
	zu_ring_init_or_die(&ring, 8, 64, 0);

	ret = vn_set_hds(VN_B, false);
	if (ret)
		tst_fail("expected to switch tcp-data-split off on an unbound %s, got %s",
			 VN_B, zu_errname(ret));
	expect_bind(&ring, p.ifindex, 1, -EINVAL, -EINVAL,
		    "binding with header split off");
	ret = vn_set_hds(VN_B, true);
	if (ret)
		tst_fail("expected to switch tcp-data-split on again, got %s",
			 zu_errname(ret));

	expect_bind(&ring, p.ifindex, VN_DEF_QUEUES, -ERANGE, -EINVAL,
		    "binding a queue that does not exist");
	expect_bind(&ring, p.ifindex + 1000, 1, -ENODEV, -ENODEV,
		    "binding an ifindex with no device");

	ret = try_bind(&z, &ring, p.ifindex, 1);
	if (ret)
		tst_fail("expected to bind %s queue 1, got %s", VN_B,
			 zu_errname(ret));
	expect_bind(&ring, p.ifindex, 1, -EEXIST, -EEXIST,
		    "binding a queue that already has a provider");

	ret = vn_set_hds(VN_B, false);
	if (!ret)
		tst_fail("expected switching tcp-data-split off under a bound queue to fail, it succeeded");
	if (vn_sh("ethtool -g %s | grep -q 'TCP data split:[[:space:]]*on'",
		  VN_B))
		tst_fail("expected tcp-data-split to stay on after the refused change");
	if (vn_sh("grep -q up /sys/class/net/%s/operstate", VN_B))
		tst_fail("expected %s to stay up after the refused change", VN_B);

	/* The queue is free again as soon as the ring is gone. */
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	zu_ring_init_or_die(&ring2, 8, 64, 0);
	ret = try_bind(&z, &ring2, p.ifindex, 1);
	if (ret)
		tst_fail("expected to bind queue 1 again right after the ring exit, got %s",
			 zu_errname(ret));
	io_uring_queue_exit(&ring2);
	zu_ifq_unmap(&z);
	zv_pair_delete(&p);
	return TST_PASS;
}
