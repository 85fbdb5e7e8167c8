// SPDX-License-Identifier: MIT
/* Owns every rtnetlink request sluice makes (libmnl), plus the one ethtool ioctl for GRO.
 * Each call opens its own socket, so it always acts in the caller's current netns. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <linux/net_namespace.h>
#include <linux/pkt_sched.h>

#include "netlink.h"

/* One request: a header and a few short attributes. Callers zero it, since
 * libmnl 1.0.4 leaves attribute padding uninitialised (sent to the kernel). */
#define NL_REQ_SIZE	1024
#define NL_RECV_SIZE	32768	/* the kernel fills up to this much per dump read */
#define NL_QUIET_ALL	(-1)	/* nl_talk: print no error at all */

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
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, int quiet, const char *fmt, ...)
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
static int name_too_long(const char *what, const char *name)
{
	if (strnlen(name, IFNAMSIZ) < IFNAMSIZ)
		return 0;
	fprintf(stderr, "sluice: %s %s: %s\n", what, name, strerror(ENAMETOOLONG));
	return -ENAMETOOLONG;
}

static struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, int ifindex)
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

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link_info *info = data;

	if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	snprintf(info->kind, sizeof(info->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link_info *info = data;
	uint16_t type = mnl_attr_get_type(a);

	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		snprintf(info->name, sizeof(info->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_validate(a, MNL_TYPE_BINARY) < 0)
			return MNL_CB_ERROR;
		/* Only Ethernet-like links have a 6-byte address; others keep zeros. */
		if (mnl_attr_get_payload_len(a) == sizeof(info->mac))
			memcpy(info->mac, mnl_attr_get_payload(a), sizeof(info->mac));
		break;
	case IFLA_MTU:
	case IFLA_LINK:
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		if (type == IFLA_MTU)
			info->mtu = mnl_attr_get_u32(a);
		else if (type == IFLA_LINK)
			info->peer_ifindex = mnl_attr_get_u32(a);
		else
			info->link_netnsid = (int32_t)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		return mnl_attr_parse_nested(a, linkinfo_attr_cb, info);
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nl_link_info *info = data;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	info->ifindex = ifi->ifi_index;
	info->up = ifi->ifi_flags & IFF_UP;
	info->promisc = ifi->ifi_flags & IFF_PROMISC;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, info);
}

int nl_link_index(const char *name)
{
	struct nl_link_info info = { 0 };
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if (strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return -ENODEV;	/* no such link can exist */
	nlh = link_req(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	ret = nl_talk(nlh, link_cb, &info, ENODEV, "get link %s", name);
	return ret < 0 ? ret : info.ifindex;
}

int nl_link_get(int ifindex, struct nl_link_info *info)
{
	char buf[NL_REQ_SIZE] = { 0 };

	memset(info, 0, sizeof(*info));
	info->link_netnsid = -1;	/* the kernel only reports it for another netns */
	return nl_talk(link_req(buf, RTM_GETLINK, 0, ifindex), link_cb, info, ENODEV,
		       "get link ifindex %d", ifindex);
}

int nl_veth_add(const char *name, const char *peer, int peer_netns_fd)
{
	struct nlattr *linkinfo, *infodata, *peerinfo;
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if ((ret = name_too_long("create veth", name)) || (ret = name_too_long("create veth peer", peer)))
		return ret;
	/* EXCL: an existing NAME must fail, not be silently modified. */
	nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	infodata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is a full ifinfomsg + attributes; its own NET_NS_FD makes the
	 * kernel create it in that netns, so it never appears in ours. */
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_netns_fd);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, infodata);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = nl_talk(nlh, NULL, NULL, 0, "create veth %s", name);
	if (ret < 0)
		return ret;
	ret = nl_link_index(name);
	if (ret == -ENODEV)	/* gone again already: not silent here */
		fprintf(stderr, "sluice: create veth %s: %s\n", name, strerror(ENODEV));
	return ret;
}

int nl_macvlan_add(const char *name, int parent_ifindex, const char *parent, int netns_fd)
{
	struct nlattr *linkinfo, *infodata;
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if ((ret = name_too_long("create macvlan", name)))
		return ret;
	nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* PARENT_IFINDEX is resolved in our netns; the macvlan itself is born in NETNS_FD. */
	mnl_attr_put_u32(nlh, IFLA_LINK, parent_ifindex);
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, netns_fd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	infodata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, infodata);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_talk(nlh, NULL, NULL, 0, "create macvlan %s of %s", name, parent);
}

int nl_link_del(int ifindex)
{
	char buf[NL_REQ_SIZE] = { 0 };

	return nl_talk(link_req(buf, RTM_DELLINK, 0, ifindex), NULL, NULL, 0,
		       "delete link ifindex %d", ifindex);
}

int nl_link_set_up(int ifindex, bool up)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;	/* touch only IFF_UP */
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nl_talk(nlh, NULL, NULL, 0, "set %s link ifindex %d", up ? "up" : "down", ifindex);
}

