// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for page_pool memory providers other than devmem: net_iov
 * areas, the provider helpers, binding a provider to an rx queue and the
 * refusals, unbinding on netdev unregister, the netlink dumps, and the
 * devmem receive path refusing foreign net_iovs.
 *
 * Each case gets a fresh fake netdev ("mp-test%d") whose driver has a page
 * pool per rx queue, built like a real driver's: DMA-mapping and syncing,
 * created from the queue management ops so that one queue restarts with
 * provider memory. The test provider hands out net_iovs backed by real,
 * DMA-mapped pages from a free stack and counts every callback.
 *
 * Context: cases run in process context. Page pool allocations are made
 * with BHs disabled, as a driver's NAPI poll would; the provider's free
 * stack is guarded by a BH-safe spinlock because the page pool may return
 * buffers from a workqueue. Binding and unbinding take rtnl_lock.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/memory_provider.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/netdev.h>

#include "devmem.h"
#include "netdev-genl-gen.h"

#define MP_TEST_RXQS	4
#define MP_TEST_NIOVS	128
#define MP_TEST_RXQ	1
/* what the test provider reports in netlink dumps */
#define MP_TEST_NL_ID	0x7e57

/* The test provider: an area of page-backed net_iovs and a free stack. */
struct mp_test_area {
	struct net_iov_area area;
	struct net_iov niovs[MP_TEST_NIOVS];
	struct page *pages[MP_TEST_NIOVS];
	dma_addr_t dma[MP_TEST_NIOVS];
	struct device *dma_dev;

	spinlock_t lock;		/* guards free[] and nr_free */
	u32 free[MP_TEST_NIOVS];
	u32 nr_free;

	unsigned int batch;		/* buffers per ->alloc_netmems() */
	int nr_init, nr_destroy, nr_alloc_calls, nr_uninstall;
	struct netdev_rx_queue *uninstalled_rxq;
	u32 destroy_hold, destroy_release;
};

/* The fake driver. */
struct mp_test_rxq_mem {
	struct page_pool *pool;
};

struct mp_test_priv {
	struct device *dma_dev;
	struct page_pool *pools[MP_TEST_RXQS];
	u8 tcp_data_split;
	u32 hds_thresh;
	bool ignore_provider;		/* a driver that never asks for one */
};

struct mp_test_ctx {
	struct net_device *ndev;
	struct mp_test_area *mp;
	struct pp_memory_provider_params params;
	bool registered;
};

static int mp_test_init(struct page_pool *pool)
{
	struct mp_test_area *mp = pool->mp_priv;

	mp->nr_init++;
	return 0;
}

static void mp_test_destroy(struct page_pool *pool)
{
	struct mp_test_area *mp = pool->mp_priv;

	mp->destroy_hold = pool->pages_state_hold_cnt;
	mp->destroy_release = atomic_read(&pool->pages_state_release_cnt);
	mp->nr_destroy++;
}

static struct net_iov *mp_test_get_free(struct mp_test_area *mp)
{
	struct net_iov *niov = NULL;

	spin_lock_bh(&mp->lock);
	if (mp->nr_free)
		niov = &mp->niovs[mp->free[--mp->nr_free]];
	spin_unlock_bh(&mp->lock);
	return niov;
}

static void mp_test_put_free(struct mp_test_area *mp, struct net_iov *niov)
{
	spin_lock_bh(&mp->lock);
	mp->free[mp->nr_free++] = net_iov_idx(niov);
	spin_unlock_bh(&mp->lock);
}

/* As the io_uring provider: fill the empty cache, hand out the last one. */
static netmem_ref mp_test_alloc_netmems(struct page_pool *pool, gfp_t gfp)
{
	struct mp_test_area *mp = pool->mp_priv;
	struct net_iov *niov;

	mp->nr_alloc_calls++;
	while (pool->alloc.count < mp->batch) {
		niov = mp_test_get_free(mp);
		if (!niov)
			break;
		net_mp_niov_set_page_pool(pool, niov);
		net_mp_netmem_place_in_cache(pool, net_iov_to_netmem(niov));
	}
	if (!pool->alloc.count)
		return 0;
	return pool->alloc.cache[--pool->alloc.count];
}

