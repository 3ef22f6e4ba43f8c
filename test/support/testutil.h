/* Helpers shared by the test suites: running commands, temp files, the
 * tools the suite compares against (real Helm and kubectl). */
#ifndef IOP_TESTUTIL_H
#define IOP_TESTUTIL_H

#include <stddef.h>

struct run_result {
  int status; /* exit code, or 128+signal */
  char *out;  /* stdout, NUL-terminated */
  char *err;  /* stderr, NUL-terminated */
};

/* Runs argv (argv[0] searched in PATH) with stdin fed from `input` (may be
 * NULL). Returns 0, or -errno when it could not start. */
int run_cmd(char *const argv[], const char *input, struct run_result *r);
void run_result_free(struct run_result *r);

/* Environment the suite needs; fails the current test when unset. */
const char *test_env(const char *name);
const char *test_iop_bin(void);
const char *test_helm_bin(void);
const char *test_kubectl_bin(void);
/* The source tree, for fixtures under test/. */
const char *test_src_dir(void);

/* A new temporary directory (removed by test_rm_rf). */
char *test_tmpdir(void);
void test_rm_rf(const char *path);
/* Writes text to dir/name (creating parent dirs); returns a heap path. */
char *test_write_file(const char *dir, const char *name, const char *text);
/* Reads a whole file, NULL when it cannot. */
char *test_read_file(const char *path, size_t *len);

#endif
