/* smp: strategic merge patch (see smp.h).
 *
 * The patch metadata of Kubernetes' Go types (patchStrategy and
 * patchMergeKey struct tags) is a small table here, keyed by the field's
 * path in the object with pod templates folded to "POD" and object meta to
 * "META"; every other list is replaced. */
#include "smp.h"

#include "buf.h"
#include "jobj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct meta {
  const char *path;
  const char *key; /* merge key; "" for a merge list of scalars */
};

static const struct meta merge_lists[] = {
    {"POD.containers", "name"},
    {"POD.initContainers", "name"},
    {"POD.ephemeralContainers", "name"},
    {"POD.volumes", "name"},
    {"POD.imagePullSecrets", "name"},
    {"POD.hostAliases", "ip"},
    {"POD.topologySpreadConstraints", "topologyKey"},
    {"POD.schedulingGates", "name"},
    {"POD.resourceClaims", "name"},
    {"CONTAINER.env", "name"},
    {"CONTAINER.ports", "containerPort"},
    {"CONTAINER.volumeMounts", "mountPath"},
    {"CONTAINER.volumeDevices", "devicePath"},
    {"CONTAINER.resizePolicy", "resourceName"},
    {"META.finalizers", ""},
    {"META.ownerReferences", "uid"},
    {"Service:spec.ports", "port"},
    {"ServiceAccount:secrets", "name"},
};

/* Kinds whose pod template sits at spec.template.spec. */
static int has_template(const char *kind)
{
  static const char *const kinds[] = {"Deployment",  "DaemonSet",
                                      "StatefulSet", "ReplicaSet",
                                      "Job",         "ReplicationController",
                                      NULL};
  for (const char *const *k = kinds; *k; k++)
    if (strcmp(kind, *k) == 0)
      return 1;
  return 0;
}

static const char *strip_prefix(const char *path, const char *prefix)
{
  size_t n = strlen(prefix);
  return strncmp(path, prefix, n) == 0 && path[n] == '.' ? path + n + 1 : NULL;
}

/* The path of a field in the table's terms ("POD.containers"). */
static void canonical_path(const char *kind, const char *path, struct buf *out)
{
  const char *rest;
  const char *pod = has_template(kind) ? "spec.template.spec"
                    : strcmp(kind, "CronJob") == 0
                        ? "spec.jobTemplate.spec.template.spec"
                    : strcmp(kind, "Pod") == 0 ? "spec"
                                               : NULL;
  if ((rest = strip_prefix(path, "metadata")) ||
      (has_template(kind) &&
       (rest = strip_prefix(path, "spec.template.metadata")))) {
    buf_printf(out, "META.%s", rest);
    return;
  }
  if (pod && (rest = strip_prefix(path, pod))) {
    static const char *const cs[] = {"containers[].", "initContainers[].",
                                     "ephemeralContainers[].", NULL};
    for (const char *const *c = cs; *c; c++) {
      if (strncmp(rest, *c, strlen(*c)) == 0) {
        buf_printf(out, "CONTAINER.%s", rest + strlen(*c));
        return;
      }
    }
    buf_printf(out, "POD.%s", rest);
    return;
  }
  buf_printf(out, "%s:%s", kind, path);
}

/* The merge key of a list field, or NULL when the list is replaced. */
static const char *merge_key(const char *kind, const char *path)
{
  struct buf canon;
  buf_init(&canon, 0);
  canonical_path(kind, path, &canon);
  const char *key = NULL;
  for (size_t i = 0; !key && i < sizeof merge_lists / sizeof merge_lists[0];
       i++)
    if (canon.data && strcmp(canon.data, merge_lists[i].path) == 0)
      key = merge_lists[i].key;
  buf_free(&canon);
  return key;
}

struct ctx {
  const char *kind;
  struct err *e;
};

static int merge_map(struct ctx *c, struct json_object *orig,
                     struct json_object *patch, const char *path,
                     struct json_object **out);

static int is_directive(const char *k)
{
  return k[0] == '$';
}

/* path + sep + name, on the heap (paths only name fields for lookups). */
static char *join(const char *path, const char *sep, const char *name)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "%s%s%s", path, *path ? sep : "", name);
  return buf_take(&b);
}

