/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Application message framing on reassembled TCP data (wire/streamdec.h).
 * One state per stream direction, found through a chained hash of stream
 * numbers; a direction's buffer is allocated when a message needs one and
 * freed when the direction ends. Nothing is allocated per segment.
 */
#include "wire/streamdec.h"

#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"

enum proto { P_UNKNOWN = 0, P_HTTP, P_DNS, P_TLS, P_NONE };

enum phase {
	H_HEAD = 0, /* HTTP: the head, into buf */
	H_LEN,      /* body of left bytes */
	H_CSIZE,    /* chunk-size line */
	H_CDATA,    /* chunk data of left bytes */
	H_CCRLF,    /* the line end after chunk data */
	H_TRAILER,  /* trailer lines up to an empty one */
	H_CLOSE,    /* body until the direction ends */
};

struct dir {
	uint8_t proto, phase, ccs, skip;
	uint8_t line_len; /* H_CSIZE / H_TRAILER: bytes of the current line */
	uint8_t hdr_n;    /* TLS: record header bytes in hdr */
	uint8_t hdr[5];
	char line[24]; /* chunk-size line, start */
	uint64_t left; /* body bytes, chunk bytes, TLS record bytes */
	uint8_t *buf;  /* message bytes */
	size_t used, cap;
	size_t scan; /* HTTP head: where to look for the empty line next */
};

struct sstate {
	struct sstate *next;
	uint32_t stream;
	uint8_t ended;      /* bit per direction */
	uint8_t heads;      /* HEAD requests waiting for their response (up to 64) */
	uint64_t head_bits; /* bit i: request i in order was a HEAD (LSB first) */
	uint16_t port[2];
	struct dir d[2];
};

struct wire_streamdec {
	wire_streamdec_cb cb;
	void *ud;
	struct sstate *b[WIRE_STREAMDEC_BUCKETS];
	struct wire_streamdec_stats st;
};

struct wire_streamdec *wire_streamdec_new(wire_streamdec_cb cb, void *ud)
{
	struct wire_streamdec *s = calloc(1, sizeof(*s));
	if (s) {
		s->cb = cb;
		s->ud = ud;
	}
	return s;
}

static struct sstate **slot(struct wire_streamdec *s, uint32_t id)
{
	struct sstate **pp = &s->b[id % WIRE_STREAMDEC_BUCKETS];
	while (*pp && (*pp)->stream != id)
		pp = &(*pp)->next;
	return pp;
}

static void dir_reset(struct wire_streamdec *s, struct dir *d)
{
	s->st.mem -= d->cap;
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

static void drop(struct wire_streamdec *s, struct sstate **pp)
{
	struct sstate *t = *pp;
	dir_reset(s, &t->d[0]);
	dir_reset(s, &t->d[1]);
	*pp = t->next;
	free(t);
}

/* Makes room for n more bytes in d->buf. Returns 0, or -1 (counted) when the
 * message would pass its cap or the total. */
static int room(struct wire_streamdec *s, struct dir *d, size_t n)
{
	if (d->used + n <= d->cap)
		return 0;
	if (d->used + n > WIRE_STREAMDEC_MSG_MAX) {
		s->st.oversize++;
		return -1;
	}
	size_t c = d->cap ? d->cap : 512;
	while (c < d->used + n)
		c *= 2;
	if (c > WIRE_STREAMDEC_MSG_MAX)
		c = WIRE_STREAMDEC_MSG_MAX;
	uint8_t *nb = s->st.mem - d->cap + c > WIRE_STREAMDEC_TOTAL_MAX ? NULL : realloc(d->buf, c);
	if (!nb) {
		s->st.nomem++;
		return -1;
	}
	s->st.mem = s->st.mem - d->cap + c;
	if (s->st.mem > s->st.mem_peak)
		s->st.mem_peak = s->st.mem;
	d->buf = nb;
	d->cap = c;
	return 0;
}

static int append(struct wire_streamdec *s, struct dir *d, const uint8_t *p, size_t n)
{
	if (room(s, d, n) < 0)
		return -1;
	memcpy(d->buf + d->used, p, n);
	d->used += n;
	return 0;
}

static void emit(struct wire_streamdec *s, const struct sstate *t, int dir, uint8_t kind,
                 const uint8_t *p, size_t n)
{
	struct wire_streamdec_msg m = {t->stream, (uint8_t)dir, kind, p, n};
	s->st.messages++;
	s->cb(s->ud, &m);
}

/* Gives the direction up: nothing more is framed until a gap. */
static void give_up(struct wire_streamdec *s, struct dir *d)
{
	uint8_t *b = d->buf;
	size_t cap = d->cap;
	memset(d, 0, sizeof(*d));
	d->buf = b;
	d->cap = cap;
	d->proto = P_NONE;
	s->st.abandoned++;
}

static int starts(const uint8_t *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k ? !memcmp(p, w, k) : !memcmp(p, w, n);
}

/* Chooses a direction's protocol from its first bytes: P_UNKNOWN while too
 * few bytes say. */
static uint8_t detect(const struct sstate *t, const uint8_t *p, size_t n)
{
	static const char *const m[] = {"GET ",     "POST ",  "HEAD ",    "PUT ",   "DELETE ",
	                                "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "HTTP/1."};
	if (t->port[0] == 53 || t->port[1] == 53)
		return P_DNS;
	int maybe = 0;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (starts(p, n, m[i])) {
			if (n >= strlen(m[i]))
				return P_HTTP;
			maybe = 1;
		}
	if (maybe)
		return P_UNKNOWN;
	if (p[0] >= 20 && p[0] <= 24 && (n < 2 || p[1] == 3))
		return n >= 2 ? P_TLS : P_UNKNOWN;
	return P_NONE;
}

/* ---- HTTP ---------------------------------------------------------------- */

static int ieq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)b[i])
			return 0;
	}
	return 1;
}

