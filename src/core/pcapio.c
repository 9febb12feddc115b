/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap and pcapng savefiles (include/wire/pcapio.h): the one place, with
 * filter.c, that includes <pcap.h>. Reading is wirecat's own parser
 * (pcapread.c: mapped files, no copy per packet, every section and
 * interface of a pcapng file with its own link type); libpcap compiles the
 * filter, once for each link type the file's interfaces have, and the
 * program runs in user space with bpf_filter so frame numbers stay the
 * record's position in the file, as in tshark. A missing file or a read
 * error (EIO, a directory) is -errno; anything the parser rejects is
 * malformed data.
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
#include "wire/pcapread.h"

#define IO_BUFSZ (1u << 20) /* the writer's buffer */

/* A filter compiled for one link type. */
struct lt_prog {
	int linktype;
	int ok; /* 0: the expression means nothing for this link type */
	struct bpf_program prog;
};

struct wire_pcap_reader {
	struct wire_pcapr *rd;
	char *expr; /* the filter, NULL for none */
	struct lt_prog progs[WIRE_PCAP_FILTER_LTS];
	size_t nprogs, last;
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

int wire_pcap_open(const char *path, struct wire_pcap_reader **rp, char *why, size_t n)
{
	struct stat st;
	struct wire_pcap_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	int fd = !strcmp(path, "-") ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
	                            : open(path, O_RDONLY | O_CLOEXEC);
	int e = fd < 0 ? (errno ? errno : EIO) : 0;
	if (!e && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		e = EISDIR;
	if (e) {
		if (fd >= 0)
			close(fd);
		free(r);
		set_why(why, n, strerror(e));
		return -e;
	}
	int rc = wire_pcapr_open_fd(fd, &r->rd, why, n);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*rp = r;
	return 0;
}

int wire_pcap_linktype(const struct wire_pcap_reader *r)
{
	return wire_pcapr_linktype(r->rd);
}

unsigned wire_pcap_snaplen(const struct wire_pcap_reader *r)
{
	return wire_pcapr_snaplen(r->rd);
}

int wire_pcap_tsdigits(const struct wire_pcap_reader *r)
{
	return wire_pcapr_tsdigits(r->rd);
}

static void free_progs(struct wire_pcap_reader *r)
{
	for (size_t i = 0; i < r->nprogs; i++)
		if (r->progs[i].ok)
			pcap_freecode(&r->progs[i].prog);
	r->nprogs = r->last = 0;
}

/* Compiles the filter for link type lt into slot p. Returns 0, or
 * WIRE_E_USAGE with libpcap's message in why. */
static int compile(const struct wire_pcap_reader *r, struct lt_prog *p, int lt, char *why, size_t n)
{
	p->linktype = lt;
	p->ok = 0;
	pcap_t *dead = pcap_open_dead(linktype_to_dlt(lt), (int)wire_pcapr_snaplen(r->rd));
	if (!dead) {
		set_why(why, n, "out of memory");
		return -ENOMEM;
	}
	int rc = pcap_compile(dead, &p->prog, r->expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		set_why(why, n, pcap_geterr(dead));
	pcap_close(dead);
	p->ok = rc == 0;
	return rc < 0 ? WIRE_E_USAGE : 0;
}

int wire_pcap_set_filter(struct wire_pcap_reader *r, const char *expr, char *why, size_t n)
{
	free_progs(r);
	free(r->expr);
	r->expr = NULL;
	if (!expr || !*expr)
		return 0;
	if (!(r->expr = strdup(expr)))
		return -ENOMEM;
	/* the first interface's link type must take it; others are compiled
	 * when their first packet comes, and pass nothing if they cannot */
	r->nprogs = 1;
	int rc = compile(r, &r->progs[0], wire_pcapr_linktype(r->rd), why, n);
	if (rc < 0) {
		free_progs(r);
		free(r->expr);
		r->expr = NULL;
	}
	return rc;
}

/* Returns whether pkt passes the filter of its link type. */
static int passes(struct wire_pcap_reader *r, const struct wire_pkt *pkt)
{
	struct lt_prog *p = &r->progs[r->last];
	if (p->linktype != pkt->linktype) {
		size_t i = 0;
		while (i < r->nprogs && r->progs[i].linktype != pkt->linktype)
			i++;
		if (i == r->nprogs) { /* a new link type: a free slot, else the last one again */
			if (i == WIRE_PCAP_FILTER_LTS) {
				i = WIRE_PCAP_FILTER_LTS - 1;
				if (r->progs[i].ok)
					pcap_freecode(&r->progs[i].prog);
			} else {
				r->nprogs++;
			}
			compile(r, &r->progs[i], pkt->linktype, NULL, 0);
		}
		r->last = i;
		p = &r->progs[i];
	}
	return p->ok && bpf_filter(p->prog.bf_insns, pkt->data, pkt->wirelen, pkt->caplen) != 0;
}

int wire_pcap_next(struct wire_pcap_reader *r, struct wire_pkt *pkt, char *why, size_t n)
{
	for (;;) {
		int rc = wire_pcapr_next(r->rd, pkt, why, n);
		if (rc != 1 || !r->expr || passes(r, pkt))
			return rc;
	}
}

void wire_pcap_close(struct wire_pcap_reader *r)
{
	if (!r)
		return;
	free_progs(r);
	free(r->expr);
	wire_pcapr_close(r->rd);
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
