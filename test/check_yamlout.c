/* yamlout: YAML written as sigs.k8s.io/yaml.Marshal writes it, which is what
 * Helm's toYaml, kubectl -o yaml and istioctl print.
 *
 * The expected texts of the table below are Helm 3.17.2's toYaml output for
 * the same values (recorded once; test/check_yaml_diff.c compares with a
 * live Helm). */
#include "kjson.h"
#include "kyaml.h"
#include "testutil.h"
#include "yamlout.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *read_values(const char *text)
{
  struct json_object *o = NULL;
  struct err e;
  struct kyaml_opts opts = {.name = "values.yaml",
                            .numbers = KYAML_NUMBERS_FLOAT};
  err_clear(&e);
  ck_assert_msg(kyaml_parse(text, strlen(text), &opts, &o, &e) == 0, "%s",
                e.msg);
  return o;
}

static char *write_yaml(struct json_object *o)
{
  struct buf b;
  struct err e;
  buf_init(&b, 0);
  err_clear(&e);
  int rc = yamlout_write(&b, o, &e);
  ck_assert_msg(rc == 0, "yamlout_write: %s", e.msg);
  return buf_take(&b);
}

/* The error yamlout_write gives for o (which it takes). */
static char *write_error(struct json_object *o)
{
  struct buf b;
  static struct err e;
  buf_init(&b, 0);
  buf_puts(&b, "before");
  err_clear(&e);
  int rc = yamlout_write(&b, o, &e);
  ck_assert_int_lt(rc, 0);
  ck_assert_str_eq(b.data, "before"); /* nothing half-written stays */
  buf_free(&b);
  json_object_put(o);
  return e.msg;
}

#define ck_assert_yaml(o, want)                                                \
  do {                                                                         \
    char *got_ = write_yaml(o);                                                \
    ck_assert_msg(strcmp(got_, want) == 0, "got:\n%s\nwant:\n%s", got_, want); \
    free(got_);                                                                \
  } while (0)

struct helm_case {
  const char *name;
  const char *values; /* what Helm reads with -f */
  const char *helm;   /* {{ toYaml .Values }} plus the newline it trims */
};

