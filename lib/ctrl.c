/* ctrl: watching IstioOperators and what they own, queueing reconciles,
 * and the bookkeeping between reconciles (see ctrl.h). */
#include "ctrl_int.h"

#include "apply.h"
#include "jobj.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CR_API_VERSION "install.istio.io/v1alpha1"
#define CR_KIND "IstioOperator"

static void on_process(struct workqueue *q, const char *key, void *data)
{
  (void)q;
  reconcile_start(data, key);
}

/* Changes of owned objects come in bursts (a kubelet marking several
 * Deployments ready, our own applies echoing back): one reconcile a few
 * milliseconds later sees them all, instead of one status write each. */
#define OWNED_EVENT_COALESCE_MS 10

static void enqueue_after(struct ctrl *c, const char *ns, const char *name,
                          uint64_t delay_ms)
{
  if (!c->leading || c->stopping || !name)
    return;
  char key[600];
  snprintf(key, sizeof key, "%s/%s", ns ? ns : "", name);
  if (delay_ms)
    workqueue_add_after(c->q, key, delay_ms);
  else
    workqueue_add(c->q, key);
}

static void enqueue(struct ctrl *c, const char *ns, const char *name)
{
  enqueue_after(c, ns, name, 0);
}

static void enqueue_cr(struct ctrl *c, struct json_object *cr)
{
  enqueue(c, jobj_path_str(cr, "metadata", "namespace", (const char *)NULL),
          jobj_path_str(cr, "metadata", "name", (const char *)NULL));
}

/* ---- IstioOperator informers ---- */

static void cr_added(struct json_object *obj, void *data)
{
  enqueue_cr(data, obj);
}

/* Our own status writes change nothing worth a reconcile. */
static int spec_changed(struct json_object *old, struct json_object *obj)
{
  static const char *const meta[] = {
      "generation", "annotations", "deletionTimestamp", "finalizers", "labels"};
  if (old == obj)
    return 1; /* resync */
  for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
    if (!jobj_equal(jobj_path(old, "metadata", meta[i], (const char *)NULL),
                    jobj_path(obj, "metadata", meta[i], (const char *)NULL)))
      return 1;
  return 0;
}

static void cr_updated(struct json_object *old, struct json_object *obj,
                       void *data)
{
  if (spec_changed(old, obj))
    enqueue_cr(data, obj);
}

static void cr_deleted(struct json_object *obj, void *data)
{
  struct ctrl *c = data;
  char key[600];
  snprintf(key, sizeof key, "%s/%s",
           jobj_path_str(obj, "metadata", "namespace", (const char *)NULL),
           jobj_path_str(obj, "metadata", "name", (const char *)NULL));
  ctrl__drop_state(c, key);
}

static void check_synced(struct ctrl *c)
{
  if (c->synced || c->probing || !ctrl__all_synced(c))
    return;
  c->synced = 1;
  log_info("caches synced");
  if (c->o.on_synced)
    c->o.on_synced(c->o.data);
}

static void on_informer_synced(void *data)
{
  check_synced(data);
}

static void on_watch_error(int rc, const char *msg, void *data)
{
  (void)data;
  log_warn("watch error rc=%d err=%s", rc, log_q(msg));
}

static int start_iop_informer(struct ctrl *c, const char *ns)
{
  struct informer_opts io = {.api_version = CR_API_VERSION,
                             .kind = CR_KIND,
                             .namespace = ns,
                             .resync_ms = c->o.resync_ms,
                             .on_add = cr_added,
                             .on_update = cr_updated,
                             .on_delete = cr_deleted,
                             .on_synced = on_informer_synced,
                             .on_error = on_watch_error,
                             .drop_managed_fields = 1,
                             .data = c};
  if (c->niops == CTRL_MAX_NAMESPACES)
    return -E2BIG;
  return informer_start(c->client, &io, &c->iops[c->niops++]);
}

static int start_iop_informers(struct ctrl *c)
{
  const char *w = c->o.watch_namespaces;
  if (!w || !*w)
    return start_iop_informer(c, "");
  char *copy = strdup(w);
  int rc = 0;
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s && !rc;
       s = strtok_r(NULL, ",", &save))
    rc = start_iop_informer(c, s);
  free(copy);
  return rc;
}

/* ---- owned objects ---- */

/* A change to an owned object (drift, deletion, readiness) sends its owner
 * back through the queue. */
static void owned_changed(struct json_object *obj, void *data)
{
  struct json_object *labels =
      jobj_path(obj, "metadata", "labels", (const char *)NULL);
  enqueue_after(data, jobj_str(labels, LABEL_OWNER_NS),
                jobj_str(labels, LABEL_OWNER), OWNED_EVENT_COALESCE_MS);
}

