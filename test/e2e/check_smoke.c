/* Smoke tests of the test control plane itself: the API works, and a plane
 * is torn down completely when its owner stops it or dies. */
#include "testcp.h"
#include "testutil.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct run_result kubectl(const char *input, const char *a1,
                                 const char *a2, const char *a3, const char *a4)
{
  char *argv[] = {(char *)test_kubectl_bin(),
                  (char *)a1,
                  (char *)a2,
                  (char *)a3,
                  (char *)a4,
                  NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

START_TEST(configmap_round_trip)
{
  const char *cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                   "  name: smoke\n  namespace: default\ndata:\n"
                   "  greeting: hello from the test control plane\n";
  struct run_result r = kubectl(cm, "apply", "-f", "-", NULL);
  ck_assert_msg(r.status == 0, "apply: %s", r.err);
  run_result_free(&r);
  r = kubectl(NULL, "get", "configmap", "smoke",
              "-o=jsonpath={.data.greeting}");
  ck_assert_msg(r.status == 0, "get: %s", r.err);
  ck_assert_str_eq(r.out, "hello from the test control plane");
  run_result_free(&r);
}
END_TEST

START_TEST(rbac_is_enforced)
{
  /* alice authenticates but has no grants: the apiserver must say 403. */
  char token[512];
  snprintf(token, sizeof token, "--token=%s", test_env("IOP_TEST_USER_TOKEN"));
  struct run_result r = kubectl(NULL, "get", "configmaps", token, NULL);
  ck_assert_int_ne(r.status, 0);
  ck_assert_msg(strstr(r.err, "forbidden") != NULL, "stderr: %s", r.err);
  run_result_free(&r);
}
END_TEST

START_TEST(client_certificate_auth)
{
  struct run_result r =
      kubectl(NULL, "--context=iop-test-cert", "get", "namespace", "default");
  ck_assert_msg(r.status == 0, "get with a client certificate: %s", r.err);
  run_result_free(&r);
}
END_TEST

/* Process ids of a plane's servers, from its pid files. */
static int read_pid(const char *dir, const char *name)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.pid", dir, name);
  char *text = test_read_file(path, NULL);
  int pid = text ? atoi(text) : 0;
  free(text);
  return pid;
}

static int process_alive(int pid)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char *stat = test_read_file(path, NULL);
  if (!stat)
    return 0;
  char *close_paren = strrchr(stat, ')');
  int alive = close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z';
  free(stat);
  return alive;
}

static char *start_plane(int owner, int *etcd, int *apiserver)
{
  char *dir = test_tmpdir();
  char script[4096], pid[32];
  snprintf(script, sizeof script, "%s/test/cp/cp.sh", test_src_dir());
  snprintf(pid, sizeof pid, "%d", owner);
  char *argv[] = {"bash", script, "start", dir, "--owner", pid, NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_msg(r.status == 0, "start: %s", r.err);
  run_result_free(&r);
  *etcd = read_pid(dir, "etcd");
  *apiserver = read_pid(dir, "apiserver");
  ck_assert(process_alive(*etcd) && process_alive(*apiserver));
  return dir;
}

START_TEST(stop_leaves_nothing)
{
  int etcd, apiserver;
  char *dir = start_plane(getpid(), &etcd, &apiserver);
  char script[4096];
  snprintf(script, sizeof script, "%s/test/cp/cp.sh", test_src_dir());
  char *argv[] = {"bash", script, "stop", dir, NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  ck_assert_int_eq(r.status, 0);
  run_result_free(&r);
  struct stat st;
  ck_assert_msg(stat(dir, &st) != 0, "%s still exists", dir);
  ck_assert(!process_alive(etcd));
  ck_assert(!process_alive(apiserver));
  free(dir);
}
END_TEST

START_TEST(owner_death_tears_down)
{
  /* The owner is a child we kill with SIGKILL: no handler can run, so only
   * the watchdog can clean up. */
  pid_t owner = fork();
  ck_assert_int_ge(owner, 0);
  if (owner == 0) {
    pause();
    _exit(0);
  }
  int etcd, apiserver;
  char *dir = start_plane(owner, &etcd, &apiserver);
  kill(owner, SIGKILL);
  waitpid(owner, NULL, 0);
  struct stat st;
  int gone = 0;
  for (int i = 0; i < 300 && !gone; i++) {
    gone = stat(dir, &st) != 0 && !process_alive(etcd) &&
           !process_alive(apiserver);
    if (!gone)
      usleep(100 * 1000);
  }
  ck_assert_msg(gone, "the plane in %s outlived its owner", dir);
  free(dir);
}
END_TEST

Suite *smoke_suite(void)
{
  Suite *s = suite_create("smoke");
  TCase *api = tcase_create("api");
  tcase_set_timeout(api, 60);
  tcase_add_test(api, configmap_round_trip);
  tcase_add_test(api, rbac_is_enforced);
  tcase_add_test(api, client_certificate_auth);
  suite_add_tcase(s, api);
  TCase *teardown = tcase_create("teardown");
  tcase_set_timeout(teardown, 120);
  tcase_add_test(teardown, stop_leaves_nothing);
  tcase_add_test(teardown, owner_death_tears_down);
  suite_add_tcase(s, teardown);
  return s;
}
