// SPDX-License-Identifier: MIT
/* Delegated IPAM: exec the configured plugin (host-local, ...) from CNI_PATH as the spec
 * says, and read the IPv4 address, gateway and routes out of its result. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cni.h"
#include "parse.h"

extern char **environ;

static int plugin_find(const char *cni_path, const char *type, char out[4096])
{
	char *dirs = strdup(cni_path), *save = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, 4096, "%s/%s", d, type);
		if (!access(out, X_OK)) {
			free(dirs);
			return 0;
		}
	}
	free(dirs);
	return cni_fail(CNI_ERR_CONFIG, "IPAM plugin %s is not in CNI_PATH (%s)", type, cni_path);
}

/* The environment with CNI_COMMAND replaced. */
static char **env_for(const char *command)
{
	size_t n = 0, j = 0;
	char **e;

	while (environ[n])
		n++;
	e = calloc(n + 2, sizeof(*e));
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12))
			e[j++] = environ[i];
	if (asprintf(&e[j], "CNI_COMMAND=%s", command) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

/* Run PATH with TEXT on stdin; its stdout in *OUT (malloc'ed); returns its exit status. */
static int run_plugin(const char *path, const char *command, const char *text, char **out)
{
	int in[2], op[2], st;
	size_t len = 0, cap = 4096;
	char **e = env_for(command), *buf = malloc(cap);
	pid_t pid;

	*out = NULL;
	if (!e || !buf || pipe2(in, O_CLOEXEC) || pipe2(op, O_CLOEXEC)) {
		free(buf);
		return cni_fail(CNI_ERR_IO, "IPAM: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(op[1], 1);
		execve(path, (char *[]){ (char *)path, NULL }, e);
		_exit(127);
	}
	close(in[0]);
	close(op[1]);
	/* Small documents: the plugin reads all of stdin before it writes. */
	if (pid > 0 && write(in[1], text, strlen(text)) < 0) {
		/* the plugin's exit status says what went wrong */
	}
	close(in[1]);
	for (ssize_t n; pid > 0 && (n = read(op[0], buf + len, cap - len - 1)) > 0;) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	close(op[0]);
	*out = buf;
	if (pid < 0)
		return cni_fail(CNI_ERR_IO, "IPAM: fork: %s", strerror(errno));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cidr_of(json_object *o, const char *key, uint32_t *addr, int *plen)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       !parse_cidr(json_object_get_string(v), addr, plen) ? 0 : -1;
}

int ipam_result_parse(json_object *doc, const char *type, struct ipam_result *res)
{
	json_object *ips, *routes, *v;

	if (!json_object_object_get_ex(doc, "ips", &ips) ||
	    !json_object_is_type(ips, json_type_array))
		return cni_fail(CNI_ERR_PLUGIN, "IPAM %s gave no ips", type);
	res->addr = 0;
	for (size_t i = 0; i < json_object_array_length(ips); i++) {
		json_object *ip = json_object_array_get_idx(ips, i);
		uint32_t a;
		int plen;

		if (cidr_of(ip, "address", &a, &plen))
			continue;	/* IPv6: sluice ports carry IPv4 */
		if (res->addr)
			return cni_fail(CNI_ERR_CONFIG, "IPAM %s gave more than one IPv4 address: a "
					"sluice port has one", type);
		res->addr = a;
		res->plen = plen;
		if (json_object_object_get_ex(ip, "gateway", &v) &&
		    parse_ipv4(json_object_get_string(v), &res->gw))
			res->gw = 0;
	}
	if (!res->addr)
		return cni_fail(CNI_ERR_CONFIG, "IPAM %s gave no IPv4 address", type);
	if (json_object_object_get_ex(doc, "routes", &routes) &&
	    json_object_is_type(routes, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(routes); i++) {
			json_object *r = json_object_array_get_idx(routes, i);
			struct cni_route rt = {};

			if (cidr_of(r, "dst", &rt.dst, &rt.plen))
				continue;
			if (json_object_object_get_ex(r, "gw", &v) &&
			    parse_ipv4(json_object_get_string(v), &rt.gw))
				continue;
			if (res->nroutes == CNI_ROUTES_MAX)
				return cni_fail(CNI_ERR_CONFIG, "IPAM %s gave more than %d routes",
						type, CNI_ROUTES_MAX);
			res->routes[res->nroutes++] = rt;
		}
	}
	return 0;
}

int ipam_exec(const struct cni_env *env, const struct cni_conf *cf, const char *command,
	      struct ipam_result *res)
{
	char path[4096], *out = NULL;
	json_object *doc;
	int st;

	if (plugin_find(env->path, cf->ipam_type, path))
		return -1;
	st = run_plugin(path, command, cf->raw, &out);
	if (st < 0) {
		free(out);
		return -1;
	}
	doc = out && *out ? json_tokener_parse(out) : NULL;
	if (st) {
		json_object *code, *msg;

		if (doc && json_object_object_get_ex(doc, "code", &code) &&
		    json_object_object_get_ex(doc, "msg", &msg))
			cni_fail(json_object_get_int(code), "IPAM %s %s: %s", cf->ipam_type,
				 command, json_object_get_string(msg));
		else
			cni_fail(CNI_ERR_PLUGIN, "IPAM %s %s failed (exit %d)", cf->ipam_type,
				 command, st);
		json_object_put(doc);
		free(out);
		return -1;
	}
	free(out);
	if (!res) {
		json_object_put(doc);
		return 0;
	}
	if (!doc) {
		return cni_fail(CNI_ERR_PLUGIN, "IPAM %s %s printed no JSON result", cf->ipam_type,
				command);
	}
	res->doc = doc;
	return ipam_result_parse(doc, cf->ipam_type, res);
}

void ipam_result_free(struct ipam_result *res)
{
	json_object_put(res->doc);
	res->doc = NULL;
}
