/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TLS records (RFC 8446 section 5.1) at the start of a TCP segment, and in a
 * ClientHello (section 4.1.2) the server_name extension (RFC 6066 section 3).
 * Extensions are walked at most WIRE_OPT_LOOP_MAX times; every length is
 * checked against what its container holds.
 *
 *   record:      | type:1 | version:2 | length:2 | fragment |
 *   handshake:   | msg_type:1 | length:3 | body |
 *   ClientHello: | version:2 | random:32 | session_id<0..32> |
 *                | cipher_suites<2..2^16-2> | compression<1..2^8-1> |
 *                | extensions<8..2^16-1> |
 *   extension:   | type:2 | length:2 | data |
 *   server_name: | list length:2 | name type:1 | name length:2 | name |
 */
#include <stdio.h>

#include "wire/dissect.h"

const char *wire_tls_ctype_name(uint8_t t)
{
	switch (t) {
	case 20: return "ChangeCipherSpec";
	case 21: return "Alert";
	case 22: return "Handshake";
	case 23: return "Application Data";
	case 24: return "Heartbeat";
	case 25: return "Connection ID";
	default: return NULL;
	}
}

const char *wire_tls_label(char *buf, size_t n, uint8_t ctype, int hs_type)
{
	const char *c = wire_tls_ctype_name(ctype);
	const char *h = hs_type >= 0 ? wire_tls_hs_name((uint8_t)hs_type) : NULL;
	if (!c)
		snprintf(buf, n, "content type %u", ctype);
	else if (hs_type < 0)
		snprintf(buf, n, "%s", c);
	else if (h)
		snprintf(buf, n, "%s %s", c, h);
	else
		snprintf(buf, n, "%s type %d", c, hs_type);
	return buf;
}

/* RFC 8446 section 4 and the TLS HandshakeType registry; tshark's names
 * without their spaces. */
const char *wire_tls_hs_name(uint8_t t)
{
	static const char *const n[] = {
	    [0] = "HelloRequest",        [1] = "ClientHello",
	    [2] = "ServerHello",         [3] = "HelloVerifyRequest",
	    [4] = "NewSessionTicket",    [5] = "EndOfEarlyData",
	    [6] = "HelloRetryRequest",   [8] = "EncryptedExtensions",
	    [11] = "Certificate",        [12] = "ServerKeyExchange",
	    [13] = "CertificateRequest", [14] = "ServerHelloDone",
	    [15] = "CertificateVerify",  [16] = "ClientKeyExchange",
	    [20] = "Finished",           [21] = "CertificateURL",
	    [22] = "CertificateStatus",  [23] = "SupplementalData",
	    [24] = "KeyUpdate",          [25] = "CompressedCertificate",
	};
	if (t < sizeof(n) / sizeof(n[0]))
		return n[t];
	return t == 254 ? "MessageHash" : NULL;
}

static void client_hello(struct wire_rd *b, struct wire_tls *t)
{
	t->hs_version = wire_rd_be16(b);
	wire_rd_skip(b, 32);
	wire_rd_skip(b, wire_rd_u8(b));
	wire_rd_skip(b, wire_rd_be16(b));
	wire_rd_skip(b, wire_rd_u8(b));
	uint16_t elen = wire_rd_be16(b);
	struct wire_rd e = wire_rd_sub_upto(b, elen);
	for (unsigned i = 0; i < WIRE_OPT_LOOP_MAX && wire_rd_left(&e) >= 4; i++) {
		uint16_t type = wire_rd_be16(&e);
		uint16_t n = wire_rd_be16(&e);
		struct wire_rd v = wire_rd_sub(&e, n);
		if (e.err)
			return;
		if (type != 0)
			continue;
		uint16_t list = wire_rd_be16(&v);
		struct wire_rd s = wire_rd_sub_upto(&v, list);
		uint8_t nt = wire_rd_u8(&s);
		uint16_t nl = wire_rd_be16(&s);
		const uint8_t *name = wire_rd_take(&s, nl);
		if (name && nt == 0) {
			t->sni = name;
			t->sni_len = nl;
		}
		return;
	}
}

void wire_tls_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_tls *t = &l->u.tls;
	t->ctype = wire_rd_u8(r);
	t->version = wire_rd_be16(r);
	uint16_t rlen = wire_rd_be16(r);
	t->hs_type = 0;
	t->hs_version = 0;
	t->sni = NULL;
	t->sni_len = 0;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	struct wire_rd rec = wire_rd_sub_upto(r, rlen);
	l->len = 5u + (uint32_t)wire_rd_left(&rec);
	if (t->ctype != 22)
		return;
	t->hs_type = wire_rd_u8(&rec);
	uint32_t hlen = wire_rd_be24(&rec);
	if (rec.err)
		return;
	if (t->hs_type == 1) {
		struct wire_rd b = wire_rd_sub_upto(&rec, hlen);
		client_hello(&b, t);
	}
	(void)d;
}

const struct wire_proto wire_proto_tls = {"tls", WIRE_L_TLS, wire_tls_decode};
