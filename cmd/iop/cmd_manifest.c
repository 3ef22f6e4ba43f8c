/* iop manifest generate: an IstioOperator rendered as istioctl manifest
 * generate renders it, with istioctl's flags. */
#include "cmd.h"
#include "cmd_common.h"

#include "buf.h"
#include "generate.h"
#include "jobj.h"
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  struct cmd_inputs in;
  const char *output;
  int cluster_specific;
};

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
    int taken = cmd_inputs_option(&g->in, ch, optarg);
    if (taken < 0)
      return 1;
    if (taken)
      continue;
    switch (ch) {
    case 'o':
      g->output = optarg;
      break;
    case 'X':
      break; /* istioctl parses --filter and ignores it */
    case 'c':
      g->cluster_specific = 1;
      break;
    case 'K':
      g->cl.cfg.kubeconfig = optarg;
      break;
    case 'C':
      g->cl.cfg.context = optarg;
      break;
    case 'h':
      return usage(stdout, 0) - 1;
    default:
      return usage(stderr, 1);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "Error: generate accepts no positional arguments, got %s\n",
            argv[optind]);
    return 1;
  }
  return 0;
}

/* Go's text for an errno: strerror in lower case. */
static const char *go_errno(int errnum, char *buf, size_t n)
{
  snprintf(buf, n, "%s", strerror(errnum));
  if (buf[0] >= 'A' && buf[0] <= 'Z')
    buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

/* os.WriteFile(output, manifest, 0o644), and its errors as istioctl
 * prints them. */
static int write_output(struct gen_cli *g, struct buf *b)
{
  const char *data = b->data ? b->data : "";
  if (!g->output) {
    fwrite(data, 1, b->len, stdout);
    return 0;
  }
  const char *op = "open";
  int fd = open(g->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  size_t off = 0;
  while (fd >= 0 && off < b->len) {
    ssize_t n = write(fd, data + off, b->len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    off += (size_t)n;
  }
  int errnum = errno;
  if (fd >= 0) {
    op = off < b->len ? "write" : "close";
    if (close(fd) == 0 && off == b->len)
      return 0;
    if (off == b->len)
      errnum = errno;
  }
  char why[128];
  fprintf(stderr, "Error: write manifest to \"%s\": %s %s: %s\n", g->output, op,
          g->output, go_errno(errnum, why, sizeof why));
  return 1;
}

/* The cluster's version for .Capabilities, with --cluster-specific. */
static int cluster_version(struct gen_cli *g, char *out, size_t n)
{
  if (cmd_connect(&g->cl))
    return 1;
  int rc = cmd_server_version(&g->cl, out, n);
  cmd_disconnect(&g->cl);
  return rc;
}

static int run_generate(struct gen_cli *g)
{
  char version[128] = "";
  if (g->cluster_specific && cluster_version(g, version, sizeof version))
    return 1;
  struct generate_result r;
  if (cmd_render(&g->in, version, &r))
    return 1;
  struct buf b;
  struct err e;
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
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
      return usage(stdout, 0);
    fprintf(stderr,
            "Error: unknown manifest command%s%s (try: iop manifest "
            "generate)\n",
            argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
    return 1;
  }
  struct gen_cli g = {0};
  int rc = parse(&g, argc - 1, argv + 1);
  if (!rc)
    rc = run_generate(&g);
  cmd_inputs_free(&g.in);
  return rc < 0 ? 0 : rc;
}
