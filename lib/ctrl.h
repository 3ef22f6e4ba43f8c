/* ctrl: the IstioOperator controller that `iop server` runs.
 *
 * Level-triggered: IstioOperator resources and every object they own are
 * watched (owned objects through informers selected by our owner labels);
 * any change enqueues the owning IstioOperator, and one reconcile brings
 * the cluster to what the resource says: render as istioctl does, apply
 * only what differs (server-side apply, field manager istio-operator),
 * namespaces and CRDs first, then Base, Pilot, CNI, Ztunnel and the
 * gateways, prune what is no longer wanted (never CRDs, never objects
 * without our labels, never objects another IstioOperator wants), judge
 * readiness and write status (upstream's status, componentStatus,
 * observedGeneration and the Reconciled and Ready conditions) and events.
 * Deleting an IstioOperator removes what it owns, then its finalizer. */
#ifndef IOP_CTRL_H
#define IOP_CTRL_H

#include "kube.h"
#include "metrics.h"

#include <stdint.h>
#include <uv.h>

#define CTRL_FINALIZER "istio-finalizer.install.istio.io"
#define CTRL_IGNORE_ANNOTATION "install.istio.io/ignoreReconcile"

struct ctrl_opts {
  struct kube_client *client;
  const char *watch_namespaces;  /* comma list; "" or NULL: all */
  const char *revision;          /* REVISION: only CRs of this revision */
  uint64_t wait_timeout_ms;      /* WAIT_FOR_RESOURCES_TIMEOUT; 0: 300 s */
  const char *manifests;         /* default manifests/ directory */
  int workers;                   /* IstioOperators reconciled at once; 0: 1 */
  uint64_t resync_ms;            /* 0: no periodic resync */
  struct metrics *metrics;       /* may be NULL */
  void (*on_synced)(void *data); /* caches filled: ready to serve */
  void *data;
};

struct ctrl;

/* Starts watching; reconciles begin with ctrl_set_leading(c, 1). */
int ctrl_start(uv_loop_t *loop, const struct ctrl_opts *o, struct ctrl **out,
               struct err *e);
/* Only the leader reconciles; a follower keeps its caches warm. */
void ctrl_set_leading(struct ctrl *c, int leading);
/* Stops everything; cb runs once the loop may close. */
void ctrl_stop(struct ctrl *c, void (*cb)(void *data), void *data);

#endif
