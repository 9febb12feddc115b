/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap and pcapng savefiles through libpcap (include/wire/pcapio.h): the one
 * place, with filter.c, that includes <pcap.h>. The reader opens the file
 * itself (so a missing file is an errno, and anything libpcap then rejects is
 * malformed data), gives libpcap a large stdio buffer, asks for nanosecond
 * time stamps, and checks every record before a dissector sees it:
 * caplen <= the link type's maximum (as libpcap: 256 KiB, more for D-Bus,
 * USBPcap, EBHSCR). A record with caplen 0 is legal and returned (the
 * printers mark it truncated, as tcpdump and tshark do); caplen > wirelen is
 * accepted as tcpdump does, but wirelen is then raised to caplen so the
 * record's invariant (wirelen >= caplen) holds for every consumer. Time
 * stamps of classic pcap files are unsigned 32-bit seconds (libpcap 1.10
 * reads them signed: from 2038 on they come out negative and are put right
 * here). A record header that cannot be, or a file that ends inside a
 * record, ends the reading with WIRE_E_MALFORMED / WIRE_E_TRUNCATED and a
 * reason naming the record's byte offset and the packets read; a read error
 * (EIO, a directory) is -errno. Filters run in user space with
 * pcap_offline_filter so frame numbers stay the record's position in the
 * file, as in tshark.
 *
 * The writer lets libpcap create the file and write its header
 * (pcap_dump_fopen, microsecond time stamps as tcpdump writes them), then
 * appends the records itself into a 1 MiB buffer written with write(2): the
 * same bytes pcap_dump would write, without two locked stdio calls per
 * packet, which were most of the capture loop's cost at a few hundred
 * thousand packets a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/err.h"
#include "wire/limits.h"
#include "wire/pcapio.h"

#define IO_BUFSZ (1u << 20) /* stdio buffer under libpcap, both ways */

struct wire_pcap_reader {
	pcap_t *p;
	FILE *f;
	char *iobuf;
	struct bpf_program prog;
	int have_prog;
	uint64_t num; /* records read so far */
	long pos;     /* byte offset of the next record, -1 if unknown (a pipe, pcapng) */
	long hdrsize; /* classic pcap record header: 16, or 24 (Kuznetzov's format) */
	int linktype;
	int done; /* an error or the end was reported */
};

struct wire_pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *f;
	int fd;
	int err;      /* sticky -errno */
	size_t n;     /* bytes pending in buf */
	uint8_t *buf; /* IO_BUFSZ */
	uint64_t bytes;
};

/* libpcap hands out DLT_ values, which differ from the savefile LINKTYPE_
 * numbers for a few old types; the record carries LINKTYPE_ values. */
static int dlt_to_linktype(int dlt)
{
	switch (dlt) {
	case DLT_RAW: return WIRE_LINK_RAW;
#ifdef DLT_ATM_RFC1483
	case DLT_ATM_RFC1483: return 100;
#endif
	default: return dlt;
	}
}

/* Returns the DLT_ value libpcap wants for a LINKTYPE_ value. */
static int linktype_to_dlt(int lt)
{
	return lt == WIRE_LINK_RAW ? DLT_RAW : lt;
}

static void set_why(char *why, size_t n, const char *msg)
{
	if (why && n)
		snprintf(why, n, "%s", msg);
}

/* Records where the first record starts, for the byte offsets of damage:
 * classic pcap files that can be read at an offset only (pcapng blocks and
 * pipes stay unknown, -1). The offset is then counted, not asked of stdio
 * (ftell is a system call per record). */
static void start_pos(struct wire_pcap_reader *r)
{
	uint8_t m[4];
	r->pos = -1;
	if (pcap_major_version(r->p) != 2)
		return;
	long at = ftell(r->f);
	if (at < 24 || pread(fileno(r->f), m, 4, at - 24) != 4)
		return;
	uint32_t magic = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	/* Kuznetzov's patched libpcap (either byte order): 8 more header bytes */
	r->hdrsize = (magic == 0xa1b2cd34u || magic == 0x34cdb2a1u) ? 24 : 16;
	r->pos = at;
}

/* Moves the offset past the record just read. */
static void next_pos(struct wire_pcap_reader *r, const struct pcap_pkthdr *h)
{
	if (r->pos < 0)
		return;
	if (h->caplen >= (uint32_t)pcap_snapshot(r->p))
		r->pos = ftell(r->f); /* libpcap may have cut a longer record to the snaplen */
	else
		r->pos += r->hdrsize + (long)h->caplen;
}

