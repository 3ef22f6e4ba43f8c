/* workqueue: deduplication, one worker per key, re-queue while processing,
 * backoff, the overall rate limit, bounded workers, shutdown. */
#include "log.h"
#include "workqueue.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#define MAX_LOG 256
#define KEYLEN 32

/* What the workers saw. In "hold" mode a worker keeps its key until the
 * test releases it, as a reconcile waiting on API calls would. */
struct rec {
  uv_loop_t loop;
  struct workqueue *q;
  int hold;
  char log[MAX_LOG][KEYLEN];
  int nlog;
  char flight[MAX_LOG][KEYLEN];
  int nflight;
  int max_flight;
  int twice; /* a key handed out while already in flight */
  int closed;
  int readd_once; /* the worker adds its own key again, then finishes */
  int total;      /* keys processed, also past the log's end */
  int want;       /* for run_until(r, reached) */
  int round;      /* on_churn */
};

static void process(struct workqueue *q, const char *key, void *data)
{
  struct rec *r = data;
  ck_assert_ptr_eq(q, r->q);
  for (int i = 0; i < r->nflight; i++)
    if (strcmp(r->flight[i], key) == 0)
      r->twice++;
  if (r->nlog < MAX_LOG)
    snprintf(r->log[r->nlog++], KEYLEN, "%s", key);
  r->total++;
  if (r->readd_once) {
    r->readd_once = 0;
    ck_assert_int_eq(workqueue_add(q, key), 0);
  }
  if (!r->hold) {
    ck_assert_int_eq(workqueue_done(q, key), 0);
    return;
  }
  snprintf(r->flight[r->nflight++], KEYLEN, "%s", key);
  if (r->nflight > r->max_flight)
    r->max_flight = r->nflight;
}

/* Finishes the oldest held key, or the one named. */
static void release(struct rec *r, const char *key)
{
  int at = 0;
  while (key && at < r->nflight && strcmp(r->flight[at], key) != 0)
    at++;
  ck_assert_int_lt(at, r->nflight);
  char k[KEYLEN];
  snprintf(k, sizeof k, "%s", r->flight[at]);
  memmove(r->flight[at], r->flight[at + 1],
          (size_t)(r->nflight - at - 1) * KEYLEN);
  r->nflight--;
  ck_assert_int_eq(workqueue_done(r->q, k), 0);
}

static int count(struct rec *r, const char *key)
{
  int n = 0;
  for (int i = 0; i < r->nlog; i++)
    n += strcmp(r->log[i], key) == 0;
  return n;
}

static void open_queue(struct rec *r, struct workqueue_opts o)
{
  memset(r, 0, sizeof *r);
  ck_assert_int_eq(uv_loop_init(&r->loop), 0);
  o.process = process;
  o.data = r;
  ck_assert_int_eq(workqueue_new(&r->loop, &o, &r->q), 0);
}

static void on_tick(uv_timer_t *t)
{
  (void)t;
}

/* Runs the loop until pred(r) holds; fails after a deadline far beyond
 * anything the tests wait for. */
static void run_until(struct rec *r, int (*pred)(struct rec *r))
{
  uv_timer_t tick;
  uv_timer_init(&r->loop, &tick);
  uv_timer_start(&tick, on_tick, 10, 10);
  uv_update_time(&r->loop);
  uint64_t end = uv_now(&r->loop) + 30000;
  while (!pred(r) && uv_now(&r->loop) < end)
    uv_run(&r->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(&r->loop, UV_RUN_NOWAIT);
  ck_assert_msg(pred(r), "condition not reached within 30 s");
}

/* A few loop iterations, for "nothing more happens" checks. */
static void run_idle(struct rec *r)
{
  for (int i = 0; i < 5; i++)
    uv_run(&r->loop, UV_RUN_NOWAIT);
}

static int is_closed(struct rec *r)
{
  return r->closed;
}

static void on_closed(void *data)
{
  ((struct rec *)data)->closed = 1;
}

static void close_handle(uv_handle_t *h, void *arg)
{
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* Closes the queue (if still open) and the loop; nothing may be left. */
static void finish(struct rec *r)
{
  if (r->q && !r->closed) {
    workqueue_close(r->q, WORKQUEUE_DROP, on_closed, r);
    while (r->nflight)
      release(r, NULL);
    run_until(r, is_closed);
  }
  uv_walk(&r->loop, close_handle, NULL);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&r->loop), 0);
}

