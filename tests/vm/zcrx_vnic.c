// SPDX-License-Identifier: GPL-2.0
/*
 * The vnic pair of the zcrx tests: see zcrx_vnic.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool_netlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nl.h"
#include "tst.h"
#include "zcrx_vnic.h"

#define VNIC_INFO_PEER	1

static int zv_vsh(const char *fmt, va_list ap)
{
	char cmd[512];
	int st;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	fflush(NULL);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int zv_sh(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = zv_vsh(fmt, ap);
	va_end(ap);
	return ret;
}

void zv_sh_or_die(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = zv_sh("%s", cmd);
	if (ret)
		tst_fail("expected `%s` to exit 0, got %d", cmd, ret);
}

static void zv_setns(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		tst_fail("expected setns() into a netns, got %s",
			 strerror(errno));
}

int zv_peer_sh(struct zv_pair *p, const char *fmt, ...)
{
	va_list ap;
	int ret;

	zv_setns(p->peer_ns);
	va_start(ap, fmt);
	ret = zv_vsh(fmt, ap);
	va_end(ap);
	zv_setns(p->home_ns);
	return ret;
}

/* Append an attribute to a netlink message of capacity cap. */
static struct rtattr *zv_rta(struct nlmsghdr *n, size_t cap, int type,
			     const void *data, size_t len)
{
	struct rtattr *rta = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len) > cap)
		tst_fail("internal: netlink message too long");
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len);
	return rta;
}

static void zv_rta_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (char *)n + n->nlmsg_len - (char *)nest;
}

/* Send an rtnetlink request and wait for its ack: 0 or -errno. */
static int zv_rtnl(struct nlmsghdr *n)
{
	char buf[4096];
	struct nlmsgerr *e;
	struct nlmsghdr *r;
	ssize_t len;
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = 1;
	if (send(fd, n, n->nlmsg_len, 0) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	len = recv(fd, buf, sizeof(buf), 0);
	ret = len < 0 ? -errno : -EPROTO;
	r = (struct nlmsghdr *)buf;
	if (len >= (ssize_t)NLMSG_LENGTH(sizeof(*e)) &&
	    r->nlmsg_type == NLMSG_ERROR) {
		e = NLMSG_DATA(r);
		ret = e->error;
	}
	close(fd);
	return ret;
}

/* ip link add vB type vnic peer name vA netns <peer_ns> */
static int zv_link_add(struct zv_pair *p)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
		char attrs[512];
	} req;
	struct rtattr *linkinfo, *data, *peer;
	struct ifinfomsg pifi;
	uint32_t fd = p->peer_ns;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.i));
	req.n.nlmsg_type = RTM_NEWLINK;
	req.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	zv_rta(&req.n, sizeof(req), IFLA_IFNAME, ZV_RX, sizeof(ZV_RX));
	linkinfo = zv_rta(&req.n, sizeof(req), IFLA_LINKINFO, NULL, 0);
	zv_rta(&req.n, sizeof(req), IFLA_INFO_KIND, "vnic", 5);
	data = zv_rta(&req.n, sizeof(req), IFLA_INFO_DATA, NULL, 0);
	memset(&pifi, 0, sizeof(pifi));
	peer = zv_rta(&req.n, sizeof(req), VNIC_INFO_PEER, &pifi, sizeof(pifi));
	zv_rta(&req.n, sizeof(req), IFLA_IFNAME, ZV_TX, sizeof(ZV_TX));
	zv_rta(&req.n, sizeof(req), IFLA_NET_NS_FD, &fd, sizeof(fd));
	zv_rta_end(&req.n, peer);
	zv_rta_end(&req.n, data);
	zv_rta_end(&req.n, linkinfo);
	return zv_rtnl(&req.n);
}

void zv_pair_setup(struct zv_pair *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->home_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->home_ns < 0)
		tst_fail("expected to open this netns, got %s", strerror(errno));
	if (unshare(CLONE_NEWNET))
		tst_fail("expected unshare(CLONE_NEWNET), got %s",
			 strerror(errno));
	p->peer_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->peer_ns < 0)
		tst_fail("expected to open the new netns, got %s",
			 strerror(errno));
	zv_setns(p->home_ns);

	ret = zv_link_add(p);
	if (ret == -EOPNOTSUPP)
		tst_skip("the kernel has no vnic (link kind unknown)");
	if (ret)
		tst_fail("expected to create a vnic pair %s/%s, got %s",
			 ZV_RX, ZV_TX, strerror(-ret));
	p->up = true;
	p->ifindex = if_nametoindex(ZV_RX);
	if (!p->ifindex)
		tst_fail("expected %s to exist after creating it", ZV_RX);

	zv_sh_or_die("ip addr add %s/24 dev %s && ip link set %s up",
		     ZV_RX_ADDR, ZV_RX, ZV_RX);
	if (zv_peer_sh(p, "ip link set lo up && ip addr add %s/24 dev %s && ip link set %s up",
		       ZV_TX_ADDR, ZV_TX, ZV_TX))
		tst_fail("expected to configure %s in the sender's netns",
			 ZV_TX);
	/* Unsteered traffic stays on queue 0. */
	zv_sh_or_die("ethtool -X %s equal 1", ZV_RX);
}

