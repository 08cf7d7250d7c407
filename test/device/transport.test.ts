import { ByteLink } from '../../src/device/link';
import { Transport } from '../../src/device/transport';
import { commandByName, PROTOCOL_VERSION, RESPONSE_FLAG } from '../../src/protocol/definition';
import { Frame, FrameDecoder, encodeFrame } from '../../src/protocol/frame';

/** An in-process link whose "device" is a script: for each request frame it returns the bytes to send back. */
function scriptedLink(reply: (req: Frame, attempt: number) => Buffer[]): ByteLink & { requests: Frame[] } {
  let onData: (b: Buffer) => void = () => undefined;
  const requests: Frame[] = [];
  const dec = new FrameDecoder((f) => {
    requests.push(f);
    const attempt = requests.filter((r) => r.seq === f.seq).length;
    for (const b of reply(f, attempt)) setTimeout(() => onData(b), 1);
  });
  return {
    requests,
    write: async (b) => dec.push(b),
    onData: (cb) => (onData = cb),
    onClose: () => undefined,
    close: async () => undefined,
  };
}

const ping = commandByName('PING');
const answer = (req: Frame, over: Partial<Frame> = {}, body = req.payload): Buffer =>
  encodeFrame({
    version: PROTOCOL_VERSION,
    type: req.type | RESPONSE_FLAG,
    seq: req.seq,
    payload: Buffer.concat([Buffer.from([0]), body]),
    ...over,
  });

describe('transport acceptance rules (scripted device)', () => {
  test('wrong seq, wrong type and a corrupted CRC are never accepted; the correct answer to a retry is', async () => {
    const link = scriptedLink((req, attempt) => {
      if (attempt === 1) {
        const bad = answer(req, {}, Buffer.from('forged'));
        bad[bad.length - 3] ^= 0x01; // corrupt inside the COBS block: CRC (or COBS) fails
        return [
          answer(req, { seq: (req.seq + 1) & 0xffff }, Buffer.from('wrong seq')),
          answer(req, { type: 0x82 }, Buffer.from('wrong type')),
          bad,
        ];
      }
      return [answer(req)];
    });
    const t = new Transport(link, { timeoutScale: 0.05 });
    const r = await t.request(ping, Buffer.from('hello'));
    expect(r.status).toBe(0);
    expect(r.body.toString()).toBe('hello');
    expect(link.requests.length).toBe(2);
    expect(link.requests[0].seq).toBe(link.requests[1].seq); // the retry repeats the sequence number
    expect(t.stats.retries).toBe(1);
    expect(t.stats.framesIgnored).toBe(2);
    expect(t.stats.framesDropped).toBe(1);
  });

  test('a device that never answers correctly ends in E_DEVICE_TIMEOUT after the configured attempts', async () => {
    const link = scriptedLink((req) => [answer(req, { seq: (req.seq + 7) & 0xffff })]);
    const t = new Transport(link, { timeoutScale: 0.02, attempts: 3 });
    await expect(t.request(ping, Buffer.alloc(1))).rejects.toMatchObject({ code: 'E_DEVICE_TIMEOUT' });
    expect(link.requests.length).toBe(3);
  });

  test('a response in another protocol version is reported as E_DEVICE_VERSION', async () => {
    const link = scriptedLink((req) => [answer(req, { version: PROTOCOL_VERSION + 1 })]);
    const t = new Transport(link, { timeoutScale: 0.05 });
    await expect(t.request(ping, Buffer.alloc(1))).rejects.toMatchObject({ code: 'E_DEVICE_VERSION' });
  });

  test('ERR_STALE_SEQ (a new session behind the device) resyncs: the request is re-sent after the device seq', async () => {
    const link = scriptedLink((req) => {
      if (req.seq !== 501)
        return [
          encodeFrame({
            version: PROTOCOL_VERSION,
            type: req.type | RESPONSE_FLAG,
            seq: req.seq,
            payload: Buffer.from([0x14, 500 & 0xff, 500 >> 8]),
          }),
        ];
      return [answer(req)];
    });
    const t = new Transport(link, { timeoutScale: 0.05 });
    const r = await t.request(ping, Buffer.from('after resync'));
    expect(r.body.toString()).toBe('after resync');
    expect(link.requests[link.requests.length - 1].seq).toBe(501);
    expect(t.stats.resyncs).toBe(link.requests[0].seq === 501 ? 0 : 1);
  });

  test('consecutive requests use consecutive sequence numbers and stale duplicates are ignored', async () => {
    let previous: Buffer | undefined;
    const link = scriptedLink((req) => {
      const out = previous ? [previous, answer(req)] : [answer(req)];
      previous = answer(req);
      return out;
    });
    const t = new Transport(link, { timeoutScale: 0.05 });
    for (let i = 0; i < 5; i++) expect((await t.request(ping, Buffer.from([i]))).body[0]).toBe(i);
    const seqs = link.requests.map((r) => r.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] + 1) & 0xffff);
    expect(t.stats.framesIgnored).toBe(4);
  });
});
