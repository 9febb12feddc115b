/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The trace engine's --json events and -w pcapng file (src/core/trace_out.h):
 * which socket and call a packet belongs to, the packet's fields from the
 * `read --json` printer (the one packet decoder, wire_dissect, run again on
 * the kept bytes), the notes of the text printers turned into events.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_out.h"
#include "wire/buf.h"
#include "wire/pcapng.h"
#include "wire/print.h"
#include "wire/streamdec.h"
#include "wire/view.h"

#define TEXT_MEM_MAX (1u << 20)    /* the printers' text for one event (JSON) */
#define FIELDS_MEM_MAX (64u << 10) /* one packet's `read --json` object */
#define COMMENT_MAX 512            /* one packet's comment */
#define TH_FIN 0x001u
#define TH_SYN 0x002u
#define TH_RST 0x004u
#define TH_ACK 0x010u

/* A socket of a process, with its latest calls that put packets on the wire. */
struct towner {
	int used;
	uint64_t stamp; /* its latest call */
	int pid, fd, proto;
	char comm[WIRE_TRACE_COMM_MAX];
	struct tout_ep local, remote;
	char wr[WIRE_TRACE_CAUSE_MAX];   /* latest send-like call */
	char conn[WIRE_TRACE_CAUSE_MAX]; /* latest connect */
	char fin[WIRE_TRACE_CAUSE_MAX];  /* latest shutdown or close */
};

struct tout {
	struct wire_sink *out;
	int json;
	struct wire_buf tmem, fmem;
	struct wire_sink tsink, fsink;
	struct wire_printer *pr;
	struct wire_appdec *app;
	struct wire_sink *pcap;
	struct towner own[WIRE_TRACE_OWNERS_MAX];
	uint64_t stamp;
	int have_last; /* the latest call, for the notes tied to it */
	int last_pid;
	char last_comm[WIRE_TRACE_COMM_MAX];
	char last_call[WIRE_TRACE_CAUSE_MAX];
};

/* The packet's ends from the side of the socket at end a (src or dst). */
struct side {
	int proto;
	uint8_t fam;
	const uint8_t *la, *ra;
	uint16_t lp, rp;
};

static size_t alen(uint8_t fam)
{
	return fam == 6 ? 16 : 4;
}

static int ep_match(const struct tout_ep *e, uint8_t fam, const uint8_t *addr, uint16_t port)
{
	if (e->port && e->port != port)
		return 0;
	return !e->family || (e->family == fam && !memcmp(e->addr, addr, alen(fam)));
}

static int starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int starts_any(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (starts(s, v[i]))
			return 1;
	return 0;
}

void tout_own_set(struct tout_own *d, const struct wire_trace_owner *o,
                  int (*f)(struct tout_ep *, const struct sockaddr *))
{
	memset(d, 0, sizeof(*d));
	if (!o)
		return;
	d->on = 1;
	d->pid = o->pid;
	d->fd = o->fd;
	snprintf(d->comm, sizeof(d->comm), "%s", o->comm ? o->comm : "?");
	snprintf(d->call, sizeof(d->call), "%s", o->call ? o->call : "");
	if ((o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP) && o->local &&
	    f(&d->local, o->local)) {
		d->proto = o->proto;
		if (o->remote && !f(&d->remote, o->remote))
			memset(&d->remote, 0, sizeof(d->remote));
	}
}

struct tout *tout_new(struct wire_sink *out, int json)
{
	struct tout *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->out = out;
	t->json = json;
	wire_buf_init(&t->tmem, TEXT_MEM_MAX);
	wire_buf_init(&t->fmem, FIELDS_MEM_MAX);
	wire_sink_init_mem(&t->tsink, &t->tmem);
	wire_sink_init_mem(&t->fsink, &t->fmem);
	return t;
}

void tout_free(struct tout *t)
{
	if (!t)
		return;
	wire_printer_free(t->pr);
	wire_appdec_free(t->app);
	wire_buf_free(&t->tmem);
	wire_buf_free(&t->fmem);
	free(t);
}

struct wire_sink *tout_text_sink(struct tout *t)
{
	return t->json ? &t->tsink : t->out;
}

