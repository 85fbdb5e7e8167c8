// SPDX-License-Identifier: MIT
/* VXLAN ports: `port add ... vxlan` (an external-mode vxlan device made over netlink, its
 * remotes and VLAN <-> VNI map in the sl_vx_* maps), their removal and `port show`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "sluice_vxlan.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"
#include "port_maps.h"
#include "vxlan.h"
#include "vxlan_maps.h"

static const char *const vx_map_names[] = { "sl_vx_ports", "sl_vx_remotes", "sl_vx_ids" };

int vx_maps_open(struct ctl *c, struct vx_maps *m)
{
	const char *const *names = vx_map_names;
	int *fds[] = { &m->ports, &m->remotes, &m->ids };
	char path[PATH_MAX];

	m->ports = m->remotes = m->ids = -1;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0)
			return errf("map %s: %s (an instance made before VXLAN ports: run sluice "
				   "upgrade)", path, strerror(errno));
	}
	return 0;
}

void vxlan_unpin(struct ctl *c)
{
	pins_unlink(c, vx_map_names, sizeof(vx_map_names) / sizeof(vx_map_names[0]));
}

void vx_maps_close(struct vx_maps *m)
{
	int fds[] = { m->ports, m->remotes, m->ids };

	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* vlan VID vni VNI pairs; a lone "vni VNI" carries VLAN 1. */
static int vx_add_map(struct vx_req *r, uint16_t vid, const char *vni_s)
{
	uint32_t vni;

	if (parse_u32(vni_s, 1, SL_VX_VNI_MAX, &vni))
		return errf("vni \"%s\" is not a VXLAN network id (1-%u)", vni_s, SL_VX_VNI_MAX);
	for (uint32_t i = 0; i < r->nmaps; i++) {
		if (r->vid[i] == vid)
			return errf("vlan %u is mapped twice (vni %u and vni %u)", vid, r->vni[i], vni);
		if (r->vni[i] == vni)
			return errf("vni %u is given for vlan %u and vlan %u: a VNI carries one VLAN",
				   vni, r->vid[i], vid);
	}
	r->vid[r->nmaps] = vid;
	r->vni[r->nmaps++] = vni;
	return 0;
}

int vx_add_remote(struct vx_req *r, const char *s)
{
	uint32_t a;

	if (parse_ipv4(s, &a) || !a || (ntohl(a) >> 28) >= 14)
		return errf("remote \"%s\" is not a unicast IPv4 address", s);
	for (uint32_t i = 0; i < r->nremotes; i++)
		if (r->remotes[i] == a)
			return errf("remote %s is listed twice", s);
	if (r->nremotes >= SL_VX_REMOTES_MAX)
		return errf("remote %s: a VXLAN port has at most %d remotes", s, SL_VX_REMOTES_MAX);
	r->remotes[r->nremotes++] = a;
	return 0;
}

static int vx_parse(struct vx_req *r, int argc, char **argv)
{
	const char *pending = NULL;	/* "vlan VID" waiting for its "vni" */
	uint16_t vid = 0;
	uint32_t u;

	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return errf("port %s: \"%s\" needs a value", r->name, k);
		if (pending && strcmp(k, "vni"))
			return errf("vlan %s: give its VNI right after it (vlan %s vni VNI)", pending,
				   pending);
		if (!strcmp(k, "vlan")) {
			if (parse_vid(v, &vid))
				return errf("vlan \"%s\" is not a VLAN id (1-4094)", v);
			pending = v;
		} else if (!strcmp(k, "vni")) {
			if (vx_add_map(r, pending ? vid : SL_VLAN_DEFAULT, v))
				return -1;
			pending = NULL;
		} else if (!strcmp(k, "remote")) {
			if (vx_add_remote(r, v))
				return -1;
		} else if (!strcmp(k, "dstport")) {
			if (parse_u32(v, 1, 65535, &u))
				return errf("dstport \"%s\" is not a UDP port (1-65535)", v);
			r->dstport = u;
		} else if (!strcmp(k, "local")) {
			if (parse_ipv4(v, &r->local) || !r->local)
				return errf("local \"%s\" is not an IPv4 address", v);
		} else if (!strcmp(k, "dev")) {
			if (!name_valid(v, IF_NAMESIZE - 1))
				return errf("dev \"%s\" is not a valid interface name", v);
			r->dev = v;
		} else {
			return errf("port %s: unknown vxlan option \"%s\" (vni, vlan, remote, dstport, "
				   "local, dev)", r->name, k);
		}
	}
	if (pending)
		return errf("vlan %s: give its VNI right after it (vlan %s vni VNI)", pending, pending);
	if (!r->nmaps)
		return errf("port %s: vxlan needs \"vni VNI\" (or \"vlan VID vni VNI\"...)", r->name);
	for (uint32_t i = 0; r->local && i < r->nremotes; i++) {
		char ip[16];

		if (r->remotes[i] != r->local)
			continue;
		format_ipv4(r->local, ip);
		return errf("remote %s is this host's local address", ip);
	}
	return 0;
}

