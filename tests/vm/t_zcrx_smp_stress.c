// SPDX-License-Identifier: GPL-2.0
/*
 * Two CPUs at once on one bound queue. vB's NAPI is threaded
 * (/sys/class/net/vB/threaded) and its kthreads are pinned to CPU 0, so
 * the poll of vB's queue 1 allocates from the io_uring page pool and
 * consumes the refill ring there, wherever the transmit that scheduled it
 * ran; on CPU 1 the receiver fills the refill ring with every buffer it is
 * done with, flushes it (ZCRX_CTRL_FLUSH_RQ, the second consumer of the
 * ring) every 256 KiB, and a restarter thread binds and unbinds an ifq on
 * queue 2 over and over (each a restart of that queue under rtnl) and
 * takes vB down and up (a restart of queue 1 itself, with the provider,
 * while the receiver holds buffers). At half the stream the receiver
 * stops reaping and asks for a flap, so one restart of queue 1 meets a
 * full window and every buffer held.
 *
 * Cases: stream (32 MiB, every byte checked on arrival and again when its
 * buffer goes back; the restarter saw no error), all_zero_copy (fdinfo:
 * zc_bytes is the stream, copy_bytes 0), two_cpus (vB's NAPI threads woke
 * during the stream and stayed on CPU 0, from /proc/PID/status and stat),
 * area_unpinned (after the ring exit). The kernel log is checked by the
 * runner as for every test: a lockdep, KASAN or DMA-API report fails it.
 * Skipped with fewer than two CPUs (UML).
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(4 * ZU_MIB)
#define STREAM_LEN	(32ull * ZU_MIB)
#define RQ_ENTRIES	4096
#define PORT		9000
#define QUEUE		1
#define OTHER_QUEUE	2
#define FLUSH_EVERY	(256 * 1024)
#define MAX_FLAPS	3
#define RX_CPU		1
#define NAPI_CPU	0
#define MAX_NAPI	8

struct restarter {
	pthread_t	thread;
	int		ifindex;
	bool		stop;			/* __atomic */
	bool		flap_req;		/* __atomic: flap now */
	unsigned long	cycles, flaps;		/* __atomic */
	int		err;			/* __atomic, what before it */
	char		what[160];
};

static struct zv_pair pair;
static struct io_uring ring;
static struct zu_ifq z;
static struct zu_recv r;
static struct zu_sender *snd;
static struct restarter rs;
static int lfd = -1, rx = -1;
static long pinned_before;
static pid_t napi_pid[MAX_NAPI];
static int nr_napi;
/* context switches of each NAPI thread before and after the stream */
static unsigned long long napi_before[MAX_NAPI], napi_after[MAX_NAPI];
static unsigned long flushes;
static bool streamed;

static void pin_to(int cpu)
{
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		tst_fail("expected to pin a thread to CPU %d, got %s", cpu,
			 strerror(ret));
}

/* Threaded NAPI for vB, its kthreads ("napi/vB-<id>") pinned to NAPI_CPU. */
static void napi_threads_pin(void)
{
	struct dirent *d;
	cpu_set_t set;
	char path[64], comm[64];
	DIR *proc;
	FILE *f;

	vn_sh_or_die("echo 1 > /sys/class/net/%s/threaded", VN_B);
	CPU_ZERO(&set);
	CPU_SET(NAPI_CPU, &set);
	proc = opendir("/proc");
	if (!proc)
		tst_fail("expected /proc, got %s", strerror(errno));
	while ((d = readdir(proc)) && nr_napi < MAX_NAPI) {
		pid_t pid = atoi(d->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "napi/" VN_B "-", strlen("napi/" VN_B "-"))) {
			if (sched_setaffinity(pid, sizeof(set), &set))
				tst_fail("expected to pin %d (%s) to CPU %d, got %s",
					 pid, comm, NAPI_CPU, strerror(errno));
			napi_pid[nr_napi++] = pid;
		}
		fclose(f);
	}
	closedir(proc);
	if (!nr_napi)
		tst_fail("expected napi/%s-* kthreads after enabling threaded NAPI, got none",
			 VN_B);
}

/*
 * Context switches of each of vB's NAPI threads so far (one per wake-up
 * at least) into n[].
 */
