// SPDX-License-Identifier: GPL-2.0
/*
 * ZCRX_CTRL_EXPORT and ZCRX_REG_IMPORT: ring A registers a NODEV ifq and
 * exports it; ring B imports it under an id of its own. The bad export and
 * import arguments fail with their errnos. Then ring A and the export
 * file go away, and ring B still receives a verified stream into the
 * shared area through the shared refill ring. When B goes too, every
 * pinned page is released.
 *
 * Each step is a case; a step whose predecessor failed (no export fd, no
 * import) is skipped, since there is nothing for it to work on.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tst.h"
#include "zcrx_util.h"

#define AREA_LEN	(256 * ZU_PAGE)
#define RQ_ENTRIES	256
#define STREAM_LEN	(16 * ZU_MIB)

static int export_ifq(struct io_uring *ring, uint32_t id, struct zcrx_ctrl *c)
{
	memset(c, 0, sizeof(*c));
	c->zcrx_id = id;
	c->op = ZCRX_CTRL_EXPORT;
	return io_uring_register_zcrx_ctrl(ring, c);
}

static int import_ifq(struct io_uring *ring, int fd,
		      struct io_uring_zcrx_ifq_reg *reg)
{
	memset(reg, 0, sizeof(*reg));
	reg->flags = ZCRX_REG_IMPORT;
	reg->if_idx = fd;
	return io_uring_register_ifq(ring, reg);
}

static struct io_uring ring_a, ring_b;
static struct io_uring_zcrx_ifq_reg import_reg;	/* ring B's */
static struct zu_sender *snd;
static struct zu_ifq z;
static long pin0;
static int rx, efd = -1;
static bool imported, ring_a_open;

/*
 * An export that should fail: one that works anyway gets its file closed,
 * so that it does not keep the ifq (and its pages) for pages_released.
 */
static void bad_export(const char *what, struct zcrx_ctrl *c, int want)
{
	int ret = io_uring_register_zcrx_ctrl(&ring_a, c);

	if (!zu_expect(what, ret, want) && !ret) {
		close(c->zc_export.zcrx_fd);
		c->zc_export.zcrx_fd = 0;
	}
}

static void bad_exports(void)
{
	uint32_t id = z.id;
	struct zcrx_ctrl c;

	memset(&c, 0, sizeof(c));
	c.zcrx_id = id;
	c.op = ZCRX_CTRL_EXPORT;
	c.zc_export.zcrx_fd = 3;
	bad_export("export with zcrx_fd set on input", &c, -EINVAL);
	c.zc_export.zcrx_fd = 0;
	c.zc_export.__resv1[5] = 1;
	bad_export("export with a reserved word set", &c, -EINVAL);
	c.zc_export.__resv1[5] = 0;
	c.zcrx_id = id + 7;
	bad_export("export of an unknown zcrx_id", &c, -ENXIO);
}

static void bad_imports(void)
{
	struct io_uring *ring = &ring_b;
	struct io_uring_zcrx_ifq_reg reg;
	int fd = efd, p[2];

	if (efd < 0)
		tst_skip("no exported fd to import: export failed");

	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = fd;
	reg.rq_entries = 64;
	zu_expect("import with rq_entries set", io_uring_register_ifq(ring, &reg),
	       -EINVAL);
	reg.rq_entries = 0;
	reg.flags |= ZCRX_REG_NODEV;
	zu_expect("import with NODEV too", io_uring_register_ifq(ring, &reg),
	       -EINVAL);
	reg.flags = ZCRX_REG_IMPORT;
	reg.event_desc = (uint64_t)(uintptr_t)&reg;
	zu_expect("import with event_desc set", io_uring_register_ifq(ring, &reg),
	       -EINVAL);
	reg.event_desc = 0;
	if (pipe(p))
		tst_fail("expected pipe() to work, got %s", strerror(errno));
	zu_expect("import of a pipe", import_ifq(ring, p[0], &reg), -EBADF);
	zu_expect("import of an io_uring fd", import_ifq(ring, ring_a.ring_fd, &reg),
	       -EBADF);
	close(p[0]);
	close(p[1]);
	zu_expect("import of a closed fd", import_ifq(ring, p[0], &reg), -EBADF);
}

