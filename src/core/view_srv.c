/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data of `wirecat view FILE` (include/wire/view_srv.h): the first pass
 * (sparse index, --stats data, I/O graph), the filter and conversation
 * scans, and the answers to the page's requests. Every scan is a reader of
 * its own over the mapped file, advanced in slices on the loop; rows are
 * read again through the index by one more reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print/pr.h"
#include "view_int.h"
#include "wire/dfilter.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/pcapread.h"
#include "wire/tcpanalysis.h"
#include "wire/view.h"
#include "wire/view_srv.h"

enum jkind { J_DISPLAY = 1, J_CAPTURE, J_CONV };

/* A scan from the file's start: a filter or a conversation's packets. */
struct job {
	enum jkind kind;
	char text[WIRE_DFILTER_LEN_MAX + 1];
	unsigned conv;
	struct wire_dfilter *df;
	struct wire_filter *bpf;
	struct wire_tcpa *tcpa;
	struct wire_tcpa_res ta;
	struct wire_stats_key key;
	struct wire_pcapr *r;
	int done;
	char why[256]; /* a read error that ended it */
	uint64_t scanned, matched;
	uint32_t *m, nm, cap, limit;
	struct view_io io;
};

/* The list sorted by a column: the packets of the whole file or of a
 * filter's matches (text), their keys read in slices, then heap-sorted in
 * slices (view_sort.c). One is kept; at most sort_max packets (24 bytes
 * each) are sorted, a larger set is refused. */
enum sstate { S_WAIT, S_KEYS, S_HEAP, S_DONE, S_REFUSED, S_ERROR };

struct sortjob {
	int col, desc;
	enum sstate st;
	char text[WIRE_DFILTER_LEN_MAX + 1];
	struct wire_pcapr *r;
	struct wire_vsort_ent *e; /* NULL for the whole file by number */
	uint32_t ne, got, hi, hend;
	char why[256];
};

struct wire_view_srv {
	struct wire_loop *loop;
	char *path;
	char title[256];
	char *ndjson; /* a trace's NDJSON, served as the --html page */
	size_t ndlen;
	int link;
	unsigned snaplen;
	/* the first pass */
	struct wire_pcapr *ix;
	int ix_done;
	char ix_why[256];
	struct wire_pcapr_pos *idx;
	uint32_t nidx, k;
	uint64_t count;
	struct timespec t0;
	double t_last;
	struct wire_stats *stats;
	struct view_io io;
	struct wire_dissect *d;
	int timer;
	/* rows */
	struct wire_pcapr *rd;
	struct view *v;
	struct job *filters[WIRE_VIEW_FILTERS_MAX]; /* the latest used first */
	struct job *conv;
	struct sortjob *sort;
	uint32_t sort_max;
};

static double rel_time(const struct wire_view_srv *s, const struct wire_pkt *pkt)
{
	return (double)(pkt->ts.tv_sec - s->t0.tv_sec) +
	       (double)(pkt->ts.tv_nsec - s->t0.tv_nsec) / 1e9;
}

static int open_reader(const char *path, struct wire_pcapr **rp, char *why, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s", strerror(errno));
		return -errno;
	}
	return wire_pcapr_open_fd(fd, rp, why, n);
}

/* ---- the first pass ---- */

/* Keeps the place of every K-th record; halves the index when it is full. */
static void index_place(struct wire_view_srv *s, const struct wire_pcapr_pos *pos)
{
	if ((s->count - 1) % s->k)
		return;
	if (s->nidx == WIRE_VIEW_INDEX_MAX) {
		for (uint32_t i = 0; i < s->nidx / 2; i++)
			s->idx[i] = s->idx[2 * i];
		s->nidx /= 2;
		s->k *= 2;
		if ((s->count - 1) % s->k)
			return;
	}
	s->idx[s->nidx++] = *pos;
}

/* One packet of the first pass. Returns 1, 0 at the end, or an error. */
static int index_one(struct wire_view_srv *s)
{
	struct wire_pcapr_pos pos;
	struct wire_pkt pkt;
	wire_pcapr_tell(s->ix, &pos);
	int rc = wire_pcapr_next(s->ix, &pkt, s->ix_why, sizeof(s->ix_why));
	if (rc != 1)
		return rc;
	if (++s->count == 1) {
		s->t0 = pkt.ts;
		s->v->t0 = pkt.ts;
	}
	index_place(s, &pos);
	double t = rel_time(s, &pkt);
	if (t > s->t_last)
		s->t_last = t;
	wire_dissect(s->d, &pkt);
	wire_stats_add(s->stats, s->d, -1);
	wire_view_io_add(&s->io, t, pkt.wirelen);
	return 1;
}

