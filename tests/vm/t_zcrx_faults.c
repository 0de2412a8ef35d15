// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic fault injection across zcrx: every allocation and user copy
 * that registration, export, import and receive make is failed in turn,
 * one per attempt, with the task's fail-nth counter
 * (Documentation/fault-injection/fault-injection.rst): attempt n fails the
 * n-th fail-able call of this thread (failslab, fail_page_alloc,
 * fail_usercopy, all enabled for GFP_KERNEL and order 0), until an attempt
 * runs through without reaching its n-th call. Every failed attempt must
 * return an errno the call can return upstream (-ENOMEM or -EFAULT here),
 * leave nothing pinned (VmPin back to where it was) and leave the queue
 * bindable; the runner's kmemleak scan and log check catch leaks and
 * WARNs.
 *
 * Cases: nodev_register_user_region, nodev_register_kernel_region,
 * vnic_register, export, import, recv_stream.
 * Each case prints how many fault points it went through. A kernel
 * without CONFIG_FAULT_INJECTION skips every case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(256 * 1024)
#define RQ_ENTRIES	64
/* far above what any of the calls reaches; a loop past it is a bug */
#define MAX_POINTS	4000

static int fail_nth_fd = -1;

static void write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;		/* an attribute this kernel lacks */
	if (write(fd, val, strlen(val)) < 0)
		tst_fail("expected to write %s to %s, got %s", val, path,
			 strerror(errno));
	close(fd);
}

/*
 * Let the injectors fail what registration allocates (GFP_KERNEL, order
 * 0, highmem) and print nothing when they do.
 */
static void faults_setup(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/debug/failslab",
		"/sys/kernel/debug/fail_page_alloc",
		"/sys/kernel/debug/fail_usercopy",
	};
	char path[128];
	unsigned int i;

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth_fd < 0)
		return;
	for (i = 0; i < ZU_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/verbose", dirs[i]);
		write_knob(path, "0");
		snprintf(path, sizeof(path), "%s/ignore-gfp-wait", dirs[i]);
		write_knob(path, "N");
		snprintf(path, sizeof(path), "%s/ignore-gfp-highmem", dirs[i]);
		write_knob(path, "N");
		snprintf(path, sizeof(path), "%s/min-order", dirs[i]);
		write_knob(path, "0");
	}
}

/* Fail the n-th fail-able call this thread makes from now on. */
static void fault_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		tst_fail("expected to arm fail-nth %u, got %s", n,
			 strerror(errno));
}

/*
 * Disarm; true if the armed fault was injected. Reading and writing the
 * file copy to and from user memory, which fail_usercopy counts too: a
 * read that fails with -EFAULT took the last count itself, so the call
 * under test did not reach it.
 */
static bool fault_disarm(void)
{
	char buf[16] = "";
	bool injected;
	ssize_t n;

	n = pread(fail_nth_fd, buf, sizeof(buf) - 1, 0);
	injected = n > 0 && strtoul(buf, NULL, 10) == 0;
	/* 0 disarms; a write whose own copy fails took the last count */
	(void)!pwrite(fail_nth_fd, "0", 1, 0);
	return injected;
}

