// SPDX-License-Identifier: GPL-2.0
/*
 * The vnic pair of the zcrx tests: see zcrx_vnic.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "netdev_uapi.h"
#include "nl.h"
#include "zcrx_util.h"
#include "zcrx_vnic.h"

/* A u64 attribute the kernel may send in 4 bytes (NLA_UINT). */
static unsigned long long zv_nla_uint(const struct nlattr *a)
{
	unsigned long long v = 0;

	if (!a)
		return 0;
	if (nla_len(a) == 4)
		return nla_u32(a);
	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static int zv_pool_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NETDEV_A_PAGE_POOL_MAX + 1];
	const struct nlattr *attrs;
	unsigned int ifindex = *(unsigned int *)arg;
	int len;

	attrs = genl_attrs(nlh, &len);
	nl_parse(attrs, len, tb, NETDEV_A_PAGE_POOL_MAX);
	if (!tb[NETDEV_A_PAGE_POOL_ID] || !tb[NETDEV_A_PAGE_POOL_IFINDEX] ||
	    nla_u32(tb[NETDEV_A_PAGE_POOL_IFINDEX]) != ifindex)
		return 0;
	printf("# page pool %u: napi %u, %llu in flight (%llu bytes), detached at %llu%s\n",
	       nla_u32(tb[NETDEV_A_PAGE_POOL_ID]),
	       tb[NETDEV_A_PAGE_POOL_NAPI_ID] ?
	       nla_u32(tb[NETDEV_A_PAGE_POOL_NAPI_ID]) : 0,
	       zv_nla_uint(tb[NETDEV_A_PAGE_POOL_INFLIGHT]),
	       zv_nla_uint(tb[NETDEV_A_PAGE_POOL_INFLIGHT_MEM]),
	       zv_nla_uint(tb[NETDEV_A_PAGE_POOL_DETACH_TIME]),
	       tb[NETDEV_A_PAGE_POOL_IO_URING] ? ", io_uring" : "");
	return 0;
}

/* vB's page pools (netdev netlink), for the stall report. */
static void zv_pool_report(void)
{
	unsigned int ifindex = if_nametoindex(VN_B);
	struct nl_sock s;
	struct nl_req r;
	int family, err;

	if (!ifindex || nl_open(&s))
		return;
	family = genl_family_id(&s, NETDEV_FAMILY_NAME);
	if (family >= 0) {
		genl_req_init(&r, family, NETDEV_CMD_PAGE_POOL_GET,
			      NETDEV_FAMILY_VERSION, NLM_F_DUMP);
		err = nl_run(&s, &r, zv_pool_cb, &ifindex);
		if (err)
			printf("# page pools of %s: dump failed: %s\n", VN_B,
			       strerror(-err));
	}
	nl_close(&s);
}

/* The pair of the last zv_pair_setup(), for the stall report. */
static struct zv_pair *zv_stall_pair;

/* vB's nonzero ethtool -S counters, for zu_recv_wait()'s stall report. */
static void zv_stall_report(void)
{
	struct vn_stats s;
	unsigned int i;

	if (vn_stats_read(VN_B, &s))
		return;
	printf("# %s:", VN_B);
	for (i = 0; i < s.n; i++)
		if (s.vals[i])
			printf(" %s=%llu", s.names[i],
			       (unsigned long long)s.vals[i]);
	printf("\n");
	vn_stats_free(&s);
	zv_pool_report();
	/* The sender's side: its qdisc's backlog, vA's counters. */
	if (zv_stall_pair) {
		fflush(stdout);
		vn_ns_sh(&zv_stall_pair->peer,
			 "tc -s qdisc show dev %s 2>&1 | sed 's/^/# %s: /'; ethtool -S %s 2>&1 | grep -v ': 0$' | tr -s ' \\n' ' ' | sed 's/^/# %s:/'; echo",
			 VN_A, VN_A, VN_A, VN_A);
	}
}

void zv_pair_setup(struct zv_pair *p)
{
	memset(p, 0, sizeof(*p));
	zu_stall_report = zv_stall_report;
	zv_stall_pair = p;
	vn_pair_create_or_skip(VN_A, VN_B, VN_DEF_QUEUES);
	p->ifindex = if_nametoindex(VN_B);
	if (!p->ifindex)
		tst_fail("expected %s to exist after creating it", VN_B);
	vn_ns_new(&p->peer);
	vn_link_netns(VN_A, &p->peer);
	vn_addr_up(NULL, VN_B, VN_B_ADDR "/24");
	vn_addr_up(&p->peer, VN_A, VN_A_ADDR "/24");
	/* Unsteered traffic stays on queue 0. */
	if (vn_rss_equal(VN_B, 1))
		tst_fail("expected ethtool -X %s equal 1 to work", VN_B);
}

int zv_pair_delete(struct zv_pair *p)
{
	int ret = vn_pair_delete(VN_B);

	if (zv_stall_pair == p)
		zv_stall_pair = NULL;
	vn_ns_close(&p->peer);
	return ret;
}

int zv_connect(struct zv_pair *p, int port)
{
	return vn_connect_or_die(&p->peer, VN_B_ADDR, port);
}

int zv_ifq_info(int ring_fd, unsigned int id, struct zv_ifq_info *info)
{
	char path[64], line[256], key[32];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring_fd);
	snprintf(key, sizeof(key), "ZcrxIfq%u:", id);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		if (sscanf(line + strlen(key),
			   " ifindex=%u rxq=%u zc_bytes=%llu copy_bytes=%llu",
			   &info->ifindex, &info->rxq, &info->zc_bytes,
			   &info->copy_bytes) == 4)
			ret = 0;
	}
	fclose(f);
	return ret;
}
