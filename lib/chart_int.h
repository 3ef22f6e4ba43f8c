/* chart_int: what the chart_*.c files share (not for other modules). */
#ifndef IOP_CHART_INT_H
#define IOP_CHART_INT_H

#include "chart.h"

#include <stdint.h>

/* A Chart.yaml dependency as Helm's chart.Dependency holds it. */
struct chart_dep {
  char *name, *version, *repository, *condition, *alias;
  char **tags;
  size_t ntags;
  int enabled;
  struct json_object *import_values; /* []interface{} as read, or NULL */
};

struct chart {
  enum chart_mode mode;
  /* Chart.yaml as chart.Metadata holds it: keys are the JSON names
   * (name, version, appVersion, ...), values coerced to the field types
   * and sanitized; "dependencies" is left out (see deps). */
  struct json_object *meta;
  struct chart_dep *reqs; /* Metadata.Dependencies */
  size_t nreqs;
  int has_reqs; /* the list is not nil (Helm processes dependencies) */
  struct json_object *values;   /* values.yaml, a map */
  struct chart_files templates; /* "templates/x.yaml" */
  struct chart_files files;     /* everything else, crds/ included */
  struct chart **subs;          /* charts/<dir>/, in directory order */
  size_t nsubs;
};

/* Length of o when it is a list, else 0 (json-c asserts on other types). */
static inline size_t chart__alen(struct json_object *o)
{
  return json_object_is_type(o, json_type_array) ? json_object_array_length(o)
                                                 : 0;
}

/* A new string formatted as printf does; NULL on ENOMEM. */
char *chart__strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- chart_meta.c ---- */

/* Applies a parsed Chart.yaml (or requirements.yaml) document onto meta
 * and reqs as sigs.k8s.io/yaml.Unmarshal into chart.Metadata does. */
int chart__meta_apply(struct chart *c, struct json_object *doc, struct err *e);
/* chart.Metadata.Validate (errors read "validation: ..."). */
int chart__meta_validate(struct chart *c, struct err *e);
void chart__dep_free(struct chart_dep *d);
int chart__dep_copy(struct chart_dep *dst, const struct chart_dep *src);
const char *chart__meta_str(const struct chart *c, const char *key);
/* .Chart for a template: Helm 3's struct { chart.Metadata; IsRoot bool } or
 * Helm 4's map, with name and dependencies as processed. */
struct json_object *chart__chart_value(const struct chart *c, enum chart_mode m,
                                       const char *name,
                                       const struct chart_dep *reqs,
                                       size_t nreqs, int has_reqs, int is_root);

/* ---- chart_semver.c: Masterminds/semver v3.3 as Helm uses it ---- */

struct chart_semver {
  uint64_t major, minor, patch;
  char pre[128], meta[128];
};

/* semver.NewVersion: 0 or -EINVAL ("Invalid Semantic Version" and the
 * library's other messages in e). */
int chart__semver_parse(const char *s, struct chart_semver *v, struct err *e);
/* Version.String(): "1.2.3-pre+meta" (no leading v). */
void chart__semver_string(const struct chart_semver *v, char *out, size_t cap);
/* chartutil.IsCompatibleRange(constraint, version). */
int chart__semver_compatible(const char *constraint, const char *version);

/* ---- chart_match.c: .helmignore ---- */

struct chart_ignore;
int chart__ignore_parse(const char *text, size_t len, struct chart_ignore **out,
                        struct err *e);
struct chart_ignore *chart__ignore_defaults(struct chart_ignore *r);
/* Whether the '/'-separated path (a directory when is_dir) is ignored. */
int chart__ignore_match(const struct chart_ignore *r, const char *path,
                        int is_dir);
void chart__ignore_free(struct chart_ignore *r);

/* ---- chart_values.c: values coalescing and dependencies ---- */

/* A chart as one render sees it: Helm mutates its chart while processing
 * dependencies (aliases, disabled subcharts, imported values), so each
 * render works on a tree of nodes over the immutable loaded charts. */
struct chart_node {
  const struct chart *c;
  char *name;                 /* Metadata.Name, or the alias */
  struct json_object *values; /* Chart.Values of this copy */
  struct chart_dep *reqs;
  size_t nreqs;
  int has_reqs;
  struct chart_node **kids; /* Dependencies() */
  size_t nkids;
  struct chart_node *parent;
};

struct chart_log {
  enum chart_mode mode;
  chart_warn_cb warn;
  void *data;
};

struct chart_node *chart__node_new(const struct chart *c,
                                   struct chart_node *parent);
void chart__node_free(struct chart_node *n);

/* chartutil.ProcessDependenciesWithMerge (Helm 3). */
int chart__process_deps(struct chart_node *root, struct json_object *vals,
                        const struct chart_log *log, struct err *e);
/* chartutil.CoalesceValues: a new map (vals is not changed). */
int chart__coalesce(struct chart_node *root, struct json_object *vals,
                    const struct chart_log *log, struct json_object **out,
                    struct err *e);
/* Values.Table("a.b"): the map or NULL (borrowed). */
struct json_object *chart__table(struct json_object *v, const char *path);
/* A Helm log line: "file.go:LINE: message" (Helm 3) or the message. */
void chart__logf(const struct chart_log *log, const char *file, int line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Go's %v of a value, appended to b. */
void chart__fmt_v(struct buf *b, struct json_object *v);

/* ---- chart_render.c ---- */

/* Renders the node tree: every executed template, sorted by name. */
int chart__render_nodes(struct chart_node *root, struct json_object *top,
                        const struct chart_render_opts *o,
                        struct chart_files *out, struct err *e);
/* The node's path for template names: "a/charts/b". */
void chart__node_path(const struct chart_node *n, struct buf *b);
/* helm template's render: dependencies processed, values coalesced, the
 * kubeVersion range checked, templates rendered, and the CRDs of the
 * processed tree. *late is set once values are ready (from then on Helm
 * adds its "--debug" hint to errors). */
int chart__render_template(const struct chart *c,
                           const struct chart_render_opts *o,
                           struct chart_files *out, struct chart_files *crds,
                           int *late, struct err *e);
int chart__files_add(struct chart_files *f, const char *name, const char *data,
                     size_t len);
void chart__files_sort(struct chart_files *f);

#endif
