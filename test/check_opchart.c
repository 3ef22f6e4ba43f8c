/* The operator's own Helm chart (deploy/helm/iop): `iop template` against
 * real Helm 3.17 (same exit status, stdout byte for byte, objects, stderr
 * lines), and the chart's objects against `iop operator dump`'s for the
 * same settings, so `helm install`, `iop operator init` and
 * `kubectl apply -k deploy/` install the same operator. */
#include "jobj.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

struct ocase {
  const char *name;
  const char *values;         /* a values file (-f), or NULL */
  const char *args[8];        /* more `template` flags */
  int dump;                   /* compare with `iop operator dump` */
  const char *dump_args[12];  /* its flags for the same settings */
  int release_ns_is_operator; /* -n NS is the operator's: no Namespace */
};

static const struct ocase cases[] = {
    {"defaults", NULL, {NULL}, 1, {NULL}, 0},
    {"revision, all namespaces, hub/tag, pull secrets",
     "revision: canary\n"
     "watchedNamespaces: \"\"\n"
     "hub: registry.example.com/mirror\n"
     "tag: 1.2.3-rc.1\n"
     "imagePullSecrets: [regcred, mirror-pull]\n",
     {NULL},
     1,
     {"--revision", "canary", "--watchedNamespaces", "", "--hub",
      "registry.example.com/mirror", "--tag", "1.2.3-rc.1",
      "--imagePullSecrets", "regcred,mirror-pull", NULL},
     0},
    {"release namespace",
     NULL,
     {"-n", "iop-system", NULL},
     1,
     {"--operatorNamespace", "iop-system", NULL},
     1},
    {"operatorNamespace wins over the release namespace",
     NULL,
     {"-n", "other", "--set", "operatorNamespace=ops", NULL},
     1,
     {"--operatorNamespace", "ops", NULL},
     0},
    {"manifests, revision default, watched list, pull secret maps",
     "manifests: /var/lib/istio/manifests\n"
     "revision: default\n"
     "watchedNamespaces: [istio-system, istio-canary]\n"
     "imagePullSecrets:\n- name: regcred\n",
     {NULL},
     1,
     {"--manifests", "/var/lib/istio/manifests", "-r", "default",
      "--watchedNamespaces", "istio-system,istio-canary", "--imagePullSecrets",
      "regcred", NULL},
     0},
    {"chart-only settings",
     "imagePullPolicy: IfNotPresent\n"
     "imagePullSecrets: a,b\n"
     "logLevel: debug\n"
     "logFormat: logfmt\n"
     "waitForResourcesTimeout: 10m\n"
     "createNamespace: false\n"
     "nodeSelector: {kubernetes.io/os: linux}\n"
     "tolerations:\n"
     "- {key: dedicated, operator: Equal, value: mesh, effect: NoSchedule}\n"
     "affinity:\n"
     "  nodeAffinity:\n"
     "    requiredDuringSchedulingIgnoredDuringExecution:\n"
     "      nodeSelectorTerms:\n"
     "      - matchExpressions:\n"
     "        - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n"
     "podAnnotations:\n"
     "  prometheus.io/scrape: \"false\"\n"
     "  sidecar.istio.io/inject: false\n"
     "resources: {requests: {cpu: 100m}}\n",
     {"--set", "tag=2.0.0", NULL},
     0,
     {NULL},
     0},
};

#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* Labels Helm's release adds on top of deploy/'s. */
static const char *const helm_labels[] = {"app.kubernetes.io/instance",
                                          "app.kubernetes.io/managed-by",
                                          "helm.sh/chart"};

static void isolate_env(void)
{
  /* Neither tool may pick up a kubeconfig's namespace or user settings. */
  setenv("KUBECONFIG", "/nonexistent/kubeconfig", 1);
  unsetenv("HELM_NAMESPACE");
  unsetenv("HELM_DEBUG");
}

static const char *chart_dir(char *buf, size_t n)
{
  snprintf(buf, n, "%s/deploy/helm/iop", test_src_dir());
  return buf;
}

/* `bin template <chart> --include-crds [-f values] args...` */
static struct run_result render(const char *bin, const struct ocase *c,
                                const char *values_path)
{
  char dir[PATH_MAX];
  char *argv[MAX_ARGS];
  int n = 0;
  argv[n++] = (char *)bin;
  argv[n++] = "template";
  argv[n++] = (char *)chart_dir(dir, sizeof dir);
  argv[n++] = "--include-crds";
  if (values_path) {
    argv[n++] = "-f";
    argv[n++] = (char *)values_path;
  }
  for (int i = 0; c->args[i]; i++)
    argv[n++] = (char *)c->args[i];
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  return r;
}

