/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat echo [options] [ADDR] PORT: the echo server front end. It parses
 * the options, raises the descriptor limit, blocks SIGINT/SIGTERM and hands a
 * signalfd to the engine (src/core/echo.c) as its stop signal, turns the
 * engine's events into -v lines, and prints the summary at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "trace_cli.h"
#include "wire/echo.h"
#include "wire/err.h"
#include "wire/frame.h"
#include "wire/limits.h"
#include "wire/sock.h"

#define ECHO_MMAP_THRESHOLD (256 * 1024) /* --frame: see mallopt below */

#define CMD "echo"
#define MAX_FRAME_LIMIT (1024ull * 1024 * 1024)

struct opts {
	int verbose;
	int idle_ms;
	uint64_t max_conns;
	int trace;              /* --trace */
	int trace_json;         /* --json: the trace as NDJSON */
	const char *trace_pcap; /* --trace-pcap FILE */
	struct wire_trace *tr;  /* the running trace, or NULL */
};

static void usage(void)
{
	printf("Usage: wirecat echo [OPTIONS] [ADDR] PORT\n"
	       "Echo server: every TCP byte and every UDP datagram goes back to its sender.\n"
	       "Serves TCP and UDP on the same PORT at once; without ADDR on every address,\n"
	       "IPv6 and IPv4 both. PORT 0 picks a free port (-v prints it); PORT may be a\n"
	       "service name (echo, http) as in nc.\n"
	       "\n"
	       "Options:\n"
	       "  -t, --tcp             serve TCP only (-t and -u exclude each other)\n"
	       "  -u, --udp             serve UDP only\n"
	       "  -4                    IPv4 only\n"
	       "  -6                    IPv6 only\n"
	       "  -j, --threads N       N worker threads, each with its own SO_REUSEPORT\n"
	       "                        sockets and event loop (default 1, at most %d)\n"
	       "      --max-conns N     serve at most N TCP clients at once; more are\n"
	       "                        accepted and closed at once (and counted)\n"
	       "      --idle SECS       close TCP clients idle for SECS (e.g. 30, 0.5)\n"
	       "      --frame SPEC      echo TCP message by message: eof, fixed:N, line, crlf,\n"
	       "                        delim:SEQ, prefix:u8|u16|u32|u16le|u32le, header:NAME;\n"
	       "                        a bad frame closes that client only; the header\n"
	       "                        block of header:NAME is echoed as received. Partial\n"
	       "                        frames and unsent echoes of all clients together are\n"
	       "                        held up to 64 MiB (or 4 x --max-frame); over it the\n"
	       "                        client holding the most is closed, with a line on\n"
	       "                        stderr\n"
	       "      --max-frame SIZE  longest message with --frame (default 16M)\n"
	       "  -v, --verbose         print the address, connects and disconnects (FIN or\n"
	       "                        RST) on stderr\n"
	       "      --trace           print on stderr one timeline of the server's socket\n"
	       "                        events and the packets of its clients, with TCP states\n"
	       "                        and notes (needs root or CAP_NET_RAW+CAP_NET_ADMIN;\n"
	       "                        without them one line says so and it runs untraced)\n"
	       "      --json            with --trace: the timeline as NDJSON, the events of\n"
	       "                        `wirecat trace --json` (call, packet, note)\n"
	       "      --trace-pcap FILE --trace, and its packets to FILE as pcapng, each with a\n"
	       "                        comment naming its call (as wirecat trace writes it)\n"
	       "  -h, --help            this help\n"
	       "\n"
	       "SIGINT or SIGTERM stops it: listeners close, clients are closed, and a\n"
	       "summary (connections, bytes, datagrams, refused) goes to stderr; exit 0.\n"
	       "\n"
	       "Exit status: 0 after SIGINT or SIGTERM, 1 runtime failure (address in use...),\n"
	       "2 usage error, 4 missing privilege (a port under 1024). echo writes nothing\n"
	       "to stdout, so the SIGPIPE end of the other commands (141) does not occur.\n"
	       "\n"
	       "Examples:\n"
	       "  wirecat echo 5005                 TCP+UDP echo on port 5005\n"
	       "  wirecat echo -v -u 127.0.0.1 0    UDP only on loopback, a free port\n"
	       "  wirecat echo --frame line 5005    echo line by line\n",
	       WIRE_ECHO_THREADS_MAX);
}

