/* iop server end to end: the controller binary against the test control
 * plane, reconciling IstioOperators rendered from our Istio-shaped test
 * charts (test/fixtures/manifests, or Istio's own manifests/ when
 * IOP_TEST_MANIFESTS names one). Each test runs its own server, watching
 * only the test's namespace, and installs into that namespace.
 *
 * No kube-controller-manager runs, so nothing makes a Deployment ready:
 * tests write the status of our workloads as a kubelet would, the way
 * envtest users do. */
#include "testcp.h"
#include "testkube.h"
#include "testproc.h"
#include "testutil.h"

#include "jobj.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IOP_AV "install.istio.io/v1alpha1"
#define MANAGED "operator.istio.io/managed=Reconcile"
#define FINALIZER "istio-finalizer.install.istio.io"
#define WAIT_MS 60000

struct srv {
  struct testproc p;
  int port;
  char *dir;
  char env[8][512];
};

static const char *manifests_dir(void)
{
  static char path[4096];
  const char *env = getenv("IOP_TEST_MANIFESTS");
  if (env && *env)
    return env;
  snprintf(path, sizeof path, "%s/test/fixtures/manifests", test_src_dir());
  return path;
}

/* Starts `iop server` watching ns, electing in lease_ns; extra is one more
 * "K=V" environment entry or NULL; flag and value (may be NULL) one more
 * flag. */
static void srv_start(struct srv *s, const char *ns, const char *lease_ns,
                      const char *extra, const char *flag, const char *value)
{
  s->port = testproc_free_port();
  s->dir = test_tmpdir();
  char log[4200], addr[64];
  snprintf(log, sizeof log, "%s/server.log", s->dir);
  snprintf(addr, sizeof addr, "127.0.0.1:%d", s->port);
  snprintf(s->env[0], sizeof s->env[0], "WATCH_NAMESPACE=%s", ns);
  snprintf(s->env[1], sizeof s->env[1], "LEADER_ELECTION_NAMESPACE=%s",
           lease_ns);
  snprintf(s->env[2], sizeof s->env[2], "WAIT_FOR_RESOURCES_TIMEOUT=120s");
  snprintf(s->env[3], sizeof s->env[3], "%s", extra ? extra : "IOP_E2E=1");
  char *env[] = {s->env[0], s->env[1], s->env[2], s->env[3], NULL};
  char *argv[] = {(char *)test_iop_bin(),
                  "server",
                  "--manifests",
                  (char *)manifests_dir(),
                  "--metrics-addr",
                  addr,
                  "--log-level",
                  "debug",
                  (char *)flag,
                  (char *)value,
                  NULL};
  testproc_start(&s->p, argv, env, log);
}

static void srv_dump(struct srv *s)
{
  char *out = testproc_output(&s->p);
  size_t len = strlen(out);
  fprintf(stderr, "---- iop server log (last 6000 bytes) ----\n%s\n----\n",
          len > 6000 ? out + len - 6000 : out);
  free(out);
}

/* Stops the server; unless it was killed on purpose, it must exit 0 on
 * SIGTERM with nothing from the sanitizers in its log (make check). */
static void srv_stop(struct srv *s)
{
  int killed = s->p.pid <= 0 && s->p.status == 128 + 9;
  int status = testproc_stop(&s->p, 15000);
  char *out = testproc_output(&s->p);
  int dirty = strstr(out, "Sanitizer") || strstr(out, "runtime error:");
  if (!killed && (status != 0 || dirty)) {
    size_t len = strlen(out);
    /* Check cannot carry a long message: the log goes to stderr. */
    fprintf(stderr, "---- iop server log ----\n%s\n----\n",
            len > 20000 ? out + len - 20000 : out);
    ck_abort_msg("iop server exited %d%s (its log is on stderr)", status,
                 dirty ? " with sanitizer reports" : "");
  }
  free(out);
  test_rm_rf(s->dir);
  free(s->dir);
  s->dir = NULL;
}

/* An IstioOperator in ns installing into ns. values_extra is more of
 * spec.values and spec_extra more of the spec, as JSON members (either
 * may be ""). */
static struct json_object *iop(const char *ns, const char *name,
                               const char *values_extra, const char *spec_extra)
{
  return testkube_json(
      "{\"apiVersion\":\"" IOP_AV "\",\"kind\":\"IstioOperator\","
      "\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\"},"
      "\"spec\":{\"values\":{\"global\":{\"istioNamespace\":\"%s\"}%s%s}%s%s}}",
      ns, name, ns, *values_extra ? "," : "", values_extra,
      *spec_extra ? "," : "", spec_extra);
}

