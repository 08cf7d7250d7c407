export { BOARDS } from './boards';
export type { BoardDef } from './boards';
export { BUILD_FLAVOURS, boardByName, ensureBuilt, flavourName, flavourParts } from './build';
export { DEFAULT_BOARD, startBoard, stopBoard } from './lifecycle';
export type { StartOptions } from './lifecycle';
export { listBoards } from './registry';
export type { RunningBoard } from './registry';
export { deviceInfo } from '../device/client';