static void need_faults(void)
{
	if (fail_nth_fd < 0)
		tst_skip("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
}

static bool errno_expected(int ret)
{
	return ret == -ENOMEM || ret == -EFAULT;
}

/*
 * One kind of call, failed at every point in turn: attempt() makes the
 * call with the fault armed and returns its result; done() undoes a call
 * that succeeded (or cleans up after one that failed).
 */
struct fault_loop {
	const char	*what;
	void		(*setup)(void *arg);
	int		(*attempt)(void *arg);
	void		(*done)(void *arg, int ret);
	void		*arg;
};

static unsigned int run_fault_loop(const struct fault_loop *l)
{
	long pin0 = zu_vmpin_kb(), pin;
	unsigned int n;

	for (n = 1; n <= MAX_POINTS; n++) {
		bool injected;
		int ret;

		l->setup(l->arg);
		fault_arm(n);
		ret = l->attempt(l->arg);
		injected = fault_disarm();
		if (!injected) {
			l->done(l->arg, ret);
			if (ret)
				tst_fail("%s with no fault injected: expected success, got %s",
					 l->what, zu_errname(ret));
			break;
		}
		/* a fault some path tolerates (a retry, a fallback) is fine */
		if (ret && !errno_expected(ret))
			tst_fail("%s, fault at point %u: expected -ENOMEM or -EFAULT, got %s",
				 l->what, n, zu_errname(ret));
		l->done(l->arg, ret);
		/*
		 * At most where it was: an earlier case's ring may still be
		 * going (its exit work runs later) and unpin meanwhile.
		 */
		pin = zu_wait_vmpin(pin0, 2000);
		if (pin > pin0)
			tst_fail("%s, fault at point %u (%s): expected VmPin back at %ld kB or less, got %ld kB",
				 l->what, n, zu_errname(ret), pin0, pin);
	}
	if (n > MAX_POINTS)
		tst_fail("%s: still failing after %u fault points", l->what,
			 MAX_POINTS);
	printf("# %s: %u fault points\n", l->what, n - 1);
	return n - 1;
}

/* A NODEV registration on a fresh ring. */
struct reg_ctx {
	struct io_uring	ring;
	struct zu_ifq	z;
	bool		kernel_region;
	int		ifindex;	/* 0: NODEV */
	struct zv_pair	*pair;
};

static void reg_setup(void *arg)
{
	struct reg_ctx *c = arg;

	zu_ring_init_or_die(&c->ring, 8, 64, 0);
	zu_ifq_prepare(&c->z, &c->ring, AREA_LEN, RQ_ENTRIES, c->kernel_region);
	if (c->ifindex) {
		c->z.reg.flags = 0;
		c->z.reg.if_idx = c->ifindex;
		c->z.reg.if_rxq = 1;
	}
	/* nothing the kernel touches may fault in while a fault is armed */
	memset(c->z.area, 0, AREA_LEN);
	if (!c->kernel_region)
		memset((void *)(uintptr_t)c->z.rd.user_addr, 0, c->z.rd.size);
}

static int reg_attempt(void *arg)
{
	struct reg_ctx *c = arg;

	return zu_register(c->ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			   &c->z.reg, 1);
}

static void reg_done(void *arg, int ret)
{
	struct reg_ctx *c = arg;

	(void)ret;
	io_uring_queue_exit(&c->ring);
	zu_ifq_unmap(&c->z);
}

/* After a failed bind the same queue must bind at once, without faults. */
static void vnic_reg_done(void *arg, int ret)
{
	struct reg_ctx *c = arg;
	int again;

	reg_done(arg, ret);
	if (!ret)
		return;
	reg_setup(arg);
	again = zu_ifq_register(&c->z);
	reg_done(arg, again);
	if (again)
		tst_fail("binding %s queue 1 after a bind that failed with %s: expected success, got %s",
			 VN_B, zu_errname(ret), zu_errname(again));
}

static void nodev_register(bool kernel_region)
{
	struct reg_ctx c = { .kernel_region = kernel_region };
	struct fault_loop l = {
		.what = kernel_region ? "NODEV registration, kernel region" :
					"NODEV registration, user region",
		.setup = reg_setup, .attempt = reg_attempt, .done = reg_done,
		.arg = &c,
	};

	need_faults();
	run_fault_loop(&l);
}

static void nodev_register_user_region(void)
{
	nodev_register(false);
}

static void nodev_register_kernel_region(void)
{
	nodev_register(true);
}

static void vnic_register(void)
{
	struct reg_ctx c = { .kernel_region = true };
	struct fault_loop l = {
		.what = "registration bound to a vnic queue",
		.setup = reg_setup, .attempt = reg_attempt,
		.done = vnic_reg_done, .arg = &c,
	};
	struct zv_pair pair;

	need_faults();
	zv_pair_setup(&pair);	/* skips the case without vnic */
	c.ifindex = pair.ifindex;
	run_fault_loop(&l);
	zv_pair_delete(&pair);
}

/* ZCRX_CTRL_EXPORT of a registered ifq; a file that was made is closed. */
struct exp_ctx {
	struct io_uring		ring;
	struct zu_ifq		z;
	struct zcrx_ctrl	ctrl;
};

static void exp_setup(void *arg)
{
	struct exp_ctx *c = arg;

	memset(&c->ctrl, 0, sizeof(c->ctrl));
	c->ctrl.zcrx_id = c->z.id;
	c->ctrl.op = ZCRX_CTRL_EXPORT;
}

static int exp_attempt(void *arg)
{
	struct exp_ctx *c = arg;

	return zu_register(c->ring.ring_fd, IORING_REGISTER_ZCRX_CTRL,
			   &c->ctrl, 0);
}

static void exp_done(void *arg, int ret)
{
	struct exp_ctx *c = arg;

	if (!ret)
		close(c->ctrl.zc_export.zcrx_fd);
}

static void export(void)
{
	struct exp_ctx c;
	struct fault_loop l = {
		.what = "ZCRX_CTRL_EXPORT",
		.setup = exp_setup, .attempt = exp_attempt, .done = exp_done,
		.arg = &c,
	};

	need_faults();
	zu_ring_init_or_die(&c.ring, 8, 64, 0);
	zu_ifq_setup(&c.z, &c.ring, AREA_LEN, RQ_ENTRIES, true);
	run_fault_loop(&l);
	io_uring_queue_exit(&c.ring);
	zu_ifq_unmap(&c.z);
}

/* ZCRX_REG_IMPORT of an exported ifq into a fresh ring. */
struct imp_ctx {
	struct io_uring			ring;
	struct io_uring_zcrx_ifq_reg	reg;
	int				fd;
};

static void imp_setup(void *arg)
{
	struct imp_ctx *c = arg;

	zu_ring_init_or_die(&c->ring, 8, 64, 0);
	memset(&c->reg, 0, sizeof(c->reg));
	c->reg.flags = ZCRX_REG_IMPORT;
	c->reg.if_idx = c->fd;
}

static int imp_attempt(void *arg)
{
	struct imp_ctx *c = arg;

	return zu_register(c->ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			   &c->reg, 1);
}

static void imp_done(void *arg, int ret)
{
	struct imp_ctx *c = arg;

	(void)ret;
	io_uring_queue_exit(&c->ring);
}

static void import(void)
{
	struct io_uring ring;
	struct zu_ifq z;
	struct zcrx_ctrl ctrl = { .op = ZCRX_CTRL_EXPORT };
	struct imp_ctx c;
	struct fault_loop l = {
		.what = "ZCRX_REG_IMPORT",
		.setup = imp_setup, .attempt = imp_attempt, .done = imp_done,
		.arg = &c,
	};
	int ret;

	need_faults();
	zu_ring_init_or_die(&ring, 8, 64, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, true);
	ctrl.zcrx_id = z.id;
	ret = zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &ctrl, 0);
	if (ret)
		tst_fail("expected ZCRX_CTRL_EXPORT to succeed, got %s",
			 zu_errname(ret));
	c.fd = ctrl.zc_export.zcrx_fd;
	run_fault_loop(&l);
	close(c.fd);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
}

