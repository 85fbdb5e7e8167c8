// SPDX-License-Identifier: MIT
/* A container port's IPv4 addresses beyond its first: parsing, configuring the container,
 * and the sl_port4 map (by slot) that anti-spoofing reads when a source is not sl_port.ip. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr4.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"
#include "port_maps.h"

/* The pinned sl_port4 of C, or -1: an instance made before it (nothing extra to find). */
static int port4_open(struct ctl *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sl_port4", c->root);
	return bpf_obj_get(path);
}

int addr4_more_add(struct addr4_more *m, uint32_t first, uint32_t addr, int plen)
{
	char a[16];

	format_ipv4(addr, a);
	if (addr == first)
		return errf("addr %s is given twice", a);
	for (int i = 0; i < m->n; i++)
		if (m->addr[i] == addr)
			return errf("addr %s is given twice", a);
	if (m->n == SL_ADDR4_EXTRA_MAX)
		return errf("addr %s: a port takes at most %d IPv4 addresses", a, SL_ADDR4_PORT_MAX);
	m->addr[m->n] = addr;
	m->plen[m->n++] = plen;
	return 0;
}

int addr4_peer_setup(const struct addr4_more *m, int ifindex)
{
	for (int i = 0; i < m->n; i++)
		if (nl_addr_add(ifindex, m->addr[i], m->plen[i]))
			return -1;
	return 0;
}

int addr4_get(struct ctl *c, const struct sl_port *p, struct sl_port4 *v)
{
	uint32_t slot = p->slot;
	int fd, ret;

	if (!(p->flags & SL_PORT_F_ADDRS4) || !slot)
		return -1;
	fd = port4_open(c);
	if (fd < 0)
		return -1;
	ret = bpf_map_lookup_elem(fd, &slot, v);
	close(fd);
	return ret || !v->naddr ? -1 : 0;
}

bool addr4_port_has(struct ctl *c, const struct sl_port *p, uint32_t addr)
{
	struct sl_port4 v;

	if (p->ip == addr)
		return true;
	if (addr4_get(c, p, &v))
		return false;
	for (uint32_t i = 0; i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++)
		if (v.addr[i] == addr)
			return true;
	return false;
}

int addr4_install(struct ctl *c, struct sl_port *p, int first_plen, const struct addr4_more *m)
{
	struct sl_port4 v = { .naddr = m->n };
	uint32_t slot = p->slot, ifx = p->ifindex, flags = p->flags;
	int fd;

	if (!m->n && !(p->flags & SL_PORT_F_ADDRS4))
		return 0;	/* one address, as ever: sl_port4 is not touched */
	fd = port4_open(c);
	if (fd < 0)
		return m->n ? errf("instance %s has no map sl_port4 (loaded by an older build): "
				  "run sluice upgrade", c->instance) : 0;
	memcpy(v.addr, m->addr, sizeof(v.addr));
	v.plen[0] = first_plen;
	memcpy(v.plen + 1, m->plen, sizeof(m->plen));
	/* The list before the flag that makes the datapath read it; the flag off first when
	 * the list shrinks to nothing. */
	p->flags = m->n ? p->flags | SL_PORT_F_ADDRS4 : p->flags & ~SL_PORT_F_ADDRS4;
	if ((m->n && bpf_map_update_elem(fd, &slot, &v, BPF_ANY)) ||
	    port_put(c, ifx, p, BPF_EXIST) ||
	    (!m->n && bpf_map_update_elem(fd, &slot, &v, BPF_ANY))) {
		p->flags = flags;
		close(fd);
		return errf("port %s: maps sl_port4, sl_ports: %s", p->name, strerror(errno));
	}
	close(fd);
	return 0;
}

void addr4_uninstall(struct ctl *c, const struct sl_port *p)
{
	struct sl_port4 v, zero = {};
	uint32_t slot = p->slot;
	int fd;

	if (addr4_get(c, p, &v))
		return;
	for (uint32_t i = 0; i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++)
		addr_neigh_forget(c, p->switch_id, v.addr[i]);
	fd = port4_open(c);
	if (fd < 0)
		return;
	bpf_map_update_elem(fd, &slot, &zero, BPF_ANY);
	close(fd);
}

static json_object *cidr_json(uint32_t addr, int plen)
{
	char a[16], s[20];

	format_ipv4(addr, a);
	snprintf(s, sizeof(s), "%s/%d", a, plen);
	return json_object_new_string(s);
}

void addr4_port_json(struct ctl *c, json_object *o, const struct sl_port *p)
{
	struct sl_port4 v;
	json_object *arr;

	if (!p->ip || addr4_get(c, p, &v))
		return;
	arr = json_object_new_array();
	json_object_array_add(arr, cidr_json(p->ip, v.plen[0]));
	for (uint32_t i = 0; i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++)
		json_object_array_add(arr, cidr_json(v.addr[i], v.plen[i + 1]));
	json_object_object_add(o, "addrs", arr);
}

void addr4_save(struct ctl *c, FILE *f, const struct sl_port *p)
{
	struct sl_port4 v;
	char a[16];

	if (addr4_get(c, p, &v))
		return;
	for (uint32_t i = 0; i < v.naddr && i < SL_ADDR4_EXTRA_MAX; i++) {
		format_ipv4(v.addr[i], a);
		fprintf(f, " addr %s/%d", a, v.plen[i + 1]);
	}
}

void addr4_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sl_port4", c->root);
	unlink(path);
}
