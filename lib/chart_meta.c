/* chart_meta: Chart.yaml as Helm reads it into chart.Metadata, validates
 * it, and hands it to templates as .Chart.
 *
 * Helm unmarshals Chart.yaml with sigs.k8s.io/yaml into a Go struct, so a
 * number or bool where a string belongs becomes its text (appVersion: 1.10
 * reads "1.1"), keys match case-insensitively, and a list or map where a
 * scalar belongs is a JSON type error naming the field. Validate then
 * sanitizes the text fields (whitespace becomes a space, unprintable
 * characters go) and checks name, version and type. */
#include "chart_int.h"

#include "gonum.h"
#include "tmpl.h"
#include "tmpl_helm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Field kinds: s string, l []string, b bool, a map[string]string,
 * m []*Maintainer, d []*Dependency, i []interface{}. */
struct field {
  const char *key;
  char kind;
};

static const struct field meta_fields[] = {
    {"name", 's'},         {"home", 's'},        {"sources", 'l'},
    {"version", 's'},      {"description", 's'}, {"keywords", 'l'},
    {"maintainers", 'm'},  {"icon", 's'},        {"apiVersion", 's'},
    {"condition", 's'},    {"tags", 's'},        {"appVersion", 's'},
    {"deprecated", 'b'},   {"annotations", 'a'}, {"kubeVersion", 's'},
    {"dependencies", 'd'}, {"type", 's'},
};

static const struct field maint_fields[] = {
    {"name", 's'}, {"email", 's'}, {"url", 's'}};

static const struct field dep_fields[] = {
    {"name", 's'}, {"version", 's'}, {"repository", 's'},    {"condition", 's'},
    {"tags", 'l'}, {"enabled", 'b'}, {"import-values", 'i'}, {"alias", 's'},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* encoding/json's field lookup: an exact name, else a case-insensitive
 * one. */
static const struct field *find_field(const struct field *f, size_t n,
                                      const char *key)
{
  const struct field *fold = NULL;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(f[i].key, key) == 0)
      return &f[i];
    if (!fold && strcasecmp(f[i].key, key) == 0)
      fold = &f[i];
  }
  return fold;
}

static const char *json_kind(struct json_object *v)
{
  switch (json_object_get_type(v)) {
  case json_type_string:
    return "string";
  case json_type_boolean:
    return "bool";
  case json_type_array:
    return "array";
  case json_type_object:
    return "object";
  default:
    return "number";
  }
}

static int type_error(struct err *e, struct json_object *v, const char *strct,
                      const char *path, const char *gotype)
{
  return err_set(e, -EINVAL,
                 "error unmarshaling JSON: while decoding JSON: "
                 "json: cannot unmarshal %s into Go struct field %s.%s of "
                 "type %s",
                 json_kind(v), strct, path, gotype);
}

/* A scalar as sigs.k8s.io/yaml hands it to a string field; NULL for a
 * list or map. */
static struct json_object *coerce_str(struct json_object *v)
{
  char num[64];
  switch (json_object_get_type(v)) {
  case json_type_null:
    return json_object_new_string("");
  case json_type_string:
    return json_object_get(v);
  case json_type_boolean:
    return json_object_new_string(json_object_get_boolean(v) ? "true"
                                                             : "false");
  case json_type_int:
    snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(v));
    return json_object_new_string(num);
  case json_type_double:
    gonum_format_float(num, sizeof num, json_object_get_double(v), 'g', -1, 32);
    return json_object_new_string(num);
  default:
    return NULL;
  }
}

static int decode_strings(struct json_object *v, const char *strct,
                          const char *path, struct json_object **out,
                          struct err *e)
{
  if (!json_object_is_type(v, json_type_array))
    return type_error(e, v, strct, path, "[]string");
  struct json_object *l = json_object_new_array();
  for (size_t i = 0; l && i < chart__alen(v); i++) {
    struct json_object *el = json_object_array_get_idx(v, i);
    struct json_object *s = coerce_str(el);
    if (!s) {
      json_object_put(l);
      return type_error(e, el, strct, path, "string");
    }
    json_object_array_add(l, s);
  }
  *out = l;
  return l ? 0 : -ENOMEM;
}

