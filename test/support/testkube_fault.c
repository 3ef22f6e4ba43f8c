/* The hostile HTTP server (see testkube_fault.h): one thread accepts, one
 * thread per connection answers its requests in turn. */
#define _GNU_SOURCE /* accept4, memmem */
#include "testkube_fault.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 128
#define MAX_NS 32
#define HEAD_MAX 65536
#define ENDLESS_LIMIT ((uint64_t)8 << 30)

struct ns_stats {
  char name[64];
  int hits, watches;
  uint64_t body_bytes;
  char query[1024];
};

struct fconn {
  struct testkube_fault *f;
  int fd;
  pthread_t thread;
  int used;
};

struct testkube_fault {
  int listen_fd;
  int wake[2];
  char url[64];
  pthread_t acceptor;
  pthread_mutex_t mu;
  _Atomic int stopping;
  struct ns_stats ns[MAX_NS];
  struct fconn conns[MAX_CONNS];
};

/* One parsed request. */
struct req {
  char method[16];
  char path[1024]; /* without the query */
  char query[1024];
  char ns[64]; /* from /api/v1/namespaces/<ns>/... */
  int watch;
  int named; /* .../configmaps/<name> */
};

static const char discovery_doc[] =
    "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
    "{\"name\":\"configmaps\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"ConfigMap\",\"verbs\":[\"create\",\"delete\",\"get\","
    "\"list\",\"patch\",\"update\",\"watch\"],\"shortNames\":[\"cm\"]}]}";

static const char empty_list[] =
    "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"resourceVersion\":\"10\"},\"items\":[]}";

static const char a_configmap[] =
    "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"name\":\"x\",\"namespace\":\"%s\",\"resourceVersion\":\"12\"},"
    "\"data\":{\"served\":\"after a fault\"}}";

static const char html_page[] =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
    "\r\n</body>\r\n</html>\r\n";

