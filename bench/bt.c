/* bt: the measuring half of `make bench`; bench/run.sh drives it and
 * compiles it on the spot, so a machine needs no GNU time, jq or python.
 *
 *   bt rep N OUT -- CMD [ARG]... [::: CMD [ARG]...]...
 *       Runs the command sequence N times, each command's stdout appended
 *       to OUT (truncated at the start of every iteration, so OUT ends up
 *       holding the last one). One iteration's wall time is the sum over
 *       its commands; rss_kb is the largest ru_maxrss (wait4) of any of
 *       them. Prints: n= median_s= total_s= min_s= max_s= rss_kb=
 *   bt kubelet NS[,NS]...
 *       Until SIGTERM or SIGINT, polls the Deployments and DaemonSets of
 *       each NS and writes the status a kubelet and the apps controllers
 *       would write once every pod runs, for each one whose status does
 *       not already say so for its generation.
 *   bt wait [--cr NS/NAME]... [--workloads NS:MIN]... [-- CMD [ARG]...]
 *       Starts the clock, runs CMD (stdout to /dev/null) and waits for it,
 *       then polls until every IstioOperator named has status.status
 *       HEALTHY for its generation and every NS holds at least MIN
 *       Deployments and DaemonSets, all ready. Prints:
 *       elapsed_s= cmd_s= cmd_rss_kb= polls=
 *
 * The API server comes from the test control plane's environment
 * (test/cp/cp.sh writes it): IOP_TEST_SERVER, IOP_TEST_CA and
 * IOP_TEST_ADMIN_TOKEN. BT_INTERVAL_MS (default 20) is the polling period,
 * BT_TIMEOUT_S (default 300) how long `wait` waits. */
#include <curl/curl.h>
#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BT_MAX_BODY (256L << 20)
#define BT_MAX_TARGETS 64

static volatile sig_atomic_t bt_stop;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : def;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- processes ---- */

struct bt_proc_result {
  double wall_s;
  long rss_kb;
  int status; /* as from wait4 */
};

/* Runs argv with stdout on out_fd (unchanged when -1) and waits for it. */
static int bt_run(char **argv, int out_fd, struct bt_proc_result *r)
{
  double t0 = now_s();
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0) {
    if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
      _exit(127);
    execvp(argv[0], argv);
    fprintf(stderr, "bt: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &r->status, 0, &ru) < 0)
    if (errno != EINTR)
      return -errno;
  r->wall_s = now_s() - t0;
  r->rss_kb = ru.ru_maxrss; /* kilobytes on Linux */
  return 0;
}

static int failed(const struct bt_proc_result *r, char **argv)
{
  if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
    return 0;
  fprintf(stderr, "bt: %s: exited with status %d\n", argv[0],
          WIFEXITED(r->status) ? WEXITSTATUS(r->status)
                               : 128 + WTERMSIG(r->status));
  return 1;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One iteration of rep: every command of the sequence, in order. The
 * sequence is argv split at ":::" (the separators are overwritten). */
static int rep_once(char **argv, int argc, const char *out, double *wall,
                    long *rss)
{
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    fprintf(stderr, "bt: %s: %s\n", out, strerror(errno));
    return 1;
  }
  int start = 0, rc = 0;
  *wall = 0;
  for (int i = 0; i <= argc && !rc; i++) {
    if (i < argc && strcmp(argv[i], ":::") != 0)
      continue;
    char *saved = argv[i];
    argv[i] = NULL;
    struct bt_proc_result r = {0, 0, 0};
    if (bt_run(argv + start, fd, &r) != 0 || failed(&r, argv + start))
      rc = 1;
    argv[i] = saved;
    *wall += r.wall_s;
    if (r.rss_kb > *rss)
      *rss = r.rss_kb;
    start = i + 1;
  }
  close(fd);
  return rc;
}

static int cmd_rep(int argc, char **argv)
{
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: bt rep N OUT -- CMD [ARG]... [::: CMD...]\n");
    return 2;
  }
  int n = atoi(argv[1]);
  if (n < 1)
    n = 1;
  double *w = calloc((size_t)n, sizeof *w);
  double total = 0;
  long rss = 0;
  for (int i = 0; i < n; i++) {
    if (rep_once(argv + 4, argc - 4, argv[2], &w[i], &rss) != 0) {
      free(w);
      return 1;
    }
    total += w[i];
  }
  qsort(w, (size_t)n, sizeof *w, cmp_double);
  double median = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
  printf("n=%d median_s=%.6f total_s=%.6f min_s=%.6f max_s=%.6f rss_kb=%ld\n",
         n, median, total, w[0], w[n - 1], rss);
  free(w);
  return 0;
}

