/* kubebench: the measuring half of bench/kube.sh, the Kubernetes client's
 * benchmarks. It links build/.../libiop.a and drives lib/kube.h,
 * lib/watch.h and lib/informer.h directly; kube.sh compiles it on the spot.
 *
 *   kubebench gets NS NAME N CONC
 *       N GETs of one ConfigMap, at most CONC in flight, after an untimed
 *       warm-up (discovery, connections). Prints: mode=gets n= conc=
 *       wall_s= per_s= first_ms= first_requests= (HTTP requests the first
 *       GET of the fresh client took, discovery included) p50_ms= p90_ms=
 *       p99_ms= max_ms= cpu_s= errors=
 *   kubebench create NS N CONC PREFIX
 *       Creates the namespace if missing, then N ConfigMaps PREFIX-1..N,
 *       each with a three-key data map, at most CONC in flight. Prints:
 *       mode=create n= wall_s= per_s= errors=
 *   kubebench watch NS N [-- WRITER [ARG]...]
 *       Watches the ConfigMaps of NS (lib/watch.h). Once the first list is
 *       in, starts WRITER (its stdout is ours) and counts events until N
 *       have arrived. The clock and getrusage(RUSAGE_SELF) run from the list
 *       to the Nth event: decoding only, nothing printed. Prints:
 *       mode=watch events= wall_s= per_s= cpu_s= us_per_event=
 *       per_cpu_s= hwm_kb= lists= restarts= errors=
 *   kubebench informer NS MIN
 *       An informer on the ConfigMaps of NS ("" for all namespaces) until it
 *       is synced and holds at least MIN; then VmHWM and VmRSS. Prints:
 *       mode=informer objects= sync_s= hwm_kb= rss_kb= base_hwm_kb=
 *       base_rss_kb=
 *   kubebench curlget NS NAME
 *       The same GET with bare libcurl (the library and TLS backend iop is
 *       built on, HTTP/2 as lib/http.c asks), one fresh handle, to tell
 *       the cost of a new connection apart from iop's own. Needs
 *       IOP_TEST_SERVER, IOP_TEST_CA and IOP_TEST_ADMIN_TOKEN. Prints:
 *       mode=curlget connect_ms= tls_ms= total_ms= http=
 *   kubebench watchrun N -- CMD [ARG]... ::: WRITER [ARG]...
 *       For watching processes (kubectl get -w, iop kube watch): runs CMD
 *       with its stdout on a pipe and counts the JSON objects it prints (a
 *       line "}" ends a pretty-printed one, a line "{...}" is one). After
 *       the first (a ConfigMap that exists before), reads CMD's CPU time
 *       from /proc and starts WRITER; after N more, sends SIGINT and reaps
 *       CMD with wait4. Prints: mode=watchrun events= wall_s= per_s=
 *       cpu_s= (after the first object) cpu_total_s= us_per_event=
 *       per_cpu_s= rss_kb= exited_early=
 *
 * The API server and credentials come from $KUBECONFIG. The client's rate
 * limit is lifted (qps 1e9): its default (50 qps, burst 100) would be the
 * figure measured otherwise. KB_TIMEOUT_S (default 300) bounds the waits. */
#include "curlload.h"
#include "informer.h"
#include "jobj.h"
#include "kube.h"
#include "watch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KB_MAX_CONC 1024

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_self_s(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long timeout_s(void)
{
  const char *v = getenv("KB_TIMEOUT_S");
  long t = v && *v ? strtol(v, NULL, 10) : 0;
  return t > 0 ? t : 300;
}

/* A line "Name:   123 kB" of /proc/self/status, in kB; -1 if absent. */
static long status_kb(const char *name)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  size_t n = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':')
      kb = strtol(line + n + 1, NULL, 10);
  if (f)
    fclose(f);
  return kb;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n), nearest rank. */
static double quantile(const double *v, int n, double q)
{
  int i = (int)(q * n + 0.999999) - 1;
  if (i < 0)
    i = 0;
  if (i >= n)
    i = n - 1;
  return v[i];
}

/* ---- the client ---- */

