/* tmpl_sprig_dict: Sprig's dict.go: dict, get, set, unset, hasKey, pluck,
 * keys, pick, omit, values, deepCopy, dig, and merge/mergeOverwrite with
 * dario.cat/mergo v1.0.1's rules for map[string]interface{}.
 *
 * mergo's rules matter to Istio's charts (zzz_profile.yaml merges the
 * defaults, the profile and the user's values with mustMergeOverwrite and
 * then mutates the result). For each key of src, in deepMerge:
 *   - nil: with overwrite dst[k] = nil, else skipped;
 *   - a map: merged into dst[k] in place when that is a map (even an empty
 *     one, which then holds src's keys); else dst[k] = the src map itself,
 *     shared, with overwrite or when dst[k] is missing or empty;
 *   - a slice: dst[k] = the src slice (shared) with overwrite or when
 *     dst[k] is missing or empty; without overwrite a missing dst[k]
 *     passes through an empty slice first, which ends the same;
 *   - anything else: set with overwrite, or when dst[k] is missing or
 *     empty (false, 0, "", nil, empty map or slice).
 * A nil dst becomes a new map. Go iterates src in random order; the rules
 * make the order irrelevant. keys, values and omit follow insertion order
 * where Go's is random.
 *
 * Unlike Go, set and merge refuse to make a map contain itself (see
 * "Cycles" below), and stores that nest containers count against the
 * execution's budget (tmpl__call_nest). */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Cycles ----
 *
 * Go lets set and merge make a map that contains itself; its collector
 * frees it later. Our values are reference counted, so such a map would
 * never be freed (and printing, copying or encoding it would fail
 * anyway): storing v under a key of m when v reaches m is refused. */

struct seen {
  const void **slots;
  size_t cap, n;
};

static int seen_add(struct seen *s, const void *p)
{
  if ((s->n + 1) * 2 > s->cap) {
    struct seen t = {calloc(s->cap ? s->cap * 2 : 64, sizeof *t.slots),
                     s->cap ? s->cap * 2 : 64, 0};
    if (!t.slots)
      return -ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
      if (s->slots[i])
        seen_add(&t, s->slots[i]);
    free(s->slots);
    *s = t;
  }
  size_t i = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15u & (s->cap - 1);
  while (s->slots[i] && s->slots[i] != p)
    i = (i + 1) & (s->cap - 1);
  if (s->slots[i])
    return 0; /* seen before */
  s->slots[i] = p;
  s->n++;
  return 1;
}

/* Whether target can be reached from v through maps and lists: 1, 0, or
 * a negative errno. Each container is visited once. */
static int reaches(struct json_object *v, const struct json_object *target,
                   struct seen *s, int depth)
{
  if (v == target || depth > TMPL_MAX_NESTING) /* too deep: refuse too */
    return 1;
  int arr = json_object_is_type(v, json_type_array);
  if (!v || (!arr && !json_object_is_type(v, json_type_object)))
    return 0;
  int rc = seen_add(s, v);
  if (rc <= 0)
    return rc;
  if (arr) {
    for (size_t i = 0; i < json_object_array_length(v); i++)
      if ((rc = reaches(json_object_array_get_idx(v, i), target, s, depth + 1)))
        return rc;
    return 0;
  }
  json_object_object_foreach (v, k, e) {
    (void)k;
    if ((rc = reaches(e, target, s, depth + 1)))
      return rc;
  }
  return 0;
}

/* -ELOOP when storing v in m would close a cycle. */
static int check_cycle(struct json_object *m, struct json_object *v)
{
  if (!v || (!json_object_is_type(v, json_type_object) &&
             !json_object_is_type(v, json_type_array)))
    return 0;
  struct seen s = {NULL, 0, 0};
  int rc = reaches(v, m, &s, 0);
  free(s.slots);
  return rc == 1 ? -ELOOP : rc;
}

/* m[k] = v, taking v, for a map m that nothing else can reach yet. */
static int obj_add(struct json_object *m, const char *k, struct json_object *v)
{
  if (json_object_object_add(m, k, v)) {
    json_object_put(v);
    return -ENOMEM;
  }
  return 0;
}

/* m[k] = v, taking v; -ELOOP (v dropped) when v reaches m. */
static int obj_set(struct json_object *m, const char *k, struct json_object *v)
{
  int rc = check_cycle(m, v);
  if (rc) {
    json_object_put(v);
    return rc;
  }
  if (json_object_object_add(m, k, v)) {
    json_object_put(v);
    return -ENOMEM;
  }
  return 0;
}

