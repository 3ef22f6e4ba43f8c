/* iopvalidate: istioctl's IstioOperator validation (see iopvalidate.h).
 *
 * The schema (lib/data/iop-schema.yaml) is read once and compiled into
 * json-c objects: per type, its fields (both protobuf names of a field
 * point at the same type expression; fields of embedded Go structs are
 * copied in, marked with a leading '^'), its protobuf name, or its enum
 * values. A walker then follows the configuration and the schema
 * together, with the decoding rules of whichever decoder istioctl uses at
 * that point: Go's encoding/json, the protobuf JSON decoder (jsonpb), or
 * sigs.k8s.io/yaml's strict decoding. The checks istioctl runs on the
 * decoded values (gateway ports, address syntax, image names, meshConfig's
 * rules) follow, each written after the Go function it mirrors. */
#include "iopvalidate.h"

#include "buf.h"
#include "data.h"
#include "gonum.h"
#include "jobj.h"
#include "kyaml.h"
#include "quantity.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

IOP_DATA(iop_schema_yaml);

/* ---- messages ---- */

static void add_msg(struct iop_validation *v, int warning, char *msg)
{
  char ***list = warning ? &v->warnings : &v->errors;
  int *n = warning ? &v->nwarnings : &v->nerrors;
  char **grown = NULL;
  if (*n < IOPVALIDATE_MAX_MESSAGES)
    grown = realloc(*list, (size_t)(*n + 1) * sizeof **list);
  if (!grown) {
    v->dropped++;
    free(msg);
    return;
  }
  grown[(*n)++] = msg;
  *list = grown;
}

__attribute__((format(printf, 3, 4))) static void
add_fmt(struct iop_validation *v, int warning, const char *fmt, ...)
{
  struct buf b;
  va_list ap;
  buf_init(&b, 0);
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  add_msg(v, warning, buf_take(&b));
}

/* Go's %q for the strings in our messages. */
static void put_quoted(struct buf *b, const char *s)
{
  buf_putc(b, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      buf_printf(b, "\\%c", c);
    else if (c == '\n')
      buf_puts(b, "\\n");
    else if (c == '\t')
      buf_puts(b, "\\t");
    else if (c < 0x20 || c == 0x7f)
      buf_printf(b, "\\x%02x", c);
    else
      buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

static char *quoted(const char *s)
{
  struct buf b;
  buf_init(&b, 0);
  put_quoted(&b, s);
  return buf_take(&b);
}

/* ---- the schema ---- */

static struct json_object *schema_types; /* name -> compiled type */
static char schema_error[ERR_MSG_MAX];
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static const char *const builtin_types[] = {
    "string",   "bool",   "int32",  "int64",    "uint32",
    "uint64",   "float",  "double", "any",      "object",
    "quantity", "intstr", "time",   "duration", NULL};

static int is_builtin(const char *t)
{
  for (int i = 0; builtin_types[i]; i++)
    if (strcmp(builtin_types[i], t) == 0)
      return 1;
  return 0;
}

/* The type a field's expression names, past lists, maps and '@'. */
static const char *base_type(const char *expr)
{
  for (;;) {
    if (*expr == '^' || *expr == '@')
      expr++;
    else if (strncmp(expr, "[]", 2) == 0)
      expr += 2;
    else if (strncmp(expr, "map[string]", 11) == 0)
      expr += 11;
    else
      return expr;
  }
}

/* protoc's JSON name: "a_bc_d" -> "aBcD". */
static char *json_camel(const char *s, size_t n)
{
  char *out = malloc(n + 1), *o = out;
  int under = 0;
  for (size_t i = 0; out && i < n; i++) {
    char c = s[i];
    if (c != '_')
      *o++ = under && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    under = c == '_';
  }
  if (out)
    *o = '\0';
  return out;
}

/* A protobuf field is accepted under its proto name and its JSON name;
 * names maps both to the JSON name. */
static void add_proto_field(struct json_object *fields,
                            struct json_object *names, const char *key,
                            const char *expr)
{
  const char *eq = strchr(key, '=');
  size_t n = eq ? (size_t)(eq - key) : strlen(key);
  char *name = strndup(key, n);
  char *json = eq ? strdup(eq + 1) : json_camel(key, n);
  jobj_set_str(fields, name, expr);
  jobj_set_str(fields, json, expr);
  jobj_set_str(names, name, json);
  jobj_set_str(names, json, json);
  free(name);
  free(json);
}

/* Copies the fields of an embedded Go struct (and of what it embeds) into
 * fields, where the outer struct does not define them: Go promotes them. */
static int add_inline_fields(struct json_object *raw_types,
                             struct json_object *fields, const char *name,
                             int depth)
{
  struct json_object *def = jobj_obj(raw_types, name);
  if (!def || depth > 8) {
    snprintf(schema_error, sizeof schema_error,
             "iop-schema.yaml: cannot inline type %s", name);
    return -EINVAL;
  }
  json_object_object_foreach (def, key, expr) {
    if (strcmp(key, ".inline") == 0) {
      for (size_t i = 0; i < json_object_array_length(expr); i++) {
        const char *in =
            json_object_get_string(json_object_array_get_idx(expr, i));
        if (add_inline_fields(raw_types, fields, in, depth + 1))
          return -EINVAL;
      }
    } else if (key[0] != '.' && !jobj_get(fields, key)) {
      char marked[256];
      snprintf(marked, sizeof marked, "^%s", json_object_get_string(expr));
      jobj_set_str(fields, key, marked);
    }
  }
  return 0;
}

/* A type's definition is sound: an object; an enum has a protobuf name
 * (messages cite it) and names that are strings. */
static int check_definition(const char *name, struct json_object *def)
{
  struct json_object *values = jobj_arr(def, ".enum");
  const char *bad = NULL;
  if (!jobj_is_obj(def))
    bad = "not an object";
  else if (values && !jobj_str(def, ".proto"))
    bad = "an enum without .proto";
  for (size_t i = 0; !bad && values && i < json_object_array_length(values);
       i++)
    if (!jobj_is_str(json_object_array_get_idx(values, i)))
      bad = "an enum value that is not a string";
  if (!bad)
    return 0;
  snprintf(schema_error, sizeof schema_error, "iop-schema.yaml: %s: %s", name,
           bad);
  return -EINVAL;
}

static int compile_type(struct json_object *raw_types, const char *name,
                        struct json_object *def, struct json_object **out)
{
  *out = NULL;
  if (check_definition(name, def))
    return -EINVAL;
  struct json_object *t = json_object_new_object();
  struct json_object *fields = json_object_new_object();
  struct json_object *names = json_object_new_object();
  const char *proto = jobj_str(def, ".proto");
  struct json_object *inl = jobj_arr(def, ".inline");
  int rc = 0;
  if (proto)
    jobj_set_str(t, "proto", proto);
  if (jobj_arr(def, ".enum"))
    jobj_set(t, "enum", json_object_get(jobj_arr(def, ".enum")));
  json_object_object_foreach (def, key, expr) {
    if (key[0] == '.')
      continue;
    if (!jobj_is_str(expr)) {
      snprintf(schema_error, sizeof schema_error,
               "iop-schema.yaml: %s.%s: a type expression must be a string",
               name, key);
      rc = -EINVAL;
    } else if (proto) {
      add_proto_field(fields, names, key, json_object_get_string(expr));
    } else {
      jobj_set_str(fields, key, json_object_get_string(expr));
    }
  }
  for (size_t i = 0; !rc && inl && i < json_object_array_length(inl); i++)
    rc = add_inline_fields(
        raw_types, fields,
        json_object_get_string(json_object_array_get_idx(inl, i)), 0);
  jobj_set(t, "fields", fields);
  jobj_set(t, "names", names);
  *out = t;
  return rc;
}

/* Every field names a type that exists. */
static int check_references(struct json_object *types)
{
  json_object_object_foreach (types, name, t) {
    struct json_object *fields = jobj_obj(t, "fields");
    json_object_object_foreach (fields, key, expr) {
      const char *b = base_type(json_object_get_string(expr));
      if (!is_builtin(b) && !jobj_get(types, b)) {
        snprintf(schema_error, sizeof schema_error,
                 "iop-schema.yaml: %s.%s: unknown type %s", name, key, b);
        return -EINVAL;
      }
    }
  }
  return 0;
}

static void schema_load(void)
{
  struct kyaml_opts o = {.name = "iop-schema.yaml"};
  struct json_object *doc = NULL, *types = json_object_new_object();
  struct err e;
  int rc = kyaml_parse((const char *)iop_data_iop_schema_yaml,
                       iop_data_iop_schema_yaml_len, &o, &doc, &e);
  if (rc)
    snprintf(schema_error, sizeof schema_error, "%s", e.msg);
  struct json_object *raw = jobj_obj(doc, "types");
  if (!rc && !raw) {
    snprintf(schema_error, sizeof schema_error, "iop-schema.yaml: no types");
    rc = -EINVAL;
  }
  if (!rc) {
    json_object_object_foreach (raw, name, def) {
      struct json_object *t = NULL;
      rc = compile_type(raw, name, def, &t);
      if (t)
        jobj_set(types, name, t);
      if (rc)
        break;
    }
  }
  if (!rc)
    rc = check_references(types);
  json_object_put(doc);
  if (rc)
    json_object_put(types);
  else
    schema_types = types;
}

static int schema_get(struct json_object **types, struct err *e)
{
  pthread_once(&schema_once, schema_load);
  if (!schema_types)
    return err_set(e, -EINVAL, "validation schema: %s", schema_error);
  *types = schema_types;
  return 0;
}

/* ---- walking a value against a type ---- */

enum walk_mode {
  WALK_GO,    /* Go's encoding/json: keys match ignoring case */
  WALK_PROTO, /* jsonpb: proto or JSON name; quoted numbers are numbers */
};

/* A free-form object that istioctl decodes once more as a Kubernetes
 * type, after the values decode succeeded. */
struct redecode {
  char *path;
  const char *type;
  struct json_object *value; /* borrowed from the configuration */
};

struct walk {
  struct json_object *types;
  struct iop_validation *out;
  struct buf path;
  const char *prefix;  /* before the path of every error */
  int yaml_strings;    /* sigs.k8s.io/yaml: a number or bool read into a
                          string field becomes its text */
  int unknown_warns;   /* unknown fields are warnings, not errors */
  int nerrors;         /* errors this walk added */
  struct redecode *rd; /* '@' values seen, in document order */
  int nrd;
};

static void walk_init(struct walk *w, struct json_object *types,
                      struct iop_validation *out, const char *prefix,
                      const char *root)
{
  memset(w, 0, sizeof *w);
  w->types = types;
  w->out = out;
  w->prefix = prefix;
  buf_init(&w->path, 0);
  buf_puts(&w->path, root);
}

static void walk_free(struct walk *w)
{
  for (int i = 0; i < w->nrd; i++)
    free(w->rd[i].path);
  free(w->rd);
  buf_free(&w->path);
}

static void path_truncate(struct walk *w, size_t len)
{
  w->path.len = len;
  if (w->path.data)
    w->path.data[len] = '\0';
}

/* ".key", or ["key"] when the key would not read as one path segment. */
static void path_push_key(struct walk *w, const char *key)
{
  if (!*key || strpbrk(key, ".[]\"")) {
    buf_putc(&w->path, '[');
    put_quoted(&w->path, key);
    buf_putc(&w->path, ']');
  } else {
    if (w->path.len)
      buf_putc(&w->path, '.');
    buf_puts(&w->path, key);
  }
}

__attribute__((format(printf, 2, 3))) static void
walk_error(struct walk *w, const char *fmt, ...)
{
  struct buf b;
  va_list ap;
  buf_init(&b, 0);
  buf_puts(&b, w->prefix);
  if (w->path.len)
    buf_printf(&b, "%s: ", w->path.data);
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  w->nerrors++;
  add_msg(w->out, 0, buf_take(&b));
}

/* How Go's json errors name a JSON value's kind. */
static const char *json_kind(struct json_object *v)
{
  switch (json_object_get_type(v)) {
  case json_type_boolean:
    return "bool";
  case json_type_int:
  case json_type_double:
    return "number";
  case json_type_string:
    return "string";
  case json_type_array:
    return "array";
  case json_type_object:
    return "object";
  default:
    return "null";
  }
}

static void type_error(struct walk *w, struct json_object *v, const char *type)
{
  walk_error(w, "json: cannot unmarshal %s into Go value of type %s",
             json_kind(v), type);
}

static int is_number(struct json_object *v)
{
  return json_object_is_type(v, json_type_int) ||
         json_object_is_type(v, json_type_double);
}

/* The number as Go's encoder writes it (what the decoder then reads). */
static void number_text(struct json_object *v, char *out, size_t n)
{
  if (json_object_is_type(v, json_type_int))
    snprintf(out, n, "%lld", (long long)json_object_get_int64(v));
  else
    gonum_format_json_float(out, n, json_object_get_double(v));
}

/* JSON's number grammar. */
static int json_number_ok(const char *s)
{
  if (*s == '-')
    s++;
  if (*s == '0')
    s++;
  else if (*s >= '1' && *s <= '9')
    while (*s >= '0' && *s <= '9')
      s++;
  else
    return 0;
  if (*s == '.') {
    if (!(*++s >= '0' && *s <= '9'))
      return 0;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!(*s >= '0' && *s <= '9'))
      return 0;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  return *s == '\0';
}

/* A protobuf decoder reads "12" as 12 for numeric fields: the text inside
 * the quotes, surrounding blanks ignored. NULL when it is no number. */
static const char *proto_quoted_number(struct json_object *v, char *out,
                                       size_t n)
{
  const char *s = json_object_get_string(v);
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  snprintf(out, n, "%s", s);
  size_t len = strlen(out);
  while (len && strchr(" \t\n\r", out[len - 1]))
    out[--len] = '\0';
  return json_number_ok(out) ? out : NULL;
}

/* Whether the literal fits the integer type as Go's decoder reads it:
 * integral digits only (no fraction, no exponent) and in range. */
static int int_literal_fits(const char *lit, const char *type)
{
  int64_t i;
  uint64_t u;
  size_t n = strlen(lit);
  if (type[0] == 'u') {
    if (gonum_parse_uint(lit, n, 10, &u))
      return 0;
    return strcmp(type, "uint32") != 0 || u <= UINT32_MAX;
  }
  if (gonum_parse_int(lit, n, 10, &i))
    return 0;
  return strcmp(type, "int32") != 0 || (i >= INT32_MIN && i <= INT32_MAX);
}

static void check_int(struct walk *w, const char *type, enum walk_mode mode,
                      struct json_object *v)
{
  char lit[128];
  if (is_number(v)) {
    if (json_object_is_type(v, json_type_double) &&
        !isfinite(json_object_get_double(v))) {
      walk_error(w, "json: unsupported value: %g", json_object_get_double(v));
      return;
    }
    number_text(v, lit, sizeof lit);
  } else if (mode == WALK_PROTO && jobj_is_str(v)) {
    if (!proto_quoted_number(v, lit, sizeof lit)) {
      type_error(w, v, type);
      return;
    }
  } else {
    {
      type_error(w, v, type);
      return;
    }
  }
  if (!int_literal_fits(lit, type))
    walk_error(w, "json: cannot unmarshal number %s into Go value of type %s",
               lit, type);
}

static void check_float(struct walk *w, const char *type, enum walk_mode mode,
                        struct json_object *v)
{
  char lit[128];
  if (is_number(v))
    return;
  if (mode == WALK_PROTO && jobj_is_str(v)) {
    const char *s = json_object_get_string(v);
    if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 ||
        strcmp(s, "-Infinity") == 0 || proto_quoted_number(v, lit, sizeof lit))
      return;
  }
  type_error(w, v, strcmp(type, "float") == 0 ? "float32" : "float64");
}

static void check_quantity(struct walk *w, struct json_object *v)
{
  char text[256], canon[256];
  if (jobj_is_str(v))
    snprintf(text, sizeof text, "%s", json_object_get_string(v));
  else if (is_number(v))
    number_text(v, text, sizeof text);
  else
    snprintf(text, sizeof text, "%s", json_kind(v));
  /* The decoder trims blanks inside the quotes. */
  char *s = text;
  while (*s == ' ' || *s == '\t' || *s == '\n')
    s++;
  size_t n = strlen(s);
  while (n && strchr(" \t\n", s[n - 1]))
    s[--n] = '\0';
  int rc = quantity_canonical(s, canon, sizeof canon);
  if (rc && rc != -E2BIG)
    walk_error(w, "quantities must match the regular expression "
                  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

/* Kubernetes' IntOrString, and Istio's: a string, or else an int32. */
static void check_intstr(struct walk *w, struct json_object *v)
{
  if (!jobj_is_str(v))
    check_int(w, "int32", WALK_GO, v);
}

static int digits(const char *s, int n)
{
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

static int num2(const char *s)
{
  return (s[0] - '0') * 10 + (s[1] - '0');
}

/* time.Parse(time.RFC3339, s), as metav1.Time reads it. */
static int rfc3339_ok(const char *s)
{
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
      s[7] != '-' || !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) ||
      s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
    return 0;
  int year = atoi(s), mon = num2(s + 5), day = num2(s + 8);
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
      (mon == 2 && day == 29 && !leap) || num2(s + 11) > 23 ||
      num2(s + 14) > 59 || num2(s + 17) > 59)
    return 0;
  s += 19;
  if (*s == '.' || *s == ',') {
    if (!(s[1] >= '0' && s[1] <= '9'))
      return 0;
    for (s++; *s >= '0' && *s <= '9'; s++)
      ;
  }
  if (strcmp(s, "Z") == 0)
    return 1;
  return (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) && s[3] == ':' &&
         digits(s + 4, 2) && s[6] == '\0' && num2(s + 1) < 24 &&
         num2(s + 4) < 60;
}

static void check_time(struct walk *w, struct json_object *v)
{
  if (!jobj_is_str(v)) {
    type_error(w, v, "string");
    return;
  }
  if (!rfc3339_ok(json_object_get_string(v))) {
    char *q = quoted(json_object_get_string(v));
    walk_error(w,
               "parsing time %s as \"2006-01-02T15:04:05Z07:00\": not an "
               "RFC 3339 time",
               q);
    free(q);
  }
}

enum duration_status { DUR_OK, DUR_INVALID, DUR_NO_UNIT, DUR_BAD_UNIT };

/* Nanoseconds per unit, 0 for an unknown unit. */
static uint64_t duration_unit(const char *u, size_t n)
{
  static const struct {
    const char *unit;
    uint64_t ns;
  } units[] = {{"ns", 1},
               {"us", 1000},
               {"\xc2\xb5s", 1000},
               {"\xce\xbcs", 1000},
               {"ms", 1000000},
               {"s", 1000000000},
               {"m", 60000000000ULL},
               {"h", 3600000000000ULL}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].unit) == n && strncmp(units[i].unit, u, n) == 0)
      return units[i].ns;
  return 0;
}

