/* Watches and informers against the real apiserver, through its faults:
 * kube-apiserver killed and restarted, changes made while the client is
 * away (through the API, or in etcd behind the apiserver's back), an etcd
 * compaction that leaves the client's resourceVersion too old. Whatever
 * happened, each change arrives once and the informer's cache ends equal
 * to a fresh list. Also: label-selected informers and resync. */
#include "informer.h"
#include "jobj.h"
#include "kube.h"
#include "testcp.h"
#include "testkube.h"
#include "testkube_proxy.h"
#include "testutil.h"
#include "watch.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an informer told us, one line per callback. */
struct seen {
  struct json_object *log;
  int synced;
  int resyncs;
  int errors;
};

static void note(struct seen *s, const char *what, struct json_object *o)
{
  char line[512];
  snprintf(line, sizeof line, "%s %s %s", what, testkube_name(o),
           testkube_rv(o));
  json_object_array_add(s->log, json_object_new_string(line));
}

static void on_add(struct json_object *o, void *data)
{
  note(data, "ADD", o);
}

static void on_update(struct json_object *old, struct json_object *o,
                      void *data)
{
  struct seen *s = data;
  if (old == o) {
    s->resyncs++;
    return;
  }
  note(s, "UPDATE", o);
}

static void on_delete(struct json_object *o, void *data)
{
  struct seen *s = data;
  char line[512];
  snprintf(line, sizeof line, "DELETE %s", testkube_name(o));
  json_object_array_add(s->log, json_object_new_string(line));
}

static void on_synced(void *data)
{
  ((struct seen *)data)->synced = 1;
}

static void on_error(int rc, const char *msg, void *data)
{
  (void)rc, (void)msg;
  ((struct seen *)data)->errors++;
}

/* Lines of the log that start with prefix. */
static int seen_count(struct seen *s, const char *prefix)
{
  int n = 0;
  size_t len = strlen(prefix);
  for (size_t i = 0; i < json_object_array_length(s->log); i++)
    n += strncmp(json_object_get_string(json_object_array_get_idx(s->log, i)),
                 prefix, len) == 0;
  return n;
}

/* No callback was delivered twice for the same object state. */
static void assert_no_repeats(struct seen *s)
{
  size_t n = json_object_array_length(s->log);
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++) {
      const char *a =
          json_object_get_string(json_object_array_get_idx(s->log, i));
      const char *b =
          json_object_get_string(json_object_array_get_idx(s->log, k));
      ck_assert_msg(strcmp(a, b) != 0, "delivered twice: %s", a);
    }
}

struct informed {
  struct testkube *t;
  struct kube_client *c; /* the informer's client */
  struct informer *inf;
  struct seen seen;
  const char *selector;
  uint64_t next_check;
  int drop_managed_fields;
};

static void start_informer(struct informed *x, struct testkube *t,
                           struct kube_client *c, const char *selector,
                           uint64_t resync_ms)
{
  x->t = t;
  x->c = c;
  x->selector = selector;
  x->seen.log = json_object_new_array();
  struct informer_opts o = {.api_version = "v1",
                            .kind = "ConfigMap",
                            .namespace = t->ns,
                            .label_selector = selector,
                            .resync_ms = resync_ms,
                            .on_add = on_add,
                            .on_update = on_update,
                            .on_delete = on_delete,
                            .on_synced = on_synced,
                            .on_error = on_error,
                            .drop_managed_fields = x->drop_managed_fields,
                            .data = &x->seen};
  ck_assert_int_eq(informer_start(c, &o, &x->inf), 0);
}

static void stop_informer(struct informed *x)
{
  informer_stop(x->inf);
  json_object_put(x->seen.log);
}

static int synced(void *data)
{
  return ((struct informed *)data)->seen.synced;
}

/* The cache holds exactly what a fresh list returns, version for version.
 * Lists at most twice a second. */
static int cache_matches_list(void *data)
{
  struct informed *x = data;
  uint64_t now = uv_now(&x->t->loop);
  if (now < x->next_check)
    return 0;
  x->next_check = now + 500;
  struct json_object *list =
      testkube_list(x->t, "v1", "ConfigMap", x->t->ns, x->selector);
  struct json_object *items = jobj_arr(list, "items");
  size_t n = json_object_array_length(items);
  int same = n == informer_count(x->inf);
  for (size_t i = 0; same && i < n; i++) {
    struct json_object *it = json_object_array_get_idx(items, i);
    struct json_object *cached =
        informer_get(x->inf, x->t->ns, testkube_name(it));
    same = cached && strcmp(testkube_rv(cached), testkube_rv(it)) == 0;
  }
  json_object_put(list);
  return same;
}

