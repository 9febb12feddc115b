/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the pcap/pcapng parser (pcapread.c), on files built in
 * memory: a table of cases (classic pcap in both byte orders, nanosecond,
 * Kuznetzov and swapped-length variants, records past the snaplen; pcapng
 * with sections of both byte orders, interfaces of several link types,
 * if_tsresol and if_tsoffset, EPB, SPB and OPB, skipped blocks; and every
 * kind of impossible length), each checked packet by packet and by how the
 * reading ends. Then every truncation point of a small file of each format,
 * placed right before a PROT_NONE page (so a read past the end faults) and
 * fed through a pipe, and records larger than the pipe reader's first
 * buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/limits.h"
#include "wire/pcapio.h"
#include "wire/pcapread.h"

/* ---- a file builder in either byte order ---- */

struct fb {
	uint8_t *b;
	size_t n, cap;
	int be;
};

static void put(struct fb *f, const void *p, size_t n)
{
	if (f->n + n > f->cap) {
		size_t cap = (f->n + n) * 2;
		uint8_t *b = realloc(f->b, cap);
		if (!b)
			abort();
		f->b = b;
		f->cap = cap;
	}
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void putn(struct fb *f, uint64_t v, unsigned size)
{
	uint8_t b[8];
	for (unsigned i = 0; i < size; i++)
		b[f->be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
	put(f, b, size);
}

static void pad4(struct fb *f)
{
	static const uint8_t z[4];
	put(f, z, (4 - f->n % 4) % 4);
}

static size_t blk(struct fb *f, uint32_t type)
{
	size_t at = f->n;
	putn(f, type, 4);
	putn(f, 0, 4); /* the total length, set by end() */
	return at;
}

static void end(struct fb *f, size_t at)
{
	pad4(f);
	uint32_t len = (uint32_t)(f->n - at + 4);
	putn(f, len, 4);
	size_t keep = f->n;
	f->n = at + 4;
	putn(f, len, 4);
	f->n = keep;
}

static void opt(struct fb *f, unsigned code, const void *v, unsigned len)
{
	putn(f, code, 2);
	putn(f, len, 2);
	put(f, v, len);
	pad4(f);
}

static void shb(struct fb *f, int be)
{
	f->be = be;
	size_t at = blk(f, 0x0A0D0D0Au);
	putn(f, 0x1A2B3C4Du, 4);
	putn(f, 1, 2);
	putn(f, 0, 2);
	putn(f, UINT64_MAX, 8); /* section length -1 */
	end(f, at);
}

/* tsresol < 0: none; tsoff != 0: an if_tsoffset */
static void idb(struct fb *f, unsigned lt, uint32_t snap, int tsresol, int64_t tsoff)
{
	size_t at = blk(f, 1);
	putn(f, lt, 2);
	putn(f, 0, 2);
	putn(f, snap, 4);
	opt(f, 2, "eth0", 4);
	if (tsresol >= 0) {
		uint8_t v = (uint8_t)tsresol;
		opt(f, 9, &v, 1);
	}
	if (tsoff) {
		struct fb o = {.be = f->be};
		putn(&o, (uint64_t)tsoff, 8);
		opt(f, 14, o.b, 8);
		free(o.b);
	}
	putn(f, 0, 4); /* opt_endofopt */
	end(f, at);
}

static const uint8_t DATA[64] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45};

static void epb(struct fb *f, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen)
{
	size_t at = blk(f, 6);
	putn(f, ifid, 4);
	putn(f, ts >> 32, 4);
	putn(f, ts & 0xffffffffu, 4);
	putn(f, caplen, 4);
	putn(f, wirelen, 4);
	put(f, DATA, caplen);
	pad4(f);
	opt(f, 1, "hi", 2);
	putn(f, 0, 4);
	end(f, at);
}

static void opb(struct fb *f, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen)
{
	size_t at = blk(f, 2);
	putn(f, ifid, 2);
	putn(f, 0, 2);
	putn(f, ts >> 32, 4);
	putn(f, ts & 0xffffffffu, 4);
	putn(f, caplen, 4);
	putn(f, wirelen, 4);
	put(f, DATA, caplen);
	end(f, at);
}

static void spb(struct fb *f, uint32_t stored, uint32_t wirelen)
{
	size_t at = blk(f, 3);
	putn(f, wirelen, 4);
	put(f, DATA, stored);
	end(f, at);
}

static void other(struct fb *f, uint32_t type)
{
	size_t at = blk(f, type);
	put(f, "skip me", 7);
	end(f, at);
}

static void pcap_hdr(struct fb *f, int be, uint32_t magic, unsigned minor, uint32_t snap,
                     uint32_t lt)
{
	f->be = be;
	putn(f, magic, 4);
	putn(f, 2, 2);
	putn(f, minor, 2);
	putn(f, 0, 4);
	putn(f, 0, 4);
	putn(f, snap, 4);
	putn(f, lt, 4);
}

static void rec(struct fb *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                int kuz)
{
	putn(f, sec, 4);
	putn(f, frac, 4);
	putn(f, caplen, 4);
	putn(f, wirelen, 4);
	if (kuz) {
		putn(f, 7, 4); /* ifindex, protocol, pkt_type, pad */
		putn(f, 0x0800, 2);
		putn(f, 0, 2);
	}
	put(f, DATA, caplen > sizeof(DATA) ? sizeof(DATA) : caplen);
	for (uint32_t i = sizeof(DATA); i < caplen; i++)
		put(f, "", 1);
}

/* ---- the cases ---- */

struct want {
	int lt;
	uint32_t caplen, wirelen;
	long long sec;
	long nsec;
};

struct tcase {
	const char *name;
	void (*make)(struct fb *f, int be);
	int open_rc;     /* what opening returns */
	int end_rc;      /* what the read after the last packet returns */
	const char *why; /* in the reason, when end_rc < 0 */
	size_t npkts;
	struct want p[8];
};

static void c_classic(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 4, 16, 1);
	rec(f, 1700000000, 999999, 64, 64, 0); /* longer than the snaplen: whole */
	rec(f, 0x80000000u, 1, 0, 60, 0);      /* caplen 0, 2038 */
	rec(f, 3, 2, 20, 10, 0);               /* caplen > wirelen */
}