/* ---- scans (filters and conversations) ---- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	wire_dfilter_free(j->df);
	if (j->bpf)
		wire_filter_free(j->bpf);
	wire_tcpa_free(j->tcpa);
	wire_pcapr_close(j->r);
	free(j->m);
	free(j);
}

static unsigned job_ta(void *ctx, const struct wire_dissect *d, const char *name,
                       struct wire_fval *v, unsigned max)
{
	const struct job *j = ctx;
	(void)d;
	return wire_tcpa_res_field(&j->ta, name, v, max);
}

static int job_match(struct wire_view_srv *s, struct job *j, const struct wire_pkt *pkt)
{
	if (j->kind == J_CAPTURE)
		return pkt->linktype == s->link && wire_filter_match(j->bpf, pkt);
	wire_dissect(s->d, pkt);
	if (j->kind == J_CONV)
		return wire_stats_in_conv(&j->key, s->d);
	if (!j->tcpa)
		return wire_dfilter_match(j->df, s->d, NULL);
	struct wire_tcpa_seg g;
	j->ta.flags = j->ta.dupack = 0;
	if (wire_tcpa_segment(s->d, &g))
		wire_tcpa_feed(j->tcpa, &g, &j->ta);
	struct wire_field_ext x = {job_ta, j};
	return wire_dfilter_match(j->df, s->d, &x);
}

/* One packet of a scan. Returns 1, or 0 when the scan is over. */
static int job_one(struct wire_view_srv *s, struct job *j)
{
	struct wire_pkt pkt;
	if (j->done)
		return 0;
	int rc = wire_pcapr_next(j->r, &pkt, j->why, sizeof(j->why));
	if (rc != 1) {
		j->done = 1;
		return 0;
	}
	j->scanned++;
	if (!job_match(s, j, &pkt))
		return 1;
	j->matched++;
	wire_view_io_add(&j->io, rel_time(s, &pkt), pkt.wirelen);
	if (j->nm < j->limit) {
		if (j->nm == j->cap) {
			uint32_t cap = j->cap ? j->cap * 2 : 4096;
			uint32_t *m = realloc(j->m, (size_t)cap * sizeof(*m));
			if (!m) {
				snprintf(j->why, sizeof(j->why), "out of memory");
				j->done = 1;
				return 0;
			}
			j->m = m;
			j->cap = cap;
		}
		j->m[j->nm++] = (uint32_t)pkt.num;
	} else if (j->kind == J_CONV) {
		j->done = 1;
		return 0;
	}
	return 1;
}

/* ---- sorting ---- */

static void sort_free(struct sortjob *q)
{
	if (!q)
		return;
	wire_pcapr_close(q->r);
	free(q->e);
	free(q);
}

static struct job *filter_find(struct wire_view_srv *s, const char *text)
{
	for (unsigned k = 0; k < WIRE_VIEW_FILTERS_MAX && s->filters[k]; k++)
		if (!strcmp(s->filters[k]->text, text))
			return s->filters[k];
	return NULL;
}

/* Packet number of place i of a sort that is done. */
static uint64_t sort_at(const struct wire_view_srv *s, const struct sortjob *q, uint32_t i)
{
	return q->e ? q->e[i].n : s->count - i; /* the whole file by number, descending */
}

static void sort_refuse(struct sortjob *q, uint64_t n, uint32_t max)
{
	q->st = S_REFUSED;
	snprintf(q->why, sizeof(q->why),
	         "sorting %llu packets needs more than the server's limit of %u; filter "
	         "them first",
	         (unsigned long long)n, max);
}

/* Takes the packets to sort and their numbers. Returns 0, or -1 when they
 * are not all known yet. */
