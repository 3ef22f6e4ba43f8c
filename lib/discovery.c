/* discovery: kinds and resource names mapped to REST resources.
 *
 * The resource list of each group/version is fetched once and cached; a
 * kind that is not in the cache triggers a fresh fetch of its group/version
 * (so a CRD created a moment ago is found), and concurrent misses share one
 * request. Resource names as kubectl accepts them (plural, singular, short
 * name, kind, "name.group") need every group: those are loaded on first use,
 * core group first, then the groups in the server's order, preferred
 * versions only. */
#include "kube_int.h"

#include "jobj.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct waiter {
  struct kube_ref ref; /* strings owned */
  kube_mapping_cb cb;
  void *data;
  struct waiter *next;
};

struct gv {
  struct discovery *d;
  char group[128];
  char version[64];
  struct json_object *resources; /* APIResourceList.resources, owned */
  int fetching;
  struct waiter *waiters;
  struct gv *next;
};

struct discovery {
  struct kube_client *c;
  struct gv *gvs;  /* in priority order */
  int all_state;   /* 0 not loaded, 1 loading, 2 loaded */
  int all_pending; /* outstanding fetches while loading */
  struct waiter *all_waiters;
  /* Why loading every group failed, when a fetch did: a name we cannot
   * find is then reported as that failure (a 401, say), not as a missing
   * resource type. */
  struct kube_result all_failure;
};

int discovery_new(struct kube_client *c, struct discovery **out)
{
  struct discovery *d = calloc(1, sizeof *d);
  if (!d)
    return -ENOMEM;
  d->c = c;
  *out = d;
  return 0;
}

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

static void waiter_free(struct waiter *w)
{
  free((char *)w->ref.api_version);
  free((char *)w->ref.kind);
  free((char *)w->ref.resource);
  free(w);
}

