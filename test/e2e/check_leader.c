/* Leader election against the real apiserver: electors on separate loops
 * (one per simulated process) that the test runs in turn. "Freezing" an
 * elector means not running its loop: no timer fires, no renewal goes out,
 * as for a process that is stopped or starved. While loops run, at most
 * one of them may think it leads. */
#include "jobj.h"
#include "leader.h"
#include "testkube.h"
#include "testkube_proxy.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Short periods keep the suite quick; the deadlines waited on are far
 * longer than anything a working election needs. */
#define LEASE_MS 3000
#define RENEW_MS 2000
#define RETRY_MS 500
#define DEADLINE_MS 60000

struct elector {
  struct testkube t;
  struct kube_client *via; /* through a proxy, or NULL: t.c */
  struct leader *l;
  char id[64];
  int started, stopped, leading, closed;
  char new_leader[128];
};

static void on_started(void *data)
{
  struct elector *e = data;
  ck_assert_int_eq(e->leading, 0);
  e->leading = 1;
  e->started++;
}

static void on_stopped(void *data)
{
  struct elector *e = data;
  ck_assert_int_eq(e->leading, 1); /* stops only after it started */
  e->leading = 0;
  e->stopped++;
}

static void on_new_leader(const char *id, void *data)
{
  struct elector *e = data;
  snprintf(e->new_leader, sizeof e->new_leader, "%s", id);
}

static void on_closed(void *data)
{
  ((struct elector *)data)->closed = 1;
}

struct timing {
  uint64_t lease, renew, retry;
};

static const struct timing fast = {LEASE_MS, RENEW_MS, RETRY_MS};

/* An elector named id for Lease ns/name, on its own loop; through the
 * proxy when proxy_url is given. */
static void e_start(struct elector *e, const char *ns, const char *name,
                    const char *id, struct timing tm, const char *proxy_url)
{
  memset(e, 0, sizeof *e);
  testkube_open(&e->t, NULL);
  if (proxy_url)
    e->via = testkube_client_via(&e->t, proxy_url);
  snprintf(e->id, sizeof e->id, "%s", id);
  struct leader_opts o = {.namespace = ns,
                          .name = name,
                          .identity = id,
                          .lease_duration_ms = tm.lease,
                          .renew_deadline_ms = tm.renew,
                          .retry_period_ms = tm.retry,
                          .on_started_leading = on_started,
                          .on_stopped_leading = on_stopped,
                          .on_new_leader = on_new_leader,
                          .data = e};
  struct err err;
  err_clear(&err);
  int rc = leader_start(e->via ? e->via : e->t.c, &o, &e->l, &err);
  ck_assert_msg(rc == 0, "leader_start: %s", err.msg);
  ck_assert_str_eq(leader_identity(e->l), id);
}

/* Runs the loops of es[0..n) in turn until pred(arg), or the deadline;
 * checks after every round that no two of them lead. */
static int run(struct elector **es, int n, int (*pred)(void *), void *arg,
               int timeout_ms)
{
  uint64_t end = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  for (;;) {
    int leaders = 0;
    for (int i = 0; i < n; i++) {
      uv_run(&es[i]->t.loop, UV_RUN_NOWAIT);
      leaders += es[i]->leading;
      if (!es[i]->closed)
        ck_assert_int_eq(es[i]->leading, leader_is_leader(es[i]->l));
    }
    ck_assert_msg(leaders <= 1, "two electors lead at once");
    if (pred && pred(arg))
      return 1;
    if (uv_hrtime() / 1000000 >= end)
      return pred == NULL;
    usleep(2000);
  }
}

static void run_for(struct elector **es, int n, int ms)
{
  run(es, n, NULL, NULL, ms);
}

static int leads(void *arg)
{
  return ((struct elector *)arg)->leading;
}
static int stopped(void *arg)
{
  return ((struct elector *)arg)->stopped > 0;
}
static int is_closed(void *arg)
{
  return ((struct elector *)arg)->closed;
}

struct two {
  struct elector *a, *b;
};

static int exactly_one_leads(void *arg)
{
  struct two *t = arg;
  return t->a->leading + t->b->leading == 1;
}

static int closed_and_b_leads(void *arg)
{
  struct two *t = arg;
  return t->a->closed && t->b->leading;
}

/* Closes the elector (releasing a lease it holds) and its loop. */
static void e_close(struct elector *e)
{
  if (!e->closed) {
    leader_close(e->l, on_closed, e);
    ck_assert_int_eq(e->leading, 0);
    struct elector *one[] = {e};
    ck_assert_msg(run(one, 1, is_closed, e, DEADLINE_MS),
                  "leader_close did not finish");
  }
  if (e->via)
    kube_client_close(e->via);
  testkube_close(&e->t);
}

