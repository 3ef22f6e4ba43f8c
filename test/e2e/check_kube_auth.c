/* Credentials against the real apiserver: exec plugins (v1 and v1beta1,
 * failing, expiring, rejected), a token file rotated under the client,
 * in-cluster configuration from a service-account directory, kubeconfig
 * *-data fields, and KUBECONFIG merging with --context. */
#include "buf.h"
#include "jobj.h"
#include "kube.h"
#include "kubeconfig.h"
#include "testkube.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int get_namespace(struct testkube *t, const char *name,
                         struct kube_sync *s)
{
  struct kube_ref r = {.api_version = "v1", .kind = "Namespace", .name = name};
  kube_sync_init(s);
  return testkube_wait(t, s, kube_get(t->c, &r, kube_sync_cb, s));
}

static void expect_namespace(struct testkube *t)
{
  struct kube_sync s;
  int rc = get_namespace(t, "default", &s);
  ck_assert_msg(rc == 0, "get namespace: %s", s.res.err.msg);
  kube_sync_free(&s);
}

static int count_lines(const char *path)
{
  char *text = test_read_file(path, NULL);
  int n = 0;
  for (char *p = text; p && *p; p++)
    n += *p == '\n';
  free(text);
  return n;
}

/* ---- exec plugins ---- */

static const char *const exec_versions[] = {
    "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"};

/* A plugin that counts its runs in DIR/runs, keeps the environment it got
 * in DIR/env, and prints an ExecCredential for `token` (the Nth run gets
 * the Nth word of tokens). */
static void write_plugin(const char *dir, const char *api_version,
                         const char *tokens, const char *expiry)
{
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b,
             "#!/bin/sh\n"
             "echo run >>'%s/runs'\n"
             "env >'%s/env'\n"
             "n=$(wc -l <'%s/runs')\n"
             "set -- %s\n"
             "[ \"$n\" -le $# ] && shift $((n - 1)) || shift $(($# - 1))\n"
             "cat <<EOF\n"
             "{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"$1\"%s%s%s}}\n"
             "EOF\n",
             dir, dir, dir, tokens, api_version,
             expiry ? ",\"expirationTimestamp\":\"" : "", expiry ? expiry : "",
             expiry ? "\"" : "");
  free(test_write_file(dir, "plugin.sh", b.data));
  buf_free(&b);
  char path[4096];
  snprintf(path, sizeof path, "%s/plugin.sh", dir);
  chmod(path, 0755);
}

/* The kubeconfig names the plugin relative to itself, as kubectl allows. */
static void open_exec(struct testkube *t, const char *dir,
                      const char *api_version, const char *command,
                      const char *hint)
{
  struct buf user;
  buf_init(&user, 0);
  buf_printf(&user,
             "    exec:\n      apiVersion: %s\n      command: %s\n"
             "      args: [\"--flag\", \"value\"]\n"
             "      env:\n      - name: IOP_PLUGIN_TEST\n        value: here\n"
             "      interactiveMode: Never\n",
             api_version, command);
  if (hint)
    buf_printf(&user, "      installHint: %s\n", hint);
  char *kc = testkube_write_kubeconfig(dir, user.data);
  struct kube_config_opts o = {.kubeconfig = kc};
  testkube_open_opts(t, &o, NULL);
  free(kc);
  buf_free(&user);
}

