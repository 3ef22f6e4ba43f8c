/* chart_manifest: what `helm template` prints for rendered files (helm
 * v3.17 pkg/releaseutil/{manifest,manifest_sorter,kind_sorter}.go,
 * pkg/action/action.go renderResources, cmd/helm/template.go).
 *
 * Each rendered file is split with Helm's separator regex, each part's
 * head (apiVersion, kind, metadata.name, metadata.annotations) decoded as
 * Helm decodes it (a bad head is Helm's YAML parse error), parts with a
 * helm.sh/hook annotation become hooks, and both lists are sorted stably
 * in Helm's install order by kind. */
#include "chart_int.h"

#include "gonum.h"
#include "kyaml.h"
#include "regex.h"
#include "strvals.h"
#include "tmpl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const install_order[] = {
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
};

static const char *const hook_events[] = {
    "pre-install", "post-install", "pre-delete",   "post-delete",
    "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback",
    "test",        "test-success",
};

struct part {
  const char *path; /* the template it came from (borrowed) */
  char *content;    /* trimmed */
  char *kind;
  int is_test;
  size_t seq; /* for a stable sort */
};

struct parts {
  struct part *v;
  size_t n;
};

static void parts_free(struct parts *p)
{
  for (size_t i = 0; i < p->n; i++) {
    free(p->v[i].content);
    free(p->v[i].kind);
  }
  free(p->v);
}

/* ---- the head of a manifest ---- */

struct head {
  char *kind;
  struct json_object *ann; /* metadata.annotations (borrowed), or NULL */
};

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

static int head_error(struct json_object *v, const char *field,
                      const char *type, struct err *e)
{
  return err_set(e, -EINVAL,
                 "error unmarshaling JSON: while decoding JSON: "
                 "json: cannot unmarshal %s into Go struct field %s of type %s",
                 json_kind(v), field, type);
}

static int is_scalar(struct json_object *v)
{
  return !json_object_is_type(v, json_type_array) &&
         !json_object_is_type(v, json_type_object);
}

/* A scalar as sigs.k8s.io/yaml gives it to a string field. */
static char *scalar_text(struct json_object *v)
{
  char num[64];
  if (json_object_is_type(v, json_type_double)) {
    gonum_format_float(num, sizeof num, json_object_get_double(v), 'g', -1, 32);
    return strdup(num);
  }
  return strdup(v ? json_object_get_string(v) : "");
}

/* encoding/json's key match: exact, else case-insensitive. */
static struct json_object *field(struct json_object *o, const char *name,
                                 int *has)
{
  struct json_object *fold = NULL;
  int found = 0;
  json_object_object_foreach (o, k, v) {
    if (!strcmp(k, name)) {
      *has = 1;
      return v;
    }
    if (!found && !strcasecmp(k, name)) {
      fold = v;
      found = 1;
    }
  }
  *has = found;
  return fold;
}

static int decode_meta(struct json_object *m, struct head *h, struct err *e)
{
  static const char meta_type[] =
      "struct { Name string \"json:\\\"name\\\"\"; Annotations "
      "map[string]string \"json:\\\"annotations\\\"\" }";
  if (!m)
    return 0;
  if (!json_object_is_type(m, json_type_object))
    return head_error(m, "SimpleHead.metadata", meta_type, e);
  int has;
  struct json_object *name = field(m, "name", &has);
  if (has && !is_scalar(name))
    return head_error(name, ".metadata.name", "string", e);
  struct json_object *ann = field(m, "annotations", &has);
  if (!has || !ann)
    return 0;
  if (!json_object_is_type(ann, json_type_object))
    return head_error(ann, ".metadata.annotations", "map[string]string", e);
  json_object_object_foreach (ann, k, v) {
    (void)k;
    if (!is_scalar(v))
      return head_error(v, ".metadata.annotations", "string", e);
  }
  h->ann = ann;
  return 0;
}

/* yaml.Unmarshal into releaseutil.SimpleHead. */
static int decode_head(struct json_object *doc, struct head *h, struct err *e)
{
  memset(h, 0, sizeof *h);
  if (!doc)
    return 0;
  if (!json_object_is_type(doc, json_type_object))
    return err_set(e, -EINVAL,
                   "error unmarshaling JSON: while decoding JSON: "
                   "json: cannot unmarshal %s into Go value of type "
                   "releaseutil.SimpleHead",
                   json_kind(doc));
  int has;
  struct json_object *v = field(doc, "apiVersion", &has);
  if (has && !is_scalar(v))
    return head_error(v, "SimpleHead.apiVersion", "string", e);
  v = field(doc, "kind", &has);
  if (has && !is_scalar(v))
    return head_error(v, "SimpleHead.kind", "string", e);
  if (has && v)
    h->kind = scalar_text(v);
  return decode_meta(field(doc, "metadata", &has), h, e);
}

