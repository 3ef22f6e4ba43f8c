/* Differential tests of the template engine against real Helm 3.17.
 *
 * Each file in test/fixtures/tmpl/ holds a values.yaml and template cases:
 *
 *   === values
 *   a: 1
 *   === case name        (renders; output compared byte for byte)
 *   {{ .Values.a }}
 *   === error name       (fails; Helm's error message compared)
 *   {{ .Values.a.b.c }}
 *   === shape name RE    (renders; both outputs must match the regular
 *   {{ uuidv4 }}          expression RE, for random and time functions)
 *
 * A case's text is the lines up to the next "=== " line, without the last
 * newline. Rendering cases of a file run in one chart: each case is
 * templates/_cNNN.tpl and templates/all.yaml prints
 * `cNNN: {{ include "c/templates/_cNNN.tpl" . | b64enc | quote }}`, so the
 * bytes come back exactly, "<no value>" included. Error cases run one chart
 * each, as templates/x.yaml. Our engine parses the same files in Helm's
 * order and executes them with the same data. */
#include "base64.h"
#include "kyaml.h"
#include "regex.h"
#include "testutil.h"
#include "tmpl.h"
#include "tmpl_helm.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tcase {
  char name[128];
  int is_error;
  char *shape; /* a regular expression, for shape cases */
  char *text;
};

struct fixture {
  char *values;
  char *files[16], *file_names[16];
  int nfiles;
  struct tcase cases[256];
  int ncases;
};

static char *dup_range(const char *s, size_t n)
{
  char *p = malloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static void fixture_parse(const char *text, struct fixture *f)
{
  memset(f, 0, sizeof *f);
  const char *p = text;
  char **target = NULL;
  const char *body = NULL;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
    if (strncmp(p, "=== ", 4) == 0) {
      if (target)
        *target =
            dup_range(body, (size_t)(p - body) ? (size_t)(p - body) - 1 : 0);
      char kind[16] = "", name[128] = "";
      sscanf(p + 4, "%15s %127s", kind, name);
      if (strcmp(kind, "values") == 0) {
        target = &f->values;
      } else if (strcmp(kind, "file") == 0) {
        ck_assert_int_lt(f->nfiles, 16);
        f->file_names[f->nfiles] = strdup(name);
        target = &f->files[f->nfiles++];
      } else {
        ck_assert_int_lt(f->ncases, 256);
        struct tcase *c = &f->cases[f->ncases++];
        snprintf(c->name, sizeof c->name, "%s", name);
        c->is_error = strcmp(kind, "error") == 0;
        if (strcmp(kind, "shape") == 0) {
          const char *re = strstr(p + 4, name) + strlen(name);
          while (*re == ' ')
            re++;
          c->shape = dup_range(re, (size_t)(eol - re));
        }
        target = &c->text;
      }
      body = p + len;
    }
    p += len;
  }
  if (target)
    *target = dup_range(body, (size_t)(p - body) && p[-1] == '\n'
                                  ? (size_t)(p - body) - 1
                                  : (size_t)(p - body));
  if (!f->values)
    f->values = strdup("");
}

static void fixture_free(struct fixture *f)
{
  free(f->values);
  for (int i = 0; i < f->nfiles; i++) {
    free(f->files[i]);
    free(f->file_names[i]);
  }
  for (int i = 0; i < f->ncases; i++) {
    free(f->cases[i].text);
    free(f->cases[i].shape);
  }
}

static const char chart_yaml[] = "apiVersion: v2\nname: c\nversion: 0.1.0\n";

static char *chart_dir(const struct fixture *f)
{
  char *dir = test_tmpdir();
  free(test_write_file(dir, "c/Chart.yaml", chart_yaml));
  free(test_write_file(dir, "c/values.yaml", f->values));
  for (int i = 0; i < f->nfiles; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "c/%s", f->file_names[i]);
    free(test_write_file(dir, rel, f->files[i]));
  }
  return dir;
}

