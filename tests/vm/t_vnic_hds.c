// SPDX-License-Identifier: GPL-2.0
/*
 * vnic's header split (ethtool tcp-data-split), seen through its ethtool
 * netlink setting and its per-queue counters. A pair with 4 queues, vA
 * (sender) in a namespace of its own, vB (receiver) in the test's, the
 * test's TCP flows steered to queue 1 of vB by an ntuple rule:
 *
 * - tcp-data-split is on by default on both ends (ETHTOOL_MSG_RINGS_GET,
 *   and ethtool -g agrees);
 * - a TCP flow: rx1_hds_packets grows by at least the flow's data frames,
 *   frames without payload (SYN, the handshake's ACK) are not split, no
 *   payload byte went to provider memory (nothing is bound) and nothing
 *   was dropped;
 * - UDP datagrams are never split;
 * - set off (ETHTOOL_MSG_RINGS_SET): reported off, vA unchanged, a flow
 *   still arrives intact and rx1_hds_packets does not move;
 * - set on again: reported on, and split frames are counted again;
 * - switching it off and on while a flow runs loses and corrupts nothing;
 * - setting it on a device that does not exist fails with -ENODEV.
 *
 * Cases, in that order on the one pair: hds_on_by_default, tcp_flow_split,
 * udp_not_split, hds_off, hds_on_again, toggle_during_flow,
 * set_hds_no_device, delete_pair. The cases that change tcp-data-split
 * set what they need first, so one that fails part-way does not decide
 * the next one's result.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tst.h"
#include "vnic_util.h"

#define NQ		4
#define Q		1	/* the queue the flows are steered to */
#define TOTAL		(2ull * VN_MIB)
#define MIN_FRAMES	((long long)TOTAL / 1500)
#define PORT		7501
#define PORT_UDP	7502
#define NUDP		20

struct q {
	long long packets, hds, drops, nobuf;
	long long all_packets, all_hds, provider;
};

static void read_q(struct q *q)
{
	struct vn_stats s;
	char name[32];

	vn_stats_read_or_die(VN_B, &s);
	snprintf(name, sizeof(name), "rx%u_packets", Q);
	q->packets = vn_stats_get(&s, name);
	snprintf(name, sizeof(name), "rx%u_hds_packets", Q);
	q->hds = vn_stats_get(&s, name);
	snprintf(name, sizeof(name), "rx%u_drops", Q);
	q->drops = vn_stats_get(&s, name);
	snprintf(name, sizeof(name), "rx%u_drops_nobuf", Q);
	q->nobuf = vn_stats_get(&s, name);
	vn_stats_free(&s);
	if (q->packets < 0 || q->hds < 0 || q->drops < 0 || q->nobuf < 0)
		tst_fail("expected ethtool -S %s to have rx%u_packets, _hds_packets, _drops and _drops_nobuf",
			 VN_B, Q);
	q->all_packets = vn_stat_sum(VN_B, "rx%u_packets", NQ);
	q->all_hds = vn_stat_sum(VN_B, "rx%u_hds_packets", NQ);
	q->provider = vn_stat_sum(VN_B, "rx%u_provider_bytes", NQ);
}

static void check_hds(const char *ifname, int want)
{
	int got = vn_get_hds(ifname);
	bool shown;

	tst_check(got == want,
		  "expected tcp-data-split %s on %s, ETHTOOL_MSG_RINGS_GET says %s",
		  want ? "on" : "off", ifname,
		  got < 0 ? strerror(-got) : got ? "on" : "off");
	shown = !vn_sh_out("ethtool -g %s", ifname) &&
		strstr(vn_out, want ? "TCP data split:\ton" :
				      "TCP data split:\toff");
	tst_check(shown,
		  "expected ethtool -g %s to show TCP data split %s, got: %s",
		  ifname, want ? "on" : "off", vn_out_line());
}

static void set_hds(bool on)
{
	int ret = vn_set_hds(VN_B, on);

	if (ret)
		tst_fail("expected to set tcp-data-split %s on %s, got %s",
			 on ? "on" : "off", VN_B, strerror(-ret));
}

/* A flow of TOTAL bytes to PORT (queue Q); the counters before/after. */
static void flow(const struct vn_ns *ns, struct q *a, struct q *b)
{
	read_q(a);
	vn_tcp_flow(ns, VN_B_ADDR, PORT, TOTAL);
	read_q(b);
	printf("# flow: rx%u +%lld frames, +%lld split; all queues +%lld frames, +%lld split\n",
	       Q, b->packets - a->packets, b->hds - a->hds,
	       b->all_packets - a->all_packets, b->all_hds - a->all_hds);
	tst_check(b->packets - a->packets >= MIN_FRAMES,
		  "expected the flow on queue %u (at least %lld frames), rx%u_packets grew by %lld",
		  Q, MIN_FRAMES, Q, b->packets - a->packets);
	tst_check(b->drops == a->drops && b->nobuf == a->nobuf,
		  "expected no drops on queue %u, rx%u_drops grew by %lld and rx%u_drops_nobuf by %lld",
		  Q, Q, b->drops - a->drops, Q, b->nobuf - a->nobuf);
	tst_check(b->provider == a->provider,
		  "expected no payload in provider memory (none bound), rx*_provider_bytes grew by %lld",
		  b->provider - a->provider);
}

/* vA's namespace: the sending end's. */
static struct vn_ns ns;

