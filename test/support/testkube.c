/* Helpers for end-to-end tests of the Kubernetes client (see testkube.h). */
#include "testkube.h"

#include "apply.h"
#include "buf.h"
#include "jobj.h"
#include "kjson.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Far above what any call needs: a call that takes this long is a hang. */
#define CALL_DEADLINE_MS (120 * 1000)
#define CLOSE_DEADLINE_MS (20 * 1000)

void testkube_open_config(struct testkube *t, struct kube_config *cfg,
                          const struct kube_client_opts *opts)
{
  memset(t, 0, sizeof *t);
  ck_assert_int_eq(uv_loop_init(&t->loop), 0);
  struct err e;
  err_clear(&e);
  int rc = kube_client_new(&t->loop, cfg, opts, &t->c, &e);
  ck_assert_msg(rc == 0, "kube_client_new: %s", e.msg);
}

void testkube_open_opts(struct testkube *t, const struct kube_config_opts *o,
                        const struct kube_client_opts *opts)
{
  struct kube_config cfg;
  struct err e;
  err_clear(&e);
  int rc = kubeconfig_load(o, &cfg, &e);
  ck_assert_msg(rc == 0, "kubeconfig_load: %s", e.msg);
  testkube_open_config(t, &cfg, opts);
}

struct kube_client *testkube_client_via(struct testkube *t, const char *server)
{
  struct kube_config_opts o = {.kubeconfig = test_env("KUBECONFIG"),
                               .server = server};
  struct kube_config cfg;
  struct err e;
  err_clear(&e);
  int rc = kubeconfig_load(&o, &cfg, &e);
  ck_assert_msg(rc == 0, "kubeconfig_load: %s", e.msg);
  struct kube_client *c = NULL;
  rc = kube_client_new(&t->loop, &cfg, NULL, &c, &e);
  ck_assert_msg(rc == 0, "kube_client_new: %s", e.msg);
  return c;
}

void testkube_open(struct testkube *t, const char *context)
{
  struct kube_config_opts o = {.kubeconfig = test_env("KUBECONFIG"),
                               .context = context};
  testkube_open_opts(t, &o, NULL);
}

char *testkube_write_kubeconfig(const char *dir, const char *user_yaml)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b,
             "apiVersion: v1\nkind: Config\n"
             "clusters:\n- name: plane\n  cluster:\n    server: %s\n"
             "    certificate-authority: %s\n"
             "contexts:\n- name: test\n  context:\n    cluster: plane\n"
             "    user: test\n"
             "current-context: test\n"
             "users:\n- name: test\n  user:\n%s",
             test_env("IOP_TEST_SERVER"), test_env("IOP_TEST_CA"), user_yaml);
  char *path = test_write_file(dir, "kubeconfig", b.data);
  buf_free(&b);
  return path;
}

void testkube_open_token(struct testkube *t, const char *token)
{
  struct kube_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.server = strdup(test_env("IOP_TEST_SERVER"));
  cfg.ca_file = strdup(test_env("IOP_TEST_CA"));
  cfg.namespace = strdup("default");
  cfg.context = strdup("token");
  cfg.token = strdup(token);
  testkube_open_config(t, &cfg, NULL);
}

static void note_handle(uv_handle_t *h, void *data)
{
  struct buf *b = data;
  if (h->data != (void *)b) /* not the guard timer */
    buf_printf(b, " %s%s", uv_handle_type_name(uv_handle_get_type(h)),
               uv_is_active(h) ? "(active)" : "");
}

static void on_guard(uv_timer_t *t)
{
  (void)t;
}

/* Runs the loop until nothing keeps it alive or the deadline passes;
 * returns whether something still does. */
static int drain_loop(uv_loop_t *loop, int deadline_ms)
{
  uint64_t end = uv_now(loop) + (uint64_t)deadline_ms;
  for (;;) {
    uv_update_time(loop);
    if (!uv_loop_alive(loop) || uv_now(loop) >= end)
      break;
    uv_run(loop, UV_RUN_ONCE);
  }
  return uv_loop_alive(loop);
}

void testkube_close(struct testkube *t)
{
  if (t->c)
    kube_client_close(t->c);
  t->c = NULL;
  /* The guard wakes the loop without keeping it alive, so a leaked active
   * handle is reported instead of blocking the test until its timeout. */
  uv_timer_t guard;
  uv_timer_init(&t->loop, &guard);
  uv_timer_start(&guard, on_guard, 50, 50);
  uv_unref((uv_handle_t *)&guard);
  int alive = drain_loop(&t->loop, CLOSE_DEADLINE_MS);
  struct buf left;
  buf_init(&left, 0);
  guard.data = &left;
  uv_walk(&t->loop, note_handle, &left);
  uv_close((uv_handle_t *)&guard, NULL);
  uv_run(&t->loop, UV_RUN_NOWAIT);
  ck_assert_msg(!alive && left.len == 0,
                "handles left on the loop after closing the client:%s",
                left.data ? left.data : " (active ones)");
  buf_free(&left);
  ck_assert_int_eq(uv_loop_close(&t->loop), 0);
}

