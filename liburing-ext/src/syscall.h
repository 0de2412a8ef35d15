/* SPDX-License-Identifier: MIT */
#ifndef LIBURING_EXT_SYSCALL_H
#define LIBURING_EXT_SYSCALL_H

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/*
 * io_uring_register(2), returning 0 or more on success and -errno on
 * failure the way liburing's wrappers do. liburing 2.3 exports its own
 * io_uring_register(), but going to the system call keeps this library
 * free of any liburing symbol.
 */
static inline int zcrx_ext_register(int fd, unsigned int opcode,
				    const void *arg, unsigned int nr_args)
{
	long ret = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);

	return ret < 0 ? -errno : (int)ret;
}

#endif /* LIBURING_EXT_SYSCALL_H */
