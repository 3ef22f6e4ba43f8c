/* iop operator init | remove | dump: the operator deploys and removes
 * itself, as istioctl operator did. */
#include "cmd.h"
#include "cmd_common.h"

#include "apply.h"
#include "jobj.h"
#include "kyaml.h"
#include "opmanifest.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct op_cli {
  struct cmd_cluster cl;
  struct opmanifest_opts m;
  const char *files[16];
  int nfiles;
  int dry_run;
  int no_wait;
  int purge;
  int yes;
  int force;
  int json;
  long timeout_s;
};

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Install, remove or print the iop operator.\n\n"
          "Usage:\n"
          "  iop operator init [-f iop.yaml] [--hub H] [--tag T] "
          "[--operatorNamespace NS]\n"
          "                    [--watchedNamespaces NS,...] [-r REV] "
          "[-d MANIFESTS] [--no-wait]\n"
          "  iop operator remove (--revision REV | --purge) [-y] [--force]\n"
          "  iop operator dump [-o yaml|json] [same flags as init]\n\n"
          "Flags:\n"
          "      --kubeconfig FILE, --context NAME   the cluster\n"
          "      --hub HUB              image registry (default %s)\n"
          "      --tag TAG              image tag (default %s)\n"
          "      --operatorNamespace NS where the operator runs "
          "(default istio-operator)\n"
          "      --watchedNamespaces L  namespaces of IstioOperators to "
          "reconcile (default istio-system; \"\" for all)\n"
          "  -r, --revision REV         run an operator per control plane "
          "revision\n"
          "  -d, --manifests DIR        the Istio manifests directory inside "
          "the image\n"
          "      --imagePullSecrets L   pull secrets for the operator's "
          "service account\n"
          "  -f, --filename FILE        an IstioOperator to apply once the "
          "operator runs\n"
          "      --dry-run              print what would be done\n"
          "      --no-wait              do not wait for the operator to be "
          "ready\n"
          "      --readiness-timeout S  how long to wait (default 300)\n",
          OPMANIFEST_DEFAULT_HUB, iop_version());
  return code;
}

