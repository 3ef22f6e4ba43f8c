/* iop server: the in-cluster IstioOperator controller.
 *
 * Configured as upstream's operator was (WATCH_NAMESPACE,
 * LEADER_ELECTION_NAMESPACE, REVISION, WAIT_FOR_RESOURCES_TIMEOUT) plus
 * flags. One libuv loop runs the watches, the work queue, leader election
 * and the /healthz, /readyz and /metrics server. SIGTERM releases the
 * lease and stops cleanly. */
#include "cmd.h"
#include "cmd_common.h"

#include "ctrl.h"
#include "httpd.h"
#include "kube.h"
#include "kubeconfig.h"
#include "leader.h"
#include "log.h"
#include "metrics.h"
#include "version.h"

#include <ctype.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct server {
  uv_loop_t loop;
  struct kube_config_opts cfg;
  const char *manifests;
  const char *metrics_addr;
  const char *log_format;
  const char *log_level;
  int workers;
  uint64_t resync_ms;
  int leader_elect;
  struct kube_client *client;
  struct metrics *metrics;
  struct httpd *httpd;
  struct ctrl *ctrl;
  struct leader *leader;
  uv_signal_t sigterm, sigint;
  int exit_code;
  int stopping;
};

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Run the IstioOperator controller.\n\n"
          "Usage:\n  iop server [flags]\n\n"
          "Flags:\n"
          "      --kubeconfig FILE      else $KUBECONFIG, ~/.kube/config or "
          "in-cluster\n"
          "      --context NAME\n"
          "  -d, --manifests DIR        Istio's manifests/ (default "
          "$IOP_MANIFESTS or %s)\n"
          "      --workers N            IstioOperators reconciled at once "
          "(default 1)\n"
          "      --metrics-addr ADDR    /metrics, /healthz and /readyz "
          "(default :8383)\n"
          "      --resync-period DUR    reconcile every CR this often "
          "(default 10m; 0 off)\n"
          "      --leader-elect BOOL    elect a leader (default true)\n"
          "      --log-format FMT       logfmt or json\n"
          "      --log-level LEVEL      error, warn, info or debug\n\n"
          "Environment: WATCH_NAMESPACE (comma list, empty for all),\n"
          "LEADER_ELECTION_NAMESPACE, REVISION, WAIT_FOR_RESOURCES_TIMEOUT "
          "(e.g. 300s), POD_NAME.\n",
          cmd_default_manifests());
  return code;
}

static int parse(struct server *s, int argc, char **argv)
{
  static const struct option opts[] = {
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"manifests", required_argument, NULL, 'd'},
      {"workers", required_argument, NULL, 'w'},
      {"metrics-addr", required_argument, NULL, 'm'},
      {"health-addr", required_argument, NULL, 'm'},
      {"resync-period", required_argument, NULL, 'r'},
      {"leader-elect", required_argument, NULL, 'L'},
      {"log-format", required_argument, NULL, 'f'},
      {"log-level", required_argument, NULL, 'l'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  int64_t d;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
    switch (ch) {
    case 'K':
      s->cfg.kubeconfig = optarg;
      break;
    case 'C':
      s->cfg.context = optarg;
      break;
    case 'd':
      s->manifests = optarg;
      break;
    case 'w': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 1 || n > 64) {
        fprintf(stderr,
                "Error: --workers: want a number from 1 to 64, got "
                "%s\n",
                optarg);
        return 1;
      }
      s->workers = (int)n;
      break;
    }
    case 'm':
      s->metrics_addr = optarg;
      break;
    case 'r':
      if ((d = cmd_parse_duration_ms(optarg)) < 0) {
        fprintf(stderr, "Error: --resync-period: not a duration: %s\n", optarg);
        return 1;
      }
      s->resync_ms = (uint64_t)d;
      break;
    case 'L':
      if (strcmp(optarg, "true") && strcmp(optarg, "false")) {
        fprintf(stderr, "Error: --leader-elect: want true or false, got %s\n",
                optarg);
        return 1;
      }
      s->leader_elect = strcmp(optarg, "true") == 0;
      break;
    case 'f':
      s->log_format = optarg;
      break;
    case 'l':
      s->log_level = optarg;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
  }
  return 0;
}

static int setup_logging(struct server *s)
{
  enum log_format f;
  enum log_level l;
  if (s->log_format && log_format_parse(s->log_format, &f) != 0) {
    fprintf(stderr, "Error: --log-format: logfmt or json, not %s\n",
            s->log_format);
    return 1;
  }
  if (s->log_level && log_level_parse(s->log_level, &l) != 0) {
    fprintf(stderr, "Error: --log-level: error, warn, info or debug, not %s\n",
            s->log_level);
    return 1;
  }
  if (s->log_format)
    log_set_format(f);
  if (s->log_level)
    log_set_level(l);
  return 0;
}

/* ---- shutdown, in order: lease, controller, server, client ---- */

static void closed_client(struct server *s)
{
  uv_close((uv_handle_t *)&s->sigterm, NULL);
  uv_close((uv_handle_t *)&s->sigint, NULL);
}

static void closed_httpd(void *data)
{
  struct server *s = data;
  kube_client_close(s->client);
  closed_client(s);
}

static void closed_ctrl(void *data)
{
  struct server *s = data;
  s->ctrl = NULL;
  if (s->httpd)
    httpd_close(s->httpd, closed_httpd, s);
  else
    closed_httpd(s);
}

static void closed_leader(void *data)
{
  struct server *s = data;
  s->leader = NULL;
  if (s->ctrl)
    ctrl_stop(s->ctrl, closed_ctrl, s);
  else
    closed_ctrl(s);
}

