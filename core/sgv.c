// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the sgv pool, a cache of data buffers: scatterlists together
 * with their pages.
 *
 * Every command with a data phase needs a buffer, usually of one of a few
 * sizes, and allocating and freeing dozens of pages per command is what
 * would dominate the cost of a fast dev handler. The pool keeps released
 * vectors and hands them out again without touching the page allocator.
 *
 * Size classes: class c holds vectors of 2^c pages, c = 0..8 (4 KiB to
 * 1 MiB with 4 KiB pages). A request is served from the smallest class
 * that fits, and the scatterlist handed out is trimmed to the requested
 * length (the last entry shortened, the end marked); ktgt_sgv_free()
 * restores it. Larger requests are built for the occasion from the same
 * chunks and freed on release (not cached).
 *
 * A vector's pages are allocated in chunks of up to 2^KTGT_SGV_MAX_ORDER
 * pages (compound pages, __GFP_NORETRY), falling back to smaller chunks
 * down to single pages, so building a vector never forces compaction and
 * small vectors are usually one physically contiguous chunk.
 *
 * GFP: an allocation that may not sleep (GFP_ATOMIC, no
 * __GFP_DIRECT_RECLAIM) is served only from the cache; on a miss it
 * returns NULL and the command engine retries from a worker with
 * GFP_KERNEL.
 *
 * Pages lent to the network stack: a driver may hand a buffer's pages to
 * TCP by reference (kernel_sendpage()), and TCP keeps its reference until
 * the data is acknowledged, possibly long after the command released the
 * buffer. The rule: a vector is reused only when the pool holds the only
 * reference to each of its pages (page_count() == 1; a chunk is one
 * compound page, whose tail pages count on the head). A vector released
 * with a page still referenced elsewhere goes to its class's busy list
 * instead of the free list; a request its free list cannot serve looks
 * at the oldest KTGT_SGV_BUSY_SCAN busy vectors and takes the first whose
 * pages are all back. Past KTGT_SGV_MAX_BUSY_PAGES busy pages, a busy
 * vector is dropped instead: the pool puts its own references and the
 * last holder frees the pages. Reclaim treats busy vectors as cached
 * ones (dropping them, never waiting).
 *
 * Reclaim: a shrinker ("ktgt-sgv") frees the least recently used cached
 * vectors under memory pressure, and a delayed work frees those idle for
 * more than sgv_purge_secs (default 60) seconds. Called from kswapd, the
 * shrinker leaves the working set alone: vectors used in the last
 * sgv_shrink_idle_ms (default 100) ms, so that background reclaim on a
 * target whose page cache churns (fileio) does not empty the pool. Called
 * by a task stalled in direct reclaim, or by drop_caches, it frees the
 * least recently used vectors whatever their age. Its seeks is 0: a
 * cached page costs no I/O to make again, only an allocation, so every
 * reclaim pass asks for half the pool (mm/vmscan.c), one vector per call
 * (batch 1; it reports the pages it freed as scanned). With DEFAULT_SEEKS
 * and the default batch of 128, a pass at priority p asks for
 * (pages >> p) * 2, which for a pool of a few thousand pages is nothing
 * until reclaim is desperate: the pool sat on its idle pages while the
 * page cache was evicted. A consequence: drop_caches frees half of what
 * is left each pass and may leave a vector or two, which the idle purge
 * frees.
 *
 * Locking: one spinlock per class protects its free list and the count
 * of vectors on it, taken with spin_lock_irqsave() because buffers are
 * released from any context. The event counters are per CPU, so that a
 * command's buffer writes no counter shared with other CPUs; the
 * cached_* gauges are read from the classes' counts; allocated_pages
 * and the busy_* gauges, which change only when pages are allocated or
 * freed or a vector waits for TCP, are atomics. Free lists are LIFO, so
 * the most recently used (cache-warm) vector is reused first and the
 * tail holds the oldest.
 *
 * Statistics in /sys/kernel/ktgt/sgv/: hits, misses (requests the cache
 * could not serve, including uncached sizes), cached_vectors,
 * cached_pages, allocated_pages (every page the pool owns, cached or in
 * use), shrunk_pages (freed by the shrinker) and purged_pages (freed for
 * idleness), busy_vectors and busy_pages (released while lent, waiting),
 * busy_recycled (busy vectors reused once their pages came back),
 * busy_dropped (busy vectors dropped over the limit), and the shrinker's
 * invocations: shrink_counts (calls of its count_objects(), which memory
 * reclaim makes whenever it walks the shrinkers, whether or not it then
 * asks for anything) and shrink_scans (calls of its scan_objects(), each
 * a request to free up to nr_to_scan pages). Every counter but the
 * cached_*, allocated_pages and busy_vectors/busy_pages gauges only
 * grows, so a reader takes deltas: over an interval, hits + misses is
 * the number of buffers requested and misses is the number the cache
 * could not serve.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/swap.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

