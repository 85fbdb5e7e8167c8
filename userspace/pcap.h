/* SPDX-License-Identifier: MIT */
/* A pcap (libpcap classic format, Ethernet) file writer for `sluice monitor --pcap`. */
#ifndef SLUICE_PCAP_H
#define SLUICE_PCAP_H

#include <stdint.h>
#include <stdio.h>

/* The file with its header written, or NULL (errno set). */
FILE *pcap_create(const char *path, uint32_t snaplen);
/* One record: LEN captured bytes of a frame of ORIG_LEN, stamped REALTIME_NS; flushed. */
int pcap_write(FILE *f, int64_t realtime_ns, const uint8_t *data, uint32_t len, uint32_t orig_len);

#endif