static const struct helm_case helm_cases[] = {
    {"quoted_types",
     "a: \"true\"\n"
     "b: \"yes\"\n"
     "c: \"on\"\n"
     "d: \"1.0\"\n"
     "e: \"012\"\n"
     "f: \"null\"\n"
     "g: \"~\"\n"
     "h: \"\"\n"
     "i: \"1:20\"\n"
     "j: \"0x1F\"\n"
     "k: \"1e3\"\n"
     "l: \"2001-12-14\"\n"
     "m: \"<<\"\n"
     "nn: \"y\"\n"
     "o: \".inf\"\n"
     "p: \"+5\"\n"
     "q: \"1_000\"\n",
     "a: \"true\"\n"
     "b: \"yes\"\n"
     "c: \"on\"\n"
     "d: \"1.0\"\n"
     "e: \"012\"\n"
     "f: \"null\"\n"
     "g: \"~\"\n"
     "h: \"\"\n"
     "i: \"1:20\"\n"
     "j: \"0x1F\"\n"
     "k: \"1e3\"\n"
     "l: \"2001-12-14\"\n"
     "m: <<\n"
     "nn: \"y\"\n"
     "o: \".inf\"\n"
     "p: \"+5\"\n"
     "q: \"1_000\"\n"},
    {"single_quoted",
     "a: \":\"\n"
     "b: \"a:\"\n"
     "c: \" lead\"\n"
     "d: \"trail \"\n"
     "e: \"*\"\n"
     "f: \"&a\"\n"
     "g: \"- x\"\n"
     "h: \"#x\"\n"
     "i: \"a: b\"\n"
     "j: \"a #b\"\n"
     "k: \"---x\"\n"
     "l: \"...x\"\n"
     "m: \"? x\"\n"
     "nn: \"!x\"\n"
     "o: \"|x\"\n"
     "p: \">x\"\n"
     "q: \"%x\"\n"
     "r: \"@x\"\n"
     "s: \"`x\"\n"
     "t: \"[x\"\n"
     "u: \"{x\"\n"
     "v: \"'q\"\n"
     "w: \"\\\"q\"\n"
     "x: \"-\"\n"
     "z: \"?\"\n",
     "a: ':'\n"
     "b: 'a:'\n"
     "c: ' lead'\n"
     "d: 'trail '\n"
     "e: '*'\n"
     "f: '&a'\n"
     "g: '- x'\n"
     "h: '#x'\n"
     "i: 'a: b'\n"
     "j: 'a #b'\n"
     "k: '---x'\n"
     "l: '...x'\n"
     "m: '? x'\n"
     "nn: '!x'\n"
     "o: '|x'\n"
     "p: '>x'\n"
     "q: '%x'\n"
     "r: '@x'\n"
     "s: '`x'\n"
     "t: '[x'\n"
     "u: '{x'\n"
     "v: '''q'\n"
     "w: '\"q'\n"
     "x: '-'\n"
     "z: '?'\n"},
    {"plain_ok",
     "a: -x\n"
     "b: a#b\n"
     "c: x:y\n"
     "d: ?x\n"
     "e: a,b\n"
     "f: a[b]\n"
     "g: \"=\"\n"
     "h: nULL\n"
     "i: TrUe\n"
     "j: \"1e\"\n"
     "k: \"0.\"\n"
     "l: it's \"x\"\n"
     "m: back\\slash\n"
     "nn: \":x\"\n"
     "o: \"--\"\n",
     "a: -x\n"
     "b: a#b\n"
     "c: x:y\n"
     "d: ?x\n"
     "e: a,b\n"
     "f: a[b]\n"
     "g: =\n"
     "h: nULL\n"
     "i: TrUe\n"
     "j: 1e\n"
     "k: \"0.\"\n"
     "l: it's \"x\"\n"
     "m: back\\slash\n"
     "nn: :x\n"
     "o: --\n"},
    {"double_quoted",
     "a: \"tab\\there\"\n"
     "b: \"\\ttab\"\n"
     "c: \"cr\\rx\"\n"
     "d: \"emoji \\U0001F600 x\"\n"
     "e: \"\\ufeffbom\"\n"
     "f: \"\\x1b\"\n"
     "g: \"\\x01\"\n"
     "h: \"nbsp\\u00a0x\"\n"
     "i: \"a\\u2028b\"\n"
     "j: \"\\u00ad\"\n"
     "k: \"\\ue000\"\n"
     "l: \"\\0\"\n",
     "a: \"tab\\there\"\n"
     "b: \"\\ttab\"\n"
     "c: \"cr\\rx\"\n"
     "d: \"emoji \\U0001F600 x\"\n"
     "e: \"\\uFEFF\\x62\\x6F\\x6D\"\n"
     "f: \"\\e\"\n"
     "g: \"\\x01\"\n"
     "h: nbsp\xc2\xa0"
     "x\n"
     "i: 'a\xe2\x80\xa8"
     "  b'\n"
     "j: \xc2\xad"
     "\n"
     "k: \xee\x80\x80"
     "\n"
     "l: \"\\0\"\n"},
    {"unicode_plain",
     "a: \"\xc3\xa9"
     "\"\n"
     "b: \"\xe4\xb8\xad"
     "\xe6\x96\x87"
     " text\"\n"
     "c: \"\\u00a0\"\n"
     "d: \"x\\u00a0y\"\n",
     "a: \xc3\xa9"
     "\n"
     "b: \xe4\xb8\xad"
     "\xe6\x96\x87"
     " text\n"
     "c: \xc2\xa0"
     "\n"
     "d: x\xc2\xa0"
     "y\n"},
    {"literal_blocks",
     "a: \"line1\\nline2\\n\"\n"
     "b: \"no final newline\\nx\"\n"
     "c: \"two finals\\n\\n\"\n"
     "d: \"\\n\"\n"
     "e: \"  indented\\nx\"\n"
     "f: \"\\nleading break\"\n"
     "g: \"trailing spaces  \\nx\"\n"
     "h: \"tab\\tinside\\nx\"\n"
     "i: \"x\\n y\\n\"\n"
     "j: \"a\\n\\n\\nb\"\n"
     "k: \"x\\r\\ny\"\n",
     "a: |\n"
     "  line1\n"
     "  line2\n"
     "b: |-\n"
     "  no final newline\n"
     "  x\n"
     "c: |+\n"
     "  two finals\n"
     "\n"
     "d: |2+\n"
     "\n"
     "e: |2-\n"
     "    indented\n"
     "  x\n"
     "f: |2-\n"
     "\n"
     "  leading break\n"
     "g: \"trailing spaces  \\nx\"\n"
     "h: \"tab\\tinside\\nx\"\n"
     "i: |\n"
     "  x\n"
     "   y\n"
     "j: |-\n"
     "  a\n"
     "\n"
     "\n"
     "  b\n"
     "k: \"x\\r\\ny\"\n"},
    {"literal_in_lists",
     "l:\n"
     "- \"a\\nb\"\n"
     "- - \"c\\nd\\n\"\n"
     "- k: \"e\\nf\"\n"
     "  m:\n"
     "    p: \"g\\n\"\n",
     "l:\n"
     "- |-\n"
     "  a\n"
     "  b\n"
     "- - |\n"
     "    c\n"
     "    d\n"
     "- k: |-\n"
     "    e\n"
     "    f\n"
     "  m:\n"
     "    p: |\n"
     "      g\n"},
    {"fold_plain",
     "a: \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 "
     "word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 "
     "word31 word32 word33 word34 word35 word36 word37 word38 word39\"\n"
     "nested:\n"
     "  deeper:\n"
     "    key: \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 "
     "word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 "
     "word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 "
     "word30 word31 word32 word33 word34 word35 word36 word37 word38 word39\"\n"
     "list:\n"
     "- \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 "
     "word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 "
     "word31 word32 word33 word34 word35 word36 word37 word38 word39\"\n",
     "a: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12\n"
     "  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 "
     "word23 word24\n"
     "  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 "
     "word35 word36\n"
     "  word37 word38 word39\n"
     "list:\n"
     "- word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12\n"
     "  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 "
     "word23 word24\n"
     "  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 "
     "word35 word36\n"
     "  word37 word38 word39\n"
     "nested:\n"
     "  deeper:\n"
     "    key: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 "
     "word10 word11\n"
     "      word12 word13 word14 word15 word16 word17 word18 word19 word20 "
     "word21 word22\n"
     "      word23 word24 word25 word26 word27 word28 word29 word30 word31 "
     "word32 word33\n"
     "      word34 word35 word36 word37 word38 word39\n"},
    {"fold_single",
     "a: \"*word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 "
     "word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 "
     "word31 word32 word33 word34 word35 word36 word37 word38 word39\"\n"
     "b: "
     "\"xyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyyyyyyyyyy z z\"\n",
     "a: '*word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 "
     "word11 word12\n"
     "  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 "
     "word23 word24\n"
     "  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 "
     "word35 word36\n"
     "  word37 word38 word39'\n"
     "b: "
     "xyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyyyyyyyy\n"
     "  z z\n"},
    {"fold_double",
     "a: \"\\tword0 word1 word2 word3 word4 word5 word6 word7 word8 word9 "
     "word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 "
     "word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 "
     "word30 word31 word32 word33 word34 word35 word36 word37 word38 word39\"\n"
     "b: "
     "\"\\tyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyy  two spaces  and more  word0 word1 word2 word3 word4 word5 word6 "
     "word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 "
     "word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 "
     "word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 "
     "word37 word38 word39\"\n",
     "a: \"\\tword0 word1 word2 word3 word4 word5 word6 word7 word8 word9 "
     "word10 word11 word12\n"
     "  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 "
     "word23 word24\n"
     "  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 "
     "word35 word36\n"
     "  word37 word38 word39\"\n"
     "b: "
     "\"\\tyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyy\n"
     "  \\ two spaces  and more  word0 word1 word2 word3 word4 word5 word6 "
     "word7 word8 word9\n"
     "  word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 "
     "word20 word21\n"
     "  word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 "
     "word32 word33\n"
     "  word34 word35 word36 word37 word38 word39\"\n"},
    {"no_fold_short",
     "a: "
     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
     "b: \"x yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx "
     "yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx y\"\n",
     "a: "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
     "b: x yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx yx "
     "yx yx yx yx\n"
     "  yx yx yx yx yx yx yx yx yx yx yx yx yx y\n"},
    {"long_keys",
     "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": at limit\n"
     "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": over "
     "limit\n"
     "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":\n"
     "  nested: map\n"
     "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [1, 2]\n",
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: at\n"
     "  limit\n"
     "? "
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n"
     ": over limit\n"
     "? "
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n"
     ": nested: map\n"
     "? "
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n"
     ": - 1\n"
     "  - 2\n"},
    {"multiline_keys",
     "\"a\\nb\": 1\n"
     "\"c\\n\": 2\n"
     "\"x\": {\"y\\nz\": [1]}\n",
     "? |-\n"
     "  a\n"
     "  b\n"
     ": 1\n"
     "? |\n"
     "  c\n"
     ": 2\n"
     "x:\n"
     "  ? |-\n"
     "    y\n"
     "    z\n"
     "  : - 1\n"},
    {"key_order",
     "port9: 1\n"
     "port10: 2\n"
     "_x: 3\n"
     "Zed: 4\n"
     "A: 5\n"
     "a: 6\n"
     "b10: 7\n"
     "b9: 8\n"
     "b010: 9\n"
     "b09: 10\n"
     "a0: 11\n"
     "a00: 12\n"
     "a01: 13\n"
     "a1: 14\n"
     "x1y: 15\n"
     "x01y: 16\n"
     "\"1\": 17\n"
     "\"10\": 18\n"
     "\"2\": 19\n"
     "\"01\": 20\n"
     "zz: 21\n"
     "aB: 22\n"
     "ab: 23\n"
     "a_b: 24\n"
     "a-b: 25\n"
     "a.b: 26\n"
     "\"a b\": 27\n"
     "\"~x\": 28\n"
     "\"0\": 29\n"
     "\"00\": 30\n",
     "_x: 3\n"
     "~x: 28\n"
     "\"0\": 29\n"
     "\"00\": 30\n"
     "\"1\": 17\n"
     "\"01\": 20\n"
     "\"2\": 19\n"
     "\"10\": 18\n"
     "A: 5\n"
     "Zed: 4\n"
     "a: 6\n"
     "a b: 27\n"
     "a-b: 25\n"
     "a.b: 26\n"
     "a_b: 24\n"
     "a0: 11\n"
     "a00: 12\n"
     "a1: 14\n"
     "a01: 13\n"
     "aB: 22\n"
     "ab: 23\n"
     "b9: 8\n"
     "b09: 10\n"
     "b10: 7\n"
     "b010: 9\n"
     "port9: 1\n"
     "port10: 2\n"
     "x1y: 15\n"
     "x01y: 16\n"
     "zz: 21\n"},
    {"empties",
     "a: {}\n"
     "b: []\n"
     "c: ''\n"
     "d: null\n"
     "e:\n"
     "- {}\n"
     "- []\n"
     "- ''\n"
     "- null\n"
     "f: [[], [[]], {x: {}}]\n",
     "a: {}\n"
     "b: []\n"
     "c: \"\"\n"
     "d: null\n"
     "e:\n"
     "- {}\n"
     "- []\n"
     "- \"\"\n"
     "- null\n"
     "f:\n"
     "- []\n"
     "- - []\n"
     "- x: {}\n"},
    {"nested_lists",
     "a:\n"
     "- - 1\n"
     "  - 2\n"
     "- - - 3\n"
     "- []\n"
     "- - {a: 1, b: [x]}\n",
     "a:\n"
     "- - 1\n"
     "  - 2\n"
     "- - - 3\n"
     "- []\n"
     "- - a: 1\n"
     "    b:\n"
     "    - x\n"},
    {"seq_of_maps",
     "items:\n"
     "- name: a\n"
     "  value: b\n"
     "- name: c\n"
     "  items:\n"
     "  - x\n"
     "  - y\n"
     "- l:\n"
     "  - a: 1\n"
     "    b: 2\n",
     "items:\n"
     "- name: a\n"
     "  value: b\n"
     "- items:\n"
     "  - x\n"
     "  - true\n"
     "  name: c\n"
     "- l:\n"
     "  - a: 1\n"
     "    b: 2\n"},
    {"floats",
     "a: [1e21, 1e20, 1e-7, 0.5, 2.0, 1e6, 123456789.0, 1.5e300, -0.0, 0.1, "
     "100.0, 1e-5, 12345678912345678, 1.7976931348623157e308, 5e-324, "
     "9007199254740993, 18446744073709551615]\n",
     "a:\n"
     "- 1e+21\n"
     "- 1e+20\n"
     "- 1e-07\n"
     "- 0.5\n"
     "- 2\n"
     "- 1000000\n"
     "- 123456789\n"
     "- 1.5e+300\n"
     "- 0\n"
     "- 0.1\n"
     "- 100\n"
     "- 1e-05\n"
     "- 12345678912345678\n"
     "- 1.7976931348623157e+308\n"
     "- 5e-324\n"
     "- 9007199254740992\n"
     "- 1.8446744073709552e+19\n"},
    {"long_keys_fold",
     "\"key0 key1 key2 key3 key4 key5 key6 key7 key8 key9 key10 key11 key12 "
     "key13 key14 key15 key16 key17 key18 key19 key20 key21 key22 key23 key24 "
     "key25 key26 key27 key28 key29\": v\n"
     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxx "
     "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\": w\n"
     "nested:\n"
     "  \"*key0 key1 key2 key3 key4 key5 key6 key7 key8 key9 key10 key11 key12 "
     "key13 key14 key15 key16 key17 key18 key19 key20 key21 key22 key23 key24 "
     "key25 key26 key27 key28 key29\": [1]\n",
     "? key0 key1 key2 key3 key4 key5 key6 key7 key8 key9 key10 key11 key12 "
     "key13 key14\n"
     "  key15 key16 key17 key18 key19 key20 key21 key22 key23 key24 key25 "
     "key26 key27 key28\n"
     "  key29\n"
     ": v\n"
     "nested:\n"
     "  ? '*key0 key1 key2 key3 key4 key5 key6 key7 key8 key9 key10 key11 "
     "key12 key13 key14\n"
     "    key15 key16 key17 key18 key19 key20 key21 key22 key23 key24 key25 "
     "key26 key27\n"
     "    key28 key29'\n"
     "  : - 1\n"
     "? "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxx\n"
     "  yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n"
     ": w\n"},
};

