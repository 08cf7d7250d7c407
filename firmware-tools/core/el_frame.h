/* Frame receiver and encoder for the protocol in el_protocol.h. No allocation: the caller owns all buffers. */
#ifndef EL_FRAME_H
#define EL_FRAME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "el_protocol.h"

typedef struct {
  uint8_t version;
  uint8_t type;
  uint16_t seq;
  uint16_t len;
  const uint8_t *payload;
  uint32_t crc; /* the frame's CRC field: identifies the request for the repeat cache */
} el_frame_t;

typedef enum { EL_RX_NONE = 0, EL_RX_FRAME, EL_RX_DROPPED } el_rx_result_t;

typedef struct {
  uint8_t buf[EL_MAX_ENCODED_FRAME];
  size_t len;
  bool overflow;
} el_frame_rx_t;

void el_frame_rx_init(el_frame_rx_t *rx);
/* Feeds one byte. On EL_RX_FRAME, *out points into rx->buf and stays valid until the next call. */
el_rx_result_t el_frame_rx_byte(el_frame_rx_t *rx, uint8_t byte, el_frame_t *out);
/* Parses decoded (raw) frame bytes; returns false for bad magic, length or CRC. */
bool el_frame_parse(const uint8_t *raw, size_t len, el_frame_t *out);
/* Encodes a frame with COBS and the delimiter into wire (capacity EL_MAX_ENCODED_FRAME); returns the byte count.
 * scratch must hold EL_MAX_RAW_FRAME bytes. */
size_t el_frame_encode(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t len, uint8_t *scratch,
                       uint8_t *wire);
#endif
