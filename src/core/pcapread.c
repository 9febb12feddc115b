/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pcap and pcapng parser (include/wire/pcapread.h). The bytes come from
 * a map of a regular file (or memory given by the caller: packets point into
 * it, nothing is copied) or, for pipes and stdin, from large read(2)s into
 * one buffer that grows with the record being read, never past the largest
 * block (WIRE_PCAPNG_BLOCK_MAX). Every length in the file is hostile: a
 * pcapng block's total length is a multiple of 4, at least the minimum of
 * its type, at most WIRE_PCAPNG_BLOCK_MAX, within the file, and equal to its
 * trailing copy; a record's captured length fits its block and its link
 * type's maximum (wire_pcap_caplen_max); an interface id names an interface
 * of the current section; option loops stop at the block's end. Odd but
 * legal records (caplen 0, caplen > wire length, caplen above the snaplen)
 * are returned; only a record that cannot be ends the reading, with one
 * reason naming its byte offset and the packets read before it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/err.h"
#include "wire/limits.h"
#include "wire/pcapio.h"
#include "wire/pcapread.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_KUZ 0xa1b2cd34u /* Kuznetzov's patched libpcap: 24-byte records */
#define PCAP_HDR 24u
#define NG_SHB 0x0A0D0D0Au
#define NG_BOM 0x1A2B3C4Du
#define NG_IDB 1u
#define NG_OPB 2u /* obsolete packet block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_BLOCK_MIN 12u
#define NG_SHB_BODY 16u /* byte-order magic, version, section length */
#define NG_IDB_BODY 8u
#define NG_PKT_BODY 20u /* EPB and OPB headers */
#define NG_SPB_BODY 4u
#define OPT_TSRESOL 9u
#define OPT_TSOFFSET 14u
#define NSEC 1000000000u

struct iface {
	int linktype;
	uint32_t snaplen; /* 0: none */
	uint64_t units;   /* time stamp units per second */
	int64_t tsoffset; /* seconds added to every time stamp */
};

struct wire_pcapr {
	const uint8_t *mem; /* the map or the caller's bytes, NULL when reading fd */
	size_t memlen;
	int mapped;
	int fd;
	uint8_t *buf; /* fd: bytes [start, end) are the file from off on */
	size_t cap, start, end;
	size_t avail;    /* bytes there were when peek() came up short */
	int ioerr;       /* errno of a failed read */
	uint64_t off;    /* file offset of the next byte */
	size_t released; /* mapped bytes before it are given back (page-aligned) */
	size_t page;
	int ng;           /* pcapng */
	int swapped;      /* the file's (section's) byte order is not the host's */
	unsigned hdrsize; /* classic record header: 16, or 24 (Kuznetzov) */
	int lenswap;      /* classic: 0 no, 1 always, 2 when caplen > len */
	int nsec;         /* classic: nanosecond time stamps */
	int tsdigits;     /* the last record's time stamp precision (decimal digits) */
	int linktype;     /* classic: the file's; pcapng: the first interface's */
	uint32_t snaplen;
	int have_first;
	struct iface *ifs; /* this section's interfaces */
	size_t nifs, ifcap;
	uint64_t num;     /* records read */
	uint32_t section; /* pcapng: section headers read */
	int done;
};

static uint16_t get16(const struct wire_pcapr *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return r->swapped ? __builtin_bswap16(v) : v;
}

static uint32_t get32(const struct wire_pcapr *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swapped ? __builtin_bswap32(v) : v;
}

static uint64_t get64(const struct wire_pcapr *r, const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return r->swapped ? __builtin_bswap64(v) : v;
}

static uint32_t raw32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint32_t wire_pcap_caplen_max(int lt)
{
	switch (lt) {
	case WIRE_LINK_DBUS: return WIRE_PCAP_CAPLEN_DBUS;
	case WIRE_LINK_USBPCAP: return WIRE_PCAP_CAPLEN_USBPCAP;
	case WIRE_LINK_EBHSCR: return WIRE_PCAP_CAPLEN_EBHSCR;
	default: return WIRE_PCAP_CAPLEN_MAX;
	}
}

/* The LINKTYPE_ value libpcap reports for a file's link type field (its
 * LINKTYPE->DLT mapping on Linux, then DLT_RAW and DLT_ATM_RFC1483 back). */