static int parse(struct op_cli *c, int argc, char **argv)
{
  static const struct option opts[] = {
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"hub", required_argument, NULL, 'H'},
      {"tag", required_argument, NULL, 'T'},
      {"operatorNamespace", required_argument, NULL, 'N'},
      {"watchedNamespaces", required_argument, NULL, 'W'},
      {"revision", required_argument, NULL, 'r'},
      {"manifests", required_argument, NULL, 'd'},
      {"charts", required_argument, NULL, 'd'},
      {"imagePullSecrets", required_argument, NULL, 'P'},
      {"filename", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"dry-run", no_argument, NULL, 'D'},
      {"no-wait", no_argument, NULL, 'n'},
      {"readiness-timeout", required_argument, NULL, 't'},
      {"purge", no_argument, NULL, 'p'},
      {"skip-confirmation", no_argument, NULL, 'y'},
      {"force", no_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  optind = 1;
  c->timeout_s = 300;
  while ((ch = getopt_long(argc, argv, "r:d:f:o:yh", opts, NULL)) != -1) {
    switch (ch) {
    case 'K':
      c->cl.cfg.kubeconfig = optarg;
      break;
    case 'C':
      c->cl.cfg.context = optarg;
      break;
    case 'H':
      c->m.hub = optarg;
      break;
    case 'T':
      c->m.tag = optarg;
      break;
    case 'N':
      c->m.operator_namespace = optarg;
      break;
    case 'W':
      c->m.watched_namespaces = optarg;
      break;
    case 'r':
      c->m.revision = strcmp(optarg, "default") == 0 ? "" : optarg;
      break;
    case 'd':
      c->m.manifests = optarg;
      break;
    case 'P':
      c->m.image_pull_secrets = optarg;
      break;
    case 'f':
      if (c->nfiles < 16)
        c->files[c->nfiles++] = optarg;
      break;
    case 'o':
      if (strcmp(optarg, "json") && strcmp(optarg, "yaml")) {
        fprintf(stderr, "Error: unknown output format: %s\n", optarg);
        return 1;
      }
      c->json = strcmp(optarg, "json") == 0;
      break;
    case 'D':
      c->dry_run = 1;
      break;
    case 'n':
      c->no_wait = 1;
      break;
    case 't':
      c->timeout_s = atol(optarg);
      break;
    case 'p':
      c->purge = 1;
      break;
    case 'y':
      c->yes = 1;
      break;
    case 'F':
      c->force = 1;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
  }
  return 0;
}

/* ---- init ---- */

static int apply_object(struct op_cli *c, struct json_object *obj, int *changed)
{
  struct apply_owner owner = {.revision = c->m.revision,
                              .version = iop_version()};
  int rc;
  struct kube_result err;
  struct json_object *live = cmd_get(&c->cl, obj, &err, &rc);
  if (rc)
    return cmd_report(&err);
  struct json_object *want =
      apply_prepare(obj, OPMANIFEST_COMPONENT, &owner, live);
  int unchanged = apply_unchanged(want, live);
  json_object_put(live);
  if (unchanged || c->dry_run) {
    char id[512];
    if (c->dry_run && !unchanged)
      printf("  would apply %s\n", cmd_object_id(obj, id, sizeof id));
    json_object_put(want);
    return 0;
  }
  struct kube_apply_opts o = {.field_manager = APPLY_FIELD_MANAGER, .force = 1};
  struct kube_sync s;
  kube_sync_init(&s);
  rc = kube_apply(c->cl.client, want, &o, kube_sync_cb, &s);
  if (!rc)
    rc = kube_sync_wait(c->cl.client, &s);
  if (rc)
    rc = cmd_report(&s.res);
  else
    (*changed)++;
  kube_sync_free(&s);
  json_object_put(want);
  return rc ? 1 : 0;
}

static int crd_ready(struct json_object *live, char *why, size_t n)
{
  return apply_ready(live, why, n);
}

/* Namespaces: the operator's, the watched ones, the IstioOperators'. */
static int create_namespaces(struct op_cli *c, struct json_object *crs)
{
  const char *own =
      c->m.operator_namespace ? c->m.operator_namespace : "istio-operator";
  int rc = cmd_ensure_namespace(&c->cl, own, c->dry_run);
  const char *w =
      c->m.watched_namespaces ? c->m.watched_namespaces : "istio-system";
  char *copy = strdup(w);
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s && !rc;
       s = strtok_r(NULL, ",", &save))
    rc = cmd_ensure_namespace(&c->cl, s, c->dry_run);
  free(copy);
  for (size_t i = 0; !rc && i < json_object_array_length(crs); i++) {
    const char *ns = jobj_path_str(json_object_array_get_idx(crs, i),
                                   "metadata", "namespace", (const char *)NULL);
    rc = cmd_ensure_namespace(&c->cl, ns ? ns : "istio-system", c->dry_run);
  }
  return rc;
}

static struct json_object *read_crs(struct op_cli *c)
{
  struct json_object *all = json_object_new_array();
  for (int i = 0; i < c->nfiles; i++) {
    size_t len;
    char *text = cmd_read_file(c->files[i], KYAML_DEFAULT_MAX_BYTES, &len);
    struct json_object *docs = NULL;
    struct err e;
    struct kyaml_opts o = {.name = c->files[i]};
    if (!text || kyaml_parse_all(text, len, &o, &docs, &e) != 0) {
      if (text)
        fprintf(stderr, "Error: %s\n", e.msg);
      free(text);
      json_object_put(all);
      return NULL;
    }
    free(text);
    for (size_t k = 0; k < json_object_array_length(docs); k++) {
      struct json_object *d = json_object_array_get_idx(docs, k);
      const char *kind = jobj_str(d, "kind");
      if (!kind || strcmp(kind, "IstioOperator") != 0) {
        fprintf(stderr,
                "Error: %s: document %zu is a %s, not an "
                "IstioOperator\n",
                c->files[i], k + 1, kind ? kind : "(no kind)");
        json_object_put(docs);
        json_object_put(all);
        return NULL;
      }
      if (!jobj_path_str(d, "metadata", "namespace", (const char *)NULL))
        jobj_set_str(jobj_ensure_obj(d, "metadata"), "namespace",
                     "istio-system");
      json_object_array_add(all, json_object_get(d));
    }
    json_object_put(docs);
  }
  return all;
}

static int wait_for(struct op_cli *c, struct json_object *obj, unsigned secs,
                    const char *what)
{
  char why[256];
  if (cmd_wait(&c->cl, obj, secs, crd_ready, why, sizeof why) == 0)
    return 0;
  fprintf(stderr, "Error: %s not ready after %us: %s\n", what, secs, why);
  return 1;
}

static int apply_all(struct op_cli *c, struct json_object *objs, int *changed)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < json_object_array_length(objs); i++) {
    struct json_object *o = json_object_array_get_idx(objs, i);
    rc = apply_object(c, o, changed);
    /* The CRD must serve before IstioOperators can be applied. */
    if (!rc && !c->dry_run &&
        strcmp(jobj_str(o, "kind"), "CustomResourceDefinition") == 0)
      rc = wait_for(c, o, 60, "the IstioOperator CRD");
  }
  return rc;
}