static int decode_strmap(struct json_object *v, struct json_object *into,
                         const char *path, struct err *e)
{
  if (!json_object_is_type(v, json_type_object))
    return type_error(e, v, "Metadata", path, "map[string]string");
  json_object_object_foreach (v, k, el) {
    struct json_object *s = coerce_str(el);
    if (!s)
      return type_error(e, el, "Metadata", path, "string");
    json_object_object_add(into, k, s);
  }
  return 0;
}

/* One scalar or list field of a struct stored as a json object. NULL
 * leaves strings and bools as they are and clears lists and maps, as
 * encoding/json does. */
static int decode_simple(struct json_object *obj, const struct field *f,
                         struct json_object *v, const char *strct,
                         const char *path, struct err *e)
{
  struct json_object *out = NULL;
  int rc = 0;
  if (!v) {
    if (f->kind != 's' && f->kind != 'b')
      json_object_object_del(obj, f->key);
    return 0;
  }
  switch (f->kind) {
  case 's':
    out = coerce_str(v);
    if (!out)
      return type_error(e, v, strct, path, "string");
    break;
  case 'b':
    if (!json_object_is_type(v, json_type_boolean))
      return type_error(e, v, strct, path, "bool");
    out = json_object_get(v);
    break;
  case 'l':
    rc = decode_strings(v, strct, path, &out, e);
    break;
  case 'i':
    if (!json_object_is_type(v, json_type_array))
      return type_error(e, v, strct, path, "[]interface {}");
    out = json_object_get(v);
    break;
  default:
    return -EINVAL;
  }
  if (!rc)
    json_object_object_add(obj, f->key, out);
  return rc;
}

static int decode_struct(struct json_object *v, const struct field *fs,
                         size_t nfs, const char *strct, const char *parent,
                         struct json_object *obj, struct err *e)
{
  json_object_object_foreach (v, k, el) {
    const struct field *f = find_field(fs, nfs, k);
    if (!f)
      continue;
    char path[128];
    snprintf(path, sizeof path, "%s.%s", parent, f->key);
    int rc = decode_simple(obj, f, el, strct, path, e);
    if (rc)
      return rc;
  }
  return 0;
}

static int decode_maintainers(struct chart *c, struct json_object *v,
                              struct err *e)
{
  if (!json_object_is_type(v, json_type_array))
    return type_error(e, v, "Metadata", "maintainers", "[]*chart.Maintainer");
  struct json_object *l = json_object_new_array();
  int rc = l ? 0 : -ENOMEM;
  for (size_t i = 0; !rc && i < chart__alen(v); i++) {
    struct json_object *el = json_object_array_get_idx(v, i);
    struct json_object *m = NULL;
    if (el && !json_object_is_type(el, json_type_object))
      rc = type_error(e, el, "Metadata", "maintainers", "chart.Maintainer");
    else if (el && !(m = json_object_new_object()))
      rc = -ENOMEM;
    else if (el)
      rc = decode_struct(el, maint_fields, NFIELDS(maint_fields), "Maintainer",
                         "maintainers", m, e);
    json_object_array_add(l, m);
  }
  if (rc)
    json_object_put(l);
  else
    json_object_object_add(c->meta, "maintainers", l);
  return rc;
}

static int dep_from_obj(struct chart_dep *d, struct json_object *o)
{
  const char *name = json_object_get_string(json_object_object_get(o, "name"));
  d->name = strdup(name ? name : "");
  struct json_object *s;
#define DEP_STR(field, key)                                                    \
  s = json_object_object_get(o, key);                                          \
  d->field = strdup(s ? json_object_get_string(s) : "");
  DEP_STR(version, "version")
  DEP_STR(repository, "repository")
  DEP_STR(condition, "condition")
  DEP_STR(alias, "alias")
#undef DEP_STR
  d->enabled = json_object_get_boolean(json_object_object_get(o, "enabled"));
  struct json_object *tags = json_object_object_get(o, "tags");
  d->ntags = chart__alen(tags);
  d->tags = calloc(d->ntags + 1, sizeof *d->tags);
  for (size_t i = 0; d->tags && i < d->ntags; i++)
    d->tags[i] =
        strdup(json_object_get_string(json_object_array_get_idx(tags, i)));
  d->import_values =
      json_object_get(json_object_object_get(o, "import-values"));
  return d->name && d->version && d->repository && d->condition && d->alias &&
                 d->tags
             ? 0
             : -ENOMEM;
}

