/* Helpers the cluster-facing commands share: connecting, synchronous calls,
 * waiting for a condition, namespaces, printing objects. */
#include "cmd_common.h"

#include "cmd.h"

#include "apply.h"
#include "generate.h"
#include "jobj.h"
#include "kjson.h"
#include "yamlout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cmd_connect(struct cmd_cluster *cl)
{
  struct kube_config cfg;
  struct err e;
  if (kubeconfig_load(&cl->cfg, &cfg, &e) != 0) {
    fprintf(stderr, "Error: %s\n", e.msg);
    return 1;
  }
  uv_loop_init(&cl->loop);
  if (kube_client_new(&cl->loop, &cfg, NULL, &cl->client, &e) != 0) {
    kubeconfig_free(&cfg);
    uv_loop_close(&cl->loop);
    fprintf(stderr, "Error: %s\n", e.msg);
    return 1;
  }
  cl->connected = 1;
  return 0;
}

void cmd_disconnect(struct cmd_cluster *cl)
{
  if (!cl->connected)
    return;
  kube_client_close(cl->client);
  uv_run(&cl->loop, UV_RUN_DEFAULT);
  uv_loop_close(&cl->loop);
  cl->connected = 0;
}

/* The live object, NULL when absent; -1 in *rc for other errors. */
struct json_object *cmd_get(struct cmd_cluster *cl, struct json_object *obj,
                            struct kube_result *err_out, int *rc)
{
  struct kube_ref r;
  kube_ref_of(obj, &r);
  struct kube_sync s;
  kube_sync_init(&s);
  *rc = kube_get(cl->client, &r, kube_sync_cb, &s);
  if (!*rc)
    *rc = kube_sync_wait(cl->client, &s);
  struct json_object *live = NULL;
  if (*rc == -ENOENT)
    *rc = 0;
  else if (!*rc)
    live = json_object_get(s.res.object);
  else if (err_out)
    *err_out = s.res, err_out->object = NULL;
  kube_sync_free(&s);
  return live;
}

int cmd_report(const struct kube_result *res)
{
  if (res->http_status >= 400)
    fprintf(stderr, "Error from server (%s): %s\n", res->status.reason,
            res->status.message);
  else
    fprintf(stderr, "Error: %s\n", res->err.msg);
  return 1;
}

static void on_tick(uv_timer_t *t)
{
  *(int *)t->data = 1;
}

void cmd_sleep(struct cmd_cluster *cl, unsigned ms)
{
  int fired = 0;
  uv_timer_t t;
  uv_timer_init(&cl->loop, &t);
  t.data = &fired;
  uv_timer_start(&t, on_tick, ms, 0);
  while (!fired)
    uv_run(&cl->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&cl->loop, UV_RUN_NOWAIT);
}

int cmd_wait(struct cmd_cluster *cl, struct json_object *obj,
             unsigned timeout_s,
             int (*ready)(struct json_object *live, char *why, size_t n),
             char *why, size_t n)
{
  uint64_t deadline = uv_now(&cl->loop) + (uint64_t)timeout_s * 1000;
  snprintf(why, n, "it does not exist");
  for (;;) {
    int rc;
    struct json_object *live = cmd_get(cl, obj, NULL, &rc);
    int ok = live && ready(live, why, n);
    json_object_put(live);
    if (ok)
      return 0;
    if (uv_now(&cl->loop) >= deadline)
      return -ETIMEDOUT;
    cmd_sleep(cl, 500);
  }
}

struct json_object *cmd_namespace_object(const char *ns)
{
  struct json_object *o = json_object_new_object();
  jobj_set_str(o, "apiVersion", "v1");
  jobj_set_str(o, "kind", "Namespace");
  jobj_set_str(jobj_ensure_obj(o, "metadata"), "name", ns);
  return o;
}

int cmd_ensure_namespace(struct cmd_cluster *cl, const char *ns, int dry_run)
{
  struct json_object *o = cmd_namespace_object(ns);
  int rc;
  struct kube_result res;
  struct json_object *live = cmd_get(cl, o, &res, &rc);
  if (rc) {
    json_object_put(o);
    return cmd_report(&res);
  }
  if (!live && !dry_run) {
    struct kube_sync s;
    kube_sync_init(&s);
    rc = kube_create(cl->client, o, kube_sync_cb, &s);
    if (!rc)
      rc = kube_sync_wait(cl->client, &s);
    if (rc && rc != -EEXIST)
      rc = cmd_report(&s.res);
    else
      rc = 0;
    kube_sync_free(&s);
  }
  json_object_put(live);
  json_object_put(o);
  return rc ? 1 : 0;
}

int cmd_print_objects(struct json_object *objs, int json)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  int rc = 0;
  if (json) {
    struct json_object *list = json_object_new_object();
    jobj_set_str(list, "apiVersion", "v1");
    jobj_set_str(list, "kind", "List");
    jobj_set(list, "items", json_object_get(objs));
    rc = kjson_write(&b, list, KJSON_INDENT, &e);
    buf_putc(&b, '\n');
    json_object_put(list);
  } else {
    for (size_t i = 0; !rc && i < json_object_array_length(objs); i++) {
      if (i)
        buf_puts(&b, "---\n");
      rc = yamlout_write(&b, json_object_array_get_idx(objs, i), &e);
    }
  }
  if (rc) {
    fprintf(stderr, "Error: %s\n", e.msg);
  } else {
    fwrite(b.data ? b.data : "", 1, b.len, stdout);
  }
  buf_free(&b);
  return rc ? 1 : 0;
}

