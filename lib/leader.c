/* leader: client-go's leader election on a Lease (see leader.h).
 *
 * One "try" is a GET of the Lease followed by a create or an update; at
 * most one try is in flight. A retry timer starts tries; while leading, a
 * deadline timer ends the leadership when no try succeeded in time. Times
 * are from the monotonic clock (uv_hrtime), never from the Lease: only
 * the local observation of a change counts. */
#include "leader.h"

#include "jobj.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEADER_DEFAULT_LEASE_MS 15000
#define LEADER_DEFAULT_RENEW_MS 10000
#define LEADER_DEFAULT_RETRY_MS 2000
#define LEADER_JITTER 1.2 /* client-go's JitterFactor for candidates */
#define LEADER_ID_MAX 256

struct leader {
  struct kube_client *c;
  uv_timer_t retry;
  uv_timer_t deadline;
  char ns[256];
  char name[256];
  char identity[LEADER_ID_MAX];
  uint64_t lease_ms, renew_ms, retry_ms;
  void (*on_started)(void *data);
  void (*on_stopped)(void *data);
  void (*on_new_leader)(const char *identity, void *data);
  void *data;

  int leading;
  int busy;                  /* a request is in flight */
  uint64_t try_started;      /* when the current try began */
  struct json_object *lease; /* as last read or written, with its RV */
  char observed[1024];       /* the record's fields, to see it change */
  uint64_t observed_at;      /* when it last changed, on our clock */
  char holder[LEADER_ID_MAX];
  int fail_streak;
  uint64_t rand_state;

  int closing;
  int handles;
  int handles_closing;
  void (*close_cb)(void *data);
  void *close_data;
};

static void try_start(struct leader *l);

static uint64_t now_ms(void)
{
  return uv_hrtime() / 1000000;
}

/* ---- identity and times ---- */

int leader_default_identity(char *out, size_t n)
{
  char host[256];
  const char *pod = getenv("POD_NAME");
  if (pod && *pod)
    snprintf(host, sizeof host, "%s", pod);
  else if (gethostname(host, sizeof host) != 0)
    snprintf(host, sizeof host, "iop");
  host[sizeof host - 1] = '\0';
  unsigned char r[4];
  if (uv_random(NULL, NULL, r, sizeof r, 0, NULL) != 0) {
    uint64_t t = uv_hrtime() ^ (uint64_t)getpid();
    memcpy(r, &t, sizeof r);
  }
  int len =
      snprintf(out, n, "%s_%02x%02x%02x%02x", host, r[0], r[1], r[2], r[3]);
  return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* metav1.MicroTime: RFC 3339 with microseconds, UTC. */
static void micro_time(char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + k, n - k, ".%06ldZ", ts.tv_nsec / 1000);
}

static uint64_t next_rand(struct leader *l)
{
  /* xorshift64: jitter only, no need for more. */
  uint64_t x = l->rand_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return l->rand_state = x;
}

/* ---- the record ---- */

static const char *spec_holder(struct json_object *lease)
{
  const char *h = jobj_path_str(lease, "spec", "holderIdentity", (char *)NULL);
  return h ? h : "";
}

/* Notes the Lease as read: when its record changed, the clock of its
 * expiry restarts, and a new holder is announced. */
static void observe(struct leader *l, struct json_object *lease)
{
  struct json_object *spec = jobj_obj(lease, "spec");
  char rec[sizeof l->observed];
  snprintf(rec, sizeof rec, "%s|%lld|%s|%s|%lld", spec_holder(lease),
           (long long)jobj_int(spec, "leaseDurationSeconds", 0),
           jobj_str(spec, "acquireTime") ? jobj_str(spec, "acquireTime") : "",
           jobj_str(spec, "renewTime") ? jobj_str(spec, "renewTime") : "",
           (long long)jobj_int(spec, "leaseTransitions", 0));
  if (strcmp(rec, l->observed) != 0) {
    snprintf(l->observed, sizeof l->observed, "%s", rec);
    l->observed_at = now_ms();
  }
  json_object_put(l->lease);
  l->lease = json_object_get(lease);
  const char *holder = spec_holder(lease);
  if (strcmp(holder, l->holder) != 0) {
    snprintf(l->holder, sizeof l->holder, "%s", holder);
    if (*holder)
      log_info("leader: new holder lease=%s/%s holder=%s", l->ns, l->name,
               log_q(holder));
    if (l->on_new_leader && !l->closing)
      l->on_new_leader(holder, l->data);
  }
}

