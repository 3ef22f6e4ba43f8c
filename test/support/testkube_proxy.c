/* The fault-injecting TCP proxy (see testkube_proxy.h): one thread accepts,
 * one thread per connection copies bytes both ways. */
#define _GNU_SOURCE /* accept4 */
#include "testkube_proxy.h"

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

#define MAX_CONNS 256

struct conn {
  struct testkube_proxy *p;
  int client, server;
  pthread_t thread;
  int used;
};

struct testkube_proxy {
  int listen_fd;
  int wake[2]; /* a byte here stops the acceptor */
  int target_port;
  char url[64];
  pthread_t acceptor;
  pthread_mutex_t mu;
  int cutting;
  int accepted;
  struct conn conns[MAX_CONNS];
};

static int listen_loopback(int *port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(fd, 64) != 0 || getsockname(fd, (struct sockaddr *)&a, &len))
    return -1;
  *port = ntohs(a.sin_port);
  return fd;
}

static int connect_loopback(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Closes with a reset, as a crashed peer or a dropping firewall would. */
static void reset_close(int fd)
{
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

static int copy_once(int from, int to)
{
  char buf[65536];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0)
    return -1;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w <= 0)
      return -1;
    off += w;
  }
  return 0;
}

static void *pump(void *arg)
{
  struct conn *c = arg;
  struct pollfd fds[2] = {{c->client, POLLIN, 0}, {c->server, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR)
      break;
    if (fds[0].revents && copy_once(c->client, c->server) != 0)
      break;
    if (fds[1].revents && copy_once(c->server, c->client) != 0)
      break;
  }
  /* Whoever ended it, both sides see the connection go. */
  shutdown(c->client, SHUT_RDWR);
  shutdown(c->server, SHUT_RDWR);
  return NULL;
}

static struct conn *free_slot(struct testkube_proxy *p)
{
  for (int i = 0; i < MAX_CONNS; i++)
    if (!p->conns[i].used)
      return &p->conns[i];
  return NULL;
}

static void accept_one(struct testkube_proxy *p)
{
  int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  pthread_mutex_lock(&p->mu);
  p->accepted++;
  struct conn *c = p->cutting ? NULL : free_slot(p);
  int server = c ? connect_loopback(p->target_port) : -1;
  if (server < 0) {
    reset_close(fd);
  } else {
    *c = (struct conn){.p = p, .client = fd, .server = server, .used = 1};
    pthread_create(&c->thread, NULL, pump, c);
  }
  pthread_mutex_unlock(&p->mu);
}

static void *acceptor(void *arg)
{
  struct testkube_proxy *p = arg;
  struct pollfd fds[2] = {{p->listen_fd, POLLIN, 0}, {p->wake[0], POLLIN, 0}};
  while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if (fds[1].revents)
      break;
    if (fds[0].revents)
      accept_one(p);
  }
  return NULL;
}

static int port_of(const char *url)
{
  const char *colon = strrchr(url, ':');
  return colon ? atoi(colon + 1) : 0;
}

struct testkube_proxy *testkube_proxy_start(const char *target)
{
  struct testkube_proxy *p = calloc(1, sizeof *p);
  ck_assert_ptr_nonnull(p);
  int port = 0;
  p->target_port = port_of(target);
  ck_assert_msg(p->target_port > 0, "no port in %s", target);
  p->listen_fd = listen_loopback(&port);
  ck_assert_msg(p->listen_fd >= 0, "proxy: cannot listen: %s", strerror(errno));
  ck_assert_int_eq(pipe(p->wake), 0);
  snprintf(p->url, sizeof p->url, "https://127.0.0.1:%d", port);
  pthread_mutex_init(&p->mu, NULL);
  ck_assert_int_eq(pthread_create(&p->acceptor, NULL, acceptor, p), 0);
  return p;
}

const char *testkube_proxy_url(struct testkube_proxy *p)
{
  return p->url;
}

/* Ends every connection; the pump threads see it and finish. */
static void end_all(struct testkube_proxy *p)
{
  for (int i = 0; i < MAX_CONNS; i++) {
    struct conn *c = &p->conns[i];
    if (!c->used)
      continue;
    shutdown(c->client, SHUT_RDWR);
    shutdown(c->server, SHUT_RDWR);
    pthread_join(c->thread, NULL);
    reset_close(c->client);
    close(c->server);
    c->used = 0;
  }
}

void testkube_proxy_cut(struct testkube_proxy *p)
{
  pthread_mutex_lock(&p->mu);
  p->cutting = 1;
  end_all(p);
  pthread_mutex_unlock(&p->mu);
}

void testkube_proxy_resume(struct testkube_proxy *p)
{
  pthread_mutex_lock(&p->mu);
  p->cutting = 0;
  pthread_mutex_unlock(&p->mu);
}

int testkube_proxy_accepted(struct testkube_proxy *p)
{
  pthread_mutex_lock(&p->mu);
  int n = p->accepted;
  pthread_mutex_unlock(&p->mu);
  return n;
}

void testkube_proxy_stop(struct testkube_proxy *p)
{
  ck_assert_int_eq(write(p->wake[1], "x", 1), 1);
  pthread_join(p->acceptor, NULL);
  pthread_mutex_lock(&p->mu);
  end_all(p);
  pthread_mutex_unlock(&p->mu);
  close(p->listen_fd);
  close(p->wake[0]);
  close(p->wake[1]);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
