// SPDX-License-Identifier: MIT
/* The daemon's half of "fragments in any order": a later fragment that came before its first
 * arrives here as a perf event carrying the whole frame; the first fragment's release event
 * sends it back, outbound through an AF_PACKET socket on the uplink (whose egress hook now
 * translates it), inbound translated here (destination and IP checksum) through a raw socket,
 * so that the host routes it to the container. Bounded in frames, bytes and time. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "nat_frag.h"
#include "output.h"

#define HELD_MAX	4096	/* frames held in all */
#define RELEASED_MAX	1024	/* recent releases remembered (events of two CPUs cross) */

struct held {
	struct sl_nat_frag_key key;
	__u32 ifindex;
	__u64 t;
	__u32 len;
	__u8 *frame;
};

struct released {
	struct sl_nat_frag_key key;
	__be32 addr;
	__u64 t;
};

struct frag_holder {
	int ev_fd, ctl_fd, pkt_fd, raw_fd;
	__u32 ev_id;
	struct perf_buffer *pb;
	struct held held[HELD_MAX];
	int nheld;
	size_t bytes;
	struct released rel[RELEASED_MAX];
	int nrel;
	__u64 expired, reinjected, lost;	/* since the last write to sl_nat_frag_ctl */
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool key_eq(const struct sl_nat_frag_key *a, const struct sl_nat_frag_key *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->id == b->id &&
	       a->proto == b->proto && a->dir == b->dir;
}

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u8 *b = hdr;
	__u32 s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (__u32)b[i] << 8 | b[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s & 0xffff);
}

/* Send frame H back: outbound untranslated on its uplink, inbound translated to ADDR. */
static int reinject(struct frag_holder *fh, const struct held *h, __be32 addr)
{
	if (h->key.dir == SL_NAT_DIR_ORIG) {
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = h->ifindex,
					  .sll_protocol = htons(ETH_P_IP), .sll_halen = ETH_ALEN };

		memcpy(ll.sll_addr, h->frame, ETH_ALEN);
		return sendto(fh->pkt_fd, h->frame, h->len, 0, (struct sockaddr *)&ll,
			      sizeof(ll)) == (ssize_t)h->len ? 0 : -1;
	} else {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = addr };
		struct iphdr *ip = (struct iphdr *)(h->frame + ETH_HLEN);
		size_t len = h->len - ETH_HLEN;

		if (h->len < ETH_HLEN + sizeof(*ip) || ip->ihl * 4u > len)
			return -1;
		ip->daddr = addr;
		ip->check = 0;
		ip->check = ip_csum(ip, ip->ihl * 4);
		return sendto(fh->raw_fd, ip, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
		       (ssize_t)len ? 0 : -1;
	}
}

static void held_drop(struct frag_holder *fh, int i)
{
	fh->bytes -= fh->held[i].len;
	free(fh->held[i].frame);
	fh->held[i] = fh->held[--fh->nheld];
}

static const struct released *released_find(const struct frag_holder *fh,
					    const struct sl_nat_frag_key *k)
{
	for (int i = 0; i < fh->nrel; i++)
		if (key_eq(&fh->rel[i].key, k))
			return &fh->rel[i];
	return NULL;
}

static void on_release(struct frag_holder *fh, const struct sl_nat_frag_ev *ev, __u64 now)
{
	if (!released_find(fh, &ev->key)) {
		if (fh->nrel == RELEASED_MAX)	/* the oldest gives way */
			memmove(fh->rel, fh->rel + 1, sizeof(fh->rel[0]) * --fh->nrel);
		fh->rel[fh->nrel++] = (struct released){ ev->key, ev->addr, now };
	}
	for (int i = 0; i < fh->nheld; i++) {
		if (!key_eq(&fh->held[i].key, &ev->key))
			continue;
		if (reinject(fh, &fh->held[i], ev->addr))
			fh->lost++;
		else
			fh->reinjected++;
		held_drop(fh, i--);
	}
}

static void on_hold(struct frag_holder *fh, const struct sl_nat_frag_ev *ev, const __u8 *frame,
		    __u32 len, __u64 now)
{
	const struct released *r = released_find(fh, &ev->key);
	struct held h = { .key = ev->key, .ifindex = ev->ifindex, .t = now, .len = len };

	if (len < ETH_HLEN || fh->nheld == HELD_MAX || fh->bytes + len > SL_NAT_FRAG_DAEMON_BYTES ||
	    !(h.frame = malloc(len))) {
		fh->lost++;
		return;
	}
	memcpy(h.frame, frame, len);
	if (r) {	/* its release overtook it (another CPU's buffer) */
		if (reinject(fh, &h, r->addr))
			fh->lost++;
		else
			fh->reinjected++;
		free(h.frame);
		return;
	}
	fh->held[fh->nheld++] = h;
	fh->bytes += len;
}

