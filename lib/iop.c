/* iop: IstioOperator inputs merged and turned into Helm values per
 * component instance, with istioctl's rules (see iop.h). */
#include "iop.h"

#include "buf.h"
#include "gonum.h"
#include "jobj.h"
#include "kyaml.h"
#include "quantity.h"
#include "vmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IOP_FILE_MAX ((size_t)16 << 20)

const struct iop_component iop_components[IOP_NCOMPONENTS] = {
    {IOP_BASE, "Base", "base", "Istio core", 1, 0, "base", "global", 0, "", "",
     "", NULL},
    {IOP_PILOT, "Pilot", "pilot", "Istiod", 1, 0,
     "istio-control/istio-discovery", "pilot", 0, "Deployment", "istiod",
     "discovery", NULL},
    {IOP_INGRESS, "IngressGateways", "ingressGateways", "Ingress gateways", 1,
     1, "gateways/istio-ingress", "gateways.istio-ingressgateway", 0,
     "Deployment", "istio-ingressgateway", "istio-proxy",
     "spec.values.gateways.istio-ingressgateway.enabled"},
    {IOP_EGRESS, "EgressGateways", "egressGateways", "Egress gateways", 0, 1,
     "gateways/istio-egress", "gateways.istio-egressgateway", 0, "Deployment",
     "istio-egressgateway", "istio-proxy",
     "spec.values.gateways.istio-egressgateway.enabled"},
    {IOP_CNI, "Cni", "cni", "CNI", 0, 0, "istio-cni", "cni", 0, "DaemonSet",
     "istio-cni-node", "install-cni", NULL},
    {IOP_ZTUNNEL, "Ztunnel", "ztunnel", "Ztunnel", 0, 0, "ztunnel", "ztunnel",
     1, "DaemonSet", "ztunnel", "istio-proxy", NULL},
};

const struct iop_component *iop_component_by_name(const char *name)
{
  for (int i = 0; i < IOP_NCOMPONENTS; i++)
    if (strcmp(iop_components[i].name, name) == 0 ||
        strcmp(iop_components[i].spec_name, name) == 0)
      return &iop_components[i];
  return NULL;
}

/* ---- reading inputs ---- */

