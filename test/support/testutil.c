/* Helpers shared by the test suites (see testutil.h). */
#define _GNU_SOURCE /* pipe2 */
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct pipe_buf {
  char *data;
  size_t len;
  size_t cap;
};

static void pipe_buf_add(struct pipe_buf *b, const char *p, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    b->data = realloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void child_exec(char *const argv[], int in, int out, int err)
{
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  execvp(argv[0], argv);
  fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* Feeds input and drains both outputs together, so neither side blocks. */
static void pump(int in_fd, const char *input, int out_fd, int err_fd,
                 struct pipe_buf *out, struct pipe_buf *err)
{
  size_t in_off = 0, in_len = input ? strlen(input) : 0;
  struct pollfd fds[3] = {
      {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
  if (in_len == 0) {
    close(in_fd);
    fds[2].fd = -1;
  }
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (poll(fds, 3, -1) < 0 && errno != EINTR)
      break;
    char chunk[65536];
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
        if (n > 0)
          pipe_buf_add(i ? err : out, chunk, (size_t)n);
        else {
          close(fds[i].fd);
          fds[i].fd = -1;
        }
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(fds[2].fd, input + in_off, in_len - in_off);
      if (n > 0)
        in_off += (size_t)n;
      if (n <= 0 || in_off == in_len) {
        close(fds[2].fd);
        fds[2].fd = -1;
      }
    }
  }
  if (fds[2].fd >= 0)
    close(fds[2].fd);
}

int run_cmd(char *const argv[], const char *input, struct run_result *r)
{
  int in[2], out[2], err[2];
  memset(r, 0, sizeof *r);
  /* Close-on-exec, so servers the command starts in the background do not
   * hold our pipes open (we read until every writer is gone). */
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    return -errno;
  signal(SIGPIPE, SIG_IGN);
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    child_exec(argv, in[0], out[1], err[1]);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  struct pipe_buf ob = {0}, eb = {0};
  pump(in[1], input, out[0], err[0], &ob, &eb);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pipe_buf_add(&ob, "", 0);
  pipe_buf_add(&eb, "", 0);
  r->out = ob.data;
  r->err = eb.data;
  return 0;
}

void run_result_free(struct run_result *r)
{
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

const char *test_env(const char *name)
{
  const char *v = getenv(name);
  ck_assert_msg(v && *v, "%s is not set (make test sets it)", name);
  return v;
}

const char *test_iop_bin(void)
{
  return test_env("IOP_BIN");
}
const char *test_helm_bin(void)
{
  return test_env("IOP_TEST_HELM");
}
const char *test_kubectl_bin(void)
{
  return test_env("IOP_TEST_KUBECTL");
}

const char *test_src_dir(void)
{
  const char *v = getenv("IOP_SRC");
  return v && *v ? v : ".";
}

char *test_tmpdir(void)
{
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/iop-test.XXXXXX",
           base && *base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  ck_assert_msg(d != NULL, "mkdtemp: %s", strerror(errno));
  return strdup(d);
}

void test_rm_rf(const char *path)
{
  char *argv[] = {"rm", "-rf", (char *)path, NULL};
  struct run_result r;
  if (run_cmd(argv, NULL, &r) == 0)
    run_result_free(&r);
}

static void mkdirs_for(const char *path)
{
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(tmp, 0755);
      *p = '/';
    }
  }
}

char *test_write_file(const char *dir, const char *name, const char *text)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  mkdirs_for(path);
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  return strdup(path);
}

char *test_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  struct pipe_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    pipe_buf_add(&b, chunk, n);
  fclose(f);
  pipe_buf_add(&b, "", 0);
  if (len)
    *len = b.len;
  return b.data;
}
