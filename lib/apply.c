/* apply: owner labels, change detection, readiness and batched
 * server-side apply (see apply.h). */
#include "apply.h"

#include "buf.h"
#include "jobj.h"
#include "kjson.h"
#include "quantity.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- preparing objects ---- */

static int is_webhook_config(struct json_object *o)
{
  const char *k = jobj_str(o, "kind");
  return k && (strcmp(k, "ValidatingWebhookConfiguration") == 0 ||
               strcmp(k, "MutatingWebhookConfiguration") == 0);
}

static struct json_object *live_webhook(struct json_object *live,
                                        const char *name)
{
  struct json_object *hooks = jobj_arr(live, "webhooks");
  for (size_t i = 0; hooks && i < json_object_array_length(hooks); i++) {
    struct json_object *w = json_object_array_get_idx(hooks, i);
    const char *n = jobj_str(w, "name");
    if (n && name && strcmp(n, name) == 0)
      return w;
  }
  return NULL;
}

/* istiod writes the webhooks' caBundle and flips validation to fail closed
 * once it serves; where live differs from what we would set, it is
 * istiod's value now and we leave it out. */
static void yield_istiod_fields(struct json_object *obj,
                                struct json_object *live)
{
  struct json_object *hooks = jobj_arr(obj, "webhooks");
  for (size_t i = 0; hooks && i < json_object_array_length(hooks); i++) {
    struct json_object *w = json_object_array_get_idx(hooks, i);
    struct json_object *lw = live_webhook(live, jobj_str(w, "name"));
    if (!lw)
      continue;
    struct json_object *cc = jobj_obj(w, "clientConfig");
    struct json_object *lcc = jobj_obj(lw, "clientConfig");
    if (cc && !jobj_equal(jobj_get(cc, "caBundle"), jobj_get(lcc, "caBundle")))
      json_object_object_del(cc, "caBundle");
    if (!jobj_equal(jobj_get(w, "failurePolicy"),
                    jobj_get(lw, "failurePolicy")))
      json_object_object_del(w, "failurePolicy");
  }
}

static uint64_t fnv1a(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static void set_hash(struct json_object *obj)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  kjson_write(&b, obj, 0, &e);
  char hash[32];
  snprintf(hash, sizeof hash, "%016llx",
           (unsigned long long)fnv1a(b.data ? b.data : "", b.len));
  buf_free(&b);
  struct json_object *meta = jobj_ensure_obj(obj, "metadata");
  jobj_set_str(jobj_ensure_obj(meta, "annotations"), APPLY_HASH_ANNOTATION,
               hash);
}

static void set_owner_labels(struct json_object *obj, const char *component,
                             const struct apply_owner *o)
{
  struct json_object *labels =
      jobj_ensure_obj(jobj_ensure_obj(obj, "metadata"), "labels");
  jobj_set_str(labels, LABEL_MANAGED, "Reconcile");
  if (component)
    jobj_set_str(labels, LABEL_COMPONENT, component);
  if (o->version)
    jobj_set_str(labels, LABEL_VERSION, o->version);
  if (o->name && *o->name) {
    jobj_set_str(labels, LABEL_OWNER, o->name);
    jobj_set_str(labels, LABEL_OWNER_NS, o->namespace ? o->namespace : "");
  }
  jobj_set_str(labels, LABEL_REVISION,
               o->revision && *o->revision ? o->revision : "default");
}

struct json_object *apply_prepare(struct json_object *obj,
                                  const char *component,
                                  const struct apply_owner *owner,
                                  struct json_object *live)
{
  struct json_object *out = jobj_dup(obj);
  set_owner_labels(out, component, owner);
  /* The hash covers what we want, before istiod's fields are yielded, so
   * istiod's changes do not look like changes of ours. */
  set_hash(out);
  if (live && is_webhook_config(out))
    yield_istiod_fields(out, live);
  return out;
}

/* ---- change detection ---- */

static int strings_equal(struct json_object *a, struct json_object *b)
{
  const char *x = json_object_get_string(a), *y = json_object_get_string(b);
  if (strcmp(x, y) == 0)
    return 1;
  /* The API server stores quantities canonically: "0.5" comes back "500m". */
  char cx[64], cy[64];
  return quantity_canonical(x, cx, sizeof cx) == 0 &&
         quantity_canonical(y, cy, sizeof cy) == 0 && strcmp(cx, cy) == 0;
}

static int contains(struct json_object *want, struct json_object *have);

/* Empty values of omitempty fields ("", {}, [], false, 0) come back from
 * the API server as absent fields. */
static int empty_value(struct json_object *v)
{
  switch (json_object_get_type(v)) {
  case json_type_string:
    return json_object_get_string_len(v) == 0;
  case json_type_object:
    return json_object_object_length(v) == 0;
  case json_type_array:
    return json_object_array_length(v) == 0;
  case json_type_boolean:
    return !json_object_get_boolean(v);
  case json_type_int:
  case json_type_double:
    return json_object_get_double(v) == 0;
  default:
    return 1;
  }
}