static void owned_updated(struct json_object *old, struct json_object *obj,
                          void *data)
{
  (void)old;
  owned_changed(obj, data);
}

void ctrl__watch_kind(struct ctrl *c, const char *api_version, const char *kind)
{
  for (struct owned_kind *k = c->kinds; k; k = k->next)
    if (strcmp(k->api_version, api_version) == 0 && strcmp(k->kind, kind) == 0)
      return;
  struct owned_kind *k = calloc(1, sizeof *k);
  k->api_version = strdup(api_version);
  k->kind = strdup(kind);
  struct informer_opts io = {.api_version = api_version,
                             .kind = kind,
                             .label_selector = LABEL_MANAGED "=Reconcile",
                             .on_add = owned_changed,
                             .on_update = owned_updated,
                             .on_delete = owned_changed,
                             .on_synced = on_informer_synced,
                             .on_error = on_watch_error,
                             .drop_managed_fields = 1,
                             .data = c};
  if (informer_start(c->client, &io, &k->inf) != 0) {
    free(k->api_version);
    free(k->kind);
    free(k);
    return;
  }
  k->next = c->kinds;
  c->kinds = k;
  log_info("watching owned objects kind=%s apiVersion=%s", kind, api_version);
}

int ctrl__live(struct ctrl *c, struct json_object *obj,
               struct json_object **live)
{
  const char *av = jobj_str(obj, "apiVersion"), *kind = jobj_str(obj, "kind");
  for (struct owned_kind *k = c->kinds; k; k = k->next) {
    if (strcmp(k->api_version, av) || strcmp(k->kind, kind))
      continue;
    if (!informer_synced(k->inf))
      return 0;
    *live = informer_get(
        k->inf, jobj_path_str(obj, "metadata", "namespace", (const char *)NULL),
        jobj_path_str(obj, "metadata", "name", (const char *)NULL));
    return 1;
  }
  return 0;
}

int ctrl__all_synced(struct ctrl *c)
{
  for (int i = 0; i < c->niops; i++)
    if (!informer_synced(c->iops[i]))
      return 0;
  if (!informer_synced(c->namespaces))
    return 0;
  for (struct owned_kind *k = c->kinds; k; k = k->next)
    if (!informer_synced(k->inf))
      return 0;
  return 1;
}

void ctrl__foreach_owned(struct ctrl *c,
                         void (*fn)(struct json_object *obj, void *data),
                         void *data)
{
  for (struct owned_kind *k = c->kinds; k; k = k->next)
    informer_foreach(k->inf, fn, data);
}

int ctrl__namespace_exists(struct ctrl *c, const char *ns)
{
  return informer_get(c->namespaces, NULL, ns) != NULL;
}

struct json_object *ctrl__get_cr(struct ctrl *c, const char *ns,
                                 const char *name)
{
  for (int i = 0; i < c->niops; i++) {
    struct json_object *o = informer_get(c->iops[i], ns, name);
    if (o)
      return o;
  }
  return NULL;
}

/* ---- per-IstioOperator state ---- */

struct cr_state *ctrl__state(struct ctrl *c, const char *key)
{
  for (struct cr_state *s = c->crs; s; s = s->next)
    if (strcmp(s->key, key) == 0)
      return s;
  struct cr_state *s = calloc(1, sizeof *s);
  s->key = strdup(key);
  s->wanted = json_object_new_object();
  s->next = c->crs;
  c->crs = s;
  return s;
}

static void free_state(struct cr_state *s)
{
  if (s->rendered)
    generate_result_free(&s->desired);
  json_object_put(s->wanted);
  free(s->render_error);
  free(s->key);
  free(s);
}

void ctrl__release_state(struct cr_state *s)
{
  if (!s)
    return;
  s->in_use = 0;
  if (s->dropped)
    free_state(s);
}

void ctrl__drop_state(struct ctrl *c, const char *key)
{
  for (struct cr_state **p = &c->crs; *p; p = &(*p)->next) {
    if (strcmp((*p)->key, key) == 0) {
      struct cr_state *s = *p;
      *p = s->next;
      if (s->in_use)
        s->dropped = 1;
      else
        free_state(s);
      return;
    }
  }
}

int ctrl__wanted_by(struct ctrl *c, const char *key, const char *object_key)
{
  for (struct cr_state *s = c->crs; s; s = s->next)
    if (strcmp(s->key, key) == 0)
      return jobj_get(s->wanted, object_key) != NULL;
  return 0;
}

int ctrl__wanted_by_other(struct ctrl *c, const char *key,
                          const char *object_key)
{
  for (struct cr_state *s = c->crs; s; s = s->next)
    if (strcmp(s->key, key) != 0 && jobj_get(s->wanted, object_key))
      return 1;
  return 0;
}

