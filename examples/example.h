/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the example programs (header only, so that every
 * example stays one .c file): the stream byte pattern, a TCP listener and a
 * sender that writes the pattern on several connections, size parsing,
 * clocks and the summary line every example prints.
 *
 * The pattern is zcrx_loopback's: byte i of a stream is
 * (uint8_t)(i * 7 + (i >> 12)). It repeats every MiB (7 * 2^20 and
 * 2^20 >> 12 = 256 are both 0 mod 256), so one precomputed MiB serves both
 * to send and to check with memcmp().
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EX_PERIOD	(1u << 20)	/* the pattern repeats every MiB */
#define EX_MAX_CONNS	64

static const char *ex_prog = "example";

static inline uint8_t ex_pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void ex_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ex_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* EX_PERIOD + @extra bytes of the pattern from stream position 0. */
static inline uint8_t *ex_pattern_alloc(size_t extra)
{
	size_t len = EX_PERIOD + extra, i;
	uint8_t *p = malloc(len);

	if (!p)
		ex_die("out of memory for a %zu-byte pattern buffer", len);
	for (i = 0; i < len; i++)
		p[i] = ex_pattern(i);
	return p;
}

/*
 * Check @len bytes at @p against the pattern at stream position @at.
 * Returns -1 if they match, else the index of the first wrong byte.
 */
static inline long ex_check(const uint8_t *p, uint64_t at, size_t len)
{
	static uint8_t *ref;
	size_t done = 0, i;

	if (!ref)
		ref = ex_pattern_alloc(EX_PERIOD);
	while (done < len) {
		size_t n = len - done < EX_PERIOD ? len - done : EX_PERIOD;
		const uint8_t *r = ref + (at + done) % EX_PERIOD;

		if (memcmp(p + done, r, n)) {
			for (i = 0; i < n; i++)
				if (p[done + i] != r[i])
					return (long)(done + i);
		}
		done += n;
	}
	return -1;
}

/* "123", "64K", "1M", "2G" (powers of 1024); exits on garbage. */
static inline uint64_t ex_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		ex_die("bad size \"%s\"", s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	if (*end)
		ex_die("bad size \"%s\"", s);
	return v;
}

static inline double ex_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * CPU time (user + system) of the calling thread, or of the whole process
 * with RUSAGE_SELF. A receiver measures its own thread: softirq work done
 * while it runs and the io_uring task work it runs are charged to it.
 */
static inline double ex_cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * CPU time of the calling thread in nanoseconds: CLOCK_THREAD_CPUTIME_ID
 * reads the scheduler's runtime of the thread, as fine as the kernel's
 * sched_clock() (UML has none of its own: the jiffies-based default moves
 * in 1/HZ steps there, so measure long runs). What it holds
 * is the kernel's choice: interrupt and softirq work that runs while the
 * thread is on the CPU is charged to it (under UML all of it: its
 * "interrupts" are signals handled in the task that runs).
 */
static inline long long ex_thread_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		ex_die("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %s",
		       strerror(errno));
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * The whole machine's CPU time from the first line of /proc/stat, in
 * clock ticks (USER_HZ): a receiver samples it at its first accept and
 * last EOF, so the window is its own but the time is everyone's (sender,
 * softirq, the NIC's emulation, other processes). Tick-sampled by the
 * kernel: good to a few ticks per window. All 0 without /proc.
 */
struct ex_guest {
	unsigned long long	user, sys, softirq, busy;
};

static inline void ex_guest_cpu(struct ex_guest *g)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	memset(g, 0, sizeof(*g));
	if (!f)
		return;
	/* cpu user nice system idle iowait irq softirq steal ... */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 7) {
		g->user = v[0] + v[1];
		g->sys = v[2];
		g->softirq = v[6];
		g->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	}
	fclose(f);
}

/* " guest_busy_ms=... guest_user_ms=... guest_sys_ms=... guest_softirq_ms=..." */
static inline void ex_guest_fmt(char *buf, size_t len, const struct ex_guest *a,
				const struct ex_guest *b)
{
	long hz = sysconf(_SC_CLK_TCK);
	double ms = 1000.0 / (hz > 0 ? hz : 100);

	snprintf(buf, len,
		 " guest_busy_ms=%.0f guest_user_ms=%.0f guest_sys_ms=%.0f guest_softirq_ms=%.0f",
		 (b->busy - a->busy) * ms, (b->user - a->user) * ms,
		 (b->sys - a->sys) * ms, (b->softirq - a->softirq) * ms);
}

/*
 * The summary line. zc and copy < 0 are left out (the sender has none);
 * every value is a number so scripts can pick fields with sed or awk.
 */
static inline void ex_summary(unsigned int conns, uint64_t bytes,
			      double secs, double cpu, long long zc,
			      long long copy, unsigned int errors,
			      const char *extra)
{
	double mib = bytes / 1048576.0;

	printf("%s: conns=%u bytes=%llu secs=%.3f MiB/s=%.1f cpu_s=%.3f",
	       ex_prog, conns, (unsigned long long)bytes, secs,
	       secs > 0 ? mib / secs : 0.0, cpu);
	if (zc >= 0)
		printf(" zc_bytes=%lld copy_bytes=%lld", zc, copy);
	printf(" errors=%u%s%s\n", errors, extra ? " " : "", extra ? extra : "");
	fflush(stdout);
}

