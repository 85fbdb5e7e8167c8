/* SPDX-License-Identifier: GPL-2.0-only */
/* The NAT path's ceiling: every frame arriving at a container's host-side veth gets the
 * uplink's MAC as source and a fixed next hop's MAC as destination, and leaves by the
 * uplink (bpf_redirect to its egress). No NAT, no FIB, no TTL: what is left of sluice's
 * NAT fast path once the translation itself costs nothing. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* Set before load, in the netns of IN and OUT. */
const volatile __u32 out_ifindex;
const volatile __u8 macs[2 * ETH_ALEN];	/* destination (next hop), then source (OUT's) */

SEC("tc")
int tcmac_redirect(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (data + ETH_HLEN > end)
		return TC_ACT_SHOT;
	__builtin_memcpy(data, (const void *)macs, 2 * ETH_ALEN);
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
