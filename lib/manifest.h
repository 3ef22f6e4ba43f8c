/* manifest: rendered chart output turned into the objects istioctl emits.
 *
 * Rendered files are split into documents (lines starting with ---), each
 * parsed as a Kubernetes object; a component instance's k8s settings are
 * applied as strategic merge patches and its k8s.overlays after them; the
 * objects of all components are sorted as istioctl sorts them and printed
 * as YAML documents each followed by "\n---\n". */
#ifndef IOP_MANIFEST_H
#define IOP_MANIFEST_H

#include "buf.h"
#include "err.h"
#include "iop.h"

#include <json-c/json.h>

/* Parses one rendered file, appending its objects to objs (an array).
 * Documents that hold nothing (comments, null) are skipped; a non-empty
 * mapping without a kind is an error naming the file. */
int manifest_parse(const char *text, size_t len, const char *name,
                   struct json_object *objs, struct err *e);

/* Applies the instance's k8s settings and overlays to its objects (an
 * array, changed in place). values are the instance's Helm values (for the
 * revision). The instance spec may be modified as istioctl modifies it. */
int manifest_postprocess(const struct iop_instance *inst,
                         struct json_object *values, struct json_object *objs,
                         struct err *e);

/* Stable sort by istioctl's kind priority, then group, kind and name. */
void manifest_sort(struct json_object *objs);

/* Appends each object as YAML followed by "\n---\n". */
int manifest_write(struct buf *out, struct json_object *objs, struct err *e);

/* Kind:Namespace:Name, or Kind:Name for cluster-wide RBAC, as istioctl's
 * golden filter hashes objects. */
void manifest_hash(struct json_object *obj, struct buf *out);

#endif
