// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed IORING_OP_RECV_ZC SQEs complete with the ABI's errno, in one
 * CQE without IORING_CQE_F_MORE: addr, addr2, addr3 or msg_flags set,
 * an ioprio bit other than IORING_RECV_MULTISHOT / POLL_FIRST, no
 * IORING_RECV_MULTISHOT, an unknown zcrx_ifq_idx (-EINVAL); a pipe
 * (-ENOTSOCK); a UDP socket and, as upstream, a TCP socket whose proto
 * kTLS or a sockmap replaced (-EPROTONOSUPPORT, refused before anything
 * is read; the kTLS case is skipped without CONFIG_TLS). Each but the
 * kTLS one is checked on a socket with data waiting, so a request that
 * wrongly went ahead would post data instead. Afterwards a well-formed
 * request (with IORING_RECVSEND_POLL_FIRST, which is allowed) on the same
 * socket receives the data intact.
 *
 * One case per malformed SQE, then the stream; the sockets, the ring and
 * the ifq are shared. Each case first cancels whatever an earlier one
 * left in flight and reaps its CQEs, so one failure stays one failure
 * (unless it ate the data, which the stream then reports too).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcrx_util.h"

#define DATA_LEN	(64 * 1024)

enum sock_kind { TCP, PIPE, UDP, KTLS, SOCKMAP };

struct sqe_case {
	const char *name;
	const char *what;
	enum sock_kind sock;
	int expect;
	void (*set)(struct io_uring_sqe *sqe);
};

static uint32_t zcrx_id;
static struct io_uring ring;
static struct zu_ifq z;
static int rx, tx, pfd[2], udp, ktls_rx = -1, ktls_tx = -1;
static int smap_rx = -1, smap_tx = -1;
static char ktls_err[96], smap_err[96];

#define SET(fn, body) static void fn(struct io_uring_sqe *sqe) { body; }

SET(none, (void)sqe)
SET(addr, sqe->addr = 4096)
SET(addr2, sqe->addr2 = 1)
SET(addr3, sqe->addr3 = 1)
SET(msg_flags, sqe->msg_flags = MSG_DONTWAIT)
SET(ioprio_bit2, sqe->ioprio |= 1u << 2)
SET(ioprio_bit15, sqe->ioprio |= 1u << 15)
SET(ioprio_bundle, sqe->ioprio |= 1u << 4)
SET(no_multishot, sqe->ioprio &= ~IORING_RECV_MULTISHOT)
SET(bad_ifq, sqe->zcrx_ifq_idx = zcrx_id + 1)
SET(huge_ifq, sqe->zcrx_ifq_idx = 0xffffffffu)

static const struct sqe_case cases[] = {
	{ "addr", "addr != 0", TCP, -EINVAL, addr },
	{ "addr2", "addr2 != 0", TCP, -EINVAL, addr2 },
	{ "addr3", "addr3 != 0", TCP, -EINVAL, addr3 },
	{ "msg_flags", "msg_flags != 0", TCP, -EINVAL, msg_flags },
	{ "ioprio_bit2", "ioprio with unknown bit 2", TCP, -EINVAL, ioprio_bit2 },
	{ "ioprio_bit15", "ioprio with unknown bit 15", TCP, -EINVAL, ioprio_bit15 },
	{ "ioprio_bundle", "ioprio with bit 4 (bundle, not for recv-zc)", TCP, -EINVAL, ioprio_bundle },
	{ "no_multishot", "ioprio without IORING_RECV_MULTISHOT", TCP, -EINVAL, no_multishot },
	{ "bad_ifq", "zcrx_ifq_idx of no ifq", TCP, -EINVAL, bad_ifq },
	{ "huge_ifq", "zcrx_ifq_idx 0xffffffff", TCP, -EINVAL, huge_ifq },
	{ "pipe", "a pipe", PIPE, -ENOTSOCK, none },
	{ "udp", "a UDP socket", UDP, -EPROTONOSUPPORT, none },
	{ "ktls_rx", "a kTLS receive socket (TCP with its proto replaced)", KTLS, -EPROTONOSUPPORT, none },
	{ "sockmap", "a TCP socket in a sockmap (proto tcp_bpf)", SOCKMAP, -EPROTONOSUPPORT, none },
};

static void sqe_case(void *arg)
{
	const struct sqe_case *c = arg;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int fd = c->sock == TCP ? rx : c->sock == PIPE ? pfd[0] :
		 c->sock == UDP ? udp : c->sock == KTLS ? ktls_rx : smap_rx;
	uint64_t tag = c - cases + 1;
	int ret, res;
	unsigned int flags;

	if (c->sock == KTLS && ktls_rx < 0)
		tst_skip("no kTLS receive socket: %s", ktls_err);
	/* both test kernels have CONFIG_BPF_SYSCALL: no socket is a failure */
	if (c->sock == SOCKMAP && smap_rx < 0)
		tst_fail("expected a TCP socket in a sockmap, got %s", smap_err);
	zu_quiesce(&ring);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_recv_zc(sqe, fd, z.id, 0, IORING_RECV_MULTISHOT);
	sqe->user_data = tag;
	c->set(sqe);
	ret = io_uring_submit(&ring);
	if (ret != 1)
		tst_fail("%s: expected the SQE submitted, got %s", c->what,
			 zu_errname(ret));
	cqe = zu_wait_cqe(&ring, 10000);
	res = cqe->res;
	flags = cqe->flags;
	if (cqe->user_data != tag)
		tst_fail("%s: expected the CQE of SQE %llu, got user_data %llu (res %d)",
			 c->what, (unsigned long long)tag,
			 (unsigned long long)cqe->user_data, res);
	io_uring_cqe_seen(&ring, cqe);
	if (res != c->expect || (flags & IORING_CQE_F_MORE))
		tst_fail("recv-zc on %s: expected res %s without F_MORE, got %s with flags %#x",
			 c->what, zu_errname(c->expect), zu_errname(res),
			 flags);
	if (!io_uring_peek_cqe(&ring, &cqe))
		tst_fail("recv-zc on %s: expected one CQE, got another (res %s, flags %#x)",
			 c->what, zu_errname(cqe->res), cqe->flags);
}

