/* tmpl_sprig internals: what the files of Sprig's and Helm's functions
 * share. Return helpers, Go's conversions (strval, empty, cast), reflection
 * (kinds, DeepEqual), list access that treats []byte as Go does, Unicode
 * classes, and the size ceiling every string builder checks. */
#ifndef IOP_TMPL_SPRIG_INT_H
#define IOP_TMPL_SPRIG_INT_H

#include "tmpl_int.h"

#include <stdint.h>

/* Texts of Go runtime panics that a template shows as
 * "error calling NAME: TEXT". */
#define TMPL__NIL_DEREF                                                        \
  "runtime error: invalid memory address or nil pointer dereference"

/* A function of the registry; not every one reads every parameter. */
#define TMPL__FN(name)                                                         \
  static int name(struct tmpl_call *c __attribute__((unused)),                 \
                  int argc __attribute__((unused)),                            \
                  struct tmpl_value *argv __attribute__((unused)),             \
                  struct tmpl_value *out __attribute__((unused)))

/* ---- Results: each sets *out and returns 0, or -ENOMEM ---- */

/* Takes o (a new reference); NULL means out of memory. */
int tmpl__ret(struct tmpl_value *out, struct json_object *o);
/* Like tmpl__ret, tagged with t. */
int tmpl__ret_typed(struct tmpl_value *out, struct json_object *o,
                    const struct tmpl_type *t);
/* An interface{} result: borrows o (NULL is nil) and keeps a reference. */
int tmpl__ret_iface(struct tmpl_value *out, struct json_object *o);
int tmpl__ret_str(struct tmpl_value *out, const char *s, size_t n);
/* The buffer's bytes as a string; frees b. rc != 0 is passed through. */
int tmpl__ret_buf(struct tmpl_value *out, struct buf *b, int rc);
int tmpl__ret_bool(struct tmpl_value *out, int v);
int tmpl__ret_int(struct tmpl_value *out, int64_t v);   /* Go int */
int tmpl__ret_int64(struct tmpl_value *out, int64_t v); /* int64 */
int tmpl__ret_float(struct tmpl_value *out, double v);

/* ---- Arguments ---- */

/* A string parameter's bytes (never NULL). */
const char *tmpl__str(const struct tmpl_value *v, size_t *n);
/* An int parameter. */
int64_t tmpl__int(const struct tmpl_value *v);

/* Fails unless n bytes fit under the execution's output ceiling, with the
 * message Go's runtime would give for an impossible allocation. */
int tmpl__check_size(struct tmpl_call *c, size_t n);

/* ---- Go's conversions ---- */

/* Sprig's strval: a string or []byte as is, a Stringer's String(), else
 * fmt's %v. */
int tmpl__strval(struct buf *b, struct json_object *o);
/* Sprig's empty: nil, false, 0, "" and empty containers. */
int tmpl__empty(const struct json_object *o);
/* reflect.DeepEqual: same Go types and equal contents. */
int tmpl__deep_equal(const struct json_object *a, const struct json_object *b);
/* reflect.Kind's String(): "int64", "map", "slice", "invalid" for nil. */
const char *tmpl__kind_of(const struct json_object *o);

/* spf13/cast v1.7: ToInt64 and ToFloat64, errors swallowed (0). A float
 * outside int64 converts as amd64 does (the minimum int64). */
int64_t tmpl__to_int64(const struct json_object *o);
double tmpl__to_float64(const struct json_object *o);
/* Go's int64(f) on amd64. */
int64_t tmpl__f2i(double f);

/* ---- Lists as reflect sees them ---- */

/* Whether o's kind is a slice (lists, []string, []int, []byte). */
int tmpl__is_slice(const struct json_object *o);
size_t tmpl__slice_len(const struct json_object *o);
/* Element i as a new reference (a uint8 for []byte; NULL for nil). On
 * ENOMEM for a []byte element, *rc is set. */
struct json_object *tmpl__slice_get(struct json_object *o, size_t i, int *rc);
/* Whether a slice's elements are of a concrete type (they are not
 * interface{}), so an element read from it is not dug out of an
 * interface. */
int tmpl__slice_typed(const struct json_object *o);

/* ---- JSON as Go's encoding/json sees our values ---- */

/* The tree json.Marshal would encode: []byte as base64, nil slices as
 * null, time.Time and semver as their text. A new reference in *out (o
 * itself when nothing changes). -ELOOP past TMPL_MAX_NESTING. */