static void c_classic_ns(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b23c4du, 4, 262144, 12); /* DLT_RAW as 12 */
	rec(f, 5, 123456789, 20, 20, 0);
}

static void c_kuznetzov(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2cd34u, 4, 262144, 1);
	rec(f, 5, 6, 30, 40, 1);
	rec(f, 7, 8, 14, 14, 1);
}

static void c_swapped_lengths(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 2, 262144, 1); /* 2.2: wirelen, then caplen */
	putn(f, 1, 4);
	putn(f, 0, 4);
	putn(f, 60, 4);
	putn(f, 20, 4);
	put(f, DATA, 20);
}

static void c_maybe_swapped(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 3, 262144, 1);
	rec(f, 1, 0, 20, 60, 0); /* in order */
	putn(f, 2, 4);
	putn(f, 0, 4);
	putn(f, 60, 4); /* caplen field 60 > len field 20: swapped, 20 bytes follow */
	putn(f, 20, 4);
	put(f, DATA, 20);
}

static void c_classic_too_long(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 4, 262144, 1);
	rec(f, 1, 0, 20, 20, 0);
	rec(f, 2, 0, WIRE_PCAP_CAPLEN_MAX + 1, WIRE_PCAP_CAPLEN_MAX + 1, 0);
}

static void c_classic_cut(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 4, 262144, 1);
	rec(f, 1, 0, 20, 20, 0);
	rec(f, 2, 0, 20, 20, 0);
	f->n -= 5;
}

static void c_mixed_sections(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	epb(f, 0, 1700000000ull * 1000000 + 5, 20, 20);
	shb(f, !be); /* the other byte order */
	idb(f, 228, 0, 9, 0);
	idb(f, 101, 0, 3, 0);
	epb(f, 1, 1700000001ull * 1000 + 7, 20, 30);
	epb(f, 0, 1700000002ull * 1000000000 + 9, 20, 20);
}

