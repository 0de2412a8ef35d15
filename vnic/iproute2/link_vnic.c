// SPDX-License-Identifier: GPL-2.0
/*
 * link_vnic.so: the "vnic" link kind for iproute2's ip (Debian 12's
 * iproute2 6.1), loaded as a plugin, so that
 *
 *   ip link add vA type vnic peer name vB [other ip link options of vB]
 *
 * creates a vnic pair with the peer configured as asked. ip looks for an
 * unknown kind in $IP_LIB_DIR/link_<kind>.so and takes the symbol
 * <kind>_link_util from it. ip is linked with -export-dynamic, so the
 * plugin calls ip's own iplink_parse() for the peer's options, the way ip
 * does for veth.
 *
 * The kernel ABI (drivers/net/vnic.c) is veth's: IFLA_INFO_DATA holds
 * VNIC_INFO_PEER, whose payload is a struct ifinfomsg followed by the
 * peer's IFLA_* attributes.
 *
 * No iproute2 headers are needed: the two structures ip shares with its
 * link kinds are declared here as iproute2 6.1 lays them out
 * (ip/ip_common.h).
 *
 * Build: cc -O2 -fPIC -shared -o link_vnic.so link_vnic.c
 */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define VNIC_INFO_PEER	1

/*
 * How far ip's request may grow: the request of `ip link add` is a
 * struct iplink_req, an nlmsghdr and an ifinfomsg followed by 1024
 * bytes; veth's parser uses 1024 as the limit too.
 */
#define VNIC_REQ_MAX	1024

/* iproute2 6.1's struct link_util (ip/ip_common.h), member for member. */
struct link_util {
	struct link_util	*next;
	const char		*id;
	int			maxattr;
	int			(*parse_opt)(struct link_util *lu, int argc,
					     char **argv, struct nlmsghdr *n);
	void			(*print_opt)(struct link_util *lu, FILE *f,
					     struct rtattr *tb[]);
	void			(*print_xstats)(struct link_util *lu, FILE *f,
						struct rtattr *xstats);
	void			(*print_help)(struct link_util *lu, int argc,
					      char **argv, FILE *f);
	int			(*parse_ifla_xstats)(struct link_util *lu,
						     int argc, char **argv);
	int			(*print_ifla_xstats)(struct nlmsghdr *n,
						     void *arg);
};

/*
 * The request iplink_parse() fills: nlmsghdr, ifinfomsg, attributes. Only
 * pointers to it are passed, to ip's own functions.
 */
struct iplink_req;

/* Functions of the ip binary (exported with -export-dynamic). */
int iplink_parse(int argc, char **argv, struct iplink_req *req, char **type);
struct rtattr *addattr_nest(struct nlmsghdr *n, int maxlen, int type);
int addattr_nest_end(struct nlmsghdr *n, struct rtattr *nest);

static void vnic_usage(FILE *f)
{
	fprintf(f,
		"Usage: ip link add [NAME] [ip link options] type vnic [ peer [ip link options] ]\n"
		"\n"
		"vnic is a pair of virtual NICs with rx queues, header split,\n"
		"ntuple rules and RSS. Options of the peer are those of\n"
		"\"ip link add\" (name, netns, numrxqueues, numtxqueues, mtu,\n"
		"address, up, ...); \"type\" is not one of them.\n"
		"Example:\n"
		"  ip link add vA numrxqueues 4 numtxqueues 4 type vnic \\\n"
		"     peer name vB numrxqueues 4 numtxqueues 4 netns PID\n");
}

static int vnic_parse_opt(struct link_util *lu, int argc, char **argv,
			  struct nlmsghdr *n)
{
	struct ifinfomsg *ifm = NLMSG_DATA(n), *peer_ifm;
	unsigned int flags, change;
	struct rtattr *peer;
	char *type = NULL;
	int index, used;

	(void)lu;
	if (!strcmp(argv[0], "help")) {
		vnic_usage(stderr);
		return -1;
	}
	if (strcmp(argv[0], "peer")) {
		fprintf(stderr, "vnic: unknown option \"%s\"\n", argv[0]);
		vnic_usage(stderr);
		return -1;
	}

	/*
	 * iplink_parse() writes the flags and the index of the link it
	 * parses into the request's own ifinfomsg: keep ours aside, let it
	 * fill that one for the peer, then move its values to the peer's
	 * ifinfomsg and put ours back.
	 */
	flags = ifm->ifi_flags;
	change = ifm->ifi_change;
	index = ifm->ifi_index;
	ifm->ifi_flags = 0;
	ifm->ifi_change = 0;
	ifm->ifi_index = 0;

	peer = addattr_nest(n, VNIC_REQ_MAX, VNIC_INFO_PEER);
	if (NLMSG_ALIGN(n->nlmsg_len) + sizeof(*peer_ifm) > VNIC_REQ_MAX) {
		fprintf(stderr, "vnic: request too long\n");
		return -1;
	}
	peer_ifm = RTA_DATA(peer);
	memset(peer_ifm, 0, sizeof(*peer_ifm));
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + sizeof(*peer_ifm);

	/* The peer's attributes follow its ifinfomsg, in the same nest. */
	used = iplink_parse(argc - 1, argv + 1, (struct iplink_req *)n, &type);
	if (used < 0)
		return used;
	if (type) {
		fprintf(stderr,
			"vnic: the peer is a vnic too, \"type %s\" is not an option of it\n",
			type);
		return -1;
	}

	peer_ifm->ifi_flags = ifm->ifi_flags;
	peer_ifm->ifi_change = ifm->ifi_change;
	peer_ifm->ifi_index = ifm->ifi_index;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	ifm->ifi_index = index;

	addattr_nest_end(n, peer);
	/* Words iplink_parse() left: none, unless it stopped early. */
	return argc - 1 - used;
}

static void vnic_print_help(struct link_util *lu, int argc, char **argv,
			    FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	vnic_usage(f);
}

/* ip finds the kind by this name: <kind>_link_util. Not const: ip links
 * it into its list of kinds through ->next. */
struct link_util vnic_link_util = {
	.id		= "vnic",
	.maxattr	= VNIC_INFO_PEER,
	.parse_opt	= vnic_parse_opt,
	.print_help	= vnic_print_help,
};
