// SPDX-License-Identifier: GPL-2.0
/*
 * Zero copy on an in-tree driver with device DMA behind an IOMMU: io_uring
 * zcrx bound to rx queue 0 of an e1000e NIC (QEMU's 82574, packet-split
 * descriptors, series patch 0019), the payload written by the device into
 * the area through VT-d translations in strict mode.
 *
 * The VM (scripts/qemu-run.sh -e) has two e1000e NICs joined back to back
 * by a QEMU hub. The lower-named one goes to a network namespace of its
 * own and sends; the other stays here and receives:
 *
 *   this netns                      the sender's netns
 *   RX 10.78.0.2/24  <--- hub --->  TX 10.78.0.1/24
 *
 * Both get tcp-data-split on; IPv6 is off on both, so that only TCP (and
 * ARP) arrives and rx_hdr_split_miss must stay 0 during a stream; TSO is
 * off on the sender (QEMU 7.2 turns TSO frames into IP fragments, see
 * docs/e1000e-packet-split.md).
 *
 * Cases, in this order (killed forks, which must happen before this
 * process has a ring; each other case has a ring and an ifq of its own):
 * - legacy_stream: tcp-data-split off (the default), a plain TCP stream
 *   with recv(), every byte checked: the driver's old receive path;
 * - hds_on: tcp-data-split on both NICs, read back;
 * - hds_page_stream: the same stream with header split and no provider:
 *   headers copied, payload in page frags, all frames split;
 * - killed: a child receiving zero-copy on the queue gets SIGKILL while it
 *   holds buffers; a new registration on the queue succeeds at once;
 * - zc_stream: 16 MiB with a byte pattern, every byte checked (and again
 *   when its buffer goes back), fdinfo zc_bytes = stream and copy_bytes 0,
 *   the driver's rx_provider_bytes at least the stream, no split misses;
 * - hds_off_refused: turning tcp-data-split off while the ifq is bound is
 *   refused with -EINVAL (ethtool netlink and the driver), it stays on;
 * - icmp_miss: still bound, a ping is split after its IP header, its ICMP
 *   message in a net_iov: dropped and counted (rx_hdr_split_miss), no
 *   answer (with pages, in hds_page_stream, ping works);
 * - starved: userspace holds 3/4 of the area and stops reading, the ring
 *   runs dry; held buffers stay unchanged; once returned, the stream
 *   completes zero-copy;
 * - example_server: examples/zcrx_server bound to the queue and
 *   examples/tcp_sender: its summary counts every byte zero-copy;
 * - link_flap: the receiving NIC goes down and up mid-stream (its page
 *   pool goes and a new one takes provider memory again); the stream
 *   completes, all of it zero-copy;
 * - bind_down: an ifq bound while the receiving NIC is down, then up: the
 *   stream is zero-copy;
 * - jumbo: MTU 9000 on both NICs while bound (three payload buffers per
 *   descriptor), a stream zero-copy, no multi-descriptor drop, back to 1500;
 * - ring_resize: ethtool -G rx 512 mid-stream (a new ring and pool from
 *   the provider), the stream completes zero-copy, the ring goes back to
 *   256;
 * - busy_poll: the ring busy-polls the NIC's NAPI (IORING_REGISTER_NAPI)
 *   while ring resizes reset the NIC twice mid-stream: NAPI is off, not
 *   just idle, while a reset cleans and fills the ring; the stream
 *   completes zero-copy;
 * - unbind_rebind: the driver is unbound from the receiving NIC
 *   (/sys/bus/pci/drivers/e1000e/unbind) mid-stream while userspace holds
 *   buffers; they stay readable and unchanged and go back; the ring goes,
 *   VmPin drops; the driver is bound again and a new ifq on the new
 *   netdev receives a stream zero-copy;
 * - vmpin_back: VmPin is where it was before the first case.
 *
 * Skips when the VM has fewer than two e1000e NICs (every run without -e).
 * Kernel faults (KASAN, lockdep, DMA_API_DEBUG, DMAR faults) are caught by
 * the run's kernel log check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define RX_ADDR		"10.78.0.2"
#define TX_ADDR		"10.78.0.1"
#define AREA_LEN	(4 * ZU_MIB)
#define RQ_ENTRIES	4096
#define STREAM_LEN	(16ull * ZU_MIB)
#define PORT		9100
#define DRV_DIR		"/sys/bus/pci/drivers/e1000e"

struct nic {
	char	name[IFNAMSIZ];
	char	pci[32];	/* 0000:00:03.0 */
	int	ifindex;
};