static void c_tsresol(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 16, 0x80 | 20, 0);                  /* 2^-20 s, snaplen 16 */
	idb(f, 1, 0, 12, -5);                         /* picoseconds, 5 s back */
	idb(f, 1, 0, 0x80 | 30, 100);                 /* 2^-30 s */
	idb(f, 1, 0, 0, 0);                           /* seconds */
	epb(f, 0, (5ull << 20) | (1u << 19), 40, 40); /* past the snaplen */
	epb(f, 1, 7000000000000ull + 123456789012ull, 14, 14);
	epb(f, 2, (9ull << 30) | 3, 14, 14);
	epb(f, 3, 42, 14, 14);
}

static void c_spb_opb(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 24, -1, 0);
	idb(f, 101, 0, 9, 0);
	spb(f, 20, 20);
	spb(f, 24, 60); /* cut to interface 0's snaplen */
	opb(f, 1, 77, 20, 20);
	other(f, 4);     /* name resolution */
	other(f, 5);     /* interface statistics */
	other(f, 0x0A);  /* decryption secrets */
	other(f, 0xBAD); /* custom */
	other(f, 0x4000BAD);
	other(f, 0x1234); /* unknown */
	opb(f, 0, 1, 10, 10);
}

static void c_no_idb(struct fb *f, int be)
{
	shb(f, be);
	other(f, 4);
}

static void c_spb_before_idb(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	epb(f, 0, 1, 20, 20);
	shb(f, be);
	spb(f, 20, 20); /* the new section has no interface yet */
}

/* A section, an interface and one 64-byte EPB: the next block is at 124. */
static void prefix(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	epb(f, 0, 1, 20, 20);
}

static void c_ifid_out_of_range(struct fb *f, int be)
{
	prefix(f, be);
	epb(f, 1, 1, 20, 20);
}

static void c_len_not_4(struct fb *f, int be)
{
	prefix(f, be);
	putn(f, 0x1234, 4);
	putn(f, 13, 4);
	putn(f, 0, 4);
	putn(f, 13, 4);
}

static void c_len_small(struct fb *f, int be)
{
	prefix(f, be);
	putn(f, 6, 4);
	putn(f, 8, 4);
	putn(f, 8, 4);
}

static void c_trailer_differs(struct fb *f, int be)
{
	prefix(f, be);
	epb(f, 0, 1, 20, 20);
	f->n -= 4;
	putn(f, 36, 4);
}

static void c_caplen_past_block(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	epb(f, 0, 1, 20, 20);
	size_t at = blk(f, 6);
	putn(f, 0, 4);
	putn(f, 0, 4);
	putn(f, 0, 4);
	putn(f, 100, 4); /* caplen 100, 8 bytes of data */
	putn(f, 100, 4);
	put(f, DATA, 8);
	end(f, at);
}

static void c_block_too_large(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	putn(f, 6, 4);
	putn(f, WIRE_PCAPNG_BLOCK_MAX + 4, 4);
	putn(f, 0, 4);
}

static void c_caplen_over_max(struct fb *f, int be)
{
	shb(f, be);
	idb(f, 1, 0, -1, 0);
	size_t at = blk(f, 6);
	for (int i = 0; i < 3; i++)
		putn(f, 0, 4);
	putn(f, WIRE_PCAP_CAPLEN_MAX + 4, 4);
	putn(f, WIRE_PCAP_CAPLEN_MAX + 4, 4);
	for (uint32_t i = 0; i < WIRE_PCAP_CAPLEN_MAX + 4; i += 4)
		putn(f, 0, 4);
	end(f, at);
}

static void c_bad_bom(struct fb *f, int be)
{
	prefix(f, be);
	shb(f, be);
	memcpy(f->b + f->n - 20, "\x11\x22\x33\x44", 4);
}

static void c_bad_version(struct fb *f, int be)
{
	prefix(f, be);
	size_t at = blk(f, 0x0A0D0D0Au);
	putn(f, 0x1A2B3C4Du, 4);
	putn(f, 2, 2);
	putn(f, 0, 2);
	putn(f, 0, 8);
	end(f, at);
}

static void c_too_many_ifaces(struct fb *f, int be)
{
	shb(f, be);
	for (unsigned i = 0; i <= WIRE_PCAPNG_IFACES_MAX; i++)
		idb(f, 1, 0, -1, 0);
}

static void c_not_pcap(struct fb *f, int be)
{
	(void)be;
	put(f, "GET / HTTP/1.1\r\n\r\n", 18);
}

static void c_empty(struct fb *f, int be)
{
	(void)f;
	(void)be;
}

