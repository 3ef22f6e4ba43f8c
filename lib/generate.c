/* generate: istioctl manifest generate's pipeline (see generate.h). */
#include "generate.h"

#include "chart.h"
#include "iopvalidate.h"
#include "jobj.h"
#include "manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct warn_ctx {
  FILE *out;
};

static void on_chart_warning(const char *line, void *data)
{
  struct warn_ctx *w = data;
  fprintf(w->out, "%s\n", line);
}

static int load_chart(const char *dir, struct warn_ctx *w, struct chart **out,
                      struct err *e)
{
  int rc = chart_load(dir, CHART_MODE_ISTIOCTL, on_chart_warning, w, out, e);
  if (rc == -ENOENT)
    err_set(e, rc, "helm render: load chart: component does not exist");
  else if (rc)
    err_wrap(e, "helm render: load chart");
  return rc;
}

/* NOTES.txt lines starting with "WARNING: " are istioctl's chart warnings. */
static void notes_warnings(const struct chart_file *f, FILE *out)
{
  const char *p = f->data;
  while (p && *p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (len > 9 && strncmp(p, "WARNING: ", 9) == 0)
      fprintf(out, "❗ %.*s\n", (int)(len - 9), p + 9);
    p = nl ? nl + 1 : NULL;
  }
}

static int parse_rendered(const struct chart_files *files, FILE *warn,
                          struct json_object *objs, struct err *e)
{
  for (size_t i = 0; i < files->n; i++) {
    const struct chart_file *f = &files->v[i];
    size_t n = strlen(f->name);
    if (n >= 4 && strcmp(f->name + n - 4, ".txt") == 0) {
      notes_warnings(f, warn);
      continue;
    }
    int rc = manifest_parse(f->data, f->len, f->name, objs, e);
    if (rc)
      return err_wrap(e, "helm render");
  }
  return 0;
}

/* One instance of a component; *c is the component's chart, loaded by
 * its first instance and shared by the others (gateways). */
static int render_instance(const struct generate_opts *o, struct chart **c,
                           struct warn_ctx *w, struct json_object *merged,
                           const char *manifests,
                           const struct iop_instance *inst,
                           struct json_object *objs, struct err *e)
{
  struct json_object *values = NULL;
  int rc = iop_instance_values(merged, inst, &values, e);
  if (rc)
    return rc;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/charts/%s", manifests, inst->comp->helm_subdir);
  if (!*c)
    rc = load_chart(dir, w, c, e);
  struct chart_files files = {0};
  if (!rc) {
    struct chart_render_opts ro = {.mode = CHART_MODE_ISTIOCTL,
                                   .release_name = "istio",
                                   .namespace = inst->namespace,
                                   .kube_version = o->kube_version,
                                   .values = values,
                                   .warn = on_chart_warning,
                                   .warn_data = w};
    rc = chart_render(*c, &ro, &files, e);
    if (rc)
      err_wrap(e, "helm render: render chart");
  }
  struct json_object *mine = json_object_new_array();
  if (!rc)
    rc = parse_rendered(&files, w->out, mine, e);
  if (!rc)
    rc = manifest_postprocess(inst, values, mine, e);
  for (size_t i = 0; !rc && i < json_object_array_length(mine); i++)
    json_object_array_add(objs,
                          json_object_get(json_object_array_get_idx(mine, i)));
  json_object_put(mine);
  chart_files_free(&files);
  json_object_put(values);
  return rc;
}

static int render_component(const struct generate_opts *o, struct warn_ctx *w,
                            struct generate_result *r,
                            const struct iop_component *comp, struct err *e)
{
  struct iop_instance *list;
  int n;
  int rc = iop_instances(r->merged, comp, &list, &n, e);
  if (rc)
    return err_wrap(e, "get component %s", comp->name);
  struct json_object *objs = json_object_new_array();
  struct chart *chart = NULL;
  for (int i = 0; !rc && i < n; i++)
    rc = render_instance(o, &chart, w, r->merged, r->manifests, &list[i], objs,
                         e);
  chart_free(chart);
  if (!rc && n > 0) {
    struct generate_component *gc = &r->comps[r->ncomps++];
    gc->comp = comp;
    gc->namespace = strdup(list[0].namespace);
    gc->objs = objs;
  } else {
    json_object_put(objs);
  }
  iop_instances_free(list, n);
  return rc;
}

static int validate(const struct generate_opts *o, struct json_object *merged,
                    FILE *warn, struct err *e)
{
  struct iop_validation v;
  int rc = iop_validate(merged, &v, e);
  if (!rc)
    rc = iop_validation_report(&v, o->force, warn, e);
  iop_validation_free(&v);
  return rc;
}

int generate_run(const struct generate_opts *o, struct generate_result *r,
                 struct err *e)
{
  memset(r, 0, sizeof *r);
  struct warn_ctx w = {o->warnings ? o->warnings : stderr};
  int rc = iop_merge_inputs(&o->in, &r->merged, &r->manifests, e);
  if (rc) {
    err_wrap(e, "merge inputs");
    return rc;
  }
  rc = validate(o, r->merged, w.out, e);
  if (!rc)
    iop_apply_unvalidated_values(r->merged);
  for (int i = 0; !rc && i < IOP_NCOMPONENTS; i++)
    rc = render_component(o, &w, r, &iop_components[i], e);
  if (!rc) {
    r->sorted = json_object_new_array();
    for (int i = 0; i < r->ncomps; i++)
      for (size_t k = 0; k < json_object_array_length(r->comps[i].objs); k++)
        json_object_array_add(
            r->sorted,
            json_object_get(json_object_array_get_idx(r->comps[i].objs, k)));
    manifest_sort(r->sorted);
  }
  if (rc)
    generate_result_free(r);
  return rc;
}

void generate_result_free(struct generate_result *r)
{
  json_object_put(r->merged);
  free(r->manifests);
  for (int i = 0; i < r->ncomps; i++) {
    json_object_put(r->comps[i].objs);
    free((char *)r->comps[i].namespace);
  }
  json_object_put(r->sorted);
  memset(r, 0, sizeof *r);
}
