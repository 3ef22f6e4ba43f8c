/* tmpl internals shared by tmpl_*.c: tokens, parse trees, the set. */
#ifndef IOP_TMPL_INT_H
#define IOP_TMPL_INT_H

#include "tmpl.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting of parentheses, control structures and defines while parsing. */
#define TMPL__MAX_PARSE_DEPTH 1000
/* Nesting of containers while printing a value. */
#define TMPL__MAX_PRINT_DEPTH 100

/* ---- Lexer ---- */

enum tmpl__item_type {
  TI_ERROR,
  TI_BOOL,
  TI_CHAR,          /* printable ASCII grab bag: ',' and friends */
  TI_CHAR_CONSTANT, /* 'a' */
  TI_COMPLEX,
  TI_ASSIGN,  /* = */
  TI_DECLARE, /* := */
  TI_EOF,
  TI_FIELD,
  TI_IDENTIFIER,
  TI_LEFT_DELIM,
  TI_LEFT_PAREN,
  TI_NUMBER,
  TI_PIPE,
  TI_RAW_STRING,
  TI_RIGHT_DELIM,
  TI_RIGHT_PAREN,
  TI_SPACE,
  TI_STRING,
  TI_TEXT,
  TI_VARIABLE,
  TI_KEYWORD, /* keywords follow */
  TI_BLOCK,
  TI_BREAK,
  TI_CONTINUE,
  TI_DOT,
  TI_DEFINE,
  TI_ELSE,
  TI_END,
  TI_IF,
  TI_NIL,
  TI_RANGE,
  TI_TEMPLATE,
  TI_WITH,
};

struct tmpl__item {
  enum tmpl__item_type typ;
  uint32_t pos;    /* byte offset in the text */
  const char *val; /* into the text, or the lexer's message for errors */
  size_t len;
  int line;
};

struct tmpl__lexer {
  const char *input;
  size_t len;
  const char *ldelim, *rdelim;
  size_t ldlen, rdlen;
  size_t pos, start;
  int at_eof;
  int paren_depth;
  int line, start_line;
  int inside_action;
  int break_ok, continue_ok;
  char msg[256]; /* text of an error item */
};

void tmpl__lex_init(struct tmpl__lexer *l, const char *input, size_t len,
                    const char *ldelim, const char *rdelim);
void tmpl__lex_next(struct tmpl__lexer *l, struct tmpl__item *it);
/* Go's item.String(), for "unexpected X in Y". */
int tmpl__item_str(struct buf *b, const struct tmpl__item *it);

/* ---- Parse trees ---- */

enum tmpl__ntype {
  TN_LIST,
  TN_TEXT,
  TN_ACTION,
  TN_IF,
  TN_RANGE,
  TN_WITH,
  TN_TEMPLATE,
  TN_BREAK,
  TN_CONTINUE,
  TN_COMMENT,
  TN_PIPE,
  TN_CMD,
  TN_FIELD,
  TN_VAR,
  TN_CHAIN,
  TN_IDENT,
  TN_DOT,
  TN_NIL,
  TN_BOOL,
  TN_NUMBER,
  TN_STRING,
  TN_END,  /* parse-time only */
  TN_ELSE, /* parse-time only */
};

struct tmpl__node {
  enum tmpl__ntype type;
  uint32_t pos;
  struct tmpl__node *next; /* sibling in a list, command or pipeline */
};

struct tmpl__list {
  struct tmpl__node h;
  struct tmpl__node *first, *last;
};

struct tmpl__text {
  struct tmpl__node h;
  const char *text;
  size_t len;
};

struct tmpl__pipe;

struct tmpl__action {
  struct tmpl__node h;
  struct tmpl__pipe *pipe;
};

/* if, range, with */
struct tmpl__branch {
  struct tmpl__node h;
  struct tmpl__pipe *pipe;
  struct tmpl__list *list, *else_list;
};

struct tmpl__tcall {
  struct tmpl__node h;
  const char *name;
  size_t name_len;
  struct tmpl__pipe *pipe; /* may be NULL */
};

struct tmpl__var {
  struct tmpl__node h;
  const char *name;    /* "$x", NUL-terminated */
  const char **fields; /* the .a.b that follow */
  int nfields;
};

struct tmpl__pipe {
  struct tmpl__node h;
  int is_assign;
  int ndecl;
  struct tmpl__var *decl[2];
  struct tmpl__node *cmds; /* TN_CMD list */
  int ncmds;
};

struct tmpl__cmd {
  struct tmpl__node h;
  struct tmpl__node *args; /* first is the function/operand */
  int nargs;
};

struct tmpl__field {
  struct tmpl__node h;
  const char **fields;
  int nfields;
};

struct tmpl__chain {
  struct tmpl__node h;
  struct tmpl__node *node;
  const char **fields;
  int nfields;
};

