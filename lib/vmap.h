/* vmap: istioctl's untyped value map, with its exact semantics.
 *
 * istioctl builds an IstioOperator by merging maps (profile, files, --set
 * flags) and addressing them with a small path language. Its outputs depend
 * on details: lists are replaced, never merged; a null overwrites; merged
 * values are shared by reference (so a later SetPath can write through to
 * another map); a deep clone goes through JSON, turning every number into a
 * float64; `--set` values are typed by trying int, float, bool, then string.
 * This module reproduces those rules on json-c trees (int = Go int,
 * double = float64). All objects are json-c references: "shared by
 * reference" means the same json_object in two trees. */
#ifndef IOP_VMAP_H
#define IOP_VMAP_H

#include "err.h"

#include <json-c/json.h>

/* m[k] = other[k] for each key, recursing where both are maps; lists and
 * scalars replace (by reference); a null value overwrites. */
void vmap_merge_from(struct json_object *m, struct json_object *other);

/* A JSON round trip: a new tree in which every number is a double. */
struct json_object *vmap_deep_clone(struct json_object *o);

/* {path[0]: {path[1]: ... contents}}, taking contents; NULL-terminated. */
struct json_object *vmap_make(struct json_object *contents, ...);

/* The path language: "a.b", "a.[0].b", "a[0].b", "a.[name:x].b", "a\.b". */
struct vmap_path {
  char **seg;
  int n;
};
int vmap_split_path(const char *path, struct vmap_path *out);
void vmap_path_free(struct vmap_path *p);

/* Sets value (taken) at path, creating maps and lists on the way; an index
 * past the end appends. Errors: "element [k:v] not found", "unknown segment
 * [x]". */
int vmap_set_path(struct json_object *m, const char *path,
                  struct json_object *value, struct err *e);
/* Borrowed value at path; *found says whether it exists (it may be null). */
struct json_object *vmap_get_path(struct json_object *m, const char *path,
                                  int *found);
/* The map at a dotted path (no escapes, no brackets), NULL when a step is
 * missing or not a map. */
struct json_object *vmap_get_path_map(struct json_object *m, const char *path);
/* The string / bool at path, "" / 0 when absent or of another type. */
const char *vmap_get_string(struct json_object *m, const char *path);
int vmap_get_bool(struct json_object *m, const char *path);

/* "path=value" flags: the value typed as istioctl's parseValue does, except
 * under the always-string paths (tags, compatibilityVersion, proxyMetadata).
 * The _spec variant prefixes each path with "spec.". */
int vmap_set_paths(struct json_object *m, const char *flag, struct err *e);
int vmap_set_spec_paths(struct json_object *m, const char *flag, struct err *e);
/* istioctl's parseValue: Go int, then float64, then bool, then a string
 * (with "\," meaning ","). A new reference. */
struct json_object *vmap_parse_value(const char *s);

/* Go's path.Clean. Returns a new string. */
char *vmap_clean_path(const char *path);

#endif
