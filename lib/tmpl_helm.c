/* tmpl_helm: Helm's include, tpl, required and fail, its error messages
 * (helm pkg/engine: funcs.go, engine.go), its function map as a whole
 * (Sprig's plus its own), and the built-in objects .Capabilities, .Files
 * (Get, GetBytes, Lines, Glob, AsConfig, AsSecrets) and .Chart. */
#include "tmpl_helm.h"
#include "tmpl_sprig.h"
#include "tmpl_sprig_int.h"

#include "base64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_START "HELM_ERR_START"
#define ERR_END "HELM_ERR_END"

static int ret_string(struct tmpl_value *out, struct buf *b)
{
  out->o = json_object_new_string_len(b->data ? b->data : "", (int)b->len);
  buf_free(b);
  return out->o ? 0 : -ENOMEM;
}

/* include NAME DATA: the template's output as a string. */
static int fn_include(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                      struct tmpl_value *out)
{
  (void)argc;
  struct buf b;
  buf_init(&b, 0);
  int rc =
      tmpl_call_template(c, json_object_get_string(argv[0].o), argv[1], &b);
  if (rc) {
    buf_free(&b);
    return rc;
  }
  return ret_string(out, &b);
}

/* tpl TEXT DATA: TEXT parsed as a template over the current set (its
 * defines visible only inside), run with DATA, "<no value>" removed. */
static int fn_tpl(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)argc;
  const char *text = json_object_get_string(argv[0].o);
  size_t len = (size_t)json_object_get_string_len(argv[0].o);
  const char *name = (const char *)tmpl_call_data(c);
  if (!name)
    name = tmpl_call_template_name(c);
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl_call_text(c, name, text, len, argv[1], &b);
  if (rc) {
    buf_free(&b);
    if (rc == -ENOMEM)
      return rc;
    char inner[ERR_MSG_MAX];
    snprintf(inner, sizeof inner, "%s", tmpl_call_message(c));
    struct buf q;
    buf_init(&q, 0);
    tmpl_quote(&q, text, len);
    if (rc == -EBADMSG)
      rc = tmpl_call_errorf(c, "cannot parse template %s: %s",
                            q.data ? q.data : "", inner);
    else
      rc = tmpl_call_errorf(c, "error during tpl function execution for %s: %s",
                            q.data ? q.data : "", inner);
    buf_free(&q);
    return rc;
  }
  tmpl_strip_no_value(&b);
  return ret_string(out, &b);
}

static int fn_required(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out)
{
  (void)argc;
  struct json_object *v = argv[1].o;
  if (!v || (json_object_is_type(v, json_type_string) &&
             tmpl_val_type(v) == NULL && json_object_get_string_len(v) == 0))
    return tmpl_call_errorf(c, ERR_START "%s" ERR_END,
                            json_object_get_string(argv[0].o));
  out->o = json_object_get(v);
  return 0;
}

static int fn_fail(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                   struct tmpl_value *out)
{
  (void)argc;
  (void)out;
  return tmpl_call_errorf(c, ERR_START "%s" ERR_END,
                          json_object_get_string(argv[0].o));
}

static const struct tmpl_func helm_funcs[] = {
    {"include", fn_include, "sa", NULL},
    {"tpl", fn_tpl, "sa", "gotpl"},
    {"required", fn_required, "sa", NULL},
    {"fail", fn_fail, "s", NULL},
};

int tmpl_helm_add_funcs(struct tmpl_funcs *f)
{
  int rc = tmpl_sprig_add_funcs(f);
  if (!rc)
    rc = tmpl_funcs_add(f, tmpl__helm_conv_fns.fns, tmpl__helm_conv_fns.n);
  if (!rc)
    rc =
        tmpl_funcs_add(f, helm_funcs, sizeof helm_funcs / sizeof helm_funcs[0]);
  return rc;
}

/* The i-th ": "-separated token of s (Go's strings.Split), copied. */
static int token(const char *s, int i, char *out, size_t cap)
{
  for (int k = 0; k < i; k++) {
    s = strstr(s, ": ");
    if (!s)
      return -1;
    s += 2;
  }
  const char *end = strstr(s, ": ");
  size_t n = end ? (size_t)(end - s) : strlen(s);
  snprintf(out, cap, "%.*s", (int)n, s);
  return 0;
}