/* One "<number><unit>" of a duration: its nanoseconds into *ns, the text
 * after it into *rest, the unit's place into *unit and *ulen. */
static enum duration_status duration_part(const char *s, const char **rest,
                                          uint64_t *ns, const char **unit,
                                          size_t *ulen)
{
  uint64_t v = 0, scale = 1;
  double frac = 0;
  int pre = 0, post = 0;
  if (!(*s == '.' || (*s >= '0' && *s <= '9')))
    return DUR_INVALID;
  for (; *s >= '0' && *s <= '9'; s++, pre = 1) {
    if (v > (UINT64_MAX - 9) / 10)
      return DUR_INVALID;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++, post = 1)
      if (scale < 1000000000000000000ULL)
        frac = frac * 10 + (*s - '0'), scale *= 10;
  if (!pre && !post)
    return DUR_INVALID;
  *unit = s;
  for (*ulen = 0;
       s[*ulen] && s[*ulen] != '.' && !(s[*ulen] >= '0' && s[*ulen] <= '9');)
    ++*ulen;
  if (*ulen == 0)
    return DUR_NO_UNIT;
  uint64_t per = duration_unit(s, *ulen);
  if (!per)
    return DUR_BAD_UNIT;
  if (v > (UINT64_C(1) << 63) / per)
    return DUR_INVALID;
  *ns = v * per + (uint64_t)(frac * (double)per / (double)scale);
  *rest = s + *ulen;
  return DUR_OK;
}

/* Go's time.ParseDuration: the status, the duration into *out; the
 * unknown unit's place into *unit and *ulen. */
static enum duration_status go_parse_duration(const char *s, int64_t *out,
                                              const char **unit, size_t *ulen)
{
  uint64_t total = 0, ns = 0;
  enum duration_status st = DUR_OK;
  int neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  if (!*s)
    st = DUR_INVALID;
  else if (strcmp(s, "0") == 0)
    s += 1; /* "0" alone needs no unit */
  while (st == DUR_OK && *s) {
    st = duration_part(s, &s, &ns, unit, ulen);
    total += ns;
    if (st == DUR_OK &&
        (ns > (UINT64_C(1) << 63) || total > (UINT64_C(1) << 63) ||
         (!neg && total == (UINT64_C(1) << 63))))
      st = DUR_INVALID;
  }
  if (st == DUR_OK)
    *out = neg ? (int64_t)(0 - total) : (int64_t)total;
  return st;
}

static void check_duration(struct walk *w, struct json_object *v)
{
  if (!jobj_is_str(v)) {
    type_error(w, v, "string");
    return;
  }
  const char *orig = json_object_get_string(v), *unit = NULL;
  size_t ulen = 0;
  int64_t ns;
  enum duration_status st = go_parse_duration(orig, &ns, &unit, &ulen);
  if (st == DUR_OK)
    return;
  char *q = quoted(orig), *u = NULL;
  if (st == DUR_BAD_UNIT) {
    char *text = strndup(unit, ulen);
    u = quoted(text);
    free(text);
  }
  walk_error(w, "bad Duration: time: %s%s%s %s",
             st == DUR_INVALID   ? "invalid duration"
             : st == DUR_NO_UNIT ? "missing unit in duration"
                                 : "unknown unit ",
             u ? u : "", u ? " in duration" : "", q);
  free(u);
  free(q);
}