/* A copy of v without directive keys; NULL when v itself is a directive. */
static struct json_object *without_directives(struct json_object *v, int *keep)
{
  *keep = 1;
  if (jobj_is_obj(v)) {
    if (json_object_object_get_ex(v, "$patch", NULL)) {
      *keep = 0;
      return NULL;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_foreach (v, k, x) {
      int k2;
      struct json_object *c = without_directives(x, &k2);
      if (k2)
        json_object_object_add(o, k, c);
    }
    return o;
  }
  if (jobj_is_arr(v)) {
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(v); i++) {
      int k2;
      struct json_object *c =
          without_directives(json_object_array_get_idx(v, i), &k2);
      if (k2)
        json_object_array_add(a, c);
    }
    return a;
  }
  return jobj_dup(v);
}

/* IgnoreUnmatchedNulls: a value taken whole from the patch loses its
 * null fields (they have nothing to delete). */
static void discard_nulls(struct json_object *v)
{
  if (jobj_is_obj(v)) {
    struct json_object *gone = json_object_new_array();
    json_object_object_foreach (v, k, x) {
      if (!x)
        json_object_array_add(gone, json_object_new_string(k));
      else
        discard_nulls(x);
    }
    for (size_t i = 0; i < json_object_array_length(gone); i++)
      json_object_object_del(
          v, json_object_get_string(json_object_array_get_idx(gone, i)));
    json_object_put(gone);
  } else if (jobj_is_arr(v)) {
    for (size_t i = 0; i < json_object_array_length(v); i++)
      discard_nulls(json_object_array_get_idx(v, i));
  }
}

/* Go's == on two decoded JSON scalars. */
static int scalar_equal(struct json_object *a, struct json_object *b)
{
  if (!a || !b)
    return a == b;
  return jobj_equal(a, b) && !jobj_is_obj(a) && !jobj_is_arr(a);
}

static struct json_object *key_of(struct json_object *item, const char *key)
{
  return *key ? jobj_get(item, key) : item;
}

static int index_in(struct json_object *list, struct json_object *item,
                    const char *key)
{
  size_t n = list ? json_object_array_length(list) : 0;
  struct json_object *want = key_of(item, key);
  for (size_t i = 0; i < n; i++)
    if (scalar_equal(key_of(json_object_array_get_idx(list, i), key), want))
      return (int)i;
  return -1;
}

/* Go's sort.SliceStable with apimachinery's comparator (an insertion sort:
 * the lists here are short). */
static void sort_by_order(struct json_object **items, size_t n,
                          struct json_object *order, const char *key)
{
  for (size_t i = 1; i < n; i++) {
    for (size_t j = i; j > 0; j--) {
      int a = index_in(order, items[j], key);
      int b = index_in(order, items[j - 1], key);
      int less = a >= 0 && b >= 0 ? a < b : 1;
      if (!less)
        break;
      struct json_object *t = items[j];
      items[j] = items[j - 1];
      items[j - 1] = t;
    }
  }
}

/* mergeSortedSlice: server-only items are inserted among patch items by
 * their order in the original list. */
static struct json_object *merge_sorted(struct json_object **left, size_t nl,
                                        struct json_object **right, size_t nr,
                                        struct json_object *orig,
                                        const char *key)
{
  struct json_object *out = json_object_new_array();
  size_t i = 0, j = 0;
  while (i < nl || j < nr) {
    int take_left;
    if (j >= nr)
      take_left = 1;
    else if (i >= nl)
      take_left = 0;
    else {
      int li = index_in(orig, left[i], key), ri = index_in(orig, right[j], key);
      take_left = li >= 0 && ri >= 0 && li < ri;
    }
    json_object_array_add(out,
                          json_object_get(take_left ? left[i++] : right[j++]));
  }
  return out;
}

/* Orders merged: items present in patch (in patch order), then the rest
 * (in original order), interleaved as apimachinery does. */
static struct json_object *order_merged(struct json_object *merged,
                                        struct json_object *patch,
                                        struct json_object *orig,
                                        const char *key)
{
  size_t n = json_object_array_length(merged), np = 0, ns = 0;
  struct json_object **pi = calloc(n + 1, sizeof *pi);
  struct json_object **so = calloc(n + 1, sizeof *so);
  for (size_t i = 0; i < n; i++) {
    struct json_object *it = json_object_array_get_idx(merged, i);
    if (index_in(patch, it, key) >= 0)
      pi[np++] = it;
    else
      so[ns++] = it;
  }
  sort_by_order(pi, np, patch, key);
  sort_by_order(so, ns, orig, key);
  struct json_object *out = merge_sorted(so, ns, pi, np, orig, key);
  free(pi);
  free(so);
  return out;
}

/* apimachinery's deduplicateScalars: a later duplicate is replaced by the
 * last element (order changes, as there). */
