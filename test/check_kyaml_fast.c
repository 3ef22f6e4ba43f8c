/* kyaml_fast: the block-style scanner reads what libyaml reads, alike.
 *
 * Every case is read twice, by the scanner (with libyaml behind it) and by
 * libyaml alone, and the documents (values, key order, number types, the
 * line each starts on) or the error must be the same. The first table
 * also requires that the scanner took the text itself, so that what it
 * claims to handle stays handled; the second, that it hands the text on. */
#include "buf.h"
#include "kyaml.h"
#include "kyaml_int.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int show_doc_cb(struct json_object *doc, int line, void *data)
{
  buf_printf(data, "line %d: %s\n", line,
             doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN)
                 : "null");
  json_object_put(doc);
  return 0;
}

/* Everything a reader gives for text, as one string to compare. */
static char *read_with(const char *text, size_t n, int numbers,
                       int libyaml_only)
{
  struct kyaml_opts o = {
      .name = "t.yaml", .numbers = numbers, .libyaml_only = libyaml_only};
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  err_clear(&e);
  int rc = kyaml_parse_each(text, n, &o, show_doc_cb, &b, &e);
  if (rc)
    buf_printf(&b, "error %d: %s\n", rc, e.msg);
  buf_putc(&b, '\0');
  return buf_take(&b);
}

static void assert_readers_agree(const char *what, const char *text, size_t n)
{
  for (int numbers = 0; numbers < 2; numbers++) {
    char *fast = read_with(text, n, numbers, 0);
    char *slow = read_with(text, n, numbers, 1);
    ck_assert_msg(strcmp(fast, slow) == 0,
                  "%s: the readers differ\n--- scanner:\n%s--- libyaml:\n%s",
                  what, fast, slow);
    free(fast);
    free(slow);
  }
}

static int count_cb(yaml_event_t *ev, void *ctx)
{
  (void)ev;
  (*(int *)ctx)++;
  return 0;
}

static int scanner_takes(const char *text)
{
  int events = 0;
  return kyaml__scan_block(text, strlen(text), count_cb, &events) !=
         KYAML__BAIL;
}

/* ---- what the scanner reads itself ---- */

