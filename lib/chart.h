/* chart: Helm charts loaded from a directory and rendered as Helm does.
 *
 * Two callers, two Helm versions. `iop template` must print what
 * `helm template` (Helm 3.17) prints; the IstioOperator pipeline must
 * render Istio's charts as istioctl does, which embeds Helm 4.2's engine
 * with its own release data. chart_mode selects the rules that differ:
 * how values.yaml is read, how null chart defaults are coalesced, .Chart
 * and .Release, .helmignore and dependency processing.
 *
 * A loaded chart is not changed by rendering: load it once, render it any
 * number of times, each render with its own copies of the values. json-c's
 * reference counts are not atomic, so renders of one loaded chart must not
 * run at the same time (load a chart per thread instead).
 *
 * Rendering is Helm's engine: every template of the chart and its enabled
 * subcharts is parsed into one set in Helm's order (deeper paths first,
 * reverse byte order within a directory; a later define wins), then every
 * template whose base name does not start with "_" is executed in the same
 * order with its chart's data, "<no value>" removed. Errors read as Helm's
 * ("parse error at (c/templates/x.yaml:3): ...",
 * "execution error at (c/templates/x.yaml:3:7): ..."). */
#ifndef IOP_CHART_H
#define IOP_CHART_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>

enum chart_mode {
  CHART_MODE_HELM3 = 0, /* helm template, Helm v3.17 */
  CHART_MODE_ISTIOCTL,  /* istioctl manifest generate, Helm v4.2 engine */
};

/* Ceilings on what a chart directory may hold. */
#define CHART_MAX_FILES 20000
#define CHART_MAX_FILE_BYTES ((size_t)32 << 20)
#define CHART_MAX_TOTAL_BYTES ((size_t)256 << 20)
#define CHART_MAX_NESTING 32 /* charts/x/charts/y/... */

/* Warnings (Helm's log lines, e.g. "coalesce.go:237: warning: skipped
 * value for c.a: Not a table.") go to this callback; NULL prints them to
 * stderr with a newline. */
typedef void (*chart_warn_cb)(const char *line, void *data);

struct chart;

/* Loads the chart in dir with its subcharts (charts/<name>/ directories;
 * packaged .tgz subcharts are an error asking to unpack them). HELM3
 * honours .helmignore as `helm` does; ISTIOCTL reads every file and merges
 * every document of values.yaml, as istioctl does. Helm's load-time
 * warnings go to warn (NULL: stderr). */
int chart_load(const char *dir, enum chart_mode mode, chart_warn_cb warn,
               void *warn_data, struct chart **out, struct err *e);
void chart_free(struct chart *c);

/* Chart.yaml's name, version and type ("" for application charts). */
const char *chart_name(const struct chart *c);
const char *chart_version(const struct chart *c);
const char *chart_type(const struct chart *c);
/* Whether Chart.yaml says `deprecated: true`. */
int chart_deprecated(const struct chart *c);
/* helm's CheckDependencies: every Chart.yaml dependency has a subchart of
 * that name under charts/. */
int chart_check_dependencies(const struct chart *c, struct err *e);
/* The chart's own values.yaml (borrowed; do not change). */
struct json_object *chart_default_values(const struct chart *c);

/* One rendered or chart file. */
struct chart_file {
  char *name; /* "<chart>/templates/x.yaml", "<chart>/crds/y.yaml" */
  char *data; /* NUL-terminated */
  size_t len;
};

struct chart_files {
  struct chart_file *v;
  size_t n;
};

void chart_files_free(struct chart_files *f);

struct chart_render_opts {
  enum chart_mode mode;
  /* .Release.Name: NULL is "release-name" (HELM3) or "istio" (ISTIOCTL). */
  const char *release_name;
  const char *namespace; /* NULL: "default" */
  int is_upgrade;        /* helm template --is-upgrade */
  /* .Capabilities.KubeVersion, e.g. "1.29.3" or "v1.29.3"; NULL: v1.32.0. */
  const char *kube_version;
  /* Added to Helm's default .Capabilities.APIVersions. */
  const char *const *api_versions;
  size_t napi_versions;
  /* User values (a map or NULL), borrowed: the render works on a copy. */
  struct json_object *values;
  chart_warn_cb warn;
  void *warn_data;
};

/* Renders the chart: out gets every executed template (partials
 * excluded, NOTES.txt included) sorted by name in byte order. In HELM3
 * mode the chart's dependencies are processed first (conditions, tags,
 * aliases, import-values), as `helm template` does. */
int chart_render(const struct chart *c, const struct chart_render_opts *o,
                 struct chart_files *out, struct err *e);

/* The chart's CRD files (the crds/ .yaml, .yml and .json files of the chart and
 * of every subchart, in Helm's CRDObjects order), named "<chart path>/crds/x".
 */
int chart_crds(const struct chart *c, struct chart_files *out);

/* ---- helm template ---- */

struct chart_template_opts {
  int include_crds;
  int no_hooks;
  int skip_tests;
  const char *const *show_only; /* --show-only patterns (filepath.Match) */
  size_t nshow_only;
};

/* What `helm template` prints to stdout for the chart: manifests split and
 * sorted in Helm's install order, each "---\n# Source: FILE\n...", hooks
 * after them, CRDs first with include_crds, NOTES.txt left out. On error
 * nothing is appended to out, and *hint is set when Helm would add its
 * "Use --debug flag to render out invalid YAML" line. */
int chart_template(const struct chart *c, const struct chart_render_opts *ro,
                   const struct chart_template_opts *to, struct buf *out,
                   int *hint, struct err *e);

/* Go's filepath.Match on '/'-separated names: 1 match, 0 no match,
 * -EINVAL for a malformed pattern ("syntax error in pattern"). */
int chart_path_match(const char *pattern, const char *name);

#endif
