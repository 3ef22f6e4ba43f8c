/* iop kube: the Kubernetes client from the command line, kubectl-style.
 *
 *   iop kube get RESOURCE NAME        iop kube list RESOURCE [-l SEL] [-A]
 *   iop kube apply -f FILE            iop kube delete RESOURCE NAME | -f FILE
 *   iop kube watch RESOURCE [-l SEL]  iop kube version
 */
#include "cmd.h"

#include "buf.h"
#include "jobj.h"
#include "kjson.h"
#include "kube.h"
#include "kyaml.h"
#include "watch.h"
#include "yamlout.h"

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kube_cli {
  struct kube_config_opts cfg;
  const char *output; /* yaml, json, name */
  const char *selector;
  const char *field_selector;
  const char *file;
  const char *field_manager;
  const char *cascade;
  const char *resource_version;
  int all_namespaces;
  int force_conflicts;
  int dry_run;
  long limit;
  long timeout_s;
  uv_loop_t loop;
  struct kube_client *client;
};

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Talk to the Kubernetes API server with iop's client.\n\n"
          "Usage:\n"
          "  iop kube get RESOURCE NAME [-o yaml|json]\n"
          "  iop kube list RESOURCE [-l SELECTOR] [--field-selector S] [-A] "
          "[--limit N]\n"
          "  iop kube apply -f FILE [--field-manager M] [--force-conflicts] "
          "[--dry-run]\n"
          "  iop kube delete (RESOURCE NAME | -f FILE) [--cascade "
          "background|foreground|orphan]\n"
          "  iop kube watch RESOURCE [-l SELECTOR] [--timeout SECONDS]\n"
          "  iop kube version\n\n"
          "Flags:\n"
          "      --kubeconfig FILE   the kubeconfig (else $KUBECONFIG, "
          "~/.kube/config, in-cluster)\n"
          "      --context NAME      the kubeconfig context\n"
          "  -n, --namespace NS      the namespace\n"
          "  -o, --output FORMAT     yaml (default), json or name\n");
  return code;
}

/* kubectl's name for a type: the kind in lower case, then ".group" for
 * anything outside the core group ("configmap", "deployment.apps"). */
static void type_label(const char *kind, const char *group, char *out, size_t n)
{
  size_t k = 0;
  for (; kind && kind[k] && k + 1 < n; k++)
    out[k] = (char)tolower((unsigned char)kind[k]);
  out[k] = '\0';
  if (group && *group)
    snprintf(out + k, n - k, ".%s", group);
}

/* The same from an object's apiVersion ("apps/v1") and kind. */
static void object_label(struct json_object *o, char *out, size_t n)
{
  const char *av = jobj_str(o, "apiVersion");
  const char *slash = av ? strchr(av, '/') : NULL;
  char group[256] = "";
  if (slash)
    snprintf(group, sizeof group, "%.*s", (int)(slash - av), av);
  type_label(jobj_str(o, "kind"), group, out, n);
}

static void print_object(struct kube_cli *k, struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  if (k->output && strcmp(k->output, "name") == 0) {
    char label[400];
    object_label(o, label, sizeof label);
    buf_printf(&b, "%s/%s\n", label,
               jobj_path_str(o, "metadata", "name", (const char *)NULL));
  } else if (k->output && strcmp(k->output, "json") == 0) {
    kjson_write(&b, o, KJSON_INDENT, &e);
    buf_putc(&b, '\n');
  } else {
    yamlout_write(&b, o, &e);
  }
  fwrite(b.data ? b.data : "", 1, b.len, stdout);
  buf_free(&b);
}

/* Errors as kubectl prints them. */
static int report(const struct kube_result *res)
{
  if (res->http_status == 401)
    fprintf(stderr, "error: You must be logged in to the server (%s)\n",
            res->status.message);
  else if (res->http_status >= 400)
    fprintf(stderr, "Error from server (%s): %s\n", res->status.reason,
            res->status.message);
  else
    fprintf(stderr, "error: %s\n", res->err.msg);
  return 1;
}

static int connect_client(struct kube_cli *k)
{
  struct kube_config cfg;
  struct err e;
  if (kubeconfig_load(&k->cfg, &cfg, &e) != 0) {
    fprintf(stderr, "error: %s\n", e.msg);
    return 1;
  }
  uv_loop_init(&k->loop);
  if (kube_client_new(&k->loop, &cfg, NULL, &k->client, &e) != 0) {
    kubeconfig_free(&cfg);
    fprintf(stderr, "error: %s\n", e.msg);
    return 1;
  }
  return 0;
}

