/* libFuzzer target: parse and execute one template.
 *
 * Input: template text, then optionally "\n---\n" and a YAML document used
 * as the data. Any input must give output or an error message, never a
 * crash, a leak or unbounded work. Build (see the report for the make
 * target):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *     $(pkg-config --cflags json-c yaml-0.1 libpcre2-8) fuzz/tmpl_fuzz.c \
 *     lib/tmpl*.c lib/buf.c lib/err.c lib/gonum.c lib/kyaml.c lib/kjson.c \
 *     lib/yamlout.c lib/regex.c lib/base64.c -o build/fuzz/tmpl_fuzz \
 *     $(pkg-config --libs json-c yaml-0.1 libpcre2-8) -lm
 *   build/fuzz/tmpl_fuzz -max_len=4096 fuzz/corpus/tmpl
 *
 * The registry is Helm's whole function map (Sprig's too); the corpus
 * holds every case of test/fixtures/tmpl/ with its values. */
#include "kyaml.h"
#include "tmpl.h"
#include "tmpl_helm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char helpers[] =
    "{{ define \"h.one\" }}[{{ . }}]{{ end }}"
    "{{ define \"h.rec\" }}{{ if . }}{{ include \"h.rec\" (slice . 1) }}"
    "{{ end }}{{ end }}";

static struct json_object *data_of(const char *s, size_t n)
{
  struct kyaml_opts o = {.name = "data",
                         .numbers = KYAML_NUMBERS_FLOAT,
                         .max_bytes = 1 << 16,
                         .max_nodes = 1 << 14};
  struct json_object *v = NULL;
  struct err e;
  if (kyaml_parse(s, n, &o, &v, &e))
    return NULL;
  return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
  const char *text = (const char *)in;
  size_t tlen = n;
  struct json_object *data = NULL;
  for (size_t i = 0; i + 5 <= n; i++)
    if (memcmp(text + i, "\n---\n", 5) == 0) {
      tlen = i;
      data = data_of(text + i + 5, n - i - 5);
      break;
    }
  struct tmpl_funcs *f = tmpl_funcs_new();
  tmpl_helm_add_funcs(f);
  struct tmpl_set *s = tmpl_set_new(f);
  struct err e;
  err_clear(&e);
  tmpl_set_parse(s, "helpers", helpers, sizeof helpers - 1, &e);
  if (tmpl_set_parse(s, "f", text, tlen, &e) == 0) {
    struct buf out;
    buf_init(&out, 0);
    struct tmpl_exec_opts o = {.max_output = 1 << 20, .max_depth = 64};
    tmpl_execute(s, "f", data, &o, &out, &e);
    tmpl_strip_no_value(&out);
    buf_free(&out);
  }
  tmpl_set_free(s);
  tmpl_funcs_free(f);
  json_object_put(data);
  return 0;
}
