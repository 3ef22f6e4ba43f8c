/* tmpl_set: template sets (name -> parsed tree), the node arena, and the
 * function registry's storage. */
#include "tmpl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- Arena ---- */

struct tmpl__chunk {
  struct tmpl__chunk *next;
  size_t cap, used;
  max_align_t data[];
};

#define ARENA_CHUNK 16384

void *tmpl__alloc(struct tmpl__arena *a, size_t n)
{
  n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
  struct tmpl__chunk *c = a->chunks;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->cap = cap;
    c->used = 0;
    c->next = a->chunks;
    a->chunks = c;
  }
  void *p = (char *)c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *tmpl__strndup(struct tmpl__arena *a, const char *s, size_t n)
{
  char *p = tmpl__alloc(a, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

void tmpl__arena_free(struct tmpl__arena *a)
{
  struct tmpl__chunk *c = a->chunks;
  while (c) {
    struct tmpl__chunk *next = c->next;
    free(c);
    c = next;
  }
  a->chunks = NULL;
}

/* ---- Name -> tree map ---- */

static uint64_t hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static struct tmpl__tree **map_slot(const struct tmpl__map *m, const char *name)
{
  size_t i = (size_t)hash_str(name) & (m->cap - 1);
  while (m->slots[i] && strcmp(m->slots[i]->name, name) != 0)
    i = (i + 1) & (m->cap - 1);
  return &m->slots[i];
}

static int map_grow(struct tmpl__map *m)
{
  struct tmpl__map nm = {.cap = m->cap ? m->cap * 2 : 64};
  nm.slots = calloc(nm.cap, sizeof *nm.slots);
  if (!nm.slots)
    return -ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i])
      *map_slot(&nm, m->slots[i]->name) = m->slots[i];
  nm.n = m->n;
  free(m->slots);
  *m = nm;
  return 0;
}

static struct tmpl__tree *map_get(const struct tmpl__map *m, const char *name)
{
  return m->cap ? *map_slot(m, name) : NULL;
}

static int map_put(struct tmpl__map *m, struct tmpl__tree *t)
{
  if ((m->n + 1) * 2 > m->cap) {
    int rc = map_grow(m);
    if (rc)
      return rc;
  }
  struct tmpl__tree **slot = map_slot(m, t->name);
  if (!*slot)
    m->n++;
  *slot = t;
  return 0;
}

/* ---- Sets ---- */

struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs)
{
  struct tmpl_set *s = calloc(1, sizeof *s);
  if (s)
    s->funcs = funcs;
  return s;
}

static void src_free(struct tmpl__src *src)
{
  for (size_t i = 0; i < src->nconsts; i++)
    json_object_put(src->consts[i]);
  free(src->consts);
  tmpl__arena_free(&src->arena);
  free(src->name);
  free(src->text);
  free(src->ldelim);
  free(src->rdelim);
  free(src);
}

void tmpl_set_free(struct tmpl_set *s)
{
  if (!s)
    return;
  struct tmpl__src *src = s->srcs;
  while (src) {
    struct tmpl__src *next = src->next;
    src_free(src);
    src = next;
  }
  free(s->trees.slots);
  free(s->ldelim);
  free(s->rdelim);
  free(s);
}

int tmpl_set_delims(struct tmpl_set *s, const char *left, const char *right)
{
  char *l = strdup(left && *left ? left : "{{");
  char *r = strdup(right && *right ? right : "}}");
  if (!l || !r) {
    free(l);
    free(r);
    return -ENOMEM;
  }
  free(s->ldelim);
  free(s->rdelim);
  s->ldelim = l;
  s->rdelim = r;
  return 0;
}

struct tmpl__tree *tmpl__set_lookup(const struct tmpl_set *s, const char *name)
{
  for (; s; s = s->parent) {
    struct tmpl__tree *t = map_get(&s->trees, name);
    if (t)
      return t;
  }
  return NULL;
}

int tmpl_set_has(const struct tmpl_set *s, const char *name)
{
  const struct tmpl__tree *t = tmpl__set_lookup(s, name);
  return t && t->root;
}

/* Go's associate: an empty body never replaces an existing template. */
int tmpl__set_add_tree(struct tmpl_set *s, struct tmpl__tree *t)
{
  struct tmpl__tree *old = map_get(&s->trees, t->name);
  if (old && old->root && tmpl__tree_is_empty(t->root))
    return 0;
  return map_put(&s->trees, t);
}

int tmpl__set_add_src(struct tmpl_set *s, struct tmpl__src *src)
{
  src->next = s->srcs;
  s->srcs = src;
  return 0;
}

void tmpl__src_free(struct tmpl__src *src)
{
  src_free(src);
}

int tmpl_set_parse(struct tmpl_set *s, const char *name, const char *text,
                   size_t len, struct err *e)
{
  return tmpl__parse(s, name, text, len, e);
}

/* ---- Function registry ---- */

struct tmpl_funcs {
  const struct tmpl_func **slots;
  size_t cap, n;
};

struct tmpl_funcs *tmpl_funcs_new(void)
{
  return calloc(1, sizeof(struct tmpl_funcs));
}

void tmpl_funcs_free(struct tmpl_funcs *f)
{
  if (f) {
    free(f->slots);
    free(f);
  }
}

static const struct tmpl_func **func_slot(const struct tmpl_funcs *f,
                                          const char *name)
{
  size_t i = (size_t)hash_str(name) & (f->cap - 1);
  while (f->slots[i] && strcmp(f->slots[i]->name, name) != 0)
    i = (i + 1) & (f->cap - 1);
  return &f->slots[i];
}

static int funcs_grow(struct tmpl_funcs *f)
{
  struct tmpl_funcs nf = {.cap = f->cap ? f->cap * 2 : 256};
  nf.slots = calloc(nf.cap, sizeof *nf.slots);
  if (!nf.slots)
    return -ENOMEM;
  for (size_t i = 0; i < f->cap; i++)
    if (f->slots[i])
      *func_slot(&nf, f->slots[i]->name) = f->slots[i];
  nf.n = f->n;
  free(f->slots);
  *f = nf;
  return 0;
}

int tmpl_funcs_add(struct tmpl_funcs *f, const struct tmpl_func *fns, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if ((f->n + 1) * 2 > f->cap) {
      int rc = funcs_grow(f);
      if (rc)
        return rc;
    }
    const struct tmpl_func **slot = func_slot(f, fns[i].name);
    if (!*slot)
      f->n++;
    *slot = &fns[i];
  }
  return 0;
}

const struct tmpl_func *tmpl_funcs_get(const struct tmpl_funcs *f,
                                       const char *name)
{
  if (f && f->cap) {
    const struct tmpl_func *fn = *func_slot(f, name);
    if (fn)
      return fn;
  }
  return tmpl__builtin(name);
}
