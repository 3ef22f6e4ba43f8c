/* tmpl: Go's text/template language, executed on json-c values.
 *
 * Helm renders charts with Go's text/template plus Sprig's and its own
 * functions; Istio's charts depend on the exact rules (missing keys, nil
 * pointers, kind checks of eq, printing of floats and maps). This module is
 * the language: lexer, parser, executor, the value model and a registry of
 * functions that other files extend (Sprig, Helm's include/tpl).
 *
 * Values. A value is a `struct json_object *`; NULL is Go's nil. Maps and
 * lists are json-c objects and arrays shared by reference, as Go's maps and
 * slices are: a function that mutates a map (Helm's set, mergeOverwrite) is
 * seen by every later reader. Plain json-c values stand for the types a
 * values file holds: object = map[string]interface{}, array = []interface{},
 * string, bool, double = float64, int = Go's int. Other Go types ride in
 * json-c's userdata slot as a `const struct tmpl_type *` tag (see
 * tmpl_val_set_type): int64, []string, map[string]string, []byte, named map
 * types such as chartutil.Values, and struct-like natives (Helm's
 * .Capabilities, .Chart, .Files) whose fields are the object's keys and whose
 * methods are C functions in the type. The tag is only read by this module:
 * kyaml, kjson and yamlout see ordinary json-c values.
 *
 * A parsed set is immutable while it executes, but execution takes and drops
 * references on shared json-c values, and json-c's reference counts are not
 * atomic: run one execution per set at a time (separate sets and separate
 * data may run in parallel threads). */
#ifndef IOP_TMPL_H
#define IOP_TMPL_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Types ---------------------------------------------------------- */

/* Go's reflect.Kind, reduced to what templates can observe. */
enum tmpl_kind {
  TMPL_KIND_INVALID = 0,
  TMPL_KIND_BOOL,
  TMPL_KIND_INT,  /* int, int64, ... */
  TMPL_KIND_UINT, /* uint8 (elements of []byte) */
  TMPL_KIND_FLOAT,
  TMPL_KIND_STRING,
  TMPL_KIND_SLICE,
  TMPL_KIND_MAP,
  TMPL_KIND_STRUCT, /* a struct value: fields are the object's keys */
  TMPL_KIND_PTR,    /* a pointer to a struct: same, printed with & */
  TMPL_KIND_FUNC,
};

struct tmpl_func;

/* A Go type for values json-c cannot tell apart. Static and immutable. */
struct tmpl_type {
  const char *name; /* as %T prints it: "int64", "chartutil.Values" */
  enum tmpl_kind kind;
  /* Element type for slices and maps when it is not interface{}: the
   * zero value of a missing key ("" for map[string]string). */
  enum tmpl_kind elem;
  const char *elem_name; /* "string" for []string; NULL: interface {} */
  /* Struct-like types: methods, looked up before fields (as Go does). */
  const struct tmpl_func *methods;
  size_t nmethods;
  /* A String() method with a pointer receiver: Go uses it when an action
   * prints the value ({{ .Capabilities.KubeVersion }}), not inside fmt's
   * verbs. NULL: none. */
  int (*action_string)(struct buf *b, struct json_object *o);
  /* Struct-like types: the key of an embedded struct whose fields and
   * methods are promoted (Go's struct { chart.Metadata; IsRoot bool }).
   * NULL: none. */
  const char *embedded;
  /* A String() method in the value's method set (time.Time, a pointer to
   * semver.Version): fmt's %v, %s and %q, print and Sprig's toString use
   * it, inside containers too. NULL: none. */
  int (*stringer)(struct buf *b, struct json_object *o);
  /* The nil value of a slice type (a json array that stays empty): it
   * prints and tests as empty, but JSON and YAML show it as null. */
  int is_nil;
  /* For toJson/toYaml: the value json.Marshal sees (a MarshalJSON method,
   * []byte as base64). NULL: the json-c value as it is. Returns a new
   * reference in *out (NULL for null). */
  int (*to_json)(struct json_object *o, struct json_object **out);
};

/* The tags this module knows. A value without a tag has the type its
 * json-c type implies (see the header comment). */
