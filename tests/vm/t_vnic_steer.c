// SPDX-License-Identifier: GPL-2.0
/*
 * vnic steers received frames with ntuple rules first, then RSS, and
 * refuses the rules it cannot do. A pair with 4 queues, vA (sender) in a
 * namespace of its own, vB (receiver) in the test's:
 *
 * - ntuple filters are on by default (ethtool -k);
 * - ethtool -X vB equal 2, and a rule tcp4 dst-port P action 3: a TCP flow
 *   to P lands on queue 3 (rx3_packets grows by at least the flow's data
 *   frames), queue 2 (neither in the RSS table nor named by a rule) gets
 *   nothing at all;
 * - the rule deleted, a new flow to P lands on queues 0/1 and not on 3;
 * - a rule at a given location (loc 5) is added there and steers;
 * - a tcp6 rule steers an IPv6 flow;
 * - ethtool -X vB weight 0 1 0 0 sends an unruled flow to queue 1 only;
 * - action -1 drops: no connection to that port, until the rule goes;
 * - refused: action 99 (no such queue), flow-type udp4, a source address,
 *   a second rule for the same port, a 17th rule, deleting a rule that
 *   does not exist; 16 rules fit.
 *
 * Cases: ntuple_on_by_default, rule_steers_flow, rss_without_rule (needs
 * the rule rule_steers_flow added), rule_at_location, ipv6_rule_steers,
 * rss_weight, drop_rule, rule_refusals (which first deletes any rule a
 * failed case left), delete_pair.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tst.h"
#include "vnic_util.h"

#define NQ		4
#define TOTAL		(2ull * VN_MIB)
#define MIN_FRAMES	((long long)TOTAL / 1500)
#define PORT		7301	/* the steered flow */
#define PORT_RSS	7302	/* no rule: RSS */
#define PORT_DROP	7303
#define PORT6		7304
#define PORT_LOC	7305
#define PORT_MANY	7400	/* 7400..7415: the 16 rules */

struct q {
	long long packets[NQ], bytes[NQ];
};

static void read_q(struct q *q)
{
	struct vn_stats s;
	unsigned int i;
	char name[32];

	vn_stats_read_or_die(VN_B, &s);
	for (i = 0; i < NQ; i++) {
		snprintf(name, sizeof(name), "rx%u_packets", i);
		q->packets[i] = vn_stats_get(&s, name);
		snprintf(name, sizeof(name), "rx%u_bytes", i);
		q->bytes[i] = vn_stats_get(&s, name);
		if (q->packets[i] < 0 || q->bytes[i] < 0)
			tst_fail("expected ethtool -S %s to have rx%u_packets and rx%u_bytes",
				 VN_B, i, i);
	}
	vn_stats_free(&s);
}

/* Per-queue frames received during a flow of TOTAL bytes to port. */
static void flow(const struct vn_ns *ns, const char *addr, int port,
		 long long d[NQ])
{
	struct q a, b;
	unsigned int i;

	read_q(&a);
	vn_tcp_flow(ns, addr, port, TOTAL);
	read_q(&b);
	for (i = 0; i < NQ; i++)
		d[i] = b.packets[i] - a.packets[i];
	printf("# flow to %s port %d: rx0..3 +%lld +%lld +%lld +%lld frames\n",
	       addr, port, d[0], d[1], d[2], d[3]);
}

static void expect_refused(const char *what, int ret)
{
	if (ret >= 0)
		tst_fail("expected %s to be refused, it was added as rule %d",
			 what, ret);
	printf("# %s: refused (%s)\n", what, strerror(-ret));
}

/* The rules of vB: none, or delete what a failed case left. */
static void no_rules(void)
{
	if (!vn_sh_out("ethtool -n %s", VN_B) &&
	    strstr(vn_out, "Total 0 rules"))
		return;
	vn_sh("i=0; while [ $i -lt %d ]; do ethtool -N %s delete $i; i=$((i + 1)); done >/dev/null 2>&1",
	      VN_MAX_RULES, VN_B);
}

