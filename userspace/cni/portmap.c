// SPDX-License-Identifier: MIT
/* sluice-cni's portMappings capability (podman -p): runtimeConfig.portMappings read and
 * checked, published as `nat publish` ports of the NAT rule covering the container. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "ctl_call.h"
#include "nat_ctl.h"
#include "parse.h"
#include "sluice_nat_pub.h"

static int int_field(json_object *m, const char *key, int i, int *out)
{
	json_object *v;

	if (!json_object_object_get_ex(m, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) < 1 || json_object_get_int(v) > 65535)
		return cni_fail(CNI_ERR_CONFIG, "runtimeConfig.portMappings[%d]: \"%s\" must be a "
				"port (1-65535)", i, key);
	*out = json_object_get_int(v);
	return 0;
}

/* runtimeConfig.portMappings: [{hostPort, containerPort, protocol, hostIP}], all or none. */
int portmap_parse(struct cni_conf *cf)
{
	json_object *rc, *arr;
	int n;

	cf->nmaps = 0;
	if (!json_object_object_get_ex(cf->root, "runtimeConfig", &rc) ||
	    !json_object_object_get_ex(rc, "portMappings", &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return cni_fail(CNI_ERR_CONFIG, "runtimeConfig.portMappings must be an array");
	n = json_object_array_length(arr);
	if (n > CNI_PORTMAPS_MAX)
		return cni_fail(CNI_ERR_CONFIG, "runtimeConfig.portMappings: %d mappings, at most %d",
				n, CNI_PORTMAPS_MAX);
	for (int i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(arr, i), *v;
		struct cni_portmap *pm = &cf->maps[i];
		const char *proto = "tcp";
		int host, cont;

		if (!json_object_is_type(m, json_type_object))
			return cni_fail(CNI_ERR_CONFIG, "runtimeConfig.portMappings[%d] is not an "
					"object", i);
		if (int_field(m, "hostPort", i, &host) || int_field(m, "containerPort", i, &cont))
			return -1;
		if (json_object_object_get_ex(m, "protocol", &v))
			proto = json_object_get_string(v);
		if (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp"))
			return cni_fail(CNI_ERR_CONFIG, "runtimeConfig.portMappings[%d]: protocol "
					"\"%s\": sluice publishes tcp and udp", i, proto);
		pm->host = host;
		pm->cont = cont;
		pm->proto = strcasecmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
		/* hostIP: the port is published on the rule's uplink address (docs/cni.md) */
	}
	cf->nmaps = n;
	return 0;
}

/* The NAT rule whose source subnet holds ADDR: ipMasq's own, else the first that does. */
static int rule_find(const struct cni_conf *cf, uint32_t addr, int plen, char name[SL_NAME_LEN])
{
	char path[PATH_MAX];
	struct ctl c;
	int fd;

	if (cf->ip_masq) {	/* masq_ensure's name */
		snprintf(name, SL_NAME_LEN, "cni-%08x-%d", ntohl(addr & mask_of(plen)), plen);
		return 0;
	}
	if (ctl_open(&c, cf->instance) == 0) {
		snprintf(path, sizeof(path), "%s/%s", c.root, nat_map_names[NAT_RULES]);
		fd = nat_loaded(&c) ? bpf_obj_get(path) : -1;
		instance_close(&c);
		for (__u32 s = 0; fd >= 0 && s < SL_NAT_RULES_MAX; s++) {
			struct sl_nat_rule r;

			if (bpf_map_lookup_elem(fd, &s, &r) == 0 && r.used &&
			    (addr & r.src_mask) == r.src_addr) {
				snprintf(name, SL_NAME_LEN, "%s", r.name);
				close(fd);
				return 0;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	format_ipv4(addr, path);
	return cni_fail(CNI_ERR_CONFIG, "portMappings: no NAT rule masquerades %s (set "
			"\"ipMasq\": true, or add one with sluice nat add)", path);
}

static int publish_call(const struct cni_conf *cf, const char *verb, const char *rule,
			const struct cni_portmap *pm, uint32_t addr)
{
	char port[8], to[32], a[16];

	snprintf(port, sizeof(port), "%u", pm->host);
	format_ipv4(addr, a);
	snprintf(to, sizeof(to), "%s:%u", a, pm->cont);
	return ctl_call(cf->instance, cmd_nat, "publish", verb, rule, "proto",
			pm->proto == IPPROTO_TCP ? "tcp" : "udp", "port", port,
			!strcmp(verb, "add") ? "to" : NULL, to, NULL);
}

/* ADD: every mapping published, or none (those made are taken back). */
int portmap_add(const struct cni_conf *cf, uint32_t addr, int plen)
{
	char rule[SL_NAME_LEN];
	int i;

	if (!cf->nmaps)
		return 0;
	if (rule_find(cf, addr, plen, rule))
		return -1;
	for (i = 0; i < cf->nmaps; i++)
		if (publish_call(cf, "add", rule, &cf->maps[i], addr))
			break;
	if (i == cf->nmaps)
		return 0;
	cni_fail(CNI_ERR_PLUGIN, "portMappings: cannot publish %s port %u to %u",
		 cf->maps[i].proto == IPPROTO_TCP ? "tcp" : "udp", cf->maps[i].host,
		 cf->maps[i].cont);
	while (i-- > 0)
		publish_call(cf, "del", rule, &cf->maps[i], addr);
	return -1;
}

/* DEL: whatever is published to the container's ADDR goes (stateless, so idempotent, and
 * the address's next holder inherits nothing). */
int portmap_del(const struct cni_conf *cf, uint32_t addr)
{
	char path[PATH_MAX], rule[SL_NAME_LEN], port[16], proto[4];
	struct sl_nat_pub_key *k = NULL;
	struct sl_nat_rule r;
	int pub = -1, rules = -1, ret = 0;
	struct ctl c;
	long n = 0;

	if (!addr || ctl_open(&c, cf->instance))
		return 0;
	if (nat_loaded(&c)) {
		snprintf(path, sizeof(path), "%s/%s", c.root, SL_NAT_PUB_MAP);
		pub = bpf_obj_get(path);
		snprintf(path, sizeof(path), "%s/%s", c.root, nat_map_names[NAT_RULES]);
		rules = bpf_obj_get(path);
	}
	instance_close(&c);
	if (pub >= 0 && rules >= 0)
		n = keys_collect(pub, sizeof(*k), (void **)&k);
	for (long i = 0; i < n; i++) {
		struct sl_nat_pub v;
		__u32 slot;

		if (bpf_map_lookup_elem(pub, &k[i], &v) || v.to_addr != addr ||
		    ntohs(k[i].port) != v.ext_lo)
			continue;	/* one call per publish: its first port's entry */
		slot = v.rule;
		if (bpf_map_lookup_elem(rules, &slot, &r) || !r.used)
			continue;
		snprintf(rule, sizeof(rule), "%s", r.name);
		snprintf(proto, sizeof(proto), "%s", k[i].proto == IPPROTO_TCP ? "tcp" : "udp");
		if (v.ext_lo == v.ext_hi)
			snprintf(port, sizeof(port), "%u", v.ext_lo);
		else
			snprintf(port, sizeof(port), "%u-%u", v.ext_lo, v.ext_hi);
		if (ctl_call(cf->instance, cmd_nat, "publish", "del", rule, "proto", proto, "port",
			     port, NULL))
			ret = cni_fail(CNI_ERR_TRY_LATER, "cannot unpublish %s port %s", proto, port);
	}
	free(k);
	if (pub >= 0)
		close(pub);
	if (rules >= 0)
		close(rules);
	return ret;
}