static struct workqueue_stats stats(struct rec *r)
{
  struct workqueue_stats st;
  workqueue_get_stats(r->q, &st);
  return st;
}

static int reached(struct rec *r)
{
  return r->total >= r->want;
}
static int logged_1(struct rec *r)
{
  return r->nlog >= 1;
}
static int logged_2(struct rec *r)
{
  return r->nlog >= 2;
}
static int logged_3(struct rec *r)
{
  return r->nlog >= 3;
}
static int logged_10(struct rec *r)
{
  return r->nlog >= 10;
}

START_TEST(add_deduplicates)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){0});
  ck_assert_int_eq(workqueue_add(r.q, "ns/a"), 0);
  ck_assert_int_eq(workqueue_add(r.q, "ns/a"), 0);
  ck_assert_int_eq(workqueue_add(r.q, "ns/b"), 0);
  ck_assert_int_eq(workqueue_add(r.q, "ns/a"), 0);
  /* Workers start from the loop, never inside add. */
  ck_assert_int_eq(r.nlog, 0);
  ck_assert_uint_eq(stats(&r).depth, 2);
  ck_assert_uint_eq(stats(&r).adds, 2);
  run_until(&r, logged_2);
  run_idle(&r);
  ck_assert_int_eq(r.nlog, 2);
  ck_assert_str_eq(r.log[0], "ns/a");
  ck_assert_str_eq(r.log[1], "ns/b");
  ck_assert_uint_eq(stats(&r).processed, 2);
  ck_assert_uint_eq(stats(&r).depth, 0);
  finish(&r);
}
END_TEST

START_TEST(requeue_while_processing_once)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 4});
  r.hold = 1;
  workqueue_add(r.q, "ns/a");
  run_until(&r, logged_1);
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(workqueue_add(r.q, "ns/a"), 0);
  run_idle(&r);
  /* Four idle workers, but the key is in flight: it waits for done. */
  ck_assert_int_eq(r.nlog, 1);
  ck_assert_uint_eq(stats(&r).depth, 0);
  ck_assert_uint_eq(stats(&r).in_flight, 1);
  release(&r, "ns/a");
  run_until(&r, logged_2);
  release(&r, "ns/a");
  run_idle(&r);
  ck_assert_int_eq(count(&r, "ns/a"), 2);
  ck_assert_int_eq(r.twice, 0);
  ck_assert_uint_eq(stats(&r).in_flight, 0);
  finish(&r);
}
END_TEST

START_TEST(worker_readds_own_key)
{
  /* A reconcile that asks for another pass of its own key (status changed
   * under it): processed again exactly once, after it finished. */
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 2});
  r.readd_once = 1;
  workqueue_add(r.q, "ns/a");
  run_until(&r, logged_2);
  run_idle(&r);
  ck_assert_int_eq(count(&r, "ns/a"), 2);
  ck_assert_int_eq(r.twice, 0);
  finish(&r);
}
END_TEST

static int all_released_and_idle(struct rec *r)
{
  struct workqueue_stats st = stats(r);
  return r->round >= 40 && r->nflight == 0 && st.depth == 0 &&
         st.waiting == 0 && st.in_flight == 0;
}

/* Releases one held key per tick and keeps adding keys that are in
 * flight: the churn a busy informer causes. */
