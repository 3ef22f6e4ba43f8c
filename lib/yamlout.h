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

/* Appends one document (ending in a newline, no "---") to b. Fails, as
 * sigs.k8s.io/yaml.Marshal does, on NaN or infinite numbers (the JSON
 * step), on strings holding characters YAML's reader refuses (U+007F, C1
 * controls, U+FFFE/FFFF) and on keys go-yaml cannot read back as simple
 * keys (a NEL, or more than 1024 characters of JSON); also past 1000 levels
 * of nesting or b's ceiling. On failure b is left as it was. */
int yamlout_write(struct buf *b, struct json_object *o, struct err *e);

/* go-yaml v2's ordering of string map keys (sorter.go: digit runs compare
 * as numbers, non-letters before letters, Unicode 15 letter and digit
 * classes): negative, zero or positive. For some key sets the order is
 * cyclic; Go's output then depends on map iteration, and so can ours. */
int yamlout_key_cmp(const char *a, const char *b);

#endif