static void dedupe_scalars(struct json_object **s, size_t *n)
{
  size_t len = *n;
  for (size_t i = 0; i + 1 < len; i++) {
    for (size_t j = i + 1; j < len; j++) {
      if (scalar_equal(s[i], s[j])) {
        s[j] = s[len - 1];
        len--;
        j--;
      }
    }
  }
  *n = len;
}

static struct json_object *merge_scalar_list(struct json_object *orig,
                                             struct json_object *patch)
{
  size_t no = json_object_array_length(orig),
         np = json_object_array_length(patch);
  struct json_object **all = calloc(no + np + 1, sizeof *all);
  size_t n = 0;
  for (size_t i = 0; i < no; i++)
    all[n++] = json_object_array_get_idx(orig, i);
  for (size_t i = 0; i < np; i++)
    all[n++] = json_object_array_get_idx(patch, i);
  dedupe_scalars(all, &n);
  struct json_object *merged = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    json_object_array_add(merged, jobj_dup(all[i]));
  free(all);
  struct json_object *out = order_merged(merged, patch, orig, "");
  json_object_put(merged);
  return out;
}

/* $patch: delete and replace elements, then the remaining patch items. */
static int special_elements(struct ctx *c, struct json_object **orig,
                            struct json_object *patch, const char *key,
                            struct json_object **rest)
{
  int replace = 0;
  *rest = json_object_new_array();
  for (size_t i = 0; i < json_object_array_length(patch); i++) {
    struct json_object *p = json_object_array_get_idx(patch, i);
    const char *d = jobj_str(p, "$patch");
    if (!d) {
      json_object_array_add(*rest, json_object_get(p));
    } else if (strcmp(d, "delete") == 0) {
      struct json_object *kept = json_object_new_array();
      for (size_t k = 0; k < json_object_array_length(*orig); k++) {
        struct json_object *o = json_object_array_get_idx(*orig, k);
        if (!scalar_equal(jobj_get(o, key), jobj_get(p, key)))
          json_object_array_add(kept, json_object_get(o));
      }
      json_object_put(*orig);
      *orig = kept;
    } else if (strcmp(d, "replace") == 0) {
      replace = 1;
    } else {
      return err_set(c->e, -EINVAL, "unknown patch type: %s", d);
    }
  }
  if (replace) {
    json_object_put(*orig);
    *orig = *rest;
    *rest = json_object_new_array();
  }
  return 0;
}

static int merge_map_list(struct ctx *c, struct json_object *orig_in,
                          struct json_object *patch, const char *key,
                          const char *path, struct json_object **out)
{
  char *elem_path = join(path, "", "[]");
  struct json_object *orig = jobj_dup(orig_in), *rest;
  int rc = special_elements(c, &orig, patch, key, &rest);
  /* The order to keep is that of the list after deletions/replacement. */
  struct json_object *order = rc ? NULL : jobj_dup(orig);
  for (size_t i = 0; !rc && i < json_object_array_length(rest); i++) {
    struct json_object *p = json_object_array_get_idx(rest, i);
    if (!jobj_get(p, key)) {
      rc = err_set(c->e, -EINVAL, "map does not contain declared merge key: %s",
                   key);
      break;
    }
    int at = index_in(orig, p, key);
    if (at < 0) {
      json_object_array_add(orig, jobj_dup(p));
      continue;
    }
    struct json_object *merged;
    rc = merge_map(c, json_object_array_get_idx(orig, (size_t)at), p, elem_path,
                   &merged);
    if (!rc)
      json_object_array_put_idx(orig, (size_t)at, merged);
  }
  if (!rc)
    *out = order_merged(orig, rest, order, key);
  json_object_put(order);
  json_object_put(rest);
  json_object_put(orig);
  free(elem_path);
  return rc;
}

static int merge_value(struct ctx *c, struct json_object *orig,
                       struct json_object *patch, const char *path,
                       struct json_object **out)
{
  if (jobj_is_obj(orig) && jobj_is_obj(patch))
    return merge_map(c, orig, patch, path, out);
  if (jobj_is_arr(orig) && jobj_is_arr(patch)) {
    const char *key = merge_key(c->kind, path);
    if (!key) {
      int keep;
      *out = without_directives(patch, &keep);
      return 0;
    }
    if (json_object_array_length(orig) == 0 &&
        json_object_array_length(patch) == 0) {
      *out = jobj_dup(orig);
      return 0;
    }
    if (!*key)
      return *out = merge_scalar_list(orig, patch), 0;
    return merge_map_list(c, orig, patch, key, path, out);
  }
  int keep;
  *out = without_directives(patch, &keep);
  discard_nulls(*out);
  return keep ? 0 : 1; /* 1: drop the key */
}

