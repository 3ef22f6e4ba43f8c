/* watch: the list-then-watch loop of one collection (see watch.h). */
#include "watch.h"

#include "buf.h"
#include "jobj.h"
#include "kjson.h"
#include "kube_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_LINE ((size_t)16 << 20)
#define BACKOFF_BASE_MS 500
#define BACKOFF_CAP_MS 30000
#define QUICK_END_MS 1000
/* Past the server's timeoutSeconds: a connection that went silent without
 * a reset (a lost peer) ends anyway. */
#define STREAM_SLACK_S 60

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum next_step { STEP_LIST, STEP_WATCH };

struct watch {
  struct kube_client *c;
  struct watch_opts o;
  char *api_version, *kind, *resource, *ns, *labels, *fields;
  char rv[128];
  struct kube_call *call; /* the watch request in flight */
  struct buf line;
  uv_timer_t timer;
  enum next_step next;
  int pending; /* list or watch requests in flight */
  int stopped;
  int detached; /* the client closed: no more requests */
  struct kube_watcher watcher;
  int timer_open;
  int relist;       /* the stream said 410: list again */
  int attempt;      /* consecutive failures, for backoff */
  int gone_at_once; /* 410s in a row, each right after a list */
  int events_this_stream;
  uint64_t stream_started;
  struct watch_stats stats;
};

static void start_list(struct watch *w);
static void start_watch(struct watch *w);

static char *dup_or_null(const char *s)
{
  return s && *s ? strdup(s) : NULL;
}

static void free_watch(struct watch *w)
{
  free(w->api_version);
  free(w->kind);
  free(w->resource);
  free(w->ns);
  free(w->labels);
  free(w->fields);
  buf_free(&w->line);
  free(w);
}

static void on_timer_closed(uv_handle_t *h)
{
  struct watch *w = h->data;
  w->timer_open = 0;
  if (w->pending == 0)
    free_watch(w);
}

/* Frees the watch once it is stopped and nothing refers to it. */
static void maybe_free(struct watch *w)
{
  if (!w->stopped || w->pending > 0)
    return;
  if (w->timer_open)
    uv_close((uv_handle_t *)&w->timer, on_timer_closed);
  else
    free_watch(w);
}

static void report(struct watch *w, int rc, const char *msg)
{
  w->stats.errors++;
  if (w->o.on_error && !w->stopped)
    w->o.on_error(rc, msg, w->o.data);
}

/* After a request of ours completed: 1 when the watch must not go on (it
 * was stopped, or its client closed), and then it may be freed. */
static int finished(struct watch *w)
{
  if (w->stopped) {
    maybe_free(w);
    return 1;
  }
  return w->detached;
}

static uint64_t backoff(struct watch *w)
{
  uint64_t ms = BACKOFF_BASE_MS;
  for (int i = 0; i < w->attempt && ms < BACKOFF_CAP_MS; i++)
    ms *= 2;
  if (ms > BACKOFF_CAP_MS)
    ms = BACKOFF_CAP_MS;
  w->attempt++;
  return ms / 2 + (uint64_t)rand() % (ms / 2 + 1);
}

static void on_timer(uv_timer_t *t)
{
  struct watch *w = t->data;
  if (w->stopped || w->detached)
    return;
  if (w->next == STEP_LIST)
    start_list(w);
  else
    start_watch(w);
}

static void later(struct watch *w, enum next_step step, uint64_t ms)
{
  w->next = step;
  uv_timer_start(&w->timer, on_timer, ms, 0);
}

/* ---- list ---- */

static void deliver_list(struct watch *w, struct json_object *items)
{
  if (w->o.on_list) {
    w->o.on_list(items, w->o.data);
    return;
  }
  if (w->stats.lists > 1) {
    if (w->o.on_event)
      w->o.on_event(WATCH_RELISTED, items, w->o.data);
    return;
  }
  size_t n = json_object_array_length(items);
  for (size_t i = 0; i < n && !w->stopped && w->o.on_event; i++)
    w->o.on_event(WATCH_ADDED, json_object_array_get_idx(items, i), w->o.data);
}

static void on_listed(struct kube_result *res, void *data)
{
  struct watch *w = data;
  w->pending--;
  if (finished(w))
    return;
  if (res->rc) {
    report(w, res->rc, res->err.msg);
    later(w, STEP_LIST, backoff(w));
    return;
  }
  const char *rv = jobj_path_str(res->object, "metadata", "resourceVersion",
                                 (const char *)NULL);
  snprintf(w->rv, sizeof w->rv, "%s", rv ? rv : "");
  w->stats.lists++;
  struct json_object *items = jobj_arr(res->object, "items");
  struct json_object *empty = NULL;
  if (!items)
    items = empty = json_object_new_array();
  deliver_list(w, items);
  json_object_put(empty);
  if (!w->stopped)
    start_watch(w);
}

