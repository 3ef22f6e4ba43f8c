/* reconcile: one IstioOperator brought to what it says (see ctrl.h).
 *
 * A reconcile is a chain of steps on the loop, each started when the
 * previous one's API calls have answered: finalizer and render at once
 * (the render on the thread pool; its result kept per generation), namespaces,
 * then one apply batch per phase (CRDs, Base, Pilot, CNI, Ztunnel, ingress and
 * egress gateways), pruning, readiness, status. Every step checks whether the
 * controller is stopping. */
#include "ctrl_int.h"

#include "apply.h"
#include "buf.h"
#include "jobj.h"
#include "log.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Apply phases: CRDs first, then components in dependency order. */
static const char *const phases[] = {
    "CRDs",          "Base", "Pilot", "Cni", "Ztunnel", "IngressGateways",
    "EgressGateways"};
#define NPHASES (sizeof phases / sizeof phases[0])

struct rec {
  struct ctrl *c;
  char *key;
  char ns[256];
  char name[256];
  struct json_object *cr; /* our own copy */
  struct cr_state *st;
  size_t phase;
  int pending; /* API calls in flight in this step */
  int applied;
  int pruned;
  int apply_errors;
  int requeue; /* 1: soon (not ready), 2: with backoff */
  struct rec_status status;
  uint64_t started;
  int waiting;          /* finalizer patch and render still to finish */
  int finalizer_failed; /* 0, or the requeue the failure asks for */
  struct err render_err;
  int render_rc;
};

static void next_phase(struct rec *r);
static void finish(struct rec *r);

static void rec_free(struct rec *r)
{
  json_object_put(r->cr);
  free(r->key);
  free(r);
}

/* The end of every reconcile: requeue policy, metrics, done. */
static void done(struct rec *r, const char *result)
{
  struct ctrl *c = r->c;
  if (!c->stopping) {
    if (r->requeue == 2)
      workqueue_add_rate_limited(c->q, r->key);
    else if (r->requeue == 1)
      workqueue_add_after(c->q, r->key, 5000);
    else
      workqueue_forget(c->q, r->key);
    if (c->m_reconciles)
      metrics_inc(metrics_with(c->m_reconciles, result, (const char *)NULL));
    if (c->m_duration)
      metrics_observe(metrics_with(c->m_duration, (const char *)NULL),
                      (double)(uv_now(c->loop) - r->started) / 1000.0);
  }
  workqueue_done(c->q, r->key);
  ctrl__release_state(r->st);
  rec_free(r);
}

static int stopping(struct rec *r)
{
  if (!r->c->stopping)
    return 0;
  done(r, "cancelled");
  return 1;
}

static const char *annotation(struct json_object *cr, const char *name)
{
  return jobj_path_str(cr, "metadata", "annotations", name, (const char *)NULL);
}

static int has_finalizer(struct json_object *cr)
{
  struct json_object *f =
      jobj_path(cr, "metadata", "finalizers", (const char *)NULL);
  for (size_t i = 0; jobj_is_arr(f) && i < json_object_array_length(f); i++) {
    const char *s = json_object_get_string(json_object_array_get_idx(f, i));
    if (s && strcmp(s, CTRL_FINALIZER) == 0)
      return 1;
  }
  return 0;
}

/* ---- finalizer ---- */

/* metadata.finalizers with ours added or removed, guarded by the
 * resourceVersion so a concurrent change is not lost (409: retry). */
static struct json_object *finalizer_patch(struct json_object *cr, int add)
{
  struct json_object *list = json_object_new_array();
  struct json_object *f =
      jobj_path(cr, "metadata", "finalizers", (const char *)NULL);
  for (size_t i = 0; jobj_is_arr(f) && i < json_object_array_length(f); i++) {
    const char *s = json_object_get_string(json_object_array_get_idx(f, i));
    if (s && strcmp(s, CTRL_FINALIZER) != 0)
      json_object_array_add(list, json_object_new_string(s));
  }
  if (add)
    json_object_array_add(list, json_object_new_string(CTRL_FINALIZER));
  struct json_object *patch = json_object_new_object();
  struct json_object *meta = jobj_ensure_obj(patch, "metadata");
  jobj_set(meta, "finalizers", list);
  jobj_set_str(
      meta, "resourceVersion",
      jobj_path_str(cr, "metadata", "resourceVersion", (const char *)NULL));
  return patch;
}

