// SPDX-License-Identifier: GPL-2.0
/*
 * scripts/zcrx-nic-setup, the one-command NIC setup of a zcrx flow, on a
 * vnic pair (vB: 4 rx queues, the receiving end), run the way a user runs
 * it; the tool is installed beside the tests (examples/Makefile). What it
 * did is read back with ethtool -g, -n and -x:
 *
 * - setup_steers: `zcrx-nic-setup vB 7601 1` exits 0, tcp-data-split is on,
 *   exactly one tcp4 and one tcp6 rule steer dst-port 7601 to queue 1, no
 *   RSS table entry points to queue 1, its state file exists and it printed
 *   the undo command;
 * - setup_twice: run again, it adds no second pair of rules;
 * - undo_restores: `-u` deletes the rules, the RSS table is the default
 *   again (entry i on queue i % 4), the state file is gone; a second undo
 *   finds nothing and exits 0;
 * - dry_run_changes_nothing: `-n` prints the ethtool commands and changes
 *   nothing; `-n -u` after a setup leaves the rules where they are;
 * - bad input exits non-zero with a message and changes nothing: no such
 *   interface, queue out of range, port or queue not a number, port 0 or
 *   65536, a missing argument;
 * - conflicting_rule_refused: a rule of the port to another queue is
 *   refused, not replaced;
 * - rollback_on_failure: with 15 of vnic's 16 rule slots taken the tcp6
 *   rule cannot be added: exit 1, and the tcp4 rule it had added is gone;
 * - hds_off: with tcp-data-split off, an ethtool that cannot set it (Debian
 *   12's 6.1) makes the tool refuse with a message naming the NIC and
 *   changing nothing; a newer one turns it on, and undo turns it off again;
 * - single_queue: on a vnic with one rx queue, queue 0 needs no rule (none
 *   is added), queue 1 is out of range;
 * - delete_pair.
 *
 * The tool keeps its state in a scratch folder of /tmp
 * (ZCRX_NIC_SETUP_STATE), not in /run: UML runs on the host's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tst.h"
#include "vnic_util.h"

#define NQ		4
#define PORT		7601
#define QUEUE		1
#define PORT_FILL	7700	/* 7700..7714: the rules that fill the table */
#define INDIR_MAX	512
#define SQ_A		"vS1"	/* the one-queue pair */
#define SQ_B		"vS2"

static char tool[PATH_MAX];
static char state_dir[64] = "/tmp/t_zcrx_nic_setup.XXXXXX";

/*
 * Commands run without a shell (posix_spawnp), stdout and stderr into out:
 * a fork costs 0.1 s in the UML test kernel, and the tool and ethtool run
 * some 200 times. Returns the exit status, -1 if the command could not run
 * or was killed.
 */
static char out[8192];

