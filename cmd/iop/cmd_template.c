/* iop template: renders a chart directory and prints what `helm template`
 * (Helm 3.17) prints, with helm's flags. Errors are one "Error: ..." line
 * on stderr (plus Helm's --debug hint where Helm adds it), exit code 1,
 * and nothing on stdout. */
#include "cmd.h"

#include "buf.h"
#include "chart.h"
#include "kubeconfig.h"
#include "strvals.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEMPLATE_MAX_FLAGS 4096

struct list {
  const char **v;
  size_t n;
};

struct template_cmd {
  struct list files, sets[5], show_only, apis;
  const char *namespace, *kube_version;
  int include_crds, skip_tests, no_hooks, is_upgrade;
};

static int list_add(struct list *l, const char *s)
{
  if (l->n >= TEMPLATE_MAX_FLAGS)
    return -1;
  const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v)
    return -1;
  l->v = v;
  v[l->n++] = s;
  return 0;
}

/* pflag's StringSlice: "a,b" is two values. The pieces live in argv's
 * string, cut in place. */
static int list_add_csv(struct list *l, char *s)
{
  for (char *p = s, *next; p; p = next) {
    next = strchr(p, ',');
    if (next)
      *next++ = '\0';
    if (list_add(l, p))
      return -1;
  }
  return 0;
}

static int template_usage(FILE *out, int code)
{
  fprintf(
      out,
      "Render chart templates locally and print them, as `helm template` "
      "does.\n\n"
      "Usage:\n  iop template [NAME] CHART [flags]\n\n"
      "Flags:\n"
      "  -f, --values FILE          values file (repeatable, or "
      "comma-separated)\n"
      "      --set K=V              set values (a.b=c,d[0]=e,f={x,y})\n"
      "      --set-string K=V       set STRING values\n"
      "      --set-json K=JSON      set JSON values\n"
      "      --set-file K=FILE      set values from files\n"
      "      --set-literal K=V      set one literal STRING value\n"
      "  -n, --namespace NS         .Release.Namespace (default \"default\")\n"
      "      --kube-version V       .Capabilities.KubeVersion (default "
      "v1.32.0)\n"
      "  -a, --api-versions G/V     add to .Capabilities.APIVersions\n"
      "  -s, --show-only PATH       only manifests of these templates (glob)\n"
      "      --include-crds         print the chart's CRDs first\n"
      "      --skip-tests           leave out test hooks\n"
      "      --no-hooks             leave out hooks\n"
      "      --is-upgrade           set .Release.IsUpgrade instead of "
      "IsInstall\n"
      "      --release-name         accepted for helm compatibility\n"
      "CHART is a chart directory; packaged .tgz charts and subcharts must be\n"
      "unpacked first.\n");
  return code;
}

enum {
  OPT_SET = 256,
  OPT_SET_STRING,
  OPT_SET_JSON,
  OPT_SET_FILE,
  OPT_SET_LITERAL,
  OPT_KUBE,
  OPT_CRDS,
  OPT_SKIP_TESTS,
  OPT_NO_HOOKS,
  OPT_UPGRADE,
  OPT_NOOP,
};

static int parse_opt(struct template_cmd *t, int c, char *arg)
{
  switch (c) {
  case 'f':
    return list_add_csv(&t->files, arg);
  case OPT_SET:
    return list_add(&t->sets[STRVALS_SET], arg);
  case OPT_SET_STRING:
    return list_add(&t->sets[STRVALS_STRING], arg);
  case OPT_SET_JSON:
    return list_add(&t->sets[STRVALS_JSON], arg);
  case OPT_SET_FILE:
    return list_add(&t->sets[STRVALS_FILE], arg);
  case OPT_SET_LITERAL:
    return list_add(&t->sets[STRVALS_LITERAL], arg);
  case 'n':
    t->namespace = arg;
    return 0;
  case OPT_KUBE:
    t->kube_version = arg;
    return 0;
  case 'a':
    return list_add_csv(&t->apis, arg);
  case 's':
    return list_add(&t->show_only, arg);
  case OPT_CRDS:
    t->include_crds = 1;
    return 0;
  case OPT_SKIP_TESTS:
    t->skip_tests = 1;
    return 0;
  case OPT_NO_HOOKS:
    t->no_hooks = 1;
    return 0;
  case OPT_UPGRADE:
    t->is_upgrade = 1;
    return 0;
  case OPT_NOOP:
    return 0;
  default:
    return -1;
  }
}

