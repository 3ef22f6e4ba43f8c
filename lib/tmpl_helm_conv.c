/* tmpl_helm_conv: the conversions Helm adds to Sprig (pkg/engine/funcs.go):
 * toYaml, fromYaml, fromYamlArray, fromJson, fromJsonArray, toToml, and
 * lookup, which returns an empty map as `helm template` does without a
 * cluster.
 *
 * toYaml is sigs.k8s.io/yaml.Marshal (json.Marshal, then go-yaml v2's
 * printer: lib/yamlout) with one trailing newline cut; errors give "".
 * fromYaml reads the first document with go-yaml v2's YAML 1.1 rules and
 * every number as float64; a failure gives {"Error": "..."}. The type
 * errors read as Helm's; a YAML syntax error is found again with libyaml,
 * of which go-yaml is a port, and worded as go-yaml words it ("yaml: line
 * 3: mapping values are not allowed in this context"); what only lib/kyaml
 * rejects (a null key, too deep a nesting) keeps kyaml's wording. toToml is
 * BurntSushi/toml's encoder for maps, lists and scalars; fromToml and
 * toYamlPretty are not supported (an error). */
#include "tmpl_sprig_int.h"

#include "kyaml.h"
#include "yamlout.h"

#include <yaml.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gonum.h"

/* toYaml without the trailing newline; 1 when Go's Marshal would fail. */
static int to_yaml(struct tmpl_call *c, struct json_object *o, struct buf *b)
{
  struct json_object *v;
  int rc = tmpl__json_view(o, &v);
  if (rc == -ELOOP)
    return 1;
  if (rc)
    return rc;
  struct err e;
  err_clear(&e);
  rc = yamlout_write(b, v, &e);
  json_object_put(v);
  if (rc == -ENOMEM)
    return rc;
  if (rc == -E2BIG)
    return tmpl__check_size(c, (size_t)-1);
  if (rc)
    return 1;
  if (b->len && b->data[b->len - 1] == '\n')
    b->data[--b->len] = '\0';
  return 0;
}

TMPL__FN(fn_to_yaml)
{
  struct buf b;
  buf_init(&b, tmpl_call_max_output(c));
  int rc = to_yaml(c, argv[0].o, &b);
  if (rc == 1) {
    buf_reset(&b);
    rc = 0;
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* For .Files.AsConfig and AsSecrets. */
int tmpl__helm_to_yaml(struct tmpl_call *c, struct json_object *o,
                       struct buf *b)
{
  int rc = to_yaml(c, o, b);
  if (rc == 1) {
    buf_reset(b);
    rc = 0;
  }
  return rc;
}

/* ---- Reading ---- */

static int first_doc_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  *(struct json_object **)data = doc;
  return 1; /* go-yaml's Unmarshal reads the first document only */
}

/* go-yaml v2's parser.fail() for the first error libyaml finds in the
 * first document: 1 with the message, 0 when libyaml finds none. */
static int goyaml_error(const char *s, size_t n, char *msg, size_t cap)
{
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return 0;
  yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
  int failed = 0;
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      failed = 1;
      break;
    }
    yaml_event_type_t t = ev.type;
    yaml_event_delete(&ev);
    if (t == YAML_DOCUMENT_END_EVENT || t == YAML_STREAM_END_EVENT)
      break;
  }
  if (failed) {
    size_t line = p.problem_mark.line
                      ? p.problem_mark.line + (p.error == YAML_SCANNER_ERROR)
                      : p.context_mark.line;
    char where[48] = "";
    if (line)
      snprintf(where, sizeof where, "line %zu: ", line);
    snprintf(msg, cap, "error converting YAML to JSON: yaml: %s%s", where,
             p.problem ? p.problem : "unknown problem parsing YAML content");
  }
  yaml_parser_delete(&p);
  return failed;
}

/* kyaml's message as go-yaml's decoder words it: no "name:line:col: "
 * prefix, and a bad tag names the value's resolved tag. */
