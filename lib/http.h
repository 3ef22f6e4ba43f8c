/* http: HTTP requests on a libuv loop, through libcurl's multi interface.
 *
 * One http_loop owns the CURLM handle and the uv handles that drive it; the
 * loop never blocks: curl tells us which sockets and which timeout to watch
 * and we tell curl when they fire. Connections are reused across requests
 * and HTTP/2 streams are multiplexed where the server offers it.
 *
 * Requests complete through their on_done callback, always called from the
 * loop (never from inside a libcurl callback), so on_done may start new
 * requests. Only this module includes <curl/curl.h>. */
#ifndef IOP_HTTP_H
#define IOP_HTTP_H

#include "buf.h"

#include <stddef.h>
#include <uv.h>

#define HTTP_ERROR_MAX 256

/* How to reach and trust the server: shared by many requests. */
struct http_conn_opts {
  const char *ca_file;
  const char *ca_data; /* PEM */
  size_t ca_data_len;
  int insecure;
  const char *cert_file;
  const char *key_file;
  const char *cert_data; /* PEM */
  size_t cert_data_len;
  const char *key_data; /* PEM */
  size_t key_data_len;
  /* "host:port:connect-host:connect-port", to verify the server under
   * another name than the one we connect to (tls-server-name). */
  const char *connect_to;
  const char *user_agent;
};

struct http_loop;
struct http_request;

typedef int (*http_data_cb)(struct http_request *req, const char *p, size_t n);
typedef void (*http_done_cb)(struct http_request *req);

struct http_request {
  /* Set by the caller before http_start; the strings stay owned by the
   * caller and must live until on_done. */
  const char *method;
  const char *url;
  const char *const *headers; /* NULL-terminated "Name: value" lines */
  const char *payload;        /* the request body */
  size_t payload_len;
  const struct http_conn_opts *conn;
  long timeout_ms;      /* whole request; 0 for none */
  size_t max_body;      /* ceiling on the accumulated body; 0: 64 MiB */
  http_data_cb on_data; /* streams the body instead of accumulating it;
                           return nonzero to abort the transfer */
  http_done_cb on_done;
  void *data;

  /* Results, valid in on_done. */
  long status; /* HTTP status, 0 when no response arrived */
  int error;   /* 0, or a negative errno-style code (see below) */
  char error_msg[HTTP_ERROR_MAX];
  struct buf body;      /* the response body unless on_data took it */
  char retry_after[32]; /* Retry-After header, "" when absent */
  char content_type[128];
  int partial; /* the connection ended before the body did */

  /* Private. */
  struct http_loop *hl;
  void *easy;
  struct curl_slist *header_list;
  struct curl_slist *connect_list;
  struct http_request *next, *prev;
  int cancelled;
  int body_overflow;
};

/* error codes in http_request.error: -ECONNREFUSED, -ETIMEDOUT, -ECANCELED,
 * -EMSGSIZE (body over max_body), -EPROTO (TLS or protocol), -EIO (other
 * transport errors), or the code on_data returned. */

int http_loop_init(struct http_loop **out, uv_loop_t *loop);
/* Cancels what is in flight (their on_done run with -ECANCELED), then
 * releases everything; the loop must run on for the close callbacks. */
void http_loop_close(struct http_loop *hl);

/* Starts a request; on_done always follows exactly once. */
int http_start(struct http_loop *hl, struct http_request *req);
/* Stops a request early; its on_done runs (later) with -ECANCELED. Safe to
 * call from any callback, including on_data. */
void http_cancel(struct http_request *req);
/* Frees the body and per-request state so the struct can be reused. */
void http_request_reset(struct http_request *req);

#endif
