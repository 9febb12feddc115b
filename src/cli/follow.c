/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read --follow STREAM: every TCP segment of the file goes through the
 * reassembler (src/core/reasm.c), which numbers streams as tshark's
 * tcp.stream; the bytes of the one stream asked for (by number, or by
 * ADDR:PORT,ADDR:PORT: the first stream between those two ends) are written
 * as they become contiguous: raw (exactly the bytes, for cmp or sha256sum),
 * ascii (non-printable bytes but newline as '.') or hex (offset, 16 bytes in
 * hex and as text; server-to-client lines indented by a tab, as tshark's
 * hex view). A missing range is never filled: raw skips it, ascii and hex
 * say "[N bytes missing]" on a line of their own; each gap is said on stderr
 * with its place (for raw and --follow all, the output or file offset where
 * the later bytes go on), the total at the end, and the exit status is 3.
 * Overlaps keep the first copy received (reasm.h). tshark's follow differs
 * only for an out-of-order copy later overlapped by an in-order segment with
 * other bytes: it writes the in-order segment whole. Real stacks resend the
 * same bytes, so the two agree on every capture of a real transfer.
 */
#include "follow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/reasm.h"

const char follow_help[] =
    "\nFollowing a TCP stream (reassembled; nothing else is printed):\n"
    "  --follow STREAM    the bytes of one TCP stream: its tcp.stream number (as\n"
    "                     tshark numbers them, from 0) or ADDR:PORT,ADDR:PORT\n"
    "  --follow-as MODE   raw (the bytes exactly, the default), ascii, or hex\n"
    "  --direction DIR    c2s, s2c or both (the default, in the order reassembled)\n"
    "  --follow udp:N     the payloads of UDP stream N (udp.stream as tshark numbers\n"
    "                     them: one per address and port pair, in order of first\n"
    "                     appearance); tcp:N is the same as N\n"
    "  --follow all --follow-dir DIR\n"
    "                     every TCP and UDP stream, each direction to its own file\n"
    "                     in DIR (created if missing): tcp-N-c2s.bin, tcp-N-s2c.bin,\n"
    "                     udp-N-c2s.bin, udp-N-s2c.bin (raw bytes)\n"
    "  A gap (bytes missing from the capture) is never filled: the bytes after it\n"
    "  follow, ascii and hex mark it, stderr says where it is, and the exit is 3.\n";

/* One UDP conversation (udp.stream): ends as first seen, ep 0 sent first. */
struct uconv {
	struct uconv *next;
	uint32_t id;
	uint8_t alen;
	uint8_t addr[2][16];
	uint16_t port[2];
};

enum fmode { F_RAW, F_ASCII, F_HEX };

/* --follow all keeps this many stream files open, closing the least recently
 * written one for a new one (it is reopened for appending if needed). */
#define WIRE_FOLLOW_OPEN_MAX 64u

/* One open stream file: bit as in to_file(), last use. */
struct ofile {
	int fd;
	size_t bit;
	uint64_t used;
};

struct follow {
	struct wire_reasm *r;
	struct wire_sink *out;
	const char *cmd;
	enum fmode mode;
	int dirs;     /* bit 0: client to server, bit 1: server to client */
	long want;    /* stream number, or -1: by ends */
	long chosen;  /* the stream followed, -1 until known */
	uint8_t alen; /* by ends: 4 or 16 */
	uint8_t addr[2][16];
	uint16_t port[2];
	uint64_t gap_bytes, gaps, bytes;
	uint64_t hexoff[2];
	int mid_line;            /* ascii: the last byte written was not a newline */
	int udp;                 /* --follow udp:N */
	int all;                 /* --follow all */
	int dirfd;               /* --follow-dir, or -1 */
	int werr;                /* first error writing a file (negative errno) */
	uint8_t *made;           /* --follow all: bit 2*id+dir+... a file was created */
	size_t made_n;           /* bytes in made */
	uint64_t files;          /* files written */
	uint32_t udp_next;       /* next udp.stream number */
	uint64_t udp_unnumbered; /* datagrams past WIRE_FOLLOW_UDP_MAX conversations */
	struct uconv **ub;       /* WIRE_FOLLOW_UDP_BUCKETS, allocated on first use */
	struct ofile open[WIRE_FOLLOW_OPEN_MAX]; /* --follow all: files kept open */
	unsigned nopen;                          /* entries used in open */
	uint64_t tick;                           /* counts uses of open */
};