/* Reads the framing headers of the head in d->buf: *clen (-1 none),
 * *chunked. */
static void head_fields(const struct dir *d, int64_t *clen, int *chunked)
{
	*clen = -1;
	*chunked = 0;
	const uint8_t *p = d->buf, *end = d->buf + d->used;
	const uint8_t *ln = memchr(p, '\n', d->used);
	for (unsigned i = 0; ln && i < WIRE_HTTP_HEADER_LINES_MAX; i++) {
		p = ln + 1;
		ln = memchr(p, '\n', (size_t)(end - p));
		size_t n = ln ? (size_t)(ln - p) : 0;
		if (n >= 15 && ieq(p, "content-length:", 15)) {
			int64_t v = 0;
			size_t k = 15;
			while (k < n && (p[k] == ' ' || p[k] == '\t'))
				k++;
			int digits = 0;
			for (; k < n && p[k] >= '0' && p[k] <= '9' && v < (INT64_MAX - 9) / 10; k++)
				v = v * 10 + (p[k] - '0'), digits = 1;
			if (digits)
				*clen = v;
		} else if (n >= 18 && ieq(p, "transfer-encoding:", 18)) {
			for (size_t k = 18; k + 7 <= n; k++)
				if (ieq(p + k, "chunked", 7))
					*chunked = 1;
		}
	}
}

/* Emits the head in d->buf and starts the next message. */
static void http_done(struct wire_streamdec *s, struct sstate *t, int dir)
{
	struct dir *d = &t->d[dir];
	emit(s, t, dir, WIRE_L_HTTP, d->buf, d->used);
	d->used = d->scan = 0;
	d->phase = H_HEAD;
	d->left = 0;
}

/* The head is complete: sets the body's framing (or completes the message). */
static void http_head(struct wire_streamdec *s, struct sstate *t, int dir)
{
	struct dir *d = &t->d[dir];
	int64_t clen;
	int chunked;
	head_fields(d, &clen, &chunked);
	int resp = d->used >= 5 && !memcmp(d->buf, "HTTP/", 5);
	if (!resp && t->heads < 64) {
		if (d->used >= 5 && !memcmp(d->buf, "HEAD ", 5))
			t->head_bits |= (uint64_t)1 << t->heads;
		t->heads++;
	}
	int nobody = 0;
	if (resp) {
		unsigned code = 0;
		const uint8_t *sp = memchr(d->buf, ' ', d->used);
		if (sp && (size_t)(sp - d->buf) + 4 <= d->used)
			code = (unsigned)(sp[1] - '0') * 100 + (unsigned)(sp[2] - '0') * 10 +
			       (unsigned)(sp[3] - '0');
		int was_head = t->heads ? (int)(t->head_bits & 1) : 0;
		if (code >= 200 && t->heads) {
			t->head_bits >>= 1;
			t->heads--;
		}
		nobody = (code >= 100 && code < 200) || code == 204 || code == 304 || was_head;
	}
	if (nobody || (!chunked && clen <= 0 && !resp)) {
		http_done(s, t, dir);
	} else if (chunked) {
		d->phase = H_CSIZE;
		d->line_len = 0;
	} else if (clen >= 0) {
		d->left = (uint64_t)clen;
		d->phase = H_LEN;
		if (clen == 0)
			http_done(s, t, dir);
	} else {
		d->phase = H_CLOSE;
	}
}