START_TEST(writes_what_helm_writes)
{
  const struct helm_case *c = &helm_cases[_i];
  struct json_object *o = read_values(c->values);
  char *got = write_yaml(o);
  ck_assert_msg(strcmp(got, c->helm) == 0, "%s:\ngot:\n%s\nwant:\n%s", c->name,
                got, c->helm);
  free(got);
  json_object_put(o);
}
END_TEST

/* Reading what we wrote and writing it again changes nothing. */
START_TEST(output_reads_back_to_itself)
{
  const struct helm_case *c = &helm_cases[_i];
  struct json_object *o = read_values(c->helm);
  char *again = write_yaml(o);
  ck_assert_msg(strcmp(again, c->helm) == 0, "%s:\ngot:\n%s\nwant:\n%s",
                c->name, again, c->helm);
  free(again);
  json_object_put(o);
}
END_TEST

START_TEST(top_level_values)
{
  struct json_object *s = json_object_new_string("just a string");
  ck_assert_yaml(s, "just a string\n");
  json_object_put(s);
  ck_assert_yaml(NULL, "null\n");
  struct json_object *t = json_object_new_boolean(1);
  ck_assert_yaml(t, "true\n");
  json_object_put(t);
  struct json_object *d = json_object_new_double(1.5);
  ck_assert_yaml(d, "1.5\n");
  json_object_put(d);
  struct json_object *m = json_object_new_string("a\nb");
  ck_assert_yaml(m, "|-\n  a\n  b\n");
  json_object_put(m);
  struct json_object *e = json_object_new_object();
  ck_assert_yaml(e, "{}\n");
  json_object_put(e);
  struct json_object *l = json_object_new_array();
  ck_assert_yaml(l, "[]\n");
  json_object_put(l);
  struct json_object *q = json_object_new_string("true");
  ck_assert_yaml(q, "\"true\"\n");
  json_object_put(q);
}
END_TEST