/* Formats the listening address for messages: "[::]:5005", "127.0.0.1:5005". */
static void where(const char *host, int family, uint16_t port, char *buf, size_t n)
{
	if (!host)
		host = family == AF_INET ? "0.0.0.0" : "::";
	if (strchr(host, ':') && host[0] != '[')
		snprintf(buf, n, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(buf, n, "%s:%u", host, (unsigned)port);
}

/* The hint a learner needs after a failed bind. */
static const char *bind_hint(int err, const char *proto, uint16_t port, char *buf, size_t n)
{
	switch (err) {
	case -EADDRINUSE:
		snprintf(buf, n,
		         " (%s port %u is held by another program: see 'ss -l%snp sport = :%u'; "
		         "not a TIME_WAIT leftover, wirecat sets SO_REUSEADDR)",
		         proto, (unsigned)port, strcmp(proto, "udp") ? "t" : "u", (unsigned)port);
		break;
	case -EACCES:
		snprintf(buf, n,
		         " (ports under 1024 need root or CAP_NET_BIND_SERVICE: "
		         "sudo setcap cap_net_bind_service=+ep $(command -v wirecat), "
		         "or use a port of 1024 or more)");
		break;
	case -EADDRNOTAVAIL:
		snprintf(buf, n, " (not an address of this machine: see 'ip addr')");
		break;
	case -EAFNOSUPPORT: snprintf(buf, n, " (this address family is not available here)"); break;
	default: buf[0] = 0;
	}
	return buf;
}

static void on_event(void *ud, const struct wire_echo_event *ev)
{
	const struct opts *o = ud;
	char a[WIRE_ADDRSTRLEN];
	trace_cli_echo_event(o->tr, ev); /* --trace: on the timeline */
	if (ev->type >= WIRE_ECHO_RECV)  /* I/O calls: only for the trace */
		return;
	if (ev->type == WIRE_ECHO_ACCEPT_ERR) {
		cli_err("echo: accept: %s%s", wire_strerror(ev->err),
		        ev->err == -EMFILE || ev->err == -ENFILE
		            ? " (out of file descriptors: raise 'ulimit -n'; pausing accepts)"
		            : "");
		return;
	}
	wire_addr_str(ev->peer, ev->peer_len, a, sizeof(a));
	if (ev->type == WIRE_ECHO_OVER_BUDGET) { /* always: the client loses its data */
		cli_err("echo: %s closed: over the frame budget (%llu MiB held by all "
		        "connections at most; this one held %llu bytes, the most), %llu bytes",
		        a, (unsigned long long)(ev->budget >> 20), (unsigned long long)ev->held,
		        (unsigned long long)ev->bytes_in);
		return;
	}
	if (!o->verbose)
		return;
	unsigned long long in = (unsigned long long)ev->bytes_in;
	switch (ev->type) {
	case WIRE_ECHO_CONNECT: cli_info("%s connected", a); break;
	case WIRE_ECHO_FIN: cli_info("%s closed (FIN), %llu bytes", a, in); break;
	case WIRE_ECHO_RST: cli_info("%s reset (RST), %llu bytes", a, in); break;
	case WIRE_ECHO_IDLE:
		cli_info("%s closed (idle for %d ms), %llu bytes", a, o->idle_ms, in);
		break;
	case WIRE_ECHO_REFUSED:
		cli_info("%s refused (--max-conns %llu)", a, (unsigned long long)o->max_conns);
		break;
	case WIRE_ECHO_BAD_FRAME:
		cli_info("%s bad frame: %s; closed, %llu bytes", a,
		         ev->why && ev->why[0] ? ev->why : wire_strerror(ev->err), in);
		break;
	case WIRE_ECHO_SHUTDOWN: cli_info("%s closed (server stopping), %llu bytes", a, in); break;
	default:
		cli_info("%s closed (error: %s), %llu bytes", a, wire_strerror(ev->err), in);
		break;
	}
}

/* Raises the soft descriptor limit to the hard one (10,000+ clients). */
static void raise_nofile(int verbose)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && verbose)
		cli_info("echo: cannot raise the descriptor limit: %s", strerror(errno));
}

static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return WIRE_E_USAGE;
	if (cli_parse_size(s, hi, &v) < 0 || v < lo)
		return WIRE_E_USAGE;
	*out = v;
	return 0;
}

/* Returns "s" unless n is 1 ("1 connection", "2 connections"). */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