static bool mp_test_release_netmem(struct page_pool *pool, netmem_ref netmem)
{
	struct mp_test_area *mp = pool->mp_priv;
	struct net_iov *niov = netmem_to_net_iov(netmem);

	net_mp_niov_clear_page_pool(niov);
	mp_test_put_free(mp, niov);
	return false;
}

static int mp_test_nl_fill(void *mp_priv, struct sk_buff *rsp,
			   struct netdev_rx_queue *rxq)
{
	int type = rxq ? NETDEV_A_QUEUE_DMABUF : NETDEV_A_PAGE_POOL_DMABUF;

	return nla_put_u32(rsp, type, MP_TEST_NL_ID);
}

static void mp_test_uninstall(void *mp_priv, struct netdev_rx_queue *rxq)
{
	struct mp_test_area *mp = mp_priv;

	mp->nr_uninstall++;
	mp->uninstalled_rxq = rxq;
}

static const struct memory_provider_ops mp_test_ops = {
	.init		= mp_test_init,
	.destroy	= mp_test_destroy,
	.alloc_netmems	= mp_test_alloc_netmems,
	.release_netmem	= mp_test_release_netmem,
	.nl_fill	= mp_test_nl_fill,
	.uninstall	= mp_test_uninstall,
};

/* A second provider, only to be refused on an occupied queue. */
static const struct memory_provider_ops mp_test_other_ops = {
	.init		= mp_test_init,
	.destroy	= mp_test_destroy,
	.alloc_netmems	= mp_test_alloc_netmems,
	.release_netmem	= mp_test_release_netmem,
};

static void mp_test_area_free(void *data)
{
	struct mp_test_area *mp = data;
	unsigned int i;

	for (i = 0; i < MP_TEST_NIOVS; i++) {
		if (!mp->pages[i])
			continue;
		dma_unmap_page(mp->dma_dev, mp->dma[i], PAGE_SIZE,
			       DMA_FROM_DEVICE);
		__free_page(mp->pages[i]);
	}
}

static struct mp_test_area *mp_test_area_create(struct kunit *test,
						struct device *dma_dev)
{
	struct mp_test_area *mp;
	unsigned int i;

	mp = kunit_kzalloc(test, sizeof(*mp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mp);
	mp->dma_dev = dma_dev;
	mp->batch = 1;
	spin_lock_init(&mp->lock);
	mp->area.niovs = mp->niovs;
	mp->area.num_niovs = MP_TEST_NIOVS;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, mp_test_area_free, mp));

	for (i = 0; i < MP_TEST_NIOVS; i++) {
		struct net_iov *niov = &mp->niovs[i];

		mp->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mp->pages[i]);
		mp->dma[i] = dma_map_page(dma_dev, mp->pages[i], 0, PAGE_SIZE,
					  DMA_FROM_DEVICE);
		if (dma_mapping_error(dma_dev, mp->dma[i])) {
			__free_page(mp->pages[i]);
			mp->pages[i] = NULL;
			KUNIT_FAIL_AND_ABORT(test, "dma_map_page failed");
		}
		niov->type = NET_IOV_IOURING;
		niov->owner = &mp->area;
		KUNIT_ASSERT_EQ(test, 0, net_mp_niov_set_dma_addr(niov, mp->dma[i]));
		mp->free[mp->nr_free++] = i;
	}
	return mp;
}

/* Fake driver: one page pool per rx queue, created by the queue ops. */
static int mp_test_queue_mem_alloc(struct net_device *dev, void *qmem, int idx)
{
	struct mp_test_priv *priv = netdev_priv(dev);
	struct mp_test_rxq_mem *mem = qmem;
	struct page_pool_params pp = {
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order		= 0,
		.pool_size	= 256,
		.nid		= NUMA_NO_NODE,
		.dev		= priv->dma_dev,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.netdev		= dev,
		.queue_idx	= idx,
	};

	if (!priv->ignore_provider)
		pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	mem->pool = page_pool_create(&pp);
	if (IS_ERR(mem->pool))
		return PTR_ERR(mem->pool);
	return 0;
}

static void mp_test_queue_mem_free(struct net_device *dev, void *qmem)
{
	struct mp_test_rxq_mem *mem = qmem;

	page_pool_destroy(mem->pool);
	mem->pool = NULL;
}