START_TEST(integers_of_every_width)
{
  struct json_object *a = json_object_new_array();
  json_object_array_add(a, json_object_new_int64(INT64_MIN));
  json_object_array_add(a, json_object_new_int64(INT64_MAX));
  json_object_array_add(a, json_object_new_uint64(UINT64_MAX));
  json_object_array_add(a, json_object_new_double(1e15));
  json_object_array_add(a, json_object_new_double(-2.5));
  ck_assert_yaml(a, "- -9223372036854775808\n- 9223372036854775807\n"
                    "- 18446744073709551615\n- 1000000000000000\n- -2.5\n");
  json_object_put(a);
}
END_TEST

START_TEST(nan_and_inf_fail_as_in_json)
{
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "x", json_object_new_double(INFINITY));
  ck_assert_str_eq(write_error(o), "json: unsupported value: +Inf");
  ck_assert_str_eq(write_error(json_object_new_double(NAN)),
                   "json: unsupported value: NaN");
}
END_TEST

START_TEST(control_characters_fail_as_in_sigs_yaml)
{
  /* JSON leaves DEL, C1 controls and U+FFFE raw; YAML's reader refuses
   * them, so sigs.k8s.io/yaml.Marshal fails (Helm's toYaml gives ""). */
  ck_assert_str_eq(write_error(json_object_new_string("x\x7fy")),
                   "yaml: cannot write the string \"x\\u007Fy\": U+007F is a "
                   "control character that YAML does not allow");
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "k", json_object_new_string("a\xc2\x81"));
  ck_assert_str_eq(write_error(o), "yaml: cannot write the string "
                                   "\"a\\u0081\": U+0081 is a control "
                                   "character that YAML does not allow");
  ck_assert_str_eq(write_error(json_object_new_string("\xef\xbf\xbe")),
                   "yaml: cannot write the string \"\\uFFFE\": U+FFFE is a "
                   "control character that YAML does not allow");
}
END_TEST

