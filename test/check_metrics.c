/* metrics: what Prometheus scrapes must be exactly the text format 0.0.4. */
#include "buf.h"
#include "log.h"
#include "metrics.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *render(struct metrics *m)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_int_eq(metrics_render(m, &b), 0);
  return buf_take(&b);
}

static void quiet(const char *line, void *data)
{
  (void)line;
  (void)data;
}

START_TEST(counter_with_labels)
{
  struct metrics *m = metrics_new();
  struct metrics_family *api =
      metrics_counter(m, "iop_api_requests_total",
                      "API requests by verb and status code.", "verb,code");
  ck_assert_ptr_nonnull(api);
  metrics_inc(metrics_with(api, "get", "200", NULL));
  metrics_inc(metrics_with(api, "apply", "200", NULL));
  struct metrics_series *s = metrics_with(api, "get", "200", NULL);
  metrics_add(s, 2);
  metrics_inc(metrics_with(api, "apply", "409", NULL));
  ck_assert(metrics_value(s) == 3);
  char *text = render(m);
  ck_assert_str_eq(text,
                   "# HELP iop_api_requests_total API requests by verb and "
                   "status code.\n"
                   "# TYPE iop_api_requests_total counter\n"
                   "iop_api_requests_total{verb=\"apply\",code=\"200\"} 1\n"
                   "iop_api_requests_total{verb=\"apply\",code=\"409\"} 1\n"
                   "iop_api_requests_total{verb=\"get\",code=\"200\"} 3\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(families_sorted_and_unlabeled_shown_at_zero)
{
  struct metrics *m = metrics_new();
  struct metrics_family *depth =
      metrics_gauge(m, "iop_workqueue_depth", "Keys waiting.", NULL);
  metrics_counter(m, "iop_render_errors_total", "Render failures.", NULL);
  /* Labeled and never used: not shown, as client_golang does. */
  metrics_counter(m, "iop_reconciles_total", "Reconciles by result.", "result");
  metrics_set(metrics_with(depth, NULL), 7);
  char *text = render(m);
  ck_assert_str_eq(text, "# HELP iop_render_errors_total Render failures.\n"
                         "# TYPE iop_render_errors_total counter\n"
                         "iop_render_errors_total 0\n"
                         "# HELP iop_workqueue_depth Keys waiting.\n"
                         "# TYPE iop_workqueue_depth gauge\n"
                         "iop_workqueue_depth 7\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(histogram_buckets_sum_count)
{
  struct metrics *m = metrics_new();
  const double bounds[] = {0.1, 1, 10};
  struct metrics_family *h =
      metrics_histogram(m, "iop_reconcile_duration_seconds",
                        "Time to reconcile.", "result", bounds, 3);
  struct metrics_series *ok = metrics_with(h, "success", NULL);
  metrics_observe(ok, 0.05);
  metrics_observe(ok, 0.1); /* le is inclusive */
  metrics_observe(ok, 0.5);
  metrics_observe(ok, 20);
  ck_assert(metrics_value(ok) == 4);
  char *text = render(m);
  ck_assert_str_eq(
      text,
      "# HELP iop_reconcile_duration_seconds Time to reconcile.\n"
      "# TYPE iop_reconcile_duration_seconds histogram\n"
      "iop_reconcile_duration_seconds_bucket{result=\"success\",le=\"0.1\"} "
      "2\n"
      "iop_reconcile_duration_seconds_bucket{result=\"success\",le=\"1\"} 3\n"
      "iop_reconcile_duration_seconds_bucket{result=\"success\",le=\"10\"} "
      "3\n"
      "iop_reconcile_duration_seconds_bucket{result=\"success\",le=\"+Inf\"} "
      "4\n"
      "iop_reconcile_duration_seconds_sum{result=\"success\"} 20.65\n"
      "iop_reconcile_duration_seconds_count{result=\"success\"} 4\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(histogram_default_buckets_unlabeled)
{
  struct metrics *m = metrics_new();
  struct metrics_family *h = metrics_histogram(m, "d", "", NULL, NULL, 0);
  metrics_observe(metrics_with(h, NULL), 3);
  char *text = render(m);
  ck_assert_str_eq(text, "# HELP d \n"
                         "# TYPE d histogram\n"
                         "d_bucket{le=\"0.005\"} 0\n"
                         "d_bucket{le=\"0.01\"} 0\n"
                         "d_bucket{le=\"0.025\"} 0\n"
                         "d_bucket{le=\"0.05\"} 0\n"
                         "d_bucket{le=\"0.1\"} 0\n"
                         "d_bucket{le=\"0.25\"} 0\n"
                         "d_bucket{le=\"0.5\"} 0\n"
                         "d_bucket{le=\"1\"} 0\n"
                         "d_bucket{le=\"2.5\"} 0\n"
                         "d_bucket{le=\"5\"} 1\n"
                         "d_bucket{le=\"10\"} 1\n"
                         "d_bucket{le=\"+Inf\"} 1\n"
                         "d_sum 3\n"
                         "d_count 1\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(escaping)
{
  struct metrics *m = metrics_new();
  struct metrics_family *f =
      metrics_gauge(m, "esc", "Back\\slash and\nnewline \"kept\".", "v");
  metrics_set(metrics_with(f, "a\"b\\c\nd", NULL), -1.5);
  char *text = render(m);
  ck_assert_str_eq(text, "# HELP esc Back\\\\slash and\\nnewline \"kept\".\n"
                         "# TYPE esc gauge\n"
                         "esc{v=\"a\\\"b\\\\c\\nd\"} -1.5\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(value_format_matches_go)
{
  static const struct {
    double v;
    const char *want;
  } cases[] = {
      {1, "1"},
      {0, "0"},
      {0.25, "0.25"},
      {123456, "123456"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {0.1 + 0.2, "0.30000000000000004"},
      {-2, "-2"},
      {INFINITY, "+Inf"},
      {-INFINITY, "-Inf"},
      {NAN, "NaN"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[40];
    metrics_format_value(cases[i].v, out, sizeof out);
    ck_assert_str_eq(out, cases[i].want);
  }
}
END_TEST

START_TEST(registration_rules)
{
  log_set_sink(quiet, NULL);
  struct metrics *m = metrics_new();
  struct metrics_family *a = metrics_counter(m, "x_total", "X.", "kind");
  ck_assert_ptr_nonnull(a);
  /* The same shape again: the same family, so modules may register freely. */
  ck_assert_ptr_eq(metrics_counter(m, "x_total", "X.", "kind"), a);
  ck_assert_ptr_null(metrics_gauge(m, "x_total", "X.", "kind"));
  ck_assert_ptr_null(metrics_counter(m, "x_total", "X.", "other"));
  ck_assert_ptr_null(metrics_counter(m, "1bad", "", NULL));
  ck_assert_ptr_null(metrics_counter(m, "bad-name", "", NULL));
  ck_assert_ptr_null(metrics_counter(m, "y", "", "__reserved"));
  ck_assert_ptr_null(metrics_counter(m, "y", "", "a,a"));
  ck_assert_ptr_null(metrics_histogram(m, "h", "", "le", NULL, 0));
  const double unsorted[] = {1, 0.5};
  ck_assert_ptr_null(metrics_histogram(m, "h", "", NULL, unsorted, 2));
  ck_assert_ptr_nonnull(metrics_counter(m, "ns:rule_total", "", NULL));
  /* Wrong number of label values: NULL, and updates through NULL are
   * harmless. */
  ck_assert_ptr_null(metrics_with(a, NULL));
  ck_assert_ptr_null(metrics_with(a, "a", "b", NULL));
  metrics_inc(metrics_with(a, "a", "b", NULL));
  /* Counters only go up, also when set from a count kept elsewhere. */
  struct metrics_series *s = metrics_with(a, "k", NULL);
  metrics_add(s, -1);
  ck_assert(metrics_value(s) == 0);
  metrics_set(s, 9);
  ck_assert(metrics_value(s) == 9);
  metrics_set(s, 5);
  ck_assert(metrics_value(s) == 9);
  /* Histograms only observe. */
  struct metrics_family *h = metrics_histogram(m, "hh", "", NULL, NULL, 0);
  metrics_set(metrics_with(h, NULL), 3);
  metrics_inc(metrics_with(h, NULL));
  ck_assert(metrics_value(metrics_with(h, NULL)) == 0);
  metrics_free(m);
  log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(series_are_bounded)
{
  log_set_sink(quiet, NULL);
  struct metrics *m = metrics_new();
  struct metrics_family *f = metrics_counter(m, "c_total", "", "name");
  char v[32];
  for (int i = 0; i < METRICS_MAX_SERIES; i++) {
    snprintf(v, sizeof v, "n%d", i);
    ck_assert_ptr_nonnull(metrics_with(f, v, NULL));
  }
  ck_assert_ptr_null(metrics_with(f, "one-too-many", NULL));
  /* Existing series keep working. */
  ck_assert_ptr_nonnull(metrics_with(f, "n5", NULL));
  metrics_free(m);
  log_set_sink(NULL, NULL);
}
END_TEST

static void collect(void *data)
{
  struct metrics_family *f = data;
  metrics_set(metrics_with(f, NULL), 42);
}

START_TEST(collectors_run_before_render)
{
  struct metrics *m = metrics_new();
  struct metrics_family *f = metrics_gauge(m, "live", "Live value.", NULL);
  ck_assert_int_eq(metrics_on_collect(m, collect, f), 0);
  char *text = render(m);
  ck_assert_str_eq(text, "# HELP live Live value.\n# TYPE live gauge\n"
                         "live 42\n");
  free(text);
  metrics_free(m);
}
END_TEST

START_TEST(render_respects_buffer_ceiling)
{
  struct metrics *m = metrics_new();
  metrics_counter(m, "a_total", "Some help text that is long enough.", NULL);
  struct buf b;
  buf_init(&b, 16);
  ck_assert_int_eq(metrics_render(m, &b), -E2BIG);
  buf_free(&b);
  metrics_free(m);
}
END_TEST

Suite *metrics_suite(void)
{
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("text");
  tcase_add_test(tc, counter_with_labels);
  tcase_add_test(tc, families_sorted_and_unlabeled_shown_at_zero);
  tcase_add_test(tc, histogram_buckets_sum_count);
  tcase_add_test(tc, histogram_default_buckets_unlabeled);
  tcase_add_test(tc, escaping);
  tcase_add_test(tc, value_format_matches_go);
  tcase_add_test(tc, registration_rules);
  tcase_add_test(tc, series_are_bounded);
  tcase_add_test(tc, collectors_run_before_render);
  tcase_add_test(tc, render_respects_buffer_ceiling);
  suite_add_tcase(s, tc);
  return s;
}
