/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the trace engine (include/wire/trace.h): frames go
 * through wire_trace_decode (the adapter over the dissectors), and the decoded
 * packets and socket calls through the event merge and the timeline printer
 * of a trace started with WIRE_TRACE_NO_CAPTURE, into a bounded memory sink.
 * Output with a control character other than \n aborts, so escaping bugs are
 * findings too.
 *
 * Input: byte 0 holds the trace flags (bit 0 absolute times, bit 1 --json:
 * then every line must be one balanced JSON object, bit 2 the frames' bytes
 * kept and written as pcapng, -w), then ops until
 * the input ends (at most OPS_MAX), each starting with one byte o:
 *   o & 3 == 0  a frame: ts:2 (us, big-endian), len:2, pflags:1, len bytes;
 *               link type links[(o >> 2) % N]; pflags bit 0 GSO, bit 1 the
 *               packet is made one of the followed sockets' (addresses and
 *               ports rewritten, the quoted ones of an ICMP error too), bit 2
 *               it goes out (else in), bit 3 over IPv6, bit 4 the wire
 *               length is longer than the capture.
 *   o & 3 == 1  a call: ts:2, len:1, len bytes of text after one of the
 *               call names (o >> 2 picks it), stamped ts; with o & 0x80 then
 *               asked:2, got:2, a read (asked 0: a write) on TCP
 *               127.0.0.1:40000 > 127.0.0.2:5005 (wire_trace_call_rx); with
 *               o & 0x40 (and not 0x80) the call names its process and socket
 *               (pid 100, fd 3, TCP 127.0.0.1:40000 > 127.0.0.2:5005) and,
 *               in JSON mode, carries a JSON object.
 *   o & 3 == 2  print everything queued (wire_trace_flush).
 *   o & 3 == 3  follow more: proto:1, lport:2, rport:2 (127.0.0.1 and
 *               127.0.0.2, swapped when proto bit 2 is set, so a packet can
 *               be between two followed sockets; port 0 is any).
 * wire_trace_stop ends each input (it prints the rest and the summary).
 * Seeds: tests/fuzz/seeds/trace/ (tests/fuzz/mkseeds_trace.py).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/packet.h"
#include "wire/sink.h"
#include "wire/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPS_MAX 256
#define FRAME_MAX 4096

static const int links[] = {WIRE_LINK_ETHERNET, WIRE_LINK_LINUX_SLL, WIRE_LINK_LINUX_SLL2,
                            WIRE_LINK_RAW,      WIRE_LINK_IPV4,      WIRE_LINK_IPV6};
static const char *const names[] = {
    "write(", "send(",     "sendto(", "read() = ", "connect()", "close()",
    "recv(",  "shutdown(", "writev(", "accept()",  "sendmsg(",  ""};

static struct wire_sink sink, psink;
static struct wire_buf mem, pmem;
static int ready;

