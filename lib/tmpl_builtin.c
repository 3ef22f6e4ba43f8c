/* tmpl_builtin: Go's predefined template functions (funcs.go): and, or,
 * not, len, index, slice, eq/ne/lt/le/gt/ge, print/printf/println, html,
 * js, urlquery, call. They take reflect.Value-like arguments ('v'), so they
 * see "no value" and nil interfaces exactly as Go's do. */
#include "tmpl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static struct tmpl_value unwrap(const struct tmpl_value *v)
{
  if (v->st == TMPL_V_IFACE && !v->o)
    return (struct tmpl_value){NULL, TMPL_V_INVALID};
  struct tmpl_value r = {v->o, v->o ? TMPL_V_CONCRETE : v->st};
  return r;
}

static int ret_new(struct tmpl_value *out, struct json_object *o)
{
  if (!o)
    return -ENOMEM;
  out->o = o;
  out->st = TMPL_V_CONCRETE;
  return 0;
}

static int ret_bool(struct tmpl_value *out, int b)
{
  return ret_new(out, json_object_new_boolean(b));
}

static int ret_buf(struct tmpl_value *out, struct buf *b, int rc)
{
  if (!rc)
    rc = ret_new(
        out, json_object_new_string_len(b->data ? b->data : "", (int)b->len));
  buf_free(b);
  return rc;
}

/* and/or short-circuit inside the executor; these never run. */
static int fn_unreachable(struct tmpl_call *c, int argc,
                          struct tmpl_value *argv, struct tmpl_value *out)
{
  (void)argc;
  (void)argv;
  (void)out;
  return tmpl_call_errorf(c, "unreachable");
}

static int fn_not(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)c;
  (void)argc;
  struct tmpl_value v = unwrap(&argv[0]);
  return ret_bool(out, !(v.st != TMPL_V_INVALID && tmpl_val_truth(v.o)));
}

static int fn_len(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)argc;
  struct tmpl_value v = argv[0];
  if (v.st == TMPL_V_IFACE && !v.o)
    return tmpl_call_errorf(c, "len of nil pointer");
  if (v.st == TMPL_V_INVALID)
    return tmpl_call_errorf(c, "reflect: call of reflect.Value.Type on zero "
                               "Value");
  switch (tmpl_val_kind(v.o)) {
  case TMPL_KIND_STRING:
    return ret_new(out, tmpl_val_int(json_object_get_string_len(v.o)));
  case TMPL_KIND_SLICE:
    if (json_object_is_type(v.o, json_type_string))
      return ret_new(out, tmpl_val_int(json_object_get_string_len(v.o)));
    return ret_new(out, tmpl_val_int((int64_t)json_object_array_length(v.o)));
  case TMPL_KIND_MAP:
    return ret_new(out, tmpl_val_int(json_object_object_length(v.o)));
  default: {
    const char *t = tmpl_val_type_name(v.o);
    if (tmpl_val_kind(v.o) == TMPL_KIND_PTR && t[0] == '*')
      t++;
    return tmpl_call_errorf(c, "len of type %s", t);
  }
  }
}

static int is_intlike(const struct json_object *o)
{
  enum tmpl_kind k = tmpl_val_kind(o);
  return o && (k == TMPL_KIND_INT || k == TMPL_KIND_UINT);
}

/* Go's indexArg: an integer index within [0, cap]. */
static int index_arg(struct tmpl_call *c, const struct tmpl_value *idx,
                     size_t cap, size_t *out)
{
  *out = 0;
  struct tmpl_value i = unwrap(idx);
  if (i.st == TMPL_V_INVALID)
    return tmpl_call_errorf(c, "cannot index slice/array with nil");
  if (!is_intlike(i.o))
    return tmpl_call_errorf(c, "cannot index slice/array with type %s",
                            tmpl_val_type_name(i.o));
  int64_t x = json_object_get_int64(i.o);
  if (x < 0 || (uint64_t)x > cap)
    return tmpl_call_errorf(c, "index out of range: %lld", (long long)x);
  *out = (size_t)x;
  return 0;
}