static int sort_take(struct wire_view_srv *s, struct sortjob *q)
{
	struct job *j = q->text[0] ? filter_find(s, q->text) : NULL;
	if (q->text[0] ? !j || !j->done : !s->ix_done)
		return -1;
	uint64_t n = j ? j->matched : s->count;
	if (!j && q->col == WIRE_VC_N) {
		q->ne = (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX);
		q->st = S_DONE;
		return 0;
	}
	if (n > s->sort_max) {
		sort_refuse(q, n, s->sort_max);
		return 0;
	}
	if (j && j->matched > j->nm) { /* a safeguard: MATCH_MAX is above the limit */
		q->st = S_REFUSED;
		snprintf(q->why, sizeof(q->why), "the filter kept the first %u of its %llu matches",
		         j->nm, (unsigned long long)j->matched);
		return 0;
	}
	q->ne = (uint32_t)n;
	q->e = calloc(n ? n : 1, sizeof(*q->e));
	if (!q->e) {
		q->st = S_ERROR;
		snprintf(q->why, sizeof(q->why), "out of memory");
		return 0;
	}
	for (uint32_t i = 0; i < q->ne; i++)
		q->e[i].n = j ? j->m[i] : i + 1;
	q->st = S_KEYS;
	return 0;
}

static void sort_heap_start(struct sortjob *q)
{
	q->hi = q->ne / 2;
	q->hend = q->ne;
	q->st = q->ne > 1 ? S_HEAP : S_DONE;
}

/* Number order needs no keys: a filter's matches reversed. */
static void sort_by_number(struct sortjob *q)
{
	for (uint32_t i = 0; i < q->ne / 2; i++) {
		uint32_t t = q->e[i].n;
		q->e[i].n = q->e[q->ne - 1 - i].n;
		q->e[q->ne - 1 - i].n = t;
	}
	q->st = S_DONE;
}

/* One packet's key. Returns 1, or 0 when the keys are all there (or the
 * file ended first: an error). */
static int sort_key_one(struct wire_view_srv *s, struct sortjob *q)
{
	struct wire_pkt pkt;
	if (q->got == q->ne) {
		wire_pcapr_close(q->r);
		q->r = NULL;
		sort_heap_start(q);
		return 0;
	}
	if (!q->r && open_reader(s->path, &q->r, q->why, sizeof(q->why)) < 0) {
		q->st = S_ERROR;
		return 0;
	}
	int rc = wire_pcapr_next(q->r, &pkt, q->why, sizeof(q->why));
	if (rc != 1 || pkt.num > q->e[q->got].n) {
		if (!q->why[0])
			snprintf(q->why, sizeof(q->why), "packet %u is not in the file",
			         q->e[q->got].n);
		q->st = S_ERROR;
		return 0;
	}
	if (pkt.num == q->e[q->got].n)
		wire_vsort_key(s->v, q->col, &pkt, q->e[q->got++].k);
	return 1;
}

/* One step of the sort job. Returns 1 when it did work. */
static int sort_one(struct wire_view_srv *s, struct sortjob *q)
{
	switch (q->st) {
	case S_WAIT:
		if (sort_take(s, q) < 0)
			return 0;
		if (q->st == S_KEYS && q->col == WIRE_VC_N)
			sort_by_number(q);
		return q->st == S_KEYS;
	case S_KEYS: return sort_key_one(s, q);
	case S_HEAP:
		if (!wire_vsort_step(q->e, q->ne, q->desc, &q->hi, &q->hend))
			q->st = S_DONE;
		return 1;
	default: return 0;
	}
}

/* Runs a slice of work: the first pass, then the scans. */
static void work(struct wire_loop *l, void *ud)
{
	struct wire_view_srv *s = ud;
	int64_t end = wire_now_ms() + WIRE_VIEW_SLICE_MS;
	for (unsigned i = 0;; i++) {
		if ((i & 63) == 0 && wire_now_ms() >= end)
			return;
		int busy = 0;
		if (!s->ix_done) {
			if (index_one(s) == 1)
				busy = 1;
			else
				s->ix_done = 1;
		}
		for (unsigned f = 0; f < WIRE_VIEW_FILTERS_MAX; f++)
			if (s->filters[f] && job_one(s, s->filters[f]))
				busy = 1;
		if (s->conv && job_one(s, s->conv))
			busy = 1;
		if (s->sort && sort_one(s, s->sort))
			busy = 1;
		if (!busy)
			break;
	}
	wire_loop_cancel(l, s->timer);
	s->timer = -1;
}

static void work_arm(struct wire_view_srv *s)
{
	if (s->timer < 0)
		s->timer = wire_loop_every(s->loop, 1, work, s);
}