static char *read_all(FILE *f, const char *name, size_t *len, struct err *e)
{
  struct buf b;
  buf_init(&b, IOP_FILE_MAX);
  char chunk[65536];
  size_t n;
  int rc = 0;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = buf_append(&b, chunk, n);
  if (rc) {
    err_set(e, rc, "%s: larger than %zu bytes", name, (size_t)IOP_FILE_MAX);
    buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return buf_take(&b);
}

/* Why a file could not be opened, in Go's words: the errno text as Go
 * prints it (lower case), or fs.ErrNotExist's for the built-in manifests,
 * which stand in for istioctl's embedded ones. */
static const char *open_error(int errnum, int builtin, char *buf, size_t n)
{
  if (builtin && errnum == ENOENT)
    return "file does not exist";
  snprintf(buf, n, "%s", strerror(errnum));
  if (buf[0] >= 'A' && buf[0] <= 'Z')
    buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

static char *read_input(const char *path, size_t *len, struct err *e)
{
  if (strcmp(path, "-") == 0)
    return read_all(stdin, "<stdin>", len, e);
  FILE *f = fopen(path, "rb");
  if (!f) {
    char why[128];
    int errnum = errno;
    err_set(e, -errnum, "open %s: %s", path,
            open_error(errnum, 0, why, sizeof why));
    return NULL;
  }
  char *text = read_all(f, path, len, e);
  fclose(f);
  return text;
}

struct count_docs {
  int with_kind;
};

static int count_kinds(struct json_object *doc, int line, void *data)
{
  struct count_docs *c = data;
  (void)line;
  if (jobj_str(doc, "kind"))
    c->with_kind++;
  json_object_put(doc);
  return 0;
}

/* istioctl accepts one object per file (documents without a kind, such as
 * comments, don't count). */
static int check_single_iop(const char *text, size_t len, const char *name,
                            struct err *e)
{
  struct kyaml_opts o = {.name = name};
  struct count_docs c = {0};
  int rc = kyaml_parse_each(text, len, &o, count_kinds, &c, e);
  if (rc)
    return err_wrap(e, "unable to parse file");
  if (c.with_kind > 1)
    return err_set(e, -EINVAL,
                   "%s: contains multiple IstioOperator CRs, only "
                   "one per file is supported",
                   name);
  return 0;
}

/* istioctl reads any document as an IstioOperator; a ConfigMap or an
 * object of another API given by mistake is refused here, naming it, rather
 * than read for the fields it happens to share. A document without kind or
 * apiVersion is still read, as istioctl reads it. */
static int check_kind(struct json_object *m, const char *name, struct err *e)
{
  const char *kind = jobj_str(m, "kind");
  const char *av = jobj_str(m, "apiVersion");
  const char *slash = av ? strchr(av, '/') : NULL;
  int group_ok = !av || (slash && (size_t)(slash - av) == 16 &&
                         strncmp(av, "install.istio.io", 16) == 0);
  if ((!kind || strcmp(kind, "IstioOperator") == 0) && group_ok)
    return 0;
  return err_set(e, -EINVAL,
                 "%s: %s%s%s is not an IstioOperator "
                 "(install.istio.io/v1alpha1)",
                 name, kind ? kind : "an object", av ? " of apiVersion " : "",
                 av ? av : "");
}

static int parse_file_map(const char *text, size_t len, const char *name,
                          struct json_object **out, struct err *e)
{
  struct kyaml_opts o = {.name = name, .numbers = KYAML_NUMBERS_FLOAT};
  struct json_object *docs = NULL;
  int rc = kyaml_parse_all(text, len, &o, &docs, e);
  if (rc)
    return rc;
  /* Like sigs.k8s.io/yaml, only the first document counts. */
  struct json_object *m =
      json_object_array_length(docs)
          ? json_object_get(json_object_array_get_idx(docs, 0))
          : json_object_new_object();
  json_object_put(docs);
  if (!jobj_is_obj(m)) {
    json_object_put(m);
    return err_set(e, -EINVAL, "%s: an IstioOperator must be a mapping", name);
  }
  if (check_kind(m, name, e)) {
    json_object_put(m);
    return e->code;
  }
  *out = m;
  return 0;
}

static int merge_file(struct json_object *user, const char *path, int last,
                      struct err *e)
{
  if (strcmp(path, "-") == 0 && !last)
    return err_set(e, -EINVAL, "stdin is only allowed as the last filename");
  char *trimmed = strdup(path);
  size_t n = strlen(trimmed);
  while (n && (trimmed[n - 1] == ' ' || trimmed[n - 1] == '\n'))
    trimmed[--n] = '\0';
  const char *p = trimmed;
  while (*p == ' ')
    p++;
  size_t len;
  char *text = read_input(p, &len, e);
  const char *name = strcmp(p, "-") == 0 ? "<stdin>" : p;
  struct json_object *m = NULL;
  int rc = text ? check_single_iop(text, len, name, e) : e->code;
  if (!rc)
    rc = parse_file_map(text, len, name, &m, e);
  free(text);
  free(trimmed);
  if (rc)
    return rc;
  /* A bare "spec:" means no spec, not a null one. */
  if (json_object_object_get_ex(m, "spec", NULL) && !jobj_get(m, "spec"))
    json_object_object_del(m, "spec");
  vmap_merge_from(user, m);
  json_object_put(m);
  return 0;
}

static struct json_object *user_base(void)
{
  struct json_object *u = json_object_new_object();
  jobj_set_str(u, "apiVersion", "install.istio.io/v1alpha1");
  jobj_set_str(u, "kind", "IstioOperator");
  jobj_set(u, "metadata", json_object_new_object());
  jobj_set(u, "spec", json_object_new_object());
  return u;
}

/* ---- profiles ---- */

static int read_profile_file(const char *dir, int builtin, const char *profile,
                             struct json_object **out, struct err *e)
{
  char path[4096], why[128];
  snprintf(path, sizeof path, "%s/profiles/%s.yaml", dir, profile);
  FILE *f = fopen(path, "rb");
  if (!f)
    return err_set(e, -ENOENT,
                   "profile \"%s\" not found: open "
                   "profiles/%s.yaml: %s",
                   profile, profile,
                   open_error(errno, builtin, why, sizeof why));
  size_t len;
  char *text = read_all(f, path, &len, e);
  fclose(f);
  if (!text)
    return e->code;
  int rc = parse_file_map(text, len, path, out, e);
  free(text);
  return rc;
}

/* default.yaml, with the named profile merged over it. */
static int read_profile(const char *dir, int builtin, const char *profile,
                        struct json_object **out, struct err *e)
{
  if (!profile || !*profile)
    profile = "default";
  if (strchr(profile, '/'))
    return err_set(e, -EINVAL,
                   "profile \"%s\" not found: a profile is a "
                   "name, not a path",
                   profile);
  int rc = read_profile_file(dir, builtin, "default", out, e);
  if (rc || strcmp(profile, "default") == 0)
    return rc;
  struct json_object *top;
  rc = read_profile_file(dir, builtin, profile, &top, e);
  if (rc) {
    json_object_put(*out);
    *out = NULL;
    return rc;
  }
  vmap_merge_from(*out, top);
  json_object_put(top);
  return 0;
}

/* ---- translation to Helm values ---- */

/* Go's %v of a scalar, for "values.x=%v". */
static void format_v(struct json_object *v, char *out, size_t n)
{
  switch (json_object_get_type(v)) {
  case json_type_null:
    snprintf(out, n, "<nil>");
    break;
  case json_type_boolean:
    snprintf(out, n, "%s", json_object_get_boolean(v) ? "true" : "false");
    break;
  case json_type_int:
    snprintf(out, n, "%lld", (long long)json_object_get_int64(v));
    break;
  case json_type_double:
    gonum_format_float(out, n, json_object_get_double(v), 'g', -1, 64);
    break;
  case json_type_string:
    snprintf(out, n, "%s", json_object_get_string(v));
    break;
  default:
    snprintf(out, n, "[...]"); /* lists print as Go would; unused here */
  }
}

static int translate_one(struct json_object *base, const char *in,
                         const char *out, struct err *e)
{
  int found;
  struct json_object *v = vmap_get_path(base, in, &found);
  if (!found)
    return 0;
  if (jobj_is_obj(v)) {
    struct json_object *m = vmap_make(vmap_deep_clone(v), "spec", "values",
                                      "meshConfig", (const char *)NULL);
    vmap_merge_from(base, m);
    json_object_put(m);
    return 0;
  }
  char text[4096];
  format_v(v, text, sizeof text);
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "values.%s=%s", out, text);
  int rc = vmap_set_spec_paths(base, b.data, e);
  buf_free(&b);
  return rc;
}

static int translate_to_helm(struct json_object *base, struct err *e)
{
  static const char *const tr[][2] = {
      {"spec.hub", "global.hub"},
      {"spec.tag", "global.tag"},
      {"spec.revision", "revision"},
      {"spec.meshConfig", "meshConfig"},
      {"spec.compatibilityVersion", "compatibilityVersion"}};
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof tr / sizeof tr[0]; i++)
    rc = translate_one(base, tr[i][0], tr[i][1], e);
  if (!rc)
    rc = vmap_set_path(base, "spec.values.pilot.enabled",
                       json_object_new_boolean(vmap_get_bool(
                           base, "spec.components.pilot.enabled")),
                       e);
  if (!rc)
    rc = vmap_set_path(base, "spec.values.pilot.cni.enabled",
                       json_object_new_boolean(
                           vmap_get_bool(base, "spec.components.cni.enabled")),
                       e);
  const char *ns = vmap_get_string(base, "spec.values.global.istioNamespace");
  if (!rc && *ns)
    rc = vmap_set_path(base, "metadata.namespace", json_object_new_string(ns),
                       e);
  return rc;
}