static struct run_result dump(const struct ocase *c)
{
  char *argv[MAX_ARGS];
  int n = 0;
  argv[n++] = (char *)test_iop_bin();
  argv[n++] = "operator";
  argv[n++] = "dump";
  argv[n++] = "-o";
  argv[n++] = "yaml";
  for (int i = 0; c->dump_args[i]; i++)
    argv[n++] = (char *)c->dump_args[i];
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_msg(r.status == 0, "%s: iop operator dump: exit %d: %s", c->name,
                r.status, r.err);
  return r;
}

static struct json_object *objects(const char *what, const char *text)
{
  struct kyaml_opts o = {.name = what};
  struct json_object *docs = NULL;
  struct err e;
  int rc = kyaml_parse_all(text, strlen(text), &o, &docs, &e);
  ck_assert_msg(rc == 0, "%s: not YAML: %s\n%s", what, e.msg, text);
  return docs;
}

static int line_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s, sorted (Helm logs in no fixed order). */
static char *sorted_lines(const char *s)
{
  char *copy = strdup(s), *lines[256] = {NULL};
  int n = 0;
  for (char *p = strtok(copy, "\n"); p && n < 256; p = strtok(NULL, "\n"))
    lines[n++] = p;
  qsort(lines, (size_t)n, sizeof *lines, line_cmp);
  char *out = calloc(1, strlen(s) + 2);
  for (int i = 0; i < n; i++) {
    strcat(out, lines[i]);
    strcat(out, "\n");
  }
  free(copy);
  return out;
}

/* The first line where a and b differ, for a message Check can carry. */
static const char *line_diff(const char *a, const char *b, char *buf, size_t n)
{
  int line = 1;
  const char *la = a, *lb = b;
  for (; *a && *a == *b; a++, b++) {
    if (*a == '\n') {
      line++;
      la = a + 1;
      lb = b + 1;
    }
  }
  snprintf(buf, n, "line %d:\n  helm: %.*s\n  iop:  %.*s", line,
           (int)strcspn(la, "\n") < 300 ? (int)strcspn(la, "\n") : 300, la,
           (int)strcspn(lb, "\n") < 300 ? (int)strcspn(lb, "\n") : 300, lb);
  return buf;
}

struct rendered {
  char *tmp;
  struct run_result helm, iop;
};

static void rendered_init(struct rendered *r, const struct ocase *c)
{
  char *values = NULL;
  isolate_env();
  r->tmp = test_tmpdir();
  if (c->values)
    values = test_write_file(r->tmp, "values.yaml", c->values);
  r->helm = render(test_helm_bin(), c, values);
  r->iop = render(test_iop_bin(), c, values);
  free(values);
}

static void rendered_free(struct rendered *r)
{
  run_result_free(&r->helm);
  run_result_free(&r->iop);
  test_rm_rf(r->tmp);
  free(r->tmp);
}

/* The path of the first difference between a and b, so that a failure
 * names the field instead of printing whole objects (Check's messages are
 * short). Returns 0 when they are equal. */
static int first_diff(struct json_object *a, struct json_object *b, char *path,
                      size_t n)
{
  size_t len = strlen(path);
  if (jobj_equal(a, b))
    return 0;
  if (jobj_is_obj(a) && jobj_is_obj(b)) {
    json_object_object_foreach (a, k, v) {
      snprintf(path + len, n - len, ".%s", k);
      struct json_object *w = jobj_get(b, k);
      if (!w || first_diff(v, w, path, n))
        return 1;
    }
    json_object_object_foreach (b, k2, v2) {
      (void)v2;
      snprintf(path + len, n - len, ".%s", k2);
      if (!jobj_get(a, k2))
        return 1;
    }
  } else if (jobj_is_arr(a) && jobj_is_arr(b) &&
             json_object_array_length(a) == json_object_array_length(b)) {
    for (size_t i = 0; i < json_object_array_length(a); i++) {
      snprintf(path + len, n - len, "[%zu]", i);
      if (first_diff(json_object_array_get_idx(a, i),
                     json_object_array_get_idx(b, i), path, n))
        return 1;
    }
  }
  path[len] = '\0';
  snprintf(path + len, n - len, ": %.200s vs %.200s",
           json_object_to_json_string(a), json_object_to_json_string(b));
  return 1;
}

/* ---- iop template against helm template ---- */

START_TEST(template_matches_helm)
{
  const struct ocase *c = &cases[_i];
  struct rendered r;
  rendered_init(&r, c);
  ck_assert_msg(r.helm.status == 0, "%s: helm failed: %s", c->name, r.helm.err);
  ck_assert_msg(r.iop.status == 0, "%s: iop failed: %s", c->name, r.iop.err);
  char where[1024];
  ck_assert_msg(strcmp(r.helm.out, r.iop.out) == 0, "%s: stdout differs: %s",
                c->name, line_diff(r.helm.out, r.iop.out, where, sizeof where));
  struct json_object *h = objects("helm", r.helm.out);
  struct json_object *i = objects("iop", r.iop.out);
  ck_assert_msg(jobj_equal(h, i), "%s: objects differ", c->name);
  char *hs = sorted_lines(r.helm.err), *is = sorted_lines(r.iop.err);
  ck_assert_msg(strcmp(hs, is) == 0, "%s: stderr differs: %s", c->name,
                line_diff(hs, is, where, sizeof where));
  free(hs);
  free(is);
  json_object_put(h);
  json_object_put(i);
  rendered_free(&r);
}
END_TEST

