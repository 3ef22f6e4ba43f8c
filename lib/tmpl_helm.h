/* tmpl_helm: Helm 3.17's function map (pkg/engine/funcs.go: Sprig's
 * functions without env and expandenv, then toYaml, fromYaml,
 * fromYamlArray, toJson, fromJson, fromJsonArray, toToml, lookup, and the
 * late-bound include, tpl, required, fail), Helm's built-in objects and
 * its rewriting of template errors.
 *
 * include and tpl need the executing template set, so they use
 * tmpl_call_template and tmpl_call_text; the depth ceiling of
 * tmpl_exec_opts bounds recursion. lookup returns an empty map, as
 * `helm template` does without a cluster. */
#ifndef IOP_TMPL_HELM_H
#define IOP_TMPL_HELM_H

#include "tmpl.h"

/* Adds Helm's whole function map to f: everything a chart may call. */
int tmpl_helm_add_funcs(struct tmpl_funcs *f);

/* ---- Helm's built-in objects, as struct-like values ---- */

struct tmpl_helm_caps {
  const char *kube_version; /* "v1.32.0"; Major/Minor are derived */
  const char *const *api_versions;
  size_t napi_versions;
  const char *helm_version, *git_commit, *git_tree_state, *go_version;
};

/* .Capabilities: *chartutil.Capabilities with KubeVersion (Version, Major,
 * Minor; GitVersion and String methods), APIVersions (Has) and
 * HelmVersion. A new reference, NULL when out of memory. */
struct json_object *tmpl_helm_capabilities(const struct tmpl_helm_caps *c);

/* .Files: an engine.files map (name -> []byte) with Get, GetBytes, Lines,
 * Glob (gobwas/glob patterns, '/' separated), AsConfig and AsSecrets. Add
 * entries with tmpl_helm_files_add. */
struct json_object *tmpl_helm_files(void);
int tmpl_helm_files_add(struct json_object *files, const char *name,
                        const char *data, size_t len);

/* .Chart: struct { chart.Metadata; IsRoot bool } made from a parsed
 * Chart.yaml (name, version, appVersion, ...; missing ones empty). */
struct json_object *tmpl_helm_chart(struct json_object *chart_yaml,
                                    int is_root);

/* Helm's messages for a failed parse or execution of file `name`:
 *   parse:     "parse error at (FILE:LINE): MSG"
 *   fail/required: "execution error at (FILE:LINE:COL): MSG"
 * and every other execution error unchanged. Rewrites e->msg in place. */
void tmpl_helm_parse_error(struct err *e, const char *name);
void tmpl_helm_exec_error(struct err *e, const char *name);

#endif
