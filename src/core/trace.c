/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The --trace engine (include/wire/trace.h). One capture thread reads the
 * AF_PACKET ring (src/core/capture.c) on the interface the route to the peer
 * uses, with a kernel filter (libpcap's compiler, src/core/filter.c) built
 * from the sockets the command follows, and reduces each frame to a struct
 * wire_tpkt with the dissectors (trace_dissect.c); the command records its
 * socket calls from its own thread. Both kinds of event go into one queue ordered by
 * timestamp (CLOCK_REALTIME for calls, the kernel's for packets); an event is
 * printed once it is WIRE_TRACE_HOLD_MS old (or twice the worst delay seen
 * between a packet's timestamp and its arrival here), so a packet that reaches user
 * space a little after the next call still lands in its place. Printing
 * matches every packet against the followed sockets once more in user space
 * (the kernel filter is only an optimisation and may be broader, e.g. before a
 * connecting socket's port is known), keeps each TCP connection's state
 * (tcpstate.c) and adds the notes: state transitions, the handshake time,
 * TIME_WAIT, the cause of a RST, the datagram an ICMP error answers, a write
 * that became N segments, a datagram that left as N IP fragments.
 *
 * Two locks. mu guards the queue and the followed sockets; the command's calls
 * and the capture thread hold it only to add an event. pmu guards everything
 * printing uses (TCP states, notes, counters, the sink): whoever prints (the
 * capture thread, wire_trace_flush, wire_trace_stop) takes pmu, moves the
 * ready events out of the queue under mu into its own batch, releases mu and
 * only then formats and writes. So a slow sink (a stderr nobody reads) stalls
 * the printer, never a call of the command. Lock order: pmu, then mu.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/capture.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/loop.h"
#include "wire/trace.h"
#include "wire/text.h"
#include "trace_out.h"

#define TEXT_MAX 200 /* one call's text */
#define BLOCK_MS 10  /* ring block timeout: packets reach us within this */
#define RING_MIB                                                                                   \
	16                  /* capture ring: 256 blocks of 64 KiB, 2.5 s of blocks retired         \
	                       by the timeout, over 90,000 small packets */
#define POLL_MS 20          /* capture thread wake-up */
#define CAP_BATCH 64        /* packets taken from the ring per lock of the queue */
#define PENDING_MAX_MS 2000 /* how long printing waits for a connecting socket */
#define FLOW_GRACE_MS                                                                              \
	1000 /* a closed socket, or the destination of an unconnected UDP send, is                 \
	        followed this long after its last packet or call */
#define FILTER_FLOWS                                                                               \
	16               /* above this many sockets the kernel filter lets all IP through:         \
	                    compiling it for each new socket would cost more than                  \
	                    matching in user space */
#define HOLD_MAX_MS 3000 /* the merge window never grows past this */
#define SENT_MAX 32      /* UDP datagrams remembered for ICMP errors */
#define FRAGS_MAX 8      /* fragmented datagrams followed at once */
#define RXSEGS_MAX 16    /* received segments remembered per connection for reads */
#define RXLIST_MAX 6     /* segment lengths listed in a read's note */
#define TXWRITES_MAX 16  /* writes remembered per connection for its segments */
#define NAGLE_SMALL 1024 /* a write this small may wait for Nagle's algorithm */
#define NAGLE_WAIT_MS 5  /* a write that left this much later waited */
#define NAGLE_ACK_MS 2   /* ... when it left this soon after an ACK came */
#define NOTE_INDENT "             "

#define TH_FIN 0x001u
#define TH_SYN 0x002u
#define TH_RST 0x004u
#define TH_PSH 0x008u
#define TH_ACK 0x010u

enum { EV_CALL = 0, EV_PKT = 1 };
/* DIR_SELF: from one followed socket to another (the program talks to itself) */
enum { DIR_NONE = 0, DIR_OUT = 1, DIR_IN = 2, DIR_SELF = 3 };

struct tr_ep {
	uint8_t family; /* 4, 6, or 0 for any address */
	uint8_t addr[16];
	uint16_t port; /* 0 for any */
};

struct tr_flow {
	uint8_t proto;
	uint8_t pending; /* only the remote side is known yet (UDP: goes when idle) */
	uint8_t closed;  /* its socket was closed: it goes FLOW_GRACE_MS after its last packet */
	struct tr_ep local, remote;
	struct timespec since;
	struct timespec last; /* its last packet, or when it was added or closed */
};

struct tr_conn {
	int used;
	uint64_t used_at; /* the engine's count of lookups when it was last used */
	uint8_t family;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	struct wire_tcp_track tk;
	/* the data segments received, for the reads that return their bytes: a
	 * ring of where each ends in the stream (offsets from the peer's SYN)
	 * and its length; rx_read is how far the program has read */
	int rx_ok;
	uint32_t rx_end[RXSEGS_MAX], rx_len[RXSEGS_MAX];
	unsigned rx_head, rx_n;
	uint32_t rx_top, rx_read;
	/* the writes of the program, for the segments that carry their bytes */
	uint32_t tx_end[TXWRITES_MAX], tx_len[TXWRITES_MAX];
	uint32_t tx_count[TXWRITES_MAX], tx_max[TXWRITES_MAX]; /* the last holds the rest */
	struct timespec tx_ts[TXWRITES_MAX];
	unsigned tx_head, tx_n;
	uint32_t tx_sent;
	struct timespec ack_in; /* the last segment received (its ACK) */
	int have_ack_in, said_joined, said_waited;
};

/* A read on a TCP socket that returned data (a call's) */
struct tr_rx {
	int on;
	struct tr_ep local, remote;
	uint64_t asked, got;
};

struct tr_ev {
	struct timespec ts;
	int kind;
	int dir; /* a packet's direction, found when it leaves the queue */
	char text[TEXT_MAX];
	struct tr_rx rx;
	struct wire_tpkt p;
	struct tout_own *own; /* a call's process and socket (--json, -w), or NULL */
	char *json;           /* a call's JSON object (WIRE_TRACE_JSON) */
	uint8_t *raw;         /* a packet's bytes (WIRE_TRACE_KEEP_RAW) */
	uint32_t rawlen, wirelen;
};

/* Two endpoints of a packet line (zeroed past the address, so compared whole). */
struct tr_eps {
	uint8_t set, family;
	uint8_t a[16], b[16];
	uint16_t aport, bport;
};

/* An event's place in the queue's heap: its order (ts, seq) is kept here,
 * next to the other entries, so that ordering it reads no event. */
struct tr_hent {
	struct timespec ts;
	uint64_t seq;
	uint32_t idx; /* its slot in the pool */
};

/* A packet taken from the ring, decoded, before it is queued. */
struct cap_one {
	struct wire_tpkt t;
	uint8_t *raw; /* its bytes (WIRE_TRACE_KEEP_RAW), or NULL */
	uint32_t rawlen, wirelen;
};

struct tr_sent {
	int used;
	struct wire_tpkt p; /* the datagram (first fragment) */
};

struct tr_frag {
	int used;
	int dir;
	uint8_t family;
	uint8_t src[16], dst[16];
	uint32_t id;
	unsigned count;
	uint32_t maxlen;
	uint32_t dgram; /* UDP payload bytes of the datagram (from the first fragment) */
	int have_last;
};

struct wire_trace {
	int flags;
	struct wire_sink *out;
	pthread_mutex_t mu;  /* the queue, the flows, the filter */
	pthread_mutex_t pmu; /* printing: everything below "printing" */
	pthread_t th;
	int th_started;
	int stopping;
	struct wire_capture *cap;
	struct cap_one capb[CAP_BATCH]; /* the capture thread's batch */
	int linktype;
	char ifname[IF_NAMESIZE];
	int filter_dirty;
	char filter[WIRE_TRACE_FILTER_MAX];

	struct tr_flow flows[WIRE_TRACE_FLOWS_MAX];
	size_t nflows;
	uint64_t n_unfollowed;   /* sockets not followed: WIRE_TRACE_FLOWS_MAX open at once */
	struct timespec printed; /* what printing has reached: the packets of a flow idle
	                            since before it are matched already */

	/* the queue: events in a pool of slots, a binary heap of their indices
	 * ordered by (ts, seq), and the free slots */
	struct tr_ev *pool;
	struct tr_hent *heap;
	uint32_t *freel;
	size_t pcap, pused, nheap, nfree;
	uint64_t seq;
	uint64_t n_lost; /* events dropped from a full queue */

	/* printing */
	struct tr_ev *pq; /* the batch being printed */
	size_t pqcap;
	int have_t0;
	struct timespec t0;
	struct tr_conn conns[WIRE_TRACE_CONNS_MAX];
	uint64_t conn_tick;     /* lookups of conns */
	struct tr_eps last_eps; /* the endpoints the last packet line showed */
	int call_is_write;
	unsigned segs, seg_lines, hidden;
	uint64_t seg_bytes;
	uint32_t seg_max;
	int seg_gso;
	struct tr_sent sent[SENT_MAX];
	unsigned sent_next;
	struct tr_frag frags[FRAGS_MAX];
	uint64_t n_pkts, n_calls, n_other;

	struct wire_sink own;
	struct tout *o; /* --json and -w (NULL: text only) */
	int frag_dir;   /* the direction of the fragment counted last */
};

/* ---- time ------------------------------------------------------------------ */

static void now_rt(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

static struct timespec ts_add_ms(struct timespec t, long ms)
{
	long long ns = (long long)t.tv_nsec + (long long)ms * 1000000LL;
	t.tv_sec += (time_t)(ns / 1000000000LL);
	ns %= 1000000000LL;
	if (ns < 0) {
		ns += 1000000000LL;
		t.tv_sec--;
	}
	t.tv_nsec = (long)ns;
	return t;
}

static void put_time(struct wire_trace *tr, const struct timespec *ts)
{
	if (tr->flags & WIRE_TRACE_JSON)
		return; /* each event carries its time */
	if (tr->flags & WIRE_TRACE_ABS_TIME) {
		struct tm tm;
		time_t s = ts->tv_sec;
		localtime_r(&s, &tm);
		wire_sink_printf(tr->out, "%02d:%02d:%02d.%06ld  ", tm.tm_hour, tm.tm_min,
		                 tm.tm_sec, ts->tv_nsec / 1000);
		return;
	}
	long long ns = ((long long)ts->tv_sec - (long long)tr->t0.tv_sec) * 1000000000LL +
	               ((long long)ts->tv_nsec - (long long)tr->t0.tv_nsec);
	if (ns < 0)
		ns = 0;
	/* "%4lld.%06lld  " of seconds and microseconds, without printf (every line) */
	char b[32];
	size_t k = sizeof(b);
	long long us = (ns % 1000000000LL) / 1000, sec = ns / 1000000000LL;
	b[--k] = ' ';
	b[--k] = ' ';
	for (int i = 0; i < 6; i++, us /= 10)
		b[--k] = (char)('0' + us % 10);
	b[--k] = '.';
	do
		b[--k] = (char)('0' + sec % 10);
	while ((sec /= 10) > 0);
	while (sizeof(b) - k < 4 + 1 + 6 + 2)
		b[--k] = ' ';
	wire_sink_write(tr->out, b + k, sizeof(b) - k);
}

/* ---- addresses ------------------------------------------------------------------ */

static size_t alen(uint8_t family)
{
	return family == 6 ? 16 : 4;
}

/* Fills e from a sockaddr; IPv4-mapped IPv6 becomes IPv4, a wildcard address
 * becomes "any". Returns 1, or 0 for another family. */
static int ep_from_sa(struct tr_ep *e, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[16] = {0};
	memset(e, 0, sizeof(*e));
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		memcpy(e->addr, &s->sin_addr, 4);
		e->family = 4;
		e->port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = (const uint8_t *)&s->sin6_addr;
		if (!memcmp(a, mapped, 12)) {
			memcpy(e->addr, a + 12, 4);
			e->family = 4;
		} else {
			memcpy(e->addr, a, 16);
			e->family = 6;
		}
		e->port = ntohs(s->sin6_port);
	} else {
		return 0;
	}
	if (!memcmp(e->addr, zero, alen(e->family))) {
		e->family = 0; /* any address */
		memset(e->addr, 0, 16);
	}
	return 1;
}

/* ep_from_sa for trace_out.c's copy of an endpoint. */
static int own_ep(struct tout_ep *d, const struct sockaddr *sa)
{
	struct tr_ep e;
	if (!ep_from_sa(&e, sa))
		return 0;
	d->family = e.family;
	memcpy(d->addr, e.addr, sizeof(d->addr));
	d->port = e.port;
	return 1;
}

static int ep_match(const struct tr_ep *e, uint8_t fam, const uint8_t *addr, uint16_t port)
{
	if (e->port && e->port != port)
		return 0;
	if (e->family && (e->family != fam || memcmp(e->addr, addr, alen(fam))))
		return 0;
	return 1;
}

static int ep_equal(const struct tr_ep *a, const struct tr_ep *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static void ep_host(uint8_t fam, const uint8_t *a, char *out, size_t n)
{
	if (!inet_ntop(fam == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)n))
		snprintf(out, n, "?");
}

static void ep_str(uint8_t fam, const uint8_t *a, uint16_t port, char *out, size_t n)
{
	char h[INET6_ADDRSTRLEN];
	ep_host(fam, a, h, sizeof(h));
	if (fam == 6)
		snprintf(out, n, "[%s]:%u", h, port);
	else
		snprintf(out, n, "%s:%u", h, port);
}

/* Which way a 5-tuple goes for flow f: DIR_OUT when this side sent it. */
static int flow_dir(const struct tr_flow *f, uint8_t proto, uint8_t fam, const uint8_t *src,
                    uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	if (f->proto != proto)
		return DIR_NONE;
	if (f->pending) {
		if (ep_match(&f->remote, fam, dst, dport))
			return DIR_OUT;
		if (ep_match(&f->remote, fam, src, sport))
			return DIR_IN;
		return DIR_NONE;
	}
	if (ep_match(&f->local, fam, src, sport) && ep_match(&f->remote, fam, dst, dport))
		return DIR_OUT;
	if (ep_match(&f->local, fam, dst, dport) && ep_match(&f->remote, fam, src, sport))
		return DIR_IN;
	return DIR_NONE;
}

static int is_loopback(uint8_t fam, const uint8_t *a)
{
	static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return fam == 6 ? !memcmp(a, lo6, 16) : a[0] == 127;
}

/* The flow a tuple goes to in direction want (exact flows first), or -1. */
static long flow_for(const struct wire_trace *tr, int want, uint8_t proto, uint8_t fam,
                     const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < tr->nflows; i++) {
			const struct tr_flow *f = &tr->flows[i];
			int exact = !f->pending && f->remote.port != 0;
			if (exact != (pass == 0))
				continue;
			int d = flow_dir(f, proto, fam, src, sport, dst, dport);
			if (d && (!want || d == want))
				return (long)i;
		}
	}
	return -1;
}

/* Direction of a tuple against every followed socket (exact flows first):
 * DIR_SELF when one followed socket sent it and another receives it, which
 * needs both addresses on this host (equal, or both loopback). */
static int match_tuple(struct wire_trace *tr, uint8_t proto, uint8_t fam, const uint8_t *src,
                       uint16_t sport, const uint8_t *dst, uint16_t dport, long *fi)
{
	long any = flow_for(tr, DIR_NONE, proto, fam, src, sport, dst, dport);
	*fi = any;
	if (any < 0)
		return DIR_NONE;
	int d = flow_dir(&tr->flows[any], proto, fam, src, sport, dst, dport);
	if (memcmp(src, dst, alen(fam)) && !(is_loopback(fam, src) && is_loopback(fam, dst)))
		return d;
	long o = flow_for(tr, DIR_OUT, proto, fam, src, sport, dst, dport);
	long i = flow_for(tr, DIR_IN, proto, fam, src, sport, dst, dport);
	return o >= 0 && i >= 0 && o != i ? DIR_SELF : d;
}

/* ---- the kernel filter ---------------------------------------------------------- */

static void tb_ep(struct wire_tbuf *t, const struct tr_ep *e)
{
	char h[INET6_ADDRSTRLEN];
	if (e->family) {
		ep_host(e->family, e->addr, h, sizeof(h));
		wire_tbuf_printf(t, " and host %s", h);
	}
	if (e->port)
		wire_tbuf_printf(t, " and port %u", e->port);
}

static int filter_text_locked(struct wire_trace *tr, char *buf, size_t n)
{
	struct wire_tbuf t = {buf, n, 0, 0};
	int udp = 0;
	if (n == 0 || tr->nflows > FILTER_FLOWS)
		return WIRE_E_TOOBIG;
	buf[0] = 0;
	for (size_t i = 0; i < tr->nflows; i++) {
		const struct tr_flow *f = &tr->flows[i];
		wire_tbuf_printf(&t, "%s(%s", i ? " or " : "",
		                 f->proto == IPPROTO_TCP ? "tcp" : "udp");
		if (!f->pending)
			tb_ep(&t, &f->local);
		tb_ep(&t, &f->remote);
		wire_tbuf_printf(&t, ")");
		if (f->proto == IPPROTO_UDP)
			udp = 1;
	}
	if (tr->nflows == 0) {
		wire_tbuf_printf(&t, "tcp port 0");
	} else {
		/* ICMP errors (never echo traffic), and IP fragments for UDP */
		wire_tbuf_printf(&t, " or (icmp and icmp[0] != 0 and icmp[0] != 8)"
		                     " or (icmp6 and ip6[40] < 128)");
		if (udp)
			wire_tbuf_printf(
			    &t, " or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)");
	}
	return t.over ? WIRE_E_TOOBIG : (int)t.len;
}

int wire_trace_filter_text(struct wire_trace *tr, char *buf, size_t n)
{
	if (!tr)
		return WIRE_E_USAGE;
	pthread_mutex_lock(&tr->mu);
	int rc = filter_text_locked(tr, buf, n);
	pthread_mutex_unlock(&tr->mu);
	return rc;
}

/* Compiles and attaches the filter for the current flows (mutex held).
 * Returns 0 or a negative code (the user-space match still applies). */
static int apply_filter_locked(struct wire_trace *tr)
{
	char text[WIRE_TRACE_FILTER_MAX], why[256];
	struct wire_filter *f = NULL;
	struct wire_bpf_insn *insns = NULL;
	size_t ni = 0;
	tr->filter_dirty = 0;
	if (!tr->cap)
		return 0;
	int rc = filter_text_locked(tr, text, sizeof(text));
	if (rc < 0) {
		/* too many sockets for one filter: let everything IP through
		 * and match in user space */
		snprintf(text, sizeof(text), "tcp or udp or icmp or icmp6 or ip6");
	}
	if (!strcmp(text, tr->filter))
		return 0;
	rc = wire_filter_compile(&f, text, tr->linktype, 65535, why, sizeof(why));
	if (rc < 0)
		return rc;
	rc = wire_filter_kernel_prog(f, &insns, &ni);
	wire_filter_free(f);
	if (rc < 0)
		return rc;
	if (rc == 1) /* the kernel cannot run it: match in user space only */
		rc = wire_capture_set_filter(tr->cap, NULL, 0);
	else
		rc = wire_capture_set_filter(tr->cap, insns, ni);
	free(insns);
	if (rc == 0)
		snprintf(tr->filter, sizeof(tr->filter), "%s", text);
	return rc;
}

/* ---- following sockets ---------------------------------------------------------- */

static struct tr_ev *enqueue_locked(struct wire_trace *tr, const struct timespec *ts);

/* Whether flow f may go when the table is full (at time now): its socket
 * was closed, or it only follows the peer of a send (an unconnected UDP
 * socket's destination) or of a connect() that had PENDING_MAX_MS to name
 * its socket. */
static int flow_evictable(const struct tr_flow *f, const struct timespec *now)
{
	if (f->closed || (f->pending && f->proto == IPPROTO_UDP))
		return 1;
	struct timespec until = ts_add_ms(f->since, PENDING_MAX_MS);
	return f->pending && ts_cmp(&until, now) < 0;
}

/* The table is full: of the flows that may go, the one with the oldest
 * packet goes (even within its grace), preferably one idle since before
 * what printing has reached (else its last packets would not be shown).
 * Returns 1 when one went. */
static int evict_closed_locked(struct wire_trace *tr)
{
	long old = -1;
	int old_done = 0;
	struct timespec now;
	now_rt(&now);
	for (size_t i = 0; i < tr->nflows; i++) {
		const struct tr_flow *f = &tr->flows[i];
		if (!flow_evictable(f, &now))
			continue;
		int done = ts_cmp(&f->last, &tr->printed) < 0;
		if (old < 0 || done > old_done ||
		    (done == old_done && ts_cmp(&f->last, &tr->flows[old].last) < 0)) {
			old = (long)i;
			old_done = done;
		}
	}
	if (old < 0)
		return 0;
	tr->flows[old] = tr->flows[--tr->nflows];
	tr->filter_dirty = 1;
	return 1;
}

/* Says on the timeline, once, that a socket is not followed. */
static void limit_line_locked(struct wire_trace *tr, const struct timespec *ts)
{
	struct tr_ev *ev = enqueue_locked(tr, ts);
	if (!ev)
		return;
	ev->kind = EV_CALL;
	ev->rx.on = 0;
	snprintf(ev->text, sizeof(ev->text),
	         "trace: %d sockets open at once are followed: the packets of the next ones "
	         "are not shown",
	         WIRE_TRACE_FLOWS_MAX);
}

/* Removes the flows whose last packet (or call) is FLOW_GRACE_MS older
 * than horizon (what printing has reached) among those of closed sockets
 * and those that only follow the destination of an unconnected UDP send
 * (once its socket has a port, its own flow covers the replies). */
static void expire_flows_locked(struct wire_trace *tr, const struct timespec *horizon)
{
	for (size_t i = 0; i < tr->nflows;) {
		struct timespec end = ts_add_ms(tr->flows[i].last, FLOW_GRACE_MS);
		const struct tr_flow *f = &tr->flows[i];
		int idle_goes = f->closed || (f->pending && f->proto == IPPROTO_UDP);
		if (idle_goes && ts_cmp(&end, horizon) < 0) {
			tr->flows[i] = tr->flows[--tr->nflows];
			tr->filter_dirty = 1;
			continue;
		}
		i++;
	}
}

static void add_flow_locked(struct wire_trace *tr, const struct tr_flow *nf)
{
	for (size_t i = 0; i < tr->nflows; i++) {
		struct tr_flow *f = &tr->flows[i];
		if (f->proto != nf->proto || f->pending != nf->pending)
			continue;
		if (ep_equal(&f->remote, &nf->remote) &&
		    (nf->pending || ep_equal(&f->local, &nf->local))) {
			if (ts_cmp(&f->last, &nf->since) < 0)
				f->last = nf->since; /* a new call: idle from now */
			/* followed again: a socket with these ends is open (one
			 * passed with SCM_RIGHTS while its sender closed its copy) */
			f->closed = 0;
			return; /* already followed */
		}
		/* a listener's flow already covers its accepted connections */
		if (!nf->pending && !f->pending && f->remote.port == 0 && f->local.port &&
		    f->local.port == nf->local.port && f->local.family == 0)
			return;
	}
	if (!nf->pending) {
		/* the connecting socket is known now: its peer-only flow goes */
		for (size_t i = 0; i < tr->nflows;) {
			struct tr_flow *f = &tr->flows[i];
			if (f->pending && f->proto == nf->proto && nf->remote.port &&
			    ep_equal(&f->remote, &nf->remote)) {
				tr->flows[i] = tr->flows[--tr->nflows];
				continue;
			}
			i++;
		}
	}
	if (tr->nflows >= WIRE_TRACE_FLOWS_MAX && !evict_closed_locked(tr)) {
		if (tr->n_unfollowed++ == 0)
			limit_line_locked(tr, &nf->since);
		return;
	}
	tr->flows[tr->nflows++] = *nf;
	tr->filter_dirty = 1;
}

void wire_trace_watch_addr(struct wire_trace *tr, int proto, const struct sockaddr *local,
                           const struct sockaddr *remote)
{
	struct tr_flow f;
	if (!tr || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return;
	memset(&f, 0, sizeof(f));
	f.proto = (uint8_t)proto;
	if (local)
		ep_from_sa(&f.local, local);
	if (remote)
		ep_from_sa(&f.remote, remote);
	now_rt(&f.since);
	f.last = f.since;
	pthread_mutex_lock(&tr->mu);
	add_flow_locked(tr, &f);
	if (tr->filter_dirty)
		apply_filter_locked(tr);
	pthread_mutex_unlock(&tr->mu);
}

void wire_trace_peer(struct wire_trace *tr, const struct sockaddr *peer, socklen_t len, int proto)
{
	struct tr_flow f;
	if (!tr || !peer || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return;
	(void)len;
	memset(&f, 0, sizeof(f));
	f.proto = (uint8_t)proto;
	f.pending = 1;
	if (!ep_from_sa(&f.remote, peer) || f.remote.port == 0)
		return;
	now_rt(&f.since);
	f.last = f.since;
	pthread_mutex_lock(&tr->mu);
	add_flow_locked(tr, &f);
	if (tr->filter_dirty)
		apply_filter_locked(tr);
	pthread_mutex_unlock(&tr->mu);
}

void wire_trace_unwatch_addr(struct wire_trace *tr, int proto, const struct sockaddr *local,
                             const struct sockaddr *remote)
{
	struct tr_ep l, r;
	struct timespec now;
	if (!tr || !local || !ep_from_sa(&l, local))
		return;
	if (!remote || !ep_from_sa(&r, remote))
		memset(&r, 0, sizeof(r));
	now_rt(&now);
	pthread_mutex_lock(&tr->mu);
	for (size_t i = 0; i < tr->nflows; i++) {
		struct tr_flow *f = &tr->flows[i];
		/* its own flows: the same ends, or (UDP, which has no accepted
		 * sockets sharing its port) the same local end */
		if (f->pending || f->proto != proto || !ep_equal(&f->local, &l) ||
		    !(ep_equal(&f->remote, &r) || (proto == IPPROTO_UDP && f->remote.port == 0)))
			continue;
		f->closed = 1;
		if (ts_cmp(&f->last, &now) < 0)
			f->last = now;
	}
	pthread_mutex_unlock(&tr->mu);
}

/* Describes socket fd. Returns 1 with proto, local and remote (remote family
 * AF_UNSPEC when not connected), else 0. */
static int describe(int fd, int *proto, struct sockaddr_storage *l, struct sockaddr_storage *r)
{
	int type = 0;
	socklen_t sl = sizeof(type);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0)
		return 0;
	if (type == SOCK_STREAM)
		*proto = IPPROTO_TCP;
	else if (type == SOCK_DGRAM)
		*proto = IPPROTO_UDP;
	else
		return 0;
	memset(l, 0, sizeof(*l));
	memset(r, 0, sizeof(*r));
	sl = sizeof(*l);
	if (getsockname(fd, (struct sockaddr *)l, &sl) < 0)
		return 0;
	sl = sizeof(*r);
	if (getpeername(fd, (struct sockaddr *)r, &sl) < 0)
		r->ss_family = AF_UNSPEC;
	return l->ss_family == AF_INET || l->ss_family == AF_INET6;
}

/* Returns the port of a socket address (0 when none). */
static uint16_t port_of(const struct sockaddr_storage *ss)
{
	struct tr_ep e;
	return ep_from_sa(&e, (const struct sockaddr *)ss) ? e.port : 0;
}

void wire_trace_watch(struct wire_trace *tr, int fd)
{
	struct sockaddr_storage l, r;
	int proto;
	if (!tr || !describe(fd, &proto, &l, &r))
		return;
	wire_trace_watch_addr(tr, proto, (struct sockaddr *)&l,
	                      r.ss_family == AF_UNSPEC ? NULL : (struct sockaddr *)&r);
}

int wire_trace_prepare_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		if (s->sin_port)
			return 0;
		memset(s, 0, sizeof(*s));
		s->sin_family = AF_INET;
		sl = sizeof(*s);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		if (s->sin6_port)
			return 0;
		memset(s, 0, sizeof(*s));
		s->sin6_family = AF_INET6;
		sl = sizeof(*s);
	} else {
		return -EAFNOSUPPORT;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

/* ---- the queue ---------------------------------------------------------------- */

/* Frees what an event owns (it leaves the queue, or is dropped). */
static void ev_free(struct tr_ev *ev)
{
	free(ev->own);
	free(ev->json);
	free(ev->raw);
	ev->own = NULL;
	ev->json = NULL;
	ev->raw = NULL;
}

static int ev_before(const struct tr_hent *a, const struct tr_hent *b)
{
	int c = ts_cmp(&a->ts, &b->ts);
	return c ? c < 0 : a->seq < b->seq;
}

static void heap_push(struct wire_trace *tr, const struct tr_hent *e)
{
	size_t i = tr->nheap++;
	while (i > 0 && ev_before(e, &tr->heap[(i - 1) / 2])) {
		tr->heap[i] = tr->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	tr->heap[i] = *e;
}

/* Takes the oldest event's slot out of the heap (nheap > 0) and frees it:
 * its content stays readable until the next enqueue. */
static uint32_t heap_pop(struct wire_trace *tr)
{
	uint32_t top = tr->heap[0].idx;
	struct tr_hent last = tr->heap[--tr->nheap];
	size_t i = 0, n = tr->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&tr->heap[c + 1], &tr->heap[c]))
			c++;
		if (!ev_before(&tr->heap[c], &last))
			break;
		tr->heap[i] = tr->heap[c];
		i = c;
	}
	if (n)
		tr->heap[i] = last;
	tr->freel[tr->nfree++] = top;
	return top;
}

/* A free slot of the pool, grown (doubled) when none is left; -1 when
 * memory ran out. */
static long slot_get(struct wire_trace *tr)
{
	if (tr->nfree)
		return tr->freel[--tr->nfree];
	if (tr->pused == tr->pcap) {
		size_t nc = tr->pcap ? tr->pcap * 2 : 256;
		if (nc > WIRE_TRACE_EVENTS_MAX)
			nc = WIRE_TRACE_EVENTS_MAX;
		if (nc == tr->pcap)
			return -1;
		struct tr_ev *np = realloc(tr->pool, nc * sizeof(*np));
		if (!np)
			return -1;
		tr->pool = np;
		struct tr_hent *nh = realloc(tr->heap, nc * sizeof(*nh));
		if (!nh)
			return -1;
		tr->heap = nh;
		uint32_t *nf = realloc(tr->freel, nc * sizeof(*nf));
		if (!nf)
			return -1;
		tr->freel = nf;
		tr->pcap = nc;
	}
	return (long)tr->pused++;
}

/* Makes room for an event stamped ts in (ts, seq) order and returns its slot
 * (kind and payload for the caller to fill at once: the slot moves when the
 * pool grows), or NULL when memory ran out (mu held). O(log n), no
 * allocation once the pool has grown to its working size, and never any
 * output: when WIRE_TRACE_EVENTS_MAX events wait (the printer cannot keep
 * up even printing early), the oldest is dropped and counted. */
static struct tr_ev *enqueue_locked(struct wire_trace *tr, const struct timespec *ts)
{
	if (tr->nheap >= (size_t)WIRE_TRACE_EVENTS_MAX) {
		ev_free(&tr->pool[heap_pop(tr)]); /* its content stays readable */
		tr->n_lost++;
	}
	long idx = slot_get(tr);
	if (idx < 0)
		return NULL; /* the event is lost; the trace goes on */
	struct tr_ev *ev = &tr->pool[idx];
	struct tr_hent e = {.ts = *ts, .seq = tr->seq++, .idx = (uint32_t)idx};
	ev->ts = *ts;
	ev->own = NULL;
	ev->json = NULL;
	ev->raw = NULL;
	heap_push(tr, &e);
	return ev;
}

/* A call's text, cut to n - 1 bytes: "%s" (the tracer's calls, formatted
 * already) is copied without printf. */
__attribute__((format(printf, 3, 0))) static void call_text(char *out, size_t n, const char *fmt,
                                                            va_list ap)
{
	if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == 0) {
		const char *s = va_arg(ap, const char *);
		size_t k = strnlen(s, n - 1);
		memcpy(out, s, k);
		out[k] = 0;
		return;
	}
	vsnprintf(out, n, fmt, ap);
}

