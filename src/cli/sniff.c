/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat sniff [OPTIONS] [FILTER...]: live capture with tcpdump's options
 * where the meaning is the same. The filter is compiled by libpcap against
 * the interface's link type and attached in the kernel before the socket is
 * bound, so rejected packets never reach user space and never count as
 * received. Packets go to the printer (stdout) or to a pcap file (-w), with
 * tcpdump's rotation (-C/-G/-W, same file names). -Z drops to a user once
 * the socket and its ring exist; files are created after that, as tcpdump
 * does. At the end (count, SIGINT, SIGTERM) one line of counters goes to
 * stderr: captured by us, received by the kernel filter (PACKET_STATISTICS,
 * which includes the drops) and dropped because the ring was full.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "follow.h"
#include "pktcli.h"
#include "wire/capture.h"
#include "wire/defrag.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/limits.h"
#include "wire/pcapio.h"
#include "wire/print.h"
#include "wire/streamdec.h"
#include "wire/procsock.h"

#define POLL_MS 250
#define OPT_PID 2000           /* --pid */
#define OPT_PORT 2001          /* --port */
#define OPT_FOLLOW 2002        /* --follow */
#define OPT_FOLLOW_AS 2003     /* --follow-as */
#define OPT_DIRECTION 2004     /* --direction */
#define OPT_FOLLOW_DIR 2005    /* --follow-dir */
#define OPT_REASM 2006         /* --reassemble */
#define OPT_NOREASM 2007       /* --no-reassemble */
#define OPT_NODEFRAG 2008      /* --no-defrag */
#define COUNTER_NS 250000000LL /* live counter refresh */

static void usage(void)
{
	printf(
	    "Usage: wirecat sniff [OPTIONS] [FILTER...]\n"
	    "Capture packets live (AF_PACKET, TPACKET_V3 ring). FILTER is in the tcpdump\n"
	    "language ('udp port 5005', 'arp', 'tcp[tcpflags] & tcp-syn != 0') and runs in\n"
	    "the kernel. Needs root, or the capabilities CAP_NET_RAW and CAP_NET_ADMIN:\n"
	    "  sudo setcap cap_net_raw,cap_net_admin+eip $(command -v wirecat)\n\n"
	    "Capture:\n"
	    "  -i IF              interface, or 'any' for all (default: the first one up\n"
	    "                     that is not a loopback, else lo; with --pid/--port: any)\n"
	    "  -D, --list-interfaces  list the interfaces and exit\n"
	    "  -r FILE            read a capture file instead, as tcpdump -r: the same as\n"
	    "                     'wirecat read [OPTIONS] FILE [FILTER]'\n"
	    "  -B MIB             ring buffer size in MiB (default %u)\n"
	    "  -s SNAPLEN         bytes kept per packet (default %u; 0 means the default)\n"
	    "  -p                 do not put the interface in promiscuous mode\n"
	    "  -Q in|out|inout    direction to capture (default inout; on lo each packet once)\n"
	    "  -C MB              with -w: start a new file when it passes MB million bytes\n"
	    "                     (or a size with k/m/g)\n"
	    "  -G SECS            with -w: start a new file every SECS seconds (FILE may hold\n"
	    "                     strftime %% codes)\n"
	    "  -W N               with -C: keep N files, reused in a ring; with -G: stop after N\n"
	    "  -Z USER            drop to USER (and its groups) once the socket is open\n"
	    "  --pid PID          only the traffic of process PID: its sockets are found\n"
	    "                     through /proc and the kernel filter follows them as it\n"
	    "                     opens and closes sockets (re-scanned every 200 ms); ends\n"
	    "                     when the process does. FILTER, if given, applies as well.\n"
	    "                     Without -i: every interface, lo included (each packet\n"
	    "                     on lo once)\n"
	    "  --port PORT        the traffic of port PORT and of every socket of the\n"
	    "                     program(s) that own it\n"
	    "  --html OUT.html    when the capture ends (-c, Ctrl-C), write its page as\n"
	    "                     `wirecat view --html` does (the packets go to a\n"
	    "                     temporary file meanwhile, or to -w FILE when given;\n"
	    "                     a page holds at most 20000 packets: use -c)\n\n",
	    WIRE_CAPTURE_BUF_DEFAULT_MIB, WIRE_SNAPLEN_DEFAULT);
	fputs(pktcli_help, stdout);
	fputs(pktcli_defrag_help, stdout);
	printf("  --reassemble       decode HTTP/1.x, DNS over TCP and TLS on the reassembled TCP\n"
	       "                     streams: a message's fields on the frame that completes it,\n"
	       "                     as tshark; on by default with -V, --json and -Y\n"
	       "                     (--no-reassemble: each segment alone)\n");
	fputs(follow_help, stdout);
	printf("\nAt the end (-c reached, SIGINT, SIGTERM) stderr gets\n"
	       "'N packets captured, N received by filter, N dropped by kernel'; while writing\n"
	       "a file with stderr on a terminal, a live packet counter.\n"
	       "Exit status: 0 success, 1 runtime failure, 2 usage error (bad filter),\n"
	       "3 --follow bytes missing (lost before the capture or dropped by the\n"
	       "kernel; said on stderr), 4 missing privilege.\n"
	       "A full disk on stdout is one line and status 1; when the reader of stdout\n"
	       "goes away (| head), wirecat ends quietly by SIGPIPE (141 in the shell).\n");
}

