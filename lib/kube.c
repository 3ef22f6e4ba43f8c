/* kube: the API client's request pipeline and lifecycle (see kube.h).
 *
 * A call goes: delay queue (rate limit, retry backoff) -> credentials
 * (kubeauth.c, may wait for an exec plugin) -> HTTP (http.c) -> retry
 * policy -> parse -> the caller's callback. One uv timer serves the whole
 * delay queue. The verbs live in kubeverbs.c. */
#include "kube_int.h"

#include "buf.h"
#include "curlload.h"
#include "jobj.h"
#include "kjson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IOP_VERSION
#define IOP_VERSION "dev"
#endif

#define DEFAULT_QPS 50.0
#define DEFAULT_BURST 100
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 6
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 8000
#define MAX_RETRY_AFTER_S 60

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static void send_call(struct kube_call *call);
static void finish_call(struct kube_call *call, struct kube_result *res);

/* ---- results ---- */

void kube__result_error(struct kube_result *res, int rc, const char *fmt, ...)
{
  memset(res, 0, sizeof *res);
  res->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  err_vset(&res->err, rc, fmt, ap);
  va_end(ap);
}

static const char *status_text(long code)
{
  switch (code) {
  case 400:
    return "BadRequest";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "NotFound";
  case 405:
    return "MethodNotAllowed";
  case 409:
    return "Conflict";
  case 410:
    return "Gone";
  case 413:
    return "RequestEntityTooLarge";
  case 415:
    return "UnsupportedMediaType";
  case 422:
    return "Invalid";
  case 429:
    return "TooManyRequests";
  case 500:
    return "InternalError";
  case 503:
    return "ServiceUnavailable";
  case 504:
    return "Timeout";
  default:
    return "Error";
  }
}

static int rc_for_status(long code)
{
  switch (code) {
  case 401:
    return -EACCES;
  case 403:
    return -EPERM;
  case 404:
    return -ENOENT;
  case 409:
    return -EEXIST;
  case 410:
    return -ESTALE;
  case 422:
    return -EINVAL;
  case 429:
    return -EBUSY;
  default:
    return code >= 500 ? -EIO : -EINVAL;
  }
}

/* A body that is not a Status (an HTML page from a proxy, say): show a
 * short, single-line excerpt. */
static void excerpt(char *out, size_t n, const char *body, size_t len)
{
  size_t k = 0;
  for (size_t i = 0; i < len && k + 1 < n && k < 160; i++)
    out[k++] =
        (body[i] == '\n' || body[i] == '\r' || body[i] == '\t') ? ' ' : body[i];
  out[k] = '\0';
}

void kube__result_from_response(struct kube_result *res, long status,
                                const char *body, size_t len,
                                const char *content_type)
{
  struct json_object *o = NULL;
  struct err perr;
  res->http_status = status;
  res->rc = rc_for_status(status);
  res->status.code = (int)status;
  snprintf(res->status.reason, sizeof res->status.reason, "%s",
           status_text(status));
  if (len && kjson_parse(body, len, "response", &o, &perr) == 0 &&
      jobj_str(o, "kind") && strcmp(jobj_str(o, "kind"), "Status") == 0) {
    const char *reason = jobj_str(o, "reason");
    const char *msg = jobj_str(o, "message");
    if (reason && *reason)
      snprintf(res->status.reason, sizeof res->status.reason, "%s", reason);
    snprintf(res->status.message, sizeof res->status.message, "%s",
             msg && *msg ? msg : res->status.reason);
    res->object = o;
  } else {
    json_object_put(o);
    char text[200];
    excerpt(text, sizeof text, body, len);
    snprintf(res->status.message, sizeof res->status.message,
             "unexpected response (%s): %s",
             content_type && *content_type ? content_type : "no content type",
             len ? text : "empty body");
  }
  err_set(&res->err, res->rc, "%s (%ld %s)", res->status.message, status,
          res->status.reason);
}

/* ---- the delay queue: rate limit and backoff ---- */

