/* apply: rendered objects put onto the cluster, by iop server and iop
 * install alike.
 *
 * Each object gets the owner labels of the compatibility contract and an
 * annotation with the hash of what we applied; it is applied with
 * server-side apply (field manager istio-operator, forced) unless the live
 * object already holds everything we want, so an unchanged IstioOperator
 * costs no writes. Fields that istiod manages itself (webhook caBundle and
 * the validating webhook's failurePolicy) are left to istiod once it has
 * changed them, so the two never fight. */
#ifndef IOP_APPLY_H
#define IOP_APPLY_H

#include "err.h"
#include "kube.h"

#include <json-c/json.h>
#include <stddef.h>

#define APPLY_FIELD_MANAGER "istio-operator"
#define APPLY_HASH_ANNOTATION "install.operator.istio.io/applied-hash"

#define LABEL_MANAGED "operator.istio.io/managed"
#define LABEL_COMPONENT "operator.istio.io/component"
#define LABEL_VERSION "operator.istio.io/version"
#define LABEL_OWNER "install.operator.istio.io/owning-resource"
#define LABEL_OWNER_NS "install.operator.istio.io/owning-resource-namespace"
#define LABEL_REVISION "istio.io/rev"

struct apply_owner {
  const char *name; /* the IstioOperator's name; NULL for none */
  const char *namespace;
  const char *revision; /* "" or NULL: default */
  const char *version;  /* operator.istio.io/version */
};

/* A copy of obj ready to apply: owner labels for its component, the
 * applied-hash annotation, and without the istiod-managed fields that live
 * (which may be NULL) holds with other values. */
struct json_object *apply_prepare(struct json_object *obj,
                                  const char *component,
                                  const struct apply_owner *owner,
                                  struct json_object *live);

/* True when applying `prepared` to `live` would change nothing: live
 * carries our last hash and every field we set has the value we want. */
int apply_unchanged(struct json_object *prepared, struct json_object *live);

/* Whether a live workload is ready (Deployment, DaemonSet, StatefulSet;
 * other kinds are ready when they exist). Returns 1, or 0 with a reason. */
int apply_ready(struct json_object *live, char *why, size_t n);

/* Whether a CustomResourceDefinition reports Established. */
int apply_crd_established(struct json_object *live);

/* The kinds a prune looks through: every kind Istio's charts create
 * (deploy/clusterrole.yaml grants exactly these), with the versions to try
 * in order (a cluster serves some of them). CRDs are not here: they are
 * never pruned. */
#define APPLY_KIND_VERSIONS 3
struct apply_kind {
  const char *group;
  const char *kind;
  const char *versions[APPLY_KIND_VERSIONS]; /* NULL-terminated */
};
extern const struct apply_kind apply_prunable_kinds[];
extern const size_t apply_nprunable_kinds;

/* "group/Kind/namespace/name", a stable identity for an object. */
void apply_key(struct json_object *obj, char *out, size_t n);

/* Applies a list of prepared objects concurrently; done runs once, when
 * every request has finished. */
struct apply_batch;
typedef void (*apply_done_cb)(struct apply_batch *b, void *data);

struct apply_result {
  struct json_object *obj;  /* what we applied (borrowed from the batch) */
  struct json_object *live; /* the server's answer, NULL on error */
  int rc;
  struct err err;
};

int apply_batch_start(struct kube_client *c, struct json_object *objs,
                      int dry_run, apply_done_cb done, void *data,
                      struct apply_batch **out);
size_t apply_batch_count(const struct apply_batch *b);
const struct apply_result *apply_batch_result(const struct apply_batch *b,
                                              size_t i);
/* The number of requests that failed. */
size_t apply_batch_errors(const struct apply_batch *b);
void apply_batch_free(struct apply_batch *b);

#endif
