/* opmanifest: the operator's own objects, as `iop operator init|dump`
 * installs them: the IstioOperator CRD, the namespace, service account,
 * RBAC, Deployment and metrics Service of deploy/ (compiled in), adjusted
 * for the options (image, namespaces, revision) the way istioctl operator
 * init adjusted upstream's: with a revision every name gets "-<rev>". */
#ifndef IOP_OPMANIFEST_H
#define IOP_OPMANIFEST_H

#include "err.h"

#include <json-c/json.h>

#define OPMANIFEST_DEFAULT_HUB "ghcr.io/iop-project"
#define OPMANIFEST_COMPONENT "IstioOperator"

struct opmanifest_opts {
  const char *hub;                /* NULL: OPMANIFEST_DEFAULT_HUB */
  const char *tag;                /* NULL: this iop's version */
  const char *operator_namespace; /* NULL: istio-operator */
  const char
      *watched_namespaces; /* comma list; "" for all; NULL: istio-system */
  const char *revision;    /* NULL or "": none */
  const char *image_pull_secrets; /* comma list, may be NULL */
  const char *manifests;          /* --manifests baked into the server args */
};

/* The objects in apply order (CRD first). A new array. */
int opmanifest_build(const struct opmanifest_opts *o, struct json_object **objs,
                     struct err *e);
/* The operator's resource name: istio-operator or istio-operator-<rev>. */
const char *opmanifest_name(const char *revision, char *buf, size_t n);

#endif
