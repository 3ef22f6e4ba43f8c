/* httpd: real sockets on 127.0.0.1 against the server running on its own
 * loop in a thread: probes, metrics, errors, keep-alive, and clients that
 * are slow, silent, greedy or too many. */
#include "httpd.h"
#include "log.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

/* Far beyond anything a passing test waits for. */
#define CLIENT_TIMEOUT_S 30

/* ---- the server, on a loop in a thread ---- */

struct server {
  uv_loop_t loop;
  uv_thread_t thread;
  uv_async_t async;
  uv_mutex_t mu;
  uv_cond_t cv;
  void (*fn)(struct server *s, void *arg);
  void *arg;
  int called;
  struct httpd *h;
  struct metrics *m;
  int port;
};

static void on_async(uv_async_t *a)
{
  struct server *s = a->data;
  uv_mutex_lock(&s->mu);
  if (s->fn && !s->called) {
    s->fn(s, s->arg);
    s->called = 1;
    uv_cond_signal(&s->cv);
  }
  uv_mutex_unlock(&s->mu);
}

/* Runs fn(s, arg) on the server's loop and waits for it. */
static void server_call(struct server *s, void (*fn)(struct server *, void *),
                        void *arg)
{
  uv_mutex_lock(&s->mu);
  s->fn = fn;
  s->arg = arg;
  s->called = 0;
  uv_async_send(&s->async);
  while (!s->called)
    uv_cond_wait(&s->cv, &s->mu);
  s->fn = NULL;
  uv_mutex_unlock(&s->mu);
}

static void run_loop(void *arg)
{
  struct server *s = arg;
  uv_run(&s->loop, UV_RUN_DEFAULT);
}

static void server_start(struct server *s, struct httpd_opts o)
{
  memset(s, 0, sizeof *s);
  ck_assert_int_eq(uv_loop_init(&s->loop), 0);
  uv_mutex_init(&s->mu);
  uv_cond_init(&s->cv);
  uv_async_init(&s->loop, &s->async, on_async);
  s->async.data = s;
  s->m = metrics_new();
  if (!o.addr)
    o.addr = "127.0.0.1:0";
  o.metrics = s->m;
  struct err e;
  err_clear(&e);
  int rc = httpd_start(&s->loop, &o, &s->h, &e);
  ck_assert_msg(rc == 0, "httpd_start: %s", e.msg);
  s->port = httpd_port(s->h);
  ck_assert_int_gt(s->port, 0);
  ck_assert_int_eq(uv_thread_create(&s->thread, run_loop, s), 0);
}

static void stop_on_loop(struct server *s, void *arg)
{
  (void)arg;
  httpd_close(s->h, NULL, NULL);
  uv_close((uv_handle_t *)&s->async, NULL);
}

static void close_handle(uv_handle_t *h, void *arg)
{
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* Closes the server (with whatever connections are open); the loop must
 * end by itself, with nothing left on it. */
static void server_stop(struct server *s)
{
  server_call(s, stop_on_loop, NULL);
  uv_thread_join(&s->thread);
  uv_walk(&s->loop, close_handle, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&s->loop), 0);
  metrics_free(s->m);
  uv_mutex_destroy(&s->mu);
  uv_cond_destroy(&s->cv);
}

static void get_stats_on_loop(struct server *s, void *arg)
{
  httpd_get_stats(s->h, arg);
}

static struct httpd_stats server_stats(struct server *s)
{
  struct httpd_stats st;
  server_call(s, get_stats_on_loop, &st);
  return st;
}

struct ready_arg {
  int ready;
  const char *reason;
};

static void set_ready_on_loop(struct server *s, void *arg)
{
  struct ready_arg *r = arg;
  httpd_set_ready(s->h, r->ready, r->reason);
}

static void set_ready(struct server *s, int ready, const char *reason)
{
  struct ready_arg r = {ready, reason};
  server_call(s, set_ready_on_loop, &r);
}

/* ---- blocking clients ---- */