static int mp_test_queue_start(struct net_device *dev, void *qmem, int idx)
{
	struct mp_test_priv *priv = netdev_priv(dev);
	struct mp_test_rxq_mem *mem = qmem;

	priv->pools[idx] = mem->pool;
	return 0;
}

static int mp_test_queue_stop(struct net_device *dev, void *qmem, int idx)
{
	struct mp_test_priv *priv = netdev_priv(dev);
	struct mp_test_rxq_mem *mem = qmem;

	mem->pool = priv->pools[idx];
	priv->pools[idx] = NULL;
	return 0;
}

static const struct netdev_queue_mgmt_ops mp_test_queue_ops = {
	.ndo_queue_mem_size	= sizeof(struct mp_test_rxq_mem),
	.ndo_queue_mem_alloc	= mp_test_queue_mem_alloc,
	.ndo_queue_mem_free	= mp_test_queue_mem_free,
	.ndo_queue_start	= mp_test_queue_start,
	.ndo_queue_stop		= mp_test_queue_stop,
};

static int mp_test_open(struct net_device *dev)
{
	struct mp_test_rxq_mem mem;
	int i, err;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		err = mp_test_queue_mem_alloc(dev, &mem, i);
		if (err)
			goto err_close;
		mp_test_queue_start(dev, &mem, i);
	}
	return 0;

err_close:
	while (i--) {
		mp_test_queue_stop(dev, &mem, i);
		mp_test_queue_mem_free(dev, &mem);
	}
	return err;
}

static int mp_test_stop(struct net_device *dev)
{
	struct mp_test_rxq_mem mem;
	int i;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		mp_test_queue_stop(dev, &mem, i);
		mp_test_queue_mem_free(dev, &mem);
	}
	return 0;
}

static netdev_tx_t mp_test_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops mp_test_netdev_ops = {
	.ndo_open	= mp_test_open,
	.ndo_stop	= mp_test_stop,
	.ndo_start_xmit	= mp_test_xmit,
};

static void mp_test_get_ringparam(struct net_device *dev,
				  struct ethtool_ringparam *ring,
				  struct kernel_ethtool_ringparam *kring,
				  struct netlink_ext_ack *extack)
{
	struct mp_test_priv *priv = netdev_priv(dev);

	kring->tcp_data_split = priv->tcp_data_split;
	kring->hds_thresh = priv->hds_thresh;
}

static const struct ethtool_ops mp_test_ethtool_ops = {
	.get_ringparam	= mp_test_get_ringparam,
};

static int net_mp_test_init(struct kunit *test)
{
	struct mp_test_priv *priv;
	struct mp_test_ctx *ctx;
	struct device *dma_dev;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;

	dma_dev = kunit_device_register(test, "net-mp-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dma_dev);
	KUNIT_ASSERT_EQ(test, 0,
			dma_coerce_mask_and_coherent(dma_dev, DMA_BIT_MASK(64)));

	ctx->mp = mp_test_area_create(test, dma_dev);
	ctx->params.mp_priv = ctx->mp;
	ctx->params.mp_ops = &mp_test_ops;

	ctx->ndev = alloc_etherdev_mqs(sizeof(*priv), MP_TEST_RXQS,
				       MP_TEST_RXQS);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ndev);
	priv = netdev_priv(ctx->ndev);
	priv->dma_dev = dma_dev;
	priv->tcp_data_split = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
	strscpy(ctx->ndev->name, "mp-test%d", IFNAMSIZ);
	ctx->ndev->netdev_ops = &mp_test_netdev_ops;
	ctx->ndev->ethtool_ops = &mp_test_ethtool_ops;
	ctx->ndev->queue_mgmt_ops = &mp_test_queue_ops;
	SET_NETDEV_DEV(ctx->ndev, dma_dev);
	eth_hw_addr_random(ctx->ndev);

	rtnl_lock();
	err = register_netdevice(ctx->ndev);
	if (!err) {
		ctx->registered = true;
		err = dev_open(ctx->ndev, NULL);
	}
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, 0, err);
	return 0;
}

static void net_mp_test_exit(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;

	if (!ctx || !ctx->ndev)
		return;
	if (ctx->registered) {
		rtnl_lock();
		memset(ctx->ndev->xdp_state, 0, sizeof(ctx->ndev->xdp_state));
		net_mp_close_rxq(ctx->ndev, MP_TEST_RXQ, &ctx->params);
		rtnl_unlock();
		unregister_netdev(ctx->ndev);
	}
	free_netdev(ctx->ndev);
}

