/* The cluster side of iop install, uninstall and verify-install: reading
 * live objects concurrently, applying what differs, waiting, and listing
 * and deleting what an owner installed (see cmd_install.h). */
#include "cmd_install.h"

#include "jobj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading live objects, all at once ---- */

struct fetch_all {
  struct json_object *live; /* aligned with the objects; null: absent */
  int pending;
  int failed;
  struct kube_result err;
};

struct fetch_one {
  struct fetch_all *all;
  size_t i;
};

static void on_fetched(struct kube_result *res, void *data)
{
  struct fetch_one *one = data;
  struct fetch_all *f = one->all;
  if (res->rc == 0)
    json_object_array_put_idx(f->live, one->i, json_object_get(res->object));
  else if (res->rc != -ENOENT && !f->failed++)
    f->err = *res, f->err.object = NULL;
  f->pending--;
  free(one);
}

/* The live version of each object (json null where absent), or NULL after
 * printing the first error. */
static struct json_object *fetch_live(struct cmd_cluster *cl,
                                      struct json_object *objs)
{
  size_t n = json_object_array_length(objs);
  struct fetch_all f = {.live = json_object_new_array_ext((int)n)};
  for (size_t i = 0; i < n; i++) {
    json_object_array_add(f.live, NULL);
    struct fetch_one *one = malloc(sizeof *one);
    *one = (struct fetch_one){&f, i};
    struct kube_ref ref;
    kube_ref_of(json_object_array_get_idx(objs, i), &ref);
    f.pending++;
    if (kube_get(cl->client, &ref, on_fetched, one) != 0) {
      f.pending--;
      f.failed++;
      free(one);
    }
  }
  while (f.pending > 0)
    uv_run(&cl->loop, UV_RUN_ONCE);
  if (!f.failed)
    return f.live;
  json_object_put(f.live);
  if (f.err.rc)
    cmd_report(&f.err);
  else
    fprintf(stderr, "Error: cannot read objects from the cluster\n");
  return NULL;
}

/* ---- applying ---- */

static void remember(struct install_run *ir, struct json_object *obj)
{
  char key[1024];
  if (!ir->wanted)
    ir->wanted = json_object_new_object();
  apply_key(obj, key, sizeof key);
  jobj_set(ir->wanted, key, json_object_new_boolean(1));
}

/* The prepared objects that differ from the cluster; counts and, in a
 * dry run, prints them. */
static struct json_object *changes(struct install_run *ir,
                                   struct json_object *objs,
                                   struct json_object *live,
                                   const char *component)
{
  struct json_object *out = json_object_new_array();
  for (size_t i = 0; i < json_object_array_length(objs); i++) {
    struct json_object *obj = json_object_array_get_idx(objs, i);
    struct json_object *have = json_object_array_get_idx(live, i);
    remember(ir, obj);
    struct json_object *want = apply_prepare(obj, component, &ir->owner, have);
    if (have && apply_unchanged(want, have)) {
      json_object_put(want);
      continue;
    }
    have ? ir->changed++ : ir->created++;
    if (ir->dry_run) {
      char id[1024];
      printf("Would %s %s\n", have ? "change" : "create",
             cmd_object_id(obj, id, sizeof id));
      json_object_put(want);
      continue;
    }
    json_object_array_add(out, want);
  }
  return out;
}

static void on_batch_done(struct apply_batch *b, void *data)
{
  (void)b;
  *(int *)data = 1;
}

static int report_batch(const struct apply_batch *b)
{
  for (size_t i = 0; i < apply_batch_count(b); i++) {
    const struct apply_result *r = apply_batch_result(b, i);
    if (!r->rc)
      continue;
    char id[1024];
    fprintf(stderr, "Error: apply %s: %s\n",
            cmd_object_id(r->obj, id, sizeof id), r->err.msg);
  }
  return apply_batch_errors(b) ? 1 : 0;
}

int install_apply_objects(struct install_run *ir, struct json_object *objs,
                          const char *component)
{
  if (json_object_array_length(objs) == 0)
    return 0;
  struct json_object *live = fetch_live(&ir->cl, objs);
  if (!live)
    return 1;
  struct json_object *todo = changes(ir, objs, live, component);
  json_object_put(live);
  int rc = 0;
  if (json_object_array_length(todo) > 0) {
    int done = 0;
    struct apply_batch *b;
    rc = apply_batch_start(ir->cl.client, todo, 0, on_batch_done, &done, &b);
    if (rc) {
      fprintf(stderr, "Error: cannot apply: %s\n", strerror(-rc));
    } else {
      while (!done)
        uv_run(&ir->cl.loop, UV_RUN_ONCE);
      rc = report_batch(b);
      apply_batch_free(b);
    }
  }
  json_object_put(todo);
  return rc ? 1 : 0;
}

int install_wait_object(struct install_run *ir, struct json_object *obj,
                        unsigned timeout_s, unsigned total_s)
{
  char why[512], id[1024];
  if (cmd_wait(&ir->cl, obj, timeout_s, apply_ready, why, sizeof why) == 0)
    return 0;
  fprintf(stderr, "Error: %s is not ready after %us: %s\n",
          cmd_object_id(obj, id, sizeof id), total_s, why);
  return 1;
}

int install_note_namespace(struct install_run *ir, const char *ns)
{
  struct json_object *o = cmd_namespace_object(ns);
  int rc;
  struct kube_result err;
  struct json_object *live = cmd_get(&ir->cl, o, &err, &rc);
  if (rc) {
    json_object_put(o);
    return cmd_report(&err);
  }
  char key[1024];
  apply_key(o, key, sizeof key);
  if (!live && !(ir->wanted && jobj_get(ir->wanted, key))) {
    printf("Would create Namespace::%s\n", ns);
    ir->created++;
    remember(ir, o);
  }
  json_object_put(live);
  json_object_put(o);
  return 0;
}

