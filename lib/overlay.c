/* overlay: istioctl's tpath traversal and writes (see overlay.h).
 *
 * istioctl edits a yaml.v2 tree in which maps read from the manifest behave
 * differently from maps that came from JSON (patch values, and maps created
 * for null nodes): writing a scalar onto a list inside a JSON-born map
 * appends to it, and a "key: value" string replaces the key there. We keep
 * the set of JSON-born maps to make the same decisions. Created nodes are
 * attached to their parents only when a write succeeds, as istioctl's
 * path-context propagation does. */
#include "overlay.h"

#include "buf.h"
#include "gonum.h"
#include "jobj.h"
#include "kjson.h"
#include "kyaml.h"
#include "regex.h"
#include "vmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flavours {
  struct json_object **json_maps; /* maps that came from JSON */
  size_t n, cap;
};

struct ctx {
  struct ctx *parent;
  struct json_object *node;  /* borrowed from the tree, or `owned` */
  struct json_object *owned; /* a node created here, not yet attached */
  int idx;                   /* the key in the parent: an index ... */
  const char *key;           /* ... or a map key */
};

struct walk {
  struct flavours *fl;
  struct vmap_path path;
  char *full; /* the path, for messages */
  struct err *e;
  struct ctx *ctxs[256];
  int nctx;
};

static void mark_json(struct flavours *fl, struct json_object *o)
{
  if (jobj_is_obj(o)) {
    if (fl->n == fl->cap) {
      size_t cap = fl->cap ? fl->cap * 2 : 16;
      struct json_object **m = realloc(fl->json_maps, cap * sizeof *m);
      if (!m)
        return;
      fl->json_maps = m;
      fl->cap = cap;
    }
    fl->json_maps[fl->n++] = o;
    json_object_object_foreach (o, k, v) {
      (void)k;
      mark_json(fl, v);
    }
  } else if (jobj_is_arr(o)) {
    for (size_t i = 0; i < json_object_array_length(o); i++)
      mark_json(fl, json_object_array_get_idx(o, i));
  }
}

static int is_json_map(const struct flavours *fl, struct json_object *o)
{
  for (size_t i = 0; i < fl->n; i++)
    if (fl->json_maps[i] == o)
      return 1;
  return 0;
}

/* ---- path elements (istioctl's util/path.go rules) ---- */

static int bracketed(const char *pe, const char **in, size_t *n)
{
  size_t len = strlen(pe);
  if (len < 2 || pe[0] != '[' || pe[len - 1] != ']')
    return 0;
  *in = pe + 1;
  *n = len - 2;
  return 1;
}

static int is_n(const char *pe, int *idx)
{
  const char *in;
  size_t n;
  int64_t v;
  if (!bracketed(pe, &in, &n) || gonum_parse_int(in, n, 10, &v) != 0 || v < -1)
    return 0;
  if (idx)
    *idx = v > 1 << 30 ? 1 << 30 : (int)v;
  return 1;
}

/* [k:v] with k of [a-zA-Z0-9_-]*, both non-empty, exactly one unescaped
 * colon. */
static int is_kv(const char *pe, char **k, char **v)
{
  const char *in;
  size_t n, colon = 0;
  int colons = 0;
  if (!bracketed(pe, &in, &n))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (in[i] == ':' && (i == 0 || in[i - 1] != '\\'))
      colons++, colon = i;
  if (colons != 1 || colon == 0 || colon == n - 1)
    return 0;
  for (size_t i = 0; i < colon; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789_-",
                in[i]))
      return 0;
  if (k) {
    *k = strndup(in, colon);
    *v = strndup(in + colon + 1, n - colon - 1);
  }
  return 1;
}

/* [v] or [:v]: the value a scalar element must match. */
static char *path_v(const char *pe)
{
  const char *in;
  size_t n;
  if (!bracketed(pe, &in, &n) || n == 0)
    return NULL;
  if (n > 1 && in[0] == ':')
    return strndup(in + 1, n - 1);
  return strndup(in, n);
}

/* fmt.Sprint of a decoded scalar (maps and lists are never compared). */
static void sprint(struct json_object *v, struct buf *b)
{
  char num[64];
  switch (json_object_get_type(v)) {
  case json_type_null:
    buf_puts(b, "<nil>");
    break;
  case json_type_boolean:
    buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
    break;
  case json_type_int:
    buf_printf(b, "%lld", (long long)json_object_get_int64(v));
    break;
  case json_type_double:
    gonum_format_float(num, sizeof num, json_object_get_double(v), 'g', -1, 64);
    buf_puts(b, num);
    break;
  case json_type_string:
    buf_append(b, json_object_get_string(v),
               (size_t)json_object_get_string_len(v));
    break;
  default:
    buf_puts(b, "[...]");
  }
}