static void napi_switches(unsigned long long n[MAX_NAPI])
{
	unsigned long long v;
	char path[64], line[128];
	FILE *f;
	int i;

	for (i = 0; i < nr_napi; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", napi_pid[i]);
		f = fopen(path, "r");
		if (!f)
			tst_fail("expected %s, got %s", path, strerror(errno));
		n[i] = 0;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				n[i] += v;
		}
		fclose(f);
	}
}

/* The CPU a task last ran on: field 39 of /proc/PID/stat. */
static int task_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field, cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		/* after the comm's closing parenthesis comes field 3 */
		p = strrchr(buf, ')');
		for (field = 2; p && field < 39; field++)
			p = strchr(p + 1, ' ');
		if (p)
			cpu = atoi(p + 1);
	}
	fclose(f);
	return cpu;
}

/* Bind an ifq of a ring of its own to OTHER_QUEUE, then close it all. */
static int bind_other_queue(struct restarter *s)
{
	struct io_uring oring;
	struct zu_ifq oz;
	int ret;

	ret = zu_ring_init(&oring, 8, 0, 0);
	if (ret)
		return ret;
	zu_ifq_prepare(&oz, &oring, 64 * ZU_PAGE, 64, false);
	oz.reg.flags = 0;
	oz.reg.if_idx = s->ifindex;
	oz.reg.if_rxq = OTHER_QUEUE;
	ret = zu_ifq_register(&oz);
	io_uring_queue_exit(&oring);
	zu_ifq_unmap(&oz);
	return ret;
}

static void restarter_fail(struct restarter *s, int err, const char *what)
{
	snprintf(s->what, sizeof(s->what), "%s", what);
	__atomic_store_n(&s->err, err, __ATOMIC_RELEASE);
}

/*
 * vn_sh() forks a shell after rings exist, which vnic_util.h warns about
 * for UML only; this test runs on x86 alone (it needs two CPUs).
 */
static bool restarter_flap(struct restarter *s)
{
	int ret = vn_sh("ip link set %s down && ip link set %s up", VN_B,
			VN_B);

	if (ret) {
		restarter_fail(s, ret, "ip link set vB down and up");
		return false;
	}
	__atomic_add_fetch(&s->flaps, 1, __ATOMIC_RELEASE);
	return true;
}

static void *restarter_main(void *arg)
{
	struct restarter *s = arg;
	unsigned long n = 0;
	int ret;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		ret = bind_other_queue(s);
		if (ret) {
			restarter_fail(s, ret, "binding an ifq to queue 2");
			break;
		}
		__atomic_store_n(&s->cycles, ++n, __ATOMIC_RELEASE);
		if (__atomic_exchange_n(&s->flap_req, false, __ATOMIC_ACQ_REL)) {
			if (!restarter_flap(s))
				break;
			continue;
		}
		if (n % 8 == 2 &&
		    __atomic_load_n(&s->flaps, __ATOMIC_ACQUIRE) < MAX_FLAPS &&
		    !restarter_flap(s))
			break;
	}
	return NULL;
}

/* Ask the restarter for a flap now and wait for it (or its failure). */
static void flap_now(void)
{
	unsigned long flaps = __atomic_load_n(&rs.flaps, __ATOMIC_ACQUIRE);
	int ms;

	__atomic_store_n(&rs.flap_req, true, __ATOMIC_RELEASE);
	for (ms = 0; ms < 60000; ms += 10) {
		if (__atomic_load_n(&rs.err, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&rs.flaps, __ATOMIC_ACQUIRE) > flaps)
			return;
		usleep(10000);
	}
	tst_fail("expected a flap of %s within 60 s of asking, got none (%lu flaps, %lu rounds)",
		 VN_B, flaps, __atomic_load_n(&rs.cycles, __ATOMIC_ACQUIRE));
}

static void setup(void)
{
	int tx, ret;

	zv_pair_setup(&pair);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	napi_threads_pin();

	pin_to(RX_CPU);
	zu_ring_init_or_die(&ring, 64, 4096, 0);
	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	z.reg.flags = 0;
	z.reg.if_idx = pair.ifindex;
	z.reg.if_rxq = QUEUE;
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));

	lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(&pair, PORT);
	rx = vn_accept(lfd, 5000);
	snd = zu_start_sender(tx, STREAM_LEN, 128 * 1024);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	r.recheck = true;

	rs.ifindex = pair.ifindex;
	ret = pthread_create(&rs.thread, NULL, restarter_main, &rs);
	if (ret)
		tst_fail("expected a restarter thread, got %s", strerror(ret));
}

