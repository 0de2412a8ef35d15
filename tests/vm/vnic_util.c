// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the t_vnic_* VM tests: see vnic_util.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nl.h"
#include "tst.h"
#include "vnic_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

char vn_out[4096];

static int vn_home = -1;	/* the test's own network namespace */
static char vn_ip_path[64];

/*
 * iproute2's ip, not busybox's: the QEMU initramfs has both, and busybox
 * sh runs its own applet for a bare "ip" whatever PATH says.
 */
static void vn_find_ip(void)
{
	static const char * const paths[] = {
		"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip",
	};
	char real[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], X_OK) || !realpath(paths[i], real) ||
		    !strcmp(basename(real), "busybox"))
			continue;
		snprintf(vn_ip_path, sizeof(vn_ip_path), "%s", paths[i]);
		return;
	}
}

const char *vn_ip(void)
{
	vn_init();
	return vn_ip_path[0] ? vn_ip_path : NULL;
}

void vn_init(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (vn_home >= 0)
		return;
	vn_find_ip();
	vn_home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (vn_home < 0)
		tst_fail("expected to open /proc/thread-self/ns/net, got %s",
			 strerror(errno));
	/* A peer that went away must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (getenv("IP_LIB_DIR"))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	setenv("IP_LIB_DIR", dirname(exe), 0);
}

/* Shell commands */

static int vn_status(int st)
{
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* "ip" in the commands is iproute2's: a shell function says so. */
static void vn_cmd(char *cmd, size_t size, const char *fmt, va_list ap)
{
	int n = 0;

	vn_init();
	if (vn_ip_path[0])
		n = snprintf(cmd, size, "ip() { %s \"$@\"; }; ", vn_ip_path);
	vsnprintf(cmd + n, size - n, fmt, ap);
}

static int vn_vsh(const char *fmt, va_list ap)
{
	char cmd[1100];

	vn_cmd(cmd, sizeof(cmd), fmt, ap);
	fflush(NULL);
	return vn_status(system(cmd));
}

int vn_sh(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vn_vsh(fmt, ap);
	va_end(ap);
	return ret;
}

static int vn_vsh_out(const char *fmt, va_list ap)
{
	char cmd[1100], full[1200];
	size_t len = 0, n;
	FILE *f;

	vn_cmd(cmd, sizeof(cmd), fmt, ap);
	snprintf(full, sizeof(full), "{ %s ; } 2>&1", cmd);
	vn_out[0] = '\0';
	fflush(NULL);
	f = popen(full, "r");
	if (!f) {
		snprintf(vn_out, sizeof(vn_out), "popen: %s", strerror(errno));
		return -1;
	}
	while ((n = fread(vn_out + len, 1, sizeof(vn_out) - 1 - len, f)) > 0)
		len += n;
	vn_out[len] = '\0';
	/* Drain what did not fit, so the command does not block. */
	while (fread(cmd, 1, sizeof(cmd), f) > 0)
		;
	return vn_status(pclose(f));
}

int vn_sh_out(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vn_vsh_out(fmt, ap);
	va_end(ap);
	return ret;
}

const char *vn_out_line(void)
{
	static char line[sizeof(vn_out)];
	size_t i, len = strlen(vn_out);

	while (len && (vn_out[len - 1] == '\n' || vn_out[len - 1] == ' '))
		len--;
	for (i = 0; i < len; i++)
		line[i] = vn_out[i] == '\n' ? '|' : vn_out[i];
	line[len] = '\0';
	return len ? line : "(no output)";
}

void vn_sh_or_die(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = vn_sh_out("%s", cmd);
	if (ret)
		tst_fail("expected `%s` to exit 0, got %d: %s", cmd, ret,
			 vn_out_line());
}

/* Namespaces */

static void vn_setns(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		tst_fail("expected setns() into a network namespace, got %s",
			 strerror(errno));
}

/* An fd of the calling thread's namespace, to come back to. */
static int vn_cur_ns(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		tst_fail("expected to open /proc/thread-self/ns/net, got %s",
			 strerror(errno));
	return fd;
}

static int vn_ns_fd(const struct vn_ns *ns)
{
	vn_init();
	return ns ? ns->fd : vn_home;
}

void vn_ns_enter(const struct vn_ns *ns)
{
	vn_setns(vn_ns_fd(ns));
}

int vn_ns_socket(const struct vn_ns *ns, int domain, int type)
{
	int cur = vn_cur_ns(), fd, err;

	vn_setns(vn_ns_fd(ns));
	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	err = errno;
	vn_setns(cur);
	close(cur);
	if (fd < 0)
		tst_fail("expected a socket (domain %d, type %d) in a network namespace, got %s",
			 domain, type, strerror(err));
	return fd;
}

static void vn_if_up(int sock, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		tst_fail("expected SIOCGIFFLAGS on %s, got %s", ifname,
			 strerror(errno));
	if (ifr.ifr_flags & IFF_UP)
		return;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		tst_fail("expected to bring %s up, got %s", ifname,
			 strerror(errno));
}

void vn_ns_new(struct vn_ns *ns)
{
	int cur, sock;

	vn_init();
	cur = vn_cur_ns();
	if (unshare(CLONE_NEWNET))
		tst_fail("expected unshare(CLONE_NEWNET) to work, got %s",
			 strerror(errno));
	ns->fd = vn_cur_ns();
	vn_setns(cur);
	close(cur);
	snprintf(ns->path, sizeof(ns->path), "/proc/%d/fd/%d", (int)getpid(),
		 ns->fd);
	sock = vn_ns_socket(ns, AF_INET, SOCK_DGRAM);
	vn_if_up(sock, "lo");
	close(sock);
}

void vn_ns_close(struct vn_ns *ns)
{
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

int vn_ns_sh(const struct vn_ns *ns, const char *fmt, ...)
{
	int cur = vn_cur_ns(), ret;
	va_list ap;

	vn_setns(vn_ns_fd(ns));
	va_start(ap, fmt);
	ret = vn_vsh(fmt, ap);
	va_end(ap);
	vn_setns(cur);
	close(cur);
	return ret;
}

int vn_ns_sh_out(const struct vn_ns *ns, const char *fmt, ...)
{
	int cur = vn_cur_ns(), ret;
	va_list ap;

	vn_setns(vn_ns_fd(ns));
	va_start(ap, fmt);
	ret = vn_vsh_out(fmt, ap);
	va_end(ap);
	vn_setns(cur);
	close(cur);
	return ret;
}

/* Pairs */

/* The last pair created, deleted at exit if still there. */
static char vn_left_a[IFNAMSIZ], vn_left_b[IFNAMSIZ];

static void vn_cleanup(void)
{
	if (vn_home < 0 || setns(vn_home, CLONE_NEWNET))
		return;
	if (vn_left_a[0] && if_nametoindex(vn_left_a))
		vn_sh("ip link del %s 2>/dev/null", vn_left_a);
	if (vn_left_b[0] && if_nametoindex(vn_left_b))
		vn_sh("ip link del %s 2>/dev/null", vn_left_b);
}

static void vn_leave_behind(const char *a, const char *b)
{
	static bool registered;

	snprintf(vn_left_a, sizeof(vn_left_a), "%s", a);
	snprintf(vn_left_b, sizeof(vn_left_b), "%s", b);
	if (!registered)
		atexit(vn_cleanup);
	registered = true;
}

int vn_pair_create(const char *a, const char *b, unsigned int nqueues)
{
	char qa[64] = "", plugin[PATH_MAX];
	const char *dir;
	int ret;

	vn_init();
	if (!vn_ip_path[0])
		tst_fail("expected iproute2's ip in /usr/sbin, /sbin, /usr/bin or /bin, found none (busybox's cannot load link_vnic.so)");
	dir = getenv("IP_LIB_DIR");
	snprintf(plugin, sizeof(plugin), "%s/link_vnic.so", dir ? dir : "");
	if (access(plugin, R_OK))
		tst_fail("expected the iproute2 plugin at %s (IP_LIB_DIR), got %s",
			 plugin, strerror(errno));
	if (nqueues)
		snprintf(qa, sizeof(qa), " numrxqueues %u numtxqueues %u",
			 nqueues, nqueues);
	ret = vn_sh_out("ip link add %s%s type vnic peer name %s%s", a, qa, b,
			qa);
	if (!ret) {
		vn_leave_behind(a, b);
		return 0;
	}
	if (strstr(vn_out, "Unknown device type") ||
	    strstr(vn_out, "not supported"))
		return -EOPNOTSUPP;
	return -EIO;
}

void vn_pair_create_or_skip(const char *a, const char *b,
			    unsigned int nqueues)
{
	int ret = vn_pair_create(a, b, nqueues);

	if (ret == -EOPNOTSUPP)
		tst_skip("the kernel has no vnic: `ip link add ... type vnic` said: %s",
			 vn_out_line());
	if (ret)
		tst_fail("expected `ip link add %s type vnic peer name %s` (%u queues) to work, got: %s",
			 a, b, nqueues, vn_out_line());
}

int vn_pair_delete(const char *a)
{
	return vn_sh("ip link del %s 2>/dev/null", a) ? -ENODEV : 0;
}

/* rtnetlink */

static void vn_rtnl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)))
		tst_fail("expected an rtnetlink socket, got %s",
			 strerror(errno));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->seq = 1;
}