struct kb {
  uv_loop_t loop;
  struct kube_client *c;
};

static int kb_open(struct kb *kb)
{
  struct kube_config cfg;
  struct kube_config_opts co;
  struct kube_client_opts o = {.qps = 1e9, .burst = 1000000};
  struct err e;
  memset(&co, 0, sizeof co);
  if (kubeconfig_load(&co, &cfg, &e) != 0) {
    fprintf(stderr, "kubebench: %s\n", e.msg);
    return 1;
  }
  uv_loop_init(&kb->loop);
  if (kube_client_new(&kb->loop, &cfg, &o, &kb->c, &e) != 0) {
    kubeconfig_free(&cfg);
    uv_loop_close(&kb->loop);
    fprintf(stderr, "kubebench: %s\n", e.msg);
    return 1;
  }
  return 0;
}

static void close_cb(uv_handle_t *h)
{
  (void)h;
}

static void walk_close_cb(uv_handle_t *h, void *data)
{
  (void)data;
  if (!uv_is_closing(h))
    uv_close(h, close_cb);
}

/* Closes the client and whatever is left on the loop. */
static void kb_close(struct kb *kb)
{
  kube_client_close(kb->c);
  uv_run(&kb->loop, UV_RUN_DEFAULT);
  uv_walk(&kb->loop, walk_close_cb, NULL);
  uv_run(&kb->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&kb->loop) != 0)
    fprintf(stderr, "kubebench: the loop did not close cleanly\n");
}

/* ---- gets ---- */

struct gets {
  struct kb *kb;
  struct kube_ref ref;
  int n, conc;
  int issued, done, errors;
  double *lat_ms;
};

struct get_slot {
  struct gets *g;
  double t0;
  int idx;
};

static void issue_get(struct get_slot *s);

static void on_got_cb(struct kube_result *res, void *data)
{
  struct get_slot *s = data;
  struct gets *g = s->g;
  g->lat_ms[s->idx] = (now_s() - s->t0) * 1000.0;
  if (res->rc != 0 || res->http_status != 200) {
    if (g->errors++ < 3)
      fprintf(stderr, "kubebench: GET: %s\n", res->err.msg);
  }
  g->done++;
  if (g->issued < g->n)
    issue_get(s);
}

static void issue_get(struct get_slot *s)
{
  struct gets *g = s->g;
  s->idx = g->issued++;
  s->t0 = now_s();
  int rc = kube_get(g->kb->c, &g->ref, on_got_cb, s);
  if (rc != 0) {
    g->lat_ms[s->idx] = 0;
    g->errors++;
    g->done++;
  }
}

/* n GETs with at most conc in flight; fills g->lat_ms. */
static void run_gets(struct gets *g, int n, int conc, struct get_slot *slots)
{
  g->n = n;
  g->issued = g->done = 0;
  for (int i = 0; i < conc && g->issued < n; i++) {
    slots[i].g = g;
    issue_get(&slots[i]);
  }
  while (g->done < n && uv_run(&g->kb->loop, UV_RUN_ONCE) != 0)
    ;
}