static void start_list(struct watch *w)
{
  struct kube_ref r = {.api_version = w->api_version,
                       .kind = w->kind,
                       .resource = w->resource,
                       .namespace = w->ns ? w->ns : ""};
  struct kube_list_opts lo = {
      .label_selector = w->labels, .field_selector = w->fields, .limit = 500};
  w->relist = 0;
  w->pending++;
  int rc = kube_list_all(w->c, &r, &lo, on_listed, w);
  if (rc) {
    w->pending--;
    report(w, rc, "cannot start the list");
    later(w, STEP_LIST, backoff(w));
  }
}

/* ---- watch stream ---- */

/* One event line: {"type": "...", "object": {...}}. A nonzero return aborts
 * the stream. */
static int handle_line(struct watch *w, const char *line, size_t len)
{
  while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
    len--;
  if (len == 0)
    return 0;
  struct json_object *ev = NULL;
  struct err e;
  if (kjson_parse(line, len, "watch event", &ev, &e) != 0) {
    report(w, -EBADMSG, e.msg);
    return -EBADMSG;
  }
  const char *type = jobj_str(ev, "type");
  struct json_object *obj = jobj_obj(ev, "object");
  int rc = 0;
  if (!type || !obj) {
    report(w, -EBADMSG, "watch event without type or object");
    rc = -EBADMSG;
  } else if (strcmp(type, "ERROR") == 0) {
    if (jobj_int(obj, "code", 0) == 410) {
      w->relist = 1;
      rc = -ESTALE;
    } else {
      const char *msg = jobj_str(obj, "message");
      report(w, -EPROTO, msg ? msg : "watch ERROR event");
      rc = -EPROTO;
    }
  } else {
    const char *rv =
        jobj_path_str(obj, "metadata", "resourceVersion", (const char *)NULL);
    if (rv)
      snprintf(w->rv, sizeof w->rv, "%s", rv);
    enum watch_event t = strcmp(type, "ADDED") == 0      ? WATCH_ADDED
                         : strcmp(type, "MODIFIED") == 0 ? WATCH_MODIFIED
                         : strcmp(type, "DELETED") == 0  ? WATCH_DELETED
                                                         : WATCH_BOOKMARK;
    w->stats.events++;
    w->events_this_stream++;
    if (w->o.on_event && !w->stopped)
      w->o.on_event(t, obj, w->o.data);
  }
  json_object_put(ev);
  return rc;
}

static int on_stream_data(struct kube_call *call, const char *p, size_t n)
{
  struct watch *w = call->data;
  while (n) {
    const char *nl = memchr(p, '\n', n);
    size_t head = nl ? (size_t)(nl - p) : n;
    if (buf_append(&w->line, p, head) != 0) {
      char msg[128];
      snprintf(msg, sizeof msg, "watch event larger than %zu bytes",
               w->line.max);
      report(w, -EMSGSIZE, msg);
      return -EMSGSIZE;
    }
    if (!nl)
      break;
    int rc = handle_line(w, w->line.data ? w->line.data : "", w->line.len);
    buf_reset(&w->line);
    if (rc || w->stopped)
      return rc ? rc : -ECANCELED;
    p += head + 1;
    n -= head + 1;
  }
  return 0;
}

/* The stream ended without events right after it began: what follows
 * waits, so a server that keeps doing that is not asked in a loop. */
static int ended_at_once(struct watch *w)
{
  uint64_t lasted = uv_now(w->c->loop) - w->stream_started;
  return !w->events_this_stream && lasted < QUICK_END_MS;
}

static void after_stream(struct watch *w, struct kube_result *res)
{
  int quick = ended_at_once(w);
  if (!quick) {
    w->attempt = 0; /* a stream that worked: failures count from here */
    w->gone_at_once = 0;
  }
  if (w->relist || res->http_status == 410) {
    /* List again at once, unless the list before was just as useless. */
    w->stats.restarts++;
    if (quick && w->gone_at_once++ > 0)
      later(w, STEP_LIST, backoff(w));
    else
      start_list(w);
  } else if (res->rc == 0 || res->rc == -ECANCELED) {
    /* A normal end: go on from where we are. */
    w->stats.restarts++;
    if (quick)
      later(w, STEP_WATCH, backoff(w));
    else
      start_watch(w);
  } else if (res->rc == -EMSGSIZE || res->http_status >= 400) {
    if (res->http_status >= 400)
      report(w, res->rc, res->err.msg);
    later(w, STEP_LIST, backoff(w));
  } else {
    if (res->rc != -EBADMSG && res->rc != -EPROTO)
      report(w, res->rc, res->err.msg);
    later(w, STEP_WATCH, backoff(w));
  }
}