void tout_set_pcapng(struct tout *t, struct wire_sink *s, int linktype, const char *ifname)
{
	t->pcap = s;
	wire_pcapng_begin(s, linktype, WIRE_TRACE_SNAPLEN, ifname);
}

void tout_flush(struct tout *t)
{
	if (t->json)
		wire_sink_flush(t->out);
	if (t->pcap)
		wire_sink_flush(t->pcap);
}

/* ---- owners ------------------------------------------------------------------ */

static struct towner *owner_slot(struct tout *t, const struct tout_own *o)
{
	struct towner *old = NULL;
	for (size_t i = 0; i < WIRE_TRACE_OWNERS_MAX; i++) {
		struct towner *w = &t->own[i];
		if (w->used && w->pid == o->pid && w->fd == o->fd)
			return w;
		if (!old || (old->used && (!w->used || w->stamp < old->stamp)))
			old = w;
	}
	memset(old, 0, sizeof(*old));
	old->used = 1;
	old->pid = o->pid;
	old->fd = o->fd;
	return old;
}

/* Records a call of o's socket: its addresses and, by kind, its text. */
static void owner_call(struct tout *t, const struct tout_own *o)
{
	static const char *const wr[] = {"send(",  "sendto(", "sendmsg(",  "sendmmsg(",
	                                 "write(", "writev(", "sendfile(", "splice("};
	static const char *const fin[] = {"shutdown(", "close("};
	if (!o || !o->on || o->fd < 0)
		return;
	struct towner *w = owner_slot(t, o);
	w->stamp = ++t->stamp;
	snprintf(w->comm, sizeof(w->comm), "%s", o->comm);
	if (starts(o->call, "socket(") || starts(o->call, "accept")) /* a new socket on this fd */
		w->wr[0] = w->conn[0] = w->fin[0] = 0;
	if (o->proto) {
		w->proto = o->proto;
		w->local = o->local;
		w->remote = o->remote;
	}
	if (starts_any(o->call, wr, sizeof(wr) / sizeof(wr[0])))
		snprintf(w->wr, sizeof(w->wr), "%s", o->call);
	else if (starts(o->call, "connect("))
		snprintf(w->conn, sizeof(w->conn), "%s", o->call);
	else if (starts_any(o->call, fin, sizeof(fin) / sizeof(fin[0])))
		snprintf(w->fin, sizeof(w->fin), "%s", o->call);
}

/* The socket at one end of a packet: an exact peer before an any-peer one,
 * then the latest. *any: it matched with any peer (a listener's, an
 * unconnected socket's). */
static const struct towner *owner_at(const struct tout *t, const struct side *s, int *any)
{
	const struct towner *best = NULL;
	int bscore = 0;
	for (size_t i = 0; i < WIRE_TRACE_OWNERS_MAX; i++) {
		const struct towner *w = &t->own[i];
		if (!w->used || w->proto != s->proto || !w->local.port ||
		    !ep_match(&w->local, s->fam, s->la, s->lp))
			continue;
		int score = 1;
		if (w->remote.port) {
			if (!ep_match(&w->remote, s->fam, s->ra, s->rp))
				continue;
			score = 2;
		}
		if (score > bscore || (score == bscore && w->stamp > best->stamp)) {
			best = w;
			bscore = score;
		}
	}
	*any = bscore == 1;
	return best;
}

/* The call that caused an outgoing packet of w ("" when none does). */
static const char *cause_of(const struct towner *w, const struct wire_tpkt *p)
{
	unsigned f = p->tflags;
	if (p->proto == IPPROTO_UDP)
		return w->wr;
	if (p->proto != IPPROTO_TCP || !p->l4ok)
		return "";
	if (f & TH_RST)
		return w->fin;
	if (f & TH_SYN)
		return f & TH_ACK ? "" : w->conn;
	if (p->paylen > 0)
		return w->wr;
	return f & TH_FIN ? w->fin : "";
}

struct attr {
	const struct towner *snd, *rcv;
	const char *cause;
	int queued; /* TCP on a listener's socket after the SYN: not accepted yet */
};

