/* iop manifest generate and iop profile, run as a user runs them on the
 * Istio-shaped charts in test/fixtures/manifests (and, for what those
 * cannot show, test/fixtures/manifest_cli/manifests): the merge rules seen
 * in the output, the order of the objects, overlays, -o, the profile
 * commands, and bad input answered with one line on stderr, exit status 1
 * and nothing on stdout. Where iop follows istioctl, the expected text is
 * istioctl's. */
#include "jobj.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- running iop ---- */

#define MAX_ARGS 24

/* Runs the iop binary with the NULL-terminated args, input on stdin. */
static struct run_result iop_argv(const char *input, const char *const *args)
{
  char *argv[MAX_ARGS + 2] = {(char *)test_iop_bin()};
  int n = 1;
  for (; args[n - 1]; n++) {
    ck_assert_int_lt(n, MAX_ARGS + 1);
    argv[n] = (char *)args[n - 1];
  }
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

#define IOP(input, ...)                                                        \
  iop_argv(input, (const char *const[]){__VA_ARGS__, NULL})

static char *src_path(const char *rel)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", test_src_dir(), rel);
  return strdup(path);
}

/* The Istio-shaped manifests, and the ones built for the sort. */
#define CHARTS src_path("test/fixtures/manifests")
#define SORT_CHARTS src_path("test/fixtures/manifest_cli/manifests")

/* `iop manifest generate -d <the fixture charts>` plus args; must work. */
#define GENERATE(...)                                                          \
  generate_ok(NULL, (const char *const[]){__VA_ARGS__, NULL})

static char *generate_ok(const char *input, const char *const *extra)
{
  char *dir = CHARTS;
  const char *args[MAX_ARGS] = {"manifest", "generate", "-d", dir};
  int n = 4;
  for (int i = 0; extra[i]; i++) {
    ck_assert_int_lt(n, MAX_ARGS - 1);
    args[n++] = extra[i];
  }
  args[n] = NULL;
  struct run_result r = iop_argv(input, args);
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_msg(strstr(r.out, "kind:") != NULL, "no objects: %s", r.out);
  char *out = r.out;
  r.out = NULL;
  run_result_free(&r);
  free(dir);
  return out;
}

/* Bad input: exit status 1, nothing on stdout, one line on stderr that
 * starts with "Error: " and holds each of the NULL-terminated parts. */
static void expect_error_line(struct run_result *r, ...)
{
  ck_assert_msg(r->status == 1, "exit %d, stderr: %s", r->status, r->err);
  ck_assert_msg(r->out[0] == '\0', "stdout: %s", r->out);
  size_t len = strlen(r->err);
  ck_assert_msg(len > 0 && strchr(r->err, '\n') == r->err + len - 1,
                "want one line on stderr, got: %s", r->err);
  ck_assert_msg(strncmp(r->err, "Error: ", 7) == 0, "stderr: %s", r->err);
  va_list ap;
  va_start(ap, r);
  for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
    ck_assert_msg(strstr(r->err, part) != NULL, "want \"%s\" in: %s", part,
                  r->err);
  va_end(ap);
}

#define EXPECT_ERROR(r, ...) expect_error_line(&(r), __VA_ARGS__, NULL)

#define ck_assert_prefix(s, prefix)                                            \
  ck_assert_msg(strncmp(s, prefix, strlen(prefix)) == 0,                       \
                "want it to start with \"%s\", got: %s", prefix, s)

/* ---- reading the output ---- */

struct doc {
  const char *text; /* into the output */
  size_t len;
  struct json_object *obj;
};

/* Calls cb for each document of a generate output ("doc\n---\n" each). */
static void each_doc(const char *out, void (*cb)(struct doc *d, void *data),
                     void *data)
{
  for (const char *p = out; *p;) {
    const char *end = strstr(p, "\n---\n");
    ck_assert_msg(end != NULL, "a document without its separator: %s", p);
    struct doc d = {p, (size_t)(end - p) + 1, NULL};
    struct kyaml_opts o = {.name = "stdout"};
    struct err e;
    ck_assert_msg(kyaml_parse(d.text, d.len, &o, &d.obj, &e) == 0, "%s", e.msg);
    cb(&d, data);
    json_object_put(d.obj);
    p = end + 5;
  }
}

static const char *meta(struct json_object *o, const char *key)
{
  const char *v = jobj_path_str(o, "metadata", key, (const char *)NULL);
  return v ? v : "";
}

struct find {
  const char *kind, *name;
  char *text;
  int count;
};

static void find_cb(struct doc *d, void *data)
{
  struct find *f = data;
  const char *kind = jobj_str(d->obj, "kind");
  if (!kind || strcmp(kind, f->kind) || strcmp(meta(d->obj, "name"), f->name))
    return;
  f->count++;
  free(f->text);
  f->text = strndup(d->text, d->len);
}

/* The text of the one document of that kind and name (heap), or NULL. */
static char *doc_of(const char *out, const char *kind, const char *name)
{
  struct find f = {kind, name, NULL, 0};
  each_doc(out, find_cb, &f);
  ck_assert_msg(f.count <= 1, "%d objects %s/%s", f.count, kind, name);
  return f.text;
}

/* The named object's document holds each NULL-terminated line. */
static void expect_in_doc(const char *out, const char *kind, const char *name,
                          ...)
{
  char *text = doc_of(out, kind, name);
  ck_assert_msg(text != NULL, "no %s/%s in:\n%s", kind, name, out);
  va_list ap;
  va_start(ap, name);
  for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
    ck_assert_msg(strstr(text, want) != NULL, "want \"%s\" in %s/%s:\n%s", want,
                  kind, name, text);
  va_end(ap);
  free(text);
}

#define EXPECT_IN_DOC(out, kind, name, ...)                                    \
  expect_in_doc(out, kind, name, __VA_ARGS__, NULL)