static void on_stream_done(struct kube_call *call, struct kube_result *res)
{
  struct watch *w = call->data;
  w->pending--;
  w->call = NULL;
  buf_reset(&w->line);
  if (finished(w))
    return;
  after_stream(w, res);
}

static char *watch_path(struct watch *w, const struct kube_mapping *m,
                        int timeout)
{
  char *base = kube__path(m, m->namespaced ? w->ns : NULL, NULL, NULL);
  struct buf b;
  buf_init(&b, 0);
  char *rv = kube__escape(w->rv);
  buf_printf(&b,
             "%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s"
             "&timeoutSeconds=%d",
             base, rv, timeout);
  free(rv);
  free(base);
  const char *keys[] = {"labelSelector", "fieldSelector"};
  const char *vals[] = {w->labels, w->fields};
  for (int i = 0; i < 2; i++) {
    if (vals[i]) {
      char *v = kube__escape(vals[i]);
      buf_printf(&b, "&%s=%s", keys[i], v);
      free(v);
    }
  }
  return buf_take(&b);
}

static void on_watch_mapped(const struct kube_result *mapped,
                            const struct kube_mapping *m, void *data)
{
  struct watch *w = data;
  w->pending--;
  if (finished(w))
    return;
  if (mapped->rc) {
    report(w, mapped->rc, mapped->err.msg);
    later(w, STEP_LIST, backoff(w));
    return;
  }
  int timeout = w->o.timeout_s > 0 ? w->o.timeout_s : 300 + rand() % 300;
  char *path = watch_path(w, m, timeout);
  struct kube_call *call = kube__call_new(w->c, "watch", "GET", path);
  if (!call) {
    later(w, STEP_WATCH, backoff(w));
    return;
  }
  call->stream = 1;
  /* The server ends it (timeoutSeconds); ours is only a backstop. */
  call->timeout_ms = (long)(timeout + STREAM_SLACK_S) * 1000;
  call->on_data = on_stream_data;
  call->on_done = on_stream_done;
  call->data = w;
  w->call = call;
  w->pending++;
  w->events_this_stream = 0;
  w->stream_started = uv_now(w->c->loop);
  kube__call_start(call);
}

static void start_watch(struct watch *w)
{
  struct kube_ref r = {
      .api_version = w->api_version, .kind = w->kind, .resource = w->resource};
  w->pending++;
  int rc = kube_resolve(w->c, &r, on_watch_mapped, w);
  if (rc) {
    w->pending--;
    report(w, rc, "cannot start the watch");
    later(w, STEP_WATCH, backoff(w));
  }
}

/* The client is closing: cancel what is in flight and ask for nothing
 * more. The memory stays until watch_stop. */
static void on_client_close(struct kube_watcher *kw)
{
  struct watch *w = container_of(kw, struct watch, watcher);
  w->detached = 1;
  uv_timer_stop(&w->timer);
  report(w, -ECANCELED, "the client was closed under the watch");
  if (w->call)
    kube__call_cancel(w->call);
}

/* ---- public ---- */

int watch_start(struct kube_client *c, const struct watch_opts *o,
                struct watch **out)
{
  if (c->closing)
    return -ECANCELED;
  struct watch *w = calloc(1, sizeof *w);
  if (!w)
    return -ENOMEM;
  w->c = c;
  w->o = *o;
  w->api_version = dup_or_null(o->api_version);
  w->kind = dup_or_null(o->kind);
  w->resource = dup_or_null(o->resource);
  w->ns = dup_or_null(o->namespace);
  w->labels = dup_or_null(o->label_selector);
  w->fields = dup_or_null(o->field_selector);
  w->o.api_version = w->o.kind = w->o.resource = NULL;
  buf_init(&w->line, o->max_line ? o->max_line : DEFAULT_MAX_LINE);
  uv_timer_init(c->loop, &w->timer);
  w->timer.data = w;
  w->timer_open = 1;
  w->watcher.on_client_close = on_client_close;
  kube__watcher_add(c, &w->watcher);
  *out = w;
  start_list(w);
  return 0;
}

void watch_stop(struct watch *w)
{
  if (w->stopped)
    return;
  w->stopped = 1;
  if (!w->detached)
    kube__watcher_remove(w->c, &w->watcher);
  uv_timer_stop(&w->timer);
  /* Cancelling may complete the call right here; hold the watch. */
  w->pending++;
  if (w->call)
    kube__call_cancel(w->call);
  w->pending--;
  maybe_free(w);
}

void watch_get_stats(struct watch *w, struct watch_stats *out)
{
  *out = w->stats;
}

const char *watch_resource_version(struct watch *w)
{
  return w->rv;
}