/* Creates or replaces the spec as a user's kubectl apply would. */
static void put_iop(struct testkube *t, const char *ns, const char *name,
                    const char *values_extra, const char *spec_extra)
{
  struct json_object *o = iop(ns, name, values_extra, spec_extra);
  struct kube_apply_opts ao = {.field_manager = "e2e-user", .force = 1};
  struct kube_sync s;
  kube_sync_init(&s);
  ck_assert_int_eq(
      testkube_wait(t, &s, kube_apply(t->c, o, &ao, kube_sync_cb, &s)), 0);
  kube_sync_free(&s);
  json_object_put(o);
}

static void delete_obj(struct testkube *t, const char *av, const char *kind,
                       const char *ns, const char *name)
{
  struct kube_ref r = {
      .api_version = av, .kind = kind, .namespace = ns, .name = name};
  struct kube_delete_opts d = {.grace_seconds = -1};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_delete(t->c, &r, &d, kube_sync_cb, &s));
  ck_assert_msg(rc == 0 || rc == -ENOENT, "delete %s %s/%s: %s", kind, ns, name,
                s.res.err.msg);
  kube_sync_free(&s);
}

static void merge_patch(struct testkube *t, const char *av, const char *kind,
                        const char *ns, const char *name, const char *sub,
                        const char *patch_json)
{
  struct kube_ref r = {.api_version = av,
                       .kind = kind,
                       .namespace = ns,
                       .name = name,
                       .subresource = sub};
  struct json_object *patch = testkube_json("%s", patch_json);
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(
      t, &s,
      kube_patch(t->c, &r, KUBE_PATCH_MERGE, patch, NULL, kube_sync_cb, &s));
  ck_assert_msg(rc == 0 || rc == -ENOENT, "patch %s %s/%s: %s", kind, ns, name,
                s.res.err.msg);
  kube_sync_free(&s);
  json_object_put(patch);
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static const char *cr_state(struct json_object *cr)
{
  const char *s = jobj_path_str(cr, "status", "status", NULL);
  return s ? s : "";
}

/* Polls the CR until its status.status is want (making workloads ready
 * along the way when ready is set); returns the CR. Fails the test with
 * the server's log otherwise. */
static struct json_object *wait_state(struct testkube *t, struct srv *s,
                                      const char *ns, const char *name,
                                      const char *want, int ready)
{
  struct json_object *cr = NULL;
  for (int waited = 0; waited < WAIT_MS; waited += 200) {
    if (ready)
      testkube_make_ready(t, ns);
    json_object_put(cr);
    cr = testkube_get_or_null(t, IOP_AV, "IstioOperator", ns, name);
    int64_t gen = jobj_int(jobj_obj(cr, "metadata"), "generation", -1);
    int64_t seen = jobj_int(jobj_obj(cr, "status"), "observedGeneration", -2);
    if (cr && strcmp(cr_state(cr), want) == 0 && gen == seen)
      return cr;
    sleep_ms(200);
  }
  if (s)
    srv_dump(s);
  ck_abort_msg("IstioOperator %s/%s: status %s, want %s; status: %s", ns, name,
               cr_state(cr), want,
               json_object_to_json_string(jobj_get(cr, "status")));
  return NULL;
}

/* Polls until pred holds for the object (NULL when absent). */
static struct json_object *
wait_obj(struct testkube *t, struct srv *s, const char *av, const char *kind,
         const char *ns, const char *name,
         int (*pred)(struct json_object *o, const void *arg), const void *arg,
         const char *what)
{
  struct json_object *o = NULL;
  for (int waited = 0; waited < WAIT_MS; waited += 100) {
    json_object_put(o);
    o = testkube_get_or_null(t, av, kind, ns, name);
    if (pred(o, arg))
      return o;
    sleep_ms(100);
  }
  if (s)
    srv_dump(s);
  ck_abort_msg("%s %s/%s: never %s", kind, ns ? ns : "", name, what);
  return NULL;
}

static int absent(struct json_object *o, const void *arg)
{
  (void)arg;
  return o == NULL;
}

static int label_is(struct json_object *o, const char *key, const char *want)
{
  const char *v = jobj_path_str(o, "metadata", "labels", key, NULL);
  return v && strcmp(v, want) == 0;
}

static const char *container_field(struct json_object *dep, const char *f)
{
  struct json_object *c = json_object_array_get_idx(
      jobj_arr(jobj_path(dep, "spec", "template", "spec", NULL), "containers"),
      0);
  return jobj_str(c, f);
}

static int condition(struct json_object *cr, const char *type,
                     const char *status)
{
  struct json_object *conds = jobj_path(cr, "status", "conditions", NULL);
  for (size_t i = 0; jobj_is_arr(conds) && i < json_object_array_length(conds);
       i++) {
    struct json_object *c = json_object_array_get_idx(conds, i);
    if (strcmp(jobj_str(c, "type"), type) == 0)
      return strcmp(jobj_str(c, "status"), status) == 0;
  }
  return 0;
}

/* ---- create ---- */

START_TEST(test_create_reaches_healthy)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-create");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "main", "", "");
  struct json_object *cr = wait_state(&t, &s, ns, "main", "HEALTHY", 1);

  /* What a user checks: istiod and the ingress gateway run, labelled as
   * the upstream operator labelled them; the status says so. */
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_ptr_nonnull(dep);
  ck_assert(label_is(dep, "install.operator.istio.io/owning-resource", "main"));
  ck_assert(
      label_is(dep, "install.operator.istio.io/owning-resource-namespace", ns));
  ck_assert(label_is(dep, "operator.istio.io/component", "Pilot"));
  ck_assert(label_is(dep, "operator.istio.io/managed", "Reconcile"));
  ck_assert(label_is(dep, "istio.io/rev", "default"));
  struct json_object *gw = testkube_get_or_null(&t, "apps/v1", "Deployment", ns,
                                                "istio-ingressgateway");
  ck_assert_ptr_nonnull(gw);
  ck_assert(label_is(gw, "operator.istio.io/component", "IngressGateways"));
  ck_assert_str_eq(
      jobj_path_str(cr, "status", "componentStatus", "Pilot", "status", NULL),
      "HEALTHY");
  ck_assert_str_eq(
      jobj_path_str(cr, "status", "componentStatus", "Base", "status", NULL),
      "HEALTHY");
  ck_assert(condition(cr, "Reconciled", "True"));
  ck_assert(condition(cr, "Ready", "True"));
  struct json_object *fin = jobj_path(cr, "metadata", "finalizers", NULL);
  ck_assert(jobj_is_arr(fin) && json_object_array_length(fin) == 1);
  ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(fin, 0)),
                   FINALIZER);
  /* The egress gateway is off in the default profile. */
  struct json_object *egress = testkube_get_or_null(&t, "apps/v1", "Deployment",
                                                    ns, "istio-egressgateway");
  ck_assert_ptr_null(egress);

  /* Probes and metrics. */
  ck_assert_int_eq(testproc_http_get(s.port, "/healthz", NULL), 200);
  ck_assert_int_eq(testproc_http_get(s.port, "/readyz", NULL), 200);
  char *metrics = NULL;
  ck_assert_int_eq(testproc_http_get(s.port, "/metrics", &metrics), 200);
  ck_assert_msg(testproc_metric(metrics, "iop_reconciles_total", NULL) >= 1,
                "%s", metrics);
  ck_assert(testproc_metric(metrics, "iop_objects_applied_total", NULL) >= 5);
  ck_assert(strstr(metrics, "iop_reconcile_duration_seconds_bucket") != NULL);
  ck_assert(strstr(metrics, "iop_api_requests_total{") != NULL);
  ck_assert(strstr(metrics, "iop_workqueue_depth") != NULL);
  free(metrics);
  json_object_put(gw);
  json_object_put(dep);
  json_object_put(cr);
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* ---- change, disable, prune ---- */

