/* manifest: parse, post-process, sort and print rendered objects (see
 * manifest.h). */
#include "manifest.h"

#include "jobj.h"
#include "kjson.h"
#include "kyaml.h"
#include "overlay.h"
#include "smp.h"
#include "vmap.h"
#include "yamlout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing ---- */

struct parse_ctx {
  const char *name;
  struct json_object *objs;
  struct err *e;
};

static int parse_part(const char *part, size_t len, int line, void *data)
{
  struct parse_ctx *p = data;
  struct kyaml_opts o = {.name = p->name, .first_line = line};
  struct json_object *doc = NULL;
  int rc = kyaml_parse(part, len, &o, &doc, p->e);
  if (rc)
    return rc;
  if (!doc)
    return 0; /* comments only */
  if (!jobj_is_obj(doc)) {
    json_object_put(doc);
    return err_set(p->e, -EINVAL,
                   "%s:%d: a rendered document is not a "
                   "mapping",
                   p->name, line);
  }
  const char *kind = jobj_str(doc, "kind");
  if (!kind || !*kind) {
    int empty = json_object_object_length(doc) == 0;
    json_object_put(doc);
    return empty ? 0
                 : err_set(p->e, -EINVAL, "%s:%d: Object 'Kind' is missing",
                           p->name, line);
  }
  json_object_array_add(p->objs, doc);
  return 0;
}

int manifest_parse(const char *text, size_t len, const char *name,
                   struct json_object *objs, struct err *e)
{
  struct parse_ctx p = {name, objs, e};
  return kyaml_split(text, len, 1, parse_part, &p);
}

/* ---- k8s settings ---- */

struct setting {
  const char *field;
  const char *kind; /* NULL: the component's resource type */
  int in_container; /* the value goes in containers[{name: C, field: V}] */
};

/* istioctl's k8s settings, each applied as a strategic merge patch. */
static const struct setting settings[] = {
    {"affinity", NULL, 0},
    {"env", NULL, 1},
    {"hpaSpec", "HorizontalPodAutoscaler", 0},
    {"imagePullPolicy", NULL, 1},
    {"nodeSelector", NULL, 0},
    {"podDisruptionBudget", "PodDisruptionBudget", 0},
    {"podAnnotations", NULL, 0},
    {"priorityClassName", NULL, 0},
    {"readinessProbe", NULL, 1},
    {"replicaCount", NULL, 0},
    {"resources", NULL, 1},
    {"strategy", NULL, 0},
    {"tolerations", NULL, 0},
    {"serviceAnnotations", "Service", 0},
    {"service", "Service", 0},
    {"securityContext", NULL, 0},
};

static const char *kind_of(struct json_object *o)
{
  return jobj_str(o, "kind");
}

static const char *name_of(struct json_object *o)
{
  return jobj_path_str(o, "metadata", "name", (const char *)NULL);
}

/* The patch document for one setting, shaped as istioctl's templates:
 * {"spec":V} for HPA, PDB and Service, spec.replicas, spec.strategy,
 * metadata.annotations for Services, the pod template's metadata or spec
 * otherwise, or the component's container. */
static struct json_object *make_patch(const struct setting *s,
                                      struct json_object *v,
                                      const char *container)
{
  struct json_object *value = jobj_dup(v);
  if (!s->in_container) {
    struct json_object *inner = value;
    /* Build the nesting the template describes. */
    struct json_object *root = json_object_new_object();
    if (strcmp(s->field, "hpaSpec") == 0 ||
        strcmp(s->field, "podDisruptionBudget") == 0 ||
        strcmp(s->field, "service") == 0)
      jobj_set(root, "spec", inner);
    else if (strcmp(s->field, "replicaCount") == 0)
      jobj_set(jobj_ensure_obj(root, "spec"), "replicas", inner);
    else if (strcmp(s->field, "strategy") == 0)
      jobj_set(jobj_ensure_obj(root, "spec"), "strategy", inner);
    else if (strcmp(s->field, "serviceAnnotations") == 0)
      jobj_set(jobj_ensure_obj(root, "metadata"), "annotations", inner);
    else if (strcmp(s->field, "podAnnotations") == 0)
      jobj_set(jobj_ensure_obj(
                   jobj_ensure_obj(jobj_ensure_obj(root, "spec"), "template"),
                   "metadata"),
               "annotations", inner);
    else
      jobj_set(jobj_ensure_obj(
                   jobj_ensure_obj(jobj_ensure_obj(root, "spec"), "template"),
                   "spec"),
               s->field, inner);
    return root;
  }
  struct json_object *c = json_object_new_object();
  jobj_set_str(c, "name", container);
  jobj_set(c, s->field, value);
  struct json_object *list = json_object_new_array();
  json_object_array_add(list, c);
  struct json_object *root = json_object_new_object();
  jobj_set(
      jobj_ensure_obj(
          jobj_ensure_obj(jobj_ensure_obj(root, "spec"), "template"), "spec"),
      "containers", list);
  return root;
}

