/* overlay: IstioOperator k8s.overlays, applied as istioctl applies them.
 *
 * Each patch is {path, value}. The path language: dotted keys ("\." for a
 * dot inside a key), [N] list indexes ([-1] appends), [key:value] to pick
 * the map element of a list whose key prints as value, [value] or [:value]
 * to pick a scalar element matching a regular expression (unanchored, as
 * istioctl does). Missing maps are created on the way. A patch without a
 * value deletes what the path names (a list element picked by [k:v] goes
 * whole). A string value that reads as a YAML map ("a: b") is inserted as
 * that map. */
#ifndef IOP_OVERLAY_H
#define IOP_OVERLAY_H

#include "err.h"

#include <json-c/json.h>

/* Applies patches (a list of {path, value}) to obj in place. Every patch is
 * tried; the first error is returned (naming the path), as istioctl
 * collects them. */
int overlay_apply(struct json_object *obj, struct json_object *patches,
                  struct err *e);

#endif
