/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vnic pair for the zcrx tests that bind an ifq to a real rx queue,
 * built with the helpers of vnic_util.h:
 *
 *   this netns                          a netns of its own (the sender)
 *   vB 10.77.0.2/24  <--- vnic pair --->  vA 10.77.0.1/24
 *   4 rx queues, RSS on queue 0 only,
 *   queues 1..3 get ntuple-steered flows
 *
 * Sockets of the sender's side are created in its netns (vn_connect()),
 * so no thread has to stay there.
 */
#ifndef ZCRX_VNIC_H
#define ZCRX_VNIC_H

#include "vnic_util.h"

struct zv_pair {
	struct vn_ns	peer;		/* the sender's netns, where vA is */
	int		ifindex;	/* of vB */
};

/*
 * Create and configure the pair; skips the test if the kernel has no
 * vnic. Sets zu_stall_report to print vB's counters.
 */
void zv_pair_setup(struct zv_pair *p);
/* Delete the pair (both ends go); returns 0 or -ENODEV. */
int zv_pair_delete(struct zv_pair *p);
/* A TCP socket of the sender's netns connected to vB's @port. */
int zv_connect(struct zv_pair *p, int port);

/* The ZcrxIfq<id> line of a ring's fdinfo. */
struct zv_ifq_info {
	unsigned int		ifindex, rxq;
	unsigned long long	zc_bytes, copy_bytes;
};

/* 0, or -ENOENT if the ring's fdinfo has no line for ifq @id. */
int zv_ifq_info(int ring_fd, unsigned int id, struct zv_ifq_info *info);

#endif /* ZCRX_VNIC_H */
