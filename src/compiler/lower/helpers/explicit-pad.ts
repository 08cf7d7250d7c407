/** An explicit PAD/PADV2 in front of a conv or pool whose ONNX pads TFLite's SAME cannot express. */
import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { Geometry } from './spatial';

/**
 * Pads an NHWC tensor by the geometry's (begin, end) pads with `value` (0 → PAD, else PADV2).
 * Returns the padded tensor and its spatial sizes.
 */
export function padSpatial(
  ctx: LowerContext,
  node: Node,
  tensor: number,
  g: Geometry,
  value: number,
): { tensor: number; input: number[] } {
  const t = ctx.tensor(tensor);
  const [n, , , c] = t.shape;
  const input = g.input.map((x, i) => x + g.begin[i] + g.end[i]);
  const paddings = ctx.addInt32(
    `${node.name}/paddings`,
    [0, 0, g.begin[0], g.end[0], g.begin[1], g.end[1], 0, 0],
    [4, 2],
  );
  const out = ctx.addAct(`${node.name}/padded`, [n, input[0], input[1], c], t.source);
  if (value === 0) {
    ctx.emit('PAD', { kind: 'Pad' }, [tensor, paddings], [out], node);
  } else {
    const v = ctx.addConst(`${node.name}/pad_value`, [1], Float32Array.of(value), 'const-operand');
    ctx.emit('PADV2', { kind: 'PadV2' }, [tensor, paddings, v], [out], node);
  }
  return { tensor: out, input };
}
