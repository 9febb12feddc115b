/* SPDX-License-Identifier: BSD-2-Clause */
/* --stats: placeholder while being written. */
#include <stdlib.h>

#include "pr.h"

struct wire_stats {
	int x;
};

int wire_stats_new(struct wire_stats **sp)
{
	*sp = calloc(1, sizeof(**sp));
	return *sp ? 0 : -12;
}
void wire_stats_add(struct wire_stats *st, const struct wire_dissect *d) { (void)st; (void)d; }
void wire_stats_print(struct wire_stats *st, struct wire_sink *s) { (void)st; (void)s; }
void wire_stats_free(struct wire_stats *st) { free(st); }