static int exv(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	size_t len = 0;
	int p[2], st;
	char junk[512];
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(out, sizeof(out), "pipe2: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (errno) {
		snprintf(out, sizeof(out), "cannot run %s: %s", argv[0],
			 strerror(errno));
		close(p[0]);
		return -1;
	}
	while (len < sizeof(out) - 1 &&
	       (n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	while (read(p[0], junk, sizeof(junk)) > 0)
		;	/* what did not fit */
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* ex("ethtool", "-n", ifname, NULL) */
static int ex(const char *arg0, ...)
{
	char *argv[16];
	unsigned int n = 0;
	va_list ap;

	argv[n++] = (char *)arg0;
	va_start(ap, arg0);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return exv(argv);
}

/* out on one line, for messages. */
static const char *out_line(void)
{
	static char line[sizeof(out)];
	size_t i, len = strlen(out);

	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	for (i = 0; i < len; i++)
		line[i] = out[i] == '\n' ? '|' : out[i];
	line[len] = '\0';
	return len ? line : "(no output)";
}

static bool out_has(const char *str)
{
	return strstr(out, str) != NULL;
}

/* Run the tool with args (words split at spaces): its exit status. */
__attribute__((format(printf, 1, 0)))
static int run_tool_v(const char *fmt, va_list ap, char *args, size_t len)
{
	char words[256], *argv[16], *w, *save = NULL;
	unsigned int n = 0;

	vsnprintf(args, len, fmt, ap);
	snprintf(words, sizeof(words), "%s", args);
	argv[n++] = tool;
	for (w = strtok_r(words, " ", &save); w && n < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return exv(argv);
}

__attribute__((format(printf, 1, 2)))
static int run_tool(const char *fmt, ...)
{
	char args[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_tool_v(fmt, ap, args, sizeof(args));
	va_end(ap);
	return rc;
}

/* The same, failing the case unless the tool exits 0. */
__attribute__((format(printf, 1, 2)))
static void tool_ok(const char *fmt, ...)
{
	char args[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_tool_v(fmt, ap, args, sizeof(args));
	va_end(ap);
	if (rc)
		tst_fail("expected `zcrx-nic-setup %s` to exit 0, got %d: %s",
			 args, rc, out_line());
}

struct rule {
	int	id;
	char	flow[8];	/* tcp4, tcp6 or other */
	int	port;		/* -1: not an exact destination port */
	int	queue;		/* -1: not a queue action */
};

/* The rules of ifname from ethtool -n (none if it cannot list them). */
static int read_rules(const char *ifname, struct rule *r, int max)
{
	char *line, *save = NULL;
	int n = -1, v;
	char m[16];

	if (ex("ethtool", "-n", ifname, NULL))
		return 0;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (sscanf(line, "Filter: %d", &v) == 1) {
			if (n + 1 >= max)
				break;
			n++;
			memset(&r[n], 0, sizeof(r[n]));
			r[n].id = v;
			strcpy(r[n].flow, "other");
			r[n].port = r[n].queue = -1;
		} else if (n < 0) {
			continue;
		} else if (!strcmp(line, "Rule Type: TCP over IPv4")) {
			strcpy(r[n].flow, "tcp4");
		} else if (!strcmp(line, "Rule Type: TCP over IPv6")) {
			strcpy(r[n].flow, "tcp6");
		} else if (sscanf(line, "Dest port: %d mask: %15s", &v, m) == 2) {
			r[n].port = strcmp(m, "0x0") ? -1 : v;
		} else if (sscanf(line, "Action: Direct to queue %d", &v) == 1) {
			r[n].queue = v;
		}
	}
	return n + 1;
}

/* All the rules of an interface, read once (every ethtool run costs). */
struct rules {
	int		n;
	struct rule	r[32];
};

static const struct rules *rules_of(const char *ifname)
{
	static struct rules rs;

	rs.n = read_rules(ifname, rs.r, 32);
	return &rs;
}

/* How many of rs steer flow dst-port port (to any queue: the last's). */
static int count_rules(const struct rules *rs, const char *flow, int port,
		       int *queue)
{
	int i, c = 0;

	for (i = 0; i < rs->n; i++) {
		if (strcmp(rs->r[i].flow, flow) || rs->r[i].port != port)
			continue;
		c++;
		if (queue)
			*queue = rs->r[i].queue;
	}
	return c;
}

/* Delete every rule of vB. */
static void no_rules(void)
{
	const struct rules *rs = rules_of(VN_B);
	char id[16];
	int i, n = rs->n, ids[32];

	if (!n)
		return;
	for (i = 0; i < n; i++)
		ids[i] = rs->r[i].id;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%d", ids[i]);
		ex("ethtool", "-N", VN_B, "delete", id, NULL);
	}
	rs = rules_of(VN_B);
	if (rs->n)
		tst_fail("expected to delete every rule of %s, ethtool -n still lists %d",
			 VN_B, rs->n);
}

/* The RSS indirection table of ifname from ethtool -x: its size. */
static int read_rss(const char *ifname, int *indir, int max)
{
	char *line, *save = NULL, *p, *end;
	bool in = false;
	int n = 0;
	long v;

	if (ex("ethtool", "-x", ifname, NULL))
		tst_fail("expected ethtool -x %s to work, got: %s", ifname,
			 out_line());
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "indirection table")) {
			in = true;
			continue;
		}
		if (!strncmp(line, "RSS hash", 8))
			in = false;
		p = strchr(line, ':');
		if (!in || !p)
			continue;
		for (p++; n < max; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			indir[n++] = (int)v;
		}
	}
	return n;
}

/* Entries of the table on queue q; *size gets the table's size. */
static int rss_on_queue(int q, int *size)
{
	int indir[INDIR_MAX], n = read_rss(VN_B, indir, INDIR_MAX), i, c = 0;

	for (i = 0; i < n; i++)
		c += indir[i] == q;
	*size = n;
	return c;
}

static bool rss_is_default(char *why, size_t len)
{
	int indir[INDIR_MAX], n = read_rss(VN_B, indir, INDIR_MAX), i;

	if (!n) {
		snprintf(why, len, "ethtool -x %s shows no table", VN_B);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (indir[i] != i % NQ) {
			snprintf(why, len,
				 "entry %d of %d is on queue %d, not %d",
				 i, n, indir[i], i % NQ);
			return false;
		}
	}
	return true;
}

static void expect_rss_default(const char *when)
{
	char why[128];

	if (!rss_is_default(why, sizeof(why)))
		tst_check(false,
			  "expected the default RSS table of %s (entry i on queue i %% %d) %s, got: %s",
			  VN_B, NQ, when, why);
}

/* The last "TCP data split:" value of ethtool -g ifname. */
static const char *hds_of(const char *ifname)
{
	static char val[32];
	const char *p, *last = NULL;

	val[0] = '\0';
	if (ex("ethtool", "-g", ifname, NULL))
		return "(ethtool -g failed)";
	for (p = out; (p = strstr(p, "TCP data split:")); p++)
		last = p;
	if (!last)
		return "(none)";
	sscanf(last, "TCP data split: %31s", val);
	return val;
}

static bool state_exists(const char *ifname, int port, int queue)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s-%d-%d", state_dir, ifname, port,
		 queue);
	return !access(path, F_OK);
}