void tmpl_helm_parse_error(struct err *e, const char *name)
{
  char loc[ERR_MSG_MAX];
  const char *last = e->msg, *p;
  if (token(e->msg, 1, loc, sizeof loc)) {
    char old[ERR_MSG_MAX];
    snprintf(old, sizeof old, "%s", e->msg);
    snprintf(e->msg, sizeof e->msg, "parse error in (%s): %.*s", name,
             (int)(sizeof e->msg / 2), old);
    return;
  }
  while ((p = strstr(last, ": ")))
    last = p + 2;
  char msg[ERR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", last);
  snprintf(e->msg, sizeof e->msg, "parse error at (%.*s): %.*s",
           (int)(sizeof e->msg / 4), loc, (int)(sizeof e->msg / 2), msg);
}

void tmpl_helm_exec_error(struct err *e, const char *name)
{
  (void)name;
  const char *s = strstr(e->msg, ERR_START), *t = NULL;
  for (const char *p = s; p && (p = strstr(p, ERR_END)); p++)
    t = p; /* Helm's pattern is greedy: up to the last end marker */
  char loc[ERR_MSG_MAX];
  if (!t || token(e->msg, 1, loc, sizeof loc))
    return;
  char msg[ERR_MSG_MAX];
  s += strlen(ERR_START);
  snprintf(msg, sizeof msg, "%.*s", (int)(t - s), s);
  snprintf(e->msg, sizeof e->msg, "execution error at (%.*s): %.*s",
           (int)(sizeof e->msg / 4), loc, (int)(sizeof e->msg / 2), msg);
}

/* ---- Built-in objects ---- */

static int kv_string(struct buf *b, struct json_object *o)
{
  struct json_object *v = json_object_object_get(o, "Version");
  return buf_puts(b, v ? json_object_get_string(v) : "");
}

static int m_git_version(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                         struct tmpl_value *out)
{
  (void)argc;
  (void)argv;
  struct json_object *v = json_object_object_get(tmpl_call_recv(c), "Version");
  out->o = json_object_new_string(v ? json_object_get_string(v) : "");
  return out->o ? 0 : -ENOMEM;
}

static int m_has(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  struct json_object *set = tmpl_call_recv(c);
  const char *want = json_object_get_string(argv[0].o);
  int found = 0;
  for (size_t i = 0; !found && i < json_object_array_length(set); i++)
    found = strcmp(json_object_get_string(json_object_array_get_idx(set, i)),
                   want) == 0;
  out->o = json_object_new_boolean(found);
  return out->o ? 0 : -ENOMEM;
}

static const struct tmpl_func kube_version_methods[] = {
    {"GitVersion", m_git_version, "", NULL},
    {"String", m_git_version, "", NULL},
};

static const struct tmpl_type kube_version_type = {
    .name = "chartutil.KubeVersion",
    .kind = TMPL_KIND_STRUCT,
    .methods = kube_version_methods,
    .nmethods = 2,
    .action_string = kv_string,
};

static const struct tmpl_func version_set_methods[] = {
    {"Has", m_has, "s", NULL},
};

static const struct tmpl_type version_set_type = {
    .name = "chartutil.VersionSet",
    .kind = TMPL_KIND_SLICE,
    .elem = TMPL_KIND_STRING,
    .elem_name = "string",
    .methods = version_set_methods,
    .nmethods = 1,
};

static const struct tmpl_type build_info_type = {
    .name = "version.BuildInfo",
    .kind = TMPL_KIND_STRUCT,
};

static const struct tmpl_type capabilities_type = {
    .name = "*chartutil.Capabilities",
    .kind = TMPL_KIND_PTR,
};

static int add_str(struct json_object *o, const char *k, const char *v)
{
  struct json_object *s = json_object_new_string(v ? v : "");
  if (!s || json_object_object_add(o, k, s)) {
    json_object_put(s);
    return -ENOMEM;
  }
  return 0;
}

static struct json_object *new_struct(const struct tmpl_type *t)
{
  struct json_object *o = json_object_new_object();
  if (o)
    tmpl_val_set_type(o, t);
  return o;
}

static struct json_object *kube_version(const char *v)
{
  struct json_object *kv = new_struct(&kube_version_type);
  if (!kv)
    return NULL;
  /* "v1.32.0" -> Major "1", Minor "32" */
  char major[32] = "", minor[32] = "";
  const char *p = v && v[0] == 'v' ? v + 1 : v ? v : "";
  sscanf(p, "%31[0-9].%31[0-9]", major, minor);
  if (add_str(kv, "Version", v) || add_str(kv, "Major", major) ||
      add_str(kv, "Minor", minor)) {
    json_object_put(kv);
    return NULL;
  }
  return kv;
}

static struct json_object *caps_parts(const struct tmpl_helm_caps *c,
                                      struct json_object *caps)
{
  struct json_object *apis = json_object_new_array();
  struct json_object *hv = new_struct(&build_info_type);
  struct json_object *kv = kube_version(c->kube_version);
  int rc = !apis || !hv || !kv;
  if (apis)
    tmpl_val_set_type(apis, &version_set_type);
  for (size_t i = 0; !rc && i < c->napi_versions; i++)
    rc =
        json_object_array_add(apis, json_object_new_string(c->api_versions[i]));
  if (!rc)
    rc = add_str(hv, "Version", c->helm_version) ||
         add_str(hv, "GitCommit", c->git_commit) ||
         add_str(hv, "GitTreeState", c->git_tree_state) ||
         add_str(hv, "GoVersion", c->go_version);
  if (!rc) {
    json_object_object_add(caps, "KubeVersion", kv);
    json_object_object_add(caps, "APIVersions", apis);
    json_object_object_add(caps, "HelmVersion", hv);
    return caps;
  }
  json_object_put(apis);
  json_object_put(hv);
  json_object_put(kv);
  json_object_put(caps);
  return NULL;
}

struct json_object *tmpl_helm_capabilities(const struct tmpl_helm_caps *c)
{
  struct json_object *caps = new_struct(&capabilities_type);
  return caps ? caps_parts(c, caps) : NULL;
}

static int m_get(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                 struct tmpl_value *out)
{
  (void)argc;
  struct json_object *v = NULL;
  json_object_object_get_ex(tmpl_call_recv(c),
                            json_object_get_string(argv[0].o), &v);
  out->o = json_object_new_string_len(v ? json_object_get_string(v) : "",
                                      v ? json_object_get_string_len(v) : 0);
  return out->o ? 0 : -ENOMEM;
}

static int m_get_bytes(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out)
{
  int rc = m_get(c, argc, argv, out);
  if (!rc)
    tmpl_val_set_type(out->o, &tmpl_type_bytes);
  return rc;
}

/* Lines: the file split on "\n", a final empty line dropped. */
static int m_lines(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                   struct tmpl_value *out)
{
  (void)argc;
  struct json_object *v = NULL;
  json_object_object_get_ex(tmpl_call_recv(c),
                            json_object_get_string(argv[0].o), &v);
  struct json_object *list = json_object_new_array();
  if (!list)
    return -ENOMEM;
  tmpl_val_set_type(list, &tmpl_type_strings);
  const char *s = v ? json_object_get_string(v) : NULL;
  size_t n = v ? (size_t)json_object_get_string_len(v) : 0;
  if (s && n == 0) { /* Go indexes s[len(s)-1] */
    json_object_put(list);
    return tmpl_call_errorf(c, "runtime error: index out of range [-1]");
  }
  if (s && n) {
    if (s[n - 1] == '\n')
      n--;
    for (size_t start = 0, i = 0; i <= n; i++)
      if (i == n || s[i] == '\n') {
        json_object_array_add(
            list, json_object_new_string_len(s + start, (int)(i - start)));
        start = i + 1;
      }
  }
  out->o = list;
  return 0;
}

static int m_glob(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out);
static int m_as_config(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out);

static const struct tmpl_func files_methods[] = {
    {"AsConfig", m_as_config, "", NULL},
    {"AsSecrets", m_as_config, "", "secrets"},
    {"Get", m_get, "s", NULL},
    {"GetBytes", m_get_bytes, "s", NULL},
    {"Glob", m_glob, "s", NULL},
    {"Lines", m_lines, "s", NULL},
};

static const struct tmpl_type files_type = {
    .name = "engine.files",
    .kind = TMPL_KIND_MAP,
    .elem = TMPL_KIND_SLICE,
    .elem_name = "[]uint8",
    .methods = files_methods,
    .nmethods = sizeof files_methods / sizeof files_methods[0],
};

/* ---- .Files.Glob: gobwas/glob patterns with '/' as the separator ---- */

/* The end of a [...] class starting at p, or NULL when unclosed. */
static const char *class_end(const char *p, const char *pe)
{
  const char *q = p + 1;
  if (q < pe && *q == '!')
    q++;
  for (; q < pe; q++) {
    if (*q == '\\' && q + 1 < pe)
      q++;
    else if (*q == ']')
      return q;
  }
  return NULL;
}

/* The '}' closing the {...} at p, or NULL. */
static const char *brace_end(const char *p, const char *pe)
{
  int depth = 0;
  for (const char *q = p; q < pe; q++) {
    if (*q == '\\' && q + 1 < pe)
      q++;
    else if (*q == '[' && !(q = class_end(q, pe)))
      return NULL;
    else if (*q == '{')
      depth++;
    else if (*q == '}' && --depth == 0)
      return q;
  }
  return NULL;
}

static int glob_valid(const char *p, const char *pe)
{
  for (const char *q = p; q < pe; q++) {
    if (*q == '\\' && q + 1 < pe)
      q++;
    else if (*q == '[' && !(q = class_end(q, pe)))
      return 0;
    else if (*q == '{' && !brace_end(q, pe))
      return 0;
  }
  return 1;
}

static int class_match(const char *p, const char *end, uint32_t r)
{
  int neg = p[1] == '!', hit = 0;
  for (const char *q = p + 1 + neg; q < end;) {
    uint32_t lo, hi;
    if (*q == '\\')
      q++;
    q += tmpl__utf8_decode((const unsigned char *)q, (size_t)(end - q), &lo);
    hi = lo;
    if (q + 1 < end && *q == '-') {
      q++;
      q += tmpl__utf8_decode((const unsigned char *)q, (size_t)(end - q), &hi);
    }
    hit |= r >= lo && r <= hi;
  }
  return hit != neg;
}

static int glob_match(const char *p, const char *pe, const char *s,
                      const char *se, int depth);

/* {a,b}rest: each alternative followed by the rest of the pattern. */
static int alt_match(const char *p, const char *pe, const char *s,
                     const char *se, int depth)
{
  const char *end = brace_end(p, pe), *a = p + 1;
  int found = 0, nest = 0;
  for (const char *q = a; !found && q <= end; q++) {
    if (*q == '\\') {
      q++;
      continue;
    }
    if (*q == '{')
      nest++;
    if (*q == '}' && q < end)
      nest--;
    if (nest > 0 || (*q != ',' && q != end))
      continue;
    size_t an = (size_t)(q - a), rn = (size_t)(pe - end - 1);
    char *tmp = malloc(an + rn + 1);
    if (!tmp)
      return 0;
    memcpy(tmp, a, an);
    memcpy(tmp + an, end + 1, rn);
    found = glob_match(tmp, tmp + an + rn, s, se, depth + 1);
    free(tmp);
    a = q + 1;
  }
  return found;
}

static int glob_match(const char *p, const char *pe, const char *s,
                      const char *se, int depth)
{
  if (depth > 64)
    return 0;
  while (p < pe) {
    uint32_t r;
    if (*p == '*') {
      int super = p + 1 < pe && p[1] == '*';
      while (p < pe && *p == '*')
        p++;
      for (const char *t = s;; t++) {
        if (glob_match(p, pe, t, se, depth + 1))
          return 1;
        if (t == se || (!super && *t == '/'))
          return 0;
      }
    }
    if (*p == '{')
      return alt_match(p, pe, s, se, depth);
    if (s == se)
      return 0;
    size_t w =
        tmpl__utf8_decode((const unsigned char *)s, (size_t)(se - s), &r);
    if (*p == '?') {
      if (r == '/')
        return 0;
      p++;
    } else if (*p == '[') {
      const char *end = class_end(p, pe);
      if (!class_match(p, end, r))
        return 0;
      p = end + 1;
    } else {
      if (*p == '\\' && p + 1 < pe)
        p++;
      if (*p != *s || w != 1)
        return w > 1 && (size_t)(pe - p) >= w && memcmp(p, s, w) == 0
                   ? glob_match(p + w, pe, s + w, se, depth)
                   : 0;
      p++;
    }
    s += w;
  }
  return s == se;
}

static int m_glob(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)argc;
  const char *p = json_object_get_string(argv[0].o);
  size_t pn = (size_t)json_object_get_string_len(argv[0].o);
  if (!glob_valid(p, p + pn)) { /* Helm falls back to "**" */
    p = "**";
    pn = 2;
  }
  struct json_object *files = tmpl_helm_files();
  if (!files)
    return -ENOMEM;
  json_object_object_foreach (tmpl_call_recv(c), k, v) {
    if (glob_match(p, p + pn, k, k + strlen(k), 0) &&
        json_object_object_add(files, k, json_object_get(v))) {
      json_object_put(files);
      return -ENOMEM;
    }
  }
  out->o = files;
  return 0;
}