static struct json_object *new_lease(struct leader *l)
{
  struct json_object *o = json_object_new_object();
  jobj_set_str(o, "apiVersion", "coordination.k8s.io/v1");
  jobj_set_str(o, "kind", "Lease");
  struct json_object *meta = jobj_ensure_obj(o, "metadata");
  jobj_set_str(meta, "name", l->name);
  jobj_set_str(meta, "namespace", l->ns);
  jobj_set(o, "spec", json_object_new_object());
  return o;
}

/* The record naming us: acquireTime and leaseTransitions carry on while
 * we hold it, and move on when we take it from someone (or from no one). */
static void set_record(struct leader *l, struct json_object *lease,
                       int was_ours)
{
  struct json_object *spec = jobj_ensure_obj(lease, "spec");
  char now[64];
  micro_time(now, sizeof now);
  int64_t transitions = jobj_int(spec, "leaseTransitions", 0);
  jobj_set_str(spec, "holderIdentity", l->identity);
  jobj_set(spec, "leaseDurationSeconds",
           json_object_new_int64((int64_t)((l->lease_ms + 999) / 1000)));
  jobj_set_str(spec, "renewTime", now);
  if (!was_ours || !jobj_str(spec, "acquireTime")) {
    jobj_set_str(spec, "acquireTime", now);
    jobj_set(spec, "leaseTransitions",
             json_object_new_int64(was_ours ? transitions : transitions + 1));
  }
}

/* ---- tries ---- */

static void stop_leading(struct leader *l, const char *why)
{
  if (!l->leading)
    return;
  l->leading = 0;
  uv_timer_stop(&l->deadline);
  /* Losing the lease is news; handing it back on shutdown is not. */
  log_emit(l->closing ? LOG_INFO : LOG_WARN,
           "leader: stopped leading lease=%s/%s identity=%s reason=%s", l->ns,
           l->name, log_q(l->identity), log_q(why));
  if (l->on_stopped)
    l->on_stopped(l->data);
}

static void on_deadline(uv_timer_t *t)
{
  stop_leading(t->data, "renew deadline passed");
}

static void on_retry(uv_timer_t *t)
{
  try_start(t->data);
}

static void schedule(struct leader *l)
{
  uint64_t d = l->retry_ms;
  if (!l->leading) /* candidates spread out, as wait.JitterUntil does */
    d += (uint64_t)((double)l->retry_ms * LEADER_JITTER *
                    (double)(next_rand(l) % 1000) / 1000.0);
  uv_timer_start(&l->retry, on_retry, d, 0);
}

static void close_continue(struct leader *l);

static void try_succeeded(struct leader *l)
{
  l->fail_streak = 0;
  /* A success that took longer than the deadline proves nothing about
   * now: others may already have waited out the lease. */
  uint64_t now = now_ms();
  if (now - l->try_started >= l->renew_ms) {
    stop_leading(l, "renewal came too late");
    return;
  }
  uint64_t left = l->try_started + l->renew_ms - now;
  uv_timer_start(&l->deadline, on_deadline, left, 0);
  if (!l->leading) {
    l->leading = 1;
    log_info("leader: started leading lease=%s/%s identity=%s", l->ns, l->name,
             log_q(l->identity));
    if (l->on_started)
      l->on_started(l->data);
  }
}

static void try_failed(struct leader *l, const char *what,
                       const struct kube_result *res)
{
  l->fail_streak++;
  int loud = l->leading || l->fail_streak == 1 || l->fail_streak % 30 == 0;
  if (loud)
    log_warn("leader: %s failed lease=%s/%s identity=%s attempt=%d err=%s",
             what, l->ns, l->name, log_q(l->identity), l->fail_streak,
             log_q(res->err.msg));
}

