/* tg_rt_crc.c: tg_rt_check_crc, the CRC-32 (IEEE 802.3, as zlib's crc32)
 * of a blob's payload, with a 16-entry table (64 bytes of flash).
 *
 * Part of tinygen (https://github.com/tinygen/tinygen), copied unchanged
 * into every interpreter project.
 */
#include "tg_rt.h"

static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
    0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu, 0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};

tg_rt_status_t tg_rt_check_crc(const void *blob, size_t blob_bytes) {
  const uint8_t *b = (const uint8_t *)blob;
  uint32_t total, want, crc = 0xffffffffu, i;
  if (b == NULL) {
    return TG_RT_ERR_ARGUMENT;
  }
  if (blob_bytes < 64u) {
    return TG_RT_ERR_TRUNCATED;
  }
  if (b[0] != 'T' || b[1] != 'G' || b[2] != 'B' || b[3] != 'L') {
    return TG_RT_ERR_MAGIC;
  }
  total = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
  want = (uint32_t)b[12] | (uint32_t)b[13] << 8 | (uint32_t)b[14] << 16 | (uint32_t)b[15] << 24;
  if (total < 64u || total > blob_bytes) {
    return TG_RT_ERR_TRUNCATED;
  }
  for (i = 64u; i < total; i++) {
    crc ^= b[i];
    crc = (crc >> 4) ^ crc_nibble[crc & 15u];
    crc = (crc >> 4) ^ crc_nibble[crc & 15u];
  }
  return (crc ^ 0xffffffffu) == want ? TG_RT_OK : TG_RT_ERR_CRC;
}