/* Gaps said one by one on stderr; the rest are counted in the total. */
#define WIRE_FOLLOW_GAPS_SAID 20u

#define WIRE_FOLLOW_UDP_BUCKETS 65536u
#define WIRE_FOLLOW_UDP_MAX 262144u /* UDP conversations numbered (as reasm's streams) */

/* Parses ADDR:PORT or [ADDR6]:PORT into a, port. Returns the address length,
 * or 0 if it is not one. */
static int parse_end(const char *s, size_t n, uint8_t *a, uint16_t *port)
{
	char host[64];
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon || (size_t)(colon - s) >= sizeof(host) || colon + 1 == s + n)
		return 0;
	size_t hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	unsigned long p = 0;
	for (const char *c = colon + 1; c < s + n; c++) {
		if (*c < '0' || *c > '9' || (p = p * 10 + (unsigned long)(*c - '0')) > 65535)
			return 0;
	}
	*port = (uint16_t)p;
	if (inet_pton(AF_INET, host, a) == 1)
		return 4;
	return inet_pton(AF_INET6, host, a) == 1 ? 16 : 0;
}

static int parse_stream(struct follow *f, const char *s)
{
	char *end;
	if (!strcmp(s, "all")) {
		f->all = 1;
		return 0;
	}
	if (!strncmp(s, "udp:", 4) || !strncmp(s, "tcp:", 4)) {
		f->udp = s[0] == 'u';
		s += 4;
		if (s[0] < '0' || s[0] > '9')
			return -1;
		unsigned long v = strtoul(s, &end, 10);
		if (*end || v > 0xffffffffu)
			return -1;
		f->want = (long)v;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		unsigned long v = strtoul(s, &end, 10);
		if (*end == 0 && v <= 0xffffffffu) {
			f->want = (long)v;
			return 0;
		}
		if (!strchr(s, ','))
			return -1;
	}
	const char *comma = strchr(s, ',');
	if (!comma)
		return -1;
	int a = parse_end(s, (size_t)(comma - s), f->addr[0], &f->port[0]);
	int b = parse_end(comma + 1, strlen(comma + 1), f->addr[1], &f->port[1]);
	if (!a || a != b)
		return -1;
	f->alen = (uint8_t)a;
	f->want = -1;
	return 0;
}

/* Returns whether the stream between ends e is the one asked for. */
static int wanted(const struct follow *f, uint32_t id, const struct wire_reasm_ends *e)
{
	if (f->want >= 0)
		return (long)id == f->want;
	if (e->alen != f->alen)
		return 0;
	for (int x = 0; x < 2; x++)
		if (!memcmp(e->addr[0], f->addr[x], f->alen) && e->port[0] == f->port[x] &&
		    !memcmp(e->addr[1], f->addr[!x], f->alen) && e->port[1] == f->port[!x])
			return 1;
	return 0;
}