static int cmd_gets(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: kubebench gets NS NAME N CONC\n");
    return 2;
  }
  struct kb kb;
  struct gets g = {.kb = &kb,
                   .ref = {.api_version = "v1",
                           .kind = "ConfigMap",
                           .namespace = argv[1],
                           .name = argv[2]}};
  int n = atoi(argv[3]), conc = atoi(argv[4]);
  if (n < 1 || conc < 1 || conc > KB_MAX_CONC) {
    fprintf(stderr, "kubebench: N >= 1 and 1 <= CONC <= %d\n", KB_MAX_CONC);
    return 2;
  }
  if (kb_open(&kb) != 0)
    return 1;
  struct get_slot *slots = calloc((size_t)conc, sizeof *slots);
  g.lat_ms = calloc((size_t)(n > conc ? n : conc), sizeof *g.lat_ms);
  /* Warm-up: discovery, TLS, as many connections as conc needs. */
  run_gets(&g, 1, 1, slots);
  double first_ms = g.lat_ms[0];
  struct kube_stats ks;
  kube_client_stats(kb.c, &ks);
  run_gets(&g, conc, conc, slots);
  g.errors = 0;
  double cpu0 = cpu_self_s(), t0 = now_s();
  run_gets(&g, n, conc, slots);
  double wall = now_s() - t0, cpu = cpu_self_s() - cpu0;
  qsort(g.lat_ms, (size_t)n, sizeof *g.lat_ms, cmp_double);
  printf("mode=gets n=%d conc=%d wall_s=%.6f per_s=%.1f first_ms=%.3f "
         "first_requests=%llu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
         "max_ms=%.3f cpu_s=%.4f errors=%d\n",
         n, conc, wall, n / wall, first_ms, (unsigned long long)ks.requests,
         quantile(g.lat_ms, n, 0.5), quantile(g.lat_ms, n, 0.9),
         quantile(g.lat_ms, n, 0.99), g.lat_ms[n - 1], cpu, g.errors);
  free(slots);
  free(g.lat_ms);
  kb_close(&kb);
  return g.errors ? 1 : 0;
}

/* ---- create ---- */

struct creates {
  struct kb *kb;
  const char *ns, *prefix;
  int n, issued, done, errors;
};

static void issue_create(struct creates *cr);

static void on_created_cb(struct kube_result *res, void *data)
{
  struct creates *cr = data;
  if (res->rc != 0 && res->http_status != 409) {
    if (cr->errors++ < 3)
      fprintf(stderr, "kubebench: create: %s\n", res->err.msg);
  }
  cr->done++;
  if (cr->issued < cr->n)
    issue_create(cr);
}

/* A ConfigMap with a small data map, the shape the informer holds. */
static struct json_object *new_configmap(const char *ns, const char *prefix,
                                         int i)
{
  char name[256], v[64];
  struct json_object *cm = json_object_new_object();
  struct json_object *data = json_object_new_object();
  snprintf(name, sizeof name, "%s-%d", prefix, i);
  jobj_set_str(cm, "apiVersion", "v1");
  jobj_set_str(cm, "kind", "ConfigMap");
  struct json_object *meta = jobj_ensure_obj(cm, "metadata");
  jobj_set_str(meta, "name", name);
  jobj_set_str(meta, "namespace", ns);
  snprintf(v, sizeof v, "value-%d", i);
  jobj_set_str(data, "key", v);
  jobj_set_str(data, "mode", "benchmark");
  jobj_set_str(data, "config.yaml", "enabled: true\nreplicas: 3\n");
  jobj_set(cm, "data", data);
  return cm;
}

static void issue_create(struct creates *cr)
{
  struct json_object *cm = new_configmap(cr->ns, cr->prefix, ++cr->issued);
  if (kube_create(cr->kb->c, cm, on_created_cb, cr) != 0) {
    cr->errors++;
    cr->done++;
  }
  json_object_put(cm);
}

static int ensure_namespace(struct kb *kb, const char *ns)
{
  struct json_object *o = json_object_new_object();
  jobj_set_str(o, "apiVersion", "v1");
  jobj_set_str(o, "kind", "Namespace");
  jobj_set_str(jobj_ensure_obj(o, "metadata"), "name", ns);
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = kube_create(kb->c, o, kube_sync_cb, &s);
  if (rc == 0)
    rc = kube_sync_wait(kb->c, &s);
  if (rc != 0 && s.res.http_status == 409)
    rc = 0;
  if (rc != 0)
    fprintf(stderr, "kubebench: namespace %s: %s\n", ns, s.res.err.msg);
  kube_sync_free(&s);
  json_object_put(o);
  return rc;
}

