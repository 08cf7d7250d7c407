/*
 * Authenticated model packages (.elp), parsed in place. The layout is defined in src/package/format.ts and
 * documented in docs/package.md; the constants below must match it (test/package checks host-built packages
 * against this parser through the real firmware).
 *   header 32 B: "ELPK" | u16 format 1 | u16 header size 32 | u16 record count | u8 tag kind 1 | u8 0 |
 *                u32 total size | 16 reserved zero bytes
 *   records from offset 32: u16 type | u16 0 | u32 length | 8 zero bytes | value | zero padding to 16
 *   tag: the last 32 bytes, HMAC-SHA256(package key, everything before it),
 *        package key = HKDF-SHA256(ikm = device key, salt = empty, info = "edgelock package key v1")
 */
#ifndef EL_PACKAGE_H
#define EL_PACKAGE_H
#include <stdint.h>
#include "el_protocol.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_score_offsets.h"

#define EL_PKG_MAGIC 0x4B504C45u /* "ELPK" read as u32 LE */
#define EL_PKG_FORMAT_VERSION 1u
#define EL_PKG_HEADER_SIZE 32u
#define EL_PKG_RECORD_HEADER_SIZE 16u
#define EL_PKG_ALIGN 16u
#define EL_PKG_TAG_SIZE 32u
#define EL_PKG_TAG_HMAC_DEVICE 1u
#define EL_PKG_KEY_INFO "edgelock package key v1"
#define EL_PKG_MAX_VERSION 32u
/* Reserved: a board holding it could never accept another package (the host refuses it too). */
#define EL_PKG_COUNTER_RESERVED 0xFFFFFFFFu

enum {
  EL_PKG_REC_MODEL = 1,
  EL_PKG_REC_MODEL_SHA256 = 2,
  EL_PKG_REC_VERSION = 3,
  EL_PKG_REC_SECURITY_COUNTER = 4,
  EL_PKG_REC_DEVICE_UID = 5,
  EL_PKG_REC_LOCK_DESCRIPTOR = 6,
  EL_PKG_REC_WATERMARK_COMMITMENT = 7,
  EL_PKG_REC_WRAPPED_MODEL_KEY = 8,
  EL_PKG_REC_QUERY_LIMITS = 9,
  EL_PKG_REC_RESPONSE_MARK = 10,
  EL_PKG_REC_SCORE_OFFSETS = 11,
  EL_PKG_REC_COUNT = 12 /* one past the last type */
};

typedef struct {
  const uint8_t *bytes; /* the whole package */
  uint32_t size;
  const uint8_t *model; /* 16-byte aligned within the package */
  uint32_t model_size;
  const uint8_t *model_sha256;
  const uint8_t *version; /* ASCII, not terminated */
  uint32_t version_len;
  uint32_t security_counter;
  const uint8_t *device_uid;  /* EL_UID_SIZE bytes */
  const uint8_t *wrapped_key; /* 32 bytes, or NULL when the package carries none */
  uint8_t has_limits;         /* 1 when the package carries a queryLimits record */
  el_query_limits_t limits;
  uint8_t has_mark; /* 1 when the package carries a responseMark record */
  el_mark_params_t mark;
  const uint8_t *offsets; /* the scoreOffsets record value (checked by el_offsets_parse), or NULL */
  uint32_t offsets_len;
} el_package_t;

/* Walks the header and records with bounds checks (no key needed). EL_ST_OK or EL_ST_ERR_PKG_INVALID (also for the
 * reserved security counter EL_PKG_COUNTER_RESERVED and for query limits a board cannot enforce). */
uint8_t el_package_parse(const uint8_t *bytes, uint32_t size, el_package_t *out);

/* Everything a board checks before it trusts a package: parse, device uid = this board's (ERR_PKG_DEVICE), tag under
 * the package key derived in the key store (ERR_PKG_AUTH; ERR_KEY_EMPTY when unprovisioned), model SHA-256
 * (ERR_PKG_INVALID). Does not look at the security counter. */
uint8_t el_package_verify(const uint8_t *bytes, uint32_t size, el_package_t *out);
#endif