/* ---- what an owner installed ---- */

void install_owner_selector(const struct apply_owner *owner, char *out,
                            size_t n)
{
  size_t len = (size_t)snprintf(
      out, n, "%s,%s=%s", INSTALL_ISTIO_SELECTOR, LABEL_REVISION,
      owner->revision && *owner->revision ? owner->revision : "default");
  if (len >= n)
    return;
  /* Objects an IstioOperator resource owns are that resource's business:
   * an unnamed install never touches them. */
  if (owner->name && *owner->name)
    snprintf(out + len, n - len, ",%s=%s,%s=%s", LABEL_OWNER, owner->name,
             LABEL_OWNER_NS, owner->namespace ? owner->namespace : "");
  else
    snprintf(out + len, n - len, ",!%s", LABEL_OWNER);
}

/* Lists one prunable kind in the first version the server serves:
 * returns the List, NULL when no version is served, or NULL with *rc set
 * after printing an error. */
static struct json_object *list_kind(struct cmd_cluster *cl,
                                     const struct apply_kind *k,
                                     const char *selector, int *rc)
{
  *rc = 0;
  for (int v = 0; v < APPLY_KIND_VERSIONS && k->versions[v]; v++) {
    char av[256];
    snprintf(av, sizeof av, "%s%s%s", k->group, *k->group ? "/" : "",
             k->versions[v]);
    struct kube_ref ref = {.api_version = av, .kind = k->kind, .namespace = ""};
    struct kube_list_opts lo = {.label_selector = selector};
    struct kube_sync s;
    kube_sync_init(&s);
    int r = kube_list_all(cl->client, &ref, &lo, kube_sync_cb, &s);
    if (!r)
      r = kube_sync_wait(cl->client, &s);
    struct json_object *list = r ? NULL : json_object_get(s.res.object);
    if (r && r != -ENOENT) {
      *rc = cmd_report(&s.res);
      kube_sync_free(&s);
      return NULL;
    }
    kube_sync_free(&s);
    if (list)
      return list;
  }
  return NULL;
}

int install_foreach_of_kind(struct cmd_cluster *cl, const struct apply_kind *k,
                            const char *selector,
                            void (*fn)(struct json_object *obj, void *data),
                            void *data)
{
  int rc;
  struct json_object *list = list_kind(cl, k, selector, &rc);
  if (rc)
    return 1;
  struct json_object *items = jobj_arr(list, "items");
  for (size_t i = 0; items && i < json_object_array_length(items); i++) {
    struct json_object *o = json_object_array_get_idx(items, i);
    /* Items of a List carry no apiVersion and kind. */
    jobj_set_str(o, "apiVersion", jobj_str(list, "apiVersion"));
    jobj_set_str(o, "kind", k->kind);
    fn(o, data);
  }
  json_object_put(list);
  return 0;
}

int install_foreach_owned(struct cmd_cluster *cl, const char *selector,
                          void (*fn)(struct json_object *obj, void *data),
                          void *data)
{
  for (size_t i = 0; i < apply_nprunable_kinds; i++)
    if (install_foreach_of_kind(cl, &apply_prunable_kinds[i], selector, fn,
                                data))
      return 1;
  return 0;
}

int install_delete(struct cmd_cluster *cl, struct json_object *obj, int dry_run)
{
  char id[1024];
  cmd_object_id(obj, id, sizeof id);
  if (dry_run) {
    printf("Would prune %s\n", id);
    return 0;
  }
  struct kube_ref ref;
  kube_ref_of(obj, &ref);
  struct kube_delete_opts d = {
      .propagation = "Background",
      .uid = jobj_path_str(obj, "metadata", "uid", (const char *)NULL),
      .grace_seconds = -1};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = kube_delete(cl->client, &ref, &d, kube_sync_cb, &s);
  if (!rc)
    rc = kube_sync_wait(cl->client, &s);
  if (rc == -ENOENT)
    rc = 0;
  if (rc)
    fprintf(stderr, "Error: delete %s: %s\n", id,
            s.res.http_status >= 400 ? s.res.status.message : s.res.err.msg);
  else
    printf("  Removed %s.\n", id);
  kube_sync_free(&s);
  return rc ? 1 : 0;
}

struct prune_ctx {
  struct install_run *ir;
  struct json_object *victims;
};

static void pick_victim(struct json_object *obj, void *data)
{
  struct prune_ctx *p = data;
  char key[1024];
  apply_key(obj, key, sizeof key);
  const char *keep = jobj_path_str(obj, "metadata", "labels",
                                   "install.operator.istio.io/"
                                   "owning-resource-not-pruned",
                                   (const char *)NULL);
  if ((p->ir->wanted && jobj_get(p->ir->wanted, key)) ||
      jobj_get(p->victims, key) || (keep && strcmp(keep, "true") == 0))
    return;
  jobj_set(p->victims, key, json_object_get(obj));
}

int install_prune(struct install_run *ir)
{
  char selector[1024];
  install_owner_selector(&ir->owner, selector, sizeof selector);
  struct prune_ctx p = {ir, json_object_new_object()};
  int rc = install_foreach_owned(&ir->cl, selector, pick_victim, &p);
  json_object_object_foreach (p.victims, key, obj) {
    (void)key;
    if (rc)
      break;
    rc = install_delete(&ir->cl, obj, ir->dry_run);
    ir->pruned++;
  }
  json_object_put(p.victims);
  return rc;
}
