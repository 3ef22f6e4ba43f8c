/* workqueue: client-go's rate-limited workqueue on the libuv loop (see
 * workqueue.h).
 *
 * Each known key has one item, found through a hash table. An item is
 * "dirty" when it needs processing and "processing" while a worker has it;
 * a dirty item that is not processing sits in the ready list, a processing
 * one in the in-flight list (oldest first), and an item with a pending
 * delay also sits in a min-heap ordered by due time. An item that is none
 * of these and has no backoff to remember is freed.
 *
 * Workers are started from an idle handle, never from inside the calls
 * that change the queue, so a caller's add or done never re-enters its own
 * worker callback. One timer wakes the queue for the earliest delayed key. */
#include "workqueue.h"

#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WORKQUEUE_DEFAULT_BASE_MS 500
#define WORKQUEUE_DEFAULT_MAX_MS (1000 * 1000)
#define WORKQUEUE_DEFAULT_QPS 10.0
#define WORKQUEUE_DEFAULT_BURST 100
/* Keys started per loop iteration, so a long queue shares the loop with
 * sockets and timers. */
#define WORKQUEUE_BATCH 64

struct item {
  struct item *hnext;       /* hash chain */
  struct item *prev, *next; /* the ready list or the in-flight list */
  size_t heap_at;           /* index + 1 in the delay heap; 0: not there */
  uint64_t due;             /* loop time at which a delayed key is added */
  uint64_t started;         /* loop time a worker got it */
  int failures;             /* add_rate_limited calls since forget */
  int dirty;
  int processing;
  char key[];
};

struct list {
  struct item *head, *tail;
  uint64_t len;
};

struct workqueue {
  uv_loop_t *loop;
  struct workqueue_opts o;
  uv_timer_t timer;
  uv_idle_t idle;
  struct item **buckets;
  size_t nbuckets, nitems;
  struct list ready, flight;
  struct item **heap;
  size_t nheap, heapcap;
  double tokens;
  uint64_t tokens_at;
  struct workqueue_stats st;
  int dispatching;
  int closing;
  int closed; /* handles are closing */
  int open_handles;
  enum workqueue_close_mode mode;
  void (*close_cb)(void *data);
  void *close_data;
};

/* ---- lists ---- */

static void list_push(struct list *l, struct item *it)
{
  it->prev = l->tail;
  it->next = NULL;
  if (l->tail)
    l->tail->next = it;
  else
    l->head = it;
  l->tail = it;
  l->len++;
}

static void list_remove(struct list *l, struct item *it)
{
  if (it->prev)
    it->prev->next = it->next;
  else
    l->head = it->next;
  if (it->next)
    it->next->prev = it->prev;
  else
    l->tail = it->prev;
  it->prev = it->next = NULL;
  l->len--;
}

/* ---- the key table ---- */