static int cl_connect(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

static int cl_send(int fd, const char *p, size_t n)
{
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void cl_puts(int fd, const char *s)
{
  ck_assert_int_eq(cl_send(fd, s, strlen(s)), 0);
}

/* Reads one response (head, and the Content-Length body unless it
 * answers HEAD); NULL on EOF before a whole response. */
static char *cl_response_to(int fd, int head)
{
  size_t cap = 1 << 16, len = 0;
  char *b = malloc(cap + 1);
  for (;;) {
    b[len] = '\0';
    char *end = strstr(b, "\r\n\r\n");
    if (end) {
      const char *cl = strstr(b, "Content-Length: ");
      size_t body = cl && cl < end ? strtoul(cl + 16, NULL, 10) : 0;
      if (head)
        body = 0;
      size_t want = (size_t)(end + 4 - b) + body;
      if (len >= want) {
        ck_assert_uint_eq(len, want); /* nothing extra was sent */
        return b;
      }
    }
    if (len == cap) {
      cap *= 2;
      b = realloc(b, cap + 1);
    }
    ssize_t r = recv(fd, b + len, 1, 0);
    if (r <= 0) {
      free(b);
      return NULL;
    }
    len += (size_t)r;
  }
}

static char *cl_response(int fd)
{
  return cl_response_to(fd, 0);
}

/* Whether the server closed the connection (EOF or reset) before the
 * client's timeout. Data still in flight is drained first. */
static int cl_closed(int fd)
{
  char tmp[4096];
  for (;;) {
    ssize_t r = recv(fd, tmp, sizeof tmp, 0);
    if (r == 0 || (r < 0 && errno == ECONNRESET))
      return 1;
    if (r < 0)
      return 0; /* timeout */
  }
}

static const char *body_of(const char *resp)
{
  const char *p = strstr(resp, "\r\n\r\n");
  return p ? p + 4 : "";
}

/* One request on a new connection; returns the response. */
static char *request(int port, const char *raw)
{
  int fd = cl_connect(port);
  cl_puts(fd, raw);
  char *r = cl_response_to(fd, strncmp(raw, "HEAD", 4) == 0);
  ck_assert_msg(r != NULL, "no response to %s", raw);
  close(fd);
  return r;
}

static char *get(int port, const char *path)
{
  char raw[512];
  snprintf(raw, sizeof raw,
           "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
  return request(port, raw);
}

static void assert_status(const char *resp, const char *status_line)
{
  size_t n = strlen(status_line);
  ck_assert_msg(strncmp(resp, status_line, n) == 0 && resp[n] == '\r',
                "want %s, got: %.200s", status_line, resp);
}

/* ---- tests ---- */

START_TEST(healthz_get_and_head)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  char *r = get(s.port, "/healthz");
  assert_status(r, "HTTP/1.1 200 OK");
  ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/plain; charset=utf-8"));
  ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
  ck_assert_str_eq(body_of(r), "ok");
  free(r);
  r = get(s.port, "/livez");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  r = request(s.port, "HEAD /healthz?verbose HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  ck_assert_ptr_nonnull(strstr(r, "Content-Length: 2\r\n"));
  ck_assert_str_eq(body_of(r), "");
  free(r);
  server_stop(&s);
}
END_TEST

START_TEST(readyz_flips)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  char *r = get(s.port, "/readyz");
  assert_status(r, "HTTP/1.1 503 Service Unavailable");
  ck_assert_str_eq(body_of(r), "starting");
  free(r);
  set_ready(&s, 0, "waiting for the leader lease\r\nX-Injected: 1");
  r = get(s.port, "/readyz");
  assert_status(r, "HTTP/1.1 503 Service Unavailable");
  ck_assert_str_eq(body_of(r), "waiting for the leader lease  X-Injected: 1");
  ck_assert_ptr_null(strstr(r, "\r\nX-Injected"));
  free(r);
  set_ready(&s, 1, NULL);
  r = get(s.port, "/readyz");
  assert_status(r, "HTTP/1.1 200 OK");
  ck_assert_str_eq(body_of(r), "ok");
  free(r);
  set_ready(&s, 0, NULL);
  r = get(s.port, "/readyz");
  ck_assert_str_eq(body_of(r), "not ready");
  free(r);
  server_stop(&s);
}
END_TEST

static void count_on_loop(struct server *s, void *arg)
{
  struct metrics_family *f = metrics_counter(s->m, "iop_reconciles_total",
                                             "Reconciles by result.", "result");
  metrics_add(metrics_with(f, "success", NULL), *(double *)arg);
}

START_TEST(metrics_served)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  double n = 3;
  server_call(&s, count_on_loop, &n);
  char *r = get(s.port, "/metrics");
  assert_status(r, "HTTP/1.1 200 OK");
  ck_assert_ptr_nonnull(
      strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  ck_assert_str_eq(body_of(r),
                   "# HELP iop_reconciles_total Reconciles by result.\n"
                   "# TYPE iop_reconciles_total counter\n"
                   "iop_reconciles_total{result=\"success\"} 3\n");
  free(r);
  n = 1;
  server_call(&s, count_on_loop, &n);
  r = get(s.port, "/metrics");
  ck_assert_ptr_nonnull(
      strstr(body_of(r), "iop_reconciles_total{result=\"success\"} 4\n"));
  free(r);
  server_stop(&s);
}
END_TEST

START_TEST(errors)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  char *r = get(s.port, "/nope");
  assert_status(r, "HTTP/1.1 404 Not Found");
  free(r);
  r = get(s.port, "/healthzz");
  assert_status(r, "HTTP/1.1 404 Not Found");
  free(r);
  r = request(s.port, "POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 405 Method Not Allowed");
  ck_assert_ptr_nonnull(strstr(r, "Allow: GET, HEAD\r\n"));
  ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
  free(r);
  r = request(s.port, "GET /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
                      "hello");
  assert_status(r, "HTTP/1.1 413 Content Too Large");
  free(r);
  r = request(s.port, "GET /healthz HTTP/1.1\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n");
  assert_status(r, "HTTP/1.1 413 Content Too Large");
  free(r);
  r = request(s.port, "GET /healthz HTTP/2.0\r\n\r\n");
  assert_status(r, "HTTP/1.1 505 HTTP Version Not Supported");
  free(r);
  r = request(s.port, "garbage\r\n\r\n");
  assert_status(r, "HTTP/1.1 400 Bad Request");
  free(r);
  r = request(s.port, "GET healthz HTTP/1.1\r\n\r\n");
  assert_status(r, "HTTP/1.1 400 Bad Request");
  free(r);
  r = request(s.port, "GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 400 Bad Request");
  free(r);
  r = request(s.port, "GET /healthz HTTP/1.1\r\nA: b\r\n folded\r\n\r\n");
  assert_status(r, "HTTP/1.1 400 Bad Request");
  free(r);
  /* Content-Length: 0 is no body. */
  r = request(s.port, "GET /healthz HTTP/1.1\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  ck_assert_uint_eq(server_stats(&s).rejected, 10);
  server_stop(&s);
}
END_TEST

START_TEST(keep_alive_and_pipelining)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  int fd = cl_connect(s.port);
  /* Two requests in one packet, bare-LF line ends in the second. */
  cl_puts(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "\r\nHEAD /readyz HTTP/1.1\nHost: x\n\n");
  char *r = cl_response(fd);
  assert_status(r, "HTTP/1.1 200 OK");
  ck_assert_ptr_null(strstr(r, "Connection:"));
  free(r);
  r = cl_response_to(fd, 1);
  assert_status(r, "HTTP/1.1 503 Service Unavailable");
  free(r);
  /* Then one more on the same connection, and it ends it. */
  cl_puts(fd, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  r = cl_response(fd);
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  ck_assert(cl_closed(fd));
  close(fd);
  /* HTTP/1.0 closes unless asked to keep the connection. */
  fd = cl_connect(s.port);
  cl_puts(fd, "GET /healthz HTTP/1.0\r\n\r\n");
  r = cl_response(fd);
  ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
  free(r);
  ck_assert(cl_closed(fd));
  close(fd);
  fd = cl_connect(s.port);
  cl_puts(fd, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  r = cl_response(fd);
  ck_assert_ptr_nonnull(strstr(r, "Connection: keep-alive\r\n"));
  free(r);
  cl_puts(fd, "GET /healthz HTTP/1.0\r\n\r\n");
  r = cl_response(fd);
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  close(fd);
  ck_assert_uint_eq(server_stats(&s).requests, 6);
  server_stop(&s);
}
END_TEST

START_TEST(oversized_request)
{
  struct server s;
  server_start(&s, (struct httpd_opts){.max_request = 4096});
  int fd = cl_connect(s.port);
  size_t n = 64 * 1024;
  char *big = malloc(n + 1);
  memcpy(big, "GET /healthz HTTP/1.1\r\nX-Big: ", 30);
  memset(big + 30, 'a', n - 30);
  big[n] = '\0';
  /* The server refuses after 4 KiB; the rest may not all be taken. */
  cl_send(fd, big, n);
  free(big);
  char *r = cl_response(fd);
  ck_assert_ptr_nonnull(r);
  assert_status(r, "HTTP/1.1 431 Request Header Fields Too Large");
  free(r);
  ck_assert(cl_closed(fd));
  close(fd);
  /* A request that fits still works. */
  r = get(s.port, "/healthz");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  server_stop(&s);
}
END_TEST

START_TEST(slow_client_times_out_without_stalling_others)
{
  struct server s;
  server_start(&s, (struct httpd_opts){.header_timeout_ms = 300});
  int slow = cl_connect(s.port);
  cl_puts(slow, "GET /hea");
  /* The loop serves others while the slow request hangs. */
  char *r = get(s.port, "/healthz");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  ck_assert(cl_closed(slow));
  close(slow);
  /* Dripping a byte at a time does not extend the deadline. */
  int drip = cl_connect(s.port);
  cl_puts(drip, "GET /healthz HTTP/1.1\r\n");
  int sent = 0;
  for (; sent < 2000; sent++) {
    if (cl_send(drip, "X", 1) != 0)
      break;
    struct timeval tv = {0, 5000};
    select(0, NULL, NULL, NULL, &tv);
    char c;
    if (recv(drip, &c, 1, MSG_DONTWAIT) == 0)
      break;
  }
  ck_assert_int_lt(sent, 2000);
  ck_assert(cl_closed(drip));
  close(drip);
  /* A connection that never sends anything is closed too. */
  int silent = cl_connect(s.port);
  ck_assert(cl_closed(silent));
  close(silent);
  ck_assert_uint_ge(server_stats(&s).timeouts, 3);
  server_stop(&s);
}
END_TEST

START_TEST(idle_keep_alive_closed)
{
  struct server s;
  server_start(&s, (struct httpd_opts){.idle_timeout_ms = 200});
  int fd = cl_connect(s.port);
  cl_puts(fd, "GET /healthz HTTP/1.1\r\n\r\n");
  char *r = cl_response(fd);
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  ck_assert(cl_closed(fd));
  close(fd);
  server_stop(&s);
}
END_TEST

START_TEST(many_connections)
{
  struct server s;
  server_start(&s, (struct httpd_opts){.max_conns = 16});
  enum { N = 100 }; /* within the listen backlog: accepted in order */
  int fds[N];
  for (int i = 0; i < N; i++) {
    fds[i] = cl_connect(s.port);
    if (i % 2)
      cl_puts(fds[i], "GET /heal"); /* half of them half a request */
  }
  /* A probe still gets through: the oldest waiting sockets made room. */
  char *r = get(s.port, "/healthz");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  struct httpd_stats st = server_stats(&s);
  ck_assert_uint_le(st.open, 16);
  ck_assert_uint_ge(st.evicted, N - 16);
  /* The evicted ones were closed, not left hanging. */
  for (int i = 0; i < N - 16; i++)
    ck_assert(cl_closed(fds[i]));
  for (int i = 0; i < N; i++)
    close(fds[i]);
  server_stop(&s);
}
END_TEST

static void big_registry_on_loop(struct server *s, void *arg)
{
  (void)arg;
  /* About 2 MB per scrape: more than socket buffers hold. */
  char name[64];
  for (int k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "big%d_total", k);
    struct metrics_family *f = metrics_counter(s->m, name, "Many.", "name");
    for (int i = 0; i < METRICS_MAX_SERIES; i++) {
      snprintf(name, sizeof name, "a-rather-long-label-value-%d", i);
      metrics_inc(metrics_with(f, name, NULL));
    }
  }
}

START_TEST(client_that_never_reads)
{
  struct server s;
  server_start(&s, (struct httpd_opts){.write_timeout_ms = 300});
  server_call(&s, big_registry_on_loop, NULL);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)s.port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  /* Many scrapes asked for at once, none read: the server holds one
   * response, and drops the connection when it is not taken in time. */
  for (int i = 0; i < 50; i++)
    cl_puts(fd, "GET /metrics HTTP/1.1\r\n\r\n");
  struct httpd_stats st;
  for (int i = 0; i < 3000; i++) {
    st = server_stats(&s);
    if (st.timeouts)
      break;
    usleep(10 * 1000);
  }
  ck_assert_uint_eq(st.timeouts, 1);
  ck_assert_uint_lt(st.requests, 50); /* it stopped reading requests */
  ck_assert_uint_eq(st.open, 0);
  close(fd);
  server_stop(&s);
}
END_TEST

START_TEST(close_with_open_connections)
{
  struct server s;
  server_start(&s, (struct httpd_opts){0});
  int a = cl_connect(s.port);
  int b = cl_connect(s.port);
  cl_puts(b, "GET /heal");
  char *r = get(s.port, "/healthz"); /* both are accepted by now */
  free(r);
  server_stop(&s);
  ck_assert(cl_closed(a));
  ck_assert(cl_closed(b));
  close(a);
  close(b);
}
END_TEST

static void quiet(const char *line, void *data)
{
  (void)line;
  (void)data;
}

START_TEST(bind_errors)
{
  uv_loop_t loop;
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  struct httpd *h = NULL;
  struct err e;
  const char *bad[] = {"nonsense", "1.2.3.4.5:80", ":99999",         ":",
                       "::1:80",   "[::1]80",      "example.com:80", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct httpd_opts o = {.addr = bad[i]};
    ck_assert_int_eq(httpd_start(&loop, &o, &h, &e), -EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "invalid listen address"));
  }
  /* A port in use: the error says so, and nothing is left on the loop. */
  struct httpd *first;
  struct httpd_opts o = {.addr = "127.0.0.1:0"};
  ck_assert_int_eq(httpd_start(&loop, &o, &first, &e), 0);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", httpd_port(first));
  o.addr = addr;
  log_set_sink(quiet, NULL);
  ck_assert_int_eq(httpd_start(&loop, &o, &h, &e), UV_EADDRINUSE);
  log_set_sink(NULL, NULL);
  ck_assert_ptr_nonnull(strstr(e.msg, "cannot listen on"));
  httpd_close(first, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(any_address)
{
  /* ":0" listens on every address; loopback reaches it. */
  struct server s;
  server_start(&s, (struct httpd_opts){.addr = ":0"});
  char *r = get(s.port, "/healthz");
  assert_status(r, "HTTP/1.1 200 OK");
  free(r);
  server_stop(&s);
}
END_TEST

Suite *httpd_suite(void)
{
  Suite *s = suite_create("httpd");
  TCase *tc = tcase_create("server");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, healthz_get_and_head);
  tcase_add_test(tc, readyz_flips);
  tcase_add_test(tc, metrics_served);
  tcase_add_test(tc, errors);
  tcase_add_test(tc, keep_alive_and_pipelining);
  tcase_add_test(tc, oversized_request);
  tcase_add_test(tc, slow_client_times_out_without_stalling_others);
  tcase_add_test(tc, idle_keep_alive_closed);
  tcase_add_test(tc, many_connections);
  tcase_add_test(tc, client_that_never_reads);
  tcase_add_test(tc, close_with_open_connections);
  tcase_add_test(tc, bind_errors);
  tcase_add_test(tc, any_address);
  suite_add_tcase(s, tc);
  return s;
}