/* Classes 0..KTGT_SGV_NR_CLASSES - 1: vectors of 1 to 256 pages. */
#define KTGT_SGV_NR_CLASSES	9
/* Largest chunk of physically contiguous pages in a vector (32 KiB). */
#define KTGT_SGV_MAX_ORDER	PAGE_ALLOC_COSTLY_ORDER
/* Class of a vector built for one request and freed after it. */
#define KTGT_SGV_UNCACHED	(-1)
/* Busy vectors looked at by a request its free list cannot serve. */
#define KTGT_SGV_BUSY_SCAN	4
/* Pages kept on the busy lists at most (64 MiB with 4 KiB pages). */
#define KTGT_SGV_MAX_BUSY_PAGES	16384

static unsigned int sgv_purge_secs = 60;
module_param(sgv_purge_secs, uint, 0644);
MODULE_PARM_DESC(sgv_purge_secs,
		 "free cached data buffers idle for this many seconds (default 60)");

static unsigned int sgv_shrink_idle_ms = 100;
module_param(sgv_shrink_idle_ms, uint, 0644);
MODULE_PARM_DESC(sgv_shrink_idle_ms,
		 "kswapd frees cached data buffers unused for this many ms (default 100)");

/**
 * struct ktgt_sgv - a data buffer: a scatterlist and its pages
 * @node: in its class's free or busy list while cached
 * @free_node: in ktgt_sgv_dead while an uncached vector awaits freeing
 * @last_used: jiffies when it was last released
 * @cls: its size class, or KTGT_SGV_UNCACHED
 * @nr_pages: pages it holds
 * @nents: entries of the full scatterlist
 * @trim_idx: the entry the handed-out list ends at
 * @trim_len: that entry's full length
 * @sg: the scatterlist
 */
struct ktgt_sgv {
	struct list_head	node;
	struct llist_node	free_node;
	unsigned long		last_used;
	int			cls;
	unsigned int		nr_pages;
	unsigned int		nents;
	unsigned int		trim_idx;
	unsigned int		trim_len;
	struct scatterlist	sg[];
};

/**
 * struct ktgt_sgv_class - the cached vectors of one size
 * @lock: protects @free, @nr_free and @busy
 * @free: cached vectors, most recently released first
 * @nr_free: their number (read without @lock by the statistics and the
 *	shrinker's count)
 * @busy: vectors released while some page was still referenced elsewhere,
 *	most recently released first
 */
struct ktgt_sgv_class {
	spinlock_t		lock;	/* protects @free, @nr_free, @busy */
	struct list_head	free;
	unsigned int		nr_free;
	struct list_head	busy;
};

static struct ktgt_sgv_class ktgt_sgv_classes[KTGT_SGV_NR_CLASSES];

/*
 * The pool's event counters (see the top of the file), one per CPU:
 * added to with this_cpu_add() (sgv_stat_add()) in any context, summed
 * by their sysfs files.
 */
static DEFINE_PER_CPU(unsigned long, sgv_hits);
static DEFINE_PER_CPU(unsigned long, sgv_misses);
static DEFINE_PER_CPU(unsigned long, sgv_shrunk_pages);
static DEFINE_PER_CPU(unsigned long, sgv_purged_pages);
static DEFINE_PER_CPU(unsigned long, sgv_busy_recycled);
static DEFINE_PER_CPU(unsigned long, sgv_busy_dropped);
static DEFINE_PER_CPU(unsigned long, sgv_shrink_counts);
static DEFINE_PER_CPU(unsigned long, sgv_shrink_scans);

#define sgv_stat_add(name, n)	this_cpu_add(sgv_##name, (n))

static atomic_long_t sgv_allocated_pages;
static atomic_long_t sgv_busy_vectors;
static atomic_long_t sgv_busy_pages;

static struct kobject *ktgt_sgv_kobj;
/*
 * Uncached vectors released in a context that may not sleep, for
 * ktgt_sgv_dead_work to free (kvfree() may sleep).
 */