TMPL__FN(fn_dict)
{
  struct json_object *m = json_object_new_object();
  struct buf k;
  buf_init(&k, 0);
  int rc = m ? 0 : -ENOMEM;
  for (int i = 0; !rc && i < argc; i += 2) {
    buf_reset(&k);
    if (i + 1 < argc)
      rc = tmpl__call_nest(c, argv[i + 1].o);
    if (!rc)
      rc = tmpl__strval(&k, argv[i].o);
    if (!rc)
      rc = buf_append(&k, "", 0);
    if (!rc)
      rc = obj_add(m, k.data,
                   i + 1 < argc ? json_object_get(argv[i + 1].o)
                                : json_object_new_string(""));
  }
  buf_free(&k);
  if (rc) {
    json_object_put(m);
    return rc;
  }
  return tmpl__ret(out, m);
}

TMPL__FN(fn_get)
{
  struct json_object *v;
  if (argv[0].o && json_object_object_get_ex(
                       argv[0].o, json_object_get_string(argv[1].o), &v))
    return tmpl__ret_iface(out, v);
  struct json_object *empty = json_object_new_string("");
  if (!empty)
    return -ENOMEM;
  tmpl__ret_iface(out, empty);
  json_object_put(empty);
  return 0;
}

TMPL__FN(fn_set)
{
  if (!argv[0].o)
    return tmpl_call_errorf(c, "assignment to entry in nil map");
  int rc = tmpl__call_nest(c, argv[2].o);
  if (rc)
    return rc;
  rc = obj_set(argv[0].o, json_object_get_string(argv[1].o),
               json_object_get(argv[2].o));
  if (rc == -ELOOP)
    return tmpl_call_errorf(c, "the value would contain the map it is set "
                               "in; iop keeps values free of cycles");
  return rc ? rc : tmpl__ret(out, json_object_get(argv[0].o));
}

TMPL__FN(fn_unset)
{
  if (!argv[0].o)
    return tmpl__ret(out, json_object_new_object());
  json_object_object_del(argv[0].o, json_object_get_string(argv[1].o));
  return tmpl__ret(out, json_object_get(argv[0].o));
}

TMPL__FN(fn_has_key)
{
  return tmpl__ret_bool(
      out,
      argv[0].o && json_object_object_get_ex(
                       argv[0].o, json_object_get_string(argv[1].o), NULL));
}

static int arr_add(struct json_object *a, struct json_object *e)
{
  if (json_object_array_add(a, e)) {
    json_object_put(e);
    return -ENOMEM;
  }
  return 0;
}

TMPL__FN(fn_pluck)
{
  const char *key = json_object_get_string(argv[0].o);
  struct json_object *a = json_object_new_array(), *v;
  int rc = a ? 0 : -ENOMEM;
  for (int i = 1; !rc && i < argc; i++)
    if (argv[i].o && json_object_object_get_ex(argv[i].o, key, &v))
      rc = arr_add(a, json_object_get(v));
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret(out, a);
}

TMPL__FN(fn_keys)
{
  struct json_object *a = json_object_new_array();
  int rc = a ? 0 : -ENOMEM;
  for (int i = 0; !rc && i < argc; i++) {
    if (!argv[i].o)
      continue;
    json_object_object_foreach (argv[i].o, k, v) {
      (void)v;
      if ((rc = arr_add(a, json_object_new_string(k))))
        break;
    }
  }
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret_typed(out, a, &tmpl_type_strings);
}

TMPL__FN(fn_values)
{
  struct json_object *a = json_object_new_array();
  int rc = a ? 0 : -ENOMEM;
  if (argv[0].o) {
    json_object_object_foreach (argv[0].o, k, v) {
      (void)k;
      if ((rc = arr_add(a, json_object_get(v))))
        break;
    }
  }
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret(out, a);
}

static int listed(struct tmpl_value *keys, int n, const char *k)
{
  for (int i = 0; i < n; i++)
    if (strcmp(json_object_get_string(keys[i].o), k) == 0)
      return 1;
  return 0;
}

TMPL__FN(fn_pick)
{
  struct json_object *m = json_object_new_object(), *v;
  int rc = m ? 0 : -ENOMEM;
  for (int i = 1; !rc && i < argc; i++) {
    const char *k = json_object_get_string(argv[i].o);
    if (argv[0].o && json_object_object_get_ex(argv[0].o, k, &v))
      rc = obj_add(m, k, json_object_get(v));
  }
  if (rc) {
    json_object_put(m);
    return rc;
  }
  return tmpl__ret(out, m);
}