static struct ifinfomsg *vn_rtnl_req(struct nl_req *r, uint16_t type,
				     int ifindex)
{
	struct ifinfomsg *ifi;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST;
	ifi = NLMSG_DATA(&r->nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return ifi;
}

void vn_link_netns(const char *ifname, const struct vn_ns *ns)
{
	int ifindex = if_nametoindex(ifname), ret;
	struct nl_sock s;
	struct nl_req r;

	if (!ifindex)
		tst_fail("expected link %s to exist before moving it, got %s",
			 ifname, strerror(errno));
	vn_rtnl_open(&s);
	vn_rtnl_req(&r, RTM_NEWLINK, ifindex);
	nl_put_u32(&r, IFLA_NET_NS_FD, vn_ns_fd(ns));
	ret = nl_run(&s, &r, NULL, NULL);
	if (ret)
		tst_fail("expected to move %s to another network namespace, got %s%s%s",
			 ifname, strerror(-ret), s.ext_msg[0] ? ": " : "",
			 s.ext_msg);
	nl_close(&s);
}

bool vn_link_exists(const struct vn_ns *ns, const char *ifname)
{
	int sock = vn_ns_socket(ns, AF_INET, SOCK_DGRAM), ret;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(sock, SIOCGIFINDEX, &ifr);
	close(sock);
	return ret == 0;
}

struct vn_queues {
	unsigned int rx, tx;
	bool seen;
};

static int vn_getlink_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1], *attrs;
	struct vn_queues *q = arg;
	int len;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	attrs = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
					NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	len = (int)nlh->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg));
	nl_parse(attrs, len, tb, IFLA_MAX);
	q->seen = true;
	if (tb[IFLA_NUM_RX_QUEUES])
		q->rx = nla_u32(tb[IFLA_NUM_RX_QUEUES]);
	if (tb[IFLA_NUM_TX_QUEUES])
		q->tx = nla_u32(tb[IFLA_NUM_TX_QUEUES]);
	return 0;
}

