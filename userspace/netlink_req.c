// SPDX-License-Identifier: MIT
/* The request helpers every netlink*.c file uses: send one request on its own socket (in the
 * caller's netns) and read the replies and the kernel's extack message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <linux/net_namespace.h>
#include <linux/pkt_sched.h>

#include "netlink_req.h"

static int extack_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* mnl_cb_run() stops at the failing NLMSG_ERROR and sets errno, but drops its
 * extack TLVs; find that message again in BUF and read NLMSGERR_ATTR_MSG. */
static const char *extack_msg(const void *buf, int len)
{
	const struct nlmsghdr *nlh;
	const char *msg = NULL;

	for (nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
		unsigned int off = sizeof(*err);

		if (nlh->nlmsg_type != NLMSG_ERROR || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
		    mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
			continue;
		/* Without NETLINK_CAP_ACK the echoed request sits before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += mnl_nlmsg_get_payload_len(&err->msg);
		mnl_attr_parse(nlh, off, extack_attr_cb, &msg);
	}
	return msg;
}

/* Send NLH, feed the replies to CB (may be NULL) until the ack or NLMSG_DONE.
 * On failure print "sluice: <FMT...>: <strerror>[: <extack>]" unless the
 * errno is QUIET (a probe's expected miss), and return -errno. */
__attribute__((format(printf, 5, 6)))
int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, int quiet, const char *fmt, ...)
{
	char buf[NL_RECV_SIZE];
	const char *ext = NULL;
	struct mnl_socket *nl;
	unsigned int portid, seq = time(NULL);
	int one = 1, len = 0, ret = MNL_CB_ERROR, err = 0;
	va_list ap;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		goto out;
	}
	/* Best effort: without them errors just come without the kernel's reason. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = errno;
		goto out;
	}
	do {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		ret = len < 0 ? MNL_CB_ERROR : mnl_cb_run(buf, len, seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	if (ret == MNL_CB_ERROR) {
		err = errno ? errno : EIO;
		if (len > 0)
			ext = extack_msg(buf, len);
	}
out:
	if (nl)
		mnl_socket_close(nl);
	if (err && err != quiet && quiet != NL_QUIET_ALL) {
		va_start(ap, fmt);
		fputs("sluice: ", stderr);
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, ": %s%s%s\n", strerror(err), ext ? ": " : "", ext ? ext : "");
		va_end(ap);
	}
	return -err;
}

/* Request buffers are fixed-size, so refuse names the kernel would refuse anyway. */
int name_too_long(const char *what, const char *name)
{
	if (strnlen(name, IFNAMSIZ) < IFNAMSIZ)
		return 0;
	fprintf(stderr, "sluice: %s %s: %s\n", what, name, strerror(ENAMETOOLONG));
	return -ENAMETOOLONG;
}

struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}