__attribute__((format(printf, 5, 0))) static void
add_call(struct wire_trace *tr, const struct timespec *ts, const struct tr_rx *rx,
         const struct wire_trace_callinfo *ci, const char *fmt, va_list ap)
{
	char text[TEXT_MAX];
	call_text(text, sizeof(text), fmt, ap);
	struct tout_own *own = NULL;
	if (ci && ci->owner && (tr->flags & (WIRE_TRACE_JSON | WIRE_TRACE_KEEP_RAW)) &&
	    (own = malloc(sizeof(*own))))
		tout_own_set(own, ci->owner, own_ep);
	char *json = ci && ci->json && (tr->flags & WIRE_TRACE_JSON) ? strdup(ci->json) : NULL;
	pthread_mutex_lock(&tr->mu);
	struct tr_ev *ev = enqueue_locked(tr, ts);
	if (ev) {
		ev->kind = EV_CALL;
		memcpy(ev->text, text, sizeof(text));
		if (rx)
			ev->rx = *rx;
		else
			ev->rx.on = 0;
		ev->own = own;
		ev->json = json;
		own = NULL;
		json = NULL;
	}
	pthread_mutex_unlock(&tr->mu);
	free(own);
	free(json);
}

void wire_trace_call(struct wire_trace *tr, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	if (!tr)
		return;
	now_rt(&ts);
	va_start(ap, fmt);
	add_call(tr, &ts, NULL, NULL, fmt, ap);
	va_end(ap);
}

