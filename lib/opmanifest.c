/* opmanifest: the operator's own manifests from deploy/ (see
 * opmanifest.h). */
#include "opmanifest.h"

#include "buf.h"
#include "data.h"
#include "jobj.h"
#include "kyaml.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

IOP_DATA(crds_istiooperator_yaml);
IOP_DATA(deploy_namespace_yaml);
IOP_DATA(deploy_serviceaccount_yaml);
IOP_DATA(deploy_clusterrole_yaml);
IOP_DATA(deploy_clusterrolebinding_yaml);
IOP_DATA(deploy_role_yaml);
IOP_DATA(deploy_deployment_yaml);
IOP_DATA(deploy_service_yaml);

struct source {
  const unsigned char *text;
  const unsigned long *len;
  const char *name;
};

static const struct source sources[] = {
    {iop_data_crds_istiooperator_yaml, &iop_data_crds_istiooperator_yaml_len,
     "crds/istiooperator.yaml"},
    {iop_data_deploy_namespace_yaml, &iop_data_deploy_namespace_yaml_len,
     "deploy/namespace.yaml"},
    {iop_data_deploy_serviceaccount_yaml,
     &iop_data_deploy_serviceaccount_yaml_len, "deploy/serviceaccount.yaml"},
    {iop_data_deploy_clusterrole_yaml, &iop_data_deploy_clusterrole_yaml_len,
     "deploy/clusterrole.yaml"},
    {iop_data_deploy_clusterrolebinding_yaml,
     &iop_data_deploy_clusterrolebinding_yaml_len,
     "deploy/clusterrolebinding.yaml"},
    {iop_data_deploy_role_yaml, &iop_data_deploy_role_yaml_len,
     "deploy/role.yaml"},
    {iop_data_deploy_deployment_yaml, &iop_data_deploy_deployment_yaml_len,
     "deploy/deployment.yaml"},
    {iop_data_deploy_service_yaml, &iop_data_deploy_service_yaml_len,
     "deploy/service.yaml"},
};

const char *opmanifest_name(const char *revision, char *buf, size_t n)
{
  if (revision && *revision && strcmp(revision, "default") != 0)
    snprintf(buf, n, "istio-operator-%s", revision);
  else
    snprintf(buf, n, "istio-operator");
  return buf;
}

static struct json_object *env_var(const char *name, const char *value)
{
  struct json_object *e = json_object_new_object();
  jobj_set_str(e, "name", name);
  jobj_set_str(e, "value", value);
  return e;
}

static void set_env(struct json_object *container, const char *name,
                    const char *value)
{
  struct json_object *env = jobj_arr(container, "env");
  for (size_t i = 0; env && i < json_object_array_length(env); i++) {
    struct json_object *e = json_object_array_get_idx(env, i);
    if (jobj_str(e, "name") && strcmp(jobj_str(e, "name"), name) == 0) {
      jobj_set_str(e, "value", value);
      return;
    }
  }
  if (env)
    json_object_array_add(env, env_var(name, value));
}

static void adjust_deployment(struct json_object *d,
                              const struct opmanifest_opts *o, const char *name)
{
  struct json_object *pod =
      jobj_path(d, "spec", "template", "spec", (const char *)NULL);
  struct json_object *c =
      json_object_array_get_idx(jobj_arr(pod, "containers"), 0);
  char image[1024];
  snprintf(image, sizeof image, "%s/iop:%s",
           o->hub ? o->hub : OPMANIFEST_DEFAULT_HUB,
           o->tag ? o->tag : iop_version());
  jobj_set_str(c, "image", image);
  jobj_set_str(pod, "serviceAccountName", name);
  set_env(c, "WATCH_NAMESPACE",
          o->watched_namespaces ? o->watched_namespaces : "istio-system");
  set_env(c, "REVISION", o->revision ? o->revision : "");
  if (o->manifests) {
    char arg[4200];
    snprintf(arg, sizeof arg, "--manifests=%s", o->manifests);
    json_object_array_add(jobj_arr(c, "args"), json_object_new_string(arg));
  }
}