static void ev_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct frag_holder *fh = ctx;
	struct sl_nat_frag_ev ev;
	__u64 now = mono_ns();

	if (size < sizeof(ev)) {
		fh->lost++;
		return;
	}
	memcpy(&ev, data, sizeof(ev));
	if (ev.kind == SL_NAT_FRAG_EV_RELEASE)
		on_release(fh, &ev, now);
	else if (ev.kind == SL_NAT_FRAG_EV_HOLD && ev.len <= size - sizeof(ev))
		on_hold(fh, &ev, (__u8 *)data + sizeof(ev), ev.len, now);
	else
		fh->lost++;
}

static void ev_lost(void *ctx, int cpu, __u64 cnt)
{
	((struct frag_holder *)ctx)->lost += cnt;
}

/* Heartbeat now (0: stop holding) and add our counters to the map's. */
static void ctl_write(struct frag_holder *fh, __u64 beat)
{
	struct sl_nat_frag_ctl c = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(fh->ctl_fd, &zero, &c);
	c.heartbeat_ns = beat;
	c.expired += fh->expired;
	c.reinjected += fh->reinjected;
	c.lost += fh->lost;
	if (bpf_map_update_elem(fh->ctl_fd, &zero, &c, BPF_ANY) == 0)
		fh->expired = fh->reinjected = fh->lost = 0;
}

void frag_holder_run(struct frag_holder *fh)
{
	__u64 now;

	if (!fh)
		return;
	perf_buffer__consume(fh->pb);
	now = mono_ns();
	for (int i = 0; i < fh->nheld; i++) {
		if (now - fh->held[i].t > SL_NAT_FRAG_HOLD_NS) {
			fh->expired++;
			held_drop(fh, i--);
		}
	}
	while (fh->nrel && now - fh->rel[0].t > SL_NAT_FRAG_HOLD_NS)
		memmove(fh->rel, fh->rel + 1, sizeof(fh->rel[0]) * --fh->nrel);
	ctl_write(fh, now);
}

int frag_holder_fd(const struct frag_holder *fh)
{
	return fh ? perf_buffer__epoll_fd(fh->pb) : -1;
}

void frag_holder_close(struct frag_holder *fh)
{
	if (!fh)
		return;
	while (fh->nheld) {
		fh->expired++;
		held_drop(fh, 0);
	}
	ctl_write(fh, 0);
	perf_buffer__free(fh->pb);
	close(fh->ev_fd);
	close(fh->ctl_fd);
	close(fh->pkt_fd);
	close(fh->raw_fd);
	free(fh);
}

static int pinned(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return bpf_obj_get(path);
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static struct frag_holder *holder_open(int ev_fd, const char *root)
{
	struct frag_holder *fh = calloc(1, sizeof(*fh));

	if (!fh)
		return NULL;
	fh->ev_fd = ev_fd;
	fh->ev_id = map_id(ev_fd);
	fh->ctl_fd = pinned(root, "sl_nat_frag_ctl");
	fh->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);	/* send only */
	fh->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	fh->pb = perf_buffer__new(ev_fd, 64, ev_sample, ev_lost, fh, NULL);
	if (fh->ctl_fd < 0 || fh->pkt_fd < 0 || fh->raw_fd < 0 || !fh->pb) {
		fprintf(stderr, "sluice daemon: fragments: cannot hold (%s): early fragments "
			"are dropped as without a daemon\n", strerror(errno));
		perf_buffer__free(fh->pb);
		if (fh->ctl_fd >= 0)
			close(fh->ctl_fd);
		if (fh->pkt_fd >= 0)
			close(fh->pkt_fd);
		if (fh->raw_fd >= 0)
			close(fh->raw_fd);
		free(fh);
		return NULL;
	}
	ctl_write(fh, mono_ns());
	return fh;
}

void frag_holder_sync(struct frag_holder **fh, struct ctl *c)
{
	int fd = pinned(c->root, "sl_nat_frag_ev");
	__u32 id = fd >= 0 ? map_id(fd) : 0;

	if (*fh && (*fh)->ev_id == id) {
		close(fd);
		return;
	}
	frag_holder_close(*fh);
	*fh = NULL;
	if (fd < 0)
		return;		/* no NAT (or one of an older build) */
	*fh = holder_open(fd, c->root);
	if (!*fh)
		close(fd);
}

bool frag_ctl_read(const char *root, struct sl_nat_frag_ctl *ctl)
{
	int fd = pinned(root, "sl_nat_frag_ctl");
	__u32 zero = 0;
	bool ok;

	memset(ctl, 0, sizeof(*ctl));
	if (fd < 0)
		return false;
	ok = bpf_map_lookup_elem(fd, &zero, ctl) == 0;
	close(fd);
	return ok;
}

void nat_frag_stats_add(struct ctl *c, json_object *o, const struct sl_nat_stats *s)
{
	struct sl_nat_frag_ctl f;

	frag_ctl_read(c->root, &f);
	jadd_int(o, "frag_held", s->frag_held);
	jadd_int(o, "frag_released", s->frag_released);
	jadd_int(o, "frag_expired", s->frag_expired + f.expired);
	jadd_int(o, "frag_overflow", s->frag_overflow);
	jadd_int(o, "frag_reinjected", f.reinjected);
	jadd_int(o, "frag_lost", f.lost);
}
