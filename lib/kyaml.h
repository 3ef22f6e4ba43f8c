/* kyaml: Kubernetes YAML read into json-c values, as sigs.k8s.io/yaml does.
 *
 * That is go-yaml v2's YAML 1.1 reading (yes/no/on/off are booleans, 0777
 * is octal, timestamps stay strings, `<<` merges, duplicate keys: last
 * wins) followed by a trip through JSON (keys become strings, numbers keep
 * or lose their integer type depending on the decoder, see kyaml_numbers).
 *
 * Like sigs.k8s.io/yaml.Unmarshal, a text yields its first document: what
 * follows a "..." end marker, or content dedented past the root collection,
 * is never read (Helm and kubectl drop it too).
 *
 * Every error names the place: "name:line:col: what was found/expected".
 * Input size, nesting depth, node count, memory and alias expansion are
 * bounded (aliases as go-yaml bounds them: "excessive aliasing"). */
#ifndef IOP_KYAML_H
#define IOP_KYAML_H

#include "err.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define KYAML_DEFAULT_MAX_BYTES ((size_t)32 << 20)
#define KYAML_DEFAULT_MAX_DEPTH 1000
#define KYAML_DEFAULT_MAX_NODES ((size_t)4 << 20)
#define KYAML_DEFAULT_MAX_MEMORY ((size_t)1 << 30)

/* How numbers come out, after the JSON step. */
enum kyaml_numbers {
  /* apimachinery's Unstructured: an integral number is an int64, others are
   * doubles (1.0 becomes the int 1, as JSON prints it "1"). For objects. */
  KYAML_NUMBERS_UNSTRUCTURED = 0,
  /* encoding/json into interface{}: every number is a double. This is how
   * Helm and istioctl read values files and fromYaml reads text. */
  KYAML_NUMBERS_FLOAT,
};

struct kyaml_opts {
  const char *name; /* for messages: a file name or "<stdin>" */
  enum kyaml_numbers numbers;
  size_t max_bytes;  /* 0: KYAML_DEFAULT_MAX_BYTES */
  int max_depth;     /* 0: KYAML_DEFAULT_MAX_DEPTH */
  size_t max_nodes;  /* 0: KYAML_DEFAULT_MAX_NODES, aliases expanded */
  int first_line;    /* line number of the text's first line; 0: 1 */
  size_t max_memory; /* 0: KYAML_DEFAULT_MAX_MEMORY, an estimate of
                        what one document's tree costs */
  /* Read with libyaml alone, never with our faster scanner of block-style
   * YAML (the tests compare the two). */
  int libyaml_only;
  /* 0: keep the whole tree. Else a read may leave out the collections
   * nested deeper than this many levels, putting an empty collection of
   * the same kind in their place; they are still read and checked, so
   * every error still comes. For callers that look at the top of a
   * document only, as Helm's SimpleHead does. */
  int keep_depth;
};

/* Parses the first document of text (no splitting on `---` lines: a
 * second document is ignored). Empty text, or only comments, gives
 * *out == NULL (YAML null), as does a document that is `null`. */
int kyaml_parse(const char *text, size_t len, const struct kyaml_opts *opts,
                struct json_object **out, struct err *e);

/* Called for each document; takes ownership of doc (which may be NULL for
 * an explicit null document). line is where the document starts. A nonzero
 * return stops the walk and is returned. */
typedef int (*kyaml_doc_cb)(struct json_object *doc, int line, void *data);

/* Parses every document of a stream. Documents are split on lines that
 * start with `---`, as kubectl, Helm and istioctl split them ("--- x"
 * starts a document holding x; "---x" is dropped; %YAML and %TAG lines stay
 * with the document that follows them); each part gives its first
 * document, and parts that hold nothing but blanks and comments are
 * skipped. */
int kyaml_parse_each(const char *text, size_t len,
                     const struct kyaml_opts *opts, kyaml_doc_cb cb, void *data,
                     struct err *e);

/* Same, collecting the non-null documents into a new JSON array. */
int kyaml_parse_all(const char *text, size_t len, const struct kyaml_opts *opts,
                    struct json_object **docs, struct err *e);

/* The raw parts of a stream, split as kyaml_parse_each does. With trim, each
 * part has leading and trailing whitespace removed (istioctl's SplitString)
 * and empty parts are skipped. */
typedef int (*kyaml_part_cb)(const char *part, size_t len, int first_line,
                             void *data);
int kyaml_split(const char *text, size_t len, int trim, kyaml_part_cb cb,
                void *data);

/* The type YAML 1.1 gives an untagged plain scalar (go-yaml v2's resolve). */
enum kyaml_tag {
  KYAML_TAG_STR,
  KYAML_TAG_NULL,
  KYAML_TAG_BOOL,
  KYAML_TAG_INT,   /* fits int64: .i */
  KYAML_TAG_UINT,  /* above int64, fits uint64: .u */
  KYAML_TAG_FLOAT, /* .f, may be inf or nan */
  KYAML_TAG_TIMESTAMP,
  KYAML_TAG_MERGE, /* "<<" */
};

struct kyaml_scalar {
  enum kyaml_tag tag;
  int b;
  int64_t i;
  uint64_t u;
  double f;
};

enum kyaml_tag kyaml_resolve(const char *s, size_t n, struct kyaml_scalar *out);

/* True when go-yaml v2 quotes s for looking like a YAML 1.1 base-60 float
 * ("1:20"), although it reads such text back as a string. */
int kyaml_is_base60_float(const char *s, size_t n);

#endif
