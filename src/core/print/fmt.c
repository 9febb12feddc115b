/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Formatting helpers for the printers: decimal and hex numbers, IPv4/IPv6
 * (RFC 5952 compression) and MAC addresses, packet times in tcpdump's -t
 * formats (the absolute time's HH:MM:SS is cached per second), and protocol
 * names. They write straight into the sink, so the per-packet path needs no
 * snprintf.
 */
#include <string.h>

#include "pr.h"

static const char hexd[] = "0123456789abcdef";

static const uint32_t pow10_32[] = {1u,      10u,      100u,      1000u,      10000u,
                                    100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

/* Returns the number of decimal digits of v: for 32 bits, the bit length
 * times log10(2) (1233 / 4096) gives it or one more, which one comparison
 * settles. */
static size_t ndigits(uint64_t v)
{
	if (v <= UINT32_MAX) {
		uint32_t x = (uint32_t)v;
		unsigned t = ((32u - (unsigned)__builtin_clz(x | 1u)) * 1233u) >> 12;
		return t + 1u - (t != 0 && x < pow10_32[t]);
	}
	size_t n = 1;
	for (; v >= 10000; v /= 10000)
		n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                            "25262728293031323334353637383940414243444546474849"
                            "50515253545556575859606162636465666768697071727374"
                            "75767778798081828384858687888990919293949596979899";

/* Writes the k decimal digits of v ending at w + k, two at a time (32-bit
 * divisions, the cheap ones). */
static void put_digits32(char *w, size_t k, uint32_t v)
{
	while (k >= 2) {
		unsigned r = v % 100u;
		v /= 100u;
		k -= 2;
		memcpy(w + k, pairs + 2 * r, 2);
	}
	if (k)
		w[0] = (char)('0' + v);
}

/* The same for any v. */
static void put_digits(char *w, size_t k, uint64_t v)
{
	while (k > 9) {
		w[--k] = (char)('0' + v % 10u);
		v /= 10u;
	}
	put_digits32(w, k, (uint32_t)v);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Returns the two characters of k < 100, the first in the lowest byte. */
static inline uint64_t pair16(uint64_t k)
{
	uint16_t pr;
	memcpy(&pr, pairs + 2 * k, 2);
	return pr;
}

/* Returns the 8 decimal digits of v < 10^8 (zero-padded) as characters, the
 * first in the lowest byte, so one 8-byte store writes them. v * ceil(2^47 /
 * 10^6) holds v / 10^6 in its top bits and the fraction below with an error
 * under v / 2^47 * 0.65 < 10^-6, so multiplying the fraction by 100 three
 * times yields the next pairs exactly (jeaiii's method). */
static uint64_t digits8(uint32_t v)
{
	const uint64_t mask = (UINT64_C(1) << 47) - 1u;
	uint64_t y = (uint64_t)v * UINT64_C(140737489), r = pair16(y >> 47);
	y = (y & mask) * 100u;
	r |= pair16(y >> 47) << 16;
	y = (y & mask) * 100u;
	r |= pair16(y >> 47) << 32;
	y = (y & mask) * 100u;
	return r | pair16(y >> 47) << 48;
}

/* The same for the 6 digits of v < 10^6 (the microseconds): v * ceil(2^34 /
 * 10^4) errs by under 10^6 / 2^34 * 0.09 < 10^-4. */
static uint64_t digits6(uint32_t v)
{
	const uint64_t mask = (UINT64_C(1) << 34) - 1u;
	uint64_t y = (uint64_t)v * UINT64_C(1717987), r = pair16(y >> 34);
	y = (y & mask) * 100u;
	r |= pair16(y >> 34) << 16;
	y = (y & mask) * 100u;
	return r | pair16(y >> 34) << 32;
}

/* Writes v in decimal at o, which has room for 10 bytes (8 are stored even
 * for fewer digits). Returns the number of digits. */
static size_t put_u32(char *o, uint32_t v)
{
	if (v < 10) {
		o[0] = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(o, pairs + 2 * v, 2);
		return 2;
	}
	size_t n = 0;
	if (v >= 100000000u) {
		uint32_t hi = v / 100000000u;
		v -= hi * 100000000u;
		n = hi < 10 ? 1 : 2;
		if (n == 1)
			o[0] = (char)('0' + hi);
		else
			memcpy(o, pairs + 2 * hi, 2);
		uint64_t r = digits8(v);
		memcpy(o + n, &r, 8);
		return n + 8;
	}
	size_t k = ndigits(v);
	uint64_t r = digits8(v) >> (8 * (8 - k));
	memcpy(o, &r, 8);
	return k;
}
#else
static size_t put_u32(char *o, uint32_t v)
{
	size_t k = v < 10 ? 1 : ndigits(v);
	put_digits32(o, k, v);
	return k;
}
#endif

size_t wire_fmt_u32(char *o, uint32_t v)
{
	return put_u32(o, v);
}

void wire_pr_u(struct wire_sink *s, uint64_t v)
{
	char b[24];
	char *o = wire_sink_room(s, sizeof(b));
	if (o && v <= UINT32_MAX) {
		wire_sink_commit(s, put_u32(o, (uint32_t)v));
		return;
	}
	size_t k = v < 10 ? 1 : ndigits(v);
	put_digits(o ? o : b, k, v);
	if (o)
		wire_sink_commit(s, k);
	else
		wire_sink_write(s, b, k);
}

void wire_pr_hex(struct wire_sink *s, uint32_t v, unsigned digits)
{
	char b[8];
	if (digits > 8)
		digits = 8;
	for (unsigned i = 0; i < digits; i++)
		b[digits - 1 - i] = hexd[(v >> (4 * i)) & 15u];
	wire_sink_write(s, b, digits);
}

void wire_pr_0x(struct wire_sink *s, uint32_t v, unsigned digits)
{
	wire_sink_write(s, "0x", 2);
	wire_pr_hex(s, v, digits);
}

/* Each octet's decimal text, zero-padded to 3 bytes, then its length. */
static const char octets[256][4] = {
    "0\000\000\001", "1\000\000\001", "2\000\000\001", "3\000\000\001", "4\000\000\001",
    "5\000\000\001", "6\000\000\001", "7\000\000\001", "8\000\000\001", "9\000\000\001",
    "10\000\002",    "11\000\002",    "12\000\002",    "13\000\002",    "14\000\002",
    "15\000\002",    "16\000\002",    "17\000\002",    "18\000\002",    "19\000\002",
    "20\000\002",    "21\000\002",    "22\000\002",    "23\000\002",    "24\000\002",
    "25\000\002",    "26\000\002",    "27\000\002",    "28\000\002",    "29\000\002",
    "30\000\002",    "31\000\002",    "32\000\002",    "33\000\002",    "34\000\002",
    "35\000\002",    "36\000\002",    "37\000\002",    "38\000\002",    "39\000\002",
    "40\000\002",    "41\000\002",    "42\000\002",    "43\000\002",    "44\000\002",
    "45\000\002",    "46\000\002",    "47\000\002",    "48\000\002",    "49\000\002",
    "50\000\002",    "51\000\002",    "52\000\002",    "53\000\002",    "54\000\002",
    "55\000\002",    "56\000\002",    "57\000\002",    "58\000\002",    "59\000\002",
    "60\000\002",    "61\000\002",    "62\000\002",    "63\000\002",    "64\000\002",
    "65\000\002",    "66\000\002",    "67\000\002",    "68\000\002",    "69\000\002",
    "70\000\002",    "71\000\002",    "72\000\002",    "73\000\002",    "74\000\002",
    "75\000\002",    "76\000\002",    "77\000\002",    "78\000\002",    "79\000\002",
    "80\000\002",    "81\000\002",    "82\000\002",    "83\000\002",    "84\000\002",
    "85\000\002",    "86\000\002",    "87\000\002",    "88\000\002",    "89\000\002",
    "90\000\002",    "91\000\002",    "92\000\002",    "93\000\002",    "94\000\002",
    "95\000\002",    "96\000\002",    "97\000\002",    "98\000\002",    "99\000\002",
    "100\003",       "101\003",       "102\003",       "103\003",       "104\003",
    "105\003",       "106\003",       "107\003",       "108\003",       "109\003",
    "110\003",       "111\003",       "112\003",       "113\003",       "114\003",
    "115\003",       "116\003",       "117\003",       "118\003",       "119\003",
    "120\003",       "121\003",       "122\003",       "123\003",       "124\003",
    "125\003",       "126\003",       "127\003",       "128\003",       "129\003",
    "130\003",       "131\003",       "132\003",       "133\003",       "134\003",
    "135\003",       "136\003",       "137\003",       "138\003",       "139\003",
    "140\003",       "141\003",       "142\003",       "143\003",       "144\003",
    "145\003",       "146\003",       "147\003",       "148\003",       "149\003",
    "150\003",       "151\003",       "152\003",       "153\003",       "154\003",
    "155\003",       "156\003",       "157\003",       "158\003",       "159\003",
    "160\003",       "161\003",       "162\003",       "163\003",       "164\003",
    "165\003",       "166\003",       "167\003",       "168\003",       "169\003",
    "170\003",       "171\003",       "172\003",       "173\003",       "174\003",
    "175\003",       "176\003",       "177\003",       "178\003",       "179\003",
    "180\003",       "181\003",       "182\003",       "183\003",       "184\003",
    "185\003",       "186\003",       "187\003",       "188\003",       "189\003",
    "190\003",       "191\003",       "192\003",       "193\003",       "194\003",
    "195\003",       "196\003",       "197\003",       "198\003",       "199\003",
    "200\003",       "201\003",       "202\003",       "203\003",       "204\003",
    "205\003",       "206\003",       "207\003",       "208\003",       "209\003",
    "210\003",       "211\003",       "212\003",       "213\003",       "214\003",
    "215\003",       "216\003",       "217\003",       "218\003",       "219\003",
    "220\003",       "221\003",       "222\003",       "223\003",       "224\003",
    "225\003",       "226\003",       "227\003",       "228\003",       "229\003",
    "230\003",       "231\003",       "232\003",       "233\003",       "234\003",
    "235\003",       "236\003",       "237\003",       "238\003",       "239\003",
    "240\003",       "241\003",       "242\003",       "243\003",       "244\003",
    "245\003",       "246\003",       "247\003",       "248\003",       "249\003",
    "250\003",       "251\003",       "252\003",       "253\003",       "254\003",
    "255\003"};

/* Writes octet v and a dot at b; returns the length with the dot. Stores 4
 * bytes: the caller's buffer holds 16 (3 dots and 4 lengths of 3 fill it). */
static inline size_t octet(char *b, uint8_t v)
{
	memcpy(b, octets[v], 4);
	size_t n = (size_t)octets[v][3];
	b[n] = '.';
	return n + 1;
}

size_t wire_fmt_ip4(char *b, const uint8_t *a)
{
	size_t n = octet(b, a[0]);
	n += octet(b + n, a[1]);
	n += octet(b + n, a[2]);
	n += octet(b + n, a[3]) - 1;
	b[n] = '\0';
	return n;
}

size_t wire_fmt_ip6(char *b, const uint8_t *a)
{
	uint16_t w[8];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(((unsigned)a[2 * i] << 8) | a[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t n = 0;
	/* IPv4-mapped ::ffff:a.b.c.d */
	if (best == 0 && bestlen == 5 && w[5] == 0xffff) {
		memcpy(b, "::ffff:", 7);
		return 7 + wire_fmt_ip4(b + 7, a + 12);
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			b[n++] = ':';
			if (i == 0)
				b[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		int started = 0;
		for (int k = 3; k >= 0; k--) {
			unsigned dgt = (w[i] >> (4 * k)) & 15u;
			if (dgt || started || k == 0) {
				b[n++] = hexd[dgt];
				started = 1;
			}
		}
		if (i < 7)
			b[n++] = ':';
	}
	b[n] = '\0';
	return n;
}

size_t wire_fmt_mac(char *b, const uint8_t *a, size_t n, char sep)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			b[k++] = sep;
		b[k++] = hexd[a[i] >> 4];
		b[k++] = hexd[a[i] & 15u];
	}
	b[k] = '\0';
	return k;
}

void wire_pr_ip4(struct wire_sink *s, const uint8_t *a)
{
	char b[16];
	char *o = wire_sink_room(s, sizeof(b));
	if (o)
		wire_sink_commit(s, wire_fmt_ip4(o, a));
	else
		wire_sink_write(s, b, wire_fmt_ip4(b, a));
}

void wire_pr_ip6(struct wire_sink *s, const uint8_t *a)
{
	char b[48];
	char *o = wire_sink_room(s, sizeof(b));
	if (o)
		wire_sink_commit(s, wire_fmt_ip6(o, a));
	else
		wire_sink_write(s, b, wire_fmt_ip6(b, a));
}

void wire_pr_mac(struct wire_sink *s, const uint8_t *a, size_t n, char sep)
{
	char b[3 * 16 + 1];
	if (n > 16)
		n = 16;
	wire_sink_write(s, b, wire_fmt_mac(b, a, n, sep));
}

static void frac6(struct wire_sink *s, long nsec)
{
	char b[10];
	uint32_t us = (uint32_t)(nsec / 1000) % 1000000u;
	char *o = wire_sink_room(s, sizeof(b));
	if (!o)
		o = b;
	o[0] = '.';
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t r = digits6(us);
	memcpy(o + 1, &r, 8);
#else
	put_digits32(o + 1, 6, us);
#endif
	if (o == b)
		wire_sink_write(s, b, 7);
	else
		wire_sink_commit(s, 7);
}

static void secs(struct wire_sink *s, struct timespec a, struct timespec b)
{
	/* a - b */
	long long sec = (long long)a.tv_sec - (long long)b.tv_sec;
	long nsec = a.tv_nsec - b.tv_nsec;
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	if (sec < 0) {
		/* time went backwards: print the negative difference */
		wire_sink_putc(s, '-');
		sec = -sec - (nsec ? 1 : 0);
		nsec = nsec ? 1000000000L - nsec : 0;
	}
	wire_pr_u(s, (uint64_t)sec);
	frac6(s, nsec);
}

/* tcpdump's -ttt and -ttttt: a sign column (' ' or '-'), then HH:MM:SS.frac
 * of a - b (more hour digits past 99 hours), each time cut to microseconds
 * first as tcpdump does. */
static void hms_delta(struct wire_sink *s, struct timespec a, struct timespec b)
{
	a.tv_nsec -= a.tv_nsec % 1000;
	b.tv_nsec -= b.tv_nsec % 1000;
	long long sec = (long long)a.tv_sec - (long long)b.tv_sec;
	long nsec = a.tv_nsec - b.tv_nsec;
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	int neg = sec < 0;
	if (neg) {
		sec = -sec - (nsec ? 1 : 0);
		nsec = nsec ? 1000000000L - nsec : 0;
	}
	uint64_t u = (uint64_t)sec;
	char b2[3] = {':', 0, 0};
	wire_sink_putc(s, neg ? '-' : ' ');
	if (u / 3600 < 10)
		wire_sink_putc(s, '0');
	wire_pr_u(s, u / 3600);
	b2[1] = (char)('0' + (u / 600) % 6);
	b2[2] = (char)('0' + (u / 60) % 10);
	wire_sink_write(s, b2, 3);
	b2[1] = (char)('0' + (u % 60) / 10);
	b2[2] = (char)('0' + u % 10);
	wire_sink_write(s, b2, 3);
	frac6(s, nsec);
}

/* tcpdump's -tttt: "YYYY-MM-DD " in local time, before the cached HH:MM:SS. */
static void date_prefix(struct wire_sink *s, time_t t)
{
	struct tm tm;
	char b[16];
	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	long long y = (long long)tm.tm_year + 1900;
	unsigned m = (unsigned)tm.tm_mon + 1, d = (unsigned)tm.tm_mday;
	if (y < 0 || y > 9999)
		y = 0;
	b[0] = (char)('0' + y / 1000);
	b[1] = (char)('0' + (y / 100) % 10);
	b[2] = (char)('0' + (y / 10) % 10);
	b[3] = (char)('0' + y % 10);
	b[4] = '-';
	b[5] = (char)('0' + (m / 10) % 10);
	b[6] = (char)('0' + m % 10);
	b[7] = '-';
	b[8] = (char)('0' + (d / 10) % 10);
	b[9] = (char)('0' + d % 10);
	b[10] = ' ';
	wire_sink_write(s, b, 11);
}

void wire_pr_time(struct wire_printer *p, const struct wire_pkt *pkt)
{
	struct wire_sink *s = p->out;
	struct timespec ts = pkt->ts;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 0;
	if (!p->have_first) {
		p->first = p->prev = ts;
		p->have_first = 1;
	}
	switch (p->o.tfmt) {
	case WIRE_TIME_DATE:
		date_prefix(s, ts.tv_sec);
		__attribute__((fallthrough)); /* the time follows the date */
	case WIRE_TIME_ABS:
		if (!p->hms_valid || p->hms_sec != ts.tv_sec) {
			struct tm tm;
			time_t t = ts.tv_sec;
			if (!localtime_r(&t, &tm))
				memset(&tm, 0, sizeof(tm));
			p->hms[0] = (char)('0' + (tm.tm_hour / 10) % 10);
			p->hms[1] = (char)('0' + tm.tm_hour % 10);
			p->hms[2] = ':';
			p->hms[3] = (char)('0' + (tm.tm_min / 10) % 10);
			p->hms[4] = (char)('0' + tm.tm_min % 10);
			p->hms[5] = ':';
			p->hms[6] = (char)('0' + (tm.tm_sec / 10) % 10);
			p->hms[7] = (char)('0' + tm.tm_sec % 10);
			p->hms_sec = ts.tv_sec;
			p->hms_valid = 1;
		}
		wire_sink_write(s, p->hms, 8);
		frac6(s, ts.tv_nsec);
		break;
	case WIRE_TIME_REL: secs(s, ts, p->first); break;
	case WIRE_TIME_DELTA: secs(s, ts, p->prev); break;
	case WIRE_TIME_DELTA_HMS: hms_delta(s, ts, p->prev); break;
	case WIRE_TIME_REL_HMS: hms_delta(s, ts, p->first); break;
	case WIRE_TIME_EPOCH:
		if (ts.tv_sec < 0) {
			wire_sink_putc(s, '-');
			wire_pr_u(s, (uint64_t)(-(long long)ts.tv_sec));
		} else {
			wire_pr_u(s, (uint64_t)ts.tv_sec);
		}
		frac6(s, ts.tv_nsec);
		break;
	case WIRE_TIME_NONE:
	default: p->prev = ts; return;
	}
	p->prev = ts;
	wire_sink_putc(s, ' ');
}

const char *wire_pr_icmp_type(uint8_t type)
{
	switch (type) {
	case 0: return "echo reply";
	case 3: return "destination unreachable";
	case 4: return "source quench";
	case 5: return "redirect";
	case 8: return "echo request";
	case 9: return "router advertisement";
	case 10: return "router solicitation";
	case 11: return "time exceeded";
	case 12: return "parameter problem";
	case 13: return "time stamp request";
	case 14: return "time stamp reply";
	case 15: return "information request";
	case 16: return "information reply";
	case 17: return "address mask request";
	case 18: return "address mask reply";
	default: return NULL;
	}
}

const char *wire_pr_icmp6_type(uint8_t type)
{
	switch (type) {
	case 1: return "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded in-transit";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 130: return "multicast listener query";
	case 131: return "multicast listener report";
	case 132: return "multicast listener done";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	case 137: return "redirect";
	case 143: return "multicast listener report v2";
	default: return NULL;
	}
}

const char *wire_pr_ipproto(uint8_t proto)
{
	switch (proto) {
	case 0: return "HOPOPT";
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6";
	case 43: return "Routing";
	case 44: return "Fragment";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 58: return "ICMPv6";
	case 59: return "NoNext";
	case 60: return "DstOpts";
	case 88: return "EIGRP";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	default: return NULL;
	}
}

const char *wire_pr_dhcp_type(uint8_t t)
{
	static const char *const n[] = {NULL,  "Discover", "Offer",   "Request", "Decline",
	                                "ACK", "NAK",      "Release", "Inform"};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : NULL;
}

const char *wire_pr_trunc_name(unsigned kind)
{
	static const char *const n[] = {"ether",  "vlan",   "sll",   "null",  "arp",   "ip",
	                                "ip6",    "ip6ext", "icmp",  "icmp6", "tcp",   "udp",
	                                "domain", "http",   "bootp", "tls",   "vxlan", "geneve"};
	_Static_assert(sizeof(n) / sizeof(n[0]) == WIRE_L_COUNT, "a name per layer kind");
	return kind < WIRE_L_COUNT ? n[kind] : "?";
}