static int env_has(struct json_object *dep, const void *arg)
{
  struct json_object *c = json_object_array_get_idx(
      jobj_arr(jobj_path(dep, "spec", "template", "spec", NULL), "containers"),
      0);
  struct json_object *env = jobj_arr(c, "env");
  for (size_t i = 0; env && i < json_object_array_length(env); i++)
    if (strcmp(jobj_str(json_object_array_get_idx(env, i), "name"), arg) == 0)
      return 1;
  return 0;
}

START_TEST(test_change_and_prune)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-prune");
  /* Someone else's objects of the kinds we prune, in the same namespace. */
  struct json_object *cm = testkube_configmap(&t, "not-ours", "k", "v");
  testkube_create_json(
      &t,
      testkube_json(
          "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":"
          "{\"name\":\"istio-egressgateway-service-account\",\"namespace\":\"%"
          "s\","
          "\"labels\":{\"operator.istio.io/component\":\"EgressGateways\"}}}",
          ns));
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "main", "", "");
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));

  /* A value changes: the Deployment follows. */
  put_iop(&t, ns, "main", "\"pilot\":{\"env\":{\"E2E_MARK\":\"on\"}}", "");
  json_object_put(wait_obj(&t, &s, "apps/v1", "Deployment", ns, "istiod",
                           env_has, "E2E_MARK", "got the new env"));
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));

  /* The ingress gateway is turned off: its objects go, nothing else. */
  struct json_object *istiod =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  put_iop(&t, ns, "main", "\"pilot\":{\"env\":{\"E2E_MARK\":\"on\"}}",
          "\"components\":{\"ingressGateways\":[{\"name\":"
          "\"istio-ingressgateway\",\"enabled\":false}]}");
  json_object_put(wait_obj(&t, &s, "apps/v1", "Deployment", ns,
                           "istio-ingressgateway", absent, NULL, "pruned"));
  json_object_put(wait_obj(&t, &s, "v1", "Service", ns, "istio-ingressgateway",
                           absent, NULL, "pruned"));
  json_object_put(wait_obj(&t, &s, "v1", "ServiceAccount", ns,
                           "istio-ingressgateway-service-account", absent, NULL,
                           "pruned"));
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));
  struct json_object *istiod2 =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_str_eq(jobj_path_str(istiod2, "metadata", "uid", NULL),
                   jobj_path_str(istiod, "metadata", "uid", NULL));
  ck_assert_ptr_null(jobj_path(istiod2, "metadata", "deletionTimestamp", NULL));
  struct json_object *cm2 =
      testkube_get_or_null(&t, "v1", "ConfigMap", ns, "not-ours");
  ck_assert_ptr_nonnull(cm2);
  ck_assert_str_eq(jobj_path_str(cm2, "metadata", "resourceVersion", NULL),
                   jobj_path_str(cm, "metadata", "resourceVersion", NULL));
  struct json_object *sa = testkube_get_or_null(
      &t, "v1", "ServiceAccount", ns, "istio-egressgateway-service-account");
  ck_assert_msg(sa != NULL, "an object without our owner labels was pruned");
  json_object_put(sa);
  json_object_put(cm2);
  json_object_put(cm);
  json_object_put(istiod2);
  json_object_put(istiod);
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* ---- drift ---- */

