// SPDX-License-Identifier: MIT
/*
 * A refill ring region in user memory (IORING_MEM_REGION_TYPE_USER).
 *
 * The kernel puts the ring header (head and tail) first, then the
 * entries; io_uring_query_zcrx reports the header's size, which is well
 * under a page, so one page is set aside for it.
 */
#include <liburing.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static size_t page_size(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (size_t)sz : 4096;
}

size_t io_uring_zcrx_rq_region_size(unsigned rq_entries)
{
	size_t pg = page_size();
	__u64 entries = 1, bytes;

	if (!rq_entries)
		return 0;
	/* the kernel rounds rq_entries up to a power of two */
	while (entries < rq_entries)
		entries <<= 1;
	bytes = pg + entries * sizeof(struct io_uring_zcrx_rqe);
	if (bytes > SIZE_MAX - pg)
		return 0;

	return ((size_t)bytes + pg - 1) & ~(pg - 1);
}

int io_uring_zcrx_rq_region_alloc(struct io_uring_region_desc *rd,
				  unsigned rq_entries)
{
	size_t size = io_uring_zcrx_rq_region_size(rq_entries);
	void *ptr;

	if (!size)
		return -EINVAL;
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ptr == MAP_FAILED)
		return -errno;

	memset(rd, 0, sizeof(*rd));
	rd->user_addr = (__u64)(unsigned long)ptr;
	rd->size = size;
	rd->flags = IORING_MEM_REGION_TYPE_USER;
	return 0;
}

void io_uring_zcrx_rq_region_free(struct io_uring_region_desc *rd)
{
	if (rd->user_addr)
		munmap((void *)(unsigned long)rd->user_addr, rd->size);
	rd->user_addr = 0;
	rd->size = 0;
}
