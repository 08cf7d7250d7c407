#ifndef SIM_BOARD_H
#define SIM_BOARD_H
#include <stddef.h>
#include <stdint.h>
#include "el_identity.h"
#include "el_storage.h"

void sim_storage_reset(void);
void sim_snapshot(uint8_t **copy);
void sim_restore(uint8_t *const *copy);
void sim_power_cut_after(long ops);
int sim_power_was_cut(void);
void sim_power_restore(void);
size_t sim_take_output(uint8_t *out, size_t cap);
int sim_reset_count(void);
#endif
