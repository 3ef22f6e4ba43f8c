/* generate: an IstioOperator turned into Kubernetes objects, exactly as
 * `istioctl manifest generate` does: merge inputs (iop.h), validate
 * (iopvalidate.h), apply unvalidatedValues, render each enabled component
 * instance's chart in istioctl's mode (chart.h), post-process (k8s
 * settings, overlays: manifest.h), then sort. */
#ifndef IOP_GENERATE_H
#define IOP_GENERATE_H

#include "err.h"
#include "iop.h"

#include <json-c/json.h>
#include <stdio.h>

struct generate_opts {
  struct iop_inputs in;
  int force;                /* validation errors become warnings */
  const char *kube_version; /* .Capabilities.KubeVersion; NULL: v1.32.0 */
  FILE *warnings;           /* where warnings go; NULL: stderr */
};

/* The objects of one component, in render order. */
struct generate_component {
  const struct iop_component *comp;
  const char *namespace;    /* the instance's namespace (the first one) */
  struct json_object *objs; /* array */
};

struct generate_result {
  struct json_object *merged; /* the merged IstioOperator configuration */
  char *manifests;            /* the manifests directory used */
  struct generate_component comps[IOP_NCOMPONENTS];
  int ncomps;                 /* components with objects, in render order */
  struct json_object *sorted; /* every object, sorted as istioctl prints */
};

/* Runs the pipeline, loading each chart once however many instances use
 * it (gateways), and none kept afterwards. Errors read as istioctl's
 * ("merge inputs: ...", "helm render: ...", "post processing: ...") and
 * name the place. */
int generate_run(const struct generate_opts *o, struct generate_result *out,
                 struct err *e);
void generate_result_free(struct generate_result *r);

#endif
