/* The client's transport against a hostile HTTP server
 * (test/support/testkube_fault.c): malformed watch lines, a line past the
 * ceiling, a body cut mid-line, an HTML error page, 429 with Retry-After,
 * 503 then success, and a body without end. Whatever arrives, the client
 * gives an error or reconnects, with bounded memory, and leaves no handle
 * behind (testkube_close asserts it). */
#include "jobj.h"
#include "kube.h"
#include "testkube.h"
#include "testkube_fault.h"
#include "testutil.h"
#include "watch.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hostile {
  struct testkube_fault *f;
  struct testkube t;
};

static void open_hostile(struct hostile *h, int max_retries)
{
  h->f = testkube_fault_start();
  struct kube_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.server = strdup(testkube_fault_url(h->f));
  cfg.namespace = strdup("default");
  cfg.context = strdup("hostile");
  struct kube_client_opts o = {.max_retries = max_retries};
  testkube_open_config(&h->t, &cfg, &o);
}

static void close_hostile(struct hostile *h)
{
  testkube_close(&h->t);
  testkube_fault_stop(h->f);
}

static int get_in(struct hostile *h, const char *ns, struct kube_sync *s)
{
  struct kube_ref r = {
      .api_version = "v1", .kind = "ConfigMap", .namespace = ns, .name = "x"};
  kube_sync_init(s);
  return testkube_wait(&h->t, s, kube_get(h->t.c, &r, kube_sync_cb, s));
}

/* ---- watch streams ---- */

struct watched {
  struct hostile *h;
  struct testkube_events ev;
  struct watch *w;
  const char *ns;
  int want_watches;
};

static void start_watch(struct watched *wd, struct hostile *h, const char *ns,
                        size_t max_line)
{
  wd->h = h;
  wd->ns = ns;
  testkube_events_init(&wd->ev);
  struct watch_opts o = {.api_version = "v1",
                         .kind = "ConfigMap",
                         .namespace = ns,
                         .max_line = max_line,
                         .on_event = testkube_events_on_event,
                         .on_error = testkube_events_on_error,
                         .data = &wd->ev};
  ck_assert_int_eq(watch_start(h->t.c, &o, &wd->w), 0);
}

static void stop_watch(struct watched *wd)
{
  watch_stop(wd->w);
  testkube_events_free(&wd->ev);
}

/* An error was reported and the watch came back for more. */
static int errored_and_returned(void *data)
{
  struct watched *wd = data;
  return wd->ev.errors > 0 &&
         testkube_fault_watches(wd->h->f, wd->ns) >= wd->want_watches;
}

START_TEST(watch_line_not_json)
{
  struct hostile h;
  open_hostile(&h, 0);
  struct watched wd = {.want_watches = 2};
  start_watch(&wd, &h, "badjson", 0);
  ck_assert(testkube_run_until(&h.t, errored_and_returned, &wd, 60 * 1000));
  ck_assert_int_eq(wd.ev.last_error, -EBADMSG);
  ck_assert_msg(strstr(wd.ev.error_msg, "watch event") != NULL, "%s",
                wd.ev.error_msg);
  ck_assert_int_ge(testkube_events_count(&wd.ev, "ADDED badjson/first 11"), 1);
  stop_watch(&wd);
  close_hostile(&h);
}
END_TEST

START_TEST(watch_line_over_ceiling)
{
  struct hostile h;
  open_hostile(&h, 0);
  struct watched wd = {.want_watches = 2};
  start_watch(&wd, &h, "hugeline", 0); /* the default ceiling, 16 MiB */
  ck_assert(testkube_run_until(&h.t, errored_and_returned, &wd, 120 * 1000));
  ck_assert_int_eq(wd.ev.last_error, -EMSGSIZE);
  ck_assert_str_eq(wd.ev.error_msg, "watch event larger than 16777216 bytes");
  stop_watch(&wd);
  close_hostile(&h);
}
END_TEST

START_TEST(watch_line_over_small_ceiling)
{
  struct hostile h;
  open_hostile(&h, 0);
  struct watched wd = {.want_watches = 3};
  start_watch(&wd, &h, "hugeline", 64 << 10);
  ck_assert(testkube_run_until(&h.t, errored_and_returned, &wd, 120 * 1000));
  ck_assert_int_eq(wd.ev.last_error, -EMSGSIZE);
  ck_assert_str_eq(wd.ev.error_msg, "watch event larger than 65536 bytes");
  /* After a line too long for us, the watch lists and watches again. */
  struct watch_stats st;
  watch_get_stats(wd.w, &st);
  ck_assert_int_ge(st.lists, 2);
  stop_watch(&wd);
  uint64_t sent = testkube_fault_body_bytes(h.f, "hugeline");
  int watches = testkube_fault_watches(h.f, "hugeline");
  close_hostile(&h);
  /* The server would send 8 GiB a stream: the client hung up near its
   * ceiling each time (socket buffers hold a few MiB more). */
  ck_assert_msg(sent < (uint64_t)watches * (16u << 20), "%llu bytes sent",
                (unsigned long long)sent);
}
END_TEST

