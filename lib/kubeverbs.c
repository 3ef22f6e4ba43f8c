/* kubeverbs: the API verbs on top of the call pipeline (see kube.h).
 *
 * Each verb maps its ref to a resource (discovery.c), builds the path,
 * query and body, and hands one call to kube.c. kube_list_all follows
 * continue tokens and merges the pages. */
#include "kube_int.h"

#include "buf.h"
#include "jobj.h"
#include "kjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct verb {
  struct kube_client *c;
  const char *name; /* for metrics */
  char method[8];
  char *ns;
  char *obj_name;
  char *sub;
  char *query; /* "a=b&c=d", owned, may be NULL */
  char *payload;
  size_t payload_len;
  const char *content_type;
  int idempotent;
  int collection; /* the path ends at the resource, no name */
  kube_cb cb;
  void *data;
  /* kube_list_all */
  struct json_object *items;
  struct json_object *first_page;
  struct kube_list_opts list;
  char *label_selector;
  char *field_selector;
  char *continue_token;
  struct kube_ref ref; /* kube_list_all: what to list, strings owned */
};

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

static void verb_free(struct verb *v)
{
  free(v->ns);
  free(v->obj_name);
  free(v->sub);
  free(v->query);
  free(v->payload);
  json_object_put(v->items);
  json_object_put(v->first_page);
  free(v->label_selector);
  free(v->field_selector);
  free(v->continue_token);
  free((char *)v->ref.api_version);
  free((char *)v->ref.kind);
  free((char *)v->ref.resource);
  free((char *)v->ref.namespace);
  free(v);
}

static struct verb *verb_new(struct kube_client *c, const char *name,
                             const char *method, const struct kube_ref *r,
                             kube_cb cb, void *data)
{
  struct verb *v = calloc(1, sizeof *v);
  if (!v)
    return NULL;
  v->c = c;
  v->name = name;
  snprintf(v->method, sizeof v->method, "%s", method);
  v->ns = dup_or_null(r->namespace);
  v->obj_name = dup_or_null(r->name);
  v->sub = dup_or_null(r->subresource);
  v->idempotent = strcmp(method, "POST") != 0;
  v->cb = cb;
  v->data = data;
  return v;
}

static void fail(struct verb *v, int rc, struct err *e)
{
  struct kube_result res;
  kube__result_error(&res, rc, "%s", e ? e->msg : strerror(-rc));
  v->cb(&res, v->data);
  verb_free(v);
}

static void on_call_done(struct kube_call *call, struct kube_result *res)
{
  struct verb *v = call->data;
  v->cb(res, v->data);
  verb_free(v);
}

static const char *namespace_for(struct verb *v, const struct kube_mapping *m)
{
  if (!m->namespaced)
    return NULL;
  if (v->ns)
    return v->ns; /* "" lists across namespaces */
  return kube_client_namespace(v->c);
}

static void on_mapped(const struct kube_result *mapped,
                      const struct kube_mapping *m, void *data)
{
  struct verb *v = data;
  if (mapped->rc) {
    /* Discovery's own failure (a 401, say) is the verb's failure. */
    struct kube_result res = *mapped;
    v->cb(&res, v->data);
    verb_free(v);
    return;
  }
  if (m->namespaced && !v->collection && v->ns && !*v->ns) {
    free(v->ns);
    v->ns = NULL; /* "" only means "all namespaces" for collections */
  }
  char *path = kube__path(m, namespace_for(v, m),
                          v->collection ? NULL : v->obj_name, v->sub);
  if (path && v->query && *v->query) {
    char *full = malloc(strlen(path) + strlen(v->query) + 2);
    if (full)
      sprintf(full, "%s?%s", path, v->query);
    free(path);
    path = full;
  }
  struct kube_call *call =
      path ? kube__call_new(v->c, v->name, v->method, path) : NULL;
  if (!call) {
    fail(v, -ENOMEM, NULL);
    return;
  }
  call->payload = v->payload;
  call->payload_len = v->payload_len;
  v->payload = NULL;
  call->content_type = v->content_type;
  call->idempotent = v->idempotent;
  call->on_done = on_call_done;
  call->data = v;
  kube__call_start(call);
}

static int verb_start(struct verb *v, const struct kube_ref *r)
{
  int rc = v->c->closing ? -ECANCELED : kube_resolve(v->c, r, on_mapped, v);
  if (rc)
    verb_free(v);
  return rc;
}

static void query_add(struct buf *q, const char *key, const char *value)
{
  if (!value || !*value)
    return;
  char *e = kube__escape(value);
  buf_printf(q, "%s%s=%s", q->len ? "&" : "", key, e ? e : "");
  free(e);
}

