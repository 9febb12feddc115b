/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A process's sockets through /proc (include/wire/procsock.h): the socket
 * inodes among /proc/PID/fd, matched against the lines of
 * /proc/PID/net/{tcp,tcp6,udp,udp6}, turned into a tcpdump-language filter
 * for `sniff --pid` / `--port`. The /proc/net lines are parsed field by field
 * with bounded hex/decimal readers: a line that does not have the expected
 * shape is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/capture.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/procsock.h"
#include "wire/text.h"

/* ---- bounded field parsing ------------------------------------------------ */

struct scan {
	const char *p, *end;
};

static void skip_spaces(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

/* Reads exactly `digits` hex digits. Returns 1 with *out, else 0. */
static int hex_fixed(struct scan *s, unsigned digits, uint32_t *out)
{
	uint32_t v = 0;
	if (digits > 8 || (size_t)(s->end - s->p) < digits)
		return 0;
	for (unsigned i = 0; i < digits; i++) {
		int h = wire_hexval(s->p[i]);
		if (h < 0)
			return 0;
		v = (v << 4) | (uint32_t)h;
	}
	s->p += digits;
	*out = v;
	return 1;
}

/* Reads 1..19 decimal digits. Returns 1 with *out, else 0. */
static int dec_u64(struct scan *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if (++n > 19)
			return 0;
		v = v * 10 + (uint64_t)(*s->p - '0');
		s->p++;
	}
	if (n == 0)
		return 0;
	*out = v;
	return 1;
}

/* Moves past the next whitespace-separated field. Returns 1, or 0 when none. */
static int skip_field(struct scan *s)
{
	skip_spaces(s);
	if (s->p >= s->end)
		return 0;
	while (s->p < s->end && *s->p != ' ' && *s->p != '\t')
		s->p++;
	return 1;
}

static int expect(struct scan *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

/* Reads "ADDRHEX:PORTHEX" as the kernel prints it: the address as 32-bit
 * words in host byte order ("%08X"), so copying each word's native bytes
 * gives back the network-order address. */
static int addr_port(struct scan *s, int family, uint8_t addr[16], uint16_t *port)
{
	unsigned words = family == AF_INET6 ? 4 : 1;
	uint32_t w, p;
	skip_spaces(s);
	memset(addr, 0, 16);
	for (unsigned i = 0; i < words; i++) {
		if (!hex_fixed(s, 8, &w))
			return 0;
		memcpy(addr + 4 * i, &w, 4);
	}
	if (!expect(s, ':') || !hex_fixed(s, 4, &p))
		return 0;
	if (s->p < s->end && *s->p != ' ' && *s->p != '\t')
		return 0;
	*port = (uint16_t)p;
	return 1;
}

static int is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, pre, 12) == 0;
}

int wire_procsock_parse_line(const char *line, size_t n, int family, int proto,
                             struct wire_procsock *e)
{
	struct scan s = {line, line + n};
	uint64_t sl, inode, tmp;
	uint32_t st;
	struct wire_procsock r;

	if (family != AF_INET && family != AF_INET6)
		return 0;
	memset(&r, 0, sizeof(r));
	/* "  12: " */
	skip_spaces(&s);
	if (!dec_u64(&s, &sl) || !expect(&s, ':'))
		return 0;
	if (!addr_port(&s, family, r.local, &r.lport) || !addr_port(&s, family, r.remote, &r.rport))
		return 0;
	skip_spaces(&s);
	if (!hex_fixed(&s, 2, &st))
		return 0;
	/* tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode */
	for (int i = 0; i < 3; i++)
		if (!skip_field(&s))
			return 0;
	skip_spaces(&s);
	if (!dec_u64(&s, &tmp)) /* uid */
		return 0;
	skip_spaces(&s);
	if (!dec_u64(&s, &tmp)) /* timeout */
		return 0;
	skip_spaces(&s);
	if (!dec_u64(&s, &inode))
		return 0;
	if (s.p < s.end && *s.p != ' ' && *s.p != '\t' && *s.p != '\n')
		return 0;
	r.inode = inode;
	r.state = (uint8_t)st;
	r.proto = (uint8_t)proto;
	r.family = (uint8_t)family;
	if (family == AF_INET6 && is_v4mapped(r.local) &&
	    (is_v4mapped(r.remote) || !memcmp(r.remote, (const uint8_t[16]){0}, 16))) {
		uint8_t l[4], m[4];
		memcpy(l, r.local + 12, 4);
		memcpy(m, r.remote + 12, 4);
		memset(r.local, 0, 16);
		memset(r.remote, 0, 16);
		memcpy(r.local, l, 4);
		memcpy(r.remote, m, 4);
		r.family = AF_INET;
	}
	*e = r;
	return 1;
}