int vn_link_queues(const char *ifname, unsigned int *rx, unsigned int *tx)
{
	struct vn_queues q = { 0 };
	struct nl_sock s;
	struct nl_req r;
	int ret;

	vn_rtnl_open(&s);
	vn_rtnl_req(&r, RTM_GETLINK, 0);
	nl_put_str(&r, IFLA_IFNAME, ifname);
	nl_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_run(&s, &r, vn_getlink_cb, &q);
	nl_close(&s);
	if (ret)
		return ret;
	if (!q.seen)
		return -ENODATA;
	*rx = q.rx;
	*tx = q.tx;
	return 0;
}

static int vn_ethtool_ioctl(int sock, const char *ifname, void *data);

int vn_channels(const char *ifname, struct vn_channels *ch)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_GCHANNELS };
	int sock, ret;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	ret = vn_ethtool_ioctl(sock, ifname, &c);
	close(sock);
	if (ret)
		return ret;
	ch->rx = c.rx_count + c.combined_count;
	ch->tx = c.tx_count + c.combined_count;
	ch->max_rx = c.max_rx + c.max_combined;
	ch->max_tx = c.max_tx + c.max_combined;
	return 0;
}

int vn_sysfs_queues(const char *ifname, const char *kind)
{
	char path[128];
	struct dirent *d;
	size_t klen = strlen(kind);
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, kind, klen) && d->d_name[klen] == '-')
			n++;
	}
	closedir(dir);
	return n;
}