/* The sort of (col, desc) over text's matches (or the whole file): the one
 * kept, turned around when only desc differs, else a new one. */
static struct sortjob *sort_job(struct wire_view_srv *s, int col, int desc, const char *text)
{
	struct sortjob *q = s->sort;
	if (q && q->col == col && !strcmp(q->text, text) && q->st != S_ERROR) {
		if (q->desc != desc && (q->st == S_HEAP || q->st == S_DONE))
			sort_heap_start(q);
		q->desc = desc;
		work_arm(s);
		return q;
	}
	if (!(q = calloc(1, sizeof(*q))))
		return NULL;
	q->col = col;
	q->desc = desc;
	q->st = S_WAIT;
	snprintf(q->text, sizeof(q->text), "%s", text);
	sort_free(s->sort);
	s->sort = q;
	work_arm(s);
	return q;
}

/* Compiles text as a display filter, else as a capture filter. Returns 0, or
 * -EINVAL with both messages in why and the display filter's column. */
static int job_compile(struct wire_view_srv *s, struct job *j, char *why, size_t n, size_t *col)
{
	char dwhy[256], cwhy[256];
	size_t pos = 0;
	int rc = wire_dfilter_compile(&j->df, j->text, dwhy, sizeof(dwhy), &pos);
	if (rc == 0) {
		j->kind = J_DISPLAY;
		if (strstr(j->text, "tcp.analysis") && !(j->tcpa = wire_tcpa_new()))
			return -ENOMEM;
		return 0;
	}
	if (rc != -EINVAL)
		return rc;
	rc = wire_filter_compile(&j->bpf, j->text, s->link, s->snaplen, cwhy, sizeof(cwhy));
	if (rc == 0) {
		j->kind = J_CAPTURE;
		return 0;
	}
	*col = pos + 1;
	snprintf(why, n, "not a display filter (column %zu: %s), nor a capture filter (%s)",
	         pos + 1, dwhy, cwhy);
	return -EINVAL;
}

static struct job *job_new(struct wire_view_srv *s, char *why, size_t n)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	if (open_reader(s->path, &j->r, why, n) < 0) {
		free(j);
		return NULL;
	}
	j->limit = WIRE_VIEW_MATCH_MAX;
	return j;
}

/* Makes filter k the latest used. */
static struct job *filter_front(struct wire_view_srv *s, unsigned k)
{
	struct job *j = s->filters[k];
	for (; k > 0; k--)
		s->filters[k] = s->filters[k - 1];
	s->filters[0] = j;
	return j;
}

/* The scan of filter text (kept from before, or a new one that takes the
 * place of the least recently used), or NULL with the error in why and *col. */
static struct job *filter_job(struct wire_view_srv *s, const char *text, char *why, size_t n,
                              size_t *col)
{
	for (unsigned k = 0; k < WIRE_VIEW_FILTERS_MAX && s->filters[k]; k++)
		if (!strcmp(s->filters[k]->text, text))
			return filter_front(s, k);
	struct job *j = job_new(s, why, n);
	if (!j)
		return NULL;
	snprintf(j->text, sizeof(j->text), "%s", text);
	int rc = job_compile(s, j, why, n, col);
	if (rc < 0) {
		if (rc != -EINVAL)
			snprintf(why, n, "%s", strerror(-rc));
		job_free(j);
		return NULL;
	}
	job_free(s->filters[WIRE_VIEW_FILTERS_MAX - 1]);
	s->filters[WIRE_VIEW_FILTERS_MAX - 1] = j;
	work_arm(s);
	return filter_front(s, WIRE_VIEW_FILTERS_MAX - 1);
}

/* ---- reading rows again ---- */

/* Makes packet n (1-based) the next one rd reads. Returns 0 or an error. */
static int rd_goto(struct wire_view_srv *s, uint64_t n)
{
	char why[256];
	struct wire_pcapr_pos cur;
	struct wire_pkt pkt;
	if (!s->rd) { /* a reopening failed before */
		int rc = open_reader(s->path, &s->rd, why, sizeof(why));
		if (rc < 0)
			return rc;
	}
	wire_pcapr_tell(s->rd, &cur);
	if (!(cur.num < n && n - 1 - cur.num < s->k)) {
		uint64_t e = (n - 1) / s->k;
		if (e >= s->nidx)
			e = s->nidx - 1;
		if (wire_pcapr_seek(s->rd, &s->idx[e]) < 0) {
			wire_pcapr_tell(s->rd, &cur);
			if (cur.num >= n) { /* another section, behind: read from the start */
				wire_pcapr_close(s->rd);
				s->rd = NULL;
				int rc = open_reader(s->path, &s->rd, why, sizeof(why));
				if (rc < 0)
					return rc;
			}
		}
	}
	for (;;) {
		wire_pcapr_tell(s->rd, &cur);
		if (cur.num + 1 >= n)
			return 0;
		int rc = wire_pcapr_next(s->rd, &pkt, why, sizeof(why));
		if (rc != 1)
			return rc ? rc : -ENOENT;
	}
}