static void expect_no_doc(const char *out, const char *kind, const char *name)
{
  char *text = doc_of(out, kind, name);
  ck_assert_msg(text == NULL, "unexpected %s/%s:\n%s", kind, name, text);
}

static void summary_cb(struct doc *d, void *data)
{
  char line[512];
  const char *ns = meta(d->obj, "namespace");
  snprintf(line, sizeof line, "%s%s%s%s%s\n", jobj_str(d->obj, "kind"),
           *ns ? " " : "", ns, " ", meta(d->obj, "name"));
  size_t have = strlen(data);
  ck_assert_int_lt(have + strlen(line), 8192);
  strcat(data, line);
}

/* "Kind [namespace ]name" per object, in output order (heap). */
static char *summary(const char *out)
{
  char *s = calloc(1, 8192);
  each_doc(out, summary_cb, s);
  return s;
}

static char *write_tmp(char **dir, const char *name, const char *text)
{
  if (!*dir)
    *dir = test_tmpdir();
  return test_write_file(*dir, name, text);
}

/* ---- merge rules ---- */

START_TEST(profile_is_default_then_the_named_one)
{
  /* demo enables the egress gateway and sets a pilot value; what it does
   * not set (the ingress gateway list, hub, tag) stays default's. */
  char *out = GENERATE("--set", "profile=demo");
  EXPECT_IN_DOC(out, "Deployment", "istio-egressgateway",
                "image: registry.example/iop-test/proxyv2:1.0.0");
  EXPECT_IN_DOC(out, "Deployment", "istio-ingressgateway", "name: istio-proxy");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "- --traceSampling=100",
                "image: registry.example/iop-test/pilot:1.0.0");
  free(out);
  /* minimal's ingress list replaces default's: no gateway at all. */
  out = GENERATE("--set", "profile=minimal");
  expect_no_doc(out, "Deployment", "istio-ingressgateway");
  expect_no_doc(out, "Service", "istio-ingressgateway");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "- --traceSampling=1\n");
  free(out);
  /* The profile may also come from a file. */
  char *dir = NULL;
  char *f = write_tmp(&dir, "p.yaml", "spec:\n  profile: demo\n");
  out = GENERATE("-f", f);
  EXPECT_IN_DOC(out, "Deployment", "istio-egressgateway", "name: istio-proxy");
  free(out);
  free(f);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(maps_merge_deeply_and_lists_are_replaced)
{
  char *dir = NULL;
  char *f = write_tmp(&dir, "iop.yaml",
                      "apiVersion: install.istio.io/v1alpha1\n"
                      "kind: IstioOperator\n"
                      "spec:\n"
                      "  components:\n"
                      "    ingressGateways:\n"
                      "    - name: edge-gateway\n"
                      "  values:\n"
                      "    global:\n"
                      "      imagePullPolicy: Always\n");
  char *out = GENERATE("-f", f);
  /* global.imagePullPolicy joins the profile's global.hub and namespace. */
  EXPECT_IN_DOC(out, "Deployment", "istiod", "imagePullPolicy: Always",
                "image: registry.example/iop-test/pilot:1.0.0",
                "namespace: istio-system");
  /* The gateway list is replaced, not merged by name with default's. */
  EXPECT_IN_DOC(out, "Deployment", "edge-gateway", "name: istio-proxy");
  expect_no_doc(out, "Deployment", "istio-ingressgateway");
  free(out);
  free(f);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(null_overwrites)
{
  char *dir = NULL;
  char *f = write_tmp(&dir, "iop.yaml",
                      "spec:\n  values:\n    pilot:\n      resources: null\n");
  char *out = GENERATE("-f", f);
  EXPECT_IN_DOC(out, "Deployment", "istiod", "        resources: null\n");
  char *istiod = doc_of(out, "Deployment", "istiod");
  ck_assert_ptr_null(strstr(istiod, "cpu: 500m"));
  free(istiod);
  free(out);
  free(f);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(files_in_order_then_set_flags)
{
  char *dir = NULL;
  char *f1 = write_tmp(&dir, "one.yaml",
                       "spec:\n  tag: 2.0.0\n  values:\n    pilot:\n"
                       "      traceSampling: 5\n");
  char *f2 = write_tmp(&dir, "two.yaml", "spec:\n  tag: 3.0.0\n");
  char both[8300];
  snprintf(both, sizeof both, "%s,%s", f1, f2);
  /* The later file wins where both speak; the earlier one's other keys
   * stay. */
  char *out = GENERATE("-f", f1, "-f", f2);
  EXPECT_IN_DOC(out, "Deployment", "istiod",
                "image: registry.example/iop-test/pilot:3.0.0",
                "- --traceSampling=5\n");
  /* -f takes a comma-separated list too. */
  char *again = GENERATE("-f", both);
  ck_assert_str_eq(again, out);
  free(again);
  free(out);
  /* The reverse order, then --set over both. */
  out = GENERATE("-f", f2, "-f", f1);
  EXPECT_IN_DOC(out, "Deployment", "istiod", "pilot:2.0.0");
  free(out);
  out = GENERATE("-f", f1, "-f", f2, "--set", "tag=4.0.0", "--set",
                 "values.pilot.traceSampling=0.5");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "pilot:4.0.0",
                "- --traceSampling=0.5\n");
  free(out);
  /* The last file may be stdin. */
  char *in = generate_ok("spec:\n  tag: 9.0.0\n",
                         (const char *const[]){"-f", f1, "-f", "-", NULL});
  EXPECT_IN_DOC(in, "Deployment", "istiod", "pilot:9.0.0");
  free(in);
  free(f1);
  free(f2);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(set_paths_as_istioctl_reads_them)
{
  /* A tag stays a string: 1.20 is not the number 1.2. */
  char *out = GENERATE("--set", "tag=1.20");
  EXPECT_IN_DOC(out, "Deployment", "istiod",
                "image: registry.example/iop-test/pilot:1.20\n");
  free(out);
  /* An escaped dot is part of the key. */
  out = GENERATE("--set", "values.pilot.podAnnotations.example\\.com/x=y");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "example.com/x: \"y\"");
  free(out);
  /* A [key:value] selector picks the list element. It sees the user's
   * own input (here a file), not the profile. */
  char *dir = NULL;
  char *f =
      write_tmp(&dir, "gw.yaml",
                "spec:\n  components:\n    ingressGateways:\n"
                "    - name: istio-ingressgateway\n      enabled: true\n");
  out = GENERATE("-f", f, "--set",
                 "components.ingressGateways.[name:istio-ingressgateway]."
                 "k8s.replicaCount=3");
  EXPECT_IN_DOC(out, "Deployment", "istio-ingressgateway", "  replicas: 3\n");
  free(out);
  out = GENERATE("-f", f, "--set",
                 "components.ingressGateways.[name:istio-ingressgateway]."
                 "enabled=false");
  expect_no_doc(out, "Deployment", "istio-ingressgateway");
  free(out);
  free(f);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(values_are_applied_last)
{
  /* spec.hub becomes values.global.hub, but the user's own values win. */
  char *out =
      GENERATE("--set", "hub=a.example/x", "--set", "values.global.hub=b.io/y");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "image: b.io/y/pilot:1.0.0");
  free(out);
  out = GENERATE("--set", "hub=a.example/x");
  EXPECT_IN_DOC(out, "Deployment", "istiod", "image: a.example/x/pilot:1.0.0");
  free(out);
}
END_TEST

START_TEST(unvalidated_values_skip_validation_and_win)
{
  char *dir = NULL;
  char *f = write_tmp(&dir, "uv.yaml",
                      "spec:\n  values:\n    pilot:\n      traceSampling: 3\n"
                      "  unvalidatedValues:\n    pilot:\n"
                      "      traceSampling: 7\n      notAField: 1\n");
  char *out = GENERATE("-f", f);
  EXPECT_IN_DOC(out, "Deployment", "istiod", "- --traceSampling=7\n");
  free(out);
  /* The same unknown key under values is refused. */
  char *m = CHARTS;
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
                            "values.pilot.notAField=1");
  EXPECT_ERROR(r, "spec.values.pilot.notAField", "unknown field \"notAField\"");
  run_result_free(&r);
  free(m);
  free(f);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(revision_flag_is_an_alias)
{
  char *a = GENERATE("-r", "canary");
  char *b = GENERATE("--set", "revision=canary");
  ck_assert_str_eq(a, b);
  EXPECT_IN_DOC(a, "Deployment", "istiod-canary", "istio.io/rev: canary");
  expect_no_doc(a, "Deployment", "istiod");
  free(a);
  free(b);
  /* "default" is no revision at all. */
  a = GENERATE("-r", "default");
  b = GENERATE(NULL);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
}
END_TEST

START_TEST(k8s_settings_patch_strategically)
{
  /* Each k8s setting is a strategic merge patch of the rendered object:
   * env merges by name (REVISION changed in place, NEW_VAR after it, the
   * chart's other variables after the patch's), maps merge (requests
   * stay beside the new limits), hpaSpec patches the HPA. */
  char *out =
      generate_ok("spec:\n  values:\n    pilot:\n      env: {FROM_VALUES: v}\n"
                  "  components:\n    pilot:\n      k8s:\n        env:\n"
                  "        - {name: REVISION, value: patched}\n"
                  "        - {name: NEW_VAR, value: x}\n"
                  "        nodeSelector: {disk: ssd}\n"
                  "        resources:\n          limits: {cpu: \"2\"}\n"
                  "        podAnnotations: {a: b}\n"
                  "        hpaSpec: {maxReplicas: 9}\n",
                  (const char *const[]){"-f", "-", NULL});
  EXPECT_IN_DOC(out, "Deployment", "istiod",
                "        env:\n"
                "        - name: REVISION\n          value: patched\n"
                "        - name: NEW_VAR\n          value: x\n"
                "        - name: FROM_VALUES\n          value: v\n",
                "        resources:\n"
                "          limits:\n            cpu: \"2\"\n"
                "          requests:\n            cpu: 500m\n",
                "      nodeSelector:\n        disk: ssd\n",
                "      annotations:\n        a: b\n");
  EXPECT_IN_DOC(out, "HorizontalPodAutoscaler", "istiod",
                "  maxReplicas: 9\n  minReplicas: 1\n");
  free(out);
}
END_TEST

/* ---- sorting and determinism ---- */

START_TEST(objects_sorted_as_istioctl_sorts_them)
{
  /* CRDs first; then ServiceAccount and ClusterRole (1), ClusterRoleBinding
   * (2), ValidatingWebhookConfiguration (3), ConfigMap (100); everything
   * else at 1000 by group ("" < admissionregistration < apps < ...), kind
   * and name, a Secret among them (istioctl's table spells it "Secrets");
   * then HorizontalPodAutoscaler (1001) and Service (10000). Equal keys
   * keep the render order: the two ConfigMaps named dup differ only in
   * namespace, and ns-b's comes first in the chart. */
  char *m = SORT_CHARTS;
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m);
  ck_assert_msg(r.status == 0, "%s", r.err);
  char *s = summary(r.out);
  ck_assert_str_eq(s, "CustomResourceDefinition things.test.iop.dev\n"
                      "ServiceAccount istio-system account\n"
                      "ClusterRole clusterrole\n"
                      "ClusterRoleBinding clusterrolebinding\n"
                      "ValidatingWebhookConfiguration validating\n"
                      "ConfigMap istio-system alpha\n"
                      "ConfigMap ns-b dup\n"
                      "ConfigMap ns-a dup\n"
                      "Namespace istio-system\n"
                      "Secret istio-system secret\n"
                      "MutatingWebhookConfiguration mutating\n"
                      "Deployment istio-system deploy\n"
                      "EnvoyFilter istio-system filter\n"
                      "NetworkPolicy istio-system netpol\n"
                      "PodDisruptionBudget istio-system pdb\n"
                      "Role istio-system role\n"
                      "RoleBinding istio-system rolebinding\n"
                      "HorizontalPodAutoscaler istio-system hpa\n"
                      "Service istio-system a-svc\n"
                      "Service istio-system b-svc\n");
  free(s);
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(components_interleave_in_the_sort)
{
  char *out = GENERATE(NULL);
  char *s = summary(out);
  ck_assert_str_eq(
      s, "CustomResourceDefinition meshpolicies.test.iop.dev\n"
         "ServiceAccount istio-system istio-ingressgateway-service-account\n"
         "ServiceAccount istio-system istio-reader-service-account\n"
         "ServiceAccount istio-system istiod\n"
         "ClusterRole istiod-istio-system\n"
         "ClusterRoleBinding istiod-istio-system\n"
         "ConfigMap istio-system istio\n"
         "MutatingWebhookConfiguration istio-sidecar-injector-istio-system\n"
         "Deployment istio-system istio-ingressgateway\n"
         "Deployment istio-system istiod\n"
         "HorizontalPodAutoscaler istio-system istio-ingressgateway\n"
         "HorizontalPodAutoscaler istio-system istiod\n"
         "Service istio-system istio-ingressgateway\n"
         "Service istio-system istiod\n");
  /* Each document ends with "\n---\n"; none starts with "---". */
  ck_assert(strncmp(out, "apiVersion: ", 12) == 0);
  size_t n = strlen(out);
  ck_assert(n > 5 && strcmp(out + n - 5, "\n---\n") == 0);
  free(s);
  free(out);
}
END_TEST

START_TEST(two_runs_give_identical_bytes)
{
  static const char *const sets[] = {"profile=default", "profile=demo",
                                     "profile=ambient", "profile=minimal"};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    char *a = GENERATE("--set", sets[i]);
    char *b = GENERATE("--set", sets[i]);
    ck_assert_msg(strcmp(a, b) == 0, "%s differs between runs", sets[i]);
    free(a);
    free(b);
  }
  /* ambient renders every chart: cni and ztunnel too. */
  char *out = GENERATE("--set", "profile=ambient");
  EXPECT_IN_DOC(out, "DaemonSet", "ztunnel", "kind: DaemonSet");
  EXPECT_IN_DOC(out, "DaemonSet", "istio-cni-node", "kind: DaemonSet");
  free(out);
}
END_TEST

