// SPDX-License-Identifier: MIT
/* Parsers and formatters for the values operators type. Strict: a value is
 * accepted only when every character of it was understood. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <arpa/inet.h>
#include "ctl.h"
#include "parse.h"

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;
	int dots = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return -EINVAL;
	}
	if (dots != 3 || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int parse_cidr(const char *s, uint32_t *addr, int *plen)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	uint32_t len;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	if (parse_ipv4(buf, addr) || parse_u32(slash + 1, 0, 32, &len))
		return -EINVAL;
	*plen = (int)len;
	return 0;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int parse_vid(const char *s, uint16_t *vid)
{
	uint32_t v;

	if (parse_u32(s, 1, 4094, &v))
		return -EINVAL;
	*vid = (uint16_t)v;
	return 0;
}

/* One item of a VID list: "10" or "100-199". */
static int parse_vid_item(const char *item, uint16_t *lo, uint16_t *hi, char *why, unsigned len)
{
	char buf[16];
	char *dash;

	if (strlen(item) >= sizeof(buf)) {
		snprintf(why, len, "%.15s... is not a VLAN id (1-4094)", item);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", item);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (parse_vid(buf, lo)) {
		snprintf(why, len, "%s is not a VLAN id (1-4094)", buf);
		return -EINVAL;
	}
	if (!dash) {
		*hi = *lo;
		return 0;
	}
	if (parse_vid(dash + 1, hi)) {
		snprintf(why, len, "%s is not a VLAN id (1-4094)", dash + 1);
		return -EINVAL;
	}
	if (*lo > *hi) {
		snprintf(why, len, "range %u-%u is reversed", *lo, *hi);
		return -EINVAL;
	}
	return 0;
}

int parse_vid_list(const char *s, uint64_t words[64], char *why, unsigned why_len)
{
	char item[64], scratch[80];
	const char *p = s;

	if (!why) {
		why = scratch;
		why_len = sizeof(scratch);
	}
	memset(words, 0, 64 * sizeof(uint64_t));
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		uint16_t lo, hi;

		if (n == 0) {	/* "", "10,,20", ",10", "10," */
			snprintf(why, why_len, "empty item");
			return -EINVAL;
		}
		snprintf(item, sizeof(item), "%.*s", (int)(n < 63 ? n : 63), p);
		if (parse_vid_item(item, &lo, &hi, why, why_len))
			return -EINVAL;
		for (unsigned v = lo; v <= hi; v++)
			words[v / 64] |= 1ULL << (v % 64);
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

bool name_valid(const char *s, unsigned max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

void format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

void format_ipv4(uint32_t addr, char buf[16])
{
	inet_ntop(AF_INET, &addr, buf, 16);
}

void format_vid_list(const uint64_t words[64], char *buf, unsigned len)
{
	unsigned v = 1, used = 0;

	buf[0] = 0;
	while (v <= 4094) {
		unsigned end;

		if (!(words[v / 64] >> (v % 64) & 1)) {
			v++;
			continue;
		}
		end = v;
		while (end + 1 <= 4094 && (words[(end + 1) / 64] >> ((end + 1) % 64) & 1))
			end++;
		used += snprintf(buf + used, used < len ? len - used : 0,
				 end == v ? "%s%u" : "%s%u-%u", used ? "," : "", v, end);
		v = end + 1;
	}
}

bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n > 0 && n <= strlen(word) && !strncmp(arg, word, n);
}

uint32_t mask_of(int plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

int parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16], *dash;
	uint32_t l, h;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (parse_u32(buf, 1, 65535, &l) || parse_u32(dash + 1, 1, 65535, &h) || l > h)
		return -EINVAL;
	*lo = l;
	*hi = h;
	return 0;
}