static int patch_finalizers(struct rec *r, int add, kube_cb cb)
{
  struct kube_ref ref;
  kube_ref_of(r->cr, &ref);
  struct json_object *patch = finalizer_patch(r->cr, add);
  int rc = kube_patch(r->c->client, &ref, KUBE_PATCH_MERGE, patch, NULL, cb, r);
  json_object_put(patch);
  return rc;
}

/* ---- deletion ---- */

struct prune_ctx {
  struct rec *r;
  int all; /* deleting the CR: everything it owns goes */
  struct json_object *victims;
};

static int owned_by(struct json_object *obj, struct rec *r)
{
  struct json_object *l =
      jobj_path(obj, "metadata", "labels", (const char *)NULL);
  const char *name = jobj_str(l, LABEL_OWNER),
             *ns = jobj_str(l, LABEL_OWNER_NS);
  return name && ns && strcmp(name, r->name) == 0 && strcmp(ns, r->ns) == 0;
}

static void pick_victim(struct json_object *obj, void *data)
{
  struct prune_ctx *p = data;
  char key[1024];
  if (!owned_by(obj, p->r) ||
      strcmp(jobj_str(obj, "kind"), "CustomResourceDefinition") == 0)
    return;
  apply_key(obj, key, sizeof key);
  if (!p->all && jobj_get(p->r->st->wanted, key))
    return;
  if (ctrl__wanted_by_other(p->r->c, p->r->key, key))
    return;
  json_object_array_add(p->victims, json_object_get(obj));
}

static void after_prune(struct rec *r);
static void after_finalize_prune(struct rec *r);

static void on_deleted(struct kube_result *res, void *data)
{
  struct rec *r = data;
  if (res->rc == 0 || res->rc == -ENOENT)
    r->pruned++;
  else
    log_warn("prune failed iop=%s err=%s", r->key, log_q(res->err.msg));
  if (--r->pending > 0)
    return;
  if (r->c->m_pruned && r->pruned)
    metrics_add(metrics_with(r->c->m_pruned, (const char *)NULL), r->pruned);
  if (r->status.state && strcmp(r->status.state, "DELETING") == 0)
    after_finalize_prune(r);
  else
    after_prune(r);
}

/* Deletes what we own and no longer want. Returns 1 when deletions are in
 * flight (their completion continues the reconcile), 0 when the caller
 * continues. */
static int prune(struct rec *r, int all)
{
  struct prune_ctx p = {r, all, json_object_new_array()};
  ctrl__foreach_owned(r->c, pick_victim, &p);
  size_t n = json_object_array_length(p.victims);
  r->pending = (int)n + 1;
  for (size_t i = 0; i < n; i++) {
    struct json_object *o = json_object_array_get_idx(p.victims, i);
    struct kube_ref ref;
    kube_ref_of(o, &ref);
    struct kube_delete_opts d = {
        .propagation = "Background",
        .uid = jobj_path_str(o, "metadata", "uid", (const char *)NULL),
        .grace_seconds = -1};
    char id[1024];
    apply_key(o, id, sizeof id);
    log_info("pruning iop=%s object=%s", r->key, log_q(id));
    if (kube_delete(r->c->client, &ref, &d, on_deleted, r) != 0)
      r->pending--;
  }
  json_object_put(p.victims);
  return --r->pending > 0;
}

static void on_finalizer_removed(struct kube_result *res, void *data)
{
  struct rec *r = data;
  if (res->rc) {
    log_warn("removing the finalizer failed iop=%s err=%s", r->key,
             log_q(res->err.msg));
    r->requeue = 2;
  } else {
    log_info("deleted iop=%s pruned=%d", r->key, r->pruned);
    ctrl__drop_state(r->c, r->key);
  }
  done(r, res->rc ? "error" : "deleted");
}