static int file_linktype(uint32_t v)
{
	v &= 0x03FFFFFFu; /* the upper bits carry the FCS length */
	switch (v) {
	case 11: return 100;           /* DLT_ATM_RFC1483 */
	case 12: return WIRE_LINK_RAW; /* DLT_RAW */
	case 102: return 15;           /* LINKTYPE_SLIP_BSDOS */
	case 103: return 16;           /* LINKTYPE_PPP_BSDOS */
	case 106: return 19;           /* LINKTYPE_ATM_CLIP */
	default: return (int)v;
	}
}

/* Makes room in buf for len bytes from start on: moves the kept bytes to
 * the front, then doubles the buffer up to len. Returns 0 or -ENOMEM. */
static int make_room(struct wire_pcapr *r, size_t len)
{
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end < r->cap)
		return 0;
	size_t cap = r->cap * 2 < len ? r->cap * 2 : len;
	uint8_t *b = realloc(r->buf, cap);
	if (!b)
		return -ENOMEM;
	r->buf = b;
	r->cap = cap;
	return 0;
}

/* Reads until len bytes from start are in buf, the file ends or fails.
 * Returns 1 when they are there. */
static int fill(struct wire_pcapr *r, size_t len)
{
	if (r->cap - r->start < len && make_room(r, len) < 0) {
		r->ioerr = ENOMEM;
		return 0;
	}
	while (r->end - r->start < len) {
		if (r->end == r->cap && make_room(r, len) < 0) {
			r->ioerr = ENOMEM;
			return 0;
		}
		ssize_t k = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r->ioerr = errno ? errno : EIO;
			return 0;
		}
		if (k == 0)
			break;
		r->end += (size_t)k;
	}
	r->avail = r->end - r->start;
	return r->avail >= len;
}

/* Returns the len bytes at the read position, or NULL when the file ends
 * before them (r->avail says how many there are) or a read failed. */
static const uint8_t *peek(struct wire_pcapr *r, size_t len)
{
	if (r->mem) {
		size_t left = r->memlen - (size_t)r->off;
		if (left >= len)
			return r->mem + r->off;
		r->avail = left;
		return NULL;
	}
	if (r->end - r->start >= len)
		return r->buf + r->start;
	return fill(r, len) ? r->buf + r->start : NULL;
}

static void consume(struct wire_pcapr *r, size_t len)
{
	r->off += len;
	if (!r->mem)
		r->start += len;
}

/* Ends the reading with rc and "packet N at byte B: msg; M packets read"
 * (or "block at byte B" for a pcapng block that holds no packet). */
__attribute__((format(printf, 7, 8))) static int fail(struct wire_pcapr *r, int rc, uint64_t at,
                                                      int packet, char *why, size_t n,
                                                      const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->done = 1;
	if (!why || !n)
		return rc;
	if (packet)
		snprintf(why, n, "packet %llu at byte %llu: %s; %llu packets read",
		         (unsigned long long)r->num + 1, (unsigned long long)at, msg,
		         (unsigned long long)r->num);
	else
		snprintf(why, n, "block at byte %llu: %s; %llu packets read",
		         (unsigned long long)at, msg, (unsigned long long)r->num);
	return rc;
}

/* Ends the reading after peek() came up short of want bytes at at. */
static int short_read(struct wire_pcapr *r, uint64_t at, size_t want, int packet, char *why,
                      size_t n)
{
	if (r->ioerr)
		return fail(r, -r->ioerr, at, packet, why, n, "%s", strerror(r->ioerr));
	return fail(r, WIRE_E_TRUNCATED, at, packet, why, n,
	            "truncated file (%zu of %zu bytes of the %s)", r->avail, want,
	            packet ? "record" : "block");
}

static void fill_pkt(struct wire_pcapr *r, struct wire_pkt *pkt, const uint8_t *data,
                     uint32_t caplen, uint32_t wirelen, int linktype)
{
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen >= caplen ? wirelen : caplen;
	pkt->linktype = linktype;
	pkt->dir = WIRE_DIR_UNKNOWN;
	pkt->ifindex = 0;
	pkt->ifname = NULL;
	pkt->num = ++r->num;
	pkt->flags = 0;
}

/* ---- classic pcap ---- */