static int apply_user_inputs(struct json_object *user,
                             const struct iop_inputs *in, struct err *e)
{
  int rc = 0;
  for (int i = 0; !rc && i < in->nfiles; i++)
    rc = merge_file(user, in->files[i], i == in->nfiles - 1, e);
  if (!rc && in->object) {
    struct json_object *copy = vmap_deep_clone(in->object);
    if (json_object_object_get_ex(copy, "spec", NULL) &&
        !jobj_get(copy, "spec"))
      json_object_object_del(copy, "spec");
    vmap_merge_from(user, copy);
    json_object_put(copy);
  }
  for (int i = 0; !rc && i < in->nsets; i++)
    rc = vmap_set_spec_paths(user, in->sets[i], e);
  return rc;
}

int iop_merge_inputs(const struct iop_inputs *in, struct json_object **merged,
                     char **manifests, struct err *e)
{
  struct json_object *user = user_base(), *base = NULL;
  *merged = NULL;
  int rc = apply_user_inputs(user, in, e);
  const char *pkg = vmap_get_string(user, "spec.installPackagePath");
  const char *dir = *pkg ? pkg : in->default_manifests;
  if (!rc && (!dir || access(dir, F_OK) != 0))
    rc = err_set(e, -ENOENT,
                 "manifests directory %s does not exist (set "
                 "spec.installPackagePath, or --manifests, to an Istio "
                 "release's manifests/ directory)",
                 dir ? dir : "(none)");
  /* Hold the user's values: translation may write through shared maps, and
   * they are applied once more at the end. */
  struct json_object *user_values =
      json_object_get(vmap_get_path_map(user, "spec.values"));
  if (!rc)
    rc = read_profile(dir, !*pkg, vmap_get_string(user, "spec.profile"), &base,
                      e);
  if (!rc) {
    vmap_merge_from(base, user);
    rc = translate_to_helm(base, e);
  }
  if (!rc && user_values) {
    struct json_object *again = vmap_make(vmap_deep_clone(user_values), "spec",
                                          "values", (const char *)NULL);
    vmap_merge_from(base, again);
    json_object_put(again);
  }
  if (!rc)
    *manifests = strdup(dir);
  json_object_put(user_values);
  json_object_put(user);
  if (rc)
    json_object_put(base);
  else
    *merged = base;
  return rc;
}

