import { dumpGraph } from '../../src/ir/dump';
import { EdgelockError } from '../../src/errors';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { runPipeline } from '../../src/passes/pipeline';
import { PASS_TABLE, PIPELINES } from '../../src/passes/registry';
import { opsOf } from './support/check-pass';
import { expectGolden } from './support/golden';
import { expectSameOutputs } from './support/reference';
import { bnConv, torchFixture } from './support/fixtures';

const FOLDED_AWAY = [
  'Shape',
  'Gather',
  'BatchNormalization',
  'Dropout',
  'Constant',
  'Identity',
  'Unsqueeze',
  'Concat',
  'Cast',
];

describe('runPipeline', () => {
  it('registers every pass of the optimize pipeline', () => {
    for (const name of PIPELINES.optimize) expect(PASS_TABLE[name]?.name).toBe(name);
  });

  for (const fixture of ['torch_convbn', 'torch_convbn_dropout_opset11'] as const) {
    it(`folds a PyTorch export (${fixture}) to a fixed point that matches onnxruntime`, async () => {
      const before = torchFixture(fixture);
      const beforeDump = dumpGraph(before);
      const { model: after, log } = runPipeline(before);
      expect(dumpGraph(before)).toBe(beforeDump);
      for (const op of FOLDED_AWAY) expect({ op, left: opsOf(after).includes(op) }).toEqual({ op, left: false });
      // What the back end sees: conv/dense layers in canonical form, the decomposed LayerNorm kept.
      expect(opsOf(after).filter((o) => o === 'Conv').length).toBe(2);
      expect(opsOf(after).filter((o) => o === 'Gemm').length).toBe(2);
      expect(opsOf(after)).toEqual(
        expect.arrayContaining(['ReduceMean', 'Sub', 'Pow', 'Sqrt', 'Div', 'Reshape', 'Clip']),
      );
      // The last round changed nothing; an earlier one did.
      const last = Math.max(...log.map((l) => l.iteration));
      expect(log.filter((l) => l.iteration === last).every((l) => !l.changed)).toBe(true);
      expect(log.some((l) => l.changed)).toBe(true);
      expectGolden(`pipeline_${fixture}`, dumpGraph(after));
      await expectSameOutputs(before, after);
      // The optimised model survives an ONNX round trip unchanged.
      expect(dumpGraph(readOnnx(writeOnnx(after)))).toBe(dumpGraph(after));
    });
  }

  it('stops with E_PASS_NO_FIXPOINT when the round cap is reached while passes still change the graph', () => {
    let err: unknown;
    try {
      runPipeline(torchFixture('torch_convbn'), PIPELINES.optimize, { maxIterations: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgelockError);
    expect((err as EdgelockError).code).toBe('E_PASS_NO_FIXPOINT');
  });

  it('rejects an unknown pass name with E_USAGE', () => {
    expect(() => runPipeline(bnConv(), ['constant-folding', 'no-such-pass'])).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });

  it('runs a chosen subset of passes in order', () => {
    const { model, log } = runPipeline(bnConv(), ['batchnorm-folding', 'dead-node-removal']);
    expect(opsOf(model)).toEqual(['Conv', 'Relu', 'Conv', 'Conv', 'BatchNormalization', 'Add']);
    expect(log.map((l) => `${l.iteration}:${l.pass}:${l.changed}`)).toEqual([
      '1:batchnorm-folding:true',
      '1:dead-node-removal:true',
      '2:batchnorm-folding:false',
      '2:dead-node-removal:false',
    ]);
  });
});
