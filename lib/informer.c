/* informer: cache + callbacks over a watch (see informer.h). The cache is a
 * json-c object used as a hash table from "ns/name" to the object. */
#include "informer.h"

#include "jobj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct informer {
  struct informer_opts o;
  struct watch *w;
  struct json_object *cache; /* key -> object */
  uv_timer_t resync;
  int synced;
  int stopped;
};

static void key_of(struct json_object *obj, char *out, size_t n)
{
  const char *ns =
      jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
  const char *name = jobj_path_str(obj, "metadata", "name", (const char *)NULL);
  if (ns && *ns)
    snprintf(out, n, "%s/%s", ns, name ? name : "");
  else
    snprintf(out, n, "%s", name ? name : "");
}

static const char *rv_of(struct json_object *obj)
{
  const char *rv =
      jobj_path_str(obj, "metadata", "resourceVersion", (const char *)NULL);
  return rv ? rv : "";
}

/* Stores obj and says what changed. */
static void upsert(struct informer *inf, struct json_object *obj)
{
  struct json_object *meta = jobj_obj(obj, "metadata");
  if (inf->o.drop_managed_fields && meta)
    json_object_object_del(meta, "managedFields");
  char key[600];
  key_of(obj, key, sizeof key);
  struct json_object *old = jobj_get(inf->cache, key);
  if (old && strcmp(rv_of(old), rv_of(obj)) == 0)
    return; /* the same state again */
  json_object_get(old);
  json_object_object_add(inf->cache, key, json_object_get(obj));
  if (!old && inf->o.on_add)
    inf->o.on_add(obj, inf->o.data);
  else if (old && inf->o.on_update)
    inf->o.on_update(old, obj, inf->o.data);
  json_object_put(old);
}

static void remove_key(struct informer *inf, const char *key,
                       struct json_object *last)
{
  struct json_object *old = json_object_get(jobj_get(inf->cache, key));
  if (!old)
    return;
  json_object_object_del(inf->cache, key);
  if (inf->o.on_delete)
    inf->o.on_delete(last ? last : old, inf->o.data);
  json_object_put(old);
}

/* A full list: adds and updates, then deletes what the list lacks. */
static void on_list(struct json_object *items, void *data)
{
  struct informer *inf = data;
  struct json_object *seen = json_object_new_object();
  size_t n = json_object_array_length(items);
  for (size_t i = 0; i < n && !inf->stopped; i++) {
    struct json_object *obj = json_object_array_get_idx(items, i);
    char key[600];
    key_of(obj, key, sizeof key);
    json_object_object_add(seen, key, NULL);
    upsert(inf, obj);
  }
  /* Collect first: the cache must not change while we walk it. */
  struct json_object *gone = json_object_new_array();
  json_object_object_foreach (inf->cache, k, v) {
    (void)v;
    if (!json_object_object_get_ex(seen, k, NULL))
      json_object_array_add(gone, json_object_new_string(k));
  }
  for (size_t i = 0; i < json_object_array_length(gone) && !inf->stopped; i++)
    remove_key(inf, json_object_get_string(json_object_array_get_idx(gone, i)),
               NULL);
  json_object_put(gone);
  json_object_put(seen);
  if (!inf->synced && !inf->stopped) {
    inf->synced = 1;
    if (inf->o.on_synced)
      inf->o.on_synced(inf->o.data);
  }
}

static void on_event(enum watch_event type, struct json_object *obj, void *data)
{
  struct informer *inf = data;
  char key[600];
  switch (type) {
  case WATCH_ADDED:
  case WATCH_MODIFIED:
    upsert(inf, obj);
    break;
  case WATCH_DELETED:
    key_of(obj, key, sizeof key);
    remove_key(inf, key, obj);
    break;
  default:
    break;
  }
}

static void on_error(int rc, const char *msg, void *data)
{
  struct informer *inf = data;
  if (inf->o.on_error)
    inf->o.on_error(rc, msg, inf->o.data);
}

static void on_resync(uv_timer_t *t)
{
  struct informer *inf = t->data;
  if (!inf->synced || !inf->o.on_update)
    return;
  /* Hold every object: a callback may lead to changes of the cache. */
  struct json_object *all = json_object_new_array();
  json_object_object_foreach (inf->cache, k, v) {
    (void)k;
    json_object_array_add(all, json_object_get(v));
  }
  for (size_t i = 0; i < json_object_array_length(all) && !inf->stopped; i++) {
    struct json_object *obj = json_object_array_get_idx(all, i);
    inf->o.on_update(obj, obj, inf->o.data);
  }
  json_object_put(all);
}

static void on_resync_closed(uv_handle_t *h)
{
  struct informer *inf = h->data;
  json_object_put(inf->cache);
  free(inf);
}

int informer_start(struct kube_client *c, const struct informer_opts *o,
                   struct informer **out)
{
  struct informer *inf = calloc(1, sizeof *inf);
  if (!inf)
    return -ENOMEM;
  inf->o = *o;
  inf->cache = json_object_new_object();
  struct watch_opts wo = {.api_version = o->api_version,
                          .kind = o->kind,
                          .resource = o->resource,
                          .namespace = o->namespace,
                          .label_selector = o->label_selector,
                          .field_selector = o->field_selector,
                          .timeout_s = o->timeout_s,
                          .on_list = on_list,
                          .on_event = on_event,
                          .on_error = on_error,
                          .data = inf};
  /* The strings of o are copied by watch_start; ours are not used after. */
  inf->o.api_version = inf->o.kind = inf->o.resource = NULL;
  inf->o.namespace = inf->o.label_selector = inf->o.field_selector = NULL;
  uv_timer_init(kube_client_loop(c), &inf->resync);
  inf->resync.data = inf;
  if (o->resync_ms)
    uv_timer_start(&inf->resync, on_resync, o->resync_ms, o->resync_ms);
  int rc = watch_start(c, &wo, &inf->w);
  if (rc) {
    /* The timer is freed with the informer, once it is closed. */
    uv_close((uv_handle_t *)&inf->resync, on_resync_closed);
    return rc;
  }
  *out = inf;
  return 0;
}

void informer_stop(struct informer *inf)
{
  if (inf->stopped)
    return;
  inf->stopped = 1;
  watch_stop(inf->w);
  uv_close((uv_handle_t *)&inf->resync, on_resync_closed);
}

int informer_synced(struct informer *inf)
{
  return inf->synced;
}

struct json_object *informer_get(struct informer *inf, const char *ns,
                                 const char *name)
{
  char key[600];
  if (ns && *ns)
    snprintf(key, sizeof key, "%s/%s", ns, name);
  else
    snprintf(key, sizeof key, "%s", name);
  return jobj_get(inf->cache, key);
}

size_t informer_count(struct informer *inf)
{
  return (size_t)json_object_object_length(inf->cache);
}

void informer_foreach(struct informer *inf,
                      void (*fn)(struct json_object *obj, void *data),
                      void *data)
{
  json_object_object_foreach (inf->cache, k, v) {
    (void)k;
    fn(v, data);
  }
}

void informer_watch_stats(struct informer *inf, struct watch_stats *out)
{
  watch_get_stats(inf->w, out);
}