static void after_finalize_prune(struct rec *r)
{
  if (stopping(r))
    return;
  if (patch_finalizers(r, 0, on_finalizer_removed) != 0) {
    r->requeue = 2;
    done(r, "error");
  }
}

/* A CR being deleted: remove what it owns (its revision only: our owner
 * labels name it), then let it go. ignoreReconcile does not stop this. */
static void finalize(struct rec *r)
{
  if (!has_finalizer(r->cr)) {
    ctrl__drop_state(r->c, r->key);
    done(r, "deleted");
    return;
  }
  r->status.state = "DELETING";
  json_object_put(r->st->wanted);
  r->st->wanted = json_object_new_object();
  if (prune(r, 1) == 0)
    after_finalize_prune(r);
}

/* ---- rendering ---- */

static void remember_wanted(struct rec *r)
{
  struct generate_result *d = &r->st->desired;
  json_object_put(r->st->wanted);
  r->st->wanted = json_object_new_object();
  for (int i = 0; i < d->ncomps; i++) {
    struct json_object *objs = d->comps[i].objs;
    for (size_t k = 0; k < json_object_array_length(objs); k++) {
      struct json_object *o = json_object_array_get_idx(objs, k);
      char key[1024];
      apply_key(o, key, sizeof key);
      jobj_set_str(r->st->wanted, key, d->comps[i].comp->name);
      ctrl__watch_kind(r->c, jobj_str(o, "apiVersion"), jobj_str(o, "kind"));
    }
  }
}

/* ---- rendering, off the loop ---- */

struct render_job {
  uv_work_t req;
  struct rec *r;
  struct json_object *input;
  struct generate_opts o;
  struct generate_result res;
  struct err e;
  int rc;
  double ms;
};

static void step_done(struct rec *r);

/* On a pool thread: only the job's own objects, and one render at a time
 * (render_lock). */
static void render_work(uv_work_t *req)
{
  struct render_job *j = req->data;
  pthread_mutex_lock(&j->r->c->render_lock);
  uint64_t t0 = uv_hrtime();
  j->rc = generate_run(&j->o, &j->res, &j->e);
  j->ms = (double)(uv_hrtime() - t0) / 1e6;
  pthread_mutex_unlock(&j->r->c->render_lock);
}

static void render_after(uv_work_t *req, int status)
{
  struct render_job *j = req->data;
  struct rec *r = j->r;
  json_object_put(j->input);
  r->render_rc = status ? status : j->rc;
  r->render_err = j->e;
  if (!r->render_rc) {
    if (r->st->rendered)
      generate_result_free(&r->st->desired);
    r->st->desired = j->res;
    r->st->rendered = 1;
    r->st->generation = jobj_int(jobj_obj(r->cr, "metadata"), "generation", 0);
    remember_wanted(r);
    log_info("rendered iop=%s objects=%zu ms=%.1f", r->key,
             json_object_array_length(j->res.sorted), j->ms);
  } else if (status) {
    err_set(&r->render_err, status, "cannot render: %s", uv_strerror(status));
  }
  free(j);
  step_done(r);
}

/* Renders the CR unless its generation is rendered already; ends in
 * step_done either way. The render runs on libuv's thread pool, so probes,
 * watches and other API calls go on meanwhile. */
static void render_start(struct rec *r)
{
  int64_t gen = jobj_int(jobj_obj(r->cr, "metadata"), "generation", 0);
  if (r->st->rendered && r->st->generation == gen) {
    step_done(r);
    return;
  }
  struct render_job *j = calloc(1, sizeof *j);
  if (!j) {
    r->render_rc = err_set(&r->render_err, -ENOMEM, "out of memory");
    step_done(r);
    return;
  }
  j->r = r;
  j->req.data = j;
  /* istioctl decodes the object strictly, and status is not part of its
   * IstioOperator: validate the spec the user wrote. */
  j->input = jobj_dup(r->cr);
  json_object_object_del(j->input, "status");
  j->o = (struct generate_opts){
      .in = {.object = j->input, .default_manifests = r->c->o.manifests},
      .kube_version = *r->c->kube_version ? r->c->kube_version : NULL};
  err_clear(&j->e);
  int rc = uv_queue_work(r->c->loop, &j->req, render_work, render_after);
  if (rc) {
    json_object_put(j->input);
    free(j);
    r->render_rc =
        err_set(&r->render_err, rc, "cannot render: %s", uv_strerror(rc));
    step_done(r);
  }
}