/* UDP datagrams are never split. */
static void udp_not_split(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char buf[1000];
	struct timeval tv = { .tv_sec = 5 };
	struct q a, b;
	int rx, tx, i;

	memset(buf, 0x5a, sizeof(buf));
	sin.sin_port = htons(PORT_UDP);
	inet_pton(AF_INET, VN_B_ADDR, &sin.sin_addr);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || bind(rx, (struct sockaddr *)&sin, sizeof(sin)))
		tst_fail("expected a UDP socket on %s port %d, got %s",
			 VN_B_ADDR, PORT_UDP, strerror(errno));
	setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tx = vn_ns_socket(&ns, AF_INET, SOCK_DGRAM);

	read_q(&a);
	for (i = 0; i < NUDP; i++) {
		if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&sin,
			   sizeof(sin)) != sizeof(buf))
			tst_fail("expected to send a UDP datagram, got %s",
				 strerror(errno));
		if (recv(rx, buf, sizeof(buf), 0) != sizeof(buf))
			tst_fail("expected UDP datagram %d of %d to arrive, got %s",
				 i + 1, NUDP, strerror(errno));
	}
	read_q(&b);
	close(tx);
	close(rx);
	tst_check(b.all_packets - a.all_packets >= NUDP,
		  "expected at least %d frames on %s for %d datagrams, got %lld",
		  NUDP, VN_B, NUDP, b.all_packets - a.all_packets);
	tst_check(b.all_hds == a.all_hds,
		  "expected UDP datagrams not to be split, rx*_hds_packets grew by %lld",
		  b.all_hds - a.all_hds);
}

/* A flow while tcp-data-split goes off and on under it; on after. */
static void toggle_during_flow(void)
{
	int lfd = vn_listen(VN_B_ADDR, PORT), tx, rx, i;
	const uint64_t total = 4ull * VN_MIB;
	struct vn_xfer *s, *r;

	tx = vn_connect_or_die(&ns, VN_B_ADDR, PORT);
	rx = vn_accept(lfd, 10000);
	close(lfd);
	s = vn_send_start(tx, total, 3);
	r = vn_recv_start(rx, total, 3);
	for (i = 0; i < 8; i++) {
		set_hds(i % 2);
		usleep(20 * 1000);
	}
	set_hds(true);
	vn_xfer_wait(r, "the receiver of the flow with header split switched under it");
	vn_xfer_wait(s, "the sender of the flow with header split switched under it");
	close(tx);
	close(rx);
	check_hds(VN_B, 1);
}

/* On by default, on both ends. */
static void hds_on_by_default(void)
{
	check_hds(VN_B, 1);
	vn_ns_enter(&ns);
	check_hds(VN_A, 1);
	vn_ns_enter(NULL);
}

/* On: data frames split, frames without payload not. */
static void tcp_flow_split(void)
{
	struct q a, b;

	flow(&ns, &a, &b);
	tst_check(b.hds - a.hds >= MIN_FRAMES,
		  "expected at least %lld split frames on queue %u, rx%u_hds_packets grew by %lld",
		  MIN_FRAMES, Q, Q, b.hds - a.hds);
	tst_check(b.hds - a.hds <= b.packets - a.packets - 2,
		  "expected the SYN and the handshake's ACK (no payload) not to be split, but %lld of %lld frames were",
		  b.hds - a.hds, b.packets - a.packets);
}

/* Off on vB: reported off, vA unchanged, flows arrive unsplit. */
static void hds_off(void)
{
	struct q a, b;

	set_hds(false);
	check_hds(VN_B, 0);
	vn_ns_enter(&ns);
	check_hds(VN_A, 1);
	vn_ns_enter(NULL);
	flow(&ns, &a, &b);
	tst_check(b.hds == a.hds,
		  "expected no split frames with tcp-data-split off, rx%u_hds_packets grew by %lld",
		  Q, b.hds - a.hds);
}

/* On again: reported on, split frames counted again. */
static void hds_on_again(void)
{
	struct q a, b;

	set_hds(true);
	check_hds(VN_B, 1);
	flow(&ns, &a, &b);
	tst_check(b.hds - a.hds >= MIN_FRAMES,
		  "expected at least %lld split frames on queue %u with tcp-data-split on again, rx%u_hds_packets grew by %lld",
		  MIN_FRAMES, Q, Q, b.hds - a.hds);
}

static void set_hds_no_device(void)
{
	int ret = vn_set_hds("vnic-none", true);

	if (ret != -ENODEV)
		tst_fail("expected -ENODEV setting tcp-data-split on a device that does not exist, got %s",
			 ret ? strerror(-ret) : "success");
}

static void delete_pair(void)
{
	if (vn_pair_delete(VN_B))
		tst_fail("expected `ip link del %s` to work", VN_B);
}

/* A case, and back to the test's namespace whatever it did. */
#define RUN(fn)	do { TST_CASE(fn); vn_ns_enter(NULL); } while (0)

int main(void)
{
	vn_init();
	vn_sh("ip link del %s 2>/dev/null; ip link del %s 2>/dev/null", VN_A,
	      VN_B);
	/* Left behind by a case that fails, the pair goes at exit. */
	vn_pair_create_or_skip(VN_A, VN_B, NQ);
	vn_ns_new(&ns);
	vn_link_netns(VN_A, &ns);
	vn_addr_up(&ns, VN_A, VN_A_ADDR "/24");
	vn_addr_up(NULL, VN_B, VN_B_ADDR "/24");
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, Q, -1);

	tst_plan(8);
	RUN(hds_on_by_default);
	RUN(tcp_flow_split);
	RUN(udp_not_split);
	RUN(hds_off);
	RUN(hds_on_again);
	RUN(toggle_during_flow);
	RUN(set_hds_no_device);
	RUN(delete_pair);

	vn_ns_close(&ns);
	return tst_exit();
}
