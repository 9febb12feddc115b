/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Display filters (wire/dfilter.h). The text is lexed on the fly by a
 * recursive-descent parser with Wireshark's precedence (not > and > xor > or,
 * and, or and xor left-associative):
 *
 *   expr    := xor ( ('||' | 'or') xor )*
 *   xor     := and ( ('^^' | 'xor') and )*
 *   and     := unary ( ('&&' | 'and') unary )*
 *   unary   := ('!' | 'not') unary | '(' expr ')' | test
 *   test    := FIELD [ relop value | 'in' '{' elem (','? elem)* '}' ]
 *   elem    := value [ '..' value ]
 *   value   := WORD | "STRING"
 *
 * Nodes and literals live in fixed arrays of the filter; decoded strings and
 * field names in one buffer sized from the text's length cap, so compiling
 * allocates once (plus the regex_t of each `matches`). Evaluation recurses
 * over the tree (depth bounded by the node cap) and reads each field's values
 * through the field table into one scratch array per call.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/dfilter.h"
#include "wire/text.h"

enum tok {
	T_END = 0,
	T_WORD,
	T_STR,
	T_LP,
	T_RP,
	T_LB,
	T_RB,
	T_LBRK, /* [ of a slice */
	T_RBRK,
	T_COMMA,
	T_AND,
	T_OR,
	T_XOR,
	T_NOT,
	T_EQ,
	T_NE,
	T_ALLEQ,
	T_ANYNE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_CONTAINS,
	T_MATCHES,
	T_IN,
};

enum { N_AND = 0, N_OR, N_XOR, N_NOT, N_TEST, N_CMP };
enum { L_UINT = 0, L_RANGE, L_ADDR, L_BYTES, L_RE };

enum { FN_NONE = 0, FN_LEN, FN_LOWER, FN_UPPER };
#define SL_END UINT32_MAX /* a slice up to the value's end */

/* A side of a test: a field, maybe sliced ([off:len]), maybe in a function. */
struct opd {
	const struct wire_field *f;
	const char *name; /* NUL-terminated, in buf */
	uint8_t fn, sliced;
	uint8_t type; /* what is compared: the field's, bytes when sliced, a number for len() */
	int32_t off;  /* slice start, from the end when negative */
	uint32_t len; /* slice length, or SL_END */
};

struct node {
	uint8_t kind, op; /* op: the relation token of N_CMP */
	uint8_t rfield;   /* N_CMP against the field r instead of literals */
	uint16_t a, b;    /* children */
	uint16_t lit, nlit;
	struct opd l, r;
};

struct lit {
	uint8_t kind, plen; /* plen: CIDR prefix bits */
	uint16_t re;
	uint64_t lo, hi;
	uint32_t len;
	const uint8_t *p; /* L_BYTES: len bytes in buf */
	uint8_t a[16];    /* L_ADDR */
};

struct wire_dfilter {
	unsigned nn, nl, nre;
	size_t used;
	uint16_t root;
	struct node nodes[WIRE_DFILTER_NODES_MAX];
	struct lit lits[WIRE_DFILTER_LITS_MAX];
	regex_t re[WIRE_DFILTER_RE_MAX];
	char buf[2 * WIRE_DFILTER_LEN_MAX + 2];
};

/* The parser: the text, the current token and the error. */
struct ps {
	const char *s;
	size_t n, pos; /* pos: just past the current token */
	enum tok t;
	size_t tpos, tlen; /* current token's text */
	unsigned depth;
	struct wire_dfilter *f;
	char *why;
	size_t whyn, *errpos;
	int err;
};

static int fail(struct ps *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct ps *p, size_t at, const char *fmt, ...)
{
	if (!p->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->why, p->whyn, fmt, ap);
		va_end(ap);
		*p->errpos = at;
		p->err = 1;
	}
	return -1;
}

static int word_ch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

static const struct {
	const char *w;
	enum tok t;
} keywords[] = {
    {"and", T_AND},         {"or", T_OR},     {"xor", T_XOR},
    {"not", T_NOT},         {"eq", T_EQ},     {"any_eq", T_EQ},
    {"ne", T_NE},           {"all_ne", T_NE}, {"all_eq", T_ALLEQ},
    {"any_ne", T_ANYNE},    {"lt", T_LT},     {"le", T_LE},
    {"gt", T_GT},           {"ge", T_GE},     {"contains", T_CONTAINS},
    {"matches", T_MATCHES}, {"in", T_IN},
};

static const struct {
	const char *s;
	enum tok t;
} puncts[] = {
    /* longest first */
    {"===", T_ALLEQ}, {"!==", T_ANYNE}, {"==", T_EQ},  {"!=", T_NE},  {"~=", T_ANYNE}, {"<=", T_LE},
    {">=", T_GE},     {"&&", T_AND},    {"||", T_OR},  {"^^", T_XOR}, {"<", T_LT},     {">", T_GT},
    {"!", T_NOT},     {"~", T_MATCHES}, {"(", T_LP},   {")", T_RP},   {"{", T_LB},     {"}", T_RB},
    {",", T_COMMA},   {"[", T_LBRK},    {"]", T_RBRK},
};

