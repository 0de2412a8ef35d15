// SPDX-License-Identifier: GPL-2.0
/*
 * vnic: pairs of virtual Ethernet NICs with header split, page pools and
 * queue management ops, so that page pool memory providers (io_uring zcrx,
 * devmem) can be bound to an rx queue and tested on any machine.
 *
 *   ip link add vA type vnic peer name vB
 *
 * What a frame sent on one end goes through on the other end is what a
 * NIC does with a frame from the wire:
 *
 * - Steering: ntuple rules (tcp4/tcp6 destination port to a queue, or
 *   drop) are matched first, then the Toeplitz hash of the addresses and
 *   ports picks a queue from the RSS indirection table. Non-IP frames go to
 *   queue 0.
 * - The chosen rx queue has a ring of frames waiting for "DMA" and a NAPI
 *   instance. The ring is full or the queue is stopped: the frame is
 *   dropped and counted, as hardware does.
 * - Each rx queue has an "interrupt" affine to one CPU (queue i's is the
 *   i-th CPU, cpumask_local_spread(), as drivers spread their vectors):
 *   a frame sent from another CPU raises the queue's NAPI there by an
 *   irq_work IPI, so NAPI runs where a NIC's interrupt would run it, not
 *   wherever the sender happened to be. That matters to a provider: skbs
 *   are allocated on that CPU, other CPUs that free them defer the free to
 *   it (skb_attempt_defer_free()), and it frees them in the NET_RX softirq
 *   of the next frame. With NAPI following the sender, buffers could sit
 *   in an idle CPU's deferred list while frames were dropped for want of
 *   them on another.
 * - DMA emulation (NAPI): with header split on, the headers of a TCP
 *   frame with payload are written to a header buffer (from the queue's
 *   header page pool, always ordinary memory) and the payload to PAGE_SIZE
 *   buffers from the queue's payload page pool, which takes memory from a
 *   provider when one is bound to the queue (the split threshold is 0).
 *   Other frames of up to VNIC_HDR_MAX bytes go whole to a header buffer,
 *   larger ones whole to payload buffers. Data is written only at the DMA
 *   address the page pool mapped, through the physical page behind that
 *   address, the way a device writes to memory: the driver never uses a
 *   kernel mapping of a net_iov. No free payload buffer: the frame is
 *   dropped and counted.
 * - Checksums of the virtual wire are never wrong: received TCP/UDP frames
 *   are CHECKSUM_UNNECESSARY (the sender's stack computed them, as the
 *   device does not offload transmit checksums).
 *
 * The emulated DMA needs dma-direct (DMA address = physical address plus
 * a fixed offset); the driver's DMA device is a platform device without an
 * IOMMU.
 *
 * Context and locking
 * -------------------
 * - ->ndo_start_xmit() runs with BH disabled under the tx queue's lock and
 *   rcu_read_lock(); it reads the peer, its steering table (RCU) and its
 *   rx queue state (READ_ONCE of running), and produces into the peer
 *   queue's ptr_ring under the ring's producer lock.
 * - NAPI poll (softirq) is the only consumer of its ring and the only
 *   writer of its queue's u64_stats; drops counted by senders are atomics.
 * - Everything else (open/stop, queue management ops, ethtool, link
 *   creation and deletion) runs in process context under rtnl_lock. A
 *   queue stops by clearing running, waiting for senders with
 *   synchronize_net(), disabling NAPI and draining the ring; only then are
 *   its page pools handed back.
 * - The steering table is replaced as a whole under rtnl_lock and read
 *   under RCU.
 */

#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/highmem.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/platform_device.h>
#include <linux/ptr_ring.h>
#include <linux/sched/clock.h>
#include <linux/tcp.h>
#include <linux/u64_stats_sync.h>
#include <linux/udp.h>
#include <net/gro.h>
#include <net/ip.h>
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/helpers.h>
#include <net/rtnetlink.h>

#define DRV_NAME		"vnic"

#define VNIC_DEF_QUEUES		4
#define VNIC_MAX_QUEUES		16
#define VNIC_RING_SIZE		2048
#define VNIC_MAX_RULES		16
#define VNIC_INDIR_SIZE		128
#define VNIC_KEY_SIZE		40
/* Unsplit frames up to this size go whole to a header buffer. */
#define VNIC_HDR_MAX		256
#define VNIC_HDR_HEADROOM	(NET_SKB_PAD + NET_IP_ALIGN)
#define VNIC_HDR_BUF		SKB_HEAD_ALIGN(VNIC_HDR_HEADROOM + VNIC_HDR_MAX)

enum {
	VNIC_INFO_UNSPEC,
	VNIC_INFO_PEER,
	__VNIC_INFO_MAX,
};

#define VNIC_INFO_MAX		(__VNIC_INFO_MAX - 1)

struct vnic_rx_stats {
	u64			packets;
	u64			bytes;
	u64			hds_packets;
	u64			provider_bytes;
	u64			drops_nobuf;
	u64			drops;
	u64			dma_ns;
	struct u64_stats_sync	syncp;
};

struct vnic_tx_stats {
	u64			packets;
	u64			bytes;
	struct u64_stats_sync	syncp;
};

/* The memory of an rx queue, as the queue management ops move it. */
struct vnic_rxq_mem {
	struct page_pool	*hdr_pool;
	struct page_pool	*data_pool;
};

struct vnic_rxq {
	struct napi_struct	napi;
	struct ptr_ring		ring;
	struct vnic_rxq_mem	mem;
	struct net_device	*dev;
	unsigned int		idx;
	bool			running;
	/* the queue's interrupt: raises NAPI on irq_cpu */
	int			irq_cpu;
	struct irq_work		irq_work;
	/* drops counted by senders (queue stopped, ring full) */
	atomic64_t		xmit_drops;
	struct vnic_rx_stats	stats;
};

struct vnic_rule {
	u32			flow_type;	/* 0: free slot */
	__be16			dport;
	u64			ring_cookie;
};

struct vnic_steer {
	struct rcu_head		rcu;
	u32			indir[VNIC_INDIR_SIZE];
	u8			key[VNIC_KEY_SIZE];
	struct vnic_rule	rules[VNIC_MAX_RULES];
};

struct vnic_priv {
	struct net_device __rcu	*peer;
	struct net_device	*dev;
	struct vnic_rxq		*rxq;
	struct vnic_tx_stats	*txs;
	struct vnic_steer __rcu	*steer;
	bool			hds;
};

static struct platform_device *vnic_pdev;

