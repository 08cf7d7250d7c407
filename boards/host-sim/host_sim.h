#ifndef HOST_SIM_H
#define HOST_SIM_H
const char *host_sim_state_dir(void);
#endif
