/* tmpl_node: parse-tree nodes printed back as Go's Node.String() does.
 *
 * Go puts this text in every execution error ("at <.Values.x.y>"), so it
 * must match: pipelines joined with " | ", parenthesised sub-pipelines,
 * strings and numbers as written. */
#include "tmpl_int.h"

static int str_list(struct buf *b, const struct tmpl__list *l,
                    const struct tmpl__src *src);

static int put_fields(struct buf *b, const char *const *f, int n)
{
  int rc = 0;
  for (int i = 0; !rc && i < n; i++) {
    rc = buf_putc(b, '.');
    if (!rc)
      rc = buf_puts(b, f[i]);
  }
  return rc;
}

static int str_arg(struct buf *b, const struct tmpl__node *n,
                   const struct tmpl__src *src)
{
  if (n->type != TN_PIPE)
    return tmpl__node_str(b, n, src);
  int rc = buf_putc(b, '(');
  if (!rc)
    rc = tmpl__node_str(b, n, src);
  return rc ? rc : buf_putc(b, ')');
}

static int str_cmd(struct buf *b, const struct tmpl__cmd *c,
                   const struct tmpl__src *src)
{
  int rc = 0;
  for (const struct tmpl__node *a = c->args; !rc && a; a = a->next) {
    if (a != c->args)
      rc = buf_putc(b, ' ');
    if (!rc)
      rc = str_arg(b, a, src);
  }
  return rc;
}

static int str_pipe(struct buf *b, const struct tmpl__pipe *p,
                    const struct tmpl__src *src)
{
  int rc = 0;
  for (int i = 0; !rc && i < p->ndecl; i++) {
    if (i > 0)
      rc = buf_puts(b, ", ");
    if (!rc)
      rc = tmpl__node_str(b, &p->decl[i]->h, src);
  }
  if (!rc && p->ndecl)
    rc = buf_puts(b, p->is_assign ? " = " : " := ");
  for (const struct tmpl__node *c = p->cmds; !rc && c; c = c->next) {
    if (c != p->cmds)
      rc = buf_puts(b, " | ");
    if (!rc)
      rc = str_cmd(b, (const struct tmpl__cmd *)c, src);
  }
  return rc;
}

static int str_branch(struct buf *b, const struct tmpl__branch *br,
                      const struct tmpl__src *src)
{
  const char *name = br->h.type == TN_IF      ? "if"
                     : br->h.type == TN_RANGE ? "range"
                                              : "with";
  int rc = buf_printf(b, "%s%s ", src->ldelim, name);
  if (!rc)
    rc = str_pipe(b, br->pipe, src);
  if (!rc)
    rc = buf_puts(b, src->rdelim);
  if (!rc)
    rc = str_list(b, br->list, src);
  if (!rc && br->else_list) {
    rc = buf_printf(b, "%selse%s", src->ldelim, src->rdelim);
    if (!rc)
      rc = str_list(b, br->else_list, src);
  }
  return rc ? rc : buf_printf(b, "%send%s", src->ldelim, src->rdelim);
}

static int str_template(struct buf *b, const struct tmpl__tcall *t,
                        const struct tmpl__src *src)
{
  int rc = buf_printf(b, "%stemplate ", src->ldelim);
  if (!rc)
    rc = tmpl_quote(b, t->name, t->name_len);
  if (!rc && t->pipe) {
    rc = buf_putc(b, ' ');
    if (!rc)
      rc = str_pipe(b, t->pipe, src);
  }
  return rc ? rc : buf_puts(b, src->rdelim);
}

static int str_list(struct buf *b, const struct tmpl__list *l,
                    const struct tmpl__src *src)
{
  int rc = 0;
  for (const struct tmpl__node *n = l ? l->first : NULL; !rc && n; n = n->next)
    rc = tmpl__node_str(b, n, src);
  return rc;
}

static int str_simple(struct buf *b, const struct tmpl__node *n,
                      const struct tmpl__src *src)
{
  switch (n->type) {
  case TN_DOT:
    return buf_putc(b, '.');
  case TN_NIL:
    return buf_puts(b, "nil");
  case TN_BOOL:
    return buf_puts(b, ((const struct tmpl__bool *)n)->val ? "true" : "false");
  case TN_IDENT:
    return buf_puts(b, ((const struct tmpl__ident *)n)->name);
  case TN_BREAK:
    return buf_printf(b, "%sbreak%s", src->ldelim, src->rdelim);
  case TN_CONTINUE:
    return buf_printf(b, "%scontinue%s", src->ldelim, src->rdelim);
  case TN_END:
    return buf_printf(b, "%send%s", src->ldelim, src->rdelim);
  case TN_ELSE:
    return buf_printf(b, "%selse%s", src->ldelim, src->rdelim);
  default:
    return 0;
  }
}

int tmpl__node_str(struct buf *b, const struct tmpl__node *n,
                   const struct tmpl__src *src)
{
  switch (n->type) {
  case TN_LIST:
    return str_list(b, (const struct tmpl__list *)n, src);
  case TN_TEXT: { /* Go prints text nodes with %q */
    const struct tmpl__text *t = (const struct tmpl__text *)n;
    return tmpl_quote(b, t->text, t->len);
  }
  case TN_ACTION: {
    int rc = buf_puts(b, src->ldelim);
    if (!rc)
      rc = str_pipe(b, ((const struct tmpl__action *)n)->pipe, src);
    return rc ? rc : buf_puts(b, src->rdelim);
  }
  case TN_IF:
  case TN_RANGE:
  case TN_WITH:
    return str_branch(b, (const struct tmpl__branch *)n, src);
  case TN_TEMPLATE:
    return str_template(b, (const struct tmpl__tcall *)n, src);
  case TN_PIPE:
    return str_pipe(b, (const struct tmpl__pipe *)n, src);
  case TN_CMD:
    return str_cmd(b, (const struct tmpl__cmd *)n, src);
  case TN_FIELD: {
    const struct tmpl__field *f = (const struct tmpl__field *)n;
    return put_fields(b, f->fields, f->nfields);
  }
  case TN_VAR: {
    const struct tmpl__var *v = (const struct tmpl__var *)n;
    int rc = buf_puts(b, v->name);
    return rc ? rc : put_fields(b, v->fields, v->nfields);
  }
  case TN_CHAIN: {
    const struct tmpl__chain *c = (const struct tmpl__chain *)n;
    int rc = str_arg(b, c->node, src);
    return rc ? rc : put_fields(b, c->fields, c->nfields);
  }
  case TN_NUMBER: {
    const struct tmpl__number *num = (const struct tmpl__number *)n;
    return buf_append(b, num->text, num->len);
  }
  case TN_STRING: {
    const struct tmpl__string *s = (const struct tmpl__string *)n;
    return buf_append(b, s->quoted, s->qlen);
  }
  default:
    return str_simple(b, n, src);
  }
}