static LLIST_HEAD(ktgt_sgv_dead);
static struct work_struct ktgt_sgv_dead_work;
static struct delayed_work ktgt_sgv_purge_work;
static struct shrinker ktgt_sgv_shrinker;

/* Free a vector's pages and the vector itself. */
static void sgv_destroy(struct ktgt_sgv *v)
{
	unsigned int i;

	for (i = 0; i < v->nents; i++) {
		struct scatterlist *sg = &v->sg[i];

		__free_pages(sg_page(sg), get_order(sg->length));
	}
	atomic_long_sub(v->nr_pages, &sgv_allocated_pages);
	kvfree(v);
}

/* Allocate a vector of @nr_pages pages in the largest chunks available. */
static struct ktgt_sgv *sgv_build(unsigned int nr_pages, int cls, gfp_t gfp)
{
	unsigned int order = KTGT_SGV_MAX_ORDER;
	unsigned int left = nr_pages;
	struct ktgt_sgv *v;

	v = kvmalloc(struct_size(v, sg, nr_pages), gfp);
	if (!v)
		return NULL;
	v->cls = cls;
	v->nr_pages = nr_pages;
	v->nents = 0;
	sg_init_table(v->sg, nr_pages);

	while (left) {
		struct page *page;
		/* Lowmem: handlers copy through page_address(). */
		gfp_t flags = gfp & ~__GFP_HIGHMEM;

		order = min_t(unsigned int, order, ilog2(left));
		if (order)
			flags |= __GFP_COMP | __GFP_NORETRY | __GFP_NOWARN;
		page = alloc_pages(flags, order);
		if (!page) {
			if (order) {
				order--;
				continue;
			}
			goto fail;
		}
		sg_set_page(&v->sg[v->nents++], page, PAGE_SIZE << order, 0);
		left -= 1U << order;
	}
	sg_mark_end(&v->sg[v->nents - 1]);
	atomic_long_add(nr_pages, &sgv_allocated_pages);
	return v;

fail:
	/* sgv_destroy() subtracts what was never added: add it first. */
	atomic_long_add(nr_pages, &sgv_allocated_pages);
	sgv_destroy(v);
	return NULL;
}

/* Whether a page of @v is referenced by someone else than the pool. */
static bool sgv_lent(struct ktgt_sgv *v)
{
	unsigned int i;

	for (i = 0; i < v->nents; i++)
		if (page_count(sg_page(&v->sg[i])) != 1)
			return true;
	return false;
}

/*
 * The oldest busy vector of @c, among the first KTGT_SGV_BUSY_SCAN, whose
 * pages all came back, unlinked; under c->lock.
 */
static struct ktgt_sgv *sgv_take_returned(struct ktgt_sgv_class *c)
{
	struct ktgt_sgv *v;
	unsigned int n = 0;

	lockdep_assert_held(&c->lock);
	list_for_each_entry_reverse(v, &c->busy, node) {
		if (n++ == KTGT_SGV_BUSY_SCAN)
			break;
		if (sgv_lent(v))
			continue;
		/* The last put happened before we write the pages again. */
		smp_acquire__after_ctrl_dep();
		list_del(&v->node);
		return v;
	}
	return NULL;
}

/* Hand out @v trimmed to @len bytes. */
static void sgv_trim(struct ktgt_sgv *v, u32 len, struct scatterlist **sg,
		     unsigned int *nents)
{
	unsigned int i;
	u32 left = len;

	for (i = 0; i < v->nents - 1; i++) {
		if (left <= v->sg[i].length)
			break;
		left -= v->sg[i].length;
	}
	v->trim_idx = i;
	v->trim_len = v->sg[i].length;
	v->sg[i].length = left;
	if (i != v->nents - 1) {
		sg_unmark_end(&v->sg[v->nents - 1]);
		sg_mark_end(&v->sg[i]);
	}
	*sg = v->sg;
	*nents = i + 1;
}

/* Undo sgv_trim(). */
static void sgv_untrim(struct ktgt_sgv *v)
{
	unsigned int i = v->trim_idx;

	v->sg[i].length = v->trim_len;
	if (i != v->nents - 1) {
		sg_unmark_end(&v->sg[i]);
		sg_mark_end(&v->sg[v->nents - 1]);
	}
}

