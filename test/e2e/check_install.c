/* Shipping iop, end to end on the test control plane: iop operator
 * init|remove, the least-privilege ClusterRole of deploy/ proven by
 * running iop server with exactly it, iop install|verify-install|
 * uninstall, kubectl apply -k deploy/, and what a user sees when the
 * cluster is unreachable or refuses them. */
#include "testcp.h"
#include "testkube.h"
#include "testproc.h"
#include "testutil.h"

#include "jobj.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IOP_AV "install.istio.io/v1alpha1"
#define MANAGED "operator.istio.io/managed=Reconcile"
#define MAX_ARGS 24

static const char *fixtures(void)
{
  static char path[4096];
  const char *env = getenv("IOP_TEST_MANIFESTS");
  if (env && *env)
    return env;
  snprintf(path, sizeof path, "%s/test/fixtures/manifests", test_src_dir());
  return path;
}

/* Runs `iop ARGS...` (NULL-terminated) with stdin from input. */
static struct run_result iop_run(const char *input, ...)
{
  char *argv[MAX_ARGS + 2] = {(char *)test_iop_bin()};
  va_list ap;
  va_start(ap, input);
  int n = 1;
  for (const char *a; n < MAX_ARGS + 1 && (a = va_arg(ap, const char *));)
    argv[n++] = (char *)a;
  va_end(ap);
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

static int exists(struct testkube *t, const char *av, const char *kind,
                  const char *ns, const char *name)
{
  struct json_object *o = testkube_get_or_null(t, av, kind, ns, name);
  json_object_put(o);
  return o != NULL;
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* An IstioOperator file installing into ns, with more spec members. */
static char *iop_file(const char *dir, const char *ns, const char *extra)
{
  char text[2048];
  snprintf(text, sizeof text,
           "apiVersion: " IOP_AV "\nkind: IstioOperator\nmetadata:\n"
           "  namespace: %s\nspec:\n  values:\n    global:\n"
           "      istioNamespace: %s\n%s",
           ns, ns, extra);
  return test_write_file(dir, "iop.yaml", text);
}

static size_t count_labelled(struct testkube *t, const char *av,
                             const char *kind, const char *ns)
{
  /* The operator's own objects are not Istio's: init and remove own them. */
  struct json_object *l = testkube_list(
      t, av, kind, ns, MANAGED ",operator.istio.io/component!=IstioOperator");
  size_t n = json_object_array_length(jobj_arr(l, "items"));
  json_object_put(l);
  return n;
}

/* ---- install, verify-install, uninstall ---- */

START_TEST(test_install_verify_uninstall)
{
  struct testkube t;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "inst");
  char *dir = test_tmpdir();
  char *file = iop_file(dir, ns, "");

  /* A dry run lists what it would create and changes nothing. */
  struct run_result r =
      iop_run(NULL, "install", "-f", file, "-d", fixtures(), "--dry-run", NULL);
  ck_assert_msg(r.status == 0, "dry run: %s", r.err);
  char want[256];
  snprintf(want, sizeof want, "Would create Deployment:%s:istiod\n", ns);
  ck_assert_msg(strstr(r.out, want), "dry run said:\n%s", r.out);
  ck_assert(strstr(r.out, "nothing was changed"));
  run_result_free(&r);
  ck_assert(!exists(&t, "apps/v1", "Deployment", ns, "istiod"));

  /* Without -y and with nothing on stdin, it asks and stops. */
  r = iop_run("", "install", "-f", file, "-d", fixtures(), NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert(strstr(r.out, "Proceed? (y/N)"));
  ck_assert(strstr(r.out, "Cancelled."));
  run_result_free(&r);

  /* Nothing is ready yet (no kubelet): install applies everything, then
   * waits and says what it waits for. */
  r = iop_run(NULL, "install", "-f", file, "-d", fixtures(), "-y",
              "--readiness-timeout", "2s", NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert_msg(strstr(r.out, "✔ Istio core installed"), "%s", r.out);
  ck_assert_msg(strstr(r.err, "is not ready after 2s"), "%s", r.err);
  run_result_free(&r);
  r = iop_run(NULL, "verify-install", "-f", file, "-d", fixtures(), NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert_msg(strstr(r.out, "not ready"), "%s", r.out);
  run_result_free(&r);

  testkube_make_ready(&t, ns);
  r = iop_run(NULL, "install", "-f", file, "-d", fixtures(), "-y", NULL);
  ck_assert_msg(r.status == 0, "install: %s%s", r.out, r.err);
  ck_assert(strstr(r.out, "✔ Istiod installed"));
  ck_assert(strstr(r.out, "✔ Ingress gateways installed"));
  ck_assert(strstr(r.out, "✔ Installation complete"));
  run_result_free(&r);
  struct json_object *dep =
      testkube_get_or_null(&t, "apps/v1", "Deployment", ns, "istiod");
  ck_assert_str_eq(jobj_path_str(dep, "metadata", "labels",
                                 "operator.istio.io/component", NULL),
                   "Pilot");
  json_object_put(dep);
  r = iop_run(NULL, "verify-install", "-f", file, "-d", fixtures(), NULL);
  ck_assert_msg(r.status == 0, "verify: %s%s", r.out, r.err);
  ck_assert(strstr(r.out, "✔ Istio is installed and verified successfully"));
  run_result_free(&r);

  /* Installed again: nothing to create or change. */
  r = iop_run(NULL, "install", "-f", file, "-d", fixtures(), "--dry-run", NULL);
  ck_assert_msg(strstr(r.out, "0 to create, 0 to change, 0 to prune"), "%s",
                r.out);
  run_result_free(&r);

  /* The gateway turned off: pruned, and said so. */
  free(file);
  file = iop_file(dir, ns,
                  "  components:\n    ingressGateways:\n"
                  "    - name: istio-ingressgateway\n      enabled: false\n");
  r = iop_run(NULL, "install", "-f", file, "-d", fixtures(), "-y", NULL);
  ck_assert_msg(r.status == 0, "install: %s%s", r.out, r.err);
  snprintf(want, sizeof want, "Removed Deployment:%s:istio-ingressgateway.",
           ns);
  ck_assert_msg(strstr(r.out, want), "%s", r.out);
  run_result_free(&r);
  ck_assert(!exists(&t, "apps/v1", "Deployment", ns, "istio-ingressgateway"));
  ck_assert(exists(&t, "apps/v1", "Deployment", ns, "istiod"));

  /* uninstall needs to be told what. */
  r = iop_run(NULL, "uninstall", "-y", NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert(strstr(r.err, "--purge"));
  run_result_free(&r);
  /* --purge leaves nothing with our labels (CRDs included), but never
   * an object without them. */
  struct json_object *mine = testkube_configmap(&t, "user-config", "k", "v");
  json_object_put(mine);
  r = iop_run(NULL, "uninstall", "--purge", "-y", NULL);
  ck_assert_msg(r.status == 0, "uninstall: %s%s", r.out, r.err);
  ck_assert(strstr(r.out, "✔ Uninstall complete"));
  run_result_free(&r);
  static const char *const kinds[][2] = {
      {"apps/v1", "Deployment"},
      {"v1", "Service"},
      {"v1", "ConfigMap"},
      {"v1", "ServiceAccount"},
      {"autoscaling/v1", "HorizontalPodAutoscaler"}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    ck_assert_msg(count_labelled(&t, kinds[i][0], kinds[i][1], NULL) == 0,
                  "%s left behind", kinds[i][1]);
  ck_assert_int_eq(
      count_labelled(&t, "rbac.authorization.k8s.io/v1", "ClusterRole", NULL),
      0);
  ck_assert(exists(&t, "v1", "ConfigMap", ns, "user-config"));
  free(file);
  test_rm_rf(dir);
  free(dir);
  testkube_close(&t);
}
END_TEST

/* ---- operator init and remove ---- */

START_TEST(test_operator_init_twice_and_remove)
{
  struct testkube t;
  testkube_open(&t, NULL);
  struct run_result r = iop_run(NULL, "operator", "init", "--no-wait", NULL);
  ck_assert_msg(r.status == 0, "init: %s%s", r.out, r.err);
  run_result_free(&r);
  ck_assert(exists(&t, "apiextensions.k8s.io/v1", "CustomResourceDefinition",
                   NULL, "istiooperators.install.istio.io"));
  ck_assert(exists(&t, "rbac.authorization.k8s.io/v1", "ClusterRole", NULL,
                   "istio-operator"));
  struct json_object *dep = testkube_get_or_null(
      &t, "apps/v1", "Deployment", "istio-operator", "istio-operator");
  ck_assert_ptr_nonnull(dep);
  char rv[64];
  snprintf(rv, sizeof rv, "%s",
           jobj_path_str(dep, "metadata", "resourceVersion", NULL));
  json_object_put(dep);

  r = iop_run(NULL, "operator", "init", "--no-wait", NULL);
  ck_assert_msg(r.status == 0, "init again: %s%s", r.out, r.err);
  ck_assert_msg(strstr(r.out, "nothing to change"), "%s", r.out);
  run_result_free(&r);
  dep = testkube_get_or_null(&t, "apps/v1", "Deployment", "istio-operator",
                             "istio-operator");
  ck_assert_str_eq(jobj_path_str(dep, "metadata", "resourceVersion", NULL), rv);
  json_object_put(dep);

  /* kustomize users get the same objects; the server accepts them. */
  char deploy[4200];
  snprintf(deploy, sizeof deploy, "%s/deploy", test_src_dir());
  char *argv[] = {(char *)test_kubectl_bin(), "apply", "-k", deploy,
                  "--dry-run=server",         NULL};
  struct run_result k;
  ck_assert_int_eq(run_cmd(argv, NULL, &k), 0);
  ck_assert_msg(k.status == 0, "kubectl apply -k: %s%s", k.out, k.err);
  run_result_free(&k);

  /* A canary operator, then removed alone. */
  r = iop_run(NULL, "operator", "init", "--revision", "canary", "--no-wait",
              NULL);
  ck_assert_msg(r.status == 0, "init canary: %s%s", r.out, r.err);
  run_result_free(&r);
  ck_assert(exists(&t, "apps/v1", "Deployment", "istio-operator",
                   "istio-operator-canary"));
  r = iop_run(NULL, "operator", "remove", "--revision", "canary", "-y", NULL);
  ck_assert_msg(r.status == 0, "remove canary: %s%s", r.out, r.err);
  run_result_free(&r);
  ck_assert(!exists(&t, "apps/v1", "Deployment", "istio-operator",
                    "istio-operator-canary"));
  ck_assert(
      exists(&t, "apps/v1", "Deployment", "istio-operator", "istio-operator"));
  testkube_close(&t);
}
END_TEST

/* ---- the ClusterRole of deploy/ is enough, and no more ---- */

static void bind_operator_user(struct testkube *t, const char *ns)
{
  testkube_create_json(
      t, testkube_json(
             "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
             "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":"
             "\"e2e-iop-operator-%s\"},\"roleRef\":{\"apiGroup\":"
             "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
             "\"istio-operator\"},\"subjects\":[{\"apiGroup\":"
             "\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":"
             "\"iop-operator\"}]}",
             ns));
  /* The Lease Role of deploy/, in the namespace the test elects in. */
  testkube_create_json(
      t,
      testkube_json(
          "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
          "\"metadata\":{\"name\":\"lease\",\"namespace\":\"%s\"},\"rules\":[{"
          "\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],"
          "\"verbs\":[\"get\",\"list\",\"watch\",\"create\",\"update\","
          "\"patch\"]}]}",
          ns));
  testkube_create_json(
      t,
      testkube_json(
          "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":"
          "\"RoleBinding\",\"metadata\":{\"name\":\"lease\",\"namespace\":"
          "\"%s\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
          "\"kind\":\"Role\",\"name\":\"lease\"},\"subjects\":[{\"apiGroup\":"
          "\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":"
          "\"iop-operator\"}]}",
          ns));
}

static const char *state_of(struct json_object *cr)
{
  const char *s = jobj_path_str(cr, "status", "status", NULL);
  return s ? s : "";
}

START_TEST(test_server_runs_with_deploy_rbac_only)
{
  struct testkube t;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "rbac");
  struct run_result r = iop_run(NULL, "operator", "init", "--no-wait", NULL);
  ck_assert_msg(r.status == 0, "init: %s%s", r.out, r.err);
  run_result_free(&r);
  bind_operator_user(&t, ns);
  char *dir = test_tmpdir();
  char user[256];
  snprintf(user, sizeof user, "    token: %s\n",
           test_env("IOP_TEST_OPERATOR_TOKEN"));
  char *kubeconfig = testkube_write_kubeconfig(dir, user);

  /* A verb the operator never needs is denied. */
  r = iop_run(NULL, "kube", "delete", "namespace", ns, "--kubeconfig",
              kubeconfig, NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert_msg(strstr(r.err, "Forbidden") || strstr(r.err, "forbidden"), "%s",
                r.err);
  run_result_free(&r);
  r = iop_run(NULL, "kube", "list", "secrets", "-n", "kube-system",
              "--kubeconfig", kubeconfig, NULL);
  ck_assert_int_ne(r.status, 0);
  run_result_free(&r);

  /* The server, with exactly that, reconciles an IstioOperator. */
  struct testproc p;
  char log[4200], env0[256], env1[256], kcflag[4300];
  snprintf(log, sizeof log, "%s/server.log", dir);
  snprintf(env0, sizeof env0, "WATCH_NAMESPACE=%s", ns);
  snprintf(env1, sizeof env1, "LEADER_ELECTION_NAMESPACE=%s", ns);
  snprintf(kcflag, sizeof kcflag, "--kubeconfig=%s", kubeconfig);
  char port[64];
  snprintf(port, sizeof port, "127.0.0.1:%d", testproc_free_port());
  char *env[] = {env0, env1, NULL};
  char *argv[] = {
      (char *)test_iop_bin(), "server",         kcflag, "--manifests",
      (char *)fixtures(),     "--metrics-addr", port,   NULL};
  testproc_start(&p, argv, env, log);
  testkube_create_json(
      &t, testkube_json(
              "{\"apiVersion\":\"" IOP_AV
              "\",\"kind\":\"IstioOperator\",\"metadata\":"
              "{\"name\":\"rbac\",\"namespace\":\"%s\"},\"spec\":{\"values\":{"
              "\"global\":{\"istioNamespace\":\"%s\"}}}}",
              ns, ns));
  struct json_object *cr = NULL;
  for (int waited = 0; waited < 60000; waited += 250) {
    testkube_make_ready(&t, ns);
    json_object_put(cr);
    cr = testkube_get_or_null(&t, IOP_AV, "IstioOperator", ns, "rbac");
    if (strcmp(state_of(cr), "HEALTHY") == 0)
      break;
    sleep_ms(250);
  }
  char *out = testproc_output(&p);
  ck_assert_msg(strcmp(state_of(cr), "HEALTHY") == 0,
                "status %s: %s\nserver log:\n%s", state_of(cr),
                json_object_to_json_string(jobj_get(cr, "status")), out);
  ck_assert_msg(!strstr(out, "403"), "a request was forbidden:\n%s", out);
  free(out);
  json_object_put(cr);
  ck_assert_int_eq(testproc_stop(&p, 15000), 0);
  out = testproc_output(&p);
  ck_assert_msg(!strstr(out, "Sanitizer") && !strstr(out, "runtime error:"),
                "server log:\n%s", out);
  free(out);
  free(kubeconfig);
  test_rm_rf(dir);
  free(dir);
  testkube_close(&t);
}
END_TEST

/* ---- remove --purge ---- */

START_TEST(test_operator_remove_purge_keeps_istio)
{
  struct testkube t;
  testkube_open(&t, NULL);
  const char *ns = testkube_namespace(&t, "purge");
  struct run_result r = iop_run(NULL, "operator", "init", "--no-wait", NULL);
  ck_assert_msg(r.status == 0, "init: %s%s", r.out, r.err);
  run_result_free(&r);
  testkube_create_json(
      &t, testkube_json("{\"apiVersion\":\"" IOP_AV
                        "\",\"kind\":\"IstioOperator\",\"metadata\":"
                        "{\"name\":\"kept\",\"namespace\":\"%s\"},\"spec\":{}}",
                        ns));
  char *dir = test_tmpdir();
  char *file = iop_file(dir, ns, "  profile: minimal\n");
  r = iop_run(NULL, "install", "-f", file, "-d", fixtures(), "-y",
              "--skip-wait", NULL);
  ck_assert_msg(r.status == 0, "install: %s%s", r.out, r.err);
  run_result_free(&r);

  r = iop_run(NULL, "operator", "remove", "--purge", "-y", NULL);
  ck_assert_msg(r.status == 0, "remove: %s%s", r.out, r.err);
  ck_assert_msg(strstr(r.out, "IstioOperator") ||
                    strstr(r.err, "IstioOperator"),
                "remove does not say what it leaves: %s", r.out);
  run_result_free(&r);
  ck_assert(
      !exists(&t, "apps/v1", "Deployment", "istio-operator", "istio-operator"));
  ck_assert(!exists(&t, "rbac.authorization.k8s.io/v1", "ClusterRole", NULL,
                    "istio-operator"));
  ck_assert(exists(&t, "apiextensions.k8s.io/v1", "CustomResourceDefinition",
                   NULL, "istiooperators.install.istio.io"));
  ck_assert(exists(&t, IOP_AV, "IstioOperator", ns, "kept"));
  ck_assert(exists(&t, "apps/v1", "Deployment", ns, "istiod"));
  free(file);
  test_rm_rf(dir);
  free(dir);
  testkube_close(&t);
}
END_TEST

/* ---- an unreachable or unauthorised cluster ---- */

static void assert_one_line_error(struct run_result *r, const char *what)
{
  ck_assert_msg(r->status != 0, "%s: exit 0", what);
  const char *nl = strchr(r->err, '\n');
  ck_assert_msg(nl && nl[1] == '\0', "%s: not one line:\n%s", what, r->err);
  ck_assert_msg(strncmp(r->err, "Error", 5) == 0, "%s: %s", what, r->err);
}

START_TEST(test_bad_cluster_one_line_error)
{
  char *dir = test_tmpdir();
  char *unreachable = test_write_file(
      dir, "down.yaml",
      "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
      "    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n"
      "    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n"
      "  user:\n    token: x\n");
  char *wrong = testkube_write_kubeconfig(dir, "    token: not-a-token\n");
  char *file = iop_file(dir, "istio-system", "");
  const char *configs[] = {unreachable, wrong};
  for (int i = 0; i < 2; i++) {
    char flag[4300];
    snprintf(flag, sizeof flag, "--kubeconfig=%s", configs[i]);
    struct run_result r =
        iop_run(NULL, "operator", "init", flag, "--no-wait", NULL);
    assert_one_line_error(&r, "operator init");
    run_result_free(&r);
    r = iop_run(NULL, "install", flag, "-f", file, "-d", fixtures(), "-y",
                NULL);
    assert_one_line_error(&r, "install");
    run_result_free(&r);
    r = iop_run(NULL, "operator", "remove", flag, "-y", NULL);
    assert_one_line_error(&r, "operator remove");
    run_result_free(&r);
  }
  free(file);
  free(wrong);
  free(unreachable);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

Suite *install_suite(void)
{
  Suite *s = suite_create("install");
  TCase *tc = tcase_create("install");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_install_verify_uninstall);
  tcase_add_test(tc, test_operator_init_twice_and_remove);
  tcase_add_test(tc, test_server_runs_with_deploy_rbac_only);
  tcase_add_test(tc, test_operator_remove_purge_keeps_istio);
  tcase_add_test(tc, test_bad_cluster_one_line_error);
  suite_add_tcase(s, tc);
  return s;
}
