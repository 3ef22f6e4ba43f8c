/* workqueue: keys to process ("namespace/name"), on the libuv loop, with
 * client-go's rate-limited workqueue semantics.
 *
 * - workqueue_add: a key already waiting is not queued twice.
 * - A key is never processed twice at once: a key added while its worker
 *   runs is queued again, once, when that worker calls workqueue_done.
 * - At most `workers` keys are in flight; keys are handed out in the order
 *   they became ready.
 * - workqueue_add_after: the key becomes ready after a delay (a second
 *   add_after keeps the earlier time).
 * - workqueue_add_rate_limited: for retries after a failure. The delay is
 *   the larger of the key's exponential backoff (base, doubling per retry
 *   up to max; workqueue_forget resets it) and the overall token bucket
 *   (qps, burst), which keeps a storm of failures from hammering the API
 *   server. Like client-go, plain adds do not take tokens.
 *
 * The worker callback is asynchronous: it gets the key and must call
 * workqueue_done(q, key) exactly once, then or later (after its API calls
 * complete). The key string it gets stays valid until then. Callbacks run
 * on the loop, never from inside workqueue_add* or workqueue_done.
 *
 * A typical reconciler:
 *
 *   static void process(struct workqueue *q, const char *key, void *data)
 *   {
 *     ...start reconciling key; when it completes:
 *     if (failed)
 *       workqueue_add_rate_limited(q, key);
 *     else
 *       workqueue_forget(q, key);
 *     workqueue_done(q, key);
 *   }
 *
 * Not thread-safe: call everything from the loop's thread. */
#ifndef IOP_WORKQUEUE_H
#define IOP_WORKQUEUE_H

#include <stdint.h>
#include <uv.h>

#define WORKQUEUE_KEY_MAX                                                      \
  1024 /* longer keys are refused with -ENAMETOOLONG                           \
        */

struct workqueue;

typedef void (*workqueue_cb)(struct workqueue *q, const char *key, void *data);

struct workqueue_opts {
  int workers;            /* keys in flight at once; 0: 1 */
  uint64_t base_delay_ms; /* first retry's backoff; 0: 500 ms */
  uint64_t max_delay_ms;  /* backoff ceiling; 0: 1000 s */
  double qps;             /* retries per second overall; 0: 10, <0: none */
  int burst;              /* 0: 100 */
  workqueue_cb process;   /* required */
  void *data;
};

struct workqueue_stats {
  uint64_t depth;     /* ready, waiting for a worker */
  uint64_t waiting;   /* delayed (add_after, add_rate_limited) */
  uint64_t in_flight; /* handed to a worker, not done yet */
  uint64_t adds;      /* keys queued (a deduplicated add does not count) */
  uint64_t retries;   /* add_rate_limited calls */
  uint64_t processed; /* workqueue_done calls */
  uint64_t longest_running_ms; /* the oldest key in flight; 0 if none */
};

int workqueue_new(uv_loop_t *loop, const struct workqueue_opts *o,
                  struct workqueue **out);

/* Each returns 0, -ESHUTDOWN once workqueue_close was called, or -EINVAL /
 * -ENAMETOOLONG / -ENOMEM for a key it cannot take. */
int workqueue_add(struct workqueue *q, const char *key);
int workqueue_add_after(struct workqueue *q, const char *key,
                        uint64_t delay_ms);
/* Returns the delay chosen in ms (>= 0) or a negative errno as above. */
int64_t workqueue_add_rate_limited(struct workqueue *q, const char *key);
/* Clears the key's backoff: its next add_rate_limited waits base_delay. */
void workqueue_forget(struct workqueue *q, const char *key);
/* How many times the key was retried since it was last forgotten. */
int workqueue_num_requeues(struct workqueue *q, const char *key);

/* The worker for key finished. -ENOENT if key was not in flight (a bug in
 * the caller, also logged). */
int workqueue_done(struct workqueue *q, const char *key);

void workqueue_get_stats(struct workqueue *q, struct workqueue_stats *out);

enum workqueue_close_mode {
  WORKQUEUE_DRAIN, /* keys already ready are still processed */
  WORKQUEUE_DROP,  /* ready keys are dropped; only those in flight finish */
};

/* Shuts the queue down: adds fail from now on and delayed keys are
 * dropped. Once nothing is in flight (every worker called done) and, with
 * WORKQUEUE_DRAIN, the ready keys were processed, the queue's handles are
 * closed, the queue is freed and cb(data) runs (cb may be NULL). Keep
 * running the loop. */
void workqueue_close(struct workqueue *q, enum workqueue_close_mode mode,
                     void (*cb)(void *data), void *data);

#endif
