// SPDX-License-Identifier: GPL-2.0
/*
 * A vnic pair made with `ip link add ... type vnic peer ...` (iproute2 and
 * the plugin link_vnic.so) is a working Ethernet link between two network
 * namespaces:
 *
 * - without queue options both ends get the driver's default of 4 rx and
 *   4 tx queues; IFLA_NUM_RX/TX_QUEUES are honoured for each end on its
 *   own (the peer's options go to the peer only), more than 16 is
 *   refused and creates nothing, and ethtool -S has counters for the
 *   queues that exist only;
 * - vA moved to a namespace of its own (ip link set vA netns PATH),
 *   10.77.0.1/24 and fd77::1/64 on vA, 10.77.0.2/24 and fd77::2/64 on vB:
 *   one TCP connection carries 4 MiB each way at once, every byte checked,
 *   and a 1 MiB IPv6 stream arrives intact;
 * - the ethtool -S packet and byte counters of both ends grow by at least
 *   what went through;
 * - deleting vB deletes vA in the other namespace.
 *
 * Cases: default_queues (on the pair main() makes without options),
 * per_end_options, too_many_queues_refused (each on pairs of its own),
 * then on a pair with 3 queues each: queue_counts, move_to_netns,
 * bidir_tcp_flow, ipv6_flow (both need move_to_netns), counters_grew (needs
 * both flows) and delete_takes_peer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tst.h"
#include "vnic_util.h"

#define NQ		3
#define TOTAL		(4ull * VN_MIB)
#define TOTAL6		(1ull * VN_MIB)
#define PORT		7201
#define PORT6		7202
/* Fewer frames than this cannot carry TOTAL bytes at an MTU of 1500. */
#define MIN_FRAMES(b)	((long long)(b) / 1500)

/*
 * The queues of ifname (in the calling thread's namespace): the counts
 * rtnetlink reports (rx only with RPS), ethtool -l, ethtool -S counters for those queues and no more,
 * and the rx-N / tx-N folders of sysfs for a link of the namespace that
 * mounted /sys (a kernel without RPS, like UML's, has no rx-N at all).
 * Each disagreement is recorded, and the checks go on.
 */
static void check_queues(const char *ifname, unsigned int rx, unsigned int tx,
			 bool sysfs)
{
	unsigned int nrx = 0, ntx = 0;
	struct vn_channels ch = { 0 };
	char name[32];
	int ret, n;

	ret = vn_link_queues(ifname, &nrx, &ntx);
	tst_check(!ret && (!nrx || nrx == rx) && ntx == tx,
		  "expected rtnetlink to report %u rx and %u tx queues of %s, got %u and %u (%s)",
		  rx, tx, ifname, nrx, ntx, ret ? strerror(-ret) : "ok");
	ret = vn_channels(ifname, &ch);
	tst_check(!ret && ch.rx == rx && ch.tx == tx && ch.max_rx == rx &&
		  ch.max_tx == tx,
		  "expected ethtool -l %s to show %u rx and %u tx channels (and as many at most), got %u/%u, at most %u/%u (%s)",
		  ifname, rx, tx, ch.rx, ch.tx, ch.max_rx, ch.max_tx,
		  ret ? strerror(-ret) : "ok");
	snprintf(name, sizeof(name), "rx%u_packets", rx - 1);
	tst_check(vn_stat(ifname, name) >= 0,
		  "expected ethtool -S %s to have %s, it has not", ifname,
		  name);
	snprintf(name, sizeof(name), "rx%u_packets", rx);
	tst_check(vn_stat(ifname, name) == -ENOENT,
		  "expected ethtool -S %s to have no %s, it has", ifname, name);
	snprintf(name, sizeof(name), "tx%u_packets", tx - 1);
	tst_check(vn_stat(ifname, name) >= 0,
		  "expected ethtool -S %s to have %s, it has not", ifname,
		  name);
	snprintf(name, sizeof(name), "tx%u_packets", tx);
	tst_check(vn_stat(ifname, name) == -ENOENT,
		  "expected ethtool -S %s to have no %s, it has", ifname, name);
	if (!sysfs)
		return;
	n = vn_sysfs_queues(ifname, "tx");
	tst_check(n == (int)tx,
		  "expected %u tx queues in /sys/class/net/%s/queues, got %d",
		  tx, ifname, n);
	if (vn_sysfs_queues("lo", "rx") <= 0)
		return;		/* no rx-N folders without RPS */
	n = vn_sysfs_queues(ifname, "rx");
	tst_check(n == (int)rx,
		  "expected %u rx queues in /sys/class/net/%s/queues, got %d",
		  rx, ifname, n);
}