void iop_apply_unvalidated_values(struct json_object *merged)
{
  struct json_object *uv = vmap_get_path_map(merged, "spec.unvalidatedValues");
  if (!uv)
    return;
  struct json_object *m =
      vmap_make(vmap_deep_clone(uv), "spec", "values", (const char *)NULL);
  vmap_merge_from(merged, m);
  json_object_put(m);
}

/* ---- components ---- */

static void instance_free(struct iop_instance *in)
{
  free(in->namespace);
  free(in->name);
  json_object_put(in->label);
  json_object_put(in->spec);
  free(in->hub);
  json_object_put(in->tag);
}

void iop_instances_free(struct iop_instance *list, int n)
{
  for (int i = 0; i < n; i++)
    instance_free(&list[i]);
  free(list);
}

static int field_type_error(const struct iop_component *c, const char *field,
                            const char *want, struct err *e)
{
  return err_set(e, -EINVAL,
                 "fail to convert %s: json: cannot unmarshal into "
                 "Go struct field %s of type %s",
                 c->spec_name, field, want);
}

static int string_field(const struct iop_component *c, struct json_object *m,
                        const char *key, char **out, struct err *e)
{
  struct json_object *v = jobj_get(m, key);
  if (v && !jobj_is_str(v))
    return field_type_error(c, key, "string", e);
  *out = strdup(v ? json_object_get_string(v) : "");
  return 0;
}

