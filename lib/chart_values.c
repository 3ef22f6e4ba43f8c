/* chart_values: Helm's values coalescing and dependency processing
 * (helm v3.17 pkg/chartutil/{coalesce,dependencies,values}.go; v4.2
 * pkg/chart/common/util/coalesce.go for the ISTIOCTL mode).
 *
 * The functions follow Helm's one for one, on json-c maps shared by
 * reference where Go shares maps, because the results depend on it: user
 * values win over chart defaults, maps merge, a user null deletes a
 * default, a chart's globals flow into its subcharts (shallow copies of
 * the global tables), a subchart's values are values[<name>], and a
 * dependency is enabled by tags and conditions evaluated on the values
 * coalesced so far. Helm 4 additionally drops null chart defaults when it
 * copies them and keeps user nulls for keys without a default. */
#include "chart_int.h"

#include "tmpl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- logging and Go formatting ---- */

void chart__logf(const struct chart_log *log, const char *file, int line,
                 const char *fmt, ...)
{
  struct buf b;
  buf_init(&b, 1 << 20);
  if (log->mode == CHART_MODE_HELM3)
    buf_printf(&b, "%s:%d: ", file, line);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (log->warn)
    log->warn(b.data ? b.data : "", log->data);
  else
    fprintf(stderr, "%s\n", b.data ? b.data : "");
  buf_free(&b);
}

static void fmt_verb(struct buf *b, const char *verb, struct json_object *v)
{
  struct tmpl_value tv = {v, TMPL_V_IFACE};
  tmpl_sprintf(b, verb, strlen(verb), 1, &tv);
}

void chart__fmt_v(struct buf *b, struct json_object *v)
{
  fmt_verb(b, "%v", v);
}

/* ---- maps ---- */

static int is_table(struct json_object *v)
{
  return json_object_is_type(v, json_type_object);
}

static void set(struct json_object *m, const char *k, struct json_object *v)
{
  json_object_object_add(m, k, json_object_get(v));
}

static char *concat_prefix(const char *a, const char *b)
{
  char *s = NULL;
  if (!(s = chart__strf("%s%s%s", a, *a ? "." : "", b)))
    return NULL;
  return s;
}

static struct json_object *deep_copy(struct json_object *o)
{
  struct json_object *c = NULL;
  tmpl_val_deep_copy(o, &c);
  return c;
}

/* cleanNilValues (Helm 4): nulls removed, recursively, in place. */
static void clean_nil(struct json_object *m)
{
  size_t n = json_object_object_length(m), k = 0;
  const char **dead = calloc(n + 1, sizeof *dead);
  json_object_object_foreach (m, key, val) {
    if (!val && dead)
      dead[k++] = key;
    else if (is_table(val))
      clean_nil(val);
  }
  for (size_t i = 0; i < k; i++)
    json_object_object_del(m, dead[i]);
  free(dead);
}

struct cctx {
  const struct chart_log *log;
  struct err *e;
};

/* coalesceTablesFullKey's two warnings (coalesce.go:298 and :301). */
static void warn_v(struct cctx *x, int line, const char *key,
                   struct json_object *val)
{
  struct buf b;
  buf_init(&b, 1 << 20);
  chart__fmt_v(&b, val);
  const char *v = b.data ? b.data : "";
  if (line == 298)
    chart__logf(x->log, "coalesce.go", 298,
                "warning: cannot overwrite table "
                "with non table for %s (%s)",
                key, v);
  else
    chart__logf(x->log, "coalesce.go", 301,
                "warning: destination for %s is a "
                "table. Ignoring non-table value (%s)",
                key, v);
  buf_free(&b);
}

/* coalesceTablesFullKey (Helm 4): user nulls are pushed into src so that
 * a null without a chart default survives. */
static void nils_into_src(struct json_object *dst, struct json_object *src,
                          struct json_object *nonnil)
{
  json_object_object_foreach (src, k, v) {
    if (v)
      json_object_object_add(nonnil, k, json_object_new_boolean(1));
  }
  json_object_object_foreach (dst, dk, dv) {
    if (!dv)
      json_object_object_add(src, dk, NULL);
  }
}

static void coalesce_tables(struct cctx *x, struct json_object *dst,
                            struct json_object *src, const char *prefix,
                            int merge);

