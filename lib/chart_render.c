/* chart_render: Helm's engine over a chart tree (helm pkg/engine/engine.go
 * Render, recAllTpls, sortTemplates; pkg/chartutil ToRenderValues).
 *
 * Each chart gets one data map shared by all its templates (.Chart,
 * .Files, .Release, .Capabilities, .Values, .Subcharts, and .Template set
 * before each file), so a template that changes .Values (set $ "Values"
 * ...) changes it for every template executed after it: Istio's
 * zzz_profile.yaml relies on this together with the execution order. */
#include "chart_int.h"

#include "tmpl.h"
#include "tmpl_helm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Helm 3.17.2's default .Capabilities.APIVersions (client-go's scheme
 * plus apiextensions), as `helm template` prints them. */
static const char *const default_api_versions[] = {
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
};

/* Helm 4 calls its values map common.Values (Helm 3: chartutil.Values). */
static const struct tmpl_type common_values_type = {.name = "common.Values",
                                                    .kind = TMPL_KIND_MAP};

static const struct tmpl_type *values_type(enum chart_mode m)
{
  return m == CHART_MODE_ISTIOCTL ? &common_values_type : &tmpl_type_values;
}

#define NDEFAULT_APIS                                                          \
  (sizeof default_api_versions / sizeof default_api_versions[0])
#define MAX_API_VERSIONS 4096

/* ---- names ---- */

void chart__node_path(const struct chart_node *n, struct buf *b)
{
  if (n->parent) {
    chart__node_path(n->parent, b);
    buf_puts(b, "/charts/");
  }
  buf_puts(b, n->name);
}

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static size_t slashes(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == '/';
  return n;
}

/* sort.Reverse(byPathLen): more '/' first, then reverse byte order. */
static int helm_order(const void *pa, const void *pb)
{
  const struct chart_file *a = pa, *b = pb;
  size_t ca = slashes(a->name), cb = slashes(b->name);
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return -strcmp(a->name, b->name);
}

/* ---- the data of each chart ---- */

struct tpl {
  struct chart_file f;      /* name and text (borrowed) */
  struct json_object *data; /* the chart's shared data map */
  char *base_path;
};

struct tpls {
  struct tpl *v;
  size_t n;
};

static int tpls_add(struct tpls *t, const char *name,
                    const struct chart_file *src, struct json_object *data,
                    const char *base)
{
  /* Helm keys templates by name: a later one replaces an earlier one. */
  for (size_t i = 0; i < t->n; i++)
    if (!strcmp(t->v[i].f.name, name)) {
      free(t->v[i].f.name);
      free(t->v[i].base_path);
      memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
      t->n--;
      break;
    }
  struct tpl *v = realloc(t->v, (t->n + 1) * sizeof *v);
  if (!v)
    return -ENOMEM;
  t->v = v;
  v[t->n] =
      (struct tpl){{strdup(name), src->data, src->len}, data, strdup(base)};
  if (!v[t->n].f.name || !v[t->n].base_path)
    return -ENOMEM;
  t->n++;
  return 0;
}

static void tpls_free(struct tpls *t)
{
  for (size_t i = 0; i < t->n; i++) {
    free(t->v[i].f.name);
    free(t->v[i].base_path);
  }
  free(t->v);
}

static struct json_object *files_value(const struct chart *c)
{
  struct json_object *f = tmpl_helm_files();
  for (size_t i = 0; f && i < c->files.n; i++)
    tmpl_helm_files_add(f, c->files.v[i].name, c->files.v[i].data,
                        c->files.v[i].len);
  return f;
}

static int is_library(const struct chart *c)
{
  return strcasecmp(chart__meta_str(c, "type"), "library") == 0;
}

struct rec {
  struct tpls t;
  enum chart_mode mode;
  struct json_object *all; /* every data map, to break their cycles */
};

/* The chart's .Values: the root's values, or values[<name>] of its
 * parent's (an empty map when that is not a table). */
static struct json_object *chart_values(struct rec *r, struct chart_node *n,
                                        struct json_object *vals)
{
  struct json_object *v = NULL;
  if (!n->parent) {
    v = json_object_get(json_object_object_get(vals, "Values"));
  } else {
    char *path = chart__strf("Values.%s", n->name);
    if (path)
      v = json_object_get(chart__table(vals, path));
    free(path);
  }
  if (!v && (v = json_object_new_object()))
    tmpl_val_set_type(v, values_type(r->mode));
  return v;
}

