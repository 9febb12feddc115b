/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Decoders of socket system call arguments (include/wire/sysdec.h). Every
 * input is bytes read from another process: lengths are checked before each
 * field, numbers are printed, never used as indexes without a bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "wire/sysdec.h"

struct name {
	int v;
	const char *s;
};

#define N(x)                                                                                       \
	{                                                                                          \
		x, #x                                                                              \
	}

/* Appends to out (size n) at *at; output past the end is cut. */
__attribute__((format(printf, 4, 5))) static void app(char *out, size_t n, size_t *at,
                                                      const char *fmt, ...)
{
	va_list ap;
	if (*at >= n)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(out + *at, n - *at, fmt, ap);
	va_end(ap);
	if (k > 0)
		*at = *at + (size_t)k >= n ? n - 1 : *at + (size_t)k;
}

static const char *lookup(const struct name *t, size_t nt, int v)
{
	for (size_t i = 0; i < nt; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

static const char *named(const struct name *t, size_t nt, int v, const char *pfx, char *out,
                         size_t n)
{
	const char *s = lookup(t, nt, v);
	if (n == 0)
		return out;
	if (s)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, "%s%d", pfx, v);
	return out;
}

/* ---- addresses ------------------------------------------------------------ */

static void sa_inet(const uint8_t *p, size_t len, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	if (len < sizeof(struct sockaddr_in)) {
		snprintf(out, n, "(bad address, %zu bytes)", len);
		return;
	}
	struct sockaddr_in s;
	memcpy(&s, p, sizeof(s));
	inet_ntop(AF_INET, &s.sin_addr, a, sizeof(a));
	snprintf(out, n, "%s:%u", a, (unsigned)ntohs(s.sin_port));
}

static void sa_inet6(const uint8_t *p, size_t len, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	if (len < sizeof(struct sockaddr_in6)) {
		snprintf(out, n, "(bad address, %zu bytes)", len);
		return;
	}
	struct sockaddr_in6 s;
	memcpy(&s, p, sizeof(s));
	inet_ntop(AF_INET6, &s.sin6_addr, a, sizeof(a));
	snprintf(out, n, "[%s]:%u", a, (unsigned)ntohs(s.sin6_port));
}

static void sa_unix(const uint8_t *p, size_t len, char *out, size_t n)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t plen = len > off ? len - off : 0;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	if (plen > sizeof(path) - 1)
		plen = sizeof(path) - 1;
	if (plen == 0) {
		snprintf(out, n, "unix:(unnamed)");
		return;
	}
	int abstract = p[off] == 0;
	size_t k = 0;
	for (size_t i = abstract ? 1 : 0; i < plen; i++) {
		uint8_t c = p[off + i];
		if (c == 0 && !abstract)
			break;
		path[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	path[k] = 0;
	snprintf(out, n, "unix:%s%s", abstract ? "@" : "", path);
}

static void sa_packet(const uint8_t *p, size_t len, char *out, size_t n)
{
	/* struct sockaddr_ll: family(2) protocol(2, network order) ifindex(4) */
	if (len < 8) {
		snprintf(out, n, "(bad address, %zu bytes)", len);
		return;
	}
	uint16_t proto;
	int32_t ifindex;
	memcpy(&proto, p + 2, 2);
	memcpy(&ifindex, p + 4, 4);
	snprintf(out, n, "packet(proto 0x%04x, ifindex %d)", (unsigned)ntohs(proto), (int)ifindex);
}

const char *wire_sd_sockaddr(const uint8_t *p, size_t len, char *out, size_t n)
{
	uint16_t fam;
	if (n == 0)
		return out;
	if (!p || len < sizeof(fam)) {
		snprintf(out, n, "(bad address, %zu bytes)", p ? len : 0);
		return out;
	}
	memcpy(&fam, p, sizeof(fam));
	switch (fam) {
	case AF_INET: sa_inet(p, len, out, n); break;
	case AF_INET6: sa_inet6(p, len, out, n); break;
	case AF_UNIX: sa_unix(p, len, out, n); break;
	case AF_PACKET: sa_packet(p, len, out, n); break;
	case AF_UNSPEC: snprintf(out, n, "AF_UNSPEC"); break;
	default: snprintf(out, n, "family %u", (unsigned)fam); break;
	}
	return out;
}

/* ---- socket() ----------------------------------------------------------------- */

static const struct name families[] = {
    N(AF_UNSPEC), N(AF_UNIX), N(AF_INET), N(AF_INET6), N(AF_NETLINK), N(AF_PACKET), N(AF_VSOCK),
};

const char *wire_sd_family(int family, char *out, size_t n)
{
	return named(families, sizeof(families) / sizeof(families[0]), family, "AF_", out, n);
}

static const struct name types[] = {
    N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_RAW), N(SOCK_SEQPACKET), N(SOCK_RDM),
};

const char *wire_sd_socktype(int type, char *out, size_t n)
{
	size_t at = 0;
	int base = type & 0xf;
	const char *s = lookup(types, sizeof(types) / sizeof(types[0]), base);
	if (n == 0)
		return out;
	out[0] = 0;
	if (s)
		app(out, n, &at, "%s", s);
	else
		app(out, n, &at, "SOCK_%d", base);
	if (type & SOCK_NONBLOCK)
		app(out, n, &at, "|SOCK_NONBLOCK");
	if (type & SOCK_CLOEXEC)
		app(out, n, &at, "|SOCK_CLOEXEC");
	int rest = type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (rest)
		app(out, n, &at, "|0x%x", (unsigned)rest);
	return out;
}

static const struct name ipprotos[] = {
    N(IPPROTO_IP),  N(IPPROTO_ICMP), N(IPPROTO_TCP),    N(IPPROTO_UDP),
    N(IPPROTO_RAW), N(IPPROTO_SCTP), N(IPPROTO_ICMPV6), N(IPPROTO_UDPLITE),
};

static const struct name ethprotos[] = {
    N(ETH_P_ALL),
    N(ETH_P_IP),
    N(ETH_P_IPV6),
    N(ETH_P_ARP),
};

const char *wire_sd_proto(int family, int proto, char *out, size_t n)
{
	if (n == 0)
		return out;
	if (family == AF_PACKET) {
		int h = (int)ntohs((uint16_t)proto);
		return named(ethprotos, sizeof(ethprotos) / sizeof(ethprotos[0]), h, "0x", out, n);
	}
	if ((family == AF_INET || family == AF_INET6) && proto != 0)
		return named(ipprotos, sizeof(ipprotos) / sizeof(ipprotos[0]), proto, "", out, n);
	snprintf(out, n, "%d", proto);
	return out;
}

/* ---- socket options ------------------------------------------------------------ */

static const struct name levels[] = {
    N(SOL_SOCKET), N(IPPROTO_IP), N(IPPROTO_IPV6), N(IPPROTO_TCP), N(IPPROTO_UDP),
};

static const struct name so_opts[] = {
    N(SO_REUSEADDR), N(SO_REUSEPORT), N(SO_RCVBUF),     N(SO_SNDBUF),    N(SO_LINGER),
    N(SO_KEEPALIVE), N(SO_BROADCAST), N(SO_ERROR),      N(SO_TYPE),      N(SO_RCVTIMEO),
    N(SO_SNDTIMEO),  N(SO_PRIORITY),  N(SO_RCVLOWAT),   N(SO_OOBINLINE), N(SO_BINDTODEVICE),
    N(SO_DOMAIN),    N(SO_PROTOCOL),  N(SO_ACCEPTCONN), N(SO_MARK),      N(SO_TIMESTAMP),
};

static const struct name ip_opts[] = {
    N(IP_TOS),
    N(IP_TTL),
    N(IP_HDRINCL),
    N(IP_RECVERR),
    N(IP_PKTINFO),
    N(IP_MTU_DISCOVER),
    N(IP_MULTICAST_TTL),
    N(IP_MULTICAST_LOOP),
    N(IP_ADD_MEMBERSHIP),
    N(IP_FREEBIND),
    N(IP_TRANSPARENT),
};

static const struct name ip6_opts[] = {
    N(IPV6_V6ONLY),       N(IPV6_RECVERR),     N(IPV6_UNICAST_HOPS),
    N(IPV6_MTU_DISCOVER), N(IPV6_RECVPKTINFO), N(IPV6_TCLASS),
};

static const struct name tcp_opts[] = {
    N(TCP_NODELAY),       N(TCP_MAXSEG),       N(TCP_CORK),         N(TCP_KEEPIDLE),
    N(TCP_KEEPINTVL),     N(TCP_KEEPCNT),      N(TCP_DEFER_ACCEPT), N(TCP_QUICKACK),
    N(TCP_INFO),          N(TCP_USER_TIMEOUT), N(TCP_FASTOPEN),     N(TCP_CONGESTION),
    N(TCP_NOTSENT_LOWAT),
};

static const char *opt_name(int level, int opt)
{
#define L(t) lookup(t, sizeof(t) / sizeof(t[0]), opt)
	switch (level) {
	case SOL_SOCKET: return L(so_opts);
	case IPPROTO_IP: return L(ip_opts);
	case IPPROTO_IPV6: return L(ip6_opts);
	case IPPROTO_TCP: return L(tcp_opts);
	default: return NULL;
	}
#undef L
}

const char *wire_sd_sockopt(int level, int opt, char *out, size_t n)
{
	const char *l = lookup(levels, sizeof(levels) / sizeof(levels[0]), level);
	const char *o = opt_name(level, opt);
	char lb[16], ob[16];
	if (n == 0)
		return out;
	if (!l) {
		snprintf(lb, sizeof(lb), "%d", level);
		l = lb;
	}
	if (!o) {
		snprintf(ob, sizeof(ob), "%d", opt);
		o = ob;
	}
	snprintf(out, n, "%s, %s", l, o);
	return out;
}

const char *wire_sd_optval(int level, int opt, const uint8_t *p, size_t len, char *out, size_t n)
{
	if (n == 0)
		return out;
	if (!p) {
		snprintf(out, n, "<%zu bytes>", len);
		return out;
	}
	if (level == SOL_SOCKET && opt == SO_LINGER && len >= 8) {
		int32_t on, secs;
		memcpy(&on, p, 4);
		memcpy(&secs, p + 4, 4);
		snprintf(out, n, "{%s, %d s}", on ? "on" : "off", (int)secs);
	} else if (len == 4 && opt_name(level, opt) && !(level == SOL_SOCKET && opt == SO_LINGER)) {
		int32_t v;
		memcpy(&v, p, 4);
		snprintf(out, n, "%d", (int)v);
	} else {
		snprintf(out, n, "<%zu bytes>", len);
	}
	return out;
}

/* ---- flags, errors, data ---------------------------------------------------------- */

static const struct name msgflags[] = {
    N(MSG_OOB),      N(MSG_PEEK), N(MSG_DONTROUTE),  N(MSG_CTRUNC),   N(MSG_TRUNC),
    N(MSG_DONTWAIT), N(MSG_EOR),  N(MSG_WAITALL),    N(MSG_CONFIRM),  N(MSG_ERRQUEUE),
    N(MSG_NOSIGNAL), N(MSG_MORE), N(MSG_WAITFORONE), N(MSG_FASTOPEN), N(MSG_CMSG_CLOEXEC),
};

const char *wire_sd_msgflags(int flags, char *out, size_t n)
{
	size_t at = 0;
	unsigned rest = (unsigned)flags;
	if (n == 0)
		return out;
	out[0] = 0;
	for (size_t i = 0; i < sizeof(msgflags) / sizeof(msgflags[0]); i++) {
		unsigned b = (unsigned)msgflags[i].v;
		if (rest & b) {
			app(out, n, &at, "%s%s", at ? "|" : "", msgflags[i].s);
			rest &= ~b;
		}
	}
	if (rest)
		app(out, n, &at, "%s0x%x", at ? "|" : "", rest);
	if (at == 0)
		snprintf(out, n, "0");
	return out;
}

const char *wire_sd_how(int how, char *out, size_t n)
{
	static const struct name hows[] = {N(SHUT_RD), N(SHUT_WR), N(SHUT_RDWR)};
	return named(hows, sizeof(hows) / sizeof(hows[0]), how, "", out, n);
}

static const struct name errnames[] = {
    N(EPERM),
    N(ENOENT),
    N(EINTR),
    N(EBADF),
    N(EAGAIN),
    N(ENOMEM),
    N(EACCES),
    N(EFAULT),
    N(EINVAL),
    N(EMFILE),
    N(ENFILE),
    N(EPIPE),
    N(ENOSYS),
    N(ENOTSOCK),
    N(EDESTADDRREQ),
    N(EMSGSIZE),
    N(EPROTOTYPE),
    N(ENOPROTOOPT),
    N(EPROTONOSUPPORT),
    N(EOPNOTSUPP),
    N(EAFNOSUPPORT),
    N(EADDRINUSE),
    N(EADDRNOTAVAIL),
    N(ENETDOWN),
    N(ENETUNREACH),
    N(ECONNABORTED),
    N(ECONNRESET),
    N(ENOBUFS),
    N(EISCONN),
    N(ENOTCONN),
    N(ETIMEDOUT),
    N(ECONNREFUSED),
    N(EHOSTUNREACH),
    N(EALREADY),
    N(EINPROGRESS),
    N(ENOENT),
    N(ESHUTDOWN),
    N(EHOSTDOWN),
    N(ENODEV),
    N(ESRCH),
    {512, "ERESTARTSYS"},
    {513, "ERESTARTNOINTR"},
    {514, "ERESTARTNOHAND"},
    {516, "ERESTART_RESTARTBLOCK"},
};

const char *wire_sd_errname(int err)
{
	return lookup(errnames, sizeof(errnames) / sizeof(errnames[0]), err);
}

const char *wire_sd_ret(long long ret, int err, char *out, size_t n)
{
	const char *name = err ? wire_sd_errname(err) : NULL;
	const char *desc = err ? strerrordesc_np(err) : NULL;
	if (!err)
		snprintf(out, n, " = %lld", ret);
	else if (name)
		snprintf(out, n, " = -1 %s (%s)", name, desc ? desc : "?");
	else
		snprintf(out, n, " = -1 errno %d (%s)", err, desc ? desc : "?");
	return out;
}

const char *wire_sd_data(const uint8_t *p, size_t len, size_t total, char *out, size_t n)
{
	size_t at = 0, show = len < WIRE_SD_DATA_SHOWN ? len : WIRE_SD_DATA_SHOWN;
	if (n < 3) {
		if (n)
			out[0] = 0;
		return out;
	}
	out[at++] = '"';
	for (size_t i = 0; i < show && p && at + 2 < n; i++)
		out[at++] = p[i] ? (char)p[i] : '.';
	if (at + 1 < n)
		out[at++] = '"';
	out[at] = 0;
	if (total > show)
		app(out, n, &at, "...");
	return out;
}

size_t wire_sd_scm_rights(const uint8_t *p, size_t n, int32_t *fds, size_t max)
{
	size_t got = 0;
	for (size_t off = 0; n >= 16 && off <= n - 16;) {
		uint64_t len;
		int32_t level, type;
		memcpy(&len, p + off, 8);
		memcpy(&level, p + off + 8, 4);
		memcpy(&type, p + off + 12, 4);
		if (len < 16 || len > n - off)
			break;
		for (size_t i = 16;
		     level == SOL_SOCKET && type == SCM_RIGHTS && i + 4 <= len && got < max; i += 4)
			memcpy(&fds[got++], p + off + i, 4);
		uint64_t step = (len + 7) & ~(uint64_t)7;
		if (step > n - off)
			break;
		off += (size_t)step;
	}
	return got;
}

#define MSGHDR_CONTROL 32 /* offsets of msg_control and msg_controllen in struct msghdr */
#define MSGHDR_CONTROLLEN 40
#define CMSGHDR_SIZE 16 /* struct cmsghdr: 64-bit length, level, type */

size_t wire_sd_mmsg_controls(const uint8_t *p, size_t n, size_t count, struct wire_sd_ctl *ctl,
                             size_t max)
{
	size_t got = 0;
	for (size_t i = 0; i < count && got < max; i++) {
		if (n < WIRE_SD_MSGHDR_SIZE || i > (n - WIRE_SD_MSGHDR_SIZE) / WIRE_SD_MMSGHDR_SIZE)
			break;
		const uint8_t *m = p + i * WIRE_SD_MMSGHDR_SIZE;
		struct wire_sd_ctl c;
		memcpy(&c.addr, m + MSGHDR_CONTROL, 8);
		memcpy(&c.len, m + MSGHDR_CONTROLLEN, 8);
		if (c.addr && c.len >= CMSGHDR_SIZE)
			ctl[got++] = c;
	}
	return got;
}