START_TEST(nel_is_folded_as_yaml_reads_json)
{
  struct json_object *o = read_values("a: \"x\\u0085y\"\n"
                                      "b: \"\\u0085\\u0085a  \\u0085  b\"\n"
                                      "c: [\"\\u0085a\"]\n");
  ck_assert_yaml(o, "a: x y\nb: |2-\n\n  a b\nc:\n- ' a'\n");
  json_object_put(o);
  ck_assert_str_eq(write_error(json_object_new_string("x\xc2\x85--- y")),
                   "yaml: cannot write a string holding U+0085 (NEL) as "
                   "sigs.k8s.io/yaml would: JSON text:2:1: found unexpected "
                   "document indicator (while scanning a quoted scalar at "
                   "1:1)");
}
END_TEST

START_TEST(keys_yaml_cannot_read_back)
{
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "k\xc2\x85x", json_object_new_int(1));
  ck_assert_str_eq(write_error(o), "yaml: cannot write the map key "
                                   "\"k\\u0085x\": U+0085 (NEL) breaks the "
                                   "line of a key");
  char key[1100];
  memset(key, 'k', 1022);
  key[1022] = '\0';
  o = json_object_new_object();
  json_object_object_add(o, key, json_object_new_int(1));
  char *ok = write_yaml(o);
  ck_assert_int_eq(strncmp(ok, "? kkk", 5), 0);
  free(ok);
  json_object_put(o);
  key[1022] = 'k';
  key[1023] = '\0';
  o = json_object_new_object();
  json_object_object_add(o, key, json_object_new_int(1));
  ck_assert_ptr_nonnull(strstr(write_error(o), ": YAML reads at most 1024 "
                                               "characters of it as JSON "
                                               "text"));
  /* HTML escaping counts: 200 '<' are 1200 characters of JSON. */
  memset(key, '<', 200);
  key[200] = '\0';
  o = json_object_new_object();
  json_object_object_add(o, key, json_object_new_int(1));
  ck_assert_ptr_nonnull(strstr(write_error(o), "1024 characters"));
}
END_TEST