static void coalesce_key(struct cctx *x, struct json_object *dst,
                         const char *key, struct json_object *val,
                         const char *prefix, int merge, int src_nonnil)
{
  char *full = concat_prefix(prefix, key);
  struct json_object *dv = NULL;
  int has = json_object_object_get_ex(dst, key, &dv);
  if (has && !merge && !dv && src_nonnil)
    json_object_object_del(dst, key);
  else if (!has)
    set(dst, key, val);
  else if (is_table(val)) {
    if (is_table(dv))
      coalesce_tables(x, dv, val, full ? full : key, merge);
    else
      warn_v(x, 298, full ? full : key, val);
  } else if (is_table(dv) && val) {
    warn_v(x, 301, full ? full : key, val);
  }
  free(full);
}

static void coalesce_tables(struct cctx *x, struct json_object *dst,
                            struct json_object *src, const char *prefix,
                            int merge)
{
  if (!src || !dst)
    return;
  struct json_object *nonnil = NULL;
  if (x->log->mode == CHART_MODE_ISTIOCTL) {
    nonnil = json_object_new_object();
    nils_into_src(dst, src, nonnil);
  }
  json_object_object_foreach (src, key, val) {
    int src_nonnil = nonnil ? json_object_object_get(nonnil, key) != NULL : 1;
    coalesce_key(x, dst, key, val, prefix, merge, src_nonnil);
  }
  json_object_put(nonnil);
}

/* childChartMergeTrue: a key naming a subchart is merged, not coalesced. */
static int child_merge(const struct chart_node *c, const char *key, int merge)
{
  for (size_t i = 0; i < c->nkids; i++)
    if (!strcmp(c->kids[i]->name, key))
      return 1;
  return merge;
}

static void coalesce_value_key(struct cctx *x, struct chart_node *c,
                               struct json_object *v, const char *key,
                               struct json_object *val, const char *sub,
                               int merge)
{
  int v4 = x->log->mode == CHART_MODE_ISTIOCTL;
  struct json_object *value = NULL;
  if (!json_object_object_get_ex(v, key, &value)) {
    if (v4 && !merge && !val)
      return;
    if (v4 && !merge && is_table(val))
      clean_nil(val);
    set(v, key, val);
  } else if (!value && !merge) {
    json_object_object_del(v, key);
  } else if (is_table(value)) {
    if (!is_table(val)) {
      if (val)
        chart__logf(x->log, "coalesce.go", 237,
                    "warning: skipped value for "
                    "%s.%s: Not a table.",
                    sub, key);
      return;
    }
    int m = child_merge(c, key, merge);
    if (v4 && !m)
      clean_nil(val);
    char *full = concat_prefix(sub, key);
    coalesce_tables(x, value, val, full ? full : key, m);
    free(full);
  }
}

/* coalesceValues: the chart's defaults (a copy) under the values in v. */
static int coalesce_values(struct cctx *x, struct chart_node *c,
                           struct json_object *v, const char *prefix, int merge)
{
  char *sub = concat_prefix(prefix, c->name);
  struct json_object *vc = deep_copy(c->values);
  if (!sub || (c->values && !vc)) {
    free(sub);
    json_object_put(vc);
    return -ENOMEM;
  }
  if (vc) {
    json_object_object_foreach (vc, key, val) {
      coalesce_value_key(x, c, v, key, val, sub, merge);
    }
  }
  json_object_put(vc);
  free(sub);
  return 0;
}

/* coalesceGlobals: the parent's globals merged into a subchart's. */
static void coalesce_globals(struct cctx *x, struct json_object *dest,
                             struct json_object *src, const char *prefix)
{
  struct json_object *dg = NULL, *sg = NULL;
  if (json_object_object_get_ex(dest, "global", &dg) && !is_table(dg)) {
    chart__logf(x->log, "coalesce.go", 138,
                "warning: skipping globals because "
                "destination %s is not a table.",
                "global");
    return;
  }
  if (json_object_object_get_ex(src, "global", &sg) && !is_table(sg)) {
    chart__logf(x->log, "coalesce.go", 145,
                "warning: skipping globals because "
                "source %s is not a table.",
                "global");
    return;
  }
  dg = dg ? json_object_get(dg) : json_object_new_object();
  if (sg) {
    json_object_object_foreach (sg, key, val) {
      struct json_object *dv = NULL;
      int has = json_object_object_get_ex(dg, key, &dv);
      if (is_table(val)) {
        struct json_object *vv = json_object_new_object();
        json_object_object_foreach (val, ck, cv) {
          set(vv, ck, cv);
        }
        if (has && !is_table(dv)) {
          struct buf q;
          buf_init(&q, 0);
          tmpl_quote(&q, key, strlen(key));
          chart__logf(x->log, "coalesce.go", 161,
                      "Conflict: cannot merge map "
                      "onto non-map for %s. Skipping.",
                      q.data);
          buf_free(&q);
          json_object_put(vv);
          continue;
        }
        if (has) {
          char *full = concat_prefix(prefix, key);
          coalesce_tables(x, vv, dv, full ? full : key, 1);
          free(full);
        }
        json_object_object_add(dg, key, vv);
      } else if (has && is_table(dv)) {
        chart__logf(x->log, "coalesce.go", 175, "key %s is table. Skipping",
                    key);
      } else {
        set(dg, key, val);
      }
    }
  }
  json_object_object_add(dest, "global", dg);
}