static void on_churn(uv_timer_t *t)
{
  struct rec *r = t->data;
  static const char *keys[] = {"ns/a", "ns/b", "ns/c", "ns/d", "ns/e"};
  if (r->round >= 40) {
    if (r->nflight)
      release(r, NULL);
    else
      uv_timer_stop(t);
    return;
  }
  r->round++;
  for (int i = 0; i < 5; i++)
    workqueue_add(r->q, keys[(r->round + i) % 5]);
  if (r->nflight && r->round % 2)
    release(r, NULL);
}

START_TEST(no_key_processed_twice_at_once)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 3});
  r.hold = 1;
  uv_timer_t churn;
  uv_timer_init(&r.loop, &churn);
  churn.data = &r;
  uv_timer_start(&churn, on_churn, 1, 1);
  run_until(&r, all_released_and_idle);
  ck_assert_int_eq(r.twice, 0);
  ck_assert_int_le(r.max_flight, 3);
  ck_assert_int_eq(r.max_flight, 3);
  ck_assert_int_gt(r.nlog, 5);
  uv_close((uv_handle_t *)&churn, NULL);
  finish(&r);
}
END_TEST

START_TEST(workers_are_bounded_fifo)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 3});
  r.hold = 1;
  char key[16];
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof key, "ns/k%d", i);
    workqueue_add(r.q, key);
  }
  run_until(&r, logged_3);
  run_idle(&r);
  ck_assert_int_eq(r.nlog, 3);
  ck_assert_uint_eq(stats(&r).in_flight, 3);
  ck_assert_uint_eq(stats(&r).depth, 7);
  /* Each finished key lets the next one in, in the order they came. */
  for (r.want = 4; r.want <= 10; r.want++) {
    release(&r, NULL);
    run_until(&r, reached);
    ck_assert_int_eq(r.nflight, 3);
  }
  while (r.nflight)
    release(&r, NULL);
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof key, "ns/k%d", i);
    ck_assert_str_eq(r.log[i], key);
  }
  ck_assert_int_eq(r.max_flight, 3);
  finish(&r);
}
END_TEST

START_TEST(backoff_grows_and_forget_resets)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){
                     .base_delay_ms = 10, .max_delay_ms = 80, .qps = -1});
  const int64_t want[] = {10, 20, 40, 80, 80, 80};
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/a"), want[i]);
  ck_assert_int_eq(workqueue_num_requeues(r.q, "ns/a"), 6);
  ck_assert_uint_eq(stats(&r).retries, 6);
  /* Six retries of one key are one delayed key, kept at the earliest. */
  ck_assert_uint_eq(stats(&r).waiting, 1);
  /* Keys back off independently. */
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/b"), 10);
  workqueue_forget(r.q, "ns/a");
  ck_assert_int_eq(workqueue_num_requeues(r.q, "ns/a"), 0);
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/a"), 10);
  run_until(&r, logged_2);
  run_idle(&r);
  ck_assert_int_eq(count(&r, "ns/a"), 1);
  ck_assert_int_eq(count(&r, "ns/b"), 1);
  /* Processing does not reset the backoff; only forget does. */
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/b"), 20);
  finish(&r);
}
END_TEST

START_TEST(default_backoff_is_500ms_to_1000s)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.qps = -1});
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/a"), 500);
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/a"), 1000);
  for (int i = 0; i < 40; i++)
    workqueue_add_rate_limited(r.q, "ns/a");
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/a"), 1000 * 1000);
  finish(&r);
}
END_TEST

START_TEST(overall_rate_limit)
{
  /* 20 retries per second, burst 3: a storm of failures across many keys
   * is spread out, 50 ms apart after the burst. uv_now does not move
   * between these calls, so the delays are exact. */
  struct rec r;
  open_queue(
      &r, (struct workqueue_opts){.base_delay_ms = 1, .qps = 20, .burst = 3});
  char key[16];
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof key, "ns/k%d", i);
    int64_t want = i < 3 ? 1 : (i - 2) * 50;
    ck_assert_int_eq(workqueue_add_rate_limited(r.q, key), want);
  }
  ck_assert_uint_eq(stats(&r).waiting, 10);
  /* Plain adds are not limited. */
  workqueue_add(r.q, "ns/plain");
  ck_assert_uint_eq(stats(&r).depth, 1);
  run_until(&r, logged_10);
  ck_assert_str_eq(r.log[0], "ns/plain");
  for (int i = 0; i < 9; i++) {
    snprintf(key, sizeof key, "ns/k%d", i);
    ck_assert_int_eq(count(&r, key), 1);
  }
  finish(&r);
}
END_TEST