static const char *const taken[] = {
    "a: 1\nb: two\nc: 2.5\nd: true\ne: ~\nf:\n",
    "a:\n  b:\n    c: deep\n  d: back\ne: top\n",
    "list:\n- a\n- b\nafter: 1\n",
    "list:\n  - a\n  -   b\n  - c: 1\n    d: 2\n  -\n    e: 3\n",
    "- a: 1\n  b: 2\n- c: 3\n-\n- \n",
    "-\n  - x\n  - y\n-\n  k: v\n",
    "# head\na: 1 # after\n# between\nb:\n  # inside\n  c: 2\n# tail\n",
    "a: one\n  two\n\n  three\n   four\nb: x\n",
    "a: trailing spaces   \nb: in  between   words\n",
    "- one\n  two\n- three\n\n\n  four\n",
    "a: 'single ''quoted'''\nb: 'over\n  two lines\n\n  and a paragraph'\n",
    "a: \"tab\\there \\u00e9 \\x41 \\U0001F600 \\\\ \\\" \\/ \\e \\N \\_ \\L "
    "\\P\"\n",
    "a: \"nul \\0 and \\a\\b\\v\\f\\r\\n\"\n",
    "a: \"one \\\n   two\"\nb: \"three \\\n\n   four\"\n",
    "a: \"folded   \n   line  \n\n\n  lines\"\n",
    "a: |\n  line1\n\n  line3\n  \nb: |-\n  x\n\nc: |+\n  y\n\n\nd: 1\n",
    "a: |2\n    indented\n  less\nb: |-1\n  x\n",
    "a: |\n  foo  \n    bar\n",
    "a: |\n  foo\n  # not a comment\n# a comment\nb: 2\n",
    "a: |\nb: 1\nc: |+\n\n\nd: |-\n",
    "a: | # a comment\n  x\n",
    "a: |\n  at the end",
    "a: |+\n  kept\n\n",
    "- |\n  in a list\n- |-\n  x\n- k: |\n    in a map in a list\n  j: 2\n",
    "\"a b\": 1\n'c''d': 2\n\"e\\tf\" : 3\n",
    "http://x: 1\na:b: 2\nc d e: 3\n-k: 4\n?q: 5\n:r: 6\n",
    "a: yes\nb: 0777\nc: 1.5\nd: ~\ne: 2001-12-14\nf: .inf\ng: 0x1F\n"
    "h: 1e3\ni: 1_000\nj: 0b101\nk: Off\nl: \"yes\"\nm: 'null'\nn: 1.0\n",
    "{}\n",
    "[]\n",
    "a: []\nb: {}\nc: [] # empty\nd: [ ]\n",
    "verbs: [\"get\", \"list\"]\nops: [ 'CREATE' , \"UPDATE\" ]\n"
    "apis: [apps/v1, v1beta1, x_y.z-w, 1, 2.5, true, null]\n",
    "rules:\n- apiGroups: [\"\"]\n  resources: [\"*\"] # all\n",
    "annotations:\n  {}\nlist:\n  [a, b]\nitems:\n-\n  []\n",
    "[a, \"b c\"]\n",
    "a: [\"esc\\u00e9\\\"q\", 'it''s']\n",
    "  a: 1\n  b:\n    c: 2\n",
    "name: héllo wörld ✓ 日本\n",
    "\n# c\n\na: 1\n",
    "a: 1\na: 2\nb: 1\n",
    "<<:\n  a: 1\n  b: 1\nb: 2\n",
    "a: b#c\nd: e # comment\nf: g#\n",
    "a: -1\nb: :x\nc: ?y\nd: -\\x\ne: --- not a marker\n",
    "a: foo\n  - bar\n  ? baz\n",
    "a: 'quoted: value # not a comment'\nb: \"x: y\"\n",
    "a:\n  - b\n  -\n  - c\n",
    "a:   \n  b: 1\n",
    "1: one\n2.5: two\ntrue: three\n0x10: four\n",
    "a:\n\n\n  b: 1\n\n\nc: 2\n",
    "a: 1",
    "# only a comment\n",
    "",
    "key: \"multi\n  line\n  double\"\n",
    "a: ' leading and trailing  '\n",
    "a: \"\\x80\\u0100\\U00010000\"\n",
    "description: 'CreationTimestamp is a timestamp representing the server\n"
    "    time when this object was created. More info: "
    "https://git.k8s.io/x#metadata'\n",
};

START_TEST(scanner_reads_the_block_subset)
{
  const char *text = taken[_i];
  ck_assert_msg(scanner_takes(text), "the scanner gave up on:\n%s", text);
  assert_readers_agree(text, text, strlen(text));
}
END_TEST

/* ---- what it leaves to libyaml, and the reading is the same ---- */

static const char *const handed_on[] = {
    "a: [1, [2]]\n",
    "a: [a b]\n",
    "a: [a, ]\n",
    "a: [-1]\n",
    "a: [.5]\n",
    "a: [*x]\n",
    "a: [a: b]\n",
    "a: [\"a\": b]\n",
    "a: [a,\n  b]\n",
    "a: [a] b\n",
    "a: [a]: b\n",
    "[a]: b\n",
    "a: {b: c}\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: >\n  folded\n",
    "a:\t1\n",
    "a: 1\r\nb: 2\r\n",
    "--- \na: 1\n",
    "--- a: 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "? a\n: b\n",
    "hello\n",
    "'just a scalar'\n",
    "a: b: c\n",
    "a:\n  b: 1\n c: 2\n",
    "- a\nb: 1\n",
    "a: 1\n- b\n",
    "a: 'unterminated\n",
    "a: \"bad \\q escape\"\n",
    "a: |\n  foo\n\tbar\n",
    "a: \"\\ud800\"\n",
    "key: value\n\tb: 1\n",
    "a: |0\n x\n",
    "a: x\n  b: y\n",
    "a: 1\n...\nb: 2\n",
    "a: 1\n  b: 2\n",
    "a: x # c\n  more\n",
    "- - a\n",
    "a: 'x'y\n",
    "a: @b\n",
    "a: `b\n",
    "a: %b\n",
    "\xef\xbb\xbf"
    "a: 1\n",
    "a: \xc2\x85\n",
    "a: bad \xff utf8\n",
    "a: \x01\n",
    "a: |\n    \n  x\n",
    "'multi\n  line key': 1\n",
};