static int uid_differs(struct json_object *o, const void *uid)
{
  return o && strcmp(jobj_path_str(o, "metadata", "uid", NULL), uid) != 0;
}

static int image_is_not(struct json_object *o, const void *image)
{
  return o && strcmp(container_field(o, "image"), image) != 0;
}

static int replicas_are(struct json_object *o, const void *n)
{
  return o && jobj_int(jobj_obj(o, "spec"), "replicas", -1) == *(const int *)n;
}

START_TEST(test_drift_is_repaired)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-drift");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "main",
          "\"pilot\":{\"autoscaleEnabled\":false,\"replicaCount\":2}", "");
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));

  /* Deleted: put back. */
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  char uid[128];
  snprintf(uid, sizeof uid, "%s", jobj_path_str(dep, "metadata", "uid", NULL));
  char image[512];
  snprintf(image, sizeof image, "%s", container_field(dep, "image"));
  json_object_put(dep);
  delete_obj(&t, "apps/v1", "Deployment", ns, "istiod");
  json_object_put(wait_obj(&t, &s, "apps/v1", "Deployment", ns, "istiod",
                           uid_differs, uid, "recreated"));

  /* Scaled by hand: scaled back. */
  merge_patch(&t, "apps/v1", "Deployment", ns, "istiod", NULL,
              "{\"spec\":{\"replicas\":5}}");
  int two = 2;
  json_object_put(wait_obj(&t, &s, "apps/v1", "Deployment", ns, "istiod",
                           replicas_are, &two, "scaled back to 2"));

  /* Image edited by hand (as another field manager): reverted. */
  merge_patch(&t, "apps/v1", "Deployment", ns, "istiod", NULL,
              "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
              "\"discovery\",\"image\":\"evil.example/pilot:hacked\"}]}}}}");
  dep = wait_obj(&t, &s, "apps/v1", "Deployment", ns, "istiod", image_is_not,
                 "evil.example/pilot:hacked", "reverted");
  ck_assert_str_eq(container_field(dep, "image"), image);
  json_object_put(dep);
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_invalid_cr_reports_error_others_go_on)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-invalid");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "broken", "\"notAField\":1", "\"revision\":\"bad\"");
  put_iop(&t, ns, "fine", "",
          "\"revision\":\"good\",\"components\":{\"ingressGateways\":[{"
          "\"name\":\"istio-ingressgateway\",\"enabled\":false}]}");
  struct json_object *bad = wait_state(&t, &s, ns, "broken", "ERROR", 0);
  const char *msg = jobj_path_str(bad, "status", "message", NULL);
  ck_assert_msg(msg && strstr(msg, "spec.values.notAField"), "message: %s",
                msg ? msg : "(none)");
  ck_assert(condition(bad, "Reconciled", "False"));
  json_object_put(wait_state(&t, &s, ns, "fine", "HEALTHY", 1));
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod-good");
  ck_assert_ptr_nonnull(dep);
  /* Nothing of the broken one was applied. */
  struct json_object *none =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod-bad");
  ck_assert_ptr_null(none);
  json_object_put(dep);
  json_object_put(bad);
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* Hostile CRs: a huge one, a nested one, wrong types. The bad ones get
 * ERROR with a reason; a good CR next to them is served; the server
 * lives. */