static struct device *vnic_dma_dev(void)
{
	return &vnic_pdev->dev;
}

/* Steering */

/* The Toeplitz hash of @len bytes of @in; @key has at least @len + 4. */
static u32 vnic_toeplitz(const u8 *key, const u8 *in, unsigned int len)
{
	u32 v = get_unaligned_be32(key);
	u32 hash = 0;
	unsigned int i, b;

	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				hash ^= v;
			v = (v << 1) | ((key[i + 4] >> (7 - b)) & 1);
		}
	}
	return hash;
}

/* What steering looks at in a frame. */
struct vnic_flow {
	u32	flow_type;	/* TCP_V4_FLOW, UDP_V6_FLOW, ... or 0 */
	u8	tuple[36];	/* saddr, daddr, sport, dport in wire order */
	u8	tuple_len;
	__be16	dport;
};

static void vnic_flow_ports(const struct sk_buff *skb, unsigned int off,
			    u8 proto, struct vnic_flow *fl, u32 tcp, u32 udp)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
	if (!ports)
		return;
	memcpy(fl->tuple + fl->tuple_len, ports, sizeof(_ports));
	fl->tuple_len += sizeof(_ports);
	fl->dport = ports[1];
	fl->flow_type = proto == IPPROTO_TCP ? tcp : udp;
}

static bool vnic_flow_parse(const struct sk_buff *skb, struct vnic_flow *fl)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;

	memset(fl, 0, sizeof(*fl));
	if (eth->h_proto == htons(ETH_P_IP)) {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, ETH_HLEN, sizeof(_iph), &_iph);
		if (!iph || iph->ihl < 5)
			return false;
		memcpy(fl->tuple, &iph->saddr, 8);
		fl->tuple_len = 8;
		if (!ip_is_fragment(iph))
			vnic_flow_ports(skb, ETH_HLEN + iph->ihl * 4,
					iph->protocol, fl, TCP_V4_FLOW,
					UDP_V4_FLOW);
		return true;
	}
	if (eth->h_proto == htons(ETH_P_IPV6)) {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;

		ip6h = skb_header_pointer(skb, ETH_HLEN, sizeof(_ip6h), &_ip6h);
		if (!ip6h)
			return false;
		memcpy(fl->tuple, &ip6h->saddr, 32);
		fl->tuple_len = 32;
		vnic_flow_ports(skb, ETH_HLEN + sizeof(*ip6h), ip6h->nexthdr,
				fl, TCP_V6_FLOW, UDP_V6_FLOW);
		return true;
	}
	return false;
}

/*
 * The rx queue of @dev a frame goes to, or -1 for a rule that drops it.
 * Sets the frame's hash the way the NIC reports it.
 */
static int vnic_steer_frame(struct net_device *dev, struct sk_buff *skb)
{
	struct vnic_priv *priv = netdev_priv(dev);
	const struct vnic_steer *st;
	struct vnic_flow fl;
	unsigned int i;
	u32 hash;

	if (!vnic_flow_parse(skb, &fl))
		return 0;

	st = rcu_dereference(priv->steer);
	hash = vnic_toeplitz(st->key, fl.tuple, fl.tuple_len);
	skb_set_hash(skb, hash, fl.flow_type ? PKT_HASH_TYPE_L4 :
		     PKT_HASH_TYPE_L3);
	if (fl.flow_type && (dev->features & NETIF_F_NTUPLE)) {
		for (i = 0; i < VNIC_MAX_RULES; i++) {
			const struct vnic_rule *r = &st->rules[i];

			if (r->flow_type != fl.flow_type || r->dport != fl.dport)
				continue;
			if (r->ring_cookie == RX_CLS_FLOW_DISC)
				return -1;
			return ethtool_get_flow_spec_ring(r->ring_cookie);
		}
	}
	return st->indir[hash % VNIC_INDIR_SIZE];
}

/* Transmit: hand the frame to the peer's rx queue. */

/*
 * Queue @skb on @rxq's ring. When that fills the ring, stop the sending tx
 * queue; the receiving NAPI wakes it (vnic_wake_peer()). Producing and
 * checking for a full ring happen under the producer lock: other tx queues
 * produce into the same ring.
 */
static int vnic_ring_produce(struct vnic_rxq *rxq, struct sk_buff *skb,
			     struct netdev_queue *txq)
{
	bool full;
	int err;

	spin_lock(&rxq->ring.producer_lock);
	err = __ptr_ring_produce(&rxq->ring, skb);
	full = !err && __ptr_ring_full(&rxq->ring);
	spin_unlock(&rxq->ring.producer_lock);
	if (!full)
		return err;
	netif_tx_stop_queue(txq);
	/* Pairs with the barrier in vnic_wake_peer(). */
	smp_mb();
	if (!ptr_ring_full(&rxq->ring))
		netif_tx_start_queue(txq);
	return 0;
}

/* The queue's interrupt, on irq_cpu (hard irq context). */
static void vnic_irq(struct irq_work *work)
{
	struct vnic_rxq *rxq = container_of(work, struct vnic_rxq, irq_work);

	__napi_schedule(&rxq->napi);
}

/*
 * A frame is in @rxq's ring: schedule its NAPI on the queue's CPU. As a
 * NIC masks its vector while NAPI is scheduled, only the transmit that
 * schedules it sends the IPI; the others leave NAPI_STATE_MISSED, so NAPI
 * polls again. A pending irq_work (queue_on false) schedules it already.
 * Preemption is off from the check to the queueing, so the CPU cannot go
 * offline in between (stop_machine waits for this CPU; on PREEMPT_RT,
 * BH disabled alone would not hold it).
 */
static void vnic_raise_irq(struct vnic_rxq *rxq)
{
	int cpu = rxq->irq_cpu;

	preempt_disable();
	if (cpu == smp_processor_id() || !cpu_online(cpu))
		napi_schedule(&rxq->napi);
	else if (napi_schedule_prep(&rxq->napi))
		irq_work_queue_on(&rxq->irq_work, cpu);
	preempt_enable();
}

