// SPDX-License-Identifier: MIT
/*
 * The refill ring helpers with a second thread playing the kernel: it
 * load-acquires the tail, reads the entries and store-releases the head,
 * as the ABI says the kernel does. Every entry must arrive once, in order
 * and intact. Built with -fsanitize=thread where the toolchain has it, so
 * a helper that lost its acquire or release shows up as a data race on
 * the entries, not only as corruption on a weaker CPU than x86.
 */
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define ENTRIES		16
#define TOTAL		200000u

static struct {
	__u32				head __attribute__((aligned(64)));
	__u32				tail __attribute__((aligned(64)));
	struct io_uring_zcrx_rqe	rqes[ENTRIES] __attribute__((aligned(64)));
} region;

static unsigned consumer_bad;
static char consumer_msg[160];

static void *kernel_side(void *arg)
{
	__u32 head = 0;

	(void)arg;
	while (head != TOTAL) {
		__u32 tail = __atomic_load_n(&region.tail, __ATOMIC_ACQUIRE);

		if (tail - head > ENTRIES && !consumer_bad++)
			snprintf(consumer_msg, sizeof(consumer_msg),
				 "tail %u is more than %u ahead of head %u",
				 tail, ENTRIES, head);
		if (tail == head) {
			sched_yield();
			continue;
		}
		for (; head != tail; head++) {
			const struct io_uring_zcrx_rqe *rqe =
				&region.rqes[head & (ENTRIES - 1)];

			if ((rqe->off != head || rqe->len != head * 3 || rqe->__pad) &&
			    !consumer_bad++)
				snprintf(consumer_msg, sizeof(consumer_msg),
					 "entry %u read as {off %llu, len %u, pad %u}",
					 head, (unsigned long long)rqe->off,
					 rqe->len, rqe->__pad);
		}
		__atomic_store_n(&region.head, head, __ATOMIC_RELEASE);
	}
	return NULL;
}

int main(void)
{
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	pthread_t thread;
	__u32 sent = 0;
	unsigned seed = 1;

#ifdef __SANITIZE_THREAD__
	printf("refill-race: under ThreadSanitizer\n");
#else
	printf("refill-race: without ThreadSanitizer (not available here)\n");
#endif
	memset(&reg, 0, sizeof(reg));
	reg.rq_entries = ENTRIES;
	reg.offsets.head = offsetof(__typeof__(region), head);
	reg.offsets.tail = offsetof(__typeof__(region), tail);
	reg.offsets.rqes = offsetof(__typeof__(region), rqes);
	if (io_uring_zcrx_rq_init(&rq, &region, &reg)) {
		printf("refill-race: io_uring_zcrx_rq_init failed\n");
		return T_EXIT_FAIL;
	}
	if (pthread_create(&thread, NULL, kernel_side, NULL)) {
		printf("refill-race: skip: cannot start a thread\n");
		return T_EXIT_SKIP;
	}

	/* batches of 1..ENTRIES, committed once each, as a receive loop would */
	while (sent != TOTAL) {
		unsigned batch = 1 + rand_r(&seed) % ENTRIES;
		struct io_uring_zcrx_rqe *rqe;

		while (batch-- && sent != TOTAL &&
		       (rqe = io_uring_zcrx_rq_get_rqe(&rq))) {
			rqe->off = sent;
			rqe->len = sent * 3;
			sent++;
		}
		io_uring_zcrx_rq_commit(&rq);
		if (!io_uring_zcrx_rq_space_left(&rq))
			sched_yield();
	}
	pthread_join(thread, NULL);

	t_check(!consumer_bad, "%u bad entries, first: %s", consumer_bad, consumer_msg);
	t_eq("head at the end", region.head, TOTAL);
	t_eq("tail at the end", region.tail, TOTAL);
	t_eq("space_left at the end", io_uring_zcrx_rq_space_left(&rq), ENTRIES);
	return t_result("refill-race");
}
