/* The iop binary's dispatcher and its simplest commands, run as a user
 * runs them. */
#include "testutil.h"

#include <check.h>
#include <string.h>

static struct run_result iop(const char *input, const char *a1, const char *a2,
                             const char *a3)
{
  char *argv[] = {(char *)test_iop_bin(), (char *)a1, (char *)a2, (char *)a3,
                  NULL};
  struct run_result r;
  ck_assert_int_eq(run_cmd(argv, input, &r), 0);
  return r;
}

START_TEST(version_prints_a_version)
{
  struct run_result r = iop(NULL, "version", NULL, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_msg(strncmp(r.out, "iop version ", 12) == 0, "got: %s", r.out);
  run_result_free(&r);
}
END_TEST

START_TEST(help_lists_commands)
{
  struct run_result r = iop(NULL, "--help", NULL, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "version"));
  ck_assert_ptr_nonnull(strstr(r.out, "yaml"));
  run_result_free(&r);
}
END_TEST

START_TEST(unknown_command_fails)
{
  struct run_result r = iop(NULL, "frobnicate", NULL, NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "unknown command \"frobnicate\""));
  ck_assert_str_eq(r.out, "");
  run_result_free(&r);
}
END_TEST

START_TEST(yaml_error_names_the_place)
{
  struct run_result r = iop("a: 1\nb: [1, 2\n", "yaml", NULL, NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "<stdin>:3:1:") != NULL, "stderr: %s", r.err);
  ck_assert_str_eq(r.out, "");
  run_result_free(&r);
}
END_TEST

START_TEST(yaml_round_trip_prints_kubectl_style)
{
  struct run_result r = iop("b: on\na: [x, 'y']\n", "yaml", NULL, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "a:\n- x\n- \"y\"\nb: true\n");
  run_result_free(&r);
}
END_TEST

/* The server refuses flag values it cannot use, before touching a
 * cluster, in one line naming the flag. */
START_TEST(server_bad_flags_name_the_flag)
{
  static const char *const cases[][3] = {
      {"--workers", "x", "--workers: want a number from 1 to 64, got x"},
      {"--workers", "0", "--workers"},
      {"--leader-elect", "yes", "--leader-elect: want true or false"},
      {"--resync-period", "soon", "--resync-period: not a duration: soon"},
      {"--log-level", "loud", "loud"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct run_result r = iop(NULL, "server", cases[i][0], cases[i][1]);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, cases[i][2]) != NULL, "%s %s: %s", cases[i][0],
                  cases[i][1], r.err);
    const char *nl = strchr(r.err, '\n');
    ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", r.err);
    ck_assert_str_eq(r.out, "");
    run_result_free(&r);
  }
}
END_TEST

Suite *cli_suite(void)
{
  Suite *s = suite_create("cli");
  TCase *tc = tcase_create("dispatch");
  tcase_add_test(tc, version_prints_a_version);
  tcase_add_test(tc, help_lists_commands);
  tcase_add_test(tc, unknown_command_fails);
  tcase_add_test(tc, yaml_error_names_the_place);
  tcase_add_test(tc, yaml_round_trip_prints_kubectl_style);
  tcase_add_test(tc, server_bad_flags_name_the_flag);
  suite_add_tcase(s, tc);
  return s;
}
