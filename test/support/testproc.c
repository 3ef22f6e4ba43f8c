/* Background processes for end-to-end tests (see testproc.h). */
#define _GNU_SOURCE /* prctl */
#include "testproc.h"

#include "testutil.h"

#include "curlload.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(char *const argv[], char *const env[], const char *log,
                  pid_t parent)
{
  /* A failed assertion ends the test process at once: take the process
   * under test with it instead of leaving it to act on the cluster. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(127);
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  int null = open("/dev/null", O_RDONLY);
  if (fd < 0 || null < 0)
    _exit(127);
  dup2(null, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  for (int i = 0; env && env[i]; i++)
    putenv(env[i]);
  execvp(argv[0], argv);
  fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

void testproc_start(struct testproc *p, char *const argv[], char *const env[],
                    const char *log_path)
{
  memset(p, 0, sizeof *p);
  snprintf(p->log, sizeof p->log, "%s", log_path);
  pid_t parent = getpid();
  p->pid = fork();
  ck_assert_int_ge(p->pid, 0);
  if (p->pid == 0)
    child(argv, env, log_path, parent);
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int reap(struct testproc *p, int timeout_ms)
{
  for (int waited = 0; waited <= timeout_ms; waited += 20) {
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid) {
      p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      p->pid = 0;
      return 1;
    }
    if (r < 0)
      return 1;
    sleep_ms(20);
  }
  return 0;
}

int testproc_stop(struct testproc *p, int timeout_ms)
{
  if (p->pid <= 0)
    return p->status;
  kill(p->pid, SIGTERM);
  if (!reap(p, timeout_ms)) {
    kill(p->pid, SIGKILL);
    reap(p, 10000);
    p->status = 128 + SIGKILL;
  }
  return p->status;
}

void testproc_kill(struct testproc *p)
{
  if (p->pid <= 0)
    return;
  kill(p->pid, SIGKILL);
  reap(p, 10000);
}

int testproc_alive(struct testproc *p)
{
  return p->pid > 0 && !reap(p, 0);
}

char *testproc_output(struct testproc *p)
{
  size_t len;
  char *s = test_read_file(p->log, &len);
  return s ? s : strdup("");
}

int testproc_wait_output(struct testproc *p, const char *needle, int timeout_ms)
{
  for (int waited = 0; waited <= timeout_ms; waited += 50) {
    char *s = testproc_output(p);
    int found = strstr(s, needle) != NULL;
    free(s);
    if (found)
      return 1;
    sleep_ms(50);
  }
  return 0;
}

int testproc_free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

struct body {
  char *data;
  size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
  struct body *b = data;
  size_t add = size * n;
  b->data = realloc(b->data, b->len + add + 1);
  memcpy(b->data + b->len, p, add);
  b->len += add;
  b->data[b->len] = 0;
  return add;
}

long testproc_http_get(int port, const char *path, char **body)
{
  char url[512];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  struct err e;
  ck_assert_msg(curl_load(&e) == 0, "%s", e.msg);
  CURL *h = curl_easy_init();
  struct body b = {calloc(1, 1), 0};
  long status = 0;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  if (curl_easy_perform(h) == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (body)
    *body = b.data;
  else
    free(b.data);
  return status;
}

static int labels_match(const char *labels, size_t n, const char *filter)
{
  if (!filter || !*filter)
    return 1;
  char *copy = strdup(filter);
  int ok = 1;
  for (char *save = NULL, *f = strtok_r(copy, ",", &save); f && ok;
       f = strtok_r(NULL, ",", &save)) {
    size_t fl = strlen(f);
    ok = 0;
    for (size_t i = 0; i + fl <= n; i++)
      if (memcmp(labels + i, f, fl) == 0)
        ok = 1;
  }
  free(copy);
  return ok;
}

double testproc_metric(const char *text, const char *name,
                       const char *label_filter)
{
  double sum = 0;
  size_t nl = strlen(name);
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len > nl && strncmp(line, name, nl) == 0 &&
        (line[nl] == ' ' || line[nl] == '{')) {
      const char *lb = line + nl, *val = memchr(line, ' ', len);
      size_t lbn = val ? (size_t)(val - lb) : 0;
      if (val && labels_match(lb, lbn, label_filter))
        sum += strtod(val + 1, NULL);
    }
    line = end ? end + 1 : NULL;
  }
  return sum;
}