START_TEST(add_after_keeps_earliest)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){0});
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/x", 60), 0);
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/x", 100000), 0);
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/z", 100000), 0);
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/z", 20), 0);
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/y", 0), 0); /* at once */
  ck_assert_uint_eq(stats(&r).waiting, 2);
  ck_assert_uint_eq(stats(&r).depth, 1);
  run_until(&r, logged_3);
  ck_assert_str_eq(r.log[0], "ns/y");
  ck_assert_str_eq(r.log[1], "ns/z");
  ck_assert_str_eq(r.log[2], "ns/x");
  ck_assert_uint_eq(stats(&r).waiting, 0);
  finish(&r);
}
END_TEST

START_TEST(close_drains_ready_keys)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 1});
  r.hold = 1;
  workqueue_add(r.q, "ns/a");
  workqueue_add(r.q, "ns/b");
  workqueue_add(r.q, "ns/c");
  run_until(&r, logged_1);
  workqueue_add(r.q, "ns/a"); /* dirty while in flight: still owed a pass */
  workqueue_add_after(r.q, "ns/later", 10);
  workqueue_close(r.q, WORKQUEUE_DRAIN, on_closed, &r);
  ck_assert_int_eq(workqueue_add(r.q, "ns/new"), -ESHUTDOWN);
  ck_assert_int_eq(workqueue_add_after(r.q, "ns/new", 5), -ESHUTDOWN);
  ck_assert_int_eq(workqueue_add_rate_limited(r.q, "ns/new"), -ESHUTDOWN);
  for (r.want = 2; r.want <= 4; r.want++) {
    release(&r, NULL);
    run_until(&r, reached);
  }
  ck_assert_int_eq(r.closed, 0);
  release(&r, NULL);
  run_until(&r, is_closed);
  ck_assert_int_eq(r.nlog, 4);
  ck_assert_str_eq(r.log[1], "ns/b");
  ck_assert_str_eq(r.log[2], "ns/c");
  ck_assert_str_eq(r.log[3], "ns/a");
  ck_assert_int_eq(count(&r, "ns/later"), 0);
  r.q = NULL;
  finish(&r);
}
END_TEST

START_TEST(close_drops_and_waits_for_in_flight)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 2});
  r.hold = 1;
  workqueue_add(r.q, "ns/a");
  workqueue_add(r.q, "ns/b");
  workqueue_add(r.q, "ns/c");
  workqueue_add_rate_limited(r.q, "ns/d");
  run_until(&r, logged_2);
  workqueue_add(r.q, "ns/a");
  workqueue_close(r.q, WORKQUEUE_DROP, on_closed, &r);
  run_idle(&r);
  /* Not closed while workers still hold keys. */
  ck_assert_int_eq(r.closed, 0);
  release(&r, "ns/a");
  run_idle(&r);
  ck_assert_int_eq(r.closed, 0);
  release(&r, "ns/b");
  run_until(&r, is_closed);
  ck_assert_int_eq(r.nlog, 2);
  ck_assert_int_eq(count(&r, "ns/c"), 0);
  r.q = NULL;
  finish(&r);
}
END_TEST

START_TEST(close_idle_queue)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){0});
  workqueue_add_rate_limited(r.q, "ns/a"); /* a backoff to forget */
  workqueue_close(r.q, WORKQUEUE_DRAIN, on_closed, &r);
  run_until(&r, is_closed);
  ck_assert_int_eq(r.nlog, 0);
  r.q = NULL;
  finish(&r);
}
END_TEST