/* Writes packet n's row (with its detail). Returns 0 or an error. With the
 * detail, a new -V printer is fed the packets from the index place before n,
 * so that its TCP analysis sees them (and never the same packet twice). */
static int put_row(struct wire_view_srv *s, uint64_t n, int detail)
{
	char why[256];
	struct wire_pkt pkt;
	uint64_t at = detail ? (n - 1) / s->k * s->k + 1 : n;
	if (detail && wire_view_reset_tree(s->v) < 0)
		return -ENOMEM;
	int rc = rd_goto(s, at);
	for (; rc == 0; at++) {
		rc = wire_pcapr_next(s->rd, &pkt, why, sizeof(why));
		if (rc != 1)
			return rc ? rc : -ENOENT;
		if (at == n) {
			wire_view_row(s->v, &pkt, detail);
			return 0;
		}
		wire_view_tree_feed(s->v, &pkt);
		rc = 0;
	}
	return rc;
}

/* ---- answers ---- */

static long long qnum(const struct wire_httpd_req *rq, const char *name, long long def,
                      long long max)
{
	char b[32];
	int k = wire_httpd_param(rq->query, name, b, sizeof(b));
	if (k < -1)
		return -1;
	if (k <= 0)
		return def;
	char *end;
	long long v = strtoll(b, &end, 10);
	if (*end || v < 0)
		return -1;
	return v > max ? max : v;
}

static void put_str(struct wire_sink *o, const char *key, const char *v)
{
	wire_sink_printf(o, ",\"%s\":", key);
	wire_view_json_str(o, v, strlen(v));
}

static int api_summary(struct wire_view_srv *s, struct wire_sink *o)
{
	wire_sink_puts(o, "{\"file\":");
	wire_view_json_str(o, s->title, strlen(s->title));
	wire_sink_printf(o,
	                 ",\"link\":%d,\"packets\":%llu,\"indexing\":%s,\"duration\":%.6f,"
	                 "\"index\":{\"every\":%u,\"places\":%u,\"max\":%u},\"rows_max\":%u,"
	                 "\"conv_pkts_max\":%u,\"match_max\":%u,\"sort_max\":%u",
	                 s->link, (unsigned long long)s->count, s->ix_done ? "false" : "true",
	                 s->t_last, s->k, s->nidx, WIRE_VIEW_INDEX_MAX, WIRE_VIEW_ROWS_MAX,
	                 WIRE_VIEW_CONV_PKTS, WIRE_VIEW_MATCH_MAX, s->sort_max);
	if (s->ix_why[0])
		put_str(o, "error", s->ix_why);
	return wire_sink_putc(o, '}');
}

/* The filter's error as {"error": text, "column": N}. */
static int put_ferr(struct wire_sink *o, const char *why, size_t col)
{
	wire_sink_puts(o, "{\"error\":");
	wire_view_json_str(o, why, strlen(why));
	return wire_sink_printf(o, ",\"column\":%zu}", col);
}

static void put_job_state(struct wire_sink *o, const struct job *j)
{
	wire_sink_printf(o, "\"done\":%s,\"scanned\":%llu,\"matched\":%llu,\"kept\":%u",
	                 j->done ? "true" : "false", (unsigned long long)j->scanned,
	                 (unsigned long long)j->matched, j->nm);
	if (j->kind == J_DISPLAY || j->kind == J_CAPTURE)
		wire_sink_printf(o, ",\"lang\":\"%s\"",
		                 j->kind == J_DISPLAY ? "display" : "capture");
	if (j->why[0])
		put_str(o, "error_read", j->why);
}

/* sort=COLUMN (view_sort.c's names) and desc=0|1: 0 with *col (-1 for
 * none: file order), or -400. */