/* A quoted string: finds its end (escapes are decoded later). */
static int lex_str(struct ps *p)
{
	size_t i = p->pos + 1;
	while (i < p->n && p->s[i] != '"') {
		if (p->s[i] == '\\')
			i++;
		i++;
	}
	if (i >= p->n)
		return fail(p, p->pos, "the string has no closing quote");
	p->t = T_STR;
	p->tlen = i + 1 - p->pos;
	return 0;
}

/* Reads the next token into p->t. Returns 0 or -1 (error set). */
static int lex(struct ps *p)
{
	while (p->pos < p->n && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
	p->tpos = p->pos;
	p->tlen = 0;
	if (p->pos >= p->n) {
		p->t = T_END;
		return 0;
	}
	const char *c = p->s + p->pos;
	if (*c == '"') {
		if (lex_str(p) < 0)
			return -1;
	} else if (word_ch(*c)) {
		size_t k = 0;
		while (p->pos + k < p->n && word_ch(c[k]))
			k++;
		p->t = T_WORD;
		p->tlen = k;
		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].w) == k && !strncasecmp(c, keywords[i].w, k))
				p->t = keywords[i].t;
	} else {
		for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]) && !p->tlen; i++) {
			size_t k = strlen(puncts[i].s);
			if (p->pos + k <= p->n && !memcmp(c, puncts[i].s, k)) {
				p->t = puncts[i].t;
				p->tlen = k;
			}
		}
		if (!p->tlen)
			return fail(p, p->pos, "unexpected character '%c'%s",
			            (*c > 0x20 && *c < 0x7f) ? *c : '?',
			            *c == '=' ? " (== compares)" : "");
	}
	p->pos += p->tlen;
	return 0;
}

/* Copies n bytes into the filter's buffer (NUL-terminated); returns them. */
static char *keep(struct wire_dfilter *f, const char *s, size_t n)
{
	char *d = f->buf + f->used;
	memcpy(d, s, n);
	d[n] = '\0';
	f->used += n + 1;
	return d;
}

/* Decodes the escapes of the string token at s (n bytes with the quotes)
 * into the buffer; returns the length, or -1. */
static long unquote(struct ps *p, size_t at, const char *s, size_t n, const uint8_t **out)
{
	uint8_t *d = (uint8_t *)p->f->buf + p->f->used, *o = d;
	for (size_t i = 1; i + 1 < n; i++) {
		char c = s[i];
		if (c != '\\') {
			*o++ = (uint8_t)c;
			continue;
		}
		c = s[++i];
		int h1, h2;
		if (c == 'n' || c == 't' || c == 'r' || c == '0') {
			*o++ = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : 0;
		} else if (c == 'x' && i + 2 < n - 1 && (h1 = wire_hexval(s[i + 1])) >= 0 &&
		           (h2 = wire_hexval(s[i + 2])) >= 0) {
			*o++ = (uint8_t)(h1 * 16 + h2);
			i += 2;
		} else if (c == '\\' || c == '"' || c == '\'') {
			*o++ = (uint8_t)c;
		} else {
			return fail(p, at + i - 1, "unknown escape '\\%c' in the string",
			            (c > 0x20 && c < 0x7f) ? c : '?');
		}
	}
	*o = 0;
	p->f->used += (size_t)(o - d) + 1;
	*out = d;
	return (long)(o - d);
}

/* Hex bytes: aa:bb:cc, aa-bb-cc, aabb.ccdd or aabbcc. Returns the count or -1. */
static long parse_bytes(const char *s, size_t n, uint8_t *out, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n) {
		int h1 = wire_hexval(s[i]), h2 = i + 1 < n ? wire_hexval(s[i + 1]) : -1;
		if (h1 < 0 || k >= max)
			return -1;
		if (h2 < 0) { /* one digit: "0:1:2" */
			out[k++] = (uint8_t)h1;
			i++;
		} else {
			out[k++] = (uint8_t)(h1 * 16 + h2);
			i += 2;
		}
		if (i < n && (s[i] == ':' || s[i] == '-' || s[i] == '.')) {
			if (++i == n)
				return -1;
		}
	}
	return k ? (long)k : -1;
}

/* An unsigned number in C syntax (0x hex, leading 0 octal, decimal). */
static int parse_uint(const char *s, size_t n, uint64_t *v)
{
	char b[32];
	if (n == 0 || n >= sizeof(b) || s[0] == '-')
		return -1;
	memcpy(b, s, n);
	b[n] = '\0';
	char *end;
	errno = 0;
	*v = strtoull(b, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_bool(const char *s, size_t n, uint64_t *v)
{
	if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 5 && !strncasecmp(s, "false", 5))) {
		*v = n == 4;
		return 0;
	}
	if (parse_uint(s, n, v) < 0)
		return -1;
	*v = *v != 0;
	return 0;
}

