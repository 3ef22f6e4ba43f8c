/* iop uninstall and iop verify-install.
 *
 * uninstall removes what install (or an operator) put on the cluster, as
 * istioctl uninstall does: one revision (-r), what a file installs (-f),
 * or everything with our labels (--purge, which alone also removes the
 * CRDs). Objects without our labels are never touched.
 *
 * verify-install renders the same inputs as install and checks that
 * every object exists and every workload is ready. */
#include "cmd.h"
#include "cmd_common.h"
#include "cmd_install.h"

#include "jobj.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int uninstall_usage(FILE *out, int code)
{
  fprintf(out,
          "Remove what iop install or the operator installed.\n\n"
          "Usage:\n  iop uninstall (--revision REV | -f FILE | --purge) "
          "[flags]\n\n"
          "Flags:\n"
          "  -r, --revision REV        remove this control plane revision\n"
          "  -f, --filename FILES      remove what these IstioOperator files "
          "install\n"
          "  -s, --set PATH=VALUE      as for install, with -f\n"
          "  -d, --manifests DIR       as for install, with -f\n"
          "      --purge               remove everything with iop's labels, "
          "every revision, CRDs too\n"
          "  -y, --skip-confirmation   do not ask\n"
          "      --dry-run             print what would be removed\n"
          "      --kubeconfig FILE, --context NAME\n");
  return code;
}

static int verify_usage(FILE *out, int code)
{
  fprintf(out,
          "Check that everything an IstioOperator installs exists and is "
          "ready.\n\n"
          "Usage:\n  iop verify-install [-f FILE]... [--set PATH=VALUE]... "
          "[flags]\n\n"
          "Flags: -f, -s, -d, -r and --force as for install; --kubeconfig, "
          "--context.\n");
  return code;
}

struct un_cli {
  struct install_run ir;
  int purge;
};

static int parse(struct un_cli *u, int argc, char **argv, int verify)
{
  static const struct option opts[] = {
      {"filename", required_argument, NULL, 'f'},
      {"set", required_argument, NULL, 's'},
      {"manifests", required_argument, NULL, 'd'},
      {"revision", required_argument, NULL, 'r'},
      {"force", no_argument, NULL, 'F'},
      {"purge", no_argument, NULL, 'P'},
      {"skip-confirmation", no_argument, NULL, 'y'},
      {"dry-run", no_argument, NULL, 'n'},
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int (*usage)(FILE *, int) = verify ? verify_usage : uninstall_usage;
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "f:s:d:r:yh", opts, NULL)) != -1) {
    int taken = cmd_inputs_option(&u->ir.in, ch, optarg);
    if (taken < 0)
      return 1;
    if (taken)
      continue;
    switch (ch) {
    case 'P':
      u->purge = 1;
      break;
    case 'y':
      u->ir.yes = 1;
      break;
    case 'n':
      u->ir.dry_run = 1;
      break;
    case 'K':
      u->ir.cl.cfg.kubeconfig = optarg;
      break;
    case 'C':
      u->ir.cl.cfg.context = optarg;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
    if (verify && (ch == 'P' || ch == 'y' || ch == 'n'))
      return usage(stderr, 1);
  }
  if (optind < argc) {
    fprintf(stderr, "Error: unexpected argument %s\n", argv[optind]);
    return 1;
  }
  return 0;
}

/* ---- uninstall ---- */

static void collect(struct json_object *obj, void *data)
{
  char key[1024];
  apply_key(obj, key, sizeof key);
  if (!jobj_get(data, key))
    jobj_set(data, key, json_object_get(obj));
}

/* CRDs carry our labels too; only --purge removes them. */
static int collect_crds(struct cmd_cluster *cl, struct json_object *victims)
{
  static const struct apply_kind crd = {
      "apiextensions.k8s.io", "CustomResourceDefinition", {"v1"}};
  return install_foreach_of_kind(cl, &crd, INSTALL_ISTIO_SELECTOR, collect,
                                 victims);
}

/* The selector of what to remove, from the flags. */
static int selector_of(struct un_cli *u, char *sel, size_t n)
{
  struct install_run *ir = &u->ir;
  if (u->purge) {
    snprintf(sel, n, "%s", INSTALL_ISTIO_SELECTOR);
    return 0;
  }
  if (ir->in.nfiles > 0 || ir->in.nsets > 0) {
    if (cmd_render(&ir->in, NULL, &ir->r))
      return 1;
    ir->rendered = 1;
    const char *rev = jobj_path_str(ir->r.merged, "spec", "values", "revision",
                                    (const char *)NULL);
    ir->owner.name =
        jobj_path_str(ir->r.merged, "metadata", "name", (const char *)NULL);
    ir->owner.namespace = jobj_path_str(ir->r.merged, "metadata", "namespace",
                                        (const char *)NULL);
    ir->owner.revision = rev && *rev ? rev : "default";
  } else {
    ir->owner.revision = ir->in.revision;
  }
  install_owner_selector(&ir->owner, sel, n);
  if (!ir->rendered) {
    /* -r alone: every owner's objects of that revision. */
    char *comma = strstr(sel, ",!");
    if (comma)
      *comma = 0;
  }
  return 0;
}

