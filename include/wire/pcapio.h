/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap and pcapng files: the only interface to savefiles. Reading is
 * wirecat's own parser (include/wire/pcapread.h) with libpcap's filters;
 * writing goes through libpcap. A record that is odd but legal (caplen 0,
 * caplen > wirelen, caplen past the snaplen up to its link type's maximum,
 * wire_pcap_caplen_max()) is returned with its own interface's link type;
 * only a record header that cannot be, or a file that ends inside a record,
 * ends the file.
 */
#ifndef WIRE_PCAPIO_H
#define WIRE_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"

struct wire_pcap_reader;
struct wire_pcap_writer;

/* Opens a pcap or pcapng file ("-" for stdin). Returns 0 and *rp, or
 * WIRE_E_MALFORMED / -errno with a one-line reason in why (size n). */
int wire_pcap_open(const char *path, struct wire_pcap_reader **rp, char *why, size_t n);
/* Returns the file's link type (WIRE_LINK_*, the pcap LINKTYPE value): a
 * pcapng file's first interface's; each packet carries its own. */
int wire_pcap_linktype(const struct wire_pcap_reader *r);
/* Returns the file's snapshot length. */
unsigned wire_pcap_snaplen(const struct wire_pcap_reader *r);
/* Returns the last packet's time stamp precision in decimal digits. */
int wire_pcap_tsdigits(const struct wire_pcap_reader *r);
/* Sets a tcpdump-language filter on the reader, compiled for the file's link
 * type now and for each other link type at its first packet (where it does
 * not compile, no packet of that type passes). Returns 0, or WIRE_E_USAGE
 * with libpcap's message in why. */
int wire_pcap_set_filter(struct wire_pcap_reader *r, const char *expr, char *why, size_t n);
/* Returns the largest legal captured length of a record of link type lt
 * (WIRE_PCAP_CAPLEN_MAX, or more for D-Bus, USBPcap, EBHSCR), as libpcap. */
uint32_t wire_pcap_caplen_max(int lt);
/* Reads the next packet that passes the filter into *pkt (data valid until the
 * next call). Returns 1, 0 at the end, or WIRE_E_MALFORMED / WIRE_E_TRUNCATED
 * for a damaged file, -errno for a read error, with a reason in why naming
 * the byte offset of the record and the packets read before it. */
int wire_pcap_next(struct wire_pcap_reader *r, struct wire_pkt *pkt, char *why, size_t n);
/* Closes the reader. */
void wire_pcap_close(struct wire_pcap_reader *r);

/* Opens a pcap savefile for writing ("-" for stdout). Returns 0 and *wp, or
 * -errno / WIRE_E_USAGE with a reason in why. */
int wire_pcap_create(const char *path, int linktype, unsigned snaplen, struct wire_pcap_writer **wp,
                     char *why, size_t n);
/* Appends one packet. Returns 0 or -errno. */
int wire_pcap_write(struct wire_pcap_writer *w, const struct wire_pkt *pkt);
/* Returns the bytes written so far (file header and records), for -C. */
uint64_t wire_pcap_written(const struct wire_pcap_writer *w);
/* Flushes buffered records. Returns 0 or -errno. */
int wire_pcap_flush(struct wire_pcap_writer *w);
/* Flushes and closes. Returns 0 or -errno. */
int wire_pcap_close_writer(struct wire_pcap_writer *w);

#endif