void *ktgt_sgv_alloc(u32 len, gfp_t gfp, struct scatterlist **sg,
		     unsigned int *nents)
{
	unsigned int nr_pages;
	struct ktgt_sgv *v = NULL;
	unsigned long flags;
	int cls;

	if (!len)
		return NULL;
	nr_pages = DIV_ROUND_UP(len, PAGE_SIZE);
	cls = order_base_2(nr_pages);

	if (cls < KTGT_SGV_NR_CLASSES) {
		struct ktgt_sgv_class *c = &ktgt_sgv_classes[cls];

		spin_lock_irqsave(&c->lock, flags);
		v = list_first_entry_or_null(&c->free, struct ktgt_sgv, node);
		if (v) {
			list_del(&v->node);
			WRITE_ONCE(c->nr_free, c->nr_free - 1);
			spin_unlock_irqrestore(&c->lock, flags);
			sgv_stat_add(hits, 1);
			goto out;
		}
		v = sgv_take_returned(c);
		spin_unlock_irqrestore(&c->lock, flags);
		if (v) {
			sgv_stat_add(hits, 1);
			sgv_stat_add(busy_recycled, 1);
			atomic_long_dec(&sgv_busy_vectors);
			atomic_long_sub(v->nr_pages, &sgv_busy_pages);
			goto out;
		}
		nr_pages = 1U << cls;
	} else {
		cls = KTGT_SGV_UNCACHED;
	}

	sgv_stat_add(misses, 1);
	if (!gfpflags_allow_blocking(gfp))
		return NULL;
	v = sgv_build(nr_pages, cls, gfp);
	if (!v)
		return NULL;
out:
	sgv_trim(v, len, sg, nents);
	return v;
}
EXPORT_SYMBOL_GPL(ktgt_sgv_alloc);

void ktgt_sgv_free(void *handle)
{
	struct ktgt_sgv *v = handle;
	struct ktgt_sgv_class *c;
	unsigned long flags;

	if (!v)
		return;
	sgv_untrim(v);
	if (v->cls != KTGT_SGV_UNCACHED && sgv_lent(v)) {
		if (atomic_long_add_return(v->nr_pages, &sgv_busy_pages) <=
		    KTGT_SGV_MAX_BUSY_PAGES) {
			c = &ktgt_sgv_classes[v->cls];
			v->last_used = jiffies;
			/* Counted before reclaim can find it and uncount it. */
			atomic_long_inc(&sgv_busy_vectors);
			spin_lock_irqsave(&c->lock, flags);
			list_add(&v->node, &c->busy);
			spin_unlock_irqrestore(&c->lock, flags);
			return;
		}
		atomic_long_sub(v->nr_pages, &sgv_busy_pages);
		sgv_stat_add(busy_dropped, 1);
		/* Our references are put below; the last holder frees. */
		v->cls = KTGT_SGV_UNCACHED;
	}
	if (v->cls == KTGT_SGV_UNCACHED) {
		if (llist_add(&v->free_node, &ktgt_sgv_dead))
			queue_work(system_unbound_wq, &ktgt_sgv_dead_work);
		return;
	}

	c = &ktgt_sgv_classes[v->cls];
	v->last_used = jiffies;
	spin_lock_irqsave(&c->lock, flags);
	list_add(&v->node, &c->free);
	WRITE_ONCE(c->nr_free, c->nr_free + 1);
	spin_unlock_irqrestore(&c->lock, flags);
}
EXPORT_SYMBOL_GPL(ktgt_sgv_free);

/*
 * Free cached vectors, oldest first, taking turns over the classes, until
 * @goal pages are freed or nothing older than @older_than (jiffies; 0 for
 * any age) is left. Returns the number of pages freed.
 */
static unsigned long sgv_reclaim(unsigned long goal, unsigned long older_than)
{
	unsigned long freed = 0;
	bool progress = true;
	unsigned long flags;
	int cls;

	while (freed < goal && progress) {
		progress = false;
		for (cls = KTGT_SGV_NR_CLASSES - 1; cls >= 0 && freed < goal;
		     cls--) {
			struct ktgt_sgv_class *c = &ktgt_sgv_classes[cls];
			struct ktgt_sgv *v, *b;
			bool busy = false;

			spin_lock_irqsave(&c->lock, flags);
			v = list_empty(&c->free) ? NULL :
			    list_last_entry(&c->free, struct ktgt_sgv, node);
			b = list_empty(&c->busy) ? NULL :
			    list_last_entry(&c->busy, struct ktgt_sgv, node);
			/*
			 * The older of the two oldest: a busy vector must not
			 * outlive its age while the class's free ones turn
			 * over.
			 */
			if (b && (!v ||
				  time_before(b->last_used, v->last_used))) {
				v = b;
				busy = true;
			}
			if (!v || (older_than &&
				   time_after(v->last_used, older_than))) {
				spin_unlock_irqrestore(&c->lock, flags);
				continue;
			}
			list_del(&v->node);
			if (!busy)
				WRITE_ONCE(c->nr_free, c->nr_free - 1);
			spin_unlock_irqrestore(&c->lock, flags);

			if (busy) {
				atomic_long_dec(&sgv_busy_vectors);
				atomic_long_sub(v->nr_pages, &sgv_busy_pages);
			}
			freed += v->nr_pages;
			sgv_destroy(v);
			progress = true;
		}
	}
	return freed;
}