static void check_string(struct walk *w, struct json_object *v)
{
  if (jobj_is_str(v))
    return;
  /* sigs.k8s.io/yaml writes a number or a bool as text when the field
   * it is read into is a string. */
  if (w->yaml_strings &&
      (is_number(v) || json_object_is_type(v, json_type_boolean)))
    return;
  type_error(w, v, "string");
}

static void check_builtin(struct walk *w, const char *t, enum walk_mode mode,
                          struct json_object *v)
{
  if (strcmp(t, "any") == 0)
    return;
  if (strcmp(t, "object") == 0) {
    if (!jobj_is_obj(v))
      type_error(w, v, "object");
  } else if (strcmp(t, "string") == 0) {
    check_string(w, v);
  } else if (strcmp(t, "bool") == 0) {
    if (!json_object_is_type(v, json_type_boolean))
      type_error(w, v, "bool");
  } else if (strstr(t, "int")) {
    if (strcmp(t, "intstr") == 0)
      check_intstr(w, v);
    else
      check_int(w, t, mode, v);
  } else if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
    check_float(w, t, mode, v);
  } else if (strcmp(t, "quantity") == 0) {
    check_quantity(w, v);
  } else if (strcmp(t, "time") == 0) {
    check_time(w, v);
  } else if (strcmp(t, "duration") == 0) {
    check_duration(w, v);
  }
}

static void check_value(struct walk *w, const char *expr, enum walk_mode mode,
                        struct json_object *v, struct json_object *shadow);

static void check_enum(struct walk *w, struct json_object *t,
                       struct json_object *v)
{
  const char *name = jobj_str(t, "proto");
  if (!jobj_is_str(v)) {
    if (json_object_is_type(v, json_type_boolean) || !is_number(v)) {
      type_error(w, v, name);
      return;
    }
    {
      check_int(w, "int32", WALK_PROTO, v);
      return;
    }
  }
  struct json_object *values = jobj_arr(t, "enum");
  for (size_t i = 0; i < json_object_array_length(values); i++)
    if (strcmp(json_object_get_string(json_object_array_get_idx(values, i)),
               json_object_get_string(v)) == 0)
      return;
  /* jsonpb quotes the quoted text. */
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "\"%s\"", json_object_get_string(v));
  char *q = quoted(b.data);
  walk_error(w, "unknown value %s for enum %s", q, name);
  free(q);
  buf_free(&b);
}

/* The field a key selects: its exact name, else (Go) the name that
 * matches ignoring case, as encoding/json falls back to. */
static const char *field_expr(struct json_object *fields, const char *key,
                              int fold)
{
  const char *expr = jobj_str(fields, key);
  if (expr || !fold)
    return expr;
  json_object_object_foreach (fields, name, e) {
    if (strcasecmp(name, key) == 0)
      return json_object_get_string(e);
  }
  return NULL;
}

static void unknown_field(struct walk *w, struct json_object *t,
                          const char *key)
{
  char *q = quoted(key);
  const char *proto = jobj_str(t, "proto");
  if (w->unknown_warns)
    add_fmt(w->out, 1, "%s: unknown field %s in %s (istioctl ignores it)",
            w->path.data, q, proto ? proto : "the schema");
  else if (proto)
    walk_error(w, "unknown field %s in %s", q, proto);
  else
    walk_error(w, "json: unknown field %s", q);
  free(q);
}

static void check_object(struct walk *w, const char *name,
                         struct json_object *t, struct json_object *v,
                         struct json_object *shadow)
{
  const char *proto = jobj_str(t, "proto");
  if (!jobj_is_obj(v)) {
    type_error(w, v, proto ? proto : name);
    return;
  }
  struct json_object *fields = jobj_obj(t, "fields");
  enum walk_mode mode = proto ? WALK_PROTO : WALK_GO;
  json_object_object_foreach (v, key, val) {
    size_t mark = w->path.len;
    const char *expr = field_expr(fields, key, mode == WALK_GO);
    path_push_key(w, key);
    if (!expr)
      unknown_field(w, t, key);
    else
      check_value(w, expr, mode, val, jobj_get(shadow, key));
    path_truncate(w, mark);
  }
}

static void check_list(struct walk *w, const char *expr, enum walk_mode mode,
                       struct json_object *v, struct json_object *shadow)
{
  if (!jobj_is_arr(v)) {
    type_error(w, v, expr);
    return;
  }
  size_t n = json_object_array_length(v);
  size_t ns = jobj_is_arr(shadow) ? json_object_array_length(shadow) : 0;
  for (size_t i = 0; i < n; i++) {
    size_t mark = w->path.len;
    buf_printf(&w->path, "[%zu]", i);
    check_value(w, expr + 2, mode, json_object_array_get_idx(v, i),
                i < ns ? json_object_array_get_idx(shadow, i) : NULL);
    path_truncate(w, mark);
  }
}

static void check_map(struct walk *w, const char *expr, enum walk_mode mode,
                      struct json_object *v, struct json_object *shadow)
{
  if (!jobj_is_obj(v)) {
    type_error(w, v, expr);
    return;
  }
  json_object_object_foreach (v, key, val) {
    size_t mark = w->path.len;
    path_push_key(w, key);
    check_value(w, expr + 11, mode, val, jobj_get(shadow, key));
    path_truncate(w, mark);
  }
}

static void remember_redecode(struct walk *w, const char *type,
                              struct json_object *v)
{
  struct redecode *grown = realloc(w->rd, (size_t)(w->nrd + 1) * sizeof *grown);
  if (!grown)
    return;
  w->rd = grown;
  w->rd[w->nrd].path = strdup(w->path.data);
  w->rd[w->nrd].type = type;
  w->rd[w->nrd].value = v;
  w->nrd++;
}

/* shadow: the same place in another tree whose errors are reported
 * already; an equal subtree there is skipped here (values.meshConfig
 * holds a copy of spec.meshConfig). */
static void check_value(struct walk *w, const char *expr, enum walk_mode mode,
                        struct json_object *v, struct json_object *shadow)
{
  /* null means "unset" to every decoder involved. */
  if (!v || (shadow && jobj_equal(shadow, v)))
    return;
  if (*expr == '^') {
    /* Reached through an embedded struct: sigs.k8s.io/yaml looks such
     * fields up one level too high and converts nothing below them. */
    int saved = w->yaml_strings;
    w->yaml_strings = 0;
    check_value(w, expr + 1, mode, v, shadow);
    w->yaml_strings = saved;
  } else if (strncmp(expr, "[]", 2) == 0) {
    check_list(w, expr, mode, v, shadow);
  } else if (strncmp(expr, "map[string]", 11) == 0) {
    check_map(w, expr, mode, v, shadow);
  } else if (*expr == '@') {
    if (!jobj_is_obj(v))
      type_error(w, v, "structpb.Struct");
    else
      remember_redecode(w, expr + 1, v);
  } else if (is_builtin(expr)) {
    check_builtin(w, expr, mode, v);
  } else {
    struct json_object *t = jobj_obj(w->types, expr);
    if (jobj_arr(t, "enum"))
      check_enum(w, t, v);
    else
      check_object(w, expr, t, v, shadow);
  }
}

/* ---- value lookups, as the typed decode would see them ---- */

/* A protobuf field under its JSON name, else its proto name. */
static struct json_object *pget(struct json_object *o, const char *json,
                                const char *proto)
{
  struct json_object *v = jobj_get(o, json);
  return v || !proto ? v : jobj_get(o, proto);
}

static struct json_object *gateway_values(struct json_object *values,
                                          const char *gw)
{
  char proto[64];
  snprintf(proto, sizeof proto, "%s", gw);
  for (char *p = proto; *p; p++)
    if (*p == '-')
      *p = '_';
  return pget(pget(values, "gateways", NULL), gw, proto);
}

static int is_true(struct json_object *v)
{
  return json_object_is_type(v, json_type_boolean) &&
         json_object_get_boolean(v);
}

/* A number as an integer (truncated, clamped), 0 for anything else. */
static int64_t num_or_zero(struct json_object *v)
{
  double d = is_number(v) ? json_object_get_double(v) : 0;
  if (isnan(d))
    return 0;
  if (d >= 9.2e18 || d <= -9.2e18)
    return d > 0 ? INT64_MAX : INT64_MIN;
  return (int64_t)d;
}

/* ---- istioctl's feature checks ---- */

/* Gateway ports below 1024 need root: a Service port whose target port
 * is unset (so equal to the port) or a number under 1024. */
static void check_gateway_ports(struct iop_validation *out,
                                struct json_object *spec,
                                struct json_object *values, const char *list,
                                const char *gw)
{
  if (is_true(jobj_get(gateway_values(values, gw), "runAsRoot")))
    return;
  struct json_object *gws = jobj_arr(jobj_obj(spec, "components"), list);
  for (size_t i = 0; gws && i < json_object_array_length(gws); i++) {
    struct json_object *g = json_object_array_get_idx(gws, i);
    struct json_object *ports =
        jobj_path(g, "k8s", "service", "ports", (const char *)NULL);
    for (size_t j = 0;
         jobj_is_arr(ports) && j < json_object_array_length(ports); j++) {
      struct json_object *p = json_object_array_get_idx(ports, j);
      struct json_object *tpv = jobj_get(p, "targetPort");
      if (jobj_is_str(tpv))
        continue; /* named ports are not checked */
      int64_t tp = num_or_zero(tpv), port = num_or_zero(jobj_get(p, "port"));
      if ((tp == 0 && port > 1024) || tp >= 1024)
        continue;
      const char *name = jobj_str(p, "name"), *gname = jobj_str(g, "name");
      add_fmt(out, 0,
              "spec.components.%s[%zu].k8s.service.ports[%zu]: port "
              "%s/%lld in gateway %s invalid: targetPort is set to %lld, "
              "which requires root. Set targetPort to be greater than 1024 "
              "or configure values.gateways.%s.runAsRoot=true",
              list, i, j, name ? name : "", (long long)port, gname ? gname : "",
              (long long)tp, gw);
    }
  }
}

/* The same for values.gateways.istio-ingressgateway.ingressPorts. Unlike
 * istioctl, runAsRoot=true (which its message recommends) is honoured. */
static void check_ingress_ports(struct iop_validation *out,
                                struct json_object *values)
{
  struct json_object *gw = gateway_values(values, "istio-ingressgateway");
  struct json_object *ports = jobj_arr(gw, "ingressPorts");
  if (is_true(jobj_get(gw, "runAsRoot")))
    return;
  for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
    struct json_object *p = json_object_array_get_idx(ports, i);
    struct json_object *tpv = jobj_get(p, "targetPort");
    struct json_object *pv = jobj_get(p, "port");
    if ((tpv && !is_number(tpv)) || !is_number(pv))
      continue;
    int64_t tp = num_or_zero(tpv), port = num_or_zero(pv);
    if ((tp == 0 && port > 1024) || tp >= 1024)
      continue;
    add_fmt(out, 0,
            "spec.values.gateways.istio-ingressgateway.ingressPorts"
            "[%zu]: port %lld is invalid: targetPort is set to %lld, which "
            "requires root. Set targetPort to be greater than 1024 or "
            "configure values.gateways.istio-ingressgateway.runAsRoot=true",
            i, (long long)port, (long long)tp);
  }
}