/* ---- metrics ---- */

static void on_request(const char *verb, long status, void *data)
{
  struct ctrl *c = data;
  char code[16];
  snprintf(code, sizeof code, "%ld", status);
  if (c->m_requests)
    metrics_inc(metrics_with(c->m_requests, verb, code, (const char *)NULL));
}

static void collect(void *data)
{
  struct ctrl *c = data;
  struct workqueue_stats ws;
  if (!c->q)
    return;
  workqueue_get_stats(c->q, &ws);
  metrics_set(metrics_with(c->m_depth, (const char *)NULL), (double)ws.depth);
  metrics_set(metrics_with(c->m_adds, (const char *)NULL), (double)ws.adds);
  metrics_set(metrics_with(c->m_retries, (const char *)NULL),
              (double)ws.retries);
  uint64_t restarts = 0, relists = 0;
  for (struct owned_kind *k = c->kinds; k; k = k->next) {
    struct watch_stats st;
    informer_watch_stats(k->inf, &st);
    restarts += st.restarts;
    relists += st.lists;
  }
  for (int i = 0; i < c->niops; i++) {
    struct watch_stats st;
    informer_watch_stats(c->iops[i], &st);
    restarts += st.restarts;
    relists += st.lists;
  }
  metrics_set(metrics_with(c->m_watch_restarts, (const char *)NULL),
              (double)restarts);
  metrics_set(metrics_with(c->m_relists, (const char *)NULL), (double)relists);
}

static void register_metrics(struct ctrl *c)
{
  struct metrics *m = c->o.metrics;
  static const double seconds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                   2.5,  5,    10,  30,   60,  120};
  if (!m)
    return;
  c->m_reconciles =
      metrics_counter(m, "iop_reconciles_total",
                      "Reconciles of IstioOperators by result.", "result");
  c->m_duration =
      metrics_histogram(m, "iop_reconcile_duration_seconds",
                        "Time to reconcile one IstioOperator.", NULL, seconds,
                        sizeof seconds / sizeof seconds[0]);
  c->m_applied =
      metrics_counter(m, "iop_objects_applied_total",
                      "Objects written with server-side apply.", NULL);
  c->m_pruned = metrics_counter(m, "iop_objects_pruned_total",
                                "Objects deleted because no IstioOperator "
                                "wants them any more.",
                                NULL);
  c->m_render_errors =
      metrics_counter(m, "iop_render_errors_total",
                      "Renders or validations that failed.", NULL);
  c->m_requests = metrics_counter(m, "iop_api_requests_total",
                                  "Requests to the API server by verb and "
                                  "HTTP status (0: no response).",
                                  "verb,code");
  c->m_depth = metrics_gauge(m, "iop_workqueue_depth",
                             "IstioOperators waiting to be reconciled.", NULL);
  c->m_adds = metrics_counter(m, "iop_workqueue_adds_total",
                              "IstioOperators added to the queue.", NULL);
  c->m_retries = metrics_counter(m, "iop_workqueue_retries_total",
                                 "Reconciles retried after a failure.", NULL);
  c->m_watch_restarts = metrics_counter(
      m, "iop_watch_restarts_total", "Watch requests after the first.", NULL);
  c->m_relists = metrics_counter(m, "iop_watch_lists_total",
                                 "Lists, the first and every relist.", NULL);
  metrics_on_collect(m, collect, c);
  kube_client_observe(c->client, on_request, c);
}

/* ---- the kinds a prune must see ---- */

/* Objects of a component disabled while we were down exist only in the
 * cluster, so every prunable kind is watched from the start, in the first
 * version the server serves. */
struct probe {
  struct ctrl *c;
  size_t kind;
  int version;
  int attempts;
};

static void probe_next(struct probe *p);

static void probe_finished(struct probe *p)
{
  struct ctrl *c = p->c;
  free(p);
  c->probing--;
  if (c->stopping) {
    if (c->probing == 0)
      ctrl__stopped(c);
    return;
  }
  check_synced(c);
}

static void on_probed(const struct kube_result *res,
                      const struct kube_mapping *m, void *data)
{
  struct probe *p = data;
  const struct apply_kind *k = &apply_prunable_kinds[p->kind];
  if (!p->c->stopping && res->rc == 0) {
    char av[256];
    snprintf(av, sizeof av, "%s%s%s", m->group, *m->group ? "/" : "",
             m->version);
    ctrl__watch_kind(p->c, av, k->kind);
  } else if (!p->c->stopping && res->rc == -ENOENT) {
    p->version++;
    if (p->version < APPLY_KIND_VERSIONS && k->versions[p->version]) {
      probe_next(p);
      return;
    }
    log_debug("not served, not watched kind=%s group=%s", k->kind, k->group);
  } else if (!p->c->stopping) {
    /* Discovery failed after the client's own retries (the server
     * restarting, say): ask a few more times rather than never watch. */
    log_warn("discovery failed kind=%s attempt=%d err=%s", k->kind,
             p->attempts + 1, log_q(res->err.msg));
    if (++p->attempts < 5) {
      probe_next(p);
      return;
    }
  }
  probe_finished(p);
}