static int index_seq(struct tmpl_call *c, struct tmpl_value *item,
                     const struct tmpl_value *idx)
{
  struct json_object *o = item->o;
  int is_str = json_object_is_type(o, json_type_string);
  size_t len = is_str ? (size_t)json_object_get_string_len(o)
                      : json_object_array_length(o);
  size_t x;
  int rc = index_arg(c, idx, len, &x);
  if (rc)
    return rc;
  if (x == len)
    return tmpl_call_errorf(
        c, "reflect: %s index out of range",
        is_str && tmpl_val_kind(o) == TMPL_KIND_STRING ? "string" : "slice");
  struct json_object *e;
  if (is_str) {
    e = json_object_new_int64((unsigned char)json_object_get_string(o)[x]);
    if (!e)
      return -ENOMEM;
    tmpl_val_set_type(e, &tmpl_type_uint8);
    *item = (struct tmpl_value){e, TMPL_V_CONCRETE};
    json_object_put(o);
    return 0;
  }
  e = json_object_array_get_idx(o, x);
  const struct tmpl_type *t = tmpl_val_type(o);
  *item = (struct tmpl_value){
      json_object_get(e), t && t->elem_name ? TMPL_V_CONCRETE : TMPL_V_IFACE};
  json_object_put(o);
  return 0;
}

static int index_map(struct tmpl_call *c, struct tmpl_value *item,
                     const struct tmpl_value *idx)
{
  struct tmpl_value k = unwrap(idx);
  if (k.st == TMPL_V_INVALID)
    return tmpl_call_errorf(c, "value is nil; should be of type string");
  if (tmpl_val_kind(k.o) != TMPL_KIND_STRING)
    return tmpl_call_errorf(c, "value has type %s; should be string",
                            tmpl_val_type_name(k.o));
  struct json_object *m = item->o, *v;
  if (json_object_object_get_ex(m, json_object_get_string(k.o), &v)) {
    const struct tmpl_type *t = tmpl_val_type(m);
    *item = (struct tmpl_value){
        json_object_get(v), t && t->elem_name ? TMPL_V_CONCRETE : TMPL_V_IFACE};
  } else {
    struct json_object *z = tmpl__zero_elem(m);
    *item = (struct tmpl_value){z, z ? TMPL_V_CONCRETE : TMPL_V_IFACE};
  }
  json_object_put(m);
  return 0;
}

static int fn_index(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                    struct tmpl_value *out)
{
  struct tmpl_value item = unwrap(&argv[0]);
  if (item.st == TMPL_V_INVALID)
    return tmpl_call_errorf(c, "index of untyped nil");
  json_object_get(item.o);
  for (int i = 1; i < argc; i++) {
    if (!item.o) {
      json_object_put(item.o);
      return tmpl_call_errorf(c, "index of nil pointer");
    }
    int rc;
    switch (tmpl_val_kind(item.o)) {
    case TMPL_KIND_STRING:
    case TMPL_KIND_SLICE:
      rc = index_seq(c, &item, &argv[i]);
      break;
    case TMPL_KIND_MAP:
      rc = index_map(c, &item, &argv[i]);
      break;
    default:
      rc = tmpl_call_errorf(c, "can't index item of type %s",
                            tmpl_val_type_name(item.o));
      break;
    }
    if (rc) {
      json_object_put(item.o);
      return rc;
    }
  }
  *out = item;
  return 0;
}

