/** A board started for one piece of work: start it, open a client, run, then close the client and stop the board. */
import { DeviceClient } from '../device/client';
import { StartOptions, startBoard, stopBoard } from './lifecycle';

export async function withStartedBoard<T>(opts: StartOptions, fn: (c: DeviceClient) => Promise<T>): Promise<T> {
  const b = await startBoard(opts);
  try {
    const c = await DeviceClient.open(b.port);
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  } finally {
    await stopBoard(String(b.pid));
  }
}
