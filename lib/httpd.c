/* httpd: probes and metrics over HTTP/1.1 on the libuv loop (see httpd.h).
 *
 * Each connection owns a TCP handle, one timer for whichever deadline is
 * running, and a fixed input buffer of max_request bytes: a request that
 * does not fit is refused, so input never grows memory. A connection is in
 * one state at a time: reading a request, writing its response (reading
 * paused), or lingering after a final response (write side shut, input
 * discarded until the peer closes) so the peer sees the response rather
 * than a reset. */
#include "httpd.h"

#include "buf.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTPD_DEFAULT_CONNS 64
#define HTTPD_DEFAULT_REQUEST 8192
#define HTTPD_DEFAULT_HEADER_MS 10000
#define HTTPD_DEFAULT_IDLE_MS 60000
#define HTTPD_DEFAULT_WRITE_MS 10000
#define HTTPD_DEFAULT_RESPONSE ((size_t)32 << 20)
#define HTTPD_LINGER_MS 2000
#define HTTPD_MIN_REQUEST 256

enum conn_state { CONN_READING, CONN_WRITING, CONN_LINGER, CONN_CLOSING };

struct conn {
  struct httpd *h;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t wreq;
  uv_shutdown_t sreq;
  struct conn *prev, *next; /* h's connections, oldest first */
  enum conn_state state;
  int handles; /* open uv handles; freed at 0 */
  int started; /* the current request's first byte arrived */
  int idle;    /* the idle deadline runs, not the header one */
  int reading;
  int keep_alive; /* after the response being written */
  char *out;      /* that response */
  size_t len;     /* bytes in in */
  size_t scan;    /* in[0..scan) holds whole header lines */
  char in[];      /* max_request bytes */
};

struct httpd {
  uv_loop_t *loop;
  struct httpd_opts o;
  uv_tcp_t listener;
  struct conn *head, *tail;
  uint64_t nconns;
  int ready;
  char reason[256];
  struct httpd_stats st;
  int closing;
  int pending; /* handles not closed yet: the listener, one per conn */
  void (*close_cb)(void *data);
  void *close_data;
};

struct request {
  int head;         /* HEAD: headers only */
  const char *path; /* not NUL-terminated */
  size_t path_len;
  int minor; /* HTTP/1.minor */
  int keep_alive;
  int has_body;
};

static void conn_close(struct conn *c);
static void conn_read(struct conn *c);
static void handle_input(struct conn *c);

/* ---- server lifetime ---- */

static void httpd_maybe_free(struct httpd *h)
{
  if (!h->closing || h->pending)
    return;
  void (*cb)(void *) = h->close_cb;
  void *data = h->close_data;
  free(h);
  if (cb)
    cb(data);
}

static void on_listener_closed(uv_handle_t *hd)
{
  struct httpd *h = hd->data;
  h->pending--;
  httpd_maybe_free(h);
}

/* ---- connections ---- */

static void conn_unlink(struct conn *c)
{
  struct httpd *h = c->h;
  if (c->prev)
    c->prev->next = c->next;
  else
    h->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    h->tail = c->prev;
  h->nconns--;
}

static void on_conn_closed(uv_handle_t *hd)
{
  struct conn *c = hd->data;
  if (--c->handles > 0)
    return;
  struct httpd *h = c->h;
  free(c->out);
  free(c);
  h->pending--;
  httpd_maybe_free(h);
}