static uint64_t now_ms(struct kube_client *c)
{
  return uv_now(c->loop);
}

static void arm_timer(struct kube_client *c);

static void enqueue(struct kube_call *call, uint64_t due)
{
  struct kube_client *c = call->c;
  call->due = due;
  call->queued = 1;
  struct kube_call **p = &c->delayed;
  while (*p && (*p)->due <= due)
    p = &(*p)->qnext;
  call->qnext = *p;
  *p = call;
  arm_timer(c);
}

static void dequeue(struct kube_call *call)
{
  struct kube_call **p = &call->c->delayed;
  while (*p && *p != call)
    p = &(*p)->qnext;
  if (*p)
    *p = call->qnext;
  call->qnext = NULL;
  call->queued = 0;
}

/* Milliseconds until a token is free; takes one when it is 0. */
static uint64_t take_token(struct kube_client *c)
{
  uint64_t now = now_ms(c);
  double qps = c->opts.qps, burst = c->opts.burst;
  c->tokens += (double)(now - c->tokens_at) * qps / 1000.0;
  if (c->tokens > burst)
    c->tokens = burst;
  c->tokens_at = now;
  if (c->tokens >= 1.0) {
    c->tokens -= 1.0;
    return 0;
  }
  return (uint64_t)((1.0 - c->tokens) * 1000.0 / qps) + 1;
}

static void on_timer(uv_timer_t *t)
{
  struct kube_client *c = container_of(t, struct kube_client, timer);
  uint64_t now = now_ms(c);
  while (c->delayed && c->delayed->due <= now) {
    struct kube_call *call = c->delayed;
    dequeue(call);
    uint64_t wait = call->stream && call->attempts == 0 ? 0 : take_token(c);
    if (wait)
      enqueue(call, now + wait);
    else
      send_call(call);
  }
  arm_timer(c);
}

static void arm_timer(struct kube_client *c)
{
  if (c->closing)
    return;
  if (!c->delayed) {
    uv_timer_stop(&c->timer);
    return;
  }
  uint64_t now = now_ms(c);
  uint64_t due = c->delayed->due;
  uv_timer_start(&c->timer, on_timer, due > now ? due - now : 0, 0);
}

/* ---- calls ---- */

struct kube_call *kube__call_new(struct kube_client *c, const char *verb,
                                 const char *method, char *path)
{
  struct kube_call *call = calloc(1, sizeof *call);
  if (!call) {
    free(path);
    return NULL;
  }
  call->c = c;
  call->verb = verb;
  snprintf(call->method, sizeof call->method, "%s", method);
  call->path = path;
  call->idempotent = strcmp(method, "POST") != 0;
  call->timeout_ms = c->opts.timeout_ms;
  return call;
}

void kube__call_start(struct kube_call *call)
{
  struct kube_client *c = call->c;
  call->next = c->calls;
  if (c->calls)
    c->calls->prev = call;
  c->calls = call;
  enqueue(call, now_ms(c));
}

static void free_call(struct kube_call *call)
{
  struct kube_client *c = call->c;
  if (call->prev)
    call->prev->next = call->next;
  else if (c->calls == call)
    c->calls = call->next;
  if (call->next)
    call->next->prev = call->prev;
  http_request_reset(&call->req);
  free(call->path);
  free(call->payload);
  free(call->auth_header);
  free(call->url);
  free(call);
}

static void finish_call(struct kube_call *call, struct kube_result *res)
{
  if (call->on_done)
    call->on_done(call, res);
  json_object_put(res->object);
  res->object = NULL;
  free_call(call);
}

static void finish_error(struct kube_call *call, int rc, const char *msg)
{
  struct kube_result res;
  kube__result_error(&res, rc, "%s", msg);
  finish_call(call, &res);
}

void kube__call_cancel(struct kube_call *call)
{
  call->cancelled = 1;
  if (call->in_flight) {
    http_cancel(&call->req);
  } else if (call->queued) {
    dequeue(call);
    finish_error(call, -ECANCELED, "request cancelled");
  }
  /* A call waiting for credentials is finished when they arrive. */
}

