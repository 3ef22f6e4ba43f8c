/* tmpl_parse: Go's text/template parser, producing the trees tmpl_exec runs.
 *
 * It follows Go's parse.go decision for decision (three tokens of
 * lookahead, the same contexts in "unexpected X in Y"), because Helm shows
 * these messages to users and our tests compare them with Helm's.
 *
 * Errors unwind with longjmp from deep in the recursive descent back to
 * tmpl__parse. That is safe here: every node lives in the text's arena,
 * which is freed whole on failure, and the few heap buffers are in the
 * parser struct. */
#include "tmpl_int.h"

#include "gonum.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct parser {
  struct tmpl_set *set;
  struct tmpl__src *src;
  struct tmpl__lexer lex;
  struct tmpl__item token[3];
  int peek_count;
  const char **vars; /* variables in scope, "$" first */
  int nvars, capvars, var_base;
  int action_line;
  int range_depth;
  int depth;                    /* parentheses and control nesting */
  struct tmpl__tree *name_tree; /* the tree being parsed */
  struct tmpl__tree **trees;    /* Go's treeSet of this parse */
  size_t ntrees, captrees;
  struct err *e;
  int code;
  jmp_buf fail;
};

static void fail_code(struct parser *p, int code) __attribute__((noreturn));
static void fail_code(struct parser *p, int code)
{
  p->code = code;
  longjmp(p->fail, 1);
}