static int open_pcap(struct wire_pcapr *r, const uint8_t *h, char *why, size_t n)
{
	uint32_t m = raw32(h);
	if (m != PCAP_MAGIC_US && m != PCAP_MAGIC_NS && m != PCAP_MAGIC_KUZ) {
		r->swapped = 1;
		m = __builtin_bswap32(m);
	}
	unsigned major = get16(r, h + 4), minor = get16(r, h + 6);
	if (!(major == 2 || (major == 543 && minor == 0))) {
		snprintf(why, n, "unsupported pcap file version %u.%u", major, minor);
		return WIRE_E_MALFORMED;
	}
	/* caplen and len were interchanged at 2.3; some 2.3 files and DG/UX's
	 * 543.0 have them in the old order (as libpcap and tshark decide) */
	r->lenswap = (major == 543 || minor < 3) ? 1 : minor == 3 ? 2 : 0;
	r->nsec = m == PCAP_MAGIC_NS;
	r->hdrsize = m == PCAP_MAGIC_KUZ ? 24 : 16;
	r->linktype = file_linktype(get32(r, h + 20));
	uint32_t max = wire_pcap_caplen_max(r->linktype), snap = get32(r, h + 16);
	r->snaplen = (snap == 0 || snap > max) ? max : snap;
	if (m == PCAP_MAGIC_KUZ && r->linktype == WIRE_LINK_ETHERNET)
		r->snaplen += 14; /* as libpcap: it may hold a cooked capture's fake header */
	r->have_first = 1;
	consume(r, PCAP_HDR);
	return 0;
}

static int next_pcap(struct wire_pcapr *r, struct wire_pkt *pkt, char *why, size_t n)
{
	uint64_t at = r->off;
	const uint8_t *h = peek(r, r->hdrsize);
	if (!h) {
		if (!r->avail && !r->ioerr) {
			r->done = 1;
			return 0;
		}
		return short_read(r, at, r->hdrsize, 1, why, n);
	}
	uint32_t sec = get32(r, h), frac = get32(r, h + 4);
	uint32_t caplen = get32(r, h + 8), len = get32(r, h + 12);
	if (r->lenswap == 1 || (r->lenswap == 2 && caplen > len)) {
		uint32_t t = caplen;
		caplen = len;
		len = t;
	}
	uint32_t max = wire_pcap_caplen_max(r->linktype);
	if (caplen > max)
		return fail(r, WIRE_E_MALFORMED, at, 1, why, n,
		            "invalid captured length %u (at most %u)", caplen, max);
	size_t whole = r->hdrsize + (size_t)caplen;
	if (!(h = peek(r, whole)))
		return short_read(r, at, whole, 1, why, n);
	fill_pkt(r, pkt, h + r->hdrsize, caplen, len, r->linktype);
	/* seconds are unsigned 32 bits; the fraction is passed on as it is */
	pkt->ts.tv_sec = (time_t)sec;
	pkt->ts.tv_nsec = r->nsec ? (long)frac : (long)frac * 1000;
	consume(r, whole);
	return 1;
}

/* ---- pcapng ---- */

/* Units per second of an if_tsresol value (as tshark: 10^v, or 2^(v & 127)
 * with the top bit set; what does not fit 64 bits is UINT64_MAX). */
static uint64_t tsresol_units(uint8_t v)
{
	unsigned e = v & 0x7fu;
	if (v & 0x80u)
		return e < 64 ? (uint64_t)1 << e : UINT64_MAX;
	if (e >= 20)
		return UINT64_MAX;
	uint64_t u = 1;
	while (e--)
		u *= 10;
	return u;
}

static void idb_options(const struct wire_pcapr *r, struct iface *ifc, const uint8_t *p, size_t len)
{
	size_t o = 0;
	while (o + 4 <= len) {
		unsigned code = get16(r, p + o), olen = get16(r, p + o + 2);
		o += 4;
		if (code == 0 || olen > len - o)
			break;
		if (code == OPT_TSRESOL && olen >= 1)
			ifc->units = tsresol_units(p[o]);
		else if (code == OPT_TSOFFSET && olen >= 8)
			ifc->tsoffset = (int64_t)get64(r, p + o);
		o += (olen + 3u) & ~3u;
	}
}