/* ---- /proc/PID/fd ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Parses "socket:[123]" (n bytes). Returns 1 with *ino. */
static int socket_link(const char *l, size_t n, uint64_t *ino)
{
	static const char pre[] = "socket:[";
	struct scan s;
	if (n < sizeof(pre) || memcmp(l, pre, sizeof(pre) - 1))
		return 0;
	s.p = l + sizeof(pre) - 1;
	s.end = l + n;
	if (!dec_u64(&s, ino) || !expect(&s, ']') || s.p != s.end)
		return 0;
	return 1;
}

/* Opens /proc/PID/fd; on failure NULL with *err = -ESRCH or -errno. */
static DIR *open_fd_dir(int pid, int *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*err = errno == ENOENT ? -ESRCH : -errno;
		return NULL;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		*err = -errno;
		close(dfd);
	}
	return d;
}

/* The fd a /proc/PID/fd entry names (decimal), -1 for anything else. */
static int fd_of_name(const char *name)
{
	uint64_t v;
	struct scan s = {name, name + strnlen(name, 16)};
	if (!dec_u64(&s, &v) || s.p != s.end || *s.p || v > INT_MAX)
		return -1;
	return (int)v;
}

/* Whether the entry name of the open /proc/PID/fd directory d is a socket;
 * then *ino is its inode. */
static int entry_socket(DIR *d, const char *name, uint64_t *ino)
{
	char l[64];
	ssize_t k = readlinkat(dirfd(d), name, l, sizeof(l));
	return k > 0 && (size_t)k < sizeof(l) && socket_link(l, (size_t)k, ino);
}

int wire_procsock_inodes(int pid, uint64_t *inodes, size_t max)
{
	size_t cnt = 0;
	struct dirent *de;
	if (pid <= 0)
		return -ESRCH;
	int err = 0;
	DIR *d = open_fd_dir(pid, &err);
	if (!d)
		return err;
	while ((de = readdir(d)) != NULL && cnt < max) {
		uint64_t ino;
		if (de->d_name[0] != '.' && entry_socket(d, de->d_name, &ino))
			inodes[cnt++] = ino;
	}
	closedir(d);
	qsort(inodes, cnt, sizeof(*inodes), cmp_u64);
	size_t w = 0;
	for (size_t i = 0; i < cnt; i++)
		if (w == 0 || inodes[w - 1] != inodes[i])
			inodes[w++] = inodes[i];
	return (int)w;
}