static void make_configmaps(struct testkube *t, int n)
{
  char name[32];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "cm-%d", i);
    json_object_put(testkube_configmap(t, name, "k", "v"));
  }
}

static void update_configmap(struct testkube *t, const char *name,
                             const char *value)
{
  struct json_object *cm = testkube_get(t, "v1", "ConfigMap", t->ns, name);
  jobj_set_str(jobj_obj(cm, "data"), "k", value);
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_update(t->c, cm, 0, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "update %s: %s", name, s.res.err.msg);
  kube_sync_free(&s);
  json_object_put(cm);
}

static void delete_configmap(struct testkube *t, const char *name)
{
  struct kube_ref r = {.api_version = "v1",
                       .kind = "ConfigMap",
                       .namespace = t->ns,
                       .name = name};
  struct kube_delete_opts o = {.grace_seconds = -1};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_delete(t->c, &r, &o, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "delete %s: %s", name, s.res.err.msg);
  kube_sync_free(&s);
}

/* The changes every fault test makes while the informer is away, and what
 * it must then have told us: each once. */
static void change_things(struct testkube *t)
{
  update_configmap(t, "cm-1", "changed");
  delete_configmap(t, "cm-2");
  json_object_put(testkube_configmap(t, "cm-new", "k", "v"));
}

static void assert_changes_seen(struct informed *x)
{
  struct json_object *cm1 =
      testkube_get(x->t, "v1", "ConfigMap", x->t->ns, "cm-1");
  struct json_object *cmn =
      testkube_get(x->t, "v1", "ConfigMap", x->t->ns, "cm-new");
  char line[256];
  snprintf(line, sizeof line, "UPDATE cm-1 %s", testkube_rv(cm1));
  ck_assert_int_eq(seen_count(&x->seen, line), 1);
  snprintf(line, sizeof line, "ADD cm-new %s", testkube_rv(cmn));
  ck_assert_int_eq(seen_count(&x->seen, line), 1);
  ck_assert_int_eq(seen_count(&x->seen, "DELETE cm-2"), 1);
  /* Untouched objects were not announced again. */
  ck_assert_int_eq(seen_count(&x->seen, "UPDATE cm-0 "), 0);
  ck_assert_int_eq(seen_count(&x->seen, "ADD cm-0 "), 1);
  assert_no_repeats(&x->seen);
  json_object_put(cm1);
  json_object_put(cmn);
}