static void put_ascii(struct wire_sink *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wire_sink_putc(o, (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ? (char)p[i] : '.');
}

static void put_hex(struct follow *f, int dir, const uint8_t *p, size_t n)
{
	for (size_t at = 0; at < n; at += 16) {
		size_t k = n - at < 16 ? n - at : 16;
		wire_sink_printf(f->out, "%s%08llx ", dir ? "\t" : "",
		                 (unsigned long long)(f->hexoff[dir] + at));
		for (size_t i = 0; i < 16; i++) {
			if (i < k)
				wire_sink_printf(f->out, " %02x", p[at + i]);
			else
				wire_sink_puts(f->out, "   ");
		}
		wire_sink_puts(f->out, "  ");
		for (size_t i = 0; i < k; i++)
			wire_sink_putc(
			    f->out, p[at + i] >= 0x20 && p[at + i] < 0x7f ? (char)p[at + i] : '.');
		wire_sink_putc(f->out, '\n');
	}
	f->hexoff[dir] += n;
}

/* Writes followed bytes to the output in the chosen form. */
static void out_bytes(struct follow *f, int dir, const uint8_t *p, size_t n)
{
	f->bytes += n;
	if (f->mode == F_RAW)
		wire_sink_write(f->out, p, n);
	else if (f->mode == F_ASCII) {
		put_ascii(f->out, p, n);
		f->mid_line = n > 0 && p[n - 1] != '\n';
	} else
		put_hex(f, dir, p, n);
}

static void keep_err(struct follow *f, int err)
{
	if (!f->werr)
		f->werr = err;
}

/* Closes open file i (the last one moves into its place). */
static void close_file(struct follow *f, unsigned i)
{
	if (close(f->open[i].fd) < 0)
		keep_err(f, -errno);
	f->open[i] = f->open[--f->nopen];
}

/* Closes the least recently written open file; returns 0 if none was open. */
static int close_lru(struct follow *f)
{
	if (!f->nopen)
		return 0;
	unsigned lru = 0;
	for (unsigned i = 1; i < f->nopen; i++)
		if (f->open[i].used < f->open[lru].used)
			lru = i;
	close_file(f, lru);
	return 1;
}

static void close_all(struct follow *f)
{
	while (f->nopen)
		close_file(f, f->nopen - 1);
}

/* Returns the open descriptor of the file of bit (see mark_made), opening
 * it (emptied if first) and closing the least recently written one if too
 * many are open or the process is out of descriptors; -errno on error. */
static int file_fd(struct follow *f, size_t bit, int first)
{
	for (unsigned i = 0; i < f->nopen; i++)
		if (f->open[i].bit == bit) {
			f->open[i].used = ++f->tick;
			return f->open[i].fd;
		}
	if (f->nopen == WIRE_FOLLOW_OPEN_MAX)
		close_lru(f);
	char name[64];
	snprintf(name, sizeof(name), "%s-%zu-%s.bin", bit & 1 ? "udp" : "tcp", bit / 4,
	         bit & 2 ? "s2c" : "c2s");
	int fd;
	do
		fd = openat(f->dirfd, name,
		            O_WRONLY | O_CREAT | O_CLOEXEC | (first ? O_TRUNC : O_APPEND), 0666);
	while (fd < 0 && (errno == EMFILE || errno == ENFILE) && close_lru(f));
	if (fd < 0)
		return -errno;
	f->open[f->nopen++] = (struct ofile){.fd = fd, .bit = bit, .used = ++f->tick};
	return fd;
}

/* Marks the file of bit (4 * stream + 2 * dir + udp) as made. Returns 1 if
 * it was not yet, 0 if it was, -1 out of memory. */
static int mark_made(struct follow *f, size_t bit)
{
	if (bit / 8 >= f->made_n) {
		size_t nn = f->made_n ? f->made_n : 1024;
		while (nn <= bit / 8)
			nn *= 2;
		uint8_t *m = realloc(f->made, nn);
		if (!m)
			return -1;
		memset(m + f->made_n, 0, nn - f->made_n);
		f->made = m;
		f->made_n = nn;
	}
	int first = !(f->made[bit / 8] & (1u << (bit % 8)));
	f->made[bit / 8] |= (uint8_t)(1u << (bit % 8));
	return first;
}

/* Appends n bytes to DIR/<proto>-<id>-<c2s|s2c>.bin (created empty, or
 * emptied, on the stream's first bytes). */
static void to_file(struct follow *f, const char *proto, uint32_t id, int dir, const uint8_t *p,
                    size_t n)
{
	size_t bit = ((size_t)id * 2u + (size_t)dir) * 2u + (proto[0] == 'u');
	int first = mark_made(f, bit);
	if (first < 0) {
		keep_err(f, -ENOMEM);
		return;
	}
	int fd = file_fd(f, bit, first);
	if (fd < 0) {
		keep_err(f, fd);
		return;
	}
	f->files += first;
	f->bytes += n;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			keep_err(f, k < 0 ? -errno : -EIO);
			break;
		}
		p += k;
		n -= (size_t)k;
	}
}