static int sync_done(void *data)
{
  return ((struct kube_sync *)data)->done;
}

int testkube_wait(struct testkube *t, struct kube_sync *s, int start_rc)
{
  ck_assert_msg(start_rc == 0, "the call was refused at once: %d", start_rc);
  int done = testkube_run_until(t, sync_done, s, CALL_DEADLINE_MS);
  ck_assert_msg(done, "the call did not complete in %d ms", CALL_DEADLINE_MS);
  return s->res.rc;
}

static void on_tick(uv_timer_t *t)
{
  (void)t;
}

int testkube_run_until(struct testkube *t, int (*pred)(void *data), void *data,
                       int timeout_ms)
{
  uv_timer_t tick;
  uv_timer_init(&t->loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  uv_update_time(&t->loop);
  uint64_t end = uv_now(&t->loop) + (uint64_t)timeout_ms;
  int ok = pred(data);
  while (!ok && uv_now(&t->loop) < end) {
    uv_run(&t->loop, UV_RUN_ONCE);
    ok = pred(data);
  }
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(&t->loop, UV_RUN_NOWAIT);
  return ok;
}

static int never(void *data)
{
  (void)data;
  return 0;
}

void testkube_run_for(struct testkube *t, int ms)
{
  testkube_run_until(t, never, NULL, ms);
}

struct json_object *testkube_json(const char *fmt, ...)
{
  struct buf b;
  buf_init(&b, 0);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  struct json_object *o = NULL;
  struct err e;
  int rc = kjson_parse(b.data, b.len, "test JSON", &o, &e);
  ck_assert_msg(rc == 0, "%s in %s", e.msg, b.data);
  buf_free(&b);
  return o;
}

const char *testkube_namespace(struct testkube *t, const char *prefix)
{
  static int n;
  snprintf(t->ns, sizeof t->ns, "e2e-%s-%d-%d", prefix, (int)getpid(), ++n);
  struct json_object *ns =
      testkube_json("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                    "\"metadata\":{\"name\":\"%s\"}}",
                    t->ns);
  json_object_put(testkube_create(t, ns));
  json_object_put(ns);
  return t->ns;
}

static struct json_object *take_object(struct kube_sync *s)
{
  struct json_object *o = json_object_get(s->res.object);
  kube_sync_free(s);
  return o;
}

struct json_object *testkube_create(struct testkube *t, struct json_object *o)
{
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_create(t->c, o, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "create: %s", s.res.err.msg);
  return take_object(&s);
}

struct json_object *testkube_get(struct testkube *t, const char *api_version,
                                 const char *kind, const char *ns,
                                 const char *name)
{
  struct kube_ref r = {
      .api_version = api_version, .kind = kind, .namespace = ns, .name = name};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_get(t->c, &r, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "get %s %s: %s", kind, name, s.res.err.msg);
  return take_object(&s);
}

struct json_object *testkube_configmap(struct testkube *t, const char *name,
                                       const char *key, const char *value)
{
  struct json_object *cm = testkube_json(
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
      "\"name\":\"%s\",\"namespace\":\"%s\"},\"data\":{\"%s\":\"%s\"}}",
      name, t->ns, key, value);
  struct json_object *out = testkube_create(t, cm);
  json_object_put(cm);
  return out;
}

struct json_object *testkube_list(struct testkube *t, const char *api_version,
                                  const char *kind, const char *ns,
                                  const char *label_selector)
{
  struct kube_ref r = {
      .api_version = api_version, .kind = kind, .namespace = ns};
  struct kube_list_opts o = {.label_selector = label_selector};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_list_all(t->c, &r, &o, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "list %s: %s", kind, s.res.err.msg);
  return take_object(&s);
}

const char *testkube_name(struct json_object *o)
{
  return jobj_path_str(o, "metadata", "name", NULL);
}

const char *testkube_rv(struct json_object *o)
{
  return jobj_path_str(o, "metadata", "resourceVersion", NULL);
}

void testkube_events_init(struct testkube_events *ev)
{
  memset(ev, 0, sizeof *ev);
  ev->log = json_object_new_array();
}

void testkube_events_free(struct testkube_events *ev)
{
  json_object_put(ev->log);
  ev->log = NULL;
}

void testkube_events_on_event(enum watch_event type, struct json_object *obj,
                              void *data)
{
  static const char *const names[] = {"ADDED", "MODIFIED", "DELETED",
                                      "BOOKMARK", "RELISTED"};
  struct testkube_events *ev = data;
  int *counts[] = {&ev->added, &ev->modified, &ev->deleted, &ev->bookmarks,
                   &ev->relisted};
  (*counts[type])++;
  if (type == WATCH_BOOKMARK || type == WATCH_RELISTED)
    return;
  const char *ns = jobj_path_str(obj, "metadata", "namespace", NULL);
  char line[512];
  snprintf(line, sizeof line, "%s %s/%s %s", names[type], ns ? ns : "",
           testkube_name(obj), testkube_rv(obj));
  json_object_array_add(ev->log, json_object_new_string(line));
}

void testkube_events_on_error(int rc, const char *msg, void *data)
{
  struct testkube_events *ev = data;
  if (ev->errors++ == 0)
    snprintf(ev->error_msg, sizeof ev->error_msg, "%s", msg);
  ev->last_error = rc;
}

int testkube_events_count(struct testkube_events *ev, const char *line)
{
  int n = 0;
  for (size_t i = 0; i < json_object_array_length(ev->log); i++)
    n += strcmp(json_object_get_string(json_object_array_get_idx(ev->log, i)),
                line) == 0;
  return n;
}

/* ---- for the operator's suites ---- */

/* Creates o (taken) and drops the server's answer. */
void testkube_create_json(struct testkube *t, struct json_object *o)
{
  json_object_put(testkube_create(t, o));
  json_object_put(o);
}

struct json_object *testkube_get_or_null(struct testkube *t, const char *av,
                                         const char *kind, const char *ns,
                                         const char *name)
{
  struct kube_ref r = {
      .api_version = av, .kind = kind, .namespace = ns, .name = name};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_get(t->c, &r, kube_sync_cb, &s));
  struct json_object *o = rc ? NULL : json_object_get(s.res.object);
  ck_assert_msg(rc == 0 || rc == -ENOENT, "get %s %s/%s: %s", kind,
                ns ? ns : "", name, s.res.err.msg);
  kube_sync_free(&s);
  return o;
}

