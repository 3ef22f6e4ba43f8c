/* tmpl_exec: runs parsed templates over json-c data, with Go's rules.
 *
 * The executor mirrors Go's exec.go: values carry Go's three states (no
 * value, a value in an interface{} slot, a typed value), a pipeline's
 * result is "dug down" out of its interface, a missing map key gives the
 * zero value (missingkey=zero, as Helm sets it) while a field of a nil
 * interface is the error "nil pointer evaluating interface {}.x", and
 * function arguments are checked against the declared parameter types with
 * Go's messages. Errors carry Go's context: template, line, column, the
 * node as written.
 *
 * Every struct tmpl_value held here owns one reference to its json-c
 * object; val_drop releases it. */
#include "tmpl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALK_BREAK 1
#define WALK_CONTINUE 2
#define V_UNSET ((enum tmpl_vstate)99)
/* Set to 1 to follow Go 1.24+, where range over an int counts 0..n-1. */
#define TMPL_RANGE_OVER_INT 0

struct var {
  const char *name;
  struct tmpl_value v;
};

struct exec {
  struct tmpl_set *set;
  const struct tmpl_exec_opts *opts;
  struct buf *out;
  struct err *e;
  struct var *vars;
  int nvars, capvars, var_base;
  int depth, max_depth;
  size_t max_output;
  const char *root_name;
  const struct tmpl__tree *tmpl; /* executing template */
  const struct tmpl__node *node; /* current node, for errors */
  size_t nested; /* containers stored inside others, see tmpl__call_nest */
};

struct tmpl_call {
  struct exec *x;
  const struct tmpl_func *fn;
  const char *name;
  struct json_object *recv;
  char msg[ERR_MSG_MAX];
};

static const struct tmpl_value invalid = {NULL, TMPL_V_INVALID};

static void val_drop(struct tmpl_value *v)
{
  json_object_put(v->o);
  v->o = NULL;
  v->st = TMPL_V_INVALID;
}

static struct tmpl_value val_ref(struct json_object *o, enum tmpl_vstate st)
{
  struct tmpl_value v = {json_object_get(o), st};
  return v;
}

static struct tmpl_value val_dup(const struct tmpl_value *v)
{
  return val_ref(v->o, v->st);
}

/* ---- Errors ---- */

static void at(struct exec *x, const void *node)
{
  x->node = node;
}