/* Every template of n under "<chart path>/templates/...", sharing data. */
static void add_templates(struct rec *r, struct chart_node *n,
                          struct json_object *data)
{
  struct buf path;
  buf_init(&path, 0);
  chart__node_path(n, &path);
  char *base = chart__strf("%s/templates", path.data);
  for (size_t i = 0; base && i < n->c->templates.n; i++) {
    const struct chart_file *t = &n->c->templates.v[i];
    if (is_library(n->c) && base_name(t->name)[0] != '_')
      continue;
    char *key = chart__strf("%s/%s", path.data, t->name);
    if (key)
      tpls_add(&r->t, key, t, data, base);
    free(key);
  }
  free(base);
  buf_free(&path);
}

/* recAllTpls: the data map of chart n (parent data `vals`), its
 * subcharts' first, then its templates. Returns a new reference. */
static struct json_object *rec_all(struct rec *r, struct chart_node *n,
                                   struct json_object *vals)
{
  struct json_object *next = json_object_new_object();
  struct json_object *subs = json_object_new_object();
  if (!next || !subs) {
    json_object_put(next);
    json_object_put(subs);
    return NULL;
  }
  json_object_array_add(r->all, json_object_get(next));
  json_object_object_add(next, "Chart",
                         chart__chart_value(n->c, r->mode, n->name, n->reqs,
                                            n->nreqs, n->has_reqs, !n->parent));
  json_object_object_add(next, "Files", files_value(n->c));
  json_object_object_add(
      next, "Release",
      json_object_get(json_object_object_get(vals, "Release")));
  json_object_object_add(
      next, "Capabilities",
      json_object_get(json_object_object_get(vals, "Capabilities")));
  json_object_object_add(next, "Values", chart_values(r, n, vals));
  json_object_object_add(next, "Subcharts", subs);
  for (size_t i = 0; i < n->nkids; i++)
    json_object_object_add(subs, n->kids[i]->name,
                           rec_all(r, n->kids[i], next));
  add_templates(r, n, next);
  return next;
}

/* ---- parse and execute ---- */

static struct tmpl_funcs *engine_funcs(void)
{
  struct tmpl_funcs *f = tmpl_funcs_new();
  if (f && tmpl_helm_add_funcs(f)) {
    tmpl_funcs_free(f);
    return NULL;
  }
  return f;
}

static int parse_all(struct tmpl_set *s, const struct tpls *t, struct err *e)
{
  for (size_t i = 0; i < t->n; i++) {
    const struct tpl *p = &t->v[i];
    int rc = tmpl_set_parse(s, p->f.name, p->f.data, p->f.len, e);
    if (rc) {
      tmpl_helm_parse_error(e, p->f.name);
      return rc;
    }
  }
  return 0;
}

static int set_template(const struct tpl *p, enum chart_mode m)
{
  struct json_object *t = json_object_new_object();
  if (!t)
    return -ENOMEM;
  tmpl_val_set_type(t, values_type(m));
  json_object_object_add(t, "Name", json_object_new_string(p->f.name));
  json_object_object_add(t, "BasePath", json_object_new_string(p->base_path));
  json_object_object_add(p->data, "Template", t);
  return 0;
}

/* ---- Helm 4's execution errors ---- */

struct trace {
  char loc[ERR_MSG_MAX], fn[ERR_MSG_MAX], msg[ERR_MSG_MAX];
};

/* One level of the error chain, as reformatExecErrorMsg parses it: 1 with
 * *next at the wrapped error ("error calling f: <next>") or NULL. */
