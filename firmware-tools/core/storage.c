#include "el_storage.h"

const el_region_info_t el_regions[EL_REGION_COUNT] = {
    [EL_REGION_IDENTITY] = {"identity.bin", 256u},
    [EL_REGION_KEYS_A] = {"keys-a.bin", 256u},
    [EL_REGION_KEYS_B] = {"keys-b.bin", 256u},
    [EL_REGION_SLOTS_A] = {"slots-a.bin", 256u},
    [EL_REGION_SLOTS_B] = {"slots-b.bin", 256u},
    [EL_REGION_MODEL_0] = {"model-0.bin", EL_MODEL_SLOT_SIZE},
    [EL_REGION_MODEL_1] = {"model-1.bin", EL_MODEL_SLOT_SIZE},
    [EL_REGION_QUERY_A] = {"query-a.bin", 256u},
    [EL_REGION_QUERY_B] = {"query-b.bin", 256u},
    [EL_REGION_QUERY_TALLY] = {"query-tally.bin", 1024u},
};
