// SPDX-License-Identifier: MIT
/* sluice-cni's network configuration: the keys it takes (bridge-plugin names where they mean
 * the same, sluice's own otherwise), their types and ranges; an unknown key is an error. */
#include <string.h>
#include "cni.h"
#include "parse.h"

const char *const cni_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", NULL };

bool version_supported(const char *v)
{
	for (int i = 0; cni_versions[i]; i++)
		if (!strcmp(v, cni_versions[i]))
			return true;
	return false;
}

bool version_legacy(const char *v)
{
	return strncmp(v, "0.", 2) == 0;
}

enum kind { K_STR, K_BOOL, K_INT, K_OBJ, K_ANY };

/* Keys the spec or the runtime put in every plugin's configuration, and ours. */
static const struct {
	const char *key;
	enum kind kind;
} keys[] = {
	{ "cniVersion", K_STR }, { "cniVersions", K_ANY }, { "name", K_STR }, { "type", K_STR },
	{ "ipam", K_OBJ }, { "dns", K_OBJ }, { "args", K_OBJ }, { "runtimeConfig", K_OBJ },
	{ "capabilities", K_OBJ }, { "prevResult", K_OBJ }, { "disableCheck", K_BOOL },
	{ "isGateway", K_BOOL }, { "ipMasq", K_BOOL }, { "mtu", K_INT }, { "vlan", K_INT },
	{ "macspoofchk", K_BOOL }, { "switch", K_STR }, { "instance", K_STR }, { "xdp", K_STR },
	{ "trunk", K_STR }, { "uplink", K_STR },
};

static const char *kind_name(enum kind k)
{
	return k == K_STR ? "a string" : k == K_BOOL ? "true or false" :
	       k == K_INT ? "an integer" : "an object";
}

static bool kind_ok(json_object *v, enum kind k)
{
	switch (k) {
	case K_STR:
		return json_object_is_type(v, json_type_string);
	case K_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case K_INT:
		return json_object_is_type(v, json_type_int);
	case K_OBJ:
		return json_object_is_type(v, json_type_object);
	default:
		return true;
	}
}

static int keys_check(json_object *root)
{
	json_object_object_foreach(root, k, v) {
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i].key))
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return cni_fail(CNI_ERR_FIELD, "unknown configuration key \"%s\" "
					"(docs/cni.md lists the keys)", k);
		if (!kind_ok(v, keys[i].kind))
			return cni_fail(CNI_ERR_CONFIG, "configuration key \"%s\" must be %s", k,
					kind_name(keys[i].kind));
	}
	return 0;
}

static const char *str_of(json_object *root, const char *key, const char *def)
{
	json_object *v;

	return json_object_object_get_ex(root, key, &v) ? json_object_get_string(v) : def;
}

static int int_of(json_object *root, const char *key, int def)
{
	json_object *v;

	return json_object_object_get_ex(root, key, &v) ? json_object_get_int(v) : def;
}

static bool has(json_object *root, const char *key)
{
	return json_object_object_get_ex(root, key, NULL);
}