static void free_reqs(struct chart *c)
{
  for (size_t i = 0; i < c->nreqs; i++)
    chart__dep_free(&c->reqs[i]);
  free(c->reqs);
  c->reqs = NULL;
  c->nreqs = 0;
}

/* A null entry is kept as a dependency named "\x01null" so that Validate
 * reports it as Helm does. */
static int decode_deps(struct chart *c, struct json_object *v, struct err *e)
{
  if (!json_object_is_type(v, json_type_array))
    return type_error(e, v, "Metadata", "dependencies", "[]*chart.Dependency");
  size_t n = chart__alen(v);
  struct chart_dep *reqs = calloc(n + 1, sizeof *reqs);
  int rc = reqs ? 0 : -ENOMEM;
  size_t done = 0;
  for (; !rc && done < n; done++) {
    struct json_object *el = json_object_array_get_idx(v, done);
    struct json_object *o = json_object_new_object();
    if (!o) {
      rc = -ENOMEM;
      break;
    }
    if (!el)
      json_object_object_add(o, "name", json_object_new_string("\x01null"));
    else if (!json_object_is_type(el, json_type_object))
      rc = type_error(e, el, "Metadata", "dependencies", "chart.Dependency");
    else
      rc = decode_struct(el, dep_fields, NFIELDS(dep_fields), "Dependency",
                         "dependencies", o, e);
    if (!rc)
      rc = dep_from_obj(&reqs[done], o);
    json_object_put(o);
  }
  if (rc) {
    for (size_t i = 0; i <= done && i < n; i++)
      chart__dep_free(&reqs[i]);
    free(reqs);
    return rc;
  }
  free_reqs(c);
  c->reqs = reqs;
  c->nreqs = n;
  c->has_reqs = 1;
  return 0;
}

static int apply_field(struct chart *c, const struct field *f,
                       struct json_object *v, struct err *e)
{
  switch (f->kind) {
  case 'm':
    if (!v) {
      json_object_object_del(c->meta, "maintainers");
      return 0;
    }
    return decode_maintainers(c, v, e);
  case 'd':
    if (!v) {
      free_reqs(c);
      c->has_reqs = 0;
      return 0;
    }
    return decode_deps(c, v, e);
  case 'a': {
    if (!v) {
      json_object_object_del(c->meta, "annotations");
      return 0;
    }
    struct json_object *into = json_object_object_get(c->meta, "annotations");
    if (!into) {
      into = json_object_new_object();
      json_object_object_add(c->meta, "annotations", into);
    }
    return decode_strmap(v, into, "annotations", e);
  }
  default:
    return decode_simple(c->meta, f, v, "Metadata", f->key, e);
  }
}

int chart__meta_apply(struct chart *c, struct json_object *doc, struct err *e)
{
  if (!c->meta && !(c->meta = json_object_new_object()))
    return -ENOMEM;
  if (!doc)
    return 0;
  if (!json_object_is_type(doc, json_type_object))
    return err_set(e, -EINVAL,
                   "error unmarshaling JSON: while decoding JSON: "
                   "json: cannot unmarshal %s into Go value of type "
                   "chart.Metadata",
                   json_kind(doc));
  json_object_object_foreach (doc, k, v) {
    const struct field *f = find_field(meta_fields, NFIELDS(meta_fields), k);
    int rc = f ? apply_field(c, f, v, e) : 0;
    if (rc)
      return rc;
  }
  return 0;
}

const char *chart__meta_str(const struct chart *c, const char *key)
{
  struct json_object *v = json_object_object_get(c->meta, key);
  return v ? json_object_get_string(v) : "";
}

/* ---- Validate ---- */

