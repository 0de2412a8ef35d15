/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers of the "netdev" generic netlink family, from the kernel's
 * include/uapi/linux/netdev.h (6.12 plus the zcrx-lts series, which adds
 * the io_uring attributes as upstream numbers them). Defined here because
 * the build host's headers (Debian 12: linux-libc-dev 6.1) lack most of
 * them; do not include <linux/netdev.h> next to this file.
 */
#ifndef ZCRX_NETDEV_UAPI_H
#define ZCRX_NETDEV_UAPI_H

#define NETDEV_FAMILY_NAME	"netdev"
#define NETDEV_FAMILY_VERSION	1

/* enum netdev_queue_type */
#define NETDEV_QUEUE_TYPE_RX	0
#define NETDEV_QUEUE_TYPE_TX	1

/* Commands. */
#define NETDEV_CMD_DEV_GET		1
#define NETDEV_CMD_PAGE_POOL_GET	5
#define NETDEV_CMD_PAGE_POOL_STATS_GET	9
#define NETDEV_CMD_QUEUE_GET		10
#define NETDEV_CMD_NAPI_GET		11
#define NETDEV_CMD_QSTATS_GET		12
#define NETDEV_CMD_BIND_RX		13

/* Attributes of NETDEV_CMD_PAGE_POOL_GET replies. */
#define NETDEV_A_PAGE_POOL_ID		1
#define NETDEV_A_PAGE_POOL_IFINDEX	2
#define NETDEV_A_PAGE_POOL_NAPI_ID	3
#define NETDEV_A_PAGE_POOL_INFLIGHT	4
#define NETDEV_A_PAGE_POOL_INFLIGHT_MEM	5
#define NETDEV_A_PAGE_POOL_DETACH_TIME	6
#define NETDEV_A_PAGE_POOL_DMABUF	7
#define NETDEV_A_PAGE_POOL_IO_URING	8	/* zcrx: nested, empty */
#define NETDEV_A_PAGE_POOL_MAX		8

/* Attributes of NETDEV_CMD_QUEUE_GET requests and replies. */
#define NETDEV_A_QUEUE_ID		1
#define NETDEV_A_QUEUE_IFINDEX		2
#define NETDEV_A_QUEUE_TYPE		3
#define NETDEV_A_QUEUE_NAPI_ID		4
#define NETDEV_A_QUEUE_DMABUF		5
#define NETDEV_A_QUEUE_IO_URING		6	/* zcrx: nested, empty */
#define NETDEV_A_QUEUE_MAX		6

#endif /* ZCRX_NETDEV_UAPI_H */