/* ---- applying, phase by phase ---- */

static struct json_object *phase_objects(struct rec *r, const char *phase)
{
  struct generate_result *d = &r->st->desired;
  struct json_object *out = json_object_new_array();
  int crds = strcmp(phase, "CRDs") == 0;
  for (int i = 0; i < d->ncomps; i++) {
    struct json_object *objs = d->comps[i].objs;
    for (size_t k = 0; k < json_object_array_length(objs); k++) {
      struct json_object *o = json_object_array_get_idx(objs, k);
      int is_crd = strcmp(jobj_str(o, "kind"), "CustomResourceDefinition") == 0;
      if (crds ? !is_crd : is_crd || strcmp(d->comps[i].comp->name, phase))
        continue;
      struct json_object *pair = json_object_new_array();
      json_object_array_add(pair, json_object_get(o));
      json_object_array_add(pair,
                            json_object_new_string(d->comps[i].comp->name));
      json_object_array_add(out, pair);
    }
  }
  return out;
}

/* An object another IstioOperator also wants and last applied (the CRDs
 * of two revisions' Base) is left as that one wrote it when it differs
 * only in whose labels it carries: otherwise each would take it over on
 * every resync, a write each time. The other keeps it while it wants it;
 * then the next reconcile here takes it over. */
static int same_as_co_owner(struct rec *r, struct json_object *obj,
                            struct json_object *live)
{
  struct json_object *l =
      jobj_path(live, "metadata", "labels", (const char *)NULL);
  struct apply_owner theirs = {.name = jobj_str(l, LABEL_OWNER),
                               .namespace = jobj_str(l, LABEL_OWNER_NS),
                               .revision = jobj_str(l, LABEL_REVISION),
                               .version = jobj_str(l, LABEL_VERSION)};
  if (!theirs.name || !theirs.namespace ||
      (strcmp(theirs.name, r->name) == 0 &&
       strcmp(theirs.namespace, r->ns) == 0))
    return 0;
  char owner_key[600], key[1024];
  snprintf(owner_key, sizeof owner_key, "%s/%s", theirs.namespace, theirs.name);
  apply_key(obj, key, sizeof key);
  if (!ctrl__wanted_by(r->c, owner_key, key))
    return 0;
  struct json_object *as_theirs =
      apply_prepare(obj, jobj_str(l, LABEL_COMPONENT), &theirs, live);
  int same = apply_unchanged(as_theirs, live);
  json_object_put(as_theirs);
  return same;
}

/* Prepared objects of this phase that the cluster does not hold yet. */
static struct json_object *to_apply(struct rec *r, struct json_object *pairs)
{
  struct apply_owner owner = {
      .name = r->name,
      .namespace = r->ns,
      .revision = jobj_path_str(r->cr, "spec", "revision", (const char *)NULL),
      .version = iop_version()};
  struct json_object *out = json_object_new_array();
  for (size_t i = 0; i < json_object_array_length(pairs); i++) {
    struct json_object *pair = json_object_array_get_idx(pairs, i);
    struct json_object *obj = json_object_array_get_idx(pair, 0);
    struct json_object *live = NULL;
    int known = ctrl__live(r->c, obj, &live);
    struct json_object *want = apply_prepare(
        obj, json_object_get_string(json_object_array_get_idx(pair, 1)), &owner,
        live);
    if (known && (apply_unchanged(want, live) ||
                  (live && same_as_co_owner(r, obj, live))))
      json_object_put(want);
    else
      json_object_array_add(out, want);
  }
  return out;
}

