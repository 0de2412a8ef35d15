// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_QUERY answers IO_URING_QUERY_ZCRX, with no ring (fd -1)
 * and with a ring fd: register_flags include ZCRX_REG_NODEV, features
 * include ZCRX_FEATURE_EVENT, nr_ctrl_opcodes is 3 (FLUSH_RQ, EXPORT,
 * ARM_EVENT; 7.2's count), rq_hdr_size > 0 and rq_hdr_alignment a
 * power of two, and the header comes back with result 0 and size = the
 * bytes written (upstream's query.c); a smaller buffer gets only its size
 * written. An unknown query op gets result -EOPNOTSUPP, a non-zero
 * reserved header field, a result on input or size 0 gets -EINVAL, with the
 * call itself succeeding; a chain of two headers is answered entry by
 * entry; nr_args != 0 fails the call with -EINVAL. As upstream: a NULL
 * argument is an empty chain (0), the 1000th entry or a loop ends the call
 * with -ERANGE, the unknown op is checked before the reserved fields, a
 * failed entry's buffer is zeroed and a large buffer is zeroed past the
 * answer to its end. IO_URING_QUERY_OPCODES and IO_URING_QUERY_SCQ
 * are answered as upstream's: the opcode counts agree with the probe and
 * the register op table, the feature flags with io_uring_setup()'s, the
 * first setup flag outside the mask is refused by io_uring_setup(), and
 * the SQ/CQ header size is where the CQEs begin. The payload is
 * checked before the header's result and size, so a kernel that only
 * differs from upstream in the header shows that alone. Each check is a
 * case of its own.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcrx_util.h"

#define UNKNOWN_OP	0x7fff

static struct io_uring ring;

static void hdr_init(struct io_uring_query_hdr *h, uint32_t op, void *data,
		     uint32_t size)
{
	memset(h, 0, sizeof(*h));
	h->query_op = op;
	h->query_data = (uint64_t)(uintptr_t)data;
	h->size = size;
}

static void check_zcrx(const char *how, const struct io_uring_query_hdr *h,
		       const struct io_uring_query_zcrx *q)
{
	if (h->result < 0)
		tst_fail("%s: expected IO_URING_QUERY_ZCRX answered, got result %s",
			 how, zu_errname(h->result));
	if (!(q->register_flags & ZCRX_REG_NODEV))
		tst_fail("%s: expected register_flags with ZCRX_REG_NODEV, got %#llx",
			 how, (unsigned long long)q->register_flags);
	if (q->nr_ctrl_opcodes < 1)
		tst_fail("%s: expected nr_ctrl_opcodes >= 1 (ZCRX_CTRL_FLUSH_RQ), got %u",
			 how, q->nr_ctrl_opcodes);
	/* events and ARM_EVENT (7.2) are there; ADD_AREA (7.3) is not yet */
	if (!(q->features & ZCRX_FEATURE_EVENT))
		tst_fail("%s: expected features with ZCRX_FEATURE_EVENT, got %#x",
			 how, q->features);
	if (q->nr_ctrl_opcodes != ZCRX_CTRL_ARM_EVENT + 1)
		tst_fail("%s: expected nr_ctrl_opcodes %u (FLUSH_RQ, EXPORT, ARM_EVENT), got %u",
			 how, ZCRX_CTRL_ARM_EVENT + 1, q->nr_ctrl_opcodes);
	if (!q->rq_hdr_size)
		tst_fail("%s: expected rq_hdr_size > 0, got 0", how);
	if (!q->rq_hdr_alignment ||
	    (q->rq_hdr_alignment & (q->rq_hdr_alignment - 1)))
		tst_fail("%s: expected rq_hdr_alignment a power of two, got %u",
			 how, q->rq_hdr_alignment);
	if (q->__resv2)
		tst_fail("%s: expected __resv2 0, got %#llx", how,
			 (unsigned long long)q->__resv2);
	/* upstream: result 0 on success, size = bytes written */
	if (h->result != 0 || h->size != sizeof(*q))
		tst_fail("%s: expected the header back with result 0 and size %zu (upstream query ABI), got result %d and size %u",
			 how, sizeof(*q), h->result, h->size);
}

static void query(const char *how, int fd, struct io_uring_query_hdr *h)
{
	int ret = io_uring_register_query(fd, h);

	if (ret)
		tst_fail("%s: expected io_uring_register_query(%d) to return 0, got %s",
			 how, fd, zu_errname(ret));
}

static void query_zcrx(const char *how, int fd)
{
	struct io_uring_query_zcrx q;
	struct io_uring_query_hdr h;

	memset(&q, 0, sizeof(q));
	hdr_init(&h, IO_URING_QUERY_ZCRX, &q, sizeof(q));
	query(how, fd, &h);
	check_zcrx(how, &h, &q);
	printf("# %s: register_flags %#llx area_flags %#llx nr_ctrl_opcodes %u features %#x rq_hdr_size %u rq_hdr_alignment %u\n",
	       how, (unsigned long long)q.register_flags,
	       (unsigned long long)q.area_flags, q.nr_ctrl_opcodes,
	       q.features, q.rq_hdr_size, q.rq_hdr_alignment);
}

/* IO_URING_QUERY_OPCODES, checked against what the kernel does */
static void opcodes_answer(void)
{
	struct io_uring_query_opcode q;
	struct io_uring_params p;
	struct io_uring_query_hdr h;
	struct io_uring_probe *probe;
	struct io_uring r;
	uint64_t bit;
	int ret, fd;

	memset(&q, 0, sizeof(q));
	hdr_init(&h, IO_URING_QUERY_OPCODES, &q, sizeof(q));
	query("opcodes", -1, &h);
	if (h.result != 0 || h.size != sizeof(q))
		tst_fail("opcodes: expected result 0 and size %zu, got result %s and size %u",
			 sizeof(q), zu_errname(h.result), h.size);

	probe = io_uring_get_probe_ring(&ring);
	if (!probe)
		tst_fail("opcodes: expected io_uring_get_probe_ring() to work, got NULL");
	ret = probe->last_op + 1;
	io_uring_free_probe(probe);
	tst_check(q.nr_request_opcodes == (uint32_t)ret,
		  "opcodes: expected nr_request_opcodes %d (the probe's last_op + 1), got %u",
		  ret, q.nr_request_opcodes);
	tst_check(q.nr_register_opcodes == IORING_REGISTER_ZCRX_CTRL + 1,
		  "opcodes: expected nr_register_opcodes %d (IORING_REGISTER_ZCRX_CTRL + 1), got %u",
		  IORING_REGISTER_ZCRX_CTRL + 1, q.nr_register_opcodes);
	tst_check(q.sqe_flags == 0x7f,
		  "opcodes: expected sqe_flags 0x7f (IOSQE_FIXED_FILE to IOSQE_CQE_SKIP_SUCCESS), got %#llx",
		  (unsigned long long)q.sqe_flags);
	tst_check(q.nr_query_opcodes == IO_URING_QUERY_SCQ + 1,
		  "opcodes: expected nr_query_opcodes %d, got %u",
		  IO_URING_QUERY_SCQ + 1, q.nr_query_opcodes);
	tst_check((q.enter_flags & (IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG |
				    IORING_ENTER_REGISTERED_RING)) ==
		  (IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG |
		   IORING_ENTER_REGISTERED_RING),
		  "opcodes: expected enter_flags with GETEVENTS, EXT_ARG and REGISTERED_RING, got %#llx",
		  (unsigned long long)q.enter_flags);
	tst_check(q.__pad == 0, "opcodes: expected __pad 0, got %u", q.__pad);

	/* the features a ring gets are the ones the query reports */
	memset(&p, 0, sizeof(p));
	ret = io_uring_queue_init_params(4, &r, &p);
	if (ret)
		tst_fail("opcodes: expected io_uring_queue_init_params() to work, got %s",
			 zu_errname(ret));
	io_uring_queue_exit(&r);
	tst_check(q.feature_flags == p.features,
		  "opcodes: expected feature_flags %#x (what io_uring_setup() reports), got %#llx",
		  p.features, (unsigned long long)q.feature_flags);

	/* every setup flag in the mask exists, the first one past it not */
	tst_check((q.ring_setup_flags & (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32)) ==
		  (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32),
		  "opcodes: expected ring_setup_flags with DEFER_TASKRUN and CQE32, got %#llx",
		  (unsigned long long)q.ring_setup_flags);
	for (bit = 1; bit & q.ring_setup_flags; bit <<= 1)
		;
	tst_check(!(q.ring_setup_flags & ~(bit - 1)),
		  "opcodes: expected ring_setup_flags to be bits 0 up, got %#llx",
		  (unsigned long long)q.ring_setup_flags);
	memset(&p, 0, sizeof(p));
	p.flags = bit;
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd >= 0)
		close(fd);
	tst_check(fd < 0 && errno == EINVAL,
		  "opcodes: expected io_uring_setup() with flag %#llx (past the mask) to fail with EINVAL, got %d (%s)",
		  (unsigned long long)bit, fd, fd < 0 ? strerror(errno) : "ok");
}

/* IO_URING_QUERY_SCQ: the rings' header ends where the CQEs begin */
static void scq_answer(void)
{
	struct io_uring_query_scq q;
	struct io_uring_query_hdr h;
	struct io_uring_params p;
	struct io_uring r;
	int ret;

	memset(&q, 0, sizeof(q));
	hdr_init(&h, IO_URING_QUERY_SCQ, &q, sizeof(q));
	query("scq", ring.ring_fd, &h);
	if (h.result != 0 || h.size != sizeof(q))
		tst_fail("scq: expected result 0 and size %zu, got result %s and size %u",
			 sizeof(q), zu_errname(h.result), h.size);

	memset(&p, 0, sizeof(p));
	ret = io_uring_queue_init_params(4, &r, &p);
	if (ret)
		tst_fail("scq: expected io_uring_queue_init_params() to work, got %s",
			 zu_errname(ret));
	io_uring_queue_exit(&r);
	tst_check(q.hdr_size == p.cq_off.cqes,
		  "scq: expected hdr_size %u (cq_off.cqes), got %llu",
		  p.cq_off.cqes, (unsigned long long)q.hdr_size);
	/* where the header may start; a UP kernel packs the CQEs after it */
	tst_check(q.hdr_alignment && !(q.hdr_alignment & (q.hdr_alignment - 1)),
		  "scq: expected hdr_alignment a power of two, got %llu",
		  (unsigned long long)q.hdr_alignment);
}

/* A header with one field set wrong: result -EINVAL. */
struct bad_hdr {
	const char	*name;
	const char	*what;
	int		resv_idx;	/* __resv[] index to set, or -1 */
	int		result_in;
	uint32_t	size;
};

static const struct bad_hdr bad_hdrs[] = {
	{ "hdr_resv0", "header __resv[0] != 0", 0, 0,
	  sizeof(struct io_uring_query_zcrx) },
	{ "hdr_resv1", "header __resv[1] != 0", 1, 0,
	  sizeof(struct io_uring_query_zcrx) },
	{ "hdr_resv2", "header __resv[2] != 0", 2, 0,
	  sizeof(struct io_uring_query_zcrx) },
	{ "hdr_result_in", "header result != 0 on input", -1, 1,
	  sizeof(struct io_uring_query_zcrx) },
	{ "hdr_size0", "header size 0", -1, 0, 0 },
};

static void query_bad_hdr(void *arg)
{
	const struct bad_hdr *b = arg;
	struct io_uring_query_zcrx q;
	struct io_uring_query_hdr h;

	memset(&q, 0, sizeof(q));
	hdr_init(&h, IO_URING_QUERY_ZCRX, &q, b->size);
	if (b->resv_idx >= 0)
		h.__resv[b->resv_idx] = 1;
	h.result = b->result_in;
	query(b->what, -1, &h);
	if (h.result != -EINVAL)
		tst_fail("%s: expected result -EINVAL, got %s", b->what,
			 zu_errname(h.result));
}

/* nr_args must be 0 */
static void nr_args1(void)
{
	struct io_uring_query_zcrx q1;
	struct io_uring_query_hdr h;
	int ret;

	memset(&q1, 0, sizeof(q1));
	hdr_init(&h, IO_URING_QUERY_ZCRX, &q1, sizeof(q1));
	ret = zu_register(-1, IORING_REGISTER_QUERY, &h, 1);
	if (ret != -EINVAL)
		tst_fail("IORING_REGISTER_QUERY with nr_args 1: expected -EINVAL, got %s",
			 zu_errname(ret));
}

static void zcrx_no_ring(void)
{
	query_zcrx("fd -1", -1);
}

static void zcrx_ring_fd(void)
{
	query_zcrx("ring fd", ring.ring_fd);
}

/* unknown op: the call works, the entry says -EOPNOTSUPP */
static void unknown_op(void)
{
	struct io_uring_query_zcrx q1;
	struct io_uring_query_hdr h;

	memset(&q1, 0, sizeof(q1));
	hdr_init(&h, UNKNOWN_OP, &q1, sizeof(q1));
	query("unknown op", -1, &h);
	if (h.result != -EOPNOTSUPP)
		tst_fail("query op %#x: expected result -EOPNOTSUPP, got %s",
			 UNKNOWN_OP, zu_errname(h.result));
}

/* a buffer smaller than the answer gets only its size */
static void small_buffer(void)
{
	struct io_uring_query_zcrx q1;
	struct io_uring_query_hdr h;
	uint8_t small[sizeof(q1)];
	unsigned int i;

	memset(small, 0xa5, sizeof(small));
	hdr_init(&h, IO_URING_QUERY_ZCRX, small, 8);
	query("8-byte buffer", -1, &h);
	for (i = 8; i < sizeof(small); i++)
		if (small[i] != 0xa5)
			tst_fail("query with size 8: expected bytes 8.. of the buffer untouched, got byte %u written",
				 i);
	memcpy(&q1, small, 8);
	if (!(q1.register_flags & ZCRX_REG_NODEV))
		tst_fail("query with size 8: expected register_flags with ZCRX_REG_NODEV in the 8 bytes, got %#llx",
			 (unsigned long long)q1.register_flags);
	if (h.result != 0 || h.size != 8)
		tst_fail("query with size 8: expected result 0 and size 8 (upstream query ABI), got result %d and size %u",
			 h.result, h.size);
}

/* a chain: zcrx, then an unknown op, then zcrx again */
static void chain_of_three(void)
{
	struct io_uring_query_zcrx q1, q2, qs[2];
	struct io_uring_query_hdr h, h1, h2;

	memset(&q1, 0, sizeof(q1));
	memset(&q2, 0, sizeof(q2));
	memset(qs, 0, sizeof(qs));
	hdr_init(&h, IO_URING_QUERY_ZCRX, &q1, sizeof(q1));
	hdr_init(&h1, UNKNOWN_OP, &qs[0], sizeof(qs[0]));
	hdr_init(&h2, IO_URING_QUERY_ZCRX, &q2, sizeof(q2));
	h.next_entry = (uint64_t)(uintptr_t)&h1;
	h1.next_entry = (uint64_t)(uintptr_t)&h2;
	query("chain of three", ring.ring_fd, &h);
	if (h1.result != -EOPNOTSUPP)
		tst_fail("chain, second entry (unknown op): expected result -EOPNOTSUPP, got %s",
			 zu_errname(h1.result));
	if (h.next_entry != (uint64_t)(uintptr_t)&h1 ||
	    h1.next_entry != (uint64_t)(uintptr_t)&h2 || h2.next_entry)
		tst_fail("chain: expected next_entry links kept, got them changed");
	check_zcrx("chain, first entry", &h, &q1);
	check_zcrx("chain, third entry", &h2, &q2);
}

/* no chain at all: nothing to answer, and that is fine (upstream) */
static void arg_null(void)
{
	int ret = zu_register(-1, IORING_REGISTER_QUERY, NULL, 0);

	if (ret)
		tst_fail("IORING_REGISTER_QUERY with a NULL argument: expected 0 (an empty chain, as upstream), got %s",
			 zu_errname(ret));
}

/* an entry that fails gets its whole buffer zeroed, as upstream's does */
static void failed_entry_zeroed(void)
{
	struct io_uring_query_hdr h;
	uint8_t buf[1024];
	unsigned int i;

	memset(buf, 0xa5, sizeof(buf));
	hdr_init(&h, UNKNOWN_OP, buf, sizeof(buf));
	h.__resv[0] = 1;	/* the unknown op is what counts */
	query("unknown op with a reserved field set", -1, &h);
	tst_check(h.result == -EOPNOTSUPP && h.size == 0,
		  "unknown op with a reserved field set: expected result -EOPNOTSUPP and size 0, got %s and %u",
		  zu_errname(h.result), h.size);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i])
			tst_fail("failed entry: expected all %zu bytes of its buffer zeroed, got byte %u = %#x",
				 sizeof(buf), i, buf[i]);
}

