// SPDX-License-Identifier: MIT
/* libFuzzer harness for the parsers of what operators type (userspace/parse.c): any
 * input string, no crash, and whatever is accepted is in range and formats back to
 * a string that parses to the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "parse.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_parse: %s:%d: %s on \"%s\"\n",	\
				__FILE__, __LINE__, #cond, s);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void fuzz_addresses(const char *s)
{
	uint32_t a, b;
	uint8_t mac[6], mac2[6];
	char buf[32];
	int plen;

	if (!parse_ipv4(s, &a)) {
		format_ipv4(a, buf);
		CHECK(!parse_ipv4(buf, &b) && a == b);
	}
	if (!parse_cidr(s, &a, &plen)) {
		CHECK(plen >= 0 && plen <= 32);
		/* the mask has PLEN leading ones and nothing else */
		CHECK(__builtin_popcount(mask_of(plen)) == plen &&
		      (plen == 32 || !(ntohl(mask_of(plen)) & (~0u >> plen))));
		format_ipv4(a, buf);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", plen);
		CHECK(!parse_cidr(buf, &b, &plen) && a == b);
	}
	if (!parse_mac(s, mac)) {
		format_mac(mac, buf);
		CHECK(!parse_mac(buf, mac2) && !memcmp(mac, mac2, 6));
	}
}

/* A VID of the list grammar, the slow obvious way: 1-4094 in decimal digits only. */
static bool ref_vid(const char *b, const char *e, unsigned *v)
{
	unsigned long long n = 0;

	if (b == e)
		return false;
	for (; b < e; b++) {
		if (*b < '0' || *b > '9')
			return false;
		n = n * 10 + (*b - '0');
		if (n > 4094)
			return false;
	}
	*v = n;
	return n >= 1;
}

/* Reference for parse_vid_list: ITEM[,ITEM]... with ITEM = VID or VID-VID (lo <= hi). */
static bool ref_vid_list(const char *s, uint64_t words[64])
{
	const char *p = s;

	memset(words, 0, 64 * sizeof(uint64_t));
	for (;;) {
		const char *end = strchr(p, ','), *dash;
		unsigned lo, hi;

		if (!end)
			end = p + strlen(p);
		if (end - p > 15)
			return false;	/* items are at most 15 characters ("0004000-0004094") */
		dash = memchr(p, '-', end - p);
		if (dash ? !ref_vid(p, dash, &lo) || !ref_vid(dash + 1, end, &hi) || lo > hi
			 : !ref_vid(p, end, &lo))
			return false;
		if (!dash)
			hi = lo;
		for (unsigned v = lo; v <= hi; v++)
			words[v / 64] |= 1ULL << (v % 64);
		if (!*end)
			return true;
		p = end + 1;
	}
}

static void fuzz_numbers(const char *s)
{
	uint64_t words[64], again[64];
	char list[20000];
	uint32_t v;
	uint16_t vid, lo, hi, lo2, hi2;
	bool ok;

	if (!parse_u32(s, 5, 100, &v))
		CHECK(v >= 5 && v <= 100);
	if (!parse_vid(s, &vid))
		CHECK(vid >= 1 && vid <= 4094);
	ok = !parse_vid_list(s, words, NULL, 0);
	CHECK(ok == ref_vid_list(s, again));
	if (ok) {
		CHECK(!memcmp(words, again, sizeof(words)));
		format_vid_list(words, list, sizeof(list));
		CHECK(!parse_vid_list(list, again, NULL, 0) && !memcmp(words, again, sizeof(words)));
	}
	if (!parse_ports(s, &lo, &hi)) {
		char back[16];

		CHECK(lo >= 1 && lo <= hi);
		snprintf(back, sizeof(back), "%u-%u", lo, hi);
		CHECK(!parse_ports(back, &lo2, &hi2) && lo2 == lo && hi2 == hi);
	}
	if (name_valid(s, 15))
		CHECK(strlen(s) >= 1 && strlen(s) <= 15 && !strchr(s, '/'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;	/* the parsers take C strings, as argv gives them */
	fuzz_addresses(s);
	fuzz_numbers(s);
	free(s);
	return 0;
}