static const char good_event[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":"
    "\"v1\",\"metadata\":{\"name\":\"first\",\"namespace\":\"%s\","
    "\"resourceVersion\":\"11\"}}}\n";

/* ---- bookkeeping ---- */

static struct ns_stats *stats_for(struct testkube_fault *f, const char *ns)
{
  for (int i = 0; i < MAX_NS; i++) {
    if (strcmp(f->ns[i].name, ns) == 0)
      return &f->ns[i];
    if (!f->ns[i].name[0]) {
      snprintf(f->ns[i].name, sizeof f->ns[i].name, "%s", ns);
      return &f->ns[i];
    }
  }
  return &f->ns[MAX_NS - 1];
}

/* Counts the request; returns how many this namespace has seen. */
static int count_request(struct testkube_fault *f, const struct req *r)
{
  pthread_mutex_lock(&f->mu);
  struct ns_stats *s = stats_for(f, r->ns);
  int n = ++s->hits;
  s->watches += r->watch;
  snprintf(s->query, sizeof s->query, "%s", r->query);
  pthread_mutex_unlock(&f->mu);
  return n;
}

static void count_bytes(struct testkube_fault *f, const char *ns, size_t n)
{
  pthread_mutex_lock(&f->mu);
  stats_for(f, ns)->body_bytes += n;
  pthread_mutex_unlock(&f->mu);
}

/* ---- writing ---- */

static int write_all(int fd, const void *p, size_t n)
{
  const char *s = p;
  while (n) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

static int respond(int fd, int code, const char *reason, const char *ctype,
                   const char *extra, const char *body)
{
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                   "Content-Length: %zu\r\n%s\r\n",
                   code, reason, ctype, strlen(body), extra ? extra : "");
  if (write_all(fd, head, (size_t)n) != 0)
    return -1;
  return write_all(fd, body, strlen(body));
}

static int status_json(int fd, int code, const char *reason, const char *extra)
{
  char body[512];
  snprintf(body, sizeof body,
           "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
           "\"Failure\",\"message\":\"the fault server says %s\","
           "\"reason\":\"%s\",\"code\":%d}",
           reason, reason, code);
  return respond(fd, code, reason, "application/json", extra, body);
}

static int start_chunked(int fd)
{
  static const char head[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n";
  return write_all(fd, head, sizeof head - 1);
}

static int chunk(struct testkube_fault *f, int fd, const char *ns,
                 const char *data, size_t n)
{
  char size[32];
  int k = snprintf(size, sizeof size, "%zx\r\n", n);
  if (write_all(fd, size, (size_t)k) || write_all(fd, data, n) ||
      write_all(fd, "\r\n", 2))
    return -1;
  count_bytes(f, ns, n);
  return 0;
}

/* Waits until the client hangs up or the server stops. */
static void hold(struct testkube_fault *f, int fd)
{
  struct pollfd fds[2] = {{fd, POLLIN, 0}, {f->wake[0], POLLIN, 0}};
  char buf[4096];
  while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if (fds[1].revents)
      return;
    if (fds[0].revents && read(fd, buf, sizeof buf) <= 0)
      return;
  }
}

/* Sends `head` then filler bytes until the client stops reading (or 8 GiB).
 * Returns -1: the connection is done. */
static int endless(struct testkube_fault *f, int fd, const struct req *r,
                   const char *head, int chunked)
{
  char filler[65536];
  memset(filler, 'a', sizeof filler);
  int rc = chunked ? chunk(f, fd, r->ns, head, strlen(head))
                   : write_all(fd, head, strlen(head));
  for (uint64_t sent = 0; rc == 0 && sent < ENDLESS_LIMIT && !f->stopping;
       sent += sizeof filler) {
    if (chunked) {
      rc = chunk(f, fd, r->ns, filler, sizeof filler);
    } else {
      rc = write_all(fd, filler, sizeof filler);
      if (!rc)
        count_bytes(f, r->ns, sizeof filler);
    }
  }
  return -1;
}

/* ---- the scenarios ---- */

static int watch_scenario(struct testkube_fault *f, int fd, const struct req *r,
                          int nth)
{
  char ev[512];
  snprintf(ev, sizeof ev, good_event, r->ns);
  if (strcmp(r->ns, "gone") == 0)
    return status_json(fd, 410, "Expired", NULL);
  if (strcmp(r->ns, "hugeline") == 0) {
    start_chunked(fd);
    return endless(f, fd, r, "{\"type\":\"ADDED\",\"object\":{\"x\":\"", 1);
  }
  if (start_chunked(fd))
    return -1;
  /* The event follows the list (rv 10); a resumed watch starts after it. */
  if (!strstr(r->query, "resourceVersion=11") &&
      chunk(f, fd, r->ns, ev, strlen(ev)))
    return -1;
  if (strcmp(r->ns, "badjson") == 0) {
    static const char bad[] = "this is <not> json\n";
    chunk(f, fd, r->ns, bad, sizeof bad - 1);
  } else if (strcmp(r->ns, "cut") == 0 && nth <= 2) {
    /* nth 1 was the list: this is the first watch. */
    static const char half[] = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":";
    chunk(f, fd, r->ns, half, sizeof half - 1);
    return -1; /* closed mid-line, no last chunk */
  }
  hold(f, fd);
  return -1;
}

static int get_scenario(struct testkube_fault *f, int fd, const struct req *r,
                        int nth)
{
  char cm[512];
  snprintf(cm, sizeof cm, a_configmap, r->ns);
  if (strcmp(r->ns, "endless") == 0)
    return endless(f, fd, r,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Connection: close\r\n\r\n"
                   "{\"kind\":\"ConfigMap\",\"data\":{\"x\":\"",
                   0);
  if (strcmp(r->ns, "cutbody") == 0) {
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: "
                               "application/json\r\nContent-Length: 1000\r\n"
                               "\r\n{\"kind\":\"ConfigMap\",\"data\":{";
    write_all(fd, head, sizeof head - 1);
    return -1;
  }
  if (strcmp(r->ns, "throttle") == 0 && nth == 1)
    return status_json(fd, 429, "TooManyRequests", "Retry-After: 1\r\n");
  if (strcmp(r->ns, "flaky") == 0 && nth == 1)
    return status_json(fd, 503, "ServiceUnavailable", NULL);
  if (strcmp(r->ns, "down") == 0)
    return status_json(fd, 503, "ServiceUnavailable", NULL);
  if (!r->named || strcmp(r->method, "GET") != 0)
    return respond(fd, 200, "OK", "application/json", NULL, empty_list);
  return respond(fd, 200, "OK", "application/json", NULL, cm);
}

static int answer(struct testkube_fault *f, int fd, const struct req *r)
{
  if (strcmp(r->path, "/api/v1") == 0)
    return respond(fd, 200, "OK", "application/json", NULL, discovery_doc);
  if (!r->ns[0])
    return status_json(fd, 404, "NotFound", NULL);
  int nth = count_request(f, r);
  if (strcmp(r->ns, "html") == 0)
    return respond(fd, 502, "Bad Gateway", "text/html", NULL, html_page);
  if (r->watch)
    return watch_scenario(f, fd, r, nth);
  return get_scenario(f, fd, r, nth);
}

/* ---- reading requests ---- */

static void parse_target(struct req *r, const char *target)
{
  const char *q = strchr(target, '?');
  size_t plen = q ? (size_t)(q - target) : strlen(target);
  snprintf(r->path, sizeof r->path, "%.*s", (int)plen, target);
  snprintf(r->query, sizeof r->query, "%s", q ? q + 1 : "");
  r->watch = strstr(r->query, "watch=1") != NULL;
  const char *ns = strstr(r->path, "/namespaces/");
  if (ns) {
    ns += strlen("/namespaces/");
    size_t n = strcspn(ns, "/");
    snprintf(r->ns, sizeof r->ns, "%.*s", (int)n, ns);
    const char *rest = ns + n;
    r->named = strncmp(rest, "/configmaps/", 12) == 0 && rest[12];
  }
}

/* Reads one request head (and drops its body); -1 at end of connection. */
static int read_request(int fd, struct req *r)
{
  static __thread char head[HEAD_MAX + 1];
  size_t len = 0;
  char *end = NULL;
  while (!end) {
    if (len == HEAD_MAX)
      return -1;
    ssize_t n = read(fd, head + len, HEAD_MAX - len);
    if (n <= 0)
      return -1;
    len += (size_t)n;
    head[len] = '\0';
    end = strstr(head, "\r\n\r\n");
  }
  memset(r, 0, sizeof *r);
  char target[2048];
  if (sscanf(head, "%15s %2047s", r->method, target) != 2)
    return -1;
  parse_target(r, target);
  const char *cl = strcasestr(head, "\r\nContent-Length:");
  long body = cl ? atol(cl + 17) : 0;
  long have = (long)(len - (size_t)(end + 4 - head));
  char sink[4096];
  while (have < body) {
    ssize_t n = read(fd, sink, sizeof sink);
    if (n <= 0)
      return -1;
    have += n;
  }
  return 0;
}

static void *serve(void *arg)
{
  struct fconn *c = arg;
  struct req r;
  while (!c->f->stopping && read_request(c->fd, &r) == 0)
    if (answer(c->f, c->fd, &r) != 0)
      break;
  shutdown(c->fd, SHUT_RDWR);
  return NULL;
}

static void accept_one(struct testkube_fault *f)
{
  int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  pthread_mutex_lock(&f->mu);
  struct fconn *c = NULL;
  for (int i = 0; i < MAX_CONNS && !c; i++)
    if (!f->conns[i].used)
      c = &f->conns[i];
  if (c) {
    *c = (struct fconn){.f = f, .fd = fd, .used = 1};
    pthread_create(&c->thread, NULL, serve, c);
  } else {
    close(fd);
  }
  pthread_mutex_unlock(&f->mu);
}

static void *acceptor(void *arg)
{
  struct testkube_fault *f = arg;
  struct pollfd fds[2] = {{f->listen_fd, POLLIN, 0}, {f->wake[0], POLLIN, 0}};
  while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if (fds[1].revents)
      break;
    if (fds[0].revents)
      accept_one(f);
  }
  return NULL;
}