static struct nic rxn, txn;
static struct vn_ns peer = { .fd = -1 };
static long pinned_base;
static bool hds_ok;

/* One case's ring, ifq and stream. */
struct tcase {
	struct io_uring		ring;
	struct zu_ifq		z;
	struct zu_recv		r;
	struct zu_sender	*snd;
	int			lfd, rx, tx_dup;
	bool			have_ring, have_ifq, have_recv;
	struct zu_child		child;		/* killed's receiver */
};

static struct tcase t;

/* NICs */

static int nic_of(const char *name, struct nic *n)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return -1;
	link[len] = '\0';
	if (strcmp(basename(link), "e1000e"))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return -1;
	link[len] = '\0';
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->pci, sizeof(n->pci), "%s", basename(link));
	n->ifindex = if_nametoindex(name);
	return n->ifindex ? 0 : -1;
}

static int nic_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nic *)a)->name,
		      ((const struct nic *)b)->name);
}

/* The e1000e NICs of this netns, by name; returns how many (at most 4). */
static int find_nics(struct nic *nics)
{
	struct dirent *de;
	DIR *d = opendir("/sys/class/net");
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < 4)
		if (de->d_name[0] != '.' && !nic_of(de->d_name, &nics[n]))
			n++;
	closedir(d);
	qsort(nics, n, sizeof(*nics), nic_cmp);
	return n;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* IPv6 off on a NIC of this netns (before it is up): no ICMPv6 to it. */
static void no_ipv6(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	write_file(path, "1");	/* a kernel without IPv6 has no such file */
}

/* SIOCSIFFLAGS: the NIC of this netns up or down. */
static void link_set(const char *name, bool up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		tst_fail("expected the flags of %s, got %s", name,
			 strerror(errno));
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		tst_fail("expected to set %s %s, got %s", name,
			 up ? "up" : "down", strerror(errno));
	close(s);
}

/*
 * Wait for a NIC of ns (NULL: this netns) to be running (carrier on):
 * e1000e reports carrier a second or two after it comes up, and a header
 * split change or a ring resize resets it.
 */
static void wait_running(const struct vn_ns *ns, const char *name)
{
	int s = vn_ns_socket(ns, AF_INET, SOCK_DGRAM), ms;
	struct ifreq ifr;

	for (ms = 0; ms < 15000; ms += 100) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (!ioctl(s, SIOCGIFFLAGS, &ifr) &&
		    (ifr.ifr_flags & IFF_RUNNING)) {
			close(s);
			return;
		}
		usleep(100 * 1000);
	}
	close(s);
	tst_fail("expected %s to get carrier within 15 s", name);
}

/* Both NICs running */
static void wait_links(void)
{
	wait_running(NULL, rxn.name);
	wait_running(&peer, txn.name);
}

/* SIOCSIFMTU on a NIC of ns (NULL: this netns). */
static void set_mtu(const struct vn_ns *ns, const char *name, int mtu)
{
	int s = vn_ns_socket(ns, AF_INET, SOCK_DGRAM);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr))
		tst_fail("expected MTU %d on %s, got %s", mtu, name,
			 strerror(errno));
	close(s);
}

static int hds_set(const struct vn_ns *ns, const char *name, bool on)
{
	int ret;

	vn_ns_enter(ns);
	ret = vn_set_hds(name, on);
	vn_ns_enter(NULL);
	return ret;
}

static int hds_get(const struct vn_ns *ns, const char *name)
{
	int ret;

	vn_ns_enter(ns);
	ret = vn_get_hds(name);
	vn_ns_enter(NULL);
	return ret;
}

static long long stat_of(const char *name)
{
	return vn_stat_or_die(rxn.name, name);
}

/*
 * A connection from the sender's netns to RX_ADDR:port, retried while
 * the link comes up (e1000e reports carrier a second or two after up).
 */
static int connect_retry(int port)
{
	int i, fd = -ETIMEDOUT;

	for (i = 0; i < 30; i++) {
		fd = vn_connect(&peer, RX_ADDR, port, 1000);
		if (fd >= 0)
			return fd;
		usleep(300 * 1000);
	}
	tst_fail("expected to connect from the sender's netns to %s:%d, got %s",
		 RX_ADDR, port, zu_errname(fd));
	return -1;
}

