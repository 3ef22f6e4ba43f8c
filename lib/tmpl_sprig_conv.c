/* tmpl_sprig_conv: Sprig's defaults.go and reflect.go: default, empty,
 * coalesce, all, any, ternary, toJson/toPrettyJson/toRawJson and their
 * must* forms, fromJson/mustFromJson, typeOf/typeIs/typeIsLike/kindOf/
 * kindIs/deepEqual; and the view of a value that Go's json.Marshal
 * encodes, which Helm's toJson and toYaml share. */
#include "tmpl_sprig_int.h"

#include "base64.h"
#include "kjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TMPL__FN(fn_default)
{
  if (argc < 2 || tmpl__empty(argv[1].o))
    return tmpl__ret_iface(out, argv[0].o);
  return tmpl__ret_iface(out, argv[1].o);
}

TMPL__FN(fn_empty)
{
  return tmpl__ret_bool(out, tmpl__empty(argv[0].o));
}

TMPL__FN(fn_coalesce)
{
  for (int i = 0; i < argc; i++)
    if (!tmpl__empty(argv[i].o))
      return tmpl__ret_iface(out, argv[i].o);
  return tmpl__ret_iface(out, NULL);
}

TMPL__FN(fn_all)
{
  for (int i = 0; i < argc; i++)
    if (tmpl__empty(argv[i].o))
      return tmpl__ret_bool(out, 0);
  return tmpl__ret_bool(out, 1);
}

TMPL__FN(fn_any)
{
  for (int i = 0; i < argc; i++)
    if (!tmpl__empty(argv[i].o))
      return tmpl__ret_bool(out, 1);
  return tmpl__ret_bool(out, 0);
}

TMPL__FN(fn_ternary)
{
  return tmpl__ret_iface(out, json_object_get_boolean(argv[2].o) ? argv[0].o
                                                                 : argv[1].o);
}

/* ---- Reflection ---- */

static const char *type_of(const struct json_object *o)
{
  return o ? tmpl_val_type_name(o) : "<nil>";
}

TMPL__FN(fn_type_of)
{
  const char *t = type_of(argv[0].o);
  return tmpl__ret_str(out, t, strlen(t));
}

TMPL__FN(fn_type_is)
{
  return tmpl__ret_bool(
      out, strcmp(json_object_get_string(argv[0].o), type_of(argv[1].o)) == 0);
}

TMPL__FN(fn_type_is_like)
{
  const char *want = json_object_get_string(argv[0].o);
  const char *t = type_of(argv[1].o);
  return tmpl__ret_bool(out, strcmp(want, t) == 0 ||
                                 (t[0] == '*' && strcmp(want, t + 1) == 0));
}

TMPL__FN(fn_kind_of)
{
  const char *k = tmpl__kind_of(argv[0].o);
  return tmpl__ret_str(out, k, strlen(k));
}

TMPL__FN(fn_kind_is)
{
  return tmpl__ret_bool(out, strcmp(json_object_get_string(argv[0].o),
                                    tmpl__kind_of(argv[1].o)) == 0);
}

TMPL__FN(fn_deep_equal)
{
  return tmpl__ret_bool(out, tmpl__deep_equal(argv[0].o, argv[1].o));
}

/* ---- What json.Marshal sees ---- */

static int view_change(struct json_object *o, struct json_object **w,
                       int depth);

/* A copy of container o up to (not including) its child at i or ent. */
static struct json_object *copy_before(struct json_object *o, size_t i,
                                       struct lh_entry *ent)
{
  if (json_object_is_type(o, json_type_array)) {
    struct json_object *c = json_object_new_array_ext((int)i + 1);
    for (size_t j = 0; c && j < i; j++)
      json_object_array_add(c,
                            json_object_get(json_object_array_get_idx(o, j)));
    return c;
  }
  struct json_object *c = json_object_new_object();
  for (struct lh_entry *p = json_object_get_object(o)->head; c && p != ent;
       p = p->next)
    json_object_object_add(
        c, (const char *)lh_entry_k(p),
        json_object_get((struct json_object *)lh_entry_v(p)));
  return c;
}

/* A container's children through view_change: a copy only when one
 * changed (1 and *w), else 0. */
static int view_children(struct json_object *o, struct json_object **w,
                         int depth)
{
  int is_arr = json_object_is_type(o, json_type_array), rc = 0;
  struct json_object *c = NULL;
  size_t i = 0, n = is_arr ? json_object_array_length(o) : 0;
  struct lh_entry *ent = is_arr ? NULL : json_object_get_object(o)->head;
  for (; is_arr ? i < n : ent != NULL; i++, ent = is_arr ? NULL : ent->next) {
    struct json_object *v = is_arr ? json_object_array_get_idx(o, i)
                                   : (struct json_object *)lh_entry_v(ent),
                       *cw = NULL;
    if ((rc = view_change(v, &cw, depth + 1)) < 0)
      break;
    if (rc && !c && !(c = copy_before(o, i, ent))) {
      json_object_put(cw);
      rc = -ENOMEM;
      break;
    }
    if (!rc)
      cw = json_object_get(v);
    if (c && is_arr)
      json_object_array_add(c, cw);
    else if (c)
      json_object_object_add(c, (const char *)lh_entry_k(ent), cw);
    else
      json_object_put(cw);
    rc = 0;
  }
  if (rc < 0) {
    json_object_put(c);
    return rc;
  }
  *w = c;
  return c != NULL;
}

/* What json.Marshal sees of o when that is not o itself: 1 with *w (a new
 * reference; NULL for null), or 0. Plain values cost no reference. */