static int ng_idb(struct wire_pcapr *r, const uint8_t *b, size_t len, char *msg, size_t n)
{
	if (len < NG_IDB_BODY) {
		snprintf(msg, n, "interface description block too short (%zu bytes)", len);
		return WIRE_E_MALFORMED;
	}
	if (r->nifs >= WIRE_PCAPNG_IFACES_MAX) {
		snprintf(msg, n, "more than %u interfaces in one section", WIRE_PCAPNG_IFACES_MAX);
		return WIRE_E_MALFORMED;
	}
	if (r->nifs == r->ifcap) {
		size_t cap = r->ifcap ? r->ifcap * 2 : 8;
		struct iface *f = realloc(r->ifs, cap * sizeof(*f));
		if (!f) {
			snprintf(msg, n, "out of memory");
			return -ENOMEM;
		}
		r->ifs = f;
		r->ifcap = cap;
	}
	struct iface *ifc = &r->ifs[r->nifs++];
	ifc->linktype = file_linktype(get16(r, b));
	ifc->snaplen = get32(r, b + 4);
	ifc->units = 1000000;
	ifc->tsoffset = 0;
	idb_options(r, ifc, b + NG_IDB_BODY, len - NG_IDB_BODY);
	if (!r->have_first) {
		uint32_t max = wire_pcap_caplen_max(ifc->linktype);
		r->have_first = 1;
		r->linktype = ifc->linktype;
		r->snaplen = (ifc->snaplen == 0 || ifc->snaplen > max) ? max : ifc->snaplen;
	}
	return 0;
}

static void ng_time(const struct iface *ifc, uint64_t ts, struct timespec *out)
{
	uint64_t u = ifc->units, frac = ts % u, ns;
	if (u == 1000000)
		ns = frac * 1000;
	else if (u == NSEC)
		ns = frac;
	else {
		__extension__ typedef unsigned __int128 u128;
		ns = (uint64_t)((u128)frac * NSEC / u);
	}
	out->tv_sec = (time_t)(ts / u + (uint64_t)ifc->tsoffset);
	out->tv_nsec = (long)ns;
}

/* An EPB, OPB or SPB (body b of len bytes) into pkt. */
static int ng_packet(struct wire_pcapr *r, uint32_t type, const uint8_t *b, size_t len,
                     struct wire_pkt *pkt, char *msg, size_t n)
{
	uint32_t ifid = 0, caplen, wirelen;
	uint64_t ts = 0;
	size_t hdr = type == NG_SPB ? NG_SPB_BODY : NG_PKT_BODY;
	if (len < hdr) {
		snprintf(msg, n, "packet block too short (%zu bytes)", len);
		return WIRE_E_MALFORMED;
	}
	if (type == NG_SPB) {
		wirelen = caplen = get32(r, b);
	} else {
		ifid = type == NG_OPB ? get16(r, b) : get32(r, b);
		ts = (uint64_t)get32(r, b + 4) << 32 | get32(r, b + 8);
		caplen = get32(r, b + 12);
		wirelen = get32(r, b + 16);
	}
	if (ifid >= r->nifs) {
		snprintf(msg, n, "interface %u is not described (%zu in this section)", ifid,
		         r->nifs);
		return WIRE_E_MALFORMED;
	}
	const struct iface *ifc = &r->ifs[ifid];
	if (type == NG_SPB && ifc->snaplen && caplen > ifc->snaplen)
		caplen = ifc->snaplen; /* the SPB has no captured length: interface 0's snaplen */
	if (caplen > len - hdr) {
		snprintf(msg, n, "captured length %u past the end of the block", caplen);
		return WIRE_E_MALFORMED;
	}
	uint32_t max = wire_pcap_caplen_max(ifc->linktype);
	if (caplen > max) {
		snprintf(msg, n, "invalid captured length %u (at most %u)", caplen, max);
		return WIRE_E_MALFORMED;
	}
	fill_pkt(r, pkt, b + hdr, caplen, wirelen, ifc->linktype);
	if (type == NG_SPB) {
		pkt->ts.tv_sec = 0; /* no time stamp, as tshark */
		pkt->ts.tv_nsec = 0;
	} else {
		ng_time(ifc, ts, &pkt->ts);
	}
	r->tsdigits = 0;
	for (uint64_t u = ifc->units; u >= 10 && r->tsdigits < 9; u /= 10)
		r->tsdigits++;
	return 1;
}

/* Reads the 12 first bytes of a block at the read position and sets the
 * byte order when it is a section header. Returns the block's header, or
 * NULL with *rc set (0 at the end of the file). */
