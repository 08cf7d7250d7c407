export { DeviceClient, deviceInfo, withDevice } from './client';
export type { DeviceInfo, KeyWriteResult, ModelSlotInfo } from './client';
export type { ByteLink } from './link';
export { openSerialLink } from './serial-link';
export { Transport } from './transport';
export type { TransportOptions, TransportStats } from './transport';
export { measureTransfer } from './transfer-stats';
export type { TransferStats } from './transfer-stats';