static int trace_level(const char *s, struct trace *t, const char **next)
{
  memset(t, 0, sizeof *t);
  *next = NULL;
  if (strncmp(s, "template: ", 10))
    return 0;
  const char *r = s + 10;
  if (!strncmp(r, "no template ", 12)) {
    snprintf(t->msg, sizeof t->msg, "%s", s);
    return 1;
  }
  const char *ex = strstr(r, ": executing \""), *msg;
  if (ex) {
    const char *q = strchr(ex + 13, '"');
    const char *at = q && !strncmp(q + 1, " at <", 5) ? q + 6 : NULL;
    const char *close = at ? strstr(at, ">: ") : NULL;
    if (!close)
      return 0;
    snprintf(t->loc, sizeof t->loc, "%.*s", (int)(ex - r), r);
    snprintf(t->fn, sizeof t->fn,
             "executing \"%.*s\" at <%.*s>:", (int)(q - ex - 13), ex + 13,
             (int)(close - at), at);
    msg = close + 3;
  } else {
    const char *sep = NULL;
    for (const char *p = strstr(r, ": "); p; p = strstr(p + 1, ": "))
      sep = p;
    if (!sep)
      return 0;
    snprintf(t->loc, sizeof t->loc, "%.*s", (int)(sep - r), r);
    msg = sep + 2;
  }
  const char *cut = strstr(msg, " template:");
  snprintf(t->msg, sizeof t->msg, "%.*s",
           cut ? (int)(cut - msg) : (int)strlen(msg), msg);
  /* A function's error is wrapped (%w): the chain goes on inside it. */
  if (!strncmp(msg, "error calling ", 14) && strstr(msg, ": "))
    *next = strstr(msg, ": ") + 2;
  return 1;
}

/* reformatExecErrorMsg: "location\n  executing ... at <...>:\n    message"
 * for each level of the chain; the message unchanged when a level is not
 * a template error. */
static void v4_exec_error(struct err *e)
{
  if (!strncmp(e->msg, "execution error at (", 20))
    return;
  struct buf b;
  buf_init(&b, 0);
  static _Thread_local struct trace last, t;
  memset(&last, 0, sizeof last);
  int n = 0;
  for (const char *s = e->msg; s;) {
    const char *next;
    if (!trace_level(s, &t, &next)) {
      buf_free(&b);
      return;
    }
    if (!n++ || strcmp(t.loc, last.loc) || strcmp(t.fn, last.fn) ||
        strcmp(t.msg, last.msg)) {
      if (t.loc[0])
        buf_printf(&b, "%s\n  ", t.loc);
      if (t.fn[0])
        buf_printf(&b, "%s\n    ", t.fn);
      if (t.msg[0])
        buf_printf(&b, "%s\n", t.msg);
    }
    last = t;
    s = next;
  }
  size_t len = b.len;
  while (len && (b.data[len - 1] == '\n' || b.data[len - 1] == ' '))
    len--;
  snprintf(e->msg, sizeof e->msg, "%.*s", (int)len, b.data ? b.data : "");
  buf_free(&b);
}

static int exec_one(struct tmpl_set *s, const struct tpl *p,
                    struct chart_files *out, struct err *e, enum chart_mode m)
{
  struct buf b;
  buf_init(&b, 0);
  struct tmpl_exec_opts o = {.root_name = "gotpl"};
  int rc = set_template(p, m);
  if (!rc)
    rc = tmpl_execute(s, p->f.name, p->data, &o, &b, e);
  if (rc) {
    tmpl_helm_exec_error(e, p->f.name);
    if (m == CHART_MODE_ISTIOCTL && rc != -ENOMEM)
      v4_exec_error(e);
  } else {
    tmpl_strip_no_value(&b);
    rc = chart__files_add(out, p->f.name, b.data ? b.data : "", b.len);
  }
  buf_free(&b);
  return rc;
}

static int exec_all(struct tmpl_set *s, const struct tpls *t,
                    struct chart_files *out, struct err *e, enum chart_mode m)
{
  for (size_t i = 0; i < t->n; i++) {
    if (base_name(t->v[i].f.name)[0] == '_')
      continue;
    int rc = exec_one(s, &t->v[i], out, e, m);
    if (rc)
      return rc;
  }
  return 0;
}

/* The data maps reference each other (.Subcharts); emptying them breaks
 * the cycles json-c's reference counts cannot. */
static void data_free(struct json_object *all)
{
  for (size_t i = 0; i < chart__alen(all); i++) {
    struct json_object *m = json_object_array_get_idx(all, i);
    json_object_object_del(m, "Subcharts");
  }
  json_object_put(all);
}

