/* SPDX-License-Identifier: MIT */
/*
 * What every liburing-ext test shares: exit 0 to pass, 1 to fail, 77 to
 * skip, and checks that say what was expected and what happened. A test
 * runs all its checks; its last line names the first that failed.
 */
#ifndef LIBURING_EXT_TEST_H
#define LIBURING_EXT_TEST_H

#include <stdarg.h>
#include <stdio.h>

#define T_EXIT_PASS	0
#define T_EXIT_FAIL	1
#define T_EXIT_SKIP	77

static unsigned int t_checks, t_failed;
static char t_first[256];

__attribute__((format(printf, 4, 5)))
static int t_check_at(int ok, const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	t_checks++;
	if (ok)
		return 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL %s:%d: %s\n", file, line, msg);
	if (!t_failed++)
		snprintf(t_first, sizeof(t_first), "%s:%d: %s", file, line, msg);
	return 0;
}

/* t_check(cond, "what, got %d, want %d", ...) */
#define t_check(cond, ...) t_check_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Two integers that must be equal, printed both ways when they are not. */
#define t_eq(what, got, want) do {					\
	unsigned long long g_ = (unsigned long long)(got);		\
	unsigned long long w_ = (unsigned long long)(want);		\
	t_check(g_ == w_, "%s: got %llu (%#llx), want %llu (%#llx)",	\
		(what), g_, g_, w_, w_);				\
} while (0)

static inline int t_result(const char *name)
{
	if (t_failed) {
		printf("%s: %u of %u checks failed, first: %s\n",
		       name, t_failed, t_checks, t_first);
		return T_EXIT_FAIL;
	}
	printf("%s: %u checks passed\n", name, t_checks);
	return T_EXIT_PASS;
}

static inline int t_skip(const char *name, const char *why)
{
	printf("%s: skip: %s\n", name, why);
	return T_EXIT_SKIP;
}

#endif /* LIBURING_EXT_TEST_H */
