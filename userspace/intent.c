// SPDX-License-Identifier: MIT
/* Crash safety for `port add`: an intent record written before the first device is made and
 * cleared when the command ends; whoever next holds the instance lock rolls back an intent a
 * killed command left (its devices, its half-installed port). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "intent.h"
#include "netlink.h"

#define SL_PIN_INTENTS	"sl_intents"
#define INTENTS_MAX	64

struct port_intent {
	char name[SL_NAME_LEN];		/* the port, and the host device it makes (veth, macvlan) */
	char ifname[SL_NAME_LEN];	/* endpoint: its device in the container */
	__u32 kind;			/* enum intent_kind */
	__u32 parent;			/* endpoint: the macvlan's parent ifindex (host) */
	__s32 nsid;			/* endpoint: its netns id seen from the host, -1: none */
	__u32 ifindex;			/* host device NAME once made (0: not known yet) */
};

static int intents_map(struct ctl *c, bool create)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_INTENTS);
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, SL_PIN_INTENTS, SL_NAME_LEN,
			    sizeof(struct port_intent), INTENTS_MAX, NULL);
	if (fd >= 0 && bpf_obj_pin(fd, path)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void intent_key(const char *name, char key[SL_NAME_LEN])
{
	memset(key, 0, SL_NAME_LEN);
	snprintf(key, SL_NAME_LEN, "%s", name);
}

int intent_begin(struct ctl *c, enum intent_kind kind, const char *name, const char *ifname,
		 uint32_t parent, int netns_fd)
{
	struct port_intent v = { .kind = kind, .parent = parent, .nsid = -1 };
	char key[SL_NAME_LEN];
	int fd, ret;

	snprintf(v.name, sizeof(v.name), "%s", name);
	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname ? ifname : "");
	if (netns_fd >= 0 && (v.nsid = nl_nsid_of(netns_fd)) < 0)
		return -1;
	fd = intents_map(c, true);
	if (fd < 0)
		return errf("map %s: %s", SL_PIN_INTENTS, strerror(errno));
	intent_key(name, key);
	ret = bpf_map_update_elem(fd, key, &v, BPF_ANY) ?
	      errf("write map %s: %s", SL_PIN_INTENTS, strerror(errno)) : 0;
	close(fd);
	return ret;
}

void intent_made(struct ctl *c, const char *name, uint32_t ifindex)
{
	struct port_intent v;
	char key[SL_NAME_LEN];
	int fd = intents_map(c, false);

	if (fd < 0)
		return;
	intent_key(name, key);
	if (bpf_map_lookup_elem(fd, key, &v) == 0) {
		v.ifindex = ifindex;
		bpf_map_update_elem(fd, key, &v, BPF_EXIST);
	}
	close(fd);
}

void intent_end(struct ctl *c, const char *name)
{
	char key[SL_NAME_LEN];
	int fd = intents_map(c, false);

	if (fd < 0)
		return;
	intent_key(name, key);
	bpf_map_delete_elem(fd, key);
	close(fd);
}

/* Undo what a killed `port add` may have made: the port if it got into the maps, else the
 * devices it made, recognised by name and kind (it checked that none existed before). */
static void intent_undo(struct ctl *c, const struct port_intent *v)
{
	struct nl_link_info li;
	struct sl_port p;
	int ifx;

	fprintf(stderr, "sluice: port add %s was interrupted: rolling it back\n", v->name);
	if (port_get_by_name(c, v->name, &p) == 0) {
		port_remove(c, &p, true);
		return;
	}
	if (v->kind == INTENT_ENDPOINT) {
		/* Its macvlan, born in the container: found there by name through the id. */
		if (v->nsid >= 0 && nl_link_find_in(v->nsid, v->ifname, &li) == 0 &&
		    !strcmp(li.kind, "macvlan") && (uint32_t)li.peer_ifindex == v->parent)
			nl_link_del_in(v->nsid, li.ifindex);
		return;
	}
	ifx = nl_link_index(v->name);
	if (ifx > 0 && (!v->ifindex || v->ifindex == (uint32_t)ifx) && nl_link_get(ifx, &li) == 0 &&
	    !strcmp(li.kind, v->kind == INTENT_VETH ? "veth" : "macvlan")) {
		port_detach(c, ifx);	/* hooks a half-made port may have */
		nl_link_del(ifx);
	}
}

void intents_recover(struct ctl *c)
{
	char key[SL_NAME_LEN], keys[INTENTS_MAX][SL_NAME_LEN];
	int fd = intents_map(c, false), n = 0;

	if (fd < 0)
		return;
	/* We hold the instance lock, which every writer of an intent holds until it clears it:
	 * what is here was left by a command that died. */
	while (n < INTENTS_MAX && bpf_map_get_next_key(fd, n ? keys[n - 1] : NULL, key) == 0)
		memcpy(keys[n++], key, SL_NAME_LEN);
	for (int i = 0; i < n; i++) {
		struct port_intent v;

		if (bpf_map_lookup_elem(fd, keys[i], &v) == 0)
			intent_undo(c, &v);
		bpf_map_delete_elem(fd, keys[i]);
	}
	close(fd);
}

bool intents_pending(struct ctl *c)
{
	char key[SL_NAME_LEN];
	int fd = intents_map(c, false);
	bool ret = fd >= 0 && bpf_map_get_next_key(fd, NULL, key) == 0;

	if (fd >= 0)
		close(fd);
	return ret;
}

void intents_unpin(struct ctl *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->root, SL_PIN_INTENTS);
	unlink(path);
}
