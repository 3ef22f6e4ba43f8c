/* yamlout: YAML text as sigs.k8s.io/yaml.Marshal prints it.
 *
 * That is: the value goes through JSON first (integral floats become ints,
 * other floats print in Go's shortest form, invalid UTF-8 becomes U+FFFD),
 * then go-yaml v2 prints it: block style, two-space indent, sequences under
 * a key not indented, keys in go-yaml's "natural" order, strings quoted
 * exactly when a YAML 1.1 reader would otherwise change their type, literal
 * blocks for multi-line text, long scalars folded at 80 columns.
 *
 * Kubernetes tools, Helm's toYaml and istioctl all print this way, so our
 * output can be compared with theirs byte for byte. */
#ifndef IOP_YAMLOUT_H
#define IOP_YAMLOUT_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>

/* Appends one document (ending in a newline, no "---") to b. Fails with
 * -EINVAL on NaN or infinite numbers, as the JSON step does. */
int yamlout_write(struct buf *b, struct json_object *o, struct err *e);

/* go-yaml v2's ordering of map keys: negative, zero or positive. */
int yamlout_key_cmp(const char *a, const char *b);

#endif
