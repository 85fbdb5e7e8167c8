// SPDX-License-Identifier: MIT
/* The classic pcap format: a 24-byte file header, then per frame a 16-byte record header
 * and the captured bytes. Microsecond stamps, LINKTYPE_ETHERNET, host byte order. */
#include <errno.h>
#include "pcap.h"

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

FILE *pcap_create(const char *path, uint32_t snaplen)
{
	struct pcap_file_hdr h = { .magic = 0xa1b2c3d4, .major = 2, .minor = 4,
				   .snaplen = snaplen, .linktype = 1 };
	FILE *f = fopen(path, "we");

	if (!f)
		return NULL;
	if (fwrite(&h, sizeof(h), 1, f) != 1 || fflush(f)) {
		fclose(f);
		errno = EIO;
		return NULL;
	}
	return f;
}

int pcap_write(FILE *f, int64_t ns, const uint8_t *data, uint32_t len, uint32_t orig_len)
{
	struct pcap_rec_hdr r = { .sec = ns / 1000000000, .usec = (ns % 1000000000) / 1000,
				  .caplen = len, .len = orig_len < len ? len : orig_len };

	if (fwrite(&r, sizeof(r), 1, f) != 1 || fwrite(data, 1, len, f) != len)
		return -EIO;
	return fflush(f) ? -EIO : 0;
}
