"""Trains a zoo model's ONNX graph on a synthetic task with PyTorch (run by src/zoo/build.ts).

usage: /usr/bin/python3 models/synthetic/train.py <workdir> [--epochs N] [--seed S]

<workdir> holds, written by the TypeScript zoo builder:
  model.onnx     the untrained model as edgelock's IR builder wrote it (initial weights inside)
  x_train.npy    float32 [N, C, H, W] training samples (src/zoo/synthetic-task.ts, split 'train')
  y_train.npy    int32 [N] labels
  x_val.npy, y_val.npy   a validation split ('calib'), only reported
The graph itself is executed node by node (Conv, BatchNormalization, Relu, Add, GlobalAveragePool,
AveragePool, Flatten, Gemm), so the trained network is the ONNX graph, node for node; every
float initializer becomes a parameter, BatchNormalization mean/var become running statistics.
Writes <workdir>/weights/<initializer name>.npy (float32) and <workdir>/train.json.
"""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxNet(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        g = model.graph
        self.nodes = list(g.node)
        self.input_name = g.input[0].name
        self.output_name = g.output[0].name
        self.tensors = {}
        self.params = torch.nn.ParameterDict()
        self.stat_names = set()
        for n in self.nodes:
            if n.op_type == 'BatchNormalization':
                self.stat_names.update(n.input[3:5])
        for init in g.initializer:
            arr = numpy_helper.to_array(init).astype(np.float32)
            key = init.name.replace('.', '__')
            if init.name in self.stat_names:
                self.register_buffer(key, torch.tensor(arr))
            else:
                self.params[key] = torch.nn.Parameter(torch.tensor(arr))
        self.names = [i.name for i in g.initializer]

    def get(self, name):
        key = name.replace('.', '__')
        if key in self.params:
            return self.params[key]
        return getattr(self, key)

    def forward(self, x):
        env = {self.input_name: x}
        val = lambda n: env[n] if n in env else self.get(n)
        for n in self.nodes:
            a = attrs_of(n)
            op = n.op_type
            if op == 'Conv':
                t, l, b, r = a.get('pads', [0, 0, 0, 0])
                xin = val(n.input[0])
                if any((t, l, b, r)):
                    xin = F.pad(xin, (l, r, t, b))
                bias = val(n.input[2]) if len(n.input) > 2 and n.input[2] else None
                y = F.conv2d(xin, val(n.input[1]), bias, stride=tuple(a.get('strides', [1, 1])),
                             dilation=tuple(a.get('dilations', [1, 1])), groups=a.get('group', 1))
            elif op == 'BatchNormalization':
                y = F.batch_norm(val(n.input[0]), val(n.input[3]), val(n.input[4]), val(n.input[1]), val(n.input[2]),
                                 training=self.training, momentum=self.bn_momentum, eps=a.get('epsilon', 1e-5))
            elif op == 'Relu':
                y = F.relu(val(n.input[0]))
            elif op == 'Add':
                y = val(n.input[0]) + val(n.input[1])
            elif op == 'GlobalAveragePool':
                y = val(n.input[0]).mean(dim=(2, 3), keepdim=True)
            elif op == 'AveragePool':
                assert not any(a.get('pads', [0, 0, 0, 0]))
                y = F.avg_pool2d(val(n.input[0]), tuple(a['kernel_shape']), tuple(a.get('strides', a['kernel_shape'])))
            elif op == 'Flatten':
                y = torch.flatten(val(n.input[0]), a.get('axis', 1))
            elif op == 'Gemm':
                assert a.get('transB', 0) == 1 and a.get('transA', 0) == 0
                y = F.linear(val(n.input[0]), val(n.input[1]), val(n.input[2]) if len(n.input) > 2 else None)
            else:
                raise SystemExit(f'train.py: op {op} (node {n.name}) is not supported')
            env[n.output[0]] = y
        return env[self.output_name]

    bn_momentum = 0.1


def accuracy(net, x, y, batch=500):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main(argv):
    work = argv[0]
    epochs = int(argv[argv.index('--epochs') + 1]) if '--epochs' in argv else 12
    seed = int(argv[argv.index('--seed') + 1]) if '--seed' in argv else 0
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # more threads oversubscribe small convs on a shared 2-core machine
    net = OnnxNet(onnx.load(os.path.join(work, 'model.onnx')))
    x = torch.tensor(np.load(os.path.join(work, 'x_train.npy')))
    y = torch.tensor(np.load(os.path.join(work, 'y_train.npy')).astype(np.int64))
    xv = torch.tensor(np.load(os.path.join(work, 'x_val.npy')))
    yv = torch.tensor(np.load(os.path.join(work, 'y_val.npy')).astype(np.int64))
    batch = 64
    steps = epochs * ((len(x) + batch - 1) // batch)
    opt = torch.optim.AdamW(net.params.values(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = time.time()
    log = []
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(len(x))
        total = 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        va = accuracy(net, xv, yv)
        log.append({'epoch': ep + 1, 'loss': round(total / len(x), 4), 'valAccuracy': round(va, 4)})
        print(f'epoch {ep + 1}/{epochs}: loss {total / len(x):.4f}, validation accuracy {va:.4f} ({time.time() - t0:.0f}s)', flush=True)
    # Final BatchNormalization running statistics: exact averages over the training set in
    # training mode (momentum 1/(k+1) for batch k is a cumulative average), so the stored
    # mean/var describe the data the network was trained on rather than a moving window.
    bns = [n for n in net.nodes if n.op_type == 'BatchNormalization']
    with torch.no_grad():
        for n in bns:
            net.get(n.input[3]).zero_()
            net.get(n.input[4]).fill_(1)
        net.train()
        for k, i in enumerate(range(0, len(x), 500)):
            net.bn_momentum = 1.0 / (k + 1)
            net(x[i:i + 500])
    va = accuracy(net, xv, yv)
    print(f'after recomputing BatchNormalization statistics: validation accuracy {va:.4f}', flush=True)
    out = os.path.join(work, 'weights')
    os.makedirs(out, exist_ok=True)
    for name in net.names:
        np.save(os.path.join(out, name + '.npy'), net.get(name).detach().numpy().astype(np.float32))
    with open(os.path.join(work, 'train.json'), 'w') as f:
        json.dump({'framework': f'pytorch {torch.__version__}', 'optimizer': 'adamw', 'lr': 3e-3, 'schedule': 'one-cycle',
                   'weightDecay': 1e-4, 'epochs': epochs, 'batchSize': batch, 'trainSamples': len(x), 'seed': seed,
                   'trainSeconds': round(time.time() - t0, 1), 'valAccuracy': round(va, 4), 'log': log}, f)


if __name__ == '__main__':
    main(sys.argv[1:])
