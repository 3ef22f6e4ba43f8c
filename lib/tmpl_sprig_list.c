/* tmpl_sprig_list: Sprig's list.go (list, append/prepend, first/rest/last/
 * initial, reverse, uniq, without, has, compact, slice, concat, chunk and
 * their must* forms) and until/untilStep/seq from numeric.go.
 *
 * Sprig reflects on its argument: any slice works ([]string, []int, []byte
 * whose elements are uint8s), nil panics in reflect.TypeOf(nil).Kind(),
 * and another kind is an error ("Cannot push on type map") that the plain
 * forms raise as a panic; all of them read the same in a template. The
 * long lists until and untilStep can make are capped at one element per
 * 64 bytes of the execution's output ceiling. */
#include "tmpl_sprig_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct tmpl_type chunks_type = {.name = "[][]interface {}",
                                             .kind = TMPL_KIND_SLICE,
                                             .elem = TMPL_KIND_SLICE,
                                             .elem_name = "[]interface {}"};

/* reflect.TypeOf(list).Kind() on a list argument: nil panics; other
 * kinds give Sprig's error, what followed by the kind. */
static int need_slice(struct tmpl_call *c, struct json_object *l,
                      const char *what)
{
  if (!l)
    return tmpl_call_errorf(c, TMPL__NIL_DEREF);
  if (!tmpl__is_slice(l))
    return tmpl_call_errorf(c, "%s%s", what, tmpl__kind_of(l));
  return 0;
}

static int arr_add(struct json_object *a, struct json_object *e)
{
  if (json_object_array_add(a, e)) {
    json_object_put(e);
    return -ENOMEM;
  }
  return 0;
}

/* Appends elements [from, to) of a slice to a, in order or reversed. */
static int append_range(struct json_object *a, struct json_object *l,
                        size_t from, size_t to, int reversed)
{
  int rc = 0;
  for (size_t i = 0; !rc && i < to - from; i++) {
    struct json_object *e =
        tmpl__slice_get(l, reversed ? to - 1 - i : from + i, &rc);
    if (!rc)
      rc = arr_add(a, e);
  }
  return rc;
}

/* Elements [from, to) of a slice into a new []interface{}. */
static int copy_range(struct json_object *l, size_t from, size_t to,
                      int reversed, struct json_object **out)
{
  struct json_object *a = json_object_new_array_ext((int)(to - from));
  int rc = a ? append_range(a, l, from, to, reversed) : -ENOMEM;
  if (rc) {
    json_object_put(a);
    return rc;
  }
  *out = a;
  return 0;
}

TMPL__FN(fn_list)
{
  struct json_object *a = json_object_new_array_ext(argc);
  int rc = a ? 0 : -ENOMEM;
  for (int i = 0; !rc && i < argc; i++) {
    rc = tmpl__call_nest(c, argv[i].o);
    if (!rc)
      rc = arr_add(a, json_object_get(argv[i].o));
  }
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret(out, a);
}

static int push(struct tmpl_call *c, struct tmpl_value *argv,
                struct tmpl_value *out, int front)
{
  struct json_object *l = argv[0].o, *a = NULL;
  int rc = need_slice(
      c, l, front ? "Cannot prepend on type " : "Cannot push on type ");
  if (!rc)
    rc = tmpl__call_nest(c, argv[1].o);
  if (rc)
    return rc;
  size_t n = tmpl__slice_len(l);
  a = json_object_new_array_ext((int)n + 1);
  rc = a ? 0 : -ENOMEM;
  if (!rc && front)
    rc = arr_add(a, json_object_get(argv[1].o));
  if (!rc)
    rc = append_range(a, l, 0, n, 0);
  if (!rc && !front)
    rc = arr_add(a, json_object_get(argv[1].o));
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret(out, a);
}

TMPL__FN(fn_push)
{
  return push(c, argv, out, 0);
}

TMPL__FN(fn_prepend)
{
  return push(c, argv, out, 1);
}

/* An element as Go's Interface() returns it: dug out of interface{}. */
static int ret_elem(struct tmpl_value *out, struct json_object *e)
{
  out->o = e;
  out->st = TMPL_V_IFACE;
  return 0;
}

static int first_last(struct tmpl_call *c, struct tmpl_value *argv,
                      struct tmpl_value *out, int last)
{
  struct json_object *l = argv[0].o;
  int rc = need_slice(
      c, l, last ? "Cannot find last on type " : "Cannot find first on type ");
  if (rc)
    return rc;
  size_t n = tmpl__slice_len(l);
  if (n == 0)
    return tmpl__ret_iface(out, NULL);
  struct json_object *e = tmpl__slice_get(l, last ? n - 1 : 0, &rc);
  return rc ? rc : ret_elem(out, e);
}