static netdev_tx_t vnic_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	u16 txqi = skb_get_queue_mapping(skb);
	struct vnic_tx_stats *txs = &priv->txs[txqi];
	unsigned int len = skb->len;
	struct net_device *peer;
	struct vnic_priv *ppriv;
	struct vnic_rxq *rxq;
	int q;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	if (unlikely(!peer || !pskb_may_pull(skb, ETH_HLEN))) {
		dev_core_stats_tx_dropped_inc(dev);
		goto drop;
	}
	ppriv = netdev_priv(peer);
	q = vnic_steer_frame(peer, skb);
	if (q < 0 || q >= peer->real_num_rx_queues) {
		dev_core_stats_rx_dropped_inc(peer);
		goto drop;
	}
	rxq = &ppriv->rxq[q];
	skb_tx_timestamp(skb);
	if (unlikely(!READ_ONCE(rxq->running) ||
		     vnic_ring_produce(rxq, skb,
				       netdev_get_tx_queue(dev, txqi)))) {
		atomic64_inc(&rxq->xmit_drops);
		goto drop;
	}
	vnic_raise_irq(rxq);
	rcu_read_unlock();

	u64_stats_update_begin(&txs->syncp);
	txs->packets++;
	txs->bytes += len;
	u64_stats_update_end(&txs->syncp);
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* Receive: the emulated DMA engine and the driver's rx path. */

/*
 * The device writes @len bytes of @src from @off at bus address @dma: the
 * physical pages behind the address, as a DMA engine sees them.
 */
static void vnic_dma_write(dma_addr_t dma, const struct sk_buff *src,
			   unsigned int off, unsigned int len)
{
	phys_addr_t phys = dma_to_phys(vnic_dma_dev(), dma);

	while (len) {
		unsigned int in_page = offset_in_page(phys);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - in_page);
		void *va = kmap_local_pfn(PHYS_PFN(phys));

		/* @src holds @off + @len bytes: this cannot fail. */
		WARN_ON_ONCE(skb_copy_bits(src, off, va + in_page, n));
		kunmap_local(va);
		phys += n;
		off += n;
		len -= n;
	}
}

/*
 * Where the device splits @txskb: the length that goes to the header
 * buffer. With header split on (threshold 0), a TCP frame with payload is
 * split at the end of its TCP header, whatever its size. Other frames go
 * whole to the header buffer if they fit, else whole to payload buffers
 * (0).
 */
static unsigned int vnic_split_len(const struct sk_buff *txskb, bool hds)
{
	unsigned int len = txskb->len, off;
	struct vnic_flow fl;
	struct tcphdr _th;
	const struct tcphdr *th;

	if (!hds || !vnic_flow_parse(txskb, &fl) ||
	    (fl.flow_type != TCP_V4_FLOW && fl.flow_type != TCP_V6_FLOW))
		goto unsplit;
	if (fl.flow_type == TCP_V4_FLOW) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(txskb, ETH_HLEN, sizeof(_iph), &_iph);
		off = ETH_HLEN + iph->ihl * 4;
	} else {
		off = ETH_HLEN + sizeof(struct ipv6hdr);
	}
	th = skb_header_pointer(txskb, off, sizeof(_th), &_th);
	if (!th || th->doff < 5)
		goto unsplit;
	off += th->doff * 4;
	if (off < len && off <= VNIC_HDR_MAX)
		return off;
unsplit:
	return len <= VNIC_HDR_MAX ? len : 0;
}

/* A header buffer with the first @hlen bytes of @txskb, as an skb. */
static struct sk_buff *vnic_rx_head(struct vnic_rxq *rxq,
				    const struct sk_buff *txskb,
				    unsigned int hlen)
{
	struct page_pool *pool = rxq->mem.hdr_pool;
	unsigned int off, pos;
	struct sk_buff *skb;
	struct page *page;

	page = page_pool_dev_alloc_frag(pool, &off, VNIC_HDR_BUF);
	if (!page)
		return NULL;
	pos = off + VNIC_HDR_HEADROOM;
	if (hlen) {
		vnic_dma_write(page_pool_get_dma_addr(page) + pos, txskb, 0,
			       hlen);
		page_pool_dma_sync_for_cpu(pool, page, pos, hlen);
	}
	skb = napi_build_skb(page_address(page) + off, VNIC_HDR_BUF);
	if (!skb) {
		page_pool_put_page(pool, page, -1, true);
		return NULL;
	}
	skb_mark_for_recycle(skb);
	skb_reserve(skb, VNIC_HDR_HEADROOM);
	__skb_put(skb, hlen);
	return skb;
}

/* The rest of @txskb from @off, in payload buffers, as frags of @skb. */
static int vnic_rx_payload(struct vnic_rxq *rxq, struct sk_buff *skb,
			   const struct sk_buff *txskb, unsigned int off,
			   u64 *provider_bytes)
{
	struct page_pool *pool = rxq->mem.data_pool;

	while (off < txskb->len) {
		unsigned int n = min_t(unsigned int, txskb->len - off,
				       PAGE_SIZE);
		int i = skb_shinfo(skb)->nr_frags;
		netmem_ref netmem;

		if (i >= MAX_SKB_FRAGS)
			return -EMSGSIZE;
		netmem = page_pool_alloc_netmems(pool, GFP_ATOMIC | __GFP_NOWARN);
		if (!netmem)
			return -ENOMEM;
		vnic_dma_write(page_pool_get_dma_addr_netmem(netmem), txskb,
			       off, n);
		page_pool_dma_sync_netmem_for_cpu(pool, netmem, 0, n);
		skb_add_rx_frag_netmem(skb, i, netmem, 0, n, PAGE_SIZE);
		if (netmem_is_net_iov(netmem))
			*provider_bytes += n;
		off += n;
	}
	return 0;
}

/* An unsplit frame in payload buffers: copy its headers to the head. */
static int vnic_rx_pull_headers(struct sk_buff *skb)
{
	const skb_frag_t *frag = &skb_shinfo(skb)->frags[0];
	unsigned int hlen;

	if (!skb_frags_readable(skb))
		return -EFAULT;
	hlen = eth_get_headlen(skb->dev, skb_frag_address(frag),
			       skb_frag_size(frag));
	hlen = clamp_t(unsigned int, hlen, ETH_HLEN, VNIC_HDR_MAX);
	return __pskb_pull_tail(skb, hlen) ? 0 : -ENOMEM;
}

static void vnic_rx_count(struct vnic_rxq *rxq, unsigned int len, bool hds,
			  u64 provider_bytes, u64 dma_ns, int err)
{
	struct vnic_rx_stats *s = &rxq->stats;

	u64_stats_update_begin(&s->syncp);
	s->dma_ns += dma_ns;
	if (err == -ENOMEM) {
		s->drops_nobuf++;
	} else if (err) {
		s->drops++;
	} else {
		s->packets++;
		s->bytes += len;
		s->hds_packets += hds;
		s->provider_bytes += provider_bytes;
	}
	u64_stats_update_end(&s->syncp);
}