static void put_raw(struct testkube *t, const char *json)
{
  struct json_object *o = testkube_json("%s", json);
  struct kube_apply_opts ao = {.field_manager = "e2e-user", .force = 1};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = testkube_wait(t, &s, kube_apply(t->c, o, &ao, kube_sync_cb, &s));
  ck_assert_msg(rc == 0, "apply: %s", s.res.err.msg);
  kube_sync_free(&s);
  json_object_put(o);
}

static char *deep_values(int depth)
{
  size_t n = (size_t)depth * 12 + 64;
  char *s = malloc(n);
  size_t len = 0;
  for (int i = 0; i < depth; i++)
    len += (size_t)snprintf(s + len, n - len, "{\"k%d\":", i % 10);
  len += (size_t)snprintf(s + len, n - len, "1");
  for (int i = 0; i < depth; i++)
    s[len++] = '}';
  s[len] = 0;
  return s;
}

static char *huge_env(size_t entries)
{
  size_t n = entries * 48 + 16;
  char *s = malloc(n);
  size_t len = (size_t)snprintf(s, n, "{");
  for (size_t i = 0; i < entries; i++)
    len += (size_t)snprintf(s + len, n - len, "%s\"E%05zu\":\"%030zu\"",
                            i ? "," : "", i, i);
  snprintf(s + len, n - len, "}");
  return s;
}

START_TEST(test_hostile_crs)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-hostile");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  char head[512];
  snprintf(head, sizeof head,
           "{\"apiVersion\":\"" IOP_AV "\",\"kind\":\"IstioOperator\","
           "\"metadata\":{\"namespace\":\"%s\",\"name\":",
           ns);
  /* Wrong types where only iop can see them: the CRD's schema already
   * refuses them in components, values are free-form to the apiserver. */
  size_t n = 4096;
  char *doc = malloc(n);
  snprintf(doc, n,
           "%s\"types\"},\"spec\":{\"revision\":\"types\",\"values\":{"
           "\"pilot\":{\"replicaCount\":\"two\"},\"global\":{"
           "\"istioNamespace\":\"%s\",\"proxy\":7}}}}",
           head, ns);
  put_raw(&t, doc);
  /* Nesting under values. kube-apiserver 1.20 itself takes tens of
   * seconds per write past about 16 levels of free-form data, so the test
   * stays below that; iop's own parsers stop at 1000 levels (see the kyaml
   * and kjson suites). */
  char *deep = deep_values(14);
  n = strlen(deep) + 1024;
  doc = realloc(doc, n);
  snprintf(doc, n,
           "%s\"deep\"},\"spec\":{\"revision\":\"deep\",\"values\":"
           "{\"global\":{\"istioNamespace\":\"%s\"},\"x\":%s}}}",
           head, ns, deep);
  put_raw(&t, doc);
  free(deep);
  /* A hundred KiB of environment for istiod: big for a CR. (At 1 MiB the
   * test apiserver spends minutes on each server-side apply of the
   * Deployment, merging 20,000 keyed list entries.) */
  char *env = huge_env(2000);
  n = strlen(env) + 1024;
  doc = realloc(doc, n);
  snprintf(doc, n,
           "%s\"huge\"},\"spec\":{\"revision\":\"huge\",\"profile\":"
           "\"minimal\",\"components\":{\"base\":{\"enabled\":false}},"
           "\"values\":{\"global\":{\"istioNamespace\":\"%s\"},"
           "\"pilot\":{\"env\":%s}}}}",
           head, ns, env);
  put_raw(&t, doc);
  free(env);
  free(doc);
  put_iop(&t, ns, "good", "", "\"profile\":\"minimal\"");

  struct json_object *cr = wait_state(&t, &s, ns, "types", "ERROR", 0);
  const char *msg = jobj_path_str(cr, "status", "message", NULL);
  ck_assert_msg(msg && strstr(msg, "spec.values."), "%s", msg ? msg : "(none)");
  json_object_put(cr);
  cr = wait_state(&t, &s, ns, "deep", "ERROR", 0);
  msg = jobj_path_str(cr, "status", "message", NULL);
  ck_assert_msg(msg && strstr(msg, "spec.values.x"), "%s",
                msg ? msg : "(none)");
  json_object_put(cr);
  json_object_put(wait_state(&t, &s, ns, "good", "HEALTHY", 1));
  /* The huge one is valid: it installs, its Deployment carries it all. */
  json_object_put(wait_state(&t, &s, ns, "huge", "HEALTHY", 1));
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod-huge");
  ck_assert(env_has(dep, "E01999"));
  json_object_put(dep);
  ck_assert(testproc_alive(&s.p));
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* ---- revisions and deletion ---- */