/* ---- the chart against `iop operator dump` ---- */

static void strip_helm_labels(struct json_object *obj)
{
  struct json_object *labels =
      jobj_path(obj, "metadata", "labels", (const char *)NULL);
  for (size_t k = 0; labels && k < sizeof helm_labels / sizeof *helm_labels;
       k++) {
    ck_assert_msg(jobj_get(labels, helm_labels[k]) != NULL,
                  "%s %s: no %s label", jobj_str(obj, "kind"),
                  jobj_path_str(obj, "metadata", "name", (const char *)NULL),
                  helm_labels[k]);
    json_object_object_del(labels, helm_labels[k]);
  }
}

static int same_id(struct json_object *a, struct json_object *b)
{
  const char *ka = jobj_str(a, "kind"), *kb = jobj_str(b, "kind");
  const char *na = jobj_path_str(a, "metadata", "name", (const char *)NULL);
  const char *nb = jobj_path_str(b, "metadata", "name", (const char *)NULL);
  const char *sa =
      jobj_path_str(a, "metadata", "namespace", (const char *)NULL);
  const char *sb =
      jobj_path_str(b, "metadata", "namespace", (const char *)NULL);
  return ka && kb && na && nb && strcmp(ka, kb) == 0 && strcmp(na, nb) == 0 &&
         strcmp(sa ? sa : "", sb ? sb : "") == 0;
}

static struct json_object *find_same(struct json_object *list,
                                     struct json_object *obj)
{
  for (size_t i = 0; i < json_object_array_length(list); i++)
    if (same_id(json_object_array_get_idx(list, i), obj))
      return json_object_array_get_idx(list, i);
  return NULL;
}

/* Each object of the chart equals init's object of the same kind, name and
 * namespace, but for Helm's labels; and neither side has more. */
static void compare_with_dump(const struct ocase *c, struct json_object *chart,
                              struct json_object *want)
{
  size_t expect = json_object_array_length(want);
  if (c->release_ns_is_operator)
    expect--; /* the release namespace is Helm's, not the chart's */
  ck_assert_msg(json_object_array_length(chart) == expect,
                "%s: the chart renders %zu objects, init %zu", c->name,
                json_object_array_length(chart), expect);
  for (size_t i = 0; i < json_object_array_length(chart); i++) {
    struct json_object *obj = json_object_array_get_idx(chart, i);
    const char *kind = jobj_str(obj, "kind");
    const char *name =
        jobj_path_str(obj, "metadata", "name", (const char *)NULL);
    if (strcmp(kind, "CustomResourceDefinition") != 0)
      strip_helm_labels(obj);
    struct json_object *other = find_same(want, obj);
    ck_assert_msg(other != NULL, "%s: %s %s is not one of init's objects",
                  c->name, kind, name);
    char path[1024] = "";
    if (first_diff(obj, other, path, sizeof path))
      ck_abort_msg("%s: %s %s differs from init's at %s", c->name, kind, name,
                   path);
  }
}

START_TEST(chart_matches_operator_dump)
{
  const struct ocase *c = &cases[_i];
  if (!c->dump)
    return;
  struct rendered r;
  rendered_init(&r, c);
  ck_assert_msg(r.helm.status == 0, "%s: helm failed: %s", c->name, r.helm.err);
  struct run_result d = dump(c);
  struct json_object *chart = objects("helm", r.helm.out);
  struct json_object *want = objects("dump", d.out);
  compare_with_dump(c, chart, want);
  json_object_put(chart);
  json_object_put(want);
  run_result_free(&d);
  rendered_free(&r);
}
END_TEST

/* ---- what only the chart offers ---- */

static struct json_object *find_kind(struct json_object *objs, const char *k)
{
  for (size_t i = 0; i < json_object_array_length(objs); i++)
    if (strcmp(jobj_str(json_object_array_get_idx(objs, i), "kind"), k) == 0)
      return json_object_array_get_idx(objs, i);
  return NULL;
}

static int has_string(struct json_object *arr, const char *s)
{
  for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
    const char *v = json_object_get_string(json_object_array_get_idx(arr, i));
    if (v && strcmp(v, s) == 0)
      return 1;
  }
  return 0;
}