static int slice_bounds(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                        size_t len, size_t idx[3])
{
  idx[0] = 0;
  idx[1] = len;
  idx[2] = len;
  for (int i = 1; i < argc; i++) {
    int rc = index_arg(c, &argv[i], len, &idx[i - 1]);
    if (rc)
      return rc;
  }
  if (idx[0] > idx[1])
    return tmpl_call_errorf(c, "invalid slice index: %zu > %zu", idx[0],
                            idx[1]);
  if (argc == 4 && idx[1] > idx[2])
    return tmpl_call_errorf(c, "invalid slice index: %zu > %zu", idx[1],
                            idx[2]);
  return 0;
}

static int fn_slice(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                    struct tmpl_value *out)
{
  struct tmpl_value item = unwrap(&argv[0]);
  if (item.st == TMPL_V_INVALID)
    return tmpl_call_errorf(c, "slice of untyped nil");
  if (argc - 1 > 3)
    return tmpl_call_errorf(c, "too many slice indexes: %d", argc - 1);
  struct json_object *o = item.o;
  enum tmpl_kind k = tmpl_val_kind(o);
  int is_str = json_object_is_type(o, json_type_string);
  if (k == TMPL_KIND_STRING && argc == 4)
    return tmpl_call_errorf(c, "cannot 3-index slice a string");
  if (k != TMPL_KIND_STRING && k != TMPL_KIND_SLICE)
    return tmpl_call_errorf(c, "can't slice item of type %s",
                            tmpl_val_type_name(o));
  size_t len = is_str ? (size_t)json_object_get_string_len(o)
                      : json_object_array_length(o);
  size_t idx[3];
  int rc = slice_bounds(c, argc, argv, len, idx);
  if (rc)
    return rc;
  struct json_object *r;
  if (is_str) {
    r = json_object_new_string_len(json_object_get_string(o) + idx[0],
                                   (int)(idx[1] - idx[0]));
  } else {
    r = json_object_new_array();
    for (size_t i = idx[0]; r && i < idx[1]; i++)
      json_object_array_add(r,
                            json_object_get(json_object_array_get_idx(o, i)));
  }
  if (!r)
    return -ENOMEM;
  if (tmpl_val_type(o))
    tmpl_val_set_type(r, tmpl_val_type(o));
  return ret_new(out, r);
}

/* ---- Comparison ---- */

enum basic { B_INVALID, B_BOOL, B_INT, B_UINT, B_FLOAT, B_STRING };

static enum basic basic_kind(const struct tmpl_value *v)
{
  if (v->st == TMPL_V_INVALID)
    return B_INVALID;
  switch (tmpl_val_kind(v->o)) {
  case TMPL_KIND_BOOL:
    return B_BOOL;
  case TMPL_KIND_INT:
    return B_INT;
  case TMPL_KIND_UINT:
    return B_UINT;
  case TMPL_KIND_FLOAT:
    return B_FLOAT;
  case TMPL_KIND_STRING:
    return B_STRING;
  default:
    return B_INVALID;
  }
}

static int str_cmp(const struct json_object *a, const struct json_object *b)
{
  size_t la = (size_t)json_object_get_string_len(a);
  size_t lb = (size_t)json_object_get_string_len(b);
  int r = memcmp(json_object_get_string((struct json_object *)a),
                 json_object_get_string((struct json_object *)b),
                 la < lb ? la : lb);
  return r ? r : (la > lb) - (la < lb);
}

static int value_text(struct buf *b, const struct tmpl_value *v)
{
  return tmpl_sprint(b, 1, v);
}

/* Equality of two values of the same non-basic kind (maps, slices,
 * structs): nil-ness, then Go's == which maps and slices do not support. */