static int xerrorf(struct exec *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Go's state.errorf: the location and the node as written come first. */
static int xerrorf(struct exec *x, const char *fmt, ...)
{
  char msg[ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *name = x->tmpl ? x->tmpl->name : x->root_name;
  if (!x->node || !x->tmpl)
    return err_set(x->e, -EINVAL, "template: %s: %s", name, msg);
  const struct tmpl__src *src = x->tmpl->src;
  uint32_t pos = x->node->pos;
  int line = 1;
  uint32_t col = pos;
  for (uint32_t i = 0; i < pos && i < src->len; i++)
    if (src->text[i] == '\n') {
      line++;
      col = pos - i - 1;
    }
  struct buf ctx;
  buf_init(&ctx, ERR_MSG_MAX);
  tmpl__node_str(&ctx, x->node, src);
  err_set(x->e, -EINVAL, "template: %s:%d:%u: executing \"%s\" at <%s>: %s",
          src->name, line, (unsigned)col, name, ctx.data ? ctx.data : "", msg);
  buf_free(&ctx);
  return -EINVAL;
}

static int nomem(struct exec *x)
{
  return err_set(x->e, -ENOMEM, "template: out of memory");
}

static int write_out(struct exec *x, const char *s, size_t n)
{
  int rc = buf_append(x->out, s, n);
  if (rc == -E2BIG)
    return xerrorf(x, "output exceeds the limit of %zu bytes", x->max_output);
  return rc ? nomem(x) : 0;
}

/* ---- Variables ---- */

static int push_var(struct exec *x, const char *name, struct tmpl_value v)
{
  if (x->nvars == x->capvars) {
    int cap = x->capvars ? x->capvars * 2 : 32;
    struct var *nv = realloc(x->vars, (size_t)cap * sizeof *nv);
    if (!nv) {
      val_drop(&v);
      return nomem(x);
    }
    x->vars = nv;
    x->capvars = cap;
  }
  x->vars[x->nvars].name = name;
  x->vars[x->nvars++].v = v;
  return 0;
}

static void pop_vars(struct exec *x, int mark)
{
  while (x->nvars > mark)
    val_drop(&x->vars[--x->nvars].v);
}

static struct var *find_var(struct exec *x, const char *name)
{
  for (int i = x->nvars - 1; i >= x->var_base; i--)
    if (strcmp(x->vars[i].name, name) == 0)
      return &x->vars[i];
  return NULL;
}

/* Takes v. */
static int set_var(struct exec *x, const char *name, struct tmpl_value v)
{
  struct var *var = find_var(x, name);
  if (!var) {
    val_drop(&v);
    return xerrorf(x, "undefined variable: %s", name);
  }
  val_drop(&var->v);
  var->v = v;
  return 0;
}

/* ---- Values ---- */

/* Go's indirectInterface: the value inside an interface, or no value. */
static struct tmpl_value unwrap_iface(const struct tmpl_value *v)
{
  if (v->st == TMPL_V_IFACE)
    return v->o ? val_ref(v->o, TMPL_V_CONCRETE) : invalid;
  return val_dup(v);
}

static int truth(const struct tmpl_value *v)
{
  return v->st != TMPL_V_INVALID && tmpl_val_truth(v->o);
}

/* The type Go would name in a message about v. */
static const char *static_type(const struct tmpl_value *v)
{
  return v->st == TMPL_V_IFACE ? "interface {}" : tmpl_val_type_name(v->o);
}

/* The state of an element read from a container: interface{} slots give
 * interface values, typed ones (map[string]string) concrete values. */
static enum tmpl_vstate elem_state(const struct json_object *container,
                                   const struct json_object *elem)
{
  const struct tmpl_type *t = tmpl_val_type(container);
  int iface = !t || !t->elem_name;
  if (iface)
    return TMPL_V_IFACE;
  return elem ? TMPL_V_CONCRETE : TMPL_V_IFACE;
}

static int value_str(struct buf *b, const struct tmpl_value *v)
{
  if (v->st == TMPL_V_INVALID)
    return buf_puts(b, "<invalid reflect.Value>");
  return tmpl_sprint(b, 1, v);
}

/* ---- Evaluation ---- */

static int eval_pipeline(struct exec *x, const struct tmpl_value *dot,
                         const struct tmpl__pipe *pipe, struct tmpl_value *out);
static int eval_arg(struct exec *x, const struct tmpl_value *dot, char ptype,
                    const struct tmpl__node *n, struct tmpl_value *out);
static int eval_call(struct exec *x, const struct tmpl_value *dot,
                     const struct tmpl_func *fn, struct json_object *recv,
                     const struct tmpl__node *node, const char *name,
                     const struct tmpl__node *args, int nargs,
                     const struct tmpl_value *final, struct tmpl_value *out);

static int not_a_function(struct exec *x, const struct tmpl__node *args,
                          int nargs, const struct tmpl_value *final)
{
  if (nargs <= 1 && !final)
    return 0;
  struct buf b;
  buf_init(&b, ERR_MSG_MAX);
  tmpl__node_str(&b, args, x->tmpl->src);
  int rc = xerrorf(x, "can't give argument to non-function %s",
                   b.data ? b.data : "");
  buf_free(&b);
  return rc;
}

static int is_hex_int(const char *s, size_t n)
{
  if (n <= 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return 0;
  return !memchr(s, 'p', n) && !memchr(s, 'P', n);
}

/* Go's idealConstant: an untyped number becomes an int or a float64. */
static int ideal_constant(struct exec *x, const struct tmpl__number *num,
                          struct tmpl_value *out)
{
  at(x, num);
  int floaty = 0;
  for (size_t i = 0; i < num->len; i++)
    floaty |= strchr(".eEpP", num->text[i]) != NULL;
  struct json_object *o = NULL;
  if (num->is_float && !is_hex_int(num->text, num->len) && !num->is_char &&
      floaty) {
    o = json_object_new_double(num->f);
  } else if (num->is_int) {
    o = json_object_new_int64(num->i);
  } else if (num->is_uint) {
    return xerrorf(x, "%.*s overflows int", (int)num->len, num->text);
  } else {
    *out = invalid;
    return 0;
  }
  if (!o)
    return nomem(x);
  *out = val_ref(o, TMPL_V_CONCRETE);
  json_object_put(o);
  return 0;
}

static int method_lookup(const struct json_object *o, const char *name,
                         const struct tmpl_func **fn)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  *fn = NULL;
  for (size_t i = 0; t && i < t->nmethods; i++)
    if (strcmp(t->methods[i].name, name) == 0)
      *fn = &t->methods[i];
  return *fn != NULL;
}

/* The struct that holds field or method `name` of o: o itself or an
 * embedded struct (Go promotes their fields and methods); NULL if none. */
static struct json_object *promoted(struct json_object *o, const char *name,
                                    const struct tmpl_func **method)
{
  for (int depth = 0; o && depth < 8; depth++) {
    if (method_lookup(o, name, method))
      return o;
    enum tmpl_kind k = tmpl_val_kind(o);
    if (k != TMPL_KIND_STRUCT && k != TMPL_KIND_PTR)
      return NULL;
    if (json_object_object_get_ex(o, name, NULL))
      return o;
    const struct tmpl_type *t = tmpl_val_type(o);
    struct json_object *inner = NULL;
    if (!t || !t->embedded ||
        !json_object_object_get_ex(o, t->embedded, &inner))
      return NULL;
    o = inner;
  }
  return NULL;
}

static int map_field(struct exec *x, struct json_object *m, const char *name,
                     int has_args, struct tmpl_value *out)
{
  if (has_args)
    return xerrorf(x, "%s is not a method but has arguments", name);
  struct json_object *v;
  if (json_object_object_get_ex(m, name, &v)) {
    *out = val_ref(v, elem_state(m, v));
    return 0;
  }
  struct json_object *zero = tmpl__zero_elem(m);
  *out = val_ref(zero, zero ? TMPL_V_CONCRETE : TMPL_V_IFACE);
  json_object_put(zero);
  return 0;
}

/* Go's evalField: a method, a struct field or a map key of receiver. */
static int eval_field(struct exec *x, const struct tmpl_value *dot,
                      const char *name, const struct tmpl__node *node,
                      const struct tmpl__node *args, int nargs,
                      const struct tmpl_value *final,
                      const struct tmpl_value *receiver, struct tmpl_value *out)
{
  *out = invalid;
  if (receiver->st == TMPL_V_INVALID) {
    *out = invalid;
    return 0;
  }
  const char *typ = static_type(receiver);
  struct json_object *o = receiver->o;
  if (!o)
    return xerrorf(x, "nil pointer evaluating %s.%s", typ, name);
  const struct tmpl_func *method;
  struct json_object *owner = promoted(o, name, &method);
  if (method)
    return eval_call(x, dot, method, owner, node, name, args, nargs, final,
                     out);
  int has_args = nargs > 1 || final;
  switch (tmpl_val_kind(o)) {
  case TMPL_KIND_STRUCT:
  case TMPL_KIND_PTR: {
    struct json_object *v;
    if (!owner || !json_object_object_get_ex(owner, name, &v))
      break;
    if (has_args)
      return xerrorf(x, "%s has arguments but cannot be invoked as function",
                     name);
    *out = val_ref(v, v ? TMPL_V_CONCRETE : TMPL_V_IFACE);
    return 0;
  }
  case TMPL_KIND_MAP:
    return map_field(x, o, name, has_args, out);
  default:
    break;
  }
  return xerrorf(x, "can't evaluate field %s in type %s", name, typ);
}

static int eval_field_chain(struct exec *x, const struct tmpl_value *dot,
                            const struct tmpl_value *receiver,
                            const struct tmpl__node *node,
                            const char *const *fields, int nfields,
                            const struct tmpl__node *args, int nargs,
                            const struct tmpl_value *final,
                            struct tmpl_value *out)
{
  struct tmpl_value cur = val_dup(receiver);
  for (int i = 0; i < nfields - 1; i++) {
    struct tmpl_value next;
    int rc = eval_field(x, dot, fields[i], node, NULL, 0, NULL, &cur, &next);
    val_drop(&cur);
    if (rc)
      return rc;
    cur = next;
  }
  int rc = eval_field(x, dot, fields[nfields - 1], node, args, nargs, final,
                      &cur, out);
  val_drop(&cur);
  return rc;
}

static int eval_field_node(struct exec *x, const struct tmpl_value *dot,
                           const struct tmpl__field *f,
                           const struct tmpl__node *args, int nargs,
                           const struct tmpl_value *final,
                           struct tmpl_value *out)
{
  at(x, f);
  return eval_field_chain(x, dot, dot, &f->h, f->fields, f->nfields, args,
                          nargs, final, out);
}

static int eval_chain_node(struct exec *x, const struct tmpl_value *dot,
                           const struct tmpl__chain *c,
                           const struct tmpl__node *args, int nargs,
                           const struct tmpl_value *final,
                           struct tmpl_value *out)
{
  at(x, c);
  if (c->node->type == TN_NIL) {
    struct buf b;
    buf_init(&b, ERR_MSG_MAX);
    tmpl__node_str(&b, &c->h, x->tmpl->src);
    int rc = xerrorf(x, "indirection through explicit nil in %s",
                     b.data ? b.data : "");
    buf_free(&b);
    return rc;
  }
  struct tmpl_value pipe;
  int rc = eval_arg(x, dot, 0, c->node, &pipe);
  if (rc)
    return rc;
  rc = eval_field_chain(x, dot, &pipe, &c->h, c->fields, c->nfields, args,
                        nargs, final, out);
  val_drop(&pipe);
  return rc;
}

static int eval_variable_node(struct exec *x, const struct tmpl_value *dot,
                              const struct tmpl__var *v,
                              const struct tmpl__node *args, int nargs,
                              const struct tmpl_value *final,
                              struct tmpl_value *out)
{
  at(x, v);
  struct var *var = find_var(x, v->name);
  if (!var)
    return xerrorf(x, "undefined variable: %s", v->name);
  if (v->nfields == 0) {
    int rc = not_a_function(x, args, nargs, final);
    if (!rc)
      *out = val_dup(&var->v);
    return rc;
  }
  struct tmpl_value base = val_dup(&var->v);
  int rc = eval_field_chain(x, dot, &base, &v->h, v->fields, v->nfields, args,
                            nargs, final, out);
  val_drop(&base);
  return rc;
}

static int eval_function(struct exec *x, const struct tmpl_value *dot,
                         const struct tmpl__ident *id,
                         const struct tmpl__node *cmd,
                         const struct tmpl__node *args, int nargs,
                         const struct tmpl_value *final, struct tmpl_value *out)
{
  at(x, id);
  return eval_call(x, dot, id->fn, NULL, cmd, id->name, args, nargs, final,
                   out);
}

static int eval_command(struct exec *x, const struct tmpl_value *dot,
                        const struct tmpl__cmd *cmd,
                        const struct tmpl_value *final, struct tmpl_value *out)
{
  const struct tmpl__node *first = cmd->args;
  *out = invalid;
  switch (first->type) {
  case TN_FIELD:
    return eval_field_node(x, dot, (const struct tmpl__field *)first, first,
                           cmd->nargs, final, out);
  case TN_CHAIN:
    return eval_chain_node(x, dot, (const struct tmpl__chain *)first, first,
                           cmd->nargs, final, out);
  case TN_IDENT:
    return eval_function(x, dot, (const struct tmpl__ident *)first, &cmd->h,
                         first, cmd->nargs, final, out);
  case TN_PIPE: {
    int rc = not_a_function(x, first, cmd->nargs, final);
    return rc ? rc
              : eval_pipeline(x, dot, (const struct tmpl__pipe *)first, out);
  }
  case TN_VAR:
    return eval_variable_node(x, dot, (const struct tmpl__var *)first, first,
                              cmd->nargs, final, out);
  default:
    break;
  }
  at(x, first);
  int rc = not_a_function(x, first, cmd->nargs, final);
  if (rc)
    return rc;
  switch (first->type) {
  case TN_BOOL: {
    struct json_object *b =
        json_object_new_boolean(((const struct tmpl__bool *)first)->val);
    if (!b)
      return nomem(x);
    *out = val_ref(b, TMPL_V_CONCRETE);
    json_object_put(b);
    return 0;
  }
  case TN_DOT:
    *out = val_dup(dot);
    return 0;
  case TN_NIL:
    return xerrorf(x, "nil is not a command");
  case TN_NUMBER:
    return ideal_constant(x, (const struct tmpl__number *)first, out);
  case TN_STRING:
    *out = val_ref(((const struct tmpl__string *)first)->val, TMPL_V_CONCRETE);
    return 0;
  default:
    return xerrorf(x, "can't evaluate command");
  }
}

static int eval_pipeline(struct exec *x, const struct tmpl_value *dot,
                         const struct tmpl__pipe *pipe, struct tmpl_value *out)
{
  *out = invalid;
  if (!pipe)
    return 0;
  at(x, pipe);
  struct tmpl_value value = invalid;
  int have = 0;
  for (const struct tmpl__node *c = pipe->cmds; c; c = c->next) {
    struct tmpl_value next;
    int rc = eval_command(x, dot, (const struct tmpl__cmd *)c,
                          have ? &value : NULL, &next);
    val_drop(&value);
    if (rc)
      return rc;
    value = unwrap_iface(&next); /* dig down out of interface{} */
    val_drop(&next);
    have = 1;
  }
  for (int i = 0; i < pipe->ndecl; i++) {
    int rc = pipe->is_assign
                 ? set_var(x, pipe->decl[i]->name, val_dup(&value))
                 : push_var(x, pipe->decl[i]->name, val_dup(&value));
    if (rc) {
      val_drop(&value);
      return rc;
    }
  }
  *out = value;
  return 0;
}

/* ---- Arguments ---- */

static const char *param_type_name(char p)
{
  switch (p) {
  case 's':
    return "string";
  case 'i':
    return "int";
  case 'I':
    return "int64";
  case 'f':
    return "float64";
  case 'b':
    return "bool";
  case 'm':
    return "map[string]interface {}";
  case 'l':
    return "[]interface {}";
  case 't':
    return "time.Time";
  case 'v':
    return "reflect.Value";
  default:
    return "interface {}";
  }
}

static int can_be_nil(char p)
{
  return p == 'a' || p == 'v' || p == 'm' || p == 'l';
}

/* Whether a value of o's dynamic type can be assigned to parameter p. */
static int assignable(const struct json_object *o, char p)
{
  const struct tmpl_type *t = tmpl_val_type(o);
  switch (p) {
  case 's':
    return !t && json_object_is_type(o, json_type_string);
  case 'i':
    return !t && json_object_is_type(o, json_type_int);
  case 'I':
    return t == &tmpl_type_int64;
  case 'f':
    return json_object_is_type(o, json_type_double);
  case 'b':
    return json_object_is_type(o, json_type_boolean);
  case 'm': /* named map types with interface{} elements are assignable */
    return json_object_is_type(o, json_type_object) &&
           (!t || (t->kind == TMPL_KIND_MAP && !t->elem_name));
  case 'l':
    return (!t || t == &tmpl_type_nil_list) &&
           json_object_is_type(o, json_type_array);
  case 't':
    return t == &tmpl_type_time;
  default:
    return 1;
  }
}

/* Go's validateType: takes v, gives what the parameter receives. */
static int validate_type(struct exec *x, struct tmpl_value v, char p,
                         struct tmpl_value *out)
{
  if (p == 0 || p == 'v') {
    *out = v;
    return 0;
  }
  if (v.st == TMPL_V_INVALID) {
    if (can_be_nil(p)) {
      *out = (struct tmpl_value){NULL, TMPL_V_IFACE};
      return 0;
    }
    return xerrorf(x, "invalid value; expected %s", param_type_name(p));
  }
  if (p == 'a' || (v.o && assignable(v.o, p))) {
    *out = v;
    if (out->o && out->st == TMPL_V_IFACE && p != 'a')
      out->st = TMPL_V_CONCRETE;
    return 0;
  }
  const char *got = v.o ? tmpl_val_type_name(v.o) : "interface {}";
  int rc = xerrorf(x, "wrong type for value; expected %s; got %s",
                   param_type_name(p), got);
  val_drop(&v);
  return rc;
}

static int literal_arg(struct exec *x, const struct tmpl_value *dot, char p,
                       const struct tmpl__node *n, struct tmpl_value *out);

static int eval_arg(struct exec *x, const struct tmpl_value *dot, char p,
                    const struct tmpl__node *n, struct tmpl_value *out)
{
  *out = invalid;
  at(x, n);
  struct tmpl_value v;
  int rc;
  switch (n->type) {
  case TN_DOT:
    return validate_type(x, val_dup(dot), p, out);
  case TN_NIL:
    if (!can_be_nil(p))
      return xerrorf(x, "cannot assign nil to %s", param_type_name(p));
    *out = (struct tmpl_value){NULL, p == 'v' ? TMPL_V_INVALID : TMPL_V_IFACE};
    return 0;
  case TN_FIELD:
    rc = eval_field_node(x, dot, (const struct tmpl__field *)n, n, 1, NULL, &v);
    break;
  case TN_VAR:
    rc = eval_variable_node(x, dot, (const struct tmpl__var *)n, NULL, 0, NULL,
                            &v);
    break;
  case TN_PIPE:
    rc = eval_pipeline(x, dot, (const struct tmpl__pipe *)n, &v);
    break;
  case TN_IDENT:
    rc = eval_function(x, dot, (const struct tmpl__ident *)n, n, NULL, 0, NULL,
                       &v);
    break;
  case TN_CHAIN:
    rc = eval_chain_node(x, dot, (const struct tmpl__chain *)n, NULL, 0, NULL,
                         &v);
    break;
  default:
    return literal_arg(x, dot, p, n, out);
  }
  return rc ? rc : validate_type(x, v, p, out);
}

static int node_found(struct exec *x, const char *want,
                      const struct tmpl__node *n)
{
  struct buf b;
  buf_init(&b, ERR_MSG_MAX);
  tmpl__node_str(&b, n, x->tmpl->src);
  int rc = xerrorf(x, "expected %s; found %s", want, b.data ? b.data : "");
  buf_free(&b);
  return rc;
}

static int new_concrete(struct exec *x, struct json_object *o,
                        struct tmpl_value *out)
{
  if (!o)
    return nomem(x);
  *out = (struct tmpl_value){o, TMPL_V_CONCRETE};
  return 0;
}

/* A constant (bool, number, string) passed as an argument of type p. */
static int literal_arg(struct exec *x, const struct tmpl_value *dot, char p,
                       const struct tmpl__node *n, struct tmpl_value *out)
{
  (void)dot;
  const struct tmpl__number *num = (const struct tmpl__number *)n;
  switch (p) {
  case 'b':
    if (n->type != TN_BOOL)
      return node_found(x, "bool", n);
    return new_concrete(
        x, json_object_new_boolean(((const struct tmpl__bool *)n)->val), out);
  case 'f':
    if (n->type != TN_NUMBER || !num->is_float)
      return node_found(x, "float", n);
    return new_concrete(x, json_object_new_double(num->f), out);
  case 'i':
  case 'I':
    if (n->type != TN_NUMBER || !num->is_int)
      return node_found(x, "integer", n);
    return new_concrete(
        x, p == 'i' ? tmpl_val_int(num->i) : tmpl_val_int64(num->i), out);
  case 's':
    if (n->type != TN_STRING)
      return node_found(x, "string", n);
    *out = val_ref(((const struct tmpl__string *)n)->val, TMPL_V_CONCRETE);
    return 0;
  case 'a':
  case 'v':
    if (n->type == TN_BOOL)
      return new_concrete(
          x, json_object_new_boolean(((const struct tmpl__bool *)n)->val), out);
    if (n->type == TN_NUMBER)
      return ideal_constant(x, num, out);
    if (n->type == TN_STRING) {
      *out = val_ref(((const struct tmpl__string *)n)->val, TMPL_V_CONCRETE);
      return 0;
    }
    break;
  default:
    break;
  }
  struct buf b;
  buf_init(&b, ERR_MSG_MAX);
  tmpl__node_str(&b, n, x->tmpl->src);
  int rc = xerrorf(x, "can't handle %s for arg of type %s",
                   b.data ? b.data : "", param_type_name(p));
  buf_free(&b);
  return rc;
}

/* ---- Calls ---- */

struct sig {
  const char *params;
  int nfixed;   /* parameters before the variadic one */
  int variadic; /* 1 when the last letter repeats */
  int nparams;  /* letters */
};

static struct sig parse_sig(const struct tmpl_func *fn)
{
  struct sig s = {.params = fn->params ? fn->params : ""};
  size_t n = strlen(s.params);
  s.variadic = n > 0 && s.params[n - 1] == '*';
  s.nparams = (int)(s.variadic ? n - 1 : n);
  s.nfixed = s.variadic ? s.nparams - 1 : s.nparams;
  return s;
}

static char param_at(const struct sig *s, int i)
{
  if (i < s->nfixed)
    return s->params[i];
  return s->variadic ? s->params[s->nparams - 1] : 'a';
}

static void drop_args(struct tmpl_value *argv, int n)
{
  for (int i = 0; i < n; i++)
    val_drop(&argv[i]);
}

static int and_or(struct exec *x, const struct tmpl_value *dot, int is_or,
                  const struct tmpl__node *args, const struct tmpl_value *final,
                  struct tmpl_value *out)
{
  struct tmpl_value v = invalid;
  for (const struct tmpl__node *a = args; a; a = a->next) {
    val_drop(&v);
    int rc = eval_arg(x, dot, 'v', a, &v);
    if (rc)
      return rc;
    struct tmpl_value u = unwrap_iface(&v);
    int t = truth(&u);
    val_drop(&u);
    if (t == is_or) {
      *out = v;
      return 0;
    }
  }
  if (final) {
    val_drop(&v);
    v = val_dup(final);
  }
  *out = v;
  return 0;
}

static int call_builtin_call(struct exec *x, const struct tmpl__node *args,
                             struct tmpl_value *argv, int argc)
{
  struct buf name;
  buf_init(&name, ERR_MSG_MAX);
  if (args)
    tmpl__node_str(&name, args, x->tmpl->src);
  struct tmpl_value fn = argc > 0 ? unwrap_iface(&argv[0]) : invalid;
  int rc;
  if (fn.st == TMPL_V_INVALID)
    rc = xerrorf(x, "error calling call: call of nil");
  else
    rc = xerrorf(x, "error calling call: non-function %s of type %s",
                 name.data ? name.data : "", tmpl_val_type_name(fn.o));
  val_drop(&fn);
  buf_free(&name);
  return rc;
}

static int arity_error(struct exec *x, const char *name, const struct sig *s,
                       int nargs, int num_in)
{
  if (s->variadic)
    return xerrorf(x, "wrong number of args for %s: want at least %d got %d",
                   name, s->nfixed, nargs);
  return xerrorf(x, "wrong number of args for %s: want %d got %d", name,
                 s->nparams, num_in);
}

static int eval_args(struct exec *x, const struct tmpl_value *dot,
                     const struct sig *s, const struct tmpl__node *args,
                     int nargs, const struct tmpl_value *final,
                     struct tmpl_value *argv)
{
  int i = 0;
  for (const struct tmpl__node *a = args; a; a = a->next, i++) {
    int rc = eval_arg(x, dot, param_at(s, i), a, &argv[i]);
    if (rc) {
      drop_args(argv, i);
      return rc;
    }
  }
  if (final) {
    int num_in = nargs + 1;
    char p = s->variadic && num_in - 1 >= s->nfixed ? s->params[s->nparams - 1]
             : num_in - 1 < s->nparams              ? s->params[num_in - 1]
                                                    : 'a';
    int rc = validate_type(x, val_dup(final), p, &argv[i]);
    if (rc) {
      drop_args(argv, i);
      return rc;
    }
  }
  return 0;
}

/* Calls fn; Go points an error at the call's node, but leaves the current
 * node alone on success (a later error names the last argument). */
static int invoke(struct exec *x, const struct tmpl_func *fn,
                  struct json_object *recv, const struct tmpl__node *node,
                  const char *name, struct tmpl_value *argv, int argc,
                  struct tmpl_value *out)
{
  struct tmpl_call *c = malloc(sizeof *c);
  if (!c)
    return nomem(x);
  c->x = x;
  c->fn = fn;
  c->name = name;
  c->recv = recv;
  c->msg[0] = '\0';
  struct tmpl_value r = {NULL, V_UNSET};
  int rc = fn->fn(c, argc, argv, &r);
  if (rc) {
    json_object_put(r.o);
    at(x, node);
    if (rc == -ENOMEM && !c->msg[0])
      rc = nomem(x);
    else
      rc = xerrorf(x, "error calling %s: %s", name, c->msg);
  } else {
    if (r.st == V_UNSET)
      r.st = r.o ? TMPL_V_CONCRETE : TMPL_V_IFACE;
    *out = r;
  }
  free(c);
  return rc;
}

static int eval_call(struct exec *x, const struct tmpl_value *dot,
                     const struct tmpl_func *fn, struct json_object *recv,
                     const struct tmpl__node *node, const char *name,
                     const struct tmpl__node *args, int nargs,
                     const struct tmpl_value *final, struct tmpl_value *out)
{
  if (args) { /* the first is the function itself */
    args = args->next;
    nargs--;
  }
  struct sig s = parse_sig(fn);
  int num_in = nargs + (final ? 1 : 0);
  if (s.variadic ? num_in < s.nfixed : num_in != s.nparams)
    return arity_error(x, name, &s, nargs, num_in);
  if (fn == &tmpl__builtin_and || fn == &tmpl__builtin_or)
    return and_or(x, dot, fn == &tmpl__builtin_or, args, final, out);
  struct tmpl_value small[8] = {{NULL, TMPL_V_INVALID}};
  struct tmpl_value *argv =
      num_in <= 8 ? small : calloc((size_t)num_in, sizeof *argv);
  if (!argv)
    return nomem(x);
  int rc = eval_args(x, dot, &s, args, nargs, final, argv);
  if (!rc) {
    if (fn == tmpl__builtin("call")) {
      at(x, node);
      rc = call_builtin_call(x, args, argv, num_in);
    } else {
      rc = invoke(x, fn, recv, node, name, argv, num_in, out);
    }
    drop_args(argv, num_in);
  }
  if (argv != small)
    free(argv);
  return rc;
}

/* ---- Walking the tree ---- */

static int walk(struct exec *x, const struct tmpl_value *dot,
                const struct tmpl__node *n);

static int walk_list(struct exec *x, const struct tmpl_value *dot,
                     const struct tmpl__list *l)
{
  for (const struct tmpl__node *n = l ? l->first : NULL; n; n = n->next) {
    int rc = walk(x, dot, n);
    if (rc)
      return rc;
  }
  return 0;
}

static int walk_if_with(struct exec *x, const struct tmpl_value *dot,
                        const struct tmpl__branch *b)
{
  int mark = x->nvars;
  struct tmpl_value val;
  int rc = eval_pipeline(x, dot, b->pipe, &val);
  if (!rc) {
    if (truth(&val))
      rc = walk_list(x, b->h.type == TN_WITH ? &val : dot, b->list);
    else if (b->else_list)
      rc = walk_list(x, dot, b->else_list);
    val_drop(&val);
  }
  pop_vars(x, mark);
  return rc;
}

/* One pass of a range body with $index/$elem set as Go sets them. */
static int range_once(struct exec *x, const struct tmpl__branch *r, int mark,
                      const struct tmpl_value *index,
                      const struct tmpl_value *elem)
{
  const struct tmpl__pipe *p = r->pipe;
  int rc = 0;
  if (p->ndecl > 0) {
    if (p->is_assign)
      rc = set_var(x, p->decl[0]->name, val_dup(p->ndecl > 1 ? index : elem));
    else {
      val_drop(&x->vars[x->nvars - 1].v);
      x->vars[x->nvars - 1].v = val_dup(elem);
    }
  }
  if (!rc && p->ndecl > 1) {
    if (p->is_assign)
      rc = set_var(x, p->decl[1]->name, val_dup(elem));
    else {
      val_drop(&x->vars[x->nvars - 2].v);
      x->vars[x->nvars - 2].v = val_dup(index);
    }
  }
  if (!rc)
    rc = walk_list(x, elem, r->list);
  pop_vars(x, mark);
  return rc == WALK_CONTINUE ? 0 : rc;
}

static int range_int(struct exec *x, const struct tmpl__branch *r, int mark,
                     const struct tmpl_value *val, int *ran)
{
  if (r->pipe->ndecl > 1) {
    struct buf b;
    buf_init(&b, 256);
    value_str(&b, val);
    int rc = xerrorf(x, "can't use %s to iterate over more than one variable",
                     b.data ? b.data : "");
    buf_free(&b);
    return rc;
  }
  int64_t n = json_object_get_int64(val->o);
  for (int64_t i = 0; i < n; i++) {
    struct json_object *io = tmpl_val_type(val->o) == &tmpl_type_int64
                                 ? tmpl_val_int64(i)
                                 : tmpl_val_int(i);
    if (!io)
      return nomem(x);
    struct tmpl_value e = {io, TMPL_V_CONCRETE};
    *ran = 1;
    int rc = range_once(x, r, mark, &invalid, &e);
    val_drop(&e);
    if (rc)
      return rc;
  }
  return 0;
}

static int range_slice(struct exec *x, const struct tmpl__branch *r, int mark,
                       struct json_object *list, int *ran)
{
  size_t n = json_object_array_length(list);
  for (size_t i = 0; i < n; i++) {
    struct json_object *io = tmpl_val_int((int64_t)i);
    if (!io)
      return nomem(x);
    struct tmpl_value idx = {io, TMPL_V_CONCRETE};
    struct json_object *eo = json_object_array_get_idx(list, i);
    struct tmpl_value e = val_ref(eo, elem_state(list, eo));
    *ran = 1;
    int rc = range_once(x, r, mark, &idx, &e);
    val_drop(&idx);
    val_drop(&e);
    if (rc)
      return rc;
  }
  return 0;
}

static int range_map(struct exec *x, const struct tmpl__branch *r, int mark,
                     struct json_object *m, int *ran)
{
  const char **keys;
  size_t n;
  if (tmpl__sorted_keys(m, &keys, &n))
    return nomem(x);
  /* The body may change the map: hold it and re-read each key. */
  json_object_get(m);
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    struct json_object *ko = json_object_new_string(keys[i]);
    if (!ko) {
      rc = nomem(x);
      break;
    }
    struct tmpl_value k = {ko, TMPL_V_CONCRETE};
    struct json_object *eo = json_object_object_get(m, keys[i]);
    struct tmpl_value e = val_ref(eo, elem_state(m, eo));
    *ran = 1;
    rc = range_once(x, r, mark, &k, &e);
    val_drop(&k);
    val_drop(&e);
  }
  free(keys);
  json_object_put(m);
  return rc;
}

static int range_over(struct exec *x, const struct tmpl__branch *r, int mark,
                      const struct tmpl_value *val, int *ran)
{
  if (val->st == TMPL_V_INVALID)
    return 0;
  switch (tmpl_val_kind(val->o)) {
  case TMPL_KIND_INT:
    /* Go 1.24 ranges over integers; Helm 3.17 (Go 1.23) does not. */
    if (TMPL_RANGE_OVER_INT)
      return range_int(x, r, mark, val, ran);
    break;
  case TMPL_KIND_SLICE:
    if (json_object_is_type(val->o, json_type_array))
      return range_slice(x, r, mark, val->o, ran);
    break;
  case TMPL_KIND_MAP:
    return range_map(x, r, mark, val->o, ran);
  default:
    break;
  }
  struct buf b;
  buf_init(&b, 256);
  value_str(&b, val);
  int rc = xerrorf(x, "range can't iterate over %s", b.data ? b.data : "");
  buf_free(&b);
  return rc;
}

static int walk_range(struct exec *x, const struct tmpl_value *dot,
                      const struct tmpl__branch *r)
{
  at(x, r);
  int outer = x->nvars;
  struct tmpl_value v;
  int rc = eval_pipeline(x, dot, r->pipe, &v);
  if (!rc) {
    struct tmpl_value val = unwrap_iface(&v);
    val_drop(&v);
    int ran = 0;
    rc = range_over(x, r, x->nvars, &val, &ran);
    if (rc == WALK_BREAK)
      rc = 0;
    if (!rc && !ran && r->else_list)
      rc = walk_list(x, dot, r->else_list);
    val_drop(&val);
  }
  pop_vars(x, outer);
  return rc;
}

/* Runs tree with a fresh variable scope ($ = dot), as a template call. */
static int run_tree(struct exec *x, const struct tmpl__tree *t,
                    const struct tmpl_value *dot)
{
  const struct tmpl__tree *saved_t = x->tmpl;
  const struct tmpl__node *saved_n = x->node;
  int saved_base = x->var_base;
  x->var_base = x->nvars;
  x->tmpl = t;
  x->depth++;
  int rc = push_var(x, "$", val_dup(dot));
  if (!rc)
    rc = walk_list(x, dot, t->root);
  pop_vars(x, x->var_base);
  x->depth--;
  x->var_base = saved_base;
  x->tmpl = saved_t;
  if (!rc)
    x->node = saved_n;
  return rc;
}

static int walk_template(struct exec *x, const struct tmpl_value *dot,
                         const struct tmpl__tcall *t)
{
  at(x, t);
  const struct tmpl__tree *tree = tmpl__set_lookup(x->set, t->name);
  if (!tree || !tree->root)
    return xerrorf(x, "template \"%s\" not defined", t->name);
  if (x->depth >= x->max_depth)
    return xerrorf(x, "exceeded maximum template depth (%d)", x->max_depth);
  struct tmpl_value d;
  int rc = eval_pipeline(x, dot, t->pipe, &d);
  if (rc)
    return rc;
  rc = run_tree(x, tree, &d);
  val_drop(&d);
  return rc;
}

static int walk_action(struct exec *x, const struct tmpl_value *dot,
                       const struct tmpl__action *a)
{
  struct tmpl_value v;
  int rc = eval_pipeline(x, dot, a->pipe, &v);
  if (rc)
    return rc;
  if (a->pipe->ndecl == 0) {
    at(x, a);
    size_t before = x->out->len;
    rc = tmpl__print_action(x->out, &v);
    if (rc == -E2BIG) {
      x->out->len = before;
      if (x->out->data)
        x->out->data[before] = '\0';
      rc = xerrorf(x, "output exceeds the limit of %zu bytes", x->max_output);
    } else if (rc) {
      rc = nomem(x);
    }
  }
  val_drop(&v);
  return rc;
}

static int walk(struct exec *x, const struct tmpl_value *dot,
                const struct tmpl__node *n)
{
  at(x, n);
  switch (n->type) {
  case TN_ACTION:
    return walk_action(x, dot, (const struct tmpl__action *)n);
  case TN_BREAK:
    return WALK_BREAK;
  case TN_CONTINUE:
    return WALK_CONTINUE;
  case TN_IF:
  case TN_WITH:
    return walk_if_with(x, dot, (const struct tmpl__branch *)n);
  case TN_LIST:
    return walk_list(x, dot, (const struct tmpl__list *)n);
  case TN_RANGE:
    return walk_range(x, dot, (const struct tmpl__branch *)n);
  case TN_TEMPLATE:
    return walk_template(x, dot, (const struct tmpl__tcall *)n);
  case TN_TEXT: {
    const struct tmpl__text *t = (const struct tmpl__text *)n;
    return write_out(x, t->text, t->len);
  }
  case TN_COMMENT:
    return 0;
  default:
    return xerrorf(x, "unknown node");
  }
}

/* ---- Entry points ---- */

int tmpl_execute(struct tmpl_set *s, const char *name, struct json_object *data,
                 const struct tmpl_exec_opts *opts, struct buf *out,
                 struct err *e)
{
  static const struct tmpl_exec_opts defaults = {0};
  struct exec x = {.set = s,
                   .opts = opts ? opts : &defaults,
                   .out = out,
                   .e = e,
                   .root_name = name};
  x.max_depth =
      x.opts->max_depth > 0 ? x.opts->max_depth : TMPL_DEFAULT_MAX_DEPTH;
  x.max_output =
      x.opts->max_output ? x.opts->max_output : TMPL_DEFAULT_MAX_OUTPUT;
  size_t saved_max = out->max;
  if (out->len < x.max_output)
    out->max = x.max_output;
  const struct tmpl__tree *t = tmpl__set_lookup(s, name);
  int rc;
  if (!t)
    rc = err_set(e, -ENOENT,
                 "template: no template \"%s\" associated with "
                 "template \"%s\"",
                 name, name);
  else if (!t->root)
    rc = xerrorf(&x, "\"%s\" is an incomplete or empty template", name);
  else {
    struct tmpl_value dot = {data, data ? TMPL_V_CONCRETE : TMPL_V_INVALID};
    rc = run_tree(&x, t, &dot);
  }
  if (rc > 0) /* break/continue cannot escape a range; keep it safe */
    rc = 0;
  pop_vars(&x, 0);
  free(x.vars);
  out->max = saved_max;
  return rc;
}

void tmpl_strip_no_value(struct buf *b)
{
  static const char pat[] = "<no value>";
  const size_t n = sizeof pat - 1;
  if (!b->data)
    return;
  char *w = b->data, *r = b->data, *end = b->data + b->len;
  while (r < end) {
    char *hit = NULL;
    for (char *p = r; !hit && (p = memchr(p, '<', (size_t)(end - p))) &&
                      (size_t)(end - p) >= n;
         p++)
      if (memcmp(p, pat, n) == 0)
        hit = p;
    size_t keep = hit ? (size_t)(hit - r) : (size_t)(end - r);
    memmove(w, r, keep);
    w += keep;
    r += keep + (hit ? n : 0);
  }
  *w = '\0';
  b->len = (size_t)(w - b->data);
}

/* ---- The call API for functions ---- */

const char *tmpl_call_name(const struct tmpl_call *c)
{
  return c->name;
}

void *tmpl_call_data(const struct tmpl_call *c)
{
  return c->fn->data;
}

size_t tmpl_call_max_output(const struct tmpl_call *c)
{
  return c->x->max_output;
}

int tmpl__call_nest(struct tmpl_call *c, const struct json_object *v)
{
  if (!json_object_is_type(v, json_type_object) &&
      !json_object_is_type(v, json_type_array))
    return 0;
  if (++c->x->nested <= TMPL__MAX_NESTED_STORES)
    return 0;
  return tmpl_call_errorf(c,
                          "more than %d maps and lists stored inside "
                          "others in one execution",
                          TMPL__MAX_NESTED_STORES);
}

void *tmpl_call_user(const struct tmpl_call *c)
{
  return c->x->opts->user;
}

struct json_object *tmpl_call_recv(const struct tmpl_call *c)
{
  return c->recv;
}

int tmpl_call_errorf(struct tmpl_call *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, sizeof c->msg, fmt, ap);
  va_end(ap);
  return -EINVAL;
}