/*
 * sgv_reclaim()'s @older_than for vectors idle for @idle jiffies: 0
 * would mean "any age" to it, so keep at least a tick.
 */
static unsigned long sgv_idle_since(unsigned long idle)
{
	return (jiffies - idle) ? : 1;
}

static void sgv_dead_fn(struct work_struct *work)
{
	struct ktgt_sgv *v, *tmp;

	llist_for_each_entry_safe(v, tmp, llist_del_all(&ktgt_sgv_dead),
				  free_node)
		sgv_destroy(v);
}

/*
 * Vectors and pages on the free lists: each cached vector of class cls
 * has 1 << cls pages. Without the locks: a snapshot.
 */
static void sgv_cached(unsigned long *vectors, unsigned long *pages)
{
	int cls;

	*vectors = 0;
	*pages = 0;
	for (cls = 0; cls < KTGT_SGV_NR_CLASSES; cls++) {
		unsigned int n = READ_ONCE(ktgt_sgv_classes[cls].nr_free);

		*vectors += n;
		*pages += (unsigned long)n << cls;
	}
}

static unsigned long sgv_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long vectors, pages;
	long n;

	sgv_cached(&vectors, &pages);
	n = pages + atomic_long_read(&sgv_busy_pages);
	sgv_stat_add(shrink_counts, 1);
	return n > 0 ? n : SHRINK_EMPTY;
}

static unsigned long sgv_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long idle = msecs_to_jiffies(READ_ONCE(sgv_shrink_idle_ms));
	unsigned long freed;

	/*
	 * Called by memory reclaim, in process context: frees idle vectors
	 * only (cached, or busy ones whose pages TCP may still hold) and
	 * never waits for a buffer in use.
	 */
	sgv_stat_add(shrink_scans, 1);
	/*
	 * kswapd's background reclaim gets the idle vectors only; a task
	 * stalled in direct reclaim (or drop_caches) gets the least
	 * recently used ones whatever their age.
	 */
	freed = sgv_reclaim(sc->nr_to_scan,
			    current_is_kswapd() ? sgv_idle_since(idle) : 0);
	if (!freed)
		return SHRINK_STOP;
	sgv_stat_add(shrunk_pages, freed);
	/* Whole vectors: maybe more pages than asked for. */
	sc->nr_scanned = freed;
	return freed;
}

static void sgv_purge_fn(struct work_struct *work)
{
	unsigned long idle = (unsigned long)READ_ONCE(sgv_purge_secs) * HZ;
	unsigned long freed;

	freed = sgv_reclaim(ULONG_MAX, sgv_idle_since(idle));
	if (freed)
		sgv_stat_add(purged_pages, freed);
	/* Look again at a quarter of the idle time, at most every 15 s. */
	queue_delayed_work(system_unbound_wq, &ktgt_sgv_purge_work,
			   clamp_val(idle / 4, HZ / 10, 15 * HZ));
}

/* A per-CPU event counter, summed. */
#define KTGT_SGV_EVENT(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	unsigned long sum = 0;						\
	int cpu;							\
									\
	for_each_possible_cpu(cpu)					\
		sum += per_cpu(sgv_##name, cpu);			\
	return sysfs_emit(buf, "%lu\n", sum);				\
}									\
static struct kobj_attribute ktgt_sgv_##name##_attr = __ATTR_RO(name)

/* An atomic gauge. */
#define KTGT_SGV_GAUGE(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&sgv_##name));	\
}									\
static struct kobj_attribute ktgt_sgv_##name##_attr = __ATTR_RO(name)