static const uint8_t *ng_header(struct wire_pcapr *r, int *rc, char *why, size_t n)
{
	uint64_t at = r->off;
	const uint8_t *h = peek(r, NG_BLOCK_MIN);
	if (!h) {
		*rc = (!r->avail && !r->ioerr) ? 0 : short_read(r, at, NG_BLOCK_MIN, 0, why, n);
		r->done = 1;
		return NULL;
	}
	if (raw32(h) == NG_SHB) {
		uint32_t bom = raw32(h + 8);
		if (bom != NG_BOM && bom != __builtin_bswap32(NG_BOM)) {
			*rc = fail(r, WIRE_E_MALFORMED, at, 0, why, n,
			           "section header with a bad byte-order magic 0x%08x", bom);
			return NULL;
		}
		r->swapped = bom != NG_BOM;
	}
	uint32_t len = get32(r, h + 4);
	if (len < NG_BLOCK_MIN || len % 4 || len > WIRE_PCAPNG_BLOCK_MAX) {
		*rc =
		    fail(r, WIRE_E_MALFORMED, at, 0, why, n, "invalid block total length %u", len);
		return NULL;
	}
	return h;
}

/* Dispatches one block of type t, body b of len bytes. Returns 1 for a
 * packet, 0 for another block, or an error with msg set. */
static int ng_body(struct wire_pcapr *r, uint32_t t, const uint8_t *b, size_t len,
                   struct wire_pkt *pkt, char *msg, size_t n)
{
	switch (t) {
	case NG_SHB:
		if (len < NG_SHB_BODY) {
			snprintf(msg, n, "section header block too short (%zu bytes)", len);
			return WIRE_E_MALFORMED;
		}
		if (get16(r, b + 4) != 1) {
			snprintf(msg, n, "unsupported pcapng version %u.%u", get16(r, b + 4),
			         get16(r, b + 6));
			return WIRE_E_MALFORMED;
		}
		r->nifs = 0; /* a new section: new interfaces */
		r->section++;
		return 0;
	case NG_IDB: return ng_idb(r, b, len, msg, n);
	case NG_EPB:
	case NG_OPB:
	case NG_SPB: return ng_packet(r, t, b, len, pkt, msg, n);
	default: return 0; /* name resolution, statistics, custom, unknown: skipped */
	}
}

/* Reads one block. Returns 1 with a packet in pkt, 0 for another block, 2
 * at the end of the file, or an error. */
static int ng_block(struct wire_pcapr *r, struct wire_pkt *pkt, char *why, size_t n)
{
	uint64_t at = r->off;
	int rc;
	const uint8_t *h = ng_header(r, &rc, why, n);
	if (!h)
		return rc == 0 ? 2 : rc;
	uint32_t type = get32(r, h), len = get32(r, h + 4);
	int packet = type == NG_EPB || type == NG_OPB || type == NG_SPB;
	const uint8_t *b = peek(r, len);
	if (!b)
		return short_read(r, at, len, packet, why, n);
	if (get32(r, b + len - 4) != len)
		return fail(r, WIRE_E_MALFORMED, at, packet, why, n,
		            "block total lengths differ (%u and %u)", len, get32(r, b + len - 4));
	char msg[128];
	rc = ng_body(r, type, b + 8, len - NG_BLOCK_MIN, pkt, msg, sizeof(msg));
	if (rc < 0)
		return fail(r, rc, at, packet, why, n, "%s", msg);
	consume(r, len);
	return rc;
}

static int next_ng(struct wire_pcapr *r, struct wire_pkt *pkt, char *why, size_t n)
{
	for (;;) { /* each block consumes at least 12 bytes of a finite file */
		int rc = ng_block(r, pkt, why, n);
		if (rc == 2) {
			r->done = 1;
			return 0;
		}
		if (rc != 0)
			return rc;
	}
}

/* ---- opening ---- */

/* Reads the file header: a classic header, or the pcapng blocks up to the
 * first interface (its link type is the file's for filters and -w). */
