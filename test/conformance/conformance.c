/* conformance: runs istioctl's manifest-generate golden cases against
 * `iop manifest generate`, from an istio/istio checkout.
 *
 *   conformance ISTIO_SRC IOP_BIN [CASE...]
 *
 * For each case it builds the command line as istioctl's test harness does
 * (-f input/<case>.yaml, the case's flags, then --set installPackagePath=
 * the snapshot or live charts), filters the output with the case's
 * selectors the way the harness does, and compares it with the golden file:
 * object for object (the bar) and byte for byte (the stretch). It also runs
 * the harness's other generate checks (error cases, empty output, flag
 * aliases, determinism). Exit status 1 when any case is not equal object
 * for object. */
#define _GNU_SOURCE
#include "buf.h"
#include "jobj.h"
#include "kjson.h"
#include "kyaml.h"
#include "manifest.h"
#include "regex.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum source { SNAPSHOT, LIVE };

struct golden {
  const char *desc;
  enum source src;
  const char *flags;      /* split on single spaces, as the harness does */
  const char *select;     /* diffSelect; NULL for the whole output */
  int no_input;
  const char *golden;     /* file name under output/, NULL: <desc>.golden.yaml */
};

static const struct golden goldens[] = {
    {"all_on", SNAPSHOT, "", NULL, 0,
     "all_on.golden-show-in-gh-pull-request.yaml"},
    {"flag_values_enable_egressgateway", SNAPSHOT,
     "--set values.gateways.istio-egressgateway.enabled=true",
     "Service:*:istio-egressgateway", 1, NULL},
    {"flag_force", SNAPSHOT, "--force", "no:resources:selected", 0, NULL},
    {"pilot_default", SNAPSHOT, "", NULL, 0, NULL},
    {"pilot_k8s_settings", SNAPSHOT, "",
     "Deployment:*:istiod,HorizontalPodAutoscaler:*:istiod", 0, NULL},
    {"pilot_override_values", SNAPSHOT, "",
     "Deployment:*:istiod,HorizontalPodAutoscaler:*:istiod", 0, NULL},
    {"pilot_override_kubernetes", SNAPSHOT, "",
     "Deployment:*:istiod, Service:*:istiod,PodDisruptionBudget:*:istiod,"
     "MutatingWebhookConfiguration:*:istio-sidecar-injector,"
     "ServiceAccount:*:istio-reader-service-account", 0, NULL},
    {"pilot_merge_meshconfig", SNAPSHOT, "", "ConfigMap:*:istio$", 0, NULL},
    {"pilot_disable_tracing", SNAPSHOT, "", "ConfigMap:*:istio$", 0, NULL},
    {"autoscaling_ingress_v2", SNAPSHOT, "",
     "HorizontalPodAutoscaler:*:istiod,HorizontalPodAutoscaler:*:"
     "istio-ingressgateway", 0, NULL},
    {"autoscaling_v2", SNAPSHOT, "",
     "HorizontalPodAutoscaler:*:istiod,HorizontalPodAutoscaler:*:"
     "istio-ingressgateway", 0, NULL},
    {"pilot_env_var_from", LIVE, "", "Deployment:*:istiod", 0, NULL},
    {"networkpolicy_enabled", LIVE, "", "NetworkPolicy:*:istiod", 0, NULL},
    {"istio-cni", SNAPSHOT, "", "DaemonSet:*:istio-cni", 0, NULL},
    {"istio-cni_tolerations", SNAPSHOT, "", "DaemonSet:*:istio-cni", 0, NULL},
    {"ztunnel", SNAPSHOT, "", "DaemonSet:*:ztunnel", 0, NULL},
    {"ztunnel_tolerations", SNAPSHOT, "", "DaemonSet:*:ztunnel", 0, NULL},
    {"helm_values_enablement", SNAPSHOT, "",
     "Deployment:*:istio-egressgateway, Service:*:istio-egressgateway", 0,
     NULL},
    {"install_package_path", SNAPSHOT, "LIVE_INSTALL_PACKAGE_PATH",
     "Deployment:*:istiod", 0, NULL},
    {"sidecar_template", SNAPSHOT, "", "ConfigMap:*:istio-sidecar-injector",
     0, NULL},
    {"ingressgateway_k8s_settings", SNAPSHOT, "",
     "Deployment:*:istio-ingressgateway, Service:*:istio-ingressgateway", 0,
     NULL},
    {"gateway_hpa_pdb", LIVE, "",
     "HorizontalPodAutoscaler:*:istio-ingressgateway,PodDisruptionBudget:*:"
     "istio-ingressgateway", 0, NULL},
    {"pilot_hpa_pdb", LIVE, "",
     "HorizontalPodAutoscaler:*:istiod,PodDisruptionBudget:*:istiod", 0,
     NULL},
};

