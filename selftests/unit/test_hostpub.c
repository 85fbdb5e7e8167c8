// SPDX-License-Identifier: MIT
/* The host-cgroup programs (bpf/hostpub.bpf.c) attached for real: sock_addr programs have
 * no test_run on every kernel, so the runner's private netns and a private cgroup v2 child
 * (made, joined and removed here) hold real sockets. 198.51.100.2 plays the uplink address
 * (not local here: a connect that is not rewritten fails with ENETUNREACH), 127.0.0.1 the
 * container. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hostpub.skel.h"
#include "sluice_hostpub.h"
#include "sluice_nat.h"
#include "sluice_nat_pub.h"
#include "runner.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

#define UPLINK	"198.51.100.2"
#define UPLINK_IFINDEX	1
#define TARGET	"127.0.0.1"
#define TCP_TO	7000
#define UDP_TO	7001

struct hp {
	struct hostpub *skel;
	struct bpf_link *link[SL_HOSTPUB_PROGS];
	char mnt[PATH_MAX], cg[PATH_MAX], home[PATH_MAX];
	bool mounted;
	__u64 cookie;
};

static __be32 ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void cg_join(const char *dir)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		runner_fail(__FILE__, __LINE__, "join %s: %s", dir, strerror(errno));
}

static void hp_close(void *arg)
{
	struct hp *h = arg;
	char path[PATH_MAX + 16];
	FILE *f;

	for (int i = 0; i < SL_HOSTPUB_PROGS; i++)
		bpf_link__destroy(h->link[i]);
	snprintf(path, sizeof(path), "%s/cgroup.procs", h->home);	/* back where we were */
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", getpid());
		fclose(f);
	}
	rmdir(h->cg);
	if (h->mounted) {
		umount(h->mnt);
		rmdir(h->mnt);
	}
	hostpub__destroy(h->skel);
	free(h);
}

/* Our cgroup v2 path relative to the hierarchy's root ("0::/x" in /proc/self/cgroup). */
static void cg_self(char *rel, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(rel, len, "/");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(rel, len, "%.1000s", line + 3);
		}
	if (f)
		fclose(f);
}

static void cg2_mount(struct hp *h)
{
	char line[1024], dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/mounts", "r");

	h->mnt[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(h->mnt, sizeof(h->mnt), "%s", dir);
			break;
		}
	if (f)
		fclose(f);
	if (h->mnt[0])
		return;
	snprintf(h->mnt, sizeof(h->mnt), "/tmp/sluice-unit-cg2-%d", getpid());
	if (mkdir(h->mnt, 0700) || mount("none", h->mnt, "cgroup2", 0, NULL))
		runner_fail(__FILE__, __LINE__, "mount cgroup2 at %s: %s", h->mnt, strerror(errno));
	h->mounted = true;
}

/* Programs loaded on private maps, attached to a fresh cgroup this process joins; rule 0
 * has UPLINK as its address. */
static struct hp *hp_open(void)
{
	struct hp *h = calloc(1, sizeof(*h));
	struct sl_nat_rule r = { .used = 1, .out_ifindex = UPLINK_IFINDEX, .ext_addr = ip(UPLINK) };
	struct sl_hostpub_cfg cfg = {};
	struct bpf_program *progs[SL_HOSTPUB_PROGS];
	struct bpf_map *m;
	socklen_t len = sizeof(h->cookie);
	char rel[PATH_MAX];
	__u32 zero = 0;
	int s, cg;

	ASSERT_TRUE(h);
	runner_defer(hp_close, h);
	h->skel = hostpub__open();
	ASSERT_TRUE(h->skel);
	bpf_object__for_each_map(m, h->skel->obj)
		ASSERT_OK(bpf_map__set_pin_path(m, NULL));	/* private maps, nothing pinned */
	ASSERT_OK(hostpub__load(h->skel));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_OK(getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &h->cookie, &len));
	close(s);
	cfg.netns_cookie = h->cookie;
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.sl_hostpub_cfg), &zero, &cfg, 0));
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.sl_nat_rules), &zero, &r, 0));

	cg2_mount(h);
	cg_self(rel, sizeof(rel));
	snprintf(h->home, sizeof(h->home), "%.1000s%.1000s", h->mnt, rel);
	snprintf(h->cg, sizeof(h->cg), "%.1000s/sluice-unit-hostpub-%d", h->mnt, getpid());
	if (mkdir(h->cg, 0755))
		runner_fail(__FILE__, __LINE__, "mkdir %s: %s", h->cg, strerror(errno));
	cg = open(h->cg, O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(cg >= 0);
	progs[0] = h->skel->progs.sl_hp_connect4;
	progs[1] = h->skel->progs.sl_hp_sendmsg4;
	progs[2] = h->skel->progs.sl_hp_recvmsg4;
	progs[3] = h->skel->progs.sl_hp_getpeer4;
	for (int i = 0; i < SL_HOSTPUB_PROGS; i++) {
		h->link[i] = bpf_program__attach_cgroup(progs[i], cg);
		if (!h->link[i]) {
			close(cg);
			runner_fail(__FILE__, __LINE__, "attach %d: %s", i, strerror(errno));
		}
	}
	close(cg);
	cg_join(h->cg);
	return h;
}

static void publish(struct hp *h, __u8 proto, __u16 port, __u16 to_port, const char *from,
		    int plen)
{
	struct sl_nat_pub_key k = { .ifindex = UPLINK_IFINDEX, .port = htons(port), .proto = proto };
	struct sl_nat_pub v = { .to_addr = ip(TARGET), .to_port = htons(to_port),
				.from_mask = plen ? htonl(~0u << (32 - plen)) : 0,
				.ext_lo = port, .ext_hi = port, .to_lo = to_port, .to_hi = to_port };

	v.from_addr = from ? ip(from) & v.from_mask : 0;
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.sl_nat_pub), &k, &v, 0));
}

