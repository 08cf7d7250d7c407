/* host-sim board: identity, entropy, time and reset on Linux. */
#define _POSIX_C_SOURCE 200809L
#include "el_board.h"
#include "el_identity.h"
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

extern void host_sim_request_reset(void);

const char *board_name(void) { return "host-sim"; }

/* No hardware id: generated once from /dev/urandom and kept in the state directory. */
bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

bool board_random(uint8_t *out, size_t len) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0) return false;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, out + got, len - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  return got == len;
}

/* Nanoseconds of the host's monotonic clock: not cycles, and noisy; use the QEMU board for cycle counts. */
uint64_t board_cycles(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t board_millis(void) { return board_cycles() / 1000000u; }

void board_reset(void) { host_sim_request_reset(); }