static void conn_close(struct conn *c)
{
  if (c->state == CONN_CLOSING)
    return;
  c->state = CONN_CLOSING;
  conn_unlink(c);
  uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
  uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_deadline(uv_timer_t *t)
{
  struct conn *c = t->data;
  if (c->state != CONN_LINGER)
    c->h->st.timeouts++;
  conn_close(c);
}

static void conn_deadline(struct conn *c, uint64_t ms)
{
  uv_timer_start(&c->timer, on_deadline, ms, 0);
}

/* Makes room for one more connection: closes the oldest one that is
 * waiting for a request (idle keep-alive, slow or silent clients). */
static int evict_one(struct httpd *h)
{
  for (struct conn *c = h->head; c; c = c->next) {
    if (c->state == CONN_READING) {
      h->st.evicted++;
      conn_close(c);
      return 0;
    }
  }
  return -EBUSY;
}

static struct conn *conn_new(struct httpd *h)
{
  struct conn *c = calloc(1, sizeof *c + h->o.max_request);
  if (!c)
    return NULL;
  c->h = h;
  uv_tcp_init(h->loop, &c->tcp);
  uv_timer_init(h->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles = 2;
  c->state = CONN_READING;
  c->prev = h->tail;
  if (h->tail)
    h->tail->next = c;
  else
    h->head = c;
  h->tail = c;
  h->nconns++;
  h->pending++;
  return c;
}

static void on_connection(uv_stream_t *server, int status)
{
  struct httpd *h = server->data;
  if (status < 0) {
    log_warn("httpd: accept failed err=%s", log_q(uv_strerror(status)));
    return;
  }
  int full = h->nconns >= (uint64_t)h->o.max_conns && evict_one(h) != 0;
  struct conn *c = conn_new(h);
  if (!c)
    return;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || full) {
    conn_close(c); /* every slot is busy writing: the newcomer waits */
    return;
  }
  h->st.accepted++;
  uv_tcp_nodelay(&c->tcp, 1);
  conn_deadline(c, h->o.header_timeout_ms);
  conn_read(c);
}

/* ---- responses ---- */

static const char *status_text(int code)
{
  switch (code) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 413:
    return "Content Too Large";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Error";
  }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
  struct conn *c = req->data;
  if (status < 0 && c->state != CONN_CLOSING)
    conn_close(c);
}

/* After a final response: send FIN, read and drop what the peer still
 * sends until it closes, or the linger deadline. */
static void conn_linger(struct conn *c)
{
  c->state = CONN_LINGER;
  c->len = 0;
  c->sreq.data = c;
  if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    conn_close(c);
    return;
  }
  uint64_t ms = c->h->o.header_timeout_ms;
  conn_deadline(c, ms < HTTPD_LINGER_MS ? ms : HTTPD_LINGER_MS);
  conn_read(c);
}

static void on_write(uv_write_t *req, int status)
{
  struct conn *c = req->data;
  free(c->out);
  c->out = NULL;
  if (c->state == CONN_CLOSING)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (!c->keep_alive || c->h->closing) {
    conn_linger(c);
    return;
  }
  /* The next request: it may be in the buffer already (pipelined). */
  c->state = CONN_READING;
  c->started = c->len > 0;
  c->idle = !c->started;
  conn_deadline(c,
                c->idle ? c->h->o.idle_timeout_ms : c->h->o.header_timeout_ms);
  handle_input(c);
}

/* Writes the response; reading waits until it is written. */
static void respond(struct conn *c, const struct request *r, int code,
                    const char *ctype, const char *body, size_t body_len,
                    const char *extra)
{
  struct httpd *h = c->h;
  h->st.requests++;
  if (code >= 400)
    h->st.rejected++;
  struct buf b;
  buf_init(&b, 0);
  int rc = buf_printf(
      &b,
      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
      "Content-Length: %zu\r\n%s%s\r\n",
      code, status_text(code), ctype, body_len,
      c->keep_alive ? (r && r->minor == 0 ? "Connection: keep-alive\r\n" : "")
                    : "Connection: close\r\n",
      extra ? extra : "");
  if (!rc && !(r && r->head))
    rc = buf_append(&b, body, body_len);
  if (rc) {
    buf_free(&b);
    conn_close(c);
    return;
  }
  size_t n = b.len;
  c->out = buf_take(&b);
  uv_buf_t ub = uv_buf_init(c->out, (unsigned)n);
  uv_read_stop((uv_stream_t *)&c->tcp);
  c->reading = 0;
  c->state = CONN_WRITING;
  c->wreq.data = c;
  conn_deadline(c, h->o.write_timeout_ms);
  if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &ub, 1, on_write) != 0)
    conn_close(c);
}

static void respond_text(struct conn *c, const struct request *r, int code,
                         const char *text, const char *extra)
{
  respond(c, r, code, "text/plain; charset=utf-8", text, strlen(text), extra);
}