void wire_trace_call_at(struct wire_trace *tr, const struct timespec *ts, const char *fmt, ...)
{
	va_list ap;
	if (!tr)
		return;
	va_start(ap, fmt);
	add_call(tr, ts, NULL, NULL, fmt, ap);
	va_end(ap);
}

void wire_trace_call_rx(struct wire_trace *tr, const struct timespec *ts,
                        const struct sockaddr *local, const struct sockaddr *remote, uint64_t asked,
                        uint64_t got, const char *fmt, ...)
{
	struct tr_rx rx;
	va_list ap;
	if (!tr || !ts)
		return;
	memset(&rx, 0, sizeof(rx));
	rx.on = ep_from_sa(&rx.local, local) && ep_from_sa(&rx.remote, remote);
	rx.asked = asked;
	rx.got = got;
	va_start(ap, fmt);
	add_call(tr, ts, &rx, NULL, fmt, ap);
	va_end(ap);
}

void wire_trace_call_info(struct wire_trace *tr, const struct timespec *ts,
                          const struct wire_trace_callinfo *ci, const char *fmt, ...)
{
	struct tr_rx rx;
	va_list ap;
	if (!tr || !ts)
		return;
	memset(&rx, 0, sizeof(rx));
	if (ci && ci->rx_local && ci->rx_remote) {
		rx.on =
		    ep_from_sa(&rx.local, ci->rx_local) && ep_from_sa(&rx.remote, ci->rx_remote);
		rx.asked = ci->asked;
		rx.got = ci->got;
	}
	va_start(ap, fmt);
	add_call(tr, ts, &rx, ci, fmt, ap);
	va_end(ap);
}