static const char *const dir_name[2] = {"c2s", "s2c"};

/* Says one gap on stderr (the first WIRE_FOLLOW_GAPS_SAID of them) and counts
 * it: where it is in the direction's bytes, and where the output goes on. */
static void say_gap(struct follow *f, const struct wire_reasm_event *ev)
{
	f->gaps++;
	f->gap_bytes += ev->len;
	if (f->gaps > WIRE_FOLLOW_GAPS_SAID)
		return;
	unsigned long long at = (unsigned long long)ev->offset;
	unsigned long long end = at + ev->len - 1, n = (unsigned long long)ev->len;
	if (f->all)
		cli_err("%s: tcp-%u-%s.bin: %llu bytes missing at file offset %llu (stream "
		        "bytes %llu..%llu); the bytes after them follow directly",
		        f->cmd, ev->stream, dir_name[ev->dir], n,
		        (unsigned long long)(ev->offset - ev->missing), at, end);
	else if (f->mode == F_RAW)
		cli_err("%s: stream %u %s: bytes %llu..%llu missing (%llu bytes); output byte "
		        "%llu follows them directly",
		        f->cmd, ev->stream, dir_name[ev->dir], at, end, n,
		        (unsigned long long)f->bytes);
	else
		cli_err("%s: stream %u %s: bytes %llu..%llu missing (%llu bytes), marked in the "
		        "output",
		        f->cmd, ev->stream, dir_name[ev->dir], at, end, n);
	if (f->gaps == WIRE_FOLLOW_GAPS_SAID)
		cli_err("%s: (further gaps are only counted)", f->cmd);
}

/* Marks a gap in the ascii or hex text, on a line of its own. */
static void mark_gap(struct follow *f, int dir, size_t n)
{
	if (f->mode == F_ASCII && f->mid_line)
		wire_sink_putc(f->out, '\n');
	f->mid_line = 0;
	wire_sink_printf(f->out, "%s[%zu bytes missing]\n", f->mode == F_HEX && dir ? "\t" : "", n);
	if (f->mode == F_HEX)
		f->hexoff[dir] += n;
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct follow *f = ud;
	if (f->all) {
		if (ev->kind == WIRE_REASM_DATA)
			to_file(f, "tcp", ev->stream, ev->dir, ev->data, ev->len);
		else if (ev->kind == WIRE_REASM_GAP)
			say_gap(f, ev);
		return;
	}
	if (ev->kind == WIRE_REASM_NEW) {
		if (f->chosen < 0 && !f->udp && wanted(f, ev->stream, ev->ends))
			f->chosen = ev->stream;
		return;
	}
	if ((long)ev->stream != f->chosen || f->udp || !(f->dirs & (1 << ev->dir)))
		return;
	if (ev->kind == WIRE_REASM_GAP) {
		say_gap(f, ev);
		if (f->mode != F_RAW)
			mark_gap(f, ev->dir, ev->len);
		return;
	}
	if (ev->kind == WIRE_REASM_DATA)
		out_bytes(f, ev->dir, ev->data, ev->len);
}

static int parse_mode(struct follow *f, const char *as, const char *dir)
{
	if (!as || !strcmp(as, "raw"))
		f->mode = F_RAW;
	else if (!strcmp(as, "ascii"))
		f->mode = F_ASCII;
	else if (!strcmp(as, "hex"))
		f->mode = F_HEX;
	else
		return -1;
	if (!dir || !strcmp(dir, "both"))
		f->dirs = 3;
	else if (!strcmp(dir, "c2s"))
		f->dirs = 1;
	else if (!strcmp(dir, "s2c"))
		f->dirs = 2;
	else
		return -2;
	return 0;
}