/* A refusal ends the connection: what follows in the stream is not to be
 * trusted as the next request. */
static void refuse(struct conn *c, const struct request *r, int code,
                   const char *text)
{
  c->keep_alive = 0;
  respond_text(c, r, code, text, NULL);
}

static void serve_metrics(struct conn *c, const struct request *r)
{
  struct buf b;
  buf_init(&b, c->h->o.max_response);
  int rc = metrics_render(c->h->o.metrics, &b);
  if (rc) {
    log_error("httpd: rendering /metrics failed err=%s", log_q(strerror(-rc)));
    buf_free(&b);
    refuse(c, r, 500, "metrics unavailable");
    return;
  }
  respond(c, r, 200, METRICS_CONTENT_TYPE, b.data ? b.data : "", b.len, NULL);
  buf_free(&b);
}

static int path_is(const struct request *r, const char *p)
{
  size_t n = strlen(p);
  return r->path_len == n && memcmp(r->path, p, n) == 0;
}

static void route(struct conn *c, const struct request *r)
{
  struct httpd *h = c->h;
  if (path_is(r, "/healthz") || path_is(r, "/livez"))
    respond_text(c, r, 200, "ok", NULL);
  else if (path_is(r, "/readyz"))
    respond_text(c, r, h->ready ? 200 : 503, h->ready ? "ok" : h->reason, NULL);
  else if (path_is(r, "/metrics") && h->o.metrics)
    serve_metrics(c, r);
  else
    respond_text(c, r, 404, "not found", NULL);
}

/* ---- requests ---- */

static int is_tchar(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Whether the comma-separated header value holds token (any case). */
static int has_token(const char *v, size_t n, const char *token)
{
  size_t tl = strlen(token);
  size_t i = 0;
  while (i < n) {
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    size_t start = i;
    while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
      i++;
    if (i - start == tl && strncasecmp(v + start, token, tl) == 0)
      return 1;
  }
  return 0;
}

static int parse_header(struct request *r, const char *p, size_t n)
{
  size_t i = 0;
  while (i < n && is_tchar(p[i]))
    i++;
  if (i == 0 || i == n || p[i] != ':')
    return -EINVAL; /* also obs-fold, whitespace before the colon */
  size_t name_len = i++;
  while (i < n && (p[i] == ' ' || p[i] == '\t'))
    i++;
  const char *v = p + i;
  size_t vn = n - i;
  while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
    vn--;
  if (name_len == 10 && strncasecmp(p, "connection", 10) == 0) {
    if (has_token(v, vn, "close"))
      r->keep_alive = 0;
    else if (has_token(v, vn, "keep-alive"))
      r->keep_alive = 1;
  } else if (name_len == 14 && strncasecmp(p, "content-length", 14) == 0) {
    for (size_t k = 0; k < vn; k++)
      if (v[k] != '0')
        r->has_body = 1; /* not a number, or not zero */
  } else if (name_len == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
    r->has_body = 1;
  }
  return 0;
}

/* "GET /path?query HTTP/1.1"; 0, or the status to refuse with. */
static int parse_request_line(struct request *r, const char *p, size_t n)
{
  const char *sp1 = memchr(p, ' ', n);
  const char *sp2 =
      sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p)) : NULL;
  if (!sp1 || !sp2 || sp1 == p || sp2 == sp1 + 1)
    return 400;
  const char *ver = sp2 + 1;
  size_t ver_len = n - (size_t)(ver - p);
  if (ver_len != 8 || memcmp(ver, "HTTP/1.", 7) != 0)
    return ver_len >= 5 && memcmp(ver, "HTTP/", 5) == 0 ? 505 : 400;
  if (ver[7] != '0' && ver[7] != '1')
    return 505;
  r->minor = ver[7] - '0';
  r->keep_alive = r->minor == 1;
  size_t mlen = (size_t)(sp1 - p);
  r->head = mlen == 4 && memcmp(p, "HEAD", 4) == 0;
  int get = mlen == 3 && memcmp(p, "GET", 3) == 0;
  r->path = sp1 + 1;
  r->path_len = (size_t)(sp2 - r->path);
  const char *q = memchr(r->path, '?', r->path_len);
  if (q)
    r->path_len = (size_t)(q - r->path);
  if (!r->path_len || r->path[0] != '/')
    return 400;
  return get || r->head ? 0 : 405;
}