static void probe_next(struct probe *p)
{
  const struct apply_kind *k = &apply_prunable_kinds[p->kind];
  char av[256];
  snprintf(av, sizeof av, "%s%s%s", k->group, *k->group ? "/" : "",
           k->versions[p->version]);
  struct kube_ref ref = {.api_version = av, .kind = k->kind};
  if (kube_resolve(p->c->client, &ref, on_probed, p) != 0)
    probe_finished(p);
}

static void probe_prunable_kinds(struct ctrl *c)
{
  c->probing = (int)apply_nprunable_kinds;
  for (size_t i = 0; i < apply_nprunable_kinds; i++) {
    struct probe *p = calloc(1, sizeof *p);
    p->c = c;
    p->kind = i;
    probe_next(p);
  }
}

/* ---- lifecycle ---- */

static void on_version(struct kube_result *res, void *data)
{
  struct ctrl *c = data;
  if (res->rc == 0)
    snprintf(c->kube_version, sizeof c->kube_version, "%s",
             jobj_str(res->object, "gitVersion")
                 ? jobj_str(res->object, "gitVersion")
                 : "");
}

int ctrl_start(uv_loop_t *loop, const struct ctrl_opts *o, struct ctrl **out,
               struct err *e)
{
  struct ctrl *c = calloc(1, sizeof *c);
  if (!c)
    return err_set(e, -ENOMEM, "out of memory");
  c->o = *o;
  c->loop = loop;
  c->client = o->client;
  if (!c->o.wait_timeout_ms)
    c->o.wait_timeout_ms = 300000;
  pthread_mutex_init(&c->render_lock, NULL);
  struct workqueue_opts wo = {.workers = o->workers > 0 ? o->workers : 1,
                              .process = on_process,
                              .data = c};
  int rc = workqueue_new(loop, &wo, &c->q);
  if (rc)
    return err_set(e, rc, "cannot start the work queue");
  register_metrics(c);
  kube_server_version(c->client, on_version, c);
  struct informer_opts no = {.resource = "namespaces",
                             .on_synced = on_informer_synced,
                             .on_error = on_watch_error,
                             .drop_managed_fields = 1,
                             .data = c};
  rc = informer_start(c->client, &no, &c->namespaces);
  if (!rc)
    rc = start_iop_informers(c);
  if (rc)
    return err_set(e, rc, "cannot start watching IstioOperators");
  probe_prunable_kinds(c);
  *out = c;
  return 0;
}

static void enqueue_all(struct json_object *cr, void *data)
{
  enqueue_cr(data, cr);
}

void ctrl_set_leading(struct ctrl *c, int leading)
{
  c->leading = leading;
  if (!leading)
    return;
  log_info("leading: reconciling every IstioOperator");
  for (int i = 0; i < c->niops; i++)
    informer_foreach(c->iops[i], enqueue_all, c);
}

static void queue_closed(void *data)
{
  struct ctrl *c = data;
  c->queue_closed = 1;
  ctrl__stopped(c);
}

void ctrl__stopped(struct ctrl *c)
{
  if (!c->queue_closed || c->probing > 0)
    return;
  while (c->crs) {
    struct cr_state *s = c->crs;
    c->crs = s->next;
    free_state(s);
  }
  pthread_mutex_destroy(&c->render_lock);
  void (*cb)(void *) = c->stop_cb;
  void *d = c->stop_data;
  free(c);
  if (cb)
    cb(d);
}

void ctrl_stop(struct ctrl *c, void (*cb)(void *data), void *data)
{
  /* Requests still in flight and scrapes still to come must not reach c
   * once it is freed. */
  kube_client_observe(c->client, NULL, NULL);
  if (c->o.metrics)
    metrics_off_collect(c->o.metrics, collect, c);
  c->stopping = 1;
  c->leading = 0;
  c->stop_cb = cb;
  c->stop_data = data;
  for (int i = 0; i < c->niops; i++)
    informer_stop(c->iops[i]);
  informer_stop(c->namespaces);
  while (c->kinds) {
    struct owned_kind *k = c->kinds;
    c->kinds = k->next;
    informer_stop(k->inf);
    free(k->api_version);
    free(k->kind);
    free(k);
  }
  workqueue_close(c->q, WORKQUEUE_DROP, queue_closed, c);
}