int chart__render_nodes(struct chart_node *root, struct json_object *top,
                        const struct chart_render_opts *o,
                        struct chart_files *out, struct err *e)
{
  struct rec r = {{NULL, 0}, o->mode, json_object_new_array()};
  struct tmpl_funcs *fns = engine_funcs();
  struct tmpl_set *s = fns ? tmpl_set_new(fns) : NULL;
  int rc = s && r.all ? 0 : -ENOMEM;
  struct json_object *data = rc ? NULL : rec_all(&r, root, top);
  if (!rc && !data)
    rc = -ENOMEM;
  json_object_put(data);
  if (!rc && r.t.n)
    qsort(r.t.v, r.t.n, sizeof *r.t.v, helm_order);
  if (!rc)
    rc = parse_all(s, &r.t, e);
  if (!rc)
    rc = exec_all(s, &r.t, out, e, o->mode);
  if (rc)
    chart_files_free(out);
  else
    chart__files_sort(out);
  tmpl_set_free(s);
  tmpl_funcs_free(fns);
  tpls_free(&r.t);
  data_free(r.all);
  return rc;
}

/* ---- ToRenderValues ---- */

/* ParseKubeVersion: "1.29" is v1.29.0. */
static int kube_version(const char *in, char *out, size_t cap, struct err *e)
{
  struct chart_semver v;
  struct err pe;
  if (!in) {
    snprintf(out, cap, "v1.32.0");
    return 0;
  }
  if (chart__semver_parse(in, &v, &pe))
    return err_set(e, -EINVAL, "invalid kube version '%s': %s", in, pe.msg);
  char s[300];
  chart__semver_string(&v, s, sizeof s);
  snprintf(out, cap, "v%s", s);
  return 0;
}

static struct json_object *capabilities(const struct chart_render_opts *o,
                                        const char *kv)
{
  size_t n =
      NDEFAULT_APIS + (o->napi_versions < MAX_API_VERSIONS ? o->napi_versions
                                                           : MAX_API_VERSIONS);
  const char **apis = calloc(n + 1, sizeof *apis);
  if (!apis)
    return NULL;
  memcpy(apis, default_api_versions, sizeof default_api_versions);
  for (size_t i = NDEFAULT_APIS; i < n; i++)
    apis[i] = o->api_versions[i - NDEFAULT_APIS];
  int h3 = o->mode == CHART_MODE_HELM3;
  struct tmpl_helm_caps c = {
      .kube_version = kv,
      .api_versions = apis,
      .napi_versions = n,
      .helm_version = h3 ? "v3.17.2" : "v4.2",
      .git_commit = h3 ? "cc0bbbd6d6276b83880042c1ecb34087e84d41eb" : "",
      .git_tree_state = h3 ? "clean" : "",
      .go_version = h3 ? "go1.23.7" : "go1.26"};
  struct json_object *caps = tmpl_helm_capabilities(&c);
  free(apis);
  return caps;
}

static struct json_object *release(const struct chart_render_opts *o)
{
  int h3 = o->mode == CHART_MODE_HELM3;
  const char *name = o->release_name ? o->release_name
                     : h3            ? "release-name"
                                     : "istio";
  struct json_object *r = json_object_new_object();
  if (!r)
    return NULL;
  json_object_object_add(r, "Name", json_object_new_string(name));
  json_object_object_add(
      r, "Namespace",
      json_object_new_string(o->namespace ? o->namespace : "default"));
  json_object_object_add(r, "IsUpgrade",
                         json_object_new_boolean(h3 && o->is_upgrade));
  json_object_object_add(r, "IsInstall",
                         json_object_new_boolean(h3 && !o->is_upgrade));
  json_object_object_add(r, "Revision", tmpl_val_int(h3 ? 1 : 0));
  json_object_object_add(r, "Service", json_object_new_string("Helm"));
  return r;
}

/* The node tree and top-level data of one render. */
struct chart__prep {
  struct chart_node *root;
  struct json_object *top;
  char kube_version[320];
};