static int comp_index(struct rec *r, const char *comp)
{
  for (int i = 0; i < r->status.ncomp; i++)
    if (strcmp(r->status.component[i], comp) == 0)
      return i;
  if (r->status.ncomp == 8)
    return 7;
  int i = r->status.ncomp++;
  r->status.component[i] = comp;
  r->status.comp_state[i] = "HEALTHY";
  return i;
}

static void on_batch(struct apply_batch *b, void *data)
{
  struct rec *r = data;
  for (size_t i = 0; i < apply_batch_count(b); i++) {
    const struct apply_result *res = apply_batch_result(b, i);
    /* The status outlives the batch: name the component with the static
     * string of its table entry, never with the label's borrowed text. */
    const char *label = jobj_path_str(res->obj, "metadata", "labels",
                                      LABEL_COMPONENT, (const char *)NULL);
    const struct iop_component *ic = iop_component_by_name(label ? label : "");
    const char *comp = ic ? ic->name : NULL;
    char id[1024];
    apply_key(res->obj, id, sizeof id);
    if (res->rc) {
      int ci = comp_index(r, comp ? comp : phases[r->phase]);
      r->status.comp_state[ci] = "ERROR";
      buf_snprintf(r->status.comp_error[ci], sizeof r->status.comp_error[ci],
                   "applying %s: %s", id, res->err.msg);
      r->apply_errors++;
      log_warn("apply failed iop=%s object=%s err=%s", r->key, log_q(id),
               log_q(res->err.msg));
    } else {
      r->applied++;
    }
  }
  log_debug("applied iop=%s phase=%s objects=%zu at_ms=%llu", r->key,
            phases[r->phase], apply_batch_count(b),
            (unsigned long long)(uv_now(r->c->loop) - r->started));
  apply_batch_free(b);
  if (stopping(r))
    return;
  r->phase++;
  next_phase(r);
}

static void next_phase(struct rec *r)
{
  while (r->phase < NPHASES) {
    struct json_object *pairs = phase_objects(r, phases[r->phase]);
    struct json_object *objs = to_apply(r, pairs);
    json_object_put(pairs);
    if (json_object_array_length(objs) > 0) {
      struct apply_batch *b;
      apply_batch_start(r->c->client, objs, 0, on_batch, r, &b);
      json_object_put(objs);
      return;
    }
    json_object_put(objs);
    r->phase++;
  }
  if (r->c->m_applied && r->applied)
    metrics_add(metrics_with(r->c->m_applied, (const char *)NULL), r->applied);
  /* Prune only with complete caches and after a clean apply. */
  if (r->apply_errors || !ctrl__all_synced(r->c)) {
    if (!ctrl__all_synced(r->c))
      r->requeue = r->requeue ? r->requeue : 1;
    after_prune(r);
    return;
  }
  if (prune(r, 0) == 0)
    after_prune(r);
}

/* ---- namespaces ---- */

static void on_ns_created(struct kube_result *res, void *data)
{
  struct rec *r = data;
  if (res->rc && res->rc != -EEXIST)
    log_warn("creating a namespace failed iop=%s err=%s", r->key,
             log_q(res->err.msg));
  if (--r->pending > 0)
    return;
  if (stopping(r))
    return;
  next_phase(r);
}

/* Component namespaces are created when missing, without our labels: a
 * namespace is never pruned. */
static void ensure_namespaces(struct rec *r)
{
  struct json_object *seen = json_object_new_object();
  struct generate_result *d = &r->st->desired;
  r->pending = 1;
  for (int i = 0; i < d->ncomps; i++) {
    const char *ns = d->comps[i].namespace;
    if (!ns || jobj_get(seen, ns) || ctrl__namespace_exists(r->c, ns))
      continue;
    jobj_set(seen, ns, json_object_new_boolean(1));
    struct json_object *o = json_object_new_object();
    jobj_set_str(o, "apiVersion", "v1");
    jobj_set_str(o, "kind", "Namespace");
    jobj_set_str(jobj_ensure_obj(o, "metadata"), "name", ns);
    r->pending++;
    if (kube_create(r->c->client, o, on_ns_created, r) != 0)
      r->pending--;
    json_object_put(o);
  }
  json_object_put(seen);
  if (--r->pending == 0)
    next_phase(r);
}