static int start(struct wire_pcapr *r, char *why, size_t n)
{
	const uint8_t *h = peek(r, 4);
	if (!h) {
		if (r->ioerr) {
			snprintf(why, n, "%s", strerror(r->ioerr));
			return -r->ioerr;
		}
		snprintf(why, n,
		         r->avail ? "truncated file header (not a pcap or pcapng file)"
		                  : "empty file (not a pcap or pcapng file)");
		return WIRE_E_MALFORMED;
	}
	uint32_t m = raw32(h);
	if (m == NG_SHB) {
		r->ng = 1;
		r->linktype = WIRE_LINK_ETHERNET;
		r->snaplen = WIRE_SNAPLEN_DEFAULT;
		while (!r->have_first) {
			struct wire_pkt pkt;
			int rc = ng_block(r, &pkt, why, n);
			if (rc == 2)
				break; /* no interface at all: an empty capture */
			if (rc < 0)
				return rc;
			if (rc == 1) /* cannot be: no interface yet */
				return WIRE_E_MALFORMED;
		}
		return 0;
	}
	uint32_t s = __builtin_bswap32(m);
	if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_KUZ || s == PCAP_MAGIC_US ||
	    s == PCAP_MAGIC_NS || s == PCAP_MAGIC_KUZ) {
		if (!(h = peek(r, PCAP_HDR))) {
			snprintf(why, n, "%s",
			         r->ioerr ? strerror(r->ioerr) : "truncated pcap file header");
			return r->ioerr ? -r->ioerr : WIRE_E_MALFORMED;
		}
		return open_pcap(r, h, why, n);
	}
	snprintf(why, n, "not a pcap or pcapng file (magic 0x%08x)", __builtin_bswap32(m));
	return WIRE_E_MALFORMED;
}

static int finish_open(struct wire_pcapr *r, struct wire_pcapr **rp, char *why, size_t n)
{
	char tmp[8];
	if (!why || !n) {
		why = tmp;
		n = sizeof(tmp);
	}
	int rc = start(r, why, n);
	if (rc < 0) {
		wire_pcapr_close(r);
		return rc;
	}
	*rp = r;
	return 0;
}

int wire_pcapr_open_mem(const void *p, size_t len, struct wire_pcapr **rp, char *why, size_t n)
{
	static const uint8_t none[1];
	struct wire_pcapr *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->mem = len ? p : none;
	r->memlen = len;
	return finish_open(r, rp, why, n);
}

int wire_pcapr_open_fd(int fd, struct wire_pcapr **rp, char *why, size_t n)
{
	struct stat st;
	struct wire_pcapr *r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	/* a regular file read from its start (stdin may have been read from) */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SIZE_MAX && lseek(fd, 0, SEEK_CUR) == 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->mem = m;
			r->memlen = (size_t)st.st_size;
			r->mapped = 1;
			long pg = sysconf(_SC_PAGESIZE);
			r->page = pg > 0 ? (size_t)pg : 4096;
		}
	}
	if (!r->mem) {
		r->cap = WIRE_PCAP_READ_CHUNK;
		r->buf = malloc(r->cap);
		if (!r->buf) {
			wire_pcapr_close(r);
			return -ENOMEM;
		}
	}
	return finish_open(r, rp, why, n);
}

int wire_pcapr_linktype(const struct wire_pcapr *r)
{
	return r->linktype;
}

unsigned wire_pcapr_snaplen(const struct wire_pcapr *r)
{
	return r->snaplen;
}

int wire_pcapr_tsdigits(const struct wire_pcapr *r)
{
	return r->ng ? r->tsdigits : r->nsec ? 9 : 6;
}

/* Gives back the mapped pages the reader has passed, a window at a time,
 * so that the resident set of a large file stays near the window's size. */
static void release(struct wire_pcapr *r)
{
	if (!r->mapped || r->off - r->released < WIRE_PCAP_MAP_WINDOW)
		return;
	size_t to = (size_t)r->off & ~(r->page - 1);
	madvise((void *)(uintptr_t)(r->mem + r->released), to - r->released, MADV_DONTNEED);
	r->released = to;
}

int wire_pcapr_next(struct wire_pcapr *r, struct wire_pkt *pkt, char *why, size_t n)
{
	if (r->done)
		return 0;
	release(r); /* the previous packet's data need not stay valid */
	return r->ng ? next_ng(r, pkt, why, n) : next_pcap(r, pkt, why, n);
}

void wire_pcapr_tell(const struct wire_pcapr *r, struct wire_pcapr_pos *pos)
{
	pos->off = r->off;
	pos->num = r->num;
	pos->section = r->section;
}

int wire_pcapr_seek(struct wire_pcapr *r, const struct wire_pcapr_pos *pos)
{
	if (!r->mem || pos->section != r->section || pos->off > r->memlen)
		return -ESPIPE;
	r->off = pos->off;
	r->num = pos->num;
	r->done = 0;
	if (r->mapped && r->released > r->off)
		r->released = (size_t)r->off & ~(r->page - 1);
	return 0;
}

void wire_pcapr_close(struct wire_pcapr *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)(uintptr_t)r->mem, r->memlen);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->ifs);
	free(r);
}