START_TEST(scanner_hands_the_rest_to_libyaml)
{
  const char *text = handed_on[_i];
  ck_assert_msg(!scanner_takes(text), "the scanner took:\n%s", text);
  assert_readers_agree(text, text, strlen(text));
}
END_TEST

/* Every byte value at every place of an 8-byte block reads alike: the
 * scanner checks text eight bytes at a time. */
START_TEST(every_byte_value_reads_alike)
{
  for (int c = 0; c < 256; c++) {
    for (int k = 0; k < 16; k++) {
      char text[] = "a: 0123456789abcdefghij\n";
      text[3 + k] = (char)c;
      assert_readers_agree("a byte", text, sizeof text - 1);
    }
  }
}
END_TEST

/* Errors only the tree builder finds come out the same, place and all. */
START_TEST(builder_errors_are_libyamls)
{
  static const char *const cases[] = {
      "a:\n  ~: 1\n",
      "a: 1\n18446744073709551615: 2\n",
  };
  for (size_t i = 0; i < N(cases); i++) {
    ck_assert(scanner_takes(cases[i]));
    assert_readers_agree(cases[i], cases[i], strlen(cases[i]));
    char *msg = read_with(cases[i], strlen(cases[i]), 0, 0);
    ck_assert_msg(strstr(msg, "error") && strstr(msg, "t.yaml:"), "%s", msg);
    free(msg);
  }
}
END_TEST

/* Limits set by the caller hold on the scanner's path as on libyaml's. */
START_TEST(limits_hold_on_both_paths)
{
  const char *text = "a:\n  b:\n    c:\n      d: 1\n";
  struct kyaml_opts o = {.name = "t.yaml", .max_depth = 2};
  struct json_object *out;
  struct err e;
  ck_assert_int_ne(kyaml_parse(text, strlen(text), &o, &out, &e), 0);
  ck_assert_msg(strstr(e.msg, "nesting deeper than 2"), "%s", e.msg);
  struct buf deep;
  buf_init(&deep, 0);
  for (int i = 0; i < 100; i++)
    buf_printf(&deep, "%*sk%d:\n", i * 2, "", i);
  assert_readers_agree("100 levels", deep.data, deep.len);
  buf_free(&deep);
}
END_TEST

/* ---- skimmed reads ---- */

/* v with the collections deeper than keep levels emptied, as a skimmed
 * read may give it. */
static struct json_object *pruned(struct json_object *v, int keep, int depth)
{
  int map = json_object_is_type(v, json_type_object);
  if (!map && !json_object_is_type(v, json_type_array))
    return json_object_get(v);
  if (depth > keep)
    return map ? json_object_new_object() : json_object_new_array();
  struct json_object *c =
      map ? json_object_new_object() : json_object_new_array();
  if (map) {
    json_object_object_foreach (v, k, e)
      json_object_object_add(c, k, pruned(e, keep, depth + 1));
  } else {
    for (size_t i = 0; i < json_object_array_length(v); i++)
      json_object_array_add(
          c, pruned(json_object_array_get_idx(v, i), keep, depth + 1));
  }
  return c;
}