static void export_cloexec_fd(void)
{
	struct zcrx_ctrl c;

	if (!zu_expect("export", export_ifq(&ring_a, z.id, &c), 0))
		return;
	efd = c.zc_export.zcrx_fd;
	if (efd <= 0 || fcntl(efd, F_GETFD) != FD_CLOEXEC) {
		int got = efd;

		/* not an fd to import (an fd without O_CLOEXEC still is) */
		if (efd <= 0)
			efd = -1;
		tst_fail("expected an O_CLOEXEC fd from export, got %d", got);
	}
}

static void import_same_offsets(void)
{
	if (efd < 0)
		tst_skip("no exported fd to import: export failed");
	if (!zu_expect("import", import_ifq(&ring_b, efd, &import_reg), 0))
		return;
	imported = true;
	/* upstream writes back the id and the offsets; rq_entries stays 0 */
	if (import_reg.rq_entries != 0 ||
	    memcmp(&import_reg.offsets, &z.reg.offsets,
		   sizeof(import_reg.offsets)))
		tst_fail("expected the importer to get rq_entries 0 back (as upstream) and the same ring offsets, got rq_entries %u",
			 import_reg.rq_entries);
}

/* the exporter and its file go away: the importer keeps the ifq */
static void importer_outlives_exporter(void)
{
	struct zu_sender *s;
	struct zu_ifq zb;
	struct zu_recv r;

	if (!imported)
		tst_skip("no imported ifq: import failed");
	io_uring_queue_exit(&ring_a);
	ring_a_open = false;
	close(efd);
	printf("# exported as fd %d\n", efd);
	efd = -1;

	zb = z;
	zb.ring = &ring_b;
	zb.id = import_reg.zcrx_id;
	zu_recv_init(&r, &zb, rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	s = snd;
	snd = NULL;
	zu_wait_sender(s);
	if (r.returned < STREAM_LEN / AREA_LEN)
		tst_fail("expected the shared area to go round (%llu buffers returned), got %lu",
			 (unsigned long long)(STREAM_LEN / AREA_LEN), r.returned);
	printf("# imported as id %u, %llu bytes received through the importer\n",
	       import_reg.zcrx_id, (unsigned long long)r.bytes);
	zu_recv_free(&r);
}

/* with both rings gone, whatever happened before */
static void pages_released(void)
{
	if (ring_a_open)
		io_uring_queue_exit(&ring_a);
	ring_a_open = false;
	/* an export file a failed case left holds the ifq too */
	if (efd >= 0)
		close(efd);
	efd = -1;
	io_uring_queue_exit(&ring_b);
	if (zu_wait_vmpin(pin0, 5000) > pin0)
		tst_fail("expected every pinned page released after the last ring, VmPin is %ld kB (was %ld)",
			 zu_vmpin_kb(), pin0);
}

int main(void)
{
	int tx;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(6);
	pin0 = zu_vmpin_kb();
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);

	zu_ring_init_or_die(&ring_a, 8, 1024, 0);
	ring_a_open = true;
	zu_ring_init_or_die(&ring_b, 8, 1024, 0);
	zu_ifq_setup(&z, &ring_a, AREA_LEN, RQ_ENTRIES, false);

	TST_CASE(bad_exports);
	TST_CASE(export_cloexec_fd);
	TST_CASE(bad_imports);
	TST_CASE(import_same_offsets);
	TST_CASE(importer_outlives_exporter);
	TST_CASE(pages_released);

	/* a sender that never got its stream read ends with the socket */
	close(rx);
	if (snd)
		zu_join_sender(snd);
	zu_ifq_unmap(&z);
	return tst_exit();
}
