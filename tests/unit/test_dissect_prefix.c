/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every prefix of every golden packet: each packet of tests/golden/pcaps/ is
 * re-dissected and printed in every mode at every shorter caplen (the wire
 * length kept), with the bytes ending right before a PROT_NONE page. No
 * over-read, no control character but \n in the output, and a cut inside the
 * headers the whole packet decoded ends in a truncation mark (HTTP and TLS,
 * recognised by their bytes, excepted).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t.h"
#include "wire/dissect.h"
#include "wire/pcapio.h"
#include "wire/print.h"
#include "wire/sink.h"

#define MAXPKT 262144u

static uint8_t *guard_end; /* first byte of the PROT_NONE page */

static const uint8_t *guarded(const uint8_t *b, size_t n)
{
	uint8_t *p = guard_end - n;
	memcpy(p, b, n);
	return p;
}

static int has_ctl(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t' && (i == 0 || s[i - 1] == '\n') && i + 2 < n && s[i + 1] == '0' &&
		    s[i + 2] == 'x')
			continue; /* the tab that starts a hex dump line ("\t0x0000:  ") */
		if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
			return 1;
	}
	return 0;
}

static unsigned files, packets, prefixes, nomark, ctl;

static struct wire_sink sink;

static void run_packet(const char *file, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                       int linktype, struct wire_printer **pr, struct wire_buf *mem)
{
	struct wire_pkt p;
	struct wire_dissect d;
	memset(&p, 0, sizeof(p));
	p.linktype = linktype;
	p.wirelen = wirelen;
	p.caplen = caplen;
	p.data = guarded(data, caplen);
	p.num = 1;
	wire_dissect(&d, &p);
	uint32_t hdr_end = 0;
	for (unsigned i = 0; d.bad < 0 && i < d.n; i++)
		if (d.l[i].off + d.l[i].len > hdr_end)
			hdr_end = d.l[i].off + d.l[i].len;
	for (uint32_t k = 0; k < caplen; k++) {
		p.caplen = k;
		p.data = guarded(data, k);
		wire_dissect(&d, &p);
		prefixes++;
		int app_cut =
		    d.n && (d.l[d.n - 1].kind == WIRE_L_HTTP || d.l[d.n - 1].kind == WIRE_L_TLS ||
		            (d.l[d.n - 1].kind == WIRE_L_TCP && k >= d.tp_off));
		if (k < hdr_end && d.bad < 0 && !app_cut) {
			if (nomark < 5)
				fprintf(stderr,
				        "%s: packet of %u bytes cut at %u: no truncation mark\n",
				        file, caplen, k);
			nomark++;
		}
		for (int m = 0; m < 4; m++) {
			wire_buf_reset(mem);
			wire_printer_packet(pr[m], &p);
			if (m == 3 && k + 1 == caplen)
				wire_printer_finish(pr[m]); /* --stats: once per packet */
			else
				wire_sink_flush(&sink);
			if (has_ctl(wire_buf_head(mem), wire_buf_used(mem))) {
				if (ctl < 5)
					fprintf(stderr,
					        "%s: control character in mode %d at cut %u\n",
					        file, m, k);
				ctl++;
			}
		}
	}
}

int main(void)
{
	const char *src = getenv("WIRE_SRC");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/golden/pcaps", src ? src : ".");
	DIR *dp = opendir(dir);
	if (!dp) {
		printf("no %s: skipped\n", dir);
		return 77;
	}
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t area = (MAXPKT + pg - 1) / pg * pg;
	uint8_t *base =
	    mmap(NULL, area + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return 1;
	mprotect(base + area, pg, PROT_NONE);
	guard_end = base + area;

	struct wire_buf mem;
	struct wire_printer *pr[4];
	wire_buf_init(&mem, 1 << 24);
	wire_sink_init_mem(&sink, &mem);
	for (int m = 0; m < 4; m++) {
		struct wire_print_opts o;
		memset(&o, 0, sizeof(o));
		o.mode = (enum wire_print_mode)m;
		o.hex = m == 1;
		o.payload_hex = m == 0;
		o.stats = m == 3;
		o.show_iface = 1;
		o.tfmt = (enum wire_time_fmt)m;
		if (wire_printer_new(&pr[m], &o, &sink) < 0)
			return 1;
	}
	struct dirent *e;
	static uint8_t copy[MAXPKT];
	while ((e = readdir(dp))) {
		if (!strstr(e->d_name, ".pcap"))
			continue;
		char path[8192], why[256];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct wire_pcap_reader *rd;
		if (wire_pcap_open(path, &rd, why, sizeof(why)) < 0)
			continue;
		files++;
		struct wire_pkt pkt;
		while (wire_pcap_next(rd, &pkt, why, sizeof(why)) == 1) {
			if (pkt.caplen > MAXPKT)
				continue;
			memcpy(copy, pkt.data, pkt.caplen);
			packets++;
			run_packet(e->d_name, copy, pkt.caplen, pkt.wirelen, pkt.linktype, pr,
			           &mem);
		}
		wire_pcap_close(rd);
	}
	closedir(dp);
	for (int m = 0; m < 4; m++)
		wire_printer_free(pr[m]);
	wire_buf_free(&mem);
	printf("%u files, %u packets, %u prefixes\n", files, packets, prefixes);
	CHECK(files > 20);
	CHECK_INT(nomark, 0);
	CHECK_INT(ctl, 0);
	return T_END();
}
