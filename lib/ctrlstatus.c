/* ctrlstatus: an IstioOperator's status and events.
 *
 * The status keeps upstream's shape (status, message, componentStatus) so
 * Argo CD's IstioOperator health check keeps working, and adds
 * observedGeneration and the Reconciled and Ready conditions for kstatus
 * tools. It is written through the status subresource with a merge patch
 * (no resourceVersion, so no conflicts), and only when it changed: an
 * unchanged IstioOperator costs no writes. */
#include "ctrl_int.h"

#include "jobj.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void now_rfc3339(char *out, size_t n)
{
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct json_object *old_condition(struct json_object *cr,
                                         const char *type)
{
  struct json_object *conds =
      jobj_path(cr, "status", "conditions", (const char *)NULL);
  for (size_t i = 0; jobj_is_arr(conds) && i < json_object_array_length(conds);
       i++) {
    struct json_object *c = json_object_array_get_idx(conds, i);
    if (jobj_str(c, "type") && strcmp(jobj_str(c, "type"), type) == 0)
      return c;
  }
  return NULL;
}

/* A condition; its transition time moves only when its status does. */
static struct json_object *condition(struct json_object *cr, const char *type,
                                     int ok, const char *reason,
                                     const char *message, int64_t gen)
{
  struct json_object *c = json_object_new_object();
  const char *status = ok ? "True" : "False";
  jobj_set_str(c, "type", type);
  jobj_set_str(c, "status", status);
  jobj_set_str(c, "reason", reason);
  /* An empty message is left out: kube-apiserver 1.20 turns "" inside a
   * custom resource's list into null on a merge patch, then rejects it. */
  if (message && *message)
    jobj_set_str(c, "message", message);
  jobj_set(c, "observedGeneration", json_object_new_int64(gen));
  struct json_object *old = old_condition(cr, type);
  const char *old_status = jobj_str(old, "status");
  const char *old_time = jobj_str(old, "lastTransitionTime");
  char now[32];
  now_rfc3339(now, sizeof now);
  jobj_set_str(c, "lastTransitionTime",
               old_status && old_time && strcmp(old_status, status) == 0
                   ? old_time
                   : now);
  return c;
}

static struct json_object *build_status(struct json_object *cr,
                                        const struct rec_status *s)
{
  int64_t gen = jobj_int(jobj_obj(cr, "metadata"), "generation", 0);
  struct json_object *st = json_object_new_object();
  jobj_set_str(st, "status", s->state);
  if (s->message[0])
    jobj_set_str(st, "message", s->message);
  struct json_object *comps = json_object_new_object();
  for (int i = 0; i < s->ncomp; i++) {
    struct json_object *c = json_object_new_object();
    jobj_set_str(c, "status", s->comp_state[i]);
    if (strcmp(s->comp_state[i], "HEALTHY") != 0 && s->comp_error[i][0])
      jobj_set_str(c, "error", s->comp_error[i]);
    jobj_set(comps, s->component[i], c);
  }
  jobj_set(st, "componentStatus", comps);
  jobj_set(st, "observedGeneration", json_object_new_int64(gen));
  int healthy = strcmp(s->state, "HEALTHY") == 0;
  struct json_object *conds = json_object_new_array();
  json_object_array_add(conds, condition(cr, "Reconciled", s->reconciled,
                                         s->reason ? s->reason : "Unknown",
                                         s->reconciled ? "" : s->message, gen));
  json_object_array_add(conds, condition(cr, "Ready", healthy,
                                         healthy ? "Ready" : s->state,
                                         healthy ? "" : s->message, gen));
  jobj_set(st, "conditions", conds);
  return st;
}

/* The merge patch replaces the whole status: a null for each key, at any
 * depth, that the old status has and the new one does not (a component
 * no longer installed, a message that no longer applies). */
static void null_missing(struct json_object *now, struct json_object *old)
{
  if (!jobj_is_obj(now) || !jobj_is_obj(old))
    return;
  json_object_object_foreach (old, k, v) {
    struct json_object *nv;
    if (!json_object_object_get_ex(now, k, &nv))
      json_object_object_add(now, k, NULL);
    else
      null_missing(nv, v);
  }
}

struct status_write {
  void (*cb)(int rc, void *data);
  void *data;
};

static void on_patched(struct kube_result *res, void *data)
{
  struct status_write *w = data;
  if (res->rc && res->rc != -ENOENT)
    log_warn("status write failed err=%s", log_q(res->err.msg));
  w->cb(res->rc == -ENOENT ? 0 : res->rc, w->data);
  free(w);
}

void ctrlstatus_write(struct ctrl *c, struct json_object *cr,
                      const struct rec_status *s,
                      void (*cb)(int rc, void *data), void *data)
{
  struct json_object *st = build_status(cr, s);
  if (jobj_equal(st, jobj_get(cr, "status"))) {
    json_object_put(st);
    cb(0, data);
    return;
  }
  struct json_object *patch = json_object_new_object();
  null_missing(st, jobj_obj(cr, "status"));
  jobj_set(patch, "status", st);
  struct kube_ref ref;
  kube_ref_of(cr, &ref);
  ref.subresource = "status";
  struct status_write *w = malloc(sizeof *w);
  w->cb = cb;
  w->data = data;
  if (kube_patch(c->client, &ref, KUBE_PATCH_MERGE, patch, NULL, on_patched,
                 w) != 0) {
    free(w);
    cb(-EIO, data);
  }
  json_object_put(patch);
}

static void on_event(struct kube_result *res, void *data)
{
  (void)data;
  if (res->rc)
    log_debug("event not recorded err=%s", log_q(res->err.msg));
}

void ctrlstatus_event(struct ctrl *c, struct json_object *cr, int warning,
                      const char *reason, const char *message)
{
  kube_create_event(c->client, cr, warning ? "Warning" : "Normal", reason,
                    message, "iop", on_event, NULL);
}