static int eq_other(struct tmpl_call *c, const struct tmpl_value *a,
                    const struct tmpl_value *b, int *truth)
{
  int na = a->st == TMPL_V_INVALID, nb = b->st == TMPL_V_INVALID;
  if (!na && !nb && tmpl_val_kind(a->o) != tmpl_val_kind(b->o)) {
    struct buf x, y;
    buf_init(&x, 512);
    buf_init(&y, 512);
    value_text(&x, a);
    value_text(&y, b);
    int rc = tmpl_call_errorf(c, "non-comparable types %s: %s, %s: %s",
                              x.data ? x.data : "", tmpl_val_type_name(a->o),
                              tmpl_val_type_name(b->o), y.data ? y.data : "");
    buf_free(&x);
    buf_free(&y);
    return rc;
  }
  if (na || nb) {
    *truth = na == nb;
    return 0;
  }
  enum tmpl_kind k = tmpl_val_kind(b->o);
  if (k == TMPL_KIND_MAP || k == TMPL_KIND_SLICE || k == TMPL_KIND_FUNC) {
    struct buf y;
    buf_init(&y, 512);
    value_text(&y, b);
    int rc = tmpl_call_errorf(c, "non-comparable type %s: %s",
                              y.data ? y.data : "", tmpl_val_type_name(b->o));
    buf_free(&y);
    return rc;
  }
  *truth = a->o == b->o || json_object_equal(a->o, b->o);
  return 0;
}

static int eq2(struct tmpl_call *c, const struct tmpl_value *a, enum basic k1,
               const struct tmpl_value *b, int *truth)
{
  enum basic k2 = basic_kind(b);
  *truth = 0;
  if (k1 != k2) {
    if ((k1 == B_INT && k2 == B_UINT) || (k1 == B_UINT && k2 == B_INT))
      *truth = json_object_get_int64(a->o) >= 0 &&
               json_object_get_int64(a->o) == json_object_get_int64(b->o);
    else if (a->st != TMPL_V_INVALID && b->st != TMPL_V_INVALID)
      return tmpl_call_errorf(c, "incompatible types for comparison");
    return 0;
  }
  switch (k1) {
  case B_BOOL:
    *truth = json_object_get_boolean(a->o) == json_object_get_boolean(b->o);
    return 0;
  case B_INT:
  case B_UINT:
    *truth = json_object_get_int64(a->o) == json_object_get_int64(b->o);
    return 0;
  case B_FLOAT:
    *truth = json_object_get_double(a->o) == json_object_get_double(b->o);
    return 0;
  case B_STRING:
    *truth = str_cmp(a->o, b->o) == 0;
    return 0;
  default:
    return eq_other(c, a, b, truth);
  }
}

static int eq_values(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                     int *truth)
{
  struct tmpl_value a = unwrap(&argv[0]);
  if (argc < 2)
    return tmpl_call_errorf(c, "missing argument for comparison");
  enum basic k1 = basic_kind(&a);
  for (int i = 1; i < argc; i++) {
    struct tmpl_value b = unwrap(&argv[i]);
    int rc = eq2(c, &a, k1, &b, truth);
    if (rc || *truth)
      return rc;
  }
  return 0;
}

static int fn_eq(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  int t = 0;
  int rc = eq_values(c, argc, argv, &t);
  return rc ? rc : ret_bool(out, t);
}

static int fn_ne(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  int t = 0;
  int rc = eq_values(c, argc, argv, &t);
  return rc ? rc : ret_bool(out, !t);
}

static int less(struct tmpl_call *c, struct tmpl_value *argv, int *truth)
{
  *truth = 0;
  struct tmpl_value a = unwrap(&argv[0]), b = unwrap(&argv[1]);
  enum basic k1 = basic_kind(&a), k2 = basic_kind(&b);
  if (k1 == B_INVALID || k2 == B_INVALID)
    return tmpl_call_errorf(c, "invalid type for comparison");
  if (k1 != k2) {
    int64_t x = json_object_get_int64(a.o), y = json_object_get_int64(b.o);
    if (k1 == B_INT && k2 == B_UINT)
      *truth = x < 0 || x < y;
    else if (k1 == B_UINT && k2 == B_INT)
      *truth = y >= 0 && x < y;
    else
      return tmpl_call_errorf(c, "incompatible types for comparison");
    return 0;
  }
  switch (k1) {
  case B_FLOAT:
    *truth = json_object_get_double(a.o) < json_object_get_double(b.o);
    return 0;
  case B_INT:
  case B_UINT:
    *truth = json_object_get_int64(a.o) < json_object_get_int64(b.o);
    return 0;
  case B_STRING:
    *truth = str_cmp(a.o, b.o) < 0;
    return 0;
  default:
    return tmpl_call_errorf(c, "invalid type for comparison");
  }
}