static void goyaml_decode_error(const char *kmsg, char *msg, size_t cap)
{
  const char *p = strstr(kmsg, ": "); /* after "fromYaml:1:4" */
  p = strncmp(kmsg, "fromYaml:", 9) == 0 && p ? p + 2 : kmsg;
  static const char pre[] = "cannot decode `";
  const char *end = strncmp(p, pre, sizeof pre - 1) == 0
                        ? strstr(p + sizeof pre - 1, "` as a ")
                        : NULL;
  if (!end) {
    snprintf(msg, cap, "error converting YAML to JSON: yaml: %.1900s", p);
    return;
  }
  static const char *const tags[] = {[KYAML_TAG_STR] = "!!str",
                                     [KYAML_TAG_NULL] = "!!null",
                                     [KYAML_TAG_BOOL] = "!!bool",
                                     [KYAML_TAG_INT] = "!!int",
                                     [KYAML_TAG_UINT] = "!!int",
                                     [KYAML_TAG_FLOAT] = "!!float",
                                     [KYAML_TAG_TIMESTAMP] = "!!timestamp",
                                     [KYAML_TAG_MERGE] = "!!merge"};
  const char *val = p + sizeof pre - 1;
  struct kyaml_scalar sc;
  enum kyaml_tag t = kyaml_resolve(val, (size_t)(end - val), &sc);
  snprintf(msg, cap,
           "error converting YAML to JSON: yaml: cannot decode %s "
           "%.1800s",
           tags[t], val - 1);
}

/* What json.Unmarshal names a value in a type error. */
static const char *json_kind(const struct json_object *o)
{
  switch (json_object_get_type(o)) {
  case json_type_object:
    return "object";
  case json_type_array:
    return "array";
  case json_type_string:
    return "string";
  case json_type_boolean:
    return "bool";
  default:
    return "number";
  }
}

/* sigs.k8s.io/yaml.Unmarshal of text into a map (want '{') or a list
 * ('['): 0 with *out (NULL for null), or 1 with Helm's message in msg. */
static int from_yaml(const char *s, size_t n, int want,
                     struct json_object **out, char *msg, size_t cap)
{
  struct kyaml_opts o = {.name = "fromYaml", .numbers = KYAML_NUMBERS_FLOAT};
  struct err e;
  err_clear(&e);
  *out = NULL;
  int rc = kyaml_parse_each(s, n, &o, first_doc_cb, out, &e);
  if (rc < 0 && rc != -EINVAL && rc != -E2BIG && rc != -ELOOP)
    return rc;
  if (rc < 0) {
    if (!goyaml_error(s, n, msg, cap))
      goyaml_decode_error(e.msg, msg, cap);
    return 1;
  }
  int is_obj = json_object_is_type(*out, json_type_object);
  if (*out &&
      (want == '{' ? !is_obj : !json_object_is_type(*out, json_type_array))) {
    snprintf(msg, cap,
             "error unmarshaling JSON: while decoding JSON: json: "
             "cannot unmarshal %s into Go value of type %s",
             json_kind(*out),
             want == '{' ? "map[string]interface {}" : "[]interface {}");
    json_object_put(*out);
    *out = NULL;
    return 1;
  }
  return 0;
}

static int error_map(struct tmpl_value *out, const char *msg)
{
  struct json_object *m = json_object_new_object();
  struct json_object *s = json_object_new_string(msg);
  if (!m || !s || json_object_object_add(m, "Error", s)) {
    json_object_put(m);
    json_object_put(s);
    return -ENOMEM;
  }
  return tmpl__ret(out, m);
}

static int error_list(struct tmpl_value *out, const char *msg)
{
  struct json_object *a = json_object_new_array();
  struct json_object *s = json_object_new_string(msg);
  if (!a || !s || json_object_array_add(a, s)) {
    json_object_put(a);
    json_object_put(s);
    return -ENOMEM;
  }
  return tmpl__ret(out, a);
}

TMPL__FN(fn_from_yaml)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = from_yaml(s, n, '{', &v, msg, sizeof msg);
  if (rc == 1)
    return error_map(out, msg);
  if (rc)
    return rc;
  return tmpl__ret(out, v ? v : json_object_new_object());
}

TMPL__FN(fn_from_yaml_array)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = from_yaml(s, n, '[', &v, msg, sizeof msg);
  if (rc == 1)
    return error_list(out, msg);
  if (rc)
    return rc;
  return tmpl__ret(out, v ? v : json_object_new_array());
}