static void list_victims(struct json_object *victims)
{
  json_object_object_foreach (victims, key, obj) {
    (void)key;
    char id[1024];
    printf("  %s\n", cmd_object_id(obj, id, sizeof id));
  }
}

static int remove_all(struct un_cli *u, struct json_object *victims)
{
  int rc = 0, failed = 0;
  json_object_object_foreach (victims, key, obj) {
    (void)key;
    rc = install_delete(&u->ir.cl, obj, u->ir.dry_run);
    failed += rc;
  }
  if (failed)
    fprintf(stderr, "Error: %d object%s could not be removed\n", failed,
            failed == 1 ? "" : "s");
  else if (u->ir.dry_run)
    printf("Dry run: %d to remove; nothing was changed.\n",
           json_object_object_length(victims));
  else
    printf("✔ Uninstall complete\n");
  return failed ? 1 : 0;
}

static int run_uninstall(struct un_cli *u)
{
  struct install_run *ir = &u->ir;
  if (!u->purge && !ir->in.revision && ir->in.nfiles == 0) {
    fprintf(stderr,
            "Error: at least one of the --revision (or --set "
            "revision=<revision>), --filename or --purge flags must be set\n");
    return 1;
  }
  char sel[1024];
  if (selector_of(u, sel, sizeof sel) || cmd_connect(&ir->cl))
    return 1;
  struct json_object *victims = json_object_new_object();
  int rc = install_foreach_owned(&ir->cl, sel, collect, victims);
  if (!rc && u->purge)
    rc = collect_crds(&ir->cl, victims);
  if (!rc && json_object_object_length(victims) == 0) {
    printf("Nothing to remove: no object with iop's labels matches %s\n", sel);
  } else if (!rc) {
    printf("%s will be removed from the cluster:\n",
           u->purge ? "Every Istio object iop installed, and its CRDs,"
                    : "These objects");
    list_victims(victims);
    if (!ir->yes && !ir->dry_run && !cmd_confirm("Proceed?")) {
      printf("Cancelled.\n");
      rc = 1;
    } else {
      rc = remove_all(u, victims);
    }
  }
  json_object_put(victims);
  return rc;
}

int cmd_uninstall(int argc, char **argv)
{
  struct un_cli u = {0};
  int rc = parse(&u, argc, argv, 0);
  if (!rc)
    rc = run_uninstall(&u);
  if (u.ir.rendered)
    generate_result_free(&u.ir.r);
  cmd_disconnect(&u.ir.cl);
  cmd_inputs_free(&u.ir.in);
  return rc < 0 ? 0 : rc;
}

/* ---- verify-install ---- */

struct verdict {
  int total, bad;
};

static void check_object(struct json_object *obj, struct json_object *live,
                         struct verdict *v)
{
  char id[1024], why[512];
  cmd_object_id(obj, id, sizeof id);
  v->total++;
  if (!live) {
    printf("✘ %s: not found\n", id);
    v->bad++;
  } else if (!apply_ready(live, why, sizeof why)) {
    printf("✘ %s: not ready: %s\n", id, why);
    v->bad++;
  }
}

static int verify_component(struct install_run *ir,
                            const struct generate_component *gc,
                            struct verdict *v)
{
  int rc;
  int bad = v->bad;
  for (size_t k = 0; k < json_object_array_length(gc->objs); k++) {
    struct json_object *obj = json_object_array_get_idx(gc->objs, k);
    struct kube_result err;
    struct json_object *live = cmd_get(&ir->cl, obj, &err, &rc);
    if (rc)
      return cmd_report(&err);
    check_object(obj, live, v);
    json_object_put(live);
  }
  if (v->bad == bad)
    printf("✔ %s: %zu objects, all present and ready\n", gc->comp->display,
           json_object_array_length(gc->objs));
  return 0;
}

static int run_verify(struct install_run *ir)
{
  char version[128];
  if (cmd_connect(&ir->cl) ||
      cmd_server_version(&ir->cl, version, sizeof version) ||
      cmd_render(&ir->in, version, &ir->r))
    return 1;
  ir->rendered = 1;
  struct verdict v = {0, 0};
  for (int i = 0; i < ir->r.ncomps; i++)
    if (verify_component(ir, &ir->r.comps[i], &v))
      return 1;
  if (v.bad) {
    fprintf(stderr, "Error: %d of %d objects are missing or not ready\n", v.bad,
            v.total);
    return 1;
  }
  printf("✔ Istio is installed and verified successfully (%d objects)\n",
         v.total);
  return 0;
}

int cmd_verify_install(int argc, char **argv)
{
  struct un_cli u = {0};
  int rc = parse(&u, argc, argv, 1);
  if (!rc)
    rc = run_verify(&u.ir);
  if (u.ir.rendered)
    generate_result_free(&u.ir.r);
  cmd_disconnect(&u.ir.cl);
  cmd_inputs_free(&u.ir.in);
  return rc < 0 ? 0 : rc;
}