/* Queues packet p; raw (may be NULL) holds its bytes, owned by the queue now. */
static void add_pkt_locked(struct wire_trace *tr, const struct wire_tpkt *p, uint8_t *raw,
                           uint32_t rawlen, uint32_t wirelen)
{
	struct tr_ev *ev = enqueue_locked(tr, &p->ts);
	if (!ev) {
		free(raw);
		return;
	}
	ev->kind = EV_PKT;
	ev->text[0] = 0;
	ev->p = *p;
	ev->raw = raw;
	ev->rawlen = rawlen;
	ev->wirelen = wirelen;
}

void wire_trace_feed(struct wire_trace *tr, const struct wire_tpkt *p)
{
	if (!tr || !p)
		return;
	pthread_mutex_lock(&tr->mu);
	add_pkt_locked(tr, p, NULL, 0, 0);
	pthread_mutex_unlock(&tr->mu);
}

/* A copy of a frame's bytes for --json and -w, at most WIRE_TRACE_SNAPLEN of
 * them (*n), or NULL when they are not kept. */
static uint8_t *keep_raw(const struct wire_trace *tr, const struct wire_pkt *pkt, uint32_t *n)
{
	*n = 0;
	if (!(tr->flags & WIRE_TRACE_KEEP_RAW) || !pkt || !pkt->data)
		return NULL;
	uint32_t k = pkt->caplen < WIRE_TRACE_SNAPLEN ? pkt->caplen : WIRE_TRACE_SNAPLEN;
	uint8_t *raw = malloc(k + 1u);
	if (raw) {
		memcpy(raw, pkt->data, k);
		*n = k;
	}
	return raw;
}

void wire_trace_feed_raw(struct wire_trace *tr, const struct wire_tpkt *p,
                         const struct wire_pkt *raw)
{
	uint32_t n;
	if (!tr || !p)
		return;
	uint8_t *copy = keep_raw(tr, raw, &n);
	pthread_mutex_lock(&tr->mu);
	add_pkt_locked(tr, p, copy, n, copy ? raw->wirelen : 0);
	pthread_mutex_unlock(&tr->mu);
}

/* ---- printing -------------------------------------------------------------------- */

static void note(struct wire_trace *tr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct wire_trace *tr, const char *fmt, ...)
{
	va_list ap;
	wire_sink_puts(tr->out, NOTE_INDENT);
	va_start(ap, fmt);
	wire_sink_vprintf(tr->out, fmt, ap);
	va_end(ap);
	wire_sink_putc(tr->out, '\n');
}

/* Ends the current call's accounting: the hidden lines, the write that
 * became several segments. */
static void end_call(struct wire_trace *tr)
{
	if (tr->hidden)
		note(tr, "... %u more packets of this call not shown", tr->hidden);
	if (tr->call_is_write && tr->segs >= 2)
		note(
		    tr,
		    "one %llu-byte write became %u segments (the largest %u bytes: TCP cuts at the "
		    "MSS and at what the peer's window and congestion window allow%s); TCP is a "
		    "byte stream, the receiver may read it in other pieces",
		    (unsigned long long)tr->seg_bytes, tr->segs, tr->seg_max,
		    tr->seg_gso ? "; seen here as GSO super-packets that the NIC splits further"
		                : "");
	tr->call_is_write = 0;
	tr->segs = tr->seg_lines = tr->hidden = 0;
	tr->seg_bytes = 0;
	tr->seg_max = 0;
	tr->seg_gso = 0;
}

static int text_is_write(const char *s)
{
	static const char *const w[] = {"write(",   "send(",   "sendto(",
	                                "sendmsg(", "writev(", "splice("};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strncmp(s, w[i], strlen(w[i])))
			return 1;
	return 0;
}

static void rx_call(struct wire_trace *tr, const struct tr_ev *ev);

static void print_call(struct wire_trace *tr, const struct tr_ev *ev)
{
	end_call(tr);
	put_time(tr, &ev->ts);
	wire_sink_escaped(tr->out, ev->text, strlen(ev->text));
	wire_sink_putc(tr->out, '\n');
	tr->call_is_write = text_is_write(ev->text);
	tr->n_calls++;
	if (ev->rx.on)
		rx_call(tr, ev);
}

/* The slot a new connection takes when none is free: a closed connection's,
 * else one in TIME_WAIT, else any; of those the least recently used (a
 * late packet of a forgotten connection must not evict the one just
 * opened). */
static struct tr_conn *conn_victim(struct wire_trace *tr)
{
	struct tr_conn *best = &tr->conns[0];
	int best_rank = 3;
	for (size_t i = 0; i < WIRE_TRACE_CONNS_MAX; i++) {
		struct tr_conn *c = &tr->conns[i];
		int rank = c->tk.state == WIRE_TCPS_CLOSED      ? 0
		           : c->tk.state == WIRE_TCPS_TIME_WAIT ? 1
		                                                : 2;
		if (rank < best_rank || (rank == best_rank && c->used_at < best->used_at)) {
			best = c;
			best_rank = rank;
		}
	}
	return best;
}

/* A new SYN on a finished connection's ports starts afresh. */
static void conn_restart(struct tr_conn *c)
{
	memset(&c->tk, 0, sizeof(c->tk));
	c->rx_ok = 0;
	c->rx_head = c->rx_n = 0;
	c->rx_top = c->rx_read = 0;
	c->tx_head = c->tx_n = 0;
	c->tx_sent = 0;
	c->have_ack_in = c->said_joined = c->said_waited = 0;
}

static struct tr_conn *conn_get(struct wire_trace *tr, const struct wire_tpkt *p, int dir)
{
	const uint8_t *la = dir == DIR_OUT ? p->src : p->dst,
	              *ra = dir == DIR_OUT ? p->dst : p->src;
	uint16_t lp = dir == DIR_OUT ? p->sport : p->dport,
	         rp = dir == DIR_OUT ? p->dport : p->sport;
	struct tr_conn *free_slot = NULL;
	size_t n = alen(p->family);
	for (size_t i = 0; i < WIRE_TRACE_CONNS_MAX; i++) {
		struct tr_conn *c = &tr->conns[i];
		if (!c->used) {
			if (!free_slot)
				free_slot = c;
			continue;
		}
		if (c->family == p->family && c->lport == lp && c->rport == rp &&
		    !memcmp(c->laddr, la, n) && !memcmp(c->raddr, ra, n)) {
			if ((p->tflags & TH_SYN) && !(p->tflags & TH_ACK) &&
			    (c->tk.state == WIRE_TCPS_CLOSED || c->tk.state == WIRE_TCPS_TIME_WAIT))
				conn_restart(c);
			c->used_at = ++tr->conn_tick;
			return c;
		}
	}
	struct tr_conn *c = free_slot ? free_slot : conn_victim(tr);
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->used_at = ++tr->conn_tick;
	c->family = p->family;
	memcpy(c->laddr, la, n);
	memcpy(c->raddr, ra, n);
	c->lport = lp;
	c->rport = rp;
	return c;
}