/* PodDisruptionBudget: with both set, minAvailable becomes null. */
static void fix_pdb(struct json_object *obj)
{
  struct json_object *spec = jobj_obj(obj, "spec");
  if (json_object_object_get_ex(spec, "maxUnavailable", NULL) &&
      json_object_object_get_ex(spec, "minAvailable", NULL))
    json_object_object_add(spec, "minAvailable", NULL);
}

static int apply_setting(const struct setting *s, struct json_object *v,
                         const char *kind, const char *name,
                         const char *container, struct json_object *objs,
                         struct err *e)
{
  struct json_object *patch = make_patch(s, v, container);
  int rc = 0;
  for (size_t i = 0; !rc && i < json_object_array_length(objs); i++) {
    struct json_object *o = json_object_array_get_idx(objs, i);
    if (strcmp(kind_of(o), kind) != 0 || !name_of(o) ||
        strcmp(name_of(o), name) != 0)
      continue;
    rc = smp_apply(o, kind, patch, e);
    if (rc)
      err_wrap(e, "post processing: patch");
    else if (strcmp(s->field, "podDisruptionBudget") == 0)
      fix_pdb(o);
  }
  json_object_put(patch);
  return rc;
}

/* The resource the settings target: gateways by their name, a revisioned
 * istiod as istiod-<rev>. */
static void target_name(const struct iop_instance *inst,
                        struct json_object *values, char *out, size_t n)
{
  const struct iop_component *c = inst->comp;
  const char *rn = inst->name && *inst->name ? inst->name : c->resource_name;
  const char *rev = jobj_str(values, "revision");
  if (c->id == IOP_PILOT && rev && *rev && strcmp(rev, "default") != 0)
    snprintf(out, n, "%s-%s", rn, rev);
  else
    snprintf(out, n, "%s", rn);
}

/* Each overlay patches every object of its kind and name (none is fine).
 * A patch whose path fails (an element not found, a leaf in the middle) is
 * skipped and the others still apply: istioctl's applyPatches collects
 * those errors but returns only the re-marshalled object. */
static void apply_overlays(struct json_object *k8s, struct json_object *objs)
{
  struct json_object *overlays = jobj_arr(k8s, "overlays");
  for (size_t i = 0; overlays && i < json_object_array_length(overlays); i++) {
    struct json_object *ov = json_object_array_get_idx(overlays, i);
    const char *kind = jobj_str(ov, "kind"), *name = jobj_str(ov, "name");
    for (size_t k = 0; k < json_object_array_length(objs); k++) {
      struct json_object *o = json_object_array_get_idx(objs, k);
      if (!kind || !name || strcmp(kind_of(o), kind) != 0 || !name_of(o) ||
          strcmp(name_of(o), name) != 0)
        continue;
      struct err ignored;
      overlay_apply(o, jobj_arr(ov, "patches"), &ignored);
    }
  }
}