struct tmpl__ident {
  struct tmpl__node h;
  const char *name;
  const struct tmpl_func *fn; /* resolved when parsed */
};

struct tmpl__bool {
  struct tmpl__node h;
  int val;
};

struct tmpl__number {
  struct tmpl__node h;
  unsigned is_int : 1, is_uint : 1, is_float : 1, is_char : 1;
  int64_t i;
  uint64_t u;
  double f;
  const char *text; /* as written */
  size_t len;
};

struct tmpl__string {
  struct tmpl__node h;
  const char *quoted; /* as written, quotes included */
  size_t qlen;
  struct json_object *val; /* the string, made once */
};

/* ---- Arena: every node and name of one parsed text ---- */

struct tmpl__arena {
  struct tmpl__chunk *chunks;
  size_t used, cap;
};

void *tmpl__alloc(struct tmpl__arena *a, size_t n);
char *tmpl__strndup(struct tmpl__arena *a, const char *s, size_t n);
void tmpl__arena_free(struct tmpl__arena *a);

/* One parsed text: its bytes, the trees made of them, their arena. */
struct tmpl__src {
  char *name; /* Go's ParseName: the file, for error locations */
  char *text;
  size_t len;
  char *ldelim, *rdelim;
  struct tmpl__arena arena;
  struct json_object **consts; /* values made at parse time, to release */
  size_t nconsts, capconsts;
  struct tmpl__src *next;
};

struct tmpl__tree {
  char *name;
  struct tmpl__list *root;
  struct tmpl__src *src;
};

/* Name -> tree table with open addressing. */
struct tmpl__map {
  struct tmpl__tree **slots;
  size_t cap, n;
};

struct tmpl_set {
  const struct tmpl_funcs *funcs;
  struct tmpl_set *parent; /* a scratch layer (tpl) looks here too */
  struct tmpl__map trees;
  struct tmpl__src *srcs;
  char *ldelim, *rdelim;
};

struct tmpl__tree *tmpl__set_lookup(const struct tmpl_set *s, const char *name);
int tmpl__set_add_tree(struct tmpl_set *s, struct tmpl__tree *t);
int tmpl__set_add_src(struct tmpl_set *s, struct tmpl__src *src);
void tmpl__src_free(struct tmpl__src *src);
int tmpl__parse(struct tmpl_set *s, const char *name, const char *text,
                size_t len, struct err *e);
int tmpl__tree_is_empty(const struct tmpl__list *l);
/* Go's Node.String(), for error contexts. */
int tmpl__node_str(struct buf *b, const struct tmpl__node *n,
                   const struct tmpl__src *src);

/* Functions that store an existing map or list inside another (dict,
 * list, set...) can build chains as deep as a loop runs; json-c frees
 * values recursively and would overflow the stack on a chain some 10^5
 * deep (less in a thread with a small stack). Each such store is counted
 * per execution and refused past this (far above what charts do: Istio's
 * do hundreds). */
#define TMPL__MAX_NESTED_STORES 20000
/* Counts one store of v (nothing for a scalar); an error past the limit. */
int tmpl__call_nest(struct tmpl_call *c, const struct json_object *v);

/* Builtins (tmpl_builtin.c). */
const struct tmpl_func *tmpl__builtin(const char *name);
extern const struct tmpl_func tmpl__builtin_and, tmpl__builtin_or;

/* ---- Values ---- */

/* What an action prints: "<no value>", a Stringer, or fmt.Sprint. */
int tmpl__print_action(struct buf *b, const struct tmpl_value *v);

/* Go's name of a kind for messages ("float64", "string"). */
const char *tmpl__kind_name(enum tmpl_kind k);
/* Element zero value of a map/slice type: NULL for interface{}. */
struct json_object *tmpl__zero_elem(const struct json_object *container);
/* Keys of a map sorted as Go's fmtsort does (bytewise); caller frees. */
int tmpl__sorted_keys(struct json_object *m, const char ***keys, size_t *n);
/* Appends a string with %#U style ("U+0041 'A'"). */
int tmpl__fmt_U(struct buf *b, uint32_t r, int with_char);
/* Decodes one UTF-8 rune (invalid bytes give U+FFFD, width 1). */
size_t tmpl__utf8_decode(const unsigned char *s, size_t n, uint32_t *r);
int tmpl__utf8_encode(struct buf *b, uint32_t r);
/* Go's unicode.IsPrint, approximated outside Latin-1 (see tmpl_fmt.c). */
int tmpl__is_print(uint32_t r);
/* strconv.Unquote of a "..." or `...` literal, and UnquoteChar for '.'. */
int tmpl__unquote(const char *s, size_t n, struct buf *out);
/* One rune of strconv.Quote's output; raw is its bytes (width of them). */
int tmpl__quote_rune(struct buf *b, uint32_t r, size_t width, int quote,
                     const unsigned char *raw);
int tmpl__unquote_char(const char *s, size_t n, uint32_t *r);

#endif
