/** A byte link to a device: the transport only needs to write bytes and be told about received bytes. */
export interface ByteLink {
  write(bytes: Buffer): Promise<void>;
  /** Registers the receiver (one per link). */
  onData(cb: (bytes: Buffer) => void): void;
  /** Called when the link closes unexpectedly. */
  onClose(cb: (err?: Error) => void): void;
  close(): Promise<void>;
}
