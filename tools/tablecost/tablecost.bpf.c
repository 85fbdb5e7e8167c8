/* SPDX-License-Identifier: GPL-2.0-only */
/* tablecost's probe: run once by BPF_PROG_TEST_RUN, it looks up `lookups` keys of the filled
 * table (uniformly random over the filled ones, or one key over and over) inside bpf_loop. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KEY_MAX 64	/* the largest key size table.c accepts */

/* Replaced before load by the table under test (bpf_map__reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, KEY_MAX);
	__uint(value_size, 8);
} table SEC(".maps");

const volatile __u32 key_size = 16;
__u32 filled;		/* keys 0..filled-1 are in the table */
__u32 lookups;
__u32 spread;		/* 0: key 0 every time (one hot flow) */
__u64 hits;

/* Key number I as table.c writes it: splitmix64(I + 1) in the first 8 bytes, zeros after. */
static __always_inline __u64 key_word(__u64 i)
{
	__u64 z = i + 1 + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long look_one(__u32 i, void *ctx)
{
	__u64 key[KEY_MAX / 8] = {};
	__u32 n = spread && filled ? bpf_get_prandom_u32() % filled : 0;

	key[0] = key_word(n);
	if (bpf_map_lookup_elem(&table, key))
		hits++;
	return 0;
}

SEC("xdp")
int tablecost_probe(struct xdp_md *ctx)
{
	bpf_loop(lookups, look_one, NULL, 0);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
