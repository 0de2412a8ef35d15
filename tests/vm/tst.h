/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM tests' harness, in the kselftest harness's output shape.
 *
 * A test program is a list of cases. Each case runs through tst_case()
 * (or TST_CASE()) and reports one line on stdout:
 *
 *	ok 3 area_len0
 *	not ok 4 area_addr0 # expected -EINVAL, got -EFAULT
 *	ok 5 netdev_lo # SKIP no vnic in this kernel
 *
 * then the program ends with "1..N" (unless tst_plan() printed it first)
 * and a "# Totals:" line, and exits 0
 * when no case failed, 1 when one did and 77 when every case was skipped
 * (scripts: tests/vm/run-all.sh counts the cases).
 *
 * Inside a case, tst_fail() ends that case (it jumps back to tst_case())
 * and the program goes on with the next one; tst_check() records a
 * failure and lets the case go on; tst_skip() ends the case as skipped.
 * Outside a case (setup in main()), in a forked child or in another
 * thread, tst_fail() and tst_skip() end the process as before: exit 1
 * or 77 after one "<test>: FAIL: <message>" line. A child that fails
 * thus makes its parent's case fail through its exit status.
 *
 * A case that fails part-way leaves whatever it set up; cases that share
 * state clean up before they start (or get it from a fixture function
 * they call first), so one failure does not make the next case fail.
 */
#ifndef ZCRX_TST_H
#define ZCRX_TST_H

#include <errno.h>	/* program_invocation_short_name (_GNU_SOURCE) */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TST_PASS 0
#define TST_FAIL 1
#define TST_SKIP 77

struct tst_state {
	pid_t		main_tid;	/* the thread that runs the cases */
	bool		in_case;
	bool		planned;	/* "1..N" printed before the cases */
	int		result;		/* of the running case */
	char		msg[512];	/* its first failure or skip reason */
	unsigned int	nr, pass, fail, skip;
	sigjmp_buf	env;
};

/*
 * One state for the whole program: every file that includes this header
 * (the test and its helpers, zcrx_util.c, vnic_util.c) shares it, so a
 * helper's tst_fail() ends the running case too.
 */
struct tst_state tst_st __attribute__((weak));

static inline bool tst_in_case_thread(void)
{
	return tst_st.in_case && syscall(SYS_gettid) == tst_st.main_tid;
}

/* Record "what went wrong" for the running case (the first message wins). */
__attribute__((format(printf, 2, 0)))
static inline void tst_vrecord(int result, const char *fmt, va_list ap)
{
	char line[sizeof(tst_st.msg)];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* one line: the message goes after '#' on the case's line */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (result == TST_FAIL)
		printf("# %s: FAIL: %s\n", program_invocation_short_name, line);
	if (tst_st.result == TST_PASS || (result == TST_FAIL &&
					  tst_st.result == TST_SKIP)) {
		tst_st.result = result;
		snprintf(tst_st.msg, sizeof(tst_st.msg), "%s", line);
	}
	fflush(stdout);
}

/*
 * End the running case with result (TST_FAIL or TST_SKIP), or, outside a
 * case's thread, the process with a "<test>: FAIL|SKIP: <message>" line.
 */
__attribute__((noreturn, format(printf, 2, 3)))
static inline void tst_end(int result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tst_in_case_thread()) {
		tst_vrecord(result, fmt, ap);
		va_end(ap);
		siglongjmp(tst_st.env, 1);
	}
	fflush(stdout);
	fprintf(stderr, "%s: %s: ", program_invocation_short_name,
		result == TST_SKIP ? "SKIP" : "FAIL");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(result);
}

/* Fail the running case with a message saying what was expected and got. */
#define tst_fail(...)	tst_end(TST_FAIL, __VA_ARGS__)

/* Skip the running case (or, outside one, the whole program). */
#define tst_skip(...)	tst_end(TST_SKIP, __VA_ARGS__)

/*
 * Record a failure of the running case when cond is false, and go on.
 * Returns cond. Outside a case it fails the program like tst_fail().
 */
__attribute__((format(printf, 2, 3)))
static inline bool tst_check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	if (!tst_in_case_thread()) {
		fflush(stdout);
		fprintf(stderr, "%s: FAIL: ", program_invocation_short_name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
		exit(TST_FAIL);
	}
	tst_vrecord(TST_FAIL, fmt, ap);
	va_end(ap);
	return false;
}

/*
 * Run one case: fn(arg) under the name given, reported as one "ok" or
 * "not ok" line. Returns TST_PASS, TST_FAIL or TST_SKIP.
 */
static inline int tst_case(const char *name, void (*fn)(void *), void *arg)
{
	int result;

	fflush(NULL);
	tst_st.main_tid = syscall(SYS_gettid);
	tst_st.result = TST_PASS;
	tst_st.msg[0] = '\0';
	tst_st.nr++;
	if (!sigsetjmp(tst_st.env, 1)) {
		tst_st.in_case = true;
		fn(arg);
	}
	tst_st.in_case = false;
	result = tst_st.result;
	switch (result) {
	case TST_PASS:
		tst_st.pass++;
		printf("ok %u %s\n", tst_st.nr, name);
		break;
	case TST_SKIP:
		tst_st.skip++;
		printf("ok %u %s # SKIP %s\n", tst_st.nr, name, tst_st.msg);
		break;
	default:
		tst_st.fail++;
		printf("not ok %u %s # %s\n", tst_st.nr, name, tst_st.msg);
		break;
	}
	fflush(stdout);
	return result;
}

/* TST_CASE(fn): run void fn(void) as the case named fn. */
#define TST_CASE(fn)	tst_case(#fn, (void (*)(void *))(void (*)(void))(fn), NULL)

/*
 * The plan, when the number of cases is known before they run: a case
 * that never reports (the program died) then counts as failed.
 */
static inline void tst_plan(unsigned int nr)
{
	printf("TAP version 13\n1..%u\n", nr);
	fflush(stdout);
	tst_st.planned = true;
}

/*
 * The reason in a child's "<test>: FAIL: <why>" (or SKIP) line, read from
 * fd (the pipe its stderr went to) until EOF into msg: the text after
 * "FAIL: ", or all it said, or "no message".
 */
static inline const char *tst_child_why(int fd, char *msg, size_t size)
{
	const char *why;
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 &&
	       (n = read(fd, msg + len, size - 1 - len)) > 0)
		len += n;
	while (len && msg[len - 1] == '\n')
		len--;
	msg[len] = '\0';
	why = strstr(msg, ": FAIL: ");
	if (!why)
		why = strstr(msg, ": SKIP: ");
	return why ? why + 8 : len ? msg : "no message";
}

/* The program's end: the totals line and its exit status. */
static inline int tst_exit(void)
{
	if (!tst_st.nr)
		tst_fail("internal: the program ran no case");
	if (!tst_st.planned)
		printf("1..%u\n", tst_st.nr);
	printf("# Totals: pass:%u fail:%u skip:%u\n", tst_st.pass,
	       tst_st.fail, tst_st.skip);
	fflush(stdout);
	if (tst_st.fail)
		return TST_FAIL;
	return tst_st.pass ? TST_PASS : TST_SKIP;
}

#endif /* ZCRX_TST_H */