static int object_contains(struct json_object *want, struct json_object *have)
{
  json_object_object_foreach (want, k, v) {
    if (!v)
      continue; /* a null asks for absence; SSA keeps it absent */
    struct json_object *hv;
    if (!json_object_object_get_ex(have, k, &hv)) {
      if (empty_value(v))
        continue;
      return 0;
    }
    if (!contains(v, hv))
      return 0;
  }
  return 1;
}

static int array_contains(struct json_object *want, struct json_object *have)
{
  size_t n = json_object_array_length(want);
  if (n != json_object_array_length(have))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!contains(json_object_array_get_idx(want, i),
                  json_object_array_get_idx(have, i)))
      return 0;
  return 1;
}

/* Every field of want is in have with the same value (have may hold
 * more: defaults and other managers' fields). */
static int contains(struct json_object *want, struct json_object *have)
{
  if (!want)
    return 1;
  if (!have)
    return 0;
  if (jobj_is_obj(want))
    return jobj_is_obj(have) && object_contains(want, have);
  if (jobj_is_arr(want))
    return jobj_is_arr(have) && array_contains(want, have);
  if (jobj_is_str(want) && jobj_is_str(have))
    return strings_equal(want, have);
  return jobj_equal(want, have);
}

int apply_unchanged(struct json_object *prepared, struct json_object *live)
{
  if (!live)
    return 0;
  const char *want = jobj_path_str(prepared, "metadata", "annotations",
                                   APPLY_HASH_ANNOTATION, (const char *)NULL);
  const char *have = jobj_path_str(live, "metadata", "annotations",
                                   APPLY_HASH_ANNOTATION, (const char *)NULL);
  if (!want || !have || strcmp(want, have) != 0)
    return 0;
  return contains(prepared, live);
}

/* ---- readiness ---- */

static int64_t status_int(struct json_object *o, const char *key)
{
  return jobj_int(jobj_obj(o, "status"), key, 0);
}

static int observed_current(struct json_object *o)
{
  return status_int(o, "observedGeneration") >=
         jobj_int(jobj_obj(o, "metadata"), "generation", 0);
}

static int deployment_ready(struct json_object *o, char *why, size_t n)
{
  int64_t want = jobj_int(jobj_obj(o, "spec"), "replicas", 1);
  int64_t updated = status_int(o, "updatedReplicas");
  int64_t ready = status_int(o, "readyReplicas");
  int64_t avail = status_int(o, "availableReplicas");
  if (!observed_current(o))
    return snprintf(why, n, "the new generation is not observed yet"), 0;
  if (updated < want || ready < want || avail < want)
    return snprintf(why, n, "%lld of %lld replicas ready", (long long)ready,
                    (long long)want),
           0;
  return 1;
}

static int daemonset_ready(struct json_object *o, char *why, size_t n)
{
  int64_t want = status_int(o, "desiredNumberScheduled");
  int64_t ready = status_int(o, "numberReady");
  int64_t updated = status_int(o, "updatedNumberScheduled");
  if (!observed_current(o))
    return snprintf(why, n, "the new generation is not observed yet"), 0;
  if (ready < want || updated < want)
    return snprintf(why, n, "%lld of %lld pods ready", (long long)ready,
                    (long long)want),
           0;
  return 1;
}

static int statefulset_ready(struct json_object *o, char *why, size_t n)
{
  int64_t want = jobj_int(jobj_obj(o, "spec"), "replicas", 1);
  int64_t ready = status_int(o, "readyReplicas");
  if (!observed_current(o) || ready < want)
    return snprintf(why, n, "%lld of %lld replicas ready", (long long)ready,
                    (long long)want),
           0;
  return 1;
}

int apply_ready(struct json_object *live, char *why, size_t n)
{
  const char *kind = jobj_str(live, "kind");
  if (!kind)
    return snprintf(why, n, "it does not exist"), 0;
  if (strcmp(kind, "Deployment") == 0)
    return deployment_ready(live, why, n);
  if (strcmp(kind, "DaemonSet") == 0)
    return daemonset_ready(live, why, n);
  if (strcmp(kind, "StatefulSet") == 0)
    return statefulset_ready(live, why, n);
  if (strcmp(kind, "CustomResourceDefinition") == 0 &&
      !apply_crd_established(live))
    return snprintf(why, n, "it is not Established yet"), 0;
  return 1;
}

int apply_crd_established(struct json_object *live)
{
  struct json_object *conds = jobj_arr(jobj_obj(live, "status"), "conditions");
  for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
    struct json_object *c = json_object_array_get_idx(conds, i);
    const char *t = jobj_str(c, "type"), *s = jobj_str(c, "status");
    if (t && s && strcmp(t, "Established") == 0)
      return strcmp(s, "True") == 0;
  }
  return 0;
}

