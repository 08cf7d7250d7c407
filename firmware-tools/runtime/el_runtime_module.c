#include "el_runtime_module.h"

#include <stddef.h>

#include "el_lock_unseal.h"
#include "el_protocol.h"
#include "el_runtime_hook.h"

typedef struct {
  el_model model;
  el_status status;
  uint8_t ready;
} slot_state;

static slot_state g_slots[EL_MODEL_SLOTS];
static uint8_t g_arenas[EL_MODEL_SLOTS][EL_RUNTIME_ARENA_BYTES] __attribute__((aligned(16)));

static uint8_t prepare_slot(uint8_t slot, const uint8_t *model, uint32_t size) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  slot_state *s = &g_slots[slot];
  s->ready = 0;
  el_lock_slot_release(slot);
  s->status = el_model_prepare(&s->model, model, size, g_arenas[slot], sizeof g_arenas[slot]);
  if (s->status != EL_OK) return EL_ST_ERR_MODEL_INVALID;
  /* Locked models: descriptor checked now, weights unsealed now or at the first use once the key is there. */
  if (el_lock_slot_load(slot, &s->model) != EL_ST_OK) return EL_ST_ERR_MODEL_INVALID;
  s->ready = 1;
  return EL_ST_OK;
}

static void release_slot(uint8_t slot) {
  if (slot < EL_MODEL_SLOTS) {
    g_slots[slot].ready = 0;
    g_slots[slot].status = EL_OK;
    el_lock_slot_release(slot);
  }
}

static const el_runtime_hook_t g_hook = {"edgelock-int8", prepare_slot, release_slot};

el_model *el_runtime_slot_model(uint8_t slot) {
  if (slot >= EL_MODEL_SLOTS || !g_slots[slot].ready) return NULL;
  return el_lock_slot_unlock(slot, &g_slots[slot].model) == EL_ST_OK ? &g_slots[slot].model : NULL;
}

el_status el_runtime_slot_status(uint8_t slot, uint32_t *failed_op) {
  if (slot >= EL_MODEL_SLOTS) return EL_ERR_ARGUMENT;
  if (failed_op != NULL) *failed_op = g_slots[slot].status == EL_OK ? UINT32_MAX : g_slots[slot].model.failed_op;
  return g_slots[slot].status;
}

void el_runtime_module_register(void) { el_runtime_hook_register(&g_hook); }