static void stream(void)
{
	uint64_t next = FLUSH_EVERY;
	bool paused = false;
	int ret;

	setup();
	napi_switches(napi_before);
	while (!r.eof) {
		zu_recv_until(&r, next);
		ret = zu_flush_rq(&z);
		if (ret)
			tst_fail("expected ZCRX_CTRL_FLUSH_RQ to succeed mid-stream, got %s",
				 zu_errname(ret));
		flushes++;
		next = r.bytes + FLUSH_EVERY;
		if (!paused && r.bytes >= STREAM_LEN / 2) {
			/* every buffer held, the window full: restart */
			flap_now();
			paused = true;
		}
	}
	napi_switches(napi_after);
	__atomic_store_n(&rs.stop, true, __ATOMIC_RELEASE);
	pthread_join(rs.thread, NULL);
	rs.thread = 0;
	zu_wait_sender(snd);

	tst_check(r.bytes == STREAM_LEN,
		  "expected %llu bytes before EOF, got %llu",
		  (unsigned long long)STREAM_LEN, (unsigned long long)r.bytes);
	if (__atomic_load_n(&rs.err, __ATOMIC_ACQUIRE))
		tst_fail("expected the restarter to run without error, got %s from %s after %lu rounds",
			 zu_errname(rs.err), rs.what, rs.cycles);
	/* a stream too short to meet a bind of queue 2 tests too little */
	if (!tst_check(rs.cycles >= 4,
		       "expected queue 2 bound and unbound during the stream, got %lu binds",
		       rs.cycles))
		return;
	streamed = true;
	printf("# %llu MiB checked; on CPU %d: %lu flushes, %lu binds of queue 2, %lu flaps of %s\n",
	       (unsigned long long)(STREAM_LEN / ZU_MIB), RX_CPU, flushes,
	       rs.cycles, rs.flaps, VN_B);
}

static void all_zero_copy(void)
{
	struct zv_ifq_info info;

	if (!streamed)
		tst_fail("expected the whole stream first, got %llu bytes",
			 (unsigned long long)r.bytes);
	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	tst_check(info.zc_bytes == STREAM_LEN && !info.copy_bytes,
		  "expected %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
		  (unsigned long long)STREAM_LEN, info.zc_bytes,
		  info.copy_bytes);
}

static void two_cpus(void)
{
	unsigned long long woke = 0, d;
	int i, cpu;

	if (!streamed)
		tst_fail("expected the whole stream first, got %llu bytes",
			 (unsigned long long)r.bytes);
	/* a thread that did not run since it was pinned last ran elsewhere */
	for (i = 0; i < nr_napi; i++) {
		d = napi_after[i] - napi_before[i];
		woke += d;
		if (!d)
			continue;
		cpu = task_cpu(napi_pid[i]);
		tst_check(cpu == NAPI_CPU,
			  "expected NAPI thread %d, which ran %llu times, on CPU %d, got CPU %d",
			  napi_pid[i], d, NAPI_CPU, cpu);
	}
	tst_check(woke >= 100,
		  "expected vB's NAPI threads to wake at least 100 times during the stream, got %llu",
		  woke);
	printf("# vB's %d NAPI threads on CPU %d: %llu context switches during the stream\n",
	       nr_napi, NAPI_CPU, woke);
}

static void area_unpinned(void)
{
	long pinned;

	if (rs.thread) {
		__atomic_store_n(&rs.stop, true, __ATOMIC_RELEASE);
		pthread_join(rs.thread, NULL);
	}
	zu_recv_free(&r);
	if (rx >= 0)
		close(rx);
	if (lfd >= 0)
		close(lfd);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	zv_pair_delete(&pair);
	pinned = zu_wait_vmpin(pinned_before, 5000);
	tst_check(pinned <= pinned_before,
		  "expected VmPin back to %ld kB after the ring exit, got %ld kB",
		  pinned_before, pinned);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		tst_skip("needs two CPUs, the machine has %ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
	pinned_before = zu_vmpin_kb();

	tst_plan(4);
	TST_CASE(stream);
	TST_CASE(all_zero_copy);
	TST_CASE(two_cpus);
	TST_CASE(area_unpinned);
	return tst_exit();
}