static void shutdown_server(struct server *s, int code)
{
  if (s->stopping)
    return;
  s->stopping = 1;
  s->exit_code = code;
  log_info("stopping");
  if (s->leader)
    leader_close(s->leader, closed_leader, s);
  else
    closed_leader(s);
}

static void on_signal(uv_signal_t *h, int sig)
{
  (void)sig;
  shutdown_server(h->data, 0);
}

/* ---- leadership ---- */

static void on_started_leading(void *data)
{
  struct server *s = data;
  log_info("became the leader identity=%s", leader_identity(s->leader));
  ctrl_set_leading(s->ctrl, 1);
}

/* Losing the lease means another instance may be reconciling: stop at
 * once and let the pod restart, as client-go's controllers do. */
static void on_stopped_leading(void *data)
{
  struct server *s = data;
  if (s->stopping)
    return;
  log_error("lost the leader lease; exiting");
  ctrl_set_leading(s->ctrl, 0);
  shutdown_server(s, 1);
}

static void on_new_leader(const char *identity, void *data)
{
  (void)data;
  if (identity && *identity)
    log_info("leader identity=%s", identity);
}

static void on_synced(void *data)
{
  struct server *s = data;
  httpd_set_ready(s->httpd, 1, NULL);
}

/* ---- start ---- */

static int start_leader(struct server *s, struct err *e)
{
  const char *rev = getenv("REVISION");
  const char *ns = getenv("LEADER_ELECTION_NAMESPACE");
  char name[256];
  snprintf(name, sizeof name, "istio-operator-lock%s%s", rev && *rev ? "-" : "",
           rev && *rev ? rev : "");
  struct leader_opts lo = {
      .namespace = ns && *ns ? ns : kube_client_namespace(s->client),
      .name = name,
      .on_started_leading = on_started_leading,
      .on_stopped_leading = on_stopped_leading,
      .on_new_leader = on_new_leader,
      .data = s};
  return leader_start(s->client, &lo, &s->leader, e);
}

static int start_ctrl(struct server *s, struct err *e)
{
  const char *wait = getenv("WAIT_FOR_RESOURCES_TIMEOUT");
  int64_t wait_ms = wait && *wait ? cmd_parse_duration_ms(wait) : 300000;
  if (wait_ms < 0)
    return err_set(e, -EINVAL, "WAIT_FOR_RESOURCES_TIMEOUT: not a duration: %s",
                   wait);
  struct ctrl_opts co = {.client = s->client,
                         .watch_namespaces = getenv("WATCH_NAMESPACE"),
                         .revision = getenv("REVISION"),
                         .wait_timeout_ms = (uint64_t)wait_ms,
                         .manifests = s->manifests ? s->manifests
                                                   : cmd_default_manifests(),
                         .workers = s->workers,
                         .resync_ms = s->resync_ms,
                         .metrics = s->metrics,
                         .on_synced = on_synced,
                         .data = s};
  return ctrl_start(&s->loop, &co, &s->ctrl, e);
}

static int start(struct server *s, struct err *e)
{
  struct kube_config cfg;
  int rc = kubeconfig_load(&s->cfg, &cfg, e);
  if (!rc && (rc = kube_client_new(&s->loop, &cfg, NULL, &s->client, e)) != 0)
    kubeconfig_free(&cfg);
  if (rc)
    return rc;
  s->metrics = metrics_new();
  struct httpd_opts ho = {.addr = s->metrics_addr, .metrics = s->metrics};
  rc = httpd_start(&s->loop, &ho, &s->httpd, e);
  if (!rc) {
    httpd_set_ready(s->httpd, 0, "caches are not synced yet");
    rc = start_ctrl(s, e);
  }
  if (!rc && s->leader_elect)
    rc = start_leader(s, e);
  else if (!rc)
    ctrl_set_leading(s->ctrl, 1);
  return rc;
}

static void watch_signals(struct server *s)
{
  uv_signal_init(&s->loop, &s->sigterm);
  uv_signal_init(&s->loop, &s->sigint);
  s->sigterm.data = s->sigint.data = s;
  uv_signal_start(&s->sigterm, on_signal, SIGTERM);
  uv_signal_start(&s->sigint, on_signal, SIGINT);
}

/* Renders run on libuv's thread pool one at a time (lib/ctrl_int.h), so
 * one pool thread is enough; and one malloc arena for all threads, or each
 * thread that renders keeps a heap of its own: 0.6 MiB of resident memory
 * for nothing. */
static void tune_threads(void)
{
  setenv("UV_THREADPOOL_SIZE", "1", 0);
#ifdef M_ARENA_MAX
  mallopt(M_ARENA_MAX, 1);
#endif
}

int cmd_server(int argc, char **argv)
{
  struct server s = {
      .metrics_addr = ":8383", .leader_elect = 1, .resync_ms = 600000};
  int rc = parse(&s, argc, argv);
  if (rc)
    return rc < 0 ? 0 : rc;
  if (setup_logging(&s))
    return 1;
  signal(SIGPIPE, SIG_IGN);
  tune_threads();
  uv_loop_init(&s.loop);
  watch_signals(&s);
  log_info("starting iop server version=%s watch=%s revision=%s", iop_version(),
           log_q(getenv("WATCH_NAMESPACE") ? getenv("WATCH_NAMESPACE") : ""),
           log_q(getenv("REVISION") ? getenv("REVISION") : ""));
  struct err e;
  err_clear(&e);
  if (start(&s, &e) != 0) {
    log_error("cannot start err=%s", log_q(e.msg));
    shutdown_server(&s, 1);
  }
  uv_run(&s.loop, UV_RUN_DEFAULT);
  uv_loop_close(&s.loop);
  metrics_free(s.metrics);
  log_info("stopped");
  return s.exit_code;
}
