// SPDX-License-Identifier: MIT
/*
 * The refill ring helpers against a fake ring in plain memory, laid out
 * the way the kernel lays out its region: head, tail a cache line apart,
 * then the entries. The test plays the kernel by moving head.
 */
#include <liburing.h>
#include <string.h>

#include "test.h"

#define ENTRIES		16
#define OFF_HEAD	0
#define OFF_TAIL	64
#define OFF_RQES	128

struct fake_ring {
	struct io_uring_zcrx_ifq_reg	reg;
	struct io_uring_zcrx_rq		rq;
	union {
		unsigned char		mem[OFF_RQES + ENTRIES * 16];
		__u64			align;
	};
};

static __u32 *fake_head(struct fake_ring *f)
{
	return (__u32 *)(f->mem + OFF_HEAD);
}

static __u32 *fake_tail(struct fake_ring *f)
{
	return (__u32 *)(f->mem + OFF_TAIL);
}

/* registration as the kernel would have returned it, head = tail = start */
static void fake_setup(struct fake_ring *f, __u32 start)
{
	memset(f, 0, sizeof(*f));
	f->reg.rq_entries = ENTRIES;
	f->reg.offsets.head = OFF_HEAD;
	f->reg.offsets.tail = OFF_TAIL;
	f->reg.offsets.rqes = OFF_RQES;
	*fake_head(f) = start;
	*fake_tail(f) = start;
	t_eq("init", io_uring_zcrx_rq_init(&f->rq, f->mem, &f->reg), 0);
}

/* the kernel's side: consume n entries */
static void fake_consume(struct fake_ring *f, unsigned n)
{
	__atomic_store_n(fake_head(f), *fake_head(f) + n, __ATOMIC_RELEASE);
}

static void test_init_points_into_region(void)
{
	struct fake_ring f;

	fake_setup(&f, 0);
	t_check(f.rq.khead == fake_head(&f), "khead not at region + offsets.head");
	t_check(f.rq.ktail == fake_tail(&f), "ktail not at region + offsets.tail");
	t_check((unsigned char *)f.rq.rqes == f.mem + OFF_RQES,
		"rqes not at region + offsets.rqes");
	t_check(f.rq.ring_ptr == f.mem, "ring_ptr not the region");
	t_eq("ring_entries", f.rq.ring_entries, ENTRIES);
	t_eq("rq_tail", f.rq.rq_tail, 0);
}

static void test_init_rejects_bad_entries(void)
{
	static const unsigned bad[] = { 0, 3, 12, 17, 0x80000001u };
	struct fake_ring f;

	fake_setup(&f, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.reg.rq_entries = bad[i];
		t_check(io_uring_zcrx_rq_init(&f.rq, f.mem, &f.reg) == -EINVAL,
			"init accepted rq_entries %u", bad[i]);
	}
}

static void test_fills_in_order_until_full(void)
{
	struct fake_ring f;
	struct io_uring_zcrx_rqe *rqe;

	fake_setup(&f, 0);
	t_eq("space_left empty", io_uring_zcrx_rq_space_left(&f.rq), ENTRIES);
	for (unsigned i = 0; i < ENTRIES; i++) {
		rqe = io_uring_zcrx_rq_get_rqe(&f.rq);
		t_check(rqe == &f.rq.rqes[i], "get_rqe %u: slot %ld, want %u", i,
			rqe ? (long)(rqe - f.rq.rqes) : -1L, i);
		if (rqe) {
			rqe->off = i;
			rqe->len = 100 + i;
		}
		t_eq("space_left while filling", io_uring_zcrx_rq_space_left(&f.rq),
		     ENTRIES - i - 1);
	}
	t_check(io_uring_zcrx_rq_get_rqe(&f.rq) == NULL, "get_rqe on a full ring");
	t_eq("rq_tail when full", f.rq.rq_tail, ENTRIES);
	t_eq("ktail before commit", *fake_tail(&f), 0);
}

static void test_commit_publishes_tail(void)
{
	struct fake_ring f;

	fake_setup(&f, 0);
	io_uring_zcrx_rq_get_rqe(&f.rq);
	io_uring_zcrx_rq_get_rqe(&f.rq);
	io_uring_zcrx_rq_get_rqe(&f.rq);
	t_eq("ktail before commit", *fake_tail(&f), 0);
	io_uring_zcrx_rq_commit(&f.rq);
	t_eq("ktail after commit", *fake_tail(&f), 3);
	io_uring_zcrx_rq_commit(&f.rq);
	t_eq("ktail after a second commit", *fake_tail(&f), 3);
}

/* Entries 16..20 land in slots 0..4 once the kernel has consumed 5. */
static void test_wraps_at_ring_size(void)
{
	struct fake_ring f;
	struct io_uring_zcrx_rqe *rqe;

	fake_setup(&f, 0);
	for (unsigned i = 0; i < ENTRIES; i++)
		io_uring_zcrx_rq_get_rqe(&f.rq)->off = i;
	io_uring_zcrx_rq_commit(&f.rq);

	fake_consume(&f, 5);
	t_eq("space_left after the kernel took 5", io_uring_zcrx_rq_space_left(&f.rq), 5);
	for (unsigned i = 0; i < 5; i++) {
		rqe = io_uring_zcrx_rq_get_rqe(&f.rq);
		t_check(rqe == &f.rq.rqes[i], "entry %u: slot %ld, want %u",
			ENTRIES + i, rqe ? (long)(rqe - f.rq.rqes) : -1L, i);
		if (rqe)
			rqe->off = ENTRIES + i;
	}
	t_check(io_uring_zcrx_rq_get_rqe(&f.rq) == NULL, "get_rqe past head");
	io_uring_zcrx_rq_commit(&f.rq);
	t_eq("ktail after wrapping", *fake_tail(&f), ENTRIES + 5);
	t_eq("slot 4 holds entry 20", f.rq.rqes[4].off, 20);
	t_eq("slot 5 still holds entry 5", f.rq.rqes[5].off, 5);
}

/* head and tail are free-running u32 counters: crossing 2^32 is routine */
static void test_counters_wrap_u32(void)
{
	const __u32 start = 0xfffffffau;
	struct fake_ring f;
	struct io_uring_zcrx_rqe *rqe;

	fake_setup(&f, start);
	t_eq("rq_tail taken from ktail", f.rq.rq_tail, start);
	t_eq("space_left", io_uring_zcrx_rq_space_left(&f.rq), ENTRIES);
	for (unsigned i = 0; i < ENTRIES; i++) {
		rqe = io_uring_zcrx_rq_get_rqe(&f.rq);
		t_check(rqe == &f.rq.rqes[(start + i) % ENTRIES],
			"entry %#x: slot %ld, want %u", start + i,
			rqe ? (long)(rqe - f.rq.rqes) : -1L, (start + i) % ENTRIES);
	}
	t_check(io_uring_zcrx_rq_get_rqe(&f.rq) == NULL, "get_rqe on a full ring");
	io_uring_zcrx_rq_commit(&f.rq);
	t_eq("ktail across 2^32", *fake_tail(&f), (__u32)(start + ENTRIES));
	fake_consume(&f, 9);
	t_eq("space_left with head across 2^32", io_uring_zcrx_rq_space_left(&f.rq), 9);
}

int main(void)
{
	test_init_points_into_region();
	test_init_rejects_bad_entries();
	test_fills_in_order_until_full();
	test_commit_publishes_tail();
	test_wraps_at_ring_size();
	test_counters_wrap_u32();
	return t_result("refill");
}