static void side_of(struct side *s, int proto, uint8_t fam, const uint8_t *la, uint16_t lp,
                    const uint8_t *ra, uint16_t rp)
{
	s->proto = proto;
	s->fam = fam;
	s->la = la;
	s->lp = lp;
	s->ra = ra;
	s->rp = rp;
}

static void attribute(const struct tout *t, const struct tout_pkt *k, struct attr *a)
{
	const struct wire_tpkt *p = k->p;
	struct side s;
	int any = 0, anyr = 0;
	memset(a, 0, sizeof(*a));
	a->cause = "";
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		if (k->dir == TOUT_OUT || k->dir == TOUT_SELF) {
			side_of(&s, p->proto, p->family, p->src, p->sport, p->dst, p->dport);
			a->snd = owner_at(t, &s, &any);
		}
		if (k->dir == TOUT_IN || k->dir == TOUT_SELF) {
			side_of(&s, p->proto, p->family, p->dst, p->dport, p->src, p->sport);
			a->rcv = owner_at(t, &s, &anyr);
		}
		/* a connection the listener holds until accept() names it: a SYN in
		 * and the SYN-ACK out are the listener's own */
		a->queued = p->proto == IPPROTO_TCP && k->dir != TOUT_SELF && (any || anyr) &&
		            !(p->tflags & TH_SYN);
	} else if (p->q.ok) { /* an ICMP error: about a packet the socket sent (in) or got (out) */
		if (k->dir == TOUT_IN)
			side_of(&s, p->q.proto, p->q.family, p->q.src, p->q.sport, p->q.dst,
			        p->q.dport);
		else
			side_of(&s, p->q.proto, p->q.family, p->q.dst, p->q.dport, p->q.src,
			        p->q.sport);
		if (k->dir == TOUT_IN)
			a->rcv = owner_at(t, &s, &any);
		else
			a->snd = owner_at(t, &s, &any);
		return;
	}
	if (a->snd && !a->queued)
		a->cause = cause_of(a->snd, p);
}