void vn_addr_up(const struct vn_ns *ns, const char *ifname, const char *addr)
{
	bool v6 = strchr(addr, ':');
	int ret;

	ret = vn_ns_sh_out(ns, "ip link set lo up && ip %s addr add %s dev %s%s && ip link set %s up",
			   v6 ? "-6" : "-4", addr, ifname, v6 ? " nodad" : "",
			   ifname);
	if (ret)
		tst_fail("expected to add %s to %s and bring it up, got %d: %s",
			 addr, ifname, ret, vn_out_line());
}

/* ethtool -S through the ioctls */

static int vn_ethtool_ioctl(int sock, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(sock, SIOCETHTOOL, &ifr) ? -errno : 0;
}

int vn_stats_read(const char *ifname, struct vn_stats *s)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t buf[1];
	} sset;
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_stats *stats = NULL;
	unsigned int n, i;
	int sock, ret;

	memset(s, 0, sizeof(*s));
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	memset(&sset, 0, sizeof(sset));
	sset.hdr.cmd = ETHTOOL_GSSET_INFO;
	sset.hdr.sset_mask = 1ULL << ETH_SS_STATS;
	ret = vn_ethtool_ioctl(sock, ifname, &sset);
	if (ret)
		goto out;
	n = (sset.hdr.sset_mask & (1ULL << ETH_SS_STATS)) ? sset.hdr.data[0] : 0;
	strs = calloc(1, sizeof(*strs) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(uint64_t));
	s->names = calloc(n ? n : 1, sizeof(*s->names));
	s->vals = calloc(n ? n : 1, sizeof(*s->vals));
	if (!strs || !stats || !s->names || !s->vals) {
		ret = -ENOMEM;
		goto out;
	}
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = n;
	ret = vn_ethtool_ioctl(sock, ifname, strs);
	if (ret)
		goto out;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	ret = vn_ethtool_ioctl(sock, ifname, stats);
	if (ret)
		goto out;
	/* The counters may not change in number between the calls. */
	if (strs->len != n || stats->n_stats != n) {
		ret = -EAGAIN;
		goto out;
	}
	for (i = 0; i < n; i++) {
		memcpy(s->names[i], strs->data + i * ETH_GSTRING_LEN,
		       ETH_GSTRING_LEN);
		s->names[i][ETH_GSTRING_LEN] = '\0';
		s->vals[i] = stats->data[i];
	}
	s->n = n;
out:
	if (ret)
		vn_stats_free(s);
	free(strs);
	free(stats);
	close(sock);
	return ret;
}

void vn_stats_free(struct vn_stats *s)
{
	free(s->names);
	free(s->vals);
	s->names = NULL;
	s->vals = NULL;
	s->n = 0;
}

long long vn_stats_get(const struct vn_stats *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return (long long)s->vals[i];
	return -ENOENT;
}

long long vn_stat(const char *ifname, const char *name)
{
	struct vn_stats s;
	long long v;
	int ret;

	ret = vn_stats_read(ifname, &s);
	if (ret)
		return ret;
	v = vn_stats_get(&s, name);
	vn_stats_free(&s);
	return v;
}

long long vn_stat_or_die(const char *ifname, const char *name)
{
	long long v = vn_stat(ifname, name);

	if (v < 0)
		tst_fail("expected ethtool -S %s to have %s, got %s", ifname,
			 name, strerror((int)-v));
	return v;
}

