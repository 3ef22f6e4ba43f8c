/* Charts: `iop template` against real Helm 3.17 on our own fixture charts
 * (test/fixtures/charts/, cases in cases.txt), and unit tests of the chart
 * API: values coalescing in both modes, subchart scoping and globals,
 * istioctl's release data, Go's filepath.Match, semver ranges. */
#include "chart.h"
#include "chart_int.h"
#include "jobj.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CASES 512
#define MAX_WORDS 64

static char *cases[MAX_CASES];
static int ncases;

/* ---- the differential cases ---- */

static void load_cases(void)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/test/fixtures/charts/cases.txt",
           getenv("IOP_SRC") && *getenv("IOP_SRC") ? getenv("IOP_SRC") : ".");
  FILE *f = fopen(path, "r");
  char line[8192];
  while (f && ncases < MAX_CASES && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    const char *p = line + strspn(line, " \t");
    if (*p && *p != '#')
      cases[ncases++] = strdup(p);
  }
  if (f)
    fclose(f);
}

/* Splits a case into words: blanks separate, quotes group, @/ expands. */
static int split_words(const char *line, char **w, char *store, size_t cap)
{
  const char *base = test_src_dir();
  int n = 0;
  char *out = store, *end = store + cap - 1;
  const char *p = line;
  while (*p && n < MAX_WORDS - 1) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    w[n++] = out;
    for (char q = 0; *p && (q || (*p != ' ' && *p != '\t')) && out < end; p++) {
      if (!q && (*p == '\'' || *p == '"'))
        q = *p;
      else if (q && *p == q)
        q = 0;
      else if (!q && p[0] == '@' && p[1] == '/')
        out +=
            snprintf(out, (size_t)(end - out), "%s/test/fixtures/charts", base);
      else
        *out++ = *p;
    }
    *out++ = '\0';
  }
  w[n] = NULL;
  return n;
}

static struct run_result run_template(const char *bin, char **words, int n)
{
  char *argv[MAX_WORDS + 2];
  argv[0] = (char *)bin;
  argv[1] = "template";
  for (int i = 0; i < n; i++)
    argv[i + 2] = words[i];
  argv[n + 2] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  return r;
}

static int line_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s, sorted, joined again: order-free comparison. */
static char *sorted_lines(const char *s)
{
  char *copy = strdup(s), *lines[4096];
  int n = 0;
  for (char *p = strtok(copy, "\n"); p && n < 4096; p = strtok(NULL, "\n"))
    lines[n++] = p;
  qsort(lines, (size_t)n, sizeof *lines, line_cmp);
  size_t len = strlen(s) + 2;
  char *out = calloc(1, len);
  for (int i = 0; i < n; i++) {
    strcat(out, lines[i]);
    strcat(out, "\n");
  }
  free(copy);
  return out;
}

static struct json_object *objects(const char *text)
{
  struct kyaml_opts o = {.name = "stdout"};
  struct json_object *docs = NULL;
  struct err e;
  if (kyaml_parse_all(text, strlen(text), &o, &docs, &e))
    return NULL;
  return docs;
}

static void compare_objects(const char *line, const char *want, const char *got)
{
  struct json_object *a = objects(want), *b = objects(got);
  ck_assert_msg(a && b, "%s: output does not parse as YAML", line);
  ck_assert_msg(jobj_equal(a, b), "%s: objects differ\n--- helm\n%s--- iop\n%s",
                line, want, got);
  json_object_put(a);
  json_object_put(b);
}

static void isolate_env(void)
{
  /* Neither tool may pick up a kubeconfig's namespace or user settings. */
  setenv("KUBECONFIG", "/nonexistent/kubeconfig", 1);
  unsetenv("HELM_NAMESPACE");
  unsetenv("HELM_DEBUG");
}