/* pflag's messages for a flag it does not know or that lacks its value. */
static int flag_error(int c, const char *arg)
{
  int shorthand = arg[0] == '-' && arg[1] != '-' && optopt;
  if (c == ':' && shorthand)
    fprintf(stderr, "Error: flag needs an argument: '%c' in %s\n", optopt, arg);
  else if (c == ':')
    fprintf(stderr, "Error: flag needs an argument: %s\n", arg);
  else if (shorthand)
    fprintf(stderr, "Error: unknown shorthand flag: '%c' in %s\n", optopt, arg);
  else
    fprintf(stderr, "Error: unknown flag: %s\n", arg);
  return 1;
}

static int parse_flags(struct template_cmd *t, int argc, char **argv)
{
  static const struct option opts[] = {
      {"values", required_argument, NULL, 'f'},
      {"set", required_argument, NULL, OPT_SET},
      {"set-string", required_argument, NULL, OPT_SET_STRING},
      {"set-json", required_argument, NULL, OPT_SET_JSON},
      {"set-file", required_argument, NULL, OPT_SET_FILE},
      {"set-literal", required_argument, NULL, OPT_SET_LITERAL},
      {"namespace", required_argument, NULL, 'n'},
      {"kube-version", required_argument, NULL, OPT_KUBE},
      {"api-versions", required_argument, NULL, 'a'},
      {"show-only", required_argument, NULL, 's'},
      {"include-crds", no_argument, NULL, OPT_CRDS},
      {"skip-tests", no_argument, NULL, OPT_SKIP_TESTS},
      {"no-hooks", no_argument, NULL, OPT_NO_HOOKS},
      {"is-upgrade", no_argument, NULL, OPT_UPGRADE},
      {"release-name", no_argument, NULL, OPT_NOOP},
      {"skip-schema-validation", no_argument, NULL, OPT_NOOP},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":f:n:a:s:h", opts, NULL)) != -1) {
    if (c == 'h')
      return 2;
    if (c == ':' || c == '?')
      return flag_error(c, argv[optind - 1]);
    if (parse_opt(t, c, optarg)) {
      fprintf(stderr, "Error: too many values for %s\n", argv[optind - 1]);
      return 1;
    }
  }
  return 0;
}

static void template_free(struct template_cmd *t)
{
  free(t->files.v);
  for (int i = 0; i < 5; i++)
    free(t->sets[i].v);
  free(t->show_only.v);
  free(t->apis.v);
}

static int fail(const char *msg, int hint)
{
  fprintf(stderr, "Error: %s\n%s", msg,
          hint ? "\nUse --debug flag to render out invalid YAML\n" : "");
  return 1;
}

/* settings.Namespace(): --namespace, $HELM_NAMESPACE, the kubeconfig
 * context's namespace, else "default". */
static char *namespace_of(const struct template_cmd *t)
{
  if (t->namespace)
    return strdup(t->namespace);
  const char *env = getenv("HELM_NAMESPACE");
  if (env && *env)
    return strdup(env);
  struct kube_config kc;
  struct err e;
  struct kube_config_opts ko = {0};
  memset(&kc, 0, sizeof kc);
  char *ns = NULL;
  if (!getenv("KUBERNETES_SERVICE_HOST") &&
      kubeconfig_load(&ko, &kc, &e) == 0 && kc.namespace && *kc.namespace)
    ns = strdup(kc.namespace);
  kubeconfig_free(&kc);
  return ns ? ns : strdup("default");
}

static void warn_cb(const char *line, void *data)
{
  (void)data;
  fprintf(stderr, "%s\n", line);
}

static int values_of(struct template_cmd *t, struct json_object **vals)
{
  struct strvals_opts so = {.files = t->files.v, .nfiles = t->files.n};
  for (int i = 0; i < 5; i++) {
    so.flags[i] = t->sets[i].v;
    so.nflags[i] = t->sets[i].n;
  }
  struct err e;
  if (strvals_merge_values(&so, vals, &e))
    return fail(e.msg, 0);
  return 0;
}