static int fn_lt(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  int t = 0;
  int rc = less(c, argv, &t);
  return rc ? rc : ret_bool(out, t);
}

static int less_equal(struct tmpl_call *c, struct tmpl_value *argv, int *t)
{
  int rc = less(c, argv, t);
  if (rc || *t)
    return rc;
  return eq_values(c, 2, argv, t);
}

static int fn_le(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  int t = 0;
  int rc = less_equal(c, argv, &t);
  return rc ? rc : ret_bool(out, t);
}

static int fn_gt(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  int t = 0;
  int rc = less_equal(c, argv, &t);
  return rc ? rc : ret_bool(out, !t);
}

static int fn_ge(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  int t = 0;
  int rc = less(c, argv, &t);
  return rc ? rc : ret_bool(out, !t);
}

/* ---- Printing and escaping ---- */

static int fn_print(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                    struct tmpl_value *out)
{
  (void)c;
  struct buf b;
  buf_init(&b, 0);
  return ret_buf(out, &b, tmpl_sprint(&b, argc, argv));
}

static int fn_println(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                      struct tmpl_value *out)
{
  (void)c;
  struct buf b;
  buf_init(&b, 0);
  return ret_buf(out, &b, tmpl_sprintln(&b, argc, argv));
}

static int fn_printf(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                     struct tmpl_value *out)
{
  (void)c;
  struct buf b;
  buf_init(&b, 0);
  const char *f = json_object_get_string(argv[0].o);
  size_t n = (size_t)json_object_get_string_len(argv[0].o);
  return ret_buf(out, &b, tmpl_sprintf(&b, f, n, argc - 1, argv + 1));
}

/* Go's evalArgs: one string as is, else Sprint with nils as <no value>. */
static int eval_args_text(int argc, struct tmpl_value *argv, struct buf *b)
{
  if (argc == 1 && argv[0].o && tmpl_val_kind(argv[0].o) == TMPL_KIND_STRING)
    return buf_append(b, json_object_get_string(argv[0].o),
                      (size_t)json_object_get_string_len(argv[0].o));
  struct json_object *nv = json_object_new_string("<no value>");
  if (!nv)
    return -ENOMEM;
  struct tmpl_value small[16];
  struct tmpl_value *args =
      argc <= 16 ? small : calloc((size_t)argc, sizeof *args);
  int rc = -ENOMEM;
  if (args) {
    for (int i = 0; i < argc; i++)
      args[i] = argv[i].o ? argv[i] : (struct tmpl_value){nv, TMPL_V_CONCRETE};
    rc = tmpl_sprint(b, argc, args);
    if (args != small)
      free(args);
  }
  json_object_put(nv);
  return rc ? rc : buf_append(b, "", 0);
}

static int html_escape(struct buf *o, const char *s, size_t n)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    switch (s[i]) {
    case '\0':
      rc = buf_puts(o, "\xef\xbf\xbd");
      break;
    case '"':
      rc = buf_puts(o, "&#34;");
      break;
    case '\'':
      rc = buf_puts(o, "&#39;");
      break;
    case '&':
      rc = buf_puts(o, "&amp;");
      break;
    case '<':
      rc = buf_puts(o, "&lt;");
      break;
    case '>':
      rc = buf_puts(o, "&gt;");
      break;
    default:
      rc = buf_putc(o, s[i]);
      break;
    }
  }
  return rc ? rc : buf_append(o, "", 0);
}

