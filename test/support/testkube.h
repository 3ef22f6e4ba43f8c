/* Helpers for end-to-end tests of the Kubernetes client: a client on a
 * private uv loop built from the test control plane's kubeconfig (or from
 * any other configuration), synchronous calls, fresh namespaces, waiting
 * for conditions, and a teardown that fails the test when a uv handle is
 * left behind. */
#ifndef IOP_TESTKUBE_H
#define IOP_TESTKUBE_H

#include "kube.h"
#include "watch.h"

#include <json-c/json.h>
#include <uv.h>

struct testkube {
  uv_loop_t loop;
  struct kube_client *c;
  char ns[96]; /* the test's namespace, after testkube_namespace */
};

/* A client from the plane's kubeconfig ($KUBECONFIG); context NULL means
 * its current context (iop-test, the admin token). */
void testkube_open(struct testkube *t, const char *context);
/* A client from cfg (taken) with opts (may be NULL). */
void testkube_open_config(struct testkube *t, struct kube_config *cfg,
                          const struct kube_client_opts *opts);
/* Loads cfg through kubeconfig_load with o; asserts success. */
void testkube_open_opts(struct testkube *t, const struct kube_config_opts *o,
                        const struct kube_client_opts *opts);
/* A client that authenticates with token (server and CA of the plane). */
void testkube_open_token(struct testkube *t, const char *token);
/* Another admin client on t's loop, addressing the plane at server (a
 * proxy's URL, say; NULL: the plane itself). Close it with
 * kube_client_close before testkube_close. */
struct kube_client *testkube_client_via(struct testkube *t, const char *server);
/* Closes the client, runs the loop until every handle is gone (failing
 * the test after a generous deadline, naming what is left) and asserts
 * uv_loop_close() == 0. */
void testkube_close(struct testkube *t);

/* Writes DIR/kubeconfig for the plane (server, CA) whose one user is
 * described by user_yaml (lines indented by 4 spaces, e.g.
 * "    token: abc\n"); returns the heap path. */
char *testkube_write_kubeconfig(const char *dir, const char *user_yaml);

/* Asserts start_rc == 0 (the call was accepted) and runs the loop until
 * the call completes; returns the result's rc. */
int testkube_wait(struct testkube *t, struct kube_sync *s, int start_rc);
/* Runs the loop until pred(data) is true or timeout_ms passed; returns
 * the last value of pred. Timers wake the loop every 20 ms. */
int testkube_run_until(struct testkube *t, int (*pred)(void *data), void *data,
                       int timeout_ms);
/* Runs the loop for ms milliseconds. */
void testkube_run_for(struct testkube *t, int ms);

/* Parses printf-formatted JSON; asserts it is valid. */
struct json_object *testkube_json(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Creates a namespace "e2e-<prefix>-<pid>-<n>" and keeps its name in
 * t->ns. Objects in the shared apiserver outlive a test: each test works
 * in its own namespace. */
const char *testkube_namespace(struct testkube *t, const char *prefix);

/* Synchronous verbs that assert success and return the server's object
 * (the caller owns it). */
struct json_object *testkube_create(struct testkube *t, struct json_object *o);
struct json_object *testkube_get(struct testkube *t, const char *api_version,
                                 const char *kind, const char *ns,
                                 const char *name);
/* A ConfigMap in t->ns with data {key: value}; returns the created one. */
struct json_object *testkube_configmap(struct testkube *t, const char *name,
                                       const char *key, const char *value);
/* The list of a collection (every page), asserting success. */
struct json_object *testkube_list(struct testkube *t, const char *api_version,
                                  const char *kind, const char *ns,
                                  const char *label_selector);

/* What a watch delivered, for assertions. */
struct testkube_events {
  int added, modified, deleted, bookmarks, relisted;
  int errors;
  int last_error;
  char error_msg[ERR_MSG_MAX]; /* the first error */
  struct json_object *log;     /* "ADDED ns/name rv" lines, in order */
};
void testkube_events_init(struct testkube_events *ev);
void testkube_events_free(struct testkube_events *ev);
/* on_event and on_error for struct watch_opts, data = the events. */
void testkube_events_on_event(enum watch_event type, struct json_object *obj,
                              void *data);
void testkube_events_on_error(int rc, const char *msg, void *data);
/* How many log lines equal line. */
int testkube_events_count(struct testkube_events *ev, const char *line);

const char *testkube_name(struct json_object *o);
const char *testkube_rv(struct json_object *o);

/* For the operator's suites: creates o (taken), dropping the answer; gets
 * an object or NULL when it does not exist; and writes the status a
 * kubelet and the apps controllers would write once every pod of iop's
 * Deployments and DaemonSets in ns runs (no kubelet runs in tests). */
void testkube_create_json(struct testkube *t, struct json_object *o);
struct json_object *testkube_get_or_null(struct testkube *t,
                                         const char *api_version,
                                         const char *kind, const char *ns,
                                         const char *name);
void testkube_make_ready(struct testkube *t, const char *ns);
/* Applies crds/istiooperator.yaml and waits until it is Established, so a
 * suite does not depend on another having run `iop operator init`. */
void testkube_install_iop_crd(void);

#endif
