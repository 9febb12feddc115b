/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The I/O graph of `wirecat view` (view_int.h): packets and bytes per
 * interval, one code for the server's /api/io and the --html page's
 * embedded "io". The interval starts at 1 ms and grows tenfold (buckets
 * merged) when the capture outlasts the buckets.
 */
#include "view_int.h"

void wire_view_io_add(struct view_io *io, double t, uint32_t len)
{
	if (!(t > 0))
		t = 0;
	if (io->iv == 0)
		io->iv = 0.001;
	double k = t / io->iv;
	while (k >= WIRE_VIEW_IO_BUCKETS && io->iv < 1e9) {
		for (uint32_t j = 0; j < WIRE_VIEW_IO_BUCKETS / 10; j++) {
			uint64_t p = 0, b = 0;
			for (uint32_t q = 0; q < 10; q++) {
				p += io->pk[10 * j + q];
				b += io->by[10 * j + q];
			}
			io->pk[j] = p;
			io->by[j] = b;
		}
		for (uint32_t j = WIRE_VIEW_IO_BUCKETS / 10; j < WIRE_VIEW_IO_BUCKETS; j++)
			io->pk[j] = io->by[j] = 0;
		io->n = (io->n + 9) / 10;
		io->iv *= 10;
		k = t / io->iv;
	}
	uint32_t b = k < WIRE_VIEW_IO_BUCKETS ? (uint32_t)k : WIRE_VIEW_IO_BUCKETS - 1;
	io->pk[b]++;
	io->by[b] += len;
	if (b + 1 > io->n)
		io->n = b + 1;
}

double wire_view_io_shown(const struct view_io *io, double want)
{
	double iv = io->iv ? io->iv : 0.001;
	uint32_t f = 1;
	while (io->n / f > WIRE_VIEW_IO_SHOWN && iv * f < 1e9)
		f *= 10;
	return want > iv * f ? want : iv * f;
}

void wire_view_io_json(struct wire_sink *o, const struct view_io *io, double want)
{
	double iv = io->iv ? io->iv : 0.001;
	uint32_t f = want > iv ? (uint32_t)(want / iv + 0.5) : 1;
	if (f < 1)
		f = 1;
	wire_sink_printf(o, "{\"iv\":%.9g,\"pk\":[", iv * f);
	for (uint32_t i = 0; i < io->n; i += f) {
		uint64_t p = 0;
		for (uint32_t q = i; q < i + f && q < io->n; q++)
			p += io->pk[q];
		wire_sink_printf(o, "%s%llu", i ? "," : "", (unsigned long long)p);
	}
	wire_sink_puts(o, "],\"by\":[");
	for (uint32_t i = 0; i < io->n; i += f) {
		uint64_t b = 0;
		for (uint32_t q = i; q < i + f && q < io->n; q++)
			b += io->by[q];
		wire_sink_printf(o, "%s%llu", i ? "," : "", (unsigned long long)b);
	}
	wire_sink_puts(o, "]}");
}
