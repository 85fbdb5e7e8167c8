// SPDX-License-Identifier: MIT
/* `sluice daemon --metrics ADDR:PORT`: libmicrohttpd's own thread answers GET /metrics
 * with the text exposition format; everything else is 404 or 405. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "ctl.h"
#include "metrics.h"
#include "parse.h"

#define METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct MHD_Daemon *d;
	char instance[72];
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body,
			     size_t len, const char *ctype)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	struct metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET only\n"), 9,
			     "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, strdup("see /metrics\n"), 13, "text/plain");
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	if (metrics_render(m->instance, f)) {
		fclose(f);
		free(body);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, strdup("instance has no pins\n"), 21,
			     "text/plain");
	}
	fclose(f);
	return reply(conn, MHD_HTTP_OK, body, len, METRICS_CTYPE);
}

static int parse_addr_port(const char *s, struct sockaddr_in *sin)
{
	char host[32];
	const char *colon = strrchr(s, ':');
	uint32_t port, addr;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	if (parse_ipv4(host, &addr) || parse_u32(colon + 1, 1, 65535, &port))
		return -EINVAL;
	*sin = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr.s_addr = addr };
	return 0;
}

struct metrics *metrics_start(const char *instance, const char *addr_port)
{
	struct sockaddr_in sin;
	struct metrics *m;

	if (parse_addr_port(addr_port, &sin)) {
		errf("--metrics \"%s\": expected IPv4ADDR:PORT, e.g. 127.0.0.1:9108", addr_port);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	snprintf(m->instance, sizeof(m->instance), "%s", instance);
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, ntohs(sin.sin_port), NULL, NULL,
				on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!m->d) {
		int e = errno;

		errf("--metrics %s: cannot listen: %s", addr_port, strerror(e ? e : EADDRNOTAVAIL));
		free(m);
		return NULL;
	}
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