TMPL__FN(fn_first)
{
  return first_last(c, argv, out, 0);
}

TMPL__FN(fn_last)
{
  return first_last(c, argv, out, 1);
}

/* rest and initial: a nil []interface{} for an empty list. */
static int rest_initial(struct tmpl_call *c, struct tmpl_value *argv,
                        struct tmpl_value *out, int initial)
{
  struct json_object *l = argv[0].o, *a;
  int rc = need_slice(c, l,
                      initial ? "Cannot find initial on type "
                              : "Cannot find rest on type ");
  if (rc)
    return rc;
  size_t n = tmpl__slice_len(l);
  if (n == 0)
    return tmpl__ret_typed(out, json_object_new_array(), &tmpl_type_nil_list);
  rc = copy_range(l, initial ? 0 : 1, initial ? n - 1 : n, 0, &a);
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_rest)
{
  return rest_initial(c, argv, out, 0);
}

TMPL__FN(fn_initial)
{
  return rest_initial(c, argv, out, 1);
}

TMPL__FN(fn_reverse)
{
  struct json_object *l = argv[0].o, *a;
  int rc = need_slice(c, l, "Cannot find reverse on type ");
  if (!rc)
    rc = copy_range(l, 0, tmpl__slice_len(l), 1, &a);
  return rc ? rc : tmpl__ret(out, a);
}

/* Whether e is DeepEqual to an element of list (a json array). */
static int in_list(struct json_object *list, const struct json_object *e)
{
  for (size_t i = 0; i < json_object_array_length(list); i++)
    if (tmpl__deep_equal(json_object_array_get_idx(list, i), e))
      return 1;
  return 0;
}

enum filter { F_COMPACT, F_UNIQ, F_WITHOUT };

/* The elements of l that pass: non-empty (compact), not seen yet (uniq),
 * not in omit (without). */
static int filter(struct json_object *l, enum filter f,
                  struct json_object *omit, struct json_object **out)
{
  struct json_object *a = json_object_new_array();
  int rc = a ? 0 : -ENOMEM;
  for (size_t i = 0; !rc && i < tmpl__slice_len(l); i++) {
    struct json_object *e = tmpl__slice_get(l, i, &rc);
    int keep = f == F_COMPACT ? !tmpl__empty(e)
               : f == F_UNIQ  ? !in_list(a, e)
                              : !in_list(omit, e);
    if (!rc && keep)
      rc = arr_add(a, e);
    else
      json_object_put(e);
  }
  if (rc) {
    json_object_put(a);
    return rc;
  }
  *out = a;
  return 0;
}

TMPL__FN(fn_compact)
{
  struct json_object *a;
  int rc = need_slice(c, argv[0].o, "Cannot compact on type ");
  if (!rc)
    rc = filter(argv[0].o, F_COMPACT, NULL, &a);
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_uniq)
{
  struct json_object *a;
  int rc = need_slice(c, argv[0].o, "Cannot find uniq on type ");
  if (!rc)
    rc = filter(argv[0].o, F_UNIQ, NULL, &a);
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_without)
{
  struct json_object *a, *omit = NULL;
  int rc = need_slice(c, argv[0].o, "Cannot find without on type ");
  struct tmpl_value *rest = argv + 1;
  if (!rc && !(omit = json_object_new_array()))
    rc = -ENOMEM;
  for (int i = 0; !rc && i < argc - 1; i++)
    rc = arr_add(omit, json_object_get(rest[i].o));
  if (!rc)
    rc = filter(argv[0].o, F_WITHOUT, omit, &a);
  json_object_put(omit);
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_has)
{
  struct json_object *l = argv[1].o;
  if (!l)
    return tmpl__ret_bool(out, 0);
  if (!tmpl__is_slice(l))
    return tmpl_call_errorf(c, "Cannot find has on type %s", tmpl__kind_of(l));
  int rc = 0, found = 0;
  for (size_t i = 0; !rc && !found && i < tmpl__slice_len(l); i++) {
    struct json_object *e = tmpl__slice_get(l, i, &rc);
    found = !rc && tmpl__deep_equal(argv[0].o, e);
    json_object_put(e);
  }
  return rc ? rc : tmpl__ret_bool(out, found);
}

/* Sprig's slice: list[start:end] through reflect (bounds against the
 * length), keeping the list's type; an empty list gives nil. */