static int labels_field(const struct iop_component *c, struct json_object *m,
                        struct json_object **out, struct err *e)
{
  struct json_object *v = jobj_get(m, "label");
  if (v && !jobj_is_obj(v))
    return field_type_error(c, "label", "map[string]string", e);
  if (v) {
    json_object_object_foreach (v, k, lv) {
      (void)k;
      if (lv && !jobj_is_str(lv))
        return field_type_error(c, "label", "map[string]string", e);
    }
  }
  /* A missing label map becomes {}, so charts can index it. */
  *out = v ? jobj_dup(v) : json_object_new_object();
  return 0;
}

/* Decodes one component spec as istioctl's GatewayComponentSpec. Sets
 * *keep when it is enabled (absent counts as enabled). */
static int build_instance(const struct iop_component *c, struct json_object *m,
                          const char *default_ns, struct iop_instance *out,
                          int *keep, struct err *e)
{
  memset(out, 0, sizeof *out);
  out->comp = c;
  struct json_object *enabled = jobj_get(m, "enabled");
  if (enabled && !json_object_is_type(enabled, json_type_boolean) &&
      !jobj_is_obj(enabled))
    return field_type_error(c, "enabled", "bool", e);
  /* enabled may also be written as a BoolValue {value: x}. */
  struct json_object *ev =
      jobj_is_obj(enabled) ? jobj_get(enabled, "value") : enabled;
  *keep = !ev || json_object_get_boolean(ev);
  int rc = string_field(c, m, "namespace", &out->namespace, e);
  if (!rc)
    rc = string_field(c, m, "hub", &out->hub, e);
  if (!rc)
    rc = string_field(c, m, "name", &out->name, e);
  if (!rc)
    rc = labels_field(c, m, &out->label, e);
  if (!rc && jobj_get(m, "k8s") && !jobj_is_obj(jobj_get(m, "k8s")))
    rc = field_type_error(c, "k8s", "KubernetesResources", e);
  if (rc)
    return rc;
  if (!*out->namespace) {
    free(out->namespace);
    out->namespace = strdup(*default_ns ? default_ns : "istio-system");
  }
  out->tag = json_object_get(jobj_get(m, "tag"));
  out->spec = json_object_get(m);
  return 0;
}

static int push_instance(struct iop_instance **list, int *n,
                         struct iop_instance *in)
{
  struct iop_instance *l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
  if (!l)
    return -ENOMEM;
  l[(*n)++] = *in;
  *list = l;
  return 0;
}

static int default_instance(const struct iop_component *c, const char *ns,
                            struct iop_instance **out, int *n)
{
  struct iop_instance in = {
      .comp = c, .namespace = strdup(ns), .hub = strdup("")};
  return push_instance(out, n, &in);
}

static int multi_instances(struct json_object *merged,
                           const struct iop_component *c, struct json_object *l,
                           int alt, struct iop_instance **out, int *n,
                           struct err *e)
{
  const char *ns = vmap_get_string(merged, "metadata.namespace");
  if (!jobj_is_arr(l))
    return err_set(e, -EINVAL, "spec.components.%s must be a list",
                   c->spec_name);
  size_t len = json_object_array_length(l);
  for (size_t i = 0; i < len; i++) {
    struct json_object *m = json_object_array_get_idx(l, i);
    struct iop_instance in;
    int keep;
    int rc = build_instance(c, jobj_is_obj(m) ? m : NULL, ns, &in, &keep, e);
    if (rc)
      return rc;
    if (keep || alt)
      rc = push_instance(out, n, &in);
    else
      instance_free(&in);
    if (rc)
      return rc;
  }
  return 0;
}

