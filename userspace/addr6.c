// SPDX-License-Identifier: MIT
/* IPv6 addresses of switch ports and gateway legs: parsing, duplicate and overlap checks,
 * configuring new containers and host legs, and the sl_addr6 / sl_port6 maps the guard reads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "addr6.h"
#include "netlink.h"
#include "output.h"
#include "port_maps.h"

int maps6_open(struct ctl *c, struct maps6 *m, bool quiet)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sl_addr6", c->root);
	m->addr = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/sl_port6", c->root);
	m->port = bpf_obj_get(path);
	if (m->addr >= 0 && m->port >= 0)
		return 0;
	if (m->addr >= 0)
		close(m->addr);
	if (m->port >= 0)
		close(m->port);
	m->addr = m->port = -1;
	if (quiet)
		return -1;
	return errf("instance %s has no IPv6 maps (loaded by an older build): run sluice upgrade",
		   c->instance);
}

void maps6_close(struct maps6 *m)
{
	if (m->addr >= 0)
		close(m->addr);
	if (m->port >= 0)
		close(m->port);
}

bool ip6_is_ll(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool ip6_is_zero(const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

/* A unicast address a port or host can own: not ::, ::1, multicast or v4-mapped. */
static bool ip6_is_ownable(const uint8_t *a)
{
	static const uint8_t lo[16] = { [15] = 1 }, mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !ip6_is_zero(a) && memcmp(a, lo, 16) && a[0] != 0xff && memcmp(a, mapped, 12);
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, int plen)
{
	int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !bits || !((a[bytes] ^ b[bytes]) & (0xff << (8 - bits)));
}

static void eui64_ll(const uint8_t mac[6], uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 2;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	memcpy(a + 13, mac + 3, 3);
}

static const char *fmt6(const uint8_t *a, int plen, char buf[INET6_ADDRSTRLEN + 4])
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	if (plen >= 0)
		snprintf(buf + strlen(buf), 5, "/%d", plen);
	return buf;
}