static const char *icmp_what(const struct wire_tpkt *p, char *buf, size_t n)
{
	if (p->proto == IPPROTO_ICMP) {
		if (p->itype == 3) {
			static const char *const c3[] = {"network unreachable", "host unreachable",
			                                 "protocol unreachable",
			                                 "port unreachable"};
			if (p->icode < 4)
				return c3[p->icode];
			if (p->icode == 4) {
				snprintf(buf, n, "fragmentation needed (MTU %u)", p->mtu);
				return buf;
			}
			if (p->icode == 9 || p->icode == 10 || p->icode == 13)
				return "administratively prohibited";
			snprintf(buf, n, "destination unreachable (code %u)", p->icode);
			return buf;
		}
		if (p->itype == 11)
			return "time exceeded";
		if (p->itype == 12)
			return "parameter problem";
	} else {
		if (p->itype == 1) {
			static const char *const c1[] = {"no route", "administratively prohibited",
			                                 "beyond scope", "address unreachable",
			                                 "port unreachable"};
			if (p->icode < 5)
				return c1[p->icode];
		}
		if (p->itype == 2) {
			snprintf(buf, n, "packet too big (MTU %u)", p->mtu);
			return buf;
		}
		if (p->itype == 3)
			return "time exceeded";
		if (p->itype == 4)
			return "parameter problem";
	}
	snprintf(buf, n, "type %u code %u", p->itype, p->icode);
	return buf;
}

static int is_port_unreach(const struct wire_tpkt *p)
{
	return (p->proto == IPPROTO_ICMP && p->itype == 3 && p->icode == 3) ||
	       (p->proto == IPPROTO_ICMPV6 && p->itype == 1 && p->icode == 4);
}

/* The endpoints of packet p as its line shows them, "src > dst" (rev:
 * "dst > src"), as ep_str writes them: an address other than IPv6 is 4 bytes. */
static void eps_of(struct tr_eps *e, const struct wire_tpkt *p, int rev)
{
	size_t n = p->family == 6 ? 16 : 4;
	memset(e, 0, sizeof(*e));
	e->set = 1;
	e->family = p->family == 6 ? 6 : 4;
	memcpy(e->a, rev ? p->dst : p->src, n);
	memcpy(e->b, rev ? p->src : p->dst, n);
	e->aport = rev ? p->dport : p->sport;
	e->bport = rev ? p->sport : p->dport;
}

static int eps_equal(const struct tr_eps *x, const struct tr_eps *y)
{
	return x->set && y->set && !memcmp(x, y, sizeof(*x));
}

/* Writes a packet line: time, direction, the description, the endpoints
 * when they differ from the last packet line's (either direction), and the
 * TCP state when it changed (state NULL: none). A packet between two of the
 * program's sockets (DIR_SELF) is written '>' and shows its endpoints at each
 * turn, saying so the first time. */
static void pkt_line(struct wire_trace *tr, const struct wire_tpkt *p, int dir, const char *desc,
                     const char *state)
{
	char a[80], b[80];
	struct tr_eps both, rev;
	eps_of(&both, p, 0);
	eps_of(&rev, p, 1);
	int same = eps_equal(&both, &tr->last_eps);
	int fresh = !same && !eps_equal(&rev, &tr->last_eps);
	/* between its own sockets, '>' alone cannot say which way: a turn shows them */
	int show = fresh || (dir == DIR_SELF && !same);
	if (show)
		tr->last_eps = both;
	put_time(tr, &p->ts);
	if (!show && !state) {
		wire_sink_putc(tr->out, dir == DIR_IN ? '<' : '>');
		wire_sink_putc(tr->out, ' ');
		wire_sink_puts(tr->out, desc);
		wire_sink_putc(tr->out, '\n');
		return;
	}
	wire_sink_printf(tr->out, "%c %-26s", dir == DIR_IN ? '<' : '>', desc);
	if (show) {
		ep_str(p->family, p->src, p->sport, a, sizeof(a));
		ep_str(p->family, p->dst, p->dport, b, sizeof(b));
		wire_sink_printf(
		    tr->out, " %s > %s%s", a, b,
		    dir == DIR_SELF && fresh ? " (both ends are this program's sockets)" : "");
	}
	if (state)
		wire_sink_printf(tr->out, "  [state: %s]", state);
	wire_sink_putc(tr->out, '\n');
}

/* The words of a TCP segment's line; base is the sender's initial sequence
 * number when have_base. */
static void tcp_desc(char *desc, size_t n, const struct wire_tpkt *p, uint32_t base, int have_base,
                     int retrans)
{
	unsigned f = p->tflags;
	if (f & TH_RST)
		snprintf(desc, n, "RST");
	else if ((f & TH_SYN) && (f & TH_ACK))
		snprintf(desc, n, "SYN-ACK");
	else if (f & TH_SYN)
		snprintf(desc, n, "SYN");
	else if (p->paylen > 0) {
		uint32_t s = have_base ? p->seq - base : p->seq;
		char fl[8];
		size_t k = 0;
		if (f & TH_FIN)
			fl[k++] = 'F';
		if (f & TH_PSH)
			fl[k++] = 'P';
		if (f & TH_ACK)
			fl[k++] = '.';
		fl[k] = 0;
		char tls[64] = "";
		if (p->tls_ct)
			wire_tls_label(tls, sizeof(tls), p->tls_ct,
			               p->tls_ct == 22 ? p->tls_hs : -1);
		snprintf(desc, n, "[%s] seq %u:%u len %u%s%s", fl, s, s + p->paylen, p->paylen,
		         tls[0] ? ", TLS " : "", tls);
	} else if (f & TH_FIN)
		snprintf(desc, n, "FIN");
	else
		snprintf(desc, n, "ACK");
	if (retrans) {
		size_t k = strlen(desc);
		snprintf(desc + k, n - k, " (retransmission)");
	}
}

/* A segment with new data (no SYN, RST, retransmission). */
static int is_data(const struct wire_tpkt *p, int ev)
{
	return p->paylen > 0 && !(p->tflags & (TH_SYN | TH_RST)) && !(ev & WIRE_TCPT_RETRANS);
}

/* Counts a data segment this side sent towards the current call's note. */
static void count_seg(struct wire_trace *tr, const struct wire_tpkt *p, int ev)
{
	if (p->paylen == 0 || (p->tflags & (TH_SYN | TH_RST)) || (ev & WIRE_TCPT_RETRANS))
		return;
	tr->segs++;
	tr->seg_bytes += p->paylen;
	if (p->paylen > tr->seg_max)
		tr->seg_max = p->paylen;
	if (p->gso)
		tr->seg_gso = 1;
}

/* Many segments after one call: only the first ones are shown. Returns 1
 * when this one is hidden. */
static int hide_seg(struct wire_trace *tr, const struct wire_tpkt *p, int ev, int changed)
{
	if ((p->tflags & (TH_SYN | TH_FIN | TH_RST)) || (ev & ~WIRE_TCPT_STATE) || changed ||
	    (tr->flags & WIRE_TRACE_JSON))
		return 0; /* JSON shows every packet */
	if (tr->seg_lines >= WIRE_TRACE_SEG_LINES) {
		tr->hidden++;
		return 1;
	}
	tr->seg_lines++;
	return 0;
}

/* Remembers a new data segment c received (not a retransmission). */
static void rx_record(struct tr_conn *c, const struct wire_tpkt *p, int ev)
{
	if (!c->tk.have_irs || p->paylen == 0 || (p->tflags & (TH_SYN | TH_RST)) ||
	    (ev & WIRE_TCPT_RETRANS))
		return;
	uint32_t end = p->seq - (c->tk.irs + 1u) + p->paylen;
	c->rx_ok = 1; /* the peer's SYN was seen: offsets count from its first byte */
	if ((int32_t)(end - c->rx_top) <= 0)
		return; /* nothing new */
	if (c->rx_n == RXSEGS_MAX) {
		c->rx_head = (c->rx_head + 1) % RXSEGS_MAX;
		c->rx_n--;
	}
	unsigned j = (c->rx_head + c->rx_n++) % RXSEGS_MAX;
	c->rx_end[j] = end;
	c->rx_len[j] = end - c->rx_top < p->paylen ? end - c->rx_top : p->paylen;
	c->rx_top = end;
}

static struct tr_conn *conn_of_rx(struct wire_trace *tr, const struct tr_rx *rx)
{
	uint8_t fam = rx->local.family;
	if (!rx->on || !fam || fam != rx->remote.family)
		return NULL;
	for (size_t i = 0; i < WIRE_TRACE_CONNS_MAX; i++) {
		struct tr_conn *c = &tr->conns[i];
		if (c->used && c->family == fam && c->lport == rx->local.port &&
		    c->rport == rx->remote.port && !memcmp(c->laddr, rx->local.addr, alen(fam)) &&
		    !memcmp(c->raddr, rx->remote.addr, alen(fam)))
			return c;
	}
	return NULL;
}

/* The note of a read that returned less than asked, or the data of several
 * segments: which segments carried its bytes. Nothing when the capture did
 * not see them all. */
static void rx_note(struct wire_trace *tr, const struct tr_rx *rx)
{
	struct tr_conn *c = conn_of_rx(tr, rx);
	if (!c || !c->rx_ok || rx->got == 0 || rx->got > UINT32_MAX)
		return;
	uint32_t from = c->rx_read, to = from + (uint32_t)rx->got, covered = 0;
	unsigned k = 0;
	int rest = 0;
	char lens[80];
	struct wire_tbuf t = {lens, sizeof(lens), 0, 0};
	c->rx_read = to;
	for (unsigned i = 0; i < c->rx_n; i++) {
		unsigned j = (c->rx_head + i) % RXSEGS_MAX;
		uint32_t end = c->rx_end[j], start = end - c->rx_len[j];
		if ((int32_t)(end - from) <= 0 || (int32_t)(start - to) >= 0)
			continue;
		uint32_t a = (int32_t)(start - from) < 0 ? from : start;
		uint32_t b = (int32_t)(end - to) > 0 ? to : end;
		covered += b - a;
		rest |= k == 0 && a != start;
		if (k < RXLIST_MAX)
			wire_tbuf_printf(&t, "%s%u", k ? "+" : "", c->rx_len[j]);
		else if (k == RXLIST_MAX)
			wire_tbuf_printf(&t, "+...");
		k++;
	}
	while (c->rx_n && (int32_t)(c->rx_end[c->rx_head] - to) <= 0) {
		c->rx_head = (c->rx_head + 1) % RXSEGS_MAX;
		c->rx_n--;
	}
	if (k == 0 || covered != (uint32_t)rx->got)
		return;
	if (rx->got < rx->asked)
		note(tr,
		     "returned %llu of the %llu asked: the bytes that had arrived (%s%u "
		     "segment%s%s%s "
		     "bytes); TCP keeps no message boundaries",
		     (unsigned long long)rx->got, (unsigned long long)rx->asked,
		     rest ? "the rest of " : "", k, k > 1 ? "s" : "", k > 1 ? ": " : " of ", lens);
	else if (k > 1)
		note(tr,
		     "this call returned the data of %u segments (%s bytes): TCP keeps no message "
		     "boundaries",
		     k, lens);
}

/* Remembers a write of n bytes at ts on c (when the ring is full, the last
 * entry takes in the writes that follow: counts stay true). */
