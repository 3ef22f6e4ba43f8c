/* Runs every unit and differential suite: each test/check_<mod>.c defines
 * `Suite *<mod>_suite(void)`, and the build lists them in suites.inc.
 * CK_RUN_SUITE / CK_RUN_CASE pick one, as Check allows. */
#include <check.h>
#include <stdlib.h>

#define SUITE(fn) Suite *fn(void);
#include "suites.inc"
#undef SUITE

int main(void)
{
  Suite *(*const suites[])(void) = {
#define SUITE(fn) fn,
#include "suites.inc"
#undef SUITE
  };
  SRunner *sr = srunner_create(NULL);
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    srunner_add_suite(sr, suites[i]());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
