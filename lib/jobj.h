/* jobj: short, NULL-safe accessors for json-c trees.
 *
 * Every getter borrows (no reference is taken) and returns NULL, 0 or the
 * default when the path is missing or of another type, so callers can
 * chain through objects that may not have a field. */
#ifndef IOP_JOBJ_H
#define IOP_JOBJ_H

#include <json-c/json.h>
#include <stdint.h>

struct json_object *jobj_get(struct json_object *o, const char *key);
/* Walks keys given as a NULL-terminated list: jobj_path(o, "a", "b", NULL). */
struct json_object *jobj_path(struct json_object *o, ...);
const char *jobj_str(struct json_object *o, const char *key);
const char *jobj_path_str(struct json_object *o, ...);
struct json_object *jobj_obj(struct json_object *o, const char *key);
struct json_object *jobj_arr(struct json_object *o, const char *key);
int jobj_bool(struct json_object *o, const char *key, int dflt);
int64_t jobj_int(struct json_object *o, const char *key, int64_t dflt);

int jobj_is_obj(struct json_object *o);
int jobj_is_arr(struct json_object *o);
int jobj_is_str(struct json_object *o);

/* Sets o[key] = v (steals v); creates nothing else. */
void jobj_set(struct json_object *o, const char *key, struct json_object *v);
void jobj_set_str(struct json_object *o, const char *key, const char *v);
/* Returns o[key] when it is an object, else puts a new object there. */
struct json_object *jobj_ensure_obj(struct json_object *o, const char *key);
/* Deep copy (NULL for NULL). */
struct json_object *jobj_dup(struct json_object *o);
/* Deep equality as JSON values: ints and doubles equal when numerically
 * equal, key order ignored. */
int jobj_equal(struct json_object *a, struct json_object *b);

#endif