int wire_pcap_open(const char *path, struct wire_pcap_reader **rp, char *why, size_t n)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct wire_pcap_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		int fd = dup(STDIN_FILENO);
		r->f = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (!r->f && fd >= 0)
			close(fd);
	} else {
		r->f = fopen(path, "rbe");
	}
	if (!r->f) {
		int e = errno ? errno : EIO;
		free(r);
		set_why(why, n, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fileno(r->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(r->f);
		free(r);
		set_why(why, n, strerror(EISDIR));
		return -EISDIR;
	}
	r->iobuf = malloc(IO_BUFSZ);
	if (r->iobuf)
		setvbuf(r->f, r->iobuf, _IOFBF, IO_BUFSZ);
	errbuf[0] = '\0';
	errno = 0;
	r->p = pcap_fopen_offline_with_tstamp_precision(r->f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->p) {
		int e = ferror(r->f) ? (errno ? errno : EIO) : 0;
		int empty = !e && feof(r->f) && ftell(r->f) == 0;
		fclose(r->f);
		free(r->iobuf);
		free(r);
		set_why(why, n,
		        e           ? strerror(e)
		        : empty     ? "empty file (not a pcap or pcapng file)"
		        : errbuf[0] ? errbuf
		                    : "not a pcap or pcapng file");
		return e ? -e : WIRE_E_MALFORMED;
	}
	r->linktype = dlt_to_linktype(pcap_datalink(r->p));
	start_pos(r);
	*rp = r;
	return 0;
}

uint32_t wire_pcap_caplen_max(int lt)
{
	switch (lt) {
	case WIRE_LINK_DBUS: return WIRE_PCAP_CAPLEN_DBUS;
	case WIRE_LINK_USBPCAP: return WIRE_PCAP_CAPLEN_USBPCAP;
	case WIRE_LINK_EBHSCR: return WIRE_PCAP_CAPLEN_EBHSCR;
	default: return WIRE_PCAP_CAPLEN_MAX;
	}
}

int wire_pcap_linktype(const struct wire_pcap_reader *r)
{
	return r->linktype;
}

unsigned wire_pcap_snaplen(const struct wire_pcap_reader *r)
{
	int s = pcap_snapshot(r->p);
	return s > 0 ? (unsigned)s : WIRE_SNAPLEN_DEFAULT;
}

int wire_pcap_set_filter(struct wire_pcap_reader *r, const char *expr, char *why, size_t n)
{
	if (r->have_prog) {
		pcap_freecode(&r->prog);
		r->have_prog = 0;
	}
	if (!expr || !*expr)
		return 0;
	if (pcap_compile(r->p, &r->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		set_why(why, n, pcap_geterr(r->p));
		return WIRE_E_USAGE;
	}
	r->have_prog = 1;
	return 0;
}

/* Writes "packet N at byte B: msg; M packets read" into why. */
static void bad_record(const struct wire_pcap_reader *r, char *why, size_t n, const char *msg)
{
	char at[40] = "";
	if (!why || !n)
		return;
	if (r->pos >= 0)
		snprintf(at, sizeof(at), " at byte %ld", r->pos);
	snprintf(why, n, "packet %llu%s: %s; %llu packets read", (unsigned long long)r->num + 1, at,
	         msg, (unsigned long long)r->num);
}

/* Ends the reading after pcap_next_ex failed. Returns the error code. */
static int read_failed(struct wire_pcap_reader *r, char *why, size_t n)
{
	int e = ferror(r->f) ? (errno ? errno : EIO) : 0;
	const char *msg = pcap_geterr(r->p);
	r->done = 1;
	bad_record(r, why, n, e ? strerror(e) : msg && *msg ? msg : "read error");
	if (e)
		return -e;
	return (msg && strstr(msg, "truncated")) ? WIRE_E_TRUNCATED : WIRE_E_MALFORMED;
}

/* Fills pkt from libpcap's record. */
static void fill(const struct wire_pcap_reader *r, const struct pcap_pkthdr *h, const u_char *data,
                 struct wire_pkt *pkt)
{
	pkt->data = data;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len >= h->caplen ? h->len : h->caplen;
	/* with PCAP_TSTAMP_PRECISION_NANO, tv_usec carries nanoseconds; a
	 * classic file's seconds are unsigned 32 bits, read signed by libpcap
	 * (pcapng seconds never come out negative) */
	pkt->ts.tv_sec = h->ts.tv_sec >= 0 ? h->ts.tv_sec : (time_t)(uint32_t)h->ts.tv_sec;
	pkt->ts.tv_nsec = (long)h->ts.tv_usec;
	pkt->linktype = r->linktype;
	pkt->dir = WIRE_DIR_UNKNOWN;
	pkt->ifindex = 0;
	pkt->ifname = NULL;
	pkt->num = r->num;
	pkt->flags = 0;
}

int wire_pcap_next(struct wire_pcap_reader *r, struct wire_pkt *pkt, char *why, size_t n)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	if (r->done)
		return 0;
	for (;;) {
		errno = 0;
		int rc = pcap_next_ex(r->p, &h, &data);
		if (rc == PCAP_ERROR_BREAK) {
			r->done = 1;
			return 0;
		}
		if (rc != 1)
			return read_failed(r, why, n);
		if (h->caplen > wire_pcap_caplen_max(r->linktype)) {
			char msg[96];
			snprintf(msg, sizeof(msg), "invalid captured length %u (at most %u)",
			         h->caplen, wire_pcap_caplen_max(r->linktype));
			r->done = 1;
			bad_record(r, why, n, msg);
			return WIRE_E_MALFORMED;
		}
		r->num++;
		next_pos(r, h);
		if (r->have_prog && !pcap_offline_filter(&r->prog, h, data))
			continue;
		fill(r, h, data, pkt);
		return 1;
	}
}

void wire_pcap_close(struct wire_pcap_reader *r)
{
	if (!r)
		return;
	if (r->have_prog)
		pcap_freecode(&r->prog);
	pcap_close(r->p); /* closes r->f */
	free(r->iobuf);
	free(r);
}

int wire_pcap_create(const char *path, int linktype, unsigned snaplen, struct wire_pcap_writer **wp,
                     char *why, size_t n)
{
	struct wire_pcap_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->buf = malloc(IO_BUFSZ);
	w->dead = pcap_open_dead_with_tstamp_precision(linktype_to_dlt(linktype), (int)snaplen,
	                                               PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->buf || !w->dead) {
		if (w->dead)
			pcap_close(w->dead);
		free(w->buf);
		free(w);
		set_why(why, n, "out of memory");
		return -ENOMEM;
	}
	if (!strcmp(path, "-")) {
		int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
		w->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!w->f && fd >= 0)
			close(fd);
	} else {
		w->f = fopen(path, "wbe");
	}
	if (!w->f) {
		int e = errno ? errno : EIO;
		pcap_close(w->dead);
		free(w->buf);
		free(w);
		set_why(why, n, strerror(e));
		return -e;
	}
	w->d = pcap_dump_fopen(w->dead, w->f);
	if (!w->d || pcap_dump_flush(w->d) < 0) {
		int e = errno ? errno : EIO;
		set_why(why, n, w->d ? strerror(e) : pcap_geterr(w->dead));
		if (w->d)
			pcap_dump_close(w->d);
		else
			fclose(w->f);
		pcap_close(w->dead);
		free(w->buf);
		free(w);
		return -e;
	}
	/* stdio is empty now: the records go straight to the descriptor */
	w->fd = fileno(w->f);
	w->bytes = 24; /* the file header */
	*wp = w;
	return 0;
}