/* ---- -o FILE ---- */

START_TEST(output_file_holds_the_same_bytes)
{
  char *dir = test_tmpdir(), *m = CHARTS;
  char file[4200];
  snprintf(file, sizeof file, "%s/out.yaml", dir);
  mode_t old_mask = umask(002);
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
                            "profile=demo", "-o", file);
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_str_eq(r.out, "");
  ck_assert_str_eq(r.err, "");
  run_result_free(&r);
  char *want = GENERATE("--set", "profile=demo");
  size_t len;
  char *got = test_read_file(file, &len);
  ck_assert_ptr_nonnull(got);
  ck_assert_uint_eq(len, strlen(want));
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  /* os.WriteFile's mode, 0644, even where the umask would allow more. */
  struct stat st;
  ck_assert_int_eq(stat(file, &st), 0);
  ck_assert_uint_eq(st.st_mode & 0777, 0644);
  umask(old_mask);
  /* --output is the long form, and a second run rewrites the file. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--output", file);
  ck_assert_int_eq(r.status, 0);
  run_result_free(&r);
  want = GENERATE(NULL);
  got = test_read_file(file, &len);
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(output_file_is_not_written_on_error)
{
  char *dir = test_tmpdir(), *m = CHARTS;
  char file[4200], missing[4200];
  snprintf(file, sizeof file, "%s/out.yaml", dir);
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
                            "profile=nope", "-o", file);
  EXPECT_ERROR(r, "profile \"nope\" not found");
  run_result_free(&r);
  struct stat st;
  ck_assert_int_ne(stat(file, &st), 0);
  /* A file that cannot be written: one line naming it. */
  snprintf(missing, sizeof missing, "%s/no/such/dir/out.yaml", dir);
  r = IOP(NULL, "manifest", "generate", "-d", m, "-o", missing);
  char want[9000];
  snprintf(want, sizeof want,
           "Error: write manifest to \"%s\": open %s: no such file or "
           "directory\n",
           missing, missing);
  ck_assert_str_eq(r.err, want);
  EXPECT_ERROR(r, missing);
  run_result_free(&r);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* ---- bad input ---- */