static int parse_ip6(const char *s, uint8_t a[16], int *plen)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	if (plen) {
		if (!slash || !slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -EINVAL;
		for (const char *d = slash + 1; *d && n <= 128; d++)
			n = n * 10 + (*d - '0');
		if (n < 1 || n > 128)
			return -EINVAL;
		*plen = n;
		buf[slash - s] = 0;
	} else if (slash) {
		return -EINVAL;
	}
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

static int opt_addr(struct addr6_req *a, enum addr6_for what, const char *v)
{
	uint8_t addr[16];
	int plen;

	if (parse_ip6(v, addr, &plen) || !ip6_is_ownable(addr))
		return errf("addr \"%s\" is not an IPv6 unicast CIDR such as fd00::11/64", v);
	if (what == ADDR6_GATEWAY && (ip6_is_ll(addr) || plen > 127))
		return errf("addr %s: a gateway's IPv6 address is a global or ULA prefix, such as "
			   "fd00::1/64", v);
	if (a->n == SL_ADDR6_PORT_MAX)
		return errf("addr %s: at most %d IPv6 addresses", v, SL_ADDR6_PORT_MAX);
	for (int i = 0; i < a->n; i++)
		if (!memcmp(a->addr[i], addr, 16))
			return errf("addr %s is given twice", v);
	memcpy(a->addr[a->n], addr, 16);
	a->plen[a->n++] = plen;
	return 1;
}

int addr6_opt(struct addr6_req *a, enum addr6_for what, const char *k, const char *v)
{
	if (!strcmp(k, "addr") && v && strchr(v, ':'))
		return opt_addr(a, what, v);
	if (!strcmp(k, "gw6") && what != ADDR6_GATEWAY) {
		if (!v || parse_ip6(v, a->gw6, NULL) || !ip6_is_ownable(a->gw6))
			return errf("gw6 \"%s\" is not an IPv6 unicast address", v ? v : "");
		a->has_gw6 = true;
		return 1;
	}
	if (!strcmp(k, "trusted") && what != ADDR6_GATEWAY) {
		if (!v || (strcmp(v, "on") && strcmp(v, "off")))
			return errf("trusted \"%s\": expected on or off", v ? v : "");
		a->trusted = !strcmp(v, "on");
		return 1;
	}
	return 0;
}

struct slot_q {
	uint32_t slot;
	char *buf;
};

static int slot_match(struct ctl *c, const struct sl_port *p, void *arg)
{
	struct slot_q *q = arg;

	(void)c;
	if (p->slot != q->slot)
		return 0;
	snprintf(q->buf, SL_NAME_LEN, "%s", p->name);
	return 1;
}

/* Name of the port in SLOT (for messages), "?" when gone. */
static const char *slot_name(struct ctl *c, uint32_t slot, char buf[SL_NAME_LEN])
{
	return ports_for_each(c, slot_match, &(struct slot_q){ slot, buf }) ? buf : "?";
}

/* Refuse an address of A already owned on SWITCH_ID by another than slot SELF. */
int addr6_taken(struct ctl *c, struct maps6 *m, uint32_t switch_id, uint32_t self,
		const struct addr6_req *a)
{
	char s[INET6_ADDRSTRLEN + 4], name[SL_NAME_LEN];
	struct sl_addr6_key k = { .switch_id = switch_id };
	struct sl_addr6 v;

	for (int i = 0; i < a->n; i++) {
		memcpy(k.addr, a->addr[i], 16);
		if (!bpf_map_lookup_elem(m->addr, &k, &v) && v.slot != self)
			return errf("address %s is already port %s's on this switch",
				   fmt6(a->addr[i], -1, s), slot_name(c, v.slot, name));
	}
	return 0;
}

int addr6_port_check(struct ctl *c, uint32_t switch_id, struct addr6_req *a)
{
	struct maps6 m;
	int ret;

	if (a->has_gw6 && !a->n)
		return errf("gw6: the port needs an IPv6 \"addr\" to reach its gateway from");
	if (!a->n && a->trusted < 0)
		return 0;
	if (maps6_open(c, &m, false))
		return -1;
	ret = addr6_taken(c, &m, switch_id, 0, a);
	if (!ret)
		gw6_default(&m, switch_id, a);
	maps6_close(&m);
	return ret;
}

/* No gw6 in A: the switch's gateway on the first global address's prefix, if any. */
void gw6_default(struct maps6 *m, uint32_t switch_id, struct addr6_req *a)
{
	struct sl_addr6_key k, next;
	struct sl_addr6 v;
	bool first = true;
	int i;

	for (i = 0; i < a->n && ip6_is_ll(a->addr[i]); i++)
		;
	while (!a->has_gw6 && i < a->n &&
	       bpf_map_get_next_key(m->addr, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (next.switch_id != switch_id || bpf_map_lookup_elem(m->addr, &next, &v) ||
		    !(v.flags & SL_ADDR6_F_GATEWAY) || v.plen != a->plen[i] ||
		    !prefix_eq(next.addr, a->addr[i], v.plen))
			continue;
		memcpy(a->gw6, next.addr, 16);
		a->has_gw6 = true;
	}
}

int addr6_gateway_check(struct ctl *c, const struct addr6_req *a)
{
	char mine[INET6_ADDRSTRLEN + 4], theirs[INET6_ADDRSTRLEN + 4], name[SL_NAME_LEN];
	struct sl_addr6_key k, next;
	struct sl_addr6 v;
	struct maps6 m;
	bool first = true;
	int ret = 0;

	if (!a->n)
		return 0;
	if (maps6_open(c, &m, false))
		return -1;
	while (!ret && bpf_map_get_next_key(m.addr, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (bpf_map_lookup_elem(m.addr, &next, &v) || !(v.flags & SL_ADDR6_F_GATEWAY))
			continue;
		for (int i = 0; i < a->n && !ret; i++) {
			int plen = v.plen < a->plen[i] ? v.plen : a->plen[i];

			if (prefix_eq(next.addr, a->addr[i], plen))
				ret = errf("addr %s overlaps gateway %s's %s",
					  fmt6(a->addr[i], a->plen[i], mine),
					  slot_name(c, v.slot, name), fmt6(next.addr, v.plen, theirs));
		}
	}
	maps6_close(&m);
	return ret;
}

/* IPv6 on for device IFNAME of the current netns (namespaces may start with it off). */
int ipv6_enable(const char *ifname)
{
	char path[PATH_MAX];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errf("%s: cannot enable IPv6 (%s): %s", ifname, path, strerror(errno));
	ok = write(fd, "0\n", 2) == 2;
	close(fd);
	return ok ? 0 : errf("%s: cannot enable IPv6: %s", ifname, strerror(errno));
}

int addr6_peer_setup(const struct addr6_req *a, int ifindex, const char *ifname)
{
	if (!a->n)
		return 0;
	if (ipv6_enable(ifname))
		return -1;
	for (int i = 0; i < a->n; i++)
		if (nl_addr6_add(ifindex, a->addr[i], a->plen[i]))
			return -1;
	return a->has_gw6 ? nl_route6_add_default(a->gw6, ifindex, false) : 0;
}

/* Write (switch, address) -> (slot, flags) for each of A, then P's EUI-64 link-local
 * unless another holds it; on failure delete what was written. */
static int owners_write(struct maps6 *m, const struct sl_port *p, const struct addr6_req *a,
			uint32_t flags)
{
	char s[INET6_ADDRSTRLEN + 4];
	struct sl_addr6_key k = { .switch_id = p->switch_id };
	struct sl_addr6 v = { .slot = p->slot };
	static const uint8_t nomac[6];
	int i;

	for (i = 0; i < a->n; i++) {
		memcpy(k.addr, a->addr[i], 16);
		v.plen = a->plen[i];
		v.flags = flags | (ip6_is_ll(k.addr) ? SL_ADDR6_F_LINKLOCAL : 0);
		if (bpf_map_update_elem(m->addr, &k, &v, BPF_NOEXIST))
			goto fail;
	}
	if (memcmp(p->mac, nomac, 6)) {
		eui64_ll(p->mac, k.addr);
		v.plen = 64;
		v.flags = SL_ADDR6_F_AUTO_LL;
		bpf_map_update_elem(m->addr, &k, &v, BPF_NOEXIST);	/* taken: a duplicate MAC */
	}
	return 0;
fail:
	errf("port %s: address %s: map sl_addr6: %s", p->name, fmt6(a->addr[i], -1, s),
	    errno == EEXIST ? "already taken" : strerror(errno));
	while (i-- > 0) {
		memcpy(k.addr, a->addr[i], 16);
		bpf_map_delete_elem(m->addr, &k);
	}
	return -1;
}

int addr6_install(struct ctl *c, const struct sl_port *p, const struct addr6_req *a)
{
	struct sl_port6 v = { .flags = (a->n ? SL_PORT6_F_CHECK : 0) |
				       (a->trusted == 1 ? SL_PORT6_F_TRUSTED : 0),
			      .naddr = a->n };
	uint32_t slot = p->slot;
	struct maps6 m;
	int ret = -1;

	if (maps6_open(c, &m, !a->n && a->trusted < 0))
		return a->n || a->trusted >= 0 ? -1 : 0;	/* an older instance, nothing asked */
	if (a->has_gw6)
		memcpy(v.gw6, a->gw6, 16);
	if (owners_write(&m, p, a, 0))
		goto out;
	if (bpf_map_update_elem(m.port, &slot, &v, BPF_ANY)) {
		errf("port %s: map sl_port6: %s", p->name, strerror(errno));
		maps6_close(&m);
		addr6_uninstall(c, p);
		return -1;
	}
	ret = 0;
out:
	maps6_close(&m);
	return ret;
}

void addr6_uninstall(struct ctl *c, const struct sl_port *p)
{
	struct sl_addr6_key k, next, gone[64];
	struct sl_port6 zero = {};
	uint32_t slot = p->slot;
	struct sl_addr6 v;
	struct maps6 m;
	bool more = true;

	if (!slot || maps6_open(c, &m, true))
		return;
	while (more) {	/* delete after the walk, in batches: deleting moves the walk */
		bool first = true;
		int n = 0;

		more = false;
		while (bpf_map_get_next_key(m.addr, first ? NULL : &k, &next) == 0) {
			first = false;
			k = next;
			if (next.switch_id != p->switch_id || bpf_map_lookup_elem(m.addr, &next, &v) ||
			    v.slot != slot)
				continue;
			if (n == 64) {
				more = true;
				break;
			}
			gone[n++] = next;
		}
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(m.addr, &gone[i]);
	}
	bpf_map_update_elem(m.port, &slot, &zero, BPF_ANY);
	maps6_close(&m);
}


int addr6_gateway_add(struct ctl *c, const char *host, const struct addr6_req *a)
{
	char port[SL_NAME_LEN + 4];
	struct sl_port p;
	struct maps6 m;
	int hostx, ret;

	if (!a->n)
		return 0;
	snprintf(port, sizeof(port), "%s-gw", host);
	hostx = nl_link_index(host);
	if (hostx < 0 || port_get_by_name(c, port, &p))
		return errf("gateway %s: its devices are gone", host);
	if (ipv6_enable(host))
		return -1;
	for (int i = 0; i < a->n; i++)
		if (nl_addr6_add(hostx, a->addr[i], a->plen[i]))
			return -1;
	if (maps6_open(c, &m, false))
		return -1;
	ret = owners_write(&m, &p, a, SL_ADDR6_F_GATEWAY);
	maps6_close(&m);
	return ret;
}

/* Addresses SLOT owns on SWITCH_ID with all of flags MUST and none of NOT, as "addr/plen". */
static json_object *owned_json(struct ctl *c, uint32_t switch_id, uint32_t slot, uint32_t must,
			       uint32_t not)
{
	char s[INET6_ADDRSTRLEN + 4];
	struct sl_addr6_key k, next;
	json_object *arr = NULL;
	struct sl_addr6 v;
	struct maps6 m;
	bool first = true;

	if (maps6_open(c, &m, true))
		return NULL;
	while (bpf_map_get_next_key(m.addr, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (next.switch_id != switch_id || bpf_map_lookup_elem(m.addr, &next, &v) ||
		    v.slot != slot || (v.flags & must) != must || (v.flags & not))
			continue;
		if (!arr)
			arr = json_object_new_array();
		json_object_array_add(arr, json_object_new_string(fmt6(next.addr, v.plen, s)));
	}
	maps6_close(&m);
	return arr;
}

void addr6_port_json(struct ctl *c, json_object *o, const struct sl_port *p)
{
	json_object *arr = owned_json(c, p->switch_id, p->slot, 0, SL_ADDR6_F_AUTO_LL);
	char s[INET6_ADDRSTRLEN + 4];
	uint32_t slot = p->slot;
	struct sl_port6 v;
	struct maps6 m;

	if (arr)
		json_object_object_add(o, "addr6", arr);
	if (maps6_open(c, &m, true))
		return;
	if (!bpf_map_lookup_elem(m.port, &slot, &v)) {
		if (!ip6_is_zero(v.gw6))
			jadd_str(o, "gw6", fmt6(v.gw6, -1, s));
		if (v.flags & SL_PORT6_F_TRUSTED)
			jadd_bool(o, "trusted", 1);
	}
	maps6_close(&m);
}

void addr6_switch_json(struct ctl *c, json_object *o, uint32_t switch_id)
{
	char sw[SL_NAME_LEN], port[SL_NAME_LEN + 4];
	json_object *arr;
	struct sl_port p;

	snprintf(port, sizeof(port), "%s-gw", switch_name_of(c, switch_id, sw));
	if (port_get_by_name(c, port, &p))
		return;
	arr = owned_json(c, switch_id, p.slot, SL_ADDR6_F_GATEWAY, 0);
	if (arr)
		json_object_object_add(o, "addr6", arr);
}

void addr6_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sl_addr6", c->root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sl_port6", c->root);
	unlink(path);
}