/* $retainKeys: keys of the original that are not listed go. */
static void retain_keys(struct json_object *o, struct json_object *list)
{
  struct json_object *gone = json_object_new_array();
  json_object_object_foreach (o, k, v) {
    (void)v;
    int listed = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
      const char *s =
          json_object_get_string(json_object_array_get_idx(list, i));
      listed |= s && strcmp(s, k) == 0;
    }
    if (!listed)
      json_object_array_add(gone, json_object_new_string(k));
  }
  for (size_t i = 0; i < json_object_array_length(gone); i++)
    json_object_object_del(
        o, json_object_get_string(json_object_array_get_idx(gone, i)));
  json_object_put(gone);
}

/* $deleteFromPrimitiveList/<field>: removes the listed scalars. */
static void delete_from_list(struct json_object *o, const char *field,
                             struct json_object *remove)
{
  struct json_object *l = jobj_arr(o, field);
  if (!l || !jobj_is_arr(remove))
    return;
  struct json_object *kept = json_object_new_array();
  for (size_t i = 0; i < json_object_array_length(l); i++) {
    struct json_object *it = json_object_array_get_idx(l, i);
    if (index_in(remove, it, "") < 0)
      json_object_array_add(kept, json_object_get(it));
  }
  json_object_object_add(o, field, kept);
}

static int merge_entry(struct ctx *c, struct json_object *o, const char *k,
                       struct json_object *pv, const char *path)
{
  if (!pv) {
    json_object_object_del(o, k); /* null deletes */
    return 0;
  }
  char *sub = join(path, ".", k);
  struct json_object *ov = jobj_get(o, k), *merged = NULL;
  int rc;
  if (!json_object_object_get_ex(o, k, NULL) || !ov) {
    int keep;
    merged = without_directives(pv, &keep);
    discard_nulls(merged);
    rc = keep ? 0 : 1;
  } else {
    rc = merge_value(c, ov, pv, sub, &merged);
  }
  free(sub);
  if (rc == 1) {
    json_object_object_del(o, k);
    return 0;
  }
  if (!rc)
    json_object_object_add(o, k, merged);
  return rc;
}

static int merge_map(struct ctx *c, struct json_object *orig,
                     struct json_object *patch, const char *path,
                     struct json_object **out)
{
  const char *d = jobj_str(patch, "$patch");
  if (d && strcmp(d, "replace") == 0) {
    *out = jobj_dup(patch);
    json_object_object_del(*out, "$patch");
    return 0;
  }
  if (d && strcmp(d, "delete") == 0)
    return *out = json_object_new_object(), 0;
  if (d)
    return err_set(c->e, -EINVAL, "unknown patch type: %s", d);
  struct json_object *o = jobj_dup(orig);
  struct json_object *retain = jobj_arr(patch, "$retainKeys");
  if (retain)
    retain_keys(o, retain);
  int rc = 0;
  json_object_object_foreach (patch, k, pv) {
    static const char del[] = "$deleteFromPrimitiveList/";
    if (strncmp(k, del, sizeof del - 1) == 0)
      delete_from_list(o, k + sizeof del - 1, pv);
    else if (!is_directive(k) && (rc = merge_entry(c, o, k, pv, path)) != 0)
      break;
  }
  if (rc) {
    json_object_put(o);
    return rc;
  }
  *out = o;
  return 0;
}

int smp_apply(struct json_object *obj, const char *kind,
              struct json_object *patch, struct err *e)
{
  struct ctx c = {kind ? kind : "", e};
  struct json_object *merged;
  if (!jobj_is_obj(obj) || !jobj_is_obj(patch))
    return err_set(e, -EINVAL,
                   "strategic merge patch: object and patch must "
                   "be maps");
  int rc = merge_map(&c, obj, patch, "", &merged);
  if (rc)
    return rc;
  /* Replace obj's contents with the result, keeping the same object. */
  struct json_object *keys = json_object_new_array();
  json_object_object_foreach (obj, k, v) {
    (void)v;
    json_object_array_add(keys, json_object_new_string(k));
  }
  for (size_t i = 0; i < json_object_array_length(keys); i++)
    json_object_object_del(
        obj, json_object_get_string(json_object_array_get_idx(keys, i)));
  json_object_put(keys);
  json_object_object_foreach (merged, k2, v2)
    json_object_object_add(obj, k2, json_object_get(v2));
  json_object_put(merged);
  return 0;
}