/* a buffer larger than the answer: zeroed to its end, however large */
static void large_buffer_zeroed(void)
{
	struct io_uring_query_hdr h;
	static uint8_t buf[8192];
	unsigned int i;

	memset(buf, 0xa5, sizeof(buf));
	hdr_init(&h, IO_URING_QUERY_ZCRX, buf, sizeof(buf));
	query("8 KiB buffer", -1, &h);
	if (h.result || h.size != sizeof(struct io_uring_query_zcrx))
		tst_fail("8 KiB buffer: expected result 0 and size %zu, got %s and %u",
			 sizeof(struct io_uring_query_zcrx),
			 zu_errname(h.result), h.size);
	for (i = h.size; i < sizeof(buf); i++)
		if (buf[i])
			tst_fail("8 KiB buffer: expected bytes %u.. zeroed, got byte %u = %#x",
				 h.size, i, buf[i]);
}

/*
 * Upstream follows at most 1000 entries: the 1000th ends the call with
 * -ERANGE (even as the last), 999 are fine, and a loop ends the same way.
 */
static int chain_of(unsigned int n)
{
	static struct io_uring_query_hdr hs[1000];
	static struct io_uring_query_zcrx q;
	unsigned int i;

	for (i = 0; i < n; i++) {
		hdr_init(&hs[i], IO_URING_QUERY_ZCRX, &q, sizeof(q));
		hs[i].next_entry = i + 1 < n ? (uint64_t)(uintptr_t)&hs[i + 1] : 0;
	}
	return io_uring_register_query(-1, &hs[0]);
}