START_TEST(invalid_utf8_becomes_replacement)
{
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "v", json_object_new_string("caf\xe9"));
  /* Two keys that JSON turns into the same one: the last in byte order
   * wins, as when go-yaml reads encoding/json's output. */
  json_object_object_add(o, "\xff", json_object_new_int(1));
  json_object_object_add(o, "\xfe", json_object_new_int(2));
  ck_assert_yaml(o, "\xef\xbf\xbd: 1\nv: caf\xef\xbf\xbd\n");
  json_object_put(o);
}
END_TEST

START_TEST(nesting_is_bounded)
{
  struct json_object *o = json_object_new_array();
  for (int i = 0; i < 1100; i++) {
    struct json_object *outer = json_object_new_array();
    json_object_array_add(outer, o);
    o = outer;
  }
  ck_assert_str_eq(write_error(o), "yaml: nesting deeper than 1000 levels");
}
END_TEST

START_TEST(buffer_ceiling)
{
  struct json_object *o = read_values("a: 1\nb: [x, y, z]\n");
  struct buf b;
  struct err e;
  buf_init(&b, 8);
  err_clear(&e);
  ck_assert_int_eq(yamlout_write(&b, o, &e), -E2BIG);
  ck_assert_str_eq(e.msg, "yaml: output larger than 8 bytes");
  ck_assert_uint_eq(b.len, 0);
  buf_free(&b);
  json_object_put(o);
}
END_TEST