static void unlink_state(const char *ifname, int port, int queue)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s-%d-%d", state_dir, ifname, port,
		 queue);
	unlink(path);
}

/* vB as the cases expect it: no rule, default RSS, header split on. */
static void clean(void)
{
	char why[128];

	no_rules();
	if (!rss_is_default(why, sizeof(why)) &&
	    ex("ethtool", "-X", VN_B, "default", NULL))
		tst_fail("expected ethtool -X %s default to work, got: %s",
			 VN_B, out_line());
	if (vn_set_hds(VN_B, true))
		tst_fail("expected to turn tcp-data-split on on %s", VN_B);
	unlink_state(VN_B, PORT, QUEUE);
}

/* Nothing was changed: no rule, the default table, no state file. */
static void expect_unchanged(const char *what)
{
	int n = rules_of(VN_B)->n;
	char when[160];

	tst_check(!n, "expected no rule on %s after %s, ethtool -n lists %d",
		  VN_B, what, n);
	snprintf(when, sizeof(when), "after %s", what);
	expect_rss_default(when);
	tst_check(!state_exists(VN_B, PORT, QUEUE),
		  "expected no state file %s/%s-%d-%d after %s, there is one",
		  state_dir, VN_B, PORT, QUEUE, what);
}

static void expect_set_up(void)
{
	int n4, n6, q4 = -1, q6 = -1, on, size;
	const char *hds = hds_of(VN_B);
	const struct rules *rs;

	tst_check(!strcmp(hds, "on"),
		  "expected ethtool -g %s to show TCP data split: on, got %s",
		  VN_B, hds);
	rs = rules_of(VN_B);
	n4 = count_rules(rs, "tcp4", PORT, &q4);
	n6 = count_rules(rs, "tcp6", PORT, &q6);
	tst_check(n4 == 1 && q4 == QUEUE,
		  "expected one tcp4 rule dst-port %d -> queue %d on %s, got %d (queue %d)",
		  PORT, QUEUE, VN_B, n4, q4);
	tst_check(n6 == 1 && q6 == QUEUE,
		  "expected one tcp6 rule dst-port %d -> queue %d on %s, got %d (queue %d)",
		  PORT, QUEUE, VN_B, n6, q6);
	tst_check(rs->n == 2, "expected 2 rules on %s, ethtool -n lists %d",
		  VN_B, rs->n);
	on = rss_on_queue(QUEUE, &size);
	tst_check(size > 0 && !on,
		  "expected no RSS table entry of %s on queue %d, got %d of %d",
		  VN_B, QUEUE, on, size);
	tst_check(state_exists(VN_B, PORT, QUEUE),
		  "expected the state file %s/%s-%d-%d, there is none",
		  state_dir, VN_B, PORT, QUEUE);
}