/* What the receiving NIC counted, for a failure message. */
static const char *rx_counters(void)
{
	static const char * const names[] = {
		"rx_packets", "rx_header_split", "rx_hdr_split_miss",
		"rx_multi_desc_drops", "rx_provider_bytes",
		"alloc_rx_buff_failed", "rx_no_buffer_count",
		"rx_missed_errors",
	};
	static char buf[512];
	size_t i, n = 0;

	for (i = 0; i < ZU_ARRAY_SIZE(names); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s=%lld",
			      i ? " " : "", names[i],
			      vn_stat(rxn.name, names[i]));
	return buf;
}

/* accept() within ms, failing with the NIC's counters. */
static int accept_diag(int lfd, int ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, ms) != 1)
		tst_fail("expected a connection within %d ms, got none; %s: %s",
			 ms, rxn.name, rx_counters());
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		tst_fail("expected accept() to work, got %s", strerror(errno));
	return fd;
}

/* The case's ring and ifq */

static void tcase_init(struct tcase *c)
{
	memset(c, 0, sizeof(*c));
	c->lfd = c->rx = c->tx_dup = -1;
	zu_child_init(&c->child);
}

static int bind_ifq(struct tcase *c)
{
	zu_ring_init_or_die(&c->ring, 64, 4096, 0);
	c->have_ring = true;
	zu_ifq_prepare(&c->z, &c->ring, AREA_LEN, RQ_ENTRIES, false);
	c->have_ifq = true;
	c->z.reg.flags = 0;
	c->z.reg.if_idx = rxn.ifindex;
	c->z.reg.if_rxq = 0;
	return zu_ifq_register(&c->z);
}

static void bind_ifq_or_die(struct tcase *c)
{
	int ret = bind_ifq(c);

	if (ret)
		tst_fail("expected to bind an ifq to %s (ifindex %d) queue 0, got %s",
			 rxn.name, rxn.ifindex, zu_errname(ret));
}

/* A connection from the sender, its sender thread writing total bytes. */
static void stream_start(struct tcase *c, uint64_t total)
{
	int tx;

	c->lfd = vn_listen(RX_ADDR, PORT);
	tx = connect_retry(PORT);
	c->rx = accept_diag(c->lfd, 5000);
	/* to unblock the sender when the receiver's NIC goes */
	c->tx_dup = dup(tx);
	c->snd = zu_start_sender(tx, total, 64 * 1024);
	zu_recv_init(&c->r, &c->z, c->rx, total, ZU_REFILL_EAGER);
	c->have_recv = true;
	c->r.recheck = true;
}

static void tcase_start(struct tcase *c, uint64_t total)
{
	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	tcase_init(c);
	bind_ifq_or_die(c);
	stream_start(c, total);
}

/* Close what the case has (a sender left blocked is unblocked first). */
static void tcase_release(struct tcase *c)
{
	zu_child_close(&c->child);
	if (c->snd) {
		if (c->tx_dup >= 0)
			shutdown(c->tx_dup, SHUT_RDWR);
		zu_join_sender(c->snd);
		c->snd = NULL;
	}
	if (c->tx_dup >= 0)
		close(c->tx_dup);
	if (c->have_recv)
		zu_recv_free(&c->r);
	if (c->rx >= 0)
		close(c->rx);
	if (c->lfd >= 0)
		close(c->lfd);
	c->rx = c->lfd = c->tx_dup = -1;
	if (c->have_ring)
		io_uring_queue_exit(&c->ring);
	if (c->have_ifq)
		zu_ifq_unmap(&c->z);
	c->have_recv = c->have_ring = c->have_ifq = false;
}

/*
 * Receive until userspace holds n buffers (refill stops). The device puts
 * a frame per buffer, so this counts buffers, not bytes; n must leave the
 * ring enough to get there (the area's buffers less the ring's).
 */
static void hold_buffers(struct zu_recv *r, size_t n)
{
	r->refill = ZU_REFILL_LAZY;
	while (zu_held(r) < n && !r->eof)
		zu_recv_until(r, r->bytes + 1);
}