int wire_procsock_fd_inode(int pid, int fd, uint64_t *ino)
{
	char path[64], l[64];
	if (pid <= 0 || fd < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	ssize_t k = readlink(path, l, sizeof(l));
	if (k < 0)
		return -errno;
	if (k == 0 || (size_t)k >= sizeof(l) || !socket_link(l, (size_t)k, ino))
		return -ENOTSOCK;
	return 0;
}

int wire_procsock_holds(int pid, uint64_t ino, int skip_fd, size_t max)
{
	struct dirent *de;
	size_t seen = 0;
	int found = 0;
	if (pid <= 0)
		return -ESRCH;
	int err = 0;
	DIR *d = open_fd_dir(pid, &err);
	if (!d)
		return err;
	while (!found && (de = readdir(d)) != NULL) {
		uint64_t got;
		if (de->d_name[0] == '.')
			continue;
		if (seen++ >= max) {
			found = -E2BIG;
			break;
		}
		if (skip_fd >= 0 && fd_of_name(de->d_name) == skip_fd)
			continue;
		if (entry_socket(d, de->d_name, &got) && got == ino)
			found = 1;
	}
	closedir(d);
	return found;
}

static int cmp_fd_inode(const void *a, const void *b)
{
	const struct wire_procsock_fd *x = a, *y = b;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

int wire_procsock_fds(int pid, struct wire_procsock_fd *out, size_t max, size_t scan)
{
	size_t cnt = 0, seen = 0;
	struct dirent *de;
	int err = 0;
	DIR *d = pid > 0 ? open_fd_dir(pid, &err) : NULL;
	if (!d)
		return pid > 0 ? err : -ESRCH;
	while (cnt < max && seen < scan && (de = readdir(d)) != NULL) {
		int fd = fd_of_name(de->d_name);
		if (fd < 0)
			continue;
		seen++;
		if (entry_socket(d, de->d_name, &out[cnt].inode))
			out[cnt++].fd = fd;
	}
	closedir(d);
	qsort(out, cnt, sizeof(*out), cmp_fd_inode);
	return (int)cnt;
}

/* ---- /proc/PID/net files --------------------------------------------------------- */

static const struct {
	const char *name;
	int family, proto;
} net_files[] = {
    {"tcp", AF_INET, IPPROTO_TCP},
    {"tcp6", AF_INET6, IPPROTO_TCP},
    {"udp", AF_INET, IPPROTO_UDP},
    {"udp6", AF_INET6, IPPROTO_UDP},
};

/* Calls fn for every parsed line of /proc/<base>/net/<file>. */
static void scan_net(const char *base, void (*fn)(const struct wire_procsock *, void *), void *arg)
{
	for (size_t f = 0; f < sizeof(net_files) / sizeof(net_files[0]); f++) {
		char path[96];
		char line[WIRE_PROCSOCK_LINE_MAX];
		snprintf(path, sizeof(path), "/proc/%s/net/%s", base, net_files[f].name);
		FILE *fp = fopen(path, "re");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			size_t n = strlen(line);
			struct wire_procsock e;
			if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
				/* over-long line: skip its rest */
				int c;
				while ((c = fgetc(fp)) != EOF && c != '\n')
					;
				continue;
			}
			if (wire_procsock_parse_line(line, n, net_files[f].family,
			                             net_files[f].proto, &e))
				fn(&e, arg);
		}
		fclose(fp);
	}
}

struct list_ctx {
	const uint64_t *inodes;
	size_t ninodes;
	struct wire_procsock *out;
	size_t n, max;
};

static void list_one(const struct wire_procsock *e, void *arg)
{
	struct list_ctx *c = arg;
	if (c->n >= c->max || e->inode == 0)
		return;
	if (!bsearch(&e->inode, c->inodes, c->ninodes, sizeof(uint64_t), cmp_u64))
		return;
	c->out[c->n++] = *e;
}

static int cmp_sock(const void *a, const void *b)
{
	const struct wire_procsock *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	int c = memcmp(x->local, y->local, 16);
	if (c)
		return c;
	c = memcmp(x->remote, y->remote, 16);
	if (c)
		return c;
	return cmp_u64(&x->inode, &y->inode);
}

int wire_procsock_list(int pid, struct wire_procsock *out, size_t max)
{
	uint64_t *inodes = calloc(WIRE_PROCSOCK_MAX, sizeof(*inodes));
	char base[32];
	if (!inodes)
		return -ENOMEM;
	int k = wire_procsock_inodes(pid, inodes, WIRE_PROCSOCK_MAX);
	if (k < 0) {
		free(inodes);
		return k;
	}
	struct list_ctx c = {inodes, (size_t)k, out, 0, max};
	snprintf(base, sizeof(base), "%d", pid);
	if (k > 0)
		scan_net(base, list_one, &c);
	free(inodes);
	/* a stable order, so an unchanged set gives an unchanged filter */
	qsort(out, c.n, sizeof(*out), cmp_sock);
	return (int)c.n;
}

/* ---- filter text ---------------------------------------------------------- */

static int is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return 0;
	return 1;
}

static void host_text(int family, const uint8_t *a, char *out, size_t n)
{
	if (!inet_ntop(family, a, out, (socklen_t)n))
		snprintf(out, n, "0");
}

