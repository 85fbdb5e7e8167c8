// SPDX-License-Identifier: MIT
/* Links: creating veth, macvlan and vxlan devices, deleting them, setting their state, MAC,
 * name, MTU, XDP program and (by the ethtool ioctl) offload features. */
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
#include "netlink_req.h"

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