int iop_instances(struct json_object *merged, const struct iop_component *c,
                  struct iop_instance **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  const char *ns = vmap_get_string(merged, "metadata.namespace");
  int alt =
      c->alt_enablement_path && vmap_get_bool(merged, c->alt_enablement_path);
  int def = c->enabled_by_default || alt;
  char path[128];
  snprintf(path, sizeof path, "spec.components.%s", c->spec_name);
  int rc = 0, found;
  if (c->multi) {
    struct json_object *l = vmap_get_path(merged, path, &found);
    if (!found)
      rc = def ? default_instance(c, ns, out, n) : 0;
    else
      rc = multi_instances(merged, c, l, alt, out, n, e);
  } else {
    struct json_object *m = vmap_get_path_map(merged, path);
    struct iop_instance in;
    int keep;
    if (!m)
      rc = def ? default_instance(c, ns, out, n) : 0;
    else if (!(rc = build_instance(c, m, ns, &in, &keep, e)))
      rc = keep || alt ? push_instance(out, n, &in) : (instance_free(&in), 0);
  }
  if (rc) {
    iop_instances_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

/* ---- per-instance values ---- */

static int set_value(struct json_object *m, const char *root, const char *leaf,
                     struct json_object *v, struct err *e)
{
  char path[512];
  snprintf(path, sizeof path, "spec.values.%s.%s", root, leaf);
  return vmap_set_path(m, path, v, e);
}

/* corev1.ServicePort marshalled: port and targetPort always, the others
 * when set; numbers as float64 after the JSON round trip. */
static struct json_object *service_port(struct json_object *p)
{
  struct json_object *o = json_object_new_object();
  static const char *const strs[] = {"name", "protocol", "appProtocol"};
  for (int i = 0; i < 3; i++) {
    const char *s = jobj_str(p, strs[i]);
    if (s && *s)
      jobj_set_str(o, strs[i], s);
  }
  jobj_set(o, "port", json_object_new_double((double)jobj_int(p, "port", 0)));
  struct json_object *tp = jobj_get(p, "targetPort");
  jobj_set(o, "targetPort",
           jobj_is_str(tp)
               ? json_object_new_string(json_object_get_string(tp))
               : json_object_new_double((double)jobj_int(p, "targetPort", 0)));
  int64_t node = jobj_int(p, "nodePort", 0);
  if (node)
    jobj_set(o, "nodePort", json_object_new_double((double)node));
  return o;
}

static int gateway_values(struct json_object *m, const struct iop_instance *in,
                          const char *root, struct err *e)
{
  int rc = set_value(m, root, "name",
                     json_object_new_string(in->name ? in->name : ""), e);
  if (!rc)
    rc =
        set_value(m, root, "labels", in->label ? jobj_dup(in->label) : NULL, e);
  struct json_object *ports =
      jobj_path(in->spec, "k8s", "service", "ports", (const char *)NULL);
  if (!rc && jobj_is_arr(ports) && json_object_array_length(ports) > 0) {
    struct json_object *l = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(ports); i++)
      json_object_array_add(l,
                            service_port(json_object_array_get_idx(ports, i)));
    rc = set_value(m, root, "ports", l, e);
  }
  return rc;
}

static int scaling_values(struct json_object *m, struct json_object *k8s,
                          const char *root, struct err *e)
{
  struct json_object *hpa = jobj_obj(k8s, "hpaSpec");
  int rc = 0;
  if (jobj_get(hpa, "minReplicas"))
    rc = set_value(m, root, "autoscaleMin",
                   json_object_new_int64(jobj_int(hpa, "minReplicas", 0)), e);
  if (!rc && jobj_int(hpa, "maxReplicas", 0) > 0)
    rc = set_value(m, root, "autoscaleMax",
                   json_object_new_int64(jobj_int(hpa, "maxReplicas", 0)), e);
  if (!rc && jobj_int(k8s, "replicaCount", 0) > 0)
    rc = set_value(m, root, "replicaCount",
                   json_object_new_int64(jobj_int(k8s, "replicaCount", 0)), e);
  return rc;
}

/* A non-zero CPU quantity, canonical, or NULL. */
static struct json_object *cpu_value(struct json_object *list)
{
  struct json_object *v = jobj_get(list, "cpu");
  char text[64], canon[64];
  if (!v)
    return NULL;
  if (jobj_is_str(v))
    snprintf(text, sizeof text, "%s", json_object_get_string(v));
  else
    gonum_format_float(text, sizeof text, json_object_get_double(v), 'f', -1,
                       64);
  if (quantity_canonical(text, canon, sizeof canon) != 0 ||
      strcmp(canon, "0") == 0)
    return NULL;
  return json_object_new_string(canon);
}

static int resource_values(struct json_object *m, struct json_object *res,
                           const char *root, struct err *e)
{
  struct json_object *lim = cpu_value(jobj_obj(res, "limits"));
  struct json_object *req = cpu_value(jobj_obj(res, "requests"));
  int rc = 0;
  if (lim)
    rc = set_value(m, root, "resources.limits.cpu", lim, e);
  if (req && !rc)
    rc = set_value(m, root, "resources.requests.cpu", req, e);
  else
    json_object_put(req);
  return rc;
}

static int hub_tag_values(struct json_object *m, const struct iop_instance *in,
                          const char *root, struct err *e)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = 0;
  if (in->hub && *in->hub) {
    buf_printf(&b, "values.%s.hub=%s", root, in->hub);
    rc = vmap_set_spec_paths(m, b.data, e);
  }
  if (!rc && in->tag) {
    char text[256];
    format_v(in->tag, text, sizeof text);
    buf_reset(&b);
    buf_printf(&b, "values.%s.tag=%s", root, text);
    rc = vmap_set_spec_paths(m, b.data, e);
  }
  buf_free(&b);
  return rc;
}