static void check_replicas_gateways(struct iop_validation *out,
                                    struct json_object *spec,
                                    struct json_object *values,
                                    const char *kind)
{
  char list[32], gw[64];
  snprintf(list, sizeof list, "%sGateways", kind);
  snprintf(gw, sizeof gw, "istio-%sgateway", kind);
  if (!is_true(jobj_get(gateway_values(values, gw), "autoscaleEnabled")))
    return;
  struct json_object *gws = jobj_arr(jobj_obj(spec, "components"), list);
  for (size_t i = 0; gws && i < json_object_array_length(gws); i++) {
    struct json_object *rc = jobj_path(json_object_array_get_idx(gws, i), "k8s",
                                       "replicaCount", (const char *)NULL);
    if (num_or_zero(rc) != 0)
      add_fmt(out, 1,
              "spec.components.%s[%zu].k8s.replicaCount should not "
              "be set when values.gateways.%s.autoscaleEnabled is true",
              list, i, gw);
  }
}

/* Warnings: a fixed replica count fights the autoscaler. */
static void check_replicas(struct iop_validation *out, struct json_object *spec,
                           struct json_object *values)
{
  if (!jobj_obj(spec, "components"))
    return;
  struct json_object *rc = jobj_path(spec, "components", "pilot", "k8s",
                                     "replicaCount", (const char *)NULL);
  if (is_true(jobj_get(jobj_get(values, "pilot"), "autoscaleEnabled")) &&
      num_or_zero(rc) > 1)
    add_fmt(out, 1,
            "spec.components.pilot.k8s.replicaCount should not be "
            "set when values.pilot.autoscaleEnabled is true");
  check_replicas_gateways(out, spec, values, "ingress");
  check_replicas_gateways(out, spec, values, "egress");
}

/* ---- the proxy's traffic capture lists ---- */

/* Go's netip IPv4 parser: NULL, or what is wrong and where (*at). */
static const char *ipv4_error(const char *s, const char **at)
{
  int val = 0, pos = 0, ndig = 0;
  size_t n = strlen(s);
  *at = NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] >= '0' && s[i] <= '9') {
      if (ndig == 1 && val == 0)
        return "IPv4 field has octet with leading zero";
      val = val * 10 + (s[i] - '0');
      ndig++;
      if (val > 255)
        return "IPv4 field has value >255";
    } else if (s[i] == '.') {
      if (i == 0 || i == n - 1 || s[i - 1] == '.') {
        *at = s + i;
        return "IPv4 field must have at least one digit";
      }
      if (pos == 3)
        return "IPv4 address too long";
      pos++;
      val = ndig = 0;
    } else {
      *at = s + i;
      return "unexpected character";
    }
  }
  return pos < 3 ? "IPv4 address too short" : NULL;
}

/* netip.ParseAddr: 4 or 6, or 0 with the reason in why. *zone is set when
 * an IPv6 address has one. */
static int parse_addr(const char *s, int *zone, char *why, size_t n)
{
  const char *msg = "unable to parse IP", *at = NULL;
  size_t sep = strcspn(s, ".:%");
  unsigned char bin[16];
  *zone = 0;
  if (s[sep] == '.' && !(msg = ipv4_error(s, &at)))
    return 4;
  if (s[sep] == ':') {
    char addr[128];
    snprintf(addr, sizeof addr, "%.*s", (int)strcspn(s, "%"), s);
    *zone = strchr(s, '%') != NULL;
    if (inet_pton(AF_INET6, addr, bin) == 1)
      return 6;
  } else if (s[sep] == '%') {
    msg = "missing IPv6 address";
  }
  char *q = quoted(s), *qa = at ? quoted(at) : NULL;
  snprintf(why, n, "ParseAddr(%s): %s%s%s%s", q, msg, qa ? " (at " : "",
           qa ? qa : "", qa ? ")" : "");
  free(q);
  free(qa);
  return 0;
}

/* netip.ParsePrefix: NULL, or the reason (written into why). */
static const char *prefix_error(const char *s, char *why, size_t n)
{
  const char *slash = strrchr(s, '/');
  if (!slash)
    return "no '/'";
  char addr[256];
  int zone;
  snprintf(addr, sizeof addr, "%.*s", (int)(slash - s), s);
  int family = parse_addr(addr, &zone, why, n);
  if (!family)
    return why;
  if (zone)
    return "IPv6 zones cannot be present in a prefix";
  /* Digits only, no sign, no leading zero, as an int. */
  const char *bits = slash + 1;
  size_t len = strlen(bits);
  if (!len || len > 18 || !digits(bits, (int)len) ||
      (len > 1 && bits[0] == '0')) {
    char *q = quoted(bits);
    snprintf(why, n, "bad bits after slash: %s", q);
    free(q);
    return why;
  }
  if (atoll(bits) > (family == 4 ? 32 : 128))
    return "prefix length out of range";
  return NULL;
}

/* "*", "", or a comma-separated list of CIDR ranges. */
static void check_ip_ranges(struct iop_validation *out, const char *path,
                            struct json_object *v)
{
  const char *s = jobj_is_str(v) ? json_object_get_string(v) : "";
  if (!*s || strcmp(s, "*") == 0)
    return;
  char *copy = strdup(s), *save = NULL, why[256];
  for (char *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    const char *msg = prefix_error(tok, why, sizeof why);
    if (msg) {
      char *q = quoted(tok);
      add_fmt(out, 0, "%s: netip.ParsePrefix(%s): %s", path, q, msg);
      free(q);
    }
  }
  free(copy);
}

/* A comma-separated list of ports, each "*", "" or a number in
 * [0, 65535]. Empty items (",,") are allowed, as strings.Split gives. */
static void check_port_list(struct iop_validation *out, const char *path,
                            struct json_object *v)
{
  const char *s = jobj_is_str(v) ? json_object_get_string(v) : "";
  if (!*s)
    return;
  for (const char *p = s;; p++) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char item[64];
    int64_t port;
    snprintf(item, sizeof item, "%.*s", (int)n, p);
    int rc = (n == 0 || strcmp(item, "*") == 0)
                 ? 1
                 : gonum_parse_int(item, strlen(item), 10, &port);
    if (rc == 0 && (port < INT32_MIN || port > INT32_MAX))
      rc = -ERANGE;
    char *q = quoted(item);
    if (rc < 0)
      add_fmt(out, 0, "%s: strconv.ParseInt: parsing %s: %s", path, q,
              rc == -ERANGE ? "value out of range" : "invalid syntax");
    else if (rc == 0 && (port < 0 || port > 65535))
      add_fmt(out, 0, "value %s:%lld falls outside range [0, 65535]", path,
              (long long)port);
    free(q);
    if (!end)
      break;
    p = end;
  }
}

/* istioctl checks the inbound lists; the outbound lists have the same
 * syntax and break the proxy's start as surely, so they are checked too. */
static void check_proxy_lists(struct iop_validation *out,
                              struct json_object *values)
{
  static const char *const ranges[] = {"includeIPRanges", "excludeIPRanges"};
  static const char *const ports[] = {
      "includeInboundPorts", "excludeInboundPorts", "includeOutboundPorts",
      "excludeOutboundPorts"};
  struct json_object *proxy = jobj_get(jobj_get(values, "global"), "proxy");
  char path[128];
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "spec.values.global.proxy.%s", ranges[i]);
    check_ip_ranges(out, path, jobj_get(proxy, ranges[i]));
  }
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "spec.values.global.proxy.%s", ports[i]);
    check_port_list(out, path, jobj_get(proxy, ports[i]));
  }
}

/* ---- meshConfig semantics (istioctl's agent.ValidateMeshConfig) ---- */

/* A copy of v as the protobuf decoder sees it: JSON names for fields (the
 * JSON name wins when both are given), unknown fields left out. */
static struct json_object *normalize(struct json_object *types,
                                     const char *expr, struct json_object *v)
{
  if (!v)
    return NULL;
  if (strncmp(expr, "[]", 2) == 0 && jobj_is_arr(v)) {
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(v); i++)
      json_object_array_add(
          a, normalize(types, expr + 2, json_object_array_get_idx(v, i)));
    return a;
  }
  struct json_object *t = jobj_obj(types, expr), *o;
  struct json_object *names = jobj_obj(t, "names");
  int map = strncmp(expr, "map[string]", 11) == 0;
  if (!jobj_is_obj(v) || (!map && !names))
    return jobj_dup(v);
  o = json_object_new_object();
  json_object_object_foreach (v, key, val) {
    const char *json = map ? key : jobj_str(names, key);
    if (!json || (strcmp(json, key) != 0 && jobj_get(v, json)))
      continue;
    const char *fexpr = map ? expr + 11 : jobj_str(jobj_obj(t, "fields"), key);
    jobj_set(o, json, normalize(types, fexpr, val));
  }
  return o;
}

struct mesh {
  struct iop_validation *out;
  const char *root;           /* spec.meshConfig, spec.values.meshConfig */
  struct json_object *m;      /* normalized */
  struct json_object *shadow; /* normalized spec.meshConfig, or NULL */
};

/* The value at a dotted path of JSON names; NULL when unset or null. */
static struct json_object *dotted(struct json_object *o, const char *path)
{
  char key[128];
  while (o && *path) {
    size_t n = strcspn(path, ".");
    snprintf(key, sizeof key, "%.*s", (int)n, path);
    o = jobj_get(o, key);
    path += path[n] ? n + 1 : n;
  }
  return o;
}

/* A field the user set, unless the shadow has the same value there (then
 * it is reported there). */
static struct json_object *mesh_get(struct mesh *ms, const char *path)
{
  struct json_object *v = dotted(ms->m, path), *sv;
  if (!v || !ms->shadow || !(sv = dotted(ms->shadow, path)))
    return v;
  return jobj_equal(v, sv) ? NULL : v;
}

__attribute__((format(printf, 4, 5))) static void
mesh_report(struct mesh *ms, int warning, const char *path, const char *fmt,
            ...)
{
  struct buf b;
  va_list ap;
  buf_init(&b, 0);
  buf_printf(&b, "%s.%s: ", ms->root, path);
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  add_msg(ms->out, warning, buf_take(&b));
}

static const char *str_or_empty(struct json_object *v)
{
  return jobj_is_str(v) ? json_object_get_string(v) : "";
}

/* An integer field the decoder accepted (a number, or a quoted one). */
static int64_t mesh_int(struct json_object *v)
{
  return jobj_is_str(v) ? atoll(json_object_get_string(v)) : num_or_zero(v);
}

/* A duration field the decoder accepted, in nanoseconds. */
static int64_t duration_of(struct json_object *v)
{
  const char *unit;
  size_t ulen;
  int64_t ns = 0;
  go_parse_duration(str_or_empty(v), &ns, &unit, &ulen);
  return ns;
}

