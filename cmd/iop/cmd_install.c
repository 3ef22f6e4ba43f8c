/* iop install: an IstioOperator installed one-shot, as istioctl install
 * does, with no operator: render, create the namespaces, apply phase by
 * phase (CRDs, then Base, then Pilot and CNI, then the gateways and
 * ztunnel), wait for each phase's workloads, then prune what this
 * revision and owner installed before and no longer renders. --dry-run
 * compares with the live cluster and changes nothing. */
#include "cmd.h"
#include "cmd_common.h"
#include "cmd_install.h"

#include "apply.h"
#include "generate.h"
#include "jobj.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Install Istio from an IstioOperator, as istioctl install does, "
          "without an operator.\n\n"
          "Usage:\n  iop install [-f FILE]... [--set PATH=VALUE]... [flags]\n\n"
          "Flags:\n"
          "  -f, --filename FILES        IstioOperator files, merged in order\n"
          "  -s, --set PATH=VALUE        override a field under spec\n"
          "  -d, --manifests DIR         an Istio release's manifests/ "
          "(default $IOP_MANIFESTS or %s)\n"
          "  -r, --revision REV          the control plane revision\n"
          "      --force                 go on despite validation errors\n"
          "  -y, --skip-confirmation     do not ask before installing\n"
          "      --dry-run               print what would be created, changed "
          "and pruned\n"
          "      --readiness-timeout DUR how long to wait for workloads "
          "(default 300s)\n"
          "      --skip-wait             do not wait for workloads to be "
          "ready\n"
          "      --kubeconfig FILE, --context NAME\n",
          cmd_default_manifests());
  return code;
}

static int parse(struct install_run *ir, int argc, char **argv)
{
  static const struct option opts[] = {
      {"filename", required_argument, NULL, 'f'},
      {"set", required_argument, NULL, 's'},
      {"manifests", required_argument, NULL, 'd'},
      {"revision", required_argument, NULL, 'r'},
      {"force", no_argument, NULL, 'F'},
      {"skip-confirmation", no_argument, NULL, 'y'},
      {"dry-run", no_argument, NULL, 'n'},
      {"readiness-timeout", required_argument, NULL, 't'},
      {"skip-wait", no_argument, NULL, 'w'},
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "f:s:d:r:yh", opts, NULL)) != -1) {
    int taken = cmd_inputs_option(&ir->in, ch, optarg);
    if (taken < 0)
      return 1;
    if (taken)
      continue;
    switch (ch) {
    case 'y':
      ir->yes = 1;
      break;
    case 'n':
      ir->dry_run = 1;
      break;
    case 'w':
      ir->skip_wait = 1;
      break;
    case 't':
      ir->timeout_s = cmd_parse_seconds(optarg);
      if (ir->timeout_s < 0) {
        fprintf(stderr, "Error: --readiness-timeout: invalid duration %s\n",
                optarg);
        return 1;
      }
      break;
    case 'K':
      ir->cl.cfg.kubeconfig = optarg;
      break;
    case 'C':
      ir->cl.cfg.context = optarg;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "Error: install accepts no positional arguments, got %s\n",
            argv[optind]);
    return 1;
  }
  return 0;
}

/* ---- phases ---- */

/* The order istioctl's dependency graph allows, one phase at a time. */
static const enum iop_component_id phases[][3] = {
    {IOP_BASE, IOP_NCOMPONENTS, IOP_NCOMPONENTS},
    {IOP_PILOT, IOP_CNI, IOP_NCOMPONENTS},
    {IOP_INGRESS, IOP_EGRESS, IOP_ZTUNNEL},
};

static int in_phase(const struct generate_component *gc, int phase)
{
  for (int i = 0; i < 3; i++)
    if (phases[phase][i] == gc->comp->id)
      return 1;
  return 0;
}

static int is_crd(struct json_object *o)
{
  return strcmp(jobj_str(o, "kind"), "CustomResourceDefinition") == 0;
}

/* Applies the objects of one component (CRDs only, or everything else). */
static int apply_component(struct install_run *ir,
                           const struct generate_component *gc, int crds)
{
  struct json_object *objs = json_object_new_array();
  for (size_t k = 0; k < json_object_array_length(gc->objs); k++) {
    struct json_object *o = json_object_array_get_idx(gc->objs, k);
    if (is_crd(o) == crds)
      json_object_array_add(objs, json_object_get(o));
  }
  int rc = install_apply_objects(ir, objs, gc->comp->name);
  json_object_put(objs);
  return rc;
}

static int wait_crds(struct install_run *ir)
{
  for (int i = 0; i < ir->r.ncomps; i++) {
    struct json_object *objs = ir->r.comps[i].objs;
    for (size_t k = 0; k < json_object_array_length(objs); k++) {
      struct json_object *o = json_object_array_get_idx(objs, k);
      if (is_crd(o) && install_wait_object(ir, o, 60, 60))
        return 1;
    }
  }
  return 0;
}