static void c_short_header(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 4, 65535, 1);
	f->n = 10;
}

static void c_bad_classic_version(struct fb *f, int be)
{
	pcap_hdr(f, be, 0xa1b2c3d4u, 4, 65535, 1);
	f->n = 4;
	putn(f, 1, 2); /* 1.4: archaic */
	putn(f, 4, 2);
	f->n = 24;
}

#define E WIRE_LINK_ETHERNET
static const struct tcase cases[] = {
    {"classic",
     c_classic,
     0,
     0,
     NULL,
     3,
     {{E, 64, 64, 1700000000, 999999000}, {E, 0, 60, 0x80000000ll, 1000}, {E, 20, 20, 3, 2000}}},
    {"classic ns, DLT_RAW 12",
     c_classic_ns,
     0,
     0,
     NULL,
     1,
     {{WIRE_LINK_RAW, 20, 20, 5, 123456789}}},
    {"kuznetzov", c_kuznetzov, 0, 0, NULL, 2, {{E, 30, 40, 5, 6000}, {E, 14, 14, 7, 8000}}},
    {"2.2 lengths swapped", c_swapped_lengths, 0, 0, NULL, 1, {{E, 20, 60, 1, 0}}},
    {"2.3 lengths maybe swapped",
     c_maybe_swapped,
     0,
     0,
     NULL,
     2,
     {{E, 20, 60, 1, 0}, {E, 20, 60, 2, 0}}},
    {"classic record too long",
     c_classic_too_long,
     0,
     WIRE_E_MALFORMED,
     "packet 2 at byte 60: invalid captured length 262145 (at most 262144); 1 packets read",
     1,
     {{E, 20, 20, 1, 0}}},
    {"classic cut",
     c_classic_cut,
     0,
     WIRE_E_TRUNCATED,
     "packet 2 at byte 60: truncated file (31 of 36 bytes of the record); 1 packets read",
     1,
     {{E, 20, 20, 1, 0}}},
    {"sections of both byte orders",
     c_mixed_sections,
     0,
     0,
     NULL,
     3,
     {{E, 20, 20, 1700000000, 5000},
      {WIRE_LINK_RAW, 20, 30, 1700000001, 7000000},
      {WIRE_LINK_IPV4, 20, 20, 1700000002, 9}}},
    {"if_tsresol and if_tsoffset",
     c_tsresol,
     0,
     0,
     NULL,
     4,
     {{E, 40, 40, 5, 500000000},
      {E, 14, 14, 2, 123456789},
      {E, 14, 14, 109, 2},
      {E, 14, 14, 42, 0}}},
    {"SPB, OPB, skipped blocks",
     c_spb_opb,
     0,
     0,
     NULL,
     4,
     {{E, 20, 20, 0, 0}, {E, 24, 60, 0, 0}, {WIRE_LINK_RAW, 20, 20, 0, 77}, {E, 10, 10, 0, 1000}}},
    {"no interface", c_no_idb, 0, 0, NULL, 0, {{0}}},
    {"SPB before any IDB of its section",
     c_spb_before_idb,
     0,
     WIRE_E_MALFORMED,
     "packet 2 at byte 152: interface 0 is not described (0 in this section); 1 packets read",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"interface id out of range",
     c_ifid_out_of_range,
     0,
     WIRE_E_MALFORMED,
     "interface 1 is not described (1 in this section)",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"block length not a multiple of 4",
     c_len_not_4,
     0,
     WIRE_E_MALFORMED,
     "block at byte 124: invalid block total length 13; 1 packets read",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"block length below 12",
     c_len_small,
     0,
     WIRE_E_MALFORMED,
     "invalid block total length 8",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"block lengths differ",
     c_trailer_differs,
     0,
     WIRE_E_MALFORMED,
     "packet 2 at byte 124: block total lengths differ (64 and 36)",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"caplen past the block",
     c_caplen_past_block,
     0,
     WIRE_E_MALFORMED,
     "captured length 100 past the end of the block",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"block larger than any",
     c_block_too_large,
     0,
     WIRE_E_MALFORMED,
     "invalid block total length",
     0,
     {{0}}},
    {"caplen over the link type's maximum",
     c_caplen_over_max,
     0,
     WIRE_E_MALFORMED,
     "invalid captured length 262148 (at most 262144)",
     0,
     {{0}}},
    {"bad byte-order magic",
     c_bad_bom,
     0,
     WIRE_E_MALFORMED,
     "bad byte-order magic",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"pcapng version 2",
     c_bad_version,
     0,
     WIRE_E_MALFORMED,
     "unsupported pcapng version 2.0",
     1,
     {{E, 20, 20, 0, 1000}}},
    {"too many interfaces",
     c_too_many_ifaces,
     0,
     WIRE_E_MALFORMED,
     "more than 4096 interfaces in one section",
     0,
     {{0}}},
    {"not a capture", c_not_pcap, WIRE_E_MALFORMED, 0, "not a pcap or pcapng file", 0, {{0}}},
    {"empty", c_empty, WIRE_E_MALFORMED, 0, "empty file", 0, {{0}}},
    {"short classic header",
     c_short_header,
     WIRE_E_MALFORMED,
     0,
     "truncated pcap file header",
     0,
     {{0}}},
    {"archaic classic version",
     c_bad_classic_version,
     WIRE_E_MALFORMED,
     0,
     "unsupported pcap file version 1.4",
     0,
     {{0}}},
};

