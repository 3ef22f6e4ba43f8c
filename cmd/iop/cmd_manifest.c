/* iop manifest generate: an IstioOperator rendered as istioctl manifest
 * generate renders it, with istioctl's flags. */
#include "cmd.h"
#include "cmd_common.h"

#include "buf.h"
#include "generate.h"
#include "jobj.h"
#include "manifest.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUTS 64

const char *cmd_default_manifests(void)
{
  const char *env = getenv("IOP_MANIFESTS");
  return env && *env ? env : "/usr/share/iop/manifests";
}

static int usage(FILE *out, int code)
{
  fprintf(out,
          "Generate the Kubernetes objects an IstioOperator installs, as "
          "istioctl manifest generate does.\n\n"
          "Usage:\n  iop manifest generate [-f FILE]... [--set PATH=VALUE]... "
          "[flags]\n\n"
          "Flags:\n"
          "  -f, --filename FILES   IstioOperator files, merged in order "
          "(comma-separated, repeatable; - is stdin)\n"
          "  -s, --set PATH=VALUE   override a field under spec "
          "(values.global.hub=x, components.cni.enabled=true)\n"
          "  -d, --manifests DIR    an Istio release's manifests/ directory "
          "(profiles and charts; default $IOP_MANIFESTS or %s)\n"
          "  -r, --revision REV     the control plane revision\n"
          "      --force            report validation errors as warnings and "
          "go on\n"
          "  -o, --output FILE      write the manifest to FILE instead of "
          "stdout\n"
          "      --cluster-specific read the Kubernetes version from the "
          "cluster (--kubeconfig, --context)\n",
          cmd_default_manifests());
  return code;
}

struct gen_cli {
  struct cmd_cluster cl;
  char *files[MAX_INPUTS];
  int nfiles;
  const char *sets[MAX_INPUTS + 2];
  int nsets;
  const char *manifests;
  const char *revision;
  const char *output;
  int force;
  int cluster_specific;
  char alias_dir[4200];
  char alias_rev[256];
};

/* -f takes comma-separated lists, as istioctl's StringSlice flag does. */
static int add_files(struct gen_cli *g, const char *arg)
{
  char *copy = strdup(arg);
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s;
       s = strtok_r(NULL, ",", &save)) {
    if (g->nfiles == MAX_INPUTS) {
      free(copy);
      fprintf(stderr, "Error: too many -f files\n");
      return 1;
    }
    g->files[g->nfiles++] = strdup(s);
  }
  free(copy);
  return 0;
}

static int parse(struct gen_cli *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"filename", required_argument, NULL, 'f'},
      {"set", required_argument, NULL, 's'},
      {"manifests", required_argument, NULL, 'd'},
      {"charts", required_argument, NULL, 'd'},
      {"revision", required_argument, NULL, 'r'},
      {"output", required_argument, NULL, 'o'},
      {"force", no_argument, NULL, 'F'},
      {"filter", required_argument, NULL, 'X'},
      {"cluster-specific", no_argument, NULL, 'c'},
      {"kubeconfig", required_argument, NULL, 'K'},
      {"context", required_argument, NULL, 'C'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "f:s:d:r:o:h", opts, NULL)) != -1) {
    switch (ch) {
    case 'f':
      if (add_files(g, optarg))
        return 1;
      break;
    case 's':
      if (g->nsets < MAX_INPUTS)
        g->sets[g->nsets++] = optarg;
      break;
    case 'd': g->manifests = optarg; break;
    case 'r': g->revision = optarg; break;
    case 'o': g->output = optarg; break;
    case 'F': g->force = 1; break;
    case 'X': break; /* istioctl parses --filter and ignores it */
    case 'c': g->cluster_specific = 1; break;
    case 'K': g->cl.cfg.kubeconfig = optarg; break;
    case 'C': g->cl.cfg.context = optarg; break;
    case 'h': return usage(stdout, 0) - 1;
    default: return usage(stderr, 1);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "Error: generate accepts no positional arguments, got %s\n",
            argv[optind]);
    return 1;
  }
  return 0;
}

/* istioctl appends its alias flags after the user's --set flags. */
static void add_aliases(struct gen_cli *g)
{
  if (g->manifests) {
    snprintf(g->alias_dir, sizeof g->alias_dir, "installPackagePath=%s",
             g->manifests);
    g->sets[g->nsets++] = g->alias_dir;
  }
  if (g->revision && *g->revision && strcmp(g->revision, "default") != 0) {
    snprintf(g->alias_rev, sizeof g->alias_rev, "revision=%s", g->revision);
    g->sets[g->nsets++] = g->alias_rev;
  }
}

static int write_output(struct gen_cli *g, struct buf *b)
{
  if (!g->output) {
    fwrite(b->data ? b->data : "", 1, b->len, stdout);
    return 0;
  }
  FILE *f = fopen(g->output, "wb");
  if (!f || fwrite(b->data ? b->data : "", 1, b->len, f) != b->len) {
    fprintf(stderr, "Error: write manifest to \"%s\": %s\n", g->output,
            strerror(errno));
    if (f)
      fclose(f);
    return 1;
  }
  return fclose(f) ? 1 : 0;
}

/* The cluster's version for .Capabilities, with --cluster-specific. */
static int cluster_version(struct gen_cli *g, char *out, size_t n)
{
  if (cmd_connect(&g->cl))
    return 1;
  struct kube_sync s;
  kube_sync_init(&s);
  int rc = kube_server_version(g->cl.client, kube_sync_cb, &s);
  if (!rc)
    rc = kube_sync_wait(g->cl.client, &s);
  if (rc)
    rc = cmd_report(&s.res);
  else
    snprintf(out, n, "%s", jobj_str(s.res.object, "gitVersion"));
  kube_sync_free(&s);
  cmd_disconnect(&g->cl);
  return rc;
}

static int run_generate(struct gen_cli *g)
{
  char version[128] = "";
  if (g->cluster_specific && cluster_version(g, version, sizeof version))
    return 1;
  struct generate_opts o = {
      .in = {.files = (const char *const *)g->files, .nfiles = g->nfiles,
             .sets = g->sets, .nsets = g->nsets,
             .default_manifests = cmd_default_manifests()},
      .force = g->force,
      .kube_version = *version ? version : NULL};
  struct generate_result r;
  struct err e;
  if (generate_run(&o, NULL, &r, &e) != 0) {
    fprintf(stderr, "Error: %s\n", e.msg);
    return 1;
  }
  struct buf b;
  buf_init(&b, 0);
  int rc = manifest_write(&b, r.sorted, &e);
  if (rc)
    fprintf(stderr, "Error: %s\n", e.msg);
  else
    rc = write_output(g, &b);
  buf_free(&b);
  generate_result_free(&r);
  return rc ? 1 : 0;
}

int cmd_manifest(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "generate") != 0) {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
      return usage(stdout, 0);
    fprintf(stderr, "Error: unknown manifest command%s%s (try: iop manifest "
            "generate)\n", argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
    return 1;
  }
  struct gen_cli g = {0};
  int rc = parse(&g, argc - 1, argv + 1);
  if (!rc) {
    add_aliases(&g);
    rc = run_generate(&g);
  }
  for (int i = 0; i < g.nfiles; i++)
    free(g.files[i]);
  return rc < 0 ? 0 : rc;
}
