/* SPDX-License-Identifier: MIT */
/* netlink_req.c: the request helpers of the netlink*.c files (not for other callers). */
#ifndef SLUICE_NETLINK_REQ_H
#define SLUICE_NETLINK_REQ_H

#include <stdint.h>
#include <libmnl/libmnl.h>

/* One request: a header and a few short attributes. Callers zero it, since
 * libmnl 1.0.4 leaves attribute padding uninitialised (sent to the kernel). */
#define NL_REQ_SIZE	1024
#define NL_RECV_SIZE	32768	/* the kernel fills up to this much per dump read */
#define NL_QUIET_ALL	(-1)	/* nl_talk: print no error at all */

/* Send NLH, feed the replies to CB (may be NULL) until the ack or NLMSG_DONE.
 * On failure print "sluice: <FMT...>: <strerror>[: <extack>]" unless the
 * errno is QUIET (a probe's expected miss), and return -errno. */
__attribute__((format(printf, 5, 6)))
int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, int quiet, const char *fmt, ...);
/* Request buffers are fixed-size, so refuse names the kernel would refuse anyway. */
int name_too_long(const char *what, const char *name);
struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, int ifindex);

#endif