static int view_change(struct json_object *o, struct json_object **w, int depth)
{
  *w = NULL;
  if (!o)
    return 0;
  if (depth > TMPL_MAX_NESTING)
    return -ELOOP;
  const struct tmpl_type *t = tmpl_val_type(o);
  if (t && t->to_json) {
    int rc = t->to_json(o, w);
    return rc ? rc : 1;
  }
  if (t && t->is_nil)
    return 1;
  if (t == &tmpl_type_bytes) {
    char *s = base64_encode(json_object_get_string(o),
                            (size_t)json_object_get_string_len(o));
    *w = s ? json_object_new_string(s) : NULL;
    free(s);
    return *w ? 1 : -ENOMEM;
  }
  if (json_object_is_type(o, json_type_array) ||
      json_object_is_type(o, json_type_object))
    return view_children(o, w, depth);
  return 0;
}

int tmpl__json_view(struct json_object *o, struct json_object **out)
{
  int rc = view_change(o, out, 0);
  if (rc == 0)
    *out = json_object_get(o);
  return rc < 0 ? rc : 0;
}

/* ---- toJson and friends ---- */

enum json_style { J_PLAIN, J_PRETTY, J_RAW };

/* json.Marshal / MarshalIndent / an Encoder without HTML escaping. On a
 * marshalling error, 1 and Go's message in *msg. */
static int marshal(struct tmpl_call *c, struct json_object *o,
                   enum json_style style, struct buf *b, char *msg, size_t cap)
{
  struct json_object *v;
  buf_init(b, tmpl_call_max_output(c));
  int rc = tmpl__json_view(o, &v);
  if (rc == -ELOOP) {
    snprintf(msg, cap,
             "json: unsupported value: encountered a cycle via "
             "%s",
             tmpl_val_type_name(o));
    return 1;
  }
  if (rc)
    return rc;
  struct err e;
  err_clear(&e);
  int flags = style == J_PRETTY ? KJSON_INDENT
              : style == J_RAW  ? KJSON_NO_HTML_ESCAPE
                                : 0;
  rc = kjson_write(b, v, flags, &e);
  json_object_put(v);
  if (rc == -ENOMEM)
    return rc;
  if (rc == -E2BIG)
    return tmpl__check_size(c, (size_t)-1);
  if (rc) {
    snprintf(msg, cap, "%s", e.msg);
    return 1;
  }
  return 0;
}

/* mode: 0 swallows errors (""), 1 returns them, 2 panics with them (the
 * same text in a template). */
static int to_json(struct tmpl_call *c, struct tmpl_value *argv,
                   struct tmpl_value *out, enum json_style style, int must)
{
  struct buf b;
  char msg[ERR_MSG_MAX];
  int rc = marshal(c, argv[0].o, style, &b, msg, sizeof msg);
  if (rc == 1) {
    buf_free(&b);
    if (must)
      return tmpl_call_errorf(c, "%s", msg);
    return tmpl__ret_str(out, "", 0);
  }
  if (rc) {
    buf_free(&b);
    return rc;
  }
  return tmpl__ret_buf(out, &b, buf_append(&b, "", 0));
}

TMPL__FN(fn_to_json)
{
  return to_json(c, argv, out, J_PLAIN, 0);
}

TMPL__FN(fn_must_to_json)
{
  return to_json(c, argv, out, J_PLAIN, 1);
}

TMPL__FN(fn_to_pretty_json)
{
  return to_json(c, argv, out, J_PRETTY, 0);
}

TMPL__FN(fn_must_to_pretty_json)
{
  return to_json(c, argv, out, J_PRETTY, 1);
}

/* toRawJson panics where toJson would return "". */
TMPL__FN(fn_to_raw_json)
{
  return to_json(c, argv, out, J_RAW, 1);
}

/* Sprig's fromJson (Helm replaces it): any JSON value, errors dropped. */
TMPL__FN(fn_from_json_any)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = tmpl__json_decode(s, n, 0, &v, msg, sizeof msg);
  if (rc == -ENOMEM)
    return rc;
  out->o = v;
  out->st = TMPL_V_IFACE;
  return 0;
}

TMPL__FN(fn_must_from_json)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = tmpl__json_decode(s, n, 0, &v, msg, sizeof msg);
  if (rc == -EINVAL) {
    json_object_put(v);
    return tmpl_call_errorf(c, "%s", msg);
  }
  if (rc)
    return rc;
  out->o = v;
  out->st = TMPL_V_IFACE;
  return 0;
}

static const struct tmpl_func fns[] = {
    {"all", fn_all, "a*", NULL},
    {"any", fn_any, "a*", NULL},
    {"coalesce", fn_coalesce, "a*", NULL},
    {"deepEqual", fn_deep_equal, "aa", NULL},
    {"default", fn_default, "aa*", NULL},
    {"empty", fn_empty, "a", NULL},
    {"fromJson", fn_from_json_any, "s", NULL},
    {"kindIs", fn_kind_is, "sa", NULL},
    {"kindOf", fn_kind_of, "a", NULL},
    {"mustFromJson", fn_must_from_json, "s", NULL},
    {"mustToJson", fn_must_to_json, "a", NULL},
    {"mustToPrettyJson", fn_must_to_pretty_json, "a", NULL},
    {"mustToRawJson", fn_to_raw_json, "a", NULL},
    {"ternary", fn_ternary, "aab", NULL},
    {"toJson", fn_to_json, "a", NULL},
    {"toPrettyJson", fn_to_pretty_json, "a", NULL},
    {"toRawJson", fn_to_raw_json, "a", NULL},
    {"typeIs", fn_type_is, "sa", NULL},
    {"typeIsLike", fn_type_is_like, "sa", NULL},
    {"typeOf", fn_type_of, "a", NULL},
};

TMPL__TABLE(tmpl__sprig_conv_fns, fns);
