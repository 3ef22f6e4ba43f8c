/* Helpers the cluster-facing commands share: connecting, synchronous calls,
 * waiting for a condition, namespaces, printing objects. */
#include "cmd_common.h"

#include "apply.h"
#include "jobj.h"
#include "kjson.h"
#include "yamlout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void on_tick(uv_timer_t *t) { *(int *)t->data = 1; }

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

int cmd_wait(struct cmd_cluster *cl, struct json_object *obj, unsigned timeout_s,
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

int cmd_ensure_namespace(struct cmd_cluster *cl, const char *ns, int dry_run)
{
  struct json_object *o = json_object_new_object();
  jobj_set_str(o, "apiVersion", "v1");
  jobj_set_str(o, "kind", "Namespace");
  jobj_set_str(jobj_ensure_obj(o, "metadata"), "name", ns);
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
  const char *ns = jobj_path_str(obj, "metadata", "namespace", NULL);
  snprintf(buf, n, "%s:%s:%s", jobj_str(obj, "kind"), ns ? ns : "",
           jobj_path_str(obj, "metadata", "name", NULL));
  return buf;
}