static void setup_steers(void)
{
	char undo[64];

	clean();
	tool_ok("%s %d %d", VN_B, PORT, QUEUE);
	printf("# %s\n", out_line());
	snprintf(undo, sizeof(undo), " -u %s %d %d", VN_B, PORT, QUEUE);
	tst_check(out_has("undo: ") && out_has(undo),
		  "expected the tool to print the undo command (...%s), it printed: %s",
		  undo, out_line());
	expect_set_up();
}

static void setup_twice(void)
{
	tool_ok("%s %d %d", VN_B, PORT, QUEUE);
	tst_check(out_has("already steers"),
		  "expected the second run to find its rules (\"already steers\"), it printed: %s",
		  out_line());
	expect_set_up();
}

static void undo_restores(void)
{
	tool_ok("-u %s %d %d", VN_B, PORT, QUEUE);
	printf("# %s\n", out_line());
	expect_unchanged("the undo");
	tool_ok("-u %s %d %d", VN_B, PORT, QUEUE);
	tst_check(out_has("no rule steers"),
		  "expected a second undo to find no rule, it printed: %s",
		  out_line());
}

static void dry_run_changes_nothing(void)
{
	const struct rules *rs;
	char cmd[128];
	int n4, n6;
	bool st;

	clean();
	tool_ok("-n %s %d %d", VN_B, PORT, QUEUE);
	snprintf(cmd, sizeof(cmd),
		 "dry run: ethtool -N %s flow-type tcp4 dst-port %d action %d",
		 VN_B, PORT, QUEUE);
	tst_check(out_has(cmd), "expected the dry run to print `%s`, it printed: %s",
		  cmd, out_line());
	snprintf(cmd, sizeof(cmd), "dry run: ethtool -X %s weight 1 0 1 1",
		 VN_B);
	tst_check(out_has(cmd), "expected the dry run to print `%s`, it printed: %s",
		  cmd, out_line());
	expect_unchanged("a dry run");

	tool_ok("%s %d %d", VN_B, PORT, QUEUE);
	tool_ok("-n -u %s %d %d", VN_B, PORT, QUEUE);
	snprintf(cmd, sizeof(cmd), "dry run: ethtool -N %s delete", VN_B);
	tst_check(out_has(cmd), "expected the dry undo to print `%s ...`, it printed: %s",
		  cmd, out_line());
	rs = rules_of(VN_B);
	n4 = count_rules(rs, "tcp4", PORT, NULL);
	n6 = count_rules(rs, "tcp6", PORT, NULL);
	st = state_exists(VN_B, PORT, QUEUE);
	tst_check(n4 == 1 && n6 == 1 && st,
		  "expected a dry undo to leave both rules and the state file, got %d tcp4, %d tcp6 rule(s), state file %s",
		  n4, n6, st ? "there" : "gone");
	tool_ok("-u %s %d %d", VN_B, PORT, QUEUE);
	expect_unchanged("the undo");
}

/* Bad input: non-zero exit, a message with word in it, nothing changed. */
static void bad_input(const char *args, const char *word)
{
	int rc;

	clean();
	rc = run_tool("%s", args);
	if (!rc)
		tst_fail("expected `zcrx-nic-setup %s` to fail, it exited 0: %s",
			 args, out_line());
	tst_check(out_has(word),
		  "expected `zcrx-nic-setup %s` (exit %d) to say \"%s\", it said: %s",
		  args, rc, word, out_line());
	printf("# zcrx-nic-setup %s: exit %d: %s\n", args, rc, out_line());
	expect_unchanged(args);
}

static void bad_no_such_if(void)
{
	bad_input("vnic-none 7601 1", "vnic-none: no such interface");
}