static int call_on_data(struct http_request *req, const char *p, size_t n)
{
  struct kube_call *call = container_of(req, struct kube_call, req);
  return call->on_data ? call->on_data(call, p, n) : 0;
}

static void count(struct kube_call *call, long status)
{
  struct kube_client *c = call->c;
  c->stats.requests++;
  if (strcmp(call->method, "GET") != 0)
    c->stats.writes++;
  int bucket = status >= 100 && status < 600 ? (int)(status / 100) : 0;
  c->stats.by_code[bucket]++;
  if (c->observer)
    c->observer(call->verb, status, c->observer_data);
}

static uint64_t backoff_ms(int attempt)
{
  uint64_t ms = BACKOFF_BASE_MS;
  for (int i = 1; i < attempt && ms < BACKOFF_CAP_MS; i++)
    ms *= 2;
  if (ms > BACKOFF_CAP_MS)
    ms = BACKOFF_CAP_MS;
  /* Jitter between half and all of it, so clients don't retry in step. */
  return ms / 2 + (uint64_t)rand() % (ms / 2 + 1);
}

static uint64_t retry_after_ms(const struct http_request *req, int attempt)
{
  long s = atol(req->retry_after);
  if (s <= 0)
    return backoff_ms(attempt);
  if (s > MAX_RETRY_AFTER_S)
    s = MAX_RETRY_AFTER_S;
  return (uint64_t)s * 1000 + (uint64_t)rand() % 250;
}

/* How long to wait before trying again, or -1 to hand the result over. */
static int64_t retry_delay(struct kube_call *call)
{
  const struct http_request *req = &call->req;
  int max = call->c->opts.max_retries;
  if (call->cancelled || call->attempts > max || call->stream)
    return -1;
  if (req->status == 429)
    return (int64_t)retry_after_ms(req, call->attempts);
  if (!call->idempotent)
    return -1;
  if (req->error && req->error != -EMSGSIZE && req->error != -ECANCELED)
    return (int64_t)backoff_ms(call->attempts);
  if (req->status == 500 || req->status == 502 || req->status == 503 ||
      req->status == 504)
    return (int64_t)retry_after_ms(req, call->attempts);
  return -1;
}

static void transport_error(struct kube_call *call, struct kube_result *res)
{
  const struct http_request *req = &call->req;
  kube__result_error(
      res, req->error, "%s %s%s: %s", call->method, call->c->cfg.server,
      call->path, req->error_msg[0] ? req->error_msg : strerror(-req->error));
}

static void parse_success(struct kube_call *call, struct kube_result *res)
{
  const struct http_request *req = &call->req;
  memset(res, 0, sizeof *res);
  res->http_status = req->status;
  if (call->stream || req->body.len == 0)
    return;
  if (kjson_parse(req->body.data, req->body.len, "response body", &res->object,
                  &res->err) != 0) {
    res->rc = res->err.code;
    err_wrap(&res->err, "%s %s", call->method, call->path);
  }
}

static void on_http_done(struct http_request *req)
{
  struct kube_call *call = container_of(req, struct kube_call, req);
  struct kube_client *c = call->c;
  call->in_flight = 0;
  count(call, req->status);
  /* A body cut short is a normal end only for a watch; anything else would
   * be parsed as a truncated document. curl's message says what happened. */
  if (req->partial && !call->stream && !req->error)
    req->error = -EIO;
  if (req->status == 401 && !call->auth_retried && !call->cancelled &&
      kubeauth_invalidate(c->auth)) {
    call->auth_retried = 1;
    http_request_reset(req);
    enqueue(call, now_ms(c));
    return;
  }
  int64_t delay = retry_delay(call);
  if (delay >= 0 && !c->closing) {
    c->stats.retries++;
    http_request_reset(req);
    enqueue(call, now_ms(c) + (uint64_t)delay);
    return;
  }
  struct kube_result res;
  if (call->cancelled)
    kube__result_error(&res, -ECANCELED, "request cancelled");
  else if (req->error)
    transport_error(call, &res);
  else if (req->status >= 400) {
    memset(&res, 0, sizeof res);
    kube__result_from_response(&res, req->status, req->body.data, req->body.len,
                               req->content_type);
  } else
    parse_success(call, &res);
  finish_call(call, &res);
}