/* ---- public ---- */

struct testkube_fault *testkube_fault_start(void)
{
  struct testkube_fault *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  ck_assert_int_eq(bind(f->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(f->listen_fd, 64), 0);
  ck_assert_int_eq(getsockname(f->listen_fd, (struct sockaddr *)&a, &alen), 0);
  snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", ntohs(a.sin_port));
  ck_assert_int_eq(pipe(f->wake), 0);
  pthread_mutex_init(&f->mu, NULL);
  ck_assert_int_eq(pthread_create(&f->acceptor, NULL, acceptor, f), 0);
  return f;
}

const char *testkube_fault_url(struct testkube_fault *f)
{
  return f->url;
}

int testkube_fault_hits(struct testkube_fault *f, const char *ns)
{
  pthread_mutex_lock(&f->mu);
  int n = stats_for(f, ns)->hits;
  pthread_mutex_unlock(&f->mu);
  return n;
}

int testkube_fault_watches(struct testkube_fault *f, const char *ns)
{
  pthread_mutex_lock(&f->mu);
  int n = stats_for(f, ns)->watches;
  pthread_mutex_unlock(&f->mu);
  return n;
}

uint64_t testkube_fault_body_bytes(struct testkube_fault *f, const char *ns)
{
  pthread_mutex_lock(&f->mu);
  uint64_t n = stats_for(f, ns)->body_bytes;
  pthread_mutex_unlock(&f->mu);
  return n;
}

char *testkube_fault_last_query(struct testkube_fault *f, const char *ns)
{
  pthread_mutex_lock(&f->mu);
  char *q = strdup(stats_for(f, ns)->query);
  pthread_mutex_unlock(&f->mu);
  return q;
}

void testkube_fault_stop(struct testkube_fault *f)
{
  f->stopping = 1;
  ck_assert_int_eq(write(f->wake[1], "x", 1), 1);
  pthread_join(f->acceptor, NULL);
  for (int i = 0; i < MAX_CONNS; i++) {
    if (!f->conns[i].used)
      continue;
    shutdown(f->conns[i].fd, SHUT_RDWR);
    pthread_join(f->conns[i].thread, NULL);
    close(f->conns[i].fd);
  }
  close(f->listen_fd);
  close(f->wake[0]);
  close(f->wake[1]);
  pthread_mutex_destroy(&f->mu);
  free(f);
}