int manifest_postprocess(const struct iop_instance *inst,
                         struct json_object *values, struct json_object *objs,
                         struct err *e)
{
  const struct iop_component *c = inst->comp;
  struct json_object *k8s = jobj_obj(inst->spec, "k8s");
  if (!k8s)
    return 0;
  char rn[256];
  target_name(inst, values, rn, sizeof rn);
  int gateway = c->id == IOP_INGRESS || c->id == IOP_EGRESS;
  if (gateway) {
    /* istioctl passes gateway service ports as values, not as a patch. */
    struct err ignored;
    vmap_set_path(inst->spec, "k8s.service.ports", json_object_new_array(),
                  &ignored);
  }
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof settings / sizeof settings[0]; i++) {
    const struct setting *s = &settings[i];
    int found;
    char path[64];
    snprintf(path, sizeof path, "k8s.%s", s->field);
    struct json_object *v = vmap_get_path(inst->spec, path, &found);
    if (!found)
      continue;
    rc = apply_setting(s, v, s->kind ? s->kind : c->resource_type, rn,
                       c->container_name, objs, e);
  }
  if (!rc)
    apply_overlays(k8s, objs);
  return rc;
}

/* ---- sorting and output ---- */

static int kind_order(const char *group, const char *kind)
{
  static const struct {
    const char *gk;
    int order;
  } table[] = {
      {"apiextensions.k8s.io/CustomResourceDefinition", -1000},
      {"/ServiceAccount", 1},
      {"rbac.authorization.k8s.io/ClusterRole", 1},
      {"rbac.authorization.k8s.io/ClusterRoleBinding", 2},
      {"admissionregistration.k8s.io/ValidatingWebhookConfiguration", 3},
      {"/ConfigMap", 100},
      {"/Secrets", 100}, /* sic: istioctl's table misspells Secret */
      {"apps/Deployment", 1000},
      {"extensions/Deployment", 1000},
      {"autoscaling/HorizontalPodAutoscaler", 1001},
      {"/Service", 10000}};
  char gk[512];
  snprintf(gk, sizeof gk, "%s/%s", group, kind);
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(gk, table[i].gk) == 0)
      return table[i].order;
  return 1000;
}

struct sort_key {
  int order;
  char group[256];
  const char *kind;
  const char *name;
  size_t index;
  struct json_object *obj;
};

static void make_key(struct json_object *o, size_t i, struct sort_key *k)
{
  const char *av = jobj_str(o, "apiVersion");
  const char *slash = av ? strchr(av, '/') : NULL;
  snprintf(k->group, sizeof k->group, "%.*s", slash ? (int)(slash - av) : 0,
           av ? av : "");
  k->kind = kind_of(o) ? kind_of(o) : "";
  k->name = name_of(o) ? name_of(o) : "";
  k->order = kind_order(k->group, k->kind);
  k->index = i;
  k->obj = o;
}

static int cmp_keys(const void *a, const void *b)
{
  const struct sort_key *x = a, *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  int c = strcmp(x->group, y->group);
  if (!c)
    c = strcmp(x->kind, y->kind);
  if (!c)
    c = strcmp(x->name, y->name);
  if (!c) /* stable */
    c = x->index < y->index ? -1 : x->index > y->index;
  return c;
}

void manifest_sort(struct json_object *objs)
{
  size_t n = json_object_array_length(objs);
  struct sort_key *keys = calloc(n + 1, sizeof *keys);
  if (!keys)
    return;
  for (size_t i = 0; i < n; i++)
    make_key(json_object_get(json_object_array_get_idx(objs, i)), i, &keys[i]);
  qsort(keys, n, sizeof *keys, cmp_keys);
  for (size_t i = 0; i < n; i++)
    json_object_array_put_idx(objs, i, keys[i].obj);
  free(keys);
}

int manifest_write(struct buf *out, struct json_object *objs, struct err *e)
{
  size_t n = json_object_array_length(objs);
  for (size_t i = 0; i < n; i++) {
    int rc = yamlout_write(out, json_object_array_get_idx(objs, i), e);
    if (!rc)
      rc = buf_puts(out, "\n---\n");
    if (rc)
      return rc;
  }
  return 0;
}

void manifest_hash(struct json_object *obj, struct buf *out)
{
  const char *kind = kind_of(obj) ? kind_of(obj) : "";
  const char *ns =
      jobj_path_str(obj, "metadata", "namespace", (const char *)NULL);
  if (strcmp(kind, "ClusterRole") == 0 ||
      strcmp(kind, "ClusterRoleBinding") == 0)
    buf_printf(out, "%s:%s", kind, name_of(obj) ? name_of(obj) : "");
  else
    buf_printf(out, "%s:%s:%s", kind, ns ? ns : "",
               name_of(obj) ? name_of(obj) : "");
}