static int is_space_rune(unsigned long r)
{
  return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 ||
         r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

/* sanitizeString: whitespace becomes ' ', control characters go. */
static char *sanitize(const char *s)
{
  size_t n = strlen(s);
  char *out = malloc(n + 1), *w = out;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (i + len > n)
      len = n - i;
    unsigned long r = c;
    if (len == 2)
      r = ((c & 0x1Ful) << 6) | (s[i + 1] & 0x3F);
    else if (len == 3)
      r = ((c & 0x0Ful) << 12) | ((s[i + 1] & 0x3Ful) << 6) | (s[i + 2] & 0x3F);
    if (is_space_rune(r))
      *w++ = ' ';
    else if (!(r < 0x20 || (r >= 0x7F && r < 0xA0)))
      for (size_t k = 0; k < len; k++)
        *w++ = s[i + k];
    i += len;
  }
  *w = '\0';
  return out;
}

static void sanitize_key(struct json_object *o, const char *key)
{
  struct json_object *v = json_object_object_get(o, key);
  if (!v || !json_object_is_type(v, json_type_string))
    return;
  char *s = sanitize(json_object_get_string(v));
  if (s)
    json_object_object_add(o, key, json_object_new_string(s));
  free(s);
}

static void sanitize_list(struct json_object *o, const char *key)
{
  struct json_object *l = json_object_object_get(o, key);
  for (size_t i = 0; i < chart__alen(l); i++) {
    char *s = sanitize(json_object_get_string(json_object_array_get_idx(l, i)));
    if (s)
      json_object_array_put_idx(l, i, json_object_new_string(s));
    free(s);
  }
}

static void sanitize_dep(struct chart_dep *d)
{
  char **fields[] = {&d->name, &d->version, &d->repository, &d->condition};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    char *s = sanitize(*fields[i]);
    if (s) {
      free(*fields[i]);
      *fields[i] = s;
    }
  }
  for (size_t i = 0; i < d->ntags; i++) {
    char *s = sanitize(d->tags[i]);
    if (s) {
      free(d->tags[i]);
      d->tags[i] = s;
    }
  }
}

static int alias_ok(const char *a)
{
  for (; *a; a++)
    if (!(strchr("_-", *a) || (*a >= 'a' && *a <= 'z') ||
          (*a >= 'A' && *a <= 'Z') || (*a >= '0' && *a <= '9')))
      return 0;
  return 1;
}

static int validate_deps(struct chart *c, struct err *e)
{
  for (size_t i = 0; i < c->nreqs; i++) {
    struct chart_dep *d = &c->reqs[i];
    if (strcmp(d->name, "\x01null") == 0)
      return err_set(e, -EINVAL,
                     "validation: dependencies must not contain "
                     "empty or null nodes");
    sanitize_dep(d);
    if (d->alias[0] && !alias_ok(d->alias))
      return err_set(e, -EINVAL,
                     "validation: dependency \"%s\" has "
                     "disallowed characters in the alias",
                     d->name);
    const char *key = d->alias[0] ? d->alias : d->name;
    for (size_t j = 0; j < i; j++) {
      const char *other =
          c->reqs[j].alias[0] ? c->reqs[j].alias : c->reqs[j].name;
      if (strcmp(other, key) == 0)
        return err_set(e, -EINVAL,
                       "validation: more than one dependency with "
                       "name or alias \"%s\"",
                       key);
    }
  }
  return 0;
}

/* filepath.Base for a chart name. */
static int name_is_base(const char *name)
{
  size_t n = strlen(name);
  while (n > 1 && name[n - 1] == '/')
    n--;
  if (n == 1 && name[0] == '/')
    return strcmp(name, "/") == 0;
  const char *slash = memchr(name, '/', n);
  return !slash && n == strlen(name);
}

static int validate_maintainers(struct chart *c, struct err *e)
{
  struct json_object *l = json_object_object_get(c->meta, "maintainers");
  for (size_t i = 0; i < chart__alen(l); i++) {
    struct json_object *m = json_object_array_get_idx(l, i);
    if (!m)
      return err_set(e, -EINVAL,
                     "validation: maintainers must not contain "
                     "empty or null nodes");
    for (size_t k = 0; k < NFIELDS(maint_fields); k++)
      sanitize_key(m, maint_fields[k].key);
  }
  return 0;
}

