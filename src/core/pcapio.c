/* SPDX-License-Identifier: BSD-2-Clause */
/* pcap/pcapng files through libpcap (include/wire/pcapio.h). Placeholder: being written. */
#include "wire/err.h"
#include "wire/pcapio.h"

int wire_pcap_open(const char *path, struct wire_pcap_reader **rp, char *why, size_t n)
{
	(void)path; (void)rp; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}
int wire_pcap_linktype(const struct wire_pcap_reader *r) { (void)r; return 0; }
unsigned wire_pcap_snaplen(const struct wire_pcap_reader *r) { (void)r; return 0; }
int wire_pcap_set_filter(struct wire_pcap_reader *r, const char *expr, char *why, size_t n)
{
	(void)r; (void)expr; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}
int wire_pcap_next(struct wire_pcap_reader *r, struct wire_pkt *pkt, char *why, size_t n)
{
	(void)r; (void)pkt; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}
void wire_pcap_close(struct wire_pcap_reader *r) { (void)r; }
int wire_pcap_create(const char *path, int linktype, unsigned snaplen, struct wire_pcap_writer **wp,
		     char *why, size_t n)
{
	(void)path; (void)linktype; (void)snaplen; (void)wp; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}
int wire_pcap_write(struct wire_pcap_writer *w, const struct wire_pkt *pkt) { (void)w; (void)pkt; return WIRE_E_INTERNAL; }
int wire_pcap_flush(struct wire_pcap_writer *w) { (void)w; return 0; }
int wire_pcap_close_writer(struct wire_pcap_writer *w) { (void)w; return 0; }