static int sort_params(const struct wire_httpd_req *rq, int *col, int *desc)
{
	char b[16];
	*col = -1;
	*desc = 0;
	int k = wire_httpd_param(rq->query, "desc", b, sizeof(b));
	if (k < -1 || (k >= 0 && strcmp(b, "0") && strcmp(b, "1")))
		return -400;
	*desc = k >= 0 && b[0] == '1';
	k = wire_httpd_param(rq->query, "sort", b, sizeof(b));
	if (k < -1 || (k >= 0 && (*col = wire_vsort_col(b)) < 0))
		return -400;
	if (*col < 0 && *desc)
		*col = WIRE_VC_N;
	if (*col == WIRE_VC_N && !*desc)
		*col = -1; /* file order */
	return 0;
}

static void put_sort_state(struct wire_sink *o, const struct sortjob *q)
{
	static const char *const names[] = {"waiting", "keys",    "sorting",
	                                    "done",    "refused", "error"};
	wire_sink_printf(o,
	                 ",\"sort\":{\"col\":\"%s\",\"desc\":%s,\"state\":\"%s\",\"got\":%u,"
	                 "\"of\":%u",
	                 wire_vsort_col_name(q->col), q->desc ? "true" : "false", names[q->st],
	                 q->got, q->ne);
	if (q->why[0])
		put_str(o, "error", q->why);
	wire_sink_putc(o, '}');
}

/* The rows of a sorted list: none until the sort is done. */
static int rows_sorted(struct wire_view_srv *s, struct sortjob *q, uint64_t start, uint64_t count,
                       struct wire_sink *o)
{
	if (q->st != S_DONE && q->st < S_REFUSED)
		work(s->loop, s); /* a slice now: a small list is sorted at once */
	put_sort_state(o, q);
	wire_sink_printf(o, ",\"start\":%llu,\"rows\":[", (unsigned long long)start);
	for (uint64_t i = start; q->st == S_DONE && i < q->ne && i < start + count; i++) {
		if (i > start)
			wire_sink_puts(o, ",\n");
		if (put_row(s, sort_at(s, q, (uint32_t)i), 0) < 0)
			return -500;
	}
	return wire_sink_puts(o, "]}");
}

static int api_rows(struct wire_view_srv *s, const struct wire_httpd_req *rq, struct wire_sink *o)
{
	long long start = qnum(rq, "start", 0, 1LL << 40);
	long long count = qnum(rq, "count", 100, WIRE_VIEW_ROWS_MAX);
	char text[WIRE_DFILTER_LEN_MAX + 1], why[600];
	int scol, desc;
	if (start < 0 || count < 0 || sort_params(rq, &scol, &desc) < 0)
		return -400;
	int fl = wire_httpd_param(rq->query, "filter", text, sizeof(text));
	struct sortjob *q = NULL;
	if (fl < -1)
		return -400;
	if (scol >= 0 && !(q = sort_job(s, scol, desc, fl > 0 ? text : "")))
		return -500;
	struct job *j = NULL;
	if (fl > 0) {
		size_t col = 0;
		if (!(j = filter_job(s, text, why, sizeof(why), &col)))
			return put_ferr(o, why, col);
		if (!j->done && j->nm < (uint64_t)(start + count))
			work(s->loop, s); /* a slice now: the first page comes at once */
		wire_sink_printf(o, "{\"total\":%u,", q && q->st == S_DONE ? q->ne : j->nm);
		put_job_state(o, j);
	} else if (q) {
		wire_sink_printf(o, "{\"total\":%llu,\"done\":%s", (unsigned long long)s->count,
		                 s->ix_done ? "true" : "false");
	} else {
		wire_sink_printf(o, "{\"total\":%llu,\"done\":%s", (unsigned long long)s->count,
		                 s->ix_done ? "true" : "false");
	}
	if (q)
		return rows_sorted(s, q, (uint64_t)start, (uint64_t)count, o);
	uint64_t total = j ? j->nm : s->count;
	wire_sink_printf(o, ",\"start\":%lld,\"rows\":[", start);
	for (uint64_t i = (uint64_t)start; i < total && i < (uint64_t)(start + count); i++) {
		if (i > (uint64_t)start)
			wire_sink_puts(o, ",\n");
		if (put_row(s, j ? j->m[i] : i + 1, 0) < 0)
			return -500;
	}
	return wire_sink_puts(o, "]}");
}