int chart__meta_validate(struct chart *c, struct err *e)
{
  static const char *const clean[] = {"name",       "description", "home",
                                      "icon",       "condition",   "tags",
                                      "appVersion", "kubeVersion"};
  for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
    sanitize_key(c->meta, clean[i]);
  sanitize_list(c->meta, "sources");
  sanitize_list(c->meta, "keywords");
  const char *name = chart__meta_str(c, "name");
  const char *version = chart__meta_str(c, "version");
  const char *type = chart__meta_str(c, "type");
  struct chart_semver sv;
  struct err ve;
  if (!*chart__meta_str(c, "apiVersion"))
    return err_set(e, -EINVAL,
                   "validation: chart.metadata.apiVersion is required");
  if (!*name)
    return err_set(e, -EINVAL, "validation: chart.metadata.name is required");
  if (!name_is_base(name))
    return err_set(e, -EINVAL,
                   "validation: chart.metadata.name \"%s\" is invalid", name);
  if (!*version)
    return err_set(e, -EINVAL,
                   "validation: chart.metadata.version is required");
  if (chart__semver_parse(version, &sv, &ve))
    return err_set(e, -EINVAL,
                   "validation: chart.metadata.version \"%s\" is "
                   "invalid",
                   version);
  if (*type && strcmp(type, "application") && strcmp(type, "library"))
    return err_set(e, -EINVAL,
                   "validation: chart.metadata.type must be "
                   "application or library");
  int rc = validate_maintainers(c, e);
  return rc ? rc : validate_deps(c, e);
}

void chart__dep_free(struct chart_dep *d)
{
  free(d->name);
  free(d->version);
  free(d->repository);
  free(d->condition);
  free(d->alias);
  for (size_t i = 0; i < d->ntags; i++)
    free(d->tags[i]);
  free(d->tags);
  json_object_put(d->import_values);
  memset(d, 0, sizeof *d);
}

int chart__dep_copy(struct chart_dep *dst, const struct chart_dep *src)
{
  memset(dst, 0, sizeof *dst);
  dst->name = strdup(src->name);
  dst->version = strdup(src->version);
  dst->repository = strdup(src->repository);
  dst->condition = strdup(src->condition);
  dst->alias = strdup(src->alias);
  dst->enabled = src->enabled;
  dst->ntags = src->ntags;
  dst->tags = calloc(src->ntags + 1, sizeof *dst->tags);
  for (size_t i = 0; dst->tags && i < src->ntags; i++)
    dst->tags[i] = strdup(src->tags[i]);
  dst->import_values = json_object_get(src->import_values);
  return dst->name && dst->version && dst->repository && dst->condition &&
                 dst->alias && dst->tags
             ? 0
             : -ENOMEM;
}

/* ---- .Chart ---- */

static const struct tmpl_type dependency_type = {.name = "*chart.Dependency",
                                                 .kind = TMPL_KIND_PTR};
static const struct tmpl_type maintainer_type = {.name = "*chart.Maintainer",
                                                 .kind = TMPL_KIND_PTR};

static struct json_object *str_list(char **v, size_t n, int typed)
{
  struct json_object *l = json_object_new_array();
  for (size_t i = 0; l && i < n; i++)
    json_object_array_add(l, json_object_new_string(v[i]));
  if (l && typed)
    tmpl_val_set_type(l, &tmpl_type_strings);
  return l;
}

/* A dependency with Go's field names: a *chart.Dependency (Helm 3) or
 * the map Helm 4's structToMap makes. */
static struct json_object *dep_value(const struct chart_dep *d, int helm3)
{
  struct json_object *o = json_object_new_object();
  if (!o)
    return NULL;
  json_object_object_add(o, "Name", json_object_new_string(d->name));
  json_object_object_add(o, "Version", json_object_new_string(d->version));
  json_object_object_add(o, "Repository",
                         json_object_new_string(d->repository));
  json_object_object_add(o, "Condition", json_object_new_string(d->condition));
  json_object_object_add(o, "Tags", str_list(d->tags, d->ntags, helm3));
  json_object_object_add(o, "Enabled", json_object_new_boolean(d->enabled));
  struct json_object *iv = json_object_get(d->import_values);
  if (!iv)
    iv = json_object_new_array();
  json_object_object_add(o, "ImportValues", iv);
  json_object_object_add(o, "Alias", json_object_new_string(d->alias));
  if (helm3)
    tmpl_val_set_type(o, &dependency_type);
  return o;
}