static int cmd_create(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: kubebench create NS N CONC PREFIX\n");
    return 2;
  }
  struct kb kb;
  struct creates cr = {
      .kb = &kb, .ns = argv[1], .n = atoi(argv[2]), .prefix = argv[4]};
  int conc = atoi(argv[3]);
  if (cr.n < 1 || conc < 1) {
    fprintf(stderr, "kubebench: N and CONC must be positive\n");
    return 2;
  }
  if (kb_open(&kb) != 0)
    return 1;
  if (ensure_namespace(&kb, cr.ns) != 0) {
    kb_close(&kb);
    return 1;
  }
  double t0 = now_s();
  for (int i = 0; i < conc && cr.issued < cr.n; i++)
    issue_create(&cr);
  while (cr.done < cr.n && uv_run(&kb.loop, UV_RUN_ONCE) != 0)
    ;
  double wall = now_s() - t0;
  printf("mode=create n=%d wall_s=%.6f per_s=%.1f errors=%d\n", cr.n, wall,
         cr.n / wall, cr.errors);
  fflush(stdout);
  kb_close(&kb);
  return cr.errors ? 1 : 0;
}

/* ---- watch ---- */

struct watchb {
  struct kb *kb;
  struct watch *w;
  char **writer; /* argv, or NULL */
  uv_process_t proc;
  uv_timer_t deadline;
  int proc_running;
  long want, events;
  double t0, cpu0, t1, cpu1;
  struct watch_stats st; /* read before watch_stop */
  int listed, finished, failed;
};

static void on_writer_exit_cb(uv_process_t *p, int64_t status, int sig)
{
  struct watchb *wb = p->data;
  if (status != 0 || sig != 0) {
    fprintf(stderr, "kubebench: the writer exited with %d (signal %d)\n",
            (int)status, sig);
    wb->failed = 1;
  }
  wb->proc_running = 0;
  uv_close((uv_handle_t *)p, NULL);
}

static int spawn_writer(struct watchb *wb)
{
  uv_stdio_container_t io[3] = {{.flags = UV_IGNORE},
                                {.flags = UV_INHERIT_FD, .data.fd = 1},
                                {.flags = UV_INHERIT_FD, .data.fd = 2}};
  uv_process_options_t po;
  memset(&po, 0, sizeof po);
  po.file = wb->writer[0];
  po.args = wb->writer;
  po.exit_cb = on_writer_exit_cb;
  po.stdio = io;
  po.stdio_count = 3;
  wb->proc.data = wb;
  int rc = uv_spawn(&wb->kb->loop, &wb->proc, &po);
  if (rc != 0) {
    fprintf(stderr, "kubebench: %s: %s\n", wb->writer[0], uv_strerror(rc));
    return rc;
  }
  wb->proc_running = 1;
  return 0;
}

static void finish_watch(struct watchb *wb)
{
  if (wb->finished)
    return;
  wb->finished = 1;
  uv_timer_stop(&wb->deadline);
  /* The watch may be freed before the loop returns to us. */
  watch_get_stats(wb->w, &wb->st);
  watch_stop(wb->w);
}

static void on_watch_list(struct json_object *items, void *data)
{
  struct watchb *wb = data;
  (void)items;
  if (wb->listed++)
    return; /* a relist: reported through the stats */
  wb->t0 = now_s();
  wb->cpu0 = cpu_self_s();
  if (wb->writer && spawn_writer(wb) != 0) {
    wb->failed = 1;
    finish_watch(wb);
  }
}

static void on_watch_event(enum watch_event type, struct json_object *obj,
                           void *data)
{
  struct watchb *wb = data;
  (void)obj;
  if (type == WATCH_BOOKMARK || type == WATCH_RELISTED || wb->finished)
    return;
  if (++wb->events < wb->want)
    return;
  wb->t1 = now_s();
  wb->cpu1 = cpu_self_s();
  finish_watch(wb);
}

static void on_watch_error(int rc, const char *msg, void *data)
{
  (void)data;
  fprintf(stderr, "kubebench: watch: %s (%d)\n", msg, rc);
}

static void on_deadline_cb(uv_timer_t *t)
{
  struct watchb *wb = t->data;
  fprintf(stderr, "kubebench: watch: %ld of %ld events before the timeout\n",
          wb->events, wb->want);
  wb->failed = 1;
  finish_watch(wb);
}