/* Go's time.Duration.String(). */
static void go_duration_string(int64_t d, char *out, size_t n)
{
  uint64_t u = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  const char *sign = d < 0 ? "-" : "";
  if (u == 0) {
    snprintf(out, n, "0s");
  } else if (u < 1000) {
    snprintf(out, n, "%s%lluns", sign, (unsigned long long)u);
  } else if (u < 1000000000) {
    int us = u < 1000000;
    uint64_t scale = us ? 1000 : 1000000;
    char frac[16];
    snprintf(frac, sizeof frac, "%0*llu", us ? 3 : 6,
             (unsigned long long)(u % scale));
    for (size_t i = strlen(frac); i > 0 && frac[i - 1] == '0';)
      frac[--i] = '\0';
    snprintf(out, n, "%s%llu%s%s%s", sign, (unsigned long long)(u / scale),
             *frac ? "." : "", frac, us ? "\xc2\xb5s" : "ms");
  } else {
    char frac[16];
    uint64_t s = u / 1000000000, h = s / 3600, m = s / 60 % 60;
    snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(u % 1000000000));
    for (size_t i = strlen(frac); i > 0 && frac[i - 1] == '0';)
      frac[--i] = '\0';
    if (h)
      snprintf(out, n, "%s%lluh%llum%llu%s%ss", sign, (unsigned long long)h,
               (unsigned long long)m, (unsigned long long)(s % 60),
               *frac ? "." : "", frac);
    else if (m)
      snprintf(out, n, "%s%llum%llu%s%ss", sign, (unsigned long long)m,
               (unsigned long long)(s % 60), *frac ? "." : "", frac);
    else
      snprintf(out, n, "%s%llu%s%ss", sign, (unsigned long long)(s % 60),
               *frac ? "." : "", frac);
  }
}

#define MS INT64_C(1000000)

/* agent.ValidateDuration: NULL or the reason. */
static const char *duration_rule(int64_t ns)
{
  if (ns < MS)
    return "duration must be greater than 1ms";
  if (ns % MS != 0)
    return "only durations to ms precision are supported";
  return NULL;
}

static void mesh_port(struct mesh *ms, const char *path, const char *what)
{
  struct json_object *v = mesh_get(ms, path);
  int64_t port = mesh_int(v);
  if (v && (port < 1 || port > 65535))
    mesh_report(ms, 0, path, "%sport number %lld must be in the range 1..65535",
                what, (long long)port);
}

static int dns1123_label(const char *s);

/* Go's strconv.Atoi succeeds: an optional sign and decimal digits. */
static int go_atoi_ok(const char *s)
{
  int64_t v;
  return *s && gonum_parse_int(s, strlen(s), 10, &v) == 0;
}

/* agent.ValidateFQDN / ValidateDNS1123Labels: NULL or the reason. */
static const char *fqdn_error(const char *name, char *why, size_t n)
{
  char *q = quoted(name);
  const char *last = strrchr(name, '.');
  const char *tld = last ? last + 1 : name;
  why[0] = '\0';
  if (strlen(name) > 255)
    snprintf(why, n, "domain name %s too long (max 255)", q);
  else if (!*name)
    snprintf(why, n, "empty domain name not allowed");
  else if (go_atoi_ok(tld)) {
    char *qt = quoted(tld);
    snprintf(why, n,
             "domain name %s invalid (top level domain %s cannot be "
             "all-numeric)",
             q, qt);
    free(qt);
  }
  for (const char *p = name; !why[0] && *p;) {
    size_t len = strcspn(p, ".");
    char label[256];
    snprintf(label, sizeof label, "%.*s", (int)len, p);
    if (!dns1123_label(label)) {
      char *ql = quoted(label);
      snprintf(why, n, "domain name %s invalid (label %s invalid)", q, ql);
      free(ql);
    }
    p += len;
    if (*p == '.' && !*++p)
      break; /* a trailing dot ends the name */
  }
  free(q);
  return why[0] ? why : NULL;
}

/* net.SplitHostPort: 0, or the reason into why. */
static int split_host_port(const char *hp, char *host, size_t hn, char *port,
                           size_t pn, char *why, size_t wn)
{
  const char *colon = strrchr(hp, ':'), *msg = NULL, *h = hp, *k = hp;
  size_t hlen = 0;
  if (!colon) {
    msg = "missing port in address";
  } else if (hp[0] == '[') {
    const char *end = strchr(hp, ']');
    if (!end)
      msg = "missing ']' in address";
    else if (end + 1 != colon)
      msg = !end[1] || end[1] != ':' ? "missing port in address"
                                     : "too many colons in address";
    h = hp + 1, hlen = end ? (size_t)(end - h) : 0, k = end ? end + 1 : hp;
  } else {
    hlen = (size_t)(colon - hp);
    if (memchr(hp, ':', hlen))
      msg = "too many colons in address";
  }
  if (!msg && strchr(hp + (hp[0] == '[' ? 1 : 0), '['))
    msg = "unexpected '[' in address";
  if (!msg && strchr(k, ']'))
    msg = "unexpected ']' in address";
  if (msg) {
    snprintf(why, wn, "address %s: %s", hp, msg);
    return -EINVAL;
  }
  snprintf(host, hn, "%.*s", (int)hlen, h);
  snprintf(port, pn, "%s", colon + 1);
  return 0;
}

/* agent.ValidateProxyAddress: NULL or the reason. */
static const char *proxy_address_error(const char *addr, char *why, size_t n)
{
  char host[512], port[64], split[512], fq[512];
  unsigned char bin[16];
  int64_t p;
  char *q = quoted(addr);
  why[0] = '\0';
  if (split_host_port(addr, host, sizeof host, port, sizeof port, split,
                      sizeof split))
    snprintf(why, n, "unable to split %s: %s", q, split);
  else if (gonum_parse_int(port, strlen(port), 10, &p) || !*port) {
    char *qp = quoted(port);
    snprintf(why, n,
             "port (%s) is not a number: strconv.Atoi: parsing %s: "
             "invalid syntax",
             port, qp);
    free(qp);
  } else if (p < 1 || p > 65535)
    snprintf(why, n, "port number %lld must be in the range 1..65535",
             (long long)p);
  else if (fqdn_error(host, fq, sizeof fq) &&
           inet_pton(AF_INET, host, bin) != 1 &&
           inet_pton(AF_INET6, host, bin) != 1) {
    char *qh = quoted(host);
    snprintf(why, n, "%s is not a valid hostname or an IP address", qh);
    free(qh);
  }
  free(q);
  return why[0] ? why : NULL;
}

/* An address field: "<what><reason>" when it is set and wrong. */
static void mesh_address(struct mesh *ms, const char *path, const char *what,
                         int quote_in_prefix)
{
  struct json_object *v = mesh_get(ms, path);
  const char *addr = str_or_empty(v);
  char why[1024];
  if (!*addr || !proxy_address_error(addr, why, sizeof why))
    return;
  if (quote_in_prefix) {
    char *q = quoted(addr);
    mesh_report(ms, 0, path, "%s %s: %s", what, q, why);
    free(q);
  } else {
    mesh_report(ms, 0, path, "%s%s", what, why);
  }
}

/* Zipkin and Datadog collectors: $(HOST_IP) stands for an address. */
static void mesh_collector(struct mesh *ms, const char *path, const char *what)
{
  struct json_object *v = mesh_get(ms, path);
  struct buf b;
  char why[1024];
  if (!v)
    return;
  buf_init(&b, 0);
  const char *addr = str_or_empty(jobj_get(v, "address"));
  const char *hip = strstr(addr, "$(HOST_IP)");
  if (hip)
    buf_printf(&b, "%.*s127.0.0.1%s", (int)(hip - addr), addr, hip + 10);
  else
    buf_puts(&b, addr);
  if (proxy_address_error(b.data ? b.data : "", why, sizeof why))
    mesh_report(ms, 0, path, "invalid %s config: %s", what, why);
  buf_free(&b);
}

static void mesh_lightstep(struct mesh *ms)
{
  const char *path = "defaultConfig.tracing.lightstep";
  struct json_object *v = mesh_get(ms, path);
  const char *addr = str_or_empty(jobj_get(v, "address"));
  char why[1024];
  if (!v)
    return;
  if (!*addr)
    mesh_report(ms, 0, path, "invalid lightstep config: address is required");
  if (proxy_address_error(addr, why, sizeof why))
    mesh_report(ms, 0, path,
                "invalid lightstep config: invalid lightstep address: %s", why);
  if (!*str_or_empty(jobj_get(v, "accessToken")))
    mesh_report(ms, 0, path,
                "invalid lightstep config: access token is required");
}

static void mesh_required_string(struct mesh *ms, const char *path,
                                 const char *msg)
{
  struct json_object *v = mesh_get(ms, path);
  if (v && !*str_or_empty(v))
    mesh_report(ms, 0, path, "%s", msg);
}

static void mesh_auth_policy(struct mesh *ms)
{
  const char *path = "defaultConfig.controlPlaneAuthPolicy";
  struct json_object *v = mesh_get(ms, path);
  char name[64];
  if (!v)
    return;
  if (jobj_is_str(v))
    snprintf(name, sizeof name, "%s", json_object_get_string(v));
  else
    snprintf(name, sizeof name, "%lld", (long long)mesh_int(v));
  if (strcmp(name, "NONE") && strcmp(name, "MUTUAL_TLS") && strcmp(name, "0") &&
      strcmp(name, "1"))
    mesh_report(ms, 0, path,
                "invalid authentication policy: unrecognized "
                "control plane auth policy \"%s\"",
                strcmp(name, "2") == 0 ? "INHERIT" : name);
}

static void mesh_drain_duration(struct mesh *ms)
{
  const char *path = "defaultConfig.drainDuration";
  struct json_object *v = mesh_get(ms, path);
  if (!v)
    return;
  int64_t ns = duration_of(v);
  const char *why = duration_rule(ns);
  if (why)
    mesh_report(ms, 0, path, "invalid drain duration: %s", why);
  else if (ns % (1000 * MS) != 0)
    mesh_report(ms, 0, path,
                "drain time only supports durations to seconds precision");
}

static void mesh_private_key_provider(struct mesh *ms)
{
  const char *path = "defaultConfig.privateKeyProvider";
  struct json_object *v = mesh_get(ms, path);
  const char *pre = "invalid private key provider configuration: ";
  if (!v)
    return;
  /* Of the two, the one the decoder sets last (qat) is the provider. */
  const char *kind = jobj_get(v, "qat")        ? "qat"
                     : jobj_get(v, "cryptomb") ? "cryptomb"
                                               : NULL;
  if (!kind) {
    mesh_report(ms, 0, path,
                "%sprivate key provider configuration is "
                "required",
                pre);
    mesh_report(ms, 0, path, "%sunknown private key provider", pre);
    return;
  }
  struct json_object *delay = jobj_get(jobj_get(v, kind), "pollDelay");
  if (!delay)
    mesh_report(ms, 0, path, "%spollDelay is required", pre);
  else if (duration_of(delay) == 0)
    mesh_report(ms, 0, path, "%spollDelay must be non zero", pre);
}

