/*
 * Host harness for the edgelock runtime.
 *
 *   el_run <model.tflite> <inputs.bin> <outputs.bin> [--arena BYTES]
 *       Prepares the model, reads the raw bytes of every graph input (concatenated, in input
 *       order) from inputs.bin, invokes once and writes the raw bytes of every output
 *       (concatenated) to outputs.bin. Prints one JSON line: status, operator count, MACs,
 *       arena use and the input/output tensor descriptions.
 *       --override INDEX=FILE (repeatable): after Prepare, replaces the bytes of constant tensor
 *       INDEX by FILE's bytes through el_model_set_tensor_data (the unlock hook for sealed weights).
 *       --reference: runs the plain reference loops instead of the optimised kernels
 *       (el_model_use_reference_kernels); both must give identical bytes.
 *   el_run --batch <model>...
 *       Prepares each model (and invokes it on zero inputs when Prepare succeeds); prints one
 *       JSON line per model. Used to feed corrupt models through the runtime under sanitizers.
 *
 * Exit status: 0 ok, 2 the runtime rejected the model, 1 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../el_runtime.h"

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  /* Exact-size heap block (malloc aligns to 16) so sanitizers catch any read past the end. */
  uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
  if (buf != NULL && size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)size;
  return buf;
}

static void print_tensor(const el_tensor_info *t) {
  printf("{\"type\":\"%s\",\"shape\":[", t->type == EL_INT8 ? "int8" : t->type == EL_FLOAT32 ? "float32" : "int32");
  for (uint32_t d = 0; d < t->rank; d++) printf("%s%ld", d ? "," : "", (long)t->dims[d]);
  printf("],\"bytes\":%lu,\"scale\":%.9g,\"zero_point\":%ld}", (unsigned long)t->bytes, (double)t->scale,
         (long)t->zero_point);
}

static void print_failure(const el_model *m, el_status s) {
  printf("{\"status\":\"%s\",\"code\":%d", el_status_name(s), (int)s);
  if (m->failed_op != UINT32_MAX) printf(",\"failed_op\":%lu", (unsigned long)m->failed_op);
  if (s == EL_ERR_ARENA_TOO_SMALL) printf(",\"arena_needed\":%lu", (unsigned long)m->arena_needed);
  printf("}\n");
}

static int run_batch(int argc, char **argv, size_t arena_len) {
  uint8_t *arena = malloc(arena_len);
  if (arena == NULL) return 1;
  for (int i = 0; i < argc; i++) {
    size_t len = 0;
    uint8_t *model = read_file(argv[i], &len);
    if (model == NULL) {
      printf("{\"status\":\"io error\"}\n");
      continue;
    }
    el_model m;
    el_status s = el_model_prepare(&m, model, len, arena, arena_len);
    if (s == EL_OK) {
      for (uint32_t k = 0; k < el_model_input_count(&m); k++) {
        el_tensor_info t;
        if (el_model_input(&m, k, &t) == EL_OK) memset(t.data, 0, t.bytes);
      }
      s = el_model_invoke(&m);
    }
    if (s == EL_OK) {
      printf("{\"status\":\"ok\"}\n");
    } else {
      print_failure(&m, s);
    }
    free(model);
  }
  free(arena);
  return 0;
}

#define MAX_OVERRIDES 8

static int run_model(const uint8_t *model, size_t model_len, const uint8_t *input, size_t input_len, uint8_t *arena,
                     size_t arena_len, int argc, char **argv, uint8_t **held, int *nheld);

/* Applies every --override INDEX=FILE; the replacement buffers are returned for freeing. */
static el_status apply_overrides(el_model *m, int argc, char **argv, uint8_t **held, int *nheld) {
  for (int i = 4; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--override") != 0) continue;
    char *eq = strchr(argv[i + 1], '=');
    if (eq == NULL || *nheld >= MAX_OVERRIDES) return EL_ERR_ARGUMENT;
    const unsigned long index = strtoul(argv[i + 1], NULL, 10);
    size_t len = 0;
    uint8_t *data = read_file(eq + 1, &len);
    if (data == NULL) return EL_ERR_ARGUMENT;
    held[(*nheld)++] = data;
    el_status s = el_model_set_tensor_data(m, (uint32_t)index, data, len);
    if (s != EL_OK) return s;
  }
  return EL_OK;
}