static void vnic_rx_one(struct vnic_rxq *rxq, struct sk_buff *txskb)
{
	struct vnic_priv *priv = netdev_priv(rxq->dev);
	unsigned int hlen, len = txskb->len;
	u64 provider_bytes = 0, start;
	struct sk_buff *skb;
	int err = -ENOMEM;

	start = ktime_get_ns();
	hlen = vnic_split_len(txskb, READ_ONCE(priv->hds));
	skb = vnic_rx_head(rxq, txskb, hlen);
	if (skb)
		err = vnic_rx_payload(rxq, skb, txskb, hlen, &provider_bytes);
	start = ktime_get_ns() - start;

	if (!err && !hlen) {
		skb->dev = rxq->dev;
		err = vnic_rx_pull_headers(skb);
	}
	vnic_rx_count(rxq, len, hlen && hlen < len, provider_bytes, start, err);
	if (err) {
		kfree_skb(skb);
		return;
	}
	skb_copy_hash(skb, txskb);
	skb->protocol = eth_type_trans(skb, rxq->dev);
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb_record_rx_queue(skb, rxq->idx);
	napi_gro_receive(&rxq->napi, skb);
}

/*
 * The ring has room again: wake the peer's tx queues that are stopped.
 * Any of them may have stopped for this ring; one that stopped for
 * another ring stops again at its next frame.
 */
static void vnic_wake_txqs(struct net_device *peer)
{
	unsigned int i;

	/* Pairs with the barrier in vnic_ring_produce(). */
	smp_mb();
	if (!netif_running(peer))
		return;
	for (i = 0; i < peer->real_num_tx_queues; i++) {
		struct netdev_queue *txq = netdev_get_tx_queue(peer, i);

		if (netif_tx_queue_stopped(txq))
			netif_tx_wake_queue(txq);
	}
}

/* NAPI poll consumed frames: BH context, the peer is read under RCU-bh. */
static void vnic_wake_peer(struct vnic_rxq *rxq)
{
	struct vnic_priv *priv = netdev_priv(rxq->dev);
	struct net_device *peer;

	peer = rcu_dereference_check(priv->peer, rcu_read_lock_bh_held());
	if (peer)
		vnic_wake_txqs(peer);
}

static int vnic_poll(struct napi_struct *napi, int budget)
{
	struct vnic_rxq *rxq = container_of(napi, struct vnic_rxq, napi);
	struct sk_buff *txskb;
	int done = 0;

	while (done < budget) {
		txskb = __ptr_ring_consume(&rxq->ring);
		if (!txskb)
			break;
		vnic_rx_one(rxq, txskb);
		napi_consume_skb(txskb, budget);
		done++;
	}
	if (done)
		vnic_wake_peer(rxq);

	if (done < budget && napi_complete_done(napi, done)) {
		/* A frame queued after the ring looked empty. */
		smp_mb();
		if (!__ptr_ring_empty(&rxq->ring))
			napi_schedule(napi);
	}
	return done;
}

/* Queue memory and queue management ops */

static struct page_pool *vnic_pool_create(struct vnic_rxq *rxq, bool data)
{
	struct page_pool_params pp = {
		.order		= 0,
		.pool_size	= VNIC_RING_SIZE,
		.nid		= NUMA_NO_NODE,
		.dev		= vnic_dma_dev(),
		/* attached at start: the old queue's NAPI may still run */
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.offset		= 0,
		.netdev		= rxq->dev,
		.queue_idx	= rxq->idx,
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
	};

	/* Only payload buffers may come from a memory provider. */
	if (data)
		pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	return page_pool_create(&pp);
}

static void vnic_mem_free(struct vnic_rxq_mem *mem)
{
	if (mem->hdr_pool)
		page_pool_destroy(mem->hdr_pool);
	if (mem->data_pool)
		page_pool_destroy(mem->data_pool);
	mem->hdr_pool = NULL;
	mem->data_pool = NULL;
}

static int vnic_mem_alloc(struct vnic_rxq *rxq, struct vnic_rxq_mem *mem)
{
	struct page_pool *pool;

	pool = vnic_pool_create(rxq, false);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	mem->hdr_pool = pool;
	pool = vnic_pool_create(rxq, true);
	if (IS_ERR(pool)) {
		vnic_mem_free(mem);
		return PTR_ERR(pool);
	}
	mem->data_pool = pool;
	return 0;
}

static void vnic_rxq_start(struct vnic_rxq *rxq, struct vnic_rxq_mem *mem)
{
	rxq->mem = *mem;
	memset(mem, 0, sizeof(*mem));
	page_pool_enable_direct_recycling(rxq->mem.hdr_pool, &rxq->napi);
	page_pool_enable_direct_recycling(rxq->mem.data_pool, &rxq->napi);
	napi_enable(&rxq->napi);
	WRITE_ONCE(rxq->running, true);
}

static void vnic_rxq_drain(struct vnic_rxq *rxq)
{
	struct sk_buff *skb;

	while ((skb = __ptr_ring_consume(&rxq->ring))) {
		atomic64_inc(&rxq->xmit_drops);
		kfree_skb(skb);
	}
}

