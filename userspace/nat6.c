// SPDX-License-Identifier: MIT
/* NAT66 on the controller side: IPv6 rule halves, the uplink's global address followed,
 * and the IPv6 connection table (listing, flushing, expiry, mapping garbage collection). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "nat6.h"
#include "nat_ctl.h"
#include "output.h"
#include "parse.h"

static int map_fd(struct ctl *c, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, name);
	return bpf_obj_get(path);
}

int nat6_parse_cidr(const char *s, struct sl_nat6_rule *r6)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	uint32_t plen;
	__u8 *m = (__u8 *)r6->mask;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	if (inet_pton(AF_INET6, buf, r6->src) != 1 || parse_u32(slash + 1, 0, 128, &plen))
		return -1;
	memset(r6->mask, 0, sizeof(r6->mask));
	for (uint32_t i = 0; i < plen; i++)
		m[i / 8] |= 0x80 >> (i % 8);
	for (int i = 0; i < 4; i++)
		r6->src[i] &= r6->mask[i];
	r6->plen = plen;
	return 0;
}

/* getifaddrs gives no tentative/deprecated flags; /proc/net/if_inet6 does (ifa_flags). */
int nat6_uplink_addr(int ifindex, __u32 addr[4])
{
	FILE *f = fopen("/proc/net/if_inet6", "r");
	unsigned idx, plen, scope, flags;
	char hex[33], name[IF_NAMESIZE + 1];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fscanf(f, "%32s %x %x %x %x %16s", hex, &idx, &plen, &scope, &flags,
			     name) == 6) {
		__u8 *b = (__u8 *)addr;

		/* scope 0: global; 0x40 tentative, 0x20 deprecated, 0x08 dadfailed */
		if ((int)idx != ifindex || scope != 0 || (flags & (0x40 | 0x20 | 0x08)))
			continue;
		for (int i = 0; i < 16; i++)
			sscanf(hex + 2 * i, "%2hhx", &b[i]);
		ret = 0;
	}
	fclose(f);
	return ret;
}

int nat6_rule_get(struct ctl *c, __u32 slot, struct sl_nat6_rule *r6)
{
	int fd = map_fd(c, "sl_nat6_rules"), ret;

	if (fd < 0)
		return errf("map sl_nat6_rules: %s (an instance loaded before NAT66: sluice upgrade)",
			   strerror(errno));
	ret = bpf_map_lookup_elem(fd, &slot, r6);
	close(fd);
	return ret ? errf("read map sl_nat6_rules: %s", strerror(errno)) : 0;
}

int nat6_rule_put(struct ctl *c, __u32 slot, const struct sl_nat6_rule *r6)
{
	int fd = map_fd(c, "sl_nat6_rules"), ret;

	if (fd < 0)
		return errf("map sl_nat6_rules: %s (an instance loaded before NAT66: sluice upgrade)",
			   strerror(errno));
	ret = bpf_map_update_elem(fd, &slot, r6, BPF_ANY);
	close(fd);
	return ret ? errf("write map sl_nat6_rules: %s", strerror(errno)) : 0;
}

bool nat6_overlap(const struct sl_nat6_rule *a, const struct sl_nat6_rule *b)
{
	for (int i = 0; i < 4; i++) {
		__u32 m = a->mask[i] & b->mask[i];	/* the shorter prefix */

		if ((a->src[i] & m) != (b->src[i] & m))
			return false;
	}
	return true;
}

void nat6_rule_json(json_object *o, const struct sl_nat6_rule *r6)
{
	char a[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 5];

	inet_ntop(AF_INET6, r6->src, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, r6->plen);
	jadd_str(o, "src", buf);
	inet_ntop(AF_INET6, r6->ext, a, sizeof(a));
	jadd_str(o, "to", a);
}
