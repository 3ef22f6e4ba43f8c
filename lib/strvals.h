/* strvals: Helm's command-line values (--set, --set-string, --set-json,
 * --set-file, --set-literal) and how `helm template` merges them with -f
 * files (helm pkg/strvals, pkg/cli/values).
 *
 * `a.b=c,d[0]=e,f={x,y}` builds nested maps and lists; `\` escapes the
 * next character (`a\.b=1` is the key "a.b"); --set types its values as
 * Helm does (true/false/null, int64 without a leading zero, else string).
 * Values are json-c trees with the tmpl module's Go types (an int64 is a
 * json int tagged tmpl_type_int64, a YAML number a double). Errors read as
 * Helm's ("key \"a\" has no value"). */
#ifndef IOP_STRVALS_H
#define IOP_STRVALS_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>

enum strvals_kind {
  STRVALS_SET = 0, /* --set: typed values */
  STRVALS_STRING,  /* --set-string: every value a string */
  STRVALS_JSON,    /* --set-json: each value a JSON text */
  STRVALS_FILE,    /* --set-file: each value a file name, read as a string */
  STRVALS_LITERAL, /* --set-literal: one key, the rest verbatim */
};

/* Helm's ceilings: list indexes and key nesting. */
#define STRVALS_MAX_INDEX 65536
#define STRVALS_MAX_NESTING 30
/* Files read by --set-file and -f. */
#define STRVALS_MAX_FILE ((size_t)32 << 20)

/* Parses s into dest (a map, changed in place), as strvals.ParseInto and
 * friends do. On error dest keeps what was set before it. */
int strvals_parse_into(const char *s, struct json_object *dest,
                       enum strvals_kind kind, struct err *e);

/* Helm's values.Options: -f files, then each kind of flag in Helm's fixed
 * order (json, set, string, file, literal), whatever the command-line
 * order. */
struct strvals_opts {
  const char *const *files; /* "-" is stdin */
  size_t nfiles;
  const char *const *flags[5]; /* indexed by enum strvals_kind */
  size_t nflags[5];
};

/* The merged user values (a new map). Errors read as Helm's
 * ("failed parsing --set data: ..."). */
int strvals_merge_values(const struct strvals_opts *o, struct json_object **out,
                         struct err *e);

/* Helm's mergeMaps: a new map with a's entries and b's on top, maps
 * merged recursively (new maps), everything else replaced. NULL on
 * ENOMEM. */
struct json_object *strvals_merge_maps(struct json_object *a,
                                       struct json_object *b);

/* sigs.k8s.io/yaml.Unmarshal into a map[string]interface{}, as Helm reads
 * a values file: the first document only, every number a float64; an empty
 * or null document is an empty map, any other non-map an error. */
int strvals_yaml_map(const char *text, size_t len, const char *name,
                     struct json_object **out, struct err *e);

/* The message go-yaml v2 gives for text whose first document does not
 * parse ("yaml: line 3: mapping values are not allowed in this context"),
 * appended to out; 0 when libyaml accepts the first document. */
int strvals_goyaml_error(const char *text, size_t len, struct buf *out);

#endif
