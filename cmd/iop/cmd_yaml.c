/* iop yaml: reads YAML (or JSON) documents and prints them back the way
 * kubectl, Helm and istioctl print objects. Handy to normalise a file, to
 * see how a value will be read (is `on` a bool?) and to test the core. */
#include "cmd.h"

#include "buf.h"
#include "kjson.h"
#include "kyaml.h"
#include "yamlout.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct yaml_cmd {
  int json;
  int floats;
  int first;
  struct buf out;
  struct err err;
};

static int print_doc(struct json_object *doc, int line, void *data)
{
  struct yaml_cmd *c = data;
  (void)line;
  int rc = 0;
  if (c->json) {
    rc = kjson_write(&c->out, doc, KJSON_INDENT, &c->err);
    if (!rc)
      rc = buf_putc(&c->out, '\n');
  } else {
    if (!c->first)
      rc = buf_puts(&c->out, "---\n");
    if (!rc)
      rc = yamlout_write(&c->out, doc, &c->err);
  }
  c->first = 0;
  json_object_put(doc);
  return rc;
}

static int yaml_usage(FILE *out, int code)
{
  fprintf(out, "Read YAML or JSON documents and print them as kubectl and "
               "istioctl do.\n\n"
               "Usage:\n  iop yaml [-o yaml|json] [--floats] [FILE|-]...\n\n"
               "Flags:\n"
               "  -o, --output FORMAT   yaml (default) or json\n"
               "      --floats          read every number as a float, as Helm "
               "reads values\n");
  return code;
}

static int convert_file(struct yaml_cmd *c, const char *path)
{
  size_t len;
  char *text = cmd_read_file(path, KYAML_DEFAULT_MAX_BYTES, &len);
  if (!text)
    return 1;
  struct kyaml_opts o = {.name = strcmp(path, "-") == 0 ? "<stdin>" : path,
                         .numbers = c->floats ? KYAML_NUMBERS_FLOAT
                                              : KYAML_NUMBERS_UNSTRUCTURED};
  int rc = kyaml_parse_each(text, len, &o, print_doc, c, &c->err);
  free(text);
  if (rc) {
    fprintf(stderr, "Error: %s\n", c->err.msg);
    return 1;
  }
  return 0;
}

static int flag_error(int ch, const char *arg)
{
  if (ch == ':')
    fprintf(stderr, "Error: flag %s needs a value (see iop yaml --help)\n",
            arg);
  else
    fprintf(stderr, "Error: unknown flag \"%s\" (see iop yaml --help)\n", arg);
  return 1;
}

int cmd_yaml(int argc, char **argv)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"floats", no_argument, NULL, 'F'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct yaml_cmd c = {.first = 1};
  int ch;
  optind = 1;
  opterr = 0; /* our own one-line messages */
  while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    if (ch == 'o' &&
        (strcmp(optarg, "json") == 0 || strcmp(optarg, "yaml") == 0)) {
      c.json = strcmp(optarg, "json") == 0;
    } else if (ch == 'o') {
      fprintf(stderr, "Error: --output must be yaml or json, not \"%s\"\n",
              optarg);
      return 1;
    } else if (ch == 'F') {
      c.floats = 1;
    } else if (ch == 'h') {
      return yaml_usage(stdout, 0);
    } else {
      return flag_error(ch, argv[optind - 1]);
    }
  }
  buf_init(&c.out, 0);
  err_clear(&c.err);
  int rc = 0;
  if (optind == argc)
    rc = convert_file(&c, "-");
  for (int i = optind; i < argc && !rc; i++)
    rc = convert_file(&c, argv[i]);
  /* Nothing reaches stdout unless every input was read. */
  if (!rc && c.out.len)
    fwrite(c.out.data, 1, c.out.len, stdout);
  buf_free(&c.out);
  return rc;
}

char *cmd_read_file(const char *path, size_t max, size_t *len)
{
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "Error: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  struct buf b;
  buf_init(&b, max);
  char chunk[65536];
  size_t n;
  int rc = 0;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = buf_append(&b, chunk, n);
  int read_errno = ferror(f) ? errno : 0;
  if (f != stdin)
    fclose(f);
  if (rc || read_errno) {
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (rc == -E2BIG)
      fprintf(stderr, "Error: %s: larger than the %zu MiB limit\n", name,
              max >> 20);
    else
      fprintf(stderr, "Error: %s: %s\n", name,
              strerror(read_errno ? read_errno : -rc));
    buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return buf_take(&b);
}