int tmpl__json_view(struct json_object *o, struct json_object **out);

/* json.Unmarshal (tmpl_json.c) into interface{} (want 0),
 * map[string]interface{} (want '{') or []interface{} (want '['). Returns
 * 0, -EINVAL with Go's message in err (a number out of float64's range
 * decodes as nil, as Go keeps what it could), or -ENOMEM. A null gives
 * *out == NULL. text must be NUL-terminated at n. */
int tmpl__json_decode(const char *text, size_t n, int want,
                      struct json_object **out, char *err, size_t cap);

/* Go's regexp/syntax errors for pattern s (tmpl_resyntax.c): 0, or
 * -EINVAL with "error parsing regexp: CODE: `EXPR`" in err. */
int tmpl__regex_syntax(const char *s, size_t n, char *err, size_t cap);

/* ---- Go's time package (tmpl_time.c) ---- */

struct tmpl__time {
  int64_t sec;   /* unix seconds */
  int32_t nsec;  /* 0..999999999 */
  int32_t off;   /* the zone's offset at that instant, seconds east */
  char zone[16]; /* its abbreviation ("UTC", "CET", "+03") */
  char loc[64];  /* the location ("UTC", "Local", "Europe/Paris"); "" for
                    a fixed zone made by Parse */
  int has_mono;  /* time.Now's monotonic reading (printed as m=+1.2) */
  int64_t mono;
};

/* t in location loc (LoadLocation's names); -ENOENT when unknown. */
int tmpl__time_in(struct tmpl__time *t, const char *loc);
/* Time.Format(layout) */
int tmpl__time_format(struct buf *b, const struct tmpl__time *t,
                      const char *layout, size_t n);
/* time.ParseInLocation(layout, value, time.Local); -EINVAL with Go's
 * message in err. */
int tmpl__time_parse(const char *layout, size_t ln, const char *value,
                     size_t vn, struct tmpl__time *t, char *err, size_t cap);
/* Duration.String() and time.ParseDuration */
int tmpl__duration_string(struct buf *b, int64_t d);
int tmpl__duration_parse(const char *s, size_t n, int64_t *out, char *err,
                         size_t cap);
const char *tmpl__month_name(int m);
const char *tmpl__weekday_name(int d);

/* ---- Unicode (Go's unicode package; exact for Latin-1, glibc's tables
 * above it) ---- */

int tmpl__uni_is_space(uint32_t r);
int tmpl__uni_is_upper(uint32_t r);
int tmpl__uni_is_lower(uint32_t r);
int tmpl__uni_is_title(uint32_t r);
int tmpl__uni_is_letter(uint32_t r);
int tmpl__uni_is_digit(uint32_t r);
int tmpl__uni_is_number(uint32_t r);
int tmpl__uni_is_punct(uint32_t r);
uint32_t tmpl__uni_to_upper(uint32_t r);
uint32_t tmpl__uni_to_lower(uint32_t r);
uint32_t tmpl__uni_to_title(uint32_t r);

/* ---- Randomness (uuidv4, randAlpha, shuffle, ...) ---- */

/* Fills p with n bytes from the kernel's generator. */
int tmpl__random(void *p, size_t n);
/* A uniform integer in [0, n). */
uint64_t tmpl__random_below(uint64_t n);

/* ---- The function tables of each file ---- */

struct tmpl__table {
  const struct tmpl_func *fns;
  size_t n;
};

/* toYaml into b without its last newline; what Go cannot marshal gives
 * "" (tmpl_helm_conv.c). */
int tmpl__helm_to_yaml(struct tmpl_call *c, struct json_object *o,
                       struct buf *b);

extern const struct tmpl__table tmpl__helm_conv_fns;
extern const struct tmpl__table tmpl__sprig_str_fns, tmpl__sprig_case_fns,
    tmpl__sprig_list_fns, tmpl__sprig_dict_fns, tmpl__sprig_num_fns,
    tmpl__sprig_conv_fns, tmpl__sprig_enc_fns, tmpl__sprig_regex_fns,
    tmpl__sprig_semver_fns, tmpl__sprig_date_fns, tmpl__sprig_misc_fns;

#define TMPL__TABLE(name, arr)                                                 \
  const struct tmpl__table name = {arr, sizeof arr / sizeof arr[0]}

#endif