static int run_one(const uint8_t *model, size_t model_len, const uint8_t *input, size_t input_len, uint8_t *arena,
                   size_t arena_len, int argc, char **argv) {
  uint8_t *held[MAX_OVERRIDES];
  int nheld = 0;
  int rc = run_model(model, model_len, input, input_len, arena, arena_len, argc, argv, held, &nheld);
  for (int i = 0; i < nheld; i++) free(held[i]);
  return rc;
}

static int run_model(const uint8_t *model, size_t model_len, const uint8_t *input, size_t input_len, uint8_t *arena,
                     size_t arena_len, int argc, char **argv, uint8_t **held, int *nheld) {
  if (model == NULL || input == NULL || arena == NULL) {
    fprintf(stderr, "el_run: cannot read %s or %s\n", argv[1], argv[2]);
    return 1;
  }
  el_model m;
  el_status s = el_model_prepare(&m, model, model_len, arena, arena_len);
  if (s == EL_OK) s = apply_overrides(&m, argc, argv, held, nheld);
  if (s != EL_OK) {
    print_failure(&m, s);
    return 2;
  }
  size_t need = 0;
  el_tensor_info t;
  for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
    el_model_input(&m, i, &t);
    need += t.bytes;
  }
  if (need != input_len) {
    fprintf(stderr, "el_run: the model takes %lu input bytes, %s has %lu\n", (unsigned long)need, argv[2],
            (unsigned long)input_len);
    return 1;
  }
  size_t at = 0;
  for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
    el_model_input(&m, i, &t);
    memcpy(t.data, input + at, t.bytes);
    at += t.bytes;
  }
  for (int i = 4; i < argc; i++) {
    if (strcmp(argv[i], "--reference") == 0) el_model_use_reference_kernels(&m, 1);
  }
  s = el_model_invoke(&m);
  if (s != EL_OK) {
    print_failure(&m, s);
    return 2;
  }
  FILE *out = fopen(argv[3], "wb");
  if (out == NULL) return 1;
  int write_ok = 1;
  for (uint32_t i = 0; i < el_model_output_count(&m); i++) {
    el_model_output(&m, i, &t);
    if (fwrite(t.data, 1, t.bytes, out) != t.bytes) write_ok = 0;
  }
  if (fclose(out) != 0 || !write_ok) return 1;
  printf("{\"status\":\"ok\",\"ops\":%lu,\"macs\":%llu,\"arena_used\":%lu,\"scratch\":%lu,\"inputs\":[",
         (unsigned long)m.node_count, (unsigned long long)m.macs, (unsigned long)m.arena_used,
         (unsigned long)m.scratch_bytes);
  for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
    el_model_input(&m, i, &t);
    if (i) printf(",");
    print_tensor(&t);
  }
  printf("],\"outputs\":[");
  for (uint32_t i = 0; i < el_model_output_count(&m); i++) {
    el_model_output(&m, i, &t);
    if (i) printf(",");
    print_tensor(&t);
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  size_t arena_len = 4u << 20;
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--arena") == 0) arena_len = (size_t)strtoul(argv[i + 1], NULL, 10);
  }
  if (argc >= 3 && strcmp(argv[1], "--batch") == 0) {
    int n = argc - 2;
    if (n >= 2 && strcmp(argv[argc - 2], "--arena") == 0) n -= 2;
    return run_batch(n, argv + 2, arena_len);
  }
  if (argc < 4) {
    fprintf(stderr, "usage: el_run <model.tflite> <inputs.bin> <outputs.bin> [--arena BYTES] [--override "
                    "INDEX=FILE]... [--reference]\n"
                    "       el_run --batch <model>... [--arena BYTES]\n");
    return 1;
  }
  size_t model_len = 0, input_len = 0;
  uint8_t *model = read_file(argv[1], &model_len);
  uint8_t *input = read_file(argv[2], &input_len);
  uint8_t *arena = malloc(arena_len ? arena_len : 1);
  int rc = run_one(model, model_len, input, input_len, arena, arena_len, argc, argv);
  free(model);
  free(input);
  free(arena);
  return rc;
}