/* AsConfig and AsSecrets: the files by base name, as toYaml prints a
 * map[string]string (contents, or their base64). */
static int m_as_config(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out)
{
  (void)argc;
  (void)argv;
  int secrets = tmpl_call_data(c) != NULL, rc = 0;
  struct json_object *m = json_object_new_object();
  if (!m)
    return -ENOMEM;
  json_object_object_foreach (tmpl_call_recv(c), k, v) {
    const char *base = strrchr(k, '/') ? strrchr(k, '/') + 1 : k;
    const char *d = v ? json_object_get_string(v) : "";
    size_t n = v ? (size_t)json_object_get_string_len(v) : 0;
    char *e = secrets ? base64_encode(d, n) : NULL;
    struct json_object *s = secrets ? (e ? json_object_new_string(e) : NULL)
                                    : json_object_new_string_len(d, (int)n);
    free(e);
    if (!s || json_object_object_add(m, *base ? base : ".", s)) {
      json_object_put(s);
      rc = -ENOMEM;
      break;
    }
  }
  struct buf b;
  buf_init(&b, tmpl_call_max_output(c));
  if (!rc) {
    tmpl_val_set_type(m, &tmpl_type_strmap);
    rc = tmpl__helm_to_yaml(c, m, &b);
  }
  json_object_put(m);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

struct json_object *tmpl_helm_files(void)
{
  return new_struct(&files_type);
}

int tmpl_helm_files_add(struct json_object *files, const char *name,
                        const char *data, size_t len)
{
  struct json_object *v = json_object_new_string_len(data, (int)len);
  if (!v)
    return -ENOMEM;
  tmpl_val_set_type(v, &tmpl_type_bytes);
  return json_object_object_add(files, name, v) ? -ENOMEM : 0;
}

static const struct tmpl_type metadata_type = {
    .name = "chart.Metadata",
    .kind = TMPL_KIND_STRUCT,
};

static const struct tmpl_type chart_type = {
    .name = "struct { chart.Metadata; IsRoot bool }",
    .kind = TMPL_KIND_STRUCT,
    .embedded = "Metadata",
};

/* chart.Metadata's fields in declaration order, with their YAML keys and
 * kinds: s string, l []string, p []*T, m map[string]string, b bool. */
static const struct {
  const char *field, *key;
  char kind;
} metadata_fields[] = {
    {"Name", "name", 's'},
    {"Home", "home", 's'},
    {"Sources", "sources", 'l'},
    {"Version", "version", 's'},
    {"Description", "description", 's'},
    {"Keywords", "keywords", 'l'},
    {"Maintainers", "maintainers", 'p'},
    {"Icon", "icon", 's'},
    {"APIVersion", "apiVersion", 's'},
    {"Condition", "condition", 's'},
    {"Tags", "tags", 's'},
    {"AppVersion", "appVersion", 's'},
    {"Deprecated", "deprecated", 'b'},
    {"Annotations", "annotations", 'm'},
    {"KubeVersion", "kubeVersion", 's'},
    {"Dependencies", "dependencies", 'p'},
    {"Type", "type", 's'},
};

static struct json_object *metadata_value(struct json_object *v, char kind)
{
  struct json_object *o;
  switch (kind) {
  case 's':
    return json_object_new_string(v && json_object_is_type(v, json_type_string)
                                      ? json_object_get_string(v)
                                      : "");
  case 'b':
    return json_object_new_boolean(v && json_object_get_boolean(v));
  case 'm':
    o = json_object_new_object();
    if (o && v && json_object_is_type(v, json_type_object)) {
      json_object_object_foreach (v, k, e) {
        json_object_object_add(
            o, k, json_object_new_string(e ? json_object_get_string(e) : ""));
      }
    }
    if (o)
      tmpl_val_set_type(o, &tmpl_type_strmap);
    return o;
  default: /* lists keep their elements as read */
    o = json_object_new_array();
    for (size_t i = 0; o && v && json_object_is_type(v, json_type_array) &&
                       i < json_object_array_length(v);
         i++)
      json_object_array_add(o,
                            json_object_get(json_object_array_get_idx(v, i)));
    if (o && kind == 'l')
      tmpl_val_set_type(o, &tmpl_type_strings);
    return o;
  }
}

struct json_object *tmpl_helm_chart(struct json_object *chart_yaml, int is_root)
{
  struct json_object *md = new_struct(&metadata_type);
  struct json_object *ch = new_struct(&chart_type);
  int rc = !md || !ch;
  for (size_t i = 0;
       !rc && i < sizeof metadata_fields / sizeof metadata_fields[0]; i++) {
    struct json_object *v = NULL;
    json_object_object_get_ex(chart_yaml, metadata_fields[i].key, &v);
    struct json_object *f = metadata_value(v, metadata_fields[i].kind);
    rc = !f || json_object_object_add(md, metadata_fields[i].field, f);
  }
  if (!rc) {
    json_object_object_add(ch, "Metadata", md);
    md = NULL;
    rc = json_object_object_add(ch, "IsRoot", json_object_new_boolean(is_root));
  }
  json_object_put(md);
  if (rc) {
    json_object_put(ch);
    return NULL;
  }
  return ch;
}