struct env {
  const char *src;      /* istio checkout */
  const char *iop;
  char snapshot[4096];  /* extracted data-snapshot manifests */
  char live[4096];
  int failures;
  int byte_equal;
  int object_equal;
  int total;
};

static char *path(const char *a, const char *b)
{
  char *p;
  if (asprintf(&p, "%s/%s", a, b) < 0)
    return NULL;
  return p;
}

static const char *data_dir(const struct env *env)
{
  static char d[4096];
  snprintf(d, sizeof d, "%s/operator/cmd/mesh/testdata/manifest-generate",
           env->src);
  return d;
}

/* Runs iop manifest generate with the harness's arguments. */
static int generate(struct env *env, const char *input, const char *flags,
                    enum source src, struct run_result *r)
{
  char *argv[64];
  int n = 0;
  char *flagcopy = strdup(flags);
  argv[n++] = (char *)env->iop;
  argv[n++] = "manifest";
  argv[n++] = "generate";
  char *in = NULL;
  if (input) {
    char name[512];
    snprintf(name, sizeof name, "input/%s.yaml", input);
    in = path(data_dir(env), name);
    argv[n++] = "-f";
    argv[n++] = in;
  }
  char live_flag[4200];
  for (char *save = NULL, *t = strtok_r(flagcopy, " ", &save); t && n < 56;
       t = strtok_r(NULL, " ", &save)) {
    if (strcmp(t, "LIVE_INSTALL_PACKAGE_PATH") == 0) {
      snprintf(live_flag, sizeof live_flag, "installPackagePath=%s", env->live);
      argv[n++] = "--set";
      argv[n++] = live_flag;
    } else {
      argv[n++] = t;
    }
  }
  char pkg[4200];
  snprintf(pkg, sizeof pkg, "installPackagePath=%s",
           src == LIVE ? env->live : env->snapshot);
  argv[n++] = "--set";
  argv[n++] = pkg;
  argv[n] = NULL;
  int rc = run_cmd(argv, NULL, r);
  free(in);
  free(flagcopy);
  return rc;
}

/* ---- the harness's FilterManifest ---- */

struct filter {
  struct regex **sel;
  int nsel;
  struct buf out;
  int kept;
};

static int filter_part(const char *part, size_t len, int line, void *data)
{
  struct filter *f = data;
  struct json_object *doc = NULL;
  struct err e;
  struct kyaml_opts o = {.name = "output", .first_line = line};
  if (kyaml_parse(part, len, &o, &doc, &e) != 0 || !jobj_str(doc, "kind")) {
    json_object_put(doc);
    return 0;
  }
  struct buf hash;
  buf_init(&hash, 0);
  manifest_hash(doc, &hash);
  int keep = 0;
  for (int i = 0; i < f->nsel && !keep; i++)
    keep = regex_match(f->sel[i], hash.data, hash.len);
  if (keep) {
    if (f->kept++)
      buf_puts(&f->out, "\n---\n");
    buf_append(&f->out, part, len);
  }
  buf_free(&hash);
  json_object_put(doc);
  return 0;
}

static char *filter_manifest(const char *text, const char *select)
{
  struct filter f = {0};
  buf_init(&f.out, 0);
  char *copy = strdup(select);
  for (char *save = NULL, *s = strtok_r(copy, ",", &save); s;
       s = strtok_r(NULL, ",", &save)) {
    while (*s == ' ')
      s++;
    char *end = s + strlen(s);
    while (end > s && end[-1] == ' ')
      *--end = '\0';
    /* "*" or "" parts become ".*"; the rest is a regex, unanchored. */
    struct buf re;
    buf_init(&re, 0);
    char *save2 = NULL;
    char *part = strtok_r(s, ":", &save2);
    for (int i = 0; part || i == 0; i++, part = strtok_r(NULL, ":", &save2)) {
      buf_printf(&re, "%s%s", i ? ":" : "",
                 !part || !*part || strcmp(part, "*") == 0 ? ".*" : part);
      if (!part)
        break;
    }
    struct err e;
    struct regex *r;
    if (regex_compile(re.data, re.len, &r, &e) == 0) {
      f.sel = realloc(f.sel, (size_t)(f.nsel + 1) * sizeof *f.sel);
      f.sel[f.nsel++] = r;
    }
    buf_free(&re);
  }
  free(copy);
  kyaml_split(text, strlen(text), 1, filter_part, &f);
  buf_putc(&f.out, '\n');
  for (int i = 0; i < f.nsel; i++)
    regex_free(f.sel[i]);
  free(f.sel);
  return buf_take(&f.out);
}