/* A bounded reader over the input. */
struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned get(struct in *in, size_t k)
{
	unsigned v = 0;
	for (size_t i = 0; i < k; i++) {
		v = v << 8 | (in->n ? *in->p : 0u);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static struct timespec stamp(unsigned us)
{
	struct timespec ts = {1700000000, 0};
	ts.tv_nsec = (long)us * 1000L;
	return ts;
}

static const uint8_t lo4[4] = {127, 0, 0, 1}, peer4[4] = {127, 0, 0, 2};
static const uint8_t lo6[16] = {[15] = 1}, peer6[16] = {[15] = 2};

/* Makes p one of the followed sockets' packets, going out or in. */
static void adopt(struct wire_tpkt *p, int out, int v6)
{
	const uint8_t *l = v6 ? lo6 : lo4, *r = v6 ? peer6 : peer4;
	size_t n = v6 ? 16 : 4;
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		/* an error about a datagram that went the other way */
		p->q.family = v6 ? 6 : 4;
		memcpy(p->q.src, out ? r : l, n);
		memcpy(p->q.dst, out ? l : r, n);
		p->q.sport = out ? 5005 : 40000;
		p->q.dport = out ? 40000 : 5005;
	} else {
		p->sport = out ? 40000 : 5005;
		p->dport = out ? 5005 : 40000;
	}
	p->family = v6 ? 6 : 4;
	memcpy(p->src, out ? l : r, n);
	memcpy(p->dst, out ? r : l, n);
}

static void frame(struct wire_trace *tr, struct in *in, unsigned o)
{
	unsigned us = get(in, 2), len = get(in, 2), pf = get(in, 1);
	if (len > in->n)
		len = (unsigned)in->n;
	if (len > FRAME_MAX)
		len = FRAME_MAX;
	/* a copy of exactly len bytes, so that ASan sees any over-read */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return;
	memcpy(buf, in->p, len);
	in->p += len;
	in->n -= len;
	struct wire_pkt pkt;
	memset(&pkt, 0, sizeof(pkt));
	pkt.linktype = links[(o >> 2) % (sizeof(links) / sizeof(links[0]))];
	pkt.data = buf;
	pkt.caplen = len;
	pkt.wirelen = len + ((pf & 0x10u) ? 1000u : 0u);
	pkt.flags = (pf & 1u) ? WIRE_PKT_GSO : 0;
	pkt.ts = stamp(us);
	struct wire_tpkt t;
	if (wire_trace_decode(&pkt, &t)) {
		if (pf & 2u)
			adopt(&t, (pf & 4u) != 0, (pf & 8u) != 0);
		wire_trace_feed_raw(tr, &t, &pkt);
	}
	free(buf);
}

static void call(struct wire_trace *tr, struct in *in, unsigned o)
{
	unsigned us = get(in, 2), len = get(in, 1);
	if (len > in->n)
		len = (unsigned)in->n;
	struct timespec ts = stamp(us);
	const char *name = names[(o >> 2) % (sizeof(names) / sizeof(names[0]))];
	const char *text = (const char *)in->p;
	in->p += len;
	in->n -= len;
	struct sockaddr_in l = {.sin_family = AF_INET, .sin_port = htons(40000)};
	struct sockaddr_in r = {.sin_family = AF_INET, .sin_port = htons(5005)};
	memcpy(&l.sin_addr, lo4, 4);
	memcpy(&r.sin_addr, peer4, 4);
	if (!(o & 0xc0u)) {
		wire_trace_call_at(tr, &ts, "%s%.*s", name, (int)len, text);
		return;
	}
	if (!(o & 0x80u)) {
		char c[300];
		snprintf(c, sizeof(c), "%s%.*s", name, (int)len, text);
		struct wire_trace_owner own = {.pid = 100,
		                               .comm = "prog",
		                               .fd = 3,
		                               .proto = IPPROTO_TCP,
		                               .local = (struct sockaddr *)&l,
		                               .remote = (struct sockaddr *)&r,
		                               .call = c};
		struct wire_trace_callinfo ci = {.owner = &own, .json = "{\"event\":\"call\"}"};
		wire_trace_call_info(tr, &ts, &ci, "[100 prog] %s", c);
		return;
	}
	unsigned asked = get(in, 2), got = get(in, 2);
	wire_trace_call_rx(tr, &ts, (struct sockaddr *)&l, (struct sockaddr *)&r, asked, got,
	                   "%s%.*s", name, (int)len, text);
}

static void follow(struct wire_trace *tr, struct in *in)
{
	unsigned proto = get(in, 1), lport = get(in, 2), rport = get(in, 2);
	struct sockaddr_in l = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lport)};
	struct sockaddr_in r = {.sin_family = AF_INET, .sin_port = htons((uint16_t)rport)};
	memcpy(&l.sin_addr, (proto & 4u) ? peer4 : lo4, 4);
	memcpy(&r.sin_addr, (proto & 4u) ? lo4 : peer4, 4);
	wire_trace_watch_addr(tr, (proto & 1u) ? IPPROTO_UDP : IPPROTO_TCP, (struct sockaddr *)&l,
	                      (proto & 2u) ? NULL : (struct sockaddr *)&r);
}