static void errorf(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Go's Tree.errorf: "template: NAME:LINE: msg", the line of token[0]. */
static void errorf(struct parser *p, const char *fmt, ...)
{
  char msg[ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_set(p->e, -EINVAL, "template: %s:%d: %s", p->src->name, p->token[0].line,
          msg);
  fail_code(p, -EINVAL);
}

static void *alloc(struct parser *p, size_t n)
{
  void *q = tmpl__alloc(&p->src->arena, n);
  if (!q) {
    err_set(p->e, -ENOMEM, "template: out of memory");
    fail_code(p, -ENOMEM);
  }
  return q;
}

static char *dup(struct parser *p, const char *s, size_t n)
{
  char *q = alloc(p, n + 1);
  memcpy(q, s, n);
  q[n] = '\0';
  return q;
}

static void *new_node(struct parser *p, size_t size, enum tmpl__ntype t,
                      uint32_t pos)
{
  struct tmpl__node *n = alloc(p, size);
  n->type = t;
  n->pos = pos;
  return n;
}

/* ---- Tokens ---- */

static struct tmpl__item *next(struct parser *p)
{
  if (p->peek_count > 0)
    p->peek_count--;
  else
    tmpl__lex_next(&p->lex, &p->token[0]);
  return &p->token[p->peek_count];
}

static void backup(struct parser *p)
{
  p->peek_count++;
}

static void backup2(struct parser *p, const struct tmpl__item *t1)
{
  p->token[1] = *t1;
  p->peek_count = 2;
}

static void backup3(struct parser *p, const struct tmpl__item *t2,
                    const struct tmpl__item *t1)
{
  p->token[1] = *t1;
  p->token[2] = *t2;
  p->peek_count = 3;
}

static struct tmpl__item *peek(struct parser *p)
{
  if (p->peek_count > 0)
    return &p->token[p->peek_count - 1];
  p->peek_count = 1;
  tmpl__lex_next(&p->lex, &p->token[0]);
  return &p->token[0];
}

static struct tmpl__item *next_non_space(struct parser *p)
{
  struct tmpl__item *t;
  do
    t = next(p);
  while (t->typ == TI_SPACE);
  return t;
}

static struct tmpl__item peek_non_space(struct parser *p)
{
  struct tmpl__item t = *next_non_space(p);
  backup(p);
  return t;
}

static void unexpected(struct parser *p, const struct tmpl__item *tok,
                       const char *context) __attribute__((noreturn));

static void unexpected(struct parser *p, const struct tmpl__item *tok,
                       const char *context)
{
  struct buf b;
  buf_init(&b, ERR_MSG_MAX);
  tmpl__item_str(&b, tok);
  char what[ERR_MSG_MAX];
  snprintf(what, sizeof what, "%s", b.data ? b.data : "");
  buf_free(&b);
  if (tok->typ == TI_ERROR) {
    char extra[ERR_MSG_MAX] = "";
    if (p->action_line != 0 && p->action_line != tok->line) {
      int suffix =
          tok->len >= 7 && memcmp(tok->val + tok->len - 7, " action", 7) == 0;
      snprintf(extra, sizeof extra, "%s started at %s:%d",
               suffix ? "" : " in action", p->src->name, p->action_line);
    }
    errorf(p, "%s%s", what, extra);
  }
  errorf(p, "unexpected %s in %s", what, context);
}

static struct tmpl__item expect(struct parser *p, enum tmpl__item_type t,
                                const char *context)
{
  struct tmpl__item *tok = next_non_space(p);
  if (tok->typ != t)
    unexpected(p, tok, context);
  return *tok;
}

/* ---- Variables in scope ---- */

static void push_var(struct parser *p, const char *name)
{
  if (p->nvars == p->capvars) {
    int cap = p->capvars ? p->capvars * 2 : 16;
    const char **v = realloc(p->vars, (size_t)cap * sizeof *v);
    if (!v) {
      err_set(p->e, -ENOMEM, "template: out of memory");
      fail_code(p, -ENOMEM);
    }
    p->vars = v;
    p->capvars = cap;
  }
  p->vars[p->nvars++] = name;
}

static int has_var(const struct parser *p, const char *name)
{
  for (int i = p->var_base; i < p->nvars; i++)
    if (strcmp(p->vars[i], name) == 0)
      return 1;
  return 0;
}

static int has_function(const struct parser *p, const char *name)
{
  return tmpl_funcs_get(p->set->funcs, name) != NULL;
}

/* ---- Nodes ---- */

static struct tmpl__list *new_list(struct parser *p, uint32_t pos)
{
  return new_node(p, sizeof(struct tmpl__list), TN_LIST, pos);
}

static void list_append(struct tmpl__list *l, struct tmpl__node *n)
{
  if (l->last)
    l->last->next = n;
  else
    l->first = n;
  l->last = n;
}

/* Splits "a.b.c" (from a chain of field tokens) into arena strings. */
static const char **split_fields(struct parser *p, const char *s, size_t n,
                                 int *count)
{
  int c = 1;
  for (size_t i = 0; i < n; i++)
    c += s[i] == '.';
  const char **f = alloc(p, (size_t)c * sizeof *f);
  size_t start = 0;
  int k = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || s[i] == '.') {
      f[k++] = dup(p, s + start, i - start);
      start = i + 1;
    }
  *count = c;
  return f;
}

static struct tmpl__field *new_field(struct parser *p, uint32_t pos,
                                     const char *s, size_t n)
{
  struct tmpl__field *f = new_node(p, sizeof *f, TN_FIELD, pos);
  f->fields = split_fields(p, s + 1, n - 1, &f->nfields); /* skip '.' */
  return f;
}

static struct tmpl__var *new_var(struct parser *p, uint32_t pos, const char *s,
                                 size_t n)
{
  struct tmpl__var *v = new_node(p, sizeof *v, TN_VAR, pos);
  int count;
  const char **parts = split_fields(p, s, n, &count);
  v->name = parts[0];
  v->fields = parts + 1;
  v->nfields = count - 1;
  return v;
}

static void keep_const(struct parser *p, struct json_object *o)
{
  struct tmpl__src *src = p->src;
  if (src->nconsts == src->capconsts) {
    size_t cap = src->capconsts ? src->capconsts * 2 : 32;
    struct json_object **c = realloc(src->consts, cap * sizeof *c);
    if (!c) {
      json_object_put(o);
      err_set(p->e, -ENOMEM, "template: out of memory");
      fail_code(p, -ENOMEM);
    }
    src->consts = c;
    src->capconsts = cap;
  }
  src->consts[src->nconsts++] = o;
}

static struct tmpl__node *new_string(struct parser *p,
                                     const struct tmpl__item *tok)
{
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl__unquote(tok->val, tok->len, &b);
  if (rc) {
    buf_free(&b);
    if (rc == -ENOMEM)
      fail_code(p, rc);
    errorf(p, "invalid syntax");
  }
  struct tmpl__string *s = new_node(p, sizeof *s, TN_STRING, tok->pos);
  s->quoted = tok->val;
  s->qlen = tok->len;
  s->val = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
  buf_free(&b);
  if (!s->val)
    fail_code(p, -ENOMEM);
  keep_const(p, s->val);
  return &s->h;
}

static int has_any(const char *s, size_t n, const char *set)
{
  for (size_t i = 0; i < n; i++)
    if (strchr(set, s[i]))
      return 1;
  return 0;
}

/* Go's newNumber: which of int, uint and float the text can be. */
static void number_value(struct parser *p, struct tmpl__number *num,
                         const char *t, size_t n)
{
  if (gonum_parse_uint(t, n, 0, &num->u) == 0)
    num->is_uint = 1;
  if (gonum_parse_int(t, n, 0, &num->i) == 0) {
    num->is_int = 1;
    if (num->i == 0) { /* -0 */
      num->is_uint = 1;
      num->u = 0;
    }
  }
  if (num->is_int) {
    num->is_float = 1;
    num->f = (double)num->i;
  } else if (num->is_uint) {
    num->is_float = 1;
    num->f = (double)num->u;
  } else if (gonum_parse_float(t, n, &num->f) == 0) {
    if (!has_any(t, n, ".eEpP"))
      errorf(p, "integer overflow: \"%.*s\"", (int)n, t);
    num->is_float = 1;
    if (num->f >= -9223372036854775808.0 && num->f < 9223372036854775808.0 &&
        (double)(int64_t)num->f == num->f) {
      num->is_int = 1;
      num->i = (int64_t)num->f;
    }
    if (num->f >= 0 && num->f < 18446744073709551616.0 &&
        (double)(uint64_t)num->f == num->f) {
      num->is_uint = 1;
      num->u = (uint64_t)num->f;
    }
  }
  if (!num->is_int && !num->is_uint && !num->is_float) {
    struct buf b;
    buf_init(&b, 0);
    tmpl_quote(&b, t, n);
    char q[512];
    snprintf(q, sizeof q, "%s", b.data ? b.data : "");
    buf_free(&b);
    errorf(p, "illegal number syntax: %s", q);
  }
}

static struct tmpl__node *new_number(struct parser *p,
                                     const struct tmpl__item *tok)
{
  struct tmpl__number *num = new_node(p, sizeof *num, TN_NUMBER, tok->pos);
  num->text = tok->val;
  num->len = tok->len;
  if (tok->typ == TI_CHAR_CONSTANT) {
    uint32_t r;
    int rc = tmpl__unquote_char(tok->val, tok->len, &r);
    if (rc == -ERANGE)
      errorf(p, "malformed character constant: %.*s", (int)tok->len, tok->val);
    if (rc)
      errorf(p, "invalid syntax");
    num->is_int = num->is_uint = num->is_float = num->is_char = 1;
    num->i = r;
    num->u = r;
    num->f = r;
    return &num->h;
  }
  if (tok->typ == TI_COMPLEX || tok->val[tok->len - 1] == 'i')
    errorf(p, "complex constants are not supported: %.*s", (int)tok->len,
           tok->val);
  number_value(p, num, tok->val, tok->len);
  return &num->h;
}

/* ---- Grammar ---- */

static struct tmpl__pipe *pipeline(struct parser *p, const char *context,
                                   enum tmpl__item_type end);
static struct tmpl__node *text_or_action(struct parser *p);

static void enter(struct parser *p)
{
  if (++p->depth > TMPL__MAX_PARSE_DEPTH)
    errorf(p, "max expression depth exceeded");
}

static struct tmpl__node *term(struct parser *p)
{
  struct tmpl__item *tok = next_non_space(p);
  switch (tok->typ) {
  case TI_IDENTIFIER: {
    char *name = dup(p, tok->val, tok->len);
    const struct tmpl_func *fn = tmpl_funcs_get(p->set->funcs, name);
    if (!fn)
      errorf(p, "function \"%s\" not defined", name);
    struct tmpl__ident *id = new_node(p, sizeof *id, TN_IDENT, tok->pos);
    id->name = name;
    id->fn = fn;
    return &id->h;
  }
  case TI_DOT:
    return new_node(p, sizeof(struct tmpl__node), TN_DOT, tok->pos);
  case TI_NIL:
    return new_node(p, sizeof(struct tmpl__node), TN_NIL, tok->pos);
  case TI_VARIABLE: {
    struct tmpl__var *v = new_var(p, tok->pos, tok->val, tok->len);
    if (!has_var(p, v->name))
      errorf(p, "undefined variable \"%s\"", v->name);
    return &v->h;
  }
  case TI_FIELD:
    return &new_field(p, tok->pos, tok->val, tok->len)->h;
  case TI_BOOL: {
    struct tmpl__bool *b = new_node(p, sizeof *b, TN_BOOL, tok->pos);
    b->val = tok->len == 4;
    return &b->h;
  }
  case TI_CHAR_CONSTANT:
  case TI_COMPLEX:
  case TI_NUMBER:
    return new_number(p, tok);
  case TI_LEFT_PAREN: {
    enter(p);
    struct tmpl__pipe *pipe =
        pipeline(p, "parenthesized pipeline", TI_RIGHT_PAREN);
    p->depth--;
    return &pipe->h;
  }
  case TI_STRING:
  case TI_RAW_STRING:
    return new_string(p, tok);
  default:
    backup(p);
    return NULL;
  }
}

/* ".a" followed by ".b.c" is one field node ".a.b.c" (and "$x" followed
 * by ".a" one variable node), placed where the second token starts. */
static struct tmpl__node *join_fields(struct parser *p, struct tmpl__node *node,
                                      uint32_t pos, const char *more_text,
                                      size_t mlen)
{
  int extra;
  const char **more = split_fields(p, more_text + 1, mlen - 1, &extra);
  const char **old;
  int nold;
  struct tmpl__node *n;
  const char ***fields;
  int *nfields;
  if (node->type == TN_FIELD) {
    struct tmpl__field *f = (struct tmpl__field *)node;
    struct tmpl__field *nf = new_node(p, sizeof *nf, TN_FIELD, pos);
    old = f->fields, nold = f->nfields;
    n = &nf->h, fields = &nf->fields, nfields = &nf->nfields;
  } else {
    struct tmpl__var *v = (struct tmpl__var *)node;
    struct tmpl__var *nv = new_node(p, sizeof *nv, TN_VAR, pos);
    nv->name = v->name;
    old = v->fields, nold = v->nfields;
    n = &nv->h, fields = &nv->fields, nfields = &nv->nfields;
  }
  *nfields = nold + extra;
  *fields = alloc(p, (size_t)*nfields * sizeof **fields);
  memcpy(*fields, old, (size_t)nold * sizeof *old);
  memcpy(*fields + nold, more, (size_t)extra * sizeof *more);
  return n;
}

/* The text of a chain "X.a.b" as Go rebuilds it, for field and variable
 * nodes, in a scratch buffer. */
static struct tmpl__node *operand(struct parser *p)
{
  struct tmpl__node *node = term(p);
  if (!node || peek(p)->typ != TI_FIELD)
    return node;
  uint32_t pos = peek(p)->pos;
  struct buf b;
  buf_init(&b, 0);
  while (peek(p)->typ == TI_FIELD) {
    struct tmpl__item *t = next(p);
    if (buf_append(&b, t->val, t->len)) {
      buf_free(&b);
      fail_code(p, -ENOMEM);
    }
  }
  char *fields = dup(p, b.data, b.len); /* ".a.b" */
  size_t flen = b.len;
  buf_free(&b);
  if (node->type == TN_FIELD || node->type == TN_VAR)
    return join_fields(p, node, pos, fields, flen);
  if (node->type == TN_BOOL || node->type == TN_STRING ||
      node->type == TN_NUMBER || node->type == TN_NIL || node->type == TN_DOT) {
    struct buf s, q;
    buf_init(&s, 0);
    buf_init(&q, 0);
    tmpl__node_str(&s, node, p->src);
    tmpl_quote(&q, s.data ? s.data : "", s.len);
    char msg[ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", q.data ? q.data : "");
    buf_free(&s);
    buf_free(&q);
    errorf(p, "unexpected . after term %s", msg);
  }
  struct tmpl__chain *c = new_node(p, sizeof *c, TN_CHAIN, pos);
  c->node = node;
  c->fields = split_fields(p, fields + 1, flen - 1, &c->nfields);
  return &c->h;
}

static struct tmpl__cmd *command(struct parser *p)
{
  struct tmpl__cmd *cmd =
      new_node(p, sizeof *cmd, TN_CMD, peek_non_space(p).pos);
  struct tmpl__node *last = NULL;
  for (;;) {
    peek_non_space(p);
    struct tmpl__node *op = operand(p);
    if (op) {
      if (last)
        last->next = op;
      else
        cmd->args = op;
      last = op;
      cmd->nargs++;
    }
    struct tmpl__item *tok = next(p);
    if (tok->typ == TI_SPACE)
      continue;
    if (tok->typ == TI_RIGHT_DELIM || tok->typ == TI_RIGHT_PAREN)
      backup(p);
    else if (tok->typ != TI_PIPE)
      unexpected(p, tok, "operand");
    break;
  }
  if (cmd->nargs == 0)
    errorf(p, "empty command");
  return cmd;
}

static void check_pipeline(struct parser *p, struct tmpl__pipe *pipe,
                           const char *context)
{
  if (pipe->ncmds == 0)
    errorf(p, "missing value for %s", context);
  int i = 1;
  for (struct tmpl__node *c = pipe->cmds->next; c; c = c->next, i++) {
    enum tmpl__ntype t = ((struct tmpl__cmd *)c)->args->type;
    if (t == TN_BOOL || t == TN_DOT || t == TN_NIL || t == TN_NUMBER ||
        t == TN_STRING)
      errorf(p, "non executable command in pipeline stage %d", i + 1);
  }
}

static void add_decl(struct parser *p, struct tmpl__pipe *pipe,
                     const struct tmpl__item *v)
{
  pipe->decl[pipe->ndecl++] = new_var(p, v->pos, v->val, v->len);
  push_var(p, pipe->decl[pipe->ndecl - 1]->name);
}

/* Declarations: "$x :=", "$x =", and for range "$i, $e :=". Returns 1 when
 * another declaration follows (range's second variable). */
static int pipeline_decl(struct parser *p, struct tmpl__pipe *pipe,
                         const char *context)
{
  if (peek_non_space(p).typ != TI_VARIABLE)
    return 0;
  struct tmpl__item v = *next(p);
  struct tmpl__item after = *peek(p);
  struct tmpl__item nx = peek_non_space(p);
  if (nx.typ == TI_ASSIGN || nx.typ == TI_DECLARE) {
    pipe->is_assign = nx.typ == TI_ASSIGN;
    next_non_space(p);
    add_decl(p, pipe, &v);
  } else if (nx.typ == TI_CHAR && nx.len == 1 && nx.val[0] == ',') {
    next_non_space(p);
    add_decl(p, pipe, &v);
    if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
      enum tmpl__item_type t = peek_non_space(p).typ;
      if (t == TI_VARIABLE || t == TI_RIGHT_DELIM || t == TI_RIGHT_PAREN)
        return 1;
      errorf(p, "range can only initialize variables");
    }
    errorf(p, "too many declarations in %s", context);
  } else if (after.typ == TI_SPACE) {
    backup3(p, &v, &after);
  } else {
    backup2(p, &v);
  }
  return 0;
}

static struct tmpl__pipe *pipeline(struct parser *p, const char *context,
                                   enum tmpl__item_type end)
{
  struct tmpl__item first = peek_non_space(p);
  struct tmpl__pipe *pipe = new_node(p, sizeof *pipe, TN_PIPE, first.pos);
  while (pipeline_decl(p, pipe, context))
    ;
  struct tmpl__node *last = NULL;
  for (;;) {
    struct tmpl__item *tok = next_non_space(p);
    if (tok->typ == end) {
      check_pipeline(p, pipe, context);
      return pipe;
    }
    switch (tok->typ) {
    case TI_BOOL:
    case TI_CHAR_CONSTANT:
    case TI_COMPLEX:
    case TI_DOT:
    case TI_FIELD:
    case TI_IDENTIFIER:
    case TI_NUMBER:
    case TI_NIL:
    case TI_RAW_STRING:
    case TI_STRING:
    case TI_VARIABLE:
    case TI_LEFT_PAREN: {
      backup(p);
      struct tmpl__cmd *c = command(p);
      if (last)
        last->next = &c->h;
      else
        pipe->cmds = &c->h;
      last = &c->h;
      pipe->ncmds++;
      break;
    }
    default:
      unexpected(p, tok, context);
    }
  }
}

/* Returns the list and, through *end, the {{end}} or {{else}} after it. */
static struct tmpl__list *item_list(struct parser *p, struct tmpl__node **end)
{
  struct tmpl__list *list = new_list(p, peek_non_space(p).pos);
  while (peek_non_space(p).typ != TI_EOF) {
    struct tmpl__node *n = text_or_action(p);
    if (n->type == TN_END || n->type == TN_ELSE) {
      *end = n;
      return list;
    }
    list_append(list, n);
  }
  errorf(p, "unexpected EOF");
}

static void node_word(struct parser *p, const struct tmpl__node *n, char *out,
                      size_t cap)
{
  snprintf(out, cap, "%s%s%s", p->src->ldelim,
           n->type == TN_END ? "end" : "else", p->src->rdelim);
}

static struct tmpl__node *if_control(struct parser *p);
static struct tmpl__node *with_control(struct parser *p);

static struct tmpl__branch *parse_control(struct parser *p, const char *context,
                                          enum tmpl__ntype type)
{
  int mark = p->nvars;
  enter(p);
  struct tmpl__pipe *pipe = pipeline(p, context, TI_RIGHT_DELIM);
  struct tmpl__branch *b = new_node(p, sizeof *b, type, pipe->h.pos);
  b->pipe = pipe;
  struct tmpl__node *nx;
  if (type == TN_RANGE)
    p->range_depth++;
  b->list = item_list(p, &nx);
  if (type == TN_RANGE)
    p->range_depth--;
  if (nx->type == TN_ELSE) {
    if (type == TN_IF && peek(p)->typ == TI_IF) {
      next(p);
      b->else_list = new_list(p, nx->pos);
      list_append(b->else_list, if_control(p));
    } else if (type == TN_WITH && peek(p)->typ == TI_WITH) {
      next(p);
      b->else_list = new_list(p, nx->pos);
      list_append(b->else_list, with_control(p));
    } else {
      b->else_list = item_list(p, &nx);
      if (nx->type != TN_END) {
        char w[64];
        node_word(p, nx, w, sizeof w);
        errorf(p, "expected end; found %s", w);
      }
    }
  }
  p->depth--;
  p->nvars = mark;
  return b;
}

static struct tmpl__node *if_control(struct parser *p)
{
  return &parse_control(p, "if", TN_IF)->h;
}

static struct tmpl__node *with_control(struct parser *p)
{
  return &parse_control(p, "with", TN_WITH)->h;
}

static struct tmpl__tree *new_tree(struct parser *p, const char *name)
{
  struct tmpl__tree *t = alloc(p, sizeof *t);
  t->name = dup(p, name, strlen(name));
  t->src = p->src;
  return t;
}

/* Go's Tree.add into this parse's tree set. */
static void add_tree(struct parser *p, struct tmpl__tree *t)
{
  for (size_t i = 0; i < p->ntrees; i++) {
    if (strcmp(p->trees[i]->name, t->name) != 0)
      continue;
    if (tmpl__tree_is_empty(p->trees[i]->root)) {
      p->trees[i] = t;
      return;
    }
    if (!tmpl__tree_is_empty(t->root))
      errorf(p, "template: multiple definition of template \"%s\"", t->name);
    return;
  }
  if (p->ntrees == p->captrees) {
    size_t cap = p->captrees ? p->captrees * 2 : 8;
    struct tmpl__tree **v = realloc(p->trees, cap * sizeof *v);
    if (!v)
      fail_code(p, -ENOMEM);
    p->trees = v;
    p->captrees = cap;
  }
  p->trees[p->ntrees++] = t;
}

static char *template_name(struct parser *p, const struct tmpl__item *tok,
                           const char *context)
{
  if (tok->typ != TI_STRING && tok->typ != TI_RAW_STRING)
    unexpected(p, tok, context);
  struct buf b;
  buf_init(&b, 0);
  if (tmpl__unquote(tok->val, tok->len, &b)) {
    buf_free(&b);
    errorf(p, "invalid syntax");
  }
  char *name = dup(p, b.data ? b.data : "", b.len);
  buf_free(&b);
  return name;
}

/* A nested tree (define, block) shares the lexer but not the variables:
 * its scope starts at var_base with a fresh "$". */
struct saved_scope {
  int var_base, nvars, range_depth;
};

static void scope_enter(struct parser *p, struct saved_scope *s)
{
  s->var_base = p->var_base;
  s->nvars = p->nvars;
  s->range_depth = p->range_depth;
  p->var_base = p->nvars;
  p->range_depth = 0;
  push_var(p, "$");
}

static void scope_leave(struct parser *p, const struct saved_scope *s)
{
  p->var_base = s->var_base;
  p->nvars = s->nvars;
  p->range_depth = s->range_depth;
}

static void parse_body(struct parser *p, struct tmpl__tree *t,
                       const char *context)
{
  struct saved_scope saved;
  scope_enter(p, &saved);
  struct tmpl__node *end;
  enter(p);
  t->root = item_list(p, &end);
  p->depth--;
  if (end->type != TN_END) {
    char w[64];
    node_word(p, end, w, sizeof w);
    errorf(p, "unexpected %s in %s", w, context);
  }
  scope_leave(p, &saved);
  add_tree(p, t);
}

static struct tmpl__node *block_control(struct parser *p)
{
  const char *context = "block clause";
  struct tmpl__item tok = *next_non_space(p);
  char *name = template_name(p, &tok, context);
  struct tmpl__pipe *pipe = pipeline(p, context, TI_RIGHT_DELIM);
  parse_body(p, new_tree(p, name), context);
  struct tmpl__tcall *t = new_node(p, sizeof *t, TN_TEMPLATE, tok.pos);
  t->name = name;
  t->name_len = strlen(name);
  t->pipe = pipe;
  return &t->h;
}

static struct tmpl__node *template_control(struct parser *p)
{
  const char *context = "template clause";
  struct tmpl__item tok = *next_non_space(p);
  char *name = template_name(p, &tok, context);
  struct tmpl__tcall *t = new_node(p, sizeof *t, TN_TEMPLATE, tok.pos);
  t->name = name;
  t->name_len = strlen(name);
  if (next_non_space(p)->typ != TI_RIGHT_DELIM) {
    backup(p);
    t->pipe = pipeline(p, context, TI_RIGHT_DELIM);
  }
  return &t->h;
}

static struct tmpl__node *loop_control(struct parser *p,
                                       const struct tmpl__item *kw)
{
  int is_break = kw->typ == TI_BREAK;
  uint32_t pos = kw->pos;
  struct tmpl__item *tok = next_non_space(p);
  if (tok->typ != TI_RIGHT_DELIM)
    unexpected(p, tok, is_break ? "{{break}}" : "{{continue}}");
  if (p->range_depth == 0)
    errorf(p, "{{%s}} outside {{range}}", is_break ? "break" : "continue");
  return new_node(p, sizeof(struct tmpl__node),
                  is_break ? TN_BREAK : TN_CONTINUE, pos);
}

static struct tmpl__node *action(struct parser *p)
{
  struct tmpl__item tok = *next_non_space(p);
  switch (tok.typ) {
  case TI_BLOCK:
    return block_control(p);
  case TI_BREAK:
  case TI_CONTINUE:
    return loop_control(p, &tok);
  case TI_ELSE: {
    struct tmpl__item pk = peek_non_space(p);
    if (pk.typ == TI_IF || pk.typ == TI_WITH)
      return new_node(p, sizeof(struct tmpl__node), TN_ELSE, pk.pos);
    struct tmpl__item t = expect(p, TI_RIGHT_DELIM, "else");
    return new_node(p, sizeof(struct tmpl__node), TN_ELSE, t.pos);
  }
  case TI_END: {
    struct tmpl__item t = expect(p, TI_RIGHT_DELIM, "end");
    return new_node(p, sizeof(struct tmpl__node), TN_END, t.pos);
  }
  case TI_IF:
    return if_control(p);
  case TI_RANGE:
    return &parse_control(p, "range", TN_RANGE)->h;
  case TI_TEMPLATE:
    return template_control(p);
  case TI_WITH:
    return with_control(p);
  default:
    break;
  }
  backup(p);
  uint32_t pos = peek(p)->pos;
  struct tmpl__action *a = new_node(p, sizeof *a, TN_ACTION, pos);
  a->pipe = pipeline(p, "command", TI_RIGHT_DELIM);
  return &a->h;
}

static struct tmpl__node *text_or_action(struct parser *p)
{
  struct tmpl__item *tok = next_non_space(p);
  if (tok->typ == TI_TEXT) {
    struct tmpl__text *t = new_node(p, sizeof *t, TN_TEXT, tok->pos);
    t->text = tok->val;
    t->len = tok->len;
    return &t->h;
  }
  if (tok->typ != TI_LEFT_DELIM)
    unexpected(p, tok, "input");
  int saved = p->action_line;
  p->action_line = tok->line;
  struct tmpl__node *n = action(p);
  p->action_line = saved;
  return n;
}

static void parse_definition(struct parser *p)
{
  const char *context = "define clause";
  struct tmpl__item *tok = next_non_space(p);
  if (tok->typ != TI_STRING && tok->typ != TI_RAW_STRING)
    unexpected(p, tok, context);
  struct tmpl__item name_tok = *tok;
  char *name = template_name(p, &name_tok, context);
  expect(p, TI_RIGHT_DELIM, context);
  parse_body(p, new_tree(p, name), context);
}

static void parse_top(struct parser *p)
{
  struct tmpl__tree *t = p->name_tree;
  t->root = new_list(p, peek(p)->pos);
  while (peek(p)->typ != TI_EOF) {
    if (peek(p)->typ == TI_LEFT_DELIM) {
      struct tmpl__item delim = *next(p);
      if (next_non_space(p)->typ == TI_DEFINE) {
        parse_definition(p);
        continue;
      }
      backup2(p, &delim);
    }
    struct tmpl__node *n = text_or_action(p);
    if (n->type == TN_END || n->type == TN_ELSE) {
      char w[64];
      node_word(p, n, w, sizeof w);
      errorf(p, "unexpected %s", w);
    }
    list_append(t->root, n);
  }
  add_tree(p, t);
}

static int run_parser(struct parser *p)
{
  if (setjmp(p->fail))
    return p->code;
  push_var(p, "$");
  p->name_tree = new_tree(p, p->src->name);
  parse_top(p);
  return 0;
}

static struct tmpl__src *src_new(const struct tmpl_set *s, const char *name,
                                 const char *text, size_t len)
{
  struct tmpl__src *src = calloc(1, sizeof *src);
  if (!src)
    return NULL;
  src->name = strdup(name);
  src->text = malloc(len + 1);
  src->ldelim = strdup(s->ldelim ? s->ldelim : "{{");
  src->rdelim = strdup(s->rdelim ? s->rdelim : "}}");
  if (!src->name || !src->text || !src->ldelim || !src->rdelim) {
    tmpl__src_free(src);
    return NULL;
  }
  memcpy(src->text, text, len);
  src->text[len] = '\0';
  src->len = len;
  return src;
}

int tmpl__parse(struct tmpl_set *s, const char *name, const char *text,
                size_t len, struct err *e)
{
  struct tmpl__src *src = src_new(s, name, text, len);
  if (!src)
    return err_set(e, -ENOMEM, "template: out of memory");
  struct parser *p = calloc(1, sizeof *p);
  if (!p) {
    tmpl__src_free(src);
    return err_set(e, -ENOMEM, "template: out of memory");
  }
  p->set = s;
  p->src = src;
  p->e = e;
  tmpl__lex_init(&p->lex, src->text, len, src->ldelim, src->rdelim);
  p->lex.break_ok = !has_function(p, "break");
  p->lex.continue_ok = !has_function(p, "continue");
  int rc = run_parser(p);
  if (rc) {
    tmpl__src_free(src); /* no tree of it reached the set */
  } else {
    /* The set owns the text from here, even if adding a tree fails. */
    tmpl__set_add_src(s, src);
    for (size_t i = 0; !rc && i < p->ntrees; i++)
      rc = tmpl__set_add_tree(s, p->trees[i]);
    if (rc)
      err_set(e, rc, "template: out of memory");
  }
  free(p->vars);
  free(p->trees);
  free(p);
  return rc;
}

/* Go's IsEmptyTree: only blank text. */
int tmpl__tree_is_empty(const struct tmpl__list *l)
{
  if (!l)
    return 1;
  for (const struct tmpl__node *n = l->first; n; n = n->next) {
    if (n->type == TN_COMMENT)
      continue;
    if (n->type != TN_TEXT)
      return 0;
    const struct tmpl__text *t = (const struct tmpl__text *)n;
    for (size_t i = 0; i < t->len; i++)
      if (!strchr(" \t\r\n\v\f", t->text[i]))
        return 0;
  }
  return 1;
}