static int ran_50ms(struct rec *r)
{
  static uint64_t start;
  if (!start)
    start = uv_now(&r->loop);
  return uv_now(&r->loop) >= start + 50;
}

START_TEST(stats_longest_running)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){.workers = 2});
  r.hold = 1;
  ck_assert_uint_eq(stats(&r).longest_running_ms, 0);
  workqueue_add(r.q, "ns/slow");
  run_until(&r, logged_1);
  run_until(&r, ran_50ms);
  workqueue_add(r.q, "ns/fast");
  run_until(&r, logged_2);
  struct workqueue_stats st = stats(&r);
  ck_assert_uint_eq(st.in_flight, 2);
  ck_assert_uint_ge(st.longest_running_ms, 50);
  release(&r, "ns/slow");
  ck_assert_uint_lt(stats(&r).longest_running_ms, 50);
  release(&r, "ns/fast");
  ck_assert_uint_eq(stats(&r).longest_running_ms, 0);
  finish(&r);
}
END_TEST

static void quiet(const char *line, void *data)
{
  (void)line;
  (void)data;
}

START_TEST(bad_keys_and_done_misuse)
{
  struct rec r;
  open_queue(&r, (struct workqueue_opts){0});
  char big[WORKQUEUE_KEY_MAX + 1];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ck_assert_int_eq(workqueue_add(r.q, ""), -EINVAL);
  ck_assert_int_eq(workqueue_add(r.q, NULL), -EINVAL);
  ck_assert_int_eq(workqueue_add(r.q, big), -ENAMETOOLONG);
  log_set_sink(quiet, NULL);
  ck_assert_int_eq(workqueue_done(r.q, "ns/never"), -ENOENT);
  log_set_sink(NULL, NULL);
  ck_assert_int_eq(workqueue_new(&r.loop, &(struct workqueue_opts){0},
                                 &(struct workqueue *){NULL}),
                   -EINVAL);
  finish(&r);
}
END_TEST

START_TEST(many_keys)
{
  /* Thousands of keys through the table and heap; nothing leaks (ASan). */
  struct rec r;
  open_queue(
      &r, (struct workqueue_opts){.workers = 8, .qps = -1, .base_delay_ms = 1});
  char key[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof key, "ns%d/name%d", i % 7, i);
    if (i % 3 == 0)
      workqueue_add_rate_limited(r.q, key);
    else
      workqueue_add_after(r.q, key, (uint64_t)(i % 5));
    if (i % 3 == 0)
      workqueue_forget(r.q, key);
  }
  r.want = 5000;
  run_until(&r, reached);
  run_idle(&r);
  struct workqueue_stats st = stats(&r);
  ck_assert_int_eq(r.total, 5000);
  ck_assert_uint_eq(st.processed, 5000);
  ck_assert_uint_eq(st.waiting + st.depth + st.in_flight, 0);
  finish(&r);
}
END_TEST

Suite *workqueue_suite(void)
{
  Suite *s = suite_create("workqueue");
  TCase *tc = tcase_create("queue");
  tcase_add_test(tc, add_deduplicates);
  tcase_add_test(tc, requeue_while_processing_once);
  tcase_add_test(tc, worker_readds_own_key);
  tcase_add_test(tc, no_key_processed_twice_at_once);
  tcase_add_test(tc, workers_are_bounded_fifo);
  tcase_add_test(tc, backoff_grows_and_forget_resets);
  tcase_add_test(tc, default_backoff_is_500ms_to_1000s);
  tcase_add_test(tc, overall_rate_limit);
  tcase_add_test(tc, add_after_keeps_earliest);
  tcase_add_test(tc, close_drains_ready_keys);
  tcase_add_test(tc, close_drops_and_waits_for_in_flight);
  tcase_add_test(tc, close_idle_queue);
  tcase_add_test(tc, stats_longest_running);
  tcase_add_test(tc, bad_keys_and_done_misuse);
  tcase_add_test(tc, many_keys);
  suite_add_tcase(s, tc);
  return s;
}