static int coalesce(struct cctx *x, struct chart_node *c,
                    struct json_object *dest, const char *prefix, int merge);

/* coalesceDeps: each subchart's values coalesced under dest[<name>]. */
static int coalesce_deps(struct cctx *x, struct chart_node *c,
                         struct json_object *dest, const char *prefix,
                         int merge)
{
  for (size_t i = 0; i < c->nkids; i++) {
    struct chart_node *sub = c->kids[i];
    struct json_object *dv = NULL;
    if (!json_object_object_get_ex(dest, sub->name, &dv)) {
      dv = json_object_new_object();
      json_object_object_add(dest, sub->name, dv);
    } else if (!is_table(dv)) {
      struct buf b;
      buf_init(&b, 0);
      fmt_verb(&b, "%t", dv);
      err_set(x->e, -EINVAL, "type mismatch on %s: %s", sub->name,
              b.data ? b.data : "");
      buf_free(&b);
      return -EINVAL;
    }
    char *sp = concat_prefix(prefix, c->name);
    if (!sp)
      return -ENOMEM;
    coalesce_globals(x, dv, dest, sp);
    int rc = coalesce(x, sub, dv, sp, merge);
    free(sp);
    if (rc)
      return rc;
  }
  return 0;
}

static int coalesce(struct cctx *x, struct chart_node *c,
                    struct json_object *dest, const char *prefix, int merge)
{
  int rc = coalesce_values(x, c, dest, prefix, merge);
  return rc ? rc : coalesce_deps(x, c, dest, prefix, merge);
}

/* CoalesceValues (merge 0) and MergeValues (merge 1): on a copy of vals. */
static int coalesce_copy(struct chart_node *c, struct json_object *vals,
                         int merge, const struct chart_log *log,
                         struct json_object **out, struct err *e)
{
  struct cctx x = {log, e};
  struct json_object *v = vals ? deep_copy(vals) : json_object_new_object();
  if (!v)
    return -ENOMEM;
  int rc = coalesce(&x, c, v, "", merge);
  if (rc) {
    json_object_put(v);
    v = NULL;
  }
  *out = v;
  return rc;
}

int chart__coalesce(struct chart_node *root, struct json_object *vals,
                    const struct chart_log *log, struct json_object **out,
                    struct err *e)
{
  return coalesce_copy(root, vals, 0, log, out, e);
}

/* ---- Values.Table and PathValue ---- */

/* The table at a dotted path, or NULL with the failing segment in *bad
 * (a static-lifetime copy is not needed: callers print it at once). */
static struct json_object *table_at(struct json_object *v, const char *path,
                                    char *bad, size_t cap)
{
  const char *p = path;
  for (;;) {
    size_t n = strcspn(p, ".");
    char seg[512];
    snprintf(seg, sizeof seg, "%.*s", (int)n, p);
    struct json_object *next = NULL;
    if (!json_object_object_get_ex(v, seg, &next) || !is_table(next)) {
      if (bad)
        snprintf(bad, cap, "%s", seg);
      return NULL;
    }
    v = next;
    if (!p[n])
      return v;
    p += n + 1;
  }
}

struct json_object *chart__table(struct json_object *v, const char *path)
{
  return table_at(v, path, NULL, 0);
}

/* PathValue: 1 and *out (borrowed, may be NULL) when path names a
 * non-table value. */
static int path_value(struct json_object *v, const char *path,
                      struct json_object **out)
{
  const char *dot = strrchr(path, '.');
  struct json_object *t = v;
  if (dot) {
    char *head = strndup(path, (size_t)(dot - path));
    t = head ? table_at(v, head, NULL, 0) : NULL;
    free(head);
    if (!t)
      return 0;
  }
  const char *key = dot ? dot + 1 : path;
  return json_object_object_get_ex(t, key, out) && !is_table(*out);
}