/* No vA or vB in the test's namespace (a failed case may leave them). */
static void clean_links(void)
{
	vn_sh("ip link del %s 2>/dev/null; ip link del %s 2>/dev/null", VN_A,
	      VN_B);
}

/*
 * Without queue options (the pair main() made): the driver's default on
 * both ends, and the link kind.
 */
static void default_queues(void)
{
	check_queues(VN_A, VN_DEF_QUEUES, VN_DEF_QUEUES, true);
	check_queues(VN_B, VN_DEF_QUEUES, VN_DEF_QUEUES, true);
	if (vn_sh_out("ip -d link show %s", VN_B) || !strstr(vn_out, "vnic"))
		tst_fail("expected `ip -d link show %s` to name the kind vnic, got: %s",
			 VN_B, vn_out_line());
	if (vn_pair_delete(VN_A))
		tst_fail("expected `ip link del %s` to work", VN_A);
}

/* Each end its own options: the peer's follow "peer". */
static void per_end_options(void)
{
	char path[64];
	FILE *f;
	int mtu = 0;

	clean_links();
	vn_sh_or_die("ip link add %s numrxqueues 2 numtxqueues 3 type vnic peer name %s numrxqueues 5 numtxqueues 6 mtu 9000",
		     VN_A, VN_B);
	check_queues(VN_A, 2, 3, true);
	check_queues(VN_B, 5, 6, true);
	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", VN_B);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &mtu) != 1)
		mtu = 0;
	if (f)
		fclose(f);
	tst_check(mtu == 9000, "expected the peer's mtu 9000 in %s, got %d",
		  path, mtu);
	if (vn_pair_delete(VN_B))
		tst_fail("expected `ip link del %s` to work", VN_B);
	if (vn_link_exists(NULL, VN_A))
		tst_fail("expected %s to go with its peer %s", VN_A, VN_B);
}

/* More queues than the driver has: refused, nothing left behind. */
static void too_many_queues_refused(void)
{
	clean_links();
	tst_check(vn_sh_out("ip link add %s type vnic peer name %s numrxqueues 17",
			    VN_A, VN_B),
		  "expected a peer with 17 rx queues to be refused, it was created");
	tst_check(!vn_link_exists(NULL, VN_A) && !vn_link_exists(NULL, VN_B),
		  "expected no %s or %s after the refused peer, one exists",
		  VN_A, VN_B);
	clean_links();
	tst_check(vn_sh_out("ip link add %s numtxqueues 17 type vnic peer name %s",
			    VN_A, VN_B),
		  "expected a link with 17 tx queues to be refused, it was created");
	if (vn_link_exists(NULL, VN_A) || vn_link_exists(NULL, VN_B))
		tst_fail("expected no %s or %s after refused creations, one exists",
			 VN_A, VN_B);
}

struct counters {
	long long rx_packets, rx_bytes, tx_packets, tx_bytes;
};

static void read_counters(const struct vn_ns *ns, const char *ifname,
			  struct counters *c)
{
	vn_ns_enter(ns);
	c->rx_packets = vn_stat_sum(ifname, "rx%u_packets", NQ);
	c->rx_bytes = vn_stat_sum(ifname, "rx%u_bytes", NQ);
	c->tx_packets = vn_stat_sum(ifname, "tx%u_packets", NQ);
	c->tx_bytes = vn_stat_sum(ifname, "tx%u_bytes", NQ);
	vn_ns_enter(NULL);
}

static void check_grew(const char *ifname, const char *what, long long before,
		       long long after, long long min)
{
	tst_check(after - before >= min,
		  "expected ethtool -S %s %s to grow by at least %lld, it grew by %lld (%lld -> %lld)",
		  ifname, what, min, after - before, before, after);
}

/* The pair with NQ queues each, and vA's namespace. */
static struct vn_ns ns;
/* What the cases found: the later ones need it. */
static bool linked;		/* vA in ns, both ends addressed and up */
static bool bidir_done, ipv6_done;
static struct counters a0, b0;	/* before the flows */

static void queue_counts(void)
{
	check_queues(VN_A, NQ, NQ, true);
	check_queues(VN_B, NQ, NQ, true);
}

/* vA into a namespace of its own, seen from there; both ends addressed. */
static void move_to_netns(void)
{
	vn_sh_or_die("ip link set %s netns %s", VN_A, ns.path);
	if (vn_link_exists(NULL, VN_A) || !vn_link_exists(&ns, VN_A))
		tst_fail("expected %s to be in the new namespace only after ip link set netns %s",
			 VN_A, ns.path);
	vn_addr_up(&ns, VN_A, VN_A_ADDR "/24");
	vn_addr_up(&ns, VN_A, VN_A_ADDR6 "/64");
	vn_addr_up(NULL, VN_B, VN_B_ADDR "/24");
	vn_addr_up(NULL, VN_B, VN_B_ADDR6 "/64");
	linked = true;
	vn_ns_enter(&ns);
	check_queues(VN_A, NQ, NQ, false);
	vn_ns_enter(NULL);
}