static uint64_t hash_key(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int table_grow(struct workqueue *q)
{
  size_t n = q->nbuckets ? q->nbuckets * 2 : 64;
  struct item **b = calloc(n, sizeof *b);
  if (!b)
    return -ENOMEM;
  for (size_t i = 0; i < q->nbuckets; i++) {
    struct item *it = q->buckets[i], *next;
    for (; it; it = next) {
      next = it->hnext;
      size_t at = hash_key(it->key) & (n - 1);
      it->hnext = b[at];
      b[at] = it;
    }
  }
  free(q->buckets);
  q->buckets = b;
  q->nbuckets = n;
  return 0;
}

static struct item *item_find(struct workqueue *q, const char *key)
{
  if (!q->nbuckets)
    return NULL;
  struct item *it = q->buckets[hash_key(key) & (q->nbuckets - 1)];
  while (it && strcmp(it->key, key) != 0)
    it = it->hnext;
  return it;
}

static int key_check(const char *key)
{
  if (!key || !*key)
    return -EINVAL;
  return strlen(key) >= WORKQUEUE_KEY_MAX ? -ENAMETOOLONG : 0;
}

/* Finds the key's item or makes one; NULL with *rc set when it cannot. */
static struct item *item_get(struct workqueue *q, const char *key, int *rc)
{
  struct item *it = item_find(q, key);
  if (it)
    return it;
  if (q->nitems >= q->nbuckets && (*rc = table_grow(q)) != 0)
    return NULL;
  size_t len = strlen(key);
  it = calloc(1, sizeof *it + len + 1);
  if (!it) {
    *rc = -ENOMEM;
    return NULL;
  }
  memcpy(it->key, key, len + 1);
  size_t at = hash_key(key) & (q->nbuckets - 1);
  it->hnext = q->buckets[at];
  q->buckets[at] = it;
  q->nitems++;
  return it;
}

/* Frees the item when nothing refers to it any more. */
static void item_release(struct workqueue *q, struct item *it)
{
  if (it->dirty || it->processing || it->heap_at || it->failures)
    return;
  struct item **p = &q->buckets[hash_key(it->key) & (q->nbuckets - 1)];
  while (*p != it)
    p = &(*p)->hnext;
  *p = it->hnext;
  q->nitems--;
  free(it);
}

/* ---- the delay heap ---- */

static void heap_swap(struct workqueue *q, size_t a, size_t b)
{
  struct item *t = q->heap[a];
  q->heap[a] = q->heap[b];
  q->heap[b] = t;
  q->heap[a]->heap_at = a + 1;
  q->heap[b]->heap_at = b + 1;
}

static void heap_up(struct workqueue *q, size_t i)
{
  while (i > 0 && q->heap[(i - 1) / 2]->due > q->heap[i]->due) {
    heap_swap(q, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void heap_down(struct workqueue *q, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, min = i;
    if (l < q->nheap && q->heap[l]->due < q->heap[min]->due)
      min = l;
    if (r < q->nheap && q->heap[r]->due < q->heap[min]->due)
      min = r;
    if (min == i)
      return;
    heap_swap(q, i, min);
    i = min;
  }
}

static int heap_push(struct workqueue *q, struct item *it)
{
  if (q->nheap == q->heapcap) {
    size_t cap = q->heapcap ? q->heapcap * 2 : 16;
    void *p = realloc(q->heap, cap * sizeof *q->heap);
    if (!p)
      return -ENOMEM;
    q->heap = p;
    q->heapcap = cap;
  }
  q->heap[q->nheap] = it;
  it->heap_at = ++q->nheap;
  heap_up(q, q->nheap - 1);
  return 0;
}

static void heap_remove(struct workqueue *q, struct item *it)
{
  size_t i = it->heap_at - 1;
  q->nheap--;
  if (i != q->nheap) {
    heap_swap(q, i, q->nheap);
    heap_down(q, i);
    heap_up(q, i);
  }
  it->heap_at = 0;
}

/* ---- scheduling ---- */

static void on_timer(uv_timer_t *t);

static void arm_timer(struct workqueue *q)
{
  if (q->closed)
    return;
  if (!q->nheap) {
    uv_timer_stop(&q->timer);
    return;
  }
  uint64_t now = uv_now(q->loop), due = q->heap[0]->due;
  uv_timer_start(&q->timer, on_timer, due > now ? due - now : 0, 0);
}

static void on_idle(uv_idle_t *h);

static void kick(struct workqueue *q)
{
  if (!q->closed && q->ready.len && q->st.in_flight < (uint64_t)q->o.workers)
    uv_idle_start(&q->idle, on_idle);
}

/* Marks the item dirty and queues it unless a worker has it (done queues
 * it then). */
static void item_add(struct workqueue *q, struct item *it)
{
  if (it->dirty)
    return;
  it->dirty = 1;
  q->st.adds++;
  if (!it->processing)
    list_push(&q->ready, it);
  kick(q);
}

static void on_timer(uv_timer_t *t)
{
  struct workqueue *q = t->data;
  uint64_t now = uv_now(q->loop);
  while (q->nheap && q->heap[0]->due <= now) {
    struct item *it = q->heap[0];
    heap_remove(q, it);
    item_add(q, it);
  }
  arm_timer(q);
}

static void check_closed(struct workqueue *q);

static void start_worker(struct workqueue *q)
{
  struct item *it = q->ready.head;
  list_remove(&q->ready, it);
  it->dirty = 0;
  it->processing = 1;
  it->started = uv_now(q->loop);
  list_push(&q->flight, it);
  q->st.in_flight++;
  /* The worker may call done at once, and done may free the item: it is
   * not touched after this. */
  q->o.process(q, it->key, q->o.data);
}

static void on_idle(uv_idle_t *h)
{
  struct workqueue *q = h->data;
  uv_idle_stop(&q->idle);
  q->dispatching = 1;
  for (int n = 0; n < WORKQUEUE_BATCH && !q->closed && q->ready.len &&
                  q->st.in_flight < (uint64_t)q->o.workers;
       n++)
    start_worker(q);
  q->dispatching = 0;
  kick(q);
  check_closed(q);
}

/* ---- the API ---- */

int workqueue_new(uv_loop_t *loop, const struct workqueue_opts *o,
                  struct workqueue **out)
{
  if (!o || !o->process)
    return -EINVAL;
  struct workqueue *q = calloc(1, sizeof *q);
  if (!q)
    return -ENOMEM;
  q->loop = loop;
  q->o = *o;
  q->o.workers = o->workers > 0 ? o->workers : 1;
  q->o.base_delay_ms =
      o->base_delay_ms ? o->base_delay_ms : WORKQUEUE_DEFAULT_BASE_MS;
  q->o.max_delay_ms =
      o->max_delay_ms ? o->max_delay_ms : WORKQUEUE_DEFAULT_MAX_MS;
  q->o.qps = o->qps != 0 ? o->qps : WORKQUEUE_DEFAULT_QPS;
  q->o.burst = o->burst > 0 ? o->burst : WORKQUEUE_DEFAULT_BURST;
  q->tokens = q->o.burst;
  q->tokens_at = uv_now(loop);
  uv_timer_init(loop, &q->timer);
  uv_idle_init(loop, &q->idle);
  q->timer.data = q->idle.data = q;
  q->open_handles = 2;
  *out = q;
  return 0;
}

int workqueue_add(struct workqueue *q, const char *key)
{
  int rc = q->closing ? -ESHUTDOWN : key_check(key);
  struct item *it = rc ? NULL : item_get(q, key, &rc);
  if (it)
    item_add(q, it);
  return rc;
}

int workqueue_add_after(struct workqueue *q, const char *key, uint64_t delay_ms)
{
  if (delay_ms == 0)
    return workqueue_add(q, key);
  int rc = q->closing ? -ESHUTDOWN : key_check(key);
  struct item *it = rc ? NULL : item_get(q, key, &rc);
  if (!it)
    return rc;
  uint64_t due = uv_now(q->loop) + delay_ms;
  if (it->heap_at) {
    /* Already waiting: the earlier time wins. */
    if (due < it->due) {
      it->due = due;
      heap_up(q, it->heap_at - 1);
    }
  } else {
    it->due = due;
    if ((rc = heap_push(q, it)) != 0) {
      item_release(q, it);
      return rc;
    }
  }
  arm_timer(q);
  return 0;
}

/* The item's exponential backoff; counts the failure. */
static uint64_t backoff(struct workqueue *q, struct item *it)
{
  uint64_t d = q->o.base_delay_ms;
  for (int i = 0; i < it->failures && d < q->o.max_delay_ms; i++)
    d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
  if (it->failures < 1000000)
    it->failures++;
  return d < q->o.max_delay_ms ? d : q->o.max_delay_ms;
}

/* Takes a token from the bucket; returns how long until it is really
 * there (golang.org/x/time/rate's Reserve: tokens may go negative). */
static uint64_t bucket_delay(struct workqueue *q)
{
  if (q->o.qps < 0)
    return 0;
  uint64_t now = uv_now(q->loop);
  q->tokens += (double)(now - q->tokens_at) * q->o.qps / 1000.0;
  if (q->tokens > q->o.burst)
    q->tokens = q->o.burst;
  q->tokens_at = now;
  q->tokens -= 1;
  if (q->tokens >= 0)
    return 0;
  return (uint64_t)ceil(-q->tokens * 1000.0 / q->o.qps);
}

int64_t workqueue_add_rate_limited(struct workqueue *q, const char *key)
{
  int rc = q->closing ? -ESHUTDOWN : key_check(key);
  struct item *it = rc ? NULL : item_get(q, key, &rc);
  if (!it)
    return rc;
  uint64_t d = backoff(q, it), b = bucket_delay(q);
  if (b > d)
    d = b;
  q->st.retries++;
  rc = workqueue_add_after(q, key, d);
  return rc ? rc : (int64_t)d;
}

void workqueue_forget(struct workqueue *q, const char *key)
{
  struct item *it = key_check(key) ? NULL : item_find(q, key);
  if (it) {
    it->failures = 0;
    item_release(q, it);
  }
}

int workqueue_num_requeues(struct workqueue *q, const char *key)
{
  struct item *it = key_check(key) ? NULL : item_find(q, key);
  return it ? it->failures : 0;
}

int workqueue_done(struct workqueue *q, const char *key)
{
  int bad = key_check(key) != 0;
  struct item *it = bad ? NULL : item_find(q, key);
  if (!it || !it->processing) {
    log_error("workqueue: done for a key not in flight key=%s",
              log_q(bad ? "(invalid)" : key));
    return -ENOENT;
  }
  it->processing = 0;
  list_remove(&q->flight, it);
  q->st.in_flight--;
  q->st.processed++;
  if (it->dirty && q->closing && q->mode == WORKQUEUE_DROP)
    it->dirty = 0;
  if (it->dirty)
    list_push(&q->ready, it);
  item_release(q, it);
  kick(q);
  check_closed(q);
  return 0;
}

void workqueue_get_stats(struct workqueue *q, struct workqueue_stats *out)
{
  *out = q->st;
  out->depth = q->ready.len;
  out->waiting = q->nheap;
  out->longest_running_ms = 0;
  if (q->flight.head) {
    uint64_t now = uv_now(q->loop), started = q->flight.head->started;
    out->longest_running_ms = now > started ? now - started : 0;
  }
}

/* ---- shutdown ---- */

static void free_items(struct workqueue *q)
{
  for (size_t i = 0; i < q->nbuckets; i++) {
    struct item *it = q->buckets[i], *next;
    for (; it; it = next) {
      next = it->hnext;
      free(it);
    }
  }
  free(q->buckets);
  free(q->heap);
}

static void on_handle_closed(uv_handle_t *h)
{
  struct workqueue *q = h->data;
  if (--q->open_handles > 0)
    return;
  void (*cb)(void *) = q->close_cb;
  void *data = q->close_data;
  free_items(q);
  free(q);
  if (cb)
    cb(data);
}

static void check_closed(struct workqueue *q)
{
  if (!q->closing || q->closed || q->dispatching || q->st.in_flight ||
      q->ready.len)
    return;
  q->closed = 1;
  uv_close((uv_handle_t *)&q->timer, on_handle_closed);
  uv_close((uv_handle_t *)&q->idle, on_handle_closed);
}

/* Empties the ready list (DROP) or the delay heap. */
static void drop_ready(struct workqueue *q)
{
  struct item *it = q->ready.head, *next;
  for (; it; it = next) {
    next = it->next;
    list_remove(&q->ready, it);
    it->dirty = 0;
    item_release(q, it);
  }
}

static void drop_delayed(struct workqueue *q)
{
  while (q->nheap) {
    struct item *it = q->heap[q->nheap - 1];
    q->nheap--;
    it->heap_at = 0;
    item_release(q, it);
  }
  uv_timer_stop(&q->timer);
}

void workqueue_close(struct workqueue *q, enum workqueue_close_mode mode,
                     void (*cb)(void *data), void *data)
{
  if (q->closing)
    return;
  q->closing = 1;
  q->mode = mode;
  q->close_cb = cb;
  q->close_data = data;
  drop_delayed(q);
  if (mode == WORKQUEUE_DROP)
    drop_ready(q);
  kick(q);
  check_closed(q);
}