static void vnic_wake_peer_locked(struct vnic_rxq *rxq)
{
	struct vnic_priv *priv = netdev_priv(rxq->dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	if (peer)
		vnic_wake_txqs(peer);
}

/* Stop @rxq; senders must have been waited for (synchronize_net()). */
static void vnic_rxq_stop_synced(struct vnic_rxq *rxq,
				 struct vnic_rxq_mem *mem)
{
	napi_disable(&rxq->napi);
	/* scheduled NAPI ran, so the IPI did; it may not have returned */
	irq_work_sync(&rxq->irq_work);
	/* Frames GRO still holds would keep the pools' buffers. */
	local_bh_disable();
	napi_gro_flush(&rxq->napi, false);
	gro_normal_list(&rxq->napi);
	local_bh_enable();
	vnic_rxq_drain(rxq);
	/* The pools may outlive this NAPI instance's next enable. */
	page_pool_disable_direct_recycling(rxq->mem.hdr_pool);
	page_pool_disable_direct_recycling(rxq->mem.data_pool);
	*mem = rxq->mem;
	memset(&rxq->mem, 0, sizeof(rxq->mem));
	/* Senders stopped for this ring must not wait for it forever. */
	vnic_wake_peer_locked(rxq);
}

static void vnic_rxq_stop(struct vnic_rxq *rxq, struct vnic_rxq_mem *mem)
{
	WRITE_ONCE(rxq->running, false);
	synchronize_net();
	vnic_rxq_stop_synced(rxq, mem);
}

static int vnic_queue_mem_alloc(struct net_device *dev, void *qmem, int idx)
{
	struct vnic_priv *priv = netdev_priv(dev);

	return vnic_mem_alloc(&priv->rxq[idx], qmem);
}

static void vnic_queue_mem_free(struct net_device *dev, void *qmem)
{
	vnic_mem_free(qmem);
}

static int vnic_queue_start(struct net_device *dev, void *qmem, int idx)
{
	struct vnic_priv *priv = netdev_priv(dev);

	vnic_rxq_start(&priv->rxq[idx], qmem);
	return 0;
}

static int vnic_queue_stop(struct net_device *dev, void *qmem, int idx)
{
	struct vnic_priv *priv = netdev_priv(dev);

	vnic_rxq_stop(&priv->rxq[idx], qmem);
	return 0;
}

static const struct netdev_queue_mgmt_ops vnic_queue_mgmt_ops = {
	.ndo_queue_mem_size	= sizeof(struct vnic_rxq_mem),
	.ndo_queue_mem_alloc	= vnic_queue_mem_alloc,
	.ndo_queue_mem_free	= vnic_queue_mem_free,
	.ndo_queue_start	= vnic_queue_start,
	.ndo_queue_stop		= vnic_queue_stop,
};

/* Device open and stop, carrier */

static void vnic_stop_queues(struct net_device *dev, unsigned int n)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct vnic_rxq_mem mem;
	unsigned int i;

	for (i = 0; i < n; i++)
		WRITE_ONCE(priv->rxq[i].running, false);
	synchronize_net();
	for (i = 0; i < n; i++) {
		netif_queue_set_napi(dev, i, NETDEV_QUEUE_TYPE_RX, NULL);
		vnic_rxq_stop_synced(&priv->rxq[i], &mem);
		vnic_mem_free(&mem);
	}
}

static int vnic_open(struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);
	struct vnic_rxq_mem mem;
	unsigned int i;
	int err;

	if (!peer)
		return -ENOTCONN;
	for (i = 0; i < dev->real_num_rx_queues; i++) {
		err = vnic_mem_alloc(&priv->rxq[i], &mem);
		if (err) {
			vnic_stop_queues(dev, i);
			return err;
		}
		vnic_rxq_start(&priv->rxq[i], &mem);
		netif_queue_set_napi(dev, i, NETDEV_QUEUE_TYPE_RX,
				     &priv->rxq[i].napi);
	}
	netif_tx_start_all_queues(dev);
	if (netif_running(peer)) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int vnic_close(struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	netif_tx_disable(dev);
	vnic_stop_queues(dev, dev->real_num_rx_queues);
	return 0;
}

static void vnic_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *tot)
{
	struct vnic_priv *priv = netdev_priv(dev);
	unsigned int i, start;

	for (i = 0; i < dev->num_rx_queues; i++) {
		const struct vnic_rx_stats *s = &priv->rxq[i].stats;
		u64 packets, bytes, drops;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			packets = s->packets;
			bytes = s->bytes;
			drops = s->drops + s->drops_nobuf;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		tot->rx_packets += packets;
		tot->rx_bytes += bytes;
		tot->rx_dropped += drops +
			atomic64_read(&priv->rxq[i].xmit_drops);
	}
	for (i = 0; i < dev->num_tx_queues; i++) {
		const struct vnic_tx_stats *s = &priv->txs[i];
		u64 packets, bytes;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			packets = s->packets;
			bytes = s->bytes;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		tot->tx_packets += packets;
		tot->tx_bytes += bytes;
	}
}

static struct vnic_steer *vnic_steer_default(struct net_device *dev)
{
	struct vnic_steer *st = kzalloc(sizeof(*st), GFP_KERNEL);
	unsigned int i;

	if (!st)
		return NULL;
	for (i = 0; i < VNIC_INDIR_SIZE; i++)
		st->indir[i] = ethtool_rxfh_indir_default(i,
							  dev->real_num_rx_queues);
	netdev_rss_key_fill(st->key, sizeof(st->key));
	return st;
}

static int vnic_dev_init(struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct vnic_steer *st;
	unsigned int i;
	int err;

	priv->dev = dev;
	priv->hds = true;
	priv->txs = kcalloc(dev->num_tx_queues, sizeof(*priv->txs), GFP_KERNEL);
	priv->rxq = kcalloc(dev->num_rx_queues, sizeof(*priv->rxq), GFP_KERNEL);
	st = vnic_steer_default(dev);
	if (!priv->txs || !priv->rxq || !st) {
		err = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < dev->num_tx_queues; i++)
		u64_stats_init(&priv->txs[i].syncp);
	for (i = 0; i < dev->num_rx_queues; i++) {
		struct vnic_rxq *rxq = &priv->rxq[i];

		err = ptr_ring_init(&rxq->ring, VNIC_RING_SIZE, GFP_KERNEL);
		if (err)
			goto err_rings;
		rxq->dev = dev;
		rxq->idx = i;
		rxq->irq_cpu = cpumask_local_spread(i, NUMA_NO_NODE);
		/* hard irq context on PREEMPT_RT too, as an interrupt */
		rxq->irq_work = IRQ_WORK_INIT_HARD(vnic_irq);
		u64_stats_init(&rxq->stats.syncp);
		netif_napi_add(dev, &rxq->napi, vnic_poll);
	}
	RCU_INIT_POINTER(priv->steer, st);
	return 0;

err_rings:
	while (i--) {
		netif_napi_del(&priv->rxq[i].napi);
		ptr_ring_cleanup(&priv->rxq[i].ring, NULL);
	}
err_free:
	kfree(st);
	kfree(priv->rxq);
	kfree(priv->txs);
	return err;
}

static void vnic_dev_uninit(struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < dev->num_rx_queues; i++) {
		netif_napi_del(&priv->rxq[i].napi);
		/* Drained when the queue stopped; nothing is produced now. */
		ptr_ring_cleanup(&priv->rxq[i].ring, NULL);
	}
	kfree_rcu(rcu_dereference_protected(priv->steer, true), rcu);
	kfree(priv->rxq);
	kfree(priv->txs);
}

static const struct net_device_ops vnic_netdev_ops = {
	.ndo_init		= vnic_dev_init,
	.ndo_uninit		= vnic_dev_uninit,
	.ndo_open		= vnic_open,
	.ndo_stop		= vnic_close,
	.ndo_start_xmit		= vnic_xmit,
	.ndo_get_stats64	= vnic_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/* ethtool */

static void vnic_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(vnic_dma_dev()),
		sizeof(info->bus_info));
}