START_TEST(matches_helm)
{
  const char *line = cases[_i];
  int objects_only = line[0] == '~', no_stderr = line[0] == '%';
  char store[16384], *words[MAX_WORDS];
  int n = split_words(line + (objects_only || no_stderr), words, store,
                      sizeof store);
  isolate_env();
  struct run_result h = run_template(test_helm_bin(), words, n);
  struct run_result i = run_template(test_iop_bin(), words, n);
  ck_assert_msg(h.status == i.status,
                "%s: exit %d (helm) vs %d (iop)\nhelm: %s\niop: %s", line,
                h.status, i.status, h.err, i.err);
  if (!objects_only)
    ck_assert_msg(strcmp(h.out, i.out) == 0,
                  "%s: stdout differs\n--- helm\n%s--- iop\n%s", line, h.out,
                  i.out);
  if (h.status == 0)
    compare_objects(line, h.out, i.out);
  if (!no_stderr) {
    char *hs = sorted_lines(h.err), *is = sorted_lines(i.err);
    ck_assert_msg(strcmp(hs, is) == 0,
                  "%s: stderr differs\n--- helm\n%s--- iop\n%s", line, h.err,
                  i.err);
    free(hs);
    free(is);
  }
  run_result_free(&h);
  run_result_free(&i);
}
END_TEST

START_TEST(namespace_from_kubeconfig)
{
  /* Without --namespace, helm takes $HELM_NAMESPACE, else the kubeconfig
   * context's namespace: so must we. */
  char *dir = test_tmpdir();
  char *kc = test_write_file(dir, "kubeconfig",
                             "apiVersion: v1\nkind: Config\nclusters:\n"
                             "- name: c\n  cluster:\n    server: "
                             "https://127.0.0.1:1\ncontexts:\n- name: x\n"
                             "  context:\n    cluster: c\n    user: u\n"
                             "    namespace: from-kubeconfig\n"
                             "current-context: x\nusers:\n- name: u\n"
                             "  user:\n    token: t\n");
  chmod(kc, 0600);
  char store[8192], *words[MAX_WORDS];
  int n = split_words("@/basic -s templates/configmap.yaml", words, store,
                      sizeof store);
  for (int k = 0; k < 2; k++) {
    setenv("KUBECONFIG", kc, 1);
    if (k)
      setenv("HELM_NAMESPACE", "from-env", 1);
    struct run_result h = run_template(test_helm_bin(), words, n);
    struct run_result i = run_template(test_iop_bin(), words, n);
    ck_assert_int_eq(h.status, 0);
    ck_assert_str_eq(h.out, i.out);
    ck_assert_ptr_nonnull(strstr(i.out, k ? "from-env" : "from-kubeconfig"));
    run_result_free(&h);
    run_result_free(&i);
  }
  free(kc);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* ---- unit tests: rendering through the API ---- */

struct tchart {
  char *dir;
};

static struct tchart tchart_new(const char *chart_yaml, const char *values,
                                const char *tmpl)
{
  struct tchart t = {test_tmpdir()};
  free(test_write_file(t.dir, "c/Chart.yaml", chart_yaml));
  if (values)
    free(test_write_file(t.dir, "c/values.yaml", values));
  free(test_write_file(t.dir, "c/templates/t.yaml", tmpl));
  return t;
}

static void tchart_free(struct tchart *t)
{
  test_rm_rf(t->dir);
  free(t->dir);
}

struct warnings {
  char text[8192];
};

static void warn_cb(const char *line, void *data)
{
  struct warnings *w = data;
  strncat(w->text, line, sizeof w->text - strlen(w->text) - 2);
  strcat(w->text, "\n");
}

/* Renders t's chart with user values (YAML text or NULL) and returns the
 * output of templates/t.yaml. */
static char *render(struct tchart *t, enum chart_mode mode, const char *user,
                    struct warnings *w)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t->dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_msg(chart_load(path, mode, warn_cb, w, &c, &e) == 0, "%s", e.msg);
  struct json_object *vals = NULL;
  if (user) {
    struct kyaml_opts o = {.name = "user", .numbers = KYAML_NUMBERS_FLOAT};
    ck_assert_int_eq(kyaml_parse(user, strlen(user), &o, &vals, &e), 0);
  }
  struct chart_render_opts ro = {.mode = mode,
                                 .namespace = "ns",
                                 .values = vals,
                                 .warn = warn_cb,
                                 .warn_data = w};
  struct chart_files out;
  ck_assert_msg(chart_render(c, &ro, &out, &e) == 0, "%s", e.msg);
  char *text = NULL;
  for (size_t i = 0; i < out.n; i++)
    if (strstr(out.v[i].name, "/templates/t.yaml"))
      text = strdup(out.v[i].data);
  ck_assert_ptr_nonnull(text);
  chart_files_free(&out);
  json_object_put(vals);
  chart_free(c);
  return text;
}

