/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat view --html OUT.html FILE: a pcap or pcapng file (or the NDJSON
 * of trace --json, a regular file starting with '{') as one self-contained page (src/core/view.c,
 * web/). The page asks nothing of any server; it holds every packet, so files past
 * WIRE_VIEW_HTML_FILE_MAX bytes or WIRE_VIEW_HTML_PKTS_MAX packets are refused with a hint. A
 * failed write removes the half-written page.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "wire/err.h"
#include "wire/pcapio.h"
#include "wire/view.h"

static void usage(void)
{
	printf("Usage: wirecat view --html OUT.html FILE\n"
	       "Write a pcap or pcapng file as one self-contained HTML page (no request\n"
	       "to any server): a sortable packet list with a filter box, the layer tree\n"
	       "and the bytes of the selected packet (a field marks its bytes, a byte\n"
	       "selects its field), the conversations, and the ladder diagram of the\n"
	       "selected TCP or UDP conversation. Keys: Up/Down, PageUp/PageDown,\n"
	       "Home/End, Enter. FILE may also be the NDJSON that `wirecat trace --json`\n"
	       "writes: its events as the list, its packets decoded, and on the ladder\n"
	       "the program's calls and the trace's notes beside the packets.\n"
	       "trace --html and sniff --html write the page of a run directly.\n\n"
	       "  --html OUT.html    write the page to OUT.html (- for standard output)\n"
	       "  -h, --help         this help\n\n"
	       "The page holds every packet: files over %u MiB or %u packets are refused.\n"
	       "Serving the page from a local server (wirecat view FILE) is not written yet.\n\n"
	       "Exit status: 0 success, 1 I/O error or file too large, 2 usage error,\n"
	       "3 truncated or corrupt capture file.\n",
	       WIRE_VIEW_HTML_FILE_MAX >> 20, WIRE_VIEW_HTML_PKTS_MAX);
}

static const struct option longopts[] = {
    {"html", required_argument, NULL, 'H'},
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

int cmd_view(int argc, char **argv)
{
	const char *html = NULL;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(); return 0;
		case 'H': html = optarg; break;
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
	if (!html)
		return cli_usage_err("view", "view: the local server (view FILE) is not written "
		                             "yet; use --html OUT.html FILE");
	return view_html(argv[optind], html);
}
