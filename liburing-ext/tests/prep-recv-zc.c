// SPDX-License-Identifier: MIT
/*
 * io_uring_prep_recv_zc() writes exactly the SQE the ABI describes. The
 * expected bytes are built by hand, not through struct io_uring_sqe, so a
 * wrong field name in the header cannot hide in both sides at once.
 */
#include <liburing.h>
#include <string.h>

#include "test.h"

#define POISON		0xa5
#define USER_DATA	32	/* bytes 32..39 are io_uring_sqe_set_data()'s */

struct prep_case {
	int		fd;
	unsigned	zcrx_id;
	unsigned	len;
	unsigned	flags;
};

static const struct prep_case cases[] = {
	{ 7, 0, 0, IORING_RECV_MULTISHOT },
	{ 3, 1, 4096, IORING_RECV_MULTISHOT | IORING_RECVSEND_POLL_FIRST },
	{ 0x7fffffff, 0xdeadbeef, 0xffffffffu, 0 },
	{ -1, 65535, 1, IORING_RECVSEND_POLL_FIRST },
};

static void put_le(unsigned char *p, unsigned long long v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void expected_sqe(unsigned char *b, const struct prep_case *c)
{
	memset(b, 0, 64);
	b[0] = 58;				/* opcode: IORING_OP_RECV_ZC */
	/* byte 1 flags: 0 */
	put_le(b + 2, c->flags, 2);		/* ioprio */
	put_le(b + 4, (unsigned)c->fd, 4);	/* fd */
	/* 8..15 off/addr2, 16..23 addr: 0 */
	put_le(b + 24, c->len, 4);		/* len */
	/* 28..31 msg_flags: 0 */
	memset(b + USER_DATA, POISON, 8);	/* user_data: not prep's */
	/* 40..41 buf_index, 42..43 personality: 0 */
	put_le(b + 44, c->zcrx_id, 4);		/* zcrx_ifq_idx */
	/* 48..55 addr3, 56..63 __pad2: 0 */
}

static void test_case(const struct prep_case *c)
{
	struct io_uring_sqe sqe;
	unsigned char want[64], got[64];

	memset(&sqe, POISON, sizeof(sqe));
	io_uring_prep_recv_zc(&sqe, c->fd, c->zcrx_id, c->len, c->flags);
	memcpy(got, &sqe, sizeof(got));
	expected_sqe(want, c);

	for (int i = 0; i < 64; i++) {
		if (got[i] != want[i]) {
			t_check(0, "fd %d id %u len %u flags %#x: byte %d is 0x%02x, want 0x%02x",
				c->fd, c->zcrx_id, c->len, c->flags, i, got[i], want[i]);
			return;
		}
	}
	t_check(1, "bytes");

	/* and the upstream field names read the same values back */
	t_eq("sqe->opcode", sqe.opcode, IORING_OP_RECV_ZC);
	t_eq("sqe->zcrx_ifq_idx", sqe.zcrx_ifq_idx, c->zcrx_id);
	t_eq("sqe->ioprio", sqe.ioprio, c->flags);
	t_eq("sqe->len", sqe.len, c->len);
	t_eq("sqe->fd", (unsigned)sqe.fd, (unsigned)c->fd);
}

int main(void)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	return t_result("prep-recv-zc");
}