static const char *env_value(struct json_object *container, const char *name)
{
  struct json_object *env = jobj_arr(container, "env");
  for (size_t i = 0; env && i < json_object_array_length(env); i++) {
    struct json_object *e = json_object_array_get_idx(env, i);
    if (strcmp(jobj_str(e, "name"), name) == 0)
      return jobj_str(e, "value");
  }
  return NULL;
}

/* The values init has no flag for (the last case) do what values.yaml
 * says, in Helm. */
START_TEST(chart_only_settings)
{
  const struct ocase *c = &cases[NCASES - 1];
  ck_assert(!c->dump);
  struct rendered r;
  rendered_init(&r, c);
  ck_assert_msg(r.helm.status == 0, "helm failed: %s", r.helm.err);
  struct json_object *objs = objects("helm", r.helm.out);
  ck_assert_msg(find_kind(objs, "Namespace") == NULL,
                "createNamespace=false still renders a Namespace");
  struct json_object *sa = find_kind(objs, "ServiceAccount");
  struct json_object *secrets = jobj_arr(sa, "imagePullSecrets");
  ck_assert_int_eq(json_object_array_length(secrets), 2);
  ck_assert_str_eq(jobj_str(json_object_array_get_idx(secrets, 1), "name"),
                   "b");
  struct json_object *pod = jobj_path(find_kind(objs, "Deployment"), "spec",
                                      "template", (const char *)NULL);
  struct json_object *ann =
      jobj_path(pod, "metadata", "annotations", (const char *)NULL);
  ck_assert_str_eq(jobj_str(ann, "prometheus.io/scrape"), "false");
  ck_assert_str_eq(jobj_str(ann, "prometheus.io/port"), "8383");
  ck_assert_str_eq(jobj_str(ann, "sidecar.istio.io/inject"), "false");
  struct json_object *spec = jobj_obj(pod, "spec");
  ck_assert_str_eq(jobj_path_str(spec, "nodeSelector", "kubernetes.io/os",
                                 (const char *)NULL),
                   "linux");
  ck_assert_int_eq(json_object_array_length(jobj_arr(spec, "tolerations")), 1);
  ck_assert_ptr_nonnull(
      jobj_path(spec, "affinity", "nodeAffinity", (const char *)NULL));
  struct json_object *ct =
      json_object_array_get_idx(jobj_arr(spec, "containers"), 0);
  ck_assert_str_eq(jobj_str(ct, "image"), "ghcr.io/iop-project/iop:2.0.0");
  ck_assert_str_eq(jobj_str(ct, "imagePullPolicy"), "IfNotPresent");
  ck_assert(has_string(jobj_arr(ct, "args"), "--log-level=debug"));
  ck_assert(has_string(jobj_arr(ct, "args"), "--log-format=logfmt"));
  ck_assert_str_eq(env_value(ct, "WAIT_FOR_RESOURCES_TIMEOUT"), "10m");
  ck_assert_str_eq(
      jobj_path_str(ct, "resources", "requests", "cpu", (const char *)NULL),
      "100m");
  /* Helm merges user maps into the defaults: the limit stays. */
  ck_assert_str_eq(
      jobj_path_str(ct, "resources", "limits", "memory", (const char *)NULL),
      "128Mi");
  json_object_put(objs);
  rendered_free(&r);
}
END_TEST

/* The CRD and the ClusterRole's rules have one source: the chart links to
 * crds/ and deploy/ instead of holding copies that could drift. */
START_TEST(chart_links_to_the_sources)
{
  static const char *const links[][2] = {
      {"deploy/helm/iop/crds/istiooperator.yaml", "crds/istiooperator.yaml"},
      {"deploy/helm/iop/files/clusterrole.yaml", "deploy/clusterrole.yaml"},
  };
  for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
    char a[PATH_MAX], b[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
    snprintf(a, sizeof a, "%s/%s", test_src_dir(), links[i][0]);
    snprintf(b, sizeof b, "%s/%s", test_src_dir(), links[i][1]);
    ck_assert_msg(realpath(a, ra) && realpath(b, rb), "%s or %s is missing", a,
                  b);
    ck_assert_msg(strcmp(ra, rb) == 0, "%s resolves to %s, not to %s",
                  links[i][0], ra, rb);
  }
}
END_TEST

Suite *opchart_suite(void)
{
  Suite *s = suite_create("opchart");
  TCase *helm = tcase_create("helm");
  tcase_set_timeout(helm, 60);
  tcase_add_loop_test(helm, template_matches_helm, 0, NCASES);
  suite_add_tcase(s, helm);
  TCase *init = tcase_create("init");
  tcase_set_timeout(init, 60);
  tcase_add_loop_test(init, chart_matches_operator_dump, 0, NCASES);
  tcase_add_test(init, chart_only_settings);
  tcase_add_test(init, chart_links_to_the_sources);
  suite_add_tcase(s, init);
  return s;
}
