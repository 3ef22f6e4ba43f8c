/* tmpl_sprig: the registry of Sprig's functions and the helpers their
 * files share (results, Go's strval/empty/DeepEqual/kinds, spf13/cast,
 * slices as reflect sees them). The functions live in tmpl_sprig_*.c, one
 * Sprig source file's worth each. */
#include "tmpl_sprig.h"
#include "tmpl_sprig_int.h"

#include "gonum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Results ---- */

int tmpl__ret(struct tmpl_value *out, struct json_object *o)
{
  if (!o)
    return -ENOMEM;
  out->o = o;
  out->st = TMPL_V_CONCRETE;
  return 0;
}

int tmpl__ret_typed(struct tmpl_value *out, struct json_object *o,
                    const struct tmpl_type *t)
{
  if (o && t)
    tmpl_val_set_type(o, t);
  return tmpl__ret(out, o);
}

int tmpl__ret_iface(struct tmpl_value *out, struct json_object *o)
{
  out->o = json_object_get(o);
  out->st = TMPL_V_IFACE;
  return 0;
}

int tmpl__ret_str(struct tmpl_value *out, const char *s, size_t n)
{
  return tmpl__ret(out, json_object_new_string_len(s, (int)n));
}

int tmpl__ret_buf(struct tmpl_value *out, struct buf *b, int rc)
{
  if (!rc)
    rc = tmpl__ret_str(out, b->data ? b->data : "", b->len);
  buf_free(b);
  return rc;
}

int tmpl__ret_bool(struct tmpl_value *out, int v)
{
  return tmpl__ret(out, json_object_new_boolean(v));
}

int tmpl__ret_int(struct tmpl_value *out, int64_t v)
{
  return tmpl__ret(out, tmpl_val_int(v));
}

int tmpl__ret_int64(struct tmpl_value *out, int64_t v)
{
  return tmpl__ret(out, tmpl_val_int64(v));
}

int tmpl__ret_float(struct tmpl_value *out, double v)
{
  return tmpl__ret(out, json_object_new_double(v));
}

/* ---- Arguments ---- */

const char *tmpl__str(const struct tmpl_value *v, size_t *n)
{
  if (!v->o) {
    *n = 0;
    return "";
  }
  *n = (size_t)json_object_get_string_len(v->o);
  return json_object_get_string(v->o);
}

int64_t tmpl__int(const struct tmpl_value *v)
{
  return v->o ? json_object_get_int64(v->o) : 0;
}

int tmpl__check_size(struct tmpl_call *c, size_t n)
{
  size_t max = tmpl_call_max_output(c);
  if (n <= max && n < (size_t)INT32_MAX)
    return 0;
  return tmpl_call_errorf(c,
                          "result of %zu bytes exceeds the limit of %zu "
                          "bytes",
                          n, max < (size_t)INT32_MAX ? max : (size_t)INT32_MAX);
}

/* ---- Go's conversions and reflection ---- */

int tmpl__strval(struct buf *b, struct json_object *o)
{
  enum tmpl_kind k = tmpl_val_kind(o);
  if (o && (k == TMPL_KIND_STRING ||
            (k == TMPL_KIND_SLICE && json_object_is_type(o, json_type_string))))
    return buf_append(b, json_object_get_string(o),
                      (size_t)json_object_get_string_len(o));
  struct tmpl_value v = {o, o ? TMPL_V_CONCRETE : TMPL_V_IFACE};
  return tmpl_sprint(b, 1, &v);
}

int tmpl__empty(const struct json_object *o)
{
  return !tmpl_val_truth(o);
}

const char *tmpl__kind_of(const struct json_object *o)
{
  if (!o)
    return "invalid";
  const struct tmpl_type *t = tmpl_val_type(o);
  enum tmpl_kind k = tmpl_val_kind(o);
  if (t && (k == TMPL_KIND_INT || k == TMPL_KIND_UINT))
    return t->name; /* int64, uint8, uint64 */
  return tmpl__kind_name(k);
}

static int deep_equal(const struct json_object *a, const struct json_object *b,
                      int depth);

static int deep_equal_slices(const struct json_object *a,
                             const struct json_object *b, int depth)
{
  size_t n = json_object_array_length(a);
  if (n != json_object_array_length(b))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!deep_equal(json_object_array_get_idx(a, i),
                    json_object_array_get_idx(b, i), depth + 1))
      return 0;
  return 1;
}

static int deep_equal_maps(const struct json_object *a,
                           const struct json_object *b, int depth)
{
  if (json_object_object_length(a) != json_object_object_length(b))
    return 0;
  json_object_object_foreach ((struct json_object *)a, k, v) {
    struct json_object *w;
    if (!json_object_object_get_ex(b, k, &w) || !deep_equal(v, w, depth + 1))
      return 0;
  }
  return 1;
}