START_TEST(exec_plugin)
{
  /* The kubeconfig's env wins over ours. */
  setenv("IOP_PLUGIN_TEST", "from-the-parent", 1);
  char *dir = test_tmpdir();
  char tokens[512];
  snprintf(tokens, sizeof tokens, "%s", test_env("IOP_TEST_ADMIN_TOKEN"));
  write_plugin(dir, exec_versions[_i], tokens, "2999-01-01T00:00:00Z");
  struct testkube t;
  open_exec(&t, dir, exec_versions[_i], "./plugin.sh", NULL);
  expect_namespace(&t);
  expect_namespace(&t);
  char path[4096];
  snprintf(path, sizeof path, "%s/runs", dir);
  ck_assert_int_eq(count_lines(path), 1); /* the credential was kept */
  snprintf(path, sizeof path, "%s/env", dir);
  char *env = test_read_file(path, NULL);
  ck_assert_msg(strstr(env, "IOP_PLUGIN_TEST=here\n") != NULL, "%s", env);
  ck_assert_msg(strstr(env, "from-the-parent") == NULL, "%s", env);
  char want[256];
  snprintf(want, sizeof want, "KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\"",
           exec_versions[_i]);
  ck_assert_msg(strstr(env, want) != NULL, "%s", env);
  free(env);
  testkube_close(&t);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(exec_plugin_expiry_runs_it_again)
{
  char *dir = test_tmpdir();
  write_plugin(dir, exec_versions[0], test_env("IOP_TEST_ADMIN_TOKEN"),
               "2001-02-03T04:05:06Z");
  struct testkube t;
  open_exec(&t, dir, exec_versions[0], "./plugin.sh", NULL);
  /* Already expired when it arrives: used once, then fetched again for
   * each request (discovery's included). */
  expect_namespace(&t);
  expect_namespace(&t);
  expect_namespace(&t);
  char path[4096];
  snprintf(path, sizeof path, "%s/runs", dir);
  struct kube_stats st;
  kube_client_stats(t.c, &st);
  ck_assert_int_ge(st.requests, 3);
  ck_assert_int_eq(count_lines(path), (int)st.requests);
  testkube_close(&t);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(exec_plugin_rejected_token_runs_it_again)
{
  char *dir = test_tmpdir();
  char tokens[512];
  snprintf(tokens, sizeof tokens, "revoked-token %s",
           test_env("IOP_TEST_ADMIN_TOKEN"));
  write_plugin(dir, exec_versions[0], tokens, NULL);
  struct testkube t;
  open_exec(&t, dir, exec_versions[0], "./plugin.sh", NULL);
  expect_namespace(&t); /* 401, a new credential, then success */
  char path[4096];
  snprintf(path, sizeof path, "%s/runs", dir);
  ck_assert_int_eq(count_lines(path), 2);
  testkube_close(&t);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(exec_plugin_that_fails)
{
  char *dir = test_tmpdir();
  char *plugin = test_write_file(dir, "broken.sh",
                                 "#!/bin/sh\n"
                                 "echo 'broken.sh: no credentials today' >&2\n"
                                 "exit 3\n");
  chmod(plugin, 0755);
  struct testkube t;
  open_exec(&t, dir, exec_versions[0], plugin, "\"see https://example.test\"");
  struct kube_sync s;
  int rc = get_namespace(&t, "default", &s);
  ck_assert_int_ne(rc, 0);
  char want[4200];
  snprintf(want, sizeof want,
           "exec plugin %s exited with status 3: see https://example.test",
           plugin);
  ck_assert_str_eq(s.res.err.msg, want);
  kube_sync_free(&s);
  testkube_close(&t);
  free(plugin);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

START_TEST(exec_plugin_missing)
{
  char *dir = test_tmpdir();
  struct testkube t;
  open_exec(&t, dir, exec_versions[1], "/nonexistent/iop-auth-plugin", NULL);
  for (int i = 0; i < 2; i++) {
    struct kube_sync s;
    int rc = get_namespace(&t, "default", &s);
    ck_assert_int_eq(rc, -ENOENT);
    ck_assert_msg(strstr(s.res.err.msg,
                         "exec plugin /nonexistent/"
                         "iop-auth-plugin: no such file") != NULL,
                  "%s", s.res.err.msg);
    kube_sync_free(&s);
  }
  testkube_close(&t);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* ---- a rotated token file ---- */

/* Replaces the file at once, as the kubelet does (write, then rename). */
static void rotate(const char *dir, const char *token)
{
  free(test_write_file(dir, "token.new", token));
  char from[4096], to[4096];
  snprintf(from, sizeof from, "%s/token.new", dir);
  snprintf(to, sizeof to, "%s/token", dir);
  ck_assert_int_eq(rename(from, to), 0);
}

static void grant_alice_configmaps(struct testkube *admin)
{
  struct json_object *role = testkube_json(
      "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
      "\"metadata\":{\"name\":\"read-cm\",\"namespace\":\"%s\"},"
      "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
      "\"verbs\":[\"get\",\"list\"]}]}",
      admin->ns);
  struct json_object *binding = testkube_json(
      "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
      "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"alice-reads\","
      "\"namespace\":\"%s\"},\"roleRef\":{\"apiGroup\":"
      "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"read-cm\"},"
      "\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\","
      "\"apiGroup\":\"rbac.authorization.k8s.io\"}]}",
      admin->ns);
  json_object_put(testkube_create(admin, role));
  json_object_put(testkube_create(admin, binding));
  json_object_put(role);
  json_object_put(binding);
}

static int get_cm(struct testkube *t, const char *ns, struct kube_sync *s)
{
  struct kube_ref r = {.api_version = "v1",
                       .kind = "ConfigMap",
                       .namespace = ns,
                       .name = "data"};
  kube_sync_init(s);
  return testkube_wait(t, s, kube_get(t->c, &r, kube_sync_cb, s));
}

START_TEST(token_file_rotation)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  testkube_namespace(&admin, "rotate");
  json_object_put(testkube_configmap(&admin, "data", "k", "v"));
  grant_alice_configmaps(&admin);
  char *dir = test_tmpdir();
  rotate(dir, test_env("IOP_TEST_ADMIN_TOKEN"));
  char *kc = testkube_write_kubeconfig(dir, "    tokenFile: token\n");
  struct kube_config_opts o = {.kubeconfig = kc};
  struct testkube t;
  testkube_open_opts(&t, &o, NULL);
  struct kube_sync s;
  expect_namespace(&t);
  /* alice's token now: she may read the ConfigMap but not namespaces. */
  rotate(dir, test_env("IOP_TEST_USER_TOKEN"));
  int rc = get_cm(&t, admin.ns, &s);
  ck_assert_msg(rc == 0, "after rotation: %s", s.res.err.msg);
  kube_sync_free(&s);
  rc = get_namespace(&t, "default", &s);
  ck_assert_int_eq(rc, -EPERM);
  ck_assert_msg(strstr(s.res.err.msg, "User \"alice\" cannot get resource "
                                      "\"namespaces\"") != NULL,
                "%s", s.res.err.msg);
  kube_sync_free(&s);
  /* And a token the server does not know. */
  rotate(dir, "revoked-token\n");
  rc = get_cm(&t, admin.ns, &s);
  ck_assert_int_eq(rc, -EACCES);
  ck_assert_int_eq(s.res.http_status, 401);
  kube_sync_free(&s);
  testkube_close(&t);
  testkube_close(&admin);
  free(kc);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* ---- in-cluster ---- */

static char fake_host[64], fake_port[16];

static const char *fake_getenv(const char *name)
{
  if (strcmp(name, "KUBERNETES_SERVICE_HOST") == 0)
    return fake_host;
  if (strcmp(name, "KUBERNETES_SERVICE_PORT") == 0)
    return fake_port;
  return NULL; /* no KUBECONFIG, no HOME: nothing but the pod's view */
}

START_TEST(in_cluster_config)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  testkube_namespace(&admin, "incluster");
  char *dir = test_tmpdir();
  char *ca = test_read_file(test_env("IOP_TEST_CA"), NULL);
  free(test_write_file(dir, "sa/ca.crt", ca));
  free(test_write_file(dir, "sa/token", test_env("IOP_TEST_ADMIN_TOKEN")));
  char ns_line[128];
  snprintf(ns_line, sizeof ns_line, "%s\n", admin.ns);
  free(test_write_file(dir, "sa/namespace", ns_line));
  free(ca);
  const char *server = test_env("IOP_TEST_SERVER"); /* https://127.0.0.1:N */
  snprintf(fake_host, sizeof fake_host, "127.0.0.1");
  snprintf(fake_port, sizeof fake_port, "%s", strrchr(server, ':') + 1);
  char sa[4200];
  snprintf(sa, sizeof sa, "%s/sa", dir);
  struct kube_config_opts o = {.sa_dir = sa, .getenv = fake_getenv};
  struct testkube t;
  testkube_open_opts(&t, &o, NULL);
  ck_assert_str_eq(kube_client_namespace(t.c), admin.ns);
  /* No namespace given: the pod's own. */
  struct json_object *cm =
      testkube_json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                    "\"metadata\":{\"name\":\"from-a-pod\"}}");
  json_object_put(testkube_create(&t, cm));
  json_object_put(
      testkube_get(&admin, "v1", "ConfigMap", admin.ns, "from-a-pod"));
  json_object_put(cm);
  testkube_close(&t);
  testkube_close(&admin);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* ---- kubeconfig files ---- */

static char *base64_of_file(const char *path)
{
  char *argv[] = {"base64", "-w0", (char *)path, NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_int_eq(r.status, 0);
  char *out = r.out;
  r.out = NULL;
  run_result_free(&r);
  return out;
}

START_TEST(certificate_data_fields)
{
  char *dir = test_tmpdir();
  char *ca = base64_of_file(test_env("IOP_TEST_CA"));
  char *cert = base64_of_file(test_env("IOP_TEST_CLIENT_CERT"));
  char *key = base64_of_file(test_env("IOP_TEST_CLIENT_KEY"));
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b,
             "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
             "    server: %s\n    certificate-authority-data: %s\n"
             "users:\n- name: u\n  user:\n    client-certificate-data: %s\n"
             "    client-key-data: %s\n"
             "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
             "current-context: x\n",
             test_env("IOP_TEST_SERVER"), ca, cert, key);
  char *kc = test_write_file(dir, "kubeconfig", b.data);
  struct kube_config_opts o = {.kubeconfig = kc};
  struct testkube t;
  testkube_open_opts(&t, &o, NULL);
  expect_namespace(&t);
  testkube_close(&t);
  buf_free(&b);
  free(kc);
  free(ca);
  free(cert);
  free(key);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

/* tls-server-name: connect to 127.0.0.1, verify another name. */
static int get_with_server_name(const char *name, struct kube_sync *s)
{
  char *dir = test_tmpdir();
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b,
             "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
             "    server: %s\n    certificate-authority: %s\n"
             "    tls-server-name: %s\n"
             "users:\n- name: u\n  user:\n    token: %s\n"
             "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
             "current-context: x\n",
             test_env("IOP_TEST_SERVER"), test_env("IOP_TEST_CA"), name,
             test_env("IOP_TEST_ADMIN_TOKEN"));
  char *kc = test_write_file(dir, "kubeconfig", b.data);
  struct kube_config_opts o = {.kubeconfig = kc};
  struct testkube t;
  testkube_open_opts(&t, &o, NULL);
  int rc = get_namespace(&t, "default", s);
  testkube_close(&t);
  buf_free(&b);
  free(kc);
  test_rm_rf(dir);
  free(dir);
  return rc;
}

START_TEST(tls_server_name)
{
  /* The plane's certificate names kubernetes.default.svc: that verifies,
   * another name fails the TLS handshake, whatever address we reach. */
  struct kube_sync s;
  int rc = get_with_server_name("kubernetes.default.svc", &s);
  ck_assert_msg(rc == 0, "%s", s.res.err.msg);
  kube_sync_free(&s);
  rc = get_with_server_name("elsewhere.example.test", &s);
  ck_assert_int_eq(rc, -EPROTO);
  ck_assert_msg(strstr(s.res.err.msg, "elsewhere.example.test") != NULL, "%s",
                s.res.err.msg);
  kube_sync_free(&s);
}
END_TEST

static char kubeconfig_list[8192];

static const char *merge_getenv(const char *name)
{
  return strcmp(name, "KUBECONFIG") == 0 ? kubeconfig_list : NULL;
}

START_TEST(kubeconfig_merge_and_context)
{
  /* The first file sets the current context and a wrong token for "admin";
   * the plane's kubeconfig (second) defines the contexts. The first file
   * wins for "admin"... so the current context must fail with 401, and
   * --context iop-test-cert (client certificate) must work. */
  char *dir = test_tmpdir();
  char *first = test_write_file(dir, "first",
                                "apiVersion: v1\nkind: Config\n"
                                "current-context: iop-test\n"
                                "users:\n- name: admin\n  user:\n"
                                "    token: not-the-admin-token\n");
  snprintf(kubeconfig_list, sizeof kubeconfig_list, "%s/missing:%s:%s", dir,
           first, test_env("KUBECONFIG"));
  struct kube_config_opts o = {.getenv = merge_getenv};
  struct testkube t;
  testkube_open_opts(&t, &o, NULL);
  struct kube_sync s;
  ck_assert_int_eq(get_namespace(&t, "default", &s), -EACCES);
  kube_sync_free(&s);
  testkube_close(&t);
  o.context = "iop-test-cert";
  testkube_open_opts(&t, &o, NULL);
  expect_namespace(&t);
  testkube_close(&t);
  free(first);
  test_rm_rf(dir);
  free(dir);
}
END_TEST

Suite *kube_auth_suite(void)
{
  Suite *s = suite_create("kube_auth");
  TCase *exec = tcase_create("exec");
  tcase_set_timeout(exec, 300);
  tcase_add_loop_test(exec, exec_plugin, 0, 2);
  tcase_add_test(exec, exec_plugin_expiry_runs_it_again);
  tcase_add_test(exec, exec_plugin_rejected_token_runs_it_again);
  tcase_add_test(exec, exec_plugin_that_fails);
  tcase_add_test(exec, exec_plugin_missing);
  suite_add_tcase(s, exec);
  TCase *files = tcase_create("files");
  tcase_set_timeout(files, 300);
  tcase_add_test(files, token_file_rotation);
  tcase_add_test(files, in_cluster_config);
  tcase_add_test(files, certificate_data_fields);
  tcase_add_test(files, tls_server_name);
  tcase_add_test(files, kubeconfig_merge_and_context);
  suite_add_tcase(s, files);
  return s;
}
