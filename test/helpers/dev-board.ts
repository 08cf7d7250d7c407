/**
 * A host-sim board of the development flavour (MODEL_LOAD_*, RUN) with a client open on it, for the tests of the
 * enclosing `describe`: started before them, closed and stopped after them (with the file's run directory).
 */
import { DeviceClient } from '../../src/device/client';
import { DEV, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';

/** Registers the board's beforeAll/afterAll and returns the client (valid inside the tests). */
export function devBoardClient(): () => DeviceClient {
  let client: DeviceClient | undefined;
  beforeAll(async () => {
    const b = await startTestBoard('host-sim', undefined, DEV);
    client = await DeviceClient.open(b.port);
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await stopAllBoards();
    removeRunRoot();
  });
  return () => {
    if (!client) throw new Error('the host-sim development board did not start (see beforeAll)');
    return client;
  };
}
