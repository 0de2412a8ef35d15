/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vnic pair for the zcrx tests that bind an ifq to a real rx queue:
 *
 *   this netns                          a netns of its own (the sender)
 *   vB 10.77.0.2/24  <--- vnic pair --->  vA 10.77.0.1/24
 *   4 rx queues, RSS on queue 0 only,
 *   queues 1..3 get ntuple-steered flows
 *
 * The pair is created over rtnetlink (not with ip and the iproute2
 * plugin, which t_vnic_* test), configured with ip and ethtool. Sockets of
 * the sender side are created in its netns with setns() on the calling
 * thread, so no process is forked once a ring exists.
 */
#ifndef ZCRX_VNIC_H
#define ZCRX_VNIC_H

#include <stdbool.h>
#include <stdint.h>

#define ZV_RX		"vB"
#define ZV_TX		"vA"
#define ZV_RX_ADDR	"10.77.0.2"
#define ZV_TX_ADDR	"10.77.0.1"
#define ZV_QUEUES	4

struct zv_pair {
	int	home_ns;	/* fd: the test's netns, where vB is */
	int	peer_ns;	/* fd: the sender's netns, where vA is */
	int	ifindex;	/* of vB */
	bool	up;
};

/*
 * Run a shell command (in the calling thread's netns); returns its exit
 * status, or -1 if it could not run.
 */
int zv_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same; fails the test unless it exits 0. */
void zv_sh_or_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Create and configure the pair; skips the test if the kernel has no
 * vnic. Call it before the test's ring exists.
 */
void zv_pair_setup(struct zv_pair *p);
/* Delete the pair (both ends go); returns 0 or -errno. */
int zv_pair_delete(struct zv_pair *p);
/* Run a command in the sender's netns. */
int zv_peer_sh(struct zv_pair *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Steer TCP port @port on vB to rx queue @queue; returns the rule id. */
int zv_steer(const char *ifname, int port, int queue);

/* An ethtool -S counter of @ifname, or -1 if it has none of that name. */
long long zv_stat(const char *ifname, const char *name);
/* The sum of @name ("rx%u_packets" style, %u = queue) over all queues. */
long long zv_stat_sum(const char *ifname, const char *fmt);

/* tcp-data-split through ethtool netlink: 0 or -errno. */
int zv_set_hds(const char *ifname, bool on);

/* A listening TCP socket on ZV_RX_ADDR:@port in this netns. */
int zv_listen(int port);
/* A TCP socket of the sender's netns connected to ZV_RX_ADDR:@port. */
int zv_connect(struct zv_pair *p, int port);
/* accept() with a time limit; fails the test on timeout. */
int zv_accept(int lfd, int timeout_ms);

/* The ZcrxIfq<id> line of a ring's fdinfo. */
struct zv_ifq_info {
	unsigned int		ifindex, rxq;
	unsigned long long	zc_bytes, copy_bytes;
};

/* 0, or -ENOENT if the ring's fdinfo has no line for ifq @id. */
int zv_ifq_info(int ring_fd, unsigned int id, struct zv_ifq_info *info);

#endif /* ZCRX_VNIC_H */