static void fill_headers(struct kube_call *call)
{
  int k = 0;
  if (call->auth_header)
    call->headers[k++] = call->auth_header;
  call->headers[k++] = call->stream ? "Accept: application/json"
                                    : "Accept: application/json, */*";
  if (call->content_type)
    call->headers[k++] = call->content_type;
  call->headers[k] = NULL;
}

static char *url_for(struct kube_client *c, const char *path)
{
  char *url = malloc(strlen(c->url_base) + strlen(path) + 1);
  if (url)
    sprintf(url, "%s%s", c->url_base, path);
  return url;
}

static void send_with_auth(struct kube_call *call)
{
  struct kube_client *c = call->c;
  struct http_request *req = &call->req;
  char *url = url_for(c, call->path);
  memset(req, 0, sizeof *req);
  fill_headers(call);
  req->method = call->method;
  req->url = url;
  req->headers = call->headers;
  req->payload = call->payload;
  req->payload_len = call->payload_len;
  req->conn = &c->conn;
  req->timeout_ms = call->timeout_ms;
  req->max_body = c->opts.max_body;
  req->on_data = call->on_data ? call_on_data : NULL;
  req->on_done = on_http_done;
  call->attempts++;
  call->in_flight = 1;
  if (http_start(c->http, req) != 0) {
    call->in_flight = 0;
    free(url);
    finish_error(call, -ECANCELED, "client is closing");
    return;
  }
  free(call->url);
  call->url = url;
}

static void send_call(struct kube_call *call)
{
  char *value = NULL;
  struct err e;
  err_clear(&e);
  if (call->cancelled) {
    finish_error(call, -ECANCELED, "request cancelled");
    return;
  }
  int rc = kubeauth_header(call->c->auth, call, &value, &e);
  if (rc == 1)
    return; /* resumed by kube__call_auth_ready */
  if (rc < 0) {
    struct kube_result res;
    kube__result_error(&res, rc, "%s", e.msg);
    finish_call(call, &res);
    return;
  }
  free(call->auth_header);
  call->auth_header = value;
  call->auth_fresh = 0;
  send_with_auth(call);
}

void kube__call_auth_ready(struct kube_call *call, int rc, struct err *e)
{
  if (call->cancelled || rc < 0) {
    struct kube_result res;
    kube__result_error(&res, call->cancelled ? -ECANCELED : rc, "%s",
                       call->cancelled ? "request cancelled" : e->msg);
    finish_call(call, &res);
    return;
  }
  call->auth_fresh = 1;
  send_call(call);
  /* send_call may have freed the call: nothing after this. */
}

/* ---- paths ---- */

char *kube__escape(const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc(strlen(s) * 3 + 1), *p = out;
  if (!out)
    return NULL;
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
      *p++ = (char)ch;
    } else {
      *p++ = '%';
      *p++ = hex[ch >> 4];
      *p++ = hex[ch & 15];
    }
  }
  *p = '\0';
  return out;
}

char *kube__path(const struct kube_mapping *m, const char *ns, const char *name,
                 const char *sub)
{
  struct buf b;
  buf_init(&b, 0);
  if (m->group[0])
    buf_printf(&b, "/apis/%s/%s", m->group, m->version);
  else
    buf_printf(&b, "/api/%s", m->version);
  if (m->namespaced && ns && *ns) {
    char *e = kube__escape(ns);
    buf_printf(&b, "/namespaces/%s", e);
    free(e);
  }
  buf_printf(&b, "/%s", m->resource);
  if (name && *name) {
    char *e = kube__escape(name);
    buf_printf(&b, "/%s", e);
    free(e);
    if (sub && *sub)
      buf_printf(&b, "/%s", sub);
  }
  return buf_take(&b);
}