/* ---- the node tree ---- */

void chart__node_free(struct chart_node *n)
{
  if (!n)
    return;
  free(n->name);
  json_object_put(n->values);
  for (size_t i = 0; i < n->nreqs; i++)
    chart__dep_free(&n->reqs[i]);
  free(n->reqs);
  for (size_t i = 0; i < n->nkids; i++)
    chart__node_free(n->kids[i]);
  free(n->kids);
  free(n);
}

static int copy_reqs(struct chart_node *n, const struct chart_dep *reqs,
                     size_t nreqs)
{
  n->reqs = calloc(nreqs + 1, sizeof *n->reqs);
  if (!n->reqs)
    return -ENOMEM;
  for (size_t i = 0; i < nreqs; i++, n->nreqs++)
    if (chart__dep_copy(&n->reqs[i], &reqs[i]))
      return -ENOMEM;
  return 0;
}

static struct chart_node *node_copy(const struct chart_node *src,
                                    struct chart_node *parent)
{
  struct chart_node *n = calloc(1, sizeof *n);
  if (!n)
    return NULL;
  n->c = src->c;
  n->parent = parent;
  n->name = strdup(src->name);
  n->values = json_object_get(src->values);
  n->has_reqs = src->has_reqs;
  n->kids = calloc(src->nkids + 1, sizeof *n->kids);
  int rc = n->name && n->kids ? copy_reqs(n, src->reqs, src->nreqs) : -ENOMEM;
  for (size_t i = 0; !rc && i < src->nkids; i++, n->nkids++)
    if (!(n->kids[i] = node_copy(src->kids[i], n)))
      rc = -ENOMEM;
  if (rc) {
    chart__node_free(n);
    return NULL;
  }
  return n;
}

struct chart_node *chart__node_new(const struct chart *c,
                                   struct chart_node *parent)
{
  struct chart_node *n = calloc(1, sizeof *n);
  if (!n)
    return NULL;
  n->c = c;
  n->parent = parent;
  n->name = strdup(chart__meta_str(c, "name"));
  n->values = json_object_get(c->values);
  n->has_reqs = c->has_reqs;
  n->kids = calloc(c->nsubs + 1, sizeof *n->kids);
  int rc = n->name && n->kids ? copy_reqs(n, c->reqs, c->nreqs) : -ENOMEM;
  for (size_t i = 0; !rc && i < c->nsubs; i++, n->nkids++)
    if (!(n->kids[i] = chart__node_new(c->subs[i], n)))
      rc = -ENOMEM;
  if (rc) {
    chart__node_free(n);
    return NULL;
  }
  return n;
}

/* ---- ProcessDependencies ---- */

static int req_matches(const struct chart_dep *r, const struct chart_node *k)
{
  return !strcmp(k->name, r->name) &&
         chart__semver_compatible(r->version, chart__meta_str(k->c, "version"));
}

/* The new Dependencies(): subcharts no requirement names, then one copy
 * per requirement (renamed to its alias), as processDependencyEnabled
 * rebuilds them. */
static int rebuild_kids(struct chart_node *c)
{
  struct chart_node **kids = calloc(c->nkids + c->nreqs + 1, sizeof *kids);
  if (!kids)
    return -ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < c->nkids; i++) {
    int matched = 0;
    for (size_t j = 0; !matched && j < c->nreqs; j++)
      matched = req_matches(&c->reqs[j], c->kids[i]);
    if (!matched) {
      kids[n++] = c->kids[i];
      c->kids[i] = NULL;
    }
  }
  for (size_t j = 0; j < c->nreqs; j++) {
    struct chart_dep *r = &c->reqs[j];
    for (size_t i = 0; i < c->nkids; i++) {
      if (!c->kids[i] || !req_matches(r, c->kids[i]))
        continue;
      struct chart_node *cp = node_copy(c->kids[i], c);
      if (cp && r->alias[0]) {
        free(cp->name);
        cp->name = strdup(r->alias);
      }
      if (cp)
        kids[n++] = cp;
      break;
    }
    if (r->alias[0]) {
      free(r->name);
      r->name = strdup(r->alias);
    }
  }
  for (size_t i = 0; i < c->nkids; i++)
    chart__node_free(c->kids[i]);
  free(c->kids);
  c->kids = kids;
  c->nkids = n;
  return 0;
}