/* A gauge of the free lists: "vectors" or "pages" (sgv_cached()). */
#define KTGT_SGV_CACHED(what)						\
static ssize_t cached_##what##_show(struct kobject *kobj,		\
				    struct kobj_attribute *attr,	\
				    char *buf)				\
{									\
	unsigned long vectors, pages;					\
									\
	sgv_cached(&vectors, &pages);					\
	return sysfs_emit(buf, "%lu\n", what);				\
}									\
static struct kobj_attribute ktgt_sgv_cached_##what##_attr =		\
	__ATTR_RO(cached_##what)

KTGT_SGV_CACHED(vectors);
KTGT_SGV_CACHED(pages);
KTGT_SGV_EVENT(hits);
KTGT_SGV_EVENT(misses);
KTGT_SGV_GAUGE(allocated_pages);
KTGT_SGV_EVENT(shrunk_pages);
KTGT_SGV_EVENT(purged_pages);
KTGT_SGV_GAUGE(busy_vectors);
KTGT_SGV_GAUGE(busy_pages);
KTGT_SGV_EVENT(busy_recycled);
KTGT_SGV_EVENT(busy_dropped);
KTGT_SGV_EVENT(shrink_counts);
KTGT_SGV_EVENT(shrink_scans);

static struct attribute *ktgt_sgv_attrs[] = {
	&ktgt_sgv_hits_attr.attr,
	&ktgt_sgv_misses_attr.attr,
	&ktgt_sgv_cached_vectors_attr.attr,
	&ktgt_sgv_cached_pages_attr.attr,
	&ktgt_sgv_allocated_pages_attr.attr,
	&ktgt_sgv_shrunk_pages_attr.attr,
	&ktgt_sgv_purged_pages_attr.attr,
	&ktgt_sgv_busy_vectors_attr.attr,
	&ktgt_sgv_busy_pages_attr.attr,
	&ktgt_sgv_busy_recycled_attr.attr,
	&ktgt_sgv_busy_dropped_attr.attr,
	&ktgt_sgv_shrink_counts_attr.attr,
	&ktgt_sgv_shrink_scans_attr.attr,
	NULL,
};

static const struct attribute_group ktgt_sgv_group = {
	.attrs = ktgt_sgv_attrs,
};

int ktgt_sgv_init(void)
{
	int cls, ret;

	for (cls = 0; cls < KTGT_SGV_NR_CLASSES; cls++) {
		spin_lock_init(&ktgt_sgv_classes[cls].lock);
		INIT_LIST_HEAD(&ktgt_sgv_classes[cls].free);
		INIT_LIST_HEAD(&ktgt_sgv_classes[cls].busy);
		ktgt_sgv_classes[cls].nr_free = 0;
	}

	INIT_WORK(&ktgt_sgv_dead_work, sgv_dead_fn);
	ktgt_sgv_kobj = kobject_create_and_add("sgv", ktgt_sysfs_root);
	if (!ktgt_sgv_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(ktgt_sgv_kobj, &ktgt_sgv_group);
	if (ret)
		goto out_kobj;

	ktgt_sgv_shrinker.count_objects = sgv_shrink_count;
	ktgt_sgv_shrinker.scan_objects = sgv_shrink_scan;
	ktgt_sgv_shrinker.seeks = 0;	/* see "Reclaim" above */
	ktgt_sgv_shrinker.batch = 1;
	ret = register_shrinker(&ktgt_sgv_shrinker, "ktgt-sgv");
	if (ret)
		goto out_group;

	INIT_DELAYED_WORK(&ktgt_sgv_purge_work, sgv_purge_fn);
	queue_delayed_work(system_unbound_wq, &ktgt_sgv_purge_work, HZ);
	return 0;

out_group:
	sysfs_remove_group(ktgt_sgv_kobj, &ktgt_sgv_group);
out_kobj:
	kobject_put(ktgt_sgv_kobj);
	ktgt_sgv_kobj = NULL;
	return ret;
}

void ktgt_sgv_exit(void)
{
	long left;

	cancel_delayed_work_sync(&ktgt_sgv_purge_work);
	unregister_shrinker(&ktgt_sgv_shrinker);
	flush_work(&ktgt_sgv_dead_work);
	sgv_reclaim(ULONG_MAX, 0);
	left = atomic_long_read(&sgv_allocated_pages);
	WARN(left, "ktgt: %ld sgv pages still in use at exit\n", left);
	sysfs_remove_group(ktgt_sgv_kobj, &ktgt_sgv_group);
	kobject_put(ktgt_sgv_kobj);
	ktgt_sgv_kobj = NULL;
}