/*
 * The data is still there for a well-formed request, which may also
 * ask for IORING_RECVSEND_POLL_FIRST.
 */
static void stream_after_errors(void)
{
	struct zu_recv r;

	zu_quiesce(&ring);
	close(tx);
	zu_recv_init(&r, &z, rx, DATA_LEN, ZU_REFILL_EAGER);
	r.ioprio_extra = IORING_RECVSEND_POLL_FIRST;
	zu_recv_all(&r);
	zu_recv_free(&r);
}

/*
 * A loopback TCP socket with kTLS receive (TCP_ULP "tls", TLS_RX with an
 * AES-GCM-128 key): its sk_prot->recvmsg is tls_sw_recvmsg. On failure
 * ktls_rx stays -1 and ktls_err says why.
 */
static void ktls_setup(void)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	int fd;

	zu_tcp_pair(&fd, &ktls_tx);
	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_2_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"))) {
		snprintf(ktls_err, sizeof(ktls_err), "TCP_ULP \"tls\": %s",
			 strerror(errno));
		close(fd);
		return;
	}
	if (setsockopt(fd, SOL_TLS, TLS_RX, &ci, sizeof(ci))) {
		snprintf(ktls_err, sizeof(ktls_err), "TLS_RX: %s",
			 strerror(errno));
		close(fd);
		return;
	}
	ktls_rx = fd;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/*
 * A loopback TCP socket added to a BPF_MAP_TYPE_SOCKMAP: the map's psock
 * replaces its proto with tcp_bpf's (recvmsg tcp_bpf_recvmsg), with no
 * program attached. On failure smap_rx stays -1 and smap_err says why.
 */
static void sockmap_setup(void)
{
	union bpf_attr attr;
	uint32_t key = 0, val;
	int map, fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_SOCKMAP;
	attr.key_size = sizeof(key);
	attr.value_size = sizeof(val);
	attr.max_entries = 1;
	map = sys_bpf(BPF_MAP_CREATE, &attr);
	if (map < 0) {
		snprintf(smap_err, sizeof(smap_err), "BPF_MAP_CREATE: %s",
			 strerror(errno));
		return;
	}
	zu_tcp_pair(&fd, &smap_tx);
	val = fd;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)&val;
	attr.flags = BPF_ANY;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr)) {
		snprintf(smap_err, sizeof(smap_err), "BPF_MAP_UPDATE_ELEM: %s",
			 strerror(errno));
		close(fd);
		close(map);
		return;
	}
	/* data waiting: a request that wrongly went ahead would post it */
	if (write(smap_tx, "sockmap", 7) != 7) {
		snprintf(smap_err, sizeof(smap_err), "write: %s",
			 strerror(errno));
		return;
	}
	/* the socket keeps tcp_bpf's proto for as long as the map holds it */
	smap_rx = fd;
}

int main(void)
{
	uint8_t *buf;
	unsigned int i;

	zu_require_zcrx();
	tst_plan(ZU_ARRAY_SIZE(cases) + 1);
	zu_ring_init_or_die(&ring, 8, 0, 0);
	zu_ifq_setup(&z, &ring, 64 * ZU_PAGE, 64, false);
	zcrx_id = z.id;

	zu_tcp_pair(&rx, &tx);
	/* data waiting on rx: a request that goes ahead would post it */
	buf = malloc(DATA_LEN);
	if (!buf)
		tst_fail("expected %u bytes of memory, got none", DATA_LEN);
	zu_fill_pattern(buf, 0, DATA_LEN);
	if (write(tx, buf, DATA_LEN) != DATA_LEN)
		tst_fail("expected to write %u bytes to the loopback socket, got %s",
			 DATA_LEN, strerror(errno));
	if (pipe(pfd))
		tst_fail("expected a pipe, got %s", strerror(errno));
	if (write(pfd[1], "x", 1) != 1)
		tst_fail("expected to write to the pipe, got %s",
			 strerror(errno));
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp < 0)
		tst_fail("expected a UDP socket, got %s", strerror(errno));
	ktls_setup();
	sockmap_setup();

	for (i = 0; i < ZU_ARRAY_SIZE(cases); i++)
		tst_case(cases[i].name, sqe_case, (void *)&cases[i]);
	TST_CASE(stream_after_errors);

	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	return tst_exit();
}