/* Helm's fromJson: into a map; "null" leaves a nil map. */
TMPL__FN(fn_from_json)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = tmpl__json_decode(s, n, '{', &v, msg, sizeof msg);
  if (rc == -EINVAL && v) { /* Go keeps what it decoded */
    struct json_object *e = json_object_new_string(msg);
    if (!e || json_object_object_add(v, "Error", e)) {
      json_object_put(e);
      json_object_put(v);
      return -ENOMEM;
    }
    return tmpl__ret(out, v);
  }
  if (rc == -EINVAL)
    return error_map(out, msg);
  if (rc)
    return rc;
  return tmpl__ret(out, v ? v : json_object_new_object());
}

TMPL__FN(fn_from_json_array)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char msg[ERR_MSG_MAX];
  struct json_object *v;
  int rc = tmpl__json_decode(s, n, '[', &v, msg, sizeof msg);
  if (rc == -EINVAL) {
    json_object_put(v);
    return error_list(out, msg);
  }
  if (rc)
    return rc;
  if (!v)
    return tmpl__ret_typed(out, json_object_new_array(), &tmpl_type_nil_list);
  return tmpl__ret(out, v);
}

TMPL__FN(fn_lookup)
{
  return tmpl__ret(out, json_object_new_object());
}

TMPL__FN(fn_unsupported)
{
  return tmpl_call_errorf(c, "%s is not supported by iop", tmpl_call_name(c));
}

/* ---- toToml: BurntSushi/toml v1.4's encoder ---- */

struct toml {
  struct buf *b;
  int written;
  const char *path[TMPL_MAX_NESTING + 1]; /* the key of the table */
  int depth;
  char err[256];
};

static int toml_puts(struct toml *t, const char *s, size_t n)
{
  t->written = 1;
  return buf_append(t->b, s, n);
}

static int toml_newline(struct toml *t)
{
  return t->written ? buf_putc(t->b, '\n') : 0;
}

/* dblQuotedReplacer */
static int toml_quoted(struct toml *t, const char *s, size_t n)
{
  int rc = toml_puts(t, "\"", 1);
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\b' ? "\\b"
                      : c == '\t' ? "\\t"
                      : c == '\n' ? "\\n"
                      : c == '\f' ? "\\f"
                      : c == '\r' ? "\\r"
                                  : NULL;
    if (esc)
      rc = buf_puts(t->b, esc);
    else if (c < 0x20 || c == 0x7f)
      rc = buf_printf(t->b, "\\u%04x", c);
    else
      rc = buf_putc(t->b, (char)c);
  }
  return rc ? rc : buf_putc(t->b, '"');
}