/* ---- readiness and status ---- */

static void judge_readiness(struct rec *r)
{
  struct generate_result *d = &r->st->desired;
  int any_not_ready = 0;
  for (int i = 0; i < d->ncomps; i++) {
    int ci = comp_index(r, d->comps[i].comp->name);
    struct json_object *objs = d->comps[i].objs;
    for (size_t k = 0; k < json_object_array_length(objs); k++) {
      struct json_object *o = json_object_array_get_idx(objs, k), *live = NULL;
      char why[256];
      if (strcmp(r->status.comp_state[ci], "ERROR") == 0)
        break;
      if (!ctrl__live(r->c, o, &live) || apply_ready(live, why, sizeof why))
        continue;
      any_not_ready = 1;
      uint64_t now = uv_now(r->c->loop);
      if (!r->st->not_ready_since)
        r->st->not_ready_since = now;
      char id[1024];
      apply_key(o, id, sizeof id);
      int late = now - r->st->not_ready_since > r->c->o.wait_timeout_ms;
      r->status.comp_state[ci] = late ? "ERROR" : "RECONCILING";
      buf_snprintf(r->status.comp_error[ci], sizeof r->status.comp_error[ci],
                   "%s%s is not ready: %s", late ? "timed out waiting: " : "",
                   id, why);
      break;
    }
  }
  if (!any_not_ready)
    r->st->not_ready_since = 0;
  else
    r->requeue = r->requeue ? r->requeue : 1;
}

static void overall(struct rec *r)
{
  const char *state = "HEALTHY";
  for (int i = 0; i < r->status.ncomp; i++) {
    if (strcmp(r->status.comp_state[i], "ERROR") == 0) {
      state = "ERROR";
      buf_snprintf(r->status.message, sizeof r->status.message, "%s: %s",
                   r->status.component[i], r->status.comp_error[i]);
      break;
    }
    if (strcmp(r->status.comp_state[i], "RECONCILING") == 0 &&
        strcmp(state, "HEALTHY") == 0) {
      state = "RECONCILING";
      buf_snprintf(r->status.message, sizeof r->status.message, "%s: %s",
                   r->status.component[i], r->status.comp_error[i]);
    }
  }
  r->status.state = state;
  r->status.reconciled = r->apply_errors == 0;
  r->status.reason = r->apply_errors ? "ApplyFailed" : "ReconcileSucceeded";
  if (strcmp(state, "ERROR") == 0 && !r->requeue)
    r->requeue = r->apply_errors ? 2 : 1;
}

static void on_status_written(int rc, void *data)
{
  struct rec *r = data;
  if (rc && rc != -ECANCELED) {
    log_warn("status update failed iop=%s rc=%d", r->key, rc);
    r->requeue = 2;
  }
  log_info("reconciled iop=%s status=%s applied=%d pruned=%d ms=%llu", r->key,
           r->status.state, r->applied, r->pruned,
           (unsigned long long)(uv_now(r->c->loop) - r->started));
  done(r, strcmp(r->status.state, "ERROR") == 0 ? "error" : "success");
}

static void after_prune(struct rec *r)
{
  if (stopping(r))
    return;
  finish(r);
}

static void finish(struct rec *r)
{
  judge_readiness(r);
  overall(r);
  if (r->applied || r->pruned) {
    char msg[256];
    snprintf(msg, sizeof msg, "applied %d objects, pruned %d", r->applied,
             r->pruned);
    ctrlstatus_event(r->c, r->cr, 0, "Applied", msg);
  }
  if (strcmp(r->status.state, "ERROR") == 0)
    ctrlstatus_event(r->c, r->cr, 1,
                     r->apply_errors ? "ApplyFailed" : "NotReady",
                     r->status.message);
  ctrlstatus_write(r->c, r->cr, &r->status, on_status_written, r);
}