START_TEST(malformed_yaml_names_file_line_and_column)
{
  char *dir = NULL, *m = CHARTS;
  char *f = write_tmp(&dir, "bad.yaml",
                      "apiVersion: install.istio.io/v1alpha1\n"
                      "kind: IstioOperator\nspec:\n  values: [1, 2\n");
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "-f", f);
  EXPECT_ERROR(r, "unable to parse file: ", "bad.yaml:5:1:");
  run_result_free(&r);
  /* A later document that is broken counts too. */
  char *g = write_tmp(&dir, "second.yaml", "spec: {}\n---\nb: [\n");
  r = IOP(NULL, "manifest", "generate", "-d", m, "-f", g);
  EXPECT_ERROR(r, "second.yaml:4:1:");
  run_result_free(&r);
  /* Standard input is named as such. */
  r = IOP("spec:\n  tag: [\n", "manifest", "generate", "-d", m, "-f", "-");
  EXPECT_ERROR(r, "<stdin>:3:1:");
  run_result_free(&r);
  free(f);
  free(g);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(other_kinds_and_shapes)
{
  char *dir = NULL, *m = CHARTS;
  /* istioctl reads any document as an IstioOperator; iop refuses an
   * object of another kind or API, naming the file. */
  char *cm = write_tmp(&dir, "cm.yaml",
                       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                       "  name: x\ndata:\n  a: b\n");
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "-f", cm);
  EXPECT_ERROR(r, "cm.yaml: ConfigMap of apiVersion v1 is not an "
                  "IstioOperator");
  run_result_free(&r);
  char *v2 = write_tmp(&dir, "v2.yaml",
                       "apiVersion: example.com/v2\nkind: IstioOperator\n"
                       "spec:\n  tag: 5.0.0\n");
  r = IOP(NULL, "manifest", "generate", "-d", m, "-f", v2);
  EXPECT_ERROR(r, "v2.yaml", "apiVersion example.com/v2");
  run_result_free(&r);
  /* Another version of istio's API is read, as istioctl reads it. */
  char *v1 = write_tmp(&dir, "v1.yaml",
                       "apiVersion: install.istio.io/v1\nkind: IstioOperator\n"
                       "spec:\n  tag: 5.0.0\n");
  char *out = GENERATE("-f", v1);
  EXPECT_IN_DOC(out, "Deployment", "istiod", "pilot:5.0.0");
  free(out);
  free(v1);
  /* Two objects in one file. */
  char *two = write_tmp(&dir, "two.yaml",
                        "kind: IstioOperator\n---\nkind: IstioOperator\n");
  r = IOP(NULL, "manifest", "generate", "-d", m, "-f", two);
  EXPECT_ERROR(r, "contains multiple IstioOperator CRs, only one per file is "
                  "supported");
  run_result_free(&r);
  /* Not a mapping at all. */
  char *list = write_tmp(&dir, "list.yaml", "- a\n- b\n");
  r = IOP(NULL, "manifest", "generate", "-d", m, "-f", list);
  EXPECT_ERROR(r, "list.yaml", "mapping");
  run_result_free(&r);
  /* A field of the wrong type, with its path. */
  char *typed = write_tmp(&dir, "typed.yaml",
                          "spec:\n  components:\n    pilot:\n"
                          "      enabled: \"yes\"\n");
  r = IOP(NULL, "manifest", "generate", "-d", m, "-f", typed);
  EXPECT_ERROR(r, "spec.components.pilot.enabled");
  run_result_free(&r);
  free(cm);
  free(v2);
  free(two);
  free(list);
  free(typed);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(unknown_profile)
{
  char *m = CHARTS;
  struct run_result r =
      IOP(NULL, "manifest", "generate", "-d", m, "--set", "profile=nope");
  ck_assert_str_eq(r.err, "Error: merge inputs: profile \"nope\" not found: "
                          "open profiles/nope.yaml: no such file or "
                          "directory\n");
  EXPECT_ERROR(r, "profiles/nope.yaml");
  run_result_free(&r);
  /* A profile is a name, not a path. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set", "profile=../x");
  EXPECT_ERROR(r, "profile \"../x\" not found");
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(missing_or_empty_manifests_directory)
{
  struct run_result r =
      IOP(NULL, "manifest", "generate", "-d", "/nonexistent/manifests");
  EXPECT_ERROR(r, "/nonexistent/manifests");
  run_result_free(&r);
  /* Set in the file instead of with -d. */
  r = IOP("spec:\n  installPackagePath: /nonexistent/m2\n", "manifest",
          "generate", "-f", "-");
  EXPECT_ERROR(r, "/nonexistent/m2");
  run_result_free(&r);
  /* A directory without profiles/. */
  char *dir = test_tmpdir();
  r = IOP(NULL, "manifest", "generate", "-d", dir);
  EXPECT_ERROR(r, "profile \"default\" not found: open "
                  "profiles/default.yaml: no such file or directory");
  run_result_free(&r);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(files_and_flags_that_cannot_be_used)
{
  char *m = CHARTS;
  struct run_result r =
      IOP(NULL, "manifest", "generate", "-d", m, "-f", "/nonexistent/iop.yaml");
  EXPECT_ERROR(r, "open /nonexistent/iop.yaml: no such file or directory");
  run_result_free(&r);
  r = IOP("spec: {}\n", "manifest", "generate", "-d", m, "-f", "-", "-f",
          "/dev/null");
  EXPECT_ERROR(r, "stdin is only allowed as the last filename");
  run_result_free(&r);
  /* --set selects in the user's input only: the profile's gateway list is
   * not there yet. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
          "components.ingressGateways.[name:istio-ingressgateway].enabled="
          "false");
  EXPECT_ERROR(r, "element [name:istio-ingressgateway] not found");
  run_result_free(&r);
  r = IOP(NULL, "manifest", "generate", "-d", m, "extra");
  EXPECT_ERROR(r, "generate accepts no positional arguments", "extra");
  run_result_free(&r);
  r = IOP(NULL, "manifest", "generate", "-d", m, "--no-such-flag");
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "");
  ck_assert_ptr_nonnull(strstr(r.err, "no-such-flag"));
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(bad_profile_and_chart_files)
{
  char *m = SORT_CHARTS;
  struct run_result r =
      IOP(NULL, "manifest", "generate", "-d", m, "--set", "profile=broken");
  EXPECT_ERROR(r, "profiles/broken.yaml:5:1:");
  run_result_free(&r);
  /* A chart that renders text that is not YAML. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set", "profile=badyaml");
  EXPECT_ERROR(r, "helm render: ", "ztunnel/templates/daemonset.yaml:11:1:");
  run_result_free(&r);
  /* An enabled component without its chart: istioctl's words. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set", "profile=nochart");
  EXPECT_ERROR(r, "helm render: load chart: component does not exist");
  run_result_free(&r);
  /* A template that fails: Helm's message, which spans lines. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
          "profile=badtemplate");
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "");
  ck_assert_prefix(r.err, "Error: helm render: render chart: "
                          "cni/templates/configmap.yaml:6:15\n");
  ck_assert_ptr_nonnull(strstr(r.err, "<.Values.cni.missing.deeper>"));
  run_result_free(&r);
  free(m);
}
END_TEST

/* ---- validation, seen from the command ---- */

START_TEST(validation_errors_are_one_line)
{
  char *m = CHARTS;
  struct run_result r =
      IOP(NULL, "manifest", "generate", "-d", m, "--set", "hub=a b");
  EXPECT_ERROR(r, "spec.hub: bad hub", "a b/pilot");
  run_result_free(&r);
  /* Several errors: one line, in order, comma-separated. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set", "hub=a b", "--set",
          "tag=x y", "-r", "BAD_REV");
  EXPECT_ERROR(r, "spec.hub: bad hub", ", spec.tag: bad tag",
               ", spec.revision: invalid revision specified: BAD_REV");
  run_result_free(&r);
  /* --force: a warning, and the manifest anyway. */
  r = IOP(NULL, "manifest", "generate", "-d", m, "--force", "--set",
          "values.pilot.notAField=1");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "kind: Deployment"));
  ck_assert_prefix(r.err, "spec invalid; continuing because of --force: "
                          "could not unmarshal: spec.values.pilot.notAField");
  run_result_free(&r);
  /* A warning is printed and the manifest is unchanged by it. */
  char *plain = GENERATE("--set", "components.pilot.k8s.replicaCount=2",
                         "--set", "values.pilot.autoscaleEnabled=true");
  r = IOP(NULL, "manifest", "generate", "-d", m, "--set",
          "components.pilot.k8s.replicaCount=2", "--set",
          "values.pilot.autoscaleEnabled=true");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, plain);
  ck_assert_str_eq(r.err, "❗ spec.components.pilot.k8s.replicaCount should "
                          "not be set when values.pilot.autoscaleEnabled is "
                          "true\n");
  run_result_free(&r);
  free(plain);
  free(m);
}
END_TEST

