/* libFuzzer target: kyaml's block-style scanner against libyaml.
 *
 * Each input is read as a YAML stream twice, once as iop reads it (the
 * scanner, handing what it does not take to libyaml) and once by libyaml
 * alone; the documents, the line each starts on, or the error must be the
 * same, else the input is a crash. Under ASan+UBSan this also finds memory
 * errors in the scanner. */
#include "buf.h"
#include "kyaml.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int show_doc_cb(struct json_object *doc, int line, void *data)
{
  buf_printf(data, "line %d: %s\n", line,
             doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN)
                 : "null");
  json_object_put(doc);
  return 0;
}

static char *read_with(const char *text, size_t n, int libyaml_only)
{
  struct kyaml_opts o = {.name = "fuzz",
                         .numbers = KYAML_NUMBERS_UNSTRUCTURED,
                         .libyaml_only = libyaml_only,
                         .max_nodes = 100000};
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 8192)
    return 0;
  char *fast = read_with((const char *)data, size, 0);
  char *slow = read_with((const char *)data, size, 1);
  if (strcmp(fast, slow) != 0) {
    fprintf(stderr, "readers differ\n--- scanner:\n%s--- libyaml:\n%s", fast,
            slow);
    abort();
  }
  free(fast);
  free(slow);
  return 0;
}
