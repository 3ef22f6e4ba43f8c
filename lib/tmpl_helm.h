/* tmpl_helm: the functions Helm's engine adds to text/template (include,
 * tpl, required, fail) and Helm's rewriting of template errors.
 *
 * They need the executing template set, so they use tmpl_call_template and
 * tmpl_call_text; the depth ceiling of tmpl_exec_opts bounds recursion.
 * Sprig's functions live elsewhere and are added to the same registry. */
#ifndef IOP_TMPL_HELM_H
#define IOP_TMPL_HELM_H

#include "tmpl.h"

/* Adds include, tpl, required and fail to f. */
int tmpl_helm_add_funcs(struct tmpl_funcs *f);

/* Helm's messages for a failed parse or execution of file `name`:
 *   parse:     "parse error at (FILE:LINE): MSG"
 *   fail/required: "execution error at (FILE:LINE:COL): MSG"
 * and every other execution error unchanged. Rewrites e->msg in place. */
void tmpl_helm_parse_error(struct err *e, const char *name);
void tmpl_helm_exec_error(struct err *e, const char *name);

#endif