static const struct option longopts[] = {
    {"json", no_argument, NULL, PKT_OPT_JSON},
    {"payload", no_argument, NULL, PKT_OPT_PAYLOAD},
    {"stats", no_argument, NULL, PKT_OPT_STATS},
    {"analysis", no_argument, NULL, PKT_OPT_ANALYSIS},
    {"time", required_argument, NULL, PKT_OPT_TIME},
    {"print", no_argument, NULL, PKT_OPT_PRINT},
    {"list-interfaces", no_argument, NULL, 'D'},
    {"pid", required_argument, NULL, OPT_PID},
    {"port", required_argument, NULL, OPT_PORT},
    {"follow", required_argument, NULL, OPT_FOLLOW},
    {"follow-as", required_argument, NULL, OPT_FOLLOW_AS},
    {"follow-dir", required_argument, NULL, OPT_FOLLOW_DIR},
    {"direction", required_argument, NULL, OPT_DIRECTION},
    {"display-filter", required_argument, NULL, PKT_OPT_DFILTER},
    {"flow", no_argument, NULL, PKT_OPT_FLOW},
    {"reassemble", no_argument, NULL, OPT_REASM},
    {"defrag", no_argument, NULL, PKT_OPT_DEFRAG},
    {"no-defrag", no_argument, NULL, OPT_NODEFRAG},
    {"no-reassemble", no_argument, NULL, OPT_NOREASM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* -w with tcpdump's rotation. */
struct rot {
	const char *base;
	uint64_t cbytes; /* -C in bytes, 0: off */
	unsigned gsecs;  /* -G, 0: off */
	unsigned wn;     /* -W, 0: off */
	int wchars;      /* digits of the file number with -W */
	unsigned ccount; /* -C file number */
	unsigned gfiles; /* files opened by -G */
	time_t gtime;    /* when the current -G file started */
	int linktype;
	unsigned snaplen;
	struct wire_pcap_writer *w;
	int dirty; /* records written since the last flush */
	char cur[PATH_MAX];
};

/* tcpdump's MakeFilename: strftime with -G, then the number with -C/-W. */
static int make_name(struct rot *r, unsigned cnt, int chars)
{
	char name[PATH_MAX];
	if (r->gsecs) {
		struct tm tm;
		localtime_r(&r->gtime, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* -w FILE is a strftime pattern with -G, as in tcpdump */
		size_t k0 = strftime(name, sizeof(name), r->base, &tm);
#pragma GCC diagnostic pop
		if (k0 == 0)
			return -ENAMETOOLONG;
	} else {
		snprintf(name, sizeof(name), "%s", r->base);
	}
	int k;
	if (cnt == 0 && chars == 0)
		k = snprintf(r->cur, sizeof(r->cur), "%s", name);
	else
		k = snprintf(r->cur, sizeof(r->cur), "%s%0*u", name, chars, cnt);
	return (k < 0 || (size_t)k >= sizeof(r->cur)) ? -ENAMETOOLONG : 0;
}

/* Opens r->cur. Returns 0 or -errno with why naming the file. */
static int rot_open(struct rot *r, char *why, size_t n)
{
	char e[200];
	int rc = wire_pcap_create(r->cur, r->linktype, r->snaplen, &r->w, e, sizeof(e));
	if (rc < 0)
		snprintf(why, n, "%.300s: %.199s", r->cur, e);
	return rc;
}

/* Starts the next file. Returns 0, 1 when -G -W says stop, or -errno. */
static int rot_next(struct rot *r, int by_time, time_t now, char *why, size_t n)
{
	int rc = wire_pcap_close_writer(r->w);
	r->w = NULL;
	if (rc < 0) {
		snprintf(why, n, "%.300s: %s", r->cur, wire_strerror(rc));
		return rc;
	}
	if (by_time) {
		r->gfiles++;
		if (r->wn && r->gfiles >= r->wn)
			return 1;
		r->gtime = now;
		r->ccount = 0;
		rc = make_name(r, 0, r->cbytes ? r->wchars : 0);
	} else {
		r->ccount++;
		if (r->wn && r->ccount >= r->wn)
			r->ccount = 0;
		rc = make_name(r, r->ccount, r->wchars);
	}
	if (rc < 0) {
		snprintf(why, n, "%.300s: file name too long", r->base);
		return rc;
	}
	return rot_open(r, why, n);
}

static const char *linktype_name(int lt)
{
	switch (lt) {
	case WIRE_LINK_ETHERNET: return "EN10MB (Ethernet)";
	case WIRE_LINK_RAW: return "RAW (Raw IP)";
	case WIRE_LINK_LINUX_SLL2: return "LINUX_SLL2 (Linux cooked v2)";
	default: return "unknown";
	}
}

static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		cli_err("sniff: -Z %s: no such user", user);
		return WIRE_EXIT_USAGE;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		cli_err("sniff: -Z %s: cannot change to that user: %s", user, strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void privilege_message(void)
{
	cli_err("sniff: capturing needs root or the capabilities CAP_NET_RAW and CAP_NET_ADMIN "
	        "(sudo setcap cap_net_raw,cap_net_admin+eip $(command -v wirecat))");
}

/* sniff -r FILE: `read FILE` with the same print options and filter; the
 * options of a live capture make no sense there and are refused. */
static int sniff_read(struct pktcli *pc, const char *rfile, const struct wire_capture_opts *co,
                      const struct rot *rot, int argc, char **argv, int other_live)
{
	if (co->ifname || co->buf_mib || co->snaplen || !co->promisc || co->dir != WIRE_CAP_INOUT ||
	    rot->cbytes || rot->gsecs || rot->wn || other_live)
		return cli_usage_err("sniff",
		                     "sniff: -r reads a file: -i, -D, -B, -s, -p, -Q, -C, -G, "
		                     "-W, -Z, --pid and --port are for a live capture");
	if (pktcli_join_filter(pc, argc, argv, optind) < 0) {
		cli_err("sniff: out of memory");
		return WIRE_EXIT_FAIL;
	}
	return pktcli_read(*pc, rfile);
}

static int sniff_main(int argc, char **argv);

/* Where --html OUT is in argv (before any "--"), or 0. */
static int html_at(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--html") || !strncmp(argv[i], "--html=", 7))
			return i;
	return 0;
}

/* sniff --html OUT.html: the capture is written to a file (-w FILE, or a
 * temporary one) and its page made from it when the capture ends. */
int cmd_sniff(int argc, char **argv)
{
	int at = html_at(argc, argv), eq = at && argv[at][6] == '=';
	if (!at)
		return sniff_main(argc, argv);
	if (!eq && at + 1 >= argc)
		return cli_usage_err("sniff", "sniff: option --html needs an argument");
	const char *html = eq ? argv[at] + 7 : argv[at + 1];
	char tmp[] = "/tmp/wirecat-sniff-XXXXXX.pcap", *wfile = NULL;
	char **av = calloc((size_t)argc + 3, sizeof(*av));
	int n = 0, fd = -1;
	for (int i = 0; av && i < argc; i++) {
		if (i == at || (i == at + 1 && !eq))
			continue;
		if (!strcmp(argv[i], "-w") && i + 1 < argc)
			wfile = argv[i + 1];
		av[n++] = argv[i];
	}
	if (wfile && !strcmp(wfile, "-")) {
		free(av);
		return cli_usage_err("sniff", "sniff: --html makes its page from a file, not -w -");
	}
	if (av && !wfile && (fd = mkostemps(tmp, 5, O_CLOEXEC)) >= 0) {
		close(fd);
		memmove(av + 3, av + 1, (size_t)(n - 1) * sizeof(*av));
		av[1] = "-w";
		av[2] = tmp;
		n += 2;
		wfile = tmp;
	}
	if (!av || !wfile) {
		cli_err("sniff: --html: %s", av ? strerror(errno) : "out of memory");
		free(av);
		return WIRE_EXIT_FAIL;
	}
	int rc = sniff_main(n, av);
	if (rc == 0 && (rc = cli_view_html(wfile, html)) == 0)
		fprintf(stderr, "wirecat: sniff: the page is %s\n", html);
	if (wfile == tmp)
		unlink(tmp);
	free(av);
	return rc;
}

static int sniff_main(int argc, char **argv)
{
	struct pktcli pc;
	struct wire_capture_opts co;
	struct rot rot;
	char why[512], ifbuf[64];
	const char *zuser = NULL, *rfile = NULL;
	int opt, rc, status = WIRE_EXIT_OK, list = 0;
	uint64_t v;
	struct wire_procsock_watch pwatch, *pw = NULL; /* --pid / --port */
	long long next_scan = 0;

	pktcli_init(&pc);
	memset(&co, 0, sizeof(co));
	memset(&rot, 0, sizeof(rot));
	co.promisc = 1;
	co.dir = WIRE_CAP_INOUT;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:DB:s:c:pQ:lw:C:G:W:Z:Y:dnNtVXhvexqSAr:", longopts,
	                          NULL)) != -1) {
		int k = pktcli_option(&pc, opt, optarg, "sniff");
		if (k < 0)
			return WIRE_EXIT_USAGE;
		if (k)
			continue;
		switch (opt) {
		case 'h': usage(); return 0;
		case 'i': co.ifname = optarg; break;
		case 'D': list = 1; break;
		case 'p': co.promisc = 0; break;
		case 'Z': zuser = optarg; break;
		case 'r': rfile = optarg; break;
		case OPT_FOLLOW: pc.follow = optarg; break;
		case OPT_FOLLOW_AS: pc.follow_as = optarg; break;
		case OPT_FOLLOW_DIR: pc.follow_outdir = optarg; break;
		case OPT_DIRECTION: pc.follow_dir = optarg; break;
		case OPT_REASM: pc.reasm = 1; break;
		case OPT_NOREASM: pc.reasm = -1; break;
		case PKT_OPT_DEFRAG: pc.defrag = 1; break;
		case OPT_NODEFRAG: pc.defrag = -1; break;
		case OPT_PID:
			if (cli_parse_size(optarg, 0x7fffffff, &v) < 0 || v == 0)
				return cli_usage_err(
				    "sniff", "sniff: --pid wants a process id, not '%s'", optarg);
			wire_procsock_watch_init(&pwatch, (int)v, 0);
			pw = &pwatch;
			break;
		case OPT_PORT:
			if (cli_parse_size(optarg, 65535, &v) < 0 || v == 0 ||
			    strpbrk(optarg, "kKmMgG"))
				return cli_usage_err(
				    "sniff", "sniff: --port wants a port (1..65535), not '%s'",
				    optarg);
			wire_procsock_watch_init(&pwatch, 0, (uint16_t)v);
			pw = &pwatch;
			break;
		case 'B':
			if (cli_parse_size(optarg, 65536, &v) < 0 || v == 0)
				return cli_usage_err(
				    "sniff", "sniff: -B wants a size in MiB (1..65536), not '%s'",
				    optarg);
			co.buf_mib = (unsigned)v;
			break;
		case 's':
			if (cli_parse_size(optarg, UINT32_MAX, &v) < 0)
				return cli_usage_err(
				    "sniff", "sniff: -s wants a snapshot length, not '%s'", optarg);
			co.snaplen = (v == 0 || v > WIRE_SNAPLEN_DEFAULT) ? WIRE_SNAPLEN_DEFAULT
			                                                  : (unsigned)v;
			break;
		case 'Q':
			if (!strcmp(optarg, "in"))
				co.dir = WIRE_CAP_IN;
			else if (!strcmp(optarg, "out"))
				co.dir = WIRE_CAP_OUT;
			else if (!strcmp(optarg, "inout"))
				co.dir = WIRE_CAP_INOUT;
			else
				return cli_usage_err(
				    "sniff", "sniff: -Q wants in, out or inout, not '%s'", optarg);
			break;
		case 'C': {
			size_t l = strlen(optarg);
			int suffix = l && (optarg[l - 1] < '0' || optarg[l - 1] > '9');
			if (cli_parse_size(optarg, UINT64_MAX / 1000000, &v) < 0 || v == 0)
				return cli_usage_err(
				    "sniff", "sniff: -C wants a file size in MB, not '%s'", optarg);
			rot.cbytes = suffix ? v : v * 1000000u;
			break;
		}
		case 'G':
			if (cli_parse_size(optarg, 100000000, &v) < 0 || v == 0)
				return cli_usage_err("sniff", "sniff: -G wants seconds, not '%s'",
				                     optarg);
			rot.gsecs = (unsigned)v;
			break;
		case 'W':
			if (cli_parse_size(optarg, 1000000, &v) < 0 || v == 0)
				return cli_usage_err(
				    "sniff", "sniff: -W wants a file count, not '%s'", optarg);
			rot.wn = (unsigned)v;
			break;
		case ':':
			return cli_usage_err("sniff", "sniff: option -%c needs an argument",
			                     optopt);
		default:
			if (optopt)
				return cli_usage_err("sniff", "sniff: unknown option -%c", optopt);
			return cli_usage_err("sniff", "sniff: unknown option %s", argv[optind - 1]);
		}
	}
	if (rfile)
		return sniff_read(&pc, rfile, &co, &rot, argc, argv, zuser || pw || list);
	if ((rot.cbytes || rot.gsecs || rot.wn) && !pc.wfile)
		return cli_usage_err("sniff", "sniff: -C, -G and -W need -w FILE");
	if (rot.wn && !rot.cbytes && !rot.gsecs)
		return cli_usage_err("sniff", "sniff: -W needs -C or -G");
	if (pc.wfile && !strcmp(pc.wfile, "-") && (rot.cbytes || rot.gsecs))
		return cli_usage_err("sniff", "sniff: cannot rotate standard output");
	if (pc.follow || pc.follow_as || pc.follow_dir ||
	    pc.follow_outdir) { /* usage errors first */
		struct follow *chk = follow_new(pc.follow ? pc.follow : "", pc.follow_as,
		                                pc.follow_dir, "sniff", &status);
		if (!chk)
			return status;
		status = follow_set_dir(chk, pc.follow_outdir);
		follow_finish(chk);
		if (status)
			return status;
	}
	if (pktcli_join_filter(&pc, argc, argv, optind) < 0) {
		cli_err("sniff: out of memory");
		return WIRE_EXIT_FAIL;
	}
	pktcli_finish(&pc);
	if (!pc.dump_filter && !list && (status = pktcli_dfilter_compile(&pc, "sniff")) != 0) {
		free(pc.filter);
		return status;
	}
	if ((list || pktcli_needs_stdout(&pc)) && cli_stdout_closed("sniff")) {
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return WIRE_EXIT_FAIL;
	}
	cli_ignore_sigpipe();

	struct wire_sink *out = malloc(sizeof(*out));
	if (!out) {
		cli_err("sniff: out of memory");
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return WIRE_EXIT_FAIL;
	}
	wire_sink_init_fd(out,
	                  (pc.wfile && !strcmp(pc.wfile, "-")) ? STDERR_FILENO : STDOUT_FILENO);
	out->line_buffered = pc.line_buf || cli_isatty(out->fd); /* a terminal sees each packet */

	if (list) {
		rc = wire_capture_list(out);
		free(out);
		free(pc.filter);
		if (rc < 0) {
			cli_err("sniff: listing interfaces: %s", wire_strerror(rc));
			return WIRE_EXIT_FAIL;
		}
		return 0;
	}
	if (!co.ifname && pw)
		co.ifname = "any"; /* the process's traffic wherever it goes, lo included */
	if (!co.ifname) {
		if ((rc = wire_capture_default_if(ifbuf, sizeof(ifbuf))) < 0) {
			cli_err("sniff: finding an interface: %s", wire_strerror(rc));
			free(out);
			free(pc.filter);
			pktcli_dfilter_free(&pc);
			return WIRE_EXIT_FAIL;
		}
		co.ifname = ifbuf;
	}
	pc.po.show_iface = !strcmp(co.ifname, "any");

	struct wire_capture *cap = NULL;
	struct wire_filter *flt = NULL, *ufilter = NULL;
	struct wire_printer *pr = NULL;
	struct wire_appdec *app = NULL;
	struct follow *fol = NULL;
	struct wire_defragger *dg = NULL; /* --defrag */
	uint64_t captured = 0;
	rc = wire_capture_open(&cap, &co, why, sizeof(why));
	if (rc < 0) {
		if (rc == WIRE_E_PRIV)
			privilege_message();
		else
			cli_err("sniff: %s", why);
		status = rc == -ENODEV ? WIRE_EXIT_USAGE : cli_exit_code(rc);
		goto out;
	}
	int linktype = wire_capture_linktype(cap);
	unsigned snaplen = wire_capture_snaplen(cap);
	if (pc.filter || pc.dump_filter) {
		rc = wire_filter_compile(&flt, pc.filter, linktype, snaplen, why, sizeof(why));
		if (rc < 0) {
			cli_err("sniff: %s", rc == -ENOMEM ? "out of memory" : why);
			status = cli_exit_code(rc);
			goto out;
		}
	}
	if (pc.dump_filter) {
		if ((rc = wire_filter_dump(flt, out)) < 0)
			status = cli_output_failed(rc, "sniff: output");
		goto out;
	}
	struct wire_bpf_insn *kp = NULL;
	size_t kn = 0;
	if (flt) {
		rc = wire_filter_kernel_prog(flt, &kp, &kn);
		if (rc < 0) {
			cli_err("sniff: out of memory");
			status = WIRE_EXIT_FAIL;
			goto out;
		}
		if (rc == 1)
			ufilter = flt; /* the kernel cannot run it: filter here */
	}
	rc = wire_capture_set_filter(cap, kp, kn);
	free(kp);
	if (rc < 0) {
		cli_err("sniff: attaching the filter: %s", wire_strerror(rc));
		status = WIRE_EXIT_FAIL;
		goto out;
	}
	if (pw) {
		/* --pid / --port: the process's sockets (and FILTER) in the kernel */
		rc = wire_procsock_apply(pw, cap, linktype, snaplen, pc.filter, why, sizeof(why));
		if (rc < 0) {
			if (rc == -ESRCH)
				cli_err("sniff: --pid %d: no such process", pw->pid);
			else
				cli_err("sniff: %s", why[0] ? why : wire_strerror(rc));
			status = rc == WIRE_E_USAGE ? WIRE_EXIT_USAGE : WIRE_EXIT_FAIL;
			goto out;
		}
		ufilter = NULL;
		next_scan = mono_ns() + WIRE_PROCSOCK_POLL_MS * 1000000LL;
	}
	rc = wire_capture_start(cap, why, sizeof(why));
	if (rc < 0) {
		if (rc == -EPERM || rc == -EACCES)
			privilege_message();
		else
			cli_err("sniff: %s", why);
		status = cli_exit_code(rc);
		goto out;
	}
	if (zuser && (status = drop_privileges(zuser)) != 0)
		goto out;

	if (pc.wfile) {
		rot.base = pc.wfile;
		rot.linktype = linktype;
		rot.snaplen = snaplen;
		rot.gtime = time(NULL);
		if (rot.wn) {
			int d = 0;
			for (unsigned x = rot.wn - 1; x; x /= 10)
				d++;
			rot.wchars = d; /* tcpdump: ceil(log10(W)) */
		}
		if ((rc = make_name(&rot, 0, rot.cbytes ? rot.wchars : 0)) < 0)
			snprintf(why, sizeof(why), "%.300s: file name too long", pc.wfile);
		else
			rc = rot_open(&rot, why, sizeof(why));
		if (rc < 0) {
			cli_err("sniff: %s", why);
			status = cli_exit_code(rc);
			goto out;
		}
	}
	const char *wname = strcmp(rot.cur, "-") ? rot.cur : "standard output"; /* -w */
	if (pktcli_views_start(&pc, &pr, out, &dg, &app, "sniff") < 0) {
		status = WIRE_EXIT_FAIL;
		goto out;
	}
	pktcli_signals();
	cli_err("listening on %s, link-type %s, snapshot length %u bytes", co.ifname,
	        linktype_name(linktype), snaplen);

	if (pc.follow &&
	    !(fol = follow_new(pc.follow, pc.follow_as, pc.follow_dir, "sniff", &status)))
		goto out;
	if (fol && (status = follow_set_dir(fol, pc.follow_outdir)) != 0)
		goto out;
	if (fol)
		follow_output(fol, out);
	int printing =
	    !fol && !pc.flow &&
	    (pc.po.mode != WIRE_PRINT_NONE || pc.po.hex || pc.po.payload_hex || pc.po.stats);
	int counter = pc.wfile && strcmp(pc.wfile, "-") && cli_isatty(STDERR_FILENO);
	long long next_counter = mono_ns() + COUNTER_NS;
	long long next_flush = mono_ns() + POLL_MS * 1000000LL;
	uint64_t shown = 0;
	struct wire_pkt pkt;
	while (!pktcli_stop) {
		rc = wire_capture_next(cap, &pkt, pw ? WIRE_PROCSOCK_POLL_MS / 4 : POLL_MS);
		if (rc < 0) {
			cli_err("sniff: %s: %s", co.ifname, wire_strerror(rc));
			status = WIRE_EXIT_FAIL;
			break;
		}
		if (pw && mono_ns() >= next_scan) {
			/* follow the process as it opens and closes sockets */
			int r2 = wire_procsock_apply(pw, cap, linktype, snaplen, pc.filter, why,
			                             sizeof(why));
			next_scan = mono_ns() + WIRE_PROCSOCK_POLL_MS * 1000000LL;
			if (r2 == -ESRCH) {
				cli_err("sniff: process %d has exited", pw->pid);
				if (rc == 0)
					break;
			}
		}
		if (rc > 0 && ufilter && !wire_filter_match(ufilter, &pkt))
			continue;
		if (rot.w && rot.gsecs) {
			time_t now = rc > 0 ? pkt.ts.tv_sec : time(NULL);
			if (now - rot.gtime >= (time_t)rot.gsecs) {
				int r2 = rot_next(&rot, 1, now, why, sizeof(why));
				if (r2 == 1) {
					cli_err("sniff: maximum file limit reached: %u", rot.wn);
					break;
				}
				if (r2 < 0) {
					cli_err("sniff: %s", why);
					status = WIRE_EXIT_FAIL;
					break;
				}
			}
		}
		if (counter && (rc == 0 || (captured & 255) == 0) && mono_ns() >= next_counter &&
		    shown != captured) {
			char line[64];
			int k = snprintf(line, sizeof(line), "\rGot %llu",
			                 (unsigned long long)captured);
			if (write(STDERR_FILENO, line, (size_t)k) < 0) {
				/* the counter is best effort */
			}
			shown = captured;
			next_counter = mono_ns() + COUNTER_NS;
		}
		if (rc == 0 || ((captured & 7) == 0 && mono_ns() >= next_flush)) {
			/* Idle, or a steady trickle: let readers of a pipe or file
			 * see what we have (and find out when they went away). */
			int r2 = out->n ? wire_sink_flush(out) : 0;
			if (r2 < 0) {
				status = cli_output_failed(r2, "sniff: output");
				break;
			}
			if (rot.w && rot.dirty && (r2 = wire_pcap_flush(rot.w)) < 0) {
				status = cli_output_failed(r2, "sniff: writing %s", wname);
				break;
			}
			rot.dirty = 0;
			next_flush = mono_ns() + POLL_MS * 1000000LL;
			if (rc == 0)
				continue;
		}
		pkt.num = ++captured;
		if (fol)
			follow_packet(fol, &pkt);    /* --follow: every packet, -Y or not */
		const struct wire_dissect *d = NULL; /* the packet's one dissection */
		if ((printing || pc.dfilter || pc.fl) &&
		    (rc = pktcli_packet(&pc, printing ? pr : NULL, dg, &pkt, &d)) <= 0) {
			if (rc < 0) {
				cli_err("sniff: out of memory");
				status = WIRE_EXIT_FAIL;
				break;
			}
			if (pc.count && captured >= pc.count)
				break;
			continue;
		}
		if (rot.w) {
			if (rot.cbytes && wire_pcap_written(rot.w) > rot.cbytes &&
			    (rc = rot_next(&rot, 0, 0, why, sizeof(why))) < 0) {
				cli_err("sniff: %s", why);
				status = WIRE_EXIT_FAIL;
				break;
			}
			rot.dirty = 1;
			if ((rc = wire_pcap_write(rot.w, &pkt)) < 0) {
				status = cli_output_failed(rc, "sniff: writing %s", wname);
				break;
			}
		}
		if (printing && (rc = wire_printer_show(pr, d)) < 0) {
			status = cli_output_failed(rc, "sniff: output");
			break;
		}
		if (pc.count && captured >= pc.count)
			break;
	}
	rc = follow_finish(fol);
	fol = NULL;
	if (rc > 0 && status == WIRE_EXIT_OK)
		status = rc; /* followed bytes missing (said) */
	if (rc >= 0)
		rc = pktcli_flow_write(&pc, out, "sniff");
	if (rc < 0 && status == WIRE_EXIT_OK)
		status = cli_output_failed(rc, "sniff: output");
	pktcli_appdec_report(app, "sniff");
	if (dg) { /* said when asked for, or when there were fragments */
		wire_defrag_finish(&dg->d);
		if (pc.defrag > 0 || dg->fragments)
			pktcli_defrag_report(dg, "sniff");
	}
	rc = wire_printer_finish(pr);
	if (rc < 0 && status == WIRE_EXIT_OK)
		status = cli_output_failed(rc, "sniff: output");
	if (rot.w) {
		rc = wire_pcap_close_writer(rot.w);
		rot.w = NULL;
		if (rc < 0 && status == WIRE_EXIT_OK)
			status = cli_output_failed(rc, "sniff: writing %s", wname);
	}
	if (counter && shown) {
		if (write(STDERR_FILENO, "\n", 1) < 0) {
			/* best effort */
		}
	}
	struct wire_capture_stats st;
	if (wire_capture_stats(cap, &st) == 0)
		fprintf(stderr,
		        "%llu packets captured, %llu received by filter, %llu dropped by kernel\n",
		        (unsigned long long)captured, (unsigned long long)st.received,
		        (unsigned long long)st.dropped);
out:
	follow_finish(fol);
	if (dg)
		wire_defragger_free(dg);
	free(dg);
	if (rot.w)
		wire_pcap_close_writer(rot.w);
	if (pr)
		wire_printer_free(pr);
	wire_appdec_free(app);
	wire_filter_free(flt);
	wire_capture_close(cap);
	free(out);
	free(pc.filter);
	pktcli_dfilter_free(&pc);
	return status;
}