static void print_watch(struct watchb *wb, const struct watch_stats *st)
{
  double wall = wb->t1 - wb->t0, cpu = wb->cpu1 - wb->cpu0;
  printf("mode=watch events=%ld wall_s=%.6f per_s=%.1f cpu_s=%.4f "
         "us_per_event=%.2f per_cpu_s=%.0f hwm_kb=%ld lists=%llu "
         "restarts=%llu errors=%llu\n",
         wb->events, wall, wall > 0 ? wb->events / wall : 0, cpu,
         wb->events ? cpu * 1e6 / wb->events : 0,
         cpu > 0 ? wb->events / cpu : 0, status_kb("VmHWM"),
         (unsigned long long)st->lists, (unsigned long long)st->restarts,
         (unsigned long long)st->errors);
}

static int cmd_watch(int argc, char **argv)
{
  if (argc < 3 || (argc > 3 && (strcmp(argv[3], "--") != 0 || argc < 5))) {
    fprintf(stderr, "usage: kubebench watch NS N [-- WRITER [ARG]...]\n");
    return 2;
  }
  struct kb kb;
  struct watchb wb = {
      .kb = &kb, .want = atol(argv[2]), .writer = argc > 4 ? argv + 4 : NULL};
  if (kb_open(&kb) != 0)
    return 1;
  struct watch_opts o = {.api_version = "v1",
                         .kind = "ConfigMap",
                         .namespace = argv[1],
                         .on_list = on_watch_list,
                         .on_event = on_watch_event,
                         .on_error = on_watch_error,
                         .data = &wb};
  uv_timer_init(&kb.loop, &wb.deadline);
  wb.deadline.data = &wb;
  uv_timer_start(&wb.deadline, on_deadline_cb, (uint64_t)timeout_s() * 1000, 0);
  if (watch_start(kb.c, &o, &wb.w) != 0) {
    fprintf(stderr, "kubebench: cannot start the watch\n");
    kb_close(&kb);
    return 1;
  }
  while (!wb.finished && uv_run(&kb.loop, UV_RUN_ONCE) != 0)
    ;
  print_watch(&wb, &wb.st);
  fflush(stdout);
  while (wb.proc_running && uv_run(&kb.loop, UV_RUN_ONCE) != 0)
    ;
  kb_close(&kb);
  return wb.failed || wb.st.lists != 1 ? 1 : 0;
}

/* ---- informer ---- */

struct infb {
  struct informer *inf;
  long min;
  int done;
};

static void check_informer(struct infb *ib)
{
  if (!ib->done && informer_synced(ib->inf) &&
      (long)informer_count(ib->inf) >= ib->min)
    ib->done = 1;
}

static void on_inf_synced(void *data)
{
  check_informer(data);
}

static void on_inf_add(struct json_object *obj, void *data)
{
  struct infb *ib = data;
  (void)obj;
  /* Adds of the first list come before informer_synced says so. */
  if (ib->inf)
    check_informer(ib);
}

static void on_inf_error(int rc, const char *msg, void *data)
{
  (void)data;
  fprintf(stderr, "kubebench: informer: %s (%d)\n", msg, rc);
}

static void on_inf_deadline_cb(uv_timer_t *t)
{
  struct infb *ib = t->data;
  fprintf(stderr, "kubebench: informer: not synced with %ld in time\n",
          ib->min);
  ib->done = -1;
}

static int cmd_informer(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: kubebench informer NS MIN\n");
    return 2;
  }
  struct kb kb;
  struct infb ib = {.min = atol(argv[2])};
  if (kb_open(&kb) != 0)
    return 1;
  long base_hwm = status_kb("VmHWM"), base_rss = status_kb("VmRSS");
  struct informer_opts o = {.api_version = "v1",
                            .kind = "ConfigMap",
                            .namespace = argv[1],
                            .on_add = on_inf_add,
                            .on_synced = on_inf_synced,
                            .on_error = on_inf_error,
                            .data = &ib};
  uv_timer_t deadline;
  uv_timer_init(&kb.loop, &deadline);
  deadline.data = &ib;
  uv_timer_start(&deadline, on_inf_deadline_cb, (uint64_t)timeout_s() * 1000,
                 0);
  double t0 = now_s();
  if (informer_start(kb.c, &o, &ib.inf) != 0) {
    fprintf(stderr, "kubebench: cannot start the informer\n");
    kb_close(&kb);
    return 1;
  }
  while (!ib.done && uv_run(&kb.loop, UV_RUN_ONCE) != 0)
    ;
  double sync = now_s() - t0;
  if (ib.done > 0)
    printf("mode=informer objects=%zu sync_s=%.6f hwm_kb=%ld rss_kb=%ld "
           "base_hwm_kb=%ld base_rss_kb=%ld\n",
           informer_count(ib.inf), sync, status_kb("VmHWM"), status_kb("VmRSS"),
           base_hwm, base_rss);
  uv_timer_stop(&deadline);
  informer_stop(ib.inf);
  kb_close(&kb);
  return ib.done > 0 ? 0 : 1;
}

