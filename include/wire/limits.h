/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every limit on untrusted input, in one place. A limit is a named constant
 * here, never a bare number in a parser.
 */
#ifndef WIRE_LIMITS_H
#define WIRE_LIMITS_H

/* sockets and relay */
#define WIRE_RELAY_BUF (256u * 1024u)     /* relay copy buffer */
#define WIRE_SPLICE_CHUNK (1024u * 1024u) /* bytes moved per splice() */
#define WIRE_UDP_MAX 65535u               /* largest UDP payload + slack */
#define WIRE_UDP_DEFAULT_BUF 65536u       /* --buffer default */
#define WIRE_LINE_MAX 65536u              /* longest stdin line for UDP */
#define WIRE_LISTEN_BACKLOG 4096

/* listen -k / --broker server */
#define WIRE_SERVER_QUEUE (1024u * 1024u) /* unsent bytes per client before stdin waits */
#define WIRE_SERVER_STALL_MS 2000         /* a full queue that sends nothing this long: dropped */
#define WIRE_SERVER_CHUNK (64u * 1024u)   /* bytes read from stdin or a client at once */

/* framing */
#define WIRE_FRAME_DEFAULT_MAX (16u * 1024u * 1024u) /* --max-frame default */
#define WIRE_FRAME_DELIM_MAX 64u                     /* longest delim:SEQ */
#define WIRE_FRAME_HEADER_MAX (64u * 1024u)          /* header:NAME block limit */
#define WIRE_FRAME_HEADER_LINES 100u

/* TCP reassembly (src/core/reasm.c): out-of-order bytes held per direction
 * (a power of two; the bitmap adds 1/8), in all streams together, and
 * streams tracked at once (the least recently active one is evicted) */
#define WIRE_REASM_DIR_BYTES (1u << 20)
#define WIRE_REASM_TOTAL_BYTES (256u << 20)
#define WIRE_REASM_MAX_STREAMS 262144u
/* Application messages framed on reassembled TCP data (streamdec.c). */
#define WIRE_STREAMDEC_MSG_MAX                                                                     \
	(128u * 1024u) /* a message (HTTP head, DNS, TLS handshake) buffered */
#define WIRE_STREAMDEC_TOTAL_MAX (64u << 20)      /* all message buffers together */
#define WIRE_STREAMDEC_FRAME_BYTES (512u * 1024u) /* messages kept for one frame */
#define WIRE_STREAMDEC_FRAME_MSGS 8u              /* messages shown on one frame */
#define WIRE_STREAMDEC_BUCKETS 65536u             /* hash buckets of stream states */

/* TCP analysis (tcpanalysis.c): conversations tracked at once (a power of
 * two; the least recently seen of a probe run is evicted), and how many
 * slots a lookup probes */
#define WIRE_TCPA_MAX_CONVS 65536u
#define WIRE_TCPA_PROBE 8u

/* udp.stream numbering (udpnum.c): conversations numbered (a table of
 * 4/3 as many slots, about 60 bytes each); later ones get no number */
#define WIRE_UDPNUM_MAX 196608u

/* --flow (flow.c): arrows kept for the ladder printed at the end (24 bytes
 * each: 24 MiB), and hosts (lanes; Wireshark's limit too). What goes past
 * either is counted and said, not drawn. */
#define WIRE_FLOW_ITEMS_MAX (1u << 20)
#define WIRE_FLOW_NODES_MAX 40u

/* echo server */
#define WIRE_ECHO_CONN_BUF (64u * 1024u) /* pending bytes per client before backpressure */
#define WIRE_ECHO_UDP_BATCH 64u          /* recvmmsg/sendmmsg batch */
/* framed echo: bytes held for partial frames and unsent framed echoes, all
 * connections together (at least 4 x --max-frame); over it the connection
 * holding the most is closed */
#define WIRE_ECHO_FRAME_BUDGET (64u * 1024u * 1024u)