static void tx_record(struct tr_conn *c, uint64_t n, const struct timespec *ts)
{
	if (!c->tk.have_iss || n == 0 || n > UINT32_MAX)
		return;
	unsigned j = (c->tx_head + c->tx_n - 1u) % TXWRITES_MAX;
	c->tx_sent += (uint32_t)n;
	if (c->tx_n < TXWRITES_MAX) {
		j = (c->tx_head + c->tx_n++) % TXWRITES_MAX;
		c->tx_len[j] = c->tx_count[j] = c->tx_max[j] = 0;
		c->tx_ts[j] = *ts;
	}
	c->tx_end[j] = c->tx_sent;
	c->tx_len[j] += (uint32_t)n;
	c->tx_count[j]++;
	if ((uint32_t)n > c->tx_max[j])
		c->tx_max[j] = (uint32_t)n;
}

static double ms_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* The notes of a data segment c sent, against the writes whose bytes it
 * carries: several small writes joined, or a small write that waited for an
 * ACK (Nagle's algorithm). Each said once per connection. */
static void tx_note(struct wire_trace *tr, struct tr_conn *c, const struct wire_tpkt *p)
{
	uint32_t s = p->seq - (c->tk.iss + 1u), e = s + p->paylen;
	unsigned k = 0, small = 1;
	int atleast = 0;
	const struct timespec *first = NULL;
	for (unsigned i = 0; i < c->tx_n; i++) {
		unsigned j = (c->tx_head + i) % TXWRITES_MAX;
		uint32_t end = c->tx_end[j], start = end - c->tx_len[j];
		if ((int32_t)(end - s) <= 0 || (int32_t)(start - e) >= 0)
			continue;
		if (!first)
			first = &c->tx_ts[j];
		small &= c->tx_max[j] < NAGLE_SMALL;
		int whole = (int32_t)(start - s) >= 0 && (int32_t)(end - e) <= 0;
		k += whole ? c->tx_count[j] : 1; /* part of merged writes: at least one */
		atleast |= !whole && c->tx_count[j] > 1;
	}
	while (c->tx_n && (int32_t)(c->tx_end[c->tx_head] - e) <= 0) {
		c->tx_head = (c->tx_head + 1) % TXWRITES_MAX;
		c->tx_n--;
	}
	if (!k || !small)
		return;
	if (k >= 2 && !c->said_joined) {
		c->said_joined = 1;
		note(tr,
		     "the data of %s%u writes left in one segment: while data is unacknowledged, "
		     "TCP holds small writes back and joins them (Nagle's algorithm; Linux's "
		     "autocorking too); TCP_NODELAY sends each write at once",
		     atleast ? "at least " : "", k);
	}
	double wait = ms_since(first, &p->ts);
	if (!c->said_waited && wait >= NAGLE_WAIT_MS && c->have_ack_in &&
	    ts_cmp(&c->ack_in, first) > 0 && ms_since(&c->ack_in, &p->ts) <= NAGLE_ACK_MS) {
		c->said_waited = 1;
		note(tr,
		     "this data left %.1f ms after its write, just after the ACK of the earlier "
		     "data "
		     "came: Nagle's algorithm holds a small write while data is unacknowledged; "
		     "TCP_NODELAY sends it at once",
		     wait);
	}
}

/* An incoming segment on c: its time, for the writes waiting on an ACK. */
static void ack_record(struct tr_conn *c, const struct wire_tpkt *p)
{
	if (p->tflags & TH_ACK) {
		c->ack_in = p->ts;
		c->have_ack_in = 1;
	}
}

/* A read's note, or a write's bytes remembered for its segments. */
static void rx_call(struct wire_trace *tr, const struct tr_ev *ev)
{
	if (ev->rx.asked) {
		rx_note(tr, &ev->rx);
		return;
	}
	struct tr_conn *c = conn_of_rx(tr, &ev->rx);
	if (c)
		tx_record(c, ev->rx.got, &ev->ts);
}

static void print_tcp(struct wire_trace *tr, const struct wire_tpkt *p, int dir)
{
	struct tr_conn *c = conn_get(tr, p, dir);
	char desc[96], nt[320];
	int out = dir == DIR_OUT;
	int old = c->tk.state;

	int ev = wire_tcp_track(&c->tk, out, p, nt, sizeof(nt));
	if (out)
		count_seg(tr, p, ev);
	else
		rx_record(c, p, ev);
	if (!out)
		ack_record(c, p);
	if (hide_seg(tr, p, ev, old != c->tk.state)) {
		if (out && is_data(p, ev))
			tx_note(tr, c, p); /* keeps its writes in step; a note shows the line */
		return;
	}
	tcp_desc(desc, sizeof(desc), p, out ? c->tk.iss : c->tk.irs,
	         out ? c->tk.have_iss : c->tk.have_irs, ev & WIRE_TCPT_RETRANS);
	pkt_line(tr, p, dir, desc,
	         (ev & WIRE_TCPT_STATE) && !(ev & WIRE_TCPT_CONNECTED) ? wire_tcps_name(c->tk.state)
	                                                               : NULL);
	if (ev & WIRE_TCPT_CONNECTED) {
		put_time(tr, &p->ts);
		wire_sink_printf(tr->out, "%s   [state: %s]\n", nt, wire_tcps_name(c->tk.state));
	} else if (nt[0]) {
		note(tr, "%s", nt);
	}
	if (out && is_data(p, ev))
		tx_note(tr, c, p);
}

/* A segment between two sockets of the program: each end's connection is
 * tracked on its own (two trackers), and each note says whose it is. */
static void print_tcp_self(struct wire_trace *tr, const struct wire_tpkt *p)
{
	struct tr_conn *snd = conn_get(tr, p, DIR_OUT);
	char desc[96], st[96], ns[320], nr[320] = "";
	int olds = snd->tk.state;
	int evs = wire_tcp_track(&snd->tk, 1, p, ns, sizeof(ns));
	struct tr_conn *rcv = conn_get(tr, p, DIR_IN); /* after: it may not evict snd */
	int oldr = rcv->tk.state, evr = 0;
	if (rcv != snd) {
		evr = wire_tcp_track(&rcv->tk, 0, p, nr, sizeof(nr));
		rx_record(rcv, p, evr);
		ack_record(rcv, p);
	}
	count_seg(tr, p, evs);
	if (hide_seg(tr, p, evs | evr, olds != snd->tk.state || oldr != rcv->tk.state)) {
		if (is_data(p, evs))
			tx_note(tr, snd, p);
		return;
	}
	tcp_desc(desc, sizeof(desc), p, snd->tk.iss, snd->tk.have_iss, evs & WIRE_TCPT_RETRANS);
	snprintf(st, sizeof(st), "port %u %s, port %u %s", p->sport, wire_tcps_name(snd->tk.state),
	         p->dport, wire_tcps_name(rcv->tk.state));
	pkt_line(tr, p, DIR_SELF, desc, (evs | evr) & WIRE_TCPT_STATE ? st : NULL);
	if (ns[0])
		note(tr, "the socket at port %u: %s", p->sport, ns);
	if (nr[0])
		note(tr, "the socket at port %u: %s", p->dport, nr);
	if (is_data(p, evs))
		tx_note(tr, snd, p);
}

static void remember_sent(struct wire_trace *tr, const struct wire_tpkt *p)
{
	struct tr_sent *s = &tr->sent[tr->sent_next++ % SENT_MAX];
	s->used = 1;
	s->p = *p;
}

static struct tr_frag *frag_find(struct wire_trace *tr, const struct wire_tpkt *p)
{
	for (size_t i = 0; i < FRAGS_MAX; i++) {
		struct tr_frag *f = &tr->frags[i];
		if (f->used && f->family == p->family && f->id == p->ipid &&
		    !memcmp(f->src, p->src, alen(p->family)) &&
		    !memcmp(f->dst, p->dst, alen(p->family)))
			return f;
	}
	return NULL;
}

static void frag_note(struct wire_trace *tr, struct tr_frag *f)
{
	if (f->count > 1)
		note(tr,
		     "a %u-byte datagram, larger than the MTU, %s as %u IP fragments (id %u, at "
		     "most "
		     "%u bytes of data each)%s",
		     f->dgram, f->dir != DIR_IN ? "left" : "arrived", f->count, f->id, f->maxlen,
		     f->dir != DIR_IN ? ": the receiver reassembles it, and losing one fragment "
		                        "loses the whole datagram"
		                      : "");
	f->used = 0;
}

static void print_udp(struct wire_trace *tr, const struct wire_tpkt *p, int dir)
{
	char desc[96];
	if (p->frag) {
		/* the first fragment of a datagram: follow the others by id */
		struct tr_frag *f = frag_find(tr, p);
		if (!f) {
			f = &tr->frags[0];
			for (size_t i = 0; i < FRAGS_MAX; i++)
				if (!tr->frags[i].used) {
					f = &tr->frags[i];
					break;
				}
			if (f->used)
				frag_note(tr, f);
			memset(f, 0, sizeof(*f));
			f->used = 1;
			f->dir = dir;
			f->family = p->family;
			memcpy(f->src, p->src, 16);
			memcpy(f->dst, p->dst, 16);
			f->id = p->ipid;
		}
		f->count++;
		f->dgram = p->paylen;
		if (p->iplen > f->maxlen)
			f->maxlen = p->iplen;
		snprintf(desc, sizeof(desc), "UDP len %u (fragment 1)", p->paylen);
	} else {
		snprintf(desc, sizeof(desc), "UDP len %u", p->paylen);
	}
	if (dir != DIR_IN)
		remember_sent(tr, p);
	pkt_line(tr, p, dir, desc, NULL);
}

/* A fragment after the first: counted, not printed. Returns 1 when it
 * belongs to a followed datagram. */
static int count_fragment(struct wire_trace *tr, const struct wire_tpkt *p)
{
	struct tr_frag *f = frag_find(tr, p);
	if (!f)
		return 0;
	f->count++;
	if (p->iplen > f->maxlen)
		f->maxlen = p->iplen;
	tr->frag_dir = f->dir; /* its datagram's (it has no ports of its own) */
	if (!p->mf)
		frag_note(tr, f);
	return 1;
}

static void print_icmp(struct wire_trace *tr, const struct wire_tpkt *p, int dir)
{
	char buf[64], desc[96], qs[80], qd[80];
	const char *what = icmp_what(p, buf, sizeof(buf));
	snprintf(desc, sizeof(desc), "ICMP%s %s", p->proto == IPPROTO_ICMPV6 ? "v6" : "", what);
	put_time(tr, &p->ts);
	wire_sink_printf(tr->out, "%c %s", dir == DIR_OUT ? '>' : '<', desc);
	ep_str(p->q.family, p->q.src, p->q.sport, qs, sizeof(qs));
	ep_str(p->q.family, p->q.dst, p->q.dport, qd, sizeof(qd));
	const char *qp = p->q.proto == IPPROTO_TCP   ? "TCP"
	                 : p->q.proto == IPPROTO_UDP ? "UDP"
	                                             : "IP";
	wire_sink_printf(tr->out, " for the %s packet %s > %s", qp, qs, qd);
	/* tie it to the datagram that caused it */
	const struct tr_sent *hit = NULL;
	for (unsigned i = 0; i < SENT_MAX; i++) {
		const struct tr_sent *s = &tr->sent[(tr->sent_next - 1u - i) % SENT_MAX];
		if (!s->used || s->p.family != p->q.family || s->p.sport != p->q.sport ||
		    s->p.dport != p->q.dport || memcmp(s->p.dst, p->q.dst, alen(p->q.family)))
			continue;
		if (p->q.family == 4 && s->p.ipid != p->q.ipid)
			continue;
		hit = s;
		break;
	}
	if (hit) {
		char t[40];
		long long ns =
		    ((long long)hit->p.ts.tv_sec - (long long)tr->t0.tv_sec) * 1000000000LL +
		    ((long long)hit->p.ts.tv_nsec - (long long)tr->t0.tv_nsec);
		snprintf(t, sizeof(t), "%lld.%06lld", ns / 1000000000LL,
		         (ns % 1000000000LL) / 1000);
		wire_sink_printf(tr->out, " (the datagram sent at %s)", t);
	}
	wire_sink_putc(tr->out, '\n');
	if (is_port_unreach(p) && p->q.proto == IPPROTO_UDP && dir == DIR_IN)
		note(tr,
		     "nothing listens on %s (UDP), so the kernel there answered with ICMP port "
		     "unreachable; this side sees it as ECONNREFUSED on the socket's next call "
		     "(connected sockets, or with IP_RECVERR), not on the sendto() that caused it",
		     qd);
	else if (dir == DIR_IN && ((p->proto == IPPROTO_ICMP && p->itype == 3 && p->icode == 4) ||
	                           (p->proto == IPPROTO_ICMPV6 && p->itype == 2)))
		note(tr, "the path MTU is %u: larger packets must be fragmented or made smaller",
		     p->mtu);
}

/* Which way a packet goes against the followed sockets, DIR_NONE when it is
 * not theirs (mu held: the flows change under it). */
static int pkt_dir_locked(struct wire_trace *tr, const struct wire_tpkt *p)
{
	long fi;
	if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->l4ok) {
		int d =
		    match_tuple(tr, p->proto, p->family, p->src, p->sport, p->dst, p->dport, &fi);
		if (fi >= 0 && ts_cmp(&tr->flows[fi].last, &p->ts) < 0)
			tr->flows[fi].last =
			    p->ts; /* a closed socket's flow stays a while longer */
		return d;
	}
	if ((p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) && p->l4ok && p->q.ok &&
	    (p->q.proto == IPPROTO_TCP || p->q.proto == IPPROTO_UDP)) {
		int qd = match_tuple(tr, p->q.proto, p->q.family, p->q.src, p->q.sport, p->q.dst,
		                     p->q.dport, &fi);
		/* an error about a packet between its own sockets goes to the sender */
		return qd == DIR_OUT || qd == DIR_SELF ? DIR_IN : qd == DIR_IN ? DIR_OUT : DIR_NONE;
	}
	return DIR_NONE;
}