static void process_tags(struct chart_node *c, struct json_object *cvals,
                         const struct chart_log *log)
{
  struct json_object *vt = table_at(cvals, "tags", NULL, 0);
  if (!vt)
    return;
  for (size_t i = 0; i < c->nreqs; i++) {
    struct chart_dep *r = &c->reqs[i];
    int has_true = 0, has_false = 0;
    for (size_t k = 0; k < r->ntags; k++) {
      struct json_object *b = NULL;
      if (!json_object_object_get_ex(vt, r->tags[k], &b))
        continue;
      if (!json_object_is_type(b, json_type_boolean))
        chart__logf(log, "dependencies.go", 94,
                    "Warning: Tag '%s' for chart "
                    "%s returned non-bool value",
                    r->tags[k], r->name);
      else if (json_object_get_boolean(b))
        has_true = 1;
      else
        has_false = 1;
    }
    if (!has_true && has_false)
      r->enabled = 0;
    else
      r->enabled = 1;
  }
}

static void process_conditions(struct chart_node *c, struct json_object *cvals,
                               const char *path, const struct chart_log *log)
{
  for (size_t i = 0; i < c->nreqs; i++) {
    struct chart_dep *r = &c->reqs[i];
    const char *s = r->condition;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
      s++;
    char *cond = strdup(s);
    size_t n = cond ? strlen(cond) : 0;
    while (n &&
           (cond[n - 1] == ' ' || (cond[n - 1] >= '\t' && cond[n - 1] <= '\r')))
      cond[--n] = '\0';
    for (char *p = cond, *next; p; p = next) {
      next = strchr(p, ',');
      if (next)
        *next++ = '\0';
      if (!*p)
        continue;
      char *full = NULL;
      struct json_object *vv = NULL;
      if (!(full = chart__strf("%s%s", path, p)) ||
          !path_value(cvals, full, &vv)) {
        free(full);
        continue;
      }
      free(full);
      if (json_object_is_type(vv, json_type_boolean)) {
        r->enabled = json_object_get_boolean(vv);
        break;
      }
      chart__logf(log, "dependencies.go", 63,
                  "Warning: Condition path '%s' for "
                  "chart %s returned non-bool value",
                  p, r->name);
    }
    free(cond);
  }
}

static int disabled(const struct chart_node *c, const char *name)
{
  for (size_t i = 0; i < c->nreqs; i++)
    if (!c->reqs[i].enabled && !strcmp(c->reqs[i].name, name))
      return 1;
  return 0;
}

/* Drops the disabled subcharts and requirements. */
static void drop_disabled(struct chart_node *c)
{
  size_t k = 0;
  for (size_t i = 0; i < c->nkids; i++) {
    if (disabled(c, c->kids[i]->name))
      chart__node_free(c->kids[i]);
    else
      c->kids[k++] = c->kids[i];
  }
  c->nkids = k;
  struct chart_dep *keep = calloc(c->nreqs + 1, sizeof *keep);
  char *drop = calloc(c->nreqs + 1, 1);
  if (!keep || !drop) {
    free(keep);
    free(drop);
    return;
  }
  for (size_t i = 0; i < c->nreqs; i++)
    drop[i] = (char)disabled(c, c->reqs[i].name);
  size_t m = 0;
  for (size_t i = 0; i < c->nreqs; i++) {
    if (drop[i]) {
      chart__dep_free(&c->reqs[i]);
      continue;
    }
    keep[m++] = c->reqs[i];
  }
  free(drop);
  free(c->reqs);
  c->reqs = keep;
  c->nreqs = m;
}

static int process_enabled(struct chart_node *c, struct json_object *v,
                           const char *path, const struct chart_log *log,
                           struct err *e)
{
  if (!c->has_reqs)
    return 0;
  int rc = rebuild_kids(c);
  for (size_t i = 0; i < c->nreqs; i++)
    c->reqs[i].enabled = 1;
  struct json_object *cvals = NULL;
  if (!rc)
    rc = coalesce_copy(c, v, 0, log, &cvals, e);
  if (rc)
    return rc;
  process_tags(c, cvals, log);
  process_conditions(c, cvals, path, log);
  drop_disabled(c);
  for (size_t i = 0; !rc && i < c->nkids; i++) {
    char *sub = NULL;
    if (!(sub = chart__strf("%s%s.", path, c->kids[i]->name)))
      rc = -ENOMEM;
    else
      rc = process_enabled(c->kids[i], cvals, sub, log, e);
    free(sub);
  }
  json_object_put(cvals);
  return rc;
}