/* The whole stream in, the sender done, every byte zero-copy. */
static void stream_finish_zc(struct tcase *c, const char *what)
{
	struct zv_ifq_info info;

	zu_recv_all(&c->r);
	zu_wait_sender(c->snd);
	c->snd = NULL;
	if (zv_ifq_info(c->ring.ring_fd, c->z.id, &info))
		tst_fail("%s: expected a ZcrxIfq%u line in the ring's fdinfo",
			 what, c->z.id);
	tst_check(info.ifindex == (unsigned int)rxn.ifindex && info.rxq == 0,
		  "%s: expected fdinfo to show ifindex %d queue 0, got %u and %u",
		  what, rxn.ifindex, info.ifindex, info.rxq);
	tst_check(info.zc_bytes == c->r.total && !info.copy_bytes,
		  "%s: expected all %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
		  what, (unsigned long long)c->r.total, info.zc_bytes,
		  info.copy_bytes);
}

/* Cases */

/* A plain TCP stream to the receiver (recv(), every byte checked). */
static void plain_stream(const char *what, uint64_t total)
{
	long long split0 = stat_of("rx_header_split");
	long long prov0 = stat_of("rx_provider_bytes");
	struct timespec t0, t1;
	struct vn_xfer *x;
	int lfd, tx, rx;
	double s;

	lfd = vn_listen(RX_ADDR, PORT);
	tx = connect_retry(PORT);
	rx = accept_diag(lfd, 5000);
	close(lfd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t.snd = zu_start_sender(tx, total, 64 * 1024);
	x = vn_recv_start(rx, total, 0);
	vn_xfer_wait(x, what);
	zu_wait_sender(t.snd);
	t.snd = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(rx);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# %s: %llu bytes with recv() in %.2f s (%.1f MiB/s), %lld frames split, %lld bytes in net_iovs\n",
	       what, (unsigned long long)total, s, total / ZU_MIB / s,
	       stat_of("rx_header_split") - split0,
	       stat_of("rx_provider_bytes") - prov0);
	tst_check(stat_of("rx_provider_bytes") == prov0,
		  "%s: expected no payload in provider memory without an ifq",
		  what);
}

/* tcp-data-split off (the default): the driver's legacy receive path. */
static void legacy_stream(void)
{
	if (hds_get(NULL, rxn.name) != 0)
		tst_fail("expected tcp-data-split off by default on %s",
			 rxn.name);
	plain_stream("legacy_stream", STREAM_LEN / 2);
}

/* tcp-data-split on, no provider: header split into pages. */
static void hds_page_stream(void)
{
	long long split0 = stat_of("rx_header_split");

	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	plain_stream("hds_page_stream", STREAM_LEN / 2);
	tst_check(stat_of("rx_header_split") - split0 >=
		  (long long)(STREAM_LEN / 2 / 1448),
		  "expected every data frame of the stream header-split");
	/* split after the IP header, the ICMP message in a page: received */
	tst_check(!vn_ns_sh(&peer, "ping -c 2 -W 2 %s >/dev/null", RX_ADDR),
		  "expected ping to work with header split and no provider");
}

static void hds_on(void)
{
	int ret;

	ret = hds_get(NULL, rxn.name);
	if (ret < 0)
		tst_fail("expected e1000e to report tcp-data-split, got %s",
			 zu_errname(ret));
	ret = hds_set(NULL, rxn.name, true);
	if (!ret)
		ret = hds_set(&peer, txn.name, true);
	if (ret)
		tst_fail("expected to turn tcp-data-split on, got %s",
			 zu_errname(ret));
	if (hds_get(NULL, rxn.name) != 1 || hds_get(&peer, txn.name) != 1)
		tst_fail("expected tcp-data-split to read back on on both NICs");
	if (stat_of("rx_provider_bytes") < 0 ||
	    stat_of("rx_hdr_split_miss") < 0)
		tst_fail("expected the counters rx_provider_bytes and rx_hdr_split_miss");
	/* the change reset both NICs */
	wait_links();
	hds_ok = true;
}

/* The child: receive on the queue until killed. */
static void killed_child(void *unused __attribute__((unused)), int ready_fd)
{
	struct tcase c;

	tcase_start(&c, 1024ull * ZU_MIB);
	zu_recv_until(&c.r, 2 * ZU_MIB);
	/* hold what comes next: the kill takes buffers userspace holds */
	hold_buffers(&c.r, AREA_LEN / ZU_PAGE / 2);
	if (write(ready_fd, "r", 1) != 1)
		_exit(TST_FAIL);
	pause();
	_exit(TST_FAIL);
}