extern const struct tmpl_type tmpl_type_int64;
extern const struct tmpl_type tmpl_type_strings;  /* []string */
extern const struct tmpl_type tmpl_type_strmap;   /* map[string]string */
extern const struct tmpl_type tmpl_type_bytes;    /* []uint8, a json string */
extern const struct tmpl_type tmpl_type_uint8;    /* a byte, a json int */
extern const struct tmpl_type tmpl_type_values;   /* chartutil.Values */
extern const struct tmpl_type tmpl_type_ints;     /* []int */
extern const struct tmpl_type tmpl_type_uint64;   /* uint64, a json int */
extern const struct tmpl_type tmpl_type_nil_list; /* []interface {}(nil) */
extern const struct tmpl_type tmpl_type_nil_strings; /* []string(nil) */
extern const struct tmpl_type tmpl_type_time; /* time.Time (tmpl_sprig) */

/* Tags o (which must not be NULL) with t; NULL removes the tag. */
void tmpl_val_set_type(struct json_object *o, const struct tmpl_type *t);
/* The tag, or NULL for an untagged value. */
const struct tmpl_type *tmpl_val_type(const struct json_object *o);
/* Go's kind of o (NULL is TMPL_KIND_INVALID). */
enum tmpl_kind tmpl_val_kind(const struct json_object *o);
/* Go's %T of o: "map[string]interface {}", "float64", "<nil>". */
const char *tmpl_val_type_name(const struct json_object *o);

/* New values with a Go type (a new reference each). */
struct json_object *tmpl_val_int(int64_t v);   /* Go int */
struct json_object *tmpl_val_int64(int64_t v); /* Go int64 */
struct json_object *tmpl_val_str(const char *s, size_t n);
/* Go's truth: false, 0, "", nil and empty maps and lists are false. */
int tmpl_val_truth(const struct json_object *o);

/* A deep copy that keeps type tags (sprig's deepCopy). -ENOMEM, or -ELOOP
 * for nesting deeper than TMPL_MAX_NESTING (a map that contains itself,
 * made with set or mergeOverwrite). */
int tmpl_val_deep_copy(struct json_object *o, struct json_object **out);

/* How deep functions walk nested values (deepCopy, toJson, merge). */
#define TMPL_MAX_NESTING 1000

/* ---- Values as the executor passes them ------------------------------ */

/* Go's reflect.Value: "no value" (a missing key after a pipeline), a value
 * stored in an interface{} slot (possibly nil), or a value of its own type. */
enum tmpl_vstate {
  TMPL_V_INVALID = 0, /* prints "<no value>" */
  TMPL_V_IFACE,       /* o read from a map/list of interface{}; may be NULL */
  TMPL_V_CONCRETE,    /* o has its own type; never NULL */
};

struct tmpl_value {
  struct json_object *o;
  enum tmpl_vstate st;
};

/* ---- Functions -------------------------------------------------------- */

struct tmpl_call;

/* A function gets its arguments checked and converted as Go would for the
 * declared parameter types, and returns 0 with *out set (out->o is a new
 * reference; out->st defaults to TMPL_V_IFACE when out->o is NULL and to
 * TMPL_V_CONCRETE otherwise), or a negative errno after tmpl_call_errorf. */
typedef int (*tmpl_fn)(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out);

/* Parameter types, one letter each in tmpl_func.params:
 *   a  interface{}: anything, nil included
 *   v  reflect.Value: anything, and "no value" stays visible (and, eq, len)
 *   s  string     i  int     I  int64     f  float64     b  bool
 *   m  map[string]interface{}     l  []interface{}     t  time.Time
 * A trailing '*' makes the letter before it variadic ("sa*" is printf). */
struct tmpl_func {
  const char *name;
  tmpl_fn fn;
  const char *params;
  void *data; /* for the function: tmpl_call_data() */
};

/* A table of named functions, looked up by the parser (a call of an unknown
 * name is a parse error, as in Go) and the executor. Go's builtins are
 * always there; names added later shadow earlier ones and the builtins. */
struct tmpl_funcs;

struct tmpl_funcs *tmpl_funcs_new(void);
void tmpl_funcs_free(struct tmpl_funcs *f);
/* Adds or replaces entries; the table keeps the pointer (use static data). */
int tmpl_funcs_add(struct tmpl_funcs *f, const struct tmpl_func *fns, size_t n);
const struct tmpl_func *tmpl_funcs_get(const struct tmpl_funcs *f,
                                       const char *name);

