/* kjson: JSON text in and out, with Go's encoding/json rules on output.
 *
 * Values are json-c objects: NULL is JSON null, int64 and double are kept
 * apart. Output matches what Go's json.Marshal / MarshalIndent print for a
 * map[string]any tree: keys sorted bytewise, HTML-safe escaping, Go's float
 * format. That is what Kubernetes, Helm's toJson and istioctl print. */
#ifndef IOP_KJSON_H
#define IOP_KJSON_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define KJSON_MAX_DEPTH 1000

enum kjson_write_flags {
  KJSON_INDENT = 1 << 0,         /* MarshalIndent with "" and two spaces */
  KJSON_NO_HTML_ESCAPE = 1 << 1, /* keep < > & as they are */
};

/* Appends the JSON text of o to b. Fails with -EINVAL on NaN or Inf (as Go
 * does) or -E2BIG when b's ceiling is reached. */
int kjson_write(struct buf *b, struct json_object *o, int flags, struct err *e);

/* Parses one JSON value (null gives *out == NULL) with encoding/json's
 * grammar: integers that fit int64 are ints (as Kubernetes' Unstructured
 * keeps them), other numbers doubles, a number beyond the double range an
 * error; invalid UTF-8 and lone surrogates read as U+FFFD; duplicate keys:
 * the last wins; an object key holding \u0000 is refused (json-c keys are
 * C strings). Errors name the line and column in Go's words; nesting
 * deeper than KJSON_MAX_DEPTH is an error. `name` is used in messages (a
 * file name or "response body"). */
int kjson_parse(const char *s, size_t n, const char *name,
                struct json_object **out, struct err *e);

/* The UTF-8 character at s (at most n bytes) as Go's utf8.DecodeRune reads
 * it: returns its length (1 to 4) and sets *cp, or returns 0 when the bytes
 * are not valid UTF-8 (overlong, surrogate, past U+10FFFF, cut short); Go
 * then reads one byte as U+FFFD. n must be at least 1. */
size_t kjson_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Appends code point cp (at most U+10FFFF) as UTF-8. */
int kjson_utf8_encode(struct buf *b, uint32_t cp);

/* The value of a double as Go prints it in JSON (for callers that format
 * numbers inside other text). */
size_t kjson_format_double(char *out, size_t cap, double v);

#endif