struct clash_q {
	struct vx_maps *m;
	const struct vx_req *r;
};

static int vx_port_clash(struct ctl *c, const struct sl_port *p, void *arg)
{
	const struct vx_req *r = ((struct clash_q *)arg)->r;
	struct vx_maps *m = ((struct clash_q *)arg)->m;
	struct sl_vx_port vp;
	uint32_t vni;

	(void)c;
	if (!(p->flags & SL_PORT_F_VXLAN))
		return 0;
	for (uint32_t i = 0; i < r->nmaps; i++) {
		struct sl_vx_id_key k = { p->ifindex, SL_VX_ID_VNI | r->vni[i] };

		if (!bpf_map_lookup_elem(m->ids, &k, &vni))
			return errf("vni %u is already carried by port %s (vlan %u)", r->vni[i],
				   p->name, vni);
	}
	if (!bpf_map_lookup_elem(m->ports, &p->ifindex, &vp) && vp.dstport == r->dstport)
		return errf("port %s already takes VXLAN on UDP port %u (one external vxlan "
			   "device per UDP port: give another dstport)", p->name, r->dstport);
	return 0;
}

/* Another VXLAN port of this instance already uses one of R's VNIs or its UDP port. */
static int vx_clash(struct ctl *c, struct vx_maps *m, const struct vx_req *r)
{
	return ports_for_each(c, vx_port_clash, &(struct clash_q){ m, r });
}

