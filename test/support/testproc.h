/* Long-running processes under test (iop server), started in the
 * background with their output in a log file. A process started here dies
 * with the test process that started it, even when that test fails. */
#ifndef IOP_TESTPROC_H
#define IOP_TESTPROC_H

#include <sys/types.h>

struct testproc {
  pid_t pid;
  char log[4096]; /* stdout and stderr, together */
  int status;     /* after testproc_stop: exit code, or 128+signal */
};

/* Starts argv (argv[0] searched in PATH) with env additions ("K=V",
 * NULL-terminated; may be NULL); output goes to log_path. */
void testproc_start(struct testproc *p, char *const argv[], char *const env[],
                    const char *log_path);
/* SIGTERM, then SIGKILL after timeout_ms; returns the exit status. */
int testproc_stop(struct testproc *p, int timeout_ms);
/* SIGKILL: a crash, as far as the cluster can tell. */
void testproc_kill(struct testproc *p);
int testproc_alive(struct testproc *p);
/* The log so far (heap, NUL-terminated). */
char *testproc_output(struct testproc *p);
/* Polls the log until it contains needle; 1 when it does. */
int testproc_wait_output(struct testproc *p, const char *needle,
                         int timeout_ms);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int testproc_free_port(void);

/* GET http://127.0.0.1:port/path; returns the HTTP status (0 when nothing
 * answered) and, if body is given, the body (heap). */
long testproc_http_get(int port, const char *path, char **body);
/* The sum of a Prometheus metric's samples whose labels contain every
 * "k=\"v\"" in label_filter (comma-separated; NULL or "" for all). */
double testproc_metric(const char *text, const char *name,
                       const char *label_filter);

#endif