static const char chart_v2[] = "apiVersion: v2\nname: c\nversion: 1.0.0\n";

#define DUMP "{{ print .Values }}"

START_TEST(user_null_deletes_default)
{
  struct tchart t = tchart_new(chart_v2, "a: 1\nb:\n  c: 2\n  d: 3\n", DUMP);
  struct warnings w = {""};
  char *out = render(&t, CHART_MODE_HELM3, "a: null\nb:\n  c: null\n", &w);
  ck_assert_str_eq(out, "map[b:map[d:3]]");
  ck_assert_str_eq(w.text, "");
  free(out);
  tchart_free(&t);
}
END_TEST

START_TEST(map_onto_scalar_warns_keeps_user)
{
  struct tchart t = tchart_new(chart_v2, "a: 1\nb:\n  c: 2\n", DUMP);
  struct warnings w = {""};
  char *out = render(&t, CHART_MODE_HELM3, "a:\n  x: 1\nb: 5\n", &w);
  /* The user's map stays (with a warning); a user scalar over a default
   * table wins silently at the top level. */
  ck_assert_str_eq(out, "map[a:map[x:1] b:5]");
  ck_assert_str_eq(w.text,
                   "coalesce.go:237: warning: skipped value for c.a: Not "
                   "a table.\n");
  free(out);
  tchart_free(&t);
}
END_TEST

START_TEST(nested_table_conflicts_warn)
{
  struct tchart t =
      tchart_new(chart_v2, "m:\n  t:\n    x: 1\n  s: str\n", DUMP);
  struct warnings w = {""};
  char *out = render(&t, CHART_MODE_HELM3, "m:\n  t: 5\n  s:\n    z: 2\n", &w);
  ck_assert_str_eq(out, "map[m:map[s:map[z:2] t:5]]");
  ck_assert_ptr_nonnull(strstr(w.text, "coalesce.go:298: warning: cannot "
                                       "overwrite table with non table for "
                                       "c.m.t (map[x:1])"));
  ck_assert_ptr_nonnull(strstr(w.text, "coalesce.go:301: warning: destination "
                                       "for c.m.s is a table. Ignoring "
                                       "non-table value (str)"));
  free(out);
  tchart_free(&t);
}
END_TEST

START_TEST(default_nulls_by_mode)
{
  /* Helm 3 copies a chart default null; Helm 4 (istioctl) drops it, and
   * keeps a user null that has no default. */
  struct tchart t =
      tchart_new(chart_v2, "d: null\nm:\n  k: null\n  v: 1\n", DUMP);
  struct warnings w = {""};
  char *h3 = render(&t, CHART_MODE_HELM3, "u: null\n", &w);
  char *h4 = render(&t, CHART_MODE_ISTIOCTL, "u: null\n", &w);
  ck_assert_str_eq(h3, "map[d:<nil> m:map[k:<nil> v:1] u:<nil>]");
  ck_assert_str_eq(h4, "map[m:map[v:1] u:<nil>]");
  free(h3);
  free(h4);
  tchart_free(&t);
}
END_TEST

START_TEST(values_are_copies)
{
  /* Rendering twice from one loaded chart gives the same result: the
   * render never changes the chart's defaults or the user's values. */
  struct tchart t = tchart_new(chart_v2, "a:\n  b: 1\n", DUMP);
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_eq(chart_load(path, CHART_MODE_ISTIOCTL, NULL, NULL, &c, &e),
                   0);
  struct json_object *user = json_object_new_object();
  json_object_object_add(user, "a", json_object_new_object());
  json_object_object_add(json_object_object_get(user, "a"), "x",
                         json_object_new_int(2));
  for (int k = 0; k < 2; k++) {
    struct chart_render_opts ro = {.mode = CHART_MODE_ISTIOCTL, .values = user};
    struct chart_files out;
    ck_assert_int_eq(chart_render(c, &ro, &out, &e), 0);
    ck_assert_str_eq(out.v[0].data, "map[a:map[b:1 x:2]]");
    chart_files_free(&out);
  }
  ck_assert_int_eq(json_object_object_length(json_object_object_get(user, "a")),
                   1);
  ck_assert_int_eq(json_object_object_length(chart_default_values(c)), 1);
  json_object_put(user);
  chart_free(c);
  tchart_free(&t);
}
END_TEST