int nl_link_set_promisc(int ifindex, bool on)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_PROMISC;
	ifi->ifi_flags = on ? IFF_PROMISC : 0;
	return nl_talk(nlh, NULL, NULL, 0, "set promisc %s on link ifindex %d", on ? "on" : "off",
		       ifindex);
}

int nl_link_set_mac(int ifindex, const uint8_t mac[6])
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nlh, NULL, NULL, 0, "set mac %02x:%02x:%02x:%02x:%02x:%02x on link ifindex %d",
		       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], ifindex);
}

int nl_link_set_name(int ifindex, const char *name)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if ((ret = name_too_long("rename link to", name)))
		return ret;
	nlh = link_req(buf, RTM_NEWLINK, 0, ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nlh, NULL, NULL, 0, "rename link ifindex %d to %s", ifindex, name);
}

int nl_addr_add(int ifindex, uint32_t addr, int plen)
{
	char buf[NL_REQ_SIZE] = { 0 }, str[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	inet_ntop(AF_INET, &addr, str, sizeof(str));
	return nl_talk(nlh, NULL, NULL, 0, "add address %s/%d on ifindex %d", str, plen, ifindex);
}

struct addr_query {
	int ifindex;
	bool found;
	uint32_t addr;
	int plen;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	struct addr_query *q = data;

	if (mnl_attr_get_type(a) != IFA_LOCAL)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	q->addr = mnl_attr_get_u32(a);
	q->found = true;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_query *q = data;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	/* The dump covers every link; keep the first (primary) address of ours. */
	if (q->found || ifa->ifa_family != AF_INET || (int)ifa->ifa_index != q->ifindex)
		return MNL_CB_OK;
	q->plen = ifa->ifa_prefixlen;
	return mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, q);
}

int nl_addr_first(int ifindex, uint32_t *addr, int *plen)
{
	struct addr_query q = { .ifindex = ifindex };
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	int ret;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ret = nl_talk(nlh, addr_cb, &q, 0, "list addresses of ifindex %d", ifindex);
	if (ret < 0)
		return ret;
	if (!q.found)
		return -ENOENT;
	*addr = q.addr;
	*plen = q.plen;
	return 0;
}

int nl_route_add_default(uint32_t gw)
{
	char buf[NL_REQ_SIZE] = { 0 }, str[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
	inet_ntop(AF_INET, &gw, str, sizeof(str));
	return nl_talk(nlh, NULL, NULL, 0, "add default route via %s", str);
}

/* One ethtool on/off feature through the SIOCETHTOOL ioctl. */
/* One SIOCETHTOOL call on NAME with EV: 0 or -errno, silent. */
static int ethtool_call(const char *name, struct ethtool_value *ev)
{
	struct ifreq ifr = { .ifr_data = (void *)ev };
	int fd, ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* Any socket works as an ioctl handle; it only fixes the netns to ours. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int ethtool_set(const char *name, uint32_t cmd, const char *what, bool on)
{
	struct ethtool_value ev = { .cmd = cmd, .data = on };
	int ret;

	if ((ret = name_too_long(on ? "enable" : "disable", name)))
		return ret;
	ret = ethtool_call(name, &ev);
	if (ret)
		fprintf(stderr, "sluice: %s %s on %s: %s\n", on ? "enable" : "disable", what, name,
			strerror(-ret));
	return ret;
}

int nl_link_set_tx_vlan(const char *name, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GFLAGS };
	int ret;

	if ((ret = name_too_long(on ? "enable" : "disable", name)))
		return ret;
	/* The legacy flags word: change only TXVLAN, hand back the others as they are. */
	ret = ethtool_call(name, &ev);
	if (!ret) {
		ev.cmd = ETHTOOL_SFLAGS;
		ev.data = on ? ev.data | ETH_FLAG_TXVLAN : ev.data & ~ETH_FLAG_TXVLAN;
		ret = ethtool_call(name, &ev);
	}
	if (ret)
		fprintf(stderr, "sluice: %s tx-vlan offload on %s: %s\n", on ? "enable" : "disable",
			name, strerror(-ret));
	return ret;
}

int nl_link_set_gro(const char *name, bool on)
{
	return ethtool_set(name, ETHTOOL_SGRO, "gro", on);
}

int nl_link_set_tx_csum(const char *name, bool on)
{
	return ethtool_set(name, ETHTOOL_STXCSUM, "tx checksumming", on);
}

int nl_link_set_xdp(int ifindex, int prog_fd, int expected_fd, uint32_t flags, const char *what)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_SETLINK, 0, ifindex);
	struct nlattr *xdp = mnl_attr_nest_start(nlh, IFLA_XDP);

	mnl_attr_put_u32(nlh, IFLA_XDP_FD, (uint32_t)prog_fd);
	if (expected_fd >= 0) {
		mnl_attr_put_u32(nlh, IFLA_XDP_EXPECTED_FD, (uint32_t)expected_fd);
		flags |= XDP_FLAGS_REPLACE;
	}
	mnl_attr_put_u32(nlh, IFLA_XDP_FLAGS, flags);
	mnl_attr_nest_end(nlh, xdp);
	return nl_talk(nlh, NULL, NULL, 0, "%s", what);
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID && !mnl_attr_validate(a, MNL_TYPE_U32))
			*(int *)data = (int32_t)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *nsid_req(char *buf, uint16_t type, int netns_fd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = type;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, netns_fd);
	return nlh;
}

