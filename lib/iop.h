/* iop: an IstioOperator turned into per-component Helm values, exactly as
 * istioctl manifest generate does it (current istioctl; see
 * reference/istioctl-render-spec.md §1).
 *
 * The merged configuration is an untyped map (vmap.h) built in istioctl's
 * order: profile default.yaml < the named profile < files in order <
 * --set flags in order, translated to Helm values (spec.hub ->
 * values.global.hub ...), then the user's spec.values applied once more.
 * Components (Base, Pilot, each ingress and egress gateway, Cni, Ztunnel)
 * are read from it, each instance with its namespace and its own view of
 * the values. */
#ifndef IOP_IOP_H
#define IOP_IOP_H

#include "err.h"

#include <json-c/json.h>

enum iop_component_id {
  IOP_BASE,
  IOP_PILOT,
  IOP_INGRESS,
  IOP_EGRESS,
  IOP_CNI,
  IOP_ZTUNNEL,
  IOP_NCOMPONENTS
};

struct iop_component {
  enum iop_component_id id;
  const char *name;      /* Base, Pilot, IngressGateways, ... */
  const char *spec_name; /* spec.components.<spec_name> */
  const char *display;   /* "Istio core", "Istiod", ... */
  int enabled_by_default;
  int multi;                 /* a list of instances (gateways) */
  const char *helm_subdir;   /* under <manifests>/charts */
  const char *values_root;   /* "pilot", "gateways.istio-ingressgateway" */
  int flatten_values;        /* ztunnel: values not under its root */
  const char *resource_type; /* Deployment, DaemonSet or "" */
  const char *resource_name;
  const char *container_name;
  const char *alt_enablement_path;
};

/* The components in render order. */
extern const struct iop_component iop_components[IOP_NCOMPONENTS];
const struct iop_component *iop_component_by_name(const char *name);

/* One instance of a component. */
struct iop_instance {
  const struct iop_component *comp;
  char *namespace;
  char *name;                /* gateways: the gateway's name, else NULL */
  struct json_object *label; /* gateways: labels; NULL for defaults */
  struct json_object *spec;  /* the component spec map (k8s ...), may be NULL */
  char *hub;                 /* "" when unset */
  struct json_object *tag;   /* NULL when unset */
};

struct iop_inputs {
  const char *const *files; /* -f files merged in order; "-" is stdin */
  int nfiles;
  struct json_object *object; /* or an IstioOperator object (the operator) */
  const char *const *sets;    /* --set flags, in order */
  int nsets;
  /* Where profiles are read when spec.installPackagePath is empty. */
  const char *default_manifests;
};

/* Builds the merged configuration (errors: "profile \"x\" not found: ...",
 * "contains multiple IstioOperator CRs, only one per file is supported").
 * *manifests receives the directory holding profiles/ and charts/. */
int iop_merge_inputs(const struct iop_inputs *in, struct json_object **merged,
                     char **manifests, struct err *e);

/* After validation: spec.unvalidatedValues merged into spec.values. */
void iop_apply_unvalidated_values(struct json_object *merged);

/* The instances of a component that are enabled, in order. */
int iop_instances(struct json_object *merged, const struct iop_component *c,
                  struct iop_instance **out, int *n, struct err *e);
void iop_instances_free(struct iop_instance *list, int n);

/* The Helm values one instance renders with (a new tree). */
int iop_instance_values(struct json_object *merged,
                        const struct iop_instance *inst,
                        struct json_object **values, struct err *e);

#endif