/* What a kubelet would write once every pod of our workloads in ns runs. */
void testkube_make_ready(struct testkube *t, const char *ns)
{
  static const char *const kinds[] = {"Deployment", "DaemonSet"};
  for (int k = 0; k < 2; k++) {
    struct json_object *list = testkube_list(
        t, "apps/v1", kinds[k], ns, "operator.istio.io/managed=Reconcile");
    struct json_object *items = jobj_arr(list, "items");
    for (size_t i = 0; i < json_object_array_length(items); i++) {
      struct json_object *o = json_object_array_get_idx(items, i);
      long long gen =
          (long long)jobj_int(jobj_obj(o, "metadata"), "generation", 1);
      long long want = (long long)jobj_int(jobj_obj(o, "spec"), "replicas", 1);
      char patch[512];
      if (k == 0)
        snprintf(patch, sizeof patch,
                 "{\"status\":{\"observedGeneration\":%lld,\"replicas\":%lld,"
                 "\"updatedReplicas\":%lld,\"readyReplicas\":%lld,"
                 "\"availableReplicas\":%lld}}",
                 gen, want, want, want, want);
      else
        snprintf(patch, sizeof patch,
                 "{\"status\":{\"observedGeneration\":%lld,"
                 "\"desiredNumberScheduled\":1,\"currentNumberScheduled\":1,"
                 "\"numberMisscheduled\":0,\"numberReady\":1,"
                 "\"updatedNumberScheduled\":1,\"numberAvailable\":1}}",
                 gen);
      struct kube_ref r = {.api_version = "apps/v1",
                           .kind = kinds[k],
                           .namespace = ns,
                           .name = jobj_path_str(o, "metadata", "name", NULL),
                           .subresource = "status"};
      struct json_object *p = testkube_json("%s", patch);
      struct kube_sync s;
      kube_sync_init(&s);
      testkube_wait(
          t, &s,
          kube_patch(t->c, &r, KUBE_PATCH_MERGE, p, NULL, kube_sync_cb, &s));
      kube_sync_free(&s);
      json_object_put(p);
    }
    json_object_put(list);
  }
}

void testkube_install_iop_crd(void)
{
  struct testkube t;
  testkube_open(&t, NULL);
  char path[4200];
  snprintf(path, sizeof path, "%s/crds/istiooperator.yaml", test_src_dir());
  size_t len;
  char *text = test_read_file(path, &len);
  ck_assert_msg(text != NULL, "cannot read %s", path);
  struct json_object *crd = NULL;
  struct kyaml_opts o = {.name = path};
  struct err e;
  ck_assert_msg(kyaml_parse(text, len, &o, &crd, &e) == 0, "%s", e.msg);
  free(text);
  struct kube_apply_opts ao = {.field_manager = "e2e-setup", .force = 1};
  struct kube_sync s;
  kube_sync_init(&s);
  ck_assert_int_eq(
      testkube_wait(&t, &s, kube_apply(t.c, crd, &ao, kube_sync_cb, &s)), 0);
  kube_sync_free(&s);
  int established = 0;
  for (int waited = 0; !established && waited < 30000; waited += 100) {
    struct json_object *live = testkube_get_or_null(
        &t, "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
        jobj_path_str(crd, "metadata", "name", (const char *)NULL));
    established = live && apply_crd_established(live);
    json_object_put(live);
    if (!established)
      testkube_run_for(&t, 100);
  }
  ck_assert_msg(established, "the IstioOperator CRD is not Established");
  json_object_put(crd);
  testkube_close(&t);
}
