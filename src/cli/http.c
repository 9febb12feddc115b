/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat http: an HTTP/1.1 client with curl's options where the meaning is
 * the same (-X -d --data-binary -H -I -A -u -L --max-redirs --connect-timeout
 * --max-time -f -o -i -v -w -s -4 -6 --cacert -k) plus --raw (every byte read
 * from the socket, as the lecture's client prints it) and --dry-run (the exact
 * request bytes, nothing sent). Several URLs share one keep-alive connection
 * when scheme, host and port match. This file only turns options into
 * struct wire_http_opts and prints what the core reports through callbacks:
 * bodies straight from the receive buffer to the output fd, -v lines on
 * stderr with received bytes escaped, and the progress bar.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "trace_cli.h"
#include "wire/err.h"
#include "wire/http.h"
#include "wire/version.h"

/* curl's exit statuses where the meaning is the same */
#define EXIT_RESOLVE 6
#define EXIT_CONNECT 7
#define EXIT_HTTP_ERROR 22 /* -f and a status >= 400 */
#define EXIT_WRITE 23      /* binary output refused on a terminal */
#define EXIT_TIMEOUT 28
#define EXIT_REDIRS 47
#define EXIT_TLS 35
#define EXIT_TLS_VERIFY 60
#define EXIT_DECODE 61 /* --compressed: bad gzip/deflate data */