/* The packet's comment: "pid P (comm) CALL", "... not tied to a call", "to pid P (comm) fd F". */
static void comment(const struct attr *a, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	if (a->queued) {
		const struct towner *w = a->snd ? a->snd : a->rcv;
		snprintf(out, n, "%s pid %d (%s), queued on listening fd %d until accept()%s",
		         a->snd ? "from" : "to", w->pid, w->comm, w->fd,
		         a->snd ? "; sent by the kernel" : "");
		return;
	}
	if (a->snd && a->cause[0])
		k = (size_t)snprintf(out, n, "pid %d (%s) %s", a->snd->pid, a->snd->comm, a->cause);
	else if (a->snd)
		k = (size_t)snprintf(out, n,
		                     "pid %d (%s) fd %d, sent by the kernel, not tied to a call",
		                     a->snd->pid, a->snd->comm, a->snd->fd);
	if (a->rcv && k < n)
		snprintf(out + k, n - k, "%sto pid %d (%s) fd %d", k ? "; " : "", a->rcv->pid,
		         a->rcv->comm, a->rcv->fd);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void jstr(struct wire_sink *s, const char *key, const char *v, size_t n)
{
	wire_sink_printf(s, ",\"%s\":", key);
	wire_view_json_str(s, v, n);
}

static void jhead(struct wire_sink *s, const struct timespec *ts, const char *event)
{
	wire_sink_printf(s, "{\"time\":%lld.%06ld,\"event\":\"%s\"", (long long)ts->tv_sec,
	                 ts->tv_nsec / 1000, event);
}

/* A note event: tied to frame (when not 0) or to call (when not NULL). */
static void jnote(struct tout *t, const struct timespec *ts, int pid, const char *comm,
                  uint64_t frame, const char *call, const char *text, size_t n)
{
	struct wire_sink *s = t->out;
	while (n && *text == ' ') {
		text++;
		n--;
	}
	jhead(s, ts, "note");
	if (comm) {
		wire_sink_printf(s, ",\"pid\":%d", pid);
		jstr(s, "comm", comm, strlen(comm));
	}
	if (frame)
		wire_sink_printf(s, ",\"frame\":%llu", (unsigned long long)frame);
	if (call)
		jstr(s, "call", call, strlen(call));
	jstr(s, "text", text, n);
	wire_sink_puts(s, "}\n");
}

/* The printers' text since the last event, and a fresh sink for the next. */
static const char *text_take(struct tout *t, size_t *n)
{
	wire_sink_flush(&t->tsink);
	*n = wire_buf_used(&t->tmem);
	return *n ? (const char *)wire_buf_head(&t->tmem) : ""; /* no storage yet when empty */
}

static void text_reset(struct tout *t)
{
	wire_buf_reset(&t->tmem);
	wire_sink_init_mem(&t->tsink, &t->tmem);
}

/* The next line of s (n bytes) at *at: its start and length; 0 at the end. */
static int next_line(const char *s, size_t n, size_t *at, const char **ln, size_t *len)
{
	if (*at >= n)
		return 0;
	const char *nl = memchr(s + *at, '\n', n - *at);
	size_t e = nl ? (size_t)(nl - s) : n;
	*ln = s + *at;
	*len = e - *at;
	*at = e + 1;
	return 1;
}

static void last_notes(struct tout *t, const struct timespec *ts, const char *ln, size_t len)
{
	jnote(t, ts, t->last_pid, t->have_last && t->last_pid ? t->last_comm : NULL, 0,
	      t->have_last ? t->last_call : NULL, ln, len);
}

void tout_call(struct tout *t, const struct timespec *ts, const struct tout_own *own,
               const char *text, const char *json)
{
	owner_call(t, own);
	if (!t->json)
		return;
	size_t n, at = 0, len;
	const char *s = text_take(t, &n), *ln;
	int before = 1;
	while (next_line(s, n, &at, &ln, &len)) {
		if (len && ln[0] == ' ' && before) {
			last_notes(t, ts, ln, len); /* the previous call's */
			continue;
		}
		if (before) {
			before = 0;
			t->have_last = 1;
			t->last_pid = own && own->on ? own->pid : 0;
			snprintf(t->last_comm, sizeof(t->last_comm), "%s", own ? own->comm : "");
			snprintf(t->last_call, sizeof(t->last_call), "%s",
			         own && own->on && own->call[0] ? own->call : text);
			if (json) {
				wire_sink_puts(t->out, json);
				wire_sink_putc(t->out, '\n');
			} else {
				jhead(t->out, ts, "call");
				jstr(t->out, "text", ln, len);
				wire_sink_puts(t->out, "}\n");
			}
			continue;
		}
		last_notes(t, ts, ln, len);
	}
	text_reset(t);
}

/* The `read --json` object of the packet's kept bytes ("{}" without them). */
static void jfields(struct tout *t, const struct tout_pkt *k)
{
	struct wire_sink *s = t->out;
	if (k->raw && !t->pr) {
		struct wire_print_opts o = {.mode = WIRE_PRINT_JSON, .tfmt = WIRE_TIME_NONE};
		if (wire_printer_new(&t->pr, &o, &t->fsink) == 0 && (t->app = wire_appdec_new()))
			wire_printer_set_appdec(t->pr, t->app);
	}
	if (!k->raw || !t->pr) {
		wire_sink_puts(s, ",\"fields\":{}");
		return;
	}
	struct wire_pkt pkt = {.data = k->raw,
	                       .caplen = k->caplen,
	                       .wirelen = k->wirelen,
	                       .ts = k->p->ts,
	                       .linktype = k->linktype,
	                       .num = k->frame};
	wire_buf_reset(&t->fmem);
	wire_sink_init_mem(&t->fsink, &t->fmem);
	wire_printer_packet(t->pr, &pkt);
	wire_sink_flush(&t->fsink);
	size_t n = wire_buf_used(&t->fmem);
	const char *f = n ? (const char *)wire_buf_head(&t->fmem) : "";
	while (n && (f[n - 1] == '\n' || f[n - 1] == ' '))
		n--;
	wire_sink_puts(s, ",\"fields\":");
	if (n && f[0] == '{' && f[n - 1] == '}' && !t->fsink.err)
		wire_sink_write(s, f, n);
	else
		wire_sink_puts(s, "{}");
}

static void jhex(struct wire_sink *s, const uint8_t *p, uint32_t n)
{
	static const char hx[] = "0123456789abcdef";
	wire_sink_puts(s, ",\"hex\":\"");
	for (uint32_t i = 0; p && i < n && i < WIRE_TRACE_JSON_HEX_MAX; i++) {
		char b[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
		wire_sink_write(s, b, 2);
	}
	wire_sink_putc(s, '"');
}

static void jpacket(struct tout *t, const struct tout_pkt *k, const struct attr *a, const char *sum,
                    size_t slen)
{
	static const char *const dirs[] = {"?", "out", "in", "self"};
	struct wire_sink *s = t->out;
	const struct towner *w = a->snd ? a->snd : a->rcv;
	char frag[64];
	jhead(s, &k->p->ts, "packet");
	wire_sink_printf(s, ",\"frame\":%llu,\"dir\":\"%s\"", (unsigned long long)k->frame,
	                 dirs[k->dir & 3]);
	jstr(s, "iface", k->ifname ? k->ifname : "", k->ifname ? strlen(k->ifname) : 0);
	if (w) {
		wire_sink_printf(s, ",\"pid\":%d", w->pid);
		jstr(s, "comm", w->comm, strlen(w->comm));
		if (!a->queued) /* its fd is not known until accept() returns */
			wire_sink_printf(s, ",\"fd\":%d", w->fd);
	}
	if (a->snd && a->cause[0])
		jstr(s, "cause", a->cause, strlen(a->cause));
	if (!sum) { /* a fragment after the first has no line of its own */
		snprintf(frag, sizeof(frag), "IP fragment at offset %u, %u bytes", k->p->fragoff,
		         k->p->iplen);
		sum = frag;
		slen = strlen(frag);
	}
	while (slen && sum[slen - 1] == ' ')
		slen--;
	jstr(s, "summary", sum, slen);
	jfields(t, k);
	jhex(s, k->raw, k->caplen);
	wire_sink_puts(s, "}\n");
}

void tout_packet(struct tout *t, const struct tout_pkt *k)
{
	struct attr a;
	char c[COMMENT_MAX];
	attribute(t, k, &a);
	if (t->pcap && k->raw) {
		struct wire_pkt pkt = {.data = k->raw,
		                       .caplen = k->caplen,
		                       .wirelen = k->wirelen,
		                       .ts = k->p->ts,
		                       .linktype = k->linktype};
		pkt.dir = k->dir == TOUT_OUT ? WIRE_DIR_OUT : k->dir == TOUT_IN ? WIRE_DIR_IN : 0;
		comment(&a, c, sizeof(c));
		wire_pcapng_packet(t->pcap, WIRE_TRACE_SNAPLEN, &pkt, c);
	}
	if (!t->json)
		return;
	size_t n, at = 0, len, slen = 0;
	const char *s = text_take(t, &n), *ln, *sum = NULL;
	while (next_line(s, n, &at, &ln, &len))
		if (len && ln[0] != ' ') {
			sum = ln;
			slen = len;
			break;
		}
	jpacket(t, k, &a, sum, slen);
	const struct towner *w = a.snd ? a.snd : a.rcv;
	at = 0;
	while (next_line(s, n, &at, &ln, &len))
		if (ln != sum)
			jnote(t, &k->p->ts, w ? w->pid : 0, w ? w->comm : NULL, k->frame, NULL, ln,
			      len);
	text_reset(t);
}

void tout_tail(struct tout *t, const struct timespec *ts, int closing)
{
	if (!t->json)
		return;
	size_t n, at = 0, len;
	const char *s = text_take(t, &n), *ln;
	while (next_line(s, n, &at, &ln, &len)) {
		if (!len)
			continue;
		if (closing && ln[0] != ' ')
			jnote(t, ts, 0, NULL, 0, NULL, ln, len);
		else
			last_notes(t, ts, ln, len);
	}
	text_reset(t);
}