/* ---- k8s overlays ---- */

#define PILOT_OVERLAY(kind, name, patches)                                     \
  "spec:\n  components:\n    pilot:\n      k8s:\n        overlays:\n"          \
  "        - kind: " kind "\n          name: " name "\n"                       \
  "          patches:\n" patches

#define PATCH(path, value)                                                     \
  "          - path: " path "\n            value: " value "\n"

START_TEST(overlay_patches_the_named_object)
{
  char *out = generate_ok(
      PILOT_OVERLAY("Deployment", "istiod",
                    PATCH("spec.template.spec.containers.[name:discovery]."
                          "image",
                          "custom/pilot:2") PATCH("spec.replicas", "4")),
      (const char *const[]){"-f", "-", NULL});
  EXPECT_IN_DOC(out, "Deployment", "istiod", "image: custom/pilot:2\n",
                "  replicas: 4\n");
  free(out);
}
END_TEST

START_TEST(overlay_path_matching_nothing_is_skipped)
{
  /* istioctl drops a patch whose path fails and applies the others: the
   * output is that of the good patch alone, exit status 0. */
  char *dir = NULL, *m = CHARTS;
  char *bad = write_tmp(
      &dir, "bad.yaml",
      PILOT_OVERLAY(
          "Deployment", "istiod",
          PATCH("spec.template.spec.containers.[name:nope].image", "x")
              PATCH("metadata.name.deeper", "y") PATCH("spec.replicas", "4")));
  char *good = write_tmp(
      &dir, "good.yaml",
      PILOT_OVERLAY("Deployment", "istiod", PATCH("spec.replicas", "4")));
  struct run_result r = IOP(NULL, "manifest", "generate", "-d", m, "-f", bad);
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_str_eq(r.err, "");
  char *want = GENERATE("-f", good);
  ck_assert_str_eq(r.out, want);
  EXPECT_IN_DOC(r.out, "Deployment", "istiod", "  replicas: 4\n");
  free(want);
  run_result_free(&r);
  free(bad);
  free(good);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(overlay_for_an_absent_object_changes_nothing)
{
  char *out = generate_ok(
      PILOT_OVERLAY("Deployment", "not-rendered", PATCH("spec.replicas", "4")),
      (const char *const[]){"-f", "-", NULL});
  char *plain = GENERATE(NULL);
  ck_assert_str_eq(out, plain);
  free(out);
  free(plain);
  /* Nor does an overlay on another component's object: overlays reach
   * only their own component's output. */
  out = generate_ok(PILOT_OVERLAY("Deployment", "istio-ingressgateway",
                                  PATCH("spec.replicas", "4")),
                    (const char *const[]){"-f", "-", NULL});
  plain = GENERATE(NULL);
  ck_assert_str_eq(out, plain);
  free(out);
  free(plain);
}
END_TEST

START_TEST(overlay_applies_to_every_object_it_names)
{
  char *m = SORT_CHARTS;
  struct run_result r =
      IOP("spec:\n  components:\n    base:\n      k8s:\n        overlays:\n"
          "        - kind: ConfigMap\n          name: dup\n          patches:\n"
          "          - path: data.from\n            value: overlay\n",
          "manifest", "generate", "-d", m, "-f", "-");
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_ptr_null(strstr(r.out, "-template\n"));
  const char *first = strstr(r.out, "  from: overlay\n");
  ck_assert_ptr_nonnull(first);
  ck_assert_ptr_nonnull(strstr(first + 1, "  from: overlay\n"));
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(overlay_selector_takes_the_first_match)
{
  /* Both istiod Service ports are TCP: [protocol:TCP] is the first. */
  char *out =
      generate_ok(PILOT_OVERLAY("Service", "istiod",
                                PATCH("spec.ports.[protocol:TCP].port", "1")),
                  (const char *const[]){"-f", "-", NULL});
  EXPECT_IN_DOC(out, "Service", "istiod", "  - name: grpc-xds\n    port: 1\n",
                "  - name: https-webhook\n    port: 443\n");
  free(out);
}
END_TEST

/* ---- iop profile ---- */

START_TEST(profile_list)
{
  char *m = CHARTS;
  struct run_result r = IOP(NULL, "profile", "list", "-d", m);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "Istio configuration profiles:\n"
                          "    ambient\n    default\n    demo\n"
                          "    empty\n    minimal\n");
  ck_assert_str_eq(r.err, "");
  run_result_free(&r);
  r = IOP(NULL, "profile", "list", "--manifests", "/nonexistent/m");
  EXPECT_ERROR(r, "/nonexistent/m/profiles");
  run_result_free(&r);
  /* A directory with no profiles in it. */
  char *dir = test_tmpdir();
  char *keep = test_write_file(dir, "profiles/README", "none here\n");
  r = IOP(NULL, "profile", "list", "-d", dir);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "No profiles available.\n");
  run_result_free(&r);
  free(keep);
  test_rm_rf(dir);
  free(dir);
  free(m);
}
END_TEST