struct follow *follow_new(const char *stream, const char *as, const char *dir, const char *cmd,
                          int *status)
{
	struct follow *f = calloc(1, sizeof(*f));
	*status = WIRE_EXIT_FAIL;
	if (!f) {
		cli_err("%s: out of memory", cmd);
		return NULL;
	}
	f->cmd = cmd;
	f->chosen = -1;
	f->dirfd = -1;
	int rc = parse_mode(f, as, dir);
	if (rc == 0 && parse_stream(f, stream) < 0)
		rc = -3;
	if (rc < 0) {
		*status = WIRE_EXIT_USAGE;
		if (rc == -1)
			cli_usage_err(cmd, "%s: --follow-as wants raw, ascii or hex, not '%s'", cmd,
			              as);
		else if (rc == -2)
			cli_usage_err(cmd, "%s: --direction wants c2s, s2c or both, not '%s'", cmd,
			              dir);
		else
			cli_usage_err(cmd,
			              "%s: --follow wants a stream number, udp:N, all or "
			              "ADDR:PORT,ADDR:PORT, not '%s'",
			              cmd, stream);
		free(f);
		return NULL;
	}
	f->r = wire_reasm_new(NULL, on_ev, f);
	if (!f->r) {
		cli_err("%s: out of memory", cmd);
		free(f);
		return NULL;
	}
	*status = 0;
	return f;
}

