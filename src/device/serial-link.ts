import { SerialPort } from 'serialport';
import { EdgelockError } from '../errors';
import { ByteLink } from './link';
import { acquirePortLock } from './port-lock';

/**
 * Opens a serial port (a real UART or an emulator's pseudo-terminal) in raw mode and discards stale input. The port
 * is held exclusively (src/device/port-lock.ts): a second edgelock process gets E_DEVICE_PORT_BUSY.
 */
export async function openSerialLink(path: string, baudRate = 115200): Promise<ByteLink> {
  const release = acquirePortLock(path);
  const port = new SerialPort({ path, baudRate, autoOpen: false, lock: true });
  try {
    await new Promise<void>((resolve, reject) =>
      port.open((err) =>
        err ? reject(new EdgelockError('E_DEVICE_PORT', `cannot open ${path}: ${err.message}`)) : resolve(),
      ),
    );
  } catch (e) {
    release();
    throw e;
  }
  await new Promise<void>((resolve) => port.flush(() => resolve()));
  let closing = false;
  let onClose: ((err?: Error) => void) | undefined;
  port.on('close', (err?: Error) => {
    release(); // the device went away (e.g. the board stopped): its number may come back as another board's port
    if (!closing) onClose?.(err);
  });
  port.on('error', (err: Error) => {
    if (!closing) onClose?.(err);
  });
  return {
    write: (bytes) =>
      new Promise((resolve, reject) =>
        port.write(bytes, (err) =>
          err ? reject(new EdgelockError('E_DEVICE_PORT', `write to ${path} failed: ${err.message}`)) : resolve(),
        ),
      ),
    onData: (cb) => {
      port.on('data', cb);
    },
    onClose: (cb) => {
      onClose = cb;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (!port.isOpen) {
          release();
          return resolve();
        }
        port.close(() => {
          release();
          resolve();
        });
      }),
  };
}