static const char * const vnic_rx_stat_names[] = {
	"packets", "bytes", "hds_packets", "provider_bytes", "drops_nobuf",
	"drops", "dma_ns",
};

static const char * const vnic_tx_stat_names[] = {
	"packets", "bytes",
};

static int vnic_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return dev->real_num_rx_queues * ARRAY_SIZE(vnic_rx_stat_names) +
	       dev->real_num_tx_queues * ARRAY_SIZE(vnic_tx_stat_names);
}

static void vnic_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < dev->real_num_rx_queues; q++)
		for (i = 0; i < ARRAY_SIZE(vnic_rx_stat_names); i++)
			ethtool_sprintf(&data, "rx%u_%s", q,
					vnic_rx_stat_names[i]);
	for (q = 0; q < dev->real_num_tx_queues; q++)
		for (i = 0; i < ARRAY_SIZE(vnic_tx_stat_names); i++)
			ethtool_sprintf(&data, "tx%u_%s", q,
					vnic_tx_stat_names[i]);
}

static void vnic_get_ethtool_stats(struct net_device *dev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct vnic_priv *priv = netdev_priv(dev);
	unsigned int q, start;

	for (q = 0; q < dev->real_num_rx_queues; q++) {
		const struct vnic_rxq *rxq = &priv->rxq[q];
		const struct vnic_rx_stats *s = &rxq->stats;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			data[0] = s->packets;
			data[1] = s->bytes;
			data[2] = s->hds_packets;
			data[3] = s->provider_bytes;
			data[4] = s->drops_nobuf;
			data[5] = s->drops;
			data[6] = s->dma_ns;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		data[5] += atomic64_read(&rxq->xmit_drops);
		data += ARRAY_SIZE(vnic_rx_stat_names);
	}
	for (q = 0; q < dev->real_num_tx_queues; q++) {
		const struct vnic_tx_stats *s = &priv->txs[q];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			data[0] = s->packets;
			data[1] = s->bytes;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		data += ARRAY_SIZE(vnic_tx_stat_names);
	}
}

static void vnic_get_ringparam(struct net_device *dev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct vnic_priv *priv = netdev_priv(dev);

	ring->rx_max_pending = VNIC_RING_SIZE;
	ring->rx_pending = VNIC_RING_SIZE;
	ring->tx_max_pending = VNIC_RING_SIZE;
	ring->tx_pending = VNIC_RING_SIZE;
	kring->tcp_data_split = priv->hds ? ETHTOOL_TCP_DATA_SPLIT_ENABLED :
					    ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	kring->hds_thresh = 0;
}

static int vnic_set_ringparam(struct net_device *dev,
			      struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	struct vnic_priv *priv = netdev_priv(dev);

	if (ring->rx_pending != VNIC_RING_SIZE ||
	    ring->tx_pending != VNIC_RING_SIZE || ring->rx_mini_pending ||
	    ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG(extack, "vnic: ring sizes are fixed");
		return -EOPNOTSUPP;
	}
	/* The device switches at the next frame; bound queues keep it on. */
	if (kring->tcp_data_split == ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		WRITE_ONCE(priv->hds, true);
	else if (kring->tcp_data_split == ETHTOOL_TCP_DATA_SPLIT_DISABLED)
		WRITE_ONCE(priv->hds, false);
	return 0;
}

static void vnic_get_channels(struct net_device *dev,
			      struct ethtool_channels *ch)
{
	ch->max_rx = dev->num_rx_queues;
	ch->max_tx = dev->num_tx_queues;
	ch->rx_count = dev->real_num_rx_queues;
	ch->tx_count = dev->real_num_tx_queues;
}

/* ntuple rules and RSS: the steering table is replaced as a whole. */

static struct vnic_steer *vnic_steer_copy(struct vnic_priv *priv)
{
	return kmemdup(rtnl_dereference(priv->steer), sizeof(struct vnic_steer),
		       GFP_KERNEL);
}

static void vnic_steer_commit(struct vnic_priv *priv, struct vnic_steer *st)
{
	struct vnic_steer *old = rtnl_dereference(priv->steer);

	rcu_assign_pointer(priv->steer, st);
	kfree_rcu(old, rcu);
}

static const u8 vnic_zero_addr[16];

/* Only "tcp4/tcp6 dst-port P action Q|drop" rules. */
static int vnic_rule_from_spec(struct net_device *dev,
			       const struct ethtool_rx_flow_spec *fs,
			       struct vnic_rule *r)
{
	const struct ethtool_tcpip4_spec *m4 = &fs->m_u.tcp_ip4_spec;
	const struct ethtool_tcpip6_spec *m6 = &fs->m_u.tcp_ip6_spec;

	switch (fs->flow_type) {
	case TCP_V4_FLOW:
		if (m4->ip4src || m4->ip4dst || m4->psrc || m4->tos ||
		    m4->pdst != htons(0xffff))
			return -EOPNOTSUPP;
		r->dport = fs->h_u.tcp_ip4_spec.pdst;
		break;
	case TCP_V6_FLOW:
		if (memcmp(m6->ip6src, vnic_zero_addr, 16) ||
		    memcmp(m6->ip6dst, vnic_zero_addr, 16) || m6->psrc ||
		    m6->tclass || m6->pdst != htons(0xffff))
			return -EOPNOTSUPP;
		r->dport = fs->h_u.tcp_ip6_spec.pdst;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (fs->ring_cookie != RX_CLS_FLOW_DISC &&
	    (ethtool_get_flow_spec_ring_vf(fs->ring_cookie) ||
	     ethtool_get_flow_spec_ring(fs->ring_cookie) >=
	     dev->real_num_rx_queues))
		return -EINVAL;
	r->flow_type = fs->flow_type;
	r->ring_cookie = fs->ring_cookie;
	return 0;
}

static void vnic_rule_to_spec(const struct vnic_rule *r, u32 loc,
			      struct ethtool_rx_flow_spec *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->flow_type = r->flow_type;
	fs->ring_cookie = r->ring_cookie;
	fs->location = loc;
	if (r->flow_type == TCP_V4_FLOW) {
		fs->h_u.tcp_ip4_spec.pdst = r->dport;
		fs->m_u.tcp_ip4_spec.pdst = htons(0xffff);
	} else {
		fs->h_u.tcp_ip6_spec.pdst = r->dport;
		fs->m_u.tcp_ip6_spec.pdst = htons(0xffff);
	}
}

/* The location for a new rule: @loc itself, or the first free one. */
static int vnic_rule_loc(const struct vnic_steer *st, u32 loc)
{
	unsigned int i;

	if (loc < VNIC_MAX_RULES)
		return loc;
	if (loc != RX_CLS_LOC_ANY && loc != RX_CLS_LOC_FIRST &&
	    loc != RX_CLS_LOC_LAST)
		return -EINVAL;
	for (i = 0; i < VNIC_MAX_RULES; i++)
		if (!st->rules[i].flow_type)
			return i;
	return -ENOSPC;
}

static int vnic_rule_insert(struct net_device *dev, struct ethtool_rxnfc *cmd)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct vnic_rule r;
	struct vnic_steer *st;
	unsigned int i;
	int loc, err;

	err = vnic_rule_from_spec(dev, &cmd->fs, &r);
	if (err)
		return err;
	st = vnic_steer_copy(priv);
	if (!st)
		return -ENOMEM;
	loc = vnic_rule_loc(st, cmd->fs.location);
	if (loc < 0) {
		kfree(st);
		return loc;
	}
	for (i = 0; i < VNIC_MAX_RULES; i++) {
		if (i != loc && st->rules[i].flow_type == r.flow_type &&
		    st->rules[i].dport == r.dport) {
			kfree(st);
			return -EEXIST;
		}
	}
	st->rules[loc] = r;
	cmd->fs.location = loc;
	vnic_steer_commit(priv, st);
	return 0;
}

static int vnic_rule_delete(struct net_device *dev, u32 loc)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct vnic_steer *st;

	if (loc >= VNIC_MAX_RULES ||
	    !rtnl_dereference(priv->steer)->rules[loc].flow_type)
		return -ENOENT;
	st = vnic_steer_copy(priv);
	if (!st)
		return -ENOMEM;
	memset(&st->rules[loc], 0, sizeof(st->rules[loc]));
	vnic_steer_commit(priv, st);
	return 0;
}

