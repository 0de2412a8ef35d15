// SPDX-License-Identifier: GPL-2.0
/*
 * sqe->len is a byte limit: a recv-zc request armed with len = N ends,
 * without F_MORE and with res 0, once exactly N bytes were reported,
 * even with more data waiting (one that ends early with -ENOMEM or
 * -ENOSPC is re-armed for the rest); a request with len 0 then receives the
 * rest of the stream up to EOF. Limits that end inside a page and one
 * that is smaller than a page are used; the stream must stay intact
 * across the requests.
 *
 * One case per limit, then the rest of the stream: all on the one
 * stream, in order. A case that fails leaves the stream where it was, so
 * the cases after it are skipped.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define STREAM_LEN	(4ull * ZU_MIB)

static const uint32_t limits[] = { 100000, 1, 4095, 4097, 1000000 };

static struct zu_sender *snd;
static struct io_uring ring;
static struct zu_recv r;
static struct zu_ifq z;
static bool broken;	/* a case stopped part-way through the stream */

static void limit_case(void *arg)
{
	uint32_t limit = *(const uint32_t *)arg;
	uint64_t start = r.bytes;
	bool done = false;

	if (broken)
		tst_skip("the stream stopped part-way in an earlier case");
	broken = true;
	r.arm_len = limit;
	zu_arm(&r);
	while (!done) {
		struct io_uring_cqe *cqe = zu_recv_wait(&r, 20000);

		do {
			enum zu_cqe_kind k = zu_handle_cqe(&r, cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&ring, cqe);
			if (k == ZU_CQE_DATA) {
				zu_return_held(&r, SIZE_MAX);
				continue;
			}
			if (k == ZU_CQE_END) {
				/* out of buffers or CQEs: the rest */
				zu_return_held(&r, SIZE_MAX);
				r.arm_len = r.limit_at - r.bytes;
				zu_arm(&r);
				break;
			}
			if (k != ZU_CQE_LIMIT)
				tst_fail("len %u: expected the request to end with res 0 at the limit, got %s after %llu bytes",
					 limit, zu_errname(res),
					 (unsigned long long)(r.bytes - start));
			done = true;
			break;
		} while (!io_uring_peek_cqe(&ring, &cqe));
	}
	if (r.bytes - start != limit)
		tst_fail("len %u: expected exactly %u bytes before res 0, got %llu",
			 limit, limit, (unsigned long long)(r.bytes - start));
	broken = false;
}

/* no limit: the rest, up to EOF */
static void no_limit_to_eof(void)
{
	if (broken)
		tst_skip("the stream stopped part-way in an earlier case");
	broken = true;
	r.arm_len = 0;
	zu_recv_all(&r);
	zu_wait_sender(snd);
	printf("# limits of %u, %u, %u, %u and %u bytes honoured; %llu bytes intact\n",
	       limits[0], limits[1], limits[2], limits[3], limits[4],
	       (unsigned long long)r.bytes);
	broken = false;
}

int main(void)
{
	unsigned int i;
	int rx, tx;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(ZU_ARRAY_SIZE(limits) + 1);
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);
	zu_ring_init_or_die(&ring, 16, 4096, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, 1024, false);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);

	for (i = 0; i < ZU_ARRAY_SIZE(limits); i++) {
		char name[32];

		snprintf(name, sizeof(name), "len_%u", limits[i]);
		tst_case(name, limit_case, (void *)&limits[i]);
	}
	TST_CASE(no_limit_to_eof);

	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
	return tst_exit();
}