/* The Lease as the server has it (caller owns). */
static struct json_object *lease_get(struct testkube *admin, const char *name)
{
  return testkube_get(admin, "coordination.k8s.io/v1", "Lease", admin->ns,
                      name);
}

static const char *spec_str(struct json_object *lease, const char *key)
{
  const char *v = jobj_path_str(lease, "spec", key, NULL);
  return v ? v : "";
}

static int64_t spec_int(struct json_object *lease, const char *key)
{
  return jobj_int(jobj_obj(lease, "spec"), key, -1);
}

/* "2024-05-01T10:00:00.123456Z", as client-go writes MicroTime. */
static void assert_micro_time(const char *t)
{
  ck_assert_msg(strlen(t) == 27 && t[10] == 'T' && t[19] == '.' && t[26] == 'Z',
                "not a MicroTime: %s", t);
}

START_TEST(one_of_two_leads)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  /* No takeover here: a long renew deadline keeps a loaded machine from
   * making the leader flap. */
  struct timing steady = {10000, 8000, RETRY_MS};
  struct elector a, b;
  e_start(&a, ns, "iop-lock", "a", steady, NULL);
  e_start(&b, ns, "iop-lock", "b", steady, NULL);
  struct elector *both[] = {&a, &b};
  struct two t = {&a, &b};
  ck_assert_msg(run(both, 2, exactly_one_leads, &t, DEADLINE_MS),
                "nobody became leader");
  struct elector *leader = a.leading ? &a : &b;
  struct elector *follower = a.leading ? &b : &a;
  /* Several renewals later the same one leads, and nobody flapped. */
  run_for(both, 2, 8 * RETRY_MS);
  ck_assert_int_eq(leader->leading, 1);
  ck_assert_int_eq(leader->started, 1);
  ck_assert_int_eq(leader->stopped, 0);
  ck_assert_int_eq(follower->started, 0);
  ck_assert_str_eq(leader_holder(follower->l), leader->id);
  ck_assert_str_eq(follower->new_leader, leader->id);

  struct json_object *lease = lease_get(&admin, "iop-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), leader->id);
  ck_assert_int_eq(spec_int(lease, "leaseDurationSeconds"), 10);
  ck_assert_int_eq(spec_int(lease, "leaseTransitions"), 0);
  assert_micro_time(spec_str(lease, "acquireTime"));
  assert_micro_time(spec_str(lease, "renewTime"));
  ck_assert_str_ne(spec_str(lease, "acquireTime"),
                   spec_str(lease, "renewTime"));
  json_object_put(lease);

  e_close(follower);
  e_close(leader);
  /* Released: empty holder, one-second lease, transitions kept. */
  lease = lease_get(&admin, "iop-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), "");
  ck_assert_int_eq(spec_int(lease, "leaseDurationSeconds"), 1);
  ck_assert_int_eq(spec_int(lease, "leaseTransitions"), 0);
  json_object_put(lease);
  testkube_close(&admin);
}
END_TEST

START_TEST(frozen_leader_is_replaced)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  struct elector a, b;
  e_start(&a, ns, "iop-lock", "a", fast, NULL);
  struct elector *only_a[] = {&a}, *only_b[] = {&b}, *both[] = {&a, &b};
  ck_assert(run(only_a, 1, leads, &a, DEADLINE_MS));
  e_start(&b, ns, "iop-lock", "b", fast, NULL);
  /* a's loop stops: no renewals. b takes over once the lease ran out. */
  ck_assert_msg(run(only_b, 1, leads, &b, DEADLINE_MS),
                "b never took over the lease a stopped renewing");
  struct json_object *lease = lease_get(&admin, "iop-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), "b");
  ck_assert_int_eq(spec_int(lease, "leaseTransitions"), 1);
  json_object_put(lease);
  /* a wakes up: its first loop turn ends its leadership (the renew
   * deadline passed while it slept), before it talks to anyone. */
  uv_run(&a.t.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(a.leading, 0);
  ck_assert_int_eq(a.stopped, 1);
  run_for(both, 2, 4 * RETRY_MS);
  ck_assert_int_eq(a.started, 1); /* and it stays a follower */
  ck_assert_int_eq(b.leading, 1);
  ck_assert_str_eq(leader_holder(a.l), "b");
  e_close(&a);
  e_close(&b);
  testkube_close(&admin);
}
END_TEST

START_TEST(unreachable_leader_steps_down)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  struct testkube_proxy *proxy =
      testkube_proxy_start(test_env("IOP_TEST_SERVER"));
  struct elector a, b;
  e_start(&a, ns, "iop-lock", "a", fast, testkube_proxy_url(proxy));
  struct elector *only_a[] = {&a}, *both[] = {&a, &b};
  ck_assert(run(only_a, 1, leads, &a, DEADLINE_MS));
  e_start(&b, ns, "iop-lock", "b", fast, NULL);
  run_for(both, 2, 2 * RETRY_MS);
  ck_assert_int_eq(b.leading, 0);
  /* a loses the API server: its renewals fail, it must stop leading on
   * its own, and b takes over after the lease. */
  testkube_proxy_cut(proxy);
  ck_assert_msg(run(both, 2, stopped, &a, DEADLINE_MS),
                "a kept leading without renewing");
  ck_assert_msg(run(both, 2, leads, &b, DEADLINE_MS), "b never took over");
  testkube_proxy_resume(proxy);
  run_for(both, 2, 4 * RETRY_MS);
  ck_assert_int_eq(a.started, 1);
  ck_assert_int_eq(b.leading, 1);
  e_close(&a);
  e_close(&b);
  testkube_proxy_stop(proxy);
  testkube_close(&admin);
}
END_TEST

START_TEST(release_hands_over_at_once)
{
  /* A one-minute lease: b can lead within the deadline below only if a's
   * release let it. */
  struct timing slow = {60000, 10000, RETRY_MS};
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  struct elector a, b;
  e_start(&a, ns, "iop-lock", "a", slow, NULL);
  struct elector *only_a[] = {&a}, *both[] = {&a, &b};
  ck_assert(run(only_a, 1, leads, &a, DEADLINE_MS));
  e_start(&b, ns, "iop-lock", "b", slow, NULL);
  run_for(both, 2, 2 * RETRY_MS);
  ck_assert_str_eq(leader_holder(b.l), "a");
  leader_close(a.l, on_closed, &a);
  ck_assert_int_eq(a.stopped, 1); /* work stops before the release */
  struct two t = {&a, &b};
  ck_assert_msg(run(both, 2, closed_and_b_leads, &t, 30000),
                "b did not take over the released lease");
  struct json_object *lease = lease_get(&admin, "iop-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), "b");
  ck_assert_int_eq(spec_int(lease, "leaseDurationSeconds"), 60);
  ck_assert_int_eq(spec_int(lease, "leaseTransitions"), 1);
  json_object_put(lease);
  e_close(&a);
  e_close(&b);
  testkube_close(&admin);
}
END_TEST

/* A Lease as the removed upstream operator (controller-runtime's leader
 * election) leaves it. */
static struct json_object *upstream_lease(struct testkube *admin,
                                          int duration_s)
{
  char now[64];
  time_t t = time(NULL);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S.000000Z", gmtime(&t));
  struct json_object *o = testkube_json(
      "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
      "\"metadata\":{\"name\":\"istio-operator-lock\",\"namespace\":\"%s\"},"
      "\"spec\":{\"holderIdentity\":\"istio-operator-7b9c6d-x2x7q_6c3f3a5e-"
      "1c2d-4e5f-8a9b-0c1d2e3f4a5b\",\"leaseDurationSeconds\":%d,"
      "\"acquireTime\":\"%s\",\"renewTime\":\"%s\",\"leaseTransitions\":4}}",
      admin->ns, duration_s, now, now);
  struct json_object *created = testkube_create(admin, o);
  json_object_put(o);
  return created;
}

START_TEST(foreign_lease_respected_then_taken_over)
{
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  struct json_object *theirs = upstream_lease(&admin, 15);
  const char *their_rv =
      jobj_path_str(theirs, "metadata", "resourceVersion", NULL);
  const char *their_id = spec_str(theirs, "holderIdentity");
  struct elector a;
  e_start(&a, ns, "istio-operator-lock", "iop-a", fast, NULL);
  struct elector *only_a[] = {&a};
  /* Eight retry periods, well within their 15 s: a must only watch. */
  run_for(only_a, 1, 8 * RETRY_MS);
  ck_assert_int_eq(a.started, 0);
  ck_assert_str_eq(leader_holder(a.l), their_id);
  struct json_object *lease = lease_get(&admin, "istio-operator-lock");
  ck_assert_str_eq(jobj_path_str(lease, "metadata", "resourceVersion", NULL),
                   their_rv);
  json_object_put(lease);
  /* They stop renewing (their last record says 1 s): a takes over. */
  lease = jobj_dup(theirs);
  jobj_set(jobj_obj(lease, "spec"), "leaseDurationSeconds",
           json_object_new_int(1));
  struct kube_sync s;
  kube_sync_init(&s);
  ck_assert_int_eq(
      testkube_wait(&admin, &s,
                    kube_update(admin.c, lease, 0, kube_sync_cb, &s)),
      0);
  kube_sync_free(&s);
  json_object_put(lease);
  ck_assert_msg(run(only_a, 1, leads, &a, DEADLINE_MS),
                "a never took over the expired upstream lease");
  lease = lease_get(&admin, "istio-operator-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), "iop-a");
  ck_assert_int_eq(spec_int(lease, "leaseTransitions"), 5);
  ck_assert_int_eq(spec_int(lease, "leaseDurationSeconds"), 3);
  json_object_put(lease);
  json_object_put(theirs);
  e_close(&a);
  testkube_close(&admin);
}
END_TEST

START_TEST(leader_yields_to_new_holder)
{
  /* Someone else wrote the Lease (an operator with another idea of time,
   * a human): the leader sees it at its next renewal and stops at once,
   * without waiting for its deadline. */
  struct testkube admin;
  testkube_open(&admin, NULL);
  const char *ns = testkube_namespace(&admin, "leader");
  struct elector a;
  struct timing long_deadline = {60000, 30000, RETRY_MS};
  e_start(&a, ns, "iop-lock", "a", long_deadline, NULL);
  struct elector *only_a[] = {&a};
  ck_assert(run(only_a, 1, leads, &a, DEADLINE_MS));
  struct json_object *lease = lease_get(&admin, "iop-lock");
  jobj_set_str(jobj_obj(lease, "spec"), "holderIdentity", "intruder");
  struct kube_sync s;
  kube_sync_init(&s);
  ck_assert_int_eq(
      testkube_wait(&admin, &s,
                    kube_update(admin.c, lease, 0, kube_sync_cb, &s)),
      0);
  kube_sync_free(&s);
  json_object_put(lease);
  ck_assert_msg(run(only_a, 1, stopped, &a, 20000),
                "a kept leading a lease someone else holds");
  run_for(only_a, 1, 4 * RETRY_MS);
  ck_assert_int_eq(a.started, 1);
  ck_assert_str_eq(a.new_leader, "intruder");
  e_close(&a);
  /* Not ours any more: closing must not release it. */
  lease = lease_get(&admin, "iop-lock");
  ck_assert_str_eq(spec_str(lease, "holderIdentity"), "intruder");
  json_object_put(lease);
  testkube_close(&admin);
}
END_TEST

START_TEST(options_checked)
{
  struct testkube t;
  testkube_open(&t, NULL);
  struct leader *l;
  struct err e;
  struct leader_opts o = {.namespace = "default", .name = "x"};
  o.lease_duration_ms = 10000; /* not longer than the renew deadline */
  ck_assert_int_eq(leader_start(t.c, &o, &l, &e), -EINVAL);
  o.lease_duration_ms = 0;
  o.retry_period_ms = 9000; /* 1.2 retries exceed the renew deadline */
  ck_assert_int_eq(leader_start(t.c, &o, &l, &e), -EINVAL);
  struct leader_opts none = {.name = "x"};
  ck_assert_int_eq(leader_start(t.c, &none, &l, &e), -EINVAL);
  ck_assert_ptr_nonnull(strstr(e.msg, "namespace"));
  testkube_close(&t);

  char id[128];
  setenv("POD_NAME", "istio-operator-5d8f7-abcde", 1);
  ck_assert_int_eq(leader_default_identity(id, sizeof id), 0);
  ck_assert_int_eq(strncmp(id, "istio-operator-5d8f7-abcde_", 27), 0);
  ck_assert_uint_eq(strlen(id), 27 + 8);
  char id2[128];
  leader_default_identity(id2, sizeof id2);
  ck_assert_str_ne(id, id2);
  unsetenv("POD_NAME");
  ck_assert_int_eq(leader_default_identity(id, 4), -ENAMETOOLONG);
}
END_TEST

Suite *leader_suite(void)
{
  Suite *s = suite_create("leader");
  TCase *tc = tcase_create("election");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, one_of_two_leads);
  tcase_add_test(tc, frozen_leader_is_replaced);
  tcase_add_test(tc, unreachable_leader_steps_down);
  tcase_add_test(tc, release_hands_over_at_once);
  tcase_add_test(tc, foreign_lease_respected_then_taken_over);
  tcase_add_test(tc, leader_yields_to_new_holder);
  tcase_add_test(tc, options_checked);
  suite_add_tcase(s, tc);
  return s;
}
