import { randomBytes } from 'crypto';
import { DeviceClient } from './client';

export interface TransferStats {
  bytes: number;
  /** bytes on the wire in both directions (frames, COBS, delimiters, answers, retries) */
  wireBytes: number;
  /** bytes / wireBytes */
  efficiency: number;
  /** request/answer exchanges, retries not counted */
  roundTrips: number;
  retries: number;
  seconds: number;
}

/** Uploads `size` random bytes into a model slot (development load) and reports protocol efficiency, for benchmarks. */
export async function measureTransfer(client: DeviceClient, size = 300 * 1024, slot = 1): Promise<TransferStats> {
  const data = randomBytes(size);
  const s0 = { ...client.transport.stats };
  const t0 = process.hrtime.bigint();
  await client.loadModelDev(data, slot);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = client.transport.stats;
  const wireBytes = s.bytesSent - s0.bytesSent + s.bytesReceived - s0.bytesReceived;
  return { bytes: size, wireBytes, efficiency: size / wireBytes, roundTrips: s.requests - s0.requests, retries: s.retries - s0.retries, seconds };
}