static int mp_test_open_rxq(struct mp_test_ctx *ctx, unsigned int idx,
			    const struct pp_memory_provider_params *p)
{
	int err;

	rtnl_lock();
	err = net_mp_open_rxq(ctx->ndev, idx, p, NULL);
	rtnl_unlock();
	return err;
}

static int mp_test_close_rxq(struct mp_test_ctx *ctx, unsigned int idx)
{
	int err;

	rtnl_lock();
	err = net_mp_close_rxq(ctx->ndev, idx, &ctx->params);
	rtnl_unlock();
	return err;
}

static struct page_pool *mp_test_pool(struct mp_test_ctx *ctx, int idx)
{
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	return priv->pools[idx];
}

static netmem_ref mp_test_pool_alloc(struct page_pool *pool)
{
	netmem_ref netmem;

	local_bh_disable();
	netmem = page_pool_alloc_netmems(pool, GFP_ATOMIC);
	local_bh_enable();
	return netmem;
}

static void mp_test_pool_put(struct page_pool *pool, netmem_ref netmem)
{
	local_bh_disable();
	page_pool_put_full_netmem(pool, netmem, false);
	local_bh_enable();
}

static void test_bind_restarts_queue_with_provider(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct page_pool *old = mp_test_pool(ctx, MP_TEST_RXQ);
	struct page_pool *pool;

	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));

	pool = mp_test_pool(ctx, MP_TEST_RXQ);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_PTR_NE(test, pool, old);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_ops, &mp_test_ops);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_priv, (void *)ctx->mp);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_init, 1);
	KUNIT_EXPECT_TRUE(test, netif_running(ctx->ndev));
	/* The other queues keep their ordinary pools. */
	KUNIT_EXPECT_NULL(test, mp_test_pool(ctx, 0)->mp_ops);
	KUNIT_EXPECT_NULL(test, mp_test_pool(ctx, 2)->mp_ops);
}

static void test_alloc_gives_provider_net_iov(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct page_pool *pool;
	struct net_iov *niov;
	netmem_ref netmem;

	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	pool = mp_test_pool(ctx, MP_TEST_RXQ);

	netmem = mp_test_pool_alloc(pool);
	KUNIT_ASSERT_NE(test, (unsigned long)netmem, 0UL);
	KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmem));
	niov = netmem_to_net_iov(netmem);
	KUNIT_EXPECT_PTR_EQ(test, net_iov_owner(niov), &ctx->mp->area);
	KUNIT_EXPECT_EQ(test, niov->type, NET_IOV_IOURING);
	KUNIT_EXPECT_PTR_EQ(test, netmem_get_pp(netmem), pool);
	KUNIT_EXPECT_EQ(test, netmem_get_dma_addr(netmem),
			(unsigned long)ctx->mp->dma[net_iov_idx(niov)]);
	KUNIT_EXPECT_EQ(test, atomic_long_read(netmem_get_pp_ref_count_ref(netmem)), 1L);
	KUNIT_EXPECT_FALSE(test, net_is_devmem_iov(niov));

	mp_test_pool_put(pool, netmem);
}

static void test_batch_goes_to_alloc_cache(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	netmem_ref netmems[8];
	struct page_pool *pool;
	int i;

	ctx->mp->batch = ARRAY_SIZE(netmems);
	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	pool = mp_test_pool(ctx, MP_TEST_RXQ);

	for (i = 0; i < ARRAY_SIZE(netmems); i++) {
		netmems[i] = mp_test_pool_alloc(pool);
		KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmems[i]));
	}
	/* One provider call filled the cache for the seven that followed. */
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_alloc_calls, 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS - 8);

	for (i = 0; i < ARRAY_SIZE(netmems); i++)
		mp_test_pool_put(pool, netmems[i]);
}