static int api_packet(struct wire_view_srv *s, const struct wire_httpd_req *rq, struct wire_sink *o)
{
	long long n = qnum(rq, "n", 0, 1LL << 40);
	if (n < 1 || (uint64_t)n > s->count)
		return -404;
	return put_row(s, (uint64_t)n, 1) < 0 ? -500 : 0;
}

static int api_conv(struct wire_view_srv *s, const struct wire_httpd_req *rq, struct wire_sink *o)
{
	long long id = qnum(rq, "id", 0, 1LL << 30);
	if (!s->ix_done)
		return put_ferr(o, "the conversations are still being counted", 0);
	if (!s->conv || s->conv->conv != (unsigned)id) {
		struct wire_stats_key key;
		char why[256];
		if (id < 1 || wire_stats_conv_of(s->stats, (unsigned)id, &key) < 0)
			return -404;
		struct job *j = job_new(s, why, sizeof(why));
		if (!j)
			return -500;
		j->kind = J_CONV;
		j->conv = (unsigned)id;
		j->key = key;
		j->limit = WIRE_VIEW_CONV_PKTS;
		job_free(s->conv);
		s->conv = j;
		work_arm(s);
	}
	struct job *j = s->conv;
	wire_sink_printf(o, "{\"id\":%lld,\"max\":%u,", id, WIRE_VIEW_CONV_PKTS);
	put_job_state(o, j);
	wire_sink_puts(o, ",\"rows\":[");
	for (uint32_t i = 0; i < j->nm; i++) {
		if (i)
			wire_sink_puts(o, ",\n");
		if (put_row(s, j->m[i], 0) < 0)
			return -500;
	}
	return wire_sink_puts(o, "]}");
}

static int api_io(struct wire_view_srv *s, const struct wire_httpd_req *rq, struct wire_sink *o)
{
	char b[32], text[WIRE_DFILTER_LEN_MAX + 1], why[600];
	double want = 0;
	int k = wire_httpd_param(rq->query, "interval", b, sizeof(b));
	if (k < -1)
		return -400;
	if (k > 0) {
		char *end;
		want = strtod(b, &end);
		if (*end || !(want >= 0) || want > 1e9)
			return -400;
	}
	int fl = wire_httpd_param(rq->query, "filter", text, sizeof(text));
	struct job *j = NULL;
	size_t col = 0;
	if (fl < -1)
		return -400;
	if (fl > 0 && !(j = filter_job(s, text, why, sizeof(why), &col)))
		return put_ferr(o, why, col);
	if (j && s->io.iv > j->io.iv)
		want = want > s->io.iv ? want : s->io.iv; /* both series on one interval */
	else if (j && j->io.iv > s->io.iv)
		want = want > j->io.iv ? want : j->io.iv;
	want = wire_view_io_shown(&s->io, want);
	wire_sink_printf(o, "{\"done\":%s,\"all\":", s->ix_done ? "true" : "false");
	wire_view_io_json(o, &s->io, want);
	if (j) {
		wire_sink_puts(o, ",\"filter\":{");
		put_job_state(o, j);
		wire_sink_puts(o, ",\"io\":");
		wire_view_io_json(o, &j->io, want);
		wire_sink_putc(o, '}');
	}
	return wire_sink_putc(o, '}');
}

static int api_stats(struct wire_view_srv *s, int convs, struct wire_sink *o)
{
	wire_sink_printf(o, "{\"done\":%s,\"data\":", s->ix_done ? "true" : "false");
	if (convs)
		wire_stats_convs_json(s->stats, o, WIRE_VIEW_CONVS_SHOWN);
	else
		wire_stats_hier_json(s->stats, o);
	return wire_sink_putc(o, '}');
}