/* Writes n bytes at p to the file. Returns 0 or the sticky -errno. */
static int write_all(struct wire_pcap_writer *w, const void *p, size_t n)
{
	size_t off = 0;
	while (off < n && !w->err) {
		ssize_t k = write(w->fd, (const uint8_t *)p + off, n - off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			break;
		}
		off += (size_t)k;
	}
	return w->err;
}

/* Writes the pending bytes. Returns 0 or the sticky -errno. */
static int drain(struct wire_pcap_writer *w)
{
	int rc = w->n ? write_all(w, w->buf, w->n) : w->err;
	w->n = 0;
	return rc;
}

int wire_pcap_write(struct wire_pcap_writer *w, const struct wire_pkt *pkt)
{
	uint32_t h[4];
	size_t need = sizeof(h) + pkt->caplen;
	if (w->err)
		return w->err;
	if (need > IO_BUFSZ - w->n && drain(w) < 0)
		return w->err;
	/* the savefile record header, in host order like the file header */
	h[0] = (uint32_t)pkt->ts.tv_sec;
	h[1] = (uint32_t)(pkt->ts.tv_nsec / 1000);
	h[2] = pkt->caplen;
	h[3] = pkt->wirelen;
	w->bytes += need;
	if (need > IO_BUFSZ) { /* larger than any snapshot length: straight out */
		write_all(w, h, sizeof(h));
		return write_all(w, pkt->data, pkt->caplen);
	}
	memcpy(w->buf + w->n, h, sizeof(h));
	memcpy(w->buf + w->n + sizeof(h), pkt->data, pkt->caplen);
	w->n += need;
	return 0;
}

uint64_t wire_pcap_written(const struct wire_pcap_writer *w)
{
	return w->bytes;
}

int wire_pcap_flush(struct wire_pcap_writer *w)
{
	return drain(w);
}

int wire_pcap_close_writer(struct wire_pcap_writer *w)
{
	if (!w)
		return 0;
	int rc = drain(w);
	pcap_dump_close(w->d); /* fcloses w->f: nothing is buffered there */
	pcap_close(w->dead);
	free(w->buf);
	free(w);
	return rc;
}