struct first {
  struct json_object *doc;
};

static int first_cb(struct json_object *doc, int line, void *data)
{
  (void)line;
  ((struct first *)data)->doc = doc;
  return 1;
}

/* The first YAML document of a part, as go-yaml's Unmarshal reads it. */
static int parse_head(const char *text, size_t len, struct head *h,
                      struct json_object **doc, struct err *e)
{
  /* decode_head reads metadata.annotations' values at most */
  struct kyaml_opts o = {
      .name = "line", .numbers = KYAML_NUMBERS_UNSTRUCTURED, .keep_depth = 3};
  struct first f = {NULL};
  struct err pe;
  err_clear(&pe);
  int rc = kyaml_parse_each(text, len, &o, first_cb, &f, &pe);
  if (rc < 0) {
    struct buf b;
    buf_init(&b, 0);
    if (!strvals_goyaml_error(text, len, &b))
      buf_printf(&b, "yaml: %s", pe.msg);
    err_set(e, rc, "error converting YAML to JSON: %s", b.data);
    buf_free(&b);
    return rc;
  }
  *doc = f.doc;
  return decode_head(f.doc, h, e);
}

/* ---- hooks ---- */

/* 1 hook, 0 plain manifest, -1 unknown hook (dropped, as Helm does). */
static int hook_kind(const struct head *h, int *is_test,
                     const struct chart_log *log)
{
  struct json_object *hv = NULL;
  *is_test = 0;
  if (!h->ann || !json_object_object_length(h->ann) ||
      !json_object_object_get_ex(h->ann, "helm.sh/hook", &hv))
    return 0;
  char *types = scalar_text(hv);
  int known = 1;
  for (char *p = types, *next; p && known; p = next) {
    next = strchr(p, ',');
    if (next)
      *next++ = '\0';
    while (isspace((unsigned char)*p))
      p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
      p[--n] = '\0';
    for (char *q = p; *q; q++)
      *q = (char)tolower((unsigned char)*q);
    known = 0;
    for (size_t i = 0; i < sizeof hook_events / sizeof hook_events[0]; i++)
      if (!strcmp(p, hook_events[i]))
        known = 1;
    if (!strcmp(p, "test") || !strcmp(p, "test-success"))
      *is_test = 1;
  }
  if (!known) {
    struct buf q;
    buf_init(&q, 0);
    char *raw = scalar_text(hv);
    tmpl_quote(&q, raw ? raw : "", raw ? strlen(raw) : 0);
    chart__logf(log, "manifest_sorter.go", 190,
                "info: skipping unknown hook: "
                "%s",
                q.data ? q.data : "");
    free(raw);
    buf_free(&q);
  }
  free(types);
  return known ? 1 : -1;
}

/* ---- splitting ---- */

static char *trim_dup(const char *s, size_t n)
{
  while (n && isspace((unsigned char)*s)) {
    s++;
    n--;
  }
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return strndup(s, n);
}

struct splitter {
  const char *s;
  size_t beg;
  char **docs;
  size_t n;
};

static int split_cb(const long *ov, void *data)
{
  struct splitter *sp = data;
  size_t end = (size_t)ov[0];
  if (ov[1] != 0) {
    char **v = realloc(sp->docs, (sp->n + 1) * sizeof *v);
    if (!v)
      return 1;
    sp->docs = v;
    v[sp->n++] = strndup(sp->s + sp->beg, end - sp->beg);
  }
  sp->beg = (size_t)ov[1];
  return 0;
}