static int sprint_equal(struct json_object *v, const char *want)
{
  struct buf b;
  buf_init(&b, 0);
  sprint(v, &b);
  int eq = strcmp(b.data ? b.data : "", want) == 0;
  buf_free(&b);
  return eq;
}

static int regex_matches(const char *pattern, struct json_object *v)
{
  struct regex *re;
  struct err e;
  if (regex_compile(pattern, strlen(pattern), &re, &e) != 0)
    return 0; /* istioctl logs a bad pattern and treats it as no match */
  struct buf b;
  buf_init(&b, 0);
  sprint(v, &b);
  int m = regex_match(re, b.data ? b.data : "", b.len);
  buf_free(&b);
  regex_free(re);
  return m;
}

/* ---- traversal ---- */

static struct ctx *new_ctx(struct walk *w, struct ctx *parent,
                           struct json_object *node)
{
  struct ctx *c = calloc(1, sizeof *c);
  if (!c || w->nctx == 256) {
    free(c);
    return NULL;
  }
  c->parent = parent;
  c->node = node;
  w->ctxs[w->nctx++] = c;
  return c;
}

static const char *rest_path(struct walk *w, int i, struct buf *b)
{
  for (int k = i; k < w->path.n; k++)
    buf_printf(b, "%s%s", k > i ? "." : "", w->path.seg[k]);
  return b->data ? b->data : "";
}

static struct ctx *descend(struct walk *w, struct ctx *nc, int i);

static struct ctx *list_by_index(struct walk *w, struct ctx *nc, int i, int idx)
{
  struct json_object *l = nc->node, *found, *owned = NULL;
  if (idx >= (int)json_object_array_length(l) || idx < 0) {
    /* Past the end: a new element, attached if a write succeeds. */
    idx = (int)json_object_array_length(l);
    found = owned = json_object_new_object();
    mark_json(w->fl, found);
  } else {
    found = json_object_array_get_idx(l, (size_t)idx);
  }
  struct ctx *c = new_ctx(w, nc, found);
  if (!c) {
    json_object_put(owned);
    return NULL;
  }
  c->owned = owned;
  c->idx = idx;
  return descend(w, c, i + 1);
}

static struct ctx *list_by_selector(struct walk *w, struct ctx *nc, int i)
{
  const char *pe = w->path.seg[i];
  size_t n = json_object_array_length(nc->node);
  for (size_t k = 0; k < n; k++) {
    struct json_object *le = json_object_array_get_idx(nc->node, k);
    char *key = NULL, *val = NULL;
    int match;
    if (jobj_is_obj(le)) {
      if (!is_kv(pe, &key, &val)) {
        err_set(w->e, -EINVAL,
                "path %s: %s is not a valid key:value path "
                "element",
                w->full, pe);
        return NULL;
      }
      match = sprint_equal(jobj_get(le, key), val);
    } else {
      val = path_v(pe);
      if (!val) {
        err_set(w->e, -EINVAL, "path %s: %s is not a valid value path element",
                w->full, pe);
        return NULL;
      }
      match = regex_matches(val, le);
    }
    free(key);
    free(val);
    if (!match)
      continue;
    struct ctx *c = new_ctx(w, nc, le);
    if (!c)
      return NULL;
    c->idx = (int)k;
    if (jobj_is_obj(le) && i == w->path.n - 1)
      return c; /* a [k:v] at the end names the element itself */
    return descend(w, c, i + 1);
  }
  err_set(w->e, -ENOENT, "path %s: element %s not found", w->full, pe);
  return NULL;
}

static struct ctx *map_child(struct walk *w, struct ctx *nc, int i)
{
  const char *pe = w->path.seg[i];
  struct json_object *m = nc->node, *nn;
  if (!json_object_object_get_ex(m, pe, &nn)) {
    int next_list = i + 1 < w->path.n && is_n(w->path.seg[i + 1], NULL);
    if (is_json_map(w->fl, m) && next_list) {
      nn = json_object_new_array();
    } else {
      nn = json_object_new_object();
      if (is_json_map(w->fl, m))
        mark_json(w->fl, nn);
    }
    json_object_object_add(m, pe, nn);
  }
  struct ctx *c = new_ctx(w, nc, nn);
  if (!c)
    return NULL;
  c->key = pe;
  return descend(w, c, i + 1);
}