static int prepare(const struct chart *c, const struct chart_render_opts *o,
                   struct chart__prep *p, struct err *e)
{
  struct chart_log log = {o->mode, o->warn, o->warn_data};
  memset(p, 0, sizeof *p);
  int rc =
      kube_version(o->kube_version, p->kube_version, sizeof p->kube_version, e);
  if (rc)
    return rc;
  p->root = chart__node_new(c, NULL);
  if (!p->root)
    return -ENOMEM;
  if (o->mode == CHART_MODE_HELM3)
    rc = chart__process_deps(p->root, o->values, &log, e);
  struct json_object *vals = NULL;
  if (!rc)
    rc = chart__coalesce(p->root, o->values, &log, &vals, e);
  if (rc)
    return rc;
  tmpl_val_set_type(vals, values_type(o->mode));
  p->top = json_object_new_object();
  if (!p->top) {
    json_object_put(vals);
    return -ENOMEM;
  }
  json_object_object_add(p->top, "Capabilities",
                         capabilities(o, p->kube_version));
  json_object_object_add(p->top, "Release", release(o));
  json_object_object_add(p->top, "Values", vals);
  return 0;
}

static void prep_free(struct chart__prep *p)
{
  chart__node_free(p->root);
  json_object_put(p->top);
}

int chart_render(const struct chart *c, const struct chart_render_opts *o,
                 struct chart_files *out, struct err *e)
{
  struct chart__prep p;
  memset(out, 0, sizeof *out);
  err_clear(e);
  int rc = prepare(c, o, &p, e);
  if (!rc)
    rc = chart__render_nodes(p.root, p.top, o, out, e);
  prep_free(&p);
  return rc;
}

/* ---- CRDs ---- */

static int has_manifest_ext(const char *name)
{
  const char *b = base_name(name), *dot = strrchr(b, '.');
  return dot && (!strcasecmp(dot, ".yaml") || !strcasecmp(dot, ".yml") ||
                 !strcasecmp(dot, ".json"));
}

/* CRDObjects: the chart's crds/ files, then each subchart's. */
static int node_crds(const struct chart_node *n, struct chart_files *out)
{
  struct buf path;
  buf_init(&path, 0);
  chart__node_path(n, &path);
  int rc = 0;
  for (size_t i = 0; !rc && i < n->c->files.n; i++) {
    const struct chart_file *f = &n->c->files.v[i];
    if (strncmp(f->name, "crds/", 5) || !has_manifest_ext(f->name))
      continue;
    char *name = NULL;
    rc = !(name = chart__strf("%s/%s", path.data, f->name))
             ? -ENOMEM
             : chart__files_add(out, name, f->data, f->len);
    free(name);
  }
  buf_free(&path);
  for (size_t i = 0; !rc && i < n->nkids; i++)
    rc = node_crds(n->kids[i], out);
  return rc;
}

int chart_crds(const struct chart *c, struct chart_files *out)
{
  memset(out, 0, sizeof *out);
  struct chart_node *n = chart__node_new(c, NULL);
  int rc = n ? node_crds(n, out) : -ENOMEM;
  chart__node_free(n);
  if (rc)
    chart_files_free(out);
  return rc;
}

/* renderResources' check of Chart.yaml's kubeVersion range. */
static int check_kube(const struct chart *c, const char *kv, struct err *e)
{
  const char *want = chart__meta_str(c, "kubeVersion");
  if (!*want || chart__semver_compatible(want, kv))
    return 0;
  return err_set(e, -EINVAL,
                 "chart requires kubeVersion: %s which is "
                 "incompatible with Kubernetes %s",
                 want, kv);
}

int chart__render_template(const struct chart *c,
                           const struct chart_render_opts *o,
                           struct chart_files *out, struct chart_files *crds,
                           int *late, struct err *e)
{
  struct chart__prep p;
  memset(out, 0, sizeof *out);
  memset(crds, 0, sizeof *crds);
  err_clear(e);
  *late = 0;
  int rc = prepare(c, o, &p, e);
  if (!rc) {
    *late = 1;
    rc = check_kube(c, p.kube_version, e);
  }
  if (!rc)
    rc = chart__render_nodes(p.root, p.top, o, out, e);
  if (!rc)
    rc = node_crds(p.root, crds);
  if (rc) {
    chart_files_free(crds);
    chart_files_free(out);
  }
  prep_free(&p);
  return rc;
}
