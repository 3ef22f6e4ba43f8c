/* Internals shared by ctrl.c (watching, queueing, bookkeeping),
 * reconcile.c (one IstioOperator's reconcile) and ctrlstatus.c (status and
 * events). */
#ifndef IOP_CTRL_INT_H
#define IOP_CTRL_INT_H

#include "ctrl.h"
#include "generate.h"
#include "informer.h"
#include "workqueue.h"

#include <json-c/json.h>
#include <pthread.h>

#define CTRL_MAX_NAMESPACES 64

/* An informer over one kind of object we own (label-selected). */
struct owned_kind {
  char *api_version;
  char *kind;
  struct informer *inf;
  struct owned_kind *next;
};

/* What we know of one IstioOperator between reconciles. */
struct cr_state {
  char *key;          /* namespace/name */
  int64_t generation; /* of the last successful render */
  int rendered;
  struct generate_result desired;
  struct json_object *wanted; /* object key -> component name */
  uint64_t not_ready_since;   /* loop time; 0 when ready */
  char *render_error;         /* the last render/validation error */
  int in_use;                 /* a reconcile holds it */
  int dropped; /* the CR is gone: freed when the reconcile lets go */
  struct cr_state *next;
};

struct ctrl {
  struct ctrl_opts o;
  uv_loop_t *loop;
  struct kube_client *client;
  struct informer *iops[CTRL_MAX_NAMESPACES];
  int niops;
  struct informer *namespaces;
  struct owned_kind *kinds;
  struct workqueue *q;
  /* Renders run on libuv's thread pool, one at a time: each holds its
   * charts and a rendering's worth of memory while it runs. Charts are not
   * kept between renders, which happen only when a CR's spec changes:
   * keeping Istio's parsed charts would cost the resident server 0.4 MiB
   * and more for every further chart. */
  pthread_mutex_t render_lock;
  struct cr_state *crs;
  char kube_version[64];
  int leading;
  int synced;
  int stopping;
  int probing; /* discovery lookups of prunable kinds in flight */
  int queue_closed;
  void (*stop_cb)(void *data);
  void *stop_data;
  /* metrics */
  struct metrics_family *m_reconciles, *m_duration, *m_applied, *m_pruned,
      *m_render_errors, *m_requests, *m_depth, *m_adds, *m_retries,
      *m_watch_restarts, *m_relists;
};

/* ctrl.c */
/* Frees c and calls the stop callback once nothing is in flight. */
void ctrl__stopped(struct ctrl *c);
/* The state of one CR, held by its reconcile until ctrl__release_state. */
struct cr_state *ctrl__state(struct ctrl *c, const char *key);
void ctrl__release_state(struct cr_state *s);
/* Forgets a CR; a state a reconcile holds is freed when it lets go. */
void ctrl__drop_state(struct ctrl *c, const char *key);
struct json_object *ctrl__get_cr(struct ctrl *c, const char *ns,
                                 const char *name);
/* The live object from our caches: 1 and *live (borrowed, NULL when
 * absent) when a synced informer knows, 0 when we cannot tell. */
int ctrl__live(struct ctrl *c, struct json_object *obj,
               struct json_object **live);
/* Makes sure objects of obj's kind are watched. */
void ctrl__watch_kind(struct ctrl *c, const char *api_version,
                      const char *kind);
int ctrl__all_synced(struct ctrl *c);
/* Whether the IstioOperator `key` (namespace/name) wanted object_key in
 * its last render. */
int ctrl__wanted_by(struct ctrl *c, const char *key, const char *object_key);
/* Whether an IstioOperator other than `key` wants the object. */
int ctrl__wanted_by_other(struct ctrl *c, const char *key,
                          const char *object_key);
int ctrl__namespace_exists(struct ctrl *c, const char *ns);
/* Calls fn for every cached owned object. */
void ctrl__foreach_owned(struct ctrl *c,
                         void (*fn)(struct json_object *obj, void *data),
                         void *data);

/* reconcile.c: reconciles key; calls workqueue_done when finished. */
void reconcile_start(struct ctrl *c, const char *key);

/* ctrlstatus.c */
struct rec_status {
  const char *component[8];
  const char *comp_state[8]; /* HEALTHY, RECONCILING, ERROR */
  char comp_error[8][512];
  int ncomp;
  const char *state; /* overall */
  char message[1024];
  int reconciled;     /* no render or apply error */
  const char *reason; /* for the Reconciled condition */
};
/* Writes status when it differs from cr's; cb(0|rc) when done. */
void ctrlstatus_write(struct ctrl *c, struct json_object *cr,
                      const struct rec_status *s,
                      void (*cb)(int rc, void *data), void *data);
/* A Normal or Warning event about cr (fire and forget). */
void ctrlstatus_event(struct ctrl *c, struct json_object *cr, int warning,
                      const char *reason, const char *message);

#endif