/* Parses in[0..n), which ends with the empty line; 0 or a status. */
static int parse_request(struct request *r, const char *p, size_t n)
{
  memset(r, 0, sizeof *r);
  int first = 1;
  while (n) {
    const char *nl = memchr(p, '\n', n);
    size_t len = (size_t)(nl - p), next = len + 1;
    if (len && p[len - 1] == '\r')
      len--;
    if (len == 0)
      break;
    int rc = first                     ? parse_request_line(r, p, len)
             : parse_header(r, p, len) ? 400
                                       : 0;
    if (rc)
      return rc;
    first = 0;
    p += next;
    n -= next;
  }
  return r->has_body ? 413 : 0;
}

/* Length of the request head (through its empty line) in c->in, or 0. */
static size_t find_head_end(struct conn *c)
{
  while (c->scan < c->len) {
    char *nl = memchr(c->in + c->scan, '\n', c->len - c->scan);
    if (!nl)
      return 0;
    size_t line = (size_t)(nl - (c->in + c->scan));
    c->scan += line + 1;
    if (line == 0 || (line == 1 && nl[-1] == '\r')) {
      /* Empty lines before a request line are allowed (RFC 9112 2.2). */
      if (c->scan > line + 1)
        return c->scan;
      memmove(c->in, c->in + c->scan, c->len - c->scan);
      c->len -= c->scan;
      c->scan = 0;
    }
  }
  return 0;
}

