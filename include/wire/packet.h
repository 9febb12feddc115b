/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One packet record for every source: live capture (AF_PACKET ring) and pcap
 * files yield the same record and go through the same dissect and print
 * entry, so golden pcap tests also cover the live path.
 */
#ifndef WIRE_PACKET_H
#define WIRE_PACKET_H

#include <stdint.h>
#include <time.h>

/* Link types: the pcap LINKTYPE_* values (the savefile numbers). */
enum {
	WIRE_LINK_NULL = 0, /* BSD loopback, host-order AF_ value */
	WIRE_LINK_ETHERNET = 1,
	WIRE_LINK_RAW = 101,       /* raw IPv4/IPv6 */
	WIRE_LINK_LOOP = 108,      /* OpenBSD loopback, network-order AF_ */
	WIRE_LINK_LINUX_SLL = 113, /* Linux cooked v1 */
	WIRE_LINK_IPV4 = 228,
	WIRE_LINK_IPV6 = 229,
	WIRE_LINK_DBUS = 231,    /* whole D-Bus messages (up to 128 MiB) */
	WIRE_LINK_USBPCAP = 249, /* Windows USBPcap (up to 1 MiB) */
	WIRE_LINK_LINUX_SLL2 = 276,
	WIRE_LINK_EBHSCR = 279, /* Elektrobit high-speed capture (up to 8 MiB) */
};

enum wire_dir { WIRE_DIR_UNKNOWN = 0, WIRE_DIR_IN, WIRE_DIR_OUT };

/* Flags on a packet record. */
#define WIRE_PKT_CSUM_PARTIAL 0x1u /* checksum left to hardware (TP_STATUS_CSUM_NOT_READY) */
#define WIRE_PKT_GSO 0x2u          /* a TSO/GSO super-packet, larger than the MTU */
#define WIRE_PKT_CSUM_VALID 0x4u   /* kernel says checksum was verified */

struct wire_pkt {
	const uint8_t *data;
	uint32_t caplen;    /* bytes at data */
	uint32_t wirelen;   /* length on the wire (>= caplen) */
	struct timespec ts; /* wall-clock time of capture */
	int linktype;       /* WIRE_LINK_* */
	enum wire_dir dir;
	int ifindex;        /* 0 if unknown */
	const char *ifname; /* NULL if unknown; shown with -i any */
	uint64_t num;       /* 1-based frame number */
	uint32_t flags;     /* WIRE_PKT_* */
};

#endif