void vn_stats_read_or_die(const char *ifname, struct vn_stats *s)
{
	int ret = vn_stats_read(ifname, s);

	if (ret)
		tst_fail("expected to read the ethtool -S counters of %s, got %s",
			 ifname, strerror(-ret));
}

long long vn_stat_sum(const char *ifname, const char *fmt, unsigned int nq)
{
	long long sum = 0, v;
	struct vn_stats s;
	unsigned int q;
	char name[64];

	vn_stats_read_or_die(ifname, &s);
	for (q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), fmt, q);
		v = vn_stats_get(&s, name);
		if (v < 0)
			tst_fail("expected ethtool -S %s to have %s, it has not",
				 ifname, name);
		sum += v;
	}
	vn_stats_free(&s);
	return sum;
}

/* tcp-data-split over ethtool netlink */

static void vn_ethnl_req(struct nl_req *r, int fam, uint8_t cmd,
			 const char *ifname)
{
	struct {
		struct nlattr a;
		char name[IFNAMSIZ];
	} hdr;

	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.name, sizeof(hdr.name), "%s", ifname);
	hdr.a.nla_type = ETHTOOL_A_HEADER_DEV_NAME;
	hdr.a.nla_len = NLA_HDRLEN + strlen(hdr.name) + 1;
	genl_req_init(r, fam, cmd, ETHTOOL_GENL_VERSION, 0);
	nl_put(r, ETHTOOL_A_RINGS_HEADER | NLA_F_NESTED, &hdr,
	       NLA_ALIGN(hdr.a.nla_len));
}

static int vn_ethnl_open(struct nl_sock *s)
{
	int ret = nl_open(s), fam;

	if (ret)
		return ret;
	fam = genl_family_id(s, ETHTOOL_GENL_NAME);
	if (fam < 0)
		nl_close(s);
	return fam;
}

int vn_set_hds(const char *ifname, bool on)
{
	uint8_t split = on ? ETHTOOL_TCP_DATA_SPLIT_ENABLED :
			     ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	struct nl_sock s;
	struct nl_req r;
	int fam, ret;

	fam = vn_ethnl_open(&s);
	if (fam < 0)
		return fam;
	vn_ethnl_req(&r, fam, ETHTOOL_MSG_RINGS_SET, ifname);
	nl_put(&r, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, &split, sizeof(split));
	ret = nl_run(&s, &r, NULL, NULL);
	nl_close(&s);
	return ret;
}

static int vn_rings_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[ETHTOOL_A_RINGS_MAX + 1], *attrs;
	int *split = arg, len;

	attrs = genl_attrs(nlh, &len);
	nl_parse(attrs, len, tb, ETHTOOL_A_RINGS_MAX);
	if (tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT])
		*split = *(const uint8_t *)nla_data(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT]);
	return 0;
}