static struct json_object *find_kind(struct json_object *objs, const char *kind)
{
  for (size_t i = 0; i < json_object_array_length(objs); i++) {
    struct json_object *o = json_object_array_get_idx(objs, i);
    if (strcmp(jobj_str(o, "kind"), kind) == 0)
      return o;
  }
  return NULL;
}

static int init_cluster(struct op_cli *c, struct json_object *objs,
                        struct json_object *crs)
{
  struct json_object *dep = find_kind(objs, "Deployment");
  int rc, changed = 0;
  struct json_object *existing = cmd_get(&c->cl, dep, NULL, &rc);
  const char *image = jobj_str(
      json_object_array_get_idx(jobj_arr(jobj_path(dep, "spec", "template",
                                                   "spec", (const char *)NULL),
                                         "containers"),
                                0),
      "image");
  const char *ns =
      jobj_path_str(dep, "metadata", "namespace", (const char *)NULL);
  if (existing)
    printf("Operator controller is already installed in %s namespace.\n"
           "Upgrading operator controller...\n",
           ns);
  else
    printf("Installing operator controller in namespace: %s using image: %s\n",
           ns, image);
  json_object_put(existing);
  printf("Operator controller will watch namespaces: %s\n",
         c->m.watched_namespaces
             ? (*c->m.watched_namespaces ? c->m.watched_namespaces
                                         : "all namespaces")
             : "istio-system");
  rc = create_namespaces(c, crs);
  if (!rc)
    rc = apply_all(c, objs, &changed);
  if (!rc && !c->no_wait && !c->dry_run)
    rc = wait_for(c, dep, (unsigned)c->timeout_s, "the operator Deployment");
  for (size_t i = 0; !rc && i < json_object_array_length(crs); i++)
    rc = apply_object(c, json_object_array_get_idx(crs, i), &changed);
  if (!rc)
    printf("✔ Installation complete%s\n",
           c->dry_run ? " (dry run: nothing was changed)"
           : changed  ? ""
                      : " (nothing to change)");
  return rc;
}

static int cmd_init(struct op_cli *c)
{
  struct json_object *objs, *crs = read_crs(c);
  struct err e;
  if (!crs)
    return 1;
  if (opmanifest_build(&c->m, &objs, &e) != 0) {
    fprintf(stderr, "Error: %s\n", e.msg);
    json_object_put(crs);
    return 1;
  }
  int rc = cmd_connect(&c->cl);
  if (!rc)
    rc = init_cluster(c, objs, crs);
  cmd_disconnect(&c->cl);
  json_object_put(objs);
  json_object_put(crs);
  return rc;
}

/* ---- dump ---- */

static int cmd_dump(struct op_cli *c)
{
  struct json_object *objs;
  struct err e;
  if (opmanifest_build(&c->m, &objs, &e) != 0) {
    fprintf(stderr, "Error: %s\n", e.msg);
    return 1;
  }
  int rc = cmd_print_objects(objs, c->json);
  json_object_put(objs);
  return rc;
}

/* ---- remove ---- */