static void print_pkt(struct wire_trace *tr, const struct wire_tpkt *p, int dir)
{
	if (p->frag && p->fragoff > 0) {
		if (count_fragment(tr, p))
			tr->n_pkts++;
		else
			tr->n_other++;
		return;
	}
	if (dir == DIR_NONE) {
		tr->n_other++;
		return;
	}
	tr->n_pkts++;
	if (p->proto == IPPROTO_TCP && dir == DIR_SELF)
		print_tcp_self(tr, p);
	else if (p->proto == IPPROTO_TCP)
		print_tcp(tr, p, dir);
	else if (p->proto == IPPROTO_UDP)
		print_udp(tr, p, dir);
	else
		print_icmp(tr, p, dir);
}

/* Moves the queued events up to limit (NULL: all) into the printer's batch
 * tr->pq, oldest first, each packet with its direction. Returns how many
 * (pmu and mu held). */
static size_t take_ready_locked(struct wire_trace *tr, const struct timespec *limit)
{
	struct timespec lim, now;
	int bounded = limit != NULL;
	if (bounded)
		lim = *limit;
	/* while a connecting socket's port is unknown, wait for it (a while) */
	now_rt(&now);
	for (size_t i = 0; i < tr->nflows && bounded; i++) {
		const struct tr_flow *f = &tr->flows[i];
		if (!f->pending ||
		    f->proto == IPPROTO_UDP) /* a sendto's port: known at its return */
			continue;
		struct timespec until = ts_add_ms(f->since, PENDING_MAX_MS);
		if (ts_cmp(&now, &until) < 0 && ts_cmp(&f->since, &lim) < 0)
			lim = f->since;
	}
	/* a backlog (the printer fell behind): print early rather than drop */
	size_t keep = tr->nheap > WIRE_TRACE_EVENTS_MAX / 2 ? WIRE_TRACE_EVENTS_MAX / 4 : 0;
	size_t n = 0;
	while (tr->nheap > 0) {
		struct tr_ev *top = &tr->pool[tr->heap[0].idx];
		if (bounded && ts_cmp(&top->ts, &lim) > 0 && (!keep || tr->nheap <= keep))
			break;
		if (n == tr->pqcap) {
			size_t nc = tr->pqcap ? tr->pqcap * 2 : 256;
			struct tr_ev *nb = realloc(tr->pq, nc * sizeof(*nb));
			if (!nb)
				break; /* printed later, or by wire_trace_stop */
			tr->pq = nb;
			tr->pqcap = nc;
		}
		top->dir = top->kind == EV_PKT ? pkt_dir_locked(tr, &top->p) : DIR_NONE;
		tr->pq[n++] = *top;
		heap_pop(tr);
	}
	if (bounded) { /* the filter is narrowed when the next socket is added */
		expire_flows_locked(tr, &lim);
		tr->printed = lim;
	}
	return n;
}

/* A packet the timeline counted, to --json and -w. */
static void out_packet(struct wire_trace *tr, const struct tr_ev *ev)
{
	struct tout_pkt k = {.p = &ev->p,
	                     .dir = ev->dir != DIR_NONE ? ev->dir : tr->frag_dir,
	                     .frame = tr->n_pkts,
	                     .raw = ev->raw,
	                     .caplen = ev->rawlen,
	                     .wirelen = ev->wirelen,
	                     .linktype = tr->linktype,
	                     .ifname = tr->ifname};
	tout_packet(tr->o, &k);
}

/* Prints the queued events up to limit (NULL: all), oldest first: takes them
 * out under mu, prints them without it (pmu held). */
static void emit(struct wire_trace *tr, const struct timespec *limit)
{
	pthread_mutex_lock(&tr->mu);
	size_t n = take_ready_locked(tr, limit);
	pthread_mutex_unlock(&tr->mu);
	for (size_t i = 0; i < n; i++) {
		const struct tr_ev *ev = &tr->pq[i];
		if (!tr->have_t0) {
			tr->t0 = ev->ts;
			tr->have_t0 = 1;
		}
		if (ev->kind == EV_CALL) {
			print_call(tr, ev);
			if (tr->o)
				tout_call(tr->o, &ev->ts, ev->own, ev->text, ev->json);
		} else {
			uint64_t before = tr->n_pkts;
			print_pkt(tr, &ev->p, ev->dir);
			if (tr->o && tr->n_pkts != before)
				out_packet(tr, ev);
		}
		ev_free(&tr->pq[i]);
	}
	if (n) {
		wire_sink_flush(tr->out);
		if (tr->o)
			tout_flush(tr->o);
	}
}

void wire_trace_flush(struct wire_trace *tr)
{
	if (!tr)
		return;
	pthread_mutex_lock(&tr->pmu);
	emit(tr, NULL);
	pthread_mutex_unlock(&tr->pmu);
}

/* ---- capture ---------------------------------------------------------------------- */

/* Takes the packets the ring holds, up to CAP_BATCH: waits up to POLL_MS
 * for the first (*rc: that wait's result, as wire_capture_next's), then
 * takes those ready after it without waiting. Returns how many were decoded
 * into tr->capb (the capture thread's). */
static size_t take_batch(struct wire_trace *tr, int *rc)
{
	struct wire_pkt pkt;
	size_t n = 0;
	int r = wire_capture_next(tr->cap, &pkt, POLL_MS);
	*rc = r;
	while (r == 1) {
		struct cap_one *b = &tr->capb[n];
		if (wire_trace_decode(&pkt, &b->t)) {
			b->raw = keep_raw(tr, &pkt, &b->rawlen);
			b->wirelen = pkt.wirelen;
			n++;
		}
		if (n == CAP_BATCH)
			break;
		r = wire_capture_next(tr->cap, &pkt, 0);
	}
	return n;
}

/* How late the batch's packets reach us: printing waits at least twice
 * that (*hold_ms), so a busy machine does not reorder the timeline. */
static void track_lag(const struct wire_trace *tr, size_t n, const struct timespec *now,
                      long long *hold_ms)
{
	for (size_t i = 0; i < n; i++) {
		const struct timespec *t = &tr->capb[i].t.ts;
		long long lag = wire_ts_ms(t, now);
		if (lag > 0 && 2 * lag > *hold_ms)
			*hold_ms = 2 * lag > HOLD_MAX_MS ? HOLD_MAX_MS : 2 * lag;
	}
}

/* The capture thread: packets into the queue, a batch per lock; every
 * POLL_MS (or when the ring is idle) the events old enough are printed. */
static void *capture_main(void *arg)
{
	struct wire_trace *tr = arg;
	struct timespec last, now, stop_at = {0, 0};
	int stopping = 0;
	long long hold_ms = WIRE_TRACE_HOLD_MS;
	now_rt(&last);
	for (;;) {
		int rc;
		size_t n = take_batch(tr, &rc);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN) {
			struct timespec ts = {0, 20000000};
			nanosleep(&ts, NULL); /* e.g. the interface went down: retry calmly */
		}
		now_rt(&now);
		track_lag(tr, n, &now, &hold_ms);
		pthread_mutex_lock(&tr->mu);
		for (size_t i = 0; i < n; i++)
			add_pkt_locked(tr, &tr->capb[i].t, tr->capb[i].raw, tr->capb[i].rawlen,
			               tr->capb[i].wirelen);
		if (tr->stopping && !stopping) {
			stopping = 1;
			/* late packets: as long as they have been late, at least */
			stop_at =
			    ts_add_ms(now, hold_ms > WIRE_TRACE_DRAIN_MS ? (long)hold_ms
			                                                 : WIRE_TRACE_DRAIN_MS);
		}
		int done = stopping && ts_cmp(&now, &stop_at) >= 0;
		pthread_mutex_unlock(&tr->mu);
		if (done)
			break;
		long long since_ms = wire_ts_ms(&last, &now);
		if (rc != 1 || since_ms < 0 || since_ms >= POLL_MS) {
			struct timespec lim = ts_add_ms(now, -(long)hold_ms);
			pthread_mutex_lock(&tr->pmu);
			emit(tr, &lim);
			pthread_mutex_unlock(&tr->pmu);
			last = now;
		}
	}
	return NULL;
}

