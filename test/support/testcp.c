/* The test control plane, driven through test/cp/cp.sh (see testcp.h). */
#include "testcp.h"

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char cp_dir[4096];
static pid_t owner_pid;

static const char *cp_script(void)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/test/cp/cp.sh", test_src_dir());
  return path;
}

const char *testcp_dir(void)
{
  const char *d = getenv("IOP_TEST_DIR");
  return d ? d : cp_dir;
}

static int cp_run(const char *verb, char **out)
{
  /* In a session of its own: Check kills a test's process group when the
   * test ends, and a server this starts must outlive the test. */
  char *argv[] = {"setsid",     "--wait",
                  "bash",       (char *)cp_script(),
                  (char *)verb, (char *)testcp_dir(),
                  NULL};
  struct run_result r;
  if (run_cmd(argv, NULL, &r) != 0)
    return -1;
  int rc = r.status;
  if (rc != 0)
    fprintf(stderr, "cp.sh %s failed (%d): %s", verb, rc, r.err);
  if (out)
    *out = r.out, r.out = NULL;
  run_result_free(&r);
  return rc;
}

/* Exports each KEY=VALUE line that cp.sh printed. */
static void export_env(char *text)
{
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char *eq = strchr(line, '=');
    if (!eq)
      continue;
    *eq = '\0';
    setenv(line, eq + 1, 1);
  }
}

static void on_signal(int sig)
{
  testcp_stop();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void stop_at_exit(void)
{
  testcp_stop();
}

/* IOP_TEST_PLANE names a plane started by hand (cp.sh start DIR): the run
 * uses it and leaves it running, which keeps its logs for a look after. */
static int use_running_plane(const char *dir)
{
  char *argv[] = {"bash", (char *)cp_script(), "env", (char *)dir, NULL};
  struct run_result r;
  if (run_cmd(argv, NULL, &r) != 0 || r.status != 0) {
    fprintf(stderr, "IOP_TEST_PLANE=%s is not a running plane:\n%s", dir,
            r.err ? r.err : "");
    run_result_free(&r);
    return -1;
  }
  export_env(r.out);
  run_result_free(&r);
  return 0;
}

int testcp_start(void)
{
  const char *running = getenv("IOP_TEST_PLANE");
  if (running && *running)
    return use_running_plane(running);
  const char *base = getenv("TMPDIR");
  snprintf(cp_dir, sizeof cp_dir, "%s/iop-cp.XXXXXX",
           base && *base ? base : "/tmp");
  if (!mkdtemp(cp_dir)) {
    perror("mkdtemp");
    return -1;
  }
  owner_pid = getpid();
  char pid[32];
  snprintf(pid, sizeof pid, "%d", (int)owner_pid);
  char *argv[] = {"bash", (char *)cp_script(), "start", cp_dir, "--owner", pid,
                  NULL};
  struct run_result r;
  if (run_cmd(argv, NULL, &r) != 0 || r.status != 0) {
    fprintf(stderr, "test control plane did not start:\n%s",
            r.err ? r.err : "");
    run_result_free(&r);
    return -1;
  }
  export_env(r.out);
  run_result_free(&r);
  atexit(stop_at_exit);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  return 0;
}

void testcp_stop(void)
{
  /* Check forks a process per test; only the runner owns the plane. */
  if (!owner_pid || getpid() != owner_pid || !cp_dir[0])
    return;
  cp_run("stop", NULL);
  cp_dir[0] = '\0';
}

/* A killed kube-apiserver's threads may still hold its listening socket
 * for a moment after the process looks dead (its leader is a zombie), and
 * a new one started then fails with "address already in use". */
static void wait_port_free(void)
{
  const char *server = getenv("IOP_TEST_SERVER");
  const char *colon = server ? strrchr(server, ':') : NULL;
  if (!colon)
    return;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(colon + 1)),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int i = 0; i < 200; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int busy = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
      close(fd);
    if (!busy)
      return;
    usleep(50 * 1000);
  }
}

int testcp_stop_apiserver(void)
{
  int rc = cp_run("stop-apiserver", NULL);
  wait_port_free();
  return rc;
}

int testcp_restart_apiserver(void)
{
  int rc = testcp_stop_apiserver();
  return rc ? rc : testcp_start_apiserver();
}
int testcp_start_apiserver(void)
{
  return cp_run("start-apiserver", NULL);
}
int testcp_start_controller_manager(void)
{
  return cp_run("start-kcm", NULL);
}
int testcp_stop_controller_manager(void)
{
  return cp_run("stop-kcm", NULL);
}

int testcp_compact_etcd(void)
{
  return cp_run("compact", NULL);
}

int testcp_etcd_delete(const char *key)
{
  const char *etcdctl = getenv("IOP_TEST_ETCDCTL");
  const char *ep = getenv("IOP_TEST_ETCD_ENDPOINT");
  if (!ep)
    return -1;
  char *argv[] = {(char *)(etcdctl && *etcdctl ? etcdctl : "etcdctl"),
                  "--endpoints",
                  (char *)ep,
                  "del",
                  (char *)key,
                  NULL};
  setenv("ETCDCTL_API", "3", 1);
  struct run_result r;
  if (run_cmd(argv, NULL, &r) != 0)
    return -1;
  /* etcdctl prints how many keys it deleted. */
  int rc = r.status == 0 && atoi(r.out) == 1 ? 0 : -1;
  if (rc)
    fprintf(stderr, "etcdctl del %s: %s%s", key, r.out, r.err);
  run_result_free(&r);
  return rc;
}