static void try_done(struct leader *l)
{
  l->busy = 0;
  if (l->closing)
    close_continue(l);
  else
    schedule(l);
}

static void on_written(struct kube_result *res, void *data)
{
  struct leader *l = data;
  if (res->rc == 0 && res->object) {
    observe(l, res->object);
    if (!l->closing)
      try_succeeded(l);
  } else {
    /* 409: someone else wrote the Lease since we read it. */
    try_failed(l, res->http_status == 409 ? "write (conflict)" : "write", res);
  }
  try_done(l);
}

static int write_lease(struct leader *l, struct json_object *lease, int create)
{
  int rc = create ? kube_create(l->c, lease, on_written, l)
                  : kube_update(l->c, lease, 0, on_written, l);
  json_object_put(lease);
  return rc;
}

/* Whether the lease read is someone else's and still running. */
static int held_by_other(struct leader *l, struct json_object *lease)
{
  const char *holder = spec_holder(lease);
  if (!*holder || strcmp(holder, l->identity) == 0)
    return 0;
  int64_t secs = jobj_int(jobj_obj(lease, "spec"), "leaseDurationSeconds", 0);
  return l->observed_at + (uint64_t)(secs > 0 ? secs : 0) * 1000 > now_ms();
}

static void on_read(struct kube_result *res, void *data)
{
  struct leader *l = data;
  int rc = 0;
  if (l->closing) {
    /* Nothing to write any more. */
  } else if (res->rc && res->http_status == 404) {
    struct json_object *lease = new_lease(l);
    set_record(l, lease, 0);
    jobj_set(jobj_obj(lease, "spec"), "leaseTransitions",
             json_object_new_int64(0));
    if ((rc = write_lease(l, lease, 1)) == 0)
      return; /* on_written finishes the try */
  } else if (res->rc) {
    try_failed(l, "read", res);
  } else {
    observe(l, res->object);
    if (held_by_other(l, res->object)) {
      stop_leading(l, "the lease has another holder");
    } else {
      struct json_object *lease = jobj_dup(res->object);
      set_record(l, lease, strcmp(l->holder, l->identity) == 0);
      if ((rc = write_lease(l, lease, 0)) == 0)
        return;
    }
  }
  if (rc)
    log_warn("leader: cannot send the write lease=%s/%s err=%s", l->ns, l->name,
             log_q(strerror(-rc)));
  try_done(l);
}

static void try_start(struct leader *l)
{
  struct kube_ref ref = {.api_version = "coordination.k8s.io/v1",
                         .kind = "Lease",
                         .namespace = l->ns,
                         .name = l->name};
  l->busy = 1;
  l->try_started = now_ms();
  int rc = kube_get(l->c, &ref, on_read, l);
  if (rc) {
    log_warn("leader: cannot send the read lease=%s/%s err=%s", l->ns, l->name,
             log_q(strerror(-rc)));
    try_done(l);
  }
}

/* ---- lifetime ---- */

static int check_opts(const struct leader_opts *o, struct leader *l,
                      struct err *e)
{
  if (!o->namespace || !*o->namespace || !o->name || !*o->name)
    return err_set(e, -EINVAL,
                   "leader election needs a namespace and a "
                   "Lease name");
  l->lease_ms =
      o->lease_duration_ms ? o->lease_duration_ms : LEADER_DEFAULT_LEASE_MS;
  l->renew_ms =
      o->renew_deadline_ms ? o->renew_deadline_ms : LEADER_DEFAULT_RENEW_MS;
  l->retry_ms =
      o->retry_period_ms ? o->retry_period_ms : LEADER_DEFAULT_RETRY_MS;
  if (l->lease_ms <= l->renew_ms)
    return err_set(e, -EINVAL,
                   "leader election: the lease duration must "
                   "be longer than the renew deadline");
  if ((double)l->renew_ms <= LEADER_JITTER * (double)l->retry_ms)
    return err_set(e, -EINVAL,
                   "leader election: the renew deadline must "
                   "be longer than 1.2 retry periods");
  snprintf(l->ns, sizeof l->ns, "%s", o->namespace);
  snprintf(l->name, sizeof l->name, "%s", o->name);
  if (o->identity && *o->identity)
    snprintf(l->identity, sizeof l->identity, "%s", o->identity);
  else if (leader_default_identity(l->identity, sizeof l->identity) != 0)
    return err_set(e, -EINVAL, "leader election: no identity");
  return 0;
}

