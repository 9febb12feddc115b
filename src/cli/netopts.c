/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Options, event lines, summaries and error lines shared by `wirecat
 * connect` and `wirecat listen` (src/cli/netopts.h). The relay reports what
 * happens through events; this file is where they become stderr lines.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "netopts.h"
#include "trace_cli.h"
#include "wire/limits.h"
#include "wire/loop.h"

#define DEFAULT_UDP_QUIT_MS 1000 /* connect -u: wait for replies after stdin EOF */

static const char connect_help[] =
    "Usage: wirecat connect [OPTIONS] HOST PORT\n"
    "Connect to HOST PORT and relay: stdin to the socket, the socket to stdout,\n"
    "binary-safe, with backpressure both ways (like nc HOST PORT).\n"
    "HOST is a name, an IPv4 address, or an IPv6 address with or without [brackets]\n"
    "and with %IFACE scope where needed; every address it resolves to is tried in\n"
    "order. PORT is a number or a service name (http, domain, echo).\n"
    "Nothing given on stdin is dropped: on stdin EOF a TCP connection sends FIN\n"
    "(shutdown SHUT_WR) and goes on reading until the peer closes; a FIN from the\n"
    "peer ends only the peer's direction, and wirecat goes on sending stdin until\n"
    "its EOF, then sends FIN and exits. It exits early only when sending is\n"
    "impossible (the peer reset the connection): then it says how many bytes of\n"
    "stdin were not sent and exits 1. When stdin is a terminal, the peer closing\n"
    "ends wirecat at once (nothing typed can be lost). For UDP, an ICMP error\n"
    "before any reply moves on to the next address (localhost: ::1, then 127.0.0.1).\n"
    "\n"
    "Options:\n"
    "  -u, --udp              UDP: each stdin line (with its newline) is one datagram,\n"
    "                         each received datagram is written out whole\n"
    "  -4                     IPv4 addresses only\n"
    "  -6                     IPv6 addresses only\n"
    "  -C, --crlf             send each LF of stdin as CRLF (an existing CRLF stays);\n"
    "                         for line protocols such as HTTP or SMTP\n"
    "  -v, --verbose          report on stderr: each address tried, the local and remote\n"
    "                         address, FIN/RST, and a summary at exit (bytes, time,\n"
    "                         TCP_INFO rtt and retransmits); never changes what is sent\n"
    "  -w, --wait SECS        connect timeout, and idle timeout: give up (exit 1) when\n"
    "                         nothing moves for SECS; for UDP, the end of the session\n"
    "  -q, --quit SECS        after stdin EOF, exit after SECS even if the peer has not\n"
    "                         closed (default: TCP waits for the peer; UDP waits 1 s)\n"
    "  -s, --source ADDR      local address to bind\n"
    "  -p, --source-port PORT local port to bind\n"
    "      --send-only        only send stdin; what the peer sends is discarded\n"
    "      --recv-only        only receive: stdin is never read and no FIN is sent\n"
    "      --buffer N         UDP: receive buffer (default 65536); a longer datagram is\n"
    "                         reported as truncated\n"
    "      --frame SPEC       messages instead of bytes: eof, fixed:N, line, crlf,\n"
    "                         delim:SEQ, prefix:u8|u16|u32|u16le|u32le, header:NAME;\n"
    "                         each stdin line is one message (the whole input for eof),\n"
    "                         each message received is written followed by a newline\n"
    "      --show-frames      report each frame sent and received on stderr\n"
    "      --max-frame N      longest message accepted (default 16M; k, M, G suffixes)\n"
    "      --no-splice        copy with read/write instead of splice(2) (for debugging)\n"
    "      --trace            print on stderr one timeline of this command's socket\n"
    "                         calls and the packets they caused, with TCP states and\n"
    "                         notes (needs root or CAP_NET_RAW+CAP_NET_ADMIN; without\n"
    "                         them one line says so and the command runs untraced)\n"
    "      --json             with --trace: the timeline as NDJSON, the events of\n"
    "                         `wirecat trace --json` (call, packet, note)\n"
    "      --trace-pcap FILE  --trace, and its packets to FILE as pcapng (as trace -w)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure (refused, timeout, resolve, ICMP error,\n"
    "a reset before stdin was all sent), 2 usage error, 3 malformed frame.\n"
    "A full disk on stdout is one line and status 1; when the reader of stdout\n"
    "goes away (| head), wirecat ends quietly by SIGPIPE (141 in the shell).\n"
    "Example: wirecat connect -v localhost 5005\n";

