// SPDX-License-Identifier: MIT
/* Addresses, default routes and neighbours, IPv4 and IPv6. */
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