/* ---- the client ---- */

/* "host:port" or "[v6]:port" or "host" from a server URL. */
static void split_server(const char *server, char *host, size_t hn, char *port,
                         size_t pn)
{
  const char *hp = strstr(server, "://");
  hp = hp ? hp + 3 : server;
  size_t len = strcspn(hp, "/");
  const char *end = hp + len;
  const char *colon = NULL;
  for (const char *p = hp; p < end; p++)
    if (*p == ':' || *p == ']')
      colon = *p == ':' ? p : NULL;
  size_t hlen = colon ? (size_t)(colon - hp) : len;
  snprintf(host, hn, "%.*s", (int)hlen, hp);
  if (colon)
    snprintf(port, pn, "%.*s", (int)(end - colon - 1), colon + 1);
  else
    snprintf(port, pn, "%s", strncmp(server, "http://", 7) == 0 ? "80" : "443");
}

/* With tls-server-name, requests address the server by that name and curl
 * connects to the real host: the certificate is checked against the name. */
static int set_addressing(struct kube_client *c, struct err *e)
{
  const char *server = c->cfg.server;
  if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
    return err_set(e, -EINVAL, "server \"%s\" is not an http(s) URL", server);
  if (!c->cfg.tls_server_name) {
    c->url_base = strdup(server);
    return 0;
  }
  char host[256], port[16];
  split_server(server, host, sizeof host, port, sizeof port);
  /* Keep a path prefix (a server behind a proxy at https://h/k8s/c1). */
  const char *hp = strstr(server, "://") + 3;
  const char *path = hp + strcspn(hp, "/");
  struct buf b;
  buf_init(&b, 0);
  buf_printf(&b, "https://%s:%s%s", c->cfg.tls_server_name, port, path);
  c->url_base = buf_take(&b);
  buf_printf(&b, "%s:%s:%s:%s", c->cfg.tls_server_name, port, host, port);
  c->connect_to = buf_take(&b);
  c->conn.connect_to = c->connect_to;
  return 0;
}

static void set_conn(struct kube_client *c)
{
  struct kube_config *k = &c->cfg;
  c->conn.ca_file = k->ca_file;
  c->conn.ca_data = k->ca_data;
  c->conn.ca_data_len = k->ca_data_len;
  c->conn.insecure = k->insecure;
  c->conn.cert_file = k->cert_file;
  c->conn.key_file = k->key_file;
  c->conn.cert_data = k->cert_data;
  c->conn.cert_data_len = k->cert_data_len;
  c->conn.key_data = k->key_data;
  c->conn.key_data_len = k->key_data_len;
  c->conn.user_agent = c->user_agent;
}

static void set_opts(struct kube_client *c, const struct kube_client_opts *o)
{
  if (o)
    c->opts = *o;
  if (c->opts.qps <= 0)
    c->opts.qps = DEFAULT_QPS;
  if (c->opts.burst <= 0)
    c->opts.burst = DEFAULT_BURST;
  if (c->opts.timeout_ms <= 0)
    c->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
  if (c->opts.max_retries == 0)
    c->opts.max_retries = DEFAULT_RETRIES;
  else if (c->opts.max_retries < 0)
    c->opts.max_retries = 0;
  c->user_agent = strdup(o && o->user_agent ? o->user_agent
                                            : "iop/" IOP_VERSION " (linux)");
  c->opts.user_agent = c->user_agent;
  c->tokens = c->opts.burst;
}