START_TEST(profile_dump)
{
  char *m = CHARTS;
  struct run_result r = IOP(NULL, "profile", "dump", "-d", m);
  ck_assert_int_eq(r.status, 0);
  char want[4096];
  snprintf(want, sizeof want,
           "apiVersion: install.istio.io/v1alpha1\n"
           "kind: IstioOperator\n"
           "spec:\n"
           "  components:\n"
           "    base:\n      enabled: true\n"
           "    egressGateways:\n"
           "    - enabled: false\n      name: istio-egressgateway\n"
           "    ingressGateways:\n"
           "    - enabled: true\n      name: istio-ingressgateway\n"
           "    pilot:\n      enabled: true\n"
           "  hub: registry.example/iop-test\n"
           "  installPackagePath: %s\n"
           "  tag: 1.0.0\n"
           "  values:\n"
           "    defaultRevision: \"\"\n"
           "    gateways:\n"
           "      istio-egressgateway: {}\n"
           "      istio-ingressgateway: {}\n"
           "    global:\n"
           "      configValidation: true\n"
           "      hub: registry.example/iop-test\n"
           "      istioNamespace: istio-system\n"
           "      tag: 1.0.0\n"
           "    pilot:\n"
           "      cni:\n        enabled: false\n"
           "      enabled: true\n"
           "    ztunnel:\n      resourceName: ztunnel\n",
           m);
  ck_assert_str_eq(r.out, want);
  ck_assert_str_eq(r.err, "");
  run_result_free(&r);
  /* A named profile, and a subtree of it. */
  r = IOP(NULL, "profile", "dump", "demo", "-d", m, "--config-path",
          "components");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "base:\n  enabled: true\n"
                          "egressGateways:\n"
                          "- enabled: true\n  name: istio-egressgateway\n"
                          "ingressGateways:\n"
                          "- enabled: true\n  name: istio-ingressgateway\n"
                          "pilot:\n  enabled: true\n");
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "minimal", "-d", m, "-p",
          "components.ingressGateways");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "- enabled: false\n  name: istio-ingressgateway\n");
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "-d", m, "--config-path", "values.nope");
  EXPECT_ERROR(r, "values.nope");
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "nope", "-d", m);
  EXPECT_ERROR(r, "profile \"nope\" not found");
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(profile_dump_with_files)
{
  char *dir = NULL, *m = CHARTS;
  char *f = write_tmp(&dir, "mine.yaml",
                      "apiVersion: install.istio.io/v1alpha1\n"
                      "kind: IstioOperator\nspec:\n  profile: demo\n"
                      "  values:\n    pilot:\n      traceSampling: 50\n");
  struct run_result r = IOP(NULL, "profile", "dump", "-d", m, "-f", f,
                            "--config-path", "values.pilot");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "cni:\n  enabled: false\nenabled: true\n"
                          "traceSampling: 50\n");
  run_result_free(&r);
  /* The file's profile (demo) is the base: its egress gateway is on. */
  r = IOP(NULL, "profile", "dump", "-d", m, "-f", f, "--config-path",
          "components.egressGateways");
  ck_assert_str_eq(r.out, "- enabled: true\n  name: istio-egressgateway\n");
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "demo", "-d", m, "-f", f);
  EXPECT_ERROR(r, "cannot specify both profile name and filename flag");
  run_result_free(&r);
  /* A bad file is reported as generate reports it. */
  char *bad = write_tmp(&dir, "bad.yaml", "spec: [\n");
  r = IOP(NULL, "profile", "dump", "-d", m, "-f", bad);
  EXPECT_ERROR(r, "bad.yaml:2:1:");
  run_result_free(&r);
  free(f);
  free(bad);
  free(m);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(profile_dump_formats)
{
  char *m = CHARTS;
  struct run_result r = IOP(NULL, "profile", "dump", "-d", m, "-o", "json",
                            "--config-path", "values.global");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "{\n"
                          "    \"configValidation\": true,\n"
                          "    \"hub\": \"registry.example/iop-test\",\n"
                          "    \"istioNamespace\": \"istio-system\",\n"
                          "    \"tag\": \"1.0.0\"\n"
                          "}\n");
  run_result_free(&r);
  /* flags: sorted path=value under spec, strings quoted, lists indexed,
   * dots in keys escaped, numbers as Go prints a float64. */
  r = IOP(NULL, "profile", "dump", "demo", "-d", m, "-o", "flags", "--set",
          "values.pilot.env.a\\.b=1000000", "--set",
          "values.global.proxy.excludeIPRanges=\"q\"");
  ck_assert_int_eq(r.status, 0);
  char want[4096];
  snprintf(want, sizeof want,
           "components.base.enabled=true\n"
           "components.egressGateways[0].enabled=true\n"
           "components.egressGateways[0].name=\"istio-egressgateway\"\n"
           "components.ingressGateways[0].enabled=true\n"
           "components.ingressGateways[0].name=\"istio-ingressgateway\"\n"
           "components.pilot.enabled=true\n"
           "hub=\"registry.example/iop-test\"\n"
           "installPackagePath=\"%s\"\n"
           "profile=\"demo\"\n"
           "tag=\"1.0.0\"\n"
           "values.defaultRevision=\"\"\n"
           "values.global.configValidation=true\n"
           "values.global.hub=\"registry.example/iop-test\"\n"
           "values.global.istioNamespace=\"istio-system\"\n"
           "values.global.proxy.excludeIPRanges=\"\\\"q\\\"\"\n"
           "values.global.tag=\"1.0.0\"\n"
           "values.pilot.cni.enabled=false\n"
           "values.pilot.enabled=true\n"
           "values.pilot.env.a\\.b=1e+06\n"
           "values.pilot.traceSampling=100\n"
           "values.ztunnel.resourceName=\"ztunnel\"\n",
           m);
  ck_assert_str_eq(r.out, want);
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "-d", m, "-o", "flags", "--config-path",
          "components.ingressGateways");
  ck_assert_str_eq(r.out, "[0].enabled=true\n"
                          "[0].name=\"istio-ingressgateway\"\n");
  run_result_free(&r);
  r = IOP(NULL, "profile", "dump", "-d", m, "-o", "toml");
  EXPECT_ERROR(r, "unknown output format: toml");
  run_result_free(&r);
  free(m);
}
END_TEST

