/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data side of `wirecat view FILE`: a capture served page by page to the
 * page's script (web/view.js) through the HTTP server (wire/httpd.h). The
 * file is never held in memory: a first pass on the loop, in slices of
 * WIRE_VIEW_SLICE_MS, records a sparse index (the place of every K-th
 * record, K doubling whenever WIRE_VIEW_INDEX_MAX places are kept) and
 * collects the --stats data (protocol hierarchy, conversations) and the I/O
 * graph; rows are read again from the mapped file through the index. A
 * filter (a display filter, else a capture filter) runs from the file's
 * start in slices too, keeping the numbers of at most WIRE_VIEW_MATCH_MAX
 * matching packets; answers say how far it got, and the page asks again.
 * WIRE_VIEW_FILTERS_MAX filters are kept (the least recently asked for goes).
 * A sort (sort=COLUMN[&desc=1]) of the whole file or of a filter's matches
 * reads each packet's key (WIRE_VIEW_SORT_KEY bytes) and heap-sorts them in
 * slices too; it takes at most WIRE_VIEW_SORT_MAX packets (24 bytes each)
 * and refuses more; one sort is kept.
 *
 * Paths served: / (the page), /api/summary, /api/rows?start=&count=
 * [&filter=][&sort=&desc=], /api/packet?n=, /api/hier, /api/convs, /api/conv?id=,
 * /api/io?interval=[&filter=]. Anything else is 404.
 */
#ifndef WIRE_VIEW_SRV_H
#define WIRE_VIEW_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "wire/httpd.h"
#include "wire/loop.h"

/* The Content-Security-Policy of the served page: the --html page's, and
 * requests to the page's own origin (fetch of /api). */
#define WIRE_VIEW_CSP                                                                              \
	"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "              \
	"img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "                 \
	"frame-ancestors 'none'"

struct wire_view_srv;

/* Opens the capture at path (title: the name the page shows) and starts its
 * first pass on loop l. A trace's NDJSON (a file starting with '{') is
 * served as the --html page holds it. Returns 0 and *sp, or WIRE_E_MALFORMED
 * / -errno / -E2BIG with a reason in why (size n). */
int wire_view_srv_open(struct wire_view_srv **sp, struct wire_loop *l, const char *path,
                       const char *title, char *why, size_t n);
/* The HTTP handler (ud: the struct wire_view_srv). */
int wire_view_srv_handle(void *ud, const struct wire_httpd_req *rq, struct wire_httpd_resp *rs);
void wire_view_srv_free(struct wire_view_srv *s);
/* Lowers the number of packets one sort takes (WIRE_VIEW_SORT_MAX) to max
 * (tests do; 0, or a number not below it, changes nothing). Returns the
 * limit in effect. */
uint32_t wire_view_srv_sort_limit(struct wire_view_srv *s, uint64_t max);

#endif