int leader_start(struct kube_client *c, const struct leader_opts *o,
                 struct leader **out, struct err *e)
{
  struct leader *l = calloc(1, sizeof *l);
  if (!l)
    return err_set(e, -ENOMEM, "leader election: out of memory");
  int rc = check_opts(o, l, e);
  if (rc) {
    free(l);
    return rc;
  }
  l->c = c;
  l->on_started = o->on_started_leading;
  l->on_stopped = o->on_stopped_leading;
  l->on_new_leader = o->on_new_leader;
  l->data = o->data;
  l->rand_state = uv_hrtime() ^ (uint64_t)(uintptr_t)l ^ 0x9e3779b97f4a7c15u;
  uv_loop_t *loop = kube_client_loop(c);
  uv_timer_init(loop, &l->retry);
  uv_timer_init(loop, &l->deadline);
  l->retry.data = l->deadline.data = l;
  l->handles = 2;
  log_info("leader: campaigning lease=%s/%s identity=%s", l->ns, l->name,
           log_q(l->identity));
  *out = l;
  try_start(l);
  return 0;
}

int leader_is_leader(struct leader *l)
{
  return l->leading;
}
const char *leader_identity(struct leader *l)
{
  return l->identity;
}
const char *leader_holder(struct leader *l)
{
  return l->holder;
}

static void on_handle_closed(uv_handle_t *h)
{
  struct leader *l = h->data;
  if (--l->handles > 0)
    return;
  void (*cb)(void *) = l->close_cb;
  void *data = l->close_data;
  json_object_put(l->lease);
  free(l);
  if (cb)
    cb(data);
}

static void on_released(struct kube_result *res, void *data)
{
  struct leader *l = data;
  if (res->rc)
    log_warn("leader: release failed lease=%s/%s err=%s", l->ns, l->name,
             log_q(res->err.msg));
  else
    log_info("leader: released lease=%s/%s identity=%s", l->ns, l->name,
             log_q(l->identity));
  json_object_put(l->lease);
  l->lease = NULL; /* released: nothing more to do in close_continue */
  l->busy = 0;
  close_continue(l);
}

/* Writes the empty record over ours, with the resourceVersion we last
 * saw: if anyone wrote since, the lease is not ours to release. */
static int release(struct leader *l)
{
  struct json_object *lease = jobj_dup(l->lease);
  struct json_object *spec = jobj_ensure_obj(lease, "spec");
  char now[64];
  micro_time(now, sizeof now);
  jobj_set_str(spec, "holderIdentity", "");
  jobj_set(spec, "leaseDurationSeconds", json_object_new_int64(1));
  jobj_set_str(spec, "acquireTime", now);
  jobj_set_str(spec, "renewTime", now);
  int rc = kube_update(l->c, lease, 0, on_released, l);
  json_object_put(lease);
  return rc;
}

/* Runs after leader_close and after each request it waited for. */
static void close_continue(struct leader *l)
{
  if (l->busy || l->handles_closing)
    return;
  if (l->lease && strcmp(spec_holder(l->lease), l->identity) == 0) {
    l->busy = 1;
    if (release(l) == 0)
      return;
    l->busy = 0;
  }
  l->handles_closing = 1;
  uv_close((uv_handle_t *)&l->retry, on_handle_closed);
  uv_close((uv_handle_t *)&l->deadline, on_handle_closed);
}

void leader_close(struct leader *l, void (*cb)(void *data), void *data)
{
  if (l->closing)
    return;
  l->closing = 1;
  l->close_cb = cb;
  l->close_data = data;
  uv_timer_stop(&l->retry);
  stop_leading(l, "shutting down");
  close_continue(l);
}