TMPL__FN(fn_omit)
{
  struct json_object *m = json_object_new_object();
  int rc = m ? 0 : -ENOMEM;
  if (!rc && argv[0].o) {
    json_object_object_foreach (argv[0].o, k, v) {
      if (!listed(argv + 1, argc - 1, k) &&
          (rc = obj_add(m, k, json_object_get(v))))
        break;
    }
  }
  if (rc) {
    json_object_put(m);
    return rc;
  }
  return tmpl__ret(out, m);
}

/* ---- deepCopy ---- */

static int deep_copy(struct tmpl_call *c, struct tmpl_value *argv,
                     struct tmpl_value *out, int must)
{
  struct json_object *copy;
  if (!argv[0].o)
    return tmpl_call_errorf(c, "reflect: call of reflect.Value.Type on zero "
                               "Value");
  int rc = tmpl_val_deep_copy(argv[0].o, &copy);
  if (rc == -ELOOP)
    return tmpl_call_errorf(c, "%sthe value nests deeper than %d levels",
                            must ? "" : "deepCopy error: ", TMPL_MAX_NESTING);
  if (rc)
    return rc;
  out->o = copy;
  out->st = TMPL_V_IFACE;
  return 0;
}

TMPL__FN(fn_deep_copy)
{
  return deep_copy(c, argv, out, 0);
}

TMPL__FN(fn_must_deep_copy)
{
  return deep_copy(c, argv, out, 1);
}

/* ---- dig ---- */

/* Go's panic for a failed type assertion x.(T). */
static int assert_panic(struct tmpl_call *c, const struct json_object *o,
                        const char *want)
{
  return tmpl_call_errorf(c,
                          "interface conversion: interface {} is %s, not "
                          "%s",
                          o ? tmpl_val_type_name(o) : "nil", want);
}

static int is_plain_map(const struct json_object *o)
{
  return o && json_object_is_type(o, json_type_object) && !tmpl_val_type(o);
}

static int is_plain_string(const struct json_object *o)
{
  return o && json_object_is_type(o, json_type_string) && !tmpl_val_type(o);
}

TMPL__FN(fn_dig)
{
  if (argc < 3)
    return tmpl_call_errorf(c, "dig needs at least three arguments");
  struct json_object *m = argv[argc - 1].o, *def = argv[argc - 2].o;
  if (!is_plain_map(m))
    return assert_panic(c, m, "map[string]interface {}");
  for (int i = 0; i < argc - 2; i++)
    if (!is_plain_string(argv[i].o))
      return assert_panic(c, argv[i].o, "string");
  for (int i = 0; i < argc - 2; i++) {
    struct json_object *step;
    if (!json_object_object_get_ex(m, json_object_get_string(argv[i].o), &step))
      return tmpl__ret_iface(out, def);
    if (i == argc - 3)
      return tmpl__ret_iface(out, step);
    if (!is_plain_map(step))
      return assert_panic(c, step, "map[string]interface {}");
    m = step;
  }
  return tmpl__ret_iface(out, def);
}

/* ---- merge ---- */

static int merge_map(struct json_object *dst, struct json_object *src,
                     int overwrite, int depth);

struct entry {
  const char *k;
  struct json_object *v;
};

/* src's entries, held: a merge can add keys to a map being iterated when
 * maps share structure. */
static int snapshot(struct json_object *src, struct entry **out, size_t *n)
{
  size_t len = (size_t)json_object_object_length(src), i = 0;
  struct entry *e = malloc((len ? len : 1) * sizeof *e);
  if (!e)
    return -ENOMEM;
  json_object_object_foreach (src, k, v) {
    e[i].k = k;
    e[i++].v = json_object_get(v);
  }
  *out = e;
  *n = i;
  return 0;
}

static int is_map(const struct json_object *o)
{
  return o && tmpl_val_kind(o) == TMPL_KIND_MAP &&
         json_object_is_type(o, json_type_object);
}

/* A new empty slice of v's type (reflect.MakeSlice). */
static struct json_object *empty_like(const struct json_object *v)
{
  const struct tmpl_type *t = tmpl_val_type(v);
  struct json_object *s = json_object_is_type(v, json_type_string)
                              ? json_object_new_string("")
                              : json_object_new_array();
  if (s && t && !t->is_nil)
    tmpl_val_set_type(s, t);
  return s;
}

