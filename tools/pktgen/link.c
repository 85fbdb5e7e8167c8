/* SPDX-License-Identifier: MIT */
/* pktgen's device queries: MAC by ioctl, 64-bit counters by rtnetlink (read in this netns even
 * when /sys belongs to another). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "link.h"

int link_get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static int parse_stats(const struct nlattr *attr, void *data)
{
	struct link_counters *c = data;
	const struct rtnl_link_stats64 *st;

	if (mnl_attr_get_type(attr) != IFLA_STATS64)
		return MNL_CB_OK;
	if (mnl_attr_validate2(attr, MNL_TYPE_UNSPEC, sizeof(*st)) < 0)
		return MNL_CB_ERROR;
	st = mnl_attr_get_payload(attr);
	c->tx_packets = st->tx_packets;
	c->tx_dropped = st->tx_dropped;
	return MNL_CB_OK;
}

static int parse_link(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), parse_stats, data);
}

int link_get_counters(int ifindex, struct link_counters *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "pktgen: rtnetlink socket: %s\n", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return -errno;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ret = mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	if (ret >= 0)
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret >= 0)
		ret = mnl_cb_run(buf, ret, 1, mnl_socket_get_portid(nl), parse_link, c);
	if (ret < 0)
		fprintf(stderr, "pktgen: reading counters of ifindex %d: %s\n", ifindex,
			strerror(errno));
	mnl_socket_close(nl);
	return ret < 0 ? -errno : 0;
}