int vn_get_hds(const char *ifname)
{
	int fam, ret, split = -1;
	struct nl_sock s;
	struct nl_req r;

	fam = vn_ethnl_open(&s);
	if (fam < 0)
		return fam;
	vn_ethnl_req(&r, fam, ETHTOOL_MSG_RINGS_GET, ifname);
	ret = nl_run(&s, &r, vn_rings_cb, &split);
	nl_close(&s);
	if (ret)
		return ret;
	if (split == ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		return 1;
	if (split == ETHTOOL_TCP_DATA_SPLIT_DISABLED)
		return 0;
	return -ENODATA;
}

/* ntuple rules and RSS through the ethtool binary */

/*
 * ethtool 6.1 exits 0 when the kernel refuses a rule; what it printed
 * tells: "rmgr: Cannot insert RX class rule: <strerror>". -errno, or
 * -EIO if the words are not an errno's.
 */
static int vn_errno_of(const char *out)
{
	const char *p = strstr(out, "Cannot insert RX class rule: ");
	size_t len;
	int e;

	if (!p)
		return -EIO;
	p += strlen("Cannot insert RX class rule: ");
	len = strcspn(p, "\n");
	for (e = 1; e < 256; e++) {
		const char *m = strerror(e);

		if (strlen(m) == len && !strncmp(p, m, len))
			return -e;
	}
	return -EIO;
}

int vn_ntuple_add(const char *ifname, const char *flow, int port, int action,
		  int loc)
{
	char locs[32] = "";
	const char *p;
	int ret, id = -1;

	if (loc >= 0)
		snprintf(locs, sizeof(locs), " loc %d", loc);
	ret = vn_sh_out("ethtool -N %s flow-type %s dst-port %d action %d%s",
			ifname, flow, port, action, locs);
	if (strstr(vn_out, "Cannot"))
		return vn_errno_of(vn_out);
	if (ret)
		return -EIO;
	p = strstr(vn_out, "Added rule with ID ");
	if (p)
		sscanf(p, "Added rule with ID %d", &id);
	else if (loc >= 0)
		id = loc;	/* ethtool says nothing for a given location */
	return id >= 0 ? id : -EIO;
}

int vn_ntuple_add_or_die(const char *ifname, const char *flow, int port,
			 int action, int loc)
{
	int id = vn_ntuple_add(ifname, flow, port, action, loc);

	if (id < 0)
		tst_fail("expected ethtool -N %s flow-type %s dst-port %d action %d (loc %d) to add a rule, got %s: %s",
			 ifname, flow, port, action, loc, strerror(-id),
			 vn_out_line());
	return id;
}

int vn_ntuple_del(const char *ifname, int loc)
{
	return vn_sh_out("ethtool -N %s delete %d", ifname, loc);
}

int vn_rss_equal(const char *ifname, unsigned int k)
{
	return vn_sh_out("ethtool -X %s equal %u", ifname, k);
}

int vn_rss_weight(const char *ifname, const char *weights)
{
	return vn_sh_out("ethtool -X %s weight %s", ifname, weights);
}

/* TCP */

static socklen_t vn_sockaddr(struct sockaddr_storage *ss, const char *addr,
			     int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			tst_fail("internal: bad IPv6 address %s", addr);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			tst_fail("internal: bad IPv4 address %s", addr);
		return sizeof(*s4);
	}
}

int vn_listen(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = vn_sockaddr(&ss, addr, port);
	int fd, one = 1;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16))
		tst_fail("expected to listen on %s port %d, got %s", addr,
			 port, strerror(errno));
	return fd;
}

int vn_connect(const struct vn_ns *ns, const char *addr, int port,
	       int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = vn_sockaddr(&ss, addr, port);
	struct pollfd pfd;
	int fd, err = 0, fl;
	socklen_t elen = sizeof(err);

	fd = vn_ns_socket(ns, ss.ss_family, SOCK_STREAM);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = errno;
		goto fail;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) != 1) {
		err = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err)
		goto fail;
	fcntl(fd, F_SETFL, fl);
	return fd;
fail:
	close(fd);
	return -(err ? err : EIO);
}

int vn_connect_or_die(const struct vn_ns *ns, const char *addr, int port)
{
	int fd = vn_connect(ns, addr, port, 10000);

	if (fd < 0)
		tst_fail("expected to connect to %s port %d, got %s", addr,
			 port, strerror(-fd));
	return fd;
}

int vn_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, timeout_ms) != 1)
		tst_fail("expected a connection within %d ms, got none",
			 timeout_ms);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		tst_fail("expected accept() to work, got %s", strerror(errno));
	return fd;
}

struct vn_xfer {
	pthread_t	th;
	int		fd;
	bool		send;
	unsigned int	seed;
	uint64_t	total;
	uint64_t	done;
	char		err[256];
};

#define VN_CHUNK	(64 * 1024)