START_TEST(informer_survives_apiserver_restart)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "restart");
  make_configmaps(&t, 6);
  struct informed x = {0};
  start_informer(&x, &t, t.c, NULL, 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  ck_assert_int_eq(informer_count(x.inf), 6);
  /* While it is down, cm-3 goes away behind its back. */
  ck_assert_int_eq(testcp_stop_apiserver(), 0);
  char key[256];
  snprintf(key, sizeof key, "/registry/configmaps/%s/cm-3", t.ns);
  ck_assert_int_eq(testcp_etcd_delete(key), 0);
  ck_assert_int_eq(testcp_start_apiserver(), 0);
  change_things(&t);
  ck_assert_msg(testkube_run_until(&t, cache_matches_list, &x, 180 * 1000),
                "the cache never matched a fresh list");
  assert_changes_seen(&x);
  ck_assert_int_eq(seen_count(&x.seen, "DELETE cm-3"), 1);
  struct watch_stats st;
  informer_watch_stats(x.inf, &st);
  ck_assert_int_ge(st.restarts, 1);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

START_TEST(informer_survives_apiserver_kill)
{
  /* Killed and back at once: the changes come after it is up, maybe
   * before the informer has noticed. */
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "kill");
  make_configmaps(&t, 4);
  struct informed x = {0};
  start_informer(&x, &t, t.c, NULL, 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  ck_assert_int_eq(testcp_restart_apiserver(), 0);
  change_things(&t);
  ck_assert_msg(testkube_run_until(&t, cache_matches_list, &x, 180 * 1000),
                "the cache never matched a fresh list");
  assert_changes_seen(&x);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

START_TEST(relist_after_compaction)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "compact");
  make_configmaps(&t, 6);
  struct testkube_proxy *p = testkube_proxy_start(test_env("IOP_TEST_SERVER"));
  struct kube_client *away = testkube_client_via(&t, testkube_proxy_url(p));
  struct informed x = {0};
  start_informer(&x, &t, away, NULL, 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  /* The informer is cut off while things change, etcd forgets the history
   * (compaction) and the apiserver its watch cache (restart): its
   * resourceVersion is too old when it comes back. */
  testkube_proxy_cut(p);
  change_things(&t);
  delete_configmap(&t, "cm-4");
  ck_assert_int_eq(testcp_compact_etcd(), 0);
  ck_assert_int_eq(testcp_restart_apiserver(), 0);
  testkube_proxy_resume(p);
  ck_assert_msg(testkube_run_until(&t, cache_matches_list, &x, 180 * 1000),
                "the cache never matched a fresh list");
  assert_changes_seen(&x);
  ck_assert_int_eq(seen_count(&x.seen, "DELETE cm-4"), 1);
  struct watch_stats st;
  informer_watch_stats(x.inf, &st);
  ck_assert_msg(st.lists >= 2, "no relist (lists %llu)",
                (unsigned long long)st.lists);
  stop_informer(&x);
  kube_client_close(away);
  testkube_close(&t);
  testkube_proxy_stop(p);
}
END_TEST

START_TEST(informer_with_label_selector)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "labels");
  make_configmaps(&t, 3);
  struct kube_ref r = {.api_version = "v1",
                       .kind = "ConfigMap",
                       .namespace = t.ns,
                       .name = "cm-1"};
  struct json_object *label =
      testkube_json("{\"metadata\":{\"labels\":{\"pick\":\"me\"}}}");
  struct json_object *unlabel =
      testkube_json("{\"metadata\":{\"labels\":{\"pick\":null}}}");
  struct kube_sync s;
  kube_sync_init(&s);
  testkube_wait(
      &t, &s,
      kube_patch(t.c, &r, KUBE_PATCH_MERGE, label, NULL, kube_sync_cb, &s));
  kube_sync_free(&s);
  struct informed x = {0};
  start_informer(&x, &t, t.c, "pick=me", 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  ck_assert_int_eq(informer_count(x.inf), 1);
  ck_assert_ptr_nonnull(informer_get(x.inf, t.ns, "cm-1"));
  /* cm-2 comes into the selection, cm-1 leaves it. */
  r.name = "cm-2";
  kube_sync_init(&s);
  testkube_wait(
      &t, &s,
      kube_patch(t.c, &r, KUBE_PATCH_MERGE, label, NULL, kube_sync_cb, &s));
  kube_sync_free(&s);
  r.name = "cm-1";
  kube_sync_init(&s);
  testkube_wait(
      &t, &s,
      kube_patch(t.c, &r, KUBE_PATCH_MERGE, unlabel, NULL, kube_sync_cb, &s));
  kube_sync_free(&s);
  ck_assert(testkube_run_until(&t, cache_matches_list, &x, 60 * 1000));
  ck_assert_int_eq(informer_count(x.inf), 1);
  ck_assert_ptr_nonnull(informer_get(x.inf, t.ns, "cm-2"));
  ck_assert_int_eq(seen_count(&x.seen, "ADD cm-2 "), 1);
  ck_assert_int_eq(seen_count(&x.seen, "DELETE cm-1"), 1);
  ck_assert_int_eq(seen_count(&x.seen, "ADD cm-0 "), 0);
  json_object_put(label);
  json_object_put(unlabel);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

static int has_value(void *data)
{
  struct informed *x = data;
  struct json_object *cm = informer_get(x->inf, x->t->ns, "cm-0");
  const char *v = jobj_path_str(cm, "data", "k", (const char *)NULL);
  return v && strcmp(v, "changed") == 0;
}

/* The server keeps managedFields; a cache that asked not to hold them has
 * everything else, after a list and after a watch event alike. */
START_TEST(informer_drops_managed_fields)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "nomf");
  make_configmaps(&t, 2);
  struct json_object *live = testkube_get(&t, "v1", "ConfigMap", t.ns, "cm-0");
  ck_assert_ptr_nonnull(
      jobj_path(live, "metadata", "managedFields", (const char *)NULL));
  json_object_put(live);
  struct informed x = {.drop_managed_fields = 1};
  start_informer(&x, &t, t.c, NULL, 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  for (int i = 0; i < 2; i++) {
    struct json_object *cm = informer_get(x.inf, t.ns, i ? "cm-1" : "cm-0");
    ck_assert_ptr_null(
        jobj_path(cm, "metadata", "managedFields", (const char *)NULL));
    ck_assert_str_eq(jobj_path_str(cm, "data", "k", (const char *)NULL), "v");
    ck_assert_ptr_nonnull(
        jobj_path_str(cm, "metadata", "resourceVersion", (const char *)NULL));
  }
  update_configmap(&t, "cm-0", "changed");
  ck_assert(testkube_run_until(&t, has_value, &x, 60 * 1000));
  ck_assert_ptr_null(jobj_path(informer_get(x.inf, t.ns, "cm-0"), "metadata",
                               "managedFields", (const char *)NULL));
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

static int resynced_twice(void *data)
{
  struct informed *x = data;
  return x->seen.resyncs >= 2 * (int)informer_count(x->inf) &&
         informer_count(x->inf) > 0;
}

START_TEST(informer_resync)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "resync");
  make_configmaps(&t, 3);
  struct informed x = {0};
  start_informer(&x, &t, t.c, NULL, 200);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  ck_assert(testkube_run_until(&t, resynced_twice, &x, 60 * 1000));
  /* A resync is not a change: no ADD or UPDATE beyond the first list. */
  ck_assert_int_eq(seen_count(&x.seen, "ADD "), 3);
  ck_assert_int_eq(seen_count(&x.seen, "UPDATE "), 0);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

