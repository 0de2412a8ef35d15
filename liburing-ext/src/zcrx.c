// SPDX-License-Identifier: MIT
/*
 * Registering a zcrx instance and controlling it.
 */
#include <liburing.h>

#include "syscall.h"

int io_uring_register_ifq(struct io_uring *ring,
			  struct io_uring_zcrx_ifq_reg *reg)
{
	return zcrx_ext_register(ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, reg, 1);
}

int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl)
{
	return zcrx_ext_register(ring->ring_fd, IORING_REGISTER_ZCRX_CTRL, ctrl, 0);
}