static int wait_component(struct install_run *ir,
                          const struct generate_component *gc,
                          uint64_t deadline)
{
  for (size_t k = 0; k < json_object_array_length(gc->objs); k++) {
    struct json_object *o = json_object_array_get_idx(gc->objs, k);
    uint64_t now = uv_now(&ir->cl.loop);
    unsigned left =
        now < deadline ? (unsigned)((deadline - now + 999) / 1000) : 0;
    if (install_wait_object(ir, o, left, (unsigned)ir->timeout_s))
      return 1;
  }
  return 0;
}

/* Applies one phase; as in istioctl, a component waits for the ones it
 * depends on to be applied, and readiness is awaited at the end. */
static int run_phase(struct install_run *ir, int phase)
{
  int rc = 0;
  for (int i = 0; !rc && i < ir->r.ncomps; i++) {
    if (!in_phase(&ir->r.comps[i], phase))
      continue;
    rc = apply_component(ir, &ir->r.comps[i], 0);
    if (!rc && !ir->dry_run)
      printf("✔ %s installed\n", ir->r.comps[i].comp->display);
  }
  return rc;
}

static int wait_all(struct install_run *ir)
{
  if (ir->skip_wait || ir->dry_run)
    return 0;
  printf("Waiting up to %ds for the workloads to be ready\n", ir->timeout_s);
  fflush(stdout);
  uv_update_time(&ir->cl.loop);
  uint64_t deadline = uv_now(&ir->cl.loop) + (uint64_t)ir->timeout_s * 1000;
  for (int i = 0; i < ir->r.ncomps; i++)
    if (wait_component(ir, &ir->r.comps[i], deadline))
      return 1;
  return 0;
}

static int create_namespaces(struct install_run *ir)
{
  for (int i = 0; i < ir->r.ncomps; i++) {
    const char *ns = ir->r.comps[i].namespace;
    if (ir->dry_run) {
      if (install_note_namespace(ir, ns))
        return 1;
    } else if (cmd_ensure_namespace(&ir->cl, ns, 0)) {
      return 1;
    }
  }
  return 0;
}

static int apply_crds(struct install_run *ir)
{
  int rc = 0;
  for (int i = 0; !rc && i < ir->r.ncomps; i++)
    rc = apply_component(ir, &ir->r.comps[i], 1);
  if (!rc && !ir->dry_run)
    rc = wait_crds(ir);
  return rc;
}

static int install(struct install_run *ir)
{
  int rc = create_namespaces(ir);
  if (!rc)
    rc = apply_crds(ir);
  for (int p = 0; !rc && p < 3; p++)
    rc = run_phase(ir, p);
  if (!rc)
    rc = wait_all(ir);
  if (!rc)
    rc = install_prune(ir);
  if (rc)
    return rc;
  if (ir->dry_run)
    printf("Dry run: %d to create, %d to change, %d to prune; nothing was "
           "changed.\n",
           ir->created, ir->changed, ir->pruned);
  else
    printf("✔ Installation complete\n");
  return 0;
}

/* ---- the command ---- */

static void describe(struct install_run *ir, char *out, size_t n)
{
  const char *profile =
      jobj_path_str(ir->r.merged, "spec", "profile", (const char *)NULL);
  const char *tag =
      jobj_path_str(ir->r.merged, "spec", "tag", (const char *)NULL);
  size_t len = (size_t)snprintf(out, n,
                                "This will install the Istio %s \"%s\" "
                                "profile (with components:",
                                tag ? tag : "", profile ? profile : "default");
  for (int i = 0; i < ir->r.ncomps && len < n; i++)
    len += (size_t)snprintf(out + len, n - len, "%s %s",
                            i == 0                  ? ""
                            : i + 1 == ir->r.ncomps ? " and"
                                                    : ",",
                            ir->r.comps[i].comp->display);
  if (len < n)
    snprintf(out + len, n - len, ") into the cluster. Proceed?");
}

static void set_owner(struct install_run *ir)
{
  struct json_object *m = ir->r.merged;
  const char *rev =
      jobj_path_str(m, "spec", "values", "revision", (const char *)NULL);
  ir->owner.name = jobj_path_str(m, "metadata", "name", (const char *)NULL);
  ir->owner.namespace =
      jobj_path_str(m, "metadata", "namespace", (const char *)NULL);
  ir->owner.revision = rev && *rev ? rev : "default";
  ir->owner.version = iop_version();
}

static int run_install(struct install_run *ir)
{
  char version[128];
  if (cmd_connect(&ir->cl) ||
      cmd_server_version(&ir->cl, version, sizeof version))
    return 1;
  if (cmd_render(&ir->in, version, &ir->r))
    return 1;
  ir->rendered = 1;
  set_owner(ir);
  if (!ir->yes && !ir->dry_run) {
    char question[512];
    describe(ir, question, sizeof question);
    if (!cmd_confirm(question)) {
      printf("Cancelled.\n");
      return 1;
    }
  }
  return install(ir);
}

int cmd_install(int argc, char **argv)
{
  struct install_run ir = {.timeout_s = 300};
  int rc = parse(&ir, argc, argv);
  if (!rc)
    rc = run_install(&ir);
  if (ir.rendered)
    generate_result_free(&ir.r);
  json_object_put(ir.wanted);
  cmd_disconnect(&ir.cl);
  cmd_inputs_free(&ir.in);
  return rc < 0 ? 0 : rc;
}