static int restarted_thrice(void *data)
{
  struct informed *x = data;
  struct watch_stats st;
  informer_watch_stats(x->inf, &st);
  return st.restarts >= 3;
}

START_TEST(watch_resumes_after_server_timeout)
{
  /* The server ends each watch after a second (timeoutSeconds): a normal
   * end, so the informer watches on from where it was, never listing
   * again, and nothing is delivered twice. */
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "timeout");
  make_configmaps(&t, 4);
  struct informed x = {0};
  x.t = &t;
  x.seen.log = json_object_new_array();
  struct informer_opts o = {.api_version = "v1",
                            .kind = "ConfigMap",
                            .namespace = t.ns,
                            .timeout_s = 1,
                            .on_add = on_add,
                            .on_update = on_update,
                            .on_delete = on_delete,
                            .on_synced = on_synced,
                            .on_error = on_error,
                            .data = &x.seen};
  ck_assert_int_eq(informer_start(t.c, &o, &x.inf), 0);
  ck_assert(testkube_run_until(&t, restarted_thrice, &x, 60 * 1000));
  change_things(&t);
  ck_assert(testkube_run_until(&t, restarted_thrice, &x, 60 * 1000));
  ck_assert(testkube_run_until(&t, cache_matches_list, &x, 60 * 1000));
  assert_changes_seen(&x);
  struct watch_stats st;
  informer_watch_stats(x.inf, &st);
  ck_assert_int_eq(st.lists, 1);
  ck_assert_int_eq(x.seen.errors, 0);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

static int has_big(void *data)
{
  struct informed *x = data;
  struct json_object *o = informer_get(x->inf, x->t->ns, "big");
  const char *v = jobj_path_str(o, "data", "k", NULL);
  return v && strlen(v) == 900 * 1024;
}

START_TEST(large_object_through_watch)
{
  /* Close to the 1 MiB object limit: one watch line of about 900 KiB,
   * arriving in many pieces. */
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "large");
  struct informed x = {0};
  start_informer(&x, &t, t.c, NULL, 0);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  char *value = malloc(900 * 1024 + 1);
  memset(value, 'z', 900 * 1024);
  value[900 * 1024] = '\0';
  json_object_put(testkube_configmap(&t, "big", "k", value));
  free(value);
  ck_assert(testkube_run_until(&t, has_big, &x, 60 * 1000));
  ck_assert_int_eq(x.seen.errors, 0);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

/* ---- a plain watch ---- */

struct stop_on_delete {
  struct testkube_events ev;
  struct watch *w;
  int stopped;
};

static void stop_at_delete(enum watch_event type, struct json_object *obj,
                           void *data)
{
  struct stop_on_delete *x = data;
  testkube_events_on_event(type, obj, &x->ev);
  if (type == WATCH_DELETED && !x->stopped) {
    x->stopped = 1;
    watch_stop(x->w); /* from inside its own callback */
  }
}