/* Helm 3.17.2's default capabilities for `helm template`. */
static const char *const api_versions[] = {
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

static struct run_result helm_template(const char *dir)
{
  char chart[4096];
  snprintf(chart, sizeof chart, "%s/c", dir);
  char *argv[] = {(char *)test_helm_bin(), "template", "rel", chart, NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  return r;
}

/* ---- Our side: the data Helm gives a template of chart "c" ---- */

static struct json_object *render_data(const struct fixture *f,
                                       const char *tmpl_name)
{
  const char *values_yaml = f->values;
  struct kyaml_opts o = {.name = "values.yaml", .numbers = KYAML_NUMBERS_FLOAT};
  struct json_object *vals = NULL;
  struct err e;
  ck_assert_msg(kyaml_parse(values_yaml, strlen(values_yaml), &o, &vals, &e) ==
                    0,
                "%s", e.msg);
  if (!vals)
    vals = json_object_new_object();
  tmpl_val_set_type(vals, &tmpl_type_values);
  struct json_object *top = json_object_new_object();
  json_object_object_add(top, "Values", vals);
  struct json_object *rel = json_object_new_object();
  json_object_object_add(rel, "Name", json_object_new_string("rel"));
  json_object_object_add(rel, "Namespace", json_object_new_string("default"));
  json_object_object_add(rel, "IsUpgrade", json_object_new_boolean(0));
  json_object_object_add(rel, "IsInstall", json_object_new_boolean(1));
  json_object_object_add(rel, "Revision", tmpl_val_int(1));
  json_object_object_add(rel, "Service", json_object_new_string("Helm"));
  json_object_object_add(top, "Release", rel);
  struct json_object *t = json_object_new_object();
  json_object_object_add(t, "Name", json_object_new_string(tmpl_name));
  json_object_object_add(t, "BasePath", json_object_new_string("c/templates"));
  tmpl_val_set_type(t, &tmpl_type_values);
  json_object_object_add(top, "Template", t);
  struct tmpl_helm_caps caps = {
      .kube_version = "v1.32.0",
      .api_versions = api_versions,
      .napi_versions = sizeof api_versions / sizeof api_versions[0],
      .helm_version = "v3.17.2",
      .git_commit = "cc0bbbd6d6276b83880042c1ecb34087e84d41eb",
      .git_tree_state = "clean",
      .go_version = "go1.23.7"};
  json_object_object_add(top, "Capabilities", tmpl_helm_capabilities(&caps));
  struct json_object *files = tmpl_helm_files();
  for (int i = 0; i < f->nfiles; i++)
    tmpl_helm_files_add(files, f->file_names[i], f->files[i],
                        strlen(f->files[i]));
  json_object_object_add(top, "Files", files);
  struct kyaml_opts co = {.name = "Chart.yaml"};
  struct json_object *cy = NULL;
  kyaml_parse(chart_yaml, strlen(chart_yaml), &co, &cy, &e);
  json_object_object_add(top, "Chart", tmpl_helm_chart(cy, 1));
  json_object_put(cy);
  json_object_object_add(top, "Subcharts", json_object_new_object());
  return top;
}

static struct tmpl_funcs *helm_funcs(void)
{
  struct tmpl_funcs *f = tmpl_funcs_new();
  ck_assert_int_eq(tmpl_helm_add_funcs(f), 0);
  return f;
}

/* Helm's order: deeper paths first, then reverse byte order. */
static int helm_order(const void *a, const void *b)
{
  return -strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct ours {
  int rc;
  char *out;
  char err[ERR_MSG_MAX];
};

static struct ours run_ours(struct tmpl_set *s, const char *name,
                            const struct fixture *f, const char *tmpl_name)
{
  struct ours r = {0};
  struct json_object *data = render_data(f, tmpl_name);
  struct buf b;
  buf_init(&b, 0);
  struct err e;
  err_clear(&e);
  struct tmpl_exec_opts o = {.root_name = "gotpl"};
  r.rc = tmpl_execute(s, name, data, &o, &b, &e);
  if (r.rc) {
    tmpl_helm_exec_error(&e, name);
    snprintf(r.err, sizeof r.err, "%s", e.msg);
  }
  r.out = b.data ? b.data : strdup("");
  json_object_put(data);
  return r;
}

/* ---- Rendering cases ---- */

static char *helm_value(const char *out, const char *key)
{
  char pat[64];
  snprintf(pat, sizeof pat, "\n%s: \"", key);
  const char *p = strstr(out, pat);
  if (!p)
    return NULL;
  p += strlen(pat);
  const char *q = strchr(p, '"');
  char *dec;
  size_t n;
  if (!q || base64_decode(p, (size_t)(q - p), &dec, &n))
    return NULL;
  return dec;
}

/* Whether text matches the shape's regular expression. */
static int shape_ok(const char *re, const char *text)
{
  struct regex *r;
  struct err e;
  ck_assert_msg(regex_compile(re, strlen(re), &r, &e) == 0, "%s", e.msg);
  int ok = regex_match(r, text, strlen(text));
  regex_free(r);
  return ok;
}

static int check_renders(const struct fixture *f, const char *file)
{
  char *dir = chart_dir(f);
  struct buf all;
  buf_init(&all, 0);
  const char *names[256];
  char namebuf[256][64];
  int n = 0;
  for (int i = 0; i < f->ncases; i++) {
    if (f->cases[i].is_error)
      continue;
    char rel[64];
    snprintf(rel, sizeof rel, "c/templates/_c%03d.tpl", i);
    free(test_write_file(dir, rel, f->cases[i].text));
    buf_printf(&all, "c%03d: {{ include \"%s\" . | b64enc | quote }}\n", i,
               rel);
    snprintf(namebuf[n], sizeof namebuf[n], "%s", rel);
    names[n] = namebuf[n];
    n++;
  }
  free(test_write_file(dir, "c/templates/all.yaml", all.data ? all.data : ""));
  buf_free(&all);
  struct run_result hr = helm_template(dir);
  if (hr.status != 0) {
    fprintf(stderr, "%s: helm failed on the rendering cases: %s\n", file,
            hr.err);
    run_result_free(&hr);
    test_rm_rf(dir);
    free(dir);
    return 1;
  }
  qsort(names, (size_t)n, sizeof *names, helm_order);
  struct tmpl_funcs *fns = helm_funcs();
  struct tmpl_set *s = tmpl_set_new(fns);
  int failures = 0;
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    char *text = test_read_file(path, NULL);
    struct err e;
    int rc = tmpl_set_parse(s, names[i], text, strlen(text), &e);
    ck_assert_msg(rc == 0, "%s: %s: %s", file, names[i], e.msg);
    free(text);
  }
  for (int i = 0; i < f->ncases; i++) {
    if (f->cases[i].is_error)
      continue;
    char key[16], name[64];
    snprintf(key, sizeof key, "c%03d", i);
    snprintf(name, sizeof name, "c/templates/_c%03d.tpl", i);
    char *want = helm_value(hr.out, key);
    struct ours got = run_ours(s, name, f, "c/templates/all.yaml");
    int differ = !want || got.rc ||
                 (f->cases[i].shape ? !shape_ok(f->cases[i].shape, want) ||
                                          !shape_ok(f->cases[i].shape, got.out)
                                    : strcmp(want, got.out) != 0);
    if (differ) {
      fprintf(stderr, "%s: case %s:\n  helm: [%s]\n  ours: [%s]%s%s\n", file,
              f->cases[i].name, want ? want : "(none)", got.out,
              got.rc ? " error: " : "", got.err);
      failures++;
    }
    free(want);
    free(got.out);
  }
  tmpl_set_free(s);
  tmpl_funcs_free(fns);
  run_result_free(&hr);
  test_rm_rf(dir);
  free(dir);
  return failures;
}

/* ---- Error cases ---- */

/* Helm's message: after "Error: ", up to its --debug hint (messages from
 * fail and toYaml can span lines). */
static char *helm_error_line(const char *err)
{
  const char *p = strstr(err, "Error: ");
  if (!p)
    return strdup(err);
  p += 7;
  const char *end = strstr(p, "\n\nUse --debug flag");
  size_t n = end ? (size_t)(end - p) : strlen(p);
  while (n > 0 && p[n - 1] == '\n')
    n--;
  return dup_range(p, n);
}

static int check_error(const struct fixture *f, const struct tcase *c,
                       const char *file)
{
  char *dir = chart_dir(f);
  free(test_write_file(dir, "c/templates/x.yaml", c->text));
  struct run_result hr = helm_template(dir);
  char *want = hr.status ? helm_error_line(hr.err) : NULL;
  struct tmpl_funcs *fns = helm_funcs();
  struct tmpl_set *s = tmpl_set_new(fns);
  const char *name = "c/templates/x.yaml";
  struct err e;
  err_clear(&e);
  char got[ERR_MSG_MAX] = "";
  char *out = NULL;
  if (tmpl_set_parse(s, name, c->text, strlen(c->text), &e)) {
    tmpl_helm_parse_error(&e, name);
    snprintf(got, sizeof got, "%s", e.msg);
  } else {
    struct ours r = run_ours(s, name, f, name);
    snprintf(got, sizeof got, "%s", r.rc ? r.err : "");
    out = r.out;
  }
  int failed = !want || strcmp(want, got) != 0;
  if (failed)
    fprintf(stderr, "%s: error case %s:\n  helm: %s\n  ours: %s\n", file,
            c->name, want ? want : hr.out, got[0] ? got : out);
  free(out);
  free(want);
  tmpl_set_free(s);
  tmpl_funcs_free(fns);
  run_result_free(&hr);
  test_rm_rf(dir);
  free(dir);
  return failed;
}

static int n_render, n_error;

static int check_fixture(const char *path, const char *file)
{
  char *text = test_read_file(path, NULL);
  ck_assert_msg(text != NULL, "cannot read %s", path);
  struct fixture f;
  fixture_parse(text, &f);
  free(text);
  int failures = check_renders(&f, file);
  for (int i = 0; i < f.ncases; i++) {
    if (f.cases[i].is_error)
      failures += check_error(&f, &f.cases[i], file);
    *(f.cases[i].is_error ? &n_error : &n_render) += 1;
  }
  fixture_free(&f);
  return failures;
}

START_TEST(fixtures_match_helm)
{
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/test/fixtures/tmpl", test_src_dir());
  DIR *d = opendir(dir);
  ck_assert_msg(d != NULL, "no fixtures in %s", dir);
  int failures = 0, files = 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t n = strlen(ent->d_name);
    if (n < 5 || strcmp(ent->d_name + n - 5, ".tmpl") != 0)
      continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    failures += check_fixture(path, ent->d_name);
    files++;
  }
  closedir(d);
  fprintf(stderr, "tmpl_helm: %d files, %d rendering and %d error cases\n",
          files, n_render, n_error);
  ck_assert_int_gt(files, 0);
  ck_assert_msg(failures == 0, "%d case(s) differ from Helm (see stderr)",
                failures);
}
END_TEST

Suite *tmpl_helm_suite(void)
{
  Suite *s = suite_create("tmpl_helm");
  TCase *tc = tcase_create("differential");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, fixtures_match_helm);
  suite_add_tcase(s, tc);
  return s;
}