START_TEST(istioctl_release_and_chart)
{
  struct tchart t = tchart_new(
      "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: 1.2.3\n",
      "---\na: 1\n---\nb: 2\n",
      "{{ .Release }} {{ .Capabilities.KubeVersion }} {{ .Chart.Name }} "
      "{{ .Chart.AppVersion }} {{ .Chart.IsRoot }} {{ printf \"%T\" .Chart }} "
      "{{ print .Values }}");
  struct warnings w = {""};
  char *out = render(&t, CHART_MODE_ISTIOCTL, NULL, &w);
  ck_assert_str_eq(out, "map[IsInstall:false IsUpgrade:false Name:istio "
                        "Namespace:ns Revision:0 Service:Helm] v1.32.0 c 1.2.3 "
                        "true map[string]interface {} map[a:1 b:2]");
  free(out);
  /* Helm 3 reads only the first document of values.yaml. */
  out = render(&t, CHART_MODE_HELM3, NULL, &w);
  ck_assert_ptr_nonnull(strstr(out, "map[a:1]"));
  free(out);
  tchart_free(&t);
}
END_TEST

START_TEST(execution_order_and_redefinition)
{
  /* Deeper paths first, then reverse byte order: z.yaml runs before
   * a.yaml, sub/x.yaml before both; the define parsed last (from a.yaml)
   * wins everywhere. */
  struct tchart t = tchart_new(chart_v2, NULL, "");
  free(test_write_file(
      t.dir, "c/templates/z.yaml",
      "{{ define \"n\" }}from z{{ end }}z:{{ include \"n\" . }}"));
  free(test_write_file(
      t.dir, "c/templates/a.yaml",
      "{{ define \"n\" }}from a{{ end }}a:{{ include \"n\" . }}"));
  free(test_write_file(t.dir, "c/templates/sub/x.yaml", "x"));
  free(test_write_file(t.dir, "c/templates/_p.tpl", "{{ fail \"not run\" }}"));
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_eq(chart_load(path, CHART_MODE_ISTIOCTL, NULL, NULL, &c, &e),
                   0);
  struct chart_render_opts ro = {.mode = CHART_MODE_ISTIOCTL};
  struct chart_files out;
  ck_assert_msg(chart_render(c, &ro, &out, &e) == 0, "%s", e.msg);
  ck_assert_int_eq(out.n, 4);
  ck_assert_str_eq(out.v[0].name, "c/templates/a.yaml");
  ck_assert_str_eq(out.v[0].data, "a:from a");
  ck_assert_str_eq(out.v[1].name, "c/templates/sub/x.yaml");
  ck_assert_str_eq(out.v[2].name, "c/templates/t.yaml");
  ck_assert_str_eq(out.v[3].data, "z:from a");
  chart_files_free(&out);
  chart_free(c);
  tchart_free(&t);
}
END_TEST

START_TEST(render_errors_name_the_place)
{
  struct tchart t = tchart_new(chart_v2, NULL,
                               "ok\n{{ required \"x is needed\" .Values.x }}");
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_eq(chart_load(path, CHART_MODE_ISTIOCTL, NULL, NULL, &c, &e),
                   0);
  struct chart_render_opts ro = {.mode = CHART_MODE_ISTIOCTL};
  struct chart_files out;
  ck_assert_int_ne(chart_render(c, &ro, &out, &e), 0);
  ck_assert_str_eq(e.msg,
                   "execution error at (c/templates/t.yaml:2:3): x is needed");
  ck_assert_int_eq(out.n, 0);
  chart_free(c);
  tchart_free(&t);
}
END_TEST

static char *render_error(const char *tmpl, const char *partial,
                          enum chart_mode mode)
{
  struct tchart t = tchart_new(chart_v2, NULL, tmpl);
  if (partial)
    free(test_write_file(t.dir, "c/templates/_h.tpl", partial));
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_eq(chart_load(path, mode, NULL, NULL, &c, &e), 0);
  struct chart_render_opts ro = {.mode = mode};
  struct chart_files out;
  ck_assert_int_ne(chart_render(c, &ro, &out, &e), 0);
  chart_free(c);
  tchart_free(&t);
  return strdup(e.msg);
}

