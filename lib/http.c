/* http: libcurl multi driven by libuv (see http.h).
 *
 * The glue follows the pattern in the reference (curl's multi-uv example,
 * with its known traps avoided): the timer exists before the first handle
 * is added; curl_multi_socket_action is never called from inside curl's
 * callbacks; finished transfers are drained after every socket_action,
 * timeouts included; poll contexts are keyed by socket and freed only in
 * their close callback. Adding and removing easy handles happens only from
 * the `kick` idle handle or from completion processing, never from inside a
 * curl callback. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BODY ((size_t)64 << 20)

/* curl writes its error text straight into the request's buffer. */
_Static_assert(HTTP_ERROR_MAX >= CURL_ERROR_SIZE, "error buffer too small");

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct http_loop {
  uv_loop_t *loop;
  uv_timer_t timer;
  uv_idle_t kick;
  CURLM *multi;
  struct http_request *queued; /* to add, in order */
  struct http_request *active; /* in the multi handle */
  int closing;
  int open_handles;
};

struct sock_ctx {
  uv_poll_t poll;
  curl_socket_t fd;
  struct http_loop *hl;
};

static void list_push(struct http_request **head, struct http_request *r)
{
  r->prev = NULL;
  r->next = *head;
  if (*head)
    (*head)->prev = r;
  *head = r;
}

static void list_remove(struct http_request **head, struct http_request *r)
{
  if (r->prev)
    r->prev->next = r->next;
  else if (*head == r)
    *head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  r->next = r->prev = NULL;
}

static void request_kick(struct http_loop *hl);

static int map_curl_error(CURLcode code)
{
  switch (code) {
  case CURLE_OK:
    return 0;
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
    return -ECONNREFUSED;
  case CURLE_OPERATION_TIMEDOUT:
    return -ETIMEDOUT;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CIPHER:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_WEIRD_SERVER_REPLY:
    return -EPROTO;
  default:
    return -EIO;
  }
}

static void read_header(CURL *easy, const char *name, char *out, size_t n)
{
  struct curl_header *h = NULL;
  out[0] = '\0';
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
    snprintf(out, n, "%s", h->value);
}

/* Fills the results of a finished transfer; the easy handle is gone after. */
static void finish(struct http_loop *hl, struct http_request *r, CURLcode code)
{
  CURL *easy = r->easy;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
  read_header(easy, "Retry-After", r->retry_after, sizeof r->retry_after);
  read_header(easy, "Content-Type", r->content_type, sizeof r->content_type);
  if (r->cancelled) {
    r->error = -ECANCELED;
    snprintf(r->error_msg, sizeof r->error_msg, "request cancelled");
  } else if (r->body_overflow) {
    r->error = -EMSGSIZE;
    snprintf(r->error_msg, sizeof r->error_msg,
             "response body larger than %zu bytes",
             r->max_body ? r->max_body : DEFAULT_MAX_BODY);
  } else if (code == CURLE_PARTIAL_FILE && r->status) {
    r->partial = 1; /* the server closed a response mid-body: a watch end */
  } else if (code != CURLE_OK && !r->error) {
    r->error = map_curl_error(code);
    if (!r->error_msg[0])
      snprintf(r->error_msg, sizeof r->error_msg, "%s",
               curl_easy_strerror(code));
  }
  curl_multi_remove_handle(hl->multi, easy);
  curl_easy_cleanup(easy);
  r->easy = NULL;
  curl_slist_free_all(r->header_list);
  r->header_list = NULL;
  curl_slist_free_all(r->connect_list);
  r->connect_list = NULL;
  list_remove(&hl->active, r);
  r->hl = NULL;
  if (r->on_done)
    r->on_done(r);
}

static void check_done(struct http_loop *hl)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(hl->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURLcode code = msg->data.result; /* copied: msg dies on remove */
    struct http_request *r = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    finish(hl, r, code);
  }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
  struct sock_ctx *sc = container_of(h, struct sock_ctx, poll);
  int flags = status < 0 ? CURL_CSELECT_ERR : 0;
  int running;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(sc->hl->multi, sc->fd, flags, &running);
  check_done(sc->hl);
}