static struct json_object *maintainers_value(struct json_object *l, int helm3)
{
  struct json_object *out = json_object_new_array();
  for (size_t i = 0; out && i < chart__alen(l); i++) {
    struct json_object *m = json_object_array_get_idx(l, i);
    struct json_object *o = json_object_new_object();
    if (!o)
      break;
    json_object_object_add(o, "Name",
                           coerce_str(json_object_object_get(m, "name")));
    json_object_object_add(o, "Email",
                           coerce_str(json_object_object_get(m, "email")));
    json_object_object_add(o, "URL",
                           coerce_str(json_object_object_get(m, "url")));
    if (helm3)
      tmpl_val_set_type(o, &maintainer_type);
    json_object_array_add(out, o);
  }
  return out;
}

static struct json_object *deps_value(const struct chart_dep *reqs,
                                      size_t nreqs, int helm3)
{
  struct json_object *l = json_object_new_array();
  for (size_t i = 0; l && i < nreqs; i++)
    json_object_array_add(l, dep_value(&reqs[i], helm3));
  return l;
}

/* Helm 4: structToMap(chart.Metadata) plus IsRoot. */
static struct json_object *chart_map(const struct chart *c, const char *name,
                                     const struct chart_dep *reqs, size_t nreqs,
                                     int is_root)
{
  static const struct {
    const char *go, *key;
    char kind;
  } f[] = {{"Name", "name", 's'},
           {"Home", "home", 's'},
           {"Sources", "sources", 'l'},
           {"Version", "version", 's'},
           {"Description", "description", 's'},
           {"Keywords", "keywords", 'l'},
           {"Icon", "icon", 's'},
           {"APIVersion", "apiVersion", 's'},
           {"Condition", "condition", 's'},
           {"Tags", "tags", 's'},
           {"AppVersion", "appVersion", 's'},
           {"Deprecated", "deprecated", 'b'},
           {"KubeVersion", "kubeVersion", 's'},
           {"Type", "type", 's'}};
  struct json_object *m = json_object_new_object();
  for (size_t i = 0; m && i < sizeof f / sizeof f[0]; i++) {
    struct json_object *v = json_object_object_get(c->meta, f[i].key);
    struct json_object *out;
    if (f[i].kind == 's')
      out = json_object_new_string(v ? json_object_get_string(v) : "");
    else if (f[i].kind == 'b')
      out = json_object_new_boolean(json_object_get_boolean(v));
    else
      out = v ? json_object_get(v) : json_object_new_array();
    json_object_object_add(m, f[i].go, out);
  }
  if (!m)
    return NULL;
  json_object_object_add(m, "Name", json_object_new_string(name));
  json_object_object_add(
      m, "Maintainers",
      maintainers_value(json_object_object_get(c->meta, "maintainers"), 0));
  struct json_object *ann = json_object_new_object();
  struct json_object *have = json_object_object_get(c->meta, "annotations");
  if (have) {
    json_object_object_foreach (have, k, v) {
      json_object_object_add(ann, k, json_object_get(v));
    }
  }
  tmpl_val_set_type(ann, &tmpl_type_strmap);
  json_object_object_add(m, "Annotations", ann);
  json_object_object_add(m, "Dependencies", deps_value(reqs, nreqs, 0));
  json_object_object_add(m, "IsRoot", json_object_new_boolean(is_root));
  return m;
}

struct json_object *chart__chart_value(const struct chart *c, enum chart_mode m,
                                       const char *name,
                                       const struct chart_dep *reqs,
                                       size_t nreqs, int has_reqs, int is_root)
{
  if (m == CHART_MODE_ISTIOCTL)
    return chart_map(c, name, reqs, nreqs, is_root);
  struct json_object *y = json_object_new_object();
  if (!y)
    return NULL;
  json_object_object_foreach (c->meta, k, v) {
    json_object_object_add(y, k, json_object_get(v));
  }
  json_object_object_add(y, "name", json_object_new_string(name));
  json_object_object_add(
      y, "maintainers",
      maintainers_value(json_object_object_get(c->meta, "maintainers"), 1));
  if (has_reqs)
    json_object_object_add(y, "dependencies", deps_value(reqs, nreqs, 1));
  struct json_object *out = tmpl_helm_chart(y, is_root);
  json_object_put(y);
  return out;
}
