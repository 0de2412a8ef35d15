// SPDX-License-Identifier: MIT
/*
 * The headers in C++: liburing.h supports it, so the wrapper must too
 * (static_assert for _Static_assert, explicit casts, extern "C").
 */
#include <liburing.h>
#include <cstdio>
#include <cstring>

int main()
{
	struct io_uring_sqe sqe;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	alignas(64) unsigned char ring[256] = {};

	std::memset(&reg, 0, sizeof(reg));
	reg.rq_entries = 8;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	io_uring_prep_recv_zc(&sqe, 4, 2, 0, IORING_RECV_MULTISHOT);
	if (io_uring_zcrx_rq_init(&rq, ring, &reg) ||
	    !io_uring_zcrx_rq_get_rqe(&rq) || sqe.zcrx_ifq_idx != 2 ||
	    sqe.opcode != IORING_OP_RECV_ZC) {
		std::printf("cxx-header: helpers misbehave in C++\n");
		return 1;
	}
	io_uring_zcrx_rq_commit(&rq);
	/* referenced, so the declarations must link */
	int (*fns[])(struct io_uring *, struct io_uring_zcrx_ifq_reg *) = {
		io_uring_register_ifq,
	};
	(void)fns;
	std::printf("cxx-header: ok\n");
	return 0;
}