static int resumed(void *data)
{
  struct watched *wd = data;
  return testkube_fault_watches(wd->h->f, wd->ns) >= 2;
}

START_TEST(watch_cut_mid_line_resumes)
{
  struct hostile h;
  open_hostile(&h, 0);
  struct watched wd = {0};
  start_watch(&wd, &h, "cut", 0);
  ck_assert(testkube_run_until(&h.t, resumed, &wd, 60 * 1000));
  /* The whole event arrived once, the half one never; the next watch goes
   * on from the last resourceVersion instead of listing again. */
  ck_assert_int_eq(testkube_events_count(&wd.ev, "ADDED cut/first 11"), 1);
  ck_assert_int_eq(wd.ev.modified, 0);
  ck_assert_msg(wd.ev.errors == 0, "%s", wd.ev.error_msg);
  char *q = testkube_fault_last_query(h.f, "cut");
  ck_assert_msg(strstr(q, "resourceVersion=11") != NULL, "%s", q);
  free(q);
  struct watch_stats st;
  watch_get_stats(wd.w, &st);
  ck_assert_int_eq(st.lists, 1);
  stop_watch(&wd);
  close_hostile(&h);
}
END_TEST

static int listed_thrice(void *data)
{
  struct watched *wd = data;
  struct watch_stats st;
  watch_get_stats(wd->w, &st);
  return st.lists >= 3;
}

START_TEST(watch_gone_lists_again)
{
  /* 410 as the watch's HTTP status: the history is gone, list again;
   * at once the first time, after a pause when the fresh list's watch is
   * refused too (no loop hammering a broken server). */
  struct hostile h;
  open_hostile(&h, 0);
  struct watched wd = {0};
  uv_update_time(&h.t.loop);
  uint64_t start = uv_now(&h.t.loop);
  start_watch(&wd, &h, "gone", 0);
  ck_assert(testkube_run_until(&h.t, listed_thrice, &wd, 60 * 1000));
  ck_assert_int_ge(testkube_fault_watches(h.f, "gone"), 2);
  ck_assert_int_ge(uv_now(&h.t.loop) - start, 250); /* half the backoff */
  stop_watch(&wd);
  close_hostile(&h);
}
END_TEST

/* ---- plain requests ---- */

START_TEST(html_error_page)
{
  struct hostile h;
  open_hostile(&h, 1);
  struct kube_sync s;
  int rc = get_in(&h, "html", &s);
  ck_assert_int_eq(rc, -EIO);
  ck_assert_int_eq(s.res.http_status, 502);
  ck_assert_msg(strstr(s.res.err.msg,
                       "unexpected response (text/html): "
                       "<html>  <head><title>502 Bad Gateway") != NULL,
                "%s", s.res.err.msg);
  ck_assert_ptr_null(strchr(s.res.err.msg, '\n'));
  kube_sync_free(&s);
  close_hostile(&h);
}
END_TEST

START_TEST(too_many_requests_waits_retry_after)
{
  struct hostile h;
  open_hostile(&h, 0);
  uv_update_time(&h.t.loop);
  uint64_t start = uv_now(&h.t.loop);
  struct kube_sync s;
  int rc = get_in(&h, "throttle", &s);
  ck_assert_msg(rc == 0, "%s", s.res.err.msg);
  ck_assert_str_eq(jobj_path_str(s.res.object, "data", "served", NULL),
                   "after a fault");
  kube_sync_free(&s);
  ck_assert_int_ge(uv_now(&h.t.loop) - start, 1000); /* Retry-After: 1 */
  struct kube_stats st;
  kube_client_stats(h.t.c, &st);
  ck_assert_int_eq(st.retries, 1);
  ck_assert_int_eq(testkube_fault_hits(h.f, "throttle"), 2);
  close_hostile(&h);
}
END_TEST

START_TEST(unavailable_then_success)
{
  struct hostile h;
  open_hostile(&h, 0);
  struct kube_sync s;
  int rc = get_in(&h, "flaky", &s);
  ck_assert_msg(rc == 0, "%s", s.res.err.msg);
  kube_sync_free(&s);
  struct kube_stats st;
  kube_client_stats(h.t.c, &st);
  ck_assert_int_eq(st.retries, 1);
  close_hostile(&h);
}
END_TEST

