/* SPDX-License-Identifier: MIT */
/*
 * liburing-ext: <liburing.h> with upstream's zcrx names.
 *
 * Compile with -I liburing-ext/include and this file stands in for the
 * system <liburing.h>: it pulls in the real one, then adds the io_uring
 * zero-copy receive definitions liburing 2.3 lacks, so that a program
 * written for upstream liburing (2.10 and later) builds unchanged.
 */
#ifndef LIBURING_EXT_LIBURING_H
#define LIBURING_EXT_LIBURING_H

/*
 * Warn about these headers as about an installed <liburing.h>: not at all.
 * #include_next and, before C11, _Static_assert and anonymous unions are
 * extensions a -Wpedantic build would otherwise report in every program.
 * liburing-ext's own build defines LIBURING_EXT_WARN to see its warnings.
 */
#ifndef LIBURING_EXT_WARN
#pragma GCC system_header
#endif

#include_next <liburing.h>
#include <liburing/zcrx.h>

#endif /* LIBURING_EXT_LIBURING_H */
