// SPDX-License-Identifier: MIT
/* Link queries (by name, by index, in another netns by its nsid), netns ids and tc filter
 * counts. The netlink*.c files own every rtnetlink request sluice makes (libmnl), declared in
 * netlink.h; each call opens its own socket, so it acts in the caller's current netns. */
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