static struct ctx *descend(struct walk *w, struct ctx *nc, int i)
{
  if (i == w->path.n)
    return nc;
  const char *pe = w->path.seg[i];
  if (!nc->node) {
    /* A null node becomes a list or a JSON-style map, attached later. */
    int list = is_n(pe, NULL) || is_kv(pe, NULL, NULL);
    nc->owned = list ? json_object_new_array() : json_object_new_object();
    nc->node = nc->owned;
    if (!list)
      mark_json(w->fl, nc->node);
  }
  int idx;
  if (jobj_is_arr(nc->node))
    return is_n(pe, &idx) ? list_by_index(w, nc, i, idx)
                          : list_by_selector(w, nc, i);
  if (jobj_is_obj(nc->node))
    return map_child(w, nc, i);
  struct buf b;
  buf_init(&b, 0);
  err_set(w->e, -EINVAL, "leaf type %s in non-leaf Node %s",
          jobj_is_str(nc->node)                              ? "string"
          : json_object_is_type(nc->node, json_type_boolean) ? "bool"
          : json_object_is_type(nc->node, json_type_int)     ? "int"
                                                             : "float64",
          rest_path(w, i, &b));
  buf_free(&b);
  return NULL;
}

/* ---- writing ---- */

/* Stores v at ctx's place in its parent (taking v). */
static void store(struct ctx *c, struct json_object *v)
{
  struct json_object *p = c->parent->node;
  if (jobj_is_arr(p)) {
    int idx = c->idx < 0 ? (int)json_object_array_length(p) : c->idx;
    while ((int)json_object_array_length(p) < idx)
      json_object_array_add(p, NULL);
    if (idx == (int)json_object_array_length(p))
      json_object_array_add(p, v);
    else
      json_object_array_put_idx(p, (size_t)idx, v);
  } else {
    json_object_object_add(p, c->key, v);
  }
}

/* A string that reads as a YAML map (and is not a JSON object) becomes
 * that map, as istioctl's tryToUnmarshalStringToYAML decides. */
static struct json_object *string_as_map(struct json_object *v)
{
  if (!jobj_is_str(v))
    return NULL;
  const char *s = json_object_get_string(v);
  size_t n = (size_t)json_object_get_string_len(v);
  int multi = memchr(s, '\n', n) != NULL;
  if (!(multi ? strchr(s, ':') != NULL : strstr(s, ": ") != NULL))
    return NULL;
  struct json_object *o = NULL;
  struct err e;
  if (kjson_parse(s, n, "value", &o, &e) == 0 && jobj_is_obj(o)) {
    json_object_put(o);
    return NULL;
  }
  json_object_put(o);
  o = NULL;
  struct kyaml_opts yo = {.name = "value", .numbers = KYAML_NUMBERS_FLOAT};
  if (kyaml_parse(s, n, &yo, &o, &e) != 0 || (o && !jobj_is_obj(o))) {
    json_object_put(o);
    return NULL;
  }
  return o ? o : json_object_new_object();
}

static int replace_key_with_root(struct ctx *c, struct json_object *m)
{
  json_object_object_del(c->parent->node, c->key);
  const char *root = "";
  struct json_object *val = NULL;
  json_object_object_foreach (m, k, v) {
    root = k;
    val = v;
    break;
  }
  json_object_object_add(c->parent->node, root, json_object_get(val));
  json_object_put(m);
  return 0;
}

/* Writes into a JSON-born map; returns 1 when the parent chain must not be
 * updated (istioctl stops after replacing a key by a parsed map). */
static int write_json_map(struct walk *w, struct ctx *c, struct json_object *v,
                          struct json_object *parsed, int propagating)
{
  if (jobj_is_arr(c->node) && !parsed && !propagating) {
    /* A value written onto a list here is appended to it. */
    json_object_array_add(c->node, v);
    mark_json(w->fl, v);
    store(c, json_object_get(c->node));
    return 0;
  }
  if (parsed) {
    mark_json(w->fl, parsed);
    json_object_put(v);
    replace_key_with_root(c, parsed);
    return 1;
  }
  store(c, v);
  c->node = v;
  return 0;
}

