/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat's own pcap and pcapng parser, under wire_pcap_open/next
 * (include/wire/pcapio.h): it reads records as tshark reads them. Classic
 * pcap in both byte orders (microsecond, nanosecond and Kuznetzov magic),
 * records up to their link type's maximum even past the header's snaplen;
 * pcapng with several sections of either byte order, each with its own
 * interfaces of their own link types, if_tsresol (powers of 10 and 2) and
 * if_tsoffset, enhanced, simple and obsolete packet blocks, every other
 * block skipped. A regular file is mapped and packets point into the map;
 * pipes are read in large chunks into one bounded buffer.
 */
#ifndef WIRE_PCAPREAD_H
#define WIRE_PCAPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"

struct wire_pcapr;

/* Reads a capture from fd, which it takes over (mapped when it is a regular
 * file). Returns 0 and *rp, or WIRE_E_MALFORMED / -errno with a one-line
 * reason in why (size n). */
int wire_pcapr_open_fd(int fd, struct wire_pcapr **rp, char *why, size_t n);
/* Reads a capture held in memory (len bytes at p, which must outlive the
 * reader). Returns as wire_pcapr_open_fd. */
int wire_pcapr_open_mem(const void *p, size_t len, struct wire_pcapr **rp, char *why, size_t n);
/* Returns the link type of the first interface (WIRE_LINK_*). */
int wire_pcapr_linktype(const struct wire_pcapr *r);
/* Returns the first interface's snapshot length (its link type's maximum
 * when the file gives 0 or more). */
unsigned wire_pcapr_snaplen(const struct wire_pcapr *r);
/* Returns the decimal digits of the last record's time stamp precision
 * (6 for microseconds, 9 for nanoseconds; pcapng: its interface's). */
int wire_pcapr_tsdigits(const struct wire_pcapr *r);
/* Reads the next record into *pkt (data valid until the next call), with
 * its interface's link type. Returns 1, 0 at the end, or WIRE_E_MALFORMED /
 * WIRE_E_TRUNCATED for a damaged file, -errno for a read error, with a
 * reason in why naming the byte offset and the packets read before it. */
int wire_pcapr_next(struct wire_pcapr *r, struct wire_pkt *pkt, char *why, size_t n);
/* A place in the file to come back to: where a record starts, with the
 * records read before it and the pcapng section it is in. */
struct wire_pcapr_pos {
	uint64_t off, num;
	uint32_t section;
};
/* The place of the next record. */
void wire_pcapr_tell(const struct wire_pcapr *r, struct wire_pcapr_pos *pos);
/* Goes back (or forth) to a place told by this reader or another reader of
 * the same file. Only a mapped or in-memory file, and only within the
 * section the reader is in (its interfaces are the section's). Returns 0 or
 * -ESPIPE (then the caller reopens and reads forward). */
int wire_pcapr_seek(struct wire_pcapr *r, const struct wire_pcapr_pos *pos);
/* Closes the reader and its descriptor. */
void wire_pcapr_close(struct wire_pcapr *r);

#endif