/* The function's own name, its data, and the execution's user pointer. */
const char *tmpl_call_name(const struct tmpl_call *c);
void *tmpl_call_data(const struct tmpl_call *c);
void *tmpl_call_user(const struct tmpl_call *c);
/* The execution's output ceiling: functions that build big strings
 * (repeat, indent, seq) fail rather than exceed it. */
size_t tmpl_call_max_output(const struct tmpl_call *c);
/* The receiver of a method call (NULL for functions). */
struct json_object *tmpl_call_recv(const struct tmpl_call *c);
/* Sets the error a failing function returns; Go's executor reports it as
 * `error calling NAME: MSG`. Returns -EINVAL. */
int tmpl_call_errorf(struct tmpl_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Template sets ---------------------------------------------------- */

struct tmpl_set;

struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs);
void tmpl_set_free(struct tmpl_set *s);
/* Go's Delims; NULL or "" restores {{ and }}. Applies to later parses. */
int tmpl_set_delims(struct tmpl_set *s, const char *left, const char *right);
/* Go's t.New(name).Parse(text): parses text as template `name`, plus the
 * templates it defines. A later definition of a name replaces an earlier
 * one unless its body is empty (as Go's associate does); two non-empty
 * definitions in one text are an error. Errors read as Go's:
 * "template: NAME:LINE: unexpected ...". */
int tmpl_set_parse(struct tmpl_set *s, const char *name, const char *text,
                   size_t len, struct err *e);
/* Whether name is defined with a body. */
int tmpl_set_has(const struct tmpl_set *s, const char *name);

/* ---- Execution -------------------------------------------------------- */

#define TMPL_DEFAULT_MAX_DEPTH 1000
#define TMPL_DEFAULT_MAX_OUTPUT ((size_t)64 << 20)

struct tmpl_exec_opts {
  size_t max_output; /* bytes, 0: TMPL_DEFAULT_MAX_OUTPUT */
  int max_depth;     /* nested template/include calls, 0: default */
  void *user;        /* for functions: tmpl_call_user() */
  /* The set's name in "no template X associated with template Y" (Helm:
   * "gotpl"); NULL: the executed template's name. */
  const char *root_name;
};

/* Executes template `name` with data as dot and $, appending to out. On
 * error, out holds what was written before it and e reads as Go's:
 * `template: FILE:LINE:COL: executing "NAME" at <NODE>: MESSAGE`. */
int tmpl_execute(struct tmpl_set *s, const char *name, struct json_object *data,
                 const struct tmpl_exec_opts *opts, struct buf *out,
                 struct err *e);

/* Helm's post-processing of a rendered file: "<no value>" becomes "". */
void tmpl_strip_no_value(struct buf *b);

/* For functions that run templates (Helm's include and tpl): executes
 * `name` from the set being executed, with dot as data, into out, one
 * level deeper (the depth ceiling applies). */
int tmpl_call_template(struct tmpl_call *c, const char *name,
                       struct tmpl_value dot, struct buf *out);
/* Parses text as a template named `name` in a scratch layer over the
 * executing set (its defines are visible only inside this call, as with
 * Helm's cloned set) and executes it with dot. A parse error returns
 * -EBADMSG, an execution error -EINVAL (see tmpl_call_message). */
int tmpl_call_text(struct tmpl_call *c, const char *name, const char *text,
                   size_t len, struct tmpl_value dot, struct buf *out);
/* The message of the error the last tmpl_call_* call returned. */
const char *tmpl_call_message(const struct tmpl_call *c);
/* The name of the template being executed (Go's .Name() of the state). */
const char *tmpl_call_template_name(const struct tmpl_call *c);

/* ---- Printing as Go's fmt does ---------------------------------------- */

/* fmt.Sprint / Sprintln / Sprintf over values. */
int tmpl_sprint(struct buf *b, int argc, const struct tmpl_value *argv);
int tmpl_sprintln(struct buf *b, int argc, const struct tmpl_value *argv);
int tmpl_sprintf(struct buf *b, const char *fmt, size_t fmtlen, int argc,
                 const struct tmpl_value *argv);
/* strconv.Quote. */
int tmpl_quote(struct buf *b, const char *s, size_t n);

#endif