static void disconnect(struct kube_cli *k)
{
  if (!k->client)
    return;
  kube_client_close(k->client);
  uv_run(&k->loop, UV_RUN_DEFAULT);
  uv_loop_close(&k->loop);
}

static int run_sync(struct kube_cli *k, struct kube_sync *s, int rc)
{
  if (rc) {
    fprintf(stderr, "error: cannot start the request: %s\n", strerror(-rc));
    return 1;
  }
  kube_sync_wait(k->client, s);
  return s->res.rc ? report(&s->res) : 0;
}

static int do_get(struct kube_cli *k, const char *resource, const char *name)
{
  struct kube_ref r = {
      .resource = resource, .name = name, .namespace = k->cfg.namespace};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = run_sync(k, &s, kube_get(k->client, &r, kube_sync_cb, &s));
  if (!rc)
    print_object(k, s.res.object);
  kube_sync_free(&s);
  return rc;
}

static int do_list(struct kube_cli *k, const char *resource)
{
  struct kube_ref r = {.resource = resource,
                       .namespace = k->all_namespaces ? "" : k->cfg.namespace};
  struct kube_list_opts o = {.label_selector = k->selector,
                             .field_selector = k->field_selector,
                             .limit = k->limit};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = run_sync(k, &s, kube_list_all(k->client, &r, &o, kube_sync_cb, &s));
  if (!rc && k->output && strcmp(k->output, "name") == 0) {
    struct json_object *items = jobj_arr(s.res.object, "items");
    for (size_t i = 0; items && i < json_object_array_length(items); i++)
      print_object(k, json_object_array_get_idx(items, i));
  } else if (!rc) {
    print_object(k, s.res.object);
  }
  kube_sync_free(&s);
  return rc;
}

/* Reads -f FILE into its documents. */
static struct json_object *read_docs(const char *file)
{
  size_t len;
  char *text = cmd_read_file(file, KYAML_DEFAULT_MAX_BYTES, &len);
  if (!text)
    return NULL;
  struct kyaml_opts o = {.name = strcmp(file, "-") == 0 ? "<stdin>" : file};
  struct json_object *docs = NULL;
  struct err e;
  if (kyaml_parse_all(text, len, &o, &docs, &e) != 0)
    fprintf(stderr, "error: %s\n", e.msg);
  free(text);
  return docs;
}

static int for_each_doc(struct kube_cli *k,
                        int (*fn)(struct kube_cli *, struct json_object *))
{
  struct json_object *docs = read_docs(k->file);
  if (!docs)
    return 1;
  int rc = 0;
  for (size_t i = 0; i < json_object_array_length(docs) && !rc; i++)
    rc = fn(k, json_object_array_get_idx(docs, i));
  json_object_put(docs);
  return rc;
}

struct resolved {
  int done;
  struct kube_result res;
  struct kube_mapping m;
};

static void on_resolved(const struct kube_result *res,
                        const struct kube_mapping *m, void *data)
{
  struct resolved *x = data;
  x->res = *res;
  x->res.object = NULL;
  if (m)
    x->m = *m;
  x->done = 1;
}

/* The REST mapping of a ref, through discovery; prints why not. */
static int resolve_ref(struct kube_cli *k, const struct kube_ref *r,
                       struct kube_mapping *m)
{
  struct resolved x = {0};
  int rc = kube_resolve(k->client, r, on_resolved, &x);
  while (!rc && !x.done)
    uv_run(&k->loop, UV_RUN_ONCE);
  if (rc) {
    fprintf(stderr, "error: %s\n", strerror(-rc));
    return 1;
  }
  if (x.res.rc)
    return report(&x.res);
  *m = x.m;
  return 0;
}

/* What kubectl calls the object's type, through discovery. */
static int label_of_ref(struct kube_cli *k, const struct kube_ref *r, char *out,
                        size_t n)
{
  struct kube_mapping m = {0};
  if (resolve_ref(k, r, &m) != 0)
    return 1;
  type_label(m.kind, m.group, out, n);
  return 0;
}

/* -n fills in the namespace of namespaced objects that have none, and must
 * agree with the one they have (as kubectl insists); cluster-scoped
 * objects take none. */
static int place_object(struct kube_cli *k, struct json_object *obj)
{
  struct kube_ref r;
  struct kube_mapping m;
  kube_ref_of(obj, &r);
  if (resolve_ref(k, &r, &m) != 0)
    return 1;
  struct json_object *meta = jobj_ensure_obj(obj, "metadata");
  const char *ns = jobj_str(meta, "namespace");
  if (!m.namespaced) {
    json_object_object_del(meta, "namespace");
  } else if (ns && *ns && k->cfg.namespace &&
             strcmp(ns, k->cfg.namespace) != 0) {
    fprintf(stderr,
            "error: the namespace from the provided object \"%s\" does not "
            "match the namespace \"%s\". You must pass '--namespace=%s' to "
            "perform this operation.\n",
            ns, k->cfg.namespace, ns);
    return 1;
  } else if (!(ns && *ns) && k->cfg.namespace) {
    jobj_set_str(meta, "namespace", k->cfg.namespace);
  }
  return 0;
}

