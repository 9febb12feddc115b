/* SPDX-License-Identifier: BSD-2-Clause */
/* -V view: placeholder while being written. */
#include "pr.h"

void wire_pr_tree(struct wire_printer *p, const struct wire_dissect *d)
{
	wire_pr_line(p, d);
}
