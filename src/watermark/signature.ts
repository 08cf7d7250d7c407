/**
 * The owner signature and the model commitment.
 *
 *   signature  = HMAC-SHA256(key = 32-byte owner key, message = UTF-8(owner id))
 *   commitment = SHA-256(signature ‖ UTF-8(model id))
 *
 * The signature seeds every trigger (src/watermark/drbg.ts); the commitment is the only
 * watermark secret-derived value that ships with the model.
 */
import { createHash, createHmac } from 'crypto';
import { EdgelockError } from '../errors';

export const SIGNATURE_BYTES = 32;

export function ownerSignature(key: Uint8Array, ownerId: string): Uint8Array {
  if (key.length !== 32) throw new EdgelockError('E_KEY_FILE', `an owner key is 32 bytes, got ${key.length}`);
  if (ownerId.length === 0) throw new EdgelockError('E_USAGE', 'the owner id must not be empty');
  return new Uint8Array(createHmac('sha256', key).update(Buffer.from(ownerId, 'utf8')).digest());
}

export function commitment(signature: Uint8Array, modelId: string): string {
  return createHash('sha256').update(signature).update(Buffer.from(modelId, 'utf8')).digest('hex');
}
