/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The field table: Wireshark display-filter names (the ones --json emits)
 * mapped to typed values read straight from the decoded layers of struct
 * wire_dissect. wire_field_find() looks a name up; wire_field_values() yields
 * every occurrence of a field in one packet (ip.addr gives ip.src and ip.dst
 * of every IP layer, quoted ones included, as Wireshark does).
 * Reserved names: tcp.analysis.*, tcp.stream, udp.stream and tshark's
 * relative tcp.seq, tcp.ack, tcp.nxtseq and scaled tcp.window_size need state
 * across packets, so they are known but not decoded here; their values come
 * from an optional provider (struct wire_field_ext), and without one they are
 * absent.
 */
#ifndef WIRE_FIELDS_H
#define WIRE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/dissect.h"

#define WIRE_FIELD_VALUES_MAX 128u /* occurrences of one field kept per packet */

enum wire_ftype {
	WIRE_FT_NONE = 0, /* presence only: protocols, http.request */
	WIRE_FT_UINT,
	WIRE_FT_BOOL,
	WIRE_FT_STR,
	WIRE_FT_BYTES,
	WIRE_FT_MAC,
	WIRE_FT_IP4,
	WIRE_FT_IP6,
};

/* One value of a field. */
struct wire_fval {
	uint64_t u;       /* UINT, BOOL */
	const uint8_t *p; /* STR, BYTES, MAC: len bytes (into the packet or a); */
	uint32_t len;     /* IP4/IP6: address in a */
	uint8_t a[16];
};

struct wire_field {
	const char *name;
	uint8_t type; /* enum wire_ftype */
	uint16_t id;  /* index in the table */
};

/* Provider of the reserved fields: returns how many values of field name it
 * wrote into v (at most max), 0 when absent. */
struct wire_field_ext {
	unsigned (*get)(void *ctx, const struct wire_dissect *d, const char *name,
	                struct wire_fval *v, unsigned max);
	void *ctx;
};

/* Returns the field called name (len bytes), or NULL. */
const struct wire_field *wire_field_find(const char *name, size_t len);

/* Returns 1 when f is a reserved field (values from struct wire_field_ext). */
int wire_field_reserved(const struct wire_field *f);

/* Writes up to max values of field f (called name, NUL-terminated, which
 * matters for a reserved field) in packet d into v; returns the count. */
unsigned wire_field_values(const struct wire_field *f, const char *name,
                           const struct wire_dissect *d, const struct wire_field_ext *x,
                           struct wire_fval *v, unsigned max);

#endif