const struct apply_kind apply_prunable_kinds[] = {
    {"admissionregistration.k8s.io", "MutatingWebhookConfiguration", {"v1"}},
    {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", {"v1"}},
    {"admissionregistration.k8s.io",
     "ValidatingAdmissionPolicy",
     {"v1", "v1beta1"}},
    {"admissionregistration.k8s.io",
     "ValidatingAdmissionPolicyBinding",
     {"v1", "v1beta1"}},
    {"rbac.authorization.k8s.io", "ClusterRole", {"v1"}},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", {"v1"}},
    {"rbac.authorization.k8s.io", "Role", {"v1"}},
    {"rbac.authorization.k8s.io", "RoleBinding", {"v1"}},
    {"apps", "Deployment", {"v1"}},
    {"apps", "DaemonSet", {"v1"}},
    {"", "Service", {"v1"}},
    {"", "ConfigMap", {"v1"}},
    {"", "ServiceAccount", {"v1"}},
    {"", "ResourceQuota", {"v1"}},
    {"policy", "PodDisruptionBudget", {"v1", "v1beta1"}},
    {"autoscaling", "HorizontalPodAutoscaler", {"v2", "v2beta2", "v1"}},
    {"networking.k8s.io", "NetworkPolicy", {"v1"}},
    {"discovery.k8s.io", "EndpointSlice", {"v1", "v1beta1"}},
    {"k8s.cni.cncf.io", "NetworkAttachmentDefinition", {"v1"}},
};
const size_t apply_nprunable_kinds =
    sizeof apply_prunable_kinds / sizeof apply_prunable_kinds[0];

void apply_key(struct json_object *obj, char *out, size_t n)
{
  const char *av = jobj_str(obj, "apiVersion");
  const char *slash = av ? strchr(av, '/') : NULL;
  const char *ns =
      jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
  snprintf(out, n, "%.*s/%s/%s/%s", slash ? (int)(slash - av) : 0,
           slash ? av : "", jobj_str(obj, "kind") ? jobj_str(obj, "kind") : "",
           ns ? ns : "",
           jobj_path_str(obj, "metadata", "name", (const char *)NULL)
               ? jobj_path_str(obj, "metadata", "name", (const char *)NULL)
               : "");
}

/* ---- batches ---- */

struct apply_batch {
  struct apply_result *res;
  size_t n;
  size_t pending;
  size_t errors;
  apply_done_cb done;
  void *data;
};

struct one {
  struct apply_batch *b;
  size_t i;
};

static void finish_one(struct apply_batch *b)
{
  if (--b->pending == 0 && b->done)
    b->done(b, b->data);
}

static void on_applied(struct kube_result *res, void *data)
{
  struct one *o = data;
  struct apply_batch *b = o->b;
  struct apply_result *r = &b->res[o->i];
  free(o);
  r->rc = res->rc;
  r->err = res->err;
  if (res->rc)
    b->errors++;
  else
    r->live = json_object_get(res->object);
  finish_one(b);
}

int apply_batch_start(struct kube_client *c, struct json_object *objs,
                      int dry_run, apply_done_cb done, void *data,
                      struct apply_batch **out)
{
  struct apply_batch *b = calloc(1, sizeof *b);
  if (!b)
    return -ENOMEM;
  b->n = json_object_array_length(objs);
  b->res = calloc(b->n + 1, sizeof *b->res);
  b->done = done;
  b->data = data;
  b->pending = b->n + 1; /* held until every request has started */
  *out = b;
  struct kube_apply_opts o = {
      .field_manager = APPLY_FIELD_MANAGER, .force = 1, .dry_run = dry_run};
  for (size_t i = 0; i < b->n; i++) {
    struct apply_result *r = &b->res[i];
    r->obj = json_object_get(json_object_array_get_idx(objs, i));
    struct one *one = malloc(sizeof *one);
    int rc = one ? 0 : -ENOMEM;
    if (one) {
      one->b = b;
      one->i = i;
      rc = kube_apply(c, r->obj, &o, on_applied, one);
    }
    if (rc) {
      free(one);
      r->rc = rc;
      err_set(&r->err, rc, "cannot apply: %s", strerror(-rc));
      b->errors++;
      b->pending--;
    }
  }
  finish_one(b);
  return 0;
}

size_t apply_batch_count(const struct apply_batch *b)
{
  return b->n;
}

const struct apply_result *apply_batch_result(const struct apply_batch *b,
                                              size_t i)
{
  return &b->res[i];
}

size_t apply_batch_errors(const struct apply_batch *b)
{
  return b->errors;
}

void apply_batch_free(struct apply_batch *b)
{
  if (!b)
    return;
  for (size_t i = 0; i < b->n; i++) {
    json_object_put(b->res[i].obj);
    json_object_put(b->res[i].live);
  }
  free(b->res);
  free(b);
}