START_TEST(unavailable_post_is_not_retried)
{
  struct hostile h;
  open_hostile(&h, 2);
  struct json_object *cm = testkube_json(
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
      "\"name\":\"x\",\"namespace\":\"down\"}}");
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(&h.t, &s, kube_create(h.t.c, cm, kube_sync_cb, &s));
  ck_assert_int_eq(rc, -EIO);
  ck_assert_int_eq(s.res.http_status, 503);
  ck_assert_str_eq(s.res.status.reason, "ServiceUnavailable");
  kube_sync_free(&s);
  ck_assert_int_eq(testkube_fault_hits(h.f, "down"), 1);
  /* A GET is retried, twice here, and then the 503 is the answer. */
  rc = get_in(&h, "down", &s);
  ck_assert_int_eq(rc, -EIO);
  ck_assert_msg(strstr(s.res.err.msg, "the fault server says "
                                      "ServiceUnavailable (503 "
                                      "ServiceUnavailable)") != NULL,
                "%s", s.res.err.msg);
  kube_sync_free(&s);
  ck_assert_int_eq(testkube_fault_hits(h.f, "down"), 4);
  json_object_put(cm);
  close_hostile(&h);
}
END_TEST

START_TEST(body_cut_short)
{
  struct hostile h;
  open_hostile(&h, 1);
  struct kube_sync s;
  int rc = get_in(&h, "cutbody", &s);
  ck_assert_int_eq(rc, -EIO);
  ck_assert_msg(strstr(s.res.err.msg, "GET ") == s.res.err.msg &&
                    strstr(s.res.err.msg, "/namespaces/cutbody/configmaps/x") &&
                    strstr(s.res.err.msg, "closed"),
                "%s", s.res.err.msg);
  kube_sync_free(&s);
  ck_assert_int_eq(testkube_fault_hits(h.f, "cutbody"), 2); /* one retry */
  close_hostile(&h);
}
END_TEST

START_TEST(endless_body_stops_at_ceiling)
{
  struct hostile h;
  open_hostile(&h, -1);
  struct kube_sync s;
  int rc = get_in(&h, "endless", &s);
  ck_assert_msg(rc == -EMSGSIZE, "%d %s", rc, s.res.err.msg);
  ck_assert_msg(strstr(s.res.err.msg, "response body larger than 67108864 "
                                      "bytes") != NULL,
                "%s", s.res.err.msg);
  kube_sync_free(&s);
  close_hostile(&h);
}
END_TEST

START_TEST(endless_body_small_ceiling)
{
  struct hostile h;
  h.f = testkube_fault_start();
  struct kube_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.server = strdup(testkube_fault_url(h.f));
  struct kube_client_opts o = {.max_body = 1 << 20, .max_retries = -1};
  testkube_open_config(&h.t, &cfg, &o);
  struct kube_sync s;
  int rc = get_in(&h, "endless", &s);
  ck_assert_msg(rc == -EMSGSIZE, "%d %s", rc, s.res.err.msg);
  ck_assert_msg(strstr(s.res.err.msg, "larger than 1048576 bytes") != NULL,
                "%s", s.res.err.msg);
  kube_sync_free(&s);
  testkube_close(&h.t);
  uint64_t sent = testkube_fault_body_bytes(h.f, "endless");
  testkube_fault_stop(h.f);
  ck_assert_msg(sent < (64u << 20), "the server sent %llu bytes",
                (unsigned long long)sent);
}
END_TEST

Suite *kube_fault_suite(void)
{
  Suite *s = suite_create("kube_fault");
  TCase *w = tcase_create("watch");
  tcase_set_timeout(w, 300);
  tcase_add_test(w, watch_line_not_json);
  tcase_add_test(w, watch_line_over_ceiling);
  tcase_add_test(w, watch_line_over_small_ceiling);
  tcase_add_test(w, watch_cut_mid_line_resumes);
  tcase_add_test(w, watch_gone_lists_again);
  suite_add_tcase(s, w);
  TCase *r = tcase_create("requests");
  tcase_set_timeout(r, 300);
  tcase_add_test(r, html_error_page);
  tcase_add_test(r, too_many_requests_waits_retry_after);
  tcase_add_test(r, unavailable_then_success);
  tcase_add_test(r, unavailable_post_is_not_retried);
  tcase_add_test(r, body_cut_short);
  tcase_add_test(r, endless_body_stops_at_ceiling);
  tcase_add_test(r, endless_body_small_ceiling);
  suite_add_tcase(s, r);
  return s;
}