TMPL__FN(fn_slice)
{
  struct json_object *l = argv[0].o, *a;
  int rc = need_slice(c, l, "list should be type of slice or array but ");
  if (rc)
    return rc;
  size_t n = tmpl__slice_len(l);
  if (n == 0)
    return tmpl__ret_iface(out, NULL);
  int64_t start = argc > 1 ? tmpl__to_int64(argv[1].o) : 0;
  int64_t end = argc > 2 ? tmpl__to_int64(argv[2].o) : (int64_t)n;
  if (start < 0 || end < start || (uint64_t)end > n)
    return tmpl_call_errorf(c, "reflect.Value.Slice: slice index out of "
                               "bounds");
  if (json_object_is_type(l, json_type_string)) /* []byte */
    return tmpl__ret_typed(
        out,
        json_object_new_string_len(json_object_get_string(l) + start,
                                   (int)(end - start)),
        &tmpl_type_bytes);
  rc = copy_range(l, (size_t)start, (size_t)end, 0, &a);
  if (!rc && tmpl_val_type(l) && tmpl_val_type(l) != &tmpl_type_nil_list)
    tmpl_val_set_type(a, tmpl_val_type(l));
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_concat)
{
  struct json_object *a = json_object_new_array();
  int rc = a ? 0 : -ENOMEM;
  for (int i = 0; !rc && i < argc; i++) {
    struct json_object *l = argv[i].o;
    if (!l) {
      rc = tmpl_call_errorf(c, TMPL__NIL_DEREF);
      break;
    }
    if (!tmpl__is_slice(l)) {
      rc = tmpl_call_errorf(c, "Cannot concat type %s as list",
                            tmpl__kind_of(l));
      break;
    }
    rc = append_range(a, l, 0, tmpl__slice_len(l), 0);
  }
  if (rc) {
    json_object_put(a);
    return rc;
  }
  if (json_object_array_length(a) == 0) /* Go's res stays a nil slice */
    tmpl_val_set_type(a, &tmpl_type_nil_list);
  out->o = a;
  out->st = TMPL_V_IFACE;
  return 0;
}

static int make_panic(struct tmpl_call *c)
{
  return tmpl_call_errorf(c, "runtime error: makeslice: len out of range");
}

/* Sprig's chunk, with its float arithmetic. */
static int chunk(struct tmpl_call *c, struct json_object *l, int64_t size,
                 struct json_object *a)
{
  int64_t n = (int64_t)tmpl__slice_len(l);
  int64_t cs = tmpl__f2i(floor((double)(n - 1) / (double)size) + 1);
  if (cs < 0 || cs > n + 1)
    return cs < 0 ? make_panic(c) : tmpl__check_size(c, (size_t)-1);
  int rc = 0;
  for (int64_t i = 0; !rc && i < cs; i++) {
    int64_t clen = size;
    if (i == cs - 1) {
      clen = tmpl__f2i(floor(fmod((double)n, (double)size)));
      if (clen == 0)
        clen = size;
    }
    if (clen < 0)
      return make_panic(c);
    struct json_object *part = json_object_new_array();
    rc = part ? arr_add(a, part) : -ENOMEM;
    for (int64_t j = 0; !rc && j < clen; j++) {
      int64_t ix = i * size + j;
      if (ix < 0 || ix >= n)
        return tmpl_call_errorf(c, "reflect: slice index out of range");
      struct json_object *e = tmpl__slice_get(l, (size_t)ix, &rc);
      if (!rc)
        rc = arr_add(part, e);
    }
  }
  return rc;
}

TMPL__FN(fn_chunk)
{
  struct json_object *l = argv[1].o;
  int rc = need_slice(c, l, "Cannot chunk type ");
  if (!rc)
    rc = tmpl__call_nest(c, l);
  if (rc)
    return rc;
  struct json_object *a = json_object_new_array();
  if (!a)
    return -ENOMEM;
  rc = chunk(c, l, tmpl__int(&argv[0]), a);
  if (rc) {
    json_object_put(a);
    return rc;
  }
  return tmpl__ret_typed(out, a, &chunks_type);
}

/* ---- until, untilStep, seq ---- */

/* How many values untilStep(start, stop, step) makes. */
static uint64_t steps(int64_t start, int64_t stop, int64_t step)
{
  if (stop < start) {
    if (step >= 0)
      return 0;
    uint64_t d = (uint64_t)start - (uint64_t)stop, s = -(uint64_t)step;
    return d / s + (d % s != 0);
  }
  if (step <= 0)
    return 0;
  uint64_t d = (uint64_t)stop - (uint64_t)start, s = (uint64_t)step;
  return d / s + (d % s != 0);
}