/* One socket's clause; returns 0 when the socket has nothing to match. */
static int clause(const struct wire_procsock *e, char *out, size_t n)
{
	char l[64], r[64];
	size_t alen = e->family == AF_INET ? 4 : 16;
	const char *pr = e->proto == IPPROTO_TCP ? "tcp" : "udp";
	if (e->lport == 0)
		return 0;
	if (is_zero(e->remote, alen) && e->rport == 0) {
		/* listening or unconnected: everything to or from its port */
		if (is_zero(e->local, alen))
			snprintf(out, n, "(%s and port %u)", pr, e->lport);
		else {
			host_text(e->family, e->local, l, sizeof(l));
			snprintf(out, n, "(%s and host %s and port %u)", pr, l, e->lport);
		}
		return 1;
	}
	host_text(e->family, e->local, l, sizeof(l));
	host_text(e->family, e->remote, r, sizeof(r));
	if (e->lport == e->rport)
		snprintf(out, n, "(%s and host %s and host %s and port %u)", pr, l, r, e->lport);
	else
		snprintf(out, n, "(%s and host %s and port %u and host %s and port %u)", pr, l,
		         e->lport, r, e->rport);
	return 1;
}

int wire_procsock_filter_text(const struct wire_procsock *s, size_t n, char *buf, size_t bufsz)
{
	struct wire_tbuf t = {buf, bufsz, 0, 0};
	int any = 0;
	if (bufsz == 0)
		return WIRE_E_TOOBIG;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char c[256];
		if (!clause(&s[i], c, sizeof(c)))
			continue;
		/* skip a clause already present (a socket seen twice, v4 and v6
		 * listeners on one port) */
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++) {
			char d[256];
			dup = clause(&s[j], d, sizeof(d)) && !strcmp(c, d);
		}
		if (dup)
			continue;
		wire_tbuf_printf(&t, "%s%s", any ? " or " : "", c);
		any = 1;
	}
	if (!any)
		wire_tbuf_printf(&t, "tcp port 0");
	if (t.over)
		return WIRE_E_TOOBIG;
	return (int)t.len;
}

int wire_procsock_filter(int pid, char *buf, size_t n)
{
	struct wire_procsock *s = calloc(WIRE_PROCSOCK_MAX, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int k = wire_procsock_list(pid, s, WIRE_PROCSOCK_MAX);
	int rc = k < 0 ? k : wire_procsock_filter_text(s, (size_t)k, buf, n);
	free(s);
	return rc;
}

/* ---- owners of a port ---------------------------------------------------- */

struct port_ctx {
	uint16_t port;
	uint64_t inodes[64];
	size_t n;
};

static void port_one(const struct wire_procsock *e, void *arg)
{
	struct port_ctx *c = arg;
	if (e->lport == c->port && e->inode && c->n < sizeof(c->inodes) / sizeof(c->inodes[0]))
		c->inodes[c->n++] = e->inode;
}

static int parse_pid(const char *s, int *pid)
{
	struct scan sc = {s, s + strlen(s)};
	uint64_t v;
	if (!dec_u64(&sc, &v) || sc.p != sc.end || v == 0 || v > 0x7fffffff)
		return 0;
	*pid = (int)v;
	return 1;
}

int wire_procsock_port_pids(uint16_t port, int *pids, size_t max)
{
	struct port_ctx c;
	size_t np = 0;
	uint64_t *ino;
	struct dirent *de;
	memset(&c, 0, sizeof(c));
	c.port = port;
	scan_net("self", port_one, &c);
	if (c.n == 0)
		return 0;
	qsort(c.inodes, c.n, sizeof(c.inodes[0]), cmp_u64);
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	ino = calloc(WIRE_PROCSOCK_MAX, sizeof(*ino));
	if (!ino) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d)) != NULL && np < max) {
		int pid;
		if (!parse_pid(de->d_name, &pid))
			continue;
		int k = wire_procsock_inodes(pid, ino, WIRE_PROCSOCK_MAX);
		for (int i = 0; i < k; i++) {
			if (bsearch(&ino[i], c.inodes, c.n, sizeof(uint64_t), cmp_u64)) {
				pids[np++] = pid;
				break;
			}
		}
	}
	free(ino);
	closedir(d);
	return (int)np;
}