static char *json_text(struct json_object *o)
{
  struct buf b;
  buf_init(&b, 0);
  struct err e;
  if (kjson_write(&b, o, KJSON_NO_HTML_ESCAPE, &e) != 0) {
    buf_free(&b);
    return NULL;
  }
  return buf_take(&b);
}

static int set_payload(struct verb *v, struct json_object *o, const char *ctype)
{
  v->payload = json_text(o);
  if (!v->payload)
    return -EINVAL;
  v->payload_len = strlen(v->payload);
  v->content_type = ctype;
  return 0;
}

/* ---- reads ---- */

int kube_get(struct kube_client *c, const struct kube_ref *r, kube_cb cb,
             void *data)
{
  struct verb *v = verb_new(c, "get", "GET", r, cb, data);
  return v ? verb_start(v, r) : -ENOMEM;
}

static char *list_query(const struct kube_list_opts *o)
{
  struct buf q;
  buf_init(&q, 0);
  if (o) {
    query_add(&q, "labelSelector", o->label_selector);
    query_add(&q, "fieldSelector", o->field_selector);
    if (o->limit > 0)
      buf_printf(&q, "%slimit=%ld", q.len ? "&" : "", o->limit);
    query_add(&q, "continue", o->continue_token);
    query_add(&q, "resourceVersion", o->resource_version);
  }
  return buf_take(&q);
}

int kube_list(struct kube_client *c, const struct kube_ref *r,
              const struct kube_list_opts *o, kube_cb cb, void *data)
{
  struct verb *v = verb_new(c, "list", "GET", r, cb, data);
  if (!v)
    return -ENOMEM;
  v->collection = 1;
  v->query = list_query(o);
  return verb_start(v, r);
}

static void next_page(struct verb *v);

/* List items come without apiVersion and kind; give them their list's, as
 * kubectl and client-go do, so every object carries its type. */
static void type_items(struct json_object *list, struct json_object *items)
{
  const char *av = jobj_str(list, "apiVersion");
  const char *lk = jobj_str(list, "kind");
  size_t klen = lk ? strlen(lk) : 0;
  if (!av || klen <= 4 || strcmp(lk + klen - 4, "List") != 0)
    return;
  char kind[256];
  snprintf(kind, sizeof kind, "%.*s", (int)(klen - 4), lk);
  size_t n = json_object_array_length(items);
  for (size_t i = 0; i < n; i++) {
    struct json_object *it = json_object_array_get_idx(items, i);
    if (!jobj_str(it, "kind"))
      jobj_set_str(it, "kind", kind);
    if (!jobj_str(it, "apiVersion"))
      jobj_set_str(it, "apiVersion", av);
  }
}

/* Appends a page's items; asks for the next page or delivers the List. */
static void on_page(struct kube_result *res, void *data)
{
  struct verb *v = data;
  if (res->rc == -ESTALE && v->continue_token) {
    /* The continue token expired: start over with one full list, as
     * client-go's pager does. */
    json_object_put(v->items);
    json_object_put(v->first_page);
    v->items = json_object_new_array();
    v->first_page = NULL;
    free(v->continue_token);
    v->continue_token = NULL;
    v->list.limit = 0;
    next_page(v);
    return;
  }
  if (res->rc) {
    v->cb(res, v->data);
    verb_free(v);
    return;
  }
  struct json_object *items = jobj_arr(res->object, "items");
  size_t n = items ? json_object_array_length(items) : 0;
  if (items)
    type_items(res->object, items);
  for (size_t i = 0; i < n; i++)
    json_object_array_add(v->items,
                          json_object_get(json_object_array_get_idx(items, i)));
  if (!v->first_page)
    v->first_page = json_object_get(res->object);
  const char *cont =
      jobj_path_str(res->object, "metadata", "continue", (const char *)NULL);
  free(v->continue_token);
  v->continue_token = cont && *cont ? strdup(cont) : NULL;
  if (v->continue_token) {
    next_page(v);
    return;
  }
  /* The merged List: the last page's metadata, every item. */
  struct json_object *list = jobj_dup(res->object);
  jobj_set(list, "items", json_object_get(v->items));
  struct json_object *meta = jobj_obj(list, "metadata");
  if (meta)
    json_object_object_del(meta, "continue");
  struct kube_result out = *res;
  out.object = list;
  v->cb(&out, v->data);
  json_object_put(list);
  verb_free(v);
}

static void next_page(struct verb *v)
{
  struct kube_list_opts o = v->list;
  o.continue_token = v->continue_token;
  o.label_selector = v->label_selector;
  o.field_selector = v->field_selector;
  int rc = kube_list(v->c, &v->ref, &o, on_page, v);
  if (rc)
    fail(v, rc, NULL);
}