static int values_check(struct cni_conf *cf)
{
	uint64_t vids[64] = {};
	char why[80];

	if (!name_valid(cf->sw, 12))
		return cni_fail(CNI_ERR_CONFIG, "switch \"%s\" is not a switch name (1-12 of A-Z "
				"a-z 0-9 _ . -)", cf->sw);
	if (!name_valid(cf->instance, 64))
		return cni_fail(CNI_ERR_CONFIG, "instance \"%s\" is not an instance name",
				cf->instance);
	if (cf->mtu && (cf->mtu < 68 || cf->mtu > 65535))
		return cni_fail(CNI_ERR_CONFIG, "mtu %d is out of range (68-65535)", cf->mtu);
	if (cf->vlan && (cf->vlan < 1 || cf->vlan > 4094))
		return cni_fail(CNI_ERR_CONFIG, "vlan %d is not a VLAN id (1-4094)", cf->vlan);
	if (cf->trunk && parse_vid_list(cf->trunk, vids, why, sizeof(why)))
		return cni_fail(CNI_ERR_CONFIG, "trunk \"%s\": %s", cf->trunk, why);
	if (cf->trunk && cf->vlan && !(vids[cf->vlan / 64] >> (cf->vlan % 64) & 1))
		return cni_fail(CNI_ERR_CONFIG, "vlan %d (the trunk's native VLAN) is not in "
				"trunk \"%s\"", cf->vlan, cf->trunk);
	if (cf->xdp && strcmp(cf->xdp, "native") && strcmp(cf->xdp, "generic") &&
	    strcmp(cf->xdp, "auto"))
		return cni_fail(CNI_ERR_CONFIG, "xdp \"%s\": expected native, generic or auto",
				cf->xdp);
	if (cf->uplink && !name_valid(cf->uplink, 15))
		return cni_fail(CNI_ERR_CONFIG, "uplink \"%s\" is not an interface name",
				cf->uplink);
	return 0;
}

int conf_parse(const char *text, const char *command, struct cni_conf *cf)
{
	json_object *root, *v;

	cf->raw = text;
	root = json_tokener_parse(text);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return cni_fail(CNI_ERR_DECODE, "the configuration on stdin is not a JSON object");
	}
	cf->root = root;
	if (keys_check(root))
		return -1;
	cf->version = str_of(root, "cniVersion", NULL);
	if (!cf->version)
		return cni_fail(CNI_ERR_CONFIG, "the configuration has no cniVersion");
	if (!version_supported(cf->version))
		return cni_fail(CNI_ERR_VERSION, "cniVersion %s is not supported (0.3.0, 0.3.1, "
				"0.4.0, 1.0.0)", cf->version);
	if (!strcmp(command, "CHECK") && !strncmp(cf->version, "0.3.", 4))
		return cni_fail(CNI_ERR_VERSION, "CHECK needs cniVersion 0.4.0 or later");
	cf->name = str_of(root, "name", NULL);
	cf->type = str_of(root, "type", NULL);
	if (!cf->name || !*cf->name)
		return cni_fail(CNI_ERR_CONFIG, "the configuration has no network name");
	cf->sw = str_of(root, "switch", "sluice0");
	cf->instance = str_of(root, "instance", "default");
	cf->xdp = str_of(root, "xdp", NULL);
	cf->trunk = str_of(root, "trunk", NULL);
	cf->uplink = str_of(root, "uplink", NULL);
	cf->mtu = int_of(root, "mtu", 0);
	cf->vlan = int_of(root, "vlan", 0);
	cf->is_gateway = json_object_object_get_ex(root, "isGateway", &v) && json_object_get_boolean(v);
	cf->ip_masq = json_object_object_get_ex(root, "ipMasq", &v) && json_object_get_boolean(v);
	cf->spoofchk = !has(root, "macspoofchk") ? -1 :
		       (json_object_object_get_ex(root, "macspoofchk", &v), json_object_get_boolean(v));
	if (json_object_object_get_ex(root, "ipam", &cf->ipam)) {
		cf->ipam_type = str_of(cf->ipam, "type", NULL);
		if (!cf->ipam_type || !name_valid(cf->ipam_type, 64))
			return cni_fail(CNI_ERR_CONFIG, "ipam needs a \"type\" naming its plugin");
	} else if (strcmp(command, "DEL")) {
		return cni_fail(CNI_ERR_CONFIG, "the configuration has no ipam section (sluice "
				"delegates addresses to an IPAM plugin such as host-local)");
	}
	json_object_object_get_ex(root, "prevResult", &cf->prev_result);
	if (!strcmp(command, "CHECK") && !cf->prev_result)
		return cni_fail(CNI_ERR_CONFIG, "CHECK needs prevResult");
	if (values_check(cf))
		return -1;
	/* DEL unpublishes by the container's address: a mapping ADD refused must not stop it */
	return strcmp(command, "DEL") ? portmap_parse(cf) : 0;
}