/* ---- the API server ---- */

struct bt_api {
  CURL *h;
  struct curl_slist *hdrs;
  struct curl_slist *patch_hdrs;
  const char *server;
  char *body;
  size_t len, cap;
};

static size_t on_body_cb(char *p, size_t size, size_t n, void *data)
{
  struct bt_api *a = data;
  size_t add = size * n;
  if (a->len + add + 1 > BT_MAX_BODY)
    return 0;
  if (a->len + add + 1 > a->cap) {
    size_t cap = a->cap ? a->cap : 65536;
    while (cap < a->len + add + 1)
      cap *= 2;
    char *b = realloc(a->body, cap);
    if (!b)
      return 0;
    a->body = b;
    a->cap = cap;
  }
  memcpy(a->body + a->len, p, add);
  a->len += add;
  a->body[a->len] = '\0';
  return add;
}

static int api_init(struct bt_api *a)
{
  const char *server = getenv("IOP_TEST_SERVER");
  const char *ca = getenv("IOP_TEST_CA");
  const char *token = getenv("IOP_TEST_ADMIN_TOKEN");
  memset(a, 0, sizeof *a);
  if (!server || !ca || !token) {
    fprintf(stderr, "bt: IOP_TEST_SERVER, IOP_TEST_CA and "
                    "IOP_TEST_ADMIN_TOKEN must be set (test/cp/cp.sh env)\n");
    return -EINVAL;
  }
  char auth[512];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  a->server = server;
  a->h = curl_easy_init();
  a->hdrs = curl_slist_append(NULL, auth);
  a->hdrs = curl_slist_append(a->hdrs, "Accept: application/json");
  a->patch_hdrs = curl_slist_append(NULL, auth);
  a->patch_hdrs = curl_slist_append(
      a->patch_hdrs, "Content-Type: application/merge-patch+json");
  curl_easy_setopt(a->h, CURLOPT_CAINFO, ca);
  curl_easy_setopt(a->h, CURLOPT_WRITEFUNCTION, on_body_cb);
  curl_easy_setopt(a->h, CURLOPT_WRITEDATA, a);
  curl_easy_setopt(a->h, CURLOPT_TIMEOUT, 30L);
  return 0;
}

static void api_free(struct bt_api *a)
{
  curl_easy_cleanup(a->h);
  curl_slist_free_all(a->hdrs);
  curl_slist_free_all(a->patch_hdrs);
  free(a->body);
}