static int apply_one(struct kube_cli *k, struct json_object *obj)
{
  if (place_object(k, obj) != 0)
    return 1;
  struct kube_apply_opts o = {.field_manager = k->field_manager,
                              .force = k->force_conflicts,
                              .dry_run = k->dry_run};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = run_sync(k, &s, kube_apply(k->client, obj, &o, kube_sync_cb, &s));
  if (!rc) {
    char label[400];
    object_label(s.res.object, label, sizeof label);
    printf("%s/%s serverside-applied%s\n", label,
           jobj_path_str(s.res.object, "metadata", "name", (const char *)NULL),
           k->dry_run ? " (server dry run)" : "");
  }
  kube_sync_free(&s);
  return rc;
}

static int delete_ref(struct kube_cli *k, const struct kube_ref *r)
{
  char label[400];
  if (label_of_ref(k, r, label, sizeof label) != 0)
    return 1;
  char cascade[16] = "Background";
  if (k->cascade)
    snprintf(cascade, sizeof cascade, "%c%s", k->cascade[0] & ~0x20,
             k->cascade + 1);
  struct kube_delete_opts o = {
      .propagation = cascade, .grace_seconds = -1, .dry_run = k->dry_run};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = run_sync(k, &s, kube_delete(k->client, r, &o, kube_sync_cb, &s));
  if (!rc)
    printf("%s \"%s\" deleted%s\n", label, r->name,
           k->dry_run ? " (server dry run)" : "");
  kube_sync_free(&s);
  return rc;
}

static int delete_one(struct kube_cli *k, struct json_object *obj)
{
  if (place_object(k, obj) != 0)
    return 1;
  struct kube_ref r;
  kube_ref_of(obj, &r);
  return delete_ref(k, &r);
}

static int do_version(struct kube_cli *k)
{
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = run_sync(k, &s, kube_server_version(k->client, kube_sync_cb, &s));
  if (!rc)
    printf("Server Version: %s\n", jobj_str(s.res.object, "gitVersion"));
  kube_sync_free(&s);
  return rc;
}

/* ---- watch ---- */

struct watch_cli {
  struct kube_cli *k;
  uv_signal_t sigint;
  uv_timer_t timer;
  struct watch *w;
  int rc;
};

static void watch_event(enum watch_event type, struct json_object *obj,
                        void *data)
{
  struct watch_cli *wc = data;
  static const char *const names[] = {"ADDED", "MODIFIED", "DELETED",
                                      "BOOKMARK", "RELIST"};
  if (type == WATCH_BOOKMARK || type == WATCH_RELISTED)
    return;
  if (wc->k->output && strcmp(wc->k->output, "json") == 0) {
    struct json_object *ev = json_object_new_object();
    jobj_set_str(ev, "type", names[type]);
    jobj_set(ev, "object", json_object_get(obj));
    struct buf b;
    struct err e;
    buf_init(&b, 0);
    kjson_write(&b, ev, 0, &e);
    printf("%s\n", b.data);
    buf_free(&b);
    json_object_put(ev);
  } else {
    const char *ns =
        jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
    printf(
        "%-8s %s%s%s %s\n", names[type], ns ? ns : "", ns ? "/" : "",
        jobj_path_str(obj, "metadata", "name", (const char *)NULL),
        jobj_path_str(obj, "metadata", "resourceVersion", (const char *)NULL));
  }
  fflush(stdout);
}

static void watch_error(int rc, const char *msg, void *data)
{
  struct watch_cli *wc = data;
  fprintf(stderr, "error: %s\n", msg);
  wc->rc = rc;
}

static void stop_watch(struct watch_cli *wc)
{
  if (wc->w) {
    watch_stop(wc->w);
    wc->w = NULL;
  }
  uv_close((uv_handle_t *)&wc->sigint, NULL);
  uv_close((uv_handle_t *)&wc->timer, NULL);
}

static void on_sigint(uv_signal_t *s, int sig)
{
  (void)sig;
  stop_watch(s->data);
}

static void on_watch_timeout(uv_timer_t *t)
{
  stop_watch(t->data);
}