int zv_pair_delete(struct zv_pair *p)
{
	int ret = zv_sh("ip link del %s 2>/dev/null", ZV_RX);

	p->up = false;
	return ret ? -ENODEV : 0;
}

int zv_steer(const char *ifname, int port, int queue)
{
	char cmd[256], line[256];
	int id = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "ethtool -N %s flow-type tcp4 dst-port %d action %d 2>&1",
		 ifname, port, queue);
	fflush(NULL);
	f = popen(cmd, "r");
	if (!f)
		tst_fail("expected to run `%s`, got %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), f))
		sscanf(line, "Added rule with ID %d", &id);
	if (pclose(f) || id < 0)
		tst_fail("expected `%s` to add a rule, it did not", cmd);
	return id;
}

long long zv_stat(const char *ifname, const char *name)
{
	char cmd[128], line[256], key[128];
	long long v, found = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ethtool -S %s 2>/dev/null", ifname);
	fflush(NULL);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %127[^:]: %lld", key, &v) == 2 &&
		    !strcmp(key, name))
			found = v;
	}
	pclose(f);
	return found;
}

long long zv_stat_sum(const char *ifname, const char *fmt)
{
	long long sum = 0, v;
	char name[64];
	unsigned int q;

	for (q = 0; q < ZV_QUEUES; q++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(name, sizeof(name), fmt, q);
#pragma GCC diagnostic pop
		v = zv_stat(ifname, name);
		if (v < 0)
			tst_fail("expected ethtool -S %s to have %s", ifname,
				 name);
		sum += v;
	}
	return sum;
}

int zv_set_hds(const char *ifname, bool on)
{
	struct {
		struct nlattr a;
		char name[IFNAMSIZ];
	} hdr;
	struct nl_sock s;
	struct nl_req r;
	uint8_t split = on ? ETHTOOL_TCP_DATA_SPLIT_ENABLED :
			     ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	int fam, ret;

	ret = nl_open(&s);
	if (ret)
		return ret;
	fam = genl_family_id(&s, ETHTOOL_GENL_NAME);
	if (fam < 0) {
		nl_close(&s);
		return fam;
	}
	memset(&hdr, 0, sizeof(hdr));
	strncpy(hdr.name, ifname, sizeof(hdr.name) - 1);
	hdr.a.nla_type = ETHTOOL_A_HEADER_DEV_NAME;
	hdr.a.nla_len = NLA_HDRLEN + strlen(hdr.name) + 1;
	genl_req_init(&r, fam, ETHTOOL_MSG_RINGS_SET, ETHTOOL_GENL_VERSION, 0);
	nl_put(&r, ETHTOOL_A_RINGS_HEADER | NLA_F_NESTED, &hdr,
	       NLA_ALIGN(hdr.a.nla_len));
	nl_put(&r, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, &split, sizeof(split));
	ret = nl_run(&s, &r, NULL, NULL);
	nl_close(&s);
	return ret;
}

static void zv_addr(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ZV_RX_ADDR, &sin->sin_addr);
}

int zv_listen(int port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	zv_addr(&sin, port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16))
		tst_fail("expected to listen on %s:%d, got %s", ZV_RX_ADDR,
			 port, strerror(errno));
	return fd;
}

int zv_connect(struct zv_pair *p, int port)
{
	struct sockaddr_in sin;
	int fd;

	zv_addr(&sin, port);
	zv_setns(p->peer_ns);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	zv_setns(p->home_ns);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		tst_fail("expected to connect to %s:%d from the sender's netns, got %s",
			 ZV_RX_ADDR, port, strerror(errno));
	return fd;
}

int zv_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, timeout_ms) != 1)
		tst_fail("expected a connection within %d ms, got none",
			 timeout_ms);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		tst_fail("expected accept() to succeed, got %s",
			 strerror(errno));
	return fd;
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