/* Reads every packet of an opened reader against c. */
static void check_packets(const struct tcase *c, struct wire_pcapr *r, int be)
{
	char why[256] = "";
	struct wire_pkt p;
	size_t i = 0;
	int rc;
	while ((rc = wire_pcapr_next(r, &p, why, sizeof(why))) == 1 && i < c->npkts) {
		const struct want *w = &c->p[i++];
		CHECK_INT(p.num, i);
		CHECK_INT(p.linktype, w->lt);
		CHECK_INT(p.caplen, w->caplen);
		CHECK_INT(p.wirelen, w->wirelen);
		CHECK_INT(p.ts.tv_sec, w->sec);
		CHECK_INT(p.ts.tv_nsec, w->nsec);
		CHECK(p.caplen == 0 || memcmp(p.data, DATA, p.caplen < 64 ? p.caplen : 64) == 0);
	}
	if (i != c->npkts || rc != c->end_rc)
		fprintf(stderr, "case %s (%s): %zu packets, rc %d: %s\n", c->name, be ? "BE" : "LE",
		        i, rc, why);
	CHECK_INT(i, c->npkts);
	CHECK_INT(rc, c->end_rc);
	if (c->end_rc < 0) {
		CHECK(c->why && strstr(why, c->why) != NULL);
		CHECK_INT(wire_pcapr_next(r, &p, why, sizeof(why)), 0); /* stays ended */
	}
}

static void run_case(const struct tcase *c, int be)
{
	char why[256] = "";
	struct fb f = {0};
	c->make(&f, be);
	struct wire_pcapr *r = NULL;
	int rc = wire_pcapr_open_mem(f.b, f.n, &r, why, sizeof(why));
	CHECK_INT(rc, c->open_rc);
	if (rc < 0) {
		CHECK(c->why && strstr(why, c->why) != NULL);
		if (!c->why || !strstr(why, c->why))
			fprintf(stderr, "case %s: %s\n", c->name, why);
	} else if (r) {
		check_packets(c, r, be);
		wire_pcapr_close(r);
	}
	free(f.b);
}

/* ---- truncation: memory before a guard page, and a pipe ---- */

/* Counts the packets of len bytes at p read from memory that ends right
 * before a PROT_NONE page, or through a pipe. Returns the count, with the
 * opening's or the last read's status in *rc. */