static const char listen_help[] =
    "Usage: wirecat listen [OPTIONS] [ADDR] PORT\n"
    "Listen on PORT (0 picks a free one; -v prints it; a service name such as http\n"
    "works too), accept one connection and relay it like connect (like nc -l).\n"
    "Without ADDR both IPv6 and IPv4 are taken. Nothing given on stdin is dropped:\n"
    "stdin reaching EOF never stops a listener from receiving (a TCP listener sends\n"
    "FIN and goes on reading until the peer closes), and the peer's FIN never stops\n"
    "it from sending stdin to its EOF, unless stdin is a terminal; a reset ends it\n"
    "with the count of stdin bytes not sent and status 1.\n"
    "UDP (-u): every datagram is printed; stdin lines go as replies to the sender of\n"
    "the latest datagram; without -k only the first sender is served (like nc -u -l).\n"
    "With -k, SIGINT and SIGTERM close every client and end with status 0 (TCP: 1 when\n"
    "a client lost data, see -k).\n"
    "\n"
    "Options:\n"
    "  -u, --udp              UDP instead of TCP\n"
    "  -4                     IPv4 only\n"
    "  -6                     IPv6 only (no IPv4-mapped clients)\n"
    "  -C, --crlf             send each LF of stdin as CRLF (an existing CRLF stays),\n"
    "                         to every client with -k and --broker; what clients\n"
    "                         send is passed on unchanged\n"
    "  -v, --verbose          report on stderr: the listening address and port, each\n"
    "                         client, FIN/RST, each datagram's sender and size, a summary\n"
    "  -k, --keep-open        keep listening: serve clients concurrently; each client's\n"
    "                         data goes to stdout, stdin goes to every client (a\n"
    "                         client's FIN ends only its direction, unless stdin is a\n"
    "                         terminal). A client that reads nothing for 2 s while its\n"
    "                         queue of 1 MiB unsent bytes is full is dropped so the\n"
    "                         others go on; stderr names it and the bytes it missed,\n"
    "                         and the exit status is then 1\n"
    "      --broker           relay each client's data to all other clients (a chat\n"
    "                         room; implies -k)\n"
    "      --max-conns N      at most N clients at once; more are closed at accept\n"
    "  -w, --wait SECS        give up when nothing happens for SECS: no client, no data\n"
    "                         (with -k: close clients idle for SECS)\n"
    "  -q, --quit SECS        after stdin EOF, exit after SECS even if the peer has not\n"
    "                         closed (TCP without -k)\n"
    "  -s, --source ADDR      address to listen on (the same as ADDR)\n"
    "  -p, --source-port PORT port to listen on (the same as PORT)\n"
    "      --send-only        only send stdin; what clients send is discarded\n"
    "      --recv-only        only receive: stdin is never read and no FIN is sent\n"
    "      --buffer N         UDP: receive buffer (default 65536); a longer datagram is\n"
    "                         reported as truncated\n"
    "      --frame SPEC       messages instead of bytes (see wirecat connect --help)\n"
    "      --show-frames      report each frame sent and received on stderr\n"
    "      --max-frame N      longest message accepted (default 16M)\n"
    "      --no-splice        copy with read/write instead of splice(2) (for debugging)\n"
    "      --trace            print on stderr one timeline of this command's socket\n"
    "                         calls and the packets they caused, with TCP states and\n"
    "                         notes (needs root or CAP_NET_RAW+CAP_NET_ADMIN; without\n"
    "                         them one line says so and the command runs untraced)\n"
    "      --json             with --trace: the timeline as NDJSON, the events of\n"
    "                         `wirecat trace --json` (call, packet, note)\n"
    "      --trace-pcap FILE  --trace, and its packets to FILE as pcapng (as trace -w)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure (address in use, timeout, a reset\n"
    "before stdin was all sent, with -k a client that lost data), 2 usage error,\n"
    "3 malformed frame, 4 missing privilege (a port under 1024).\n"
    "A full disk on stdout is one line and status 1; when the reader of stdout\n"
    "goes away (| head), wirecat ends quietly by SIGPIPE (141 in the shell).\n"
    "Example: wirecat listen -v 5005\n";