static void bad_queue_out_of_range(void)
{
	bad_input("vB 7601 4", "queue 4 out of range");
}

static void bad_port_not_a_number(void)
{
	bad_input("vB 76x1 1", "PORT must be a TCP port number");
}

static void bad_port_out_of_range(void)
{
	bad_input("vB 0 1", "PORT must be a TCP port number");
	bad_input("vB 65536 1", "PORT must be a TCP port number");
}

static void bad_queue_not_a_number(void)
{
	bad_input("vB 7601 q1", "QUEUE must be an rx queue number");
}

static void bad_missing_argument(void)
{
	bad_input("vB 7601", "usage:");
}

static void conflicting_rule_refused(void)
{
	const struct rules *rs;
	int rc, id, q = -1, n;

	clean();
	id = vn_ntuple_add_or_die(VN_B, "tcp4", PORT, 2, -1);
	rc = run_tool("%s %d %d", VN_B, PORT, QUEUE);
	tst_check(rc == 1 && out_has("delete it first"),
		  "expected the tool to refuse (exit 1, \"delete it first\") with rule %d steering port %d to queue 2, got exit %d: %s",
		  id, PORT, rc, out_line());
	rs = rules_of(VN_B);
	n = count_rules(rs, "tcp4", PORT, &q);
	tst_check(n == 1 && q == 2 && rs->n == 1,
		  "expected only the rule to queue 2 left, got %d rule(s) (port %d: queue %d)",
		  rs->n, PORT, q);
	expect_rss_default("after the refusal");
	no_rules();
}

static void rollback_on_failure(void)
{
	const struct rules *rs;
	char port[16], q[16];
	int i, rc, n;

	clean();
	for (i = 0; i < VN_MAX_RULES - 1; i++) {
		snprintf(port, sizeof(port), "%d", PORT_FILL + i);
		snprintf(q, sizeof(q), "%d", i % NQ);
		ex("ethtool", "-N", VN_B, "flow-type", "tcp4", "dst-port", port,
		   "action", q, NULL);
	}
	rs = rules_of(VN_B);
	if (rs->n != VN_MAX_RULES - 1)
		tst_fail("expected %d rules added, ethtool -n lists %d",
			 VN_MAX_RULES - 1, rs->n);
	rc = run_tool("%s %d %d", VN_B, PORT, QUEUE);
	printf("# with %d rules: exit %d: %s\n", VN_MAX_RULES - 1, rc,
	       out_line());
	tst_check(rc == 1 && out_has("flow-type tcp6 dst-port 7601 action 1 failed"),
		  "expected the tool to fail at the tcp6 rule (exit 1), got exit %d: %s",
		  rc, out_line());
	rs = rules_of(VN_B);
	n = count_rules(rs, "tcp4", PORT, NULL);
	tst_check(!n && rs->n == VN_MAX_RULES - 1,
		  "expected the tcp4 rule it added deleted again and the %d others left, got %d tcp4 rule(s) for port %d, %d in all",
		  VN_MAX_RULES - 1, n, PORT, rs->n);
	expect_rss_default("after the failed setup");
	tst_check(!state_exists(VN_B, PORT, QUEUE),
		  "expected no state file after the failed setup, there is one");
	no_rules();
}

static void hds_off(void)
{
	const char *hds;
	bool can_set;
	int rc, ret;

	clean();
	ret = vn_set_hds(VN_B, false);
	if (ret)
		tst_fail("expected to turn tcp-data-split off on %s, got %s",
			 VN_B, strerror(-ret));
	ex("ethtool", "-h", NULL);
	can_set = out_has("tcp-data-split");
	rc = run_tool("%s %d %d", VN_B, PORT, QUEUE);
	printf("# tcp-data-split off, ethtool %s set it: exit %d: %s\n",
	       can_set ? "can" : "cannot", rc, out_line());
	if (!can_set) {
		tst_check(rc == 1 && out_has("tcp-data-split is off") &&
			  out_has("vB"),
			  "expected the tool to refuse (exit 1, naming vB and tcp-data-split), got exit %d: %s",
			  rc, out_line());
		expect_unchanged("the refusal");
		hds = hds_of(VN_B);
		tst_check(!strcmp(hds, "off"),
			  "expected tcp-data-split still off, got %s", hds);
	} else {
		if (rc)
			tst_fail("expected the tool to turn tcp-data-split on and exit 0, got exit %d: %s",
				 rc, out_line());
		expect_set_up();
		tool_ok("-u %s %d %d", VN_B, PORT, QUEUE);
		hds = hds_of(VN_B);
		tst_check(!strcmp(hds, "off"),
			  "expected undo to turn tcp-data-split off again, got %s",
			  hds);
	}
	ret = vn_set_hds(VN_B, true);
	if (ret)
		tst_fail("expected to turn tcp-data-split on again on %s, got %s",
			 VN_B, strerror(-ret));
}

