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

struct node {
	uint8_t kind, op; /* op: the relation token of N_CMP */
	uint16_t a, b;    /* children */
	uint16_t lit, nlit;
	const struct wire_field *f;
	const char *name; /* NUL-terminated, in buf */
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
    {"===", T_ALLEQ}, {"!==", T_ANYNE}, {"==", T_EQ},  {"!=", T_NE},     {"~=", T_ANYNE},
    {"<=", T_LE},     {">=", T_GE},     {"&&", T_AND}, {"||", T_OR},     {"^^", T_XOR},
    {"<", T_LT},      {">", T_GT},      {"!", T_NOT},  {"~", T_MATCHES}, {"(", T_LP},
    {")", T_RP},      {"{", T_LB},      {"}", T_RB},   {",", T_COMMA},
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
	uint8_t ft = nd->f->type;
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
		            type_name(ft), nd->name);
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
		if (nd->f->type != WIRE_FT_UINT || parse_uint(s, k, &l->lo) < 0 ||
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
	if (lex(p) < 0 || nd->f->type != WIRE_FT_UINT || value(p, nd, &hi) < 0)
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
	uint8_t ft = nd->f->type;
	if (ft == WIRE_FT_NONE)
		return fail(p, opat, "%s is a protocol: it can only be tested for presence",
		            nd->name);
	if ((nd->op == T_CONTAINS || nd->op == T_MATCHES) && ft != WIRE_FT_STR &&
	    ft != WIRE_FT_BYTES && ft != WIRE_FT_MAC)
		return fail(p, opat, "%s is %s: '%.*s' wants a string or bytes field", nd->name,
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

/* FIELD [relop value | in {set}] */
static int test(struct ps *p)
{
	if (p->t != T_WORD)
		return fail(p, p->tpos,
		            p->t == T_END ? "the expression ends too early"
		                          : "a field name was expected here");
	size_t at = p->tpos, n = p->tlen;
	const struct wire_field *fl = wire_field_find(p->s + at, n);
	if (!fl)
		return fail(p, at, "unknown field '%.*s'", (int)(n > 64 ? 64 : n), p->s + at);
	int i = new_node(p, N_TEST);
	if (i < 0)
		return -1;
	struct node *nd = &p->f->nodes[i];
	nd->f = fl;
	nd->name = keep(p->f, p->s + at, n);
	if (lex(p) < 0)
		return -1;
	if (p->t < T_EQ || p->t > T_IN)
		return i;
	nd->kind = N_CMP;
	nd->op = (uint8_t)p->t;
	if (relation(p, nd, p->tpos) < 0)
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
	struct wire_fval v[WIRE_FIELD_VALUES_MAX];
};

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
	uint8_t ft = nd->f->type;
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

/* A comparison: any value matches (==, <, contains, in, ~=), or all do (!=,
 * ===); false when the field is absent. */
static int cmp(struct ev *e, const struct node *nd)
{
	unsigned n = wire_field_values(nd->f, nd->name, e->d, e->x, e->v, WIRE_FIELD_VALUES_MAX);
	int all = nd->op == T_NE || nd->op == T_ALLEQ;
	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		int r = rel1(e, nd, &e->v[i]);
		if (all && !r)
			return 0;
		if (!all && r)
			return 1;
	}
	return all;
}

static int eval(struct ev *e, uint16_t i)
{
	const struct node *nd = &e->f->nodes[i];
	switch (nd->kind) {
	case N_AND: return eval(e, nd->a) && eval(e, nd->b);
	case N_OR: return eval(e, nd->a) || eval(e, nd->b);
	case N_XOR: return eval(e, nd->a) != eval(e, nd->b);
	case N_NOT: return !eval(e, nd->a);
	case N_TEST: return wire_field_values(nd->f, nd->name, e->d, e->x, e->v, 1) > 0;
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