struct out {
	int fd;              /* -1 until -o FILE is opened (at the first byte to write) */
	const char *outfile; /* -o FILE, or NULL for stdout */
	int tty_check;       /* stdout is a terminal: refuse binary bodies */
	int binary_refused;  /* ... and one was refused */
	int retries_left;    /* --retry: a transient status's output is dropped */
	int discard;         /* ... this response's */
	double retry_after;  /* its Retry-After in seconds, or 0 */
	uint64_t wrote;      /* bytes written for this URL (head and body) */
	int verbose;
	int include;
	int fail;
	int failed_status; /* final status >= 400 under -f */
	int raw;
	int progress;
	double t0, last;
	uint64_t bytes;
	uint64_t total;        /* UINT64_MAX when unknown */
	struct wire_trace *tr; /* --trace, or NULL */
	struct wire_http_result *res;
	int werr; /* the first failed write of the output (-errno) */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: wirecat http [OPTIONS] URL...\n"
	    "HTTP/1.1 client (http:// and https://) with curl's options where the meaning is\n"
	    "the same. The body goes to stdout (refused when stdout is a terminal and the body\n"
	    "is binary: use -o). Several URLs on the same scheme, host and port share one\n"
	    "keep-alive connection. An answer that arrives while the body is still being sent\n"
	    "(401, 413...) is read and written out even when the server then resets; one of\n"
	    "300 or more stops the upload (plain HTTP).\n\n"
	    "Request:\n"
	    "  -X, --request METHOD     request method (default GET; HEAD with -I, POST with -d)\n"
	    "  -d, --data DATA          send DATA as a form body (POST); @FILE reads a file\n"
	    "                           without its CR/LF, @- reads stdin; repeated -d join with "
	    "&\n"
	    "      --data-binary DATA   send DATA (or @FILE) exactly as given (also POST)\n"
	    "  -H, --header 'N: V'      add a header, replacing a default one of the same name;\n"
	    "                           'N:' removes it, 'N;' sends it empty (repeatable)\n"
	    "  -I, --head               send HEAD and print the response headers\n"
	    "  -A, --user-agent TEXT    User-Agent (default wirecat/" WIRE_VERSION ")\n"
	    "  -u, --user USER:PASS     Basic authentication\n"
	    "  -L, --location           follow redirects (3xx with Location); -u and -H\n"
	    "                           Authorization, Cookie, Proxy-Authorization are not\n"
	    "                           sent to another host, port or scheme\n"
	    "      --max-redirs N       at most N redirects with -L (default 10, -1: no limit)\n"
	    "      --connect-timeout S  seconds allowed for connecting (and the TLS handshake)\n"
	    "  -m, --max-time S         seconds allowed for each URL, redirects included\n"
	    "  -4, --ipv4 / -6, --ipv6  resolve names to IPv4 / IPv6 addresses only\n");
	fprintf(f,
	        "      --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (no DNS; the URL,\n"
	        "                           Host header and certificate name stay HOST)\n"
	        "      --connect-to HOST:PORT:CHOST:CPORT  connect to CHOST:CPORT instead (an\n"
	        "                           empty HOST or PORT matches any, an empty CHOST or\n"
	        "                           CPORT keeps it)\n"
	        "      --compressed         ask for gzip or deflate and write the body decoded\n"
	        "      --retry N            retry up to N times on a timeout before any output\n"
	        "                           or on 408 429 500 502 503 504 (curl's transient\n"
	        "                           errors); waits as Retry-After says, else 1 s doubling\n"
	        "                           (at most 60 s); only the last answer is written out\n"
	        "      --retry-delay S      wait S seconds between retries instead\n"
	        "TLS:\n"
	        "      --cacert FILE        verify the server against the CA certificates in FILE\n"
	        "                           (default: the system's trust store)\n"
	        "  -k, --insecure           do not verify the server's certificate or name\n"
	        "  SSLKEYLOGFILE=FILE in the environment appends the TLS secrets to FILE (NSS key\n"
	        "  log format), so that Wireshark or tshark can decrypt a capture.\n");
	fprintf(
	    f,
	    "Output:\n"
	    "  -o, --output FILE        write the body to FILE (a progress bar on a terminal);\n"
	    "                           FILE is created at the first byte of a response that\n"
	    "                           succeeds, so a failure leaves an existing FILE alone;\n"
	    "                           '-' is stdout, binary or not\n"
	    "  -O, --remote-name        write each body to a file named as the URL's last\n"
	    "                           path segment, in the current directory\n"
	    "  -i, --include            write the status line and headers before the body\n"
	    "      --raw                write exactly the bytes read from the socket\n"
	    "  -f, --fail               on a status of 400 or more: no body (and nothing to -o\n"
	    "                           FILE), exit status 22\n"
	    "  -v, --verbose            request ('> ') and response ('< ') headers and\n"
	    "                           connection events ('* ') on stderr\n"
	    "      --dry-run            print the exact request bytes; send nothing\n"
	    "      --trace              print on stderr one timeline of the connection's\n"
	    "                           socket calls and packets, with TCP states and notes\n"
	    "                           (needs root or CAP_NET_RAW+CAP_NET_ADMIN; without\n"
	    "                           them one line says so and the transfer goes on)\n"
	    "      --trace-json         --trace as NDJSON, the events of `wirecat trace\n"
	    "                           --json` (curl's --json means a request body)\n"
	    "      --trace-pcap FILE    --trace, and its packets to FILE as pcapng, each with\n"
	    "                           a comment naming its call (as `wirecat trace -w`)\n"
	    "  -w, --write-out FORMAT   after each URL print FORMAT with \\n \\t and curl's\n"
	    "                           %%{http_code} %%{url_effective} (after -L) %%{remote_ip}\n"
	    "                           %%{remote_port} %%{content_type} %%{size_download}\n"
	    "                           %%{size_header} %%{size_request} %%{num_connects}\n"
	    "                           %%{num_redirects} %%{exitcode} %%{errormsg}\n"
	    "                           %%{time_namelookup} %%{time_connect}\n"
	    "                           %%{time_appconnect} %%{time_pretransfer}\n"
	    "                           %%{time_starttransfer} %%{time_redirect} %%{time_total}\n"
	    "  -s, --silent             no progress bar or retry notes (errors are still\n"
	    "                           reported)\n"
	    "  -S, --show-error         accepted for curl's -sS and -fsSL: errors are always\n"
	    "                           reported\n"
	    "  -h, --help               this help\n\n");
	fprintf(f,
	        "Exit status (curl's where the meaning is the same): 0 success, 1 other runtime\n"
	        "failure, 2 usage error, 3 malformed response (its body written out as far as it\n"
	        "came; a bad head never is), 6 host not resolved, 7 connect failed (refused,\n"
	        "unreachable), 22 -f and a status of 400 or more, 23 binary output refused on a\n"
	        "terminal, 28 timeout (--connect-timeout, --max-time), 35 TLS handshake failed,\n"
	        "47 more redirects than --max-redirs, 60 server certificate or name not verified,\n"
	        "61 bad gzip/deflate data or another Content-Encoding with --compressed.\n");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_fd(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Opens -o FILE on the first byte to write, so that an existing file
 * survives a failed transfer. Returns 0 or -errno. */
static int out_open(struct out *o)
{
	if (o->fd >= 0)
		return 0;
	o->fd = open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return o->fd < 0 ? -errno : 0;
}

/* Writes to the output (stdout or -o, opened on the first byte) and keeps
 * the first write error, so it is not taken for the socket's. */
static int out_write(struct out *o, const void *p, size_t n)
{
	int rc = out_open(o);
	o->wrote += n;
	if (rc < 0)
		return rc;
	rc = write_fd(o->fd, p, n);
	if (rc < 0 && !o->werr)
		o->werr = rc;
	return rc;
}

/* Returns a head's Retry-After in seconds (the delay form, at most
 * WIRE_HTTP_RETRY_WAIT_MAX_S), or 0 when absent or a date. */
static double retry_after(const struct wire_http_head *h)
{
	const struct wire_http_header *ra = wire_http_find(h, "retry-after");
	double v = 0;
	for (size_t i = 0; ra && i < ra->value_len; i++) {
		if (ra->value[i] < '0' || ra->value[i] > '9')
			return 0;
		if (v < WIRE_HTTP_RETRY_WAIT_MAX_S)
			v = v * 10 + (ra->value[i] - '0');
	}
	return v;
}

/* curl's transient HTTP statuses for --retry. */
static int transient_status(int st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

/* --trace: follow a new connection by its own address and port too. */
static void on_connected(void *ctx, int fd)
{
	struct out *o = ctx;
	wire_trace_watch(o->tr, fd);
}

/* --trace: a socket call of the client. */
static void on_call(void *ctx, const struct wire_http_call *k)
{
	struct out *o = ctx;
	trace_cli_http_call(o->tr, k);
}

/* "* text", "> text" or "< text" on stderr, non-printable bytes escaped. */
static void on_info(void *ctx, int kind, const char *p, size_t n)
{
	struct out *o = ctx;
	trace_cli_http_info(o->tr, kind, p, n); /* --trace: on the timeline */
	if (!o->verbose)
		return;
	char line[4200];
	size_t k = 0;
	line[k++] = (char)kind;
	line[k++] = ' ';
	for (size_t i = 0; i < n && k + 6 < sizeof(line); i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f) {
			line[k++] = (char)c;
		} else {
			k += (size_t)snprintf(line + k, sizeof(line) - k, "\\x%02x", c);
		}
	}
	line[k++] = '\n';
	(void)write_fd(STDERR_FILENO, line, k);
}

static void progress(struct out *o, int last)
{
	double t = now();
	if (!last && t - o->last < 0.2)
		return;
	o->last = t;
	double el = t - o->t0 > 1e-6 ? t - o->t0 : 1e-6;
	double rate = (double)o->bytes / el;
	char line[200];
	int k;
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double b = (double)o->bytes, r = rate;
	int bi = 0, ri = 0;
	while (b >= 1024 && bi < 4) {
		b /= 1024;
		bi++;
	}
	while (r >= 1024 && ri < 4) {
		r /= 1024;
		ri++;
	}
	if (o->total != UINT64_MAX && o->total > 0) {
		double frac = (double)o->bytes / (double)o->total;
		if (frac > 1)
			frac = 1;
		int bar = (int)(frac * 30);
		char hashes[31];
		memset(hashes, '#', (size_t)bar);
		memset(hashes + bar, ' ', (size_t)(30 - bar));
		hashes[30] = 0;
		double eta =
		    rate > 0
		        ? (double)(o->total - (o->bytes < o->total ? o->bytes : o->total)) / rate
		        : 0;
		int es = (int)eta;
		k = snprintf(line, sizeof(line),
		             "\r[%s] %3d%% %7.1f %-3s %7.1f %s/s  ETA %d:%02d:%02d ", hashes,
		             (int)(frac * 100), b, u[bi], r, u[ri], es / 3600, es / 60 % 60,
		             es % 60);
	} else {
		k = snprintf(line, sizeof(line), "\r%7.1f %-3s %7.1f %s/s ", b, u[bi], r, u[ri]);
	}
	if (k > 0)
		(void)write_fd(STDERR_FILENO, line, (size_t)k);
	if (last)
		(void)write_fd(STDERR_FILENO, "\n", 1);
}

static int on_head(void *ctx, const struct wire_http_head *h, int final)
{
	struct out *o = ctx;
	if (final && o->fail && h->status >= 400)
		o->failed_status = h->status;
	if (final && o->retries_left > 0 && transient_status(h->status)) {
		o->discard = 1; /* retried: this answer is not the output */
		o->retry_after = retry_after(h);
	}
	if (final && o->progress) {
		o->total = o->res->content_length;
		o->t0 = now();
		o->last = 0;
		o->bytes = 0;
	}
	/* -f: the -i head of an error still goes to stdout (as curl), never to -o FILE */
	if (o->include && !o->raw && !o->discard && !(o->failed_status && o->outfile))
		return out_write(o, h->raw, h->len);
	return 0;
}

/* Returns 1 (and remembers it) when bytes with a NUL would go to a terminal. */
static int binary_to_tty(struct out *o, const uint8_t *p, size_t n)
{
	if (o->tty_check && memchr(p, 0, n))
		o->binary_refused = 1;
	return o->binary_refused;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct out *o = ctx;
	if (o->raw || o->failed_status || o->discard)
		return 0;
	if (binary_to_tty(o, p, n))
		return -EIO; /* stops the transfer; report() says why */
	int rc = out_write(o, p, n);
	if (o->progress) {
		o->bytes += n;
		o->total = o->res->content_length;
		progress(o, 0);
	}
	return rc;
}

static int on_raw(void *ctx, const uint8_t *p, size_t n)
{
	struct out *o = ctx;
	if (binary_to_tty(o, p, n))
		return -EIO;
	return o->discard ? 0 : out_write(o, p, n);
}

/* Sets res->why for a failed open of -o FILE. Returns the error. */
static int why_open(struct wire_http_result *res, const char *path)
{
	int err = errno;
	snprintf(res->why, sizeof(res->why), "open %.400s: %s", path, strerror(err));
	return -err;
}

/* Returns the exit status for the core's error r, as curl's where the
 * meaning is the same. */
static int http_exit(int r, const struct wire_http_result *res)
{
	if (res->failed_decode)
		return EXIT_DECODE;
	switch (r) {
	case WIRE_E_RESOLVE: return EXIT_RESOLVE;
	case WIRE_E_TIMEOUT: return EXIT_TIMEOUT;
	case WIRE_E_TLS: return EXIT_TLS;
	case WIRE_E_TLS_VERIFY: return EXIT_TLS_VERIFY;
	case -ELOOP: return EXIT_REDIRS;
	default: return res->failed_connect ? EXIT_CONNECT : cli_exit_code(r);
	}
}

/* What -w prints for one URL besides the core's result. */
struct wo {
	const struct wire_http_result *r;
	int exitcode;
	const char *errormsg;
};

/* Writes the -w variable nm (nl bytes) into b. Returns the length, or -1 for
 * an unknown variable. */
static int wvar(char *b, size_t n, const char *nm, size_t nl, const struct wo *w)
{
	const struct wire_http_result *r = w->r;
	const struct {
		const char *name;
		const double *t;
	} times[] = {
	    {"time_namelookup", &r->time_namelookup},
	    {"time_connect", &r->time_connect},
	    {"time_appconnect", &r->time_appconnect},
	    {"time_pretransfer", &r->time_pretransfer},
	    {"time_starttransfer", &r->time_starttransfer},
	    {"time_redirect", &r->time_redirect},
	    {"time_total", &r->time_total},
	};
#define IS(s) (nl == strlen(s) && !memcmp(nm, s, nl))
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (IS(times[i].name))
			return snprintf(b, n, "%.6f", *times[i].t);
	if (IS("http_code") || IS("response_code"))
		return snprintf(b, n, "%03d", r->status);
	if (IS("size_download"))
		return snprintf(b, n, "%llu", (unsigned long long)r->size_download);
	if (IS("size_header"))
		return snprintf(b, n, "%llu", (unsigned long long)r->size_header);
	if (IS("size_request"))
		return snprintf(b, n, "%llu", (unsigned long long)r->size_request);
	if (IS("num_redirects"))
		return snprintf(b, n, "%d", r->redirects);
	if (IS("num_connects"))
		return snprintf(b, n, "%d", r->num_connects);
	if (IS("exitcode"))
		return snprintf(b, n, "%d", w->exitcode);
	if (IS("url_effective"))
		return snprintf(b, n, "%.2000s", r->url_effective);
	if (IS("remote_ip"))
		return snprintf(b, n, "%s", r->remote_ip);
	if (IS("remote_port"))
		return r->remote_port ? snprintf(b, n, "%d", r->remote_port) : 0;
	if (IS("content_type"))
		return snprintf(b, n, "%s", r->content_type);
	if (IS("errormsg"))
		return snprintf(b, n, "%.500s", w->errormsg);
#undef IS
	return -1;
}

/* Prints -w FORMAT for one URL; an unknown variable is one warning line. */
static void write_out(const char *fmt, const struct wo *w)
{
	char buf[8192];
	size_t k = 0;
	for (const char *p = fmt; *p && k + 2600 < sizeof(buf); p++) {
		if (*p == '\\' && p[1]) {
			p++;
			buf[k++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
			continue;
		}
		if (*p == '%' && p[1] == '%') {
			buf[k++] = '%';
			p++;
			continue;
		}
		const char *e = *p == '%' && p[1] == '{' ? strchr(p, '}') : NULL;
		if (!e) {
			buf[k++] = *p;
			continue;
		}
		size_t nl = (size_t)(e - p - 2);
		int n = wvar(buf + k, sizeof(buf) - k, p + 2, nl, w);
		if (n < 0)
			cli_err("http: unknown --write-out variable: '%.*s'",
			        (int)(nl > 100 ? 100 : nl), p + 2);
		else
			k += (size_t)n < sizeof(buf) - k ? (size_t)n : sizeof(buf) - k - 1;
		p = e;
	}
	(void)write_fd(STDOUT_FILENO, buf, k);
}

/* Reads a whole file ("-": stdin). Returns 0 or -errno. */
static int slurp(const char *path, char **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	int rc = 0;
	while (b) {
		if (n == cap) {
			char *nb = cap < (1u << 30) ? realloc(b, cap * 2) : NULL;
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (!b)
		rc = -ENOMEM;
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*out = b;
	*len = n;
	return 0;
}

/* Appends one -d / --data-binary argument to the body (joined with '&'). */
static int add_data(char **data, size_t *len, const char *arg, int binary)
{
	char *piece = NULL;
	size_t pl = 0;
	if (arg[0] == '@') {
		int rc = slurp(arg + 1, &piece, &pl);
		if (rc < 0) {
			cli_err("http: read %s: %s", arg + 1, strerror(-rc));
			return WIRE_EXIT_FAIL;
		}
		if (!binary) { /* curl's -d @file drops CR and LF */
			size_t k = 0;
			for (size_t i = 0; i < pl; i++)
				if (piece[i] != '\r' && piece[i] != '\n')
					piece[k++] = piece[i];
			pl = k;
		}
	} else {
		pl = strlen(arg);
		piece = malloc(pl + 1);
		if (!piece)
			return WIRE_EXIT_FAIL;
		memcpy(piece, arg, pl);
	}
	size_t sep = *data ? 1 : 0;
	char *nb = realloc(*data, *len + sep + pl + 1);
	if (!nb) {
		free(piece);
		return WIRE_EXIT_FAIL;
	}
	if (sep)
		nb[(*len)++] = '&';
	memcpy(nb + *len, piece, pl);
	*len += pl;
	*data = nb;
	free(piece);
	return 0;
}

/* What the URL loop needs besides struct out. */
struct run {
	int retry;          /* --retry N */
	double retry_delay; /* --retry-delay S; 0: curl's backoff (1 s, doubling) */
	int remote_name;    /* -O */
	int silent;
	const char *wfmt;
	char name[256]; /* -O: the current file name */
};

/* Closes -o/-O FILE if open. Returns 0 or -1 after saying why. */
static int out_close(struct out *o)
{
	if (!o->outfile || o->fd < 0)
		return 0;
	int rc = close(o->fd);
	o->fd = -1;
	if (rc < 0) {
		cli_err("http: write %s: %s", o->outfile, strerror(errno));
		return -1;
	}
	return 0;
}

/* -O: the last segment of url's path (no query), as curl. Returns 0 or -1
 * when it is empty, "." or "..". */
static int remote_file_name(const char *url, char *out, size_t n)
{
	struct wire_url *u = malloc(sizeof(*u));
	int rc = -1;
	if (u && wire_url_parse(url, strlen(url), u) == 0) {
		size_t e = strcspn(u->target, "?");
		size_t b = e;
		while (b > 0 && u->target[b - 1] != '/')
			b--;
		size_t len = e - b;
		if (len > 0 && len < n && strncmp(u->target + b, ".", len) != 0 &&
		    strncmp(u->target + b, "..", len) != 0) {
			memcpy(out, u->target + b, len);
			out[len] = 0;
			rc = 0;
		}
	}
	free(u);
	return rc;
}

/* Sleeps for secs (at most WIRE_HTTP_RETRY_WAIT_MAX_S). */
static void sleep_secs(double secs)
{
	if (secs > WIRE_HTTP_RETRY_WAIT_MAX_S)
		secs = WIRE_HTTP_RETRY_WAIT_MAX_S;
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

/* Prints the error of one URL (also into msg, for -w %{errormsg}) and
 * returns its exit status (0: none). */
static int report(const struct out *out, int r, const struct wire_http_result *res, char *msg,
                  size_t n)
{
	int st = 0;
	msg[0] = 0;
	if (out->binary_refused) {
		snprintf(msg, n,
		         "Binary output can mess up your terminal. Use \"--output -\" to tell "
		         "wirecat to output it to your terminal anyway, or consider \"--output "
		         "<FILE>\" to save to a file.");
		st = EXIT_WRITE;
	} else if (r < 0) {
		snprintf(msg, n, "%s", res->why);
		st = http_exit(r, res);
	} else if (out->failed_status) {
		snprintf(msg, n, "the requested URL returned error: %d", out->failed_status);
		st = EXIT_HTTP_ERROR;
	}
	if (st)
		cli_err("http: %s", msg);
	return st;
}

/* One transfer of url, retried with --retry on curl's transient errors (a
 * timeout before any output, 408, 429, 500, 502, 503, 504). Returns its exit
 * status (0 on success). */
static int fetch_url(struct wire_http_client *c, struct out *out, struct run *run, const char *url,
                     struct wire_http_result *res)
{
	if (run->remote_name) {
		if (out_close(out) < 0)
			return WIRE_EXIT_FAIL;
		if (remote_file_name(url, run->name, sizeof(run->name)) < 0) {
			cli_err("http: -O: no file name in the URL \"%.300s\"", url);
			return EXIT_WRITE;
		}
		out->outfile = run->name;
	}
	double wait = run->retry_delay > 0 ? run->retry_delay : 1;
	int r;
	for (int left = run->retry;; left--) {
		out->failed_status = 0;
		out->discard = 0;
		out->retry_after = 0;
		out->wrote = 0;
		out->retries_left = left;
		r = wire_http_get(c, url, res);
		if (out->progress && out->bytes)
			progress(out, 1);
		int timeout = r == WIRE_E_TIMEOUT && out->wrote == 0;
		if (left <= 0 || out->binary_refused || !(timeout || out->discard))
			break;
		/* --retry-delay, else the server's Retry-After, else the backoff */
		double w = run->retry_delay <= 0 && out->retry_after > 0 ? out->retry_after : wait;
		char what[40] = "timed out";
		if (!timeout)
			snprintf(what, sizeof(what), "HTTP error %d", res->status);
		if (!run->silent)
			cli_err("http: %s: retrying in %g s (%d %s left)", what, w, left,
			        left == 1 ? "retry" : "retries");
		sleep_secs(w);
		if (run->retry_delay <= 0 && wait < WIRE_HTTP_RETRY_WAIT_MAX_S)
			wait *= 2; /* curl's backoff */
	}
	if (out->werr) /* a reader that went away: quiet; a full disk: one line */
		return cli_output_failed(out->werr, "http: write %s",
		                         out->outfile ? out->outfile : "stdout");
	if (r == 0 && !out->failed_status && out->outfile && out_open(out) < 0)
		r = why_open(res, out->outfile); /* a good empty body: an empty file */
	char msg[600];
	int st = report(out, r, res, msg, sizeof(msg));
	struct wo w = {res, st, msg};
	if (run->wfmt)
		write_out(run->wfmt, &w);
	return st;
}

enum {
	OPT_DATA_BINARY = 1000,
	OPT_MAX_REDIRS,
	OPT_CONNECT_TIMEOUT,
	OPT_RAW,
	OPT_DRY_RUN,
	OPT_CACERT,
	OPT_TRACE,
	OPT_TRACE_JSON,
	OPT_TRACE_PCAP,
	OPT_COMPRESSED,
	OPT_RESOLVE,
	OPT_CONNECT_TO,
	OPT_RETRY,
	OPT_RETRY_DELAY,
};

/* Parses a --resolve or --connect-to argument into the next slot of r. */
static int add_route(int ch, const char *arg, struct wire_http_route *r, size_t *n)
{
	int rc = ch == OPT_RESOLVE ? wire_http_parse_resolve(arg, &r[*n])
	                           : wire_http_parse_connect_to(arg, &r[*n]);
	if (rc < 0)
		return cli_usage_err("http", "http: bad %s '%s' (%s)",
		                     ch == OPT_RESOLVE ? "--resolve" : "--connect-to", arg,
		                     ch == OPT_RESOLVE ? "HOST:PORT:ADDR"
		                                       : "HOST:PORT:CONNECT-HOST:CONNECT-PORT");
	(*n)++;
	return 0;
}

int cmd_http(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"request", required_argument, NULL, 'X'},
	    {"data", required_argument, NULL, 'd'},
	    {"data-binary", required_argument, NULL, OPT_DATA_BINARY},
	    {"header", required_argument, NULL, 'H'},
	    {"head", no_argument, NULL, 'I'},
	    {"user-agent", required_argument, NULL, 'A'},
	    {"user", required_argument, NULL, 'u'},
	    {"location", no_argument, NULL, 'L'},
	    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
	    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	    {"max-time", required_argument, NULL, 'm'},
	    {"fail", no_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"include", no_argument, NULL, 'i'},
	    {"raw", no_argument, NULL, OPT_RAW},
	    {"verbose", no_argument, NULL, 'v'},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"trace", no_argument, NULL, OPT_TRACE},
	    {"trace-json", no_argument, NULL, OPT_TRACE_JSON},
	    {"trace-pcap", required_argument, NULL, OPT_TRACE_PCAP},
	    {"write-out", required_argument, NULL, 'w'},
	    {"silent", no_argument, NULL, 's'},
	    {"ipv4", no_argument, NULL, '4'},
	    {"ipv6", no_argument, NULL, '6'},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"insecure", no_argument, NULL, 'k'},
	    {"show-error", no_argument, NULL, 'S'},
	    {"remote-name", no_argument, NULL, 'O'},
	    {"compressed", no_argument, NULL, OPT_COMPRESSED},
	    {"resolve", required_argument, NULL, OPT_RESOLVE},
	    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
	    {"retry", required_argument, NULL, OPT_RETRY},
	    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct wire_http_opts o;
	struct out out;
	memset(&o, 0, sizeof(o));
	memset(&out, 0, sizeof(out));
	o.max_redirs = WIRE_HTTP_MAX_REDIRS;
	out.fd = STDOUT_FILENO;
	const char **headers = calloc((size_t)argc + 1, sizeof(*headers));
	struct wire_http_route *resolve = calloc((size_t)argc + 1, sizeof(*resolve));
	struct wire_http_route *connect_to = calloc((size_t)argc + 1, sizeof(*connect_to));
	struct run run;
	memset(&run, 0, sizeof(run));
	char *data = NULL;
	size_t data_len = 0;
	const char *outfile = NULL, *wfmt = NULL;
	int dry = 0, silent = 0, ch, rc;
	int trace = 0;                 /* --trace: 1, --trace-json: 2 */
	const char *trace_pcap = NULL; /* --trace-pcap FILE */
	if (!headers || !resolve || !connect_to) {
		rc = WIRE_EXIT_FAIL;
		goto done_rc;
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "X:d:H:IA:u:Lm:fo:ivw:s46khSO", longopts, NULL)) !=
	       -1) {
		double secs;
		switch (ch) {
		case 'X': o.method = optarg; break;
		case 'd':
		case OPT_DATA_BINARY:
			if ((rc = add_data(&data, &data_len, optarg, ch == OPT_DATA_BINARY)) != 0)
				goto done_rc;
			o.form = 1; /* curl sends this Content-Type with both */
			break;
		case 'H': headers[o.nheaders++] = optarg; break;
		case 'I':
			o.head = 1;
			out.include = 1;
			break;
		case 'A': o.user_agent = optarg; break;
		case 'u': o.userpwd = optarg; break;
		case 'L': o.follow = 1; break;
		case OPT_MAX_REDIRS: {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (*e || e == optarg || v < -1 || v > 1000000) {
				rc = cli_usage_err("http", "http: bad --max-redirs '%s'", optarg);
				goto done_rc;
			}
			o.max_redirs = (int)v;
			break;
		}
		case OPT_CONNECT_TIMEOUT:
		case 'm':
			if (cli_parse_secs(optarg, &secs) < 0) {
				rc = cli_usage_err("http", "http: bad number of seconds '%s'",
				                   optarg);
				goto done_rc;
			}
			if (ch == 'm')
				o.max_time_ms = secs > 0 && secs < 0.001 ? 1 : (int)(secs * 1000);
			else
				o.connect_timeout_ms =
				    secs > 0 && secs < 0.001 ? 1 : (int)(secs * 1000);
			break;
		case 'f': out.fail = 1; break;
		case 'o': outfile = optarg; break;
		case 'i': out.include = 1; break;
		case OPT_RAW: out.raw = 1; break;
		case 'v': out.verbose = 1; break;
		case OPT_DRY_RUN: dry = 1; break;
		case OPT_TRACE: trace = trace ? trace : 1; break;
		case OPT_TRACE_JSON: trace = 2; break;
		case OPT_TRACE_PCAP:
			trace_pcap = optarg;
			trace = trace ? trace : 1;
			break;
		case 'w': wfmt = optarg; break;
		case 's': silent = 1; break;
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case OPT_CACERT: o.cacert = optarg; break;
		case 'k': o.insecure = 1; break;
		case 'S': break; /* --show-error: errors are always shown */
		case 'O': run.remote_name = 1; break;
		case OPT_COMPRESSED: o.compressed = 1; break;
		case OPT_RESOLVE:
			if ((rc = add_route(ch, optarg, resolve, &o.nresolve)) != 0)
				goto done_rc;
			break;
		case OPT_CONNECT_TO:
			if ((rc = add_route(ch, optarg, connect_to, &o.nconnect_to)) != 0)
				goto done_rc;
			break;
		case OPT_RETRY: {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (*e || e == optarg || v < 0 || v > WIRE_HTTP_RETRY_MAX) {
				rc = cli_usage_err("http", "http: bad --retry '%s' (0 to %d)",
				                   optarg, WIRE_HTTP_RETRY_MAX);
				goto done_rc;
			}
			run.retry = (int)v;
			break;
		}
		case OPT_RETRY_DELAY:
			if (cli_parse_secs(optarg, &run.retry_delay) < 0) {
				rc = cli_usage_err("http", "http: bad number of seconds '%s'",
				                   optarg);
				goto done_rc;
			}
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto done_rc;
		default:
			if (optopt && optopt < 256)
				rc = cli_usage_err(
				    "http", "http: unknown option or missing value: -%c", optopt);
			else
				rc = cli_usage_err("http",
				                   "http: unknown option or missing value: %s",
				                   argv[optind - 1]);
			goto done_rc;
		}
	}
	/* options may also follow URLs, as with curl (getopt permutes) */
	int nurls = argc - optind;
	char **urls = argv + optind;
	if (nurls <= 0) {
		rc = cli_usage_err("http", "http: no URL given");
		goto done_rc;
	}
	o.headers = headers;
	o.keylog = getenv("SSLKEYLOGFILE"); /* as curl, for Wireshark */
	o.resolve = resolve;
	o.connect_to = connect_to;
	run.silent = silent;
	run.wfmt = wfmt;
	o.data = (const uint8_t *)data;
	o.data_len = data_len;
	if (!outfile && cli_stdout_closed("http")) {
		rc = WIRE_EXIT_FAIL;
		goto done_rc;
	}
	if (dry) {
		size_t cap = (1u << 20) + data_len;
		uint8_t *b = malloc(cap);
		rc = 0;
		for (int i = 0; b && i < nurls && rc == 0; i++) {
			int n = wire_http_build(&o, urls[i], b, cap);
			if (n < 0) {
				cli_err("http: bad URL or header for \"%s\"", urls[i]);
				rc = n == WIRE_E_USAGE ? WIRE_EXIT_USAGE : WIRE_EXIT_FAIL;
				break;
			}
			if ((n = write_fd(STDOUT_FILENO, b, (size_t)n)) < 0)
				rc = cli_output_failed(n, "http: write stdout");
		}
		free(b);
		goto done_rc;
	}
	if (outfile && !strcmp(outfile, "-")) /* --output -: stdout, binary or not */
		outfile = NULL;
	else if (!outfile && !run.remote_name)
		out.tty_check = cli_isatty(STDOUT_FILENO);
	if (outfile || run.remote_name) { /* opened at the first byte of a good response */
		out.fd = -1;
		out.outfile = outfile;
		out.progress = !silent && cli_isatty(STDERR_FILENO);
	}
	cli_ignore_sigpipe();
	struct wire_http_result res;
	out.res = &res;
	o.ctx = &out;
	if (trace && trace_cli_pcap_open(trace_pcap) < 0) {
		rc = WIRE_EXIT_FAIL;
		goto done_rc;
	}
	if (trace) /* --trace: capture before the first SYN leaves */
		out.tr =
		    trace_cli_http_start((const char *const *)urls, nurls, o.family, trace == 2);
	o.on_info = out.verbose || out.tr ? on_info : NULL; /* no formatting of unseen lines */
	o.on_connected = out.tr ? on_connected : NULL;
	o.on_call = out.tr ? on_call : NULL;
	o.on_head = on_head;
	o.on_body = on_body;
	if (out.raw)
		o.on_raw = on_raw;
	struct wire_http_client *c = wire_http_client_new(&o);
	if (!c) {
		cli_err("http: out of memory");
		rc = WIRE_EXIT_FAIL;
		goto done_rc;
	}
	rc = 0;
	for (int i = 0; i < nurls && !out.binary_refused && !out.werr; i++) {
		int r = fetch_url(c, &out, &run, urls[i], &res);
		if (r)
			rc = r;
	}
	wire_http_client_free(c);
	wire_trace_stop(out.tr);
	if (out_close(&out) < 0)
		rc = WIRE_EXIT_FAIL;
done_rc:
	free(headers);
	free(resolve);
	free(connect_to);
	free(data);
	return rc;
}