static int vnic_rule_locs(const struct vnic_steer *st,
			  struct ethtool_rxnfc *cmd, u32 *locs)
{
	unsigned int i, n = 0;

	for (i = 0; i < VNIC_MAX_RULES; i++) {
		if (!st->rules[i].flow_type)
			continue;
		if (locs) {
			if (n >= cmd->rule_cnt)
				return -EMSGSIZE;
			locs[n] = i;
		}
		n++;
	}
	cmd->rule_cnt = n;
	cmd->data = VNIC_MAX_RULES;
	return 0;
}

static int vnic_get_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd,
			  u32 *rule_locs)
{
	struct vnic_priv *priv = netdev_priv(dev);
	const struct vnic_steer *st = rtnl_dereference(priv->steer);
	int err;

	switch (cmd->cmd) {
	case ETHTOOL_GRXRINGS:
		cmd->data = dev->real_num_rx_queues;
		return 0;
	case ETHTOOL_GRXCLSRLCNT:
		err = vnic_rule_locs(st, cmd, NULL);
		/* Userspace may ask the driver to choose a location. */
		cmd->data |= RX_CLS_LOC_SPECIAL;
		return err;
	case ETHTOOL_GRXCLSRLALL:
		return vnic_rule_locs(st, cmd, rule_locs);
	case ETHTOOL_GRXCLSRULE:
		if (cmd->fs.location >= VNIC_MAX_RULES ||
		    !st->rules[cmd->fs.location].flow_type)
			return -ENOENT;
		vnic_rule_to_spec(&st->rules[cmd->fs.location],
				  cmd->fs.location, &cmd->fs);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int vnic_set_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd)
{
	switch (cmd->cmd) {
	case ETHTOOL_SRXCLSRLINS:
		return vnic_rule_insert(dev, cmd);
	case ETHTOOL_SRXCLSRLDEL:
		return vnic_rule_delete(dev, cmd->fs.location);
	default:
		return -EOPNOTSUPP;
	}
}

static u32 vnic_get_rxfh_indir_size(struct net_device *dev)
{
	return VNIC_INDIR_SIZE;
}

static u32 vnic_get_rxfh_key_size(struct net_device *dev)
{
	return VNIC_KEY_SIZE;
}

static int vnic_get_rxfh(struct net_device *dev,
			 struct ethtool_rxfh_param *rxfh)
{
	struct vnic_priv *priv = netdev_priv(dev);
	const struct vnic_steer *st;

	rxfh->hfunc = ETH_RSS_HASH_TOP;
	rcu_read_lock();
	st = rcu_dereference(priv->steer);
	if (rxfh->indir)
		memcpy(rxfh->indir, st->indir, sizeof(st->indir));
	if (rxfh->key)
		memcpy(rxfh->key, st->key, sizeof(st->key));
	rcu_read_unlock();
	return 0;
}

static int vnic_set_rxfh(struct net_device *dev,
			 struct ethtool_rxfh_param *rxfh,
			 struct netlink_ext_ack *extack)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct vnic_steer *st;
	unsigned int i;

	if (rxfh->hfunc != ETH_RSS_HASH_NO_CHANGE &&
	    rxfh->hfunc != ETH_RSS_HASH_TOP)
		return -EOPNOTSUPP;
	if (rxfh->indir) {
		for (i = 0; i < VNIC_INDIR_SIZE; i++)
			if (rxfh->indir[i] >= dev->real_num_rx_queues)
				return -EINVAL;
	}
	st = vnic_steer_copy(priv);
	if (!st)
		return -ENOMEM;
	if (rxfh->indir)
		memcpy(st->indir, rxfh->indir, sizeof(st->indir));
	if (rxfh->key)
		memcpy(st->key, rxfh->key, sizeof(st->key));
	vnic_steer_commit(priv, st);
	return 0;
}

static const struct ethtool_ops vnic_ethtool_ops = {
	.supported_ring_params	= ETHTOOL_RING_USE_TCP_DATA_SPLIT,
	.get_drvinfo		= vnic_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= vnic_get_sset_count,
	.get_strings		= vnic_get_strings,
	.get_ethtool_stats	= vnic_get_ethtool_stats,
	.get_ringparam		= vnic_get_ringparam,
	.set_ringparam		= vnic_set_ringparam,
	.get_channels		= vnic_get_channels,
	.get_rxnfc		= vnic_get_rxnfc,
	.set_rxnfc		= vnic_set_rxnfc,
	.get_rxfh_indir_size	= vnic_get_rxfh_indir_size,
	.get_rxfh_key_size	= vnic_get_rxfh_key_size,
	.get_rxfh		= vnic_get_rxfh,
	.set_rxfh		= vnic_set_rxfh,
};

