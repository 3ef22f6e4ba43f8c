/* informer: a watched collection kept in memory, with change callbacks.
 *
 * The cache holds the latest state of each object, keyed "namespace/name"
 * ("name" for cluster-scoped ones). Callbacks fire once per change: an
 * event carrying a resourceVersion the cache already has is not delivered
 * again, and a relist delivers adds, updates and the deletions that
 * happened while the watch was away. An optional resync delivers every
 * cached object to on_update periodically (old == new). */
#ifndef IOP_INFORMER_H
#define IOP_INFORMER_H

#include "kube.h"
#include "watch.h"

#include <stddef.h>

struct informer_opts {
  const char *api_version;
  const char *kind;
  const char *resource;
  const char *namespace; /* NULL or "": all namespaces */
  const char *label_selector;
  const char *field_selector;
  uint64_t resync_ms; /* 0: no resync */
  int timeout_s;      /* per watch request, 0: 5 to 10 minutes */
  /* Removes metadata.managedFields from each object as it arrives, before
   * callbacks see it: a server-side-applied object's field list is about as
   * large as the object, and a controller that never reads it should not
   * cache it. */
  int drop_managed_fields;
  /* Objects are borrowed; take a reference to keep one. */
  void (*on_add)(struct json_object *obj, void *data);
  void (*on_update)(struct json_object *old, struct json_object *obj,
                    void *data);
  void (*on_delete)(struct json_object *obj, void *data);
  void (*on_synced)(void *data); /* once, after the first list */
  void (*on_error)(int rc, const char *msg, void *data);
  void *data;
};

struct informer;

int informer_start(struct kube_client *c, const struct informer_opts *o,
                   struct informer **out);
void informer_stop(struct informer *inf);
int informer_synced(struct informer *inf);
/* The cached object (borrowed), NULL when absent. ns may be NULL for
 * cluster-scoped objects. */
struct json_object *informer_get(struct informer *inf, const char *ns,
                                 const char *name);
size_t informer_count(struct informer *inf);
/* Calls fn for each cached object; fn must not change the informer. */
void informer_foreach(struct informer *inf,
                      void (*fn)(struct json_object *obj, void *data),
                      void *data);
void informer_watch_stats(struct informer *inf, struct watch_stats *out);

#endif