/* Write R's remotes and VLAN <-> VNI pairs for port IFX. */
static int vx_maps_write(struct vx_maps *m, const struct vx_req *r, uint32_t ifx)
{
	struct sl_vx_port vp = { .count = r->nremotes, .dstport = r->dstport, .local = r->local };

	memcpy(vp.remotes, r->remotes, sizeof(vp.remotes));
	for (uint32_t i = 0; i < r->nremotes; i++) {
		struct sl_vx_remote_key k = { ifx, r->remotes[i] };
		uint32_t idx = i + 1;

		if (bpf_map_update_elem(m->remotes, &k, &idx, BPF_ANY))
			return errf("map sl_vx_remotes: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < r->nmaps; i++) {
		struct sl_vx_id_key in = { ifx, SL_VX_ID_VNI | r->vni[i] }, out = { ifx, r->vid[i] };
		uint32_t vid = r->vid[i];

		if (bpf_map_update_elem(m->ids, &in, &vid, BPF_ANY) ||
		    bpf_map_update_elem(m->ids, &out, &r->vni[i], BPF_ANY))
			return errf("map sl_vx_ids: %s", strerror(errno));
	}
	if (bpf_map_update_elem(m->ports, &ifx, &vp, BPF_ANY))
		return errf("map sl_vx_ports: %s", strerror(errno));
	return 0;
}

static void vx_maps_clear(struct vx_maps *m, uint32_t ifx)
{
	struct sl_vx_remote_key rk, rnext;
	struct sl_vx_id_key ik, inext;
	bool first = true;

	bpf_map_delete_elem(m->ports, &ifx);
	while (bpf_map_get_next_key(m->remotes, first ? NULL : &rk, &rnext) == 0) {
		first = false;
		rk = rnext;
		if (rnext.ifindex == ifx && !bpf_map_delete_elem(m->remotes, &rnext))
			first = true;	/* restart: the deleted key cannot lead the walk */
	}
	first = true;
	while (bpf_map_get_next_key(m->ids, first ? NULL : &ik, &inext) == 0) {
		first = false;
		ik = inext;
		if (inext.ifindex == ifx && !bpf_map_delete_elem(m->ids, &inext))
			first = true;
	}
}

void vxlan_forget(struct ctl *c, const struct sl_port *p)
{
	struct vx_maps m;

	if (!vx_maps_open(c, &m))
		vx_maps_clear(&m, p->ifindex);
	vx_maps_close(&m);
}

/* The sl_port of a VXLAN port: always untagged on the wire, member of every mapped VLAN. */
static void vx_port_fill(struct sl_port *p, const struct vx_req *r, uint32_t switch_id)
{
	memset(p, 0, sizeof(*p));
	p->switch_id = switch_id;
	p->hook = SL_HOOK_TC;
	p->flags = SL_PORT_F_OWNED | SL_PORT_F_VXLAN;
	snprintf(p->name, sizeof(p->name), "%s", r->name);
	if (r->nmaps == 1) {
		p->mode = SL_MODE_ACCESS;
		p->pvid = r->vid[0];
		return;
	}
	p->mode = SL_MODE_TRUNK;
	for (uint32_t i = 0; i < r->nmaps; i++)
		p->vids[r->vid[i] / 64] |= 1ULL << (r->vid[i] % 64);
}

/* Everything port add checks before it makes anything; fills the underlay MTU. */
static int vx_check(struct ctl *c, struct vx_maps *m, const struct vx_req *r,
		    struct sl_switch *sw, int *mtu)
{
	struct nl_link_info li;
	struct sl_port p;
	int dev;

	if (switch_get(c, r->sw, sw))
		return errf("switch %s does not exist", r->sw);
	if (!port_get_by_name(c, r->name, &p))
		return errf("port %s already exists", r->name);
	if (nl_link_index(r->name) > 0)
		return errf("device %s already exists in the host netns", r->name);
	*mtu = 1500;
	if (r->dev) {
		dev = nl_link_index(r->dev);
		if (dev < 0 || nl_link_get(dev, &li))
			return errf("dev %s does not exist in the host netns", r->dev);
		*mtu = li.mtu;
	}
	*mtu -= SL_VX_OVERHEAD;
	return vx_clash(c, m, r);
}

int vxlan_port_add(struct ctl *c, int argc, char **argv)
{
	struct vx_req *r = calloc(1, sizeof(*r));
	struct vx_maps m = { -1, -1, -1 };
	struct nl_link_info li;
	struct sl_switch sw;
	struct sl_port p;
	int ifx = -1, mtu = 0, ret = -1;

	if (!r)
		return errf("out of memory");
	r->sw = argv[0];
	r->name = argv[1];
	r->dstport = SL_VX_DSTPORT;
	if (!name_valid(r->name, IF_NAMESIZE - 1)) {
		errf("port name \"%s\" is not a valid interface name", r->name);
		goto out;
	}
	if (vx_parse(r, argc - 3, argv + 3) || instance_open(c, false) || vx_maps_open(c, &m) ||
	    vx_check(c, &m, r, &sw, &mtu))
		goto out;
	ifx = nl_vxlan_add(r->name, r->dstport, r->local,
			   r->dev ? nl_link_index(r->dev) : 0, mtu);
	if (ifx < 0)
		goto out;
	if (nl_link_get(ifx, &li))
		goto undo_dev;
	vx_port_fill(&p, r, sw.id);
	p.ifindex = ifx;
	memcpy(p.mac, li.mac, 6);
	/* Maps before hooks: the first frame already finds its port, remotes and VNIs. */
	if (vx_maps_write(&m, r, ifx))
		goto undo_maps;
	if (port_install(c, &p))
		goto undo_maps;
	if (nl_link_set_up(ifx, true) || port_attach(c, ifx, r->name, SL_HOOK_TC)) {
		port_uninstall(c, &p);
		goto undo_maps;
	}
	if (flood_rebuild(c, sw.id)) {
		port_remove(c, &p, true);
		goto out;
	}
	vxlan_switch_mtu_apply(c, sw.id, li.mtu);
	ret = 0;
	goto out;
undo_maps:
	vx_maps_clear(&m, ifx);
undo_dev:
	nl_link_del(ifx);
out:
	vx_maps_close(&m);
	free(r);
	return ret;
}

void vxlan_json(struct ctl *c, const struct sl_port *p, json_object *o)
{
	json_object *remotes = json_object_new_array(), *vnis = json_object_new_array();
	struct sl_vx_port vp;
	struct vx_maps m;
	char ip[16], pair[24];

	jadd_str(o, "kind", "vxlan");
	if (vx_maps_open(c, &m) || bpf_map_lookup_elem(m.ports, &p->ifindex, &vp)) {
		vx_maps_close(&m);
		json_object_put(remotes);
		json_object_put(vnis);
		return;
	}
	for (unsigned v = 1; v <= SL_VLAN_MAX; v++) {
		struct sl_vx_id_key k = { p->ifindex, v };
		uint32_t vni;

		if (p->mode == SL_MODE_ACCESS && v != p->pvid)
			continue;
		if (p->mode == SL_MODE_TRUNK && !(p->vids[v / 64] >> (v % 64) & 1))
			continue;
		if (bpf_map_lookup_elem(m.ids, &k, &vni))
			continue;
		if (p->mode == SL_MODE_ACCESS) {
			jadd_int(o, "vni", vni);
			continue;
		}
		snprintf(pair, sizeof(pair), "%u:%u", v, vni);
		json_object_array_add(vnis, json_object_new_string(pair));
	}
	if (p->mode == SL_MODE_TRUNK)
		json_object_object_add(o, "vlan_vni", vnis);
	else
		json_object_put(vnis);
	jadd_int(o, "dstport", vp.dstport);
	if (vp.local) {
		format_ipv4(vp.local, ip);
		jadd_str(o, "local", ip);
	}
	for (uint32_t i = 0; i < vp.count && i < SL_VX_REMOTES_MAX; i++) {
		if (!vp.remotes[i])
			continue;
		format_ipv4(vp.remotes[i], ip);
		json_object_array_add(remotes, json_object_new_string(ip));
	}
	json_object_object_add(o, "remotes", remotes);
	vx_maps_close(&m);
}