static void mesh_connection_settings(struct mesh *ms)
{
  static const struct {
    const char *field, *name;
    int64_t min; /* the least allowed value */
    int duration;
  } rules[] = {
      {"listenerPerConnectionBufferLimitBytes",
       "listener_per_connection_buffer_limit_bytes must be non-negative", 0, 0},
      {"clusterPerConnectionBufferLimitBytes",
       "cluster_per_connection_buffer_limit_bytes must be non-negative", 0, 0},
      {"httpIdleTimeout", "http_idle_timeout must be non-negative", 0, 1},
      {"httpMaxConnectionDuration",
       "http_max_connection_duration must be non-negative", 0, 1},
      {"httpDrainTimeout", "http_drain_timeout must be non-negative", 0, 1},
      {"httpRequestTimeout", "http_request_timeout must be non-negative", 0, 1},
      {"httpRequestHeadersTimeout",
       "http_request_headers_timeout must be non-negative", 0, 1},
      {"httpStreamIdleTimeout", "http_stream_idle_timeout must be non-negative",
       0, 1},
      {"httpMaxStreamDuration", "http_max_stream_duration must be non-negative",
       0, 1},
      {"httpMaxConcurrentStreams",
       "http_max_concurrent_streams must be positive", 1, 0},
      {"http2InitialStreamWindowSize",
       "http2_initial_stream_window_size must be at least 65535", 65535, 0},
      {"http2InitialConnectionWindowSize",
       "http2_initial_connection_window_size must be at least 65535", 65535, 0},
      {"listenerConnectionLimit", "listener_connection_limit must be positive",
       1, 0},
      {"globalDownstreamConnectionLimit",
       "global_downstream_connection_limit must be positive", 1, 0},
  };
  char path[128];
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    snprintf(path, sizeof path, "defaultConfig.connectionSettings.%s",
             rules[i].field);
    struct json_object *v = mesh_get(ms, path);
    int64_t x = rules[i].duration ? duration_of(v) : mesh_int(v);
    if (v && x < rules[i].min)
      mesh_report(ms, 0, path, "invalid connection settings: %s",
                  rules[i].name);
  }
}

/* agent.ValidateMeshConfigProxyConfig, on what the user set. */
static void mesh_proxy_config(struct mesh *ms)
{
  mesh_required_string(ms, "defaultConfig.configPath",
                       "config path must be set");
  mesh_required_string(ms, "defaultConfig.binaryPath",
                       "binary path must be set");
  if (!dotted(ms->m, "defaultConfig.tracingServiceName"))
    mesh_required_string(ms, "defaultConfig.serviceCluster",
                         "service cluster must be specified");
  mesh_drain_duration(ms);
  mesh_required_string(ms, "defaultConfig.discoveryAddress",
                       "discovery address must be set to the proxy discovery "
                       "service");
  mesh_address(ms, "defaultConfig.discoveryAddress",
               "invalid discovery address: ", 0);
  mesh_lightstep(ms);
  mesh_collector(ms, "defaultConfig.tracing.zipkin", "zipkin");
  mesh_collector(ms, "defaultConfig.tracing.datadog", "datadog");
  mesh_address(ms, "defaultConfig.statsdUdpAddress",
               "invalid statsd udp address", 1);
  mesh_address(ms, "defaultConfig.envoyMetricsServiceAddress",
               "invalid envoy metrics service address", 1);
  if (mesh_get(ms, "defaultConfig.proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE"))
    mesh_report(ms, 1,
                "defaultConfig.proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE",
                "'ISTIO_META_DNS_AUTO_ALLOCATE' is deprecated; review "
                "https://istio.io/latest/docs/ops/configuration/"
                "traffic-management/dns-proxy/#dns-auto-allocation-v2 for "
                "information about replacement functionality");
  mesh_address(ms, "defaultConfig.envoyMetricsService.address",
               "invalid envoy metrics service address", 1);
  mesh_address(ms, "defaultConfig.envoyAccessLogService.address",
               "invalid envoy access log service address", 1);
  mesh_port(ms, "defaultConfig.proxyAdminPort", "invalid proxy admin port: ");
  mesh_auth_policy(ms);
  mesh_port(ms, "defaultConfig.statusPort", "invalid status port: ");
  mesh_private_key_provider(ms);
  mesh_connection_settings(ms);
}

/* agent.ValidateTrustDomain: NULL or the reason. */
static const char *trust_domain_error(const char *d, char *why, size_t n)
{
  if (!*d)
    return "empty domain name not allowed";
  for (const char *p = d;;) {
    size_t len = strcspn(p, ".");
    char label[256];
    snprintf(label, sizeof label, "%.*s", (int)len, p);
    if (!p[len] && !len && p != d)
      return NULL; /* a trailing dot */
    if (!dns1123_label(label)) {
      char *q = quoted(d);
      snprintf(why, n, "trust domain name %s invalid", q);
      free(q);
      return why;
    }
    if (!p[len])
      return NULL;
    p += len + 1;
  }
}

static void mesh_trust_domains(struct mesh *ms)
{
  char why[512], path[64];
  struct json_object *td = mesh_get(ms, "trustDomain");
  const char *msg =
      td ? trust_domain_error(str_or_empty(td), why, sizeof why) : NULL;
  if (msg)
    mesh_report(ms, 0, "trustDomain", "%s", msg);
  struct json_object *aliases = mesh_get(ms, "trustDomainAliases");
  for (size_t i = 0;
       jobj_is_arr(aliases) && i < json_object_array_length(aliases); i++) {
    const char *d = str_or_empty(json_object_array_get_idx(aliases, i));
    snprintf(path, sizeof path, "trustDomainAliases[%zu]", i);
    if ((msg = trust_domain_error(d, why, sizeof why)))
      mesh_report(ms, 0, path, "%s", msg);
  }
}

/* labels.IsWildcardDNS1123Label: "*", or a label with an optional leading
 * "*" or "*-". */
static int wildcard_label(const char *s)
{
  if (strlen(s) > 63)
    return 0;
  if (strcmp(s, "*") == 0)
    return 1;
  if (strncmp(s, "*-", 2) == 0 && dns1123_label(s + 2))
    return 1;
  return dns1123_label(s + (*s == '*'));
}

/* agent.ValidateWildcardDomain: NULL or the reason. */
static const char *wildcard_domain_error(const char *d, char *why, size_t n)
{
  char first[256];
  size_t len = strcspn(d, ".");
  if (strlen(d) > 255 || !*d)
    return fqdn_error(d, why, n);
  snprintf(first, sizeof first, "%.*s", (int)len, d);
  if (!wildcard_label(first)) {
    char *q = quoted(d), *ql = quoted(first);
    snprintf(why, n, "domain name %s invalid (label %s invalid)", q, ql);
    free(q);
    free(ql);
    return why;
  }
  return d[len] ? fqdn_error(d + len + 1, why, n) : NULL;
}

static void mesh_service_settings(struct mesh *ms)
{
  struct json_object *list = mesh_get(ms, "serviceSettings");
  char why[512], path[96];
  for (size_t i = 0; jobj_is_arr(list) && i < json_object_array_length(list);
       i++) {
    struct json_object *hosts =
        jobj_get(json_object_array_get_idx(list, i), "hosts");
    for (size_t j = 0;
         jobj_is_arr(hosts) && j < json_object_array_length(hosts); j++) {
      const char *h = str_or_empty(json_object_array_get_idx(hosts, j));
      snprintf(path, sizeof path, "serviceSettings[%zu].hosts[%zu]", i, j);
      if (wildcard_domain_error(h, why, sizeof why))
        mesh_report(ms, 0, path, "%s", why);
    }
  }
}

/* One locality: region[/zone[/subzone]], no empty part. */
struct locality {
  char part[3][128];
  int depth; /* 0 region, 1 zone, 2 subzone */
};

static int parse_locality(const char *s, struct locality *l)
{
  memset(l, 0, sizeof *l);
  for (int i = 0; i < 3; i++) {
    size_t len = i < 2 ? strcspn(s, "/") : strlen(s);
    if (len == 0)
      return -1;
    snprintf(l->part[i], sizeof l->part[i], "%.*s", (int)len, s);
    l->depth = i;
    if (!s[len] || i == 2)
      return 0;
    s += len + 1;
  }
  return 0;
}

/* Whether b, after a, selects some of the same endpoints, as
 * validateLocalities' nested maps find out: a "*" before b is a wildcard
 * (b's own "*" is just a name there). */
static int localities_overlap(const struct locality *a,
                              const struct locality *b)
{
  if (strcmp(a->part[0], "*") == 0)
    return 1;
  if (strcmp(a->part[0], b->part[0]) != 0)
    return 0;
  if (a->depth == 0 || b->depth == 0 || strcmp(a->part[1], "*") == 0)
    return 1;
  if (strcmp(a->part[1], b->part[1]) != 0)
    return 0;
  if (a->depth == 1 || b->depth == 1)
    return 1;
  return strcmp(a->part[2], "*") == 0 || strcmp(a->part[2], b->part[2]) == 0;
}

/* validateLocalities: NULL or the reason. */
static const char *localities_error(char *const *locs, size_t n, char *why,
                                    size_t wn)
{
  struct locality *seen = calloc(n ? n : 1, sizeof *seen);
  const char *msg = NULL;
  for (size_t i = 0; seen && !msg && i < n; i++) {
    const char *star = strchr(locs[i], '*');
    if (star && (strchr(star + 1, '*') || star[1]))
      snprintf(why, wn,
               "locality %s wildcard '*' number can not exceed 1 "
               "and must be in the end",
               locs[i]),
          msg = why;
    else if (parse_locality(locs[i], &seen[i]))
      snprintf(why, wn,
               "locality %s must not contain empty region/zone/"
               "subzone info",
               locs[i]),
          msg = why;
    for (size_t j = 0; !msg && j < i; j++)
      if (localities_overlap(&seen[j], &seen[i]))
        snprintf(why, wn, "locality %s overlap with previous specified ones",
                 locs[i]),
            msg = why;
  }
  free(seen);
  return msg;
}

/* Strings of a list field (borrowed), at most max. */
static size_t strings_of(struct json_object *list, const char *key, char **out,
                         size_t max)
{
  size_t n = 0;
  for (size_t i = 0;
       jobj_is_arr(list) && i < json_object_array_length(list) && n < max;
       i++) {
    struct json_object *e = json_object_array_get_idx(list, i);
    out[n++] = (char *)str_or_empty(key ? jobj_get(e, key) : e);
  }
  return n;
}

static int is_topology_label(const char *s)
{
  return strcmp(s, "topology.kubernetes.io/region") == 0 ||
         strcmp(s, "topology.kubernetes.io/zone") == 0 ||
         strcmp(s, "topology.istio.io/subzone") == 0;
}

static void failover_rules(struct mesh *ms, const char *path,
                           struct json_object *failover, const char *what,
                           const char *region_msg)
{
  for (size_t i = 0;
       jobj_is_arr(failover) && i < json_object_array_length(failover); i++) {
    struct json_object *f = json_object_array_get_idx(failover, i);
    const char *from = str_or_empty(jobj_get(f, "from"));
    const char *to = str_or_empty(jobj_get(f, "to"));
    if (strcmp(from, to) == 0)
      mesh_report(ms, 0, path,
                  "%s failover settings must specify different "
                  "regions",
                  what);
    if (strchr(from, '/') || strchr(to, '/'))
      mesh_report(ms, 0, path, "%s", region_msg);
    if (strchr(from, '*') || strchr(to, '*'))
      mesh_report(ms, 0, path,
                  "%s failover region should not contain '*' "
                  "wildcard",
                  what);
  }
}