static int deep_equal(const struct json_object *a, const struct json_object *b,
                      int depth)
{
  if (a == b)
    return 1;
  if (!a || !b || depth > TMPL_MAX_NESTING)
    return 0;
  const struct tmpl_type *ta = tmpl_val_type(a), *tb = tmpl_val_type(b);
  if (strcmp(tmpl_val_type_name(a), tmpl_val_type_name(b)) != 0 ||
      (ta && ta->is_nil) != (tb && tb->is_nil))
    return 0;
  switch (json_object_get_type(a)) {
  case json_type_array:
    return deep_equal_slices(a, b, depth);
  case json_type_object:
    return deep_equal_maps(a, b, depth);
  case json_type_double:
    return json_object_get_double(a) == json_object_get_double(b);
  case json_type_string:
    return json_object_get_string_len(a) == json_object_get_string_len(b) &&
           memcmp(json_object_get_string((struct json_object *)a),
                  json_object_get_string((struct json_object *)b),
                  (size_t)json_object_get_string_len(a)) == 0;
  case json_type_boolean:
    return json_object_get_boolean(a) == json_object_get_boolean(b);
  default:
    return json_object_get_int64(a) == json_object_get_int64(b);
  }
}

int tmpl__deep_equal(const struct json_object *a, const struct json_object *b)
{
  return deep_equal(a, b, 0);
}

/* ---- spf13/cast ---- */

int64_t tmpl__f2i(double f)
{
  if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
    return INT64_MIN; /* CVTTSD2SQ's "integer indefinite" */
  return (int64_t)f;
}

/* cast's trimZeroDecimal: "10.00" -> "10"; anything else unchanged. */
static size_t trim_zero_decimal(const char *s, size_t n)
{
  int zero = 0;
  for (size_t i = n; i > 0; i--) {
    if (s[i - 1] == '.') {
      if (zero)
        return i - 1;
    } else if (s[i - 1] == '0') {
      zero = 1;
    } else {
      return n;
    }
  }
  return n;
}

int64_t tmpl__to_int64(const struct json_object *o)
{
  int64_t v = 0;
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_INT:
  case TMPL_KIND_UINT:
    return json_object_get_int64(o);
  case TMPL_KIND_FLOAT:
    return tmpl__f2i(json_object_get_double(o));
  case TMPL_KIND_BOOL:
    return json_object_get_boolean(o) ? 1 : 0;
  case TMPL_KIND_STRING: {
    const char *s = json_object_get_string((struct json_object *)o);
    size_t n = (size_t)json_object_get_string_len(o);
    if (gonum_parse_int(s, trim_zero_decimal(s, n), 0, &v))
      return 0;
    return v;
  }
  default:
    return 0;
  }
}

double tmpl__to_float64(const struct json_object *o)
{
  double f = 0;
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_INT:
  case TMPL_KIND_UINT:
    return (double)json_object_get_int64(o);
  case TMPL_KIND_FLOAT:
    return json_object_get_double(o);
  case TMPL_KIND_BOOL:
    return json_object_get_boolean(o) ? 1 : 0;
  case TMPL_KIND_STRING:
    if (gonum_parse_float(json_object_get_string((struct json_object *)o),
                          (size_t)json_object_get_string_len(o), &f))
      return 0;
    return f;
  default:
    return 0;
  }
}

/* ---- Slices ---- */

int tmpl__is_slice(const struct json_object *o)
{
  return o && tmpl_val_kind(o) == TMPL_KIND_SLICE;
}

size_t tmpl__slice_len(const struct json_object *o)
{
  if (json_object_is_type(o, json_type_string))
    return (size_t)json_object_get_string_len(o);
  return json_object_array_length(o);
}

struct json_object *tmpl__slice_get(struct json_object *o, size_t i, int *rc)
{
  if (!json_object_is_type(o, json_type_string))
    return json_object_get(json_object_array_get_idx(o, i));
  struct json_object *e =
      json_object_new_int64((unsigned char)json_object_get_string(o)[i]);
  if (!e) {
    *rc = -ENOMEM;
    return NULL;
  }
  tmpl_val_set_type(e, &tmpl_type_uint8);
  return e;
}

int tmpl__slice_typed(const struct json_object *o)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  return t && t->elem_name;
}

/* ---- Registration ---- */

static const struct tmpl__table *const tables[] = {
    &tmpl__sprig_str_fns,  &tmpl__sprig_case_fns,  &tmpl__sprig_list_fns,
    &tmpl__sprig_dict_fns, &tmpl__sprig_num_fns,   &tmpl__sprig_conv_fns,
    &tmpl__sprig_enc_fns,  &tmpl__sprig_regex_fns, &tmpl__sprig_semver_fns,
    &tmpl__sprig_date_fns, &tmpl__sprig_misc_fns,
};

int tmpl_sprig_add_funcs(struct tmpl_funcs *f)
{
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    int rc = tmpl_funcs_add(f, tables[i]->fns, tables[i]->n);
    if (rc)
      return rc;
  }
  return 0;
}