int kube_list_all(struct kube_client *c, const struct kube_ref *r,
                  const struct kube_list_opts *o, kube_cb cb, void *data)
{
  struct kube_ref none = {0};
  if (c->closing)
    return -ECANCELED;
  struct verb *v = verb_new(c, "list", "GET", &none, cb, data);
  if (!v)
    return -ENOMEM;
  v->ref.api_version = dup_or_null(r->api_version);
  v->ref.kind = dup_or_null(r->kind);
  v->ref.resource = dup_or_null(r->resource);
  v->ref.namespace = dup_or_null(r->namespace);
  if (o)
    v->list = *o;
  if (v->list.limit <= 0)
    v->list.limit = 500;
  v->list.resource_version = NULL;
  v->label_selector = dup_or_null(o ? o->label_selector : NULL);
  v->field_selector = dup_or_null(o ? o->field_selector : NULL);
  v->items = json_object_new_array();
  next_page(v);
  return 0;
}

/* ---- writes ---- */

void kube_ref_of(struct json_object *obj, struct kube_ref *ref)
{
  memset(ref, 0, sizeof *ref);
  ref->api_version = jobj_str(obj, "apiVersion");
  ref->kind = jobj_str(obj, "kind");
  ref->namespace =
      jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
  ref->name = jobj_path_str(obj, "metadata", "name", (const char *)NULL);
}

static int object_verb(struct kube_client *c, const char *name,
                       const char *method, struct json_object *obj,
                       const char *sub, int collection, struct verb **out)
{
  struct kube_ref r;
  kube_ref_of(obj, &r);
  r.subresource = sub;
  if (!collection && (!r.name || !*r.name))
    return -EINVAL;
  struct verb *v = verb_new(c, name, method, &r, NULL, NULL);
  if (!v)
    return -ENOMEM;
  v->collection = collection;
  *out = v;
  return 0;
}

static int start_object_verb(struct verb *v, struct json_object *obj,
                             kube_cb cb, void *data)
{
  struct kube_ref r;
  kube_ref_of(obj, &r);
  v->cb = cb;
  v->data = data;
  return verb_start(v, &r);
}

int kube_create(struct kube_client *c, struct json_object *obj, kube_cb cb,
                void *data)
{
  struct verb *v;
  int rc = object_verb(c, "create", "POST", obj, NULL, 1, &v);
  if (!rc && set_payload(v, obj, "Content-Type: application/json") != 0) {
    verb_free(v);
    rc = -EINVAL;
  }
  return rc ? rc : start_object_verb(v, obj, cb, data);
}

int kube_update(struct kube_client *c, struct json_object *obj, int status,
                kube_cb cb, void *data)
{
  struct verb *v;
  int rc = object_verb(c, status ? "update_status" : "update", "PUT", obj,
                       status ? "status" : NULL, 0, &v);
  if (!rc && set_payload(v, obj, "Content-Type: application/json") != 0) {
    verb_free(v);
    rc = -EINVAL;
  }
  return rc ? rc : start_object_verb(v, obj, cb, data);
}

int kube_apply(struct kube_client *c, struct json_object *obj,
               const struct kube_apply_opts *o, kube_cb cb, void *data)
{
  struct verb *v;
  if (!o || !o->field_manager)
    return -EINVAL;
  int rc = object_verb(c, "apply", "PATCH", obj, o->subresource, 0, &v);
  if (rc)
    return rc;
  /* JSON is YAML: the apply-patch body can be the object's JSON. */
  if (set_payload(v, obj, "Content-Type: application/apply-patch+yaml") != 0) {
    verb_free(v);
    return -EINVAL;
  }
  struct buf q;
  buf_init(&q, 0);
  query_add(&q, "fieldManager", o->field_manager);
  if (o->force)
    buf_printf(&q, "&force=true");
  if (o->dry_run)
    buf_printf(&q, "&dryRun=All");
  v->query = buf_take(&q);
  return start_object_verb(v, obj, cb, data);
}

int kube_patch(struct kube_client *c, const struct kube_ref *r,
               enum kube_patch_type type, struct json_object *patch,
               const char *field_manager, kube_cb cb, void *data)
{
  static const char *const ctypes[] = {
      "Content-Type: application/merge-patch+json",
      "Content-Type: application/json-patch+json",
      "Content-Type: application/strategic-merge-patch+json"};
  struct verb *v = verb_new(c, "patch", "PATCH", r, cb, data);
  if (!v)
    return -ENOMEM;
  if (set_payload(v, patch, ctypes[type]) != 0) {
    verb_free(v);
    return -EINVAL;
  }
  /* A JSON patch may add to lists: sending it twice is not the same. */
  v->idempotent = type != KUBE_PATCH_JSON;
  struct buf q;
  buf_init(&q, 0);
  query_add(&q, "fieldManager", field_manager);
  v->query = buf_take(&q);
  return verb_start(v, r);
}