int follow_set_dir(struct follow *f, const char *dir)
{
	if (!f->all && !dir)
		return 0;
	if (!f->all || !dir) {
		cli_usage_err(f->cmd, "%s: %s", f->cmd,
		              dir ? "--follow-dir goes with --follow all"
		                  : "--follow all needs --follow-dir DIR");
		return WIRE_EXIT_USAGE;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		cli_err("%s: %s: %s", f->cmd, dir, strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		cli_err("%s: %s: %s", f->cmd, dir, strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

/* Returns the udp.stream number of the datagram from src:sp to dst:dp and
 * in *dir whether it goes the other way, or -1 past the limit. */
static long udp_stream(struct follow *f, uint8_t alen, const uint8_t *src, uint16_t sp,
                       const uint8_t *dst, uint16_t dp, int *dir)
{
	if (!f->ub && !(f->ub = calloc(WIRE_FOLLOW_UDP_BUCKETS, sizeof(*f->ub))))
		return -1;
	uint32_t h = (uint32_t)sp ^ dp;
	for (unsigned i = 0; i < alen; i++)
		h = h * 31u + (uint32_t)(src[i] ^ dst[i]);
	struct uconv **pp = &f->ub[h % WIRE_FOLLOW_UDP_BUCKETS];
	for (struct uconv *c = *pp; c; c = c->next) {
		if (c->alen != alen)
			continue;
		for (int x = 0; x < 2; x++)
			if (!memcmp(c->addr[x], src, alen) && c->port[x] == sp &&
			    !memcmp(c->addr[!x], dst, alen) && c->port[!x] == dp) {
				*dir = x;
				return c->id;
			}
	}
	struct uconv *c = f->udp_next < WIRE_FOLLOW_UDP_MAX ? calloc(1, sizeof(*c)) : NULL;
	if (!c)
		return -1;
	c->id = f->udp_next++;
	c->alen = alen;
	memcpy(c->addr[0], src, alen);
	memcpy(c->addr[1], dst, alen);
	c->port[0] = sp;
	c->port[1] = dp;
	c->next = *pp;
	*pp = c;
	*dir = 0;
	return c->id;
}

/* Returns the index of the IP layer that carries layer tp (the last one
 * before it: not the packet inside a tunnel that tp carries), or -1. */
static int carrier_ip(const struct wire_dissect *d, int tp)
{
	for (int i = tp - 1; i >= 0; i--)
		if (d->l[i].kind == WIRE_L_IPV4 || d->l[i].kind == WIRE_L_IPV6)
			return i;
	return -1;
}

static void udp_packet(struct follow *f, const struct wire_pkt *pkt, const struct wire_dissect *d,
                       int at)
{
	const struct wire_layer *ip = &d->l[at];
	const struct wire_udp *u = &d->l[d->tp].u.udp;
	uint8_t alen = ip->kind == WIRE_L_IPV4 ? 4 : 16;
	const uint8_t *src = alen == 4 ? ip->u.ip4.src : ip->u.ip6.src;
	const uint8_t *dst = alen == 4 ? ip->u.ip4.dst : wire_ip6_conv_dst(d, at);
	int dir = 0;
	long id = udp_stream(f, alen, src, u->sport, dst, u->dport, &dir);
	if (id < 0) {
		f->udp_unnumbered++;
		return;
	}
	const uint8_t *p = pkt->data + d->tp_off;
	if (f->all) {
		to_file(f, "udp", (uint32_t)id, dir, p, d->tp_len);
	} else if (id == f->want) {
		f->chosen = id;
		if (f->dirs & (1 << dir))
			out_bytes(f, dir, p, d->tp_len);
	}
}

void follow_output(struct follow *f, struct wire_sink *out)
{
	f->out = out;
}

void follow_packet(struct follow *f, const struct wire_pkt *pkt)
{
	struct wire_dissect d;
	wire_dissect(&d, pkt);
	if (d.tp < 0 || d.ip < 0 || d.frag || d.l[d.tp].status != WIRE_LS_OK || d.l[d.tp].quoted)
		return;
	int at = carrier_ip(&d, d.tp);
	if (d.l[d.tp].kind == WIRE_L_UDP && (f->udp || f->all) && at >= 0) {
		udp_packet(f, pkt, &d, at);
		return;
	}
	if (d.l[d.tp].kind != WIRE_L_TCP || f->udp)
		return;
	struct wire_reasm_seg g;
	if (wire_reasm_segment(&d, &g) < 0)
		return;
	wire_reasm_feed(f->r, &g);
}

static void follow_free(struct follow *f)
{
	if (f->ub)
		for (size_t i = 0; i < WIRE_FOLLOW_UDP_BUCKETS; i++)
			for (struct uconv *c = f->ub[i], *n; c; c = n) {
				n = c->next;
				free(c);
			}
	free(f->ub);
	free(f->made);
	close_all(f);
	if (f->dirfd >= 0)
		close(f->dirfd);
	wire_reasm_free(f->r);
	free(f);
}

int follow_finish(struct follow *f)
{
	if (!f)
		return 0;
	if (!f->out) { /* never started */
		follow_free(f);
		return 0;
	}
	wire_reasm_finish(f->r);
	const struct wire_reasm_stats *st = wire_reasm_stats(f->r);
	int rc = wire_sink_flush(f->out);
	if (f->all) {
		close_all(f);
		if (f->werr && rc == 0)
			rc = f->werr;
		cli_info("%s: %llu files written (%llu bytes) for %llu TCP and %u UDP streams",
		         f->cmd, (unsigned long long)f->files, (unsigned long long)f->bytes,
		         (unsigned long long)st->streams, f->udp_next);
		if (f->gap_bytes)
			cli_err("%s: %llu bytes missing in %llu gaps (not written)", f->cmd,
			        (unsigned long long)f->gap_bytes, (unsigned long long)f->gaps);
	} else if (f->chosen < 0)
		cli_err("%s: no such %s stream in the file (%llu streams)", f->cmd,
		        f->udp ? "UDP" : "TCP",
		        (unsigned long long)(f->udp ? f->udp_next : st->streams));
	else if (f->gap_bytes)
		cli_err("%s: stream %ld: %llu bytes missing in %llu gaps (not written)", f->cmd,
		        f->chosen, (unsigned long long)f->gap_bytes, (unsigned long long)f->gaps);
	if (st->conflict_bytes)
		cli_err("%s: %llu bytes came again with other content (the first copy is kept)",
		        f->cmd, (unsigned long long)st->conflict_bytes);
	if (st->evicted || st->mem_flushes)
		cli_err("%s: reassembly limits reached: %llu streams evicted, %llu queues flushed",
		        f->cmd, (unsigned long long)st->evicted,
		        (unsigned long long)st->mem_flushes);
	if (f->udp_unnumbered)
		cli_err("%s: %llu UDP datagrams past %u conversations not followed", f->cmd,
		        (unsigned long long)f->udp_unnumbered, WIRE_FOLLOW_UDP_MAX);
	if (rc == 0 && (f->gap_bytes || (f->all && f->udp_unnumbered)))
		rc = WIRE_EXIT_MALFORMED; /* a loss is said and makes the exit non-zero */
	follow_free(f);
	return rc;
}