/* ADDR[/PREFIX] for a 4- or 16-byte address. */
static int parse_addr(const char *s, size_t n, int v6, struct lit *l)
{
	char b[64];
	size_t alen = n, max = v6 ? 128 : 32;
	const char *slash = memchr(s, '/', n);
	uint64_t plen = max;
	if (slash) {
		alen = (size_t)(slash - s);
		if (parse_uint(slash + 1, n - alen - 1, &plen) < 0 || plen > max ||
		    (slash[1] == '0' && n - alen - 1 > 1))
			return -1;
	}
	if (alen == 0 || alen >= sizeof(b))
		return -1;
	memcpy(b, s, alen);
	b[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, b, l->a) != 1)
		return -1;
	l->kind = L_ADDR;
	l->plen = (uint8_t)plen;
	return 0;
}

static const char *type_name(uint8_t t)
{
	static const char *const n[] = {"a protocol",      "a number",       "a boolean",
	                                "a string",        "a byte string",  "an Ethernet address",
	                                "an IPv4 address", "an IPv6 address"};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

/* Converts the current token (a value) to a literal for field f. */
static int value(struct ps *p, const struct node *nd, struct lit *l)
{
	const char *s = p->s + p->tpos;
	size_t n = p->tlen, at = p->tpos;
	uint8_t ft = nd->l.type;
	int ok = -1;
	memset(l, 0, sizeof(*l));
	if (p->t == T_STR) {
		long k = unquote(p, at, s, n, &l->p);
		if (k < 0)
			return -1;
		l->kind = L_BYTES;
		l->len = (uint32_t)k;
		if (ft == WIRE_FT_STR || ft == WIRE_FT_BYTES || ft == WIRE_FT_MAC)
			return 0;
		s = (const char *)l->p; /* a quoted number or address */
		n = l->len;
	} else if (p->t != T_WORD) {
		return fail(p, at, "a value was expected here");
	}
	switch (ft) {
	case WIRE_FT_UINT: ok = parse_uint(s, n, &l->lo); break;
	case WIRE_FT_BOOL: ok = parse_bool(s, n, &l->lo); break;
	case WIRE_FT_IP4: ok = parse_addr(s, n, 0, l); break;
	case WIRE_FT_IP6: ok = parse_addr(s, n, 1, l); break;
	case WIRE_FT_STR:
		l->kind = L_BYTES;
		l->p = (const uint8_t *)keep(p->f, s, n);
		l->len = (uint32_t)n;
		return 0;
	case WIRE_FT_BYTES:
	case WIRE_FT_MAC: {
		long k = parse_bytes(s, n, l->a, sizeof(l->a));
		ok = k < 0 ? -1 : 0;
		l->kind = L_BYTES;
		l->len = k < 0 ? 0 : (uint32_t)k;
		l->p = (const uint8_t *)keep(p->f, (const char *)l->a, l->len);
		break;
	}
	default: break;
	}
	if (ok < 0)
		return fail(p, at, "'%.*s' is not %s (the type of %s)", (int)(n > 64 ? 64 : n), s,
		            type_name(ft), nd->l.name);
	l->hi = l->lo;
	return 0;
}

static int new_lit(struct ps *p, struct lit **l)
{
	if (p->f->nl >= WIRE_DFILTER_LITS_MAX)
		return fail(p, p->tpos, "too many values (at most %u)", WIRE_DFILTER_LITS_MAX);
	*l = &p->f->lits[p->f->nl++];
	return 0;
}

/* One set element: a value or lo..hi (numbers). */
static int set_elem(struct ps *p, struct node *nd)
{
	struct lit *l = NULL;
	const char *s = p->s + p->tpos;
	const char *dd = p->t == T_WORD && p->tlen > 2 ? strstr(s, "..") : NULL;
	size_t at = p->tpos;
	if (new_lit(p, &l) < 0)
		return -1;
	if (dd && dd < s + p->tlen) { /* lo..hi in one word */
		size_t k = (size_t)(dd - s);
		if (nd->l.type != WIRE_FT_UINT || parse_uint(s, k, &l->lo) < 0 ||
		    parse_uint(dd + 2, p->tlen - k - 2, &l->hi) < 0)
			return fail(p, at, "a range lo..hi wants two numbers and a number field");
		l->kind = L_RANGE;
	} else if (value(p, nd, l) < 0) {
		return -1;
	}
	nd->nlit++;
	if (lex(p) < 0)
		return -1;
	if (p->t != T_WORD || p->tlen != 2 || memcmp(p->s + p->tpos, "..", 2))
		return 0;
	struct lit hi;
	if (lex(p) < 0 || nd->l.type != WIRE_FT_UINT || value(p, nd, &hi) < 0)
		return fail(p, p->tpos, "a range lo..hi wants two numbers and a number field");
	l->kind = L_RANGE;
	l->hi = hi.lo;
	return lex(p);
}

static int set(struct ps *p, struct node *nd)
{
	if (lex(p) < 0)
		return -1;
	if (p->t != T_LB)
		return fail(p, p->tpos, "'in' wants a set: {a, b, lo..hi}");
	if (lex(p) < 0)
		return -1;
	nd->lit = (uint16_t)p->f->nl;
	while (p->t != T_RB) {
		if (p->t == T_END)
			return fail(p, p->tpos, "the set has no closing '}'");
		if (set_elem(p, nd) < 0)
			return -1;
		if (p->t == T_COMMA && lex(p) < 0)
			return -1;
	}
	if (!nd->nlit)
		return fail(p, p->tpos, "the set is empty");
	return lex(p);
}

static int new_node(struct ps *p, uint8_t kind)
{
	if (p->f->nn >= WIRE_DFILTER_NODES_MAX)
		return fail(p, p->tpos, "the expression is too long (at most %u tests)",
		            WIRE_DFILTER_NODES_MAX);
	struct node *nd = &p->f->nodes[p->f->nn];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	return (int)p->f->nn++;
}

/* Skips a bracket expression starting at re[i] == '['; returns the index of
 * its closing ']' (or the end). */
static size_t re_bracket(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	while (re[i] && re[i] != ']') {
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
			const char *e = strchr(re + i + 2, ']');
			i = e ? (size_t)(e - re) : strlen(re) - 1;
		}
		i++;
	}
	return i;
}