static void test_unbind_returns_every_buffer(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	netmem_ref netmems[20];
	struct page_pool *pool;
	int i;

	ctx->mp->batch = 4;
	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	pool = mp_test_pool(ctx, MP_TEST_RXQ);
	for (i = 0; i < ARRAY_SIZE(netmems); i++)
		netmems[i] = mp_test_pool_alloc(pool);
	for (i = 0; i < ARRAY_SIZE(netmems); i++)
		mp_test_pool_put(pool, netmems[i]);

	KUNIT_ASSERT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));

	KUNIT_EXPECT_NULL(test, mp_test_pool(ctx, MP_TEST_RXQ)->mp_ops);
	KUNIT_EXPECT_NULL(test, ctx->ndev->_rx[MP_TEST_RXQ].mp_params.mp_ops);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS);
	KUNIT_EXPECT_GE(test, ctx->mp->destroy_hold, 20U);
	KUNIT_EXPECT_EQ(test, ctx->mp->destroy_hold, ctx->mp->destroy_release);
}

static void test_buffer_in_flight_outlives_unbind(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct page_pool *pool;
	netmem_ref netmem;
	int waited;

	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	pool = mp_test_pool(ctx, MP_TEST_RXQ);
	netmem = mp_test_pool_alloc(pool);
	KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmem));

	KUNIT_ASSERT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));
	/* The pool waits for the buffer the stack still holds. */
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, 0);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS - 1);

	mp_test_pool_put(pool, netmem);
	/* page_pool_release_retry() runs once a second. */
	for (waited = 0; waited < 50 && !READ_ONCE(ctx->mp->nr_destroy); waited++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ctx->mp->nr_destroy), 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS);
	KUNIT_EXPECT_EQ(test, ctx->mp->destroy_hold, ctx->mp->destroy_release);
}

static void test_unregister_uninstalls_provider(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct netdev_rx_queue *rxq = &ctx->ndev->_rx[MP_TEST_RXQ];

	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));

	unregister_netdev(ctx->ndev);
	ctx->registered = false;

	KUNIT_EXPECT_EQ(test, ctx->mp->nr_uninstall, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->mp->uninstalled_rxq, rxq);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_priv);
	/* The device closed its queues: the pool gave every buffer back. */
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS);
}

static void test_bind_and_unbind_while_down(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;

	rtnl_lock();
	dev_close(ctx->ndev);
	rtnl_unlock();
	/*
	 * Down: a pool is made with the provider to validate it and freed
	 * again; the provider stays recorded for the next open.
	 */
	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_init, 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->ndev->_rx[MP_TEST_RXQ].mp_params.mp_ops,
			    &mp_test_ops);
	KUNIT_EXPECT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));
	KUNIT_EXPECT_NULL(test, ctx->ndev->_rx[MP_TEST_RXQ].mp_params.mp_ops);
	/* A second close finds no provider and does nothing. */
	KUNIT_EXPECT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, ctx->mp->nr_init);
}

/* A driver whose pools refuse provider memory is refused while down too. */
static void test_bind_while_down_refused(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	priv->ignore_provider = true;
	rtnl_lock();
	dev_close(ctx->ndev);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params),
			-ENODATA);
	KUNIT_EXPECT_NULL(test, ctx->ndev->_rx[MP_TEST_RXQ].mp_params.mp_ops);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_init, ctx->mp->nr_destroy);
}

/*
 * Send one netdev genetlink request from a kernel socket and look for
 * attribute @type in the reply. Returns the attribute's u32, 0 if it is
 * absent, or a negative errno.
 */