/* ---- curlget: the floor under a fresh client's first GET ---- */

static size_t discard_cb(char *p, size_t size, size_t n, void *data)
{
  (void)p;
  (void)data;
  return size * n;
}

static int cmd_curlget(int argc, char **argv)
{
  const char *server = getenv("IOP_TEST_SERVER"), *ca = getenv("IOP_TEST_CA"),
             *token = getenv("IOP_TEST_ADMIN_TOKEN");
  if (argc != 3 || !server || !ca || !token) {
    fprintf(stderr, "usage: kubebench curlget NS NAME (with IOP_TEST_*)\n");
    return 2;
  }
  char url[1024], auth[512];
  snprintf(url, sizeof url, "%s/api/v1/namespaces/%s/configmaps/%s", server,
           argv[1], argv[2]);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  /* Global set-up (OpenSSL's included) outside the clock, as in iop. The
   * curl_* calls go through libiop's forwarders (lib/curlload.h). */
  struct err e;
  if (curl_load(&e)) {
    fprintf(stderr, "kubebench: %s\n", e.msg);
    return 1;
  }
  curl_global_init(CURL_GLOBAL_ALL);
  struct curl_slist *hdrs = curl_slist_append(NULL, auth);
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_CAINFO, ca);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
  CURLcode rc = curl_easy_perform(h);
  curl_off_t con = 0, tls = 0, total = 0;
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &con);
  curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &tls);
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  printf("mode=curlget connect_ms=%.3f tls_ms=%.3f total_ms=%.3f http=%ld\n",
         (double)con / 1e3, (double)tls / 1e3, (double)total / 1e3, code);
  curl_easy_cleanup(h);
  curl_slist_free_all(hdrs);
  curl_global_cleanup();
  return rc == CURLE_OK && code == 200 ? 0 : 1;
}

/* ---- watchrun: a watching process, measured from outside ---- */

/* utime + stime of a live process, from /proc/PID/stat. */
static double proc_cpu_s(pid_t pid)
{
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  /* After "pid (comm)": state is field 3, utime 14, stime 15. */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &ut, &st) != 2)
    return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static pid_t spawn(char **argv, int out_fd)
{
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
    _exit(127);
  execvp(argv[0], argv);
  fprintf(stderr, "kubebench: %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* Counts JSON objects in the text fed to it, line by line. */
struct objcount {
  char line[256]; /* only a line's start and end matter */
  size_t len;
  int first, last;
  long objects;
};

static void count_line(struct objcount *oc)
{
  if ((oc->len == 1 && oc->line[0] == '}') ||
      (oc->first == '{' && oc->len > 1 && oc->last == '}'))
    oc->objects++;
}

static void count_bytes(struct objcount *oc, const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n') {
      count_line(oc);
      oc->len = 0;
      oc->first = oc->last = 0;
      continue;
    }
    if (oc->len == 0)
      oc->first = (unsigned char)p[i];
    if (oc->len < sizeof oc->line)
      oc->line[oc->len] = p[i];
    oc->len++;
    oc->last = (unsigned char)p[i];
  }
}

struct watchrun {
  pid_t cmd, writer;
  int fd;
  long want;
  struct objcount oc;
  double t0, t1, cpu_ready;
  int eof;
};