enum {
	O_SEND_ONLY = 256,
	O_RECV_ONLY,
	O_BUFFER,
	O_FRAME,
	O_SHOW_FRAMES,
	O_MAX_FRAME,
	O_NO_SPLICE,
	O_BROKER,
	O_MAX_CONNS,
	O_TRACE,
	O_JSON,
	O_TRACE_PCAP,
};

static const struct option long_opts[] = {
    {"udp", no_argument, NULL, 'u'},
    {"verbose", no_argument, NULL, 'v'},
    {"wait", required_argument, NULL, 'w'},
    {"quit", required_argument, NULL, 'q'},
    {"source", required_argument, NULL, 's'},
    {"source-port", required_argument, NULL, 'p'},
    {"keep-open", no_argument, NULL, 'k'},
    {"send-only", no_argument, NULL, O_SEND_ONLY},
    {"recv-only", no_argument, NULL, O_RECV_ONLY},
    {"buffer", required_argument, NULL, O_BUFFER},
    {"frame", required_argument, NULL, O_FRAME},
    {"show-frames", no_argument, NULL, O_SHOW_FRAMES},
    {"max-frame", required_argument, NULL, O_MAX_FRAME},
    {"no-splice", no_argument, NULL, O_NO_SPLICE},
    {"broker", no_argument, NULL, O_BROKER},
    {"max-conns", required_argument, NULL, O_MAX_CONNS},
    {"trace", no_argument, NULL, O_TRACE},
    {"json", no_argument, NULL, O_JSON},
    {"trace-pcap", required_argument, NULL, O_TRACE_PCAP},
    {"crlf", no_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_ms(const char *cmd, const char *opt, const char *s, int allow_zero, int *ms)
{
	double v;
	if (cli_parse_secs(s, &v) < 0 || (!allow_zero && v <= 0) || v > 2000000.0)
		return cli_cmd_usage_err(cmd, "invalid %s '%s': seconds expected, e.g. 5 or 0.5%s",
		                         opt, s, allow_zero ? "" : " (more than 0)");
	*ms = (int)(v * 1000.0 + 0.5);
	if (!allow_zero && *ms == 0)
		*ms = 1;
	return -1;
}

int netopts_parse(struct netopts *n, int listen, int argc, char **argv)
{
	const char *cmd = listen ? "listen" : "connect";
	const char *frame = NULL, *port_opt = NULL;
	memset(n, 0, sizeof(*n));
	n->cmd = cmd;
	n->listen = listen;
	n->family = AF_UNSPEC;
	n->wait_ms = -1;
	n->quit_ms = -1;
	n->buffer = WIRE_UDP_DEFAULT_BUF;
	n->max_frame = WIRE_FRAME_DEFAULT_MAX;
	int rc, c, f4 = 0, f6 = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u46Cvw:q:s:p:kh", long_opts, NULL)) != -1) {
		uint64_t v;
		switch (c) {
		case 'u': n->udp = 1; break;
		case '4': f4 = 1; break;
		case '6': f6 = 1; break;
		case 'v': n->verbose = 1; break;
		case 'C': n->crlf = 1; break;
		case 'k': n->keep = 1; break;
		case 'w':
			if ((rc = parse_ms(cmd, "-w", optarg, 0, &n->wait_ms)) >= 0)
				return rc;
			break;
		case 'q':
			if ((rc = parse_ms(cmd, "-q", optarg, 1, &n->quit_ms)) >= 0)
				return rc;
			break;
		case 's': n->src = optarg; break;
		case 'p': port_opt = optarg; break;
		case O_SEND_ONLY: n->send_only = 1; break;
		case O_RECV_ONLY: n->recv_only = 1; break;
		case O_BUFFER:
			if (cli_parse_size(optarg, 16u * 1024u * 1024u, &v) < 0 || v == 0)
				return cli_cmd_usage_err(
				    cmd, "invalid --buffer '%s': 1 to 16M bytes", optarg);
			n->buffer = (size_t)v;
			break;
		case O_FRAME: frame = optarg; break;
		case O_SHOW_FRAMES: n->show_frames = 1; break;
		case O_MAX_FRAME:
			if (cli_parse_size(optarg, 1024ull * 1024 * 1024, &v) < 0 || v == 0)
				return cli_cmd_usage_err(
				    cmd, "invalid --max-frame '%s': 1 to 1G bytes", optarg);
			n->max_frame = (size_t)v;
			break;
		case O_NO_SPLICE: n->no_splice = 1; break;
		case O_TRACE: n->trace = 1; break;
		case O_JSON: n->trace_json = 1; break;
		case O_TRACE_PCAP:
			n->trace_pcap = optarg;
			n->trace = 1;
			break;
		case O_BROKER:
			n->broker = 1;
			n->keep = 1;
			break;
		case O_MAX_CONNS:
			if (cli_parse_size(optarg, 1000000, &v) < 0 || v == 0)
				return cli_cmd_usage_err(
				    cmd, "invalid --max-conns '%s': 1 to 1000000", optarg);
			n->max_conns = (long)v;
			break;
		case 'h': fputs(listen ? listen_help : connect_help, stdout); return 0;
		case ':':
			if (optopt > 0 && optopt < 128 && argv[optind - 1][1] != '-')
				return cli_cmd_usage_err(cmd, "option '-%c' needs a value", optopt);
			return cli_cmd_usage_err(cmd, "option '%s' needs a value",
			                         argv[optind - 1]);
		default:
			if (optopt > 0 && optopt < 128)
				return cli_cmd_usage_err(cmd, "unknown option '-%c'", optopt);
			return cli_cmd_usage_err(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (f4 && f6)
		return cli_cmd_usage_err(cmd, "-4 and -6 exclude each other");
	if (n->trace_json && !n->trace)
		return cli_cmd_usage_err(cmd, "--json is the format of --trace: give both");
	n->family = f4 ? AF_INET : f6 ? AF_INET6 : AF_UNSPEC;
	if (n->send_only && n->recv_only)
		return cli_cmd_usage_err(cmd, "--send-only and --recv-only exclude each other");
	if (!listen && (n->keep || n->max_conns))
		return cli_cmd_usage_err(cmd, "-k, --broker and --max-conns are options of listen");
	if (n->udp && n->broker)
		return cli_cmd_usage_err(cmd, "--broker is for TCP; with -u, -k serves many peers");
	if (n->crlf && frame)
		return cli_cmd_usage_err(cmd, "-C/--crlf is for bytes and lines: --frame SPEC "
		                              "says itself where a message ends");
	const char *proto = n->udp ? "udp" : "tcp";

	int npos = argc - optind;
	char **pos = argv + optind;
	if (listen) {
		const char *portstr = NULL;
		if (npos == 2) {
			n->host = pos[0];
			portstr = pos[1];
		} else if (npos == 1) {
			portstr = pos[0];
		} else if (npos > 2) {
			return cli_cmd_usage_err(cmd, "too many arguments (expected [ADDR] PORT)");
		}
		if (portstr && port_opt)
			return cli_cmd_usage_err(cmd, "give the port once: as PORT or as -p");
		if (!portstr)
			portstr = port_opt;
		if (!portstr)
			return cli_cmd_usage_err(cmd, "missing PORT");
		if (n->host && n->src)
			return cli_cmd_usage_err(cmd, "give the address once: as ADDR or as -s");
		if (!n->host)
			n->host = n->src;
		if (wire_parse_service(portstr, proto, 1, &n->port) < 0)
			return cli_cmd_usage_err(cmd,
			                         "invalid port '%s' (0 to 65535, 0 picks a free "
			                         "port, or a %s service name)",
			                         portstr, proto);
	} else {
		if (npos < 2)
			return cli_cmd_usage_err(cmd,
			                         npos ? "missing PORT" : "missing HOST and PORT");
		if (npos > 2)
			return cli_cmd_usage_err(cmd, "too many arguments (expected HOST PORT)");
		n->host = pos[0];
		if (wire_parse_service(pos[1], proto, 0, &n->port) < 0)
			return cli_cmd_usage_err(
			    cmd, "invalid port '%s' (1 to 65535, or a %s service name)", pos[1],
			    proto);
		if (port_opt) {
			if (wire_parse_service(port_opt, proto, 0, &n->src_port) < 0)
				return cli_cmd_usage_err(
				    cmd, "invalid -p port '%s' (1 to 65535, or a %s service name)",
				    port_opt, proto);
			n->have_src_port = 1;
		}
		if (n->udp && n->quit_ms < 0 && n->wait_ms < 0)
			n->quit_ms = DEFAULT_UDP_QUIT_MS;
	}
	if (frame) {
		char why[160];
		if (n->broker)
			return cli_cmd_usage_err(cmd,
			                         "--frame does not combine with --broker (a broker "
			                         "relays bytes as they are)");
		rc = wire_frame_parse(frame, n->max_frame, &n->frame, why, sizeof(why));
		if (rc < 0)
			return cli_cmd_usage_err(cmd, "invalid --frame '%s': %s", frame,
			                         why[0] ? why : wire_strerror(rc));
		n->have_frame = 1;
	} else if (n->show_frames) {
		return cli_cmd_usage_err(cmd, "--show-frames needs --frame SPEC");
	}
	return -1;
}

void netopts_relay_opts(const struct netopts *n, int sock, struct wire_relay_opts *o)
{
	wire_relay_opts_init(o);
	o->in_fd = n->recv_only ? -1 : STDIN_FILENO;
	o->out_fd = STDOUT_FILENO;
	o->sock = sock;
	o->udp = n->udp;
	o->udp_buf = n->buffer;
	o->send_only = n->send_only;
	o->recv_only = n->recv_only;
	o->quit_ms = n->quit_ms;
	o->idle_ms = n->wait_ms;
	o->no_splice = n->no_splice;
	o->crlf = n->crlf;
	o->frame = n->have_frame ? &n->frame : NULL;
	o->event = netopts_event;
	o->ud = (void *)n;
	if (n->tr) {
		o->io_events = 1; /* --trace: every send/recv on the timeline */
		o->no_splice = 1; /* ... as the send()/recv() calls they are */
	}
}

void netopts_event(void *ud, const struct wire_relay_event *e)
{
	const struct netopts *n = ud;
	char a[WIRE_ADDRSTRLEN], b[WIRE_ADDRSTRLEN];
	trace_cli_relay_event(n->tr, n->udp, n->tr_fd, n->buffer, e); /* --trace: the calls */
	switch (e->type) {
	case WIRE_RELAY_EV_INPUT_EOF:
		if (n->verbose && n->udp && !n->listen && n->quit_ms >= 0)
			cli_info("stdin EOF; waiting %d.%03d s for replies (-q)", n->quit_ms / 1000,
			         n->quit_ms % 1000);
		else if (n->verbose && n->udp)
			cli_info("stdin EOF");
		break;
	case WIRE_RELAY_EV_SENT_FIN:
		if (n->verbose)
			cli_info("sent FIN");
		break;
	case WIRE_RELAY_EV_PEER_FIN:
		if (n->verbose)
			cli_info("peer closed (FIN)");
		break;
	case WIRE_RELAY_EV_PEER_RST:
		if (n->verbose)
			cli_info("connection reset by peer (RST)");
		break;
	case WIRE_RELAY_EV_FRAME_SENT:
		if (n->show_frames)
			cli_info("frame %llu: %llu bytes sent", (unsigned long long)e->n,
			         (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_FRAME_RECV:
		if (n->show_frames)
			cli_info("frame %llu: %llu bytes received", (unsigned long long)e->n,
			         (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_DGRAM:
		if (n->verbose && e->addr && e->addrlen)
			cli_info("from %s, %llu bytes",
			         wire_addr_str(e->addr, e->addrlen, a, sizeof(a)),
			         (unsigned long long)e->len);
		else if (n->verbose)
			cli_info("received %llu bytes", (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_TRUNC:
		cli_err("datagram of %llu bytes truncated to %llu (raise --buffer)",
		        (unsigned long long)e->n, (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_LINE_CUT:
		cli_err("a stdin line longer than %llu bytes was sent as several datagrams",
		        (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_ICMP:
		if (e->icmp) {
			const struct wire_icmp *ic = e->icmp;
			cli_err("udp %s: %s from %s",
			        ic->have_dest ? wire_addr_str((const struct sockaddr *)&ic->dest,
			                                      ic->dest_len, a, sizeof(a))
			                      : "?",
			        wire_icmp_text(ic),
			        ic->have_offender
			            ? wire_addr_host((const struct sockaddr *)&ic->offender,
			                             ic->offender_len, b, sizeof(b))
			            : "?");
		}
		break;
	case WIRE_RELAY_EV_NEW_PEER:
		if (n->verbose && e->addr && !n->keep)
			cli_info("serving %s (other senders are ignored; -k serves every sender)",
			         wire_addr_str(e->addr, e->addrlen, a, sizeof(a)));
		break;
	case WIRE_RELAY_EV_IGNORED:
		if (n->verbose && e->addr)
			cli_info("ignored a datagram from %s, %llu bytes (-k serves every sender)",
			         wire_addr_str(e->addr, e->addrlen, a, sizeof(a)),
			         (unsigned long long)e->len);
		break;
	case WIRE_RELAY_EV_SPLICE_OFF:
		if (n->verbose)
			cli_info("splice refused on %s; copying with read/write",
			         e->n ? "stdout" : "stdin");
		break;
	case WIRE_RELAY_EV_NEXT_ADDR:
		if (n->verbose && e->icmp) {
			const struct wire_icmp *ic = e->icmp;
			cli_info("udp %s: %s from %s before any reply; trying the next address",
			         ic->have_dest ? wire_addr_str((const struct sockaddr *)&ic->dest,
			                                       ic->dest_len, a, sizeof(a))
			                       : "?",
			         wire_icmp_text(ic),
			         ic->have_offender
			             ? wire_addr_host((const struct sockaddr *)&ic->offender,
			                              ic->offender_len, b, sizeof(b))
			             : "?");
		}
		break;
	case WIRE_RELAY_EV_QUIT:
		if (n->verbose)
			cli_info("-q time after stdin EOF is over");
		break;
	case WIRE_RELAY_EV_SOCK_SENT:
	case WIRE_RELAY_EV_SOCK_RECV: break; /* --trace's, see trace_cli.c */
	}
}

void netopts_summary(const struct netopts *n, int fd, const struct wire_relay_result *r,
                     int64_t start_ms)
{
	if (!n->verbose)
		return;
	double secs = (double)(wire_now_ms() - start_ms) / 1000.0;
	char extra[160] = "";
	if (!n->udp) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0)
			snprintf(extra, sizeof(extra), "; rtt %.3f ms (var %.3f), retransmits %u",
			         ti.tcpi_rtt / 1000.0, ti.tcpi_rttvar / 1000.0,
			         (unsigned)ti.tcpi_total_retrans);
		cli_info("sent %llu bytes, received %llu bytes in %.3f s%s%s",
		         (unsigned long long)r->sent, (unsigned long long)r->received, secs, extra,
		         r->spliced ? " (splice)" : "");
	} else {
		cli_info(
		    "sent %llu datagrams (%llu bytes), received %llu datagrams (%llu bytes) in "
		    "%.3f s",
		    (unsigned long long)r->dgrams_sent, (unsigned long long)r->sent,
		    (unsigned long long)r->dgrams_received, (unsigned long long)r->received, secs);
	}
}

/* "; N bytes of stdin not sent[ (M of them written but never acknowledged)]
 * [, and stdin had not ended]" after a socket error that ended the relay
 * before stdin was all sent, else "". */
static const char *unsent_note(const struct wire_relay_result *r, char *buf, size_t n)
{
	char acked[80] = "";
	if (!r->stdin_left)
		return "";
	if (r->unacked)
		snprintf(acked, sizeof(acked), " (%llu of them written but never acknowledged)",
		         (unsigned long long)r->unacked);
	snprintf(buf, n, "; %llu bytes of stdin not sent%s%s", (unsigned long long)r->unsent, acked,
	         r->input_more ? ", and stdin had not ended" : "");
	return buf;
}

int netopts_finish(const struct netopts *n, int rc, const struct wire_relay_result *r,
                   const char *peer)
{
	char a[WIRE_ADDRSTRLEN], b[WIRE_ADDRSTRLEN], u[192];
	if (rc == 0)
		return 0;
	if (rc == WIRE_E_TIMEOUT) {
		if (n->udp) {
			if (n->verbose)
				cli_info("idle for %d.%03d s (-w): done", n->wait_ms / 1000,
				         n->wait_ms % 1000);
			return 0;
		}
		cli_err("%s: idle for %d.%03d s (-w), giving up", peer, n->wait_ms / 1000,
		        n->wait_ms % 1000);
		return WIRE_EXIT_FAIL;
	}
	if (rc == WIRE_E_ICMP) {
		const struct wire_icmp *ic = &r->icmp;
		cli_err("udp %s: %s from %s%s",
		        ic->have_dest ? wire_addr_str((const struct sockaddr *)&ic->dest,
		                                      ic->dest_len, a, sizeof(a))
		                      : peer,
		        wire_icmp_text(ic),
		        ic->have_offender ? wire_addr_host((const struct sockaddr *)&ic->offender,
		                                           ic->offender_len, b, sizeof(b))
		                          : "?",
		        unsent_note(r, u, sizeof(u)));
		return WIRE_EXIT_FAIL;
	}
	switch (r->where) {
	case WIRE_RELAY_AT_FRAME_IN:
		cli_err("frame from %s (--frame %s): %s", peer, n->frame.text,
		        r->why[0] ? r->why : wire_strerror(rc));
		return cli_exit_code(rc) == WIRE_EXIT_FAIL ? WIRE_EXIT_FAIL : WIRE_EXIT_MALFORMED;
	case WIRE_RELAY_AT_FRAME_OUT:
		cli_err("frame to %s (--frame %s): %s", peer, n->frame.text,
		        r->why[0] ? r->why : wire_strerror(rc));
		return cli_exit_code(rc) == WIRE_EXIT_FAIL ? WIRE_EXIT_FAIL : WIRE_EXIT_MALFORMED;
	case WIRE_RELAY_AT_INPUT:
		cli_err("read stdin: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	case WIRE_RELAY_AT_OUTPUT: return cli_output_failed(rc, "write stdout");
	default:
		if (n->udp && r->icmp.err && rc == -r->icmp.err)
			cli_err("udp %s: %s%s", peer, wire_strerror(rc),
			        unsent_note(r, u, sizeof(u)));
		else
			cli_err("%s%s: %s%s", n->udp ? "udp " : "", peer, wire_strerror(rc),
			        unsent_note(r, u, sizeof(u)));
		return cli_exit_code(rc);
	}
}
