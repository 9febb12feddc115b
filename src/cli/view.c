/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat view --html OUT.html FILE: a pcap or pcapng file (or the NDJSON
 * of trace --json, a regular file starting with '{') as one self-contained page (src/core/view.c,
 * web/). The page asks nothing of any server; it holds every packet, so files past
 * WIRE_VIEW_HTML_FILE_MAX bytes or WIRE_VIEW_HTML_PKTS_MAX packets are refused with a hint. A
 * failed write removes the half-written page.
 * wirecat view FILE: the page served on 127.0.0.1 (or --bind ADDR) at a free port (or --port),
 * its data read from the file as the page asks (src/core/view_srv.c, src/core/httpd.c), until
 * SIGINT or SIGTERM (exit 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "wire/err.h"
#include "wire/httpd.h"
#include "wire/loop.h"
#include "wire/pcapio.h"
#include "wire/sock.h"
#include "wire/view.h"
#include "wire/view_srv.h"

static void usage(void)
{
	printf("Usage: wirecat view [--port N] [--bind ADDR] FILE\n"
	       "       wirecat view --html OUT.html FILE\n"
	       "Show a pcap or pcapng file in a browser: a packet list with a filter box,\n"
	       "the layer tree and the bytes of the selected packet (a field marks its\n"
	       "bytes, a byte selects its field), the conversations, the protocol\n"
	       "hierarchy, an I/O graph, and the ladder diagram of the selected TCP or UDP\n"
	       "conversation. Keys: Up/Down, PageUp/PageDown, Home/End, Enter. FILE may\n"
	       "also be the NDJSON that `wirecat trace --json` writes: its events as the\n"
	       "list, its packets decoded, and on the ladder the program's calls and the\n"
	       "trace's notes beside the packets. trace --html and sniff --html write the\n"
	       "page of a run directly.\n\n"
	       "Without --html the page is served on http://127.0.0.1 at a free port (the\n"
	       "URL is printed on standard output) until Ctrl-C or SIGTERM; the server\n"
	       "reads the file page by page, so files of millions of packets open at once.\n"
	       "Its filter box takes display filters (as -Y: tcp.port == 80) and capture\n"
	       "filters (as read 'EXPR': tcp port 80). A click on a column heading sorts\n"
	       "the list (again: reversed); the server sorts at most %u packets at once\n"
	       "(the whole file or the filter's matches) and refuses more.\n\n"
	       "  --port N           serve on port N (default: a free port)\n"
	       "  --bind ADDR        listen on ADDR instead of 127.0.0.1 (other hosts can then\n"
	       "                     read the capture: no authentication)\n"
	       "  --html OUT.html    write one self-contained page to OUT.html (- for standard\n"
	       "                     output) instead of serving it\n"
	       "  -h, --help         this help\n\n"
	       "An --html page holds every packet: files over %u MiB or %u packets are\n"
	       "refused (serve them instead).\n\n"
	       "Exit status: 0 success (the server: stopped by SIGINT or SIGTERM), 1 I/O\n"
	       "error or file too large, 2 usage error, 3 truncated or corrupt capture file.\n",
	       WIRE_VIEW_SORT_MAX, WIRE_VIEW_HTML_FILE_MAX >> 20, WIRE_VIEW_HTML_PKTS_MAX);
}

static const struct option longopts[] = {
    {"html", required_argument, NULL, 'H'},
    {"port", required_argument, NULL, 'P'},
    {"bind", required_argument, NULL, 'B'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Refuses a regular file too large for one page. Returns 0 or an exit status. */
static int view_check_size(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > WIRE_VIEW_HTML_FILE_MAX) {
		cli_err("view %s: %llu bytes is more than one page holds (%u MiB); cut it first, "
		        "e.g. wirecat read -c %u -w part.pcap %s",
		        path, (unsigned long long)st.st_size, WIRE_VIEW_HTML_FILE_MAX >> 20,
		        WIRE_VIEW_HTML_PKTS_MAX, path);
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

static int view_write(struct wire_pcap_reader *r, const char *in, const char *out, int fd)
{
	struct wire_sink *s = malloc(sizeof(*s));
	char why[512] = "";
	uint64_t n = 0;
	if (!s) {
		cli_err("view: out of memory");
		return WIRE_EXIT_FAIL;
	}
	wire_sink_init_fd(s, fd);
	const char *base = strrchr(in, '/');
	int rc = wire_view_html(r, base ? base + 1 : in, s, &n, why, sizeof(why));
	if (rc == 0)
		rc = wire_sink_flush(s);
	free(s);
	if (rc == -E2BIG) {
		cli_err("view %s: more than %u packets is more than one page holds; cut it first, "
		        "e.g. wirecat read -c %u -w part.pcap %s",
		        in, WIRE_VIEW_HTML_PKTS_MAX, WIRE_VIEW_HTML_PKTS_MAX, in);
		return WIRE_EXIT_FAIL;
	}
	if (rc == -ENOMEM || (rc < 0 && !why[0])) {
		cli_err("view: %s: %s", out, strerror(-rc));
		return WIRE_EXIT_FAIL;
	}
	if (rc < 0) {
		cli_err("view %s: %s", in, why);
		return cli_exit_code(rc);
	}
	return 0;
}

/* Reads a regular file that starts with '{' (NDJSON of trace --json) into
 * *text. Returns 1 with *text (to free), 0 for anything else. */
static int view_slurp_ndjson(const char *path, char **text, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	char c = 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || pread(fd, &c, 1, 0) != 1 ||
	    c != '{' || (uint64_t)st.st_size > WIRE_VIEW_HTML_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	*text = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (*text && got < (size_t)st.st_size) {
		ssize_t k = read(fd, *text + got, (size_t)st.st_size - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	*len = got;
	return *text != NULL;
}

/* The page of a trace's NDJSON. */
static int view_ndjson(const char *in, const char *out, int fd, char *text, size_t len)
{
	struct wire_sink *s = malloc(sizeof(*s));
	uint64_t n = 0;
	int rc = -ENOMEM;
	if (s) {
		wire_sink_init_fd(s, fd);
		const char *base = strrchr(in, '/');
		rc = wire_view_html_ndjson(text, len, base ? base + 1 : in, s, &n);
		if (rc == 0)
			rc = wire_sink_flush(s);
		free(s);
	}
	if (rc == -E2BIG) {
		cli_err("view %s: more than %u events is more than one page holds", in,
		        WIRE_VIEW_HTML_PKTS_MAX);
		return WIRE_EXIT_FAIL;
	}
	if (rc < 0) {
		cli_err("view: %s: %s", out, strerror(-rc));
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

static int view_open_out(const char *out)
{
	int fd = strcmp(out, "-") ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
	                          : STDOUT_FILENO;
	if (fd < 0)
		cli_err("view: %s: %s", out, strerror(errno));
	return fd;
}

/* Closes the page's descriptor; removes the page when status says it failed. */
static int view_close_out(const char *out, int fd, int status)
{
	if (!strcmp(out, "-"))
		return status;
	if (close(fd) < 0 && !status) {
		cli_err("view: %s: %s", out, strerror(errno));
		status = WIRE_EXIT_FAIL;
	}
	if (status)
		unlink(out);
	return status;
}

static int view_html(const char *in, const char *out)
{
	char why[512];
	int status = view_check_size(in);
	if (status)
		return status;
	char *text = NULL;
	size_t len = 0;
	if (view_slurp_ndjson(in, &text, &len)) {
		int fd = view_open_out(out);
		status = fd < 0 ? WIRE_EXIT_FAIL : view_ndjson(in, out, fd, text, len);
		free(text);
		return fd < 0 ? status : view_close_out(out, fd, status);
	}
	struct wire_pcap_reader *r = NULL;
	int rc = wire_pcap_open(in, &r, why, sizeof(why));
	if (rc < 0) {
		cli_err("view %s: %s", in, why);
		return cli_exit_code(rc);
	}
	int fd = view_open_out(out);
	if (fd < 0) {
		wire_pcap_close(r);
		return WIRE_EXIT_FAIL;
	}
	status = view_write(r, in, out, fd);
	wire_pcap_close(r);
	return view_close_out(out, fd, status);
}

/* The page of the NDJSON in fd (trace --html): at most WIRE_VIEW_HTML_FILE_MAX
 * bytes of it, cut at a line's end; what is left out is said. */
int cli_view_ndjson_fd(int fd, const char *out, const char *title)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return WIRE_EXIT_FAIL;
	size_t want = (uint64_t)st.st_size > WIRE_VIEW_HTML_FILE_MAX ? WIRE_VIEW_HTML_FILE_MAX
	                                                             : (size_t)st.st_size;
	char *text = malloc(want + 1);
	size_t got = 0;
	while (text && got < want) {
		ssize_t k = pread(fd, text + got, want - got, (off_t)got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (!text) {
		cli_err("%s: out of memory", out);
		return WIRE_EXIT_FAIL;
	}
	if (got < (size_t)st.st_size) {
		while (got && text[got - 1] != '\n')
			got--;
		cli_err("%s: the trace is longer than one page holds (%u MiB): its first %zu "
		        "bytes are shown",
		        out, WIRE_VIEW_HTML_FILE_MAX >> 20, got);
	}
	int ofd = view_open_out(out), status = WIRE_EXIT_FAIL;
	if (ofd >= 0) {
		status = view_ndjson(title, out, ofd, text, got);
		status = view_close_out(out, ofd, status);
	}
	free(text);
	return status;
}

/* The page of the capture file in (sniff --html). */
int cli_view_html(const char *in, const char *out)
{
	return view_html(in, out);
}

/* ---- the server ---- */

/* Blocks SIGINT and SIGTERM and returns a signalfd for them, or -1. */
static int view_signals(void)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		return -1;
	return signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void view_on_signal(struct wire_loop *l, struct wire_io *io, uint32_t ev)
{
	(void)io;
	(void)ev;
	wire_loop_stop(l);
}

/* Prints the URL of the bound address (one line, flushed). */
static void view_print_url(const struct wire_addr *a)
{
	char host[WIRE_ADDRSTRLEN];
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
	wire_addr_host(sa, a->len, host, sizeof(host));
	int v6 = strchr(host, ':') != NULL;
	printf("http://%s%s%s:%u/\n", v6 ? "[" : "", host, v6 ? "]" : "", wire_addr_port(sa));
	fflush(stdout);
}

struct view_run {
	struct wire_loop *loop;
	struct wire_view_srv *srv;
	struct wire_httpd *httpd;
	struct wire_io sig;
};

/* WIRECAT_VIEW_SORT_MAX lowers the number of packets a sort takes (the
 * tests' small files reach it); it cannot raise it. */
static void view_sort_limit(struct wire_view_srv *srv)
{
	const char *e = getenv("WIRECAT_VIEW_SORT_MAX");
	char *end;
	if (!e || !*e)
		return;
	errno = 0;
	unsigned long long v = strtoull(e, &end, 10);
	if (!*end && !errno && e[0] != '-')
		wire_view_srv_sort_limit(srv, v);
}

static int view_run(struct view_run *r, const char *in, int lfd, const struct wire_addr *bound)
{
	char why[512] = "";
	const char *base = strrchr(in, '/');
	int rc = wire_view_srv_open(&r->srv, r->loop, in, base ? base + 1 : in, why, sizeof(why));
	if (rc < 0) {
		close(lfd);
		cli_err("view %s: %s", in, why[0] ? why : strerror(-rc));
		return rc == -E2BIG ? WIRE_EXIT_FAIL : cli_exit_code(rc);
	}
	view_sort_limit(r->srv);
	rc = wire_httpd_new(&r->httpd, r->loop, lfd, WIRE_VIEW_CSP, wire_view_srv_handle, r->srv);
	if (rc < 0) {
		close(lfd);
		cli_err("view: %s", strerror(-rc));
		return WIRE_EXIT_FAIL;
	}
	r->sig.fd = view_signals();
	r->sig.cb = view_on_signal;
	if (r->sig.fd < 0 || wire_loop_add(r->loop, &r->sig, EPOLLIN) < 0) {
		cli_err("view: signals: %s", strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	view_print_url(bound);
	rc = wire_loop_run(r->loop);
	if (rc < 0) {
		cli_err("view: %s", strerror(-rc));
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

static int view_serve(const char *in, const char *bind, uint16_t port)
{
	struct wire_addr bound;
	int lfd = -1, gai = 0;
	int rc = wire_listen(bind ? bind : "127.0.0.1", port, AF_UNSPEC, SOCK_STREAM, 0, &lfd,
	                     &bound, &gai);
	if (rc == WIRE_E_RESOLVE) {
		cli_err("view: %s: %s", bind, gai_strerror(gai));
		return WIRE_EXIT_USAGE;
	}
	if (rc < 0) {
		cli_err("view: listen on %s port %u: %s", bind ? bind : "127.0.0.1", port,
		        strerror(-rc));
		return rc == -EACCES ? WIRE_EXIT_PRIV : WIRE_EXIT_FAIL;
	}
	struct view_run r = {.sig = {.fd = -1}};
	if (wire_loop_new(&r.loop) < 0) {
		close(lfd);
		cli_err("view: out of memory");
		return WIRE_EXIT_FAIL;
	}
	int status = view_run(&r, in, lfd, &bound);
	wire_httpd_free(r.httpd);
	wire_view_srv_free(r.srv);
	if (r.sig.fd >= 0) {
		wire_loop_del(r.loop, &r.sig);
		close(r.sig.fd);
	}
	wire_loop_free(r.loop);
	return status;
}

int cmd_view(int argc, char **argv)
{
	const char *html = NULL, *bind = NULL;
	uint16_t port = 0;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(); return 0;
		case 'H': html = optarg; break;
		case 'B': bind = optarg; break;
		case 'P':
			if (wire_parse_port(optarg, 1, &port) < 0)
				return cli_usage_err("view", "view: bad port '%s'", optarg);
			break;
		case ':':
			return cli_usage_err("view", "view: option %s needs an argument",
			                     argv[optind - 1]);
		default: return cli_usage_err("view", "view: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_err("view", "view: which file?");
	if (optind + 1 < argc)
		return cli_usage_err("view", "view: one file only (%s is extra)", argv[optind + 1]);
	if (html && (bind || port))
		return cli_usage_err("view", "view: --html writes a file; --port and --bind are "
		                             "for the server");
	if (!html && !strcmp(argv[optind], "-"))
		return cli_usage_err("view", "view: the server reads a file, not standard input");
	if (!html)
		return view_serve(argv[optind], bind, port);
	return view_html(argv[optind], html);
}
