/* leader: leader election on a coordination.k8s.io/v1 Lease, on the loop.
 *
 * The algorithm and the Lease fields are client-go's (leaderelection with
 * the "leases" lock), which controller-runtime uses too, so iop and the
 * removed upstream Istio operator respect each other's lease
 * ("istio-operator-lock"):
 *
 * - A candidate reads the Lease. None: it creates one naming itself. Held
 *   by someone else: it waits until the record has not changed for the
 *   record's leaseDurationSeconds, as measured on its own clock from when
 *   it saw the change (clocks of different machines are never compared),
 *   then takes it over. Empty holderIdentity (a released lease): it takes
 *   it at once. Writes carry the resourceVersion read; 409 means someone
 *   else won the race.
 * - The leader renews every retry_period. When no renewal has succeeded
 *   for renew_deadline since the last good one began, it stops leading,
 *   even if a request is still in flight: others may take over one lease
 *   duration after they saw that renewal, and renew_deadline is shorter.
 *   Afterwards it is a candidate again.
 * - leader_close() releases a held lease (holderIdentity "",
 *   leaseDurationSeconds 1, as client-go's ReleaseOnCancel does) so
 *   another instance takes over at once.
 *
 * Callbacks run on the loop. on_started_leading and on_stopped_leading
 * alternate, starting with started; on_stopped_leading also runs in
 * leader_close when leading (before the release is written, so work stops
 * first). */
#ifndef IOP_LEADER_H
#define IOP_LEADER_H

#include "err.h"
#include "kube.h"

#include <stddef.h>
#include <stdint.h>

struct leader;

struct leader_opts {
  const char *namespace;      /* required */
  const char *name;           /* the Lease, e.g. "istio-operator-lock" */
  const char *identity;       /* NULL: leader_default_identity() */
  uint64_t lease_duration_ms; /* 0: 15 s; written in whole seconds */
  uint64_t renew_deadline_ms; /* 0: 10 s */
  uint64_t retry_period_ms;   /* 0: 2 s */
  void (*on_started_leading)(void *data);
  void (*on_stopped_leading)(void *data);
  /* The holder changed (NULL or "" when released), as observed. */
  void (*on_new_leader)(const char *identity, void *data);
  void *data;
};

/* POD_NAME if set, else the hostname; then "_" and 8 random hex digits,
 * so two processes on one host (or a restarted pod) differ. */
int leader_default_identity(char *out, size_t n);

/* Checks the options (lease > renew deadline > 1.2 * retry period, as
 * client-go requires) and starts campaigning at once. */
int leader_start(struct kube_client *c, const struct leader_opts *o,
                 struct leader **out, struct err *e);

int leader_is_leader(struct leader *l);
const char *leader_identity(struct leader *l);
/* The holder last observed ("" if none yet); borrowed. */
const char *leader_holder(struct leader *l);

/* Stops campaigning and renewing; if leading, runs on_stopped_leading,
 * then releases the lease. Once the last request finished (a release is
 * bounded by the client's request timeout), frees the elector and runs
 * cb(data) (may be NULL). No other callback runs after this returns. Keep
 * the client open and the loop running until cb. */
void leader_close(struct leader *l, void (*cb)(void *data), void *data);

#endif