START_TEST(helm4_exec_errors)
{
  /* Helm 4 lays a template error out as a trace, one level per include;
   * Helm 3 keeps text/template's line. */
  char *m = render_error("{{ .Values.a.b }}", NULL, CHART_MODE_ISTIOCTL);
  ck_assert_str_eq(m, "c/templates/t.yaml:1:10\n"
                      "  executing \"c/templates/t.yaml\" at <.Values.a.b>:\n"
                      "    nil pointer evaluating interface {}.b");
  free(m);
  m = render_error("{{ .Values.a.b }}", NULL, CHART_MODE_HELM3);
  ck_assert_str_eq(m, "template: c/templates/t.yaml:1:10: executing "
                      "\"c/templates/t.yaml\" at <.Values.a.b>: nil pointer "
                      "evaluating interface {}.b");
  free(m);
  m = render_error("x: {{ include \"h\" . }}",
                   "{{ define \"h\" }}{{ .Values.a.b }}{{ end }}",
                   CHART_MODE_ISTIOCTL);
  ck_assert_str_eq(m,
                   "c/templates/t.yaml:1:6\n"
                   "  executing \"c/templates/t.yaml\" at <include \"h\" .>:\n"
                   "    error calling include:\n"
                   "c/templates/_h.tpl:1:26\n"
                   "  executing \"h\" at <.Values.a.b>:\n"
                   "    nil pointer evaluating interface {}.b");
  free(m);
}
END_TEST

START_TEST(load_errors)
{
  struct tchart t = tchart_new(chart_v2, NULL, "x");
  free(test_write_file(t.dir, "c/charts/sub-1.0.0.tgz", "not really"));
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_ne(chart_load(path, CHART_MODE_HELM3, NULL, NULL, &c, &e), 0);
  ck_assert_ptr_null(c);
  ck_assert_ptr_nonnull(strstr(e.msg,
                               "error unpacking subchart sub-1.0.0.tgz in "
                               "c: packaged subcharts are not supported"));
  snprintf(path, sizeof path, "%s/nowhere", t.dir);
  ck_assert_int_ne(chart_load(path, CHART_MODE_HELM3, NULL, NULL, &c, &e), 0);
  tchart_free(&t);
}
END_TEST

START_TEST(crds_of_the_tree)
{
  struct tchart t = tchart_new(chart_v2, NULL, "x");
  free(test_write_file(t.dir, "c/crds/b.yaml", "kind: B\n"));
  free(test_write_file(t.dir, "c/crds/a.txt", "not a manifest"));
  free(test_write_file(t.dir, "c/charts/s/Chart.yaml",
                       "apiVersion: v2\nname: s\nversion: 1.0.0\n"));
  free(test_write_file(t.dir, "c/charts/s/crds/a.json", "{}"));
  char path[4096];
  snprintf(path, sizeof path, "%s/c", t.dir);
  struct chart *c = NULL;
  struct err e;
  ck_assert_int_eq(chart_load(path, CHART_MODE_ISTIOCTL, NULL, NULL, &c, &e),
                   0);
  struct chart_files crds;
  ck_assert_int_eq(chart_crds(c, &crds), 0);
  ck_assert_int_eq(crds.n, 2);
  ck_assert_str_eq(crds.v[0].name, "c/crds/b.yaml");
  ck_assert_str_eq(crds.v[1].name, "c/charts/s/crds/a.json");
  chart_files_free(&crds);
  chart_free(c);
  tchart_free(&t);
}
END_TEST

/* ---- filepath.Match and semver ---- */

