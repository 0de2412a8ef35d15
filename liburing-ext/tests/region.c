// SPDX-License-Identifier: MIT
/*
 * The user-memory refill region helpers: size for a given rq_entries, and
 * a region descriptor that points at zeroed, writable, page-aligned memory.
 */
#include <liburing.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

struct size_case {
	unsigned	rq_entries;
	size_t		pages;		/* of the system page size */
	size_t		entries;	/* after rounding up */
};

static void test_size(size_t pg)
{
	/* one page of header, then the entries, rounded up to whole pages */
	const struct size_case cases[] = {
		{ 0, 0, 0 },
		{ 1, 2, 1 },
		{ 16, 2, 16 },
		{ 300, 0, 512 },
		{ 4096, 0, 4096 },
		{ 32768, 0, 32768 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct size_case *c = &cases[i];
		size_t got = io_uring_zcrx_rq_region_size(c->rq_entries);
		size_t want;
		char what[64];

		if (!c->rq_entries)
			want = 0;
		else
			want = (pg + c->entries * 16 + pg - 1) / pg * pg;
		snprintf(what, sizeof(what), "region_size(%u)", c->rq_entries);
		t_eq(what, got, want);
		if (c->pages)
			t_eq(what, got, c->pages * pg);
		if (c->rq_entries)
			t_check(got >= pg + c->rq_entries * 16,
				"region_size(%u) = %zu holds no header page and entries",
				c->rq_entries, got);
	}
}

static void test_alloc(size_t pg)
{
	struct io_uring_region_desc rd;
	unsigned char *p;
	size_t i;
	int ret;

	memset(&rd, 0xff, sizeof(rd));
	ret = io_uring_zcrx_rq_region_alloc(&rd, 64);
	if (!t_check(ret == 0, "region_alloc(64): %d", ret))
		return;
	p = (unsigned char *)(unsigned long)rd.user_addr;
	t_eq("rd.size", rd.size, io_uring_zcrx_rq_region_size(64));
	t_eq("rd.flags", rd.flags, IORING_MEM_REGION_TYPE_USER);
	t_eq("rd.id", rd.id, 0);
	t_eq("rd.mmap_offset", rd.mmap_offset, 0);
	for (i = 0; i < 4; i++)
		t_eq("rd.__resv", rd.__resv[i], 0);
	t_eq("rd.user_addr page offset", rd.user_addr % pg, 0);
	for (i = 0; i < rd.size && !p[i]; i++)
		;
	t_eq("zero bytes from the start", i, rd.size);
	p[rd.size - 1] = 1;	/* writable to the end */

	io_uring_zcrx_rq_region_free(&rd);
	t_eq("user_addr after free", rd.user_addr, 0);
	t_eq("size after free", rd.size, 0);
	io_uring_zcrx_rq_region_free(&rd);	/* twice is harmless */

	t_eq("region_alloc(0)", io_uring_zcrx_rq_region_alloc(&rd, 0), -EINVAL);
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	test_size(pg);
	test_alloc(pg);
	return t_result("region");
}