/* rtnetlink: a link and its peer are created and deleted together. */

static struct rtnl_link_ops vnic_link_ops;

static void vnic_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->netdev_ops = &vnic_netdev_ops;
	dev->ethtool_ops = &vnic_ethtool_ops;
	dev->queue_mgmt_ops = &vnic_queue_mgmt_ops;
	dev->features = NETIF_F_SG | NETIF_F_HIGHDMA | NETIF_F_RXCSUM |
			NETIF_F_NTUPLE;
	dev->hw_features = NETIF_F_SG | NETIF_F_NTUPLE;
	dev->needs_free_netdev = true;
	dev->max_mtu = ETH_MAX_MTU;
	SET_NETDEV_DEV(dev, vnic_dma_dev());
}

static int vnic_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	static const int nq_attrs[] = { IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES };
	unsigned int i;

	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN)
			return -EINVAL;
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS])))
			return -EADDRNOTAVAIL;
	}
	for (i = 0; i < ARRAY_SIZE(nq_attrs); i++) {
		if (tb[nq_attrs[i]] &&
		    nla_get_u32(tb[nq_attrs[i]]) > VNIC_MAX_QUEUES) {
			NL_SET_ERR_MSG_ATTR(extack, tb[nq_attrs[i]],
					    "vnic: at most 16 queues");
			return -EINVAL;
		}
	}
	return 0;
}

static struct net_device *vnic_create_peer(struct net *src_net,
					   struct nlattr *peer_attr,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1], **tbp = peer_tb;
	unsigned char name_assign_type = NET_NAME_ENUM;
	struct ifinfomsg *ifmp = NULL;
	struct net_device *peer;
	char ifname[IFNAMSIZ];
	struct net *net;
	int err;

	memset(peer_tb, 0, sizeof(peer_tb));
	if (peer_attr) {
		ifmp = nla_data(peer_attr);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, peer_attr, extack);
		if (err < 0)
			return ERR_PTR(err);
		err = vnic_validate(peer_tb, NULL, extack);
		if (err < 0)
			return ERR_PTR(err);
	}
	if (tbp[IFLA_IFNAME]) {
		nla_strscpy(ifname, tbp[IFLA_IFNAME], IFNAMSIZ);
		name_assign_type = NET_NAME_USER;
	} else {
		snprintf(ifname, IFNAMSIZ, DRV_NAME "%%d");
	}

	net = rtnl_link_get_net(src_net, tbp);
	if (IS_ERR(net))
		return ERR_CAST(net);
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		put_net(net);
		return ERR_PTR(-EPERM);
	}
	peer = rtnl_create_link(net, ifname, name_assign_type, &vnic_link_ops,
				tbp, extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return peer;
	}
	if (!tbp[IFLA_ADDRESS])
		eth_hw_addr_random(peer);
	if (ifmp && ifmp->ifi_index)
		peer->ifindex = ifmp->ifi_index;

	err = register_netdevice(peer);
	put_net(net);
	if (err < 0) {
		free_netdev(peer);
		return ERR_PTR(err);
	}
	netif_carrier_off(peer);
	err = rtnl_configure_link(peer, ifmp, 0, NULL);
	if (err < 0) {
		unregister_netdevice(peer);
		return ERR_PTR(err);
	}
	return peer;
}

static int vnic_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct net_device *peer;
	int err;

	peer = vnic_create_peer(src_net, data ? data[VNIC_INFO_PEER] : NULL,
				extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		snprintf(dev->name, IFNAMSIZ, DRV_NAME "%%d");
	err = register_netdevice(dev);
	if (err < 0) {
		unregister_netdevice(peer);
		return err;
	}
	netif_carrier_off(dev);

	rcu_assign_pointer(((struct vnic_priv *)netdev_priv(dev))->peer, peer);
	rcu_assign_pointer(((struct vnic_priv *)netdev_priv(peer))->peer, dev);
	return 0;
}

static void vnic_dellink(struct net_device *dev, struct list_head *head)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	/* Both go; senders see NULL or a device not yet freed (RCU). */
	RCU_INIT_POINTER(priv->peer, NULL);
	unregister_netdevice_queue(dev, head);
	if (peer) {
		priv = netdev_priv(peer);
		RCU_INIT_POINTER(priv->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static struct net *vnic_get_link_net(const struct net_device *dev)
{
	struct vnic_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static unsigned int vnic_get_num_queues(void)
{
	return VNIC_DEF_QUEUES;
}

static const struct nla_policy vnic_policy[VNIC_INFO_MAX + 1] = {
	[VNIC_INFO_PEER]	= { .len = sizeof(struct ifinfomsg) },
};

static struct rtnl_link_ops vnic_link_ops = {
	.kind			= DRV_NAME,
	.priv_size		= sizeof(struct vnic_priv),
	.setup			= vnic_setup,
	.validate		= vnic_validate,
	.newlink		= vnic_newlink,
	.dellink		= vnic_dellink,
	.policy			= vnic_policy,
	.maxtype		= VNIC_INFO_MAX,
	.get_link_net		= vnic_get_link_net,
	.get_num_tx_queues	= vnic_get_num_queues,
	.get_num_rx_queues	= vnic_get_num_queues,
};

/*
 * One DMA-capable device for all links, like the PCI function of a
 * multi-port NIC. Page pools keep no reference to it: the module can only
 * be unloaded once every page of its pools has come back.
 */
static int __init vnic_init(void)
{
	const struct platform_device_info info = {
		.name		= DRV_NAME,
		.id		= PLATFORM_DEVID_NONE,
		.dma_mask	= DMA_BIT_MASK(64),
	};
	int err;

	vnic_pdev = platform_device_register_full(&info);
	if (IS_ERR(vnic_pdev))
		return PTR_ERR(vnic_pdev);
	err = rtnl_link_register(&vnic_link_ops);
	if (err)
		platform_device_unregister(vnic_pdev);
	return err;
}

static void __exit vnic_exit(void)
{
	rtnl_link_unregister(&vnic_link_ops);
	rcu_barrier();
	platform_device_unregister(vnic_pdev);
}

module_init(vnic_init);
module_exit(vnic_exit);

MODULE_DESCRIPTION("Virtual NIC pairs with header split and queue management ops");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RTNL_LINK(DRV_NAME);