/* A skimmed read: the full read's top levels, or the full read's error. */
static void assert_skim_agrees(const char *what, const char *text, size_t n,
                               int keep)
{
  struct kyaml_opts full = {.name = "t.yaml"};
  struct kyaml_opts skim = {.name = "t.yaml", .keep_depth = keep};
  struct json_object *a = NULL, *b = NULL;
  struct err ea, eb;
  err_clear(&ea);
  err_clear(&eb);
  int ra = kyaml_parse(text, n, &full, &a, &ea);
  int rb = kyaml_parse(text, n, &skim, &b, &eb);
  ck_assert_msg(ra == rb, "%s: rc %d vs %d (%s | %s)", what, ra, rb, ea.msg,
                eb.msg);
  if (ra) {
    ck_assert_str_eq(ea.msg, eb.msg);
    return;
  }
  struct json_object *want = pruned(a, keep, 1), *got = pruned(b, keep, 1);
  ck_assert_msg(json_object_equal(want, got), "%s: skimmed read\n%s\nwant\n%s",
                what, json_object_to_json_string(got),
                json_object_to_json_string(want));
  json_object_put(want);
  json_object_put(got);
  json_object_put(a);
  json_object_put(b);
}

START_TEST(skimmed_reads_keep_the_top_and_every_error)
{
  static const char *const cases[] = {
      "a:\n  b:\n    c:\n      d: 1\n  e:\n  - x\nf: 2\n",
      "a:\n  b:\n    c:\n      ~: 1\n",
      "a:\n  b:\n    - c: 1e400\n      d: .inf\n",
      "a:\n  b:\n    <<:\n      k: v\n",
      "metadata:\n  name: x\n  annotations:\n    a: b\n    c:\n      d: e\n",
      "a:\n  b:\n    c: [1, {d: e}]\n",
      "a:\n  b: &x\n    c: 1\n  d: *x\n",
  };
  for (int keep = 1; keep <= 3; keep++) {
    for (size_t i = 0; i < N(cases); i++)
      assert_skim_agrees(cases[i], cases[i], strlen(cases[i]), keep);
    for (size_t i = 0; i < N(taken); i++)
      assert_skim_agrees(taken[i], taken[i], strlen(taken[i]), keep);
  }
  struct kyaml_opts skim = {.name = "t.yaml", .keep_depth = 1};
  struct json_object *doc;
  struct err e;
  const char *text = cases[0];
  ck_assert_int_eq(kyaml_parse(text, strlen(text), &skim, &doc, &e), 0);
  ck_assert_str_eq(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN),
                   "{\"a\":{},\"f\":2}");
  json_object_put(doc);
}
END_TEST

/* ---- every YAML file of the source tree ---- */

static void read_tree(const char *dir, int *files)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(path, &st) != 0)
      continue;
    size_t len = strlen(de->d_name);
    if (S_ISDIR(st.st_mode)) {
      read_tree(path, files);
    } else if ((len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0) ||
               (len > 4 && strcmp(de->d_name + len - 4, ".yml") == 0)) {
      size_t n;
      char *text = test_read_file(path, &n);
      ck_assert_ptr_nonnull(text);
      assert_readers_agree(path, text, n);
      assert_skim_agrees(path, text, n, 3);
      free(text);
      (*files)++;
    }
  }
  closedir(d);
}

START_TEST(every_yaml_file_in_the_tree_reads_alike)
{
  static const char *const dirs[] = {"test", "crds", "deploy", "lib/data"};
  int files = 0;
  for (size_t i = 0; i < N(dirs); i++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", test_src_dir(), dirs[i]);
    read_tree(dir, &files);
  }
  ck_assert_int_gt(files, 100);
}
END_TEST

Suite *kyaml_fast_suite(void)
{
  Suite *s = suite_create("kyaml_fast");
  TCase *t = tcase_create("differential");
  tcase_set_timeout(t, 60);
  tcase_add_loop_test(t, scanner_reads_the_block_subset, 0, N(taken));
  tcase_add_loop_test(t, scanner_hands_the_rest_to_libyaml, 0, N(handed_on));
  tcase_add_test(t, every_byte_value_reads_alike);
  tcase_add_test(t, builder_errors_are_libyamls);
  tcase_add_test(t, limits_hold_on_both_paths);
  tcase_add_test(t, skimmed_reads_keep_the_top_and_every_error);
  tcase_add_test(t, every_yaml_file_in_the_tree_reads_alike);
  suite_add_tcase(s, t);
  return s;
}