/* Sets v (taken) at c; returns 1 to stop, 0 to go on, negative on error. */
static int set_value(struct walk *w, struct ctx *c, struct json_object *v,
                     int propagating)
{
  struct json_object *p = c->parent->node;
  struct json_object *parsed = propagating ? NULL : string_as_map(v);
  if (jobj_is_arr(p)) {
    if (!c->parent->parent || !jobj_is_obj(c->parent->parent->node)) {
      json_object_put(v);
      json_object_put(parsed);
      return err_set(w->e, -EINVAL,
                     "path %s: don't know about type "
                     "[]interface {}",
                     w->full);
    }
    if (parsed) {
      json_object_put(v);
      v = parsed;
    }
    if (!propagating)
      mark_json(w->fl, v);
    store(c, v);
    c->node = v;
    return 0;
  }
  if (is_json_map(w->fl, p))
    return write_json_map(w, c, v, parsed, propagating);
  if (parsed) {
    json_object_put(v);
    v = parsed;
  }
  if (!propagating)
    mark_json(w->fl, v);
  store(c, v);
  c->node = v;
  return 0;
}

static int set_path(struct walk *w, struct ctx *leaf, struct json_object *v)
{
  int propagating = 0;
  for (struct ctx *c = leaf; c->parent; c = c->parent) {
    int rc = set_value(w, c, v, propagating);
    if (rc)
      return rc < 0 ? rc : 0;
    if (!c->parent->parent)
      return 0;
    /* Attach the parent (it may be new) to its own parent. */
    if (c->parent->owned) {
      v = c->parent->owned; /* the tree takes our reference */
      c->parent->owned = NULL;
    } else {
      v = json_object_get(c->parent->node);
    }
    propagating = 1;
  }
  json_object_put(v);
  return 0;
}

static int delete_at(struct walk *w, struct ctx *c)
{
  if (!c->parent)
    return err_set(w->e, -EINVAL, "cannot delete root element");
  struct json_object *p = c->parent->node;
  if (jobj_is_arr(p)) {
    if (!c->parent->parent || !jobj_is_obj(c->parent->parent->node))
      return err_set(w->e, -EINVAL,
                     "cannot delete path %s: unsupported "
                     "parent.parent type for delete",
                     w->full);
    if (c->idx >= 0 && (size_t)c->idx < json_object_array_length(p))
      json_object_array_del_idx(p, (size_t)c->idx, 1);
    return 0;
  }
  if (jobj_is_obj(p)) {
    json_object_object_del(p, c->key);
    return 0;
  }
  return err_set(w->e, -EINVAL,
                 "cannot delete path %s: unsupported parent "
                 "type for delete",
                 w->full);
}

static void walk_free(struct walk *w)
{
  for (int i = 0; i < w->nctx; i++) {
    json_object_put(w->ctxs[i]->owned);
    free(w->ctxs[i]);
  }
  vmap_path_free(&w->path);
  free(w->full);
}

static int apply_one(struct json_object *obj, struct flavours *fl,
                     struct json_object *patch, struct err *e)
{
  const char *path = jobj_str(patch, "path");
  struct json_object *value = jobj_get(patch, "value");
  struct walk w = {.fl = fl, .e = e};
  int rc = vmap_split_path(path ? path : "", &w.path);
  if (rc)
    return err_set(e, rc, "out of memory");
  struct buf full;
  buf_init(&full, 0);
  w.full = strdup(rest_path(&w, 0, &full));
  buf_free(&full);
  struct ctx *root = new_ctx(&w, NULL, obj);
  struct ctx *leaf = root ? descend(&w, root, 0) : NULL;
  if (!leaf)
    rc = e->code ? e->code : -ENOMEM;
  else if (value)
    rc = set_path(&w, leaf, vmap_deep_clone(value));
  else
    rc = delete_at(&w, leaf);
  walk_free(&w);
  return rc;
}

int overlay_apply(struct json_object *obj, struct json_object *patches,
                  struct err *e)
{
  struct flavours fl = {0};
  int first = 0;
  struct err one;
  size_t n = jobj_is_arr(patches) ? json_object_array_length(patches) : 0;
  for (size_t i = 0; i < n; i++) {
    err_clear(&one);
    int rc = apply_one(obj, &fl, json_object_array_get_idx(patches, i), &one);
    if (rc && !first) {
      first = rc;
      *e = one;
    }
  }
  free(fl.json_maps);
  return first;
}
