/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the t_vnic_* VM tests: vnic pairs created the way a user
 * creates them (ip and the iproute2 plugin link_vnic.so), network
 * namespaces without `ip netns` (nothing is written to /run or /var: UML
 * runs on the host's root), addresses, ethtool counters by name,
 * tcp-data-split over ethtool netlink, ntuple rules and RSS through the
 * ethtool binary, and TCP streams with a byte pattern checked on receive.
 *
 * Namespaces: every helper works in the network namespace of the calling
 * thread, unless it takes a struct vn_ns (NULL there is the test's own
 * namespace, the one vn_init() found). vn_ns_enter() moves the calling
 * thread; threads started afterwards by it start in its namespace, and
 * so do the commands it runs with vn_sh().
 *
 * Setup problems that are not what a test checks end the test with
 * tst_fail() or tst_skip() (tst.h). vn_sh() and the helpers that run ip
 * or ethtool fork: a test that also uses io_uring must not call them once
 * a ring exists (see tests/vm/README.md).
 */
#ifndef ZCRX_VNIC_UTIL_H
#define ZCRX_VNIC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tst.h"

#define VN_A		"vA"
#define VN_B		"vB"	/* the receiving end */
#define VN_A_ADDR	"10.77.0.1"
#define VN_B_ADDR	"10.77.0.2"
#define VN_A_ADDR6	"fd77::1"
#define VN_B_ADDR6	"fd77::2"
#define VN_DEF_QUEUES	4
#define VN_MAX_QUEUES	16
#define VN_MAX_RULES	16

#define VN_MIB		(1024u * 1024u)

/*
 * Remember the test's network namespace and, unless IP_LIB_DIR is set,
 * point it at the directory of the test binary, where link_vnic.so is
 * built. Idempotent; the other helpers call it.
 */
void vn_init(void);

/*
 * The path of iproute2's ip, or NULL if there is only busybox's. The
 * commands of vn_sh() and friends run it for "ip": busybox sh (the QEMU
 * initramfs's) would run its own ip applet, which knows no plugins.
 */
const char *vn_ip(void);

/*
 * Run a shell command (sh -c, in the calling thread's namespace) and
 * return its exit status, or -1 if it could not run or was killed.
 */
int vn_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same; fails the test unless it exits 0, quoting its output. */
void vn_sh_or_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Run a command with stdout and stderr captured into vn_out (also
 * returned, NUL-terminated, truncated to its size); returns the exit
 * status as vn_sh() does.
 */
int vn_sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern char vn_out[4096];
/* vn_out on one line (newlines replaced), for messages. */
const char *vn_out_line(void);

/* A network namespace of the test, held by an open file. */
struct vn_ns {
	int	fd;		/* of the namespace (nsfs) */
	/*
	 * A path ip takes as "netns PATH" and nsenter as --net=PATH:
	 * /proc/<test pid>/fd/<fd>
	 */
	char	path[64];
};

/*
 * A new network namespace, with lo up; the calling thread stays where it
 * is. No process or thread is needed to hold it.
 */
void vn_ns_new(struct vn_ns *ns);
/* Close it; the kernel tears it down once nothing uses it any more. */
void vn_ns_close(struct vn_ns *ns);
/* Move the calling thread into ns (NULL: the test's own namespace). */
void vn_ns_enter(const struct vn_ns *ns);
/* vn_sh() / vn_sh_out() in ns (NULL: the test's own namespace). */
int vn_ns_sh(const struct vn_ns *ns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vn_ns_sh_out(const struct vn_ns *ns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A socket created in ns; fails the test if it cannot be. */
int vn_ns_socket(const struct vn_ns *ns, int domain, int type);

/*
 * ip link add a numrxqueues N numtxqueues N type vnic
 *    peer name b numrxqueues N numtxqueues N
 * (nqueues 0: neither option, the driver's default), in the calling
 * thread's namespace. Returns 0; -EOPNOTSUPP if the kernel does not know
 * the link kind "vnic"; -EIO for any other failure (ip's words in vn_out).
 * Fails the test if link_vnic.so is not in $IP_LIB_DIR.
 */
int vn_pair_create(const char *a, const char *b, unsigned int nqueues);
/*
 * A test that fails leaves no pair behind: at exit the last pair
 * vn_pair_create() made is deleted if its ends are still in the test's
 * namespace (ends in a vn_ns go with the namespace).
 */
/* The same, skipping the test without vnic and failing it on errors. */
void vn_pair_create_or_skip(const char *a, const char *b,
			    unsigned int nqueues);
/* ip link del a (the peer goes too): 0, or -ENODEV if that failed. */
int vn_pair_delete(const char *a);

/*
 * Move link ifname of the calling thread's namespace into ns, over
 * rtnetlink (IFLA_NET_NS_FD): no fork. Fails the test on error.
 */
void vn_link_netns(const char *ifname, const struct vn_ns *ns);
/* Does ifname exist in ns (NULL: the test's own namespace)? */
bool vn_link_exists(const struct vn_ns *ns, const char *ifname);
/*
 * The queue counts of ifname in the calling thread's namespace, from
 * RTM_GETLINK (IFLA_NUM_RX_QUEUES / IFLA_NUM_TX_QUEUES): 0 or -errno. A
 * kernel without RPS (UML) does not report rx queues: *rx is 0 then.
 */
int vn_link_queues(const char *ifname, unsigned int *rx, unsigned int *tx);
/*
 * ethtool -l (ETHTOOL_GCHANNELS ioctl): the rx and tx queues in use, and
 * the most there can be. 0 or -errno.
 */
struct vn_channels {
	unsigned int rx, tx, max_rx, max_tx;
};
int vn_channels(const char *ifname, struct vn_channels *ch);
/*
 * The rx-* (or tx-*) entries of /sys/class/net/ifname/queues: only for a
 * link in the namespace that mounted /sys. -1 if it has no such folder.
 */
int vn_sysfs_queues(const char *ifname, const char *kind);

/*
 * In ns: ip addr add addr dev ifname, then ifname and lo up. addr is
 * "a.b.c.d/len" or an IPv6 "x::y/len" (added with nodad, usable at
 * once). Fails the test on error.
 */
void vn_addr_up(const struct vn_ns *ns, const char *ifname, const char *addr);

/*
 * All ethtool -S counters of ifname (ETHTOOL_GSSET_INFO, GSTRINGS,
 * GSTATS ioctls on a socket of the calling thread's namespace).
 */
struct vn_stats {
	unsigned int	n;
	char		(*names)[33];	/* ETH_GSTRING_LEN + NUL */
	uint64_t	*vals;
};

/* 0 or -errno. */
int vn_stats_read(const char *ifname, struct vn_stats *s);
/* vn_stats_read(), failing the test if the counters cannot be read. */
void vn_stats_read_or_die(const char *ifname, struct vn_stats *s);
void vn_stats_free(struct vn_stats *s);
/* The counter called name, or -ENOENT. */
long long vn_stats_get(const struct vn_stats *s, const char *name);
/* One counter: its value, -ENOENT if ifname has none of that name, or
 * -errno if the counters cannot be read. */
long long vn_stat(const char *ifname, const char *name);
/*
 * The sum of a per-queue counter over queues [0, nq): fmt is
 * "rx%u_packets" style. Fails the test if a counter is missing.
 */
long long vn_stat_sum(const char *ifname, const char *fmt, unsigned int nq)
	__attribute__((format(printf, 2, 0)));
/* vn_stat(), failing the test if the counter cannot be read. */
long long vn_stat_or_die(const char *ifname, const char *name);

/*
 * tcp-data-split through ethtool netlink (ETHTOOL_MSG_RINGS_SET / GET,
 * ETHTOOL_A_RINGS_TCP_DATA_SPLIT), in the calling thread's namespace.
 * set: 0 or -errno. get: 1 on, 0 off, -ENODATA if the device reports
 * neither, or -errno.
 */
int vn_set_hds(const char *ifname, bool on);
int vn_get_hds(const char *ifname);

/*
 * ethtool -N ifname flow-type flow dst-port port action action [loc loc]
 * (loc < 0: none). Returns the rule's location from ethtool's "Added rule
 * with ID N", or -1 if ethtool failed (its words in vn_out).
 */
int vn_ntuple_add(const char *ifname, const char *flow, int port, int action,
		  int loc);
/* vn_ntuple_add(), failing the test if the rule is not added. */
int vn_ntuple_add_or_die(const char *ifname, const char *flow, int port,
			 int action, int loc);
/* ethtool -N ifname delete loc: its exit status. */
int vn_ntuple_del(const char *ifname, int loc);
/* ethtool -X ifname equal k / weight w0 w1 ...: exit status. */
int vn_rss_equal(const char *ifname, unsigned int k);
int vn_rss_weight(const char *ifname, const char *weights);

/*
 * TCP. Addresses are IPv4 or IPv6 literals (a ':' makes it IPv6).
 */

/* A listening socket on addr:port in the calling thread's namespace. */
int vn_listen(const char *addr, int port);
/*
 * A socket of ns connected to addr:port within timeout_ms: the fd, or
 * -errno (-ETIMEDOUT if no answer came).
 */
int vn_connect(const struct vn_ns *ns, const char *addr, int port,
	       int timeout_ms);
/* vn_connect(), failing the test on error. */
int vn_connect_or_die(const struct vn_ns *ns, const char *addr, int port);
/* accept() within timeout_ms; fails the test otherwise. */
int vn_accept(int lfd, int timeout_ms);

/* The stream byte at position i of the stream with this seed. */
static inline uint8_t vn_pattern(uint64_t i, unsigned int seed)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + (i >> 12) * 0x9d +
			 (i >> 20) + seed * 0x35);
}

/*
 * A thread that sends (or receives and checks) total pattern bytes on
 * fd. A sender shuts its direction down at the end; a receiver expects
 * EOF right after total bytes. Sockets get 30 s send/receive timeouts.
 */
struct vn_xfer;
struct vn_xfer *vn_send_start(int fd, uint64_t total, unsigned int seed);
struct vn_xfer *vn_recv_start(int fd, uint64_t total, unsigned int seed);
/* Join the thread; fails the test with what went wrong. Frees x. */
void vn_xfer_wait(struct vn_xfer *x, const char *what);

/*
 * One flow: listen on addr:port in the calling thread's namespace,
 * connect from sender_ns, send total pattern bytes and check them on
 * receive; both sockets are closed at the end.
 */
void vn_tcp_flow(const struct vn_ns *sender_ns, const char *addr, int port,
		 uint64_t total);

#endif /* ZCRX_VNIC_UTIL_H */
