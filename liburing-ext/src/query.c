// SPDX-License-Identifier: MIT
/*
 * IORING_REGISTER_QUERY: what the kernel supports, asked with or without
 * a ring.
 */
#include <liburing.h>

#include "syscall.h"

int io_uring_register_query(int fd, struct io_uring_query_hdr *hdr)
{
	return zcrx_ext_register(fd, IORING_REGISTER_QUERY, hdr, 0);
}