const char *tmpl_call_message(const struct tmpl_call *c)
{
  return c->msg;
}

const char *tmpl_call_template_name(const struct tmpl_call *c)
{
  return c->x->tmpl ? c->x->tmpl->name : c->x->root_name;
}

/* Runs tree into out with the executor's state saved around it; an error
 * inside becomes the function's error message. */
static int call_run(struct tmpl_call *c, const struct tmpl__tree *t,
                    const struct tmpl_value *dot, struct buf *out)
{
  struct exec *x = c->x;
  if (x->depth >= x->max_depth)
    return tmpl_call_errorf(c, "exceeded maximum template depth (%d)",
                            x->max_depth);
  struct buf *saved_out = x->out;
  const struct tmpl__node *saved_node = x->node;
  size_t saved_max = out->max;
  out->max = x->max_output;
  x->out = out;
  int rc = run_tree(x, t, dot);
  x->out = saved_out;
  x->node = saved_node;
  out->max = saved_max;
  if (rc > 0)
    rc = 0;
  if (rc) {
    snprintf(c->msg, sizeof c->msg, "%s", x->e ? x->e->msg : "error");
    return rc == -ENOMEM ? rc : -EINVAL;
  }
  return 0;
}

int tmpl_call_template(struct tmpl_call *c, const char *name,
                       struct tmpl_value dot, struct buf *out)
{
  const struct tmpl__tree *t = tmpl__set_lookup(c->x->set, name);
  if (!t || !t->root)
    return tmpl_call_errorf(
        c,
        "template: no template \"%s\" associated with "
        "template \"%s\"",
        name, c->x->opts->root_name ? c->x->opts->root_name : c->x->root_name);
  return call_run(c, t, &dot, out);
}