static void rule_refusals(void)
{
	int ids[VN_MAX_RULES], i, ret;

	no_rules();

	expect_refused("a rule to queue 99",
		       vn_ntuple_add(VN_B, "tcp4", PORT_MANY, 99, -1));
	expect_refused("a udp4 rule",
		       vn_ntuple_add(VN_B, "udp4", PORT_MANY, 1, -1));
	ret = vn_sh_out("ethtool -N %s flow-type tcp4 src-ip %s dst-port %d action 1",
			VN_B, VN_A_ADDR, PORT_MANY);
	if (!ret && !strstr(vn_out, "Cannot"))
		tst_fail("expected a rule with a source address to be refused, ethtool said: %s",
			 vn_out_line());

	for (i = 0; i < VN_MAX_RULES; i++) {
		ids[i] = vn_ntuple_add_or_die(VN_B, "tcp4", PORT_MANY + i,
					      i % NQ, -1);
		if (!i)
			expect_refused("a second rule for the same port",
				       vn_ntuple_add(VN_B, "tcp4", PORT_MANY,
						     2, -1));
	}
	expect_refused("a 17th rule",
		       vn_ntuple_add(VN_B, "tcp4", PORT_MANY + VN_MAX_RULES, 1,
				     -1));
	for (i = 0; i < VN_MAX_RULES; i++)
		if (vn_ntuple_del(VN_B, ids[i]))
			tst_fail("expected to delete rule %d, got: %s", ids[i],
				 vn_out_line());
	if (!vn_ntuple_del(VN_B, ids[0]))
		tst_fail("expected deleting rule %d a second time to fail, it worked",
			 ids[0]);
	if (vn_sh_out("ethtool -n %s", VN_B) ||
	    !strstr(vn_out, "Total 0 rules"))
		tst_fail("expected no rule left on %s, ethtool -n says: %s",
			 VN_B, vn_out_line());
}

/* vA's namespace: the sending end's. */
static struct vn_ns ns;
/* The rule rule_steers_flow added for rss_without_rule, or -1. */
static int steer_id = -1;

static void ntuple_on_by_default(void)
{
	if (vn_sh_out("ethtool -k %s", VN_B) ||
	    !strstr(vn_out, "ntuple-filters: on"))
		tst_fail("expected ntuple-filters on by default on %s, ethtool -k says: %s",
			 VN_B, vn_out_line());
}

/* RSS over queues 0 and 1, a rule to queue 3, outside the RSS table. */
static void rule_steers_flow(void)
{
	long long d[NQ];

	if (vn_rss_equal(VN_B, 2))
		tst_fail("expected ethtool -X %s equal 2 to work, got: %s",
			 VN_B, vn_out_line());
	steer_id = vn_ntuple_add_or_die(VN_B, "tcp4", PORT, 3, -1);
	flow(&ns, VN_B_ADDR, PORT, d);
	tst_check(d[3] >= MIN_FRAMES,
		  "expected the flow to port %d on queue 3 (at least %lld frames), rx3_packets grew by %lld",
		  PORT, MIN_FRAMES, d[3]);
	tst_check(!d[2],
		  "expected nothing on queue 2 (not in the RSS table, no rule), rx2_packets grew by %lld",
		  d[2]);
}

/* Without the rule, RSS: queues 0 and 1. */
static void rss_without_rule(void)
{
	long long d[NQ];
	int id = steer_id;

	if (id < 0)
		tst_skip("no rule to delete and no RSS table of 2 queues: rule_steers_flow failed before it added them");
	steer_id = -1;
	if (vn_ntuple_del(VN_B, id))
		tst_fail("expected to delete rule %d, got: %s", id,
			 vn_out_line());
	flow(&ns, VN_B_ADDR, PORT, d);
	tst_check(!d[3] && !d[2],
		  "expected nothing on queues 2 and 3 once the rule is gone, rx2/rx3_packets grew by %lld/%lld",
		  d[2], d[3]);
	tst_check(d[0] + d[1] >= MIN_FRAMES,
		  "expected the flow on queues 0/1 (at least %lld frames), they grew by %lld",
		  MIN_FRAMES, d[0] + d[1]);
}