static struct sockaddr_in sa(const char *addr, __u16 port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr.s_addr = ip(addr) };
}

static void fd_close(void *arg)
{
	close((int)(long)arg);
}

static int sock(int type, const char *bind_addr, __u16 port)
{
	struct timeval tv = { .tv_sec = 1 };
	int one = 1, s = socket(AF_INET, type, 0);

	ASSERT_TRUE(s >= 0);
	runner_defer(fd_close, (void *)(long)s);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind_addr) {
		struct sockaddr_in a = sa(bind_addr, port);

		ASSERT_OK(bind(s, (struct sockaddr *)&a, sizeof(a)));
		if (type == SOCK_STREAM)
			ASSERT_OK(listen(s, 8));
	}
	return s;
}

/* connect() to ADDR:PORT: 0 or the errno. */
static int tcp_connect(const char *addr, __u16 port, int *fd)
{
	struct sockaddr_in a = sa(addr, port);

	*fd = sock(SOCK_STREAM, NULL, 0);
	return connect(*fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;
}

static void assert_peer(int fd, const char *addr, __u16 port, const char *file, int line)
{
	struct sockaddr_in p;
	socklen_t len = sizeof(p);

	if (getpeername(fd, (struct sockaddr *)&p, &len))
		runner_fail(file, line, "getpeername: %s", strerror(errno));
	if (p.sin_addr.s_addr != ip(addr) || p.sin_port != htons(port))
		runner_fail(file, line, "peer %s:%u, expected %s:%u", inet_ntoa(p.sin_addr),
			    ntohs(p.sin_port), addr, port);
}
#define ASSERT_PEER(fd, a, p) assert_peer(fd, a, p, __FILE__, __LINE__)

TEST(hostpub_tcp_to_uplink_and_loopback_reaches_target)
{
	struct hp *h = hp_open();
	int srv = sock(SOCK_STREAM, TARGET, TCP_TO), c;

	publish(h, IPPROTO_TCP, 8080, TCP_TO, NULL, 0);
	ASSERT_EQ(tcp_connect(UPLINK, 8080, &c), 0);
	ASSERT_PEER(c, UPLINK, 8080);	/* getpeername4: what the program asked for */
	ASSERT_EQ(tcp_connect("127.0.0.9", 8080, &c), 0);
	ASSERT_PEER(c, "127.0.0.9", 8080);
	ASSERT_TRUE(accept(srv, NULL, NULL) >= 0);
}

TEST(hostpub_udp_answer_from_the_published_address)
{
	struct hp *h = hp_open();
	int srv = sock(SOCK_DGRAM, TARGET, UDP_TO), c = sock(SOCK_DGRAM, NULL, 0);
	struct sockaddr_in to = sa(UPLINK, 8080), from;
	socklen_t len = sizeof(from);
	char buf[16];

	publish(h, IPPROTO_UDP, 8080, UDP_TO, NULL, 0);
	ASSERT_EQ(sendto(c, "q", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	ASSERT_EQ(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 1);
	ASSERT_EQ(sendto(srv, "a", 1, 0, (struct sockaddr *)&from, len), 1);
	len = sizeof(from);
	ASSERT_EQ(recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 1);
	ASSERT_EQ(from.sin_addr.s_addr, ip(UPLINK));	/* recvmsg4 */
	ASSERT_EQ(ntohs(from.sin_port), 8080);
}

TEST(hostpub_unpublished_port_and_protocol_untouched)
{
	struct hp *h = hp_open();
	int c;

	sock(SOCK_STREAM, TARGET, TCP_TO);
	publish(h, IPPROTO_UDP, 8080, TCP_TO, NULL, 0);	/* UDP only */
	ASSERT_EQ(tcp_connect(UPLINK, 8080, &c), ENETUNREACH);
	ASSERT_EQ(tcp_connect(UPLINK, 8081, &c), ENETUNREACH);
	ASSERT_EQ(tcp_connect("127.0.0.9", 8081, &c), ECONNREFUSED);
	ASSERT_EQ(tcp_connect("192.0.2.1", 8080, &c), ENETUNREACH);	/* not an uplink's */
}

TEST(hostpub_only_the_host_netns)
{
	struct hp *h = hp_open();
	struct sl_hostpub_cfg cfg = { .netns_cookie = h->cookie + 1 };
	__u32 zero = 0;
	int c;

	sock(SOCK_STREAM, TARGET, TCP_TO);
	publish(h, IPPROTO_TCP, 8080, TCP_TO, NULL, 0);
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.sl_hostpub_cfg), &zero, &cfg, 0));
	ASSERT_EQ(tcp_connect(UPLINK, 8080, &c), ENETUNREACH);
}

TEST(hostpub_from_cidr_is_honoured)
{
	struct hp *h = hp_open();
	int c;

	sock(SOCK_STREAM, TARGET, TCP_TO);
	publish(h, IPPROTO_TCP, 8082, TCP_TO, "192.0.2.0", 24);
	publish(h, IPPROTO_TCP, 8083, TCP_TO, "198.51.100.0", 24);
	ASSERT_EQ(tcp_connect(UPLINK, 8082, &c), ENETUNREACH);
	ASSERT_EQ(tcp_connect(UPLINK, 8083, &c), 0);
}
