// SPDX-License-Identifier: GPL-2.0
/*
 * ZCRX_CTRL_EXPORT and ZCRX_REG_IMPORT: ring A registers a NODEV ifq and
 * exports it; ring B imports it under an id of its own. The bad export and
 * import arguments fail with their errnos. Then ring A and the export
 * file go away, and ring B still receives a verified stream into the
 * shared area through the shared refill ring. When B goes too, every
 * pinned page is released.
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

static void expect(const char *what, int got, int want)
{
	if (got != want)
		tst_fail("%s: expected %s, got %s", what, zu_errname(want),
			 zu_errname(got));
}

static void bad_exports(struct io_uring *ring, uint32_t id)
{
	struct zcrx_ctrl c;

	memset(&c, 0, sizeof(c));
	c.zcrx_id = id;
	c.op = ZCRX_CTRL_EXPORT;
	c.zc_export.zcrx_fd = 3;
	expect("export with zcrx_fd set on input", io_uring_register_zcrx_ctrl(ring, &c),
	       -EINVAL);
	c.zc_export.zcrx_fd = 0;
	c.zc_export.__resv1[5] = 1;
	expect("export with a reserved word set", io_uring_register_zcrx_ctrl(ring, &c),
	       -EINVAL);
	c.zc_export.__resv1[5] = 0;
	c.zcrx_id = id + 7;
	expect("export of an unknown zcrx_id", io_uring_register_zcrx_ctrl(ring, &c),
	       -EINVAL);
}

static void bad_imports(struct io_uring *ring, int fd)
{
	struct io_uring_zcrx_ifq_reg reg;
	int p[2];

	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = fd;
	reg.rq_entries = 64;
	expect("import with rq_entries set", io_uring_register_ifq(ring, &reg),
	       -EINVAL);
	reg.rq_entries = 0;
	reg.flags |= ZCRX_REG_NODEV;
	expect("import with NODEV too", io_uring_register_ifq(ring, &reg),
	       -EINVAL);
	if (pipe(p))
		tst_fail("expected pipe() to work, got %s", strerror(errno));
	expect("import of a pipe", import_ifq(ring, p[0], &reg), -EINVAL);
	close(p[0]);
	close(p[1]);
	expect("import of a closed fd", import_ifq(ring, p[0], &reg), -EBADF);
}

int main(void)
{
	struct io_uring ring_a, ring_b;
	struct io_uring_zcrx_ifq_reg reg;
	struct zu_sender *snd;
	struct zcrx_ctrl c;
	struct zu_ifq z, zb;
	struct zu_recv r;
	long pin0;
	int rx, tx, efd;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	pin0 = zu_vmpin_kb();
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);

	zu_ring_init_or_die(&ring_a, 8, 1024, 0);
	zu_ring_init_or_die(&ring_b, 8, 1024, 0);
	zu_ifq_setup(&z, &ring_a, AREA_LEN, RQ_ENTRIES, false);

	bad_exports(&ring_a, z.id);
	expect("export", export_ifq(&ring_a, z.id, &c), 0);
	efd = c.zc_export.zcrx_fd;
	if (efd <= 0 || fcntl(efd, F_GETFD) != FD_CLOEXEC)
		tst_fail("expected an O_CLOEXEC fd from export, got %d", efd);

	bad_imports(&ring_b, efd);
	expect("import", import_ifq(&ring_b, efd, &reg), 0);
	if (reg.rq_entries != z.reg.rq_entries ||
	    memcmp(&reg.offsets, &z.reg.offsets, sizeof(reg.offsets)))
		tst_fail("expected the importer to get rq_entries %u and the same ring offsets, got %u",
			 z.reg.rq_entries, reg.rq_entries);

	/* the exporter and its file go away: the importer keeps the ifq */
	io_uring_queue_exit(&ring_a);
	close(efd);

	zb = z;
	zb.ring = &ring_b;
	zb.id = reg.zcrx_id;
	zu_recv_init(&r, &zb, rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	zu_wait_sender(snd);
	if (r.returned < STREAM_LEN / AREA_LEN)
		tst_fail("expected the shared area to go round (%llu buffers returned), got %lu",
			 (unsigned long long)(STREAM_LEN / AREA_LEN), r.returned);
	zu_recv_free(&r);

	io_uring_queue_exit(&ring_b);
	if (zu_wait_vmpin(pin0, 5000) > pin0)
		tst_fail("expected every pinned page released after the last ring, VmPin is %ld kB (was %ld)",
			 zu_vmpin_kb(), pin0);
	zu_ifq_unmap(&z);
	close(rx);
	printf("exported as fd %d, imported as id %u, %llu bytes received through the importer\n",
	       efd, reg.zcrx_id, (unsigned long long)r.bytes);
	return TST_PASS;
}