int tmpl_call_text(struct tmpl_call *c, const char *name, const char *text,
                   size_t len, struct tmpl_value dot, struct buf *out)
{
  struct exec *x = c->x;
  struct tmpl_set *layer = tmpl_set_new(x->set->funcs);
  if (!layer)
    return -ENOMEM;
  layer->parent = x->set;
  int rc = x->set->ldelim
               ? tmpl_set_delims(layer, x->set->ldelim, x->set->rdelim)
               : 0;
  struct err perr;
  err_clear(&perr);
  if (!rc)
    rc = tmpl_set_parse(layer, name, text, len, &perr);
  if (rc) {
    snprintf(c->msg, sizeof c->msg, "%s", perr.msg);
    tmpl_set_free(layer);
    return rc == -ENOMEM ? rc : -EBADMSG;
  }
  const struct tmpl__tree *t = tmpl__set_lookup(layer, name);
  struct tmpl_set *saved = x->set;
  x->set = layer;
  if (!t || !t->root) {
    rc = tmpl_call_errorf(c,
                          "template: %s: \"%s\" is an incomplete or empty "
                          "template",
                          name, name);
  } else {
    rc = call_run(c, t, &dot, out);
  }
  x->set = saved;
  tmpl_set_free(layer);
  return rc;
}