START_TEST(path_match_as_go)
{
  static const struct {
    const char *pat, *name;
    int want;
  } t[] = {
      {"abc", "abc", 1},
      {"*", "abc", 1},
      {"*c", "abc", 1},
      {"a*", "a", 1},
      {"a*", "abc", 1},
      {"a*", "ab/c", 0},
      {"a*/b", "abc/b", 1},
      {"a*/b", "a/c/b", 0},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
      {"a*b?c*x", "abxbbxdbxebxczzx", 1},
      {"a*b?c*x", "abxbbxdbxebxczzy", 0},
      {"ab[c]", "abc", 1},
      {"ab[b-d]", "abc", 1},
      {"ab[e-g]", "abc", 0},
      {"ab[^c]", "abc", 0},
      {"ab[^b-d]", "abc", 0},
      {"ab[^e-g]", "abc", 1},
      {"a\\*b", "a*b", 1},
      {"a\\*b", "ab", 0},
      {"a?b", "a☺b", 1},
      {"a[^a]b", "a☺b", 1},
      {"a???b", "a☺b", 0},
      {"a[^a][^a][^a]b", "a☺b", 0},
      {"[a-ζ]*", "α", 1},
      {"*[a-ζ]", "A", 0},
      {"a?b", "a/b", 0},
      {"a*b", "a/b", 0},
      {"[\\]a]", "]", 1},
      {"[\\-]", "-", 1},
      {"[x\\-]", "x", 1},
      {"[x\\-]", "-", 1},
      {"[x\\-]", "z", 0},
      {"[\\-x]", "x", 1},
      {"[]a]", "]", -1},
      {"[-]", "-", -1},
      {"[x-]", "x", -1},
      {"[-x]", "x", -1},
      {"\\", "a", -1},
      {"[a-b-c]", "a", -1},
      {"[", "a", -1},
      {"[^", "a", -1},
      {"[^bc", "a", -1},
      {"a[", "a", -1},
      {"a[", "ab", -1},
      {"a[", "x", -1},
      {"a/b[", "x", -1},
      {"*x", "xxx", 1},
      {"templates/*.yaml", "templates/a.yaml", 1},
      {"templates/*", "templates/sub/a.yaml", 0},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    ck_assert_msg(chart_path_match(t[i].pat, t[i].name) ==
                      (t[i].want < 0 ? -22 : t[i].want),
                  "Match(%s, %s) = %d", t[i].pat, t[i].name,
                  chart_path_match(t[i].pat, t[i].name));
}
END_TEST

START_TEST(semver_ranges)
{
  static const struct {
    const char *con, *ver;
    int want;
  } t[] = {
      {"~1.2.0", "1.2.3", 1},
      {"~1.2.0", "1.3.0", 0},
      {">= 1.0.0, < 2", "1.9.9", 1},
      {">= 1.0.0, < 2", "2.0.0", 0},
      {"^1.2", "1.9.0", 1},
      {"^0.2.3", "0.3.0", 0},
      {"1.x", "1.7.2", 1},
      {"*", "3.0.0", 1},
      {"", "1.0.0", 0},
      {"1.2 - 1.4", "1.4.0", 1},
      {"1.2 - 1.4", "1.5.0", 0},
      {">1.0.0 || <0.5", "0.4.0", 1},
      {">= 1.20.0-0", "v1.19.0", 0},
      {">= 1.20.0-0", "v1.32.0", 1},
      {">=1.0.0", "1.1.0-rc.1", 0},
      {"!=1.2.3", "1.2.3", 0},
      {"0.1.x", "0.1.4", 1},
      {"garbage", "1.0.0", 0},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    ck_assert_msg(chart__semver_compatible(t[i].con, t[i].ver) == t[i].want,
                  "IsCompatibleRange(%s, %s)", t[i].con, t[i].ver);
}
END_TEST

Suite *chart_suite(void)
{
  Suite *s = suite_create("chart");
  load_cases();
  TCase *diff = tcase_create("helm");
  tcase_set_timeout(diff, 60);
  tcase_add_loop_test(diff, matches_helm, 0, ncases);
  tcase_add_test(diff, namespace_from_kubeconfig);
  suite_add_tcase(s, diff);
  TCase *tc = tcase_create("api");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, user_null_deletes_default);
  tcase_add_test(tc, map_onto_scalar_warns_keeps_user);
  tcase_add_test(tc, nested_table_conflicts_warn);
  tcase_add_test(tc, default_nulls_by_mode);
  tcase_add_test(tc, values_are_copies);
  tcase_add_test(tc, istioctl_release_and_chart);
  tcase_add_test(tc, execution_order_and_redefinition);
  tcase_add_test(tc, render_errors_name_the_place);
  tcase_add_test(tc, helm4_exec_errors);
  tcase_add_test(tc, load_errors);
  tcase_add_test(tc, crds_of_the_tree);
  tcase_add_test(tc, path_match_as_go);
  tcase_add_test(tc, semver_ranges);
  suite_add_tcase(s, tc);
  return s;
}
