/* log: one line per event, logfmt or JSON, as an operator's user reads it
 * or a log pipeline ingests it. */
#include "kjson.h"
#include "log.h"

#include <check.h>
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char captured[8][65536];
static int ncaptured;

static void capture_cb(const char *line, void *data)
{
  (void)data;
  if (ncaptured < 8)
    snprintf(captured[ncaptured++], sizeof captured[0], "%s", line);
}

static void setup(void)
{
  ncaptured = 0;
  log_set_sink(capture_cb, NULL);
  log_set_level(LOG_INFO);
  log_set_format(LOG_FORMAT_LOGFMT);
}

static void teardown(void)
{
  log_set_sink(NULL, NULL);
  log_set_format(LOG_FORMAT_LOGFMT);
  log_set_level(LOG_INFO);
}

/* The line after its "time=..." prefix, which changes every run. */
static const char *after_time(const char *line)
{
  ck_assert_msg(strncmp(line, "time=", 5) == 0, "line: %s", line);
  const char *sp = strchr(line, ' ');
  ck_assert_ptr_nonnull(sp);
  return sp + 1;
}

START_TEST(logfmt_line_has_message_and_fields)
{
  log_info("applied iop=%s component=%s objects=%d", "istio-system/default",
           "Pilot", 17);
  ck_assert_int_eq(ncaptured, 1);
  ck_assert_str_eq(after_time(captured[0]),
                   "level=info msg=applied iop=istio-system/default "
                   "component=Pilot objects=17");
}
END_TEST

START_TEST(logfmt_quotes_a_message_with_spaces)
{
  log_warn("reconcile failed iop=%s err=%s", "ns/x",
           log_q("no such \"thing\""));
  ck_assert_str_eq(after_time(captured[0]),
                   "level=warn msg=\"reconcile failed\" iop=ns/x "
                   "err=\"no such \\\"thing\\\"\"");
  log_error("just a message");
  ck_assert_str_eq(after_time(captured[1]),
                   "level=error msg=\"just a message\"");
}
END_TEST

/* "time=2006-01-02T15:04:05.000Z": digits where the pattern has 9. */
START_TEST(timestamp_is_utc_with_milliseconds)
{
  static const char pattern[] = "time=9999-99-99T99:99:99.999Z ";
  log_info("tick");
  const char *line = captured[0];
  for (size_t i = 0; i < sizeof pattern - 1; i++) {
    if (pattern[i] == '9')
      ck_assert_msg(isdigit((unsigned char)line[i]), "line: %s", line);
    else
      ck_assert_msg(line[i] == pattern[i], "line: %s", line);
  }
  ck_assert_str_eq(line + sizeof pattern - 1, "level=info msg=tick");
}
END_TEST

START_TEST(level_filters_events)
{
  log_set_level(LOG_WARN);
  log_debug("d");
  log_info("i");
  log_warn("w");
  log_error("e");
  ck_assert_int_eq(ncaptured, 2);
  ck_assert_ptr_nonnull(strstr(captured[0], "level=warn msg=w"));
  ck_assert_ptr_nonnull(strstr(captured[1], "level=error msg=e"));
  ck_assert_int_eq(log_get_level(), LOG_WARN);
  log_set_level(LOG_DEBUG);
  log_debug("now");
  ck_assert_int_eq(ncaptured, 3);
}
END_TEST

static struct json_object *json_line(const char *line)
{
  struct json_object *o = NULL;
  struct err e;
  ck_assert_msg(kjson_parse(line, strlen(line), "log line", &o, &e) == 0,
                "%s: %s", e.msg, line);
  return o;
}

static const char *field(struct json_object *o, const char *key)
{
  struct json_object *v;
  ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
  return json_object_get_string(v);
}

START_TEST(json_line_carries_the_same_fields)
{
  log_set_format(LOG_FORMAT_JSON);
  log_info("applied iop=%s objects=%d ms=%d", "ns/x", 17, 42);
  struct json_object *o = json_line(captured[0]);
  ck_assert_str_eq(field(o, "level"), "info");
  ck_assert_str_eq(field(o, "msg"), "applied");
  ck_assert_str_eq(field(o, "iop"), "ns/x");
  struct json_object *n;
  ck_assert(json_object_object_get_ex(o, "objects", &n) &&
            json_object_is_type(n, json_type_int) &&
            json_object_get_int(n) == 17);
  ck_assert_int_eq(strncmp(captured[0], "{\"time\":\"", 9), 0);
  json_object_put(o);
}
END_TEST

START_TEST(json_line_decodes_quoted_values)
{
  log_set_format(LOG_FORMAT_JSON);
  log_info("failed err=%s code=%s", log_q("line1\nline2\t\x01 \"q\""), "007");
  struct json_object *o = json_line(captured[0]);
  ck_assert_str_eq(field(o, "msg"), "failed");
  ck_assert_str_eq(field(o, "err"), "line1\nline2\t\x01 \"q\"");
  /* 007 is not a JSON number: it stays a string. */
  struct json_object *c;
  ck_assert(json_object_object_get_ex(o, "code", &c) &&
            json_object_is_type(c, json_type_string));
  json_object_put(o);
}
END_TEST

