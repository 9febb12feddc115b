/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live capture (include/wire/capture.h): every line of Linux packet-socket
 * code in wirecat. One AF_PACKET socket with a TPACKET_V3 ring: the kernel
 * fills variable-sized frames into blocks, we walk a block frame by frame
 * straight out of the shared mapping (no copy, no allocation) and hand the
 * block back when it is done. Ethernet and loopback are captured raw
 * (LINKTYPE_ETHERNET); "any" is captured cooked (SOCK_DGRAM) and each packet
 * gets a Linux SLL2 header built in the ring's reserved headroom, the bytes
 * libpcap writes, so files match what tcpdump -i any writes. A VLAN tag the
 * NIC stripped is put back into Ethernet frames, as libpcap does.
 *
 * On lo the kernel shows each packet twice (outgoing, then incoming). libpcap
 * throws the outgoing copy away in user space; we keep it out of the ring
 * with PACKET_IGNORE_OUTGOING on lo (or, on "any", a few BPF instructions
 * before the user's filter that drop outgoing packets of lo's ifindex), so
 * the kernel neither copies nor counts it. -Q in/out are BPF instructions on
 * the packet type, so directions are decided in the kernel too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/capture.h"
#include "wire/err.h"
#include "wire/limits.h"

#ifndef TP_STATUS_GSO_TCP
#define TP_STATUS_GSO_TCP (1u << 8) /* Linux 6.7+: a GSO TCP super-packet */
#endif

#define BLOCK_SIZE (256u * 1024u) /* holds a 64 KiB GSO packet on lo with room */
#define BLOCK_SMALL                                                                                \
	(64u * 1024u) /* with a snaplen up to SNAP_SMALL: more blocks, so a                        \
	                 ring of partly filled blocks (retired by the                              \
	                 timeout) still holds many packets */
#define SNAP_SMALL 4096u
#define BLOCK_MS_DEFAULT 50 /* a partly filled block goes to user space after this */
#define SLL2_LEN 20u
#define VLAN_LEN 4u
#define IFCACHE 64u

struct ifname_slot {
	int index;
	char name[IF_NAMESIZE];
};

struct wire_capture {
	int fd;
	int any; /* cooked capture on every interface */
	int linktype;
	int ifindex;  /* 0 for any */
	int lo_index; /* ifindex of lo (0 if none) */
	int is_lo;
	int ignore_out_set; /* PACKET_IGNORE_OUTGOING in force */
	int vnet;           /* PACKET_VNET_HDR in force: a virtio_net_hdr precedes each frame */
	int promisc;
	unsigned mtu;
	unsigned snaplen;
	unsigned buf_mib;
	int block_ms;
	enum wire_capture_dir dir;
	char ifname[IF_NAMESIZE];
	/* ring */
	uint8_t *map;
	size_t map_len;
	unsigned nblocks;
	unsigned block_size;
	unsigned cur;  /* block being read or waited for */
	int held;      /* cur is owned by us */
	uint32_t left; /* packets left in the held block */
	uint8_t *next; /* next tpacket3_hdr in the held block */
	struct wire_capture_stats st;
	struct ifname_slot cache[IFCACHE];
};

static void why_errno(char *why, size_t n, const char *what, int e)
{
	if (why && n)
		snprintf(why, n, "%s: %s", what, strerror(e));
}

int wire_capture_default_if(char *name, size_t n)
{
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	const char *pick = NULL;
	for (int pass = 0; pass < 2 && !pick; pass++) {
		for (i = ifa; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET)
				continue;
			unsigned fl = i->ifa_flags;
			if (!(fl & IFF_UP) || (fl & IFF_LOOPBACK))
				continue;
			if (pass == 0 && !(fl & IFF_RUNNING))
				continue;
			pick = i->ifa_name;
			break;
		}
	}
	snprintf(name, n, "%s", pick ? pick : "lo");
	freeifaddrs(ifa);
	return 0;
}