/* A socket address from a numeric IPv4 or IPv6 address and a port. */
static inline int ex_addr(const char *host, int port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

/*
 * A listening TCP socket on @bind_addr (NULL: every address, IPv6 and
 * IPv4 on one dual-stack socket, or IPv4 only where the kernel has no
 * IPv6) and @port (0: any; *@port gets the one chosen).
 */
static inline int ex_listen(const char *bind_addr, int *port, bool *ipv6)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, one = 1, zero = 0;

	if (bind_addr) {
		if (ex_addr(bind_addr, *port, &ss, &len))
			ex_die("bad address \"%s\" (numeric IPv4 or IPv6)",
			       bind_addr);
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(*port);
		a6->sin6_addr = in6addr_any;
		len = sizeof(*a6);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					  &zero, sizeof(zero))) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			a4->sin_family = AF_INET;
			a4->sin_port = htons(*port);
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
			len = sizeof(*a4);
			fd = socket(AF_INET, SOCK_STREAM, 0);
		}
	}
	if (fd < 0)
		ex_die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, EX_MAX_CONNS))
		ex_die("listen on port %d: %s", *port, strerror(errno));
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		ex_die("getsockname: %s", strerror(errno));
	*port = ntohs(ss.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	if (ipv6)
		*ipv6 = ss.ss_family == AF_INET6;
	return fd;
}

/* ------------------------------------------------------------------ */
/* The sender: @conns connections, @bytes of pattern on each. */

struct ex_sender {
	/* in */
	const char	*host;
	int		port;
	unsigned int	conns;
	uint64_t	bytes;		/* per connection */
	size_t		msg;		/* bytes per send() */
	int		wait_secs;	/* keep trying to connect this long */
	/* out */
	uint64_t	sent;		/* all connections */
	double		secs;		/* first send to last close */
	double		cpu;		/* the process's CPU seconds meanwhile */
	unsigned int	errors;
	char		error[160];
};

struct ex_sender_conn {
	struct ex_sender	*s;
	const uint8_t		*buf;
	int			fd;
	uint64_t		sent;
	int			err;
};

static inline void *ex_sender_conn_fn(void *arg)
{
	struct ex_sender_conn *c = arg;
	uint64_t total = c->s->bytes;

	while (c->sent < total) {
		size_t n = total - c->sent < c->s->msg ? total - c->sent :
							  c->s->msg;
		ssize_t w = send(c->fd, c->buf + c->sent % EX_PERIOD, n,
				 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->err = w < 0 ? errno : EPIPE;
			break;
		}
		c->sent += w;
	}
	if (close(c->fd) && !c->err)
		c->err = errno;
	return NULL;
}

/*
 * Connect every connection (retrying refused ones for s->wait_secs), then
 * send on all of them at once, one thread each. Returns 0 when every byte
 * was sent, else -1 with s->error set.
 */
static inline int ex_send(struct ex_sender *s)
{
	struct ex_sender_conn c[EX_MAX_CONNS];
	pthread_t th[EX_MAX_CONNS];
	struct sockaddr_storage ss;
	double t0, c0, deadline;
	socklen_t len;
	uint8_t *buf;
	unsigned int i;

	s->sent = 0;
	s->errors = 0;
	s->error[0] = 0;
	if (!s->conns || s->conns > EX_MAX_CONNS || !s->msg) {
		snprintf(s->error, sizeof(s->error),
			 "1 to %d connections and a message size > 0",
			 EX_MAX_CONNS);
		return -1;
	}
	if (ex_addr(s->host, s->port, &ss, &len)) {
		snprintf(s->error, sizeof(s->error),
			 "bad address \"%s\" (numeric IPv4 or IPv6)", s->host);
		return -1;
	}
	buf = ex_pattern_alloc(s->msg);
	deadline = ex_now() + s->wait_secs;
	for (i = 0; i < s->conns; i++) {
		int fd, err;

		for (;;) {
			err = 0;
			fd = socket(ss.ss_family, SOCK_STREAM, 0);
			if (fd < 0) {
				err = errno;
				break;
			}
			if (!connect(fd, (struct sockaddr *)&ss, len))
				break;
			err = errno;
			close(fd);
			fd = -1;
			if ((err != ECONNREFUSED && err != ENETUNREACH) ||
			    ex_now() > deadline)
				break;
			usleep(100 * 1000);
		}
		if (err) {
			snprintf(s->error, sizeof(s->error),
				 "connection %u to %s port %d: %s", i, s->host,
				 s->port, strerror(err));
			while (i--)
				close(c[i].fd);
			free(buf);
			return -1;
		}
		c[i] = (struct ex_sender_conn){ .s = s, .buf = buf, .fd = fd };
	}

	t0 = ex_now();
	c0 = ex_cpu(RUSAGE_SELF);
	for (i = 0; i < s->conns; i++)
		if (pthread_create(&th[i], NULL, ex_sender_conn_fn, &c[i]))
			ex_die("pthread_create failed");
	for (i = 0; i < s->conns; i++) {
		pthread_join(th[i], NULL);
		s->sent += c[i].sent;
		if (c[i].err) {
			s->errors++;
			snprintf(s->error, sizeof(s->error),
				 "connection %u: send after %llu bytes: %s", i,
				 (unsigned long long)c[i].sent,
				 strerror(c[i].err));
		}
	}
	s->secs = ex_now() - t0;
	s->cpu = ex_cpu(RUSAGE_SELF) - c0;
	free(buf);
	return s->errors ? -1 : 0;
}

/* ex_send() as a thread body, for the self-checks. */
static inline void *ex_send_thread(void *arg)
{
	ex_send(arg);
	return NULL;
}

#endif /* EXAMPLE_H */