START_TEST(json_line_stays_valid_with_bad_utf8)
{
  log_set_format(LOG_FORMAT_JSON);
  log_info("got \xff bytes name=%s", log_q("a\xfe b"));
  struct json_object *o = json_line(captured[0]);
  ck_assert_str_eq(field(o, "msg"), "got \xef\xbf\xbd bytes");
  ck_assert_str_eq(field(o, "name"), "a\xef\xbf\xbd b");
  json_object_put(o);
}
END_TEST

START_TEST(log_q_quotes_only_what_needs_it)
{
  ck_assert_str_eq(log_q("plain"), "plain");
  ck_assert_str_eq(log_q(""), "\"\"");
  ck_assert_str_eq(log_q(NULL), "\"\"");
  ck_assert_str_eq(log_q("a b"), "\"a b\"");
  ck_assert_str_eq(log_q("k=v"), "\"k=v\"");
  ck_assert_str_eq(log_q("back\\slash"), "\"back\\\\slash\"");
  ck_assert_str_eq(log_q("tab\tnl\n\x7f"), "\"tab\\tnl\\n\\u007f\"");
}
END_TEST

START_TEST(log_q_ring_serves_one_call)
{
  const char *v[8];
  char in[8][16];
  for (int i = 0; i < 8; i++) {
    snprintf(in[i], sizeof in[i], "v %d", i);
    v[i] = log_q(in[i]);
  }
  for (int i = 0; i < 8; i++) {
    char want[16];
    snprintf(want, sizeof want, "\"v %d\"", i);
    ck_assert_str_eq(v[i], want);
  }
}
END_TEST

START_TEST(log_q_cuts_long_values_but_keeps_the_quote)
{
  size_t n = 20000;
  char *big = malloc(n + 1);
  memset(big, '"', n);
  big[n] = '\0';
  const char *q = log_q(big);
  size_t len = strlen(q);
  ck_assert_uint_lt(len, 4096);
  ck_assert_int_eq(q[0], '"');
  ck_assert_str_eq(q + len - 4, "...\"");
  ck_assert_int_eq(q[1], '\\');
  free(big);
}
END_TEST

START_TEST(long_lines_are_cut_not_lost)
{
  size_t n = 100000;
  char *big = malloc(n + 1);
  memset(big, 'x', n);
  big[n] = '\0';
  log_info("m v=%s", big);
  ck_assert_int_eq(ncaptured, 1);
  ck_assert_ptr_nonnull(strstr(captured[0], "msg=m v=xxxx"));
  free(big);
}
END_TEST

START_TEST(parse_level_and_format_names)
{
  enum log_level l;
  enum log_format f;
  ck_assert_int_eq(log_level_parse("debug", &l), 0);
  ck_assert_int_eq(l, LOG_DEBUG);
  ck_assert_int_eq(log_level_parse("warning", &l), 0);
  ck_assert_int_eq(l, LOG_WARN);
  ck_assert_int_eq(log_level_parse("error", &l), 0);
  ck_assert_int_eq(l, LOG_ERROR);
  ck_assert_int_eq(log_level_parse("verbose", &l), -EINVAL);
  ck_assert_int_eq(log_format_parse("json", &f), 0);
  ck_assert_int_eq(f, LOG_FORMAT_JSON);
  ck_assert_int_eq(log_format_parse("text", &f), 0);
  ck_assert_int_eq(f, LOG_FORMAT_LOGFMT);
  ck_assert_int_eq(log_format_parse("xml", &f), -EINVAL);
}
END_TEST

START_TEST(default_sink_is_stderr)
{
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  int saved = dup(2);
  dup2(fds[1], 2);
  log_set_sink(NULL, NULL);
  log_info("to stderr k=v");
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fds[1]);
  char out[512] = {0};
  ssize_t n = read(fds[0], out, sizeof out - 1);
  close(fds[0]);
  ck_assert_int_gt(n, 0);
  ck_assert_ptr_nonnull(strstr(out, " level=info msg=\"to stderr\" k=v\n"));
}
END_TEST

Suite *log_suite(void)
{
  Suite *s = suite_create("log");
  TCase *tc = tcase_create("log");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, logfmt_line_has_message_and_fields);
  tcase_add_test(tc, logfmt_quotes_a_message_with_spaces);
  tcase_add_test(tc, timestamp_is_utc_with_milliseconds);
  tcase_add_test(tc, level_filters_events);
  tcase_add_test(tc, json_line_carries_the_same_fields);
  tcase_add_test(tc, json_line_decodes_quoted_values);
  tcase_add_test(tc, json_line_stays_valid_with_bad_utf8);
  tcase_add_test(tc, log_q_quotes_only_what_needs_it);
  tcase_add_test(tc, log_q_ring_serves_one_call);
  tcase_add_test(tc, log_q_cuts_long_values_but_keeps_the_quote);
  tcase_add_test(tc, long_lines_are_cut_not_lost);
  tcase_add_test(tc, parse_level_and_format_names);
  tcase_add_test(tc, default_sink_is_stderr);
  suite_add_tcase(s, tc);
  return s;
}