/* The weights of one distribute entry: NULL or the reason. */
static const char *distribute_error(struct json_object *to, char **dest,
                                    size_t *ndest, char *why, size_t wn)
{
  uint64_t total = 0;
  *ndest = 0;
  if (!jobj_is_obj(to))
    return "total locality weight 0 != 100";
  json_object_object_foreach (to, loc, weight) {
    int64_t w = mesh_int(weight);
    if (w <= 0 || w > 100)
      return "locality weight must be in range [1, 100]";
    total += (uint64_t)w;
    if (*ndest < 64)
      dest[(*ndest)++] = loc;
  }
  if (total != 100) {
    snprintf(why, wn, "total locality weight %llu != 100",
             (unsigned long long)total);
    return why;
  }
  return NULL;
}

static size_t arr_len(struct json_object *o)
{
  return jobj_is_arr(o) ? json_object_array_length(o) : 0;
}

/* distribute: weights end the check, overlapping localities do not. */
static int mesh_distribute(struct mesh *ms, const char *path,
                           struct json_object *dist)
{
  char *list[64], why[512];
  size_t n;
  for (size_t i = 0; i < arr_len(dist); i++) {
    struct json_object *to = jobj_get(json_object_array_get_idx(dist, i), "to");
    const char *msg = distribute_error(to, list, &n, why, sizeof why);
    if (msg) {
      mesh_report(ms, 0, path, "%s", msg);
      return -1;
    }
    if ((msg = localities_error(list, n, why, sizeof why)))
      mesh_report(ms, 0, path, "%s", msg);
  }
  n = strings_of(dist, "from", list, 64);
  const char *msg = localities_error(list, n, why, sizeof why);
  if (msg)
    mesh_report(ms, 0, path, "%s", msg);
  return 0;
}

static void mesh_locality_lb(struct mesh *ms)
{
  const char *path = "localityLbSetting";
  struct json_object *lb = mesh_get(ms, path);
  struct json_object *dist = jobj_get(lb, "distribute");
  struct json_object *fo = jobj_get(lb, "failover");
  char *prio[64];
  if (!lb)
    return;
  if (arr_len(dist) && arr_len(fo)) {
    mesh_report(ms, 0, path,
                "can not simultaneously specify 'distribute' "
                "and 'failover'");
    return;
  }
  size_t n = strings_of(jobj_get(lb, "failoverPriority"), NULL, prio, 64);
  for (size_t i = 0; arr_len(fo) && i < n; i++)
    if (is_topology_label(prio[i])) {
      mesh_report(ms, 0, path,
                  "can not simultaneously set 'failover' and "
                  "topology label '%s' in 'failover_priority'",
                  prio[i]);
      return;
    }
  if (mesh_distribute(ms, path, dist) == 0)
    failover_rules(ms, path, fo, "locality lb",
                   "locality lb failover only specify region");
}

static void mesh_zone_aware_lb(struct mesh *ms)
{
  const char *path = "zoneAwareLbSetting";
  struct json_object *lb = mesh_get(ms, path);
  char *list[64];
  size_t n = strings_of(jobj_get(lb, "failoverPriority"), NULL, list, 64);
  for (size_t i = 0; i < n; i++)
    if (is_topology_label(list[i]))
      mesh_report(ms, 0, path,
                  "'failover_priority' for zone aware lb must "
                  "not use topology label '%s'; region- and zone-level "
                  "routing are handled automatically",
                  list[i]);
  failover_rules(ms, path, jobj_get(lb, "failover"), "zone aware lb",
                 "zone aware lb failover only specifies region; zone and "
                 "subzone failover are handled automatically");
}

/* The connection pool of the default traffic policy. */
static void mesh_connection_pool(struct mesh *ms, const char *path,
                                 struct json_object *cp)
{
  static const char *const counts[][2] = {
      {"http1MaxPendingRequests", "http1 max pending requests"},
      {"http2MaxRequests", "http2 max requests"},
      {"maxRequestsPerConnection", "max requests per connection"},
      {"maxRetries", "max retries"},
      {"maxConcurrentStreams", "max concurrent streams"}};
  struct json_object *http = jobj_get(cp, "http"), *tcp = jobj_get(cp, "tcp");
  struct json_object *h2 = jobj_get(http, "h2UpgradePolicy");
  if (cp && !http && !tcp)
    mesh_report(ms, 0, path, "connection pool must have at least one field");
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    if (mesh_int(jobj_get(http, counts[i][0])) < 0)
      mesh_report(ms, 0, path, "%s must be non-negative", counts[i][1]);
  if ((strcmp(str_or_empty(h2), "UPGRADE") == 0 || mesh_int(h2) == 2) &&
      is_true(jobj_get(http, "useClientProtocol")))
    mesh_report(ms, 0, path,
                "use client protocol must not be true when "
                "H2UpgradePolicy is UPGRADE");
  if (mesh_int(jobj_get(tcp, "maxConnections")) < 0)
    mesh_report(ms, 0, path, "max connections must be non-negative");
}

static void mesh_outlier_detection(struct mesh *ms, const char *path,
                                   struct json_object *od)
{
  static const char *const percents[] = {"maxEjectionPercent",
                                         "minHealthPercent"};
  if (!od)
    return;
  if (!is_true(jobj_get(od, "splitExternalLocalOriginErrors")) &&
      mesh_int(jobj_get(od, "consecutiveLocalOriginFailures")) > 0)
    mesh_report(ms, 0, path,
                "outlier detection consecutive local origin "
                "failures is specified, but split external local origin "
                "errors is set to false");
  for (size_t i = 0; i < 2; i++) {
    int64_t v = mesh_int(jobj_get(od, percents[i]));
    if (v < 0 || v > 100)
      mesh_report(ms, 0, path, "percentage %lld is not in range 0..100",
                  (long long)v);
  }
}

/* validateMeshConfigDefaultTrafficPolicy. */
static void mesh_traffic_policy(struct mesh *ms)
{
  static const char *const durations[] = {
      "connectionPool.http.idleTimeout",
      "connectionPool.tcp.connectTimeout",
      "connectionPool.tcp.maxConnectionDuration",
      "connectionPool.tcp.idleTimeout",
      "connectionPool.tcp.tcpKeepalive.time",
      "connectionPool.tcp.tcpKeepalive.interval",
      "outlierDetection.baseEjectionTime",
      "outlierDetection.interval"};
  const char *path = "defaultTrafficPolicy";
  struct json_object *p = mesh_get(ms, path);
  char full[128];
  if (!p)
    return;
  mesh_connection_pool(ms, path, jobj_get(p, "connectionPool"));
  for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
    struct json_object *d = dotted(p, durations[i]);
    int64_t ns = duration_of(d);
    /* a TCP idle timeout under 1ms means "none" */
    if (!d || !duration_rule(ns) ||
        (strstr(durations[i], "tcp.idle") && ns / MS == 0))
      continue;
    snprintf(full, sizeof full, "%s.%s", path, durations[i]);
    mesh_report(ms, 0, full, "%s", duration_rule(ns));
  }
  mesh_outlier_detection(ms, path, jobj_get(p, "outlierDetection"));
}

