/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet printer entry (include/wire/print.h). Placeholder: being written. */
#include <errno.h>
#include <stdlib.h>

#include "wire/print.h"

struct wire_printer {
	struct wire_print_opts o;
	struct wire_sink *out;
};

int wire_printer_new(struct wire_printer **pp, const struct wire_print_opts *o, struct wire_sink *out)
{
	struct wire_printer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->o = *o;
	p->out = out;
	*pp = p;
	return 0;
}

int wire_printer_packet(struct wire_printer *p, const struct wire_pkt *pkt)
{
	return wire_sink_printf(p->out, "packet %llu, %u bytes\n", (unsigned long long)pkt->num,
				(unsigned)pkt->caplen);
}

int wire_printer_finish(struct wire_printer *p) { return wire_sink_flush(p->out); }

void wire_printer_free(struct wire_printer *p) { free(p); }
