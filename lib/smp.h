/* smp: Kubernetes strategic merge patch, as apimachinery applies it.
 *
 * Maps merge; null deletes; lists are replaced unless the field is a merge
 * list of the object's type (containers by name, env by name, ports by
 * containerPort or port, volumes by name, ...), in which case elements
 * merge by key and the result keeps apimachinery's order (patch items in
 * patch order, interleaved with the original's other items). The $patch,
 * $retainKeys and $deleteFromPrimitiveList directives are honoured.
 * istioctl applies its k8s settings this way (MergeParallelList,
 * IgnoreUnmatchedNulls). */
#ifndef IOP_SMP_H
#define IOP_SMP_H

#include "err.h"

#include <json-c/json.h>

/* Applies patch to obj (of the given kind) in place. The patch is not
 * modified. */
int smp_apply(struct json_object *obj, const char *kind,
              struct json_object *patch, struct err *e);

#endif