START_TEST(test_two_revisions_and_deletion)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-revs");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "stable", "", "\"profile\":\"minimal\"");
  put_iop(&t, ns, "canary", "",
          "\"profile\":\"minimal\",\"revision\":\"canary\","
          "\"components\":{\"base\":{\"enabled\":false}}");
  json_object_put(wait_state(&t, &s, ns, "stable", "HEALTHY", 1));
  json_object_put(wait_state(&t, &s, ns, "canary", "HEALTHY", 1));
  struct json_object *a =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  struct json_object *b =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod-canary");
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert(label_is(b, "istio.io/rev", "canary"));
  ck_assert(label_is(b, "install.operator.istio.io/owning-resource", "canary"));

  /* Deleting the canary removes its objects, then its finalizer; the
   * stable revision is untouched. */
  delete_obj(&t, IOP_AV, "IstioOperator", ns, "canary");
  json_object_put(wait_obj(&t, &s, "apps/v1", "Deployment", ns, "istiod-canary",
                           absent, NULL, "removed"));
  json_object_put(wait_obj(&t, &s, IOP_AV, "IstioOperator", ns, "canary",
                           absent, NULL, "released by its finalizer"));
  struct json_object *a2 =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_ptr_nonnull(a2);
  ck_assert_str_eq(jobj_path_str(a2, "metadata", "uid", NULL),
                   jobj_path_str(a, "metadata", "uid", NULL));

  /* Deleting the stable one removes everything it owns but the CRDs. */
  delete_obj(&t, IOP_AV, "IstioOperator", ns, "stable");
  json_object_put(wait_obj(&t, &s, IOP_AV, "IstioOperator", ns, "stable",
                           absent, NULL, "deleted"));
  struct json_object *left =
      testkube_list(&t, "v1", "ServiceAccount", ns, MANAGED);
  ck_assert_int_eq(json_object_array_length(jobj_arr(left, "items")), 0);
  json_object_put(left);
  struct json_object *gone =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_ptr_null(gone);
  if (!getenv("IOP_TEST_MANIFESTS")) {
    struct json_object *crd = testkube_get_or_null(
        &t, "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
        "meshpolicies.test.iop.dev");
    ck_assert_msg(crd != NULL, "a CRD was pruned");
    json_object_put(crd);
  }
  json_object_put(a2);
  json_object_put(a);
  json_object_put(b);
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* A CR that vanishes while its reconcile is under way (its finalizer
 * removed by hand) must not take the server down; the next CR is served. */