static void *vn_xfer_thread(void *arg)
{
	struct vn_xfer *x = arg;
	uint8_t *buf = malloc(VN_CHUNK);
	uint64_t i;
	ssize_t n;

	if (!buf) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return NULL;
	}
	while (x->done < x->total) {
		size_t len = x->total - x->done < VN_CHUNK ?
			     x->total - x->done : VN_CHUNK;

		if (x->send) {
			for (i = 0; i < len; i++)
				buf[i] = vn_pattern(x->done + i, x->seed);
			n = send(x->fd, buf, len, MSG_NOSIGNAL);
		} else {
			n = recv(x->fd, buf, len, 0);
		}
		if (n <= 0) {
			snprintf(x->err, sizeof(x->err),
				 "%s returned %s after %llu of %llu bytes",
				 x->send ? "send()" : "recv()",
				 n ? strerror(errno) : "0 (EOF)",
				 (unsigned long long)x->done,
				 (unsigned long long)x->total);
			goto out;
		}
		if (!x->send) {
			for (i = 0; i < (uint64_t)n; i++) {
				uint8_t want = vn_pattern(x->done + i, x->seed);

				if (buf[i] != want) {
					snprintf(x->err, sizeof(x->err),
						 "byte %llu is 0x%02x, the pattern says 0x%02x",
						 (unsigned long long)(x->done + i),
						 buf[i], want);
					goto out;
				}
			}
		}
		x->done += n;
	}
	if (x->send) {
		if (shutdown(x->fd, SHUT_WR))
			snprintf(x->err, sizeof(x->err), "shutdown(): %s",
				 strerror(errno));
	} else {
		n = recv(x->fd, buf, 1, 0);
		if (n)
			snprintf(x->err, sizeof(x->err),
				 "expected EOF after %llu bytes, recv() returned %zd (%s)",
				 (unsigned long long)x->total, n,
				 n < 0 ? strerror(errno) : "more data");
	}
out:
	free(buf);
	return NULL;
}

static struct vn_xfer *vn_xfer_start(int fd, uint64_t total,
				     unsigned int seed, bool send)
{
	struct timeval tv = { .tv_sec = 30 };
	struct vn_xfer *x = calloc(1, sizeof(*x));
	int ret;

	if (!x)
		tst_fail("internal: out of memory");
	x->fd = fd;
	x->total = total;
	x->seed = seed;
	x->send = send;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = pthread_create(&x->th, NULL, vn_xfer_thread, x);
	if (ret)
		tst_fail("expected pthread_create() to work, got %s",
			 strerror(ret));
	return x;
}

struct vn_xfer *vn_send_start(int fd, uint64_t total, unsigned int seed)
{
	return vn_xfer_start(fd, total, seed, true);
}

struct vn_xfer *vn_recv_start(int fd, uint64_t total, unsigned int seed)
{
	return vn_xfer_start(fd, total, seed, false);
}

void vn_xfer_wait(struct vn_xfer *x, const char *what)
{
	pthread_join(x->th, NULL);
	if (x->err[0])
		tst_fail("expected %s to %s %llu bytes, but %s", what,
			 x->send ? "send" : "receive and check",
			 (unsigned long long)x->total, x->err);
	free(x);
}

void vn_tcp_flow(const struct vn_ns *sender_ns, const char *addr, int port,
		 uint64_t total)
{
	int lfd = vn_listen(addr, port), tx, rx;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct vn_xfer *s, *r;
	char what[96];

	/* a failed case must not leave the port's listener behind */
	tx = vn_connect(sender_ns, addr, port, 10000);
	if (tx < 0) {
		close(lfd);
		tst_fail("expected to connect to %s port %d, got %s", addr,
			 port, strerror(-tx));
	}
	errno = 0;
	rx = poll(&pfd, 1, 10000) == 1 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	close(lfd);
	if (rx < 0) {
		close(tx);
		tst_fail("expected to accept the connection to %s port %d within 10 s, got %s",
			 addr, port, errno ? strerror(errno) : "none");
	}
	s = vn_send_start(tx, total, port);
	r = vn_recv_start(rx, total, port);
	snprintf(what, sizeof(what), "the receiver of the flow to %s port %d",
		 addr, port);
	vn_xfer_wait(r, what);
	snprintf(what, sizeof(what), "the sender of the flow to %s port %d",
		 addr, port);
	vn_xfer_wait(s, what);
	close(tx);
	close(rx);
}