/* HTTP head bytes: returns how many of p were taken (n while the head goes on). */
static size_t http_head_bytes(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p,
                              size_t n)
{
	struct dir *d = &t->d[dir];
	size_t old = d->used;
	size_t k = n;
	if (old + k > WIRE_STREAMDEC_MSG_MAX)
		k = WIRE_STREAMDEC_MSG_MAX - old;
	if (k == 0 || append(s, d, p, k) < 0) {
		give_up(s, d);
		return n;
	}
	size_t i = d->scan;
	for (; i < d->used; i++) {
		if (d->buf[i] != '\n')
			continue;
		if ((i >= 1 && d->buf[i - 1] == '\n') ||
		    (i >= 2 && d->buf[i - 1] == '\r' && d->buf[i - 2] == '\n')) {
			d->used = i + 1;
			http_head(s, t, dir);
			return i + 1 - old;
		}
	}
	d->scan = i;
	if (d->used >= WIRE_STREAMDEC_MSG_MAX) {
		s->st.oversize++;
		give_up(s, d);
	}
	return n;
}

/* Parses the chunk-size line in d->line. Returns 0 or -1. */
static int chunk_size(struct dir *d)
{
	uint64_t v = 0;
	int digits = 0;
	for (size_t i = 0; i < d->line_len; i++) {
		char c = d->line[i];
		unsigned x = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (x == 16)
			break;
		if (++digits > (int)WIRE_HTTP_CHUNK_DIGITS_MAX - 1)
			return -1;
		v = v * 16 + x;
	}
	if (!digits)
		return -1;
	d->left = v;
	return 0;
}

/* Bytes of a line (chunk size, CRLF, trailer): returns how many were taken. */
static size_t http_line(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p,
                        size_t n)
{
	struct dir *d = &t->d[dir];
	const uint8_t *lf = memchr(p, '\n', n);
	size_t k = lf ? (size_t)(lf - p) : n;
	for (size_t i = 0; i < k; i++) {
		if (p[i] == '\r')
			continue;
		if (d->line_len < sizeof(d->line))
			d->line[d->line_len] = (char)p[i];
		if (d->line_len < 255)
			d->line_len++;
	}
	if (!lf)
		return n;
	uint8_t len = d->line_len;
	d->line_len = 0;
	if (d->phase == H_CCRLF) {
		d->phase = H_CSIZE;
	} else if (d->phase == H_CSIZE) {
		d->line_len = len;
		if (len > sizeof(d->line))
			d->line_len = sizeof(d->line);
		int rc = chunk_size(d);
		d->line_len = 0;
		if (rc < 0) {
			give_up(s, d);
			return n;
		}
		d->phase = d->left ? H_CDATA : H_TRAILER;
	} else if (len == 0) { /* H_TRAILER: the empty line ends the message */
		http_done(s, t, dir);
	}
	return k + 1;
}

static size_t http_bytes(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p,
                         size_t n)
{
	struct dir *d = &t->d[dir];
	switch (d->phase) {
	case H_HEAD: return http_head_bytes(s, t, dir, p, n);
	case H_LEN:
	case H_CDATA: {
		size_t k = d->left < n ? (size_t)d->left : n;
		d->left -= k;
		if (d->left == 0) {
			if (d->phase == H_LEN)
				http_done(s, t, dir);
			else
				d->phase = H_CCRLF;
		}
		return k;
	}
	case H_CLOSE: return n;
	default: return http_line(s, t, dir, p, n);
	}
}

/* ---- DNS over TCP ------------------------------------------------------- */

static size_t dns_bytes(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p,
                        size_t n)
{
	struct dir *d = &t->d[dir];
	size_t want = d->used < 2 ? 2 : 2u + ((size_t)d->buf[0] << 8 | d->buf[1]);
	if (want == 2 && d->used == 2) { /* a zero length: not DNS */
		give_up(s, d);
		return n;
	}
	size_t k = want - d->used < n ? want - d->used : n;
	if (append(s, d, p, k) < 0) {
		give_up(s, d);
		return n;
	}
	if (d->used == want && want > 2) {
		emit(s, t, dir, WIRE_L_DNS, d->buf, d->used);
		d->used = 0;
	}
	return k;
}

/* ---- TLS ------------------------------------------------------------------ */

/* Delivers every complete handshake message held after the 5 header bytes. */
static void tls_hs(struct wire_streamdec *s, struct sstate *t, int dir)
{
	struct dir *d = &t->d[dir];
	while (d->used >= 9) {
		const uint8_t *m = d->buf + 5;
		size_t len = 4u + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
		if (len + 5 > WIRE_STREAMDEC_MSG_MAX) {
			s->st.oversize++;
			give_up(s, d);
			return;
		}
		if (d->used - 5 < len)
			return;
		uint8_t keep[5];
		memcpy(keep, d->buf, 5);
		d->buf[0] = 22;
		d->buf[1] = d->hdr[1];
		d->buf[2] = d->hdr[2];
		d->buf[3] = (uint8_t)(len > 0xffff ? 0xff : len >> 8);
		d->buf[4] = (uint8_t)(len > 0xffff ? 0xff : len);
		emit(s, t, dir, WIRE_L_TLS, d->buf, 5 + len);
		memmove(d->buf + 5, d->buf + 5 + len, d->used - 5 - len);
		d->used -= len;
		memcpy(d->buf, keep, 5);
	}
}