/* Reads what CMD printed until it has printed `until` objects; 0 when it
 * did, -1 at EOF or the timeout. */
static int read_until(struct watchrun *wr, long until, double deadline)
{
  char buf[65536];
  while (wr->oc.objects < until) {
    struct pollfd pfd = {.fd = wr->fd, .events = POLLIN};
    if (now_s() > deadline)
      return -1;
    if (poll(&pfd, 1, 1000) <= 0)
      continue;
    ssize_t n = read(wr->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      wr->eof = 1;
      return -1;
    }
    count_bytes(&wr->oc, buf, (size_t)n);
  }
  return 0;
}

static void drain(int fd)
{
  char buf[65536];
  while (read(fd, buf, sizeof buf) > 0)
    ;
}

static int split_argv(int argc, char **argv, char ***cmd, char ***writer)
{
  if (argc < 5 || strcmp(argv[2], "--") != 0)
    return -1;
  *cmd = argv + 3;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], ":::") == 0 && i + 1 < argc && i > 3) {
      argv[i] = NULL;
      *writer = argv + i + 1;
      return 0;
    }
  }
  return -1;
}

static int cmd_watchrun(int argc, char **argv)
{
  char **cmd = NULL, **writer = NULL;
  if (split_argv(argc, argv, &cmd, &writer) != 0) {
    fprintf(stderr,
            "usage: kubebench watchrun N -- CMD [ARG]... ::: WRITER...\n");
    return 2;
  }
  struct watchrun wr = {.want = atol(argv[1])};
  int p[2];
  if (pipe(p) != 0)
    return 1;
  fflush(stdout);
  wr.cmd = spawn(cmd, p[1]);
  close(p[1]);
  wr.fd = p[0];
  double deadline = now_s() + (double)timeout_s();
  int ok = read_until(&wr, 1, deadline) == 0;
  if (ok) {
    wr.cpu_ready = proc_cpu_s(wr.cmd);
    wr.t0 = now_s();
    wr.writer = spawn(writer, -1);
    ok = read_until(&wr, 1 + wr.want, deadline) == 0;
    wr.t1 = now_s();
  }
  if (!wr.eof)
    kill(wr.cmd, SIGINT);
  drain(wr.fd);
  close(wr.fd);
  struct rusage ru;
  int status;
  memset(&ru, 0, sizeof ru);
  while (wait4(wr.cmd, &status, 0, &ru) < 0 && errno == EINTR)
    ;
  int wstatus = 0;
  if (wr.writer > 0)
    while (waitpid(wr.writer, &wstatus, 0) < 0 && errno == EINTR)
      ;
  double total = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  long events = wr.oc.objects > 0 ? wr.oc.objects - 1 : 0;
  double wall = wr.t1 - wr.t0, cpu = total - wr.cpu_ready;
  printf("mode=watchrun events=%ld wall_s=%.6f per_s=%.1f cpu_s=%.4f "
         "cpu_total_s=%.4f us_per_event=%.2f per_cpu_s=%.0f rss_kb=%ld "
         "exited_early=%d\n",
         events, wall, wall > 0 ? events / wall : 0, cpu, total,
         events ? cpu * 1e6 / events : 0, cpu > 0 ? events / cpu : 0,
         ru.ru_maxrss, wr.eof);
  if (!ok)
    fprintf(stderr, "kubebench: watchrun: %ld of %ld objects%s\n", events,
            wr.want, wr.eof ? " (the command exited)" : " (timeout)");
  return ok && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } modes[] = {{"gets", cmd_gets},       {"create", cmd_create},
               {"watch", cmd_watch},     {"informer", cmd_informer},
               {"curlget", cmd_curlget}, {"watchrun", cmd_watchrun}};
  signal(SIGPIPE, SIG_IGN);
  for (size_t i = 0; argc > 1 && i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(argv[1], modes[i].name) == 0)
      return modes[i].fn(argc - 1, argv + 1);
  fprintf(stderr,
          "usage: kubebench gets|create|watch|informer|curlget|watchrun "
          "...\n"
          "(see the comment at the top of bench/kubebench.c)\n");
  return 2;
}