/* GET (patch NULL) or merge-PATCH path; returns the HTTP status, or -1. */
static long api_do(struct bt_api *a, const char *path, const char *patch)
{
  char url[2048];
  long code = -1;
  snprintf(url, sizeof url, "%s%s", a->server, path);
  a->len = 0;
  if (a->body)
    a->body[0] = '\0';
  curl_easy_setopt(a->h, CURLOPT_URL, url);
  if (patch) {
    curl_easy_setopt(a->h, CURLOPT_HTTPHEADER, a->patch_hdrs);
    curl_easy_setopt(a->h, CURLOPT_CUSTOMREQUEST, "PATCH");
    curl_easy_setopt(a->h, CURLOPT_POSTFIELDS, patch);
  } else {
    curl_easy_setopt(a->h, CURLOPT_HTTPHEADER, a->hdrs);
    curl_easy_setopt(a->h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(a->h, CURLOPT_CUSTOMREQUEST, NULL);
  }
  CURLcode rc = curl_easy_perform(a->h);
  if (rc != CURLE_OK) {
    fprintf(stderr, "bt: %s: %s\n", url, curl_easy_strerror(rc));
    return -1;
  }
  curl_easy_getinfo(a->h, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

/* The parsed body of a successful GET, or NULL. */
static struct json_object *api_get(struct bt_api *a, const char *path)
{
  long code = api_do(a, path, NULL);
  if (code != 200)
    return NULL;
  return json_tokener_parse(a->body);
}

/* ---- workloads ---- */

static struct json_object *field(struct json_object *o, const char *a,
                                 const char *b)
{
  struct json_object *x = NULL, *y = NULL;
  if (!json_object_object_get_ex(o, a, &x))
    return NULL;
  if (!b)
    return x;
  return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static int64_t int_field(struct json_object *o, const char *a, const char *b,
                         int64_t def)
{
  struct json_object *v = field(o, a, b);
  return v ? json_object_get_int64(v) : def;
}

/* Ready as a kubelet plus the Deployment or DaemonSet controller would
 * report it once every pod runs: the status is for this generation and
 * every wanted replica is updated, ready and available. */
static int workload_ready(struct json_object *o, int daemonset)
{
  int64_t gen = int_field(o, "metadata", "generation", 1);
  if (int_field(o, "status", "observedGeneration", 0) < gen)
    return 0;
  if (daemonset) {
    int64_t want = int_field(o, "status", "desiredNumberScheduled", 0);
    return want > 0 && int_field(o, "status", "numberReady", 0) == want &&
           int_field(o, "status", "updatedNumberScheduled", 0) == want &&
           int_field(o, "status", "numberAvailable", 0) == want;
  }
  int64_t want = int_field(o, "spec", "replicas", 1);
  return int_field(o, "status", "readyReplicas", 0) == want &&
         int_field(o, "status", "updatedReplicas", 0) == want &&
         int_field(o, "status", "availableReplicas", 0) == want;
}

/* The fields check_server.c's make_ready writes, for one node. */
static void ready_patch(struct json_object *o, int daemonset, char *out,
                        size_t size)
{
  long long gen = (long long)int_field(o, "metadata", "generation", 1);
  long long want = (long long)int_field(o, "spec", "replicas", 1);
  if (daemonset)
    snprintf(out, size,
             "{\"status\":{\"observedGeneration\":%lld,"
             "\"desiredNumberScheduled\":1,\"currentNumberScheduled\":1,"
             "\"numberMisscheduled\":0,\"numberReady\":1,"
             "\"updatedNumberScheduled\":1,\"numberAvailable\":1}}",
             gen);
  else
    snprintf(out, size,
             "{\"status\":{\"observedGeneration\":%lld,\"replicas\":%lld,"
             "\"updatedReplicas\":%lld,\"readyReplicas\":%lld,"
             "\"availableReplicas\":%lld}}",
             gen, want, want, want, want);
}

static const char *const bt_kinds[] = {"deployments", "daemonsets"};

/* Makes every workload of ns ready; adds the patches written to *patched.
 * Returns the number of workloads, or -1 when a list failed. */
static int make_ready(struct bt_api *a, const char *ns, long *patched)
{
  int total = 0;
  for (int k = 0; k < 2; k++) {
    char path[1024];
    snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/%s", ns,
             bt_kinds[k]);
    struct json_object *list = api_get(a, path);
    if (!list)
      return -1;
    struct json_object *items = field(list, "items", NULL);
    size_t n = items ? json_object_array_length(items) : 0;
    for (size_t i = 0; i < n; i++) {
      struct json_object *o = json_object_array_get_idx(items, i);
      struct json_object *name = field(o, "metadata", "name");
      char patch[512];
      total++;
      if (workload_ready(o, k) || !name)
        continue;
      ready_patch(o, k, patch, sizeof patch);
      snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/%s/%s/status",
               ns, bt_kinds[k], json_object_get_string(name));
      if (api_do(a, path, patch) == 200)
        (*patched)++;
    }
    json_object_put(list);
  }
  return total;
}

static void on_signal(int sig)
{
  (void)sig;
  bt_stop = 1;
}

static int cmd_kubelet(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: bt kubelet NS[,NS]...\n");
    return 2;
  }
  struct bt_api a;
  if (api_init(&a) != 0)
    return 1;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  long interval = env_long("BT_INTERVAL_MS", 20), patched = 0, polls = 0;
  char *list = strdup(argv[1]);
  while (!bt_stop) {
    char *save = NULL;
    for (char *ns = strtok_r(list, ",", &save); ns && !bt_stop;
         ns = strtok_r(NULL, ",", &save))
      make_ready(&a, ns, &patched);
    strcpy(list, argv[1]);
    polls++;
    sleep_ms(interval);
  }
  fprintf(stderr, "bt kubelet: %ld polls, %ld status patches\n", polls,
          patched);
  free(list);
  api_free(&a);
  return 0;
}

/* ---- waiting ---- */

struct bt_target {
  char ns[256];
  char name[256]; /* an IstioOperator; empty for a workload count */
  long min;
};

static int cr_healthy(struct bt_api *a, const struct bt_target *t)
{
  char path[1024];
  snprintf(
      path, sizeof path,
      "/apis/install.istio.io/v1alpha1/namespaces/%.253s/istiooperators/%.253s",
      t->ns, t->name);
  struct json_object *cr = api_get(a, path);
  struct json_object *s = field(cr, "status", "status");
  int ok = s && strcmp(json_object_get_string(s), "HEALTHY") == 0 &&
           int_field(cr, "status", "observedGeneration", 0) >=
               int_field(cr, "metadata", "generation", 1);
  json_object_put(cr);
  return ok;
}

static int workloads_ready(struct bt_api *a, const struct bt_target *t)
{
  long count = 0;
  for (int k = 0; k < 2; k++) {
    char path[1024];
    snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%.253s/%s", t->ns,
             bt_kinds[k]);
    struct json_object *list = api_get(a, path);
    struct json_object *items = field(list, "items", NULL);
    size_t n = items ? json_object_array_length(items) : 0;
    int ok = list != NULL;
    for (size_t i = 0; i < n && ok; i++)
      ok = workload_ready(json_object_array_get_idx(items, i), k);
    json_object_put(list);
    if (!ok)
      return 0;
    count += (long)n;
  }
  return count >= t->min;
}

