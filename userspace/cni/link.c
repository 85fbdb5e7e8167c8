// SPDX-License-Identifier: MIT
/* Container-side settings the sluice CLI has no words for (MTU, IPAM's routes) and the
 * host's default-route device for ipMasq; each acts in the caller's current netns. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include "cni.h"

int link_set_mtu(const char *ifname, int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };
	int fd, ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		ret = cni_fail(CNI_ERR_PLUGIN, "set mtu %d on %s: %s", mtu, ifname, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

/* RTM_NEWROUTE with NLM_F_REPLACE: the default route `port add` made may be asked again. */
int route_replace(const char *ifname, const struct cni_route *r)
{
	char buf[8192] = {}, d[16], g[16];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned ifx = if_nametoindex(ifname), seq = time(NULL);
	struct rtmsg *rtm;
	int ret = -1;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = r->gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (r->plen)
		mnl_attr_put_u32(nlh, RTA_DST, r->dst);
	if (r->gw)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, r->gw);
	mnl_attr_put_u32(nlh, RTA_OIF, ifx);
	if (nl && ifx && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
		int n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		ret = n < 0 ? -1 : mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), NULL, NULL);
	}
	if (nl)
		mnl_socket_close(nl);
	if (ret < 0) {
		inet_ntop(AF_INET, &r->dst, d, sizeof(d));
		inet_ntop(AF_INET, &r->gw, g, sizeof(g));
		return cni_fail(CNI_ERR_PLUGIN, "route %s/%d via %s dev %s: %s", d, r->plen, g,
				ifname, strerror(ifx ? errno : ENODEV));
	}
	return 0;
}

int default_route_dev(char name[16])
{
	char line[256], dev[64];
	unsigned dst, mask, flags;
	FILE *f = fopen("/proc/net/route", "r");	/* the netns of this process */

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %*x %x %*d %*d %*d %x", dev, &dst, &flags, &mask) == 4 &&
		    dst == 0 && mask == 0 && (flags & 1 /* RTF_UP */)) {
			dev[15] = '\0';
			memcpy(name, dev, 16);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}