static const char *const removable[][2] = {
    {"apps/v1", "Deployment"},
    {"v1", "Service"},
    {"v1", "ServiceAccount"},
    {"rbac.authorization.k8s.io/v1", "RoleBinding"},
    {"rbac.authorization.k8s.io/v1", "Role"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole"},
};

static int delete_kind(struct op_cli *c, const char *av, const char *kind,
                       const char *selector)
{
  struct kube_ref r = {.api_version = av, .kind = kind, .namespace = ""};
  struct kube_list_opts lo = {.label_selector = selector};
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = kube_list_all(c->cl.client, &r, &lo, kube_sync_cb, &s);
  if (!rc)
    rc = kube_sync_wait(c->cl.client, &s);
  if (rc) {
    rc = cmd_report(&s.res);
    kube_sync_free(&s);
    return rc;
  }
  struct json_object *items = jobj_arr(s.res.object, "items");
  for (size_t i = 0; !rc && items && i < json_object_array_length(items); i++) {
    struct json_object *o = json_object_array_get_idx(items, i);
    struct kube_ref dr;
    kube_ref_of(o, &dr);
    char id[512];
    if (c->dry_run) {
      printf("  would remove %s.\n", cmd_object_id(o, id, sizeof id));
      continue;
    }
    struct kube_delete_opts d = {.propagation = "Background",
                                 .grace_seconds = -1};
    struct kube_sync ds;
    kube_sync_init(&ds);
    rc = kube_delete(c->cl.client, &dr, &d, kube_sync_cb, &ds);
    if (!rc)
      rc = kube_sync_wait(c->cl.client, &ds);
    if (rc == -ENOENT)
      rc = 0;
    if (rc)
      rc = cmd_report(&ds.res);
    else
      printf("  Removed %s.\n", cmd_object_id(o, id, sizeof id));
    kube_sync_free(&ds);
  }
  kube_sync_free(&s);
  return rc;
}

static int operator_installed(struct op_cli *c)
{
  char name[256];
  struct json_object *dep = json_object_new_object();
  jobj_set_str(dep, "apiVersion", "apps/v1");
  jobj_set_str(dep, "kind", "Deployment");
  struct json_object *meta = jobj_ensure_obj(dep, "metadata");
  jobj_set_str(meta, "name", opmanifest_name(c->m.revision, name, sizeof name));
  jobj_set_str(meta, "namespace",
               c->m.operator_namespace ? c->m.operator_namespace
                                       : "istio-operator");
  int rc;
  struct json_object *live = cmd_get(&c->cl, dep, NULL, &rc);
  int found = live != NULL;
  json_object_put(live);
  json_object_put(dep);
  return found;
}

static int remove_cluster(struct op_cli *c)
{
  const char *ns =
      c->m.operator_namespace ? c->m.operator_namespace : "istio-operator";
  if (!c->purge && !operator_installed(c)) {
    printf("Operator controller is not installed in %s namespace (no "
           "Deployment detected).\n",
           ns);
    if (!c->force) {
      fprintf(stderr, "Error: Aborting, use --force to override.\n");
      return 1;
    }
  }
  char question[256];
  snprintf(question, sizeof question,
           c->purge ? "All revisions of Istio operator will be removed from "
                      "cluster, Proceed?"
                    : "Istio operator revision %s will be removed from "
                      "cluster, Proceed?",
           c->m.revision && *c->m.revision ? c->m.revision : "default");
  if (!c->yes && !c->dry_run && !cmd_confirm(question)) {
    printf("Cancelled.\n");
    return 1;
  }
  char selector[512];
  snprintf(selector, sizeof selector, "%s=%s%s%s", LABEL_COMPONENT,
           OPMANIFEST_COMPONENT, c->purge ? "" : "," LABEL_REVISION "=",
           c->purge
               ? ""
               : (c->m.revision && *c->m.revision ? c->m.revision : "default"));
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof removable / sizeof removable[0]; i++)
    rc = delete_kind(c, removable[i][0], removable[i][1], selector);
  if (!rc) {
    printf("✔ Removal complete\n");
    printf("IstioOperator resources, their CRD and the Istio they installed "
           "were left in place; use iop uninstall to remove Istio.\n");
  }
  return rc;
}

static int cmd_remove(struct op_cli *c)
{
  if (!c->m.revision && !c->purge) {
    fprintf(stderr, "Error: at least one of the --revision or --purge flags "
                    "must be set\n");
    return 1;
  }
  if (c->purge && c->m.revision) {
    printf("Purge remove will remove all Istio operator controller, ignoring "
           "the specified revision\n");
    c->m.revision = NULL;
  }
  int rc = cmd_connect(&c->cl);
  if (!rc)
    rc = remove_cluster(c);
  cmd_disconnect(&c->cl);
  return rc;
}

int cmd_operator(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
    return usage(argc < 2 ? stderr : stdout, argc < 2);
  const char *sub = argv[1];
  struct op_cli c = {0};
  int rc = parse(&c, argc - 1, argv + 1);
  if (rc)
    return rc < 0 ? 0 : rc;
  if (optind < argc - 1) {
    fprintf(stderr, "Error: %s accepts no positional arguments, got %s\n", sub,
            argv[optind + 1]);
    return 1;
  }
  if (strcmp(sub, "init") == 0)
    return cmd_init(&c);
  if (strcmp(sub, "remove") == 0)
    return cmd_remove(&c);
  if (strcmp(sub, "dump") == 0)
    return cmd_dump(&c);
  fprintf(stderr, "Error: unknown operator command \"%s\"\n", sub);
  return usage(stderr, 1);
}