START_TEST(test_cr_vanishes_mid_reconcile)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-vanish");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  for (int i = 0; i < 3; i++) {
    put_iop(&t, ns, "brief", "", "");
    sleep_ms(20 * i);
    delete_obj(&t, IOP_AV, "IstioOperator", ns, "brief");
    merge_patch(&t, IOP_AV, "IstioOperator", ns, "brief", NULL,
                "{\"metadata\":{\"finalizers\":null}}");
    json_object_put(wait_obj(&t, &s, IOP_AV, "IstioOperator", ns, "brief",
                             absent, NULL, "gone"));
  }
  put_iop(&t, ns, "after", "", "");
  json_object_put(wait_state(&t, &s, ns, "after", "HEALTHY", 1));
  ck_assert(testproc_alive(&s.p));
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

START_TEST(test_ignore_reconcile)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-ignore");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  put_iop(&t, ns, "main", "", "\"profile\":\"minimal\"");
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));
  merge_patch(&t, IOP_AV, "IstioOperator", ns, "main", NULL,
              "{\"metadata\":{\"annotations\":{"
              "\"install.istio.io/ignoreReconcile\":\"true\"}}}");
  delete_obj(&t, "apps/v1", "Deployment", ns, "istiod");
  sleep_ms(3000);
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_msg(dep == NULL, "an ignored IstioOperator was reconciled");
  /* Deletion still completes. */
  delete_obj(&t, IOP_AV, "IstioOperator", ns, "main");
  json_object_put(wait_obj(&t, &s, IOP_AV, "IstioOperator", ns, "main", absent,
                           NULL, "deleted"));
  json_object_put(wait_obj(&t, &s, "v1", "ConfigMap", ns, "istio", absent, NULL,
                           "removed"));
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* ---- resilience ---- */

START_TEST(test_apiserver_restart_converges)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-restart");
  srv_start(&s, ns, ns, NULL, NULL, NULL);
  ck_assert(testproc_wait_output(&s.p, "caches synced", WAIT_MS));
  put_iop(&t, ns, "main", "", "");
  ck_assert(testproc_wait_output(&s.p, "rendered iop=", WAIT_MS));
  ck_assert_int_eq(testcp_restart_apiserver(), 0);
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));
  ck_assert(testproc_alive(&s.p));
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

static int holder_is_not(struct json_object *lease, const void *who)
{
  const char *h = jobj_path_str(lease, "spec", "holderIdentity", NULL);
  return h && *h && strcmp(h, who) != 0;
}

START_TEST(test_leader_takeover)
{
  struct testkube t;
  struct srv a, b;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-leader");
  srv_start(&a, ns, ns, "POD_NAME=iop-a", NULL, NULL);
  ck_assert(testproc_wait_output(&a.p, "became the leader", WAIT_MS));
  srv_start(&b, ns, ns, "POD_NAME=iop-b", NULL, NULL);
  ck_assert(testproc_wait_output(&b.p, "caches synced", WAIT_MS));
  struct json_object *lease = testkube_get_or_null(
      &t, "coordination.k8s.io/v1", "Lease", ns, "istio-operator-lock");
  ck_assert_ptr_nonnull(lease);
  const char *holder = jobj_path_str(lease, "spec", "holderIdentity", NULL);
  ck_assert_msg(strncmp(holder, "iop-a", 5) == 0, "holder %s", holder);
  char first[256];
  snprintf(first, sizeof first, "%s", holder);
  json_object_put(lease);
  /* The leader dies without releasing; b takes over after the lease
   * duration (15 s) and reconciles what is created meanwhile. */
  testproc_kill(&a.p);
  put_iop(&t, ns, "main", "", "\"profile\":\"minimal\"");
  json_object_put(wait_obj(&t, &b, "coordination.k8s.io/v1", "Lease", ns,
                           "istio-operator-lock", holder_is_not, first,
                           "taken over"));
  ck_assert(testproc_wait_output(&b.p, "became the leader", 5000));
  json_object_put(wait_state(&t, &b, ns, "main", "HEALTHY", 1));
  /* SIGTERM releases the lease. */
  ck_assert_int_eq(testproc_stop(&b.p, 15000), 0);
  lease = testkube_get_or_null(&t, "coordination.k8s.io/v1", "Lease", ns,
                               "istio-operator-lock");
  const char *after = jobj_path_str(lease, "spec", "holderIdentity", NULL);
  ck_assert_msg(!after || !*after, "lease still held by %s", after);
  json_object_put(lease);
  srv_stop(&a);
  srv_stop(&b);
  testkube_close(&t);
}
END_TEST

/* ---- no writes when nothing changes ---- */

/* Requests that change something: every verb but the reads (the metric
 * names verbs as the client does: get, list, watch, apply, create...). */