static int parse_target(const char *flag, const char *arg, struct bt_target *t)
{
  const char *sep = strchr(arg, strcmp(flag, "--cr") == 0 ? '/' : ':');
  memset(t, 0, sizeof *t);
  if (!sep || (size_t)(sep - arg) >= sizeof t->ns)
    return -1;
  memcpy(t->ns, arg, (size_t)(sep - arg));
  if (strcmp(flag, "--cr") == 0)
    snprintf(t->name, sizeof t->name, "%s", sep + 1);
  else
    t->min = strtol(sep + 1, NULL, 10);
  return 0;
}

static int all_done(struct bt_api *a, const struct bt_target *t, int n)
{
  for (int i = 0; i < n; i++)
    if (!(t[i].name[0] ? cr_healthy(a, &t[i]) : workloads_ready(a, &t[i])))
      return 0;
  return 1;
}

static int cmd_wait(int argc, char **argv)
{
  struct bt_target t[BT_MAX_TARGETS];
  int n = 0, i = 1;
  for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
    if (n == BT_MAX_TARGETS || parse_target(argv[i], argv[i + 1], &t[n++])) {
      fprintf(stderr, "bt wait: bad %s %s\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  struct bt_api a;
  if (api_init(&a) != 0)
    return 1;
  struct bt_proc_result r = {0, 0, 0};
  double t0 = now_s();
  if (i < argc && strcmp(argv[i], "--") == 0 && i + 1 < argc) {
    int devnull = open("/dev/null", O_WRONLY);
    int rc = bt_run(argv + i + 1, devnull, &r);
    close(devnull);
    if (rc != 0 || failed(&r, argv + i + 1)) {
      api_free(&a);
      return 1;
    }
  }
  long interval = env_long("BT_INTERVAL_MS", 20), polls = 0;
  double deadline = t0 + (double)env_long("BT_TIMEOUT_S", 300);
  int done = 0;
  while (!(done = all_done(&a, t, n)) && now_s() < deadline) {
    polls++;
    sleep_ms(interval);
  }
  double elapsed = now_s() - t0;
  api_free(&a);
  if (!done) {
    fprintf(stderr, "bt wait: not done after %.0f s\n", elapsed);
    return 1;
  }
  printf("elapsed_s=%.6f cmd_s=%.6f cmd_rss_kb=%ld polls=%ld\n", elapsed,
         r.wall_s, r.rss_kb, polls);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: bt rep|kubelet|wait ...\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 2;
  if (strcmp(argv[1], "rep") == 0)
    rc = cmd_rep(argc - 1, argv + 1);
  else if (strcmp(argv[1], "kubelet") == 0)
    rc = cmd_kubelet(argc - 1, argv + 1);
  else if (strcmp(argv[1], "wait") == 0)
    rc = cmd_wait(argc - 1, argv + 1);
  else
    fprintf(stderr, "bt: unknown command %s\n", argv[1]);
  curl_global_cleanup();
  return rc;
}
