/* kube: a Kubernetes API client on the libuv loop.
 *
 * Every verb is asynchronous: it returns at once and its callback runs later
 * on the loop with a kube_result. Objects are json-c trees. Kinds are mapped
 * to REST resources through discovery, cached and refreshed on a miss (a CRD
 * created a moment ago is found). Requests carry the context's credentials
 * (tokens, token files re-read when they rotate, exec plugins, client
 * certificates), pass a client-side rate limit, and are retried: 429 after
 * Retry-After, 5xx and connection errors with jittered exponential backoff
 * for idempotent verbs; 409 and other 4xx go to the caller. API errors come
 * back as the server's metav1.Status, ready to print. */
#ifndef IOP_KUBE_H
#define IOP_KUBE_H

#include "err.h"
#include "kubeconfig.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct kube_client;

struct kube_client_opts {
  double qps;             /* client-side rate limit; 0: 50 */
  int burst;              /* 0: 100 */
  long timeout_ms;        /* per request; 0: 30 s */
  int max_retries;        /* 0: 6; -1 for none */
  size_t max_body;        /* ceiling on a response body; 0: 64 MiB */
  const char *user_agent; /* NULL: "iop/<version>" */
};

/* What the server said when it refused (metav1.Status). */
struct kube_status {
  int code;        /* HTTP status */
  char reason[64]; /* NotFound, AlreadyExists, Conflict, Forbidden... */
  char message[1024];
};

struct kube_result {
  int rc;                     /* 0, or negative errno */
  long http_status;           /* 0 when no response arrived */
  struct json_object *object; /* the response object; freed after the
                                 callback unless it takes a reference */
  struct kube_status status;  /* filled for API errors */
  struct err err;             /* one printable line */
};

typedef void (*kube_cb)(struct kube_result *res, void *data);

/* Which object or collection: by apiVersion and kind (mapped through
 * discovery) or, for the CLI, by a resource name kubectl would accept
 * (plural, singular, short name or kind, optionally "name.group"). */
struct kube_ref {
  const char *api_version;
  const char *kind;
  const char *resource;  /* instead of api_version+kind */
  const char *namespace; /* NULL: the client's default for namespaced
                            objects; "" lists across namespaces */
  const char *name;
  const char *subresource; /* "status", "scale"... */
};

/* The mapping of a kind to its REST resource. */
struct kube_mapping {
  char group[128];
  char version[64];
  char kind[128];
  char resource[128];
  int namespaced;
};

/* Takes the contents of cfg (it is zeroed) on success. */
int kube_client_new(uv_loop_t *loop, struct kube_config *cfg,
                    const struct kube_client_opts *opts,
                    struct kube_client **out, struct err *e);
/* Cancels every call (their callbacks run with -ECANCELED) and frees the
 * client once its handles are closed; keep running the loop. Watches and
 * informers still running stop using the client (their on_error gets
 * -ECANCELED) and must still be stopped to be freed. Calls made on a
 * closing client fail at once with -ECANCELED. */
void kube_client_close(struct kube_client *c);
const char *kube_client_namespace(struct kube_client *c);
uv_loop_t *kube_client_loop(struct kube_client *c);
const char *kube_client_server(struct kube_client *c);

/* Fills ref from an object's apiVersion, kind and metadata. */
void kube_ref_of(struct json_object *obj, struct kube_ref *ref);

int kube_get(struct kube_client *c, const struct kube_ref *r, kube_cb cb,
             void *data);

struct kube_list_opts {
  const char *label_selector;
  const char *field_selector;
  long limit; /* page size; 0: no limit */
  const char *continue_token;
  const char *resource_version;
};
/* One page; the result object is the List (items, metadata.continue). */
int kube_list(struct kube_client *c, const struct kube_ref *r,
              const struct kube_list_opts *o, kube_cb cb, void *data);
/* Every page, merged into one List (limit sets the page size; 500 if 0). */
int kube_list_all(struct kube_client *c, const struct kube_ref *r,
                  const struct kube_list_opts *o, kube_cb cb, void *data);

int kube_create(struct kube_client *c, struct json_object *obj, kube_cb cb,
                void *data);
/* PUT; status=1 writes the status subresource. */
int kube_update(struct kube_client *c, struct json_object *obj, int status,
                kube_cb cb, void *data);

struct kube_apply_opts {
  const char *field_manager; /* required */
  int force;
  int dry_run;
  const char *subresource; /* "status" to apply status */
};
/* Server-side apply of obj (application/apply-patch+yaml). */
int kube_apply(struct kube_client *c, struct json_object *obj,
               const struct kube_apply_opts *o, kube_cb cb, void *data);

enum kube_patch_type {
  KUBE_PATCH_MERGE,
  KUBE_PATCH_JSON,
  KUBE_PATCH_STRATEGIC
};
int kube_patch(struct kube_client *c, const struct kube_ref *r,
               enum kube_patch_type type, struct json_object *patch,
               const char *field_manager, kube_cb cb, void *data);

struct kube_delete_opts {
  const char *propagation;      /* Foreground, Background, Orphan */
  const char *uid;              /* precondition */
  const char *resource_version; /* precondition */
  long grace_seconds;           /* -1: the server's default */
  int dry_run;
};
int kube_delete(struct kube_client *c, const struct kube_ref *r,
                const struct kube_delete_opts *o, kube_cb cb, void *data);

/* A core/v1 Event about `about` (type Normal or Warning). */
int kube_create_event(struct kube_client *c, struct json_object *about,
                      const char *type, const char *reason, const char *message,
                      const char *component, kube_cb cb, void *data);

/* The server's /version (gitVersion, major, minor). */
int kube_server_version(struct kube_client *c, kube_cb cb, void *data);

/* Maps a ref to its resource, from the cache or through discovery. The
 * callback gets res->rc == 0 and the mapping, or the failure: a kind or
 * name the server does not serve (-ENOENT, no HTTP status), or what the
 * server said when discovery itself failed (401, 403, 5xx...), so callers
 * can report it as they report any other call. It may run before
 * kube_resolve returns. */
typedef void (*kube_mapping_cb)(const struct kube_result *res,
                                const struct kube_mapping *m, void *data);
int kube_resolve(struct kube_client *c, const struct kube_ref *r,
                 kube_mapping_cb cb, void *data);

/* Counters for metrics and tests. */
struct kube_stats {
  uint64_t requests;
  uint64_t writes; /* POST, PUT, PATCH, DELETE */
  uint64_t retries;
  uint64_t by_code[6]; /* 0 (no response), 1xx..5xx */
};
void kube_client_stats(struct kube_client *c, struct kube_stats *out);
typedef void (*kube_request_observer)(const char *verb, long status,
                                      void *data);
void kube_client_observe(struct kube_client *c, kube_request_observer fn,
                         void *data);

/* Synchronous use, for CLIs and tests: runs the loop until the call is
 * done. The result is kept in the struct until kube_sync_free. */
struct kube_sync {
  int done;
  struct kube_result res;
};
void kube_sync_init(struct kube_sync *s);
void kube_sync_cb(struct kube_result *res, void *data);
int kube_sync_wait(struct kube_client *c, struct kube_sync *s);
void kube_sync_free(struct kube_sync *s);

#endif