static double writes(const char *metrics)
{
  static const char *const reads[] = {"get", "list", "watch", "discovery",
                                      "version"};
  double n = testproc_metric(metrics, "iop_api_requests_total", NULL);
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
    char filter[64];
    snprintf(filter, sizeof filter, "verb=\"%s\"", reads[i]);
    n -= testproc_metric(metrics, "iop_api_requests_total", filter);
  }
  return n;
}

static char *scrape(struct srv *s)
{
  char *m = NULL;
  ck_assert_int_eq(testproc_http_get(s->port, "/metrics", &m), 200);
  return m;
}

/* The writes the server makes while it reconciles at least n more times,
 * counted from /metrics once the status writes after HEALTHY have landed. */
static double writes_over_reconciles(struct srv *s, int n)
{
  sleep_ms(1500);
  char *m = scrape(s);
  double w0 = writes(m), r0 = testproc_metric(m, "iop_reconciles_total", NULL);
  free(m);
  double r1 = r0, w1 = w0;
  for (int waited = 0; r1 < r0 + n && waited < WAIT_MS; waited += 200) {
    sleep_ms(200);
    m = scrape(s);
    r1 = testproc_metric(m, "iop_reconciles_total", NULL);
    w1 = writes(m);
    free(m);
  }
  ck_assert_msg(r1 >= r0 + n, "only %.0f reconciles", r1 - r0);
  return w1 - w0;
}

START_TEST(test_resync_writes_nothing)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-resync");
  srv_start(&s, ns, ns, "POD_NAME=iop-resync", "--resync-period=500ms",
            "--leader-elect=false");
  put_iop(&t, ns, "main", "", "");
  json_object_put(wait_state(&t, &s, ns, "main", "HEALTHY", 1));
  double w = writes_over_reconciles(&s, 10);
  ck_assert_msg(w == 0, "%.0f writes during 10 unchanged reconciles", w);
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

/* Two revisions that both install Base want the same CRDs: the CRDs stay
 * as one of them applied them, and resyncs of both write nothing. */
START_TEST(test_shared_objects_write_nothing)
{
  struct testkube t;
  struct srv s;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "srv-shared");
  srv_start(&s, ns, ns, "POD_NAME=iop-shared", "--resync-period=500ms",
            "--leader-elect=false");
  put_iop(&t, ns, "stable", "", "\"profile\":\"minimal\"");
  put_iop(&t, ns, "canary", "",
          "\"profile\":\"minimal\",\"revision\":\"canary\"");
  json_object_put(wait_state(&t, &s, ns, "stable", "HEALTHY", 1));
  json_object_put(wait_state(&t, &s, ns, "canary", "HEALTHY", 1));
  double w = writes_over_reconciles(&s, 12);
  ck_assert_msg(w == 0, "%.0f writes during 12 reconciles of two CRs", w);
  if (!getenv("IOP_TEST_MANIFESTS")) {
    struct json_object *crd = testkube_get_or_null(
        &t, "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
        "meshpolicies.test.iop.dev");
    ck_assert_ptr_nonnull(crd);
    const char *owner = jobj_path_str(
        crd, "metadata", "labels", "install.operator.istio.io/owning-resource",
        (const char *)NULL);
    ck_assert_msg(owner &&
                      (!strcmp(owner, "stable") || !strcmp(owner, "canary")),
                  "the shared CRD is owned by %s", owner ? owner : "nobody");
    json_object_put(crd);
  }
  srv_stop(&s);
  testkube_close(&t);
}
END_TEST

Suite *server_suite(void)
{
  Suite *s = suite_create("server");
  TCase *tc = tcase_create("server");
  tcase_add_checked_fixture(tc, testkube_install_iop_crd, NULL);
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_create_reaches_healthy);
  tcase_add_test(tc, test_change_and_prune);
  tcase_add_test(tc, test_drift_is_repaired);
  tcase_add_test(tc, test_invalid_cr_reports_error_others_go_on);
  tcase_add_test(tc, test_hostile_crs);
  tcase_add_test(tc, test_two_revisions_and_deletion);
  tcase_add_test(tc, test_ignore_reconcile);
  tcase_add_test(tc, test_cr_vanishes_mid_reconcile);
  tcase_add_test(tc, test_apiserver_restart_converges);
  tcase_add_test(tc, test_leader_takeover);
  tcase_add_test(tc, test_resync_writes_nothing);
  tcase_add_test(tc, test_shared_objects_write_nothing);
  suite_add_tcase(s, tc);
  return s;
}
