/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result conventions shared by the VM tests in tests/vm: exit 0 = pass,
 * 1 = fail, 77 = skip, and one readable line on failure or skip that says
 * what was expected and what happened.
 */
#ifndef ZCRX_TST_H
#define ZCRX_TST_H

#include <errno.h>	/* program_invocation_short_name (_GNU_SOURCE) */
#include <stdio.h>
#include <stdlib.h>

#define TST_PASS 0
#define TST_FAIL 1
#define TST_SKIP 77

/* Print "<test>: FAIL: <message>" and exit 1. */
#define tst_fail(...)                                                  \
	do {                                                           \
		fflush(stdout);                                        \
		fprintf(stderr, "%s: FAIL: ",                          \
			program_invocation_short_name);                \
		fprintf(stderr, __VA_ARGS__);                          \
		fputc('\n', stderr);                                   \
		exit(TST_FAIL);                                        \
	} while (0)

/* Print "<test>: SKIP: <reason>" and exit 77. */
#define tst_skip(...)                                                  \
	do {                                                           \
		fflush(stdout);                                        \
		fprintf(stderr, "%s: SKIP: ",                          \
			program_invocation_short_name);                \
		fprintf(stderr, __VA_ARGS__);                          \
		fputc('\n', stderr);                                   \
		exit(TST_SKIP);                                        \
	} while (0)

#endif /* ZCRX_TST_H */