static long mp_nl_get_u32(struct kunit *test, u8 cmd, const u32 *attrs,
			  int nr_attrs, int type)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct msghdr msg = {};
	struct nlmsghdr *nlh;
	struct socket *sock;
	struct sk_buff *req;
	struct nlattr *nla;
	struct kvec iov;
	void *hdr, *buf;
	long ret;
	int i;

	buf = kunit_kzalloc(test, NLMSG_GOODSIZE, GFP_KERNEL);
	req = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, req);
	hdr = genlmsg_put(req, 0, 1, &netdev_nl_family, NLM_F_REQUEST, cmd);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	for (i = 0; i < nr_attrs; i++) {
		if (attrs[2 * i] == NETDEV_A_PAGE_POOL_ID)
			ret = nla_put_uint(req, attrs[2 * i], attrs[2 * i + 1]);
		else
			ret = nla_put_u32(req, attrs[2 * i], attrs[2 * i + 1]);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	genlmsg_end(req, hdr);

	ret = sock_create_kern(&init_net, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC,
			       &sock);
	if (ret) {
		nlmsg_free(req);
		return ret;
	}
	msg.msg_name = &sa;
	msg.msg_namelen = sizeof(sa);
	iov.iov_base = req->data;
	iov.iov_len = req->len;
	ret = kernel_sendmsg(sock, &msg, &iov, 1, req->len);
	nlmsg_free(req);
	if (ret >= 0) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = NLMSG_GOODSIZE;
		ret = kernel_recvmsg(sock, &msg, &iov, 1, NLMSG_GOODSIZE,
				     MSG_DONTWAIT);
	}
	sock_release(sock);
	if (ret < 0)
		return ret;

	nlh = buf;
	if (ret < NLMSG_HDRLEN || !nlmsg_ok(nlh, ret))
		return -EPROTO;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)nlmsg_data(nlh))->error ?: -EPROTO;
	nla = nla_find(nlmsg_data(nlh) + GENL_HDRLEN,
		       nlmsg_len(nlh) - GENL_HDRLEN, type);
	return nla ? nla_get_u32(nla) : 0;
}

static long mp_nl_queue_attr(struct kunit *test, struct mp_test_ctx *ctx,
			     u32 qid)
{
	const u32 attrs[] = {
		NETDEV_A_QUEUE_IFINDEX, ctx->ndev->ifindex,
		NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX,
		NETDEV_A_QUEUE_ID, qid,
	};

	return mp_nl_get_u32(test, NETDEV_CMD_QUEUE_GET, attrs, 3,
			     NETDEV_A_QUEUE_DMABUF);
}

static long mp_nl_pool_attr(struct kunit *test, struct page_pool *pool)
{
	const u32 attrs[] = { NETDEV_A_PAGE_POOL_ID, pool->user.id };

	return mp_nl_get_u32(test, NETDEV_CMD_PAGE_POOL_GET, attrs, 1,
			     NETDEV_A_PAGE_POOL_DMABUF);
}

static void test_netlink_shows_bound_provider(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, mp_nl_queue_attr(test, ctx, MP_TEST_RXQ), 0L);
	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));

	/* the provider's ->nl_fill() speaks for the bound queue and its pool */
	KUNIT_EXPECT_EQ(test, mp_nl_queue_attr(test, ctx, MP_TEST_RXQ),
			(long)MP_TEST_NL_ID);
	KUNIT_EXPECT_EQ(test, mp_nl_pool_attr(test, mp_test_pool(ctx, MP_TEST_RXQ)),
			(long)MP_TEST_NL_ID);
	/* and only for them */
	KUNIT_EXPECT_EQ(test, mp_nl_queue_attr(test, ctx, 0), 0L);
	KUNIT_EXPECT_EQ(test, mp_nl_pool_attr(test, mp_test_pool(ctx, 0)), 0L);

	KUNIT_ASSERT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));
	KUNIT_EXPECT_EQ(test, mp_nl_queue_attr(test, ctx, MP_TEST_RXQ), 0L);
}

/* Refusals: each case breaks one precondition of net_mp_open_rxq(). */
struct mp_refusal_case {
	const char *name;
	void (*setup)(struct kunit *test, struct mp_test_ctx *ctx);
	unsigned int rxq;
	int err;
};

static void mp_setup_hds_off(struct kunit *test, struct mp_test_ctx *ctx)
{
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	priv->tcp_data_split = ETHTOOL_TCP_DATA_SPLIT_DISABLED;
}

static void mp_setup_hds_unknown(struct kunit *test, struct mp_test_ctx *ctx)
{
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	priv->tcp_data_split = ETHTOOL_TCP_DATA_SPLIT_UNKNOWN;
}

static void mp_setup_hds_thresh(struct kunit *test, struct mp_test_ctx *ctx)
{
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	priv->hds_thresh = 256;
}

static void mp_setup_no_ringparam(struct kunit *test, struct mp_test_ctx *ctx)
{
	static const struct ethtool_ops no_ring_ops = {};

	ctx->ndev->ethtool_ops = &no_ring_ops;
}

/* Only dev_xdp_prog_count() looks at it; net_mp_test_exit() clears it. */
static void mp_setup_xdp(struct kunit *test, struct mp_test_ctx *ctx)
{
	ctx->ndev->xdp_state[XDP_MODE_DRV].prog = ERR_PTR(-EINVAL);
}

