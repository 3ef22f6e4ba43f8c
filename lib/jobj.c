/* jobj: NULL-safe json-c accessors (see jobj.h). */
#include "jobj.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

struct json_object *jobj_get(struct json_object *o, const char *key)
{
  struct json_object *v = NULL;
  if (o && json_object_is_type(o, json_type_object))
    json_object_object_get_ex(o, key, &v);
  return v;
}

static struct json_object *walk(struct json_object *o, va_list ap)
{
  const char *key;
  while (o && (key = va_arg(ap, const char *)) != NULL)
    o = jobj_get(o, key);
  return o;
}

struct json_object *jobj_path(struct json_object *o, ...)
{
  va_list ap;
  va_start(ap, o);
  o = walk(o, ap);
  va_end(ap);
  return o;
}

const char *jobj_path_str(struct json_object *o, ...)
{
  va_list ap;
  va_start(ap, o);
  o = walk(o, ap);
  va_end(ap);
  return jobj_is_str(o) ? json_object_get_string(o) : NULL;
}

int jobj_is_obj(struct json_object *o)
{
  return o && json_object_is_type(o, json_type_object);
}

int jobj_is_arr(struct json_object *o)
{
  return o && json_object_is_type(o, json_type_array);
}

int jobj_is_str(struct json_object *o)
{
  return o && json_object_is_type(o, json_type_string);
}

const char *jobj_str(struct json_object *o, const char *key)
{
  struct json_object *v = jobj_get(o, key);
  return jobj_is_str(v) ? json_object_get_string(v) : NULL;
}

struct json_object *jobj_obj(struct json_object *o, const char *key)
{
  struct json_object *v = jobj_get(o, key);
  return jobj_is_obj(v) ? v : NULL;
}

struct json_object *jobj_arr(struct json_object *o, const char *key)
{
  struct json_object *v = jobj_get(o, key);
  return jobj_is_arr(v) ? v : NULL;
}

int jobj_bool(struct json_object *o, const char *key, int dflt)
{
  struct json_object *v = jobj_get(o, key);
  return v && json_object_is_type(v, json_type_boolean)
             ? json_object_get_boolean(v)
             : dflt;
}

int64_t jobj_int(struct json_object *o, const char *key, int64_t dflt)
{
  struct json_object *v = jobj_get(o, key);
  if (v && json_object_is_type(v, json_type_int))
    return json_object_get_int64(v);
  if (v && json_object_is_type(v, json_type_double))
    return (int64_t)json_object_get_double(v);
  return dflt;
}

void jobj_set(struct json_object *o, const char *key, struct json_object *v)
{
  json_object_object_add(o, key, v);
}

void jobj_set_str(struct json_object *o, const char *key, const char *v)
{
  json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

struct json_object *jobj_ensure_obj(struct json_object *o, const char *key)
{
  struct json_object *v = jobj_obj(o, key);
  if (!v) {
    v = json_object_new_object();
    json_object_object_add(o, key, v);
  }
  return v;
}

struct json_object *jobj_dup(struct json_object *o)
{
  struct json_object *copy = NULL;
  if (o && json_object_deep_copy(o, &copy, NULL) != 0)
    return NULL;
  return copy;
}

static int numbers_equal(struct json_object *a, struct json_object *b)
{
  if (json_object_is_type(a, json_type_int) &&
      json_object_is_type(b, json_type_int))
    return json_object_get_int64(a) == json_object_get_int64(b);
  return json_object_get_double(a) == json_object_get_double(b);
}

static int is_number(struct json_object *o)
{
  return json_object_is_type(o, json_type_int) ||
         json_object_is_type(o, json_type_double);
}

static int objects_equal(struct json_object *a, struct json_object *b)
{
  if (json_object_object_length(a) != json_object_object_length(b))
    return 0;
  json_object_object_foreach (a, k, va) {
    struct json_object *vb;
    if (!json_object_object_get_ex(b, k, &vb) || !jobj_equal(va, vb))
      return 0;
  }
  return 1;
}

static int arrays_equal(struct json_object *a, struct json_object *b)
{
  size_t n = json_object_array_length(a);
  if (n != json_object_array_length(b))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!jobj_equal(json_object_array_get_idx(a, i),
                    json_object_array_get_idx(b, i)))
      return 0;
  return 1;
}

int jobj_equal(struct json_object *a, struct json_object *b)
{
  if (!a || !b)
    return a == b;
  if (is_number(a) && is_number(b))
    return numbers_equal(a, b);
  if (json_object_get_type(a) != json_object_get_type(b))
    return 0;
  switch (json_object_get_type(a)) {
  case json_type_boolean:
    return json_object_get_boolean(a) == json_object_get_boolean(b);
  case json_type_string:
    return json_object_get_string_len(a) == json_object_get_string_len(b) &&
           memcmp(json_object_get_string(a), json_object_get_string(b),
                  (size_t)json_object_get_string_len(a)) == 0;
  case json_type_object:
    return objects_equal(a, b);
  case json_type_array:
    return arrays_equal(a, b);
  default:
    return 1;
  }
}
