#include "el_frame.h"
#include "el_bytes.h"
#include "el_cobs.h"
#include "el_crc32.h"

void el_frame_rx_init(el_frame_rx_t *rx) {
  rx->len = 0;
  rx->overflow = false;
}

bool el_frame_parse(const uint8_t *raw, size_t len, el_frame_t *out) {
  if (len < EL_FRAME_HEADER_SIZE + EL_FRAME_CRC_SIZE) return false;
  if (raw[EL_FRAME_MAGIC_OFF] != EL_PROTOCOL_MAGIC) return false;
  uint16_t plen = el_get_u16(raw + EL_FRAME_LENGTH_OFF);
  if (plen > EL_MAX_PAYLOAD || len != (size_t)EL_FRAME_HEADER_SIZE + plen + EL_FRAME_CRC_SIZE) return false;
  uint32_t crc = el_get_u32(raw + EL_FRAME_HEADER_SIZE + plen);
  if (el_crc32(0, raw, EL_FRAME_HEADER_SIZE + plen) != crc) return false;
  out->version = raw[EL_FRAME_VERSION_OFF];
  out->type = raw[EL_FRAME_TYPE_OFF];
  out->seq = el_get_u16(raw + EL_FRAME_SEQ_OFF);
  out->len = plen;
  out->payload = raw + EL_FRAME_HEADER_SIZE;
  out->crc = crc;
  return true;
}

el_rx_result_t el_frame_rx_byte(el_frame_rx_t *rx, uint8_t byte, el_frame_t *out) {
  if (byte != EL_FRAME_DELIMITER) {
    if (rx->len < sizeof rx->buf)
      rx->buf[rx->len++] = byte;
    else
      rx->overflow = true;
    return EL_RX_NONE;
  }
  size_t len = rx->len;
  bool overflow = rx->overflow;
  el_frame_rx_init(rx);
  if (len == 0) return EL_RX_NONE;
  if (overflow) return EL_RX_DROPPED;
  size_t raw_len = el_cobs_decode(rx->buf, len, rx->buf);
  if (raw_len == (size_t)-1) return EL_RX_DROPPED;
  return el_frame_parse(rx->buf, raw_len, out) ? EL_RX_FRAME : EL_RX_DROPPED;
}

size_t el_frame_encode(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t len, uint8_t *scratch,
                       uint8_t *wire) {
  scratch[EL_FRAME_MAGIC_OFF] = EL_PROTOCOL_MAGIC;
  scratch[EL_FRAME_VERSION_OFF] = EL_PROTOCOL_VERSION;
  scratch[EL_FRAME_TYPE_OFF] = type;
  el_put_u16(scratch + EL_FRAME_SEQ_OFF, seq);
  el_put_u16(scratch + EL_FRAME_LENGTH_OFF, len);
  for (uint16_t i = 0; i < len; i++) scratch[EL_FRAME_HEADER_SIZE + i] = payload[i];
  el_put_u32(scratch + EL_FRAME_HEADER_SIZE + len, el_crc32(0, scratch, EL_FRAME_HEADER_SIZE + len));
  size_t n = el_cobs_encode(scratch, EL_FRAME_HEADER_SIZE + len + EL_FRAME_CRC_SIZE, wire);
  wire[n++] = EL_FRAME_DELIMITER;
  return n;
}