static void mp_setup_other_provider(struct kunit *test, struct mp_test_ctx *ctx)
{
	const struct pp_memory_provider_params other = {
		.mp_priv	= ctx->mp,
		.mp_ops		= &mp_test_other_ops,
	};

	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &other));
	ctx->params = other;
	ctx->mp->nr_init = 0;
}

static void mp_setup_no_queue_ops(struct kunit *test, struct mp_test_ctx *ctx)
{
	ctx->ndev->queue_mgmt_ops = NULL;
}

static void mp_setup_ignore_provider(struct kunit *test, struct mp_test_ctx *ctx)
{
	struct mp_test_priv *priv = netdev_priv(ctx->ndev);

	priv->ignore_provider = true;
}

static const struct mp_refusal_case mp_refusal_cases[] = {
	{ "queue index out of range", NULL, MP_TEST_RXQS, -ERANGE },
	{ "queue index far out of range", NULL, ~0U, -ERANGE },
	{ "header split off", mp_setup_hds_off, MP_TEST_RXQ, -EINVAL },
	{ "header split unknown", mp_setup_hds_unknown, MP_TEST_RXQ, -EINVAL },
	{ "header split threshold", mp_setup_hds_thresh, MP_TEST_RXQ, -EINVAL },
	{ "no ringparam op", mp_setup_no_ringparam, MP_TEST_RXQ, -EINVAL },
	{ "xdp attached", mp_setup_xdp, MP_TEST_RXQ, -EEXIST },
	{ "provider already bound", mp_setup_other_provider, MP_TEST_RXQ, -EEXIST },
	{ "no queue management ops", mp_setup_no_queue_ops, MP_TEST_RXQ, -EOPNOTSUPP },
	{ "driver ignores providers", mp_setup_ignore_provider, MP_TEST_RXQ, -ENODATA },
};

static void mp_refusal_desc(const struct mp_refusal_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mp_refusal, mp_refusal_cases, mp_refusal_desc);

static void test_bind_refused(struct kunit *test)
{
	const struct mp_refusal_case *c = test->param_value;
	struct mp_test_ctx *ctx = test->priv;
	const struct pp_memory_provider_params p = {
		.mp_priv	= ctx->mp,
		.mp_ops		= &mp_test_ops,
	};
	const struct pp_memory_provider_params *before;
	struct page_pool *pool;
	unsigned int i;

	if (c->setup)
		c->setup(test, ctx);
	before = ctx->params.mp_ops == &mp_test_ops ? NULL : &ctx->params;

	KUNIT_EXPECT_EQ(test, mp_test_open_rxq(ctx, c->rxq, &p), c->err);

	/* Nothing changed: no queue took the refused provider. */
	for (i = 0; i < MP_TEST_RXQS; i++) {
		const struct memory_provider_ops *ops;

		ops = ctx->ndev->_rx[i].mp_params.mp_ops;
		if (before && i == MP_TEST_RXQ)
			KUNIT_EXPECT_PTR_EQ(test, ops, before->mp_ops);
		else
			KUNIT_EXPECT_NULL(test, ops);
		pool = mp_test_pool(ctx, i);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		KUNIT_EXPECT_TRUE(test, pool->mp_ops != &mp_test_ops);
	}
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_init, ctx->mp->nr_destroy);
}

/* The devmem receive path must refuse a net_iov of another provider. */
struct mp_tcp_pair {
	struct socket *listener, *client, *server;
};

static void mp_tcp_pair_release(void *data)
{
	struct mp_tcp_pair *tp = data;

	if (tp->server)
		sock_release(tp->server);
	if (tp->client)
		sock_release(tp->client);
	if (tp->listener)
		sock_release(tp->listener);
}

static void mp_tcp_pair_connect(struct kunit *test, struct mp_tcp_pair *tp)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr *sa = (struct sockaddr *)&addr;
	struct net_device *lo = init_net.loopback_dev;
	int err;

	rtnl_lock();
	if (!(lo->flags & IFF_UP))
		dev_open(lo, NULL);
	rtnl_unlock();

	err = kunit_add_action_or_reset(test, mp_tcp_pair_release, tp);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &tp->listener);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, kernel_bind(tp->listener, sa, sizeof(addr)), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(tp->listener, 1), 0);
	KUNIT_ASSERT_GE(test, kernel_getsockname(tp->listener, sa), 0);
	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &tp->client);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kernel_connect(tp->client, sa, sizeof(addr), 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, kernel_accept(tp->listener, &tp->server, 0), 0);
}