int cmd_echo(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"tcp", no_argument, NULL, 't'},
	    {"udp", no_argument, NULL, 'u'},
	    {"threads", required_argument, NULL, 'j'},
	    {"max-conns", required_argument, NULL, 'M'},
	    {"idle", required_argument, NULL, 'I'},
	    {"frame", required_argument, NULL, 'F'},
	    {"max-frame", required_argument, NULL, 'X'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"trace", no_argument, NULL, 'T'},
	    {"json", no_argument, NULL, 'J'},
	    {"trace-pcap", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {0};
	int tcp = 0, udp = 0, f4 = 0, f6 = 0;
	uint64_t threads = 1, max_frame = WIRE_FRAME_DEFAULT_MAX;
	const char *frame_text = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":tu46j:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 't': tcp = 1; break;
		case 'u': udp = 1; break;
		case '4': f4 = 1; break;
		case '6': f6 = 1; break;
		case 'v': o.verbose = 1; break;
		case 'T': o.trace = 1; break;
		case 'J': o.trace_json = 1; break;
		case 'P':
			o.trace_pcap = optarg;
			o.trace = 1;
			break;
		case 'h': usage(); return WIRE_EXIT_OK;
		case 'j':
			if (parse_uint(optarg, 1, WIRE_ECHO_THREADS_MAX, &threads) < 0)
				return cli_usage_err(
				    CMD, "echo: -j '%s': expected a number of threads, 1..%d",
				    optarg, WIRE_ECHO_THREADS_MAX);
			break;
		case 'M':
			if (parse_uint(optarg, 1, 100000000, &o.max_conns) < 0)
				return cli_usage_err(
				    CMD, "echo: --max-conns '%s': expected a number, 1 or more",
				    optarg);
			break;
		case 'I': {
			double secs;
			if (cli_parse_secs(optarg, &secs) < 0 || secs <= 0 || secs > 86400.0 * 365)
				return cli_usage_err(
				    CMD, "echo: --idle '%s': expected seconds, e.g. 30 or 0.5",
				    optarg);
			o.idle_ms = (int)(secs * 1000.0 + 0.5);
			if (o.idle_ms < 1)
				o.idle_ms = 1;
			break;
		}
		case 'F': frame_text = optarg; break;
		case 'X':
			if (cli_parse_size(optarg, MAX_FRAME_LIMIT, &max_frame) < 0 ||
			    max_frame == 0)
				return cli_usage_err(
				    CMD, "echo: --max-frame '%s': expected a size, 1..1G", optarg);
			break;
		case ':':
			return cli_usage_err(CMD, "echo: option '%s' needs an argument",
			                     argv[optind - 1]);
		default:
			if (optopt)
				return cli_usage_err(CMD, "echo: unknown option '-%c'", optopt);
			return cli_usage_err(CMD, "echo: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (f4 && f6)
		return cli_usage_err(CMD, "echo: -4 and -6 exclude each other");
	if (o.trace_json && !o.trace)
		return cli_usage_err(CMD, "echo: --json is the format of --trace: give both");
	if (tcp && udp)
		return cli_usage_err(CMD, "echo: -t and -u exclude each other (without either, "
		                          "both are served)");
	int family = f4 ? AF_INET : f6 ? AF_INET6 : AF_UNSPEC;
	int npos = argc - optind;
	if (npos < 1)
		return cli_usage_err(CMD, "echo: missing PORT");
	if (npos > 2)
		return cli_usage_err(CMD, "echo: too many arguments ('%s')", argv[optind + 2]);
	const char *host = npos == 2 ? argv[optind] : NULL;
	const char *port_text = argv[optind + npos - 1];
	uint16_t port;
	if (wire_parse_service(port_text, udp ? "udp" : "tcp", 1, &port) < 0)
		return cli_usage_err(
		    CMD, "echo: invalid port '%s' (expected 0..65535 or a service name)",
		    port_text);
	if (host) {
		char h[NI_MAXHOST];
		if (wire_host_strip(host, h, sizeof(h)) < 0)
			return cli_usage_err(CMD, "echo: invalid address '%s'", host);
	}
	if (!tcp && !udp)
		tcp = udp = 1;

	struct wire_frame_spec spec;
	if (frame_text) {
		char why[160] = "";
		int rc = wire_frame_parse(frame_text, (size_t)max_frame, &spec, why, sizeof(why));
		if (rc == WIRE_E_USAGE)
			return cli_usage_err(CMD, "echo: --frame '%s': %s", frame_text, why);
		if (rc < 0) {
			cli_err("echo: --frame '%s': %s", frame_text, wire_strerror(rc));
			return cli_exit_code(rc);
		}
	}

	raise_nofile(o.verbose);
	cli_ignore_sigpipe();

	/* SIGINT/SIGTERM arrive through a signalfd watched by every worker's
	 * loop: nothing runs in a signal handler. Blocked before the workers
	 * start, so their threads inherit the mask. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		cli_err("echo: sigprocmask: %s", strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cli_err("echo: signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return WIRE_EXIT_FAIL;
	}

	/* Frame buffers are large and come and go: a fixed mmap threshold
	 * gives their memory back to the system when they are freed (glibc's
	 * sliding threshold would keep them in the heap, outside the budget). */
	if (frame_text)
		(void)mallopt(M_MMAP_THRESHOLD, ECHO_MMAP_THRESHOLD);

	struct wire_echo_config cfg = {
	    .host = host,
	    .port = port,
	    .family = family,
	    .tcp = tcp,
	    .udp = udp,
	    .threads = (int)threads,
	    .max_conns = o.max_conns,
	    .idle_ms = o.idle_ms,
	    .frame = frame_text ? &spec : NULL,
	    .stop_fd = sfd,
	    .on_event = on_event,
	    .io_events = o.trace,
	    .ud = &o,
	};
	struct wire_echo *e = NULL;
	int gai = 0;
	const char *proto = NULL;
	int rc = wire_echo_new(&cfg, &e, &gai, &proto);
	if (rc < 0) {
		char w[NI_MAXHOST + 16], hint[256];
		where(host, family, port, w, sizeof(w));
		if (rc == WIRE_E_RESOLVE)
			cli_err("echo %s: %s", host ? host : w, gai_strerror(gai));
		else
			cli_err("echo %s: %s%s", w, wire_strerror(rc),
			        bind_hint(rc, proto ? proto : "tcp", port, hint, sizeof(hint)));
		close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return rc == -EACCES ? WIRE_EXIT_PRIV : cli_exit_code(rc);
	}

	if (o.verbose) {
		struct wire_addr ba;
		char a[WIRE_ADDRSTRLEN], extra[32] = "";
		int dual = wire_echo_address(e, &ba);
		wire_addr_str((struct sockaddr *)&ba.ss, ba.len, a, sizeof(a));
		int v6 = ba.ss.ss_family == AF_INET6;
		if (threads > 1)
			snprintf(extra, sizeof(extra), ", %d workers", (int)threads);
		/* wire_addr_str shows the IPv6 wildcard as [::]. */
		cli_info("listening on %s (%s, %s%s%s%s)", a,
		         tcp && udp ? "tcp+udp"
		         : tcp      ? "tcp"
		                    : "udp",
		         dual ? "IPv4 and IPv6"
		         : v6 ? "IPv6"
		              : "IPv4",
		         extra, frame_text ? ", frame " : "", frame_text ? frame_text : "");
	}

	if (o.trace && trace_cli_pcap_open(o.trace_pcap) < 0) {
		wire_echo_free(e);
		return WIRE_EXIT_FAIL;
	}
	if (o.trace) /* --trace: the listening sockets, before the first client */
		o.tr = trace_cli_echo_start(e, tcp, udp, o.trace_json);
	rc = wire_echo_run(e);
	struct wire_echo_stats st;
	wire_echo_stats(e, &st);
	wire_echo_free(e);
	wire_trace_stop(o.tr);
	/* The mask stays: restoring it would deliver the pending SIGTERM and
	 * kill the process before its summary. */
	close(sfd);

	unsigned long long nc = st.conns, nin = st.dgrams_in, nout = st.dgrams_out;
	cli_err(
	    "echo: %llu connection%s, %llu refused (--max-conns), %llu bytes in, %llu bytes out, "
	    "%llu datagram%s in, %llu datagram%s out",
	    nc, plural(nc), (unsigned long long)st.refused,
	    (unsigned long long)(st.tcp_in + st.udp_in),
	    (unsigned long long)(st.tcp_out + st.udp_out), nin, plural(nin), nout, plural(nout));
	if (o.verbose)
		cli_info("echo: closed: %llu FIN, %llu RST, %llu idle, %llu bad frame, %llu error, "
		         "%llu at stop; %llu datagrams dropped, %llu accept errors",
		         (unsigned long long)st.fin, (unsigned long long)st.rst,
		         (unsigned long long)st.idle, (unsigned long long)st.bad_frames,
		         (unsigned long long)st.errors, (unsigned long long)st.shutdown,
		         (unsigned long long)st.udp_dropped, (unsigned long long)st.accept_errors);
	if (o.verbose && frame_text)
		cli_info("echo: frame budget: %llu MiB held at most, %llu client%s closed over it",
		         (unsigned long long)(st.held_peak >> 20),
		         (unsigned long long)st.over_budget, plural(st.over_budget));
	if (rc < 0) {
		cli_err("echo: event loop: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	return WIRE_EXIT_OK;
}