/* Picks the interface the traffic to peer (or from local) goes through:
 * "lo" for loopback and this host's own addresses, the interface that holds
 * the route's source address, else "any". */
static void pick_interface(const struct sockaddr *local, const struct sockaddr *peer, char *name,
                           size_t n)
{
	struct tr_ep src, dst;
	struct sockaddr_storage ss;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	snprintf(name, n, "any");
	if (local)
		ep_from_sa(&src, local);
	if (peer && ep_from_sa(&dst, peer) && dst.family) {
		/* the route's source address, without sending anything */
		int fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			socklen_t pl = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
			                                           : sizeof(struct sockaddr_in);
			socklen_t sl = sizeof(ss);
			struct sockaddr_storage p2;
			memcpy(&p2, peer, pl);
			if (((struct sockaddr_in *)&p2)->sin_port == 0)
				((struct sockaddr_in *)&p2)->sin_port = htons(9);
			if (connect(fd, (struct sockaddr *)&p2, pl) == 0 &&
			    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && !src.family)
				ep_from_sa(&src, (struct sockaddr *)&ss);
			close(fd);
		}
	}
	static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	if ((src.family == 4 && src.addr[0] == 127) ||
	    (src.family == 6 && !memcmp(src.addr, lo6, 16)) ||
	    (dst.family == 4 && dst.addr[0] == 127) ||
	    (dst.family == 6 && !memcmp(dst.addr, lo6, 16))) {
		snprintf(name, n, "lo");
		return;
	}
	if (!src.family)
		return;
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) < 0)
		return;
	const char *src_if = NULL;
	int dst_local = 0;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct tr_ep e;
		if (!i->ifa_addr || !ep_from_sa(&e, i->ifa_addr) || !e.family)
			continue;
		if (!src_if && e.family == src.family && !memcmp(e.addr, src.addr, alen(e.family)))
			src_if = i->ifa_name;
		if (dst.family && e.family == dst.family &&
		    !memcmp(e.addr, dst.addr, alen(e.family)))
			dst_local = 1;
	}
	if (dst_local)
		snprintf(name, n, "lo"); /* this host's own address goes over lo */
	else if (src_if)
		snprintf(name, n, "%s", src_if);
	freeifaddrs(ifa);
}

/* --json and -w: their output state; the printers write into its text sink.
 * Returns 0, or -1 when out of memory. */
static int out_start(struct wire_trace *tr)
{
	if (!(tr->flags & (WIRE_TRACE_JSON | WIRE_TRACE_KEEP_RAW)))
		return 0;
	if (tr->flags & WIRE_TRACE_JSON)
		tr->flags |= WIRE_TRACE_KEEP_RAW;
	tr->o = tout_new(tr->out, (tr->flags & WIRE_TRACE_JSON) != 0);
	if (!tr->o)
		return -1;
	tr->out = tout_text_sink(tr->o);
	return 0;
}

struct wire_trace *wire_trace_start(int fd, const struct sockaddr *peer, socklen_t peerlen,
                                    struct wire_sink *out, int flags)
{
	struct wire_trace *tr = calloc(1, sizeof(*tr));
	struct sockaddr_storage l, r;
	int proto = 0, have_fd;
	char why[256];
	if (!tr)
		return NULL;
	wire_sink_init_fd(&tr->own, 2);
	tr->out = out ? out : &tr->own;
	tr->flags = flags;
	pthread_mutex_init(&tr->mu, NULL);
	pthread_mutex_init(&tr->pmu, NULL);
	have_fd = describe(fd, &proto, &l, &r);
	int follow = have_fd && !(flags & WIRE_TRACE_NO_FOLLOW);

	if (!(flags & WIRE_TRACE_NO_CAPTURE)) {
		const struct sockaddr *lsa = have_fd ? (struct sockaddr *)&l : NULL;
		const struct sockaddr *psa = peer;
		if (!psa && have_fd && r.ss_family != AF_UNSPEC)
			psa = (struct sockaddr *)&r;
		pick_interface(lsa, psa, tr->ifname, sizeof(tr->ifname));
		struct wire_capture_opts o;
		memset(&o, 0, sizeof(o));
		o.ifname = tr->ifname;
		o.snaplen = WIRE_TRACE_SNAPLEN;
		o.buf_mib = RING_MIB;
		o.promisc = 0;
		o.dir = WIRE_CAP_INOUT;
		o.block_ms = BLOCK_MS;
		int rc = wire_capture_open(&tr->cap, &o, why, sizeof(why));
		if (rc == 0) {
			tr->linktype = wire_capture_linktype(tr->cap);
			/* the filter goes in before the ring fills */
			if (follow)
				wire_trace_watch_addr(
				    tr, proto, (struct sockaddr *)&l,
				    r.ss_family == AF_UNSPEC ? NULL : (struct sockaddr *)&r);
			if (peer && !(follow && port_of(&l)))
				wire_trace_peer(tr, peer, peerlen, have_fd ? proto : IPPROTO_TCP);
			pthread_mutex_lock(&tr->mu);
			apply_filter_locked(tr);
			pthread_mutex_unlock(&tr->mu);
			rc = wire_capture_start(tr->cap, why, sizeof(why));
		}
		if (rc < 0) {
			if (rc == WIRE_E_PRIV || rc == -EPERM || rc == -EACCES)
				wire_sink_puts(tr->out, WIRE_TRACE_PRIV_MSG);
			else
				wire_sink_printf(
				    tr->out, "wirecat: --trace: %s; continuing without the trace\n",
				    why[0] ? why : wire_strerror(rc));
			wire_sink_flush(tr->out);
			if (tr->cap)
				wire_capture_close(tr->cap);
			pthread_mutex_destroy(&tr->mu);
			pthread_mutex_destroy(&tr->pmu);
			free(tr);
			return NULL;
		}
		/* The capture thread takes no signals: a command that turns
		 * SIGINT/SIGTERM into an orderly stop (signalfd, blocked in its
		 * own thread only after the trace started) must get them, not
		 * have them kill the process from this thread. */
		if (out_start(tr) < 0) {
			wire_capture_close(tr->cap);
			pthread_mutex_destroy(&tr->mu);
			pthread_mutex_destroy(&tr->pmu);
			free(tr);
			return NULL;
		}
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		int prc = pthread_create(&tr->th, NULL, capture_main, tr);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (prc != 0) {
			wire_sink_puts(tr->out,
			               "wirecat: --trace: cannot start the capture thread; "
			               "continuing without the trace\n");
			wire_sink_flush(tr->out);
			wire_capture_close(tr->cap);
			tout_free(tr->o);
			pthread_mutex_destroy(&tr->mu);
			pthread_mutex_destroy(&tr->pmu);
			free(tr);
			return NULL;
		}
		tr->th_started = 1;
		return tr;
	}
	if (follow)
		wire_trace_watch_addr(tr, proto, (struct sockaddr *)&l,
		                      r.ss_family == AF_UNSPEC ? NULL : (struct sockaddr *)&r);
	if (peer && !(follow && port_of(&l)))
		wire_trace_peer(tr, peer, peerlen, have_fd ? proto : IPPROTO_TCP);
	if (out_start(tr) < 0) {
		pthread_mutex_destroy(&tr->mu);
		pthread_mutex_destroy(&tr->pmu);
		free(tr);
		return NULL;
	}
	return tr;
}

int wire_trace_is_json(const struct wire_trace *tr)
{
	return tr && (tr->flags & WIRE_TRACE_JSON) != 0;
}

void wire_trace_set_pcapng(struct wire_trace *tr, struct wire_sink *s)
{
	if (!tr || !tr->o || !s)
		return;
	pthread_mutex_lock(&tr->pmu);
	tout_set_pcapng(tr->o, s, tr->linktype, tr->ifname[0] ? tr->ifname : NULL);
	pthread_mutex_unlock(&tr->pmu);
}

void wire_trace_stop(struct wire_trace *tr)
{
	struct wire_capture_stats st;
	int have_st = 0;
	if (!tr)
		return;
	if (tr->th_started) {
		pthread_mutex_lock(&tr->mu);
		tr->stopping = 1;
		pthread_mutex_unlock(&tr->mu);
		pthread_join(tr->th, NULL);
		have_st = wire_capture_stats(tr->cap, &st) == 0;
	}
	pthread_mutex_lock(&tr->pmu);
	emit(tr, NULL);
	end_call(tr);
	for (size_t i = 0; i < FRAGS_MAX; i++)
		if (tr->frags[i].used)
			frag_note(tr, &tr->frags[i]);
	struct timespec now;
	now_rt(&now);
	if (tr->o)
		tout_tail(tr->o, &now, 0);
	wire_sink_printf(tr->out, "trace: %llu packets of this command",
	                 (unsigned long long)tr->n_pkts);
	if (!(tr->flags & WIRE_TRACE_NO_CALL_COUNT))
		wire_sink_printf(tr->out, ", %llu calls", (unsigned long long)tr->n_calls);
	if (tr->ifname[0])
		wire_sink_printf(tr->out, ", captured on %s", tr->ifname);
	if (have_st && st.dropped)
		wire_sink_printf(tr->out, ", %llu dropped by the kernel",
		                 (unsigned long long)st.dropped);
	pthread_mutex_lock(&tr->mu);
	uint64_t lost = tr->n_lost, unfollowed = tr->n_unfollowed;
	pthread_mutex_unlock(&tr->mu);
	if (lost)
		wire_sink_printf(tr->out, ", %llu events not shown (the output could not keep up)",
		                 (unsigned long long)lost);
	if (unfollowed)
		wire_sink_printf(tr->out, ", %llu sockets not followed (over %d open at once)",
		                 (unsigned long long)unfollowed, WIRE_TRACE_FLOWS_MAX);
	wire_sink_putc(tr->out, '\n');
	wire_sink_flush(tr->out);
	if (tr->o) {
		tout_tail(tr->o, &now, 1);
		tout_flush(tr->o);
	}
	pthread_mutex_unlock(&tr->pmu);
	if (tr->cap)
		wire_capture_close(tr->cap);
	for (size_t i = 0; i < tr->nheap; i++)
		ev_free(&tr->pool[tr->heap[i].idx]);
	tout_free(tr->o);
	pthread_mutex_destroy(&tr->mu);
	pthread_mutex_destroy(&tr->pmu);
	free(tr->pool);
	free(tr->heap);
	free(tr->freel);
	free(tr->pq);
	free(tr);
}
