/* The test control plane, driven through test/cp/cp.sh (see testcp.h). */
#include "testcp.h"

#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  char *argv[] = {"bash", (char *)cp_script(), (char *)verb,
                  (char *)testcp_dir(), NULL};
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

static void stop_at_exit(void) { testcp_stop(); }

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
    fprintf(stderr, "test control plane did not start:\n%s", r.err ? r.err : "");
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

int testcp_restart_apiserver(void) { return cp_run("restart-apiserver", NULL); }
int testcp_stop_apiserver(void) { return cp_run("stop-apiserver", NULL); }
int testcp_start_apiserver(void) { return cp_run("start-apiserver", NULL); }
int testcp_start_controller_manager(void) { return cp_run("start-kcm", NULL); }
int testcp_stop_controller_manager(void) { return cp_run("stop-kcm", NULL); }

int testcp_compact_etcd(void) { return cp_run("compact", NULL); }