/* ---- the start ---- */

static void render_failed(struct rec *r, const struct err *e)
{
  log_warn("render failed iop=%s err=%s", r->key, log_q(e->msg));
  if (r->c->m_render_errors)
    metrics_inc(metrics_with(r->c->m_render_errors, (const char *)NULL));
  int again = !r->st->render_error || strcmp(r->st->render_error, e->msg) != 0;
  free(r->st->render_error);
  r->st->render_error = strdup(e->msg);
  r->status.state = "ERROR";
  r->status.reason = "RenderFailed";
  buf_snprintf(r->status.message, sizeof r->status.message, "%s", e->msg);
  if (again)
    ctrlstatus_event(r->c, r->cr, 1, "RenderFailed", e->msg);
  r->requeue = 2;
  ctrlstatus_write(r->c, r->cr, &r->status, on_status_written, r);
}

/* Called as the finalizer patch and the render each end; the last one to
 * end goes on to apply, or to report whichever failed. */
static void step_done(struct rec *r)
{
  if (--r->waiting > 0)
    return;
  if (stopping(r))
    return;
  if (r->finalizer_failed) {
    r->requeue = r->finalizer_failed;
    done(r, "error");
    return;
  }
  if (r->render_rc) {
    render_failed(r, &r->render_err);
    return;
  }
  free(r->st->render_error);
  r->st->render_error = NULL;
  log_debug("rendered iop=%s at_ms=%llu", r->key,
            (unsigned long long)(uv_now(r->c->loop) - r->started));
  ensure_namespaces(r);
}

static void on_finalizer_added(struct kube_result *res, void *data)
{
  struct rec *r = data;
  if (res->rc) {
    /* 409: the CR changed meanwhile; its update event brings it back. */
    log_warn("adding the finalizer failed iop=%s err=%s", r->key,
             log_q(res->err.msg));
    r->finalizer_failed = res->rc == -EEXIST ? 1 : 2;
  }
  step_done(r);
}

static int skipped(struct rec *r)
{
  const char *ignore = annotation(r->cr, CTRL_IGNORE_ANNOTATION);
  if (ignore && strcmp(ignore, "true") == 0) {
    log_info("skipping iop=%s reason=%s", r->key,
             log_q("install.istio.io/ignoreReconcile is true"));
    return 1;
  }
  const char *want = r->c->o.revision;
  const char *rev =
      jobj_path_str(r->cr, "spec", "revision", (const char *)NULL);
  if (want && *want && strcmp(want, rev ? rev : "") != 0) {
    log_debug("skipping iop=%s reason=%s", r->key, "another revision");
    return 1;
  }
  return 0;
}

void reconcile_start(struct ctrl *c, const char *key)
{
  struct rec *r = calloc(1, sizeof *r);
  r->c = c;
  r->key = strdup(key);
  r->started = uv_now(c->loop);
  const char *slash = strchr(key, '/');
  snprintf(r->ns, sizeof r->ns, "%.*s", slash ? (int)(slash - key) : 0, key);
  snprintf(r->name, sizeof r->name, "%s", slash ? slash + 1 : key);
  struct json_object *cr = ctrl__get_cr(c, r->ns, r->name);
  if (!cr || c->stopping) {
    done(r, "gone");
    return;
  }
  r->cr = jobj_dup(cr);
  r->st = ctrl__state(c, key);
  r->st->in_use = 1;
  if (jobj_path(r->cr, "metadata", "deletionTimestamp", (const char *)NULL)) {
    finalize(r);
    return;
  }
  if (skipped(r)) {
    done(r, "skipped");
    return;
  }
  /* The finalizer patch and the render run at once; applying waits for
   * both (objects are never created before the finalizer is in place). */
  int needs_finalizer = !has_finalizer(r->cr);
  r->waiting = needs_finalizer ? 2 : 1;
  if (needs_finalizer && patch_finalizers(r, 1, on_finalizer_added) != 0) {
    r->requeue = 2;
    done(r, "error");
    return;
  }
  render_start(r);
}