static int read_guarded(const uint8_t *p, size_t len, int pipe_it, int *rc)
{
	char why[256];
	long pg = sysconf(_SC_PAGESIZE);
	size_t span = (len + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	uint8_t *m = mmap(NULL, span + (size_t)pg, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	mprotect(m + span, (size_t)pg, PROT_NONE);
	uint8_t *at = m + span - len;
	memcpy(at, p, len);
	struct wire_pcapr *r = NULL;
	if (pipe_it) {
		int fds[2];
		if (pipe(fds) < 0 || write(fds[1], at, len) != (ssize_t)len)
			abort();
		close(fds[1]);
		*rc = wire_pcapr_open_fd(fds[0], &r, why, sizeof(why));
	} else {
		*rc = wire_pcapr_open_mem(at, len, &r, why, sizeof(why));
	}
	int n = 0;
	if (*rc == 0) {
		struct wire_pkt pk;
		while ((*rc = wire_pcapr_next(r, &pk, why, sizeof(why))) == 1)
			n++;
		wire_pcapr_close(r);
	}
	munmap(m, span + (size_t)pg);
	return n;
}

/* Cuts the file f at every point; bounds[] are the offsets where records
 * end (the last one is the file's end), hdr the end of the file header. */
static void truncations(const struct fb *f, const size_t *bounds, size_t nb, size_t hdr)
{
	for (size_t len = 0; len <= f->n; len++) {
		for (int pipe_it = 0; pipe_it < 2; pipe_it++) {
			int rc;
			int n = read_guarded(f->b, len, pipe_it, &rc);
			int want = 0, at_bound = len == hdr;
			for (size_t i = 0; i < nb; i++) {
				want += bounds[i] <= len;
				at_bound |= bounds[i] == len;
			}
			if (len < hdr) {
				CHECK(rc < 0 && n == 0);
				continue;
			}
			if (n != want || rc != (at_bound ? 0 : WIRE_E_TRUNCATED))
				fprintf(stderr, "cut at %zu (%s): %d packets, rc %d\n", len,
				        pipe_it ? "pipe" : "memory", n, rc);
			CHECK_INT(n, want);
			CHECK_INT(rc, at_bound ? 0 : WIRE_E_TRUNCATED);
		}
	}
}

static void truncation_points(int be)
{
	struct fb f = {0};
	size_t b[4];
	shb(&f, be);
	idb(&f, 1, 0, -1, 0);
	size_t hdr = f.n; /* the file header: up to the first interface */
	epb(&f, 0, 1, 20, 20);
	b[0] = f.n;
	other(&f, 5); /* a statistics block: a boundary, no packet */
	size_t isb = f.n;
	spb(&f, 10, 10);
	b[1] = f.n;
	opb(&f, 0, 3, 7, 7);
	b[2] = f.n;
	size_t bounds[4] = {b[0], b[1], b[2], isb};
	/* the statistics block's end is a boundary where no packet ends:
	 * counted as a bound but not as a packet */
	for (size_t len = 0; len <= f.n; len++) {
		int rc;
		for (int pipe_it = 0; pipe_it < 2; pipe_it++) {
			int n = read_guarded(f.b, len, pipe_it, &rc);
			int want = (b[0] <= len) + (b[1] <= len) + (b[2] <= len);
			int at_bound = len == hdr;
			for (size_t i = 0; i < 4; i++)
				at_bound |= bounds[i] == len;
			if (len < hdr) { /* the interface is not there yet */
				CHECK(n == 0 && (rc < 0 || len == 28));
				continue;
			}
			CHECK_INT(n, want);
			CHECK_INT(rc, at_bound ? 0 : WIRE_E_TRUNCATED);
		}
	}
	free(f.b);

	struct fb c = {0};
	size_t cb[3];
	pcap_hdr(&c, be, 0xa1b23c4du, 4, 65535, 1);
	for (int i = 0; i < 3; i++) {
		rec(&c, 1, 2, (uint32_t)(10 * i), 60, 0);
		cb[i] = c.n;
	}
	truncations(&c, cb, 3, 24);
	free(c.b);
}

/* Records larger than the pipe reader's first buffer (1 MiB), written by a
 * child while the parent reads. */
static void big_records_through_a_pipe(void)
{
	struct fb f = {0};
	static const uint32_t sizes[] = {100, 3u << 20, 20, (1u << 20) + 3, 0, 5};
	pcap_hdr(&f, 0, 0xa1b2c3d4u, 4, 0, WIRE_LINK_DBUS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		rec(&f, (uint32_t)i, 0, sizes[i], sizes[i], 0);
	int fds[2];
	if (pipe(fds) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		size_t off = 0;
		while (off < f.n) {
			ssize_t k = write(fds[1], f.b + off, f.n - off);
			if (k <= 0)
				_exit(1);
			off += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	char why[256];
	struct wire_pcapr *r = NULL;
	CHECK_INT(wire_pcapr_open_fd(fds[0], &r, why, sizeof(why)), 0);
	size_t i = 0;
	struct wire_pkt p;
	int rc = -1;
	while (r && (rc = wire_pcapr_next(r, &p, why, sizeof(why))) == 1) {
		CHECK(i < 6 && p.caplen == sizes[i]);
		CHECK(p.caplen == 0 || memcmp(p.data, DATA, p.caplen < 64 ? p.caplen : 64) == 0);
		CHECK(p.caplen < 64 || p.data[p.caplen - 1] == 0);
		i++;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(i, 6);
	CHECK_INT(r ? wire_pcapr_snaplen(r) : 0, WIRE_PCAP_CAPLEN_DBUS);
	wire_pcapr_close(r);
	int st;
	waitpid(pid, &st, 0);
	free(f.b);
}

/* Resident pages of this process, in KiB. */
static long rss_kib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A mapped file is released behind the reader: reading 160 MiB of 1 MiB
 * records raises the resident set by little more than the window. */
static void mapped_file_released(void)
{
	char path[] = "/tmp/wire-test-pcapread.XXXXXX", why[256];
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	unlink(path);
	struct fb f = {0};
	pcap_hdr(&f, 0, 0xa1b2c3d4u, 4, 0, WIRE_LINK_USBPCAP);
	const uint32_t size = (1u << 20) - 16;
	uint8_t *zero = calloc(1, size);
	int ok = zero && write(fd, f.b, f.n) == (ssize_t)f.n;
	for (int i = 0; ok && i < 160; i++) {
		f.n = 0;
		f.n = 0; /* a record header; the data is zeros */
		putn(&f, (uint32_t)i, 4);
		putn(&f, 0, 4);
		putn(&f, size, 4);
		putn(&f, size, 4);
		ok = write(fd, f.b, 16) == 16 && write(fd, zero, size) == (ssize_t)size;
	}
	free(zero);
	free(f.b);
	CHECK(ok);
	lseek(fd, 0, SEEK_SET);
	long before = rss_kib(), most = 0;
	struct wire_pcapr *r = NULL;
	CHECK_INT(wire_pcapr_open_fd(fd, &r, why, sizeof(why)), 0);
	struct wire_pkt p;
	int n = 0;
	uint8_t sum = 0;
	while (r && wire_pcapr_next(r, &p, why, sizeof(why)) == 1) {
		for (uint32_t i = 0; i < p.caplen; i += 4096)
			sum ^= p.data[i]; /* touch every page */
		long now = rss_kib() - before;
		most = now > most ? now : most;
		n++;
	}
	wire_pcapr_close(r);
	CHECK_INT(sum, 0);
	CHECK_INT(n, 160);
	if (most > 2 * (WIRE_PCAP_MAP_WINDOW / 1024))
		fprintf(stderr, "resident set grew by %ld KiB\n", most);
	CHECK(most <= 2 * (WIRE_PCAP_MAP_WINDOW / 1024));
}

/* The first interface's link type and snaplen are the file's. */
static void file_properties(void)
{
	char why[256];
	struct fb f = {0};
	shb(&f, 1);
	other(&f, 4);
	idb(&f, 113, 96, -1, 0);
	idb(&f, 1, 0, -1, 0);
	struct wire_pcapr *r = NULL;
	CHECK_INT(wire_pcapr_open_mem(f.b, f.n, &r, why, sizeof(why)), 0);
	CHECK_INT(r ? wire_pcapr_linktype(r) : 0, WIRE_LINK_LINUX_SLL);
	CHECK_INT(r ? wire_pcapr_snaplen(r) : 0, 96);
	wire_pcapr_close(r);
	f.n = 0;
	pcap_hdr(&f, 0, 0xa1b2c3d4u, 4, 0, 1);
	CHECK_INT(wire_pcapr_open_mem(f.b, f.n, &r, why, sizeof(why)), 0);
	CHECK_INT(r ? wire_pcapr_snaplen(r) : 0, WIRE_PCAP_CAPLEN_MAX);
	wire_pcapr_close(r);
	free(f.b);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int be = 0; be < 2; be++)
			run_case(&cases[i], be);
	truncation_points(0);
	truncation_points(1);
	big_records_through_a_pipe();
	mapped_file_released();
	file_properties();
	return T_END();
}