static void add_pull_secrets(struct json_object *sa, const char *list)
{
  if (!list || !*list)
    return;
  struct json_object *arr = json_object_new_array();
  char *copy = strdup(list);
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s;
       s = strtok_r(NULL, ",", &save)) {
    struct json_object *ref = json_object_new_object();
    jobj_set_str(ref, "name", s);
    json_object_array_add(arr, ref);
  }
  free(copy);
  jobj_set(sa, "imagePullSecrets", arr);
}

/* The `name` label selects the operator's pods: each revision selects
 * its own, so a revision's Service and Deployment never take another's
 * pods. */
static void relabel(struct json_object *labels, const char *name)
{
  if (jobj_is_obj(labels) && jobj_str(labels, "name"))
    jobj_set_str(labels, "name", name);
}

static void relabel_all(struct json_object *obj, const char *name)
{
  relabel(jobj_path(obj, "metadata", "labels", (const char *)NULL), name);
  relabel(jobj_path(obj, "spec", "selector", "matchLabels", (const char *)NULL),
          name);
  relabel(jobj_path(obj, "spec", "template", "metadata", "labels",
                    (const char *)NULL),
          name);
  if (strcmp(jobj_str(obj, "kind"), "Service") == 0)
    relabel(jobj_path(obj, "spec", "selector", (const char *)NULL), name);
}

/* Names, namespaces and subjects follow the revision and the namespace. */
static void adjust(struct json_object *obj, const struct opmanifest_opts *o,
                   const char *name, const char *ns)
{
  const char *kind = jobj_str(obj, "kind");
  struct json_object *meta = jobj_obj(obj, "metadata");
  if (strcmp(kind, "CustomResourceDefinition") == 0)
    return;
  if (strcmp(kind, "Namespace") == 0) {
    jobj_set_str(meta, "name", ns);
    return;
  }
  jobj_set_str(meta, "name", name);
  if (jobj_str(meta, "namespace"))
    jobj_set_str(meta, "namespace", ns);
  struct json_object *subjects = jobj_arr(obj, "subjects");
  for (size_t i = 0; subjects && i < json_object_array_length(subjects); i++) {
    struct json_object *s = json_object_array_get_idx(subjects, i);
    jobj_set_str(s, "name", name);
    jobj_set_str(s, "namespace", ns);
  }
  if (jobj_obj(obj, "roleRef"))
    jobj_set_str(jobj_obj(obj, "roleRef"), "name", name);
  relabel_all(obj, name);
  if (strcmp(kind, "Deployment") == 0)
    adjust_deployment(obj, o, name);
  if (strcmp(kind, "ServiceAccount") == 0)
    add_pull_secrets(obj, o->image_pull_secrets);
}

struct build {
  const struct opmanifest_opts *o;
  const char *name;
  const char *ns;
  struct json_object *objs;
};

static int add_doc(struct json_object *doc, int line, void *data)
{
  struct build *b = data;
  (void)line;
  if (!jobj_str(doc, "kind")) {
    json_object_put(doc);
    return 0;
  }
  adjust(doc, b->o, b->name, b->ns);
  json_object_array_add(b->objs, doc);
  return 0;
}

int opmanifest_build(const struct opmanifest_opts *o, struct json_object **out,
                     struct err *e)
{
  char name[256];
  opmanifest_name(o->revision, name, sizeof name);
  struct build b = {
      o, name, o->operator_namespace ? o->operator_namespace : "istio-operator",
      json_object_new_array()};
  for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
    struct kyaml_opts yo = {.name = sources[i].name};
    int rc = kyaml_parse_each((const char *)sources[i].text, *sources[i].len,
                              &yo, add_doc, &b, e);
    if (rc) {
      json_object_put(b.objs);
      return rc;
    }
  }
  *out = b.objs;
  return 0;
}