static void on_timer(uv_timer_t *t)
{
  struct http_loop *hl = container_of(t, struct http_loop, timer);
  int running;
  curl_multi_socket_action(hl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done(hl);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
  struct http_loop *hl = userp;
  (void)multi;
  if (timeout_ms < 0)
    return uv_timer_stop(&hl->timer) ? -1 : 0;
  return uv_timer_start(&hl->timer, on_timer, (uint64_t)timeout_ms, 0) ? -1 : 0;
}

static void free_sock_ctx(uv_handle_t *h)
{
  free(container_of((uv_poll_t *)h, struct sock_ctx, poll));
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
  struct http_loop *hl = userp;
  struct sock_ctx *sc = socketp;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (sc) {
      curl_multi_assign(hl->multi, s, NULL);
      uv_close((uv_handle_t *)&sc->poll, free_sock_ctx);
    }
    return 0;
  }
  if (hl->closing)
    return 0;
  if (!sc) {
    sc = calloc(1, sizeof *sc);
    if (!sc)
      return -1;
    sc->fd = s;
    sc->hl = hl;
    if (uv_poll_init_socket(hl->loop, &sc->poll, s)) {
      free(sc);
      return -1;
    }
    curl_multi_assign(hl->multi, s, sc);
  }
  int events = 0;
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  return uv_poll_start(&sc->poll, events, on_poll) ? -1 : 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
  struct http_request *r = userp;
  size_t n = size * nmemb;
  if (r->cancelled)
    return CURL_WRITEFUNC_ERROR;
  if (r->on_data) {
    int rc = r->on_data(r, ptr, n);
    if (rc) {
      r->error = rc < 0 ? rc : -EIO;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  if (buf_append(&r->body, ptr, n) != 0) {
    r->body_overflow = 1;
    return CURL_WRITEFUNC_ERROR;
  }
  return n;
}

static void set_tls(CURL *easy, const struct http_conn_opts *c)
{
  if (c->ca_data) {
    struct curl_blob blob = {(void *)c->ca_data, c->ca_data_len,
                             CURL_BLOB_COPY};
    curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
  } else if (c->ca_file) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
  }
  if (c->insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (c->cert_data) {
    struct curl_blob blob = {(void *)c->cert_data, c->cert_data_len,
                             CURL_BLOB_COPY};
    curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &blob);
  } else if (c->cert_file) {
    curl_easy_setopt(easy, CURLOPT_SSLCERT, c->cert_file);
  }
  if (c->key_data) {
    struct curl_blob blob = {(void *)c->key_data, c->key_data_len,
                             CURL_BLOB_COPY};
    curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &blob);
  } else if (c->key_file) {
    curl_easy_setopt(easy, CURLOPT_SSLKEY, c->key_file);
  }
}

static void set_method(CURL *easy, struct http_request *r)
{
  const char *m = r->method ? r->method : "GET";
  if (strcmp(m, "GET") != 0)
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m);
  if (r->payload) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->payload);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)r->payload_len);
  }
}

static int build_headers(struct http_request *r)
{
  /* No "Expect: 100-continue" round trip before bodies. */
  struct curl_slist *l = curl_slist_append(NULL, "Expect:");
  for (const char *const *h = r->headers; l && h && *h; h++) {
    struct curl_slist *n = curl_slist_append(l, *h);
    if (!n) {
      curl_slist_free_all(l);
      return -ENOMEM;
    }
    l = n;
  }
  r->header_list = l;
  return l ? 0 : -ENOMEM;
}

static int make_easy(struct http_request *r)
{
  CURL *easy = curl_easy_init();
  if (!easy || build_headers(r) != 0) {
    curl_easy_cleanup(easy);
    return -ENOMEM;
  }
  curl_easy_setopt(easy, CURLOPT_URL, r->url);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, r);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->header_list);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 15L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->error_msg);
  if (r->timeout_ms > 0)
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, r->timeout_ms);
  if (r->conn && r->conn->connect_to) {
    r->connect_list = curl_slist_append(NULL, r->conn->connect_to);
    curl_easy_setopt(easy, CURLOPT_CONNECT_TO, r->connect_list);
  }
  if (r->conn) {
    set_tls(easy, r->conn);
    if (r->conn->user_agent)
      curl_easy_setopt(easy, CURLOPT_USERAGENT, r->conn->user_agent);
  }
  set_method(easy, r);
  r->easy = easy;
  return 0;
}