int wire_view_srv_handle(void *ud, const struct wire_httpd_req *rq, struct wire_httpd_resp *rs)
{
	struct wire_view_srv *s = ud;
	struct wire_sink *o = rs->body;
	const char *p = rq->path;
	if (!strcmp(p, "/") || !strcmp(p, "/index.html")) {
		rs->type = "text/html; charset=utf-8";
		if (s->ndjson) {
			uint64_t nev;
			return wire_view_html_ndjson(s->ndjson, s->ndlen, s->title, o, &nev) < 0
			           ? -500
			           : 0;
		}
		return wire_view_page_server(o, s->title, s->link) < 0 ? -500 : 0;
	}
	if (s->ndjson)
		return -404;
	s->v->out = o;
	if (!strcmp(p, "/api/summary"))
		return api_summary(s, o);
	if (!strcmp(p, "/api/rows"))
		return api_rows(s, rq, o);
	if (!strcmp(p, "/api/packet"))
		return api_packet(s, rq, o);
	if (!strcmp(p, "/api/hier"))
		return api_stats(s, 0, o);
	if (!strcmp(p, "/api/convs"))
		return api_stats(s, 1, o);
	if (!strcmp(p, "/api/conv"))
		return api_conv(s, rq, o);
	if (!strcmp(p, "/api/io"))
		return api_io(s, rq, o);
	return -404;
}

/* ---- opening ---- */

/* Reads a trace's NDJSON (a regular file starting with '{'). Returns 1 when
 * it is one (s->ndjson set), 0 when not, or an error. */
static int slurp_ndjson(struct wire_view_srv *s, char *why, size_t n)
{
	char c = 0;
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the pcap reader says why */
	off_t len = lseek(fd, 0, SEEK_END);
	if (pread(fd, &c, 1, 0) != 1 || c != '{' || len <= 0) {
		close(fd);
		return 0;
	}
	if ((uint64_t)len > WIRE_VIEW_HTML_FILE_MAX) {
		close(fd);
		snprintf(why, n, "a trace of %lld bytes is more than one page holds (%u MiB)",
		         (long long)len, WIRE_VIEW_HTML_FILE_MAX >> 20);
		return -E2BIG;
	}
	s->ndjson = malloc((size_t)len);
	ssize_t got = s->ndjson ? pread(fd, s->ndjson, (size_t)len, 0) : -1;
	close(fd);
	if (got < 0) {
		snprintf(why, n, "%s", s->ndjson ? strerror(errno) : "out of memory");
		return -EIO;
	}
	s->ndlen = (size_t)got;
	return 1;
}

static int srv_init(struct wire_view_srv *s, char *why, size_t n)
{
	int rc = slurp_ndjson(s, why, n);
	if (rc)
		return rc < 0 ? rc : 0;
	if ((rc = open_reader(s->path, &s->ix, why, n)) < 0 ||
	    (rc = open_reader(s->path, &s->rd, why, n)) < 0)
		return rc;
	s->link = wire_pcapr_linktype(s->ix);
	s->snaplen = wire_pcapr_snaplen(s->ix);
	s->k = 1;
	s->idx = calloc(WIRE_VIEW_INDEX_MAX, sizeof(*s->idx));
	s->d = malloc(sizeof(*s->d));
	if (!s->idx || !s->d || wire_stats_new(&s->stats) < 0 || wire_view_open(&s->v, 1) < 0) {
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	s->timer = -1;
	work_arm(s);
	work(s->loop, s); /* the first slice: the first rows are there at once */
	return s->timer < 0 && !s->ix_done ? -ENOSPC : 0;
}

int wire_view_srv_open(struct wire_view_srv **sp, struct wire_loop *l, const char *path,
                       const char *title, char *why, size_t n)
{
	struct wire_view_srv *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	s->loop = l;
	s->timer = -1;
	s->sort_max = WIRE_VIEW_SORT_MAX;
	snprintf(s->title, sizeof(s->title), "%s", title);
	int rc = srv_init(s, why, n);
	if (rc < 0) {
		wire_view_srv_free(s);
		return rc;
	}
	*sp = s;
	return 0;
}

void wire_view_srv_free(struct wire_view_srv *s)
{
	if (!s)
		return;
	if (s->timer >= 0)
		wire_loop_cancel(s->loop, s->timer);
	for (unsigned k = 0; k < WIRE_VIEW_FILTERS_MAX; k++)
		job_free(s->filters[k]);
	job_free(s->conv);
	sort_free(s->sort);
	wire_pcapr_close(s->ix);
	wire_pcapr_close(s->rd);
	wire_view_close(s->v);
	wire_stats_free(s->stats);
	free(s->idx);
	free(s->d);
	free(s->ndjson);
	free(s->path);
	free(s);
}

uint32_t wire_view_srv_sort_limit(struct wire_view_srv *s, uint64_t max)
{
	if (max && max < s->sort_max)
		s->sort_max = (uint32_t)max;
	return s->sort_max;
}