/* Whether Go's net/http knows the status code. */
static int http_status_known(int64_t c)
{
  static const short codes[] = {
      100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208,
      226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403,
      404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416,
      417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500,
      501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (codes[i] == c)
      return 1;
  return 0;
}

static int retry_on_known(const char *p)
{
  static const char *const policies[] = {"5xx",
                                         "gateway-error",
                                         "reset",
                                         "reset-before-request",
                                         "connect-failure",
                                         "retriable-4xx",
                                         "refused-stream",
                                         "retriable-status-codes",
                                         "retriable-headers",
                                         "envoy-ratelimited",
                                         "http3-post-connect-failure",
                                         "cancelled",
                                         "deadline-exceeded",
                                         "internal",
                                         "resource-exhausted",
                                         "unavailable"};
  int64_t code;
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
    if (strcmp(policies[i], p) == 0)
      return 1;
  return gonum_parse_int(p, strlen(p), 10, &code) == 0 &&
         http_status_known(code);
}

/* ValidateHTTPRetry and the inbound policy's own rules. */
static void mesh_inbound_retry(struct mesh *ms)
{
  const char *path = "defaultInboundHttpRetryPolicy";
  const char *pre = "invalid default inbound http retry policy: ";
  struct json_object *r = mesh_get(ms, path);
  if (!r)
    return;
  int64_t attempts = mesh_int(jobj_get(r, "attempts"));
  const char *on = str_or_empty(jobj_get(r, "retryOn"));
  struct json_object *ptt = jobj_get(r, "perTryTimeout");
  struct json_object *backoff = jobj_get(r, "backoff");
  if (attempts < 0)
    mesh_report(ms, 0, path, "%sattempts cannot be negative", pre);
  if (attempts == 0 && (ptt || *on || jobj_get(r, "retryRemoteLocalities")))
    mesh_report(ms, 0, path,
                "%shttp retry policy configured when attempts "
                "are set to 0 (disabled)",
                pre);
  if (ptt && duration_rule(duration_of(ptt)))
    mesh_report(ms, 0, path, "%s%s", pre, duration_rule(duration_of(ptt)));
  for (const char *p = on; *on;) {
    size_t n = strcspn(p, ",");
    char policy[128];
    snprintf(policy, sizeof policy, "%.*s", (int)n, p);
    if (!retry_on_known(policy))
      mesh_report(ms, 0, path, "%s\"%s\" is not a valid retryOn policy", pre,
                  policy);
    if (!p[n])
      break;
    p += n + 1;
  }
  if (backoff && duration_rule(duration_of(backoff)))
    mesh_report(ms, 0, path, "%s%s", pre, duration_rule(duration_of(backoff)));
  if (attempts == 0 && backoff)
    mesh_report(ms, 0, path,
                "%sbackoff configured when attempts are set to "
                "0 (disabled)",
                pre);
  static const char *const ignored[] = {
      "perTryTimeout", "retryRemoteLocalities", "retryIgnorePreviousHosts"};
  for (size_t i = 0; i < 3; i++)
    if (jobj_get(r, ignored[i]))
      mesh_report(ms, 1, path,
                  "%s is ignored by the default inbound http "
                  "retry policy",
                  ignored[i]);
}

static void mesh_timeouts(struct mesh *ms)
{
  struct json_object *ct = mesh_get(ms, "connectTimeout");
  struct json_object *pdt = mesh_get(ms, "protocolDetectionTimeout");
  int64_t ns = duration_of(ct);
  char d[64];
  if (ct && duration_rule(ns)) {
    mesh_report(ms, 0, "connectTimeout", "invalid connect timeout: %s",
                duration_rule(ns));
  } else if (ct && ns > 3600 * 1000 * MS) {
    go_duration_string(ns, d, sizeof d);
    mesh_report(ms, 0, "connectTimeout",
                "invalid connect timeout: time %s "
                "must be >1ms and <1h0m0s",
                d);
  }
  ns = duration_of(pdt);
  if (pdt && ns != 0 && ns % MS != 0)
    mesh_report(ms, 0, "protocolDetectionTimeout",
                "invalid protocol "
                "detection timeout: only durations to ms precision are "
                "supported");
}

/* What agent.ValidateMeshConfig refuses, checked on the fields the user
 * set (the defaults they are merged with pass). */
static void mesh_semantics(struct mesh *ms)
{
  mesh_port(ms, "proxyListenPort", "invalid proxy listen port: ");
  mesh_timeouts(ms);
  mesh_proxy_config(ms);
  mesh_locality_lb(ms);
  mesh_zone_aware_lb(ms);
  mesh_service_settings(ms);
  mesh_trust_domains(ms);
  if (arr_len(mesh_get(ms, "meshMTLS.ecdhCurves")))
    mesh_report(ms, 0, "meshMTLS.ecdhCurves",
                "mesh TLS does not support ECDH curves configuration");
  mesh_traffic_policy(ms);
  mesh_inbound_retry(ms);
}

/* ---- meshConfig ---- */

/* Whether the decoder takes mesh, whatever another tree reports. */
static int mesh_decodes(struct json_object *types, struct json_object *mesh)
{
  struct iop_validation scratch = {0};
  struct walk w;
  walk_init(&w, types, &scratch, "", "");
  w.unknown_warns = 1;
  check_value(&w, "MeshConfig", WALK_PROTO, mesh, NULL);
  int ok = w.nerrors == 0;
  walk_free(&w);
  iop_validation_free(&scratch);
  return ok;
}

static void check_mesh(struct json_object *types, struct iop_validation *out,
                       const char *root, struct json_object *mesh,
                       struct json_object *shadow)
{
  struct walk w;
  walk_init(&w, types, out, "could not unmarshal: ", root);
  /* istioctl decodes a second time ignoring unknown fields when the first
   * decode fails, so they are never errors; we say which they are. */
  w.unknown_warns = 1;
  check_value(&w, "MeshConfig", WALK_PROTO, mesh, shadow);
  walk_free(&w);
  /* The semantic checks run on a configuration that decodes. */
  if (!jobj_is_obj(mesh) || !mesh_decodes(types, mesh))
    return;
  struct mesh ms = {out, root, normalize(types, "MeshConfig", mesh),
                    normalize(types, "MeshConfig", shadow)};
  mesh_semantics(&ms);
  json_object_put(ms.m);
  json_object_put(ms.shadow);
}

/* ---- spec.values ---- */

/* Free-form objects decoded once more as Kubernetes types, strictly, the
 * way sigs.k8s.io/yaml's UnmarshalStrict does. */
static void check_redecodes(struct json_object *types,
                            struct iop_validation *out, struct walk *values)
{
  for (int i = 0; i < values->nrd; i++) {
    struct walk w;
    walk_init(&w, types, out, "invalid schema for ", values->rd[i].path);
    w.yaml_strings = 1;
    check_value(&w, values->rd[i].type, WALK_GO, values->rd[i].value, NULL);
    walk_free(&w);
  }
}

static void check_values(struct json_object *types, struct iop_validation *out,
                         struct json_object *spec)
{
  struct json_object *values = jobj_get(spec, "values");
  struct walk w;
  walk_init(&w, types, out, "could not unmarshal: ", "spec.values");
  check_value(&w, "Values", WALK_PROTO, values, NULL);
  /* Like istioctl, the checks below need values that decode. */
  if (w.nerrors == 0) {
    check_gateway_ports(out, spec, values, "ingressGateways",
                        "istio-ingressgateway");
    check_gateway_ports(out, spec, values, "egressGateways",
                        "istio-egressgateway");
    check_ingress_ports(out, values);
    check_replicas(out, spec, values);
    check_mesh(types, out, "spec.values.meshConfig",
               jobj_get(values, "meshConfig"), jobj_get(spec, "meshConfig"));
    check_proxy_lists(out, values);
    check_redecodes(types, out, &w);
  }
  walk_free(&w);
}

/* ---- image names, revision, gateway names ---- */

static size_t rune_count(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

/* go-containerregistry's checkElement: "" or the reason, into why. */
static const char *element_error(const char *what, const char *s,
                                 const char *allowed, size_t min, size_t max,
                                 char *why, size_t n)
{
  size_t runes = rune_count(s);
  if (runes < min || runes > max)
    snprintf(why, n, "%s must be between %zu and %zu characters in length: %s",
             what, min, max, s);
  else if (strspn(s, allowed) != strlen(s))
    snprintf(why, n, "%s can only contain the characters `%s`: %s", what,
             allowed, s);
  else
    return NULL;
  return why;
}

/* url.Parse("//" + name).Host == name: a host, optionally with a port. */
static int registry_ok(const char *name)
{
  static const char host_chars[] = "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                   "-._~!$&'()*+,;=:[]<>\"%";
  const char *port = NULL;
  for (const char *p = name; *p; p++)
    if ((unsigned char)*p < 0x80 && !strchr(host_chars, *p))
      return 0;
  if (name[0] == '[') {
    const char *close = strrchr(name, ']');
    char addr[64];
    unsigned char bin[16];
    if (!close || close - name - 1 >= (long)sizeof addr)
      return 0;
    snprintf(addr, sizeof addr, "%.*s", (int)(close - name - 1), name + 1);
    if (inet_pton(AF_INET6, addr, bin) != 1)
      return 0;
    if (close[1] && close[1] != ':')
      return 0;
    port = close[1] ? close + 1 : NULL;
  } else {
    port = strrchr(name, ':');
  }
  return !port || digits(port + 1, (int)strlen(port + 1));
}

static const char *repository_error(const char *name, char *why, size_t n)
{
  static const char repo_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-./";
  if (!*name)
    return "a repository name must be specified";
  const char *slash = strchr(name, '/');
  const char *repo = name;
  char registry[256] = "";
  if (slash && strcspn(name, ".:") < (size_t)(slash - name)) {
    snprintf(registry, sizeof registry, "%.*s", (int)(slash - name), name);
    repo = slash + 1;
  }
  if (element_error("repository", repo, repo_chars, 2, 255, why, n))
    return why;
  if (!registry_ok(registry)) {
    snprintf(why, n, "registries must be valid RFC 3986 URI authorities: %s",
             registry);
    return why;
  }
  return NULL;
}

static void check_hub(struct iop_validation *out, struct json_object *spec)
{
  const char *hub = jobj_str(spec, "hub");
  char why[1024], name[1024];
  if (!hub || !*hub)
    return;
  snprintf(name, sizeof name, "%s/pilot", hub);
  if (repository_error(name, why, sizeof why))
    add_fmt(out, 0, "spec.hub: bad hub: %s", why);
}

/* Go's %v of the tag (a string, or a number or bool from YAML). */
static void tag_text(struct json_object *v, char *out, size_t n)
{
  if (json_object_is_type(v, json_type_double))
    gonum_format_float(out, n, json_object_get_double(v), 'g', -1, 64);
  else if (jobj_is_obj(v))
    snprintf(out, n, "map[...]");
  else if (jobj_is_arr(v))
    snprintf(out, n, "[...]");
  else if (json_object_is_type(v, json_type_boolean))
    snprintf(out, n, "%s", json_object_get_boolean(v) ? "true" : "false");
  else if (json_object_is_type(v, json_type_int))
    snprintf(out, n, "%lld", (long long)json_object_get_int64(v));
  else
    snprintf(out, n, "%s", json_object_get_string(v));
}

/* go-containerregistry's NewTag("istio/pilot:<tag>"). */
static const char *tag_error(const char *tag, char *why, size_t n)
{
  static const char tag_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-."
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  char name[1024], base[1024];
  snprintf(name, sizeof name, "istio/pilot:%s", tag);
  snprintf(base, sizeof base, "%s", name);
  const char *last = strrchr(name, ':') + 1;
  if (!strchr(last, '/')) {
    base[last - 1 - name] = '\0';
    if (!*last) {
      snprintf(why, n, "%s must specify a tag name after the colon", name);
      return why;
    }
    if (element_error("tag", last, tag_chars, 1, 128, why, n))
      return why;
  }
  return repository_error(base, why, n);
}

static void check_tag(struct iop_validation *out, struct json_object *spec)
{
  struct json_object *tag = jobj_get(spec, "tag");
  char text[512], why[2048];
  if (!tag)
    return;
  tag_text(tag, text, sizeof text);
  if (tag_error(text, why, sizeof why))
    add_fmt(out, 0, "spec.tag: bad tag: %s", why);
}

/* Istio's labels.IsDNS1123Label: letters of either case, digits and
 * inner dashes, at most 63. */
static int dns1123_label(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
    return 0;
  return strspn(s, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static void check_revision(struct iop_validation *out, struct json_object *spec)
{
  const char *rev = jobj_str(spec, "revision");
  if (rev && *rev && !dns1123_label(rev))
    add_fmt(out, 0, "spec.revision: invalid revision specified: %s", rev);
}

/* Gateway names must be whole matches of [a-z0-9.-]{1,254}. */
static void check_gateway_names(struct iop_validation *out,
                                struct json_object *spec, const char *list)
{
  struct json_object *gws = jobj_arr(jobj_obj(spec, "components"), list);
  for (size_t i = 0; gws && i < json_object_array_length(gws); i++) {
    const char *name = jobj_str(json_object_array_get_idx(gws, i), "name");
    size_t n = name ? strlen(name) : 0;
    if (n && (n > 254 ||
              strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n))
      add_fmt(out, 0, "invalid value spec.components.%s[%zu].name: %s", list, i,
              name);
  }
}

/* ---- the whole ---- */

int iop_validate(struct json_object *merged, struct iop_validation *out,
                 struct err *e)
{
  struct json_object *types = NULL;
  memset(out, 0, sizeof *out);
  int rc = schema_get(&types, e);
  if (rc)
    return rc;
  struct walk w;
  walk_init(&w, types, out, "could not unmarshal: ", "");
  check_value(&w, "IstioOperator", WALK_GO, merged, NULL);
  int decoded = w.nerrors == 0;
  walk_free(&w);
  /* istioctl stops when the object does not decode. */
  if (!decoded)
    return 0;
  struct json_object *spec = jobj_get(merged, "spec");
  check_values(types, out, spec);
  check_mesh(types, out, "spec.meshConfig", jobj_get(spec, "meshConfig"), NULL);
  check_hub(out, spec);
  check_tag(out, spec);
  check_revision(out, spec);
  check_gateway_names(out, spec, "egressGateways");
  check_gateway_names(out, spec, "ingressGateways");
  return 0;
}

void iop_validation_free(struct iop_validation *v)
{
  for (int i = 0; i < v->nerrors; i++)
    free(v->errors[i]);
  for (int i = 0; i < v->nwarnings; i++)
    free(v->warnings[i]);
  free(v->errors);
  free(v->warnings);
  memset(v, 0, sizeof *v);
}

char *iop_validation_join(char *const *msgs, int n)
{
  struct buf b;
  buf_init(&b, 0);
  for (int i = 0; i < n; i++)
    buf_printf(&b, "%s%s", i ? ", " : "", msgs[i]);
  return buf_take(&b);
}

int iop_validation_report(const struct iop_validation *v, int force, FILE *out,
                          struct err *e)
{
  if (v->nerrors) {
    char *all = iop_validation_join(v->errors, v->nerrors);
    int rc = 0;
    if (!force)
      rc = err_set(e, -EINVAL, "%s", all);
    else
      fprintf(out, "spec invalid; continuing because of --force: %s\n", all);
    free(all);
    if (rc)
      return rc;
  }
  for (int i = 0; i < v->nwarnings; i++)
    fprintf(out, "\xe2\x9d\x97 %s\n", v->warnings[i]);
  return 0;
}