/* pathToMap: {a: {b: data}} for "a.b"; data itself for ".". */
static struct json_object *path_to_map(const char *path,
                                       struct json_object *data)
{
  if (!strcmp(path, "."))
    return json_object_get(data);
  struct json_object *cur = json_object_get(data);
  const char *end = path + strlen(path);
  for (;;) {
    const char *dot = end;
    while (dot > path && dot[-1] != '.')
      dot--;
    struct json_object *m = json_object_new_object();
    char *k = strndup(dot, (size_t)(end - dot));
    json_object_object_add(m, k ? k : "", cur);
    free(k);
    cur = m;
    if (dot == path)
      return cur;
    end = dot - 1;
  }
}

/* MergeTables(dst, src): dst, with src's missing keys (merge semantics). */
static struct json_object *merge_tables(struct cctx *x, struct json_object *dst,
                                        struct json_object *src)
{
  if (!dst)
    return json_object_get(src);
  coalesce_tables(x, dst, src, "", 1);
  return dst;
}

static void import_one(struct cctx *x, struct chart_dep *r,
                       struct json_object *riv, struct json_object *cvals,
                       struct json_object *b, struct json_object *outiv)
{
  int is_map = is_table(riv);
  const char *child =
      is_map ? json_object_get_string(json_object_object_get(riv, "child"))
             : json_object_get_string(riv);
  const char *parent =
      is_map ? json_object_get_string(json_object_object_get(riv, "parent"))
             : ".";
  char *c = NULL, *path = NULL;
  if (!(c = chart__strf("%s%s", is_map ? "" : "exports.", child ? child : "")))
    return;
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "child", json_object_new_string(c));
  json_object_object_add(o, "parent",
                         json_object_new_string(parent ? parent : ""));
  tmpl_val_set_type(o, &tmpl_type_strmap);
  json_object_array_add(outiv, o);
  char bad[512];
  struct json_object *vv = NULL;
  if ((path = chart__strf("%s.%s", r->name, c)))
    vv = table_at(cvals, path, bad, sizeof bad);
  if (!vv && is_map)
    chart__logf(x->log, "dependencies.go", 269,
                "Warning: ImportValues missing "
                "table from chart %s: \"%s\" is not a table",
                r->name, bad);
  else if (!vv)
    chart__logf(x->log, "dependencies.go", 286,
                "Warning: ImportValues missing "
                "table: \"%s\" is not a table",
                bad);
  else {
    struct json_object *m = path_to_map(parent ? parent : "", vv);
    coalesce_tables(x, b, m, "", 1);
    json_object_put(m);
  }
  free(c);
  free(path);
}

/* processImportValues (merge): children's exported tables under the
 * parent's values, the parent's own values winning. */
static int process_imports(struct chart_node *c, const struct chart_log *log,
                           struct err *e)
{
  if (!c->has_reqs)
    return 0;
  struct json_object *cvals = NULL;
  int rc = coalesce_copy(c, NULL, 1, log, &cvals, e);
  if (rc)
    return rc;
  struct cctx x = {log, e};
  struct json_object *b = json_object_new_object();
  for (size_t i = 0; i < c->nreqs; i++) {
    struct chart_dep *r = &c->reqs[i];
    struct json_object *outiv = json_object_new_array();
    for (size_t k = 0; k < chart__alen(r->import_values); k++) {
      struct json_object *riv = json_object_array_get_idx(r->import_values, k);
      if (is_table(riv) || json_object_is_type(riv, json_type_string))
        import_one(&x, r, riv, cvals, b, outiv);
    }
    json_object_put(r->import_values);
    r->import_values = outiv;
  }
  struct json_object *copy = deep_copy(cvals);
  json_object_put(cvals);
  json_object_put(c->values);
  c->values = merge_tables(&x, copy, b);
  if (c->values != copy)
    json_object_put(copy);
  json_object_put(b);
  return 0;
}

static int process_imports_rec(struct chart_node *c,
                               const struct chart_log *log, struct err *e)
{
  for (size_t i = 0; i < c->nkids; i++) {
    int rc = process_imports_rec(c->kids[i], log, e);
    if (rc)
      return rc;
  }
  return process_imports(c, log, e);
}

int chart__process_deps(struct chart_node *root, struct json_object *vals,
                        const struct chart_log *log, struct err *e)
{
  int rc = process_enabled(root, vals, "", log, e);
  return rc ? rc : process_imports_rec(root, log, e);
}