static void killed(void)
{
	const char *why;
	char msg[512];
	int st, ret;

	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	tcase_init(&t);
	zu_child_start(&t.child, killed_child, NULL);
	why = zu_child_ready(&t.child, msg, sizeof(msg));
	if (why)
		tst_fail("expected the child to receive 2 MiB zero-copy and hold half the buffers, it did not: %s",
			 why);
	st = zu_child_kill(&t.child);
	if (!WIFSIGNALED(st))
		tst_fail("expected the child to die of SIGKILL, status %#x", st);

	ret = bind_ifq(&t);
	if (ret)
		tst_fail("expected a new registration on %s queue 0 at once after the receiver died, got %s",
			 rxn.name, zu_errname(ret));
	printf("# killed: queue 0 of %s bound again at once after the receiver died holding buffers\n",
	       rxn.name);
}

static void zc_stream(void)
{
	long long prov0, split0, miss0, multi0, prov, split, miss, multi;
	struct timespec t0, t1;
	double s;

	prov0 = stat_of("rx_provider_bytes");
	split0 = stat_of("rx_header_split");
	miss0 = stat_of("rx_hdr_split_miss");
	multi0 = stat_of("rx_multi_desc_drops");
	tcase_start(&t, STREAM_LEN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	stream_finish_zc(&t, "zc_stream");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	prov = stat_of("rx_provider_bytes") - prov0;
	split = stat_of("rx_header_split") - split0;
	miss = stat_of("rx_hdr_split_miss") - miss0;
	multi = stat_of("rx_multi_desc_drops") - multi0;
	printf("# zc_stream: %llu bytes zero-copy in %lu CQEs, %.2f s (%.1f MiB/s); e1000e: %lld payload bytes in net_iovs, %lld frames split, %lld split misses, %lld multi-descriptor drops, %lld rx_no_buffer_count\n",
	       (unsigned long long)t.r.bytes, t.r.cqes, s,
	       t.r.bytes / ZU_MIB / s, prov, split, miss, multi,
	       stat_of("rx_no_buffer_count"));
	tst_check(prov >= (long long)STREAM_LEN,
		  "expected e1000e to place at least the %llu stream bytes in provider memory (rx_provider_bytes), got %lld",
		  STREAM_LEN, prov);
	tst_check(split >= (long long)(STREAM_LEN / 1448),
		  "expected at least %llu header-split frames for the stream, got %lld",
		  STREAM_LEN / 1448, split);
	tst_check(!miss && !multi,
		  "expected no split misses and no multi-descriptor drops during a TCP stream, got %lld and %lld",
		  miss, multi);
}

static void hds_off_refused(void)
{
	int ret;

	if (!t.have_ifq)
		tst_skip("no bound ifq: zc_stream failed");
	ret = hds_set(NULL, rxn.name, false);
	tst_check(ret == -EINVAL,
		  "expected turning tcp-data-split off under a bound queue to fail with -EINVAL, got %s",
		  zu_errname(ret));
	tst_check(hds_get(NULL, rxn.name) == 1,
		  "expected tcp-data-split still on after the refusal");
}

/*
 * Userspace holds three quarters of the area's buffers (one per frame)
 * and stops reading: the
 * provider has nothing left for the ring, which drains (rx_no_buffer);
 * NAPI keeps polling an empty ring. The held buffers must not change
 * (recheck) while the device has none to write; once they go back the
 * ring is refilled and the stream completes, all of it zero-copy.
 */
/*
 * Still bound (zc_stream's ifq): an ICMP echo is split after its IP
 * header, so the ICMP message lands in a net_iov, which nothing may
 * read: the driver drops the frame and counts it, ping gets no answer.
 */
static void icmp_miss(void)
{
	long long miss0 = stat_of("rx_hdr_split_miss"), miss;
	int ret;

	if (!t.have_ifq)
		tst_skip("no bound ifq: zc_stream failed");
	ret = vn_ns_sh(&peer, "ping -c 2 -W 1 %s >/dev/null", RX_ADDR);
	miss = stat_of("rx_hdr_split_miss") - miss0;
	tst_check(ret && miss >= 2,
		  "expected pings to a bound queue dropped and counted as split misses, got ping status %d and %lld misses",
		  ret, miss);
}

static void starved(void)
{
	long long nobuf0 = stat_of("rx_no_buffer_count");

	const size_t hold = 3 * AREA_LEN / ZU_PAGE / 4;

	tcase_start(&t, STREAM_LEN / 2);
	zu_recv_until(&t.r, ZU_MIB);
	hold_buffers(&t.r, hold);
	sleep(2);
	t.r.refill = ZU_REFILL_EAGER;
	stream_finish_zc(&t, "starved");
	printf("# starved: %llu bytes zero-copy; %zu of the %u buffers held for 2 s, the ring left without refills (%lld frames without a buffer)\n",
	       STREAM_LEN / 2, hold, AREA_LEN / ZU_PAGE,
	       stat_of("rx_no_buffer_count") - nobuf0);
}

/*
 * The upstream-style example server (examples/zcrx_server, built beside
 * the tests) bound to the queue, examples/tcp_sender in the sender's
 * netns: its summary line must count every byte zero-copy.
 */
static void example_server(void)
{
	const unsigned long long bytes = STREAM_LEN / 2;
	unsigned long long zc = 0, cp = 0;
	char exe[PATH_MAX], dir[PATH_MAX];
	const char *line, *summary;
	ssize_t n;
	int ret;

	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		tst_fail("expected /proc/self/exe");
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	if (access("/usr/bin/nsenter", X_OK) && access("/bin/nsenter", X_OK) &&
	    access("/usr/sbin/nsenter", X_OK))
		tst_skip("no nsenter to start the sender in its netns");
	ret = vn_sh_out("%s/zcrx_server -i %s -q 0 -p %d -c 1 -a 4 -b %s -t 60 >/tmp/zs.out 2>&1 & srv=$!; "
			"nsenter --net=%s %s/tcp_sender -c 1 -b %llu -w 20 %s %d >/tmp/ts.out 2>&1; snd=$?; "
			"wait $srv; rc=$?; cat /tmp/zs.out /tmp/ts.out; [ $snd = 0 ] && exit $rc; exit 9",
			dir, rxn.name, PORT, RX_ADDR, peer.path, dir, bytes,
			RX_ADDR, PORT);
	summary = strstr(vn_out, "zcrx_server: conns=");
	if (ret || !summary)
		tst_fail("expected zcrx_server and tcp_sender to exit 0, got %d: %s",
			 ret, vn_out_line());
	printf("# example_server: %.*s\n", (int)strcspn(summary, "\n"),
	       summary);
	line = strstr(summary, "zc_bytes=");
	if (!line || sscanf(line, "zc_bytes=%llu copy_bytes=%llu", &zc, &cp) != 2)
		tst_fail("expected zc_bytes= and copy_bytes= in zcrx_server's summary");
	tst_check(zc == bytes && !cp,
		  "expected zcrx_server to receive all %llu bytes zero-copy, got zc_bytes=%llu copy_bytes=%llu",
		  bytes, zc, cp);
}

static void link_flap(void)
{
	tcase_start(&t, STREAM_LEN);
	zu_recv_until(&t.r, 4 * ZU_MIB);
	link_set(rxn.name, false);
	usleep(200 * 1000);
	link_set(rxn.name, true);
	stream_finish_zc(&t, "link_flap");
	wait_running(NULL, rxn.name);
	printf("# link_flap: %llu bytes zero-copy across a down/up of %s\n",
	       STREAM_LEN, rxn.name);
}

/*
 * Bound while the receiving NIC is down: the driver's queue memory is
 * made (taking the provider) and freed again, and the pools of the next
 * open take the provider; the stream after the up is zero-copy.
 */
static void bind_down(void)
{
	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	tcase_init(&t);
	link_set(rxn.name, false);
	bind_ifq_or_die(&t);
	link_set(rxn.name, true);
	wait_running(NULL, rxn.name);
	stream_start(&t, STREAM_LEN / 4);
	stream_finish_zc(&t, "bind_down");
}

/*
 * MTU 9000 on both NICs while the ifq is bound: the receiver goes down
 * and up, its descriptors take three payload buffers each (a frame's
 * payload spans three net_iovs), the stream arrives zero-copy without a
 * multi-descriptor drop; then back to 1500, still bound.
 */
static void jumbo(void)
{
	long long multi0 = stat_of("rx_multi_desc_drops");
	long long split0 = stat_of("rx_header_split");
	long long split;

	if (!hds_ok)
		tst_skip("tcp-data-split is not on: hds_on failed");
	tcase_init(&t);
	bind_ifq_or_die(&t);
	set_mtu(NULL, rxn.name, 9000);
	set_mtu(&peer, txn.name, 9000);
	wait_links();
	stream_start(&t, STREAM_LEN / 2);
	stream_finish_zc(&t, "jumbo");
	split = stat_of("rx_header_split") - split0;
	tst_check(stat_of("rx_multi_desc_drops") == multi0,
		  "expected no multi-descriptor drops at MTU 9000, got %lld",
		  stat_of("rx_multi_desc_drops") - multi0);
	tst_check(split > 0 && split < (long long)(STREAM_LEN / 2 / 4096),
		  "expected frames of more than a page at MTU 9000: %lld frames split for %llu bytes",
		  split, STREAM_LEN / 2);
	printf("# jumbo: %llu bytes zero-copy at MTU 9000 in %lld frames, %lu CQEs\n",
	       STREAM_LEN / 2, split, t.r.cqes);
	set_mtu(NULL, rxn.name, 1500);
	set_mtu(&peer, txn.name, 1500);
	wait_links();
}

static void ring_resize(void)
{
	tcase_start(&t, STREAM_LEN / 2);
	zu_recv_until(&t.r, 4 * ZU_MIB);
	vn_sh_or_die("ethtool -G %s rx 512", rxn.name);
	stream_finish_zc(&t, "ring_resize");
	vn_sh_or_die("ethtool -G %s rx 256", rxn.name);
	wait_running(NULL, rxn.name);
	printf("# ring_resize: %llu bytes zero-copy across ethtool -G %s rx 512\n",
	       STREAM_LEN / 2, rxn.name);
}

/* The netdev of a PCI function, once the driver made it. */
/* struct io_uring_napi of 6.12, for IORING_REGISTER_NAPI (liburing 2.6+) */
struct napi_reg {
	uint32_t	busy_poll_to;	/* us */
	uint8_t		prefer_busy_poll;
	uint8_t		pad[3];
	uint64_t	resv;
};

#define REGISTER_NAPI	27

static void busy_poll(void)
{
	struct napi_reg napi = { .busy_poll_to = 200, .prefer_busy_poll = 1 };
	int ret;

	tcase_start(&t, STREAM_LEN / 2);
	ret = syscall(__NR_io_uring_register, t.ring.ring_fd, REGISTER_NAPI,
		      &napi, 1);
	if (ret)
		tst_fail("expected IORING_REGISTER_NAPI to work, got %s",
			 zu_errname(-errno));
	zu_recv_until(&t.r, 2 * ZU_MIB);
	vn_sh_or_die("ethtool -G %s rx 512", rxn.name);
	zu_recv_until(&t.r, 5 * ZU_MIB);
	vn_sh_or_die("ethtool -G %s rx 256", rxn.name);
	stream_finish_zc(&t, "busy_poll");
	wait_running(NULL, rxn.name);
	printf("# busy_poll: %llu bytes zero-copy, the ring busy-polling NAPI across two resets of %s\n",
	       STREAM_LEN / 2, rxn.name);
}

static int nic_of_pci(const char *pci, struct nic *n, int ms)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	for (; ms > 0; ms -= 50) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/net", pci);
		d = opendir(path);
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' && !nic_of(de->d_name, n)) {
				closedir(d);
				return 0;
			}
		if (d)
			closedir(d);
		usleep(50 * 1000);
	}
	return -1;
}

