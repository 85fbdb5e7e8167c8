/* SPDX-License-Identifier: GPL-2.0-only */
/* The tc forwarding ceiling: every frame arriving at a host veth's tc ingress goes straight
 * into the peer of another host veth (bpf_redirect_peer), as sluice's tc ports do. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex;	/* set before load, in the netns of IN */

SEC("tc")
int tcfwd_redirect_peer(struct __sk_buff *skb)
{
	return bpf_redirect_peer(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