/* ztunnel reads its values at the top: global, every scalar at the top,
 * then everything under values.ztunnel. */
static void flatten(struct json_object *m, const char *root)
{
  char path[128];
  snprintf(path, sizeof path, "spec.values.%s", root);
  struct json_object *cv = vmap_get_path_map(m, path);
  struct json_object *vals = vmap_get_path_map(m, "spec.values");
  if (!cv || !vals)
    return;
  struct json_object *nv = json_object_new_object();
  jobj_set(nv, "global", json_object_get(jobj_get(vals, "global")));
  json_object_object_foreach (vals, k, v) {
    if (!jobj_is_obj(v))
      jobj_set(nv, k, json_object_get(v));
  }
  json_object_object_foreach (cv, k2, v2)
    jobj_set(nv, k2, json_object_get(v2));
  jobj_set(jobj_obj(m, "spec"), "values", nv);
}

static struct json_object *clone_into(struct json_object **m)
{
  struct json_object *c = vmap_deep_clone(*m);
  json_object_put(*m);
  *m = c;
  return c;
}

int iop_instance_values(struct json_object *merged,
                        const struct iop_instance *in,
                        struct json_object **values, struct err *e)
{
  const struct iop_component *c = in->comp;
  const char *root = c->values_root;
  int gateway = c->id == IOP_INGRESS || c->id == IOP_EGRESS;
  struct json_object *k8s = jobj_obj(in->spec, "k8s");
  struct json_object *m = json_object_get(merged);
  int rc = 0;
  if (gateway) {
    clone_into(&m);
    rc = gateway_values(m, in, root, e);
  }
  if (!rc && strcmp(c->resource_type, "Deployment") == 0 && k8s) {
    if (!gateway)
      clone_into(&m);
    rc = scaling_values(m, k8s, root, e);
  }
  if (!rc && jobj_obj(k8s, "resources")) {
    clone_into(&m);
    rc = resource_values(m, jobj_obj(k8s, "resources"), root, e);
  }
  int changes =
      c->flatten_values || (in->hub && *in->hub) || in->tag || in->label;
  if (!rc && changes) {
    clone_into(&m);
    rc = hub_tag_values(m, in, root, e);
    if (!rc && c->flatten_values)
      flatten(m, root);
  }
  if (!rc) {
    struct json_object *v = vmap_get_path_map(m, "spec.values");
    *values = v ? jobj_dup(v) : json_object_new_object();
  }
  json_object_put(m);
  return rc;
}