int kube_client_new(uv_loop_t *loop, struct kube_config *cfg,
                    const struct kube_client_opts *opts,
                    struct kube_client **out, struct err *e)
{
  struct kube_client *c = calloc(1, sizeof *c);
  if (!c)
    return err_set(e, -ENOMEM, "out of memory");
  c->loop = loop;
  c->cfg = *cfg;
  set_opts(c, opts);
  set_conn(c);
  int rc = set_addressing(c, e);
  if (!rc)
    rc = curl_load(e);
  if (!rc && (rc = http_loop_init(&c->http, loop)) != 0)
    err_set(e, rc, "cannot start the HTTP client");
  if (!rc)
    rc = kubeauth_new(c, &c->auth, e);
  if (!rc && (rc = discovery_new(c, &c->disc)) != 0)
    err_set(e, rc, "out of memory");
  if (rc) {
    if (c->http)
      http_loop_close(c->http);
    kubeauth_free(c->auth);
    free(c->url_base);
    free(c->connect_to);
    free(c->user_agent);
    free(c);
    return rc;
  }
  memset(cfg, 0, sizeof *cfg);
  uv_timer_init(loop, &c->timer);
  c->tokens_at = uv_now(loop);
  *out = c;
  return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
  struct kube_client *c =
      container_of((uv_timer_t *)h, struct kube_client, timer);
  kubeconfig_free(&c->cfg);
  free(c->url_base);
  free(c->connect_to);
  free(c->user_agent);
  free(c);
}

void kube__watcher_add(struct kube_client *c, struct kube_watcher *w)
{
  w->prev = NULL;
  w->next = c->watchers;
  if (c->watchers)
    c->watchers->prev = w;
  c->watchers = w;
}

void kube__watcher_remove(struct kube_client *c, struct kube_watcher *w)
{
  if (w->prev)
    w->prev->next = w->next;
  else if (c->watchers == w)
    c->watchers = w->next;
  if (w->next)
    w->next->prev = w->prev;
  w->next = w->prev = NULL;
}

void kube_client_close(struct kube_client *c)
{
  c->closing = 1;
  /* Watches still running let go first, so none restarts on the
   * cancellations below or later from a timer of its own. */
  while (c->watchers) {
    struct kube_watcher *w = c->watchers;
    kube__watcher_remove(c, w);
    w->on_client_close(w);
  }
  while (c->delayed) {
    struct kube_call *call = c->delayed;
    dequeue(call);
    finish_error(call, -ECANCELED, "client closed");
  }
  /* In-flight calls finish through http_loop_close; calls waiting for an
   * exec plugin through kubeauth_free. */
  http_loop_close(c->http);
  kubeauth_free(c->auth);
  discovery_free(c->disc);
  while (c->calls)
    finish_error(c->calls, -ECANCELED, "client closed");
  uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

const char *kube_client_namespace(struct kube_client *c)
{
  return c->cfg.namespace ? c->cfg.namespace : "default";
}

const char *kube_client_server(struct kube_client *c)
{
  return c->cfg.server;
}

uv_loop_t *kube_client_loop(struct kube_client *c)
{
  return c->loop;
}

void kube_client_stats(struct kube_client *c, struct kube_stats *out)
{
  *out = c->stats;
}

void kube_client_observe(struct kube_client *c, kube_request_observer fn,
                         void *data)
{
  c->observer = fn;
  c->observer_data = data;
}

/* ---- synchronous use ---- */

void kube_sync_init(struct kube_sync *s)
{
  memset(s, 0, sizeof *s);
}

void kube_sync_cb(struct kube_result *res, void *data)
{
  struct kube_sync *s = data;
  s->res = *res;
  /* Keep the object past the callback. */
  s->res.object = json_object_get(res->object);
  s->done = 1;
}

int kube_sync_wait(struct kube_client *c, struct kube_sync *s)
{
  while (!s->done) {
    /* Nothing left on the loop and still no answer: it would never come
     * (the call was refused before it was queued, say). */
    if (uv_run(c->loop, UV_RUN_ONCE) == 0 && !s->done) {
      kube__result_error(&s->res, -EDEADLK,
                         "the loop ran dry before the "
                         "call completed");
      s->done = 1;
    }
  }
  return s->res.rc;
}

void kube_sync_free(struct kube_sync *s)
{
  json_object_put(s->res.object);
  memset(s, 0, sizeof *s);
}