START_TEST(profile_diff)
{
  char *m = CHARTS;
  struct run_result r =
      IOP(NULL, "profile", "diff", "default", "demo", "-d", m);
  /* Different profiles: the diff, and exit status 1. */
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.err, "");
  ck_assert_prefix(r.out, "The difference between profiles:\n"
                          " apiVersion: install.istio.io/v1alpha1\n");
  ck_assert_ptr_nonnull(strstr(r.out, "     egressGateways:\n"
                                      "+    - enabled: true\n"
                                      "-    - enabled: false\n"
                                      "       name: istio-egressgateway\n"));
  ck_assert_ptr_nonnull(strstr(r.out, "+  profile: demo\n"
                                      "-  profile: default\n"));
  ck_assert_ptr_nonnull(strstr(r.out, "       enabled: true\n"
                                      "+      traceSampling: 100\n"));
  run_result_free(&r);
  r = IOP(NULL, "profile", "diff", "demo", "demo", "-d", m);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "Profiles are identical\n");
  run_result_free(&r);
  r = IOP(NULL, "profile", "diff", "default", "nope", "-d", m);
  EXPECT_ERROR(r, "could not read \"nope\": profile \"nope\" not found");
  run_result_free(&r);
  r = IOP(NULL, "profile", "diff", "default", "-d", m);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "");
  run_result_free(&r);
  free(m);
}
END_TEST