static int watch_stopped(void *data)
{
  return ((struct stop_on_delete *)data)->stopped;
}

static int has_events(void *data)
{
  return json_object_array_length(((struct stop_on_delete *)data)->ev.log) >= 2;
}

START_TEST(watch_delivers_changes_in_order)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "watch");
  make_configmaps(&t, 2);
  struct stop_on_delete x = {0};
  testkube_events_init(&x.ev);
  struct watch_opts o = {.api_version = "v1",
                         .kind = "ConfigMap",
                         .namespace = t.ns,
                         .on_event = stop_at_delete,
                         .on_error = testkube_events_on_error,
                         .data = &x};
  ck_assert_int_eq(watch_start(t.c, &o, &x.w), 0);
  ck_assert(testkube_run_until(&t, has_events, &x, 60 * 1000));
  update_configmap(&t, "cm-0", "changed");
  struct json_object *cm0 = testkube_get(&t, "v1", "ConfigMap", t.ns, "cm-0");
  delete_configmap(&t, "cm-1");
  ck_assert(testkube_run_until(&t, watch_stopped, &x, 60 * 1000));
  struct json_object *log = x.ev.log;
  ck_assert_int_eq(json_object_array_length(log), 4);
  char want[256];
  snprintf(want, sizeof want, "ADDED %s/cm-0 ", t.ns);
  ck_assert(strncmp(json_object_get_string(json_object_array_get_idx(log, 0)),
                    want, strlen(want)) == 0);
  snprintf(want, sizeof want, "MODIFIED %s/cm-0 %s", t.ns, testkube_rv(cm0));
  ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(log, 2)),
                   want);
  snprintf(want, sizeof want, "DELETED %s/cm-1 ", t.ns);
  ck_assert(strncmp(json_object_get_string(json_object_array_get_idx(log, 3)),
                    want, strlen(want)) == 0);
  json_object_put(cm0);
  testkube_events_free(&x.ev);
  testkube_close(&t);
}
END_TEST

/* ---- closing the client under a running informer ---- */

static void on_get_done(struct kube_result *res, void *data)
{
  *(int *)data = res->rc ? res->rc : 1;
}

START_TEST(client_closed_under_informer)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "closing");
  make_configmaps(&t, 2);
  struct kube_client *c = testkube_client_via(&t, NULL);
  struct informed x = {0};
  start_informer(&x, &t, c, NULL, 100);
  ck_assert(testkube_run_until(&t, synced, &x, 60 * 1000));
  struct kube_ref r = {.api_version = "v1",
                       .kind = "ConfigMap",
                       .namespace = t.ns,
                       .name = "cm-0"};
  int got = 0;
  ck_assert_int_eq(kube_get(c, &r, on_get_done, &got), 0);
  kube_client_close(c);
  /* Everything in flight was cancelled, and nothing new is accepted. */
  ck_assert_int_eq(got, -ECANCELED);
  ck_assert_int_eq(kube_get(c, &r, on_get_done, &got), -ECANCELED);
  ck_assert_int_ge(x.seen.errors, 1);
  /* The informer does not try again (its client is gone); its cache and
   * resync timer live on until it is stopped. */
  testkube_run_for(&t, 1500);
  ck_assert_int_eq(informer_count(x.inf), 2);
  ck_assert_int_ge(x.seen.resyncs, 2);
  stop_informer(&x);
  testkube_close(&t);
}
END_TEST

Suite *kube_watch_suite(void)
{
  Suite *s = suite_create("kube_watch");
  TCase *faults = tcase_create("faults");
  tcase_set_timeout(faults, 600);
  tcase_add_test(faults, informer_survives_apiserver_restart);
  tcase_add_test(faults, informer_survives_apiserver_kill);
  tcase_add_test(faults, relist_after_compaction);
  suite_add_tcase(s, faults);
  TCase *plain = tcase_create("informers");
  tcase_set_timeout(plain, 300);
  tcase_add_test(plain, informer_with_label_selector);
  tcase_add_test(plain, informer_resync);
  tcase_add_test(plain, informer_drops_managed_fields);
  tcase_add_test(plain, watch_delivers_changes_in_order);
  tcase_add_test(plain, client_closed_under_informer);
  tcase_add_test(plain, watch_resumes_after_server_timeout);
  tcase_add_test(plain, large_object_through_watch);
  suite_add_tcase(s, plain);
  return s;
}
