/* iopvalidate: IstioOperator validation, as istioctl runs it before
 * rendering (operator/pkg/apis/validation ParseAndValidateIstioOperator).
 *
 * The input is the merged configuration iop_merge_inputs builds (profile,
 * files, --set flags, translated to Helm values). It is checked in
 * istioctl's order, against the schema in lib/data/iop-schema.yaml:
 *   1. the object as Go decodes it, unknown fields rejected: metadata,
 *      spec, components.*, and the Kubernetes types under k8s. Errors read
 *      "could not unmarshal: <path>: json: unknown field \"x\"". When this
 *      step fails, nothing else is checked (istioctl stops there too).
 *   2. spec.values as the Values protobuf ("could not unmarshal: <path>:
 *      unknown field \"x\" in istio.operator.v1alpha1.GlobalConfig"); when
 *      that decodes: gateway ports that need root, replicaCount with
 *      autoscaling (a warning), values.meshConfig, the proxy's IP ranges
 *      and port lists, and the Kubernetes structs that values carry
 *      ("invalid schema for <path>: ...").
 *   3. spec.meshConfig as MeshConfig: types, then istioctl's mesh rules
 *      (ports, timeouts, addresses, trust domains, load balancing...), are
 *      errors; unknown fields are warnings (istioctl drops them without a
 *      word). A copy of it in values.meshConfig is reported once.
 *   4. spec.hub (an image repository), spec.tag (an image tag),
 *      spec.revision (a DNS-1123 label) and gateway names.
 * Every message is one line and names the field's path from the object's
 * root, e.g. spec.components.pilot.k8s.tolerations[0].thats. */
#ifndef IOP_IOPVALIDATE_H
#define IOP_IOPVALIDATE_H

#include "err.h"

#include <json-c/json.h>
#include <stdio.h>

/* At most this many errors (and as many warnings) are kept; the rest are
 * counted in `dropped`. */
#define IOPVALIDATE_MAX_MESSAGES 100

struct iop_validation {
  char **errors; /* one-line messages, in istioctl's order */
  int nerrors;
  char **warnings;
  int nwarnings;
  int dropped; /* messages beyond IOPVALIDATE_MAX_MESSAGES */
};

/* Validates merged (borrowed, not modified) into out, which the caller
 * frees with iop_validation_free. Returns 0 when validation ran, whatever
 * it found; a negative errno only when it could not run (e.g. the
 * compiled-in schema is broken). */
int iop_validate(struct json_object *merged, struct iop_validation *out,
                 struct err *e);
void iop_validation_free(struct iop_validation *v);

/* The messages joined with ", ", as istioctl prints a list of errors; a
 * new string ("" when n is 0). */
char *iop_validation_join(char *const *msgs, int n);

/* What istioctl does with the result: with errors and without force,
 * returns -EINVAL with the joined errors in e (warnings are not printed).
 * Otherwise prints "spec invalid; continuing because of --force: <errors>"
 * when there are errors, then each warning as "❗ <warning>", one per
 * line, to out (stderr for the command line), and returns 0. */
int iop_validation_report(const struct iop_validation *v, int force, FILE *out,
                          struct err *e);

#endif