/* ---- following a process ------------------------------------------------- */

void wire_procsock_watch_init(struct wire_procsock_watch *w, int pid, uint16_t port)
{
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->port = port;
}

int wire_procsock_poll(struct wire_procsock_watch *w, char *buf, size_t n)
{
	struct wire_procsock *s = calloc(WIRE_PROCSOCK_MAX, sizeof(*s));
	size_t cnt = 0;
	int rc;
	if (!s)
		return -ENOMEM;
	if (w->pid > 0) {
		rc = wire_procsock_list(w->pid, s, WIRE_PROCSOCK_MAX);
		if (rc < 0) {
			if (rc == -ESRCH || rc == -ENOENT) {
				w->gone = 1;
				rc = -ESRCH;
			}
			free(s);
			return rc;
		}
		cnt = (size_t)rc;
	} else {
		int pids[WIRE_PROCSOCK_PIDS_MAX];
		rc = wire_procsock_port_pids(w->port, pids, WIRE_PROCSOCK_PIDS_MAX);
		for (int i = 0; i < rc && cnt < WIRE_PROCSOCK_MAX; i++) {
			int k = wire_procsock_list(pids[i], s + cnt, WIRE_PROCSOCK_MAX - cnt);
			if (k > 0)
				cnt += (size_t)k;
		}
		/* the port itself, whoever owns it (or before anyone does) */
		if (cnt < WIRE_PROCSOCK_MAX) {
			memset(&s[cnt], 0, sizeof(s[cnt]));
			s[cnt].family = AF_INET;
			s[cnt].proto = IPPROTO_TCP;
			s[cnt].lport = w->port;
			cnt++;
		}
		if (cnt < WIRE_PROCSOCK_MAX) {
			memset(&s[cnt], 0, sizeof(s[cnt]));
			s[cnt].family = AF_INET;
			s[cnt].proto = IPPROTO_UDP;
			s[cnt].lport = w->port;
			cnt++;
		}
	}
	rc = wire_procsock_filter_text(s, cnt, buf, n);
	free(s);
	if (rc < 0)
		return rc;
	if (strcmp(buf, w->last) == 0)
		return 0;
	snprintf(w->last, sizeof(w->last), "%s", buf);
	return 1;
}

int wire_procsock_apply(struct wire_procsock_watch *w, struct wire_capture *cap, int linktype,
                        unsigned snaplen, const char *user, char *why, size_t n)
{
	char *text = malloc(WIRE_PROCSOCK_FILTER_MAX), *full = NULL;
	struct wire_filter *f = NULL;
	struct wire_bpf_insn *insns = NULL;
	size_t ni = 0;
	int rc;
	if (n)
		why[0] = 0;
	if (!text)
		return -ENOMEM;
	rc = wire_procsock_poll(w, text, WIRE_PROCSOCK_FILTER_MAX);
	if (rc <= 0)
		goto out;
	size_t fl = strlen(text) + (user ? strlen(user) : 0) + 16;
	full = malloc(fl);
	if (!full) {
		rc = -ENOMEM;
		goto out;
	}
	if (user && *user)
		snprintf(full, fl, "(%s) and (%s)", user, text);
	else
		snprintf(full, fl, "%s", text);
	rc = wire_filter_compile(&f, full, linktype, snaplen, why, n);
	if (rc < 0)
		goto out;
	rc = wire_filter_kernel_prog(f, &insns, &ni);
	if (rc == 1) {
		snprintf(why, n, "this filter cannot run in the kernel together with --pid/--port");
		rc = WIRE_E_USAGE;
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = wire_capture_set_filter(cap, insns, ni);
	if (rc == 0)
		rc = 1;
	else
		snprintf(why, n, "attaching the filter: %s", wire_strerror(rc));
out:
	if (rc < 0)
		w->last[0] = 0; /* try again next time */
	free(insns);
	wire_filter_free(f);
	free(full);
	free(text);
	return rc;
}