const char *cmd_object_id(struct json_object *obj, char *buf, size_t n)
{
  const char *ns =
      jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
  snprintf(buf, n, "%s:%s:%s", jobj_str(obj, "kind"), ns ? ns : "",
           jobj_path_str(obj, "metadata", "name", (const char *)NULL));
  return buf;
}

/* ---- render inputs ---- */

static int add_files(struct cmd_inputs *in, const char *arg)
{
  char *copy = strdup(arg);
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s;
       s = strtok_r(NULL, ",", &save)) {
    if (in->nfiles == CMD_MAX_INPUTS) {
      free(copy);
      fprintf(stderr, "Error: too many -f files (at most %d)\n",
              CMD_MAX_INPUTS);
      return -1;
    }
    in->files[in->nfiles++] = strdup(s);
  }
  free(copy);
  return 1;
}

int cmd_inputs_option(struct cmd_inputs *in, int ch, const char *arg)
{
  switch (ch) {
  case 'f':
    return add_files(in, arg);
  case 's':
    if (in->nsets == CMD_MAX_INPUTS) {
      fprintf(stderr, "Error: too many --set flags (at most %d)\n",
              CMD_MAX_INPUTS);
      return -1;
    }
    in->sets[in->nsets++] = arg;
    return 1;
  case 'd':
    in->manifests = arg;
    return 1;
  case 'r':
    in->revision = arg;
    return 1;
  case 'F':
    in->force = 1;
    return 1;
  default:
    return 0;
  }
}

void cmd_inputs_free(struct cmd_inputs *in)
{
  for (int i = 0; i < in->nfiles; i++)
    free(in->files[i]);
  in->nfiles = 0;
}

/* istioctl appends its alias flags after the user's --set flags. */
static void add_aliases(struct cmd_inputs *in)
{
  if (in->manifests) {
    snprintf(in->alias_dir, sizeof in->alias_dir, "installPackagePath=%s",
             in->manifests);
    in->sets[in->nsets++] = in->alias_dir;
  }
  if (in->revision && *in->revision && strcmp(in->revision, "default") != 0) {
    snprintf(in->alias_rev, sizeof in->alias_rev, "revision=%s", in->revision);
    in->sets[in->nsets++] = in->alias_rev;
  }
}

int cmd_render(struct cmd_inputs *in, const char *kube_version,
               struct generate_result *out)
{
  add_aliases(in);
  struct generate_opts o = {
      .in = {.files = (const char *const *)in->files,
             .nfiles = in->nfiles,
             .sets = in->sets,
             .nsets = in->nsets,
             .default_manifests = cmd_default_manifests()},
      .force = in->force,
      .kube_version = kube_version && *kube_version ? kube_version : NULL};
  struct err e;
  if (generate_run(&o, out, &e) != 0) {
    fprintf(stderr, "Error: %s\n", e.msg);
    return 1;
  }
  return 0;
}

int cmd_server_version(struct cmd_cluster *cl, char *out, size_t n)
{
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = kube_server_version(cl->client, kube_sync_cb, &s);
  if (!rc)
    rc = kube_sync_wait(cl->client, &s);
  if (rc)
    rc = cmd_report(&s.res);
  else
    snprintf(out, n, "%s",
             jobj_str(s.res.object, "gitVersion")
                 ? jobj_str(s.res.object, "gitVersion")
                 : "");
  kube_sync_free(&s);
  return rc ? 1 : 0;
}

int cmd_confirm(const char *question)
{
  char line[64];
  printf("%s (y/N) ", question);
  fflush(stdout);
  if (!fgets(line, sizeof line, stdin)) {
    printf("\n");
    return 0;
  }
  line[strcspn(line, "\r\n")] = 0;
  return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* ---- durations ---- */

/* Go's time.ParseDuration for what operators write: 300s, 5m, 1h30m,
 * 1.5s, 500ms. Returns milliseconds, or -1. */
int64_t cmd_parse_duration_ms(const char *s)
{
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},  {"ms", 1},
               {"s", 1000},  {"m", 60000}, {"h", 3600000}};
  double total = 0;
  if (strcmp(s, "0") == 0)
    return 0;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
      return -1;
    s = end;
    size_t best = 0;
    int found = -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t n = strlen(units[i].unit);
      if (strncmp(s, units[i].unit, n) == 0 && n > best)
        best = n, found = (int)i;
    }
    if (found < 0)
      return -1;
    total += v * units[found].ms;
    s += best;
  }
  return (int64_t)total;
}

int cmd_parse_seconds(const char *s)
{
  int64_t ms = cmd_parse_duration_ms(s);
  if (ms < 0 || ms / 1000 > 1000000000)
    return -1;
  return (int)((ms + 999) / 1000);
}