static int until_step(struct tmpl_call *c, int64_t start, int64_t stop,
                      int64_t step, struct json_object **out)
{
  uint64_t n = steps(start, stop, step);
  if (n > tmpl_call_max_output(c) / 64)
    return tmpl_call_errorf(c,
                            "a list of %llu numbers exceeds the limit of "
                            "%zu",
                            (unsigned long long)n,
                            tmpl_call_max_output(c) / 64);
  struct json_object *a = json_object_new_array_ext((int)n);
  int rc = a ? 0 : -ENOMEM;
  uint64_t v = (uint64_t)start;
  for (uint64_t i = 0; !rc && i < n; i++, v += (uint64_t)step)
    rc = arr_add(a, tmpl_val_int((int64_t)v));
  if (rc) {
    json_object_put(a);
    return rc;
  }
  tmpl_val_set_type(a, &tmpl_type_ints);
  *out = a;
  return 0;
}

TMPL__FN(fn_until)
{
  int64_t n = tmpl__int(&argv[0]);
  struct json_object *a;
  int rc = until_step(c, 0, n, n < 0 ? -1 : 1, &a);
  return rc ? rc : tmpl__ret(out, a);
}

TMPL__FN(fn_until_step)
{
  struct json_object *a;
  int rc = until_step(c, tmpl__int(&argv[0]), tmpl__int(&argv[1]),
                      tmpl__int(&argv[2]), &a);
  return rc ? rc : tmpl__ret(out, a);
}

static int64_t wrap_add(int64_t a, int64_t b)
{
  return (int64_t)((uint64_t)a + (uint64_t)b);
}

TMPL__FN(fn_seq)
{
  int64_t start = 1, end = 0, step = 1;
  if (argc == 0 || argc > 3)
    return tmpl__ret_str(out, "", 0);
  if (argc == 1) {
    end = tmpl__int(&argv[0]);
    step = end < start ? -1 : 1;
  } else if (argc == 2) {
    start = tmpl__int(&argv[0]);
    end = tmpl__int(&argv[1]);
    step = end < start ? -1 : 1;
  } else {
    start = tmpl__int(&argv[0]);
    step = tmpl__int(&argv[1]);
    end = tmpl__int(&argv[2]);
  }
  int64_t inc = end < start ? -1 : 1;
  if (argc == 3 && end < start && step > 0)
    return tmpl__ret_str(out, "", 0);
  struct json_object *a = NULL;
  int rc =
      until_step(c, start, wrap_add(end, argc == 3 ? inc : step), step, &a);
  if (rc)
    return rc;
  struct buf b;
  buf_init(&b, 0);
  for (size_t i = 0; !rc && i < json_object_array_length(a); i++)
    rc = buf_printf(
        &b, i ? " %lld" : "%lld",
        (long long)json_object_get_int64(json_object_array_get_idx(a, i)));
  json_object_put(a);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static const struct tmpl_func fns[] = {
    {"append", fn_push, "aa", NULL},
    {"chunk", fn_chunk, "ia", NULL},
    {"compact", fn_compact, "a", NULL},
    {"concat", fn_concat, "a*", NULL},
    {"first", fn_first, "a", NULL},
    {"has", fn_has, "aa", NULL},
    {"initial", fn_initial, "a", NULL},
    {"last", fn_last, "a", NULL},
    {"list", fn_list, "a*", NULL},
    {"mustAppend", fn_push, "aa", NULL},
    {"mustChunk", fn_chunk, "ia", NULL},
    {"mustCompact", fn_compact, "a", NULL},
    {"mustFirst", fn_first, "a", NULL},
    {"mustHas", fn_has, "aa", NULL},
    {"mustInitial", fn_initial, "a", NULL},
    {"mustLast", fn_last, "a", NULL},
    {"mustPrepend", fn_prepend, "aa", NULL},
    {"mustPush", fn_push, "aa", NULL},
    {"mustReverse", fn_reverse, "a", NULL},
    {"mustRest", fn_rest, "a", NULL},
    {"mustSlice", fn_slice, "aa*", NULL},
    {"mustUniq", fn_uniq, "a", NULL},
    {"mustWithout", fn_without, "aa*", NULL},
    {"prepend", fn_prepend, "aa", NULL},
    {"push", fn_push, "aa", NULL},
    {"rest", fn_rest, "a", NULL},
    {"reverse", fn_reverse, "a", NULL},
    {"seq", fn_seq, "i*", NULL},
    {"slice", fn_slice, "aa*", NULL},
    {"tuple", fn_list, "a*", NULL},
    {"uniq", fn_uniq, "a", NULL},
    {"until", fn_until, "i", NULL},
    {"untilStep", fn_until_step, "iii", NULL},
    {"without", fn_without, "aa*", NULL},
};

TMPL__TABLE(tmpl__sprig_list_fns, fns);
