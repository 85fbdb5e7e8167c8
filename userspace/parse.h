/* SPDX-License-Identifier: MIT */
/* Parsers for what operators type: names, CIDRs, addresses, MACs, VLAN ids and lists.
 * Pure functions (no output, no state) so that they can be fuzzed. */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <stdint.h>
#include <stdbool.h>

/* 0 or -EINVAL. Addresses are returned in network order. */
int parse_ipv4(const char *s, uint32_t *addr);
int parse_cidr(const char *s, uint32_t *addr, int *plen);
int parse_mac(const char *s, uint8_t mac[6]);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* 1..4094 */
int parse_vid(const char *s, uint16_t *vid);
/* "10,20,100-199" into a 4096-bit map; rejects 0, 4095+, empty items, reversed ranges,
 * saying which in WHY (WHY_LEN bytes; may be NULL): "empty item",
 * "4096 is not a VLAN id (1-4094)", "range 20-10 is reversed". */
int parse_vid_list(const char *s, uint64_t words[64], char *why, unsigned why_len);
/* A port range "LO-HI" within 1-65535, LO <= HI. */
int parse_ports(const char *s, uint16_t *lo, uint16_t *hi);
/* The netmask of a /PLEN (0-32), network order. */
uint32_t mask_of(int plen);
/* An interface or switch name: 1..MAX chars of [A-Za-z0-9_.-], not "." or "..". */
bool name_valid(const char *s, unsigned max);

void format_mac(const uint8_t mac[6], char buf[18]);
void format_ipv4(uint32_t addr, char buf[16]);
/* "10,20,100-199" from a bitmap. */
void format_vid_list(const uint64_t words[64], char *buf, unsigned len);

#endif
