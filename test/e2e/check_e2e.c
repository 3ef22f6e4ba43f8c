/* Runs the end-to-end suites against one control plane started for the
 * run (test/support/testcp.c); it is torn down however the run ends. */
#include "testcp.h"

#include <check.h>
#include <stdio.h>
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
  if (testcp_start() != 0)
    return EXIT_FAILURE;
  SRunner *sr = srunner_create(NULL);
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    srunner_add_suite(sr, suites[i]());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  testcp_stop();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