/* capture and pcap */
#define WIRE_SNAPLEN_DEFAULT 262144u
#define WIRE_PCAP_CAPLEN_MAX 262144u        /* largest record for most link types */
#define WIRE_PCAP_CAPLEN_DBUS (128u << 20)  /* LINKTYPE_DBUS (231): whole messages */
#define WIRE_PCAP_CAPLEN_EBHSCR (8u << 20)  /* LINKTYPE_EBHSCR (279) */
#define WIRE_PCAP_CAPLEN_USBPCAP (1u << 20) /* LINKTYPE_USBPCAP (249) */
#define WIRE_PCAP_READ_CHUNK (1u << 20)     /* read(2) size for pipes and stdin */
#define WIRE_PCAP_MAP_WINDOW (8u << 20)     /* mapped file bytes read before they are released */
#define WIRE_PCAPNG_BLOCK_MAX (WIRE_PCAP_CAPLEN_DBUS + 131072u) /* largest pcapng block */
#define WIRE_PCAPNG_IFACES_MAX 4096u                            /* interfaces per pcapng section */
#define WIRE_PCAP_FILTER_LTS 8u    /* link types a filter is compiled for at once */
#define WIRE_DISSECT_DEPTH_MAX 16u /* nested layers (tunnels, quoted packets) */
#define WIRE_OPT_LOOP_MAX 64u      /* options/TLVs decoded per header */
#define WIRE_DNS_PTR_MAX 16u       /* compression pointers followed per name */
#define WIRE_DNS_RR_MAX 64u        /* resource records decoded per section */
#define WIRE_VLAN_DEPTH_MAX 4u
#define WIRE_STATS_PATHS_MAX 512u  /* --stats: protocol paths kept (more are counted as other) */
#define WIRE_STATS_CONV_MAX 8192u  /* --stats: conversations kept (then Space-Saving) */
#define WIRE_STATS_CONV_TOP 20u    /* --stats: conversations printed per protocol */
#define WIRE_EXPERT_CONV_MAX 4096u /* --stats: TCP conversations with analysis counts */

/* wirecat trace (src/core/ptrace*.c; more in wire/ptrace.h) */
#define WIRE_PT_ATTACH_FDS_MAX 4096u /* /proc/PID/fd entries looked at when attaching */
#define WIRE_PT_MMSG_MAX 64u         /* messages of a sendmmsg/recvmmsg examined */

/* HTTP */
#define WIRE_HTTP_HEADER_BYTES_MAX (64u * 1024u)
#define WIRE_HTTP_HEADER_LINES_MAX 100u
#define WIRE_HTTP_CHUNK_DIGITS_MAX 16u
#define WIRE_HTTP_MAX_REDIRS 10
#define WIRE_HTTP_URL_MAX 8192u              /* longest URL or resolved Location */
#define WIRE_HTTP_DECODE_CHUNK (64u * 1024u) /* --compressed output piece */
#define WIRE_HTTP_RETRY_MAX 1000             /* --retry N */
#define WIRE_HTTP_RETRY_WAIT_MAX_S 60        /* longest wait between retries */

/* wirecat view's HTTP server (wire/httpd.h) */
#define WIRE_HTTPD_HEAD_MAX 8192u       /* bytes of a request head; past it: 431 */
#define WIRE_HTTPD_TARGET_MAX 2048u     /* bytes of a request target; past it: 414 */
#define WIRE_HTTPD_HEADERS_MAX 64u      /* header lines of a request; past it: 431 */
#define WIRE_HTTPD_CLIENTS_MAX 64u      /* connections at once; more are closed at accept */
#define WIRE_HTTPD_HEAD_MS 5000         /* a request head must arrive whole within this */
#define WIRE_HTTPD_IDLE_MS 30000        /* an idle keep-alive connection is closed after */
#define WIRE_HTTPD_SEND_MS 30000        /* a response the client does not read: closed */
#define WIRE_HTTPD_BODY_MAX (16u << 20) /* bytes of one response body */

/* wirecat view FILE: the server's data (src/core/view_srv.c) */
#define WIRE_VIEW_INDEX_MAX 65536u     /* places kept in the sparse index (24 bytes each) */
#define WIRE_VIEW_ROWS_MAX 1000u       /* rows per /api/rows answer */
#define WIRE_VIEW_MATCH_MAX (1u << 21) /* matches a filter keeps (4 bytes each) */
#define WIRE_VIEW_FILTERS_MAX 4u       /* filters kept at once (the least recently used goes) */
#define WIRE_VIEW_CONV_PKTS 2000u      /* packets /api/conv gives (the ladder's) */
#define WIRE_VIEW_CONVS_SHOWN 1000u    /* conversations /api/convs lists */
#define WIRE_VIEW_IO_BUCKETS 1000u     /* I/O graph buckets kept per series */
#define WIRE_VIEW_IO_SHOWN 100u        /* I/O graph bars drawn at most (tenfold intervals) */
#define WIRE_VIEW_SORT_MAX (1u << 20)  /* packets the server sorts at once (24 bytes each) */
#define WIRE_VIEW_SORT_KEY 20u         /* bytes of a sort key (Info: its first 20 bytes) */
#define WIRE_VIEW_SLICE_MS 20          /* indexing or filtering done at once on the loop */

#endif