/* A failure as a result for the waiters, without the response object. */
static void failure(struct kube_result *res, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failure(struct kube_result *res, int rc, const char *fmt, ...)
{
  memset(res, 0, sizeof *res);
  res->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  err_vset(&res->err, rc, fmt, ap);
  va_end(ap);
}

static void fail_waiters(struct waiter *w, const struct kube_result *res)
{
  while (w) {
    struct waiter *next = w->next;
    w->cb(res, NULL, w->data);
    waiter_free(w);
    w = next;
  }
}

void discovery_free(struct discovery *d)
{
  if (!d)
    return;
  struct kube_result res;
  failure(&res, -ECANCELED, "client closed");
  /* Detach every list before calling back: a waiter of a group fetch may
   * be the loader of all groups, which looks at all_waiters. */
  struct waiter *all = d->all_waiters;
  d->all_waiters = NULL;
  d->all_state = 0;
  fail_waiters(all, &res);
  while (d->gvs) {
    struct gv *g = d->gvs;
    struct waiter *w = g->waiters;
    d->gvs = g->next;
    g->waiters = NULL;
    fail_waiters(w, &res);
    json_object_put(g->resources);
    free(g);
  }
  free(d);
}

static void split_api_version(const char *av, char *group, size_t gn,
                              char *version, size_t vn)
{
  const char *slash = strchr(av, '/');
  if (slash) {
    snprintf(group, gn, "%.*s", (int)(slash - av), av);
    snprintf(version, vn, "%s", slash + 1);
  } else {
    group[0] = '\0';
    snprintf(version, vn, "%s", av);
  }
}

static struct gv *find_gv(struct discovery *d, const char *group,
                          const char *version)
{
  for (struct gv *g = d->gvs; g; g = g->next)
    if (strcmp(g->group, group) == 0 && strcmp(g->version, version) == 0)
      return g;
  return NULL;
}

static struct gv *add_gv(struct discovery *d, const char *group,
                         const char *version)
{
  struct gv *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  g->d = d;
  snprintf(g->group, sizeof g->group, "%s", group);
  snprintf(g->version, sizeof g->version, "%s", version);
  struct gv **p = &d->gvs;
  while (*p)
    p = &(*p)->next;
  *p = g;
  return g;
}

static void fill_mapping(const struct gv *g, struct json_object *r,
                         struct kube_mapping *m)
{
  memset(m, 0, sizeof *m);
  snprintf(m->group, sizeof m->group, "%s", g->group);
  snprintf(m->version, sizeof m->version, "%s", g->version);
  snprintf(m->kind, sizeof m->kind, "%s", jobj_str(r, "kind"));
  snprintf(m->resource, sizeof m->resource, "%s", jobj_str(r, "name"));
  m->namespaced = jobj_bool(r, "namespaced", 0);
}

/* The top-level resource of a kind in one group/version. */
static int lookup_kind(const struct gv *g, const char *kind,
                       struct kube_mapping *m)
{
  size_t n = g->resources ? json_object_array_length(g->resources) : 0;
  for (size_t i = 0; i < n; i++) {
    struct json_object *r = json_object_array_get_idx(g->resources, i);
    const char *name = jobj_str(r, "name"), *k = jobj_str(r, "kind");
    if (name && k && !strchr(name, '/') && strcmp(k, kind) == 0) {
      fill_mapping(g, r, m);
      return 1;
    }
  }
  return 0;
}

static int name_matches(struct json_object *r, const char *want)
{
  const char *name = jobj_str(r, "name");
  const char *singular = jobj_str(r, "singularName");
  const char *kind = jobj_str(r, "kind");
  if (!name || strchr(name, '/'))
    return 0;
  if (strcasecmp(name, want) == 0 ||
      (singular && strcasecmp(singular, want) == 0) ||
      (kind && strcasecmp(kind, want) == 0))
    return 1;
  struct json_object *shorts = jobj_arr(r, "shortNames");
  size_t n = shorts ? json_object_array_length(shorts) : 0;
  for (size_t i = 0; i < n; i++) {
    const char *s =
        json_object_get_string(json_object_array_get_idx(shorts, i));
    if (s && strcasecmp(s, want) == 0)
      return 1;
  }
  return 0;
}

/* "deployments", "deploy", "deployments.apps", "deployments.v1.apps". */
static int lookup_name(struct discovery *d, const char *spec,
                       struct kube_mapping *m)
{
  char name[256], rest[256] = "";
  const char *dot = strchr(spec, '.');
  snprintf(name, sizeof name, "%.*s",
           dot ? (int)(dot - spec) : (int)strlen(spec), spec);
  if (dot)
    snprintf(rest, sizeof rest, "%s", dot + 1);
  for (struct gv *g = d->gvs; g; g = g->next) {
    if (rest[0]) {
      char gvname[256];
      snprintf(gvname, sizeof gvname, "%s.%s", g->version, g->group);
      if (strcmp(rest, g->group) != 0 && strcmp(rest, gvname) != 0)
        continue;
    }
    size_t n = g->resources ? json_object_array_length(g->resources) : 0;
    for (size_t i = 0; i < n; i++) {
      struct json_object *r = json_object_array_get_idx(g->resources, i);
      if (name_matches(r, name)) {
        fill_mapping(g, r, m);
        return 1;
      }
    }
  }
  return 0;
}

/* ---- fetching one group/version ---- */

static void deliver_gv(struct gv *g, const struct kube_result *res);

static void on_gv_fetched(struct kube_call *call, struct kube_result *res)
{
  struct gv *g = call->data;
  g->fetching = 0;
  if (res->rc == 0 || res->http_status == 404) {
    /* A 404: the group/version is not served (any more). */
    json_object_put(g->resources);
    g->resources = json_object_get(jobj_arr(res->object, "resources"));
  }
  deliver_gv(g, res);
}

static int fetch_gv(struct discovery *d, struct gv *g)
{
  if (g->fetching)
    return 0;
  char path[256];
  if (g->group[0])
    snprintf(path, sizeof path, "/apis/%s/%s", g->group, g->version);
  else
    snprintf(path, sizeof path, "/api/%s", g->version);
  struct kube_call *call =
      kube__call_new(d->c, "discovery", "GET", strdup(path));
  if (!call)
    return -ENOMEM;
  call->on_done = on_gv_fetched;
  call->data = g;
  g->fetching = 1;
  kube__call_start(call);
  return 0;
}

static void no_match(const struct kube_ref *r, struct kube_result *res)
{
  failure(res, -ENOENT, "no matches for kind \"%s\" in version \"%s\"", r->kind,
          r->api_version);
}

/* Answers everyone waiting for g: the mapping, "no matches", or the
 * failure of the fetch as the server reported it. */
static void deliver_gv(struct gv *g, const struct kube_result *fetched)
{
  struct waiter *w = g->waiters;
  g->waiters = NULL;
  while (w) {
    struct waiter *next = w->next;
    struct kube_mapping m;
    struct kube_result res = *fetched;
    res.object = NULL;
    int served = fetched->rc == 0 || fetched->http_status == 404;
    /* A 404 says the group/version is not served; any other failure
     * (even -ENOENT from a missing exec plugin) is the fetch's own. The
     * loader of all groups (kind "") only wants to know how it went. */
    if (served && !w->ref.kind[0]) {
      memset(&res, 0, sizeof res);
    } else if (served) {
      if (fetched->rc == 0 && lookup_kind(g, w->ref.kind, &m))
        memset(&res, 0, sizeof res);
      else
        no_match(&w->ref, &res);
    }
    w->cb(&res, res.rc || !w->ref.kind[0] ? NULL : &m, w->data);
    waiter_free(w);
    w = next;
  }
}

static struct waiter *new_waiter(const struct kube_ref *r, kube_mapping_cb cb,
                                 void *data)
{
  struct waiter *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->ref.api_version = dup_or_null(r->api_version);
  w->ref.kind = dup_or_null(r->kind);
  w->ref.resource = dup_or_null(r->resource);
  w->cb = cb;
  w->data = data;
  return w;
}

static int resolve_kind(struct discovery *d, const struct kube_ref *r,
                        kube_mapping_cb cb, void *data)
{
  char group[128], version[64];
  struct kube_mapping m;
  split_api_version(r->api_version, group, sizeof group, version,
                    sizeof version);
  struct gv *g = find_gv(d, group, version);
  if (g && !g->fetching && lookup_kind(g, r->kind, &m)) {
    struct kube_result ok;
    memset(&ok, 0, sizeof ok);
    cb(&ok, &m, data);
    return 0;
  }
  if (!g && !(g = add_gv(d, group, version)))
    return -ENOMEM;
  struct waiter *w = new_waiter(r, cb, data);
  if (!w)
    return -ENOMEM;
  w->next = g->waiters;
  g->waiters = w;
  return fetch_gv(d, g);
}

/* ---- loading every group, for resource names ---- */

static void answer_name(struct discovery *d, struct waiter *w)
{
  struct kube_mapping m;
  struct kube_result res;
  if (lookup_name(d, w->ref.resource, &m)) {
    memset(&res, 0, sizeof res);
    w->cb(&res, &m, w->data);
  } else if (d->all_failure.rc) {
    w->cb(&d->all_failure, NULL, w->data);
  } else {
    failure(&res, -ENOENT, "the server doesn't have a resource type \"%s\"",
            w->ref.resource);
    w->cb(&res, NULL, w->data);
  }
}

static void finish_all(struct discovery *d)
{
  d->all_state = 2;
  struct waiter *w = d->all_waiters;
  d->all_waiters = NULL;
  while (w) {
    struct waiter *next = w->next;
    answer_name(d, w);
    waiter_free(w);
    w = next;
  }
}

static void note_failure(struct discovery *d, const struct kube_result *res)
{
  if (res->rc && !d->all_failure.rc) {
    d->all_failure = *res;
    d->all_failure.object = NULL;
  }
}

static void all_gv_done(const struct kube_result *res,
                        const struct kube_mapping *m, void *data)
{
  struct discovery *d = data;
  (void)m;
  note_failure(d, res);
  if (--d->all_pending == 0)
    finish_all(d);
}

/* Queues a fetch of g whose completion counts down all_pending. */
static int fetch_for_all(struct discovery *d, struct gv *g)
{
  struct waiter *w = calloc(1, sizeof *w);
  if (!w)
    return -ENOMEM;
  /* A kind nobody has: the waiter only signals completion. */
  w->ref.kind = strdup("");
  w->ref.api_version = strdup("");
  w->cb = all_gv_done;
  w->data = d;
  w->next = g->waiters;
  g->waiters = w;
  d->all_pending++;
  int rc = fetch_gv(d, g);
  if (rc) {
    g->waiters = w->next;
    d->all_pending--;
    waiter_free(w);
  }
  return rc;
}

/* The groups come in the server's order, which is kubectl's order of
 * preference for a name that several groups serve. */
static void on_groups(struct kube_call *call, struct kube_result *res)
{
  struct discovery *d = call->data;
  note_failure(d, res);
  struct json_object *groups = jobj_arr(res->object, "groups");
  size_t n = groups ? json_object_array_length(groups) : 0;
  for (size_t i = 0; i < n; i++) {
    struct json_object *gr = json_object_array_get_idx(groups, i);
    const char *name = jobj_str(gr, "name");
    const char *ver =
        jobj_path_str(gr, "preferredVersion", "version", (const char *)NULL);
    if (!name || !ver)
      continue;
    struct gv *g = find_gv(d, name, ver);
    if (!g)
      g = add_gv(d, name, ver);
    if (g)
      fetch_for_all(d, g);
  }
  if (--d->all_pending == 0)
    finish_all(d);
}

/* The core group first: kubectl prefers it on a name clash ("events"). */
static struct gv *core_first(struct discovery *d)
{
  struct gv **p = &d->gvs;
  while (*p && ((*p)->group[0] || strcmp((*p)->version, "v1") != 0))
    p = &(*p)->next;
  struct gv *core = *p;
  if (core) {
    *p = core->next;
  } else if ((core = calloc(1, sizeof *core)) != NULL) {
    core->d = d;
    snprintf(core->version, sizeof core->version, "v1");
  } else {
    return NULL;
  }
  core->next = d->gvs;
  d->gvs = core;
  return core;
}

static int load_all(struct discovery *d)
{
  struct gv *core = core_first(d);
  struct kube_call *call =
      core ? kube__call_new(d->c, "discovery", "GET", strdup("/apis")) : NULL;
  if (!call)
    return -ENOMEM;
  d->all_state = 1;
  memset(&d->all_failure, 0, sizeof d->all_failure);
  d->all_pending = 1; /* the /apis request */
  fetch_for_all(d, core);
  call->on_done = on_groups;
  call->data = d;
  kube__call_start(call);
  return 0;
}

static int resolve_name(struct discovery *d, const struct kube_ref *r,
                        kube_mapping_cb cb, void *data)
{
  struct kube_mapping m;
  if (d->all_state == 2 && lookup_name(d, r->resource, &m)) {
    struct kube_result ok;
    memset(&ok, 0, sizeof ok);
    cb(&ok, &m, data);
    return 0;
  }
  if (d->all_state != 1) {
    int rc = load_all(d); /* a miss after loading: a CRD may be new */
    if (rc)
      return rc;
  }
  struct waiter *w = new_waiter(r, cb, data);
  if (!w)
    return -ENOMEM;
  w->next = d->all_waiters;
  d->all_waiters = w;
  return 0;
}

int kube_resolve(struct kube_client *c, const struct kube_ref *r,
                 kube_mapping_cb cb, void *data)
{
  if (c->closing)
    return -ECANCELED;
  if (r->resource && *r->resource)
    return resolve_name(c->disc, r, cb, data);
  if (!r->api_version || !*r->api_version || !r->kind || !*r->kind) {
    struct kube_result res;
    failure(&res, -EINVAL, "object has no %s",
            !r->kind || !*r->kind ? "kind" : "apiVersion");
    cb(&res, NULL, data);
    return 0;
  }
  return resolve_kind(c->disc, r, cb, data);
}