/* runInstall's checks before rendering. */
static int check_chart(const struct chart *c)
{
  const char *type = chart_type(c);
  struct err e;
  if (*type && strcmp(type, "application")) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s charts are not installable", type);
    return fail(msg, 0);
  }
  if (chart_deprecated(c))
    fprintf(stderr, "WARNING: This chart is deprecated\n");
  if (chart_check_dependencies(c, &e))
    return fail(e.msg, 0);
  return 0;
}

static int render(struct template_cmd *t, const char *name, const char *path,
                  struct json_object *vals)
{
  struct chart *c = NULL;
  struct err e;
  if (chart_load(path, CHART_MODE_HELM3, warn_cb, NULL, &c, &e))
    return fail(e.msg, 0);
  int rc = check_chart(c);
  char *ns = rc ? NULL : namespace_of(t);
  struct chart_render_opts ro = {.mode = CHART_MODE_HELM3,
                                 .release_name = name,
                                 .namespace = ns,
                                 .is_upgrade = t->is_upgrade,
                                 .kube_version = t->kube_version,
                                 .api_versions = t->apis.v,
                                 .napi_versions = t->apis.n,
                                 .values = vals,
                                 .warn = warn_cb};
  struct chart_template_opts to = {.include_crds = t->include_crds,
                                   .no_hooks = t->no_hooks,
                                   .skip_tests = t->skip_tests,
                                   .show_only = t->show_only.v,
                                   .nshow_only = t->show_only.n};
  struct buf out;
  buf_init(&out, 0);
  int hint = 0;
  if (!rc && chart_template(c, &ro, &to, &out, &hint, &e))
    rc = fail(e.msg, hint);
  if (!rc)
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
  buf_free(&out);
  free(ns);
  chart_free(c);
  return rc;
}

/* LocateChart: a local path; anything else would be a repository
 * reference, which iop does not fetch (Helm's messages for the ones that
 * cannot be one). */
static int locate(const char *path)
{
  struct stat st;
  if (stat(path, &st) == 0)
    return 0;
  char msg[4200];
  const char *slash = strchr(path, '/');
  if (path[0] == '/' || path[0] == '.')
    snprintf(msg, sizeof msg, "path \"%s\" not found", path);
  else if (!slash)
    snprintf(msg, sizeof msg,
             "non-absolute URLs should be in form of "
             "repo_name/path_to_chart, got: %s",
             path);
  else
    snprintf(msg, sizeof msg, "repo %.*s not found", (int)(slash - path), path);
  return fail(msg, 0);
}

static int positional(int n, char **args, const char **name, const char **chart)
{
  if (n < 1) {
    fprintf(stderr, "Error: \"iop template\" requires at least 1 argument\n"
                    "Run 'iop template --help' for usage.\n");
    return 1;
  }
  if (n > 2) {
    struct buf b;
    buf_init(&b, 0);
    for (int i = 2; i < n; i++)
      buf_printf(&b, "%s%s", i > 2 ? ", " : "", args[i]);
    char msg[4200];
    snprintf(msg, sizeof msg,
             "expected at most two arguments, unexpected "
             "arguments: %s",
             b.data);
    buf_free(&b);
    return fail(msg, 0);
  }
  *name = n == 2 ? args[0] : "release-name";
  *chart = args[n - 1];
  return locate(*chart);
}

int cmd_template(int argc, char **argv)
{
  struct template_cmd t;
  memset(&t, 0, sizeof t);
  int rc = parse_flags(&t, argc, argv);
  if (rc) {
    template_free(&t);
    return rc == 2 ? template_usage(stdout, 0) : 1;
  }
  const char *name = NULL, *chart = NULL;
  struct json_object *vals = NULL;
  rc = positional(argc - optind, argv + optind, &name, &chart);
  if (!rc)
    rc = values_of(&t, &vals);
  if (!rc)
    rc = render(&t, name, chart, vals);
  json_object_put(vals);
  template_free(&t);
  return rc;
}
