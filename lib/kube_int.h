/* Internals shared by the kube client's files (kube.c, kubeauth.c,
 * discovery.c, watch.c). Not for use outside the client. */
#ifndef IOP_KUBE_INT_H
#define IOP_KUBE_INT_H

#include "http.h"
#include "kube.h"

#include <stdint.h>

struct kube_call;
struct kubeauth;
struct discovery;

/* Something long-lived on the client (a watch) that must let go of it when
 * the client closes: on_client_close runs once, and the watcher must not
 * touch the client after it. */
struct kube_watcher {
  void (*on_client_close)(struct kube_watcher *w);
  struct kube_watcher *next, *prev;
};

/* One HTTP exchange with the API server, with its retries. */
struct kube_call {
  struct kube_client *c;
  const char *verb; /* for metrics: get, list, create, apply... */
  char method[8];
  char *path;    /* path and query, owned */
  char *payload; /* owned */
  size_t payload_len;
  const char *content_type;
  int idempotent;
  int stream; /* a watch: no timeout, body through on_data */
  long timeout_ms;
  int (*on_data)(struct kube_call *call, const char *p, size_t n);
  void (*on_done)(struct kube_call *call, struct kube_result *res);
  void *data;

  /* Private to kube.c. */
  int attempts;
  int auth_retried;
  int auth_fresh;                /* credentials were just fetched for it */
  uint64_t due;                  /* loop time at which to send */
  struct kube_call *next, *prev; /* all calls of the client */
  struct kube_call *qnext;       /* the delay queue, or auth waiters */
  int queued;
  int in_flight;
  int cancelled;
  char *auth_header;
  char *url; /* kept until the request is done */
  const char *headers[6];
  struct http_request req;
};

struct kube_client {
  uv_loop_t *loop;
  struct http_loop *http;
  struct kube_config cfg;
  struct http_conn_opts conn;
  char *user_agent;
  char *url_base; /* scheme://host:port as requests address it */
  char *connect_to;
  struct kube_client_opts opts;
  struct kubeauth *auth;
  struct discovery *disc;
  struct kube_call *calls; /* every live call */
  struct kube_watcher *watchers;
  struct kube_call *delayed; /* sorted by due */
  uv_timer_t timer;
  double tokens; /* rate limiter */
  uint64_t tokens_at;
  struct kube_stats stats;
  kube_request_observer observer;
  void *observer_data;
  int closing;
  int open_handles;
};

/* Creates a call; the caller fills it and starts it with kube__call_start.
 * The call is freed after on_done returns. */
struct kube_call *kube__call_new(struct kube_client *c, const char *verb,
                                 const char *method, char *path);
void kube__call_start(struct kube_call *call);
void kube__watcher_add(struct kube_client *c, struct kube_watcher *w);
void kube__watcher_remove(struct kube_client *c, struct kube_watcher *w);
void kube__call_cancel(struct kube_call *call);
/* Fills res for a failed call before anything was sent. */
void kube__result_error(struct kube_result *res, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses an API error body into res->status and res->err. */
void kube__result_from_response(struct kube_result *res, long status,
                                const char *body, size_t len,
                                const char *content_type);

/* Percent-encodes s for a query value or a path segment. */
char *kube__escape(const char *s);
char *kube__path(const struct kube_mapping *m, const char *ns, const char *name,
                 const char *sub);

/* Credentials (kubeauth.c). */
int kubeauth_new(struct kube_client *c, struct kubeauth **out, struct err *e);
void kubeauth_free(struct kubeauth *a);
/* Gets the Authorization header value for the next request: returns 0 with
 * *value set (possibly NULL for none), 1 when the call must wait (it is
 * resumed through kube__call_auth_ready), or a negative errno with e set. */
int kubeauth_header(struct kubeauth *a, struct kube_call *call, char **value,
                    struct err *e);
/* Drops cached credentials after a 401; returns 1 when a retry may help. */
int kubeauth_invalidate(struct kubeauth *a);
void kube__call_auth_ready(struct kube_call *call, int rc, struct err *e);

/* Discovery (discovery.c). */
int discovery_new(struct kube_client *c, struct discovery **out);
void discovery_free(struct discovery *d);

#endif
