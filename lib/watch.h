/* watch: list, then watch, for as long as it runs.
 *
 * A watch lists the collection (in pages), hands the snapshot over, then
 * watches from the list's resourceVersion with bookmarks. A watch that ends
 * normally (the server's timeout, a cut connection) resumes from the last
 * resourceVersion seen; 410 Gone, as an HTTP status or as an ERROR event,
 * means the history is gone: list again. Transport errors back off with
 * jitter. Each watch has one line buffer with a ceiling; a line over it, or
 * one that is not JSON, is reported and the watch starts over. */
#ifndef IOP_WATCH_H
#define IOP_WATCH_H

#include "kube.h"

#include <stdint.h>

enum watch_event {
  WATCH_ADDED,
  WATCH_MODIFIED,
  WATCH_DELETED,
  WATCH_BOOKMARK,
  WATCH_RELISTED, /* not from the server: a list just replaced the view */
};

struct watch_opts {
  const char *api_version;
  const char *kind;
  const char *resource;  /* instead of api_version+kind */
  const char *namespace; /* "" or NULL: all namespaces */
  const char *label_selector;
  const char *field_selector;
  int timeout_s;   /* per watch request; 0: 5 to 10 minutes */
  size_t max_line; /* 0: 16 MiB */
  /* A complete list (the first, and every relist): items and their
   * resourceVersion. Without it, each item arrives as WATCH_ADDED and a
   * relist as WATCH_RELISTED. Objects are borrowed. */
  void (*on_list)(struct json_object *items, void *data);
  void (*on_event)(enum watch_event type, struct json_object *obj, void *data);
  /* Something went wrong; the watch carries on (after a backoff). */
  void (*on_error)(int rc, const char *msg, void *data);
  void *data;
};

struct watch_stats {
  uint64_t lists;    /* the first list and every relist */
  uint64_t restarts; /* watch requests after the first */
  uint64_t events;
  uint64_t errors;
};

struct watch;

int watch_start(struct kube_client *c, const struct watch_opts *o,
                struct watch **out);
/* Stops it; no callback runs after this returns. Freed later on the loop. */
void watch_stop(struct watch *w);
void watch_get_stats(struct watch *w, struct watch_stats *out);
/* The last resourceVersion seen (borrowed). */
const char *watch_resource_version(struct watch *w);

#endif