int wire_capture_list(struct wire_sink *out)
{
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET)
			continue;
		unsigned fl = i->ifa_flags;
		unsigned idx = if_nametoindex(i->ifa_name);
		wire_sink_printf(
		    out, "%u.%s [%s%s%s]\n", idx, i->ifa_name, (fl & IFF_UP) ? "Up" : "Down",
		    (fl & IFF_RUNNING) ? ", Running" : "", (fl & IFF_LOOPBACK) ? ", Loopback" : "");
	}
	freeifaddrs(ifa);
	wire_sink_puts(out, "any (all interfaces, Linux cooked v2) [Up, Running]\n");
	return wire_sink_flush(out);
}

static int set_int(int fd, int level, int opt, int v)
{
	if (setsockopt(fd, level, opt, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

int wire_capture_open(struct wire_capture **cp, const struct wire_capture_opts *o, char *why,
                      size_t n)
{
	struct wire_capture *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->any = !strcmp(o->ifname, "any");
	c->snaplen = o->snaplen ? o->snaplen : WIRE_SNAPLEN_DEFAULT;
	if (c->snaplen > WIRE_PCAP_CAPLEN_MAX)
		c->snaplen = WIRE_PCAP_CAPLEN_MAX;
	c->buf_mib = o->buf_mib ? o->buf_mib : WIRE_CAPTURE_BUF_DEFAULT_MIB;
	c->block_ms = o->block_ms > 0 ? o->block_ms : BLOCK_MS_DEFAULT;
	c->promisc = o->promisc && !c->any;
	c->dir = o->dir;
	c->lo_index = (int)if_nametoindex("lo");
	if (strlen(o->ifname) >= sizeof(c->ifname)) {
		free(c);
		if (why && n)
			snprintf(why, n, "%s: no such interface", o->ifname);
		return -ENODEV;
	}
	snprintf(c->ifname, sizeof(c->ifname), "%s", o->ifname);

	/* Protocol 0: nothing is queued before bind(), so the filter is in
	 * place before the first packet. */
	c->fd = socket(AF_PACKET, (c->any ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int e = errno;
		free(c);
		if (e == EPERM || e == EACCES) {
			if (why && n)
				snprintf(why, n, "%s", "no permission to open a packet socket");
			return WIRE_E_PRIV;
		}
		why_errno(why, n, "socket(AF_PACKET)", e);
		return -e;
	}
	if (c->any) {
		c->linktype = WIRE_LINK_LINUX_SLL2;
		c->mtu = 65536;
	} else {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, c->ifname, strlen(c->ifname));
		if (ioctl(c->fd, SIOCGIFINDEX, &ifr) < 0) {
			int e = errno;
			wire_capture_close(c);
			if (why && n)
				snprintf(why, n, "%s: %s", o->ifname,
				         e == ENODEV ? "no such interface" : strerror(e));
			return e == ENODEV ? -ENODEV : -e;
		}
		c->ifindex = ifr.ifr_ifindex;
		if (ioctl(c->fd, SIOCGIFHWADDR, &ifr) < 0) {
			int e = errno;
			wire_capture_close(c);
			why_errno(why, n, o->ifname, e);
			return -e;
		}
		switch (ifr.ifr_hwaddr.sa_family) {
		case ARPHRD_LOOPBACK:
			c->is_lo = 1;
			c->linktype = WIRE_LINK_ETHERNET;
			break;
		case ARPHRD_ETHER: c->linktype = WIRE_LINK_ETHERNET; break;
		case ARPHRD_NONE: c->linktype = WIRE_LINK_RAW; break;
		default:
			/* Anything else: cooked, as libpcap does for unknown types. */
			close(c->fd);
			c->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (c->fd < 0) {
				int e = errno;
				free(c);
				why_errno(why, n, "socket(AF_PACKET)", e);
				return -e;
			}
			c->linktype = WIRE_LINK_LINUX_SLL2;
			break;
		}
		if (ioctl(c->fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
			c->mtu = (unsigned)ifr.ifr_mtu;
		else
			c->mtu = 65536;
	}
	*cp = c;
	return 0;
}

int wire_capture_linktype(const struct wire_capture *c)
{
	return c->linktype;
}

unsigned wire_capture_snaplen(const struct wire_capture *c)
{
	return c->snaplen;
}

int wire_capture_fd(const struct wire_capture *c)
{
	return c->fd;
}

#define LD_ANC(x)                                                                                  \
	((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + (x))))
#define JEQ(k, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f)))
#define RET(k) ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (k)))

int wire_capture_set_filter(struct wire_capture *c, const struct wire_bpf_insn *insns, size_t n)
{
	struct sock_filter pre[8];
	size_t np = 0;
	enum wire_capture_dir dir = c->dir;

	if (c->is_lo && dir != WIRE_CAP_OUT) {
		/* lo: each packet once, as received. */
		if (set_int(c->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1) == 0)
			c->ignore_out_set = 1;
		else
			dir = WIRE_CAP_IN; /* old kernel: drop them in BPF */
		if (c->ignore_out_set)
			dir = WIRE_CAP_INOUT;
	}
	if (dir == WIRE_CAP_IN) {
		pre[np++] = LD_ANC(SKF_AD_PKTTYPE);
		pre[np++] = JEQ(PACKET_OUTGOING, 0, 1);
		pre[np++] = RET(0);
	} else if (dir == WIRE_CAP_OUT) {
		pre[np++] = LD_ANC(SKF_AD_PKTTYPE);
		pre[np++] = JEQ(PACKET_OUTGOING, 1, 0);
		pre[np++] = RET(0);
	} else if (c->any && c->lo_index > 0) {
		pre[np++] = LD_ANC(SKF_AD_PKTTYPE);
		pre[np++] = JEQ(PACKET_OUTGOING, 0, 3);
		pre[np++] = LD_ANC(SKF_AD_IFINDEX);
		pre[np++] = JEQ((uint32_t)c->lo_index, 0, 1);
		pre[np++] = RET(0);
	}
	if (!insns && np == 0 && c->snaplen >= WIRE_SNAPLEN_DEFAULT)
		return 0; /* nothing to do in the kernel */
	size_t total = np + (insns ? n : 1);
	if (total > BPF_MAXINSNS)
		return -E2BIG;
	struct sock_filter *prog = malloc(total * sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	memcpy(prog, pre, np * sizeof(*prog));
	if (insns)
		memcpy(prog + np, insns, n * sizeof(*prog));
	else
		prog[np] = RET(c->snaplen);
	struct sock_fprog fp = {.len = (unsigned short)total, .filter = prog};
	int rc = 0;
	if (setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		rc = -errno;
	free(prog);
	return rc;
}

int wire_capture_start(struct wire_capture *c, char *why, size_t n)
{
	int rc;
	if ((rc = set_int(c->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3)) < 0) {
		why_errno(why, n, "PACKET_VERSION TPACKET_V3", -rc);
		return rc;
	}
	/* On lo, locally sent packets are captured before segmentation, so a
	 * UDP_SEGMENT (GSO) send of two small datagrams shows as one packet
	 * whose headers look like one datagram. The virtio_net_hdr that
	 * PACKET_VNET_HDR puts before each frame carries the GSO type, so such
	 * super-packets can be labelled. Only on lo: the kernel drops a packet
	 * whose GSO type has no virtio equivalent (tunnels), which is rare on
	 * lo but not on a real interface. Failure just means no label. */
	if (c->is_lo && !c->any && set_int(c->fd, SOL_PACKET, PACKET_VNET_HDR, 1) == 0)
		c->vnet = 1;
	/* Headroom before each frame: the SLL2 header we build for cooked
	 * captures, or the room to put a stripped VLAN tag back. */
	unsigned reserve = c->linktype == WIRE_LINK_LINUX_SLL2 ? SLL2_LEN : VLAN_LEN;
	if ((rc = set_int(c->fd, SOL_PACKET, PACKET_RESERVE, (int)reserve)) < 0) {
		why_errno(why, n, "PACKET_RESERVE", -rc);
		return rc;
	}
	uint64_t bytes = (uint64_t)c->buf_mib * 1024u * 1024u;
	c->block_size = c->snaplen <= SNAP_SMALL ? BLOCK_SMALL : BLOCK_SIZE;
	unsigned nb = (unsigned)(bytes / c->block_size);
	if (nb < 4)
		nb = 4;
	struct tpacket_req3 req;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = c->block_size;
	req.tp_block_nr = nb;
	req.tp_frame_size = c->block_size;
	req.tp_frame_nr = nb;
	req.tp_retire_blk_tov = (unsigned)c->block_ms;
	if (setsockopt(c->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		rc = -errno;
		why_errno(why, n, "PACKET_RX_RING", -rc);
		return rc;
	}
	c->map_len = (size_t)nb * c->block_size;
	void *m = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (m == MAP_FAILED) {
		rc = -errno;
		c->map_len = 0;
		why_errno(why, n, "mmap of the capture ring", -rc);
		return rc;
	}
	c->map = m;
	c->nblocks = nb;

	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = c->ifindex;
	if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		why_errno(why, n, c->ifname, -rc);
		return rc;
	}
	if (c->promisc) {
		struct packet_mreq mr;
		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = c->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			rc = -errno;
			why_errno(why, n, "promiscuous mode", -rc);
			return rc;
		}
	}
	/* Counters from before the start are not ours. */
	struct tpacket_stats_v3 st;
	socklen_t sl = sizeof(st);
	(void)getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	return 0;
}

/* Returns the name of ifindex from a small cache (if_indextoname on a miss). */
static const char *ifname_of(struct wire_capture *c, int index)
{
	if (!c->any)
		return c->ifname;
	struct ifname_slot *s = &c->cache[(unsigned)index % IFCACHE];
	if (s->index != index || !s->name[0]) {
		s->index = index;
		if (!if_indextoname((unsigned)index, s->name))
			snprintf(s->name, sizeof(s->name), "if%d", index);
	}
	return s->name;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Fills pkt from one ring frame. */
static void fill(struct wire_capture *c, struct tpacket3_hdr *h, struct wire_pkt *pkt)
{
	const struct sockaddr_ll *sll =
	    (const struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
	uint8_t *data = (uint8_t *)h + h->tp_mac;
	uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
	uint32_t status = h->tp_status;
	int ifindex = sll->sll_ifindex;
	unsigned char pkttype = sll->sll_pkttype;
	int vnet_gso = 0;
	if (c->vnet && h->tp_mac >= sizeof(struct virtio_net_hdr)) {
		/* read before the SLL2/VLAN rewrite below reuses this headroom */
		const struct virtio_net_hdr *vh =
		    (const struct virtio_net_hdr *)(data - sizeof(struct virtio_net_hdr));
		vnet_gso = (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;
	}

	if (c->linktype == WIRE_LINK_LINUX_SLL2) {
		/* Build the SLL2 header in the reserved headroom (libpcap's
		 * layout, all big-endian). sll's fields are read first. */
		uint16_t proto = sll->sll_protocol; /* already network order */
		uint16_t hatype = sll->sll_hatype;
		unsigned char halen = sll->sll_halen;
		uint8_t addr[8];
		memcpy(addr, sll->sll_addr, 8);
		data -= SLL2_LEN;
		memcpy(data, &proto, 2);
		data[2] = data[3] = 0;
		put_be32(data + 4, (uint32_t)ifindex);
		put_be16(data + 8, hatype);
		data[10] = pkttype;
		data[11] = halen;
		memcpy(data + 12, addr, 8);
		caplen += SLL2_LEN;
		wirelen += SLL2_LEN;
	} else if (c->linktype == WIRE_LINK_ETHERNET && (status & TP_STATUS_VLAN_VALID) &&
	           caplen >= 12) {
		/* Put the stripped 802.1Q tag back after the MAC addresses. */
		uint16_t tpid = (h->hv1.tp_vlan_tpid || (status & TP_STATUS_VLAN_TPID_VALID))
		                    ? h->hv1.tp_vlan_tpid
		                    : ETH_P_8021Q;
		memmove(data - VLAN_LEN, data, 12);
		data -= VLAN_LEN;
		put_be16(data + 12, tpid);
		put_be16(data + 14, (uint16_t)h->hv1.tp_vlan_tci);
		caplen += VLAN_LEN;
		wirelen += VLAN_LEN;
	}
	if (caplen > c->snaplen)
		caplen = c->snaplen;
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->ts.tv_sec = h->tp_sec;
	pkt->ts.tv_nsec = h->tp_nsec;
	pkt->linktype = c->linktype;
	pkt->dir = pkttype == PACKET_OUTGOING ? WIRE_DIR_OUT : WIRE_DIR_IN;
	pkt->ifindex = ifindex;
	pkt->ifname = ifname_of(c, ifindex);
	pkt->num = 0;
	uint32_t fl = 0;
	if (status & TP_STATUS_CSUMNOTREADY)
		fl |= WIRE_PKT_CSUM_PARTIAL;
	if (status & TP_STATUS_CSUM_VALID)
		fl |= WIRE_PKT_CSUM_VALID;
	if (vnet_gso || (status & TP_STATUS_GSO_TCP) ||
	    (!c->any && h->tp_len > c->mtu + 14u + VLAN_LEN))
		fl |= WIRE_PKT_GSO;
	pkt->flags = fl;
}

int wire_capture_next(struct wire_capture *c, struct wire_pkt *pkt, int timeout_ms)
{
	int polled = 0;
	for (;;) {
		if (c->held && c->left > 0) {
			struct tpacket3_hdr *h = (struct tpacket3_hdr *)c->next;
			c->left--;
			c->next = (uint8_t *)h + h->tp_next_offset;
			fill(c, h, pkt);
			return 1;
		}
		struct tpacket_block_desc *bd =
		    (struct tpacket_block_desc *)(c->map + (size_t)c->cur * c->block_size);
		if (c->held) {
			__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			                 __ATOMIC_RELEASE);
			c->held = 0;
			c->cur = (c->cur + 1) % c->nblocks;
			bd = (struct tpacket_block_desc *)(c->map + (size_t)c->cur * c->block_size);
		}
		if (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) {
			c->held = 1;
			c->left = bd->hdr.bh1.num_pkts;
			c->next = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
			continue;
		}
		if (timeout_ms == 0 || polled)
			return 0;
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN | POLLERR};
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		if (r == 0)
			return 0;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			int err = 0;
			socklen_t el = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err)
				return -err;
			if (pfd.revents & POLLNVAL)
				return -EBADF;
		}
		polled = 1;
	}
}

int wire_capture_stats(struct wire_capture *c, struct wire_capture_stats *st)
{
	struct tpacket_stats_v3 k;
	socklen_t len = sizeof(k);
	memset(&k, 0, sizeof(k));
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &k, &len) < 0)
		return -errno;
	/* The kernel resets its counters on each read and already adds the
	 * drops into tp_packets. */
	c->st.received += k.tp_packets;
	c->st.dropped += k.tp_drops;
	c->st.freezes += k.tp_freeze_q_cnt;
	*st = c->st;
	return 0;
}

void wire_capture_close(struct wire_capture *c)
{
	if (!c)
		return;
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
