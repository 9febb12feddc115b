/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pcapng writer (include/wire/pcapng.h): blocks in the host's byte order
 * (the byte-order magic says which), each option padded to 32 bits, every
 * block's length written before and after it.
 */
#include <string.h>

#include "wire/pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define IFNAME_MAX 64u

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

static void put32(struct wire_sink *s, uint32_t v)
{
	wire_sink_write(s, &v, 4);
}

static void put16(struct wire_sink *s, uint16_t v)
{
	wire_sink_write(s, &v, 2);
}

static void put_zeros(struct wire_sink *s, uint32_t n)
{
	static const uint8_t z[4];
	wire_sink_write(s, z, n);
}

/* One option: code, length, value, padding. */
static void put_opt(struct wire_sink *s, uint16_t code, const void *v, uint32_t n)
{
	put16(s, code);
	put16(s, (uint16_t)n);
	wire_sink_write(s, v, n);
	put_zeros(s, pad4(n) - n);
}

static uint32_t opt_size(uint32_t n)
{
	return 4u + pad4(n);
}

int wire_pcapng_begin(struct wire_sink *s, int linktype, unsigned snaplen, const char *ifname)
{
	uint32_t len = 28u; /* SHB: no options */
	put32(s, BT_SHB);
	put32(s, len);
	put32(s, BOM);
	put16(s, 1);
	put16(s, 0);
	put32(s, 0xffffffffu); /* section length: not given */
	put32(s, 0xffffffffu);
	put32(s, len);

	uint32_t nlen = ifname ? (uint32_t)strnlen(ifname, IFNAME_MAX) : 0;
	uint8_t tsresol = 9;
	len = 20u + opt_size(1) + 4u + (nlen ? opt_size(nlen) : 0);
	put32(s, BT_IDB);
	put32(s, len);
	put16(s, (uint16_t)linktype);
	put16(s, 0);
	put32(s, snaplen > WIRE_PCAPNG_SNAP_MAX ? WIRE_PCAPNG_SNAP_MAX : snaplen);
	if (nlen)
		put_opt(s, OPT_IF_NAME, ifname, nlen);
	put_opt(s, OPT_IF_TSRESOL, &tsresol, 1);
	put32(s, OPT_END);
	put32(s, len);
	return s->err;
}

/* The comment as written: printable ASCII, other bytes escaped as the
 * timeline escapes them (\n, \r, \t, \xHH), cut at WIRE_PCAPNG_COMMENT_MAX. */
static uint32_t clean_comment(const char *c, char *out)
{
	static const char hx[] = "0123456789abcdef";
	uint32_t n = 0;
	for (const unsigned char *p = (const unsigned char *)c; p && *p; p++) {
		char e[4] = {'\\', 'x', hx[*p >> 4], hx[*p & 15]};
		uint32_t k = 4;
		if (*p >= 0x20 && *p < 0x7f) {
			e[0] = (char)*p;
			k = 1;
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			e[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
			k = 2;
		}
		if (n + k > WIRE_PCAPNG_COMMENT_MAX)
			break;
		memcpy(out + n, e, k);
		n += k;
	}
	return n;
}

int wire_pcapng_packet(struct wire_sink *s, unsigned snaplen, const struct wire_pkt *pkt,
                       const char *comment)
{
	char text[WIRE_PCAPNG_COMMENT_MAX];
	uint32_t clen = clean_comment(comment, text);
	uint32_t snap = snaplen > WIRE_PCAPNG_SNAP_MAX ? WIRE_PCAPNG_SNAP_MAX : snaplen;
	uint32_t cap = pkt->caplen < snap ? pkt->caplen : snap;
	uint32_t wire = pkt->wirelen > cap ? pkt->wirelen : cap;
	uint32_t flags = pkt->dir == WIRE_DIR_IN ? 1u : pkt->dir == WIRE_DIR_OUT ? 2u : 0u;
	uint32_t len = 32u + pad4(cap) + (clen ? opt_size(clen) : 0) + (flags ? opt_size(4) : 0) +
	               ((clen || flags) ? 4u : 0);
	uint64_t ns = (uint64_t)(pkt->ts.tv_sec < 0 ? 0 : pkt->ts.tv_sec) * 1000000000ull +
	              (uint64_t)(pkt->ts.tv_nsec < 0 ? 0 : pkt->ts.tv_nsec);
	put32(s, BT_EPB);
	put32(s, len);
	put32(s, 0); /* interface 0 */
	put32(s, (uint32_t)(ns >> 32));
	put32(s, (uint32_t)ns);
	put32(s, cap);
	put32(s, wire);
	wire_sink_write(s, pkt->data, cap);
	put_zeros(s, pad4(cap) - cap);
	if (clen)
		put_opt(s, OPT_COMMENT, text, clen);
	if (flags)
		put_opt(s, OPT_EPB_FLAGS, &flags, 4);
	if (clen || flags)
		put32(s, OPT_END);
	put32(s, len);
	return s->err;
}