static void need_link(void)
{
	if (!linked)
		tst_skip("%s is not addressed in a namespace of its own: move_to_netns failed",
			 VN_A);
}

/* One connection, both directions at once. */
static void bidir_tcp_flow(void)
{
	struct vn_xfer *x[4];
	int lfd, fa, fb;

	need_link();
	read_counters(&ns, VN_A, &a0);
	read_counters(NULL, VN_B, &b0);
	lfd = vn_listen(VN_B_ADDR, PORT);
	fa = vn_connect_or_die(&ns, VN_B_ADDR, PORT);
	fb = vn_accept(lfd, 10000);
	close(lfd);
	x[0] = vn_send_start(fa, TOTAL, 1);
	x[1] = vn_recv_start(fb, TOTAL, 1);
	x[2] = vn_send_start(fb, TOTAL, 2);
	x[3] = vn_recv_start(fa, TOTAL, 2);
	vn_xfer_wait(x[1], "vB (receiving from vA)");
	vn_xfer_wait(x[3], "vA (receiving from vB)");
	vn_xfer_wait(x[0], "vA (sending to vB)");
	vn_xfer_wait(x[2], "vB (sending to vA)");
	close(fa);
	close(fb);
	bidir_done = true;
}

static void ipv6_flow(void)
{
	need_link();
	vn_tcp_flow(&ns, VN_B_ADDR6, PORT6, TOTAL6);
	ipv6_done = true;
}

/* The counters of both ends grew by at least what both flows carried. */
static void counters_grew(void)
{
	struct counters a1, b1;

	if (!bidir_done || !ipv6_done)
		tst_skip("needs both flows through: %s failed or was skipped",
			 !bidir_done ? "bidir_tcp_flow" : "ipv6_flow");
	read_counters(&ns, VN_A, &a1);
	read_counters(NULL, VN_B, &b1);
	check_grew(VN_B, "rx packets", b0.rx_packets, b1.rx_packets,
		   MIN_FRAMES(TOTAL + TOTAL6));
	check_grew(VN_B, "rx bytes", b0.rx_bytes, b1.rx_bytes, TOTAL + TOTAL6);
	check_grew(VN_B, "tx packets", b0.tx_packets, b1.tx_packets,
		   MIN_FRAMES(TOTAL));
	check_grew(VN_B, "tx bytes", b0.tx_bytes, b1.tx_bytes, TOTAL);
	check_grew(VN_A, "rx packets", a0.rx_packets, a1.rx_packets,
		   MIN_FRAMES(TOTAL));
	check_grew(VN_A, "rx bytes", a0.rx_bytes, a1.rx_bytes, TOTAL);
	check_grew(VN_A, "tx packets", a0.tx_packets, a1.tx_packets,
		   MIN_FRAMES(TOTAL + TOTAL6));
	check_grew(VN_A, "tx bytes", a0.tx_bytes, a1.tx_bytes, TOTAL + TOTAL6);
}

/* One end goes, the other goes with it, across namespaces. */
static void delete_takes_peer(void)
{
	if (vn_pair_delete(VN_B))
		tst_fail("expected `ip link del %s` to work", VN_B);
	if (vn_link_exists(NULL, VN_B))
		tst_fail("expected %s to be gone after ip link del", VN_B);
	if (vn_link_exists(&ns, VN_A))
		tst_fail("expected %s (in the other namespace) to go with its peer %s",
			 VN_A, VN_B);
}

/* A case, and back to the test's namespace whatever it did. */
#define RUN(fn)	do { TST_CASE(fn); vn_ns_enter(NULL); } while (0)

int main(void)
{
	vn_init();
	clean_links();
	/* Without vnic nothing here can run: the program skips. */
	vn_pair_create_or_skip(VN_A, VN_B, 0);

	tst_plan(9);
	RUN(default_queues);
	RUN(per_end_options);
	RUN(too_many_queues_refused);

	/*
	 * The pair of the other cases. Left behind by a case that fails,
	 * it goes at exit (vn_pair_create_or_skip(), vn_ns_close()).
	 */
	clean_links();
	vn_pair_create_or_skip(VN_A, VN_B, NQ);
	vn_ns_new(&ns);
	RUN(queue_counts);
	RUN(move_to_netns);
	RUN(bidir_tcp_flow);
	RUN(ipv6_flow);
	RUN(counters_grew);
	RUN(delete_takes_peer);

	vn_ns_close(&ns);
	return tst_exit();
}
