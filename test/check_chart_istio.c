/* Istio's own charts through `iop template` and real Helm 3.17, opt-in:
 * set ISTIO_SRC to an istio/istio checkout (its manifests/charts are read,
 * never copied). Each chart is rendered with its defaults and with values
 * files of ours (test/fixtures/charts/_istio/), and the objects must be
 * equal. Without ISTIO_SRC (as in CI) the test says so and passes. */
#include "jobj.h"
#include "kyaml.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const charts[] = {
    "base",
    "istio-control/istio-discovery",
    "gateways/istio-ingress",
    "gateways/istio-egress",
    "istio-cni",
    "ztunnel",
    "gateway",
};

/* Values files per chart: "" is the chart's defaults. The standalone
 * gateway chart has a schema that refuses the others' keys. */
static const char *const common_files[] = {"", "demo.yaml", "revision.yaml",
                                           "ambient.yaml", "tuned.yaml"};
static const char *const gateway_files[] = {"", "demo.yaml", "revision.yaml",
                                            "ambient.yaml", "gateway.yaml"};

#define NFILES 5
#define NCHARTS (sizeof charts / sizeof charts[0])

static struct json_object *objects(const char *text, struct err *e)
{
  struct kyaml_opts o = {.name = "stdout"};
  struct json_object *docs = NULL;
  if (kyaml_parse_all(text, strlen(text), &o, &docs, e))
    return NULL;
  return docs;
}

static struct run_result run(const char *bin, const char *chart,
                             const char *values)
{
  char *argv[8];
  int n = 0;
  argv[n++] = (char *)bin;
  argv[n++] = "template";
  argv[n++] = (char *)chart;
  if (values) {
    argv[n++] = "-f";
    argv[n++] = (char *)values;
  }
  argv[n] = NULL;
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, NULL, &r), 0);
  return r;
}

/* The first document that differs, for the failure message. */
static void first_difference(struct json_object *a, struct json_object *b,
                             char *out, size_t cap)
{
  size_t na = json_object_array_length(a), nb = json_object_array_length(b);
  for (size_t i = 0; i < na && i < nb; i++) {
    struct json_object *x = json_object_array_get_idx(a, i);
    struct json_object *y = json_object_array_get_idx(b, i);
    if (!jobj_equal(x, y)) {
      snprintf(out, cap, "document %zu:\n--- helm\n%s\n--- iop\n%s", i,
               json_object_to_json_string_ext(x, JSON_C_TO_STRING_PRETTY),
               json_object_to_json_string_ext(y, JSON_C_TO_STRING_PRETTY));
      return;
    }
  }
  snprintf(out, cap, "%zu documents (helm) vs %zu (iop)", na, nb);
}

START_TEST(istio_charts_match_helm)
{
  const char *src = getenv("ISTIO_SRC");
  if (!src || !*src) {
    if (_i == 0)
      fprintf(stderr, "chart_istio: skipped: set ISTIO_SRC to an istio/istio "
                      "checkout to render its charts with iop and Helm\n");
    return;
  }
  setenv("KUBECONFIG", "/nonexistent/kubeconfig", 1);
  unsetenv("HELM_NAMESPACE");
  size_t ci = (size_t)_i / NFILES, fi = (size_t)_i % NFILES;
  const char *file =
      (strcmp(charts[ci], "gateway") ? common_files : gateway_files)[fi];
  char chart[4096], values[4096];
  snprintf(chart, sizeof chart, "%s/manifests/charts/%s", src, charts[ci]);
  snprintf(values, sizeof values, "%s/test/fixtures/charts/_istio/%s",
           test_src_dir(), file);
  struct run_result h = run(test_helm_bin(), chart, *file ? values : NULL);
  struct run_result i = run(test_iop_bin(), chart, *file ? values : NULL);
  ck_assert_msg(h.status == 0, "%s %s: helm failed: %s", charts[ci], file,
                h.err);
  ck_assert_msg(i.status == 0, "%s %s: iop failed: %s", charts[ci], file,
                i.err);
  struct err e;
  struct json_object *a = objects(h.out, &e), *b = objects(i.out, &e);
  ck_assert_msg(a && b, "%s %s: output does not parse: %s", charts[ci], file,
                e.msg);
  if (!jobj_equal(a, b)) {
    static char diff[1 << 16];
    first_difference(a, b, diff, sizeof diff);
    ck_abort_msg("%s %s: objects differ, %s", charts[ci], file, diff);
  }
  if (strcmp(h.out, i.out))
    fprintf(stderr, "chart_istio: %s %s: same objects, different bytes\n",
            charts[ci], file);
  json_object_put(a);
  json_object_put(b);
  run_result_free(&h);
  run_result_free(&i);
}
END_TEST

Suite *chart_istio_suite(void)
{
  Suite *s = suite_create("chart_istio");
  TCase *tc = tcase_create("istio");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, istio_charts_match_helm, 0, (int)(NCHARTS * NFILES));
  suite_add_tcase(s, tc);
  return s;
}
