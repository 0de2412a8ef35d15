// SPDX-License-Identifier: GPL-2.0
/* Minimal generic netlink client for the VM tests; see nl.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	/* Best effort: older kernels lack them and still work. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->seq = 1;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void genl_req_init(struct nl_req *r, uint16_t family, uint8_t cmd,
		   uint8_t version, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = version;
}

void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nlh.nlmsg_len);
	struct nlattr *a = (struct nlattr *)(r->buf + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(r->buf)) {
		fprintf(stderr, "nl_put: request larger than %zu bytes\n",
			sizeof(r->buf));
		_exit(1);
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	r->nlh.nlmsg_len = off + NLA_HDRLEN + NLA_ALIGN(len);
}

void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_put(r, type, &v, sizeof(v));
}

void nl_put_str(struct nl_req *r, uint16_t type, const char *str)
{
	nl_put(r, type, str, strlen(str) + 1);
}

const struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
				       GENL_HDRLEN);
}

void nl_parse(const struct nlattr *attrs, int len, const struct nlattr **tb,
	      int max)
{
	const struct nlattr *a;
	int rem;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	nla_for_each(a, attrs, len, rem)
		if (nla_type(a) <= max)
			tb[nla_type(a)] = a;
}

/* Keep the extended ack message of an NLMSG_ERROR / NLMSG_DONE, if any. */
static void save_ext_ack(struct nl_sock *s, const struct nlmsghdr *nlh,
			 size_t payload_off)
{
	const struct nlattr *a;
	int rem;

	s->ext_msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    NLMSG_LENGTH(payload_off) > nlh->nlmsg_len)
		return;
	nla_for_each(a, (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
						payload_off),
		     (int)(nlh->nlmsg_len - NLMSG_LENGTH(payload_off)), rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0)
			snprintf(s->ext_msg, sizeof(s->ext_msg), "%.*s",
				 nla_len(a), (const char *)nla_data(a));
	}
}

int nl_run(struct nl_sock *s, struct nl_req *r, nl_reply_cb cb, void *arg)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	int dump = !!(r->nlh.nlmsg_flags & NLM_F_DUMP);
	int ret = 0;
	uint32_t seq;

	if (!dump)
		r->nlh.nlmsg_flags |= NLM_F_ACK;
	seq = r->nlh.nlmsg_seq = s->seq++;
	s->ext_msg[0] = '\0';
	if (send(s->fd, r->buf, r->nlh.nlmsg_len, 0) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;

		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* stale reply */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = sizeof(*e);

				/* Without NLM_F_CAPPED the request follows. */
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len -
					       sizeof(struct nlmsghdr);
				save_ext_ack(s, nlh, NLMSG_ALIGN(off));
				return e->error ? e->error : ret;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = *(const int *)NLMSG_DATA(nlh);

				save_ext_ack(s, nlh, sizeof(int));
				return err ? err : ret;
			}
			if (!ret && cb)
				ret = cb(nlh, arg);
		}
	}
}

static int family_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *attrs;
	int len;

	attrs = genl_attrs(nlh, &len);
	nl_parse(attrs, len, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		*(int *)arg = *(const uint16_t *)nla_data(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

int genl_family_id(struct nl_sock *s, const char *name)
{
	struct nl_req r;
	int id = 0, err;

	genl_req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_run(s, &r, family_id_cb, &id);
	if (err)
		return err;
	return id > 0 ? id : -ENOENT;
}
