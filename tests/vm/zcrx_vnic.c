// SPDX-License-Identifier: GPL-2.0
/*
 * The vnic pair of the zcrx tests: see zcrx_vnic.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

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
}

void zv_pair_setup(struct zv_pair *p)
{
	memset(p, 0, sizeof(*p));
	zu_stall_report = zv_stall_report;
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
