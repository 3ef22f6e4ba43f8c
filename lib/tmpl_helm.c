/* tmpl_helm: Helm's include, tpl, required and fail, and its error
 * messages (helm pkg/engine: funcs.go, engine.go). */
#include "tmpl_helm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ERR_START "HELM_ERR_START"
#define ERR_END "HELM_ERR_END"

static int ret_string(struct tmpl_value *out, struct buf *b)
{
  out->o = json_object_new_string_len(b->data ? b->data : "", (int)b->len);
  buf_free(b);
  return out->o ? 0 : -ENOMEM;
}

/* include NAME DATA: the template's output as a string. */
static int fn_include(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                      struct tmpl_value *out)
{
  (void)argc;
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl_call_template(c, json_object_get_string(argv[0].o), argv[1],
                              &b);
  if (rc) {
    buf_free(&b);
    return rc;
  }
  return ret_string(out, &b);
}

/* tpl TEXT DATA: TEXT parsed as a template over the current set (its
 * defines visible only inside), run with DATA, "<no value>" removed. */
static int fn_tpl(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                  struct tmpl_value *out)
{
  (void)argc;
  const char *text = json_object_get_string(argv[0].o);
  size_t len = (size_t)json_object_get_string_len(argv[0].o);
  const char *name = (const char *)tmpl_call_data(c);
  if (!name)
    name = tmpl_call_template_name(c);
  struct buf b;
  buf_init(&b, 0);
  int rc = tmpl_call_text(c, name, text, len, argv[1], &b);
  if (rc) {
    buf_free(&b);
    if (rc == -ENOMEM)
      return rc;
    char inner[ERR_MSG_MAX];
    snprintf(inner, sizeof inner, "%s", tmpl_call_message(c));
    struct buf q;
    buf_init(&q, 0);
    tmpl_quote(&q, text, len);
    if (rc == -EBADMSG)
      rc = tmpl_call_errorf(c, "cannot parse template %s: %s",
                            q.data ? q.data : "", inner);
    else
      rc = tmpl_call_errorf(c, "error during tpl function execution for %s: %s",
                            q.data ? q.data : "", inner);
    buf_free(&q);
    return rc;
  }
  tmpl_strip_no_value(&b);
  return ret_string(out, &b);
}

static int fn_required(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                       struct tmpl_value *out)
{
  (void)argc;
  struct json_object *v = argv[1].o;
  if (!v || (json_object_is_type(v, json_type_string) &&
             tmpl_val_type(v) == NULL && json_object_get_string_len(v) == 0))
    return tmpl_call_errorf(c, ERR_START "%s" ERR_END,
                            json_object_get_string(argv[0].o));
  out->o = json_object_get(v);
  return 0;
}

static int fn_fail(struct tmpl_call *c, int argc, struct tmpl_value *argv,
                   struct tmpl_value *out)
{
  (void)argc;
  (void)out;
  return tmpl_call_errorf(c, ERR_START "%s" ERR_END,
                          json_object_get_string(argv[0].o));
}

static const struct tmpl_func helm_funcs[] = {
    {"include", fn_include, "sa", NULL},
    {"tpl", fn_tpl, "sa", "gotpl"},
    {"required", fn_required, "sa", NULL},
    {"fail", fn_fail, "s", NULL},
};

int tmpl_helm_add_funcs(struct tmpl_funcs *f)
{
  return tmpl_funcs_add(f, helm_funcs, sizeof helm_funcs / sizeof helm_funcs[0]);
}

/* The i-th ": "-separated token of s (Go's strings.Split), copied. */
static int token(const char *s, int i, char *out, size_t cap)
{
  for (int k = 0; k < i; k++) {
    s = strstr(s, ": ");
    if (!s)
      return -1;
    s += 2;
  }
  const char *end = strstr(s, ": ");
  size_t n = end ? (size_t)(end - s) : strlen(s);
  snprintf(out, cap, "%.*s", (int)n, s);
  return 0;
}

void tmpl_helm_parse_error(struct err *e, const char *name)
{
  char loc[ERR_MSG_MAX];
  const char *last = e->msg, *p;
  if (token(e->msg, 1, loc, sizeof loc)) {
    char old[ERR_MSG_MAX];
    snprintf(old, sizeof old, "%s", e->msg);
    snprintf(e->msg, sizeof e->msg, "parse error in (%s): %.*s", name,
             (int)(sizeof e->msg / 2), old);
    return;
  }
  while ((p = strstr(last, ": ")))
    last = p + 2;
  char msg[ERR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", last);
  snprintf(e->msg, sizeof e->msg, "parse error at (%.*s): %.*s",
           (int)(sizeof e->msg / 4), loc, (int)(sizeof e->msg / 2), msg);
}

void tmpl_helm_exec_error(struct err *e, const char *name)
{
  (void)name;
  const char *s = strstr(e->msg, ERR_START), *t = NULL;
  for (const char *p = s; p && (p = strstr(p, ERR_END)); p++)
    t = p; /* Helm's pattern is greedy: up to the last end marker */
  char loc[ERR_MSG_MAX];
  if (!t || token(e->msg, 1, loc, sizeof loc))
    return;
  char msg[ERR_MSG_MAX];
  s += strlen(ERR_START);
  snprintf(msg, sizeof msg, "%.*s", (int)(t - s), s);
  snprintf(e->msg, sizeof e->msg, "execution error at (%.*s): %.*s",
           (int)(sizeof e->msg / 4), loc, (int)(sizeof e->msg / 2), msg);
}