/* Reads {n}, {n,} or {n,m} at re[i] == '{'; adds the largest count to *sum.
 * Returns the index of '}', or -1 when a count is over the bound. */
static long re_braces(const char *re, size_t i, unsigned *sum)
{
	unsigned v = 0, big = 0;
	for (i++; re[i] && re[i] != '}'; i++) {
		if (re[i] == ',') {
			v = 0;
			continue;
		}
		if (re[i] < '0' || re[i] > '9')
			return (long)i;
		v = v * 10 + (unsigned)(re[i] - '0');
		if (v > WIRE_DFILTER_RE_DUP_MAX)
			return -1;
		big = v > big ? v : big;
	}
	*sum += big;
	return re[i] ? (long)i : (long)i - 1;
}

/* Returns 1 when regcomp can be given re: glibc builds the automaton of a
 * repeated repetition (a++++, a{200}{200}) in exponential memory, so a
 * quantifier right after another one, a count over RE_DUP_MAX and counts
 * adding up over RE_DUPS_MAX are refused. */
static int re_sane(const char *re)
{
	unsigned sum = 0;
	int prevq = 0;
	for (size_t i = 0; re[i]; i++) {
		int q = re[i] == '*' || re[i] == '+' || re[i] == '?' || re[i] == '{';
		if (q && prevq)
			return 0;
		if (re[i] == '\\' && re[i + 1])
			i++;
		else if (re[i] == '[')
			i = re_bracket(re, i);
		else if (re[i] == '{') {
			long e = re_braces(re, i, &sum);
			if (e < 0 || sum > WIRE_DFILTER_RE_DUPS_MAX)
				return 0;
			i = (size_t)e;
		}
		prevq = q;
		if (!re[i])
			break;
	}
	return 1;
}

