/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal generic netlink client for the VM tests: open a socket, resolve a
 * family, build a request with attributes, run a dump or a do request and
 * walk the attributes of the replies. No libnl/libmnl, so the tests link
 * statically with glibc alone.
 */
#ifndef ZCRX_NL_H
#define ZCRX_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* A request under construction: nlmsghdr + genlmsghdr + attributes. */
struct nl_req {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

/* An open generic netlink socket. */
struct nl_sock {
	int fd;
	uint32_t seq;
	/* Extended ack message of the last error, "" if none. */
	char ext_msg[256];
};

/* Called for each reply message of a request; non-zero stops the walk
 * (after the remaining replies are drained) and is returned by nl_run(). */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* Open a NETLINK_GENERIC socket with extended acks. 0 or -errno. */
int nl_open(struct nl_sock *s);
void nl_close(struct nl_sock *s);

/* Family id of generic netlink family @name: > 0, or -errno
 * (-ENOENT if the kernel has no such family). */
int genl_family_id(struct nl_sock *s, const char *name);

/* Start a request for family @family, command @cmd, with @flags
 * (NLM_F_REQUEST is added; use NLM_F_DUMP for dumps). */
void genl_req_init(struct nl_req *r, uint16_t family, uint8_t cmd,
		   uint8_t version, uint16_t flags);
void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len);
void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v);
void nl_put_str(struct nl_req *r, uint16_t type, const char *str);

/*
 * Send @r and read replies until the request is complete (NLMSG_DONE for a
 * dump, the ack or the single reply otherwise), calling @cb for each data
 * message. Returns 0, the first non-zero value of @cb, or -errno reported
 * by the kernel (its extended ack message is left in s->ext_msg).
 */
int nl_run(struct nl_sock *s, struct nl_req *r, nl_reply_cb cb, void *arg);

/* Payload of a generic netlink reply: the attributes after the genl header. */
const struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *len);

/* Fill tb[0..max] with the attributes of a stream (later ones win, types
 * above max are ignored). The NLA_F_NESTED bit is masked off. */
void nl_parse(const struct nlattr *attrs, int len, const struct nlattr **tb,
	      int max);

static inline const void *nla_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline uint32_t nla_u32(const struct nlattr *a)
{
	return *(const uint32_t *)nla_data(a);
}

#define nla_type(a) ((a)->nla_type & NLA_TYPE_MASK)

#define nla_for_each(pos, attrs, len, rem)                                \
	for ((pos) = (attrs), (rem) = (len);                              \
	     (rem) >= (int)sizeof(struct nlattr) &&                       \
	     (pos)->nla_len >= sizeof(struct nlattr) &&                   \
	     (pos)->nla_len <= (rem);                                     \
	     (rem) -= NLA_ALIGN((pos)->nla_len),                          \
	     (pos) = (const struct nlattr *)((const char *)(pos) +        \
					     NLA_ALIGN((pos)->nla_len)))

#endif /* ZCRX_NL_H */