static void unbind_rebind(void)
{
	size_t held;
	long pinned;
	int ret;

	tcase_start(&t, 1024ull * ZU_MIB);
	zu_recv_until(&t.r, 4 * ZU_MIB);
	/* hold what comes next: half the buffers */
	hold_buffers(&t.r, AREA_LEN / ZU_PAGE / 2);

	ret = write_file(DRV_DIR "/unbind", rxn.pci);
	if (ret)
		tst_fail("expected to unbind e1000e from %s, got %s", rxn.pci,
			 zu_errname(ret));
	if (if_nametoindex(rxn.name) == (unsigned int)rxn.ifindex)
		tst_fail("expected %s gone after the unbind", rxn.name);
	held = zu_held(&t.r);
	while (zu_held(&t.r))
		if (!zu_return_held(&t.r, SIZE_MAX) || zu_flush_rq(&t.z))
			tst_fail("expected held buffers to go back through the refill ring after the netdev went");
	tcase_release(&t);
	pinned = zu_wait_vmpin(pinned_base, 5000);
	if (pinned > pinned_base)
		tst_fail("expected VmPin back to %ld kB after the ring exit, got %ld kB",
			 pinned_base, pinned);
	printf("# unbind: %s unbound with %zu buffers held; all returned, VmPin %ld kB\n",
	       rxn.pci, held, pinned);

	ret = write_file(DRV_DIR "/bind", rxn.pci);
	if (ret)
		tst_fail("expected to bind e1000e to %s again, got %s", rxn.pci,
			 zu_errname(ret));
	if (nic_of_pci(rxn.pci, &rxn, 10000))
		tst_fail("expected a netdev on %s after the bind", rxn.pci);
	no_ipv6(rxn.name);
	ret = hds_set(NULL, rxn.name, true);
	if (ret)
		tst_fail("expected tcp-data-split on on the new %s, got %s",
			 rxn.name, zu_errname(ret));
	vn_addr_up(NULL, rxn.name, RX_ADDR "/24");
	wait_running(NULL, rxn.name);

	tcase_start(&t, STREAM_LEN / 4);
	stream_finish_zc(&t, "rebind");
	printf("# rebind: %s is %s again, %llu bytes zero-copy on the new netdev\n",
	       rxn.pci, rxn.name, STREAM_LEN / 4);
}

