/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Display filters (`-Y EXPR`) in Wireshark's syntax for the common part:
 * field presence, == != < <= > >= (and eq ne lt le gt ge), === (all_eq),
 * ~= and !== (any_ne), contains, matches (POSIX extended regex, case
 * insensitive as Wireshark's), in {a, b, lo..hi}, && || ^^ ! (and or xor
 * not), parentheses, address and CIDR comparisons. A field that occurs more
 * than once (ip.addr, dns.a) matches when any occurrence does; != is
 * Wireshark 3.6+/4.0's "all not equal" (the same as !(a == b) when the field
 * is present); a comparison with an absent field is false.
 * wire_dfilter_compile() parses the text into a small AST (bounded: length,
 * depth, nodes, set elements) and checks every literal against its field's
 * type; wire_dfilter_match() evaluates it over a packet's decoded layers
 * (struct wire_dissect) through the field table (wire/fields.h).
 */
#ifndef WIRE_DFILTER_H
#define WIRE_DFILTER_H

#include <stddef.h>

#include "wire/dissect.h"
#include "wire/fields.h"

#define WIRE_DFILTER_LEN_MAX 4096u     /* bytes of expression text */
#define WIRE_DFILTER_DEPTH_MAX 64u     /* nesting of ( ) and ! */
#define WIRE_DFILTER_NODES_MAX 512u    /* AST nodes (tests, and/or/not) */
#define WIRE_DFILTER_LITS_MAX 512u     /* literals, set elements included */
#define WIRE_DFILTER_RE_MAX 32u        /* `matches` per expression */
#define WIRE_DFILTER_RE_DUP_MAX 255u   /* a count in a regex's {n,m} */
#define WIRE_DFILTER_RE_DUPS_MAX 1000u /* the counts of one regex added up */
#define WIRE_DFILTER_SLICE_MAX 65535u  /* a slice's offset or length */
#define WIRE_DFILTER_FN_MAX 4096u      /* bytes lower()/upper() look at */

struct wire_dfilter;

/* Compiles expr. Returns 0 with *out set, or -EINVAL with a message in why
 * (size n) and the byte offset of the error in *pos (0-based), or -ENOMEM. */
int wire_dfilter_compile(struct wire_dfilter **out, const char *expr, char *why, size_t n,
                         size_t *pos);

/* Returns 1 when the dissected packet d matches f, else 0. x supplies the
 * reserved fields (tcp.analysis.*); NULL: they are absent. */
int wire_dfilter_match(const struct wire_dfilter *f, const struct wire_dissect *d,
                       const struct wire_field_ext *x);

void wire_dfilter_free(struct wire_dfilter *f);

#endif