static struct json_object *delete_options(const struct kube_delete_opts *o)
{
  struct json_object *d = json_object_new_object();
  jobj_set_str(d, "apiVersion", "v1");
  jobj_set_str(d, "kind", "DeleteOptions");
  if (!o)
    return d;
  if (o->propagation)
    jobj_set_str(d, "propagationPolicy", o->propagation);
  if (o->grace_seconds >= 0)
    jobj_set(d, "gracePeriodSeconds", json_object_new_int64(o->grace_seconds));
  if (o->uid || o->resource_version) {
    struct json_object *pre = jobj_ensure_obj(d, "preconditions");
    if (o->uid)
      jobj_set_str(pre, "uid", o->uid);
    if (o->resource_version)
      jobj_set_str(pre, "resourceVersion", o->resource_version);
  }
  if (o->dry_run) {
    struct json_object *all = json_object_new_array();
    json_object_array_add(all, json_object_new_string("All"));
    jobj_set(d, "dryRun", all);
  }
  return d;
}

int kube_delete(struct kube_client *c, const struct kube_ref *r,
                const struct kube_delete_opts *o, kube_cb cb, void *data)
{
  struct verb *v = verb_new(c, "delete", "DELETE", r, cb, data);
  if (!v)
    return -ENOMEM;
  struct json_object *d = delete_options(o);
  int rc = set_payload(v, d, "Content-Type: application/json");
  json_object_put(d);
  if (rc) {
    verb_free(v);
    return rc;
  }
  return verb_start(v, r);
}

static void timestamp(char *out, size_t n)
{
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int kube_create_event(struct kube_client *c, struct json_object *about,
                      const char *type, const char *reason, const char *message,
                      const char *component, kube_cb cb, void *data)
{
  struct kube_ref r;
  kube_ref_of(about, &r);
  char ts[32], prefix[300];
  timestamp(ts, sizeof ts);
  snprintf(prefix, sizeof prefix, "%s.", r.name ? r.name : "object");
  struct json_object *ev = json_object_new_object();
  jobj_set_str(ev, "apiVersion", "v1");
  jobj_set_str(ev, "kind", "Event");
  struct json_object *meta = jobj_ensure_obj(ev, "metadata");
  jobj_set_str(meta, "generateName", prefix);
  jobj_set_str(meta, "namespace",
               r.namespace && *r.namespace ? r.namespace : "default");
  struct json_object *inv = jobj_ensure_obj(ev, "involvedObject");
  jobj_set_str(inv, "apiVersion", r.api_version);
  jobj_set_str(inv, "kind", r.kind);
  jobj_set_str(inv, "name", r.name);
  if (r.namespace)
    jobj_set_str(inv, "namespace", r.namespace);
  const char *uid = jobj_path_str(about, "metadata", "uid", (const char *)NULL);
  const char *rv =
      jobj_path_str(about, "metadata", "resourceVersion", (const char *)NULL);
  if (uid)
    jobj_set_str(inv, "uid", uid);
  if (rv)
    jobj_set_str(inv, "resourceVersion", rv);
  jobj_set_str(ev, "type", type);
  jobj_set_str(ev, "reason", reason);
  jobj_set_str(ev, "message", message);
  jobj_set_str(jobj_ensure_obj(ev, "source"), "component", component);
  jobj_set_str(ev, "firstTimestamp", ts);
  jobj_set_str(ev, "lastTimestamp", ts);
  jobj_set(ev, "count", json_object_new_int(1));
  int rc = kube_create(c, ev, cb, data);
  json_object_put(ev);
  return rc;
}

static void on_version(struct kube_call *call, struct kube_result *res)
{
  struct verb *v = call->data;
  v->cb(res, v->data);
  verb_free(v);
}

int kube_server_version(struct kube_client *c, kube_cb cb, void *data)
{
  struct kube_ref none = {0};
  if (c->closing)
    return -ECANCELED;
  struct verb *v = verb_new(c, "version", "GET", &none, cb, data);
  struct kube_call *call =
      v ? kube__call_new(c, "version", "GET", strdup("/version")) : NULL;
  if (!call) {
    free(v);
    return -ENOMEM;
  }
  call->on_done = on_version;
  call->data = v;
  kube__call_start(call);
  return 0;
}
