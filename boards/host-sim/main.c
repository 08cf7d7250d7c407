/*
 * host-sim: the firmware core on Linux behind a pseudo-terminal.
 *   edgelock-host-sim --state <dir>
 * Prints "edgelock-host-sim: serial port <path>" once the pty is ready, then serves the protocol until SIGTERM.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "el_board.h"
#include "el_firmware.h"
#include "emu_storage.h"
#include "host_sim.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char *g_state = ".";
static int g_master = -1;
static volatile sig_atomic_t g_stop;
static int g_reset;

const char *host_sim_state_dir(void) { return g_state; }
void host_sim_request_reset(void) { g_reset = 1; }

void board_serial_write(const uint8_t *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(g_master, data, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    data += n;
    len -= (size_t)n;
  }
}

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static int open_pty(char *name, size_t cap, int *keep_slave) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return -1;
  const char *n = ptsname(m);
  if (!n || strlen(n) >= cap) return -1;
  strcpy(name, n);
  /* Keep one slave descriptor open: otherwise reads on the master fail with EIO while no host is attached. */
  int s = open(name, O_RDWR | O_NOCTTY);
  if (s < 0) return -1;
  struct termios t;
  if (tcgetattr(s, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
  }
  *keep_slave = s;
  return m;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
      g_state = argv[++i];
    else {
      fprintf(stderr, "usage: %s --state <dir>\n", argv[0]);
      return 2;
    }
  }
  if (!emu_storage_init()) {
    fprintf(stderr, "edgelock-host-sim: cannot use state directory %s: %s\n", g_state, strerror(errno));
    return 1;
  }
  char name[128];
  int slave = -1;
  g_master = open_pty(name, sizeof name, &slave);
  if (g_master < 0) {
    fprintf(stderr, "edgelock-host-sim: cannot open a pseudo-terminal: %s\n", strerror(errno));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  el_firmware_init();
  printf("edgelock-host-sim: serial port %s\n", name);
  fflush(stdout);

  uint8_t buf[4096];
  while (!g_stop) {
    struct pollfd p = {g_master, POLLIN, 0};
    int r = poll(&p, 1, 500);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    ssize_t n = read(g_master, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EIO) continue;
      break;
    }
    el_firmware_rx(buf, (size_t)n);
    if (g_reset) {
      g_reset = 0;
      el_firmware_init();
    }
  }
  close(slave);
  close(g_master);
  return 0;
}