static void single_queue(void)
{
	int rc, n;

	vn_sh("ip link del %s 2>/dev/null", SQ_A);
	vn_pair_create_or_skip(SQ_A, SQ_B, 1);
	tool_ok("%s %d 0", SQ_B, PORT);
	printf("# %s\n", out_line());
	tst_check(out_has("one rx queue"),
		  "expected the tool to say that one rx queue needs no steering, it printed: %s",
		  out_line());
	n = rules_of(SQ_B)->n;
	tst_check(!n, "expected no rule on %s (one queue), ethtool -n lists %d",
		  SQ_B, n);
	rc = run_tool("%s %d 1", SQ_B, PORT);
	tst_check(rc && out_has("queue 1 out of range"),
		  "expected queue 1 of a one-queue vnic refused, got exit %d: %s",
		  rc, out_line());
	tool_ok("-u %s %d 0", SQ_B, PORT);
	tst_check(!state_exists(SQ_B, PORT, 0),
		  "expected undo to remove the state file of %s", SQ_B);
	if (vn_pair_delete(SQ_A))
		tst_fail("expected `ip link del %s` to work", SQ_A);
}

static void delete_pair(void)
{
	if (vn_pair_delete(VN_B))
		tst_fail("expected `ip link del %s` to work", VN_B);
}

int main(void)
{
	struct timespec t0, t1;
	char exe[PATH_MAX];
	ssize_t n;

	vn_init();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		tst_fail("expected to read /proc/self/exe, got %s",
			 strerror(errno));
	exe[n] = '\0';
	snprintf(tool, sizeof(tool), "%s/zcrx-nic-setup", dirname(exe));
	if (access(tool, X_OK))
		tst_fail("expected the tool at %s (examples/Makefile installs it beside the tests), got %s",
			 tool, strerror(errno));
	if (!mkdtemp(state_dir))
		tst_fail("expected a scratch folder %s, got %s", state_dir,
			 strerror(errno));
	setenv("ZCRX_NIC_SETUP_STATE", state_dir, 1);

	vn_sh("ip link del %s 2>/dev/null; ip link del %s 2>/dev/null", VN_A,
	      VN_B);
	vn_pair_create_or_skip(VN_A, VN_B, NQ);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	tst_plan(15);
	TST_CASE(setup_steers);
	TST_CASE(setup_twice);
	TST_CASE(undo_restores);
	TST_CASE(dry_run_changes_nothing);
	TST_CASE(bad_no_such_if);
	TST_CASE(bad_queue_out_of_range);
	TST_CASE(bad_port_not_a_number);
	TST_CASE(bad_port_out_of_range);
	TST_CASE(bad_queue_not_a_number);
	TST_CASE(bad_missing_argument);
	TST_CASE(conflicting_rule_refused);
	TST_CASE(rollback_on_failure);
	TST_CASE(hds_off);
	TST_CASE(single_queue);
	TST_CASE(delete_pair);

	vn_sh("ip link del %s 2>/dev/null; ip link del %s 2>/dev/null", VN_A,
	      SQ_A);
	vn_sh("rm -rf %s", state_dir);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* every tool run forks a dozen processes: slow on the test kernels */
	printf("# the cases took %ld s\n", (long)(t1.tv_sec - t0.tv_sec));
	return tst_exit();
}