/* A location of our choosing. */
static void rule_at_location(void)
{
	long long d[NQ];
	bool shown;
	int id;

	id = vn_ntuple_add_or_die(VN_B, "tcp4", PORT_LOC, 2, 5);
	if (id != 5)
		tst_fail("expected the rule at location 5, got %d", id);
	shown = !vn_sh_out("ethtool -n %s rule 5", VN_B) &&
		strstr(vn_out, "Action: Direct to queue 2");
	tst_check(shown,
		  "expected ethtool -n %s rule 5 to show the rule to queue 2, got: %s",
		  VN_B, vn_out_line());
	flow(&ns, VN_B_ADDR, PORT_LOC, d);
	tst_check(d[2] >= MIN_FRAMES,
		  "expected the flow to port %d on queue 2 (at least %lld frames), rx2_packets grew by %lld",
		  PORT_LOC, MIN_FRAMES, d[2]);
	if (vn_ntuple_del(VN_B, 5))
		tst_fail("expected to delete rule 5, got: %s", vn_out_line());
}

static void ipv6_rule_steers(void)
{
	long long d[NQ];
	int id;

	id = vn_ntuple_add_or_die(VN_B, "tcp6", PORT6, 3, -1);
	flow(&ns, VN_B_ADDR6, PORT6, d);
	tst_check(d[3] >= MIN_FRAMES,
		  "expected the IPv6 flow to port %d on queue 3 (at least %lld frames), rx3_packets grew by %lld",
		  PORT6, MIN_FRAMES, d[3]);
	if (vn_ntuple_del(VN_B, id))
		tst_fail("expected to delete rule %d, got: %s", id,
			 vn_out_line());
}

/* RSS weights: everything unruled to queue 1. */
static void rss_weight(void)
{
	long long d[NQ];

	if (vn_rss_weight(VN_B, "0 1 0 0"))
		tst_fail("expected ethtool -X %s weight 0 1 0 0 to work, got: %s",
			 VN_B, vn_out_line());
	flow(&ns, VN_B_ADDR, PORT_RSS, d);
	/* Queue 0 still gets non-IP frames: an ARP exchange, perhaps. */
	if (d[1] < MIN_FRAMES || d[0] > 4 || d[2] || d[3])
		tst_fail("expected the flow to port %d on queue 1 only (at least %lld frames), rx0..3_packets grew by %lld/%lld/%lld/%lld",
			 PORT_RSS, MIN_FRAMES, d[0], d[1], d[2], d[3]);
}

/* action -1 drops the flow's frames: no connection, until the rule goes. */
static void drop_rule(void)
{
	int id, fd, c;

	id = vn_ntuple_add_or_die(VN_B, "tcp4", PORT_DROP, -1, -1);
	fd = vn_listen(VN_B_ADDR, PORT_DROP);
	c = vn_connect(&ns, VN_B_ADDR, PORT_DROP, 1500);
	close(fd);
	if (c >= 0) {
		close(c);
		tst_fail("expected no connection to port %d with a drop rule, one was made",
			 PORT_DROP);
	}
	if (c != -ETIMEDOUT)
		tst_fail("expected the connection to port %d to time out, got %s",
			 PORT_DROP, strerror(-c));
	if (vn_ntuple_del(VN_B, id))
		tst_fail("expected to delete rule %d, got: %s", id,
			 vn_out_line());
	vn_tcp_flow(&ns, VN_B_ADDR, PORT_DROP, 64 * 1024);
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
	vn_addr_up(&ns, VN_A, VN_A_ADDR6 "/64");
	vn_addr_up(NULL, VN_B, VN_B_ADDR "/24");
	vn_addr_up(NULL, VN_B, VN_B_ADDR6 "/64");

	tst_plan(9);
	RUN(ntuple_on_by_default);
	RUN(rule_steers_flow);
	RUN(rss_without_rule);
	RUN(rule_at_location);
	RUN(ipv6_rule_steers);
	RUN(rss_weight);
	RUN(drop_rule);
	RUN(rule_refusals);
	RUN(delete_pair);

	vn_ns_close(&ns);
	return tst_exit();
}