/* Follows TCP and UDP 127.0.0.1:40000 <-> 127.0.0.2:5005 and the same over
 * ::1 and ::2 (what adopt() rewrites packets to). */
static void follow_base(struct wire_trace *tr)
{
	struct sockaddr_in l4 = {.sin_family = AF_INET, .sin_port = htons(40000)};
	struct sockaddr_in r4 = {.sin_family = AF_INET, .sin_port = htons(5005)};
	struct sockaddr_in6 l6 = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
	struct sockaddr_in6 r6 = {.sin6_family = AF_INET6, .sin6_port = htons(5005)};
	memcpy(&l4.sin_addr, lo4, 4);
	memcpy(&r4.sin_addr, peer4, 4);
	memcpy(&l6.sin6_addr, lo6, 16);
	memcpy(&r6.sin6_addr, peer6, 16);
	for (int proto = 0; proto < 2; proto++) {
		int ip = proto ? IPPROTO_UDP : IPPROTO_TCP;
		wire_trace_watch_addr(tr, ip, (struct sockaddr *)&l4, (struct sockaddr *)&r4);
		wire_trace_watch_addr(tr, ip, (struct sockaddr *)&l6, (struct sockaddr *)&r6);
	}
}

/* JSON mode: each line is one object whose brackets balance outside its
 * strings, with no raw control byte. */
static void check_json(const uint8_t *p, size_t n)
{
	int depth = 0, str = 0, esc = 0, start = 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (start && c != '{')
			abort();
		start = 0;
		if (str) {
			if (c < 0x20)
				abort();
			str = esc ? 1 : c != '"';
			esc = !esc && c == '\\';
			continue;
		}
		if (c == '"')
			str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if (c == '\n') {
			if (depth)
				abort();
			start = 1;
		}
		if (depth < 0)
			abort();
	}
	if (!start && !sink.err)
		abort(); /* a line without its end (unless the sink filled up) */
}

static void check_text(int json)
{
	size_t n = wire_buf_used(&mem);
	const uint8_t *p = n ? wire_buf_head(&mem) : (const uint8_t *)"";
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			abort();
	if (json)
		check_json(p, n);
	wire_buf_reset(&mem);
	sink.err = 0;
	wire_buf_reset(&pmem);
	psink.err = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		wire_buf_init(&mem, 4u << 20);
		wire_sink_init_mem(&sink, &mem);
		wire_buf_init(&pmem, 4u << 20);
		wire_sink_init_mem(&psink, &pmem);
		ready = 1;
	}
	if (size < 1)
		return 0;
	struct in in = {data + 1, size - 1};
	int json = (data[0] & 2u) != 0;
	int flags = WIRE_TRACE_NO_CAPTURE | ((data[0] & 1u) ? WIRE_TRACE_ABS_TIME : 0) |
	            (json ? WIRE_TRACE_JSON : 0) | ((data[0] & 4u) ? WIRE_TRACE_KEEP_RAW : 0);
	struct wire_trace *tr = wire_trace_start(-1, NULL, 0, &sink, flags);
	if (!tr)
		abort(); /* without capture, only memory can fail */
	if (data[0] & 4u)
		wire_trace_set_pcapng(tr, &psink);
	follow_base(tr);
	for (unsigned i = 0; i < OPS_MAX && in.n > 0; i++) {
		unsigned o = get(&in, 1);
		switch (o & 3u) {
		case 0: frame(tr, &in, o); break;
		case 1: call(tr, &in, o); break;
		case 2:
			wire_trace_flush(tr);
			check_text(json);
			break;
		default: follow(tr, &in); break;
		}
	}
	wire_trace_stop(tr);
	check_text(json);
	return 0;
}