static void chain_limit(void)
{
	struct io_uring_query_zcrx q;
	struct io_uring_query_hdr h;
	int ret;

	ret = chain_of(999);
	tst_check(ret == 0, "a chain of 999 entries: expected 0, got %s",
		  zu_errname(ret));
	ret = chain_of(1000);
	tst_check(ret == -ERANGE, "a chain of 1000 entries: expected -ERANGE (upstream's limit), got %s",
		  zu_errname(ret));
	hdr_init(&h, IO_URING_QUERY_ZCRX, &q, sizeof(q));
	h.next_entry = (uint64_t)(uintptr_t)&h;
	ret = io_uring_register_query(-1, &h);
	tst_check(ret == -ERANGE, "an entry that points at itself: expected -ERANGE, got %s",
		  zu_errname(ret));
}

int main(void)
{
	unsigned int i;

	zu_require_zcrx();
	tst_plan(12 + ZU_ARRAY_SIZE(bad_hdrs));
	zu_ring_init_or_die(&ring, 4, 0, 0);

	TST_CASE(nr_args1);
	TST_CASE(zcrx_no_ring);
	TST_CASE(zcrx_ring_fd);
	TST_CASE(unknown_op);
	TST_CASE(opcodes_answer);
	TST_CASE(scq_answer);
	for (i = 0; i < ZU_ARRAY_SIZE(bad_hdrs); i++)
		tst_case(bad_hdrs[i].name, query_bad_hdr, (void *)&bad_hdrs[i]);
	TST_CASE(small_buffer);
	TST_CASE(chain_of_three);
	TST_CASE(arg_null);
	TST_CASE(failed_entry_zeroed);
	TST_CASE(large_buffer_zeroed);
	TST_CASE(chain_limit);

	io_uring_queue_exit(&ring);
	return tst_exit();
}
