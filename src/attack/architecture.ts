/**
 * The attacker's architecture for an extraction (`--arch`): the victim's own graph ('same', known when
 * the victim is an ONNX file), a zoo model by name (models/*.onnx) or any ONNX file. Only the graph is
 * used: the copy starts from fresh weights. The graph must be trainable (src/train/from-model.ts) and
 * fit the victim: same values per sample, same classes.
 */
import { existsSync } from 'fs';
import { EdgelockError } from '../errors';
import { loadOnnxFile } from '../formats/load';
import { Model } from '../ir/types';
import { trainableFromModel } from '../train/from-model';
import { zooModels } from '../zoo/models-dir';

export interface AttackerArchitecture {
  /** 'same (…)', the zoo name, or the file */
  name: string;
  model: Model;
  params: number;
}

export function resolveArchitecture(
  spec: string,
  victim: { onnx?: Model; name: string; classes: number; sampleShape: number[] },
): AttackerArchitecture {
  let name: string;
  let model: Model;
  if (spec === 'same') {
    if (!victim.onnx)
      throw new EdgelockError(
        'E_USAGE',
        `--arch same needs the victim's ONNX graph; ${victim.name} does not give it`,
        {},
        `name the attacker's architecture: --arch <zoo model: ${zooModels()
          .map((z) => z.name)
          .join(', ')}> or --arch <file.onnx>`,
      );
    name = `same as the victim (${victim.onnx.graph.name || 'graph'})`;
    model = victim.onnx;
  } else {
    const zoo = zooModels().find((z) => z.name === spec);
    if (!zoo && !existsSync(spec))
      throw new EdgelockError(
        'E_USAGE',
        `--arch '${spec}' is neither 'same', a zoo model (${zooModels()
          .map((z) => z.name)
          .join(', ')}) nor an ONNX file`,
      );
    name = spec;
    model = loadOnnxFile(zoo ? zoo.path : spec);
  }
  const t = trainableFromModel(model); // E_TRAIN_UNSUPPORTED for graphs the trainer cannot train
  const size = victim.sampleShape.reduce((a, b) => a * b, 1);
  if (t.net.inputSize !== size || t.net.outputSize !== victim.classes)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `--arch ${spec} takes ${t.net.inputSize} values and answers ${t.net.outputSize} classes; the victim takes ${size} and answers ${victim.classes}`,
    );
  return { name, model: { ...model, metadata: {} }, params: t.net.paramCount() };
}
