// SPDX-License-Identifier: GPL-2.0
/*
 * With nothing bound, the netdev netlink family reports the loopback
 * device's rx queues without a memory provider, and no page pool carries a
 * dmabuf or io_uring provider attribute.
 *
 * Cases:
 * - lo_queues_unbound: NETDEV_CMD_QUEUE_GET (dump filtered on ifindex 1)
 *   has at least one rx queue, none with NETDEV_A_QUEUE_DMABUF or
 *   NETDEV_A_QUEUE_IO_URING;
 * - page_pools_unbound: NETDEV_CMD_PAGE_POOL_GET (dump, may be empty) has
 *   no pool with NETDEV_A_PAGE_POOL_DMABUF or NETDEV_A_PAGE_POOL_IO_URING
 *   (skipped by a kernel without page pools).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev_uapi.h"
#include "nl.h"
#include "tst.h"

#define LO_IFINDEX 1

struct queue_count {
	int rx, tx;
};

struct pool_count {
	int pools;
};

/* Queues are only reported for a running device: make sure lo is up. */
static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		tst_fail("expected an AF_INET socket, got %s", strerror(errno));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		tst_fail("expected SIOCGIFFLAGS on lo to work, got %s",
			 strerror(errno));
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			tst_fail("expected to bring lo up, got %s",
				 strerror(errno));
	}
	close(fd);
}

static int queue_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NETDEV_A_QUEUE_MAX + 1];
	struct queue_count *c = arg;
	const struct nlattr *attrs;
	uint32_t id, ifindex, type;
	int len;

	attrs = genl_attrs(nlh, &len);
	nl_parse(attrs, len, tb, NETDEV_A_QUEUE_MAX);
	if (!tb[NETDEV_A_QUEUE_ID] || !tb[NETDEV_A_QUEUE_IFINDEX] ||
	    !tb[NETDEV_A_QUEUE_TYPE])
		tst_fail("expected queue id, ifindex and type in every queue, got a reply without (%s%s%s)",
			 tb[NETDEV_A_QUEUE_ID] ? "" : " id",
			 tb[NETDEV_A_QUEUE_IFINDEX] ? "" : " ifindex",
			 tb[NETDEV_A_QUEUE_TYPE] ? "" : " type");
	id = nla_u32(tb[NETDEV_A_QUEUE_ID]);
	ifindex = nla_u32(tb[NETDEV_A_QUEUE_IFINDEX]);
	type = nla_u32(tb[NETDEV_A_QUEUE_TYPE]);
	/* Not a queue of lo: recorded, and not counted as one. */
	if (!tst_check(ifindex == LO_IFINDEX,
		       "expected only queues of ifindex %d in a dump filtered on it, got queue %u of ifindex %u",
		       LO_IFINDEX, id, ifindex))
		return 0;
	if (type == NETDEV_QUEUE_TYPE_TX) {
		c->tx++;
		return 0;
	}
	if (!tst_check(type == NETDEV_QUEUE_TYPE_RX,
		       "expected queue type rx (0) or tx (1), got %u for queue %u",
		       type, id))
		return 0;
	c->rx++;
	tst_check(!tb[NETDEV_A_QUEUE_DMABUF],
		  "expected no dmabuf on lo rx queue %u (nothing bound), got NETDEV_A_QUEUE_DMABUF = %u",
		  id, tb[NETDEV_A_QUEUE_DMABUF] ?
		  nla_u32(tb[NETDEV_A_QUEUE_DMABUF]) : 0);
	tst_check(!tb[NETDEV_A_QUEUE_IO_URING],
		  "expected no io_uring provider on lo rx queue %u (nothing bound), got NETDEV_A_QUEUE_IO_URING",
		  id);
	return 0;
}

static int pool_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NETDEV_A_PAGE_POOL_MAX + 1];
	struct pool_count *c = arg;
	const struct nlattr *attrs;
	unsigned int id, ifindex;
	int len;

	attrs = genl_attrs(nlh, &len);
	nl_parse(attrs, len, tb, NETDEV_A_PAGE_POOL_MAX);
	if (!tb[NETDEV_A_PAGE_POOL_ID])
		tst_fail("expected an id in every page pool, got a reply without");
	id = nla_u32(tb[NETDEV_A_PAGE_POOL_ID]);
	ifindex = tb[NETDEV_A_PAGE_POOL_IFINDEX] ?
		  nla_u32(tb[NETDEV_A_PAGE_POOL_IFINDEX]) : 0;
	c->pools++;
	tst_check(!tb[NETDEV_A_PAGE_POOL_DMABUF],
		  "expected no dmabuf on page pool %u (ifindex %u, nothing bound), got NETDEV_A_PAGE_POOL_DMABUF = %u",
		  id, ifindex, tb[NETDEV_A_PAGE_POOL_DMABUF] ?
		  nla_u32(tb[NETDEV_A_PAGE_POOL_DMABUF]) : 0);
	tst_check(!tb[NETDEV_A_PAGE_POOL_IO_URING],
		  "expected no io_uring provider on page pool %u (ifindex %u, nothing bound), got NETDEV_A_PAGE_POOL_IO_URING",
		  id, ifindex);
	return 0;
}

/* The netdev family, resolved once in main(). */
static struct nl_sock s;
static int family;

static void lo_queues_unbound(void)
{
	struct queue_count q = { 0 };
	struct nl_req r;
	int err;

	genl_req_init(&r, family, NETDEV_CMD_QUEUE_GET, NETDEV_FAMILY_VERSION,
		      NLM_F_DUMP);
	nl_put_u32(&r, NETDEV_A_QUEUE_IFINDEX, LO_IFINDEX);
	err = nl_run(&s, &r, queue_cb, &q);
	if (err)
		tst_fail("expected NETDEV_CMD_QUEUE_GET dump of ifindex %d to succeed, got %s%s%s",
			 LO_IFINDEX, strerror(-err), s.ext_msg[0] ? ": " : "",
			 s.ext_msg);
	if (q.rx < 1)
		tst_fail("expected at least one rx queue on lo, got %d rx and %d tx queues",
			 q.rx, q.tx);
	printf("# lo: %d rx, %d tx queues\n", q.rx, q.tx);
}

static void page_pools_unbound(void)
{
	struct pool_count p = { 0 };
	struct nl_req r;
	int err;

	genl_req_init(&r, family, NETDEV_CMD_PAGE_POOL_GET,
		      NETDEV_FAMILY_VERSION, NLM_F_DUMP);
	err = nl_run(&s, &r, pool_cb, &p);
	/* Kernel built without CONFIG_PAGE_POOL: nothing to check. */
	if (err == -EOPNOTSUPP)
		tst_skip("NETDEV_CMD_PAGE_POOL_GET not supported (no page pools in this kernel)");
	if (err)
		tst_fail("expected NETDEV_CMD_PAGE_POOL_GET dump to succeed, got %s%s%s",
			 strerror(-err), s.ext_msg[0] ? ": " : "", s.ext_msg);
	printf("# %d page pools\n", p.pools);
}

int main(void)
{
	int err;

	err = nl_open(&s);
	if (err)
		tst_fail("expected a generic netlink socket, got %s",
			 strerror(-err));
	family = genl_family_id(&s, NETDEV_FAMILY_NAME);
	if (family < 0)
		tst_fail("expected the \"%s\" genetlink family, got %s",
			 NETDEV_FAMILY_NAME, strerror(-family));
	lo_up();

	tst_plan(2);
	TST_CASE(lo_queues_unbound);
	TST_CASE(page_pools_unbound);

	nl_close(&s);
	return tst_exit();
}