/* RE2's \s: Go's regexp, not C's isspace (no \v). */
static int re2_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* The next match at or after pos of Helm's separator (?:^|\s*\n)---\s*:
 * "---" at the very start, or after a newline, the match then starting
 * where the whitespace before that newline starts. (The regex engine
 * backtracked over every indented line: seconds on Istio's 1 MB of CRDs.)
 * Returns 1 with [*ms, *me). */
static int next_separator(const char *s, size_t len, size_t pos, size_t *ms,
                          size_t *me)
{
  size_t dash;
  if (pos == 0 && len >= 3 && memcmp(s, "---", 3) == 0) {
    *ms = dash = 0;
  } else {
    const char *nl = s + pos;
    while ((nl = memchr(nl, '\n', len - (size_t)(nl - s))) &&
           (len - (size_t)(nl - s) < 4 || memcmp(nl + 1, "---", 3) != 0))
      nl++;
    if (!nl)
      return 0;
    size_t k = (size_t)(nl - s);
    while (k > pos && re2_space(s[k - 1]))
      k--;
    *ms = k;
    dash = (size_t)(nl - s) + 1;
  }
  size_t j = dash + 3;
  while (j < len && re2_space(s[j]))
    j++;
  *me = j;
  return 1;
}

/* SplitManifests: parts between separators, trimmed; "" parts dropped
 * before trimming, as Helm does. */
static int split_manifests(const char *text, char ***out, size_t *n)
{
  *out = NULL;
  *n = 0;
  char *big = trim_dup(text, strlen(text));
  struct splitter sp = {big, 0, NULL, 0};
  size_t len = big ? strlen(big) : 0, pos = 0, ms, me;
  while (len && next_separator(big, len, pos, &ms, &me)) {
    long ov[2] = {(long)ms, (long)me};
    if (split_cb(ov, &sp))
      break;
    pos = me;
  }
  if (big && *big) {
    char **v = realloc(sp.docs, (sp.n + 1) * sizeof *v);
    if (v) {
      sp.docs = v;
      v[sp.n++] = strdup(big + sp.beg);
    }
  }
  free(big);
  size_t k = 0;
  for (size_t i = 0; i < sp.n; i++) {
    if (!sp.docs[i] || !*sp.docs[i]) {
      free(sp.docs[i]);
      continue;
    }
    char *t = trim_dup(sp.docs[i], strlen(sp.docs[i]));
    free(sp.docs[i]);
    sp.docs[k++] = t;
  }
  *out = sp.docs;
  *n = k;
  return 0;
}

static int parts_add(struct parts *p, const char *path, char *content,
                     const char *kind, int is_test)
{
  struct part *v = realloc(p->v, (p->n + 1) * sizeof *v);
  if (!v)
    return -ENOMEM;
  p->v = v;
  v[p->n] =
      (struct part){path, content, strdup(kind ? kind : ""), is_test, p->n};
  p->n++;
  return 0;
}

/* manifestFile.sort: one rendered file's parts into hooks or manifests. */
static int sort_file(const struct chart_file *f, struct parts *manifests,
                     struct parts *hooks, const struct chart_log *log,
                     struct err *e)
{
  char **docs;
  size_t n;
  int rc = split_manifests(f->data, &docs, &n);
  size_t i = 0;
  for (; !rc && i < n; i++) {
    struct head h;
    struct json_object *doc = NULL;
    rc = parse_head(docs[i], strlen(docs[i]), &h, &doc, e);
    if (rc) {
      err_wrap(e, "YAML parse error on %s", f->name);
      json_object_put(doc);
      break;
    }
    int is_test;
    int hk = hook_kind(&h, &is_test, log);
    if (hk == 0)
      rc = parts_add(manifests, f->name, docs[i], h.kind, 0);
    else if (hk == 1)
      rc = parts_add(hooks, f->name, docs[i], h.kind, is_test);
    else
      free(docs[i]);
    docs[i] = NULL;
    free(h.kind);
    json_object_put(doc);
  }
  for (; i < n; i++)
    free(docs[i]);
  free(docs);
  return rc;
}

static int kind_rank(const char *k)
{
  for (size_t i = 0; i < sizeof install_order / sizeof install_order[0]; i++)
    if (!strcmp(k, install_order[i]))
      return (int)i;
  return -1;
}

/* lessByKind, made stable by the original position. */
static int by_kind(const void *pa, const void *pb)
{
  const struct part *a = pa, *b = pb;
  int ra = kind_rank(a->kind), rb = kind_rank(b->kind), c = 0;
  if (ra < 0 && rb < 0)
    c = strcmp(a->kind, b->kind);
  else if (ra < 0 || rb < 0)
    c = ra < 0 ? 1 : -1;
  else
    c = ra - rb;
  if (c)
    return c;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

static const char *base_name(const char *p)
{
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* SortManifests over every rendered file but NOTES.txt, in name order. */
static int sort_manifests(const struct chart_files *files,
                          struct parts *manifests, struct parts *hooks,
                          const struct chart_log *log, struct err *e)
{
  for (size_t i = 0; i < files->n; i++) {
    const struct chart_file *f = &files->v[i];
    if (ends_with(f->name, "NOTES.txt") || base_name(f->name)[0] == '_')
      continue;
    char *t = trim_dup(f->data, f->len);
    int blank = !t || !*t;
    free(t);
    if (blank)
      continue;
    int rc = sort_file(f, manifests, hooks, log, e);
    if (rc)
      return rc;
  }
  if (manifests->n)
    qsort(manifests->v, manifests->n, sizeof *manifests->v, by_kind);
  if (hooks->n)
    qsort(hooks->v, hooks->n, sizeof *hooks->v, by_kind);
  return 0;
}

/* ---- output ---- */

static void emit(struct buf *b, const char *path, const char *content)
{
  buf_puts(b, "---\n# Source: ");
  buf_puts(b, path);
  buf_puts(b, "\n");
  buf_puts(b, content);
  buf_puts(b, "\n");
}

/* rel.Manifest, trimmed, plus the hooks: what template prints. */
static void assemble(const struct chart_files *crds, const struct parts *m,
                     const struct parts *hooks,
                     const struct chart_template_opts *to, struct buf *out)
{
  struct buf rel;
  buf_init(&rel, 0);
  buf_puts(&rel, "");
  for (size_t i = 0; to->include_crds && i < crds->n; i++)
    emit(&rel, crds->v[i].name, crds->v[i].data);
  for (size_t i = 0; i < m->n; i++)
    emit(&rel, m->v[i].path, m->v[i].content);
  char *t = trim_dup(rel.data, rel.len);
  buf_puts(out, t ? t : "");
  buf_puts(out, "\n");
  free(t);
  buf_free(&rel);
  for (size_t i = 0; !to->no_hooks && i < hooks->n; i++)
    if (!(to->skip_tests && hooks->v[i].is_test))
      emit(out, hooks->v[i].path, hooks->v[i].content);
}

/* The template path of a part: what follows the chart name in its
 * "# Source: " line. */
static char *source_path(struct regex *r, const char *m)
{
  long ov[4];
  if (regex_find(r, m, strlen(m), 0, ov) != 1 || ov[2] < 0)
    return NULL;
  return strndup(m + ov[2], (size_t)(ov[3] - ov[2]));
}

static int show_only(const char *all, const struct chart_template_opts *to,
                     struct buf *out, struct err *e)
{
  static const char re[] = "# Source: [^/]+/(.+)";
  struct regex *r = NULL;
  if (regex_compile(re, strlen(re), &r, e))
    return -ENOMEM;
  char **docs;
  size_t n;
  int rc = split_manifests(all, &docs, &n);
  for (size_t f = 0; !rc && f < to->nshow_only; f++) {
    int missing = 1;
    for (size_t i = 0; i < n; i++) {
      char *name = source_path(r, docs[i]);
      if (name && chart_path_match(to->show_only[f], name) == 1) {
        buf_printf(out, "---\n%s\n", docs[i]);
        missing = 0;
      }
      free(name);
    }
    if (missing)
      rc = err_set(e, -ENOENT, "could not find template %s in chart",
                   to->show_only[f]);
  }
  for (size_t i = 0; i < n; i++)
    free(docs[i]);
  free(docs);
  regex_free(r);
  return rc;
}

int chart_template(const struct chart *c, const struct chart_render_opts *ro,
                   const struct chart_template_opts *to, struct buf *out,
                   int *hint, struct err *e)
{
  struct chart_log log = {ro->mode, ro->warn, ro->warn_data};
  struct chart_files files, crds;
  struct parts manifests = {NULL, 0}, hooks = {NULL, 0};
  int rc = chart__render_template(c, ro, &files, &crds, hint, e);
  if (!rc)
    rc = sort_manifests(&files, &manifests, &hooks, &log, e);
  struct buf all;
  buf_init(&all, 0);
  if (!rc) {
    assemble(&crds, &manifests, &hooks, to, &all);
    if (to->nshow_only) {
      *hint = 0;
      struct buf sel;
      buf_init(&sel, 0);
      rc = show_only(all.data, to, &sel, e);
      if (!rc)
        buf_append(out, sel.data ? sel.data : "", sel.len);
      buf_free(&sel);
    } else {
      buf_append(out, all.data, all.len);
    }
  }
  buf_free(&all);
  parts_free(&manifests);
  parts_free(&hooks);
  chart_files_free(&files);
  chart_files_free(&crds);
  return rc;
}