/* go-yaml writes a "<<" key plain, which reads back as a merge: kubectl
 * -o yaml does the same, so we do too. */
START_TEST(merge_key_string_is_written_plain)
{
  struct json_object *o = read_values("x:\n  \"<<\": {a: 1}\n");
  ck_assert_yaml(o, "x:\n  <<:\n    a: 1\n");
  json_object_put(o);
}
END_TEST

START_TEST(appends_documents)
{
  struct json_object *a = read_values("a: 1\n"), *b = read_values("b: [2]\n");
  struct buf out;
  struct err e;
  buf_init(&out, 0);
  ck_assert_int_eq(yamlout_write(&out, a, &e), 0);
  buf_puts(&out, "---\n");
  ck_assert_int_eq(yamlout_write(&out, b, &e), 0);
  ck_assert_str_eq(out.data, "a: 1\n---\nb:\n- 2\n");
  buf_free(&out);
  json_object_put(a);
  json_object_put(b);
}
END_TEST

/* ---- key order ---- */

static int cmp_cb(const void *a, const void *b)
{
  return yamlout_key_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void assert_sorted_as(const char **want, size_t n)
{
  const char **keys = malloc(n * sizeof *keys);
  for (size_t i = 0; i < n; i++) /* reversed, so sorting has work to do */
    keys[i] = want[n - 1 - i];
  qsort(keys, n, sizeof *keys, cmp_cb);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(strcmp(keys[i], want[i]) == 0, "position %zu: %s, want %s", i,
                  keys[i], want[i]);
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(yamlout_key_cmp(want[i], want[i]), 0);
    for (size_t j = i + 1; j < n; j++) {
      ck_assert_msg(yamlout_key_cmp(want[i], want[j]) < 0, "%s < %s", want[i],
                    want[j]);
      ck_assert_msg(yamlout_key_cmp(want[j], want[i]) > 0, "%s > %s", want[j],
                    want[i]);
    }
  }
  free(keys);
}

START_TEST(key_order_ascii)
{
  static const char *want[] = {
      "",    "_x",  "~x",   "0",     "00",     "1",   "01",   "2",
      "10",  "A",   "Zed",  "a",     "a b",    "a-b", "a.b",  "a_b",
      "a0",  "a00", "a1",   "a01",   "aB",     "ab",  "abc",  "b9",
      "b09", "b10", "b010", "port9", "port10", "x1y", "x01y", "zz"};
  assert_sorted_as(want, sizeof want / sizeof want[0]);
}
END_TEST

/* Helm 3.17.2's order for these keys (unicode.IsLetter and IsDigit of
 * Unicode 15): combining marks, emoji and Roman numerals are not letters;
 * Arabic-Indic and full-width digits are digits with large values. */
START_TEST(key_order_unicode)
{
  static const char *want[] = {"\xcc\x80",
                               "\xf0\x9f\x98\x80",
                               "a_",
                               "a\xc2\xb2",
                               "a\xcc\x81",
                               "a\xe2\x85\xa2",
                               "a\xf0\x9f\x98\x80",
                               "a3",
                               "a4",
                               "a\xd9\xa3",
                               "a\xd9\xa4",
                               "a\xef\xbc\x93",
                               "aK",
                               "a\xc2\xaa",
                               "a\xc3\x9f",
                               "a\xc3\xa9",
                               "a\xc4\xb1",
                               "a\xca\xb0",
                               "a\xce\xa9",
                               "a\xe4\xb8\xad",
                               "x0",
                               "x00",
                               "x34",
                               "x\xd9\xa0",
                               "x\xd9\xa3\xd9\xa4",
                               "z9",
                               "z\xd9\xa9",
                               "\xce\xa9"
                               "a",
                               "\xcf\x89"
                               "a",
                               "\xe4\xb8\xad"};
  assert_sorted_as(want, sizeof want / sizeof want[0]);
}
END_TEST