static int js_escape(struct buf *o, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  int rc = 0;
  for (size_t i = 0; !rc && i < n;) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x80) {
      uint32_t r;
      size_t w = tmpl__utf8_decode((const unsigned char *)s + i, n - i, &r);
      rc = tmpl__is_print(r) ? buf_append(o, s + i, w)
                             : buf_printf(o, "\\u%04X", (unsigned)r);
      i += w;
      continue;
    }
    switch (ch) {
    case '\\':
      rc = buf_puts(o, "\\\\");
      break;
    case '\'':
      rc = buf_puts(o, "\\'");
      break;
    case '"':
      rc = buf_puts(o, "\\\"");
      break;
    case '<':
      rc = buf_puts(o, "\\u003C");
      break;
    case '>':
      rc = buf_puts(o, "\\u003E");
      break;
    case '&':
      rc = buf_puts(o, "\\u0026");
      break;
    case '=':
      rc = buf_puts(o, "\\u003D");
      break;
    default:
      if (ch < ' ')
        rc = buf_printf(o, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
      else
        rc = buf_putc(o, (char)ch);
    }
    i++;
  }
  return rc ? rc : buf_append(o, "", 0);
}

/* url.QueryEscape */
static int query_escape(struct buf *o, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
        ch == '~')
      rc = buf_putc(o, (char)ch);
    else if (ch == ' ')
      rc = buf_putc(o, '+');
    else
      rc = buf_printf(o, "%%%c%c", hex[ch >> 4], hex[ch & 15]);
  }
  return rc ? rc : buf_append(o, "", 0);
}

static int escaper(int argc, struct tmpl_value *argv, struct tmpl_value *out,
                   int (*esc)(struct buf *, const char *, size_t))
{
  struct buf in, b;
  buf_init(&in, 0);
  buf_init(&b, 0);
  int rc = eval_args_text(argc, argv, &in);
  if (!rc)
    rc = esc(&b, in.data ? in.data : "", in.len);
  buf_free(&in);
  return ret_buf(out, &b, rc);
}

static int fn_html(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                   struct tmpl_value *out)
{
  (void)c;
  return escaper(argc, argv, out, html_escape);
}

static int fn_js(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)c;
  return escaper(argc, argv, out, js_escape);
}

static int fn_urlquery(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out)
{
  (void)c;
  return escaper(argc, argv, out, query_escape);
}

const struct tmpl_func tmpl__builtin_and = {"and", fn_unreachable, "vv*", NULL};
const struct tmpl_func tmpl__builtin_or = {"or", fn_unreachable, "vv*", NULL};

static const struct tmpl_func builtins[] = {
    {"call", fn_unreachable, "vv*", NULL},
    {"eq", fn_eq, "vv*", NULL},
    {"ge", fn_ge, "vv", NULL},
    {"gt", fn_gt, "vv", NULL},
    {"html", fn_html, "a*", NULL},
    {"index", fn_index, "vv*", NULL},
    {"js", fn_js, "a*", NULL},
    {"le", fn_le, "vv", NULL},
    {"len", fn_len, "v", NULL},
    {"lt", fn_lt, "vv", NULL},
    {"ne", fn_ne, "vv", NULL},
    {"not", fn_not, "v", NULL},
    {"print", fn_print, "a*", NULL},
    {"printf", fn_printf, "sa*", NULL},
    {"println", fn_println, "a*", NULL},
    {"slice", fn_slice, "vv*", NULL},
    {"urlquery", fn_urlquery, "a*", NULL},
};

const struct tmpl_func *tmpl__builtin(const char *name)
{
  if (strcmp(name, "and") == 0)
    return &tmpl__builtin_and;
  if (strcmp(name, "or") == 0)
    return &tmpl__builtin_or;
  size_t lo = 0, hi = sizeof builtins / sizeof builtins[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, builtins[mid].name);
    if (c == 0)
      return &builtins[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}