/* The relation's operand check and its literal. */
static int relation(struct ps *p, struct node *nd, size_t opat)
{
	uint8_t ft = nd->l.type;
	if (ft == WIRE_FT_NONE)
		return fail(p, opat, "%s is a protocol: it can only be tested for presence",
		            nd->l.name);
	if ((nd->op == T_CONTAINS || nd->op == T_MATCHES) && ft != WIRE_FT_STR &&
	    ft != WIRE_FT_BYTES && ft != WIRE_FT_MAC)
		return fail(p, opat, "%s is %s: '%.*s' wants a string or bytes field", nd->l.name,
		            type_name(ft), (int)(p->pos - opat), p->s + opat);
	if (nd->op == T_IN)
		return set(p, nd);
	struct lit *l = NULL;
	if (lex(p) < 0 || new_lit(p, &l) < 0)
		return -1;
	nd->lit = (uint16_t)(p->f->nl - 1);
	nd->nlit = 1;
	if (nd->op == T_MATCHES) {
		if (p->t != T_STR)
			return fail(p, p->tpos, "'matches' wants a quoted regular expression");
		if (value(p, nd, l) < 0)
			return -1;
		if (p->f->nre >= WIRE_DFILTER_RE_MAX)
			return fail(p, p->tpos, "too many 'matches' (at most %u)",
			            WIRE_DFILTER_RE_MAX);
		if (!re_sane((const char *)l->p))
			return fail(p, p->tpos,
			            "regular expression refused: a repeated repetition, or "
			            "counts over %u",
			            WIRE_DFILTER_RE_DUP_MAX);
		if (regcomp(&p->f->re[p->f->nre], (const char *)l->p,
		            REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			return fail(p, p->tpos, "bad regular expression");
		l->kind = L_RE;
		l->re = (uint16_t)p->f->nre++;
	} else if (value(p, nd, l) < 0) {
		return -1;
	}
	return lex(p);
}

/* A signed slice bound of the text s (n bytes); -1 when it is not one. */
static int slice_num(const char *s, size_t n, int32_t *v)
{
	int neg = n > 0 && s[0] == '-';
	uint64_t u;
	if (parse_uint(s + neg, n - (size_t)neg, &u) < 0 || u > WIRE_DFILTER_SLICE_MAX)
		return -1;
	*v = neg ? -(int32_t)u : (int32_t)u;
	return 0;
}

/* The text of a slice, as Wireshark's: i:j (start, length), i-j (start, end
 * inclusive), i (one byte), i: (to the end), :j (the first j). */
static int slice_text(const char *s, size_t n, struct opd *o)
{
	const char *c = memchr(s, ':', n), *d = n > 1 ? memchr(s + 1, '-', n - 1) : NULL;
	int32_t a = 0, b = 0;
	o->len = 1;
	if (c) {
		size_t k = (size_t)(c - s);
		if ((k && slice_num(s, k, &a) < 0) ||
		    (n - k - 1 && (slice_num(c + 1, n - k - 1, &b) < 0 || b <= 0)))
			return -1;
		o->len = n - k - 1 ? (uint32_t)b : SL_END;
	} else if (d) {
		size_t k = (size_t)(d - s);
		if (slice_num(s, k, &a) < 0 || slice_num(d + 1, n - k - 1, &b) < 0 || a < 0 ||
		    b < a)
			return -1;
		o->len = (uint32_t)(b - a + 1);
	} else if (slice_num(s, n, &a) < 0) {
		return -1;
	}
	o->off = a;
	o->sliced = 1;
	return 0;
}

/* [slice] after a field; the current token is '['. */
static int slice(struct ps *p, struct opd *o)
{
	uint8_t t = o->f->type;
	if (t != WIRE_FT_STR && t != WIRE_FT_BYTES && t != WIRE_FT_MAC && t != WIRE_FT_IP4 &&
	    t != WIRE_FT_IP6)
		return fail(p, p->tpos, "%s is %s: it cannot be sliced", o->name, type_name(t));
	if (lex(p) < 0)
		return -1;
	if (p->t != T_WORD || slice_text(p->s + p->tpos, p->tlen, o) < 0)
		return fail(p, p->tpos, "a slice is [i:len], [i-j], [i], [i:] or [:len]");
	if (lex(p) < 0)
		return -1;
	if (p->t != T_RBRK)
		return fail(p, p->tpos, "']' was expected here");
	o->type = WIRE_FT_BYTES;
	return lex(p);
}

/* FIELD or FIELD[slice]; the current token is the field's name. */
static int field_ref(struct ps *p, struct opd *o)
{
	if (p->t != T_WORD)
		return fail(p, p->tpos,
		            p->t == T_END ? "the expression ends too early"
		                          : "a field name was expected here");
	size_t at = p->tpos, n = p->tlen;
	const struct wire_field *fl = wire_field_find(p->s + at, n);
	if (!fl)
		return fail(p, at, "unknown field '%.*s'", (int)(n > 64 ? 64 : n), p->s + at);
	o->f = fl;
	o->type = fl->type;
	o->name = keep(p->f, p->s + at, n);
	if (lex(p) < 0)
		return -1;
	return p->t == T_LBRK ? slice(p, o) : 0;
}

/* The function named by the current word, or FN_NONE. */
static uint8_t function(const struct ps *p)
{
	static const char *const names[] = {"len", "lower", "upper"};
	size_t q = p->pos;
	while (q < p->n && strchr(" \t\r\n", p->s[q]))
		q++;
	if (p->t != T_WORD || q >= p->n || p->s[q] != '(')
		return FN_NONE;
	for (uint8_t i = 0; i < 3; i++)
		if (strlen(names[i]) == p->tlen && !strncasecmp(names[i], p->s + p->tpos, p->tlen))
			return (uint8_t)(FN_LEN + i);
	return FN_NONE;
}

/* len(X), lower(X), upper(X); the current token is the function's name. */
static int call(struct ps *p, struct opd *o, uint8_t fn)
{
	size_t at = p->tpos;
	if (lex(p) < 0 || lex(p) < 0 || field_ref(p, o) < 0) /* the name, then '(' */
		return -1;
	if (p->t != T_RP)
		return fail(p, p->tpos, "')' was expected here");
	uint8_t t = o->type;
	if (fn == FN_LEN && t != WIRE_FT_STR && t != WIRE_FT_BYTES && t != WIRE_FT_MAC &&
	    t != WIRE_FT_IP4 && t != WIRE_FT_IP6)
		return fail(p, at, "len() wants a string, bytes or address field, not %s",
		            type_name(t));
	if (fn != FN_LEN && t != WIRE_FT_STR)
		return fail(p, at, "%s() wants a string field, not %s",
		            fn == FN_LOWER ? "lower" : "upper", type_name(t));
	o->fn = fn;
	o->type = fn == FN_LEN ? WIRE_FT_UINT : WIRE_FT_STR;
	return lex(p);
}

/* A side of a test: FIELD, FIELD[slice] or FUNCTION(FIELD...). */
static int operand(struct ps *p, struct opd *o)
{
	uint8_t fn = function(p);
	return fn ? call(p, o, fn) : field_ref(p, o);
}

/* The class of a type for comparing two fields: numbers, bytes, IPv4, IPv6. */
static int klass(uint8_t t)
{
	return t == WIRE_FT_UINT || t == WIRE_FT_BOOL                       ? 1
	       : t == WIRE_FT_STR || t == WIRE_FT_BYTES || t == WIRE_FT_MAC ? 2
	                                                                    : t;
}

/* Whether the current token starts a field (or function) as a right side. */
static int field_next(const struct ps *p)
{
	return p->t == T_WORD && (function(p) || wire_field_find(p->s + p->tpos, p->tlen));
}

/* relop FIELD: a comparison of two fields (the current token is the field). */
static int field_relation(struct ps *p, struct node *nd, size_t opat)
{
	size_t at = p->tpos;
	if (nd->op == T_MATCHES || nd->op == T_IN)
		return fail(p, opat, "'%.*s' wants a value, not a field", (int)(at - opat),
		            p->s + opat);
	if (operand(p, &nd->r) < 0)
		return -1;
	if (nd->r.type == WIRE_FT_NONE || klass(nd->r.type) != klass(nd->l.type))
		return fail(p, at, "%s (%s) and %s (%s) cannot be compared", nd->l.name,
		            type_name(nd->l.type), nd->r.name, type_name(nd->r.type));
	if (nd->op == T_CONTAINS && klass(nd->l.type) != 2)
		return fail(p, opat, "'contains' wants string or bytes fields");
	nd->rfield = 1;
	return 0;
}

/* OPERAND [relop value | relop OPERAND | in {set}] */
static int test(struct ps *p)
{
	int i = new_node(p, N_TEST);
	if (i < 0)
		return -1;
	struct node *nd = &p->f->nodes[i];
	size_t at = p->tpos;
	if (operand(p, &nd->l) < 0)
		return -1;
	if (p->t < T_EQ || p->t > T_IN) {
		if (nd->l.fn)
			return fail(p, at, "a function's value needs a comparison");
		return i;
	}
	nd->kind = N_CMP;
	nd->op = (uint8_t)p->t;
	size_t opat = p->tpos;
	if (nd->l.type == WIRE_FT_NONE)
		return fail(p, opat, "%s is a protocol: it can only be tested for presence",
		            nd->l.name);
	if (nd->op != T_IN) { /* a field on the right, or back to the operator */
		struct ps at_op = *p;
		if (lex(p) < 0)
			return -1;
		if (field_next(p))
			return field_relation(p, nd, opat) < 0 ? -1 : i;
		*p = at_op;
	}
	if (relation(p, nd, opat) < 0)
		return -1;
	return i;
}

static int expr(struct ps *p);

static int unary(struct ps *p)
{
	if (p->t != T_NOT && p->t != T_LP)
		return test(p);
	if (++p->depth > WIRE_DFILTER_DEPTH_MAX)
		return fail(p, p->tpos, "nested too deeply (at most %u levels)",
		            WIRE_DFILTER_DEPTH_MAX);
	enum tok t = p->t;
	size_t open = p->tpos;
	int a, i = -1;
	if (lex(p) < 0)
		return -1;
	if (t == T_NOT) {
		if ((a = unary(p)) < 0 || (i = new_node(p, N_NOT)) < 0)
			return -1;
		p->f->nodes[i].a = (uint16_t)a;
	} else {
		if ((i = expr(p)) < 0)
			return -1;
		if (p->t != T_RP)
			return fail(p, p->t == T_END ? open : p->tpos,
			            p->t == T_END ? "this '(' is not closed"
			                          : "')' was expected here");
		if (lex(p) < 0)
			return -1;
	}
	p->depth--;
	return i;
}

/* One level of binary operators: next (op next)*, left-associative. */
static int binary(struct ps *p, int (*next)(struct ps *), enum tok op, uint8_t kind)
{
	int a = next(p);
	while (a >= 0 && p->t == op) {
		if (lex(p) < 0)
			return -1;
		int b = next(p), i;
		if (b < 0 || (i = new_node(p, kind)) < 0)
			return -1;
		p->f->nodes[i].a = (uint16_t)a;
		p->f->nodes[i].b = (uint16_t)b;
		a = i;
	}
	return a;
}

static int and_(struct ps *p)
{
	return binary(p, unary, T_AND, N_AND);
}

static int xor_(struct ps *p)
{
	return binary(p, and_, T_XOR, N_XOR);
}

static int expr(struct ps *p)
{
	return binary(p, xor_, T_OR, N_OR);
}

int wire_dfilter_compile(struct wire_dfilter **out, const char *s, char *why, size_t n, size_t *pos)
{
	size_t len = strlen(s);
	*out = NULL;
	*pos = 0;
	if (len > WIRE_DFILTER_LEN_MAX) {
		snprintf(why, n, "the expression is longer than %u bytes", WIRE_DFILTER_LEN_MAX);
		*pos = WIRE_DFILTER_LEN_MAX;
		return -EINVAL;
	}
	struct wire_dfilter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	struct ps p = {.s = s, .n = len, .f = f, .why = why, .whyn = n, .errpos = pos};
	int root = lex(&p) < 0 ? -1 : expr(&p);
	if (root >= 0 && p.t != T_END)
		root = fail(&p, p.tpos,
		            p.t == T_RP ? "this ')' has no '('" : "'&&' or '||' was expected here");
	if (root < 0) {
		wire_dfilter_free(f);
		return -EINVAL;
	}
	f->root = (uint16_t)root;
	*out = f;
	return 0;
}

void wire_dfilter_free(struct wire_dfilter *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->nre; i++)
		regfree(&f->re[i]);
	free(f);
}

/* ---- evaluation ------------------------------------------------------- */

struct ev {
	const struct wire_dfilter *f;
	const struct wire_dissect *d;
	const struct wire_field_ext *x;
	struct wire_fval v[WIRE_FIELD_VALUES_MAX], w[WIRE_FIELD_VALUES_MAX];
	uint8_t fb[2][WIRE_DFILTER_FN_MAX]; /* lower()/upper() of a value, each side */
};

/* Value v of operand o's field through its slice and function into *out
 * (lower/upper into buf). Returns 0 when the slice is out of the value. */
static int apply(const struct opd *o, const struct wire_fval *v, struct wire_fval *out,
                 uint8_t *buf)
{
	uint8_t t = o->f->type;
	if (!o->sliced && !o->fn) {
		*out = *v;
		return 1;
	}
	const uint8_t *b = (t == WIRE_FT_IP4 || t == WIRE_FT_IP6) ? v->a : v->p;
	uint32_t n = v->len;
	if (o->sliced) {
		int64_t start = o->off < 0 ? (int64_t)n + o->off : o->off;
		uint64_t k = o->len == SL_END ? (uint64_t)(n - (start < 0 ? 0 : start)) : o->len;
		if (start < 0 || (uint64_t)start + k > n ||
		    (o->len == SL_END && (uint64_t)start > n))
			return 0;
		b += start;
		n = (uint32_t)k;
	}
	memset(out, 0, sizeof(*out));
	out->p = b;
	out->len = n;
	if (t == WIRE_FT_IP4 || t == WIRE_FT_IP6) { /* v may be a copy that goes away */
		memcpy(out->a, b, n);
		out->p = out->a;
	}
	if (o->fn == FN_LEN) {
		out->u = n;
	} else if (o->fn) {
		out->len = n < WIRE_DFILTER_FN_MAX ? n : WIRE_DFILTER_FN_MAX;
		for (uint32_t i = 0; i < out->len; i++)
			buf[i] = (uint8_t)(o->fn == FN_LOWER ? tolower(b[i]) : toupper(b[i]));
		out->p = buf;
	}
	return 1;
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* Address a against literal l: 0 when a is in l's prefix, else the order. */
static int addr_cmp(const uint8_t *a, const struct lit *l, size_t alen)
{
	unsigned bits = l->plen;
	for (size_t i = 0; i < alen; i++) {
		unsigned keep = bits >= 8 ? 8 : bits;
		uint8_t m = (uint8_t)(0xffu << (8 - keep));
		bits -= keep;
		if ((a[i] & m) != (l->a[i] & m))
			return (a[i] & m) < (l->a[i] & m) ? -1 : 1;
	}
	return 0;
}

/* Orders value v of a field of type ft against literal l (<0, 0, >0). */
static int order(uint8_t ft, const struct wire_fval *v, const struct lit *l)
{
	switch (ft) {
	case WIRE_FT_UINT:
	case WIRE_FT_BOOL: return (v->u > l->lo) - (v->u < l->lo);
	case WIRE_FT_IP4: return addr_cmp(v->a, l, 4);
	case WIRE_FT_IP6: return addr_cmp(v->a, l, 16);
	default: return bytes_cmp(v->p, v->len, l->p, l->len);
	}
}

static int contains(const struct wire_fval *v, const struct lit *l)
{
	if (l->len == 0)
		return 1;
	return v->len >= l->len && memmem(v->p, v->len, l->p, l->len) != NULL;
}

static int re_hit(const regex_t *re, const struct wire_fval *v)
{
	regmatch_t m[1];
	static const char empty[1];
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)v->len;
	return regexec(re, v->p ? (const char *)v->p : empty, 0, m, REG_STARTEND) == 0;
}

/* One value against the relation of node nd. */
static int rel1(const struct ev *e, const struct node *nd, const struct wire_fval *v)
{
	const struct lit *l = &e->f->lits[nd->lit];
	uint8_t ft = nd->l.type;
	switch (nd->op) {
	case T_EQ:
	case T_ALLEQ: return order(ft, v, l) == 0;
	case T_NE:
	case T_ANYNE: return order(ft, v, l) != 0;
	case T_LT: return order(ft, v, l) < 0;
	case T_LE: return order(ft, v, l) <= 0;
	case T_GT: return order(ft, v, l) > 0;
	case T_GE: return order(ft, v, l) >= 0;
	case T_CONTAINS: return contains(v, l);
	case T_MATCHES: return re_hit(&e->f->re[l->re], v);
	case T_IN:
		for (unsigned k = 0; k < nd->nlit; k++, l++)
			if (l->kind == L_RANGE ? v->u >= l->lo && v->u <= l->hi
			                       : order(ft, v, l) == 0)
				return 1;
		return 0;
	default: return 0;
	}
}

/* Two values of comparable types against each other (<0, 0, >0). */
static int order2(uint8_t t, const struct wire_fval *a, const struct wire_fval *b)
{
	switch (t) {
	case WIRE_FT_UINT:
	case WIRE_FT_BOOL: return (a->u > b->u) - (a->u < b->u);
	case WIRE_FT_IP4: return memcmp(a->a, b->a, 4);
	case WIRE_FT_IP6: return memcmp(a->a, b->a, 16);
	default: return bytes_cmp(a->p, a->len, b->p, b->len);
	}
}

static int rel2(const struct node *nd, const struct wire_fval *a, const struct wire_fval *b)
{
	if (nd->op == T_CONTAINS)
		return !b->len || (a->len >= b->len && memmem(a->p, a->len, b->p, b->len) != NULL);
	int c = order2(nd->l.type, a, b);
	switch (nd->op) {
	case T_EQ:
	case T_ALLEQ: return c == 0;
	case T_NE:
	case T_ANYNE: return c != 0;
	case T_LT: return c < 0;
	case T_LE: return c <= 0;
	case T_GT: return c > 0;
	default: return c >= 0;
	}
}

/* The values of operand o (sliced, through its function) into out; the
 * count. */
static unsigned values(struct ev *e, const struct opd *o, struct wire_fval *out, unsigned side)
{
	unsigned n = wire_field_values(o->f, o->name, e->d, e->x, out, WIRE_FIELD_VALUES_MAX),
	         k = 0;
	if (!o->sliced && !o->fn)
		return n;
	for (unsigned i = 0; i < n; i++) {
		struct wire_fval v = out[i];
		if (o->fn > FN_LEN && k > 0)
			break; /* right of a comparison, lower()/upper(): the first value */
		if (apply(o, &v, &out[k], e->fb[side]))
			k++;
	}
	return k;
}

/* A comparison: any value matches (==, <, contains, in, ~=), or all do (!=,
 * ===); false when the field is absent. Two fields: any or all pairs. The
 * left values go through their slice and function one at a time. */
static int cmp(struct ev *e, const struct node *nd)
{
	unsigned n =
	    wire_field_values(nd->l.f, nd->l.name, e->d, e->x, e->v, WIRE_FIELD_VALUES_MAX);
	unsigned m = nd->rfield && n ? values(e, &nd->r, e->w, 1) : 1, seen = 0;
	int all = nd->op == T_NE || nd->op == T_ALLEQ;
	for (unsigned i = 0; i < n && m; i++) {
		struct wire_fval v;
		if (!apply(&nd->l, &e->v[i], &v, e->fb[0]))
			continue;
		seen++;
		for (unsigned j = 0; j < m; j++) {
			int r = nd->rfield ? rel2(nd, &v, &e->w[j]) : rel1(e, nd, &v);
			if (all == !r)
				return !all;
		}
	}
	return seen ? all : 0;
}

static int eval(struct ev *e, uint16_t i)
{
	const struct node *nd = &e->f->nodes[i];
	switch (nd->kind) {
	case N_AND: return eval(e, nd->a) && eval(e, nd->b);
	case N_OR: return eval(e, nd->a) || eval(e, nd->b);
	case N_XOR: return eval(e, nd->a) != eval(e, nd->b);
	case N_NOT: return !eval(e, nd->a);
	case N_TEST:
		if (!nd->l.sliced)
			return wire_field_values(nd->l.f, nd->l.name, e->d, e->x, e->v, 1) > 0;
		return values(e, &nd->l, e->v, 0) > 0;
	default: return cmp(e, nd);
	}
}

int wire_dfilter_match(const struct wire_dfilter *f, const struct wire_dissect *d,
                       const struct wire_field_ext *x)
{
	struct ev e;
	e.f = f;
	e.d = d;
	e.x = x;
	return eval(&e, f->root);
}