static size_t tls_bytes(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p,
                        size_t n)
{
	struct dir *d = &t->d[dir];
	if (d->hdr_n < 5) {
		d->hdr[d->hdr_n++] = p[0];
		if (d->hdr_n == 1 && (p[0] < 20 || p[0] > 24)) {
			give_up(s, d);
			return n;
		}
		if (d->hdr_n < 5)
			return 1;
		d->left = (uint64_t)d->hdr[3] << 8 | d->hdr[4];
		if (d->hdr[0] == 20)
			d->ccs = 1;
		if (d->hdr[0] == 22 && !d->ccs && d->used == 0 && append(s, d, d->hdr, 5) < 0) {
			give_up(s, d);
			return n;
		}
		if (d->left)
			return 1;
		if (d->hdr[0] != 22 || d->ccs)
			emit(s, t, dir, WIRE_L_TLS, d->hdr, 5);
		d->hdr_n = 0;
		return 1;
	}
	size_t k = d->left < n ? (size_t)d->left : n;
	int hs = d->hdr[0] == 22 && !d->ccs;
	if (hs && k && append(s, d, p, k) < 0) {
		give_up(s, d);
		return n;
	}
	d->left -= k;
	if (hs)
		tls_hs(s, t, dir);
	if (d->proto != P_TLS)
		return n;
	if (d->left == 0) {
		if (!hs)
			emit(s, t, dir, WIRE_L_TLS, d->hdr, 5);
		d->hdr_n = 0;
	}
	return k;
}

/* ---- events ----------------------------------------------------------- */

static void data(struct wire_streamdec *s, struct sstate *t, int dir, const uint8_t *p, size_t n)
{
	struct dir *d = &t->d[dir];
	for (unsigned guard = 0; n > 0 && guard < (1u << 20); guard++) {
		if (d->proto == P_UNKNOWN) {
			/* Too few bytes to say: keep them until more come. */
			if (append(s, d, p, n) < 0) {
				give_up(s, d);
				return;
			}
			d->proto = detect(t, d->buf, d->used);
			if (d->proto == P_UNKNOWN)
				return;
			size_t held = d->used;
			uint8_t *tmp = malloc(held);
			if (!tmp) {
				s->st.nomem++;
				give_up(s, d);
				return;
			}
			memcpy(tmp, d->buf, held);
			d->used = 0;
			data(s, t, dir, tmp, held);
			free(tmp);
			return;
		}
		size_t k = 0;
		switch (d->proto) {
		case P_HTTP: k = http_bytes(s, t, dir, p, n); break;
		case P_DNS: k = dns_bytes(s, t, dir, p, n); break;
		case P_TLS: k = tls_bytes(s, t, dir, p, n); break;
		default: return;
		}
		p += k;
		n -= k;
	}
}

static void end_dir(struct wire_streamdec *s, struct sstate **pp, int dir)
{
	struct sstate *t = *pp;
	struct dir *d = &t->d[dir];
	if (d->proto == P_HTTP && d->phase == H_CLOSE)
		http_done(s, t, dir);
	dir_reset(s, d);
	t->ended |= (uint8_t)(1u << dir);
	if (t->ended == 3)
		drop(s, pp);
}

void wire_streamdec_event(struct wire_streamdec *s, const struct wire_reasm_event *ev)
{
	struct sstate **pp = slot(s, ev->stream);
	if (!*pp) {
		if (ev->kind == WIRE_REASM_END)
			return;
		struct sstate *t = calloc(1, sizeof(*t));
		if (!t) {
			s->st.nomem++;
			return;
		}
		t->stream = ev->stream;
		t->port[0] = ev->ends ? ev->ends->port[0] : 0;
		t->port[1] = ev->ends ? ev->ends->port[1] : 0;
		*pp = t;
	}
	struct sstate *t = *pp;
	int dir = ev->dir & 1;
	switch (ev->kind) {
	case WIRE_REASM_DATA: data(s, t, dir, ev->data, ev->len); break;
	case WIRE_REASM_GAP:
		if (t->d[dir].proto != P_UNKNOWN)
			s->st.abandoned++;
		dir_reset(s, &t->d[dir]);
		if (dir == 0)
			t->heads = 0, t->head_bits = 0;
		break;
	case WIRE_REASM_END: end_dir(s, pp, dir); break;
	default: break;
	}
}

const struct wire_streamdec_stats *wire_streamdec_stats(const struct wire_streamdec *s)
{
	return &s->st;
}

void wire_streamdec_free(struct wire_streamdec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < WIRE_STREAMDEC_BUCKETS; i++)
		while (s->b[i])
			drop(s, &s->b[i]);
	free(s);
}