/* ---- comparing objects ---- */

static int collect(struct json_object *doc, int line, void *data)
{
  (void)line;
  if (jobj_str(doc, "kind"))
    json_object_array_add(data, doc);
  else
    json_object_put(doc);
  return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every document as canonical JSON, sorted, one per line. */
static char *canonical(const char *text)
{
  struct json_object *docs = json_object_new_array();
  struct kyaml_opts o = {.name = "manifest"};
  struct err e;
  kyaml_parse_each(text, strlen(text), &o, collect, docs, &e);
  size_t n = json_object_array_length(docs);
  char **lines = calloc(n + 1, sizeof *lines);
  for (size_t i = 0; i < n; i++) {
    struct buf b;
    buf_init(&b, 0);
    kjson_write(&b, json_object_array_get_idx(docs, i), 0, &e);
    lines[i] = buf_take(&b);
  }
  qsort(lines, n, sizeof *lines, cmp_str_ptr);
  struct buf all;
  buf_init(&all, 0);
  for (size_t i = 0; i < n; i++) {
    buf_printf(&all, "%s\n", lines[i]);
    free(lines[i]);
  }
  free(lines);
  json_object_put(docs);
  return buf_take(&all);
}

static void report_first_difference(const char *want, const char *got)
{
  size_t i = 0, line = 1;
  while (want[i] && want[i] == got[i]) {
    if (want[i] == '\n')
      line++;
    i++;
  }
  fprintf(stderr, "    first byte difference at line %zu\n", line);
}

static void run_golden(struct env *env, const struct golden *g)
{
  struct run_result r;
  env->total++;
  if (generate(env, g->no_input ? NULL : g->desc, g->flags, g->src, &r) != 0) {
    printf("FAIL %-36s could not run iop\n", g->desc);
    env->failures++;
    return;
  }
  char name[512];
  snprintf(name, sizeof name, "output/%s", g->golden ? g->golden : "");
  if (!g->golden)
    snprintf(name, sizeof name, "output/%s.golden.yaml", g->desc);
  char *gp = path(data_dir(env), name);
  char *want = test_read_file(gp, NULL);
  char *got = g->select ? filter_manifest(r.out, g->select) : strdup(r.out);
  int bytes = want && strcmp(want, got) == 0;
  char *cw = want ? canonical(want) : strdup("");
  char *cg = canonical(got);
  int objects = r.status == 0 && want && strcmp(cw, cg) == 0;
  env->byte_equal += bytes;
  env->object_equal += objects;
  if (!objects)
    env->failures++;
  printf("%s %-36s objects=%s bytes=%s%s%s\n", objects ? "PASS" : "FAIL",
         g->desc, objects ? "equal" : "DIFFERENT", bytes ? "equal" : "different",
         r.status ? " exit=" : "", r.status ? "nonzero" : "");
  if (r.status)
    fprintf(stderr, "    %s", r.err);
  if (!bytes && want)
    report_first_difference(want, got);
  if (!objects && want && getenv("IOP_CONFORMANCE_DUMP")) {
    char p1[600], p2[600];
    snprintf(p1, sizeof p1, "%s/%s.want.jsonl", getenv("IOP_CONFORMANCE_DUMP"),
             g->desc);
    snprintf(p2, sizeof p2, "%s/%s.got.jsonl", getenv("IOP_CONFORMANCE_DUMP"),
             g->desc);
    FILE *f1 = fopen(p1, "w"), *f2 = fopen(p2, "w");
    if (f1 && f2) {
      fputs(cw, f1);
      fputs(cg, f2);
    }
    if (f1)
      fclose(f1);
    if (f2)
      fclose(f2);
  }
  free(cw);
  free(cg);
  free(want);
  free(got);
  free(gp);
  run_result_free(&r);
}

/* ---- the harness's other generate checks ---- */

static void expect_error(struct env *env, const char *input, const char *text)
{
  struct run_result r;
  env->total++;
  generate(env, input, "", LIVE, &r);
  int ok = r.status != 0 && strstr(r.err, text) != NULL &&
           strstr(r.out, "kind:") == NULL;
  printf("%s %-36s error contains \"%s\"\n", ok ? "PASS" : "FAIL", input, text);
  if (!ok) {
    env->failures++;
    fprintf(stderr, "    exit %d: %s", r.status, r.err);
  }
  env->object_equal += ok;
  run_result_free(&r);
}

static void expect_same(struct env *env, const char *desc, const char *in1,
                        const char *f1, const char *in2, const char *f2)
{
  struct run_result a, b;
  env->total++;
  generate(env, in1, f1, SNAPSHOT, &a);
  generate(env, in2, f2, SNAPSHOT, &b);
  int ok = a.status == 0 && b.status == 0 && strcmp(a.out, b.out) == 0;
  printf("%s %-36s identical output\n", ok ? "PASS" : "FAIL", desc);
  env->failures += !ok;
  env->object_equal += ok;
  run_result_free(&a);
  run_result_free(&b);
}

static void expect_empty(struct env *env, const char *input)
{
  struct run_result r;
  env->total++;
  generate(env, input, "", LIVE, &r);
  int ok = r.status == 0 && strstr(r.out, "kind:") == NULL;
  printf("%s %-36s no objects\n", ok ? "PASS" : "FAIL", input);
  env->failures += !ok;
  env->object_equal += ok;
  run_result_free(&r);
}

/* Not test_tmpdir: that helper reports to Check, and this runner runs
 * outside Check's tests. */
static char *make_tmpdir(void)
{
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/iop-conformance.XXXXXX",
           base && *base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  if (!d) {
    perror("mkdtemp");
    exit(2);
  }
  return strdup(d);
}

static int extract_snapshot(struct env *env)
{
  char *dir = make_tmpdir();
  char *tgz = path(data_dir(env), "data-snapshot.tar.gz");
  char *argv[] = {"tar", "-xzf", tgz, "-C", dir, NULL};
  struct run_result r;
  int rc = run_cmd(argv, NULL, &r) || r.status;
  snprintf(env->snapshot, sizeof env->snapshot, "%s/manifests", dir);
  run_result_free(&r);
  free(tgz);
  free(dir);
  return rc;
}

static int selected(const char *desc, int argc, char **argv)
{
  if (argc <= 3)
    return 1;
  for (int i = 3; i < argc; i++)
    if (strcmp(argv[i], desc) == 0)
      return 1;
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: conformance ISTIO_SRC IOP_BIN [CASE...]\n");
    return 2;
  }
  struct env env = {.src = argv[1], .iop = argv[2]};
  snprintf(env.live, sizeof env.live, "%s/manifests", env.src);
  if (extract_snapshot(&env) != 0) {
    fprintf(stderr, "cannot extract the snapshot charts\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++)
    if (selected(goldens[i].desc, argc, argv))
      run_golden(&env, &goldens[i]);
  if (argc <= 3) {
    expect_error(&env, "multiple_iops",
                 "contains multiple IstioOperator CRs, only one per file is "
                 "supported");
    expect_error(&env, "invalid-k8s", "could not unmarshal");
    expect_error(&env, "invalid-k8s-values", "invalid schema for");
    expect_empty(&env, "all_off");
    expect_same(&env, "revision flag alias", "all_on", "--set revision=foo",
                "all_on", "--revision=foo");
    expect_same(&env, "two runs, same bytes", "all_on", "", "all_on", "");
  }
  printf("\n%d checks: %d equal object for object, %d failing; %d of %zu "
         "goldens equal byte for byte\n", env.total, env.object_equal,
         env.failures, env.byte_equal,
         sizeof goldens / sizeof goldens[0]);
  char *snapdir = strdup(env.snapshot);
  char *slash = strrchr(snapdir, '/');
  if (slash)
    *slash = '\0';
  test_rm_rf(snapdir);
  free(snapdir);
  return env.failures ? 1 : 0;
}