static void handle_input(struct conn *c)
{
  size_t n = find_head_end(c);
  if (!n) {
    if (c->len == c->h->o.max_request) {
      refuse(c, NULL, 431, "request header too large");
      return;
    }
    conn_read(c);
    return;
  }
  struct request r;
  int code = parse_request(&r, c->in, n);
  c->keep_alive = r.keep_alive;
  if (code == 405) {
    c->keep_alive = 0;
    respond_text(c, &r, 405, "method not allowed", "Allow: GET, HEAD\r\n");
  } else if (code) {
    refuse(c, &r, code, status_text(code));
  } else {
    route(c, &r);
  }
  /* r points into the buffer: drop the request only now it is answered
   * (the response is a copy). */
  memmove(c->in, c->in + n, c->len - n);
  c->len -= n;
  c->scan = 0;
}

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *out)
{
  struct conn *c = hd->data;
  (void)suggested;
  *out = uv_buf_init(c->in + c->len, (unsigned)(c->h->o.max_request - c->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
  struct conn *c = s->data;
  (void)b;
  if (nread == 0 || c->state == CONN_CLOSING)
    return;
  if (nread < 0) {
    conn_close(c); /* EOF, reset, or no room (ENOBUFS) */
    return;
  }
  if (c->state == CONN_LINGER)
    return; /* discarded: c->len stays 0 */
  c->len += (size_t)nread;
  c->started = 1;
  if (c->idle) {
    /* A keep-alive connection's next request began: from now on it has
     * the header deadline, which later bytes do not extend. */
    c->idle = 0;
    conn_deadline(c, c->h->o.header_timeout_ms);
  }
  handle_input(c);
}

static void conn_read(struct conn *c)
{
  if (c->reading)
    return;
  c->reading = 1;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    conn_close(c);
}

/* ---- the server ---- */

/* Splits "host:port", "[v6]:port" or ":port"; host "" means any. */
static int parse_addr(const char *addr, char *host, size_t hn, int *port)
{
  const char *colon;
  if (addr[0] == '[') {
    const char *end = strchr(addr, ']');
    if (!end || end[1] != ':')
      return -EINVAL;
    snprintf(host, hn, "%.*s", (int)(end - addr - 1), addr + 1);
    colon = end + 1;
  } else {
    colon = strrchr(addr, ':');
    if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
      return -EINVAL;
    snprintf(host, hn, "%.*s", (int)(colon - addr), addr);
  }
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (!colon[1] || *end || p < 0 || p > 65535)
    return -EINVAL;
  *port = (int)p;
  return 0;
}

/* Whether this host can listen on IPv6 (containers often cannot). */
static int ipv6_works(void)
{
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any};
  int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static int resolve_addr(const char *addr, struct sockaddr_storage *ss)
{
  char host[256];
  int port;
  if (parse_addr(addr, host, sizeof host, &port) != 0)
    return -EINVAL;
  if (!*host) /* every address, both families where there are two */
    snprintf(host, sizeof host, "%s", ipv6_works() ? "::" : "0.0.0.0");
  else if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
    return 0;
  if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
    return 0;
  return -EINVAL;
}

static void opts_defaults(struct httpd_opts *o)
{
  if (o->max_conns <= 0)
    o->max_conns = HTTPD_DEFAULT_CONNS;
  if (!o->max_request)
    o->max_request = HTTPD_DEFAULT_REQUEST;
  if (o->max_request < HTTPD_MIN_REQUEST)
    o->max_request = HTTPD_MIN_REQUEST;
  if (!o->header_timeout_ms)
    o->header_timeout_ms = HTTPD_DEFAULT_HEADER_MS;
  if (!o->idle_timeout_ms)
    o->idle_timeout_ms = HTTPD_DEFAULT_IDLE_MS;
  if (!o->write_timeout_ms)
    o->write_timeout_ms = HTTPD_DEFAULT_WRITE_MS;
  if (!o->max_response)
    o->max_response = HTTPD_DEFAULT_RESPONSE;
}

static int listen_on(struct httpd *h, const struct sockaddr *sa)
{
  int rc = uv_tcp_bind(&h->listener, sa, 0);
  if (!rc)
    rc = uv_listen((uv_stream_t *)&h->listener, 128, on_connection);
  return rc;
}

int httpd_start(uv_loop_t *loop, const struct httpd_opts *o, struct httpd **out,
                struct err *e)
{
  struct sockaddr_storage ss;
  if (!o || !o->addr || resolve_addr(o->addr, &ss) != 0)
    return err_set(e, -EINVAL, "httpd: invalid listen address %s",
                   o && o->addr ? o->addr : "(none)");
  struct httpd *h = calloc(1, sizeof *h);
  if (!h)
    return err_set(e, -ENOMEM, "httpd: out of memory");
  h->loop = loop;
  h->o = *o;
  h->o.addr = NULL; /* not kept: the caller's string */
  opts_defaults(&h->o);
  snprintf(h->reason, sizeof h->reason, "starting");
  uv_tcp_init(loop, &h->listener);
  h->listener.data = h;
  h->pending = 1;
  int rc = listen_on(h, (struct sockaddr *)&ss);
  if (rc) {
    err_set(e, rc, "httpd: cannot listen on %s: %s", o->addr, uv_strerror(rc));
    h->closing = 1;
    uv_close((uv_handle_t *)&h->listener, on_listener_closed);
    return rc;
  }
  *out = h;
  return 0;
}

int httpd_port(struct httpd *h)
{
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getsockname(&h->listener, (struct sockaddr *)&ss, &len) != 0)
    return -1;
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void httpd_set_ready(struct httpd *h, int ready, const char *reason)
{
  h->ready = ready;
  if (ready)
    return;
  snprintf(h->reason, sizeof h->reason, "%s", reason ? reason : "not ready");
  /* One line: a reason quoted from an error must not forge headers or
   * lines in a probe's log. */
  for (char *p = h->reason; *p; p++)
    if ((unsigned char)*p < ' ' || *p == 0x7f)
      *p = ' ';
}

void httpd_get_stats(struct httpd *h, struct httpd_stats *out)
{
  *out = h->st;
  out->open = h->nconns;
}

void httpd_close(struct httpd *h, void (*cb)(void *data), void *data)
{
  if (h->closing)
    return;
  h->closing = 1;
  h->close_cb = cb;
  h->close_data = data;
  while (h->head)
    conn_close(h->head);
  uv_close((uv_handle_t *)&h->listener, on_listener_closed);
}
