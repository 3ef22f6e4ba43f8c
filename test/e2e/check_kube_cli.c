/* `iop kube` against the real apiserver: what a user reads on stdout and
 * stderr, kubectl's way ("configmap/x serverside-applied",
 * "Error from server (NotFound): ..."), and the exit codes. */
#include "jobj.h"
#include "kjson.h"
#include "testkube.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 16

/* Runs `iop kube ARGS...` (NULL-terminated) with stdin from input. */
static struct run_result iop_kube(const char *input, ...)
{
  char *argv[MAX_ARGS + 3] = {(char *)test_iop_bin(), "kube"};
  va_list ap;
  va_start(ap, input);
  int n = 2;
  for (const char *a; n < MAX_ARGS + 2 && (a = va_arg(ap, const char *));)
    argv[n++] = (char *)a;
  va_end(ap);
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

static const char manifests[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli-cm\n"
    "data:\n  greeting: hello\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cli-dep\n"
    "spec:\n  selector:\n    matchLabels: {app: cli}\n  template:\n"
    "    metadata:\n      labels: {app: cli}\n    spec:\n      containers:\n"
    "      - name: c\n        image: example.test/c:1\n";

START_TEST(apply_get_list_delete)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "cli");
  const char *ns = t.ns;
  for (int i = 0; i < 2; i++) { /* applying again says the same */
    struct run_result r =
        iop_kube(manifests, "apply", "-f", "-", "-n", ns, NULL);
    ck_assert_msg(r.status == 0, "apply: %s", r.err);
    ck_assert_str_eq(r.out, "configmap/cli-cm serverside-applied\n"
                            "deployment.apps/cli-dep serverside-applied\n");
    run_result_free(&r);
  }
  struct run_result r =
      iop_kube(NULL, "get", "cm", "cli-cm", "-n", ns, "-o", "json", NULL);
  ck_assert_msg(r.status == 0, "get: %s", r.err);
  struct json_object *cm = testkube_json("%s", r.out);
  ck_assert_str_eq(jobj_path_str(cm, "data", "greeting", NULL), "hello");
  json_object_put(cm);
  run_result_free(&r);
  r = iop_kube(NULL, "get", "configmap", "cli-cm", "-n", ns, NULL);
  ck_assert_msg(strstr(r.out, "  name: cli-cm\n") != NULL, "%s", r.out);
  run_result_free(&r);
  r = iop_kube(NULL, "list", "deploy", "-n", ns, "-o", "name", NULL);
  ck_assert_msg(r.status == 0, "list: %s", r.err);
  ck_assert_str_eq(r.out, "deployment.apps/cli-dep\n");
  run_result_free(&r);
  r = iop_kube(NULL, "delete", "cm", "cli-cm", "-n", ns, NULL);
  ck_assert_msg(r.status == 0, "delete: %s", r.err);
  ck_assert_str_eq(r.out, "configmap \"cli-cm\" deleted\n");
  run_result_free(&r);
  r = iop_kube(NULL, "get", "cm", "cli-cm", "-n", ns, NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "");
  ck_assert_str_eq(r.err, "Error from server (NotFound): configmaps "
                          "\"cli-cm\" not found\n");
  run_result_free(&r);
  r = iop_kube(manifests + strlen("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                  "  name: cli-cm\ndata:\n  greeting: hello\n"
                                  "---\n"),
               "delete", "-f", "-", "-n", ns, NULL);
  ck_assert_msg(r.status == 0, "delete -f: %s", r.err);
  ck_assert_str_eq(r.out, "deployment.apps \"cli-dep\" deleted\n");
  run_result_free(&r);
  testkube_close(&t);
}
END_TEST

START_TEST(errors_read_like_kubectl)
{
  struct run_result r = iop_kube(NULL, "get", "nosuchthings", "x", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.err, "error: the server doesn't have a resource type "
                          "\"nosuchthings\"\n");
  run_result_free(&r);
  char *dir = test_tmpdir();
  char user[512];
  snprintf(user, sizeof user, "    token: %s\n",
           test_env("IOP_TEST_USER_TOKEN"));
  char *kc = testkube_write_kubeconfig(dir, user);
  r = iop_kube(NULL, "--kubeconfig", kc, "get", "cm", "x", "-n", "default",
               NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.err, "Error from server (Forbidden): configmaps \"x\" is "
                          "forbidden: User \"alice\" cannot get resource "
                          "\"configmaps\" in API group \"\" in the namespace "
                          "\"default\"\n");
  run_result_free(&r);
  free(kc);
  kc = testkube_write_kubeconfig(dir, "    token: wrong\n");
  r = iop_kube(NULL, "--kubeconfig", kc, "list", "namespaces", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.err, "error: You must be logged in to the server "
                          "(Unauthorized)\n");
  run_result_free(&r);
  r = iop_kube(NULL, "--context", "no-such-context", "version", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "context \"no-such-context\" not found") != NULL,
                "%s", r.err);
  run_result_free(&r);
  free(kc);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(namespace_flag_as_kubectl_uses_it)
{
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "clins");
  char ns_doc[256];
  snprintf(ns_doc, sizeof ns_doc,
           "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s-x\n", t.ns);
  /* -n does not apply to a cluster-scoped object. */
  struct run_result r = iop_kube(ns_doc, "apply", "-f", "-", "-n", t.ns, NULL);
  ck_assert_msg(r.status == 0, "apply: %s", r.err);
  run_result_free(&r);
  /* An object's own namespace must agree with -n. */
  r = iop_kube("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
               "  namespace: elsewhere\n",
               "apply", "-f", "-", "-n", t.ns, NULL);
  ck_assert_int_eq(r.status, 1);
  char want[512];
  snprintf(want, sizeof want,
           "error: the namespace from the provided object \"elsewhere\" does "
           "not match the namespace \"%s\". You must pass "
           "'--namespace=elsewhere' to perform this operation.\n",
           t.ns);
  ck_assert_str_eq(r.err, want);
  run_result_free(&r);
  testkube_close(&t);
}
END_TEST

START_TEST(version_and_watch)
{
  struct run_result r = iop_kube(NULL, "version", NULL);
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_str_eq(r.out, "Server Version: v1.20.2\n");
  run_result_free(&r);
  struct testkube t;
  testkube_open(&t, NULL);
  testkube_namespace(&t, "cliwatch");
  struct json_object *cm = testkube_configmap(&t, "watched", "k", "v");
  char want[256];
  snprintf(want, sizeof want, "ADDED    %s/watched %s\n", t.ns,
           testkube_rv(cm));
  /* --timeout ends the watch; what matters is what it printed. */
  r = iop_kube(NULL, "watch", "cm", "-n", t.ns, "--timeout", "2", NULL);
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_str_eq(r.out, want);
  run_result_free(&r);
  json_object_put(cm);
  testkube_close(&t);
}
END_TEST

Suite *kube_cli_suite(void)
{
  Suite *s = suite_create("kube_cli");
  TCase *tc = tcase_create("cli");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, apply_get_list_delete);
  tcase_add_test(tc, errors_read_like_kubectl);
  tcase_add_test(tc, namespace_flag_as_kubectl_uses_it);
  tcase_add_test(tc, version_and_watch);
  suite_add_tcase(s, tc);
  return s;
}
