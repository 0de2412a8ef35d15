// SPDX-License-Identifier: MIT
/*
 * tcp_sender: the traffic source for zcrx_server and copy_receiver.
 * Connects CONNS TCP connections to HOST PORT (numeric IPv4 or IPv6;
 * refused connections are retried for a while, so it can be started
 * together with the server), then sends BYTES of the stream pattern on
 * each, all at once, one thread per connection, MSG bytes per send(), and
 * prints one summary line:
 *
 *   tcp_sender: conns=2 bytes=... secs=... MiB/s=... cpu_s=... errors=0
 *
 * Without arguments it checks itself against a listener thread that reads
 * and checks two connections.
 */
#include "example.h"

#include <poll.h>

/* The self-check's reader: accept @n connections, read and check them. */
struct reader {
	int		lfd;
	unsigned int	n;
	uint64_t	bytes, want;
	unsigned int	errors;
};

static void *reader_fn(void *arg)
{
	struct reader *rd = arg;
	struct pollfd pfd[EX_MAX_CONNS];
	uint64_t got[EX_MAX_CONNS] = { 0 };
	static uint8_t buf[256 << 10];
	unsigned int i, open;

	for (i = 0; i < rd->n; i++) {
		pfd[i].fd = accept(rd->lfd, NULL, NULL);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			fprintf(stderr, "tcp_sender: reader: accept: %s\n",
				strerror(errno));
			rd->errors++;
			return NULL;
		}
	}
	for (open = rd->n; open;) {
		if (poll(pfd, rd->n, 60000) <= 0) {
			fprintf(stderr, "tcp_sender: reader: nothing to read for 60 s\n");
			rd->errors++;
			break;
		}
		for (i = 0; i < rd->n; i++) {
			ssize_t r;
			long bad;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				bad = ex_check(buf, got[i], r);
				if (bad >= 0) {
					fprintf(stderr, "tcp_sender: reader: connection %u: byte %llu is wrong\n",
						i, (unsigned long long)(got[i] + bad));
					rd->errors++;
				}
				got[i] += r;
				rd->bytes += r;
				continue;
			}
			if (r < 0 || got[i] != rd->want) {
				fprintf(stderr, "tcp_sender: reader: connection %u ended after %llu bytes (%s)\n",
					i, (unsigned long long)got[i],
					r < 0 ? strerror(errno) : "EOF");
				rd->errors++;
			}
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open--;
		}
	}
	for (i = 0; i < rd->n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return NULL;
}

static int selfcheck(void)
{
	struct reader rd = { .n = 2, .want = 16u << 20 };
	struct ex_sender s = {
		.host = "127.0.0.1", .conns = 2, .bytes = 16u << 20,
		.msg = 10000,	/* not a divisor of the pattern period */
		.wait_secs = 10,
	};
	pthread_t th;
	int port = 0, ret;

	rd.lfd = ex_listen("127.0.0.1", &port, NULL);
	s.port = port;
	if (pthread_create(&th, NULL, reader_fn, &rd))
		ex_die("pthread_create failed");
	ret = ex_send(&s);
	pthread_join(th, NULL);
	close(rd.lfd);
	ex_summary(s.conns, s.sent, s.secs, s.cpu, -1, -1, s.errors, NULL);
	if (ret) {
		printf("tcp_sender: FAIL: %s\n", s.error);
		return 1;
	}
	if (rd.errors || rd.bytes != 2 * rd.want) {
		printf("tcp_sender: FAIL: the reader got %llu bytes (want %llu) with %u errors\n",
		       (unsigned long long)rd.bytes,
		       (unsigned long long)(2 * rd.want), rd.errors);
		return 1;
	}
	printf("tcp_sender: PASS: 2 connections of %llu bytes sent and read back in order\n",
	       (unsigned long long)rd.want);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tcp_sender [-c CONNS] [-b BYTES] [-s MSG] [-w SECS] HOST PORT\n"
		"  -c  connections (default 1)   -b  bytes per connection (default 64M)\n"
		"  -s  bytes per send() (default 64K)\n"
		"  -w  keep retrying refused connections for SECS (default 10)\n"
		"without arguments: a self-check over loopback\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct ex_sender s = {
		.conns = 1, .bytes = 64u << 20, .msg = 64 << 10, .wait_secs = 10,
	};
	int opt;

	ex_prog = "tcp_sender";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1)
		return selfcheck();
	while ((opt = getopt(argc, argv, "c:b:s:w:h")) != -1) {
		switch (opt) {
		case 'c': s.conns = atoi(optarg); break;
		case 'b': s.bytes = ex_size(optarg); break;
		case 's': s.msg = ex_size(optarg); break;
		case 'w': s.wait_secs = atoi(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 2 || !s.conns || s.conns > EX_MAX_CONNS ||
	    !s.msg || s.msg > (256u << 20))
		usage();
	s.host = argv[optind];
	s.port = atoi(argv[optind + 1]);
	if (ex_send(&s)) {
		ex_summary(s.conns, s.sent, s.secs, s.cpu, -1, -1,
			   s.errors ? s.errors : 1, NULL);
		fprintf(stderr, "tcp_sender: %s\n", s.error);
		return 1;
	}
	ex_summary(s.conns, s.sent, s.secs, s.cpu, -1, -1, 0, NULL);
	return 0;
}