START_TEST(key_order_mapping_output)
{
  struct json_object *o = read_values("port10: 1\nport9: 2\nZed: 3\n_x: 4\n");
  ck_assert_yaml(o, "_x: 4\nZed: 3\nport9: 2\nport10: 1\n");
  json_object_put(o);
}
END_TEST

/* ---- fixtures: real manifests, read as objects and written back ---- */

static int write_doc_cb(struct json_object *doc, int line, void *data)
{
  struct buf *out = data;
  struct err e;
  (void)line;
  if (out->len)
    buf_puts(out, "---\n");
  int rc = yamlout_write(out, doc, &e);
  ck_assert_msg(rc == 0, "%s", e.msg);
  json_object_put(doc);
  return 0;
}

/* What `iop yaml` prints for a text: its documents, as Unstructured. */
static char *rewrite(const char *text, const char *name)
{
  struct buf out;
  struct err e;
  struct kyaml_opts o = {.name = name};
  buf_init(&out, 0);
  err_clear(&e);
  int rc = kyaml_parse_each(text, strlen(text), &o, write_doc_cb, &out, &e);
  ck_assert_msg(rc == 0, "%s", e.msg);
  return buf_take(&out);
}

static int is_yaml_name(const char *name)
{
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* Each test/fixtures/yaml/X.yaml, written back, is golden/X.yaml (which
 * kubectl -o yaml prints too: test/check_yaml_diff.c checks that), and the
 * golden text written back is itself. */
START_TEST(fixtures_match_their_golden_output)
{
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/test/fixtures/yaml", test_src_dir());
  DIR *d = opendir(dir);
  ck_assert_msg(d != NULL, "cannot open %s", dir);
  int seen = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    if (!is_yaml_name(de->d_name))
      continue;
    char in_path[8192], golden_path[8192];
    snprintf(in_path, sizeof in_path, "%s/%s", dir, de->d_name);
    snprintf(golden_path, sizeof golden_path, "%s/golden/%s", dir, de->d_name);
    char *in = test_read_file(in_path, NULL);
    char *golden = test_read_file(golden_path, NULL);
    ck_assert_msg(in && golden, "missing %s or its golden output", in_path);
    char *got = rewrite(in, de->d_name);
    ck_assert_msg(strcmp(got, golden) == 0, "%s:\ngot:\n%s", de->d_name, got);
    char *again = rewrite(golden, de->d_name);
    ck_assert_msg(strcmp(again, golden) == 0, "%s golden rewritten:\n%s",
                  de->d_name, again);
    free(again);
    free(got);
    free(golden);
    free(in);
    seen++;
  }
  closedir(d);
  ck_assert_int_ge(seen, 9);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *yamlout_suite(void)
{
  Suite *s = suite_create("yamlout");
  TCase *th = tcase_create("helm");
  tcase_add_loop_test(th, writes_what_helm_writes, 0, N(helm_cases));
  tcase_add_loop_test(th, output_reads_back_to_itself, 0, N(helm_cases));
  suite_add_tcase(s, th);
  TCase *tv = tcase_create("values");
  tcase_add_test(tv, top_level_values);
  tcase_add_test(tv, integers_of_every_width);
  tcase_add_test(tv, nan_and_inf_fail_as_in_json);
  tcase_add_test(tv, control_characters_fail_as_in_sigs_yaml);
  tcase_add_test(tv, nel_is_folded_as_yaml_reads_json);
  tcase_add_test(tv, keys_yaml_cannot_read_back);
  tcase_add_test(tv, invalid_utf8_becomes_replacement);
  tcase_add_test(tv, nesting_is_bounded);
  tcase_add_test(tv, buffer_ceiling);
  tcase_add_test(tv, merge_key_string_is_written_plain);
  tcase_add_test(tv, appends_documents);
  suite_add_tcase(s, tv);
  TCase *tf = tcase_create("fixtures");
  tcase_add_test(tf, fixtures_match_their_golden_output);
  suite_add_tcase(s, tf);
  TCase *tk = tcase_create("order");
  tcase_add_test(tk, key_order_ascii);
  tcase_add_test(tk, key_order_unicode);
  tcase_add_test(tk, key_order_mapping_output);
  suite_add_tcase(s, tk);
  return s;
}