Suite *manifest_cli_suite(void)
{
  Suite *s = suite_create("manifest_cli");
  TCase *tc = tcase_create("merge");
  tcase_add_test(tc, profile_is_default_then_the_named_one);
  tcase_add_test(tc, maps_merge_deeply_and_lists_are_replaced);
  tcase_add_test(tc, null_overwrites);
  tcase_add_test(tc, files_in_order_then_set_flags);
  tcase_add_test(tc, set_paths_as_istioctl_reads_them);
  tcase_add_test(tc, values_are_applied_last);
  tcase_add_test(tc, unvalidated_values_skip_validation_and_win);
  tcase_add_test(tc, revision_flag_is_an_alias);
  tcase_add_test(tc, k8s_settings_patch_strategically);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  tc = tcase_create("sort");
  tcase_add_test(tc, objects_sorted_as_istioctl_sorts_them);
  tcase_add_test(tc, components_interleave_in_the_sort);
  tcase_add_test(tc, two_runs_give_identical_bytes);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  tc = tcase_create("output");
  tcase_add_test(tc, output_file_holds_the_same_bytes);
  tcase_add_test(tc, output_file_is_not_written_on_error);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  tc = tcase_create("bad_input");
  tcase_add_test(tc, malformed_yaml_names_file_line_and_column);
  tcase_add_test(tc, other_kinds_and_shapes);
  tcase_add_test(tc, unknown_profile);
  tcase_add_test(tc, missing_or_empty_manifests_directory);
  tcase_add_test(tc, files_and_flags_that_cannot_be_used);
  tcase_add_test(tc, bad_profile_and_chart_files);
  tcase_add_test(tc, validation_errors_are_one_line);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  tc = tcase_create("overlays");
  tcase_add_test(tc, overlay_patches_the_named_object);
  tcase_add_test(tc, overlay_path_matching_nothing_is_skipped);
  tcase_add_test(tc, overlay_for_an_absent_object_changes_nothing);
  tcase_add_test(tc, overlay_applies_to_every_object_it_names);
  tcase_add_test(tc, overlay_selector_takes_the_first_match);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  tc = tcase_create("profile");
  tcase_add_test(tc, profile_list);
  tcase_add_test(tc, profile_dump);
  tcase_add_test(tc, profile_dump_with_files);
  tcase_add_test(tc, profile_dump_formats);
  tcase_add_test(tc, profile_diff);
  tcase_set_timeout(tc, 30);
  suite_add_tcase(s, tc);
  return s;
}