int nl_nsid_of(int netns_fd)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = nsid_req(buf, RTM_NEWNSID, netns_fd);
	int nsid = -1, ret;

	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)-1);	/* the kernel picks one */
	ret = nl_talk(nlh, NULL, NULL, EEXIST, "assign a netns id");
	if (ret < 0 && ret != -EEXIST)
		return ret;
	memset(buf, 0, sizeof(buf));
	ret = nl_talk(nsid_req(buf, RTM_GETNSID, netns_fd), nsid_cb, &nsid, 0, "get netns id");
	return ret < 0 ? ret : nsid < 0 ? -ENOENT : nsid;
}

int nl_link_get_in(int nsid, int ifindex, struct nl_link_info *info)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_GETLINK, 0, ifindex);

	memset(info, 0, sizeof(*info));
	info->link_netnsid = -1;
	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, nsid);
	return nl_talk(nlh, link_cb, info, NL_QUIET_ALL, "get link");
}

int nl_link_find_in(int nsid, const char *name, struct nl_link_info *info)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_GETLINK, 0, 0);

	if (strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	memset(info, 0, sizeof(*info));
	info->link_netnsid = -1;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, nsid);
	return nl_talk(nlh, link_cb, info, NL_QUIET_ALL, "get link");
}

int nl_link_del_in(int nsid, int ifindex)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_DELLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, nsid);
	return nl_talk(nlh, NULL, NULL, ENODEV, "delete link ifindex %d in netns id %d", ifindex,
		       nsid);
}

int nl_neigh_del(int ifindex, uint32_t addr)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_DELNEIGH;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, sizeof(addr), &addr);
	return nl_talk(nlh, NULL, NULL, ENOENT, "delete neighbour on ifindex %d", ifindex);
}

int nl_vxlan_add(const char *name, uint16_t dstport, uint32_t local, int dev_ifindex, int mtu)
{
	struct nlattr *linkinfo, *infodata;
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if ((ret = name_too_long("create vxlan", name)))
		return ret;
	nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	infodata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* External (collect_md): VNI and remote come with each frame's tunnel key. */
	mnl_attr_put_u8(nlh, IFLA_VXLAN_COLLECT_METADATA, 1);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(dstport));
	if (local)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LOCAL, local);
	if (dev_ifindex > 0)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, dev_ifindex);
	mnl_attr_nest_end(nlh, infodata);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = nl_talk(nlh, NULL, NULL, 0, "create vxlan %s", name);
	if (ret < 0)
		return ret;
	ret = nl_link_index(name);
	if (ret == -ENODEV)
		fprintf(stderr, "sluice: create vxlan %s: %s\n", name, strerror(ENODEV));
	return ret;
}

int nl_link_set_mtu(int ifindex, int mtu)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nlh, NULL, NULL, 0, "set mtu %d on link ifindex %d", mtu, ifindex);
}

static int addr6_talk(int ifindex, const uint8_t addr[16], int plen, bool add)
{
	char buf[NL_REQ_SIZE] = { 0 }, str[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = IFA_F_NODAD;	/* sluice checked it is unique on the switch */
	ifa->ifa_scope = addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80 ? RT_SCOPE_LINK :
			 RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
	inet_ntop(AF_INET6, addr, str, sizeof(str));
	return nl_talk(nlh, NULL, NULL, add ? 0 : EADDRNOTAVAIL, "%s address %s/%d on ifindex %d",
		       add ? "add" : "delete", str, plen, ifindex);
}

int nl_addr6_add(int ifindex, const uint8_t addr[16], int plen)
{
	return addr6_talk(ifindex, addr, plen, true);
}

int nl_addr6_del(int ifindex, const uint8_t addr[16], int plen)
{
	int ret = addr6_talk(ifindex, addr, plen, false);

	return ret == -EADDRNOTAVAIL ? 0 : ret;
}

int nl_route6_add_default(const uint8_t gw[16], int oif, bool replace)
{
	char buf[NL_REQ_SIZE] = { 0 }, str[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	if (replace)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rtm->rtm_family = AF_INET6;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	inet_ntop(AF_INET6, gw, str, sizeof(str));
	return nl_talk(nlh, NULL, NULL, 0, "add IPv6 default route via %s", str);
}

static int filter_count_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		++*(int *)data;
	return MNL_CB_OK;
}

int nl_tc_filter_count(int ifindex, bool egress)
{
	char buf[NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;
	int n = 0, ret;

	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_DUMP;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	ret = nl_talk(nlh, filter_count_cb, &n, NL_QUIET_ALL, "list tc filters");
	return ret < 0 ? ret : n;
}