/* Queue @netmem as the next in-order payload of @sk, as GRO would. */
static void mp_tcp_queue_netmem(struct kunit *test, struct sock *sk,
				netmem_ref netmem, unsigned int len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	skb = alloc_skb(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_add_rx_frag_netmem(skb, 0, netmem, 0, len, PAGE_SIZE);
	skb_mark_for_recycle(skb);
	KUNIT_ASSERT_FALSE(test, skb_frags_readable(skb));

	lock_sock(sk);
	KUNIT_EXPECT_TRUE(test, sk_rmem_schedule(sk, skb, skb->truesize));
	TCP_SKB_CB(skb)->seq = tp->rcv_nxt;
	TCP_SKB_CB(skb)->end_seq = tp->rcv_nxt + len;
	TCP_SKB_CB(skb)->tcp_flags = TCPHDR_ACK;
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	WRITE_ONCE(tp->rcv_nxt, TCP_SKB_CB(skb)->end_seq);
	release_sock(sk);
}

static void test_devmem_recv_refuses_foreign_net_iov(struct kunit *test)
{
	struct mp_test_ctx *ctx = test->priv;
	struct mp_tcp_pair *tp;
	char cbuf[CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct page_pool *pool;
	netmem_ref netmem;
	struct kvec iov;
	char buf[64];
	int ret;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_EQ(test, 0, mp_test_open_rxq(ctx, MP_TEST_RXQ, &ctx->params));
	pool = mp_test_pool(ctx, MP_TEST_RXQ);
	netmem = mp_test_pool_alloc(pool);
	KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmem));

	mp_tcp_pair_connect(test, tp);
	mp_tcp_queue_netmem(test, tp->server->sk, netmem, 100);

	/* Without MSG_SOCK_DEVMEM unreadable payload is never copied. */
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	ret = kernel_recvmsg(tp->server, &msg, &iov, 1, sizeof(buf),
			     MSG_DONTWAIT);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	/* With it, devmem refuses a net_iov that is not a dma-buf's. */
	ret = kernel_recvmsg(tp->server, &msg, &iov, 1, sizeof(buf),
			     MSG_DONTWAIT | MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
	KUNIT_EXPECT_TRUE(test, xa_empty(&tp->server->sk->sk_user_frags));

	/* Closing the socket frees the skb: the buffer goes back to the pool. */
	kunit_release_action(test, mp_tcp_pair_release, tp);
	KUNIT_EXPECT_EQ(test, 0, mp_test_close_rxq(ctx, MP_TEST_RXQ));
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_destroy, 1);
	KUNIT_EXPECT_EQ(test, ctx->mp->nr_free, MP_TEST_NIOVS);
}

static struct kunit_case net_mp_test_cases[] = {
	KUNIT_CASE(test_bind_restarts_queue_with_provider),
	KUNIT_CASE(test_alloc_gives_provider_net_iov),
	KUNIT_CASE(test_batch_goes_to_alloc_cache),
	KUNIT_CASE(test_unbind_returns_every_buffer),
	KUNIT_CASE_SLOW(test_buffer_in_flight_outlives_unbind),
	KUNIT_CASE(test_unregister_uninstalls_provider),
	KUNIT_CASE(test_bind_and_unbind_while_down),
	KUNIT_CASE(test_bind_while_down_refused),
	KUNIT_CASE(test_netlink_shows_bound_provider),
	KUNIT_CASE_PARAM(test_bind_refused, mp_refusal_gen_params),
	KUNIT_CASE(test_devmem_recv_refuses_foreign_net_iov),
	{}
};

static struct kunit_suite net_mp_test_suite = {
	.name = "net_mp",
	.init = net_mp_test_init,
	.exit = net_mp_test_exit,
	.test_cases = net_mp_test_cases,
};

kunit_test_suite(net_mp_test_suite);

MODULE_DESCRIPTION("KUnit tests for page_pool memory providers");
MODULE_LICENSE("GPL");