static int merge_slice(struct json_object *dst, const char *k,
                       struct json_object *sv, struct json_object *dv, int has,
                       int overwrite)
{
  if (overwrite || json_object_object_length(dst) == 0)
    return obj_set(dst, k, json_object_get(sv));
  if (!has || !dv)
    return obj_set(dst, k, empty_like(sv));
  return 0;
}

static int merge_key(struct json_object *dst, const char *k,
                     struct json_object *sv, int overwrite, int depth)
{
  struct json_object *dv = NULL;
  int has = json_object_object_get_ex(dst, k, &dv), rc = 0;
  if (!sv)
    return overwrite ? obj_set(dst, k, NULL) : 0;
  json_object_get(dv); /* the map may drop it while we look */
  enum tmpl_kind sk = tmpl_val_kind(sv);
  if (is_map(sv) && is_map(dv))
    rc = merge_map(dv, sv, overwrite, depth + 1);
  else if (sk == TMPL_KIND_SLICE)
    rc = merge_slice(dst, k, sv, dv, has, overwrite);
  if (!rc && has && !tmpl__empty(dv) &&
      (sk == TMPL_KIND_SLICE || (is_map(sv) && is_map(dv)))) {
    json_object_put(dv);
    return 0;
  }
  if (!rc && (overwrite || !has || tmpl__empty(dv)))
    rc = obj_set(dst, k, json_object_get(sv));
  json_object_put(dv);
  return rc;
}

static int merge_map(struct json_object *dst, struct json_object *src,
                     int overwrite, int depth)
{
  if (depth > TMPL_MAX_NESTING)
    return -EOVERFLOW;
  struct entry *e = NULL;
  size_t n = 0;
  int rc = snapshot(src, &e, &n);
  for (size_t i = 0; !rc && i < n; i++)
    rc = merge_key(dst, e[i].k, e[i].v, overwrite, depth);
  for (size_t i = 0; i < n; i++)
    json_object_put(e[i].v);
  free(e);
  return rc;
}

static int merge(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out, int overwrite, int must)
{
  struct json_object *dst = json_object_get(argv[0].o);
  int rc = 0;
  for (int i = 1; !rc && i < argc; i++) {
    if (!argv[i].o)
      continue;
    if (!dst && !(dst = json_object_new_object()))
      return -ENOMEM;
    rc = merge_map(dst, argv[i].o, overwrite, 0);
  }
  if ((rc == -ELOOP || rc == -EOVERFLOW) && !must) {
    json_object_put(dst);
    return tmpl__ret_str(out, "", 0);
  }
  if (rc == -ELOOP)
    rc = tmpl_call_errorf(c, "the merge would make a map contain itself; "
                             "iop keeps values free of cycles");
  if (rc == -EOVERFLOW)
    rc = tmpl_call_errorf(c, "the values nest deeper than %d levels",
                          TMPL_MAX_NESTING);
  if (rc) {
    json_object_put(dst);
    return rc;
  }
  if (!dst && !(dst = json_object_new_object()))
    return -ENOMEM;
  out->o = dst;
  out->st = TMPL_V_IFACE;
  return 0;
}

TMPL__FN(fn_merge)
{
  return merge(c, argc, argv, out, 0, 0);
}

TMPL__FN(fn_must_merge)
{
  return merge(c, argc, argv, out, 0, 1);
}

TMPL__FN(fn_merge_overwrite)
{
  return merge(c, argc, argv, out, 1, 0);
}

TMPL__FN(fn_must_merge_overwrite)
{
  return merge(c, argc, argv, out, 1, 1);
}

static const struct tmpl_func fns[] = {
    {"deepCopy", fn_deep_copy, "a", NULL},
    {"dict", fn_dict, "a*", NULL},
    {"dig", fn_dig, "a*", NULL},
    {"get", fn_get, "ms", NULL},
    {"hasKey", fn_has_key, "ms", NULL},
    {"keys", fn_keys, "m*", NULL},
    {"merge", fn_merge, "mm*", NULL},
    {"mergeOverwrite", fn_merge_overwrite, "mm*", NULL},
    {"mustDeepCopy", fn_must_deep_copy, "a", NULL},
    {"mustMerge", fn_must_merge, "mm*", NULL},
    {"mustMergeOverwrite", fn_must_merge_overwrite, "mm*", NULL},
    {"omit", fn_omit, "ms*", NULL},
    {"pick", fn_pick, "ms*", NULL},
    {"pluck", fn_pluck, "sm*", NULL},
    {"set", fn_set, "msa", NULL},
    {"unset", fn_unset, "ms", NULL},
    {"values", fn_values, "m", NULL},
};

TMPL__TABLE(tmpl__sprig_dict_fns, fns);