static void fail_now(struct http_request *r, int error, const char *msg)
{
  r->error = error;
  snprintf(r->error_msg, sizeof r->error_msg, "%s", msg);
  r->hl = NULL;
  if (r->on_done)
    r->on_done(r);
}

/* Adds queued requests and completes cancelled ones, outside curl. */
static void on_kick(uv_idle_t *idle)
{
  struct http_loop *hl = container_of(idle, struct http_loop, kick);
  uv_idle_stop(idle);
  /* Queued requests were pushed at the head: add them oldest first. */
  struct http_request *r = hl->queued, *last = NULL;
  for (; r; r = r->next)
    last = r;
  hl->queued = NULL;
  for (r = last; r;) {
    struct http_request *prev = r->prev;
    r->next = r->prev = NULL;
    if (r->cancelled) {
      fail_now(r, -ECANCELED, "request cancelled");
    } else if (make_easy(r) != 0) {
      fail_now(r, -ENOMEM, "out of memory");
    } else {
      list_push(&hl->active, r);
      curl_multi_add_handle(hl->multi, r->easy);
    }
    r = prev;
  }
  for (r = hl->active; r;) {
    struct http_request *next = r->next;
    if (r->cancelled)
      finish(hl, r, CURLE_ABORTED_BY_CALLBACK);
    r = next;
  }
}

static void request_kick(struct http_loop *hl)
{
  if (!hl->closing)
    uv_idle_start(&hl->kick, on_kick);
}

int http_start(struct http_loop *hl, struct http_request *req)
{
  if (hl->closing)
    return -ECANCELED;
  req->status = 0;
  req->error = 0;
  req->error_msg[0] = '\0';
  req->retry_after[0] = '\0';
  req->content_type[0] = '\0';
  req->partial = 0;
  req->cancelled = 0;
  req->body_overflow = 0;
  buf_init(&req->body, req->max_body ? req->max_body : DEFAULT_MAX_BODY);
  req->hl = hl;
  list_push(&hl->queued, req);
  request_kick(hl);
  return 0;
}

void http_cancel(struct http_request *req)
{
  if (!req->hl)
    return;
  req->cancelled = 1;
  request_kick(req->hl);
}

void http_request_reset(struct http_request *req)
{
  buf_free(&req->body);
}

static void global_init(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_loop_init(struct http_loop **out, uv_loop_t *loop)
{
  static uv_once_t once = UV_ONCE_INIT;
  struct http_loop *hl = calloc(1, sizeof *hl);
  if (!hl)
    return -ENOMEM;
  uv_once(&once, global_init);
  hl->loop = loop;
  uv_timer_init(loop, &hl->timer);
  uv_idle_init(loop, &hl->kick);
  hl->multi = curl_multi_init();
  if (!hl->multi) {
    free(hl);
    return -ENOMEM;
  }
  curl_multi_setopt(hl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(hl->multi, CURLMOPT_SOCKETDATA, hl);
  curl_multi_setopt(hl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(hl->multi, CURLMOPT_TIMERDATA, hl);
  hl->open_handles = 2;
  *out = hl;
  return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
  struct http_loop *hl = h->data;
  if (--hl->open_handles == 0)
    free(hl);
}

void http_loop_close(struct http_loop *hl)
{
  /* Closing first: an on_done below that starts a request gets -ECANCELED
   * instead of a place in a queue nobody will run. */
  hl->closing = 1;
  /* Complete everything, so callers see their on_done. */
  while (hl->queued) {
    struct http_request *r = hl->queued;
    list_remove(&hl->queued, r);
    fail_now(r, -ECANCELED, "request cancelled");
  }
  while (hl->active) {
    hl->active->cancelled = 1;
    finish(hl, hl->active, CURLE_ABORTED_BY_CALLBACK);
  }
  curl_multi_cleanup(hl->multi);
  hl->multi = NULL;
  hl->timer.data = hl;
  hl->kick.data = hl;
  uv_close((uv_handle_t *)&hl->timer, on_handle_closed);
  uv_close((uv_handle_t *)&hl->kick, on_handle_closed);
}