static void vmpin_back(void)
{
	long pinned;

	tcase_release(&t);
	pinned = zu_wait_vmpin(pinned_base, 5000);
	if (pinned > pinned_base)
		tst_fail("expected VmPin back to %ld kB at the end, got %ld kB",
			 pinned_base, pinned);
}

/*
 * ZCRX_E1000E_CASES=a,b (on the kernel command line, which gives it to
 * the tests' environment) runs only those cases (and hds_on); the others
 * skip.
 */
static const char *only_cases;

static void skip_case(void)
{
	tst_skip("not in ZCRX_E1000E_CASES=%s", only_cases);
}

static bool selected(const char *name)
{
	const char *p = only_cases;
	size_t n = strlen(name);

	if (!p || !strcmp(name, "hds_on"))
		return true;
	while ((p = strstr(p, name))) {
		if ((p == only_cases || p[-1] == ',') &&
		    (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* A case (or its skip), then whatever it left closed. */
#define CASE(fn)							\
	do {								\
		if (selected(#fn)) {					\
			TST_CASE(fn);					\
		} else {						\
			tst_case(#fn, (void (*)(void *))(void (*)(void))skip_case, NULL); \
		}							\
	} while (0)
#define RUN(fn)	do { CASE(fn); tcase_release(&t); } while (0)

int main(void)
{
	struct nic nics[4];
	int n;

	signal(SIGPIPE, SIG_IGN);
	only_cases = getenv("ZCRX_E1000E_CASES");
	n = find_nics(nics);
	if (n < 2)
		tst_skip("expected two e1000e NICs (scripts/qemu-run.sh -e), found %d",
			 n);
	zu_require_zcrx();
	txn = nics[0];
	rxn = nics[1];
	tcase_init(&t);
	pinned_base = zu_vmpin_kb();

	vn_ns_new(&peer);
	if (vn_ns_sh(&peer, "sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1 2>/dev/null; true"))
		tst_fail("expected to turn IPv6 off in the sender's netns");
	vn_link_netns(txn.name, &peer);
	/*
	 * QEMU 7.2's e1000e sends a TSO frame to a peer without a vnet
	 * header (the hub) as IP fragments, not TCP segments: fragments are
	 * not split at the TCP payload, and a bound queue drops them. The
	 * stack segments instead.
	 */
	if (vn_ns_sh(&peer, "ethtool -K %s tso off", txn.name))
		tst_fail("expected ethtool -K %s tso off to work", txn.name);
	no_ipv6(rxn.name);
	vn_addr_up(&peer, txn.name, TX_ADDR "/24");
	vn_addr_up(NULL, rxn.name, RX_ADDR "/24");
	wait_links();
	printf("# receiver %s (%s), sender %s (%s, own netns)\n", rxn.name,
	       rxn.pci, txn.name, txn.pci);

	tst_plan(15);
	RUN(legacy_stream);
	RUN(hds_on);
	RUN(hds_page_stream);
	RUN(killed);
	/* zc_stream's ifq stays bound for hds_off_refused */
	CASE(zc_stream);
	CASE(hds_off_refused);
	CASE(icmp_miss);
	tcase_release(&t);
	RUN(starved);
	RUN(example_server);
	RUN(link_flap);
	RUN(bind_down);
	RUN(jumbo);
	RUN(ring_resize);
	RUN(busy_poll);
	RUN(unbind_rebind);
	RUN(vmpin_back);

	vn_ns_close(&peer);
	return tst_exit();
}
