/* SPDX-License-Identifier: MIT */
/* sluice-cni: the CNI plugin's request (environment + network configuration), its IPAM
 * result, and the spec's error object. The plugin is a face over the controller library. */
#ifndef SLUICE_CNI_H
#define SLUICE_CNI_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/* Error codes of the CNI spec (1.0.0, "Error"). */
enum cni_code {
	CNI_ERR_VERSION = 1,	/* incompatible CNI version */
	CNI_ERR_FIELD = 2,	/* unsupported field in the network configuration */
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_ENV = 4,	/* invalid or missing CNI_* variables */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,	/* stdin is not JSON */
	CNI_ERR_CONFIG = 7,	/* invalid network configuration */
	CNI_ERR_TRY_LATER = 11,
	CNI_ERR_PLUGIN = 100,	/* sluice's own: the controller refused or failed (details say why) */
};

/* Every exit that is not a success carries one of these, printed on stdout as JSON. */
struct cni_error {
	int code;
	char msg[256];
	char details[512];
};
extern struct cni_error cni_err;
/* Record the error (the first one wins: it is the cause); returns -1. */
int cni_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The CNI_* environment. */
struct cni_env {
	const char *command, *containerid, *netns, *ifname, *args, *path;
};

/* One runtimeConfig.portMappings entry (portmap.c). */
#define CNI_PORTMAPS_MAX 64
struct cni_portmap {
	uint16_t host, cont;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

/* The network configuration, validated (conf.c). */
struct cni_conf {
	const char *version;	/* cniVersion as given */
	const char *name, *type;
	const char *sw, *instance, *xdp, *trunk, *uplink;
	bool is_gateway, ip_masq;
	int mtu;		/* 0: leave the default */
	int vlan;		/* 0: default (access VLAN 1; with trunk, no native VLAN) */
	int spoofchk;		/* -1: sluice's default (on) */
	json_object *root;	/* the whole document (owns everything above) */
	json_object *ipam;	/* NULL when absent */
	const char *ipam_type;
	json_object *prev_result;
	const char *raw;	/* stdin as read: what the IPAM plugin gets */
	struct cni_portmap maps[CNI_PORTMAPS_MAX];
	int nmaps;
};

/* Parse and validate STDIN_TEXT for COMMAND; on failure cni_err is set. */
int conf_parse(const char *stdin_text, const char *command, struct cni_conf *cf);
/* Versions this plugin speaks, and whether results carry "version" on ips (< 1.0.0). */
bool version_supported(const char *v);
bool version_legacy(const char *v);
extern const char *const cni_versions[];

/* One IPv4 address IPAM gave, and the routes it asks for (ipam.c). */
#define CNI_ROUTES_MAX 16
struct cni_route {
	uint32_t dst;		/* network order */
	int plen;
	uint32_t gw;		/* 0: none */
};
struct ipam_result {
	json_object *doc;	/* the plugin's result (dns is passed through) */
	uint32_t addr, gw;	/* network order; gw 0 when IPAM gave none */
	int plen;
	struct cni_route routes[CNI_ROUTES_MAX];
	int nroutes;
};
/* Exec the configured IPAM plugin for COMMAND ("ADD", "DEL", "CHECK") as the spec says:
 * same environment but CNI_COMMAND, the configuration on stdin. ADD fills RES. */
int ipam_exec(const struct cni_env *env, const struct cni_conf *cf, const char *command,
	      struct ipam_result *res);
void ipam_result_free(struct ipam_result *res);
/* The IPv4 address, gateway and routes of a result (IPAM's, or a prevResult). */
int ipam_result_parse(json_object *doc, const char *what, struct ipam_result *res);

/* attach.c: the commands over the controller library. */
int cni_add(const struct cni_env *env, const struct cni_conf *cf);
int cni_del(const struct cni_env *env, const struct cni_conf *cf);
int cni_check(const struct cni_env *env, const struct cni_conf *cf);
/* The host-side port name of (container, ifname): stable, so DEL finds it without state. */
void port_name_of(const struct cni_env *env, char name[16]);

/* portmap.c: runtimeConfig.portMappings into CF; published on ADD to the container's
 * ADDR (all or none), and on DEL whatever is published to ADDR removed. */
int portmap_parse(struct cni_conf *cf);
int portmap_add(const struct cni_conf *cf, uint32_t addr, int plen);
int portmap_del(const struct cni_conf *cf, uint32_t addr);

/* link.c: container-side settings the CLI has no words for, in the current netns. */
int link_set_mtu(const char *ifname, int mtu);
int route_replace(const char *ifname, const struct cni_route *r);
/* The device of the current netns' IPv4 default route: 0 or -ENOENT. */
int default_route_dev(char name[16]);

#endif
