// SPDX-License-Identifier: MIT
/* sluice-cni: the CNI plugin's entry point: CNI_* environment, dispatch of ADD, DEL, CHECK
 * and VERSION, and the spec's error object on stdout when anything fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "build_info.h"
#include "cni.h"

struct cni_error cni_err;

int cni_fail(int code, const char *fmt, ...)
{
	va_list ap;

	if (cni_err.code)
		return -1;
	cni_err.code = code;
	va_start(ap, fmt);
	vsnprintf(cni_err.msg, sizeof(cni_err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int print_error(const char *version)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cniVersion", json_object_new_string(version ? version : "1.0.0"));
	json_object_object_add(o, "code", json_object_new_int(cni_err.code));
	json_object_object_add(o, "msg", json_object_new_string(cni_err.msg));
	if (cni_err.details[0])
		json_object_object_add(o, "details", json_object_new_string(cni_err.details));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fprintf(stderr, "sluice-cni: %s%s%s\n", cni_err.msg, cni_err.details[0] ? ": " : "",
		cni_err.details);
	json_object_put(o);
	return 1;
}

static char *read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, stdin);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nb = cap < (1 << 22) ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* VERSION: the configuration need only carry cniVersion (and may be empty). */
static int cni_version(const char *text)
{
	json_object *o = json_object_new_object(), *vs = json_object_new_array(), *in;
	const char *asked = "1.0.0";

	in = json_tokener_parse(text);
	if (in && json_object_is_type(in, json_type_object)) {
		json_object *v;

		if (json_object_object_get_ex(in, "cniVersion", &v) &&
		    json_object_is_type(v, json_type_string))
			asked = json_object_get_string(v);
	}
	/* The reply is in the version asked when we speak it, else in our newest. */
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(version_supported(asked) ? asked : "1.0.0"));
	for (int i = 0; cni_versions[i]; i++)
		json_object_array_add(vs, json_object_new_string(cni_versions[i]));
	json_object_object_add(o, "supportedVersions", vs);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	json_object_put(in);
	return 0;
}

static int env_check(const struct cni_env *env, const char *cmd)
{
	bool add = !strcmp(cmd, "ADD"), check = !strcmp(cmd, "CHECK");

	if (!env->containerid || !*env->containerid)
		return cni_fail(CNI_ERR_ENV, "CNI_CONTAINERID is missing");
	if ((add || check) && (!env->netns || !*env->netns))
		return cni_fail(CNI_ERR_ENV, "CNI_NETNS is missing");
	if (!env->ifname || !*env->ifname)
		return cni_fail(CNI_ERR_ENV, "CNI_IFNAME is missing");
	if (strlen(env->ifname) > 15 || strchr(env->ifname, '/'))
		return cni_fail(CNI_ERR_ENV, "CNI_IFNAME \"%s\" is not an interface name",
				env->ifname);
	if (!env->path || !*env->path)
		return cni_fail(CNI_ERR_ENV, "CNI_PATH is missing");
	return 0;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return getenv("LIBBPF_LOG") ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct cni_env env = {
		.command = getenv("CNI_COMMAND"), .containerid = getenv("CNI_CONTAINERID"),
		.netns = getenv("CNI_NETNS"), .ifname = getenv("CNI_IFNAME"),
		.args = getenv("CNI_ARGS"), .path = getenv("CNI_PATH"),
	};
	struct cni_conf cf = {};
	char *text;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("sluice-cni %s\n", build_id());
		return 0;
	}
	libbpf_set_print(quiet_libbpf);
	if (!env.command || !*env.command) {
		cni_fail(CNI_ERR_ENV, "CNI_COMMAND is missing (ADD, DEL, CHECK or VERSION)");
		return print_error(NULL);
	}
	text = read_stdin();
	if (!text) {
		cni_fail(CNI_ERR_IO, "cannot read the configuration from stdin");
		return print_error(NULL);
	}
	if (!strcmp(env.command, "VERSION"))
		return cni_version(text);
	if (strcmp(env.command, "ADD") && strcmp(env.command, "DEL") &&
	    strcmp(env.command, "CHECK")) {
		cni_fail(CNI_ERR_ENV, "CNI_COMMAND \"%s\" is not ADD, DEL, CHECK or VERSION",
			 env.command);
		return print_error(NULL);
	}
	if (conf_parse(text, env.command, &cf) || env_check(&env, env.command))
		ret = -1;
	else if (!strcmp(env.command, "ADD"))
		ret = cni_add(&env, &cf);
	else if (!strcmp(env.command, "DEL"))
		ret = cni_del(&env, &cf);
	else
		ret = cni_check(&env, &cf);
	if (ret)
		ret = print_error(cf.version && version_supported(cf.version) ? cf.version : NULL);
	json_object_put(cf.root);
	free(text);
	return ret;
}