/*
 * A NODEV stream received with a fault armed around each io_uring_enter
 * that submits or runs the receive: the stream arrives whole and right,
 * a fault ending the request with -ENOMEM is re-armed (zu_recv_until()
 * allows that end), a submission it refused is submitted again.
 */
#define RECV_TOTAL	(2 * 1024 * 1024)
#define RECV_STEP	4096

static void recv_enter_with_fault(struct zu_recv *r, unsigned int n)
{
	struct io_uring *ring = r->z->ring;
	int ret;

	if (r->armed) {
		fault_arm(n);
		io_uring_get_events(ring);
		fault_disarm();
		return;
	}
	zu_prep_arm(r);
	fault_arm(n);
	ret = io_uring_submit(ring);
	fault_disarm();
	if (ret != 1) {
		if (ret != -EAGAIN && ret != -ENOMEM && ret != 0)
			tst_fail("submitting recv-zc, fault at point %u: expected 1, -EAGAIN or -ENOMEM, got %s",
				 n, zu_errname(ret));
		ret = io_uring_submit(ring);
		if (ret != 1)
			tst_fail("resubmitting recv-zc after a fault: expected 1, got %s",
				 zu_errname(ret));
	}
	zu_armed(r);
}

static void recv_stream(void)
{
	long pin0 = zu_vmpin_kb(), pin;
	struct zu_sender *s;
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;
	unsigned int n = 0;
	int rx, tx;

	need_faults();
	zu_ring_init_or_die(&ring, 8, 256, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, true);
	zu_tcp_pair(&rx, &tx);
	s = zu_start_sender(tx, RECV_TOTAL, 4096);
	zu_recv_init(&r, &z, rx, RECV_TOTAL, ZU_REFILL_EAGER);
	while (!r.eof && r.bytes < RECV_TOTAL) {
		recv_enter_with_fault(&r, n % 16 + 1);
		n++;
		zu_recv_until(&r, r.bytes + RECV_STEP);
	}
	zu_recv_all(&r);
	zu_wait_sender(s);
	printf("# recv_stream: %u entries with a fault armed, %lu re-arms\n", n,
	       r.rearms);
	zu_recv_free(&r);
	close(rx);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	pin = zu_wait_vmpin(pin0, 2000);
	if (pin > pin0)
		tst_fail("after the stream: expected VmPin back at %ld kB or less, got %ld kB",
			 pin0, pin);
}

int main(void)
{
	zu_require_zcrx();
	faults_setup();

	tst_plan(6);
	TST_CASE(nodev_register_user_region);
	TST_CASE(nodev_register_kernel_region);
	TST_CASE(vnic_register);
	TST_CASE(export);
	TST_CASE(import);
	TST_CASE(recv_stream);
	return tst_exit();
}