static int do_watch(struct kube_cli *k, const char *resource)
{
  struct watch_cli wc = {.k = k};
  const char *ns = k->all_namespaces  ? ""
                   : k->cfg.namespace ? k->cfg.namespace
                                      : kube_client_namespace(k->client);
  struct watch_opts o = {.resource = resource,
                         .namespace = ns,
                         .label_selector = k->selector,
                         .field_selector = k->field_selector,
                         .on_event = watch_event,
                         .on_error = watch_error,
                         .data = &wc};
  if (watch_start(k->client, &o, &wc.w) != 0) {
    fprintf(stderr, "error: cannot start the watch\n");
    return 1;
  }
  uv_signal_init(&k->loop, &wc.sigint);
  wc.sigint.data = &wc;
  uv_signal_start(&wc.sigint, on_sigint, SIGINT);
  uv_timer_init(&k->loop, &wc.timer);
  wc.timer.data = &wc;
  if (k->timeout_s > 0)
    uv_timer_start(&wc.timer, on_watch_timeout, (uint64_t)k->timeout_s * 1000,
                   0);
  uv_run(&k->loop, UV_RUN_DEFAULT);
  return wc.rc ? 1 : 0;
}

/* ---- flags and dispatch ---- */

static int parse_flags(struct kube_cli *k, int argc, char **argv)
{
  static const struct option opts[] = {
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"namespace", required_argument, NULL, 'n'},
      {"output", required_argument, NULL, 'o'},
      {"selector", required_argument, NULL, 'l'},
      {"field-selector", required_argument, NULL, 'F'},
      {"filename", required_argument, NULL, 'f'},
      {"field-manager", required_argument, NULL, 'M'},
      {"cascade", required_argument, NULL, 'c'},
      {"all-namespaces", no_argument, NULL, 'A'},
      {"force-conflicts", no_argument, NULL, 'X'},
      {"dry-run", no_argument, NULL, 'D'},
      {"limit", required_argument, NULL, 'L'},
      {"timeout", required_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "n:o:l:f:Ah", opts, NULL)) != -1) {
    switch (ch) {
    case 'K':
      k->cfg.kubeconfig = optarg;
      break;
    case 'C':
      k->cfg.context = optarg;
      break;
    case 'n':
      k->cfg.namespace = optarg;
      break;
    case 'o':
      k->output = optarg;
      break;
    case 'l':
      k->selector = optarg;
      break;
    case 'F':
      k->field_selector = optarg;
      break;
    case 'f':
      k->file = optarg;
      break;
    case 'M':
      k->field_manager = optarg;
      break;
    case 'c':
      k->cascade = optarg;
      break;
    case 'A':
      k->all_namespaces = 1;
      break;
    case 'X':
      k->force_conflicts = 1;
      break;
    case 'D':
      k->dry_run = 1;
      break;
    case 'L':
      k->limit = atol(optarg);
      break;
    case 'T':
      k->timeout_s = atol(optarg);
      break;
    case 'h':
      return usage(stdout, 0) - 1; /* -1: help printed */
    default:
      return usage(stderr, 1);
    }
  }
  return 0;
}

static int dispatch(struct kube_cli *k, const char *verb, int nargs,
                    char **args)
{
  if (strcmp(verb, "get") == 0 && nargs == 2)
    return do_get(k, args[0], args[1]);
  if (strcmp(verb, "list") == 0 && nargs == 1)
    return do_list(k, args[0]);
  if (strcmp(verb, "watch") == 0 && nargs == 1)
    return do_watch(k, args[0]);
  if (strcmp(verb, "version") == 0 && nargs == 0)
    return do_version(k);
  if (strcmp(verb, "apply") == 0 && k->file && nargs == 0)
    return for_each_doc(k, apply_one);
  if (strcmp(verb, "delete") == 0 && k->file && nargs == 0)
    return for_each_doc(k, delete_one);
  if (strcmp(verb, "delete") == 0 && nargs == 2) {
    struct kube_ref r = {
        .resource = args[0], .name = args[1], .namespace = k->cfg.namespace};
    return delete_ref(k, &r);
  }
  return usage(stderr, 1);
}

int cmd_kube(int argc, char **argv)
{
  struct kube_cli k = {.field_manager = "iop"};
  int rc = parse_flags(&k, argc, argv);
  if (rc)
    return rc < 0 ? 0 : rc;
  if (optind >= argc)
    return usage(stderr, 1);
  const char *verb = argv[optind];
  if (connect_client(&k) != 0)
    return 1;
  rc = dispatch(&k, verb, argc - optind - 1, argv + optind + 1);
  fflush(stdout);
  disconnect(&k);
  return rc;
}