static int bare_key(const char *k)
{
  if (!*k)
    return 0;
  for (; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
          (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
      return 0;
  return 1;
}

static int toml_key(struct toml *t, const char *k)
{
  if (bare_key(k))
    return toml_puts(t, k, strlen(k));
  return toml_quoted(t, k, strlen(k));
}

static int toml_indent(struct toml *t)
{
  int rc = 0;
  for (int i = 1; !rc && i < t->depth; i++)
    rc = toml_puts(t, "  ", 2);
  return rc;
}

enum toml_type { T_NONE, T_SCALAR, T_ARRAY, T_HASH, T_ARRAY_HASH };

static enum toml_type toml_type(struct toml *t, struct json_object *o);

static int is_hash(const struct json_object *o)
{
  enum tmpl_kind k = tmpl_val_kind(o);
  return o && (k == TMPL_KIND_MAP || k == TMPL_KIND_STRUCT);
}

static enum toml_type toml_type(struct toml *t, struct json_object *o)
{
  if (!o)
    return T_NONE;
  if (is_hash(o))
    return T_HASH;
  if (!json_object_is_type(o, json_type_array))
    return T_SCALAR;
  size_t n = json_object_array_length(o);
  int tables = n > 0;
  for (size_t i = 0; i < n; i++) {
    struct json_object *e = json_object_array_get_idx(o, i);
    if (!e) {
      snprintf(t->err, sizeof t->err,
               "toml: cannot encode array with nil "
               "element");
      return T_NONE;
    }
    if (!is_hash(e))
      tables = 0;
  }
  return tables ? T_ARRAY_HASH : T_ARRAY;
}

static int toml_element(struct toml *t, struct json_object *o);
static int toml_map(struct toml *t, struct json_object *m, int inline_);

static int toml_float(struct toml *t, double f)
{
  char s[512];
  if (isnan(f))
    return toml_puts(t, signbit(f) ? "-nan" : "nan", signbit(f) ? 4 : 3);
  if (isinf(f))
    return toml_puts(t, f < 0 ? "-inf" : "inf", f < 0 ? 4 : 3);
  size_t n = gonum_format_float(s, sizeof s, f, 'f', -1, 64);
  int rc = toml_puts(t, s, n);
  return !rc && !strchr(s, '.') ? toml_puts(t, ".0", 2) : rc;
}

static int toml_array(struct toml *t, struct json_object *a)
{
  int rc = toml_puts(t, "[", 1);
  for (size_t i = 0; !rc && i < tmpl__slice_len(a); i++) {
    struct json_object *e = tmpl__slice_get(a, i, &rc);
    if (!rc && i > 0)
      rc = toml_puts(t, ", ", 2);
    if (!rc)
      rc = toml_element(t, e);
    json_object_put(e);
  }
  return rc ? rc : toml_puts(t, "]", 1);
}

static int toml_element(struct toml *t, struct json_object *o)
{
  char s[64];
  if (!o) {
    snprintf(t->err, sizeof t->err,
             "toml: cannot encode array with nil "
             "element");
    return 1;
  }
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_STRING:
    return toml_quoted(t, json_object_get_string(o),
                       (size_t)json_object_get_string_len(o));
  case TMPL_KIND_BOOL:
    return toml_puts(t, json_object_get_boolean(o) ? "true" : "false",
                     json_object_get_boolean(o) ? 4 : 5);
  case TMPL_KIND_INT:
  case TMPL_KIND_UINT:
    snprintf(s, sizeof s, "%lld", (long long)json_object_get_int64(o));
    return toml_puts(t, s, strlen(s));
  case TMPL_KIND_FLOAT:
    return toml_float(t, json_object_get_double(o));
  case TMPL_KIND_SLICE:
    return toml_array(t, o);
  default:
    return toml_map(t, o, 1);
  }
}

static int toml_key_value(struct toml *t, const char *k, struct json_object *v,
                          int inline_)
{
  int rc = inline_ ? 0 : toml_indent(t);
  if (!rc)
    rc = toml_key(t, k);
  if (!rc)
    rc = toml_puts(t, " = ", 3);
  if (!rc)
    rc = toml_element(t, v);
  return rc || inline_ ? rc : toml_newline(t);
}

static int toml_header(struct toml *t, const char *open, const char *close)
{
  int rc = toml_indent(t);
  if (!rc)
    rc = toml_puts(t, open, strlen(open));
  for (int i = 0; !rc && i < t->depth; i++) {
    if (i > 0)
      rc = toml_puts(t, ".", 1);
    if (!rc)
      rc = toml_key(t, t->path[i]);
  }
  if (!rc)
    rc = toml_puts(t, close, strlen(close));
  return rc ? rc : toml_newline(t);
}

static int toml_encode(struct toml *t, const char *k, struct json_object *v);

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of m whose values are tables (sub) or not, sorted. */
static int toml_keys(struct toml *t, struct json_object *m, int sub,
                     const char ***keys, size_t *n)
{
  *keys = malloc(((size_t)json_object_object_length(m) + 1) * sizeof **keys);
  *n = 0;
  if (!*keys)
    return -ENOMEM;
  json_object_object_foreach (m, k, v) {
    enum toml_type tt = toml_type(t, v);
    if (t->err[0])
      return 1;
    if ((tt == T_HASH || tt == T_ARRAY_HASH) == sub)
      (*keys)[(*n)++] = k;
  }
  qsort(*keys, *n, sizeof **keys, cmp_str);
  return 0;
}

static int toml_map_keys(struct toml *t, struct json_object *m, int sub,
                         int inline_, int trail)
{
  const char **keys;
  size_t n;
  int rc = toml_keys(t, m, sub, &keys, &n);
  for (size_t i = 0; !rc && i < n; i++) {
    struct json_object *v = json_object_object_get(m, keys[i]);
    if (!v)
      continue;
    if (inline_) {
      rc = toml_key_value(t, keys[i], v, 1);
      if (!rc && (trail || i != n - 1))
        rc = toml_puts(t, ", ", 2);
    } else {
      rc = toml_encode(t, keys[i], v);
    }
  }
  free(keys);
  return rc;
}

static int toml_map(struct toml *t, struct json_object *m, int inline_)
{
  if (!json_object_is_type(m, json_type_object)) {
    snprintf(t->err, sizeof t->err, "toml: cannot encode a %s",
             tmpl_val_type_name(m));
    return 1;
  }
  const char **keys;
  size_t nsub;
  int rc = toml_keys(t, m, 1, &keys, &nsub);
  free(keys);
  if (!rc && inline_)
    rc = toml_puts(t, "{", 1);
  if (!rc)
    rc = toml_map_keys(t, m, 0, inline_, nsub > 0);
  if (!rc)
    rc = toml_map_keys(t, m, 1, inline_, 0);
  if (!rc && inline_)
    rc = toml_puts(t, "}", 1);
  return rc;
}

static int toml_push(struct toml *t, const char *k)
{
  if (t->depth >= TMPL_MAX_NESTING) {
    snprintf(t->err, sizeof t->err, "toml: nesting deeper than %d levels",
             TMPL_MAX_NESTING);
    return 1;
  }
  t->path[t->depth++] = k;
  return 0;
}

static int toml_table(struct toml *t, const char *k, struct json_object *v)
{
  int rc = toml_push(t, k);
  if (!rc && t->depth == 1)
    rc = toml_newline(t);
  if (!rc)
    rc = toml_header(t, "[", "]");
  if (!rc)
    rc = toml_map(t, v, 0);
  t->depth--;
  return rc;
}

static int toml_array_of_tables(struct toml *t, const char *k,
                                struct json_object *a)
{
  int rc = toml_push(t, k);
  for (size_t i = 0; !rc && i < json_object_array_length(a); i++) {
    rc = toml_newline(t);
    if (!rc)
      rc = toml_header(t, "[[", "]]");
    if (!rc)
      rc = toml_map(t, json_object_array_get_idx(a, i), 0);
  }
  t->depth--;
  return rc;
}

static int toml_encode(struct toml *t, const char *k, struct json_object *v)
{
  enum toml_type tt = toml_type(t, v);
  if (t->err[0])
    return 1;
  if (tt == T_NONE)
    return 0;
  if (tt == T_HASH)
    return toml_table(t, k, v);
  if (tt == T_ARRAY_HASH)
    return toml_array_of_tables(t, k, v);
  t->depth++;
  int rc = toml_key_value(t, k, v, 0);
  t->depth--;
  return rc;
}

TMPL__FN(fn_to_toml)
{
  struct buf b;
  buf_init(&b, tmpl_call_max_output(c));
  struct toml *t = calloc(1, sizeof *t);
  if (!t)
    return -ENOMEM;
  t->b = &b;
  struct json_object *o = argv[0].o;
  int rc;
  if (!o)
    rc = tmpl_call_errorf(c, "reflect: call of reflect.Value.Type on zero "
                             "Value");
  else if (is_hash(o))
    rc = toml_map(t, o, 0);
  else
    rc = toml_element(t, o);
  if (rc == 1) {
    buf_reset(&b);
    rc = buf_puts(&b, t->err);
  }
  free(t);
  if (rc == -E2BIG)
    rc = tmpl__check_size(c, (size_t)-1);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static const struct tmpl_func fns[] = {
    {"fromJson", fn_from_json, "s", NULL},
    {"fromJsonArray", fn_from_json_array, "s", NULL},
    {"fromToml", fn_unsupported, "s", NULL},
    {"fromYaml", fn_from_yaml, "s", NULL},
    {"fromYamlArray", fn_from_yaml_array, "s", NULL},
    {"lookup", fn_lookup, "ssss", NULL},
    {"toToml", fn_to_toml, "a", NULL},
    {"toYaml", fn_to_yaml, "a", NULL},
    {"toYamlPretty", fn_unsupported, "a", NULL},
};

TMPL__TABLE(tmpl__helm_conv_fns, fns);
