#!/usr/bin/python3
"""Exports small PyTorch models to ONNX so edgelock's importer meets real exporter output.

Run with Debian's Python (python3-torch 1.13, python3-onnx):
    /usr/bin/python3 models/pytorch/export.py
Weights are random but seeded; the .onnx files are committed, so this runs only to regenerate.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
IMPORT_FIXTURES = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'import')


class SmallCnn(nn.Module):
    """Conv + BatchNorm + ReLU6 (Clip) feature extractor, AdaptiveAvgPool, Flatten, Linear."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU6(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU6(),
            nn.Conv2d(32, 32, 3, padding=1, groups=32),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, 1),
            nn.ReLU6(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.flatten(self.pool(self.features(x))))


class MlpHead(nn.Module):
    """MLP with LayerNorm, Dropout, Hardswish/Sigmoid/Tanh branches, Concat and x.view(x.size(0), -1)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.norm = nn.LayerNorm(128)
        self.act = nn.Hardswish()
        self.drop = nn.Dropout(0.2)
        self.branch_a = nn.Linear(128, 64)
        self.branch_b = nn.Linear(128, 64)
        self.fc_out = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.drop(self.act(self.norm(self.fc1(x))))
        a = torch.sigmoid(self.branch_a(x))
        b = torch.tanh(self.branch_b(x))
        return self.fc_out(torch.cat([a, b], dim=1))


class MlpHeadCompilable(nn.Module):
    """The MLP without LayerNorm (whose decomposition needs Sqrt, which has no TFLite lowering):
    x.view(x.size(0), -1), Linear, Hardswish, Sigmoid/Tanh branches each projected by a Linear,
    Concat, Linear. (Concatenating the Sigmoid and Tanh outputs directly cannot be int8: TFLite
    fixes their output scales to different values and int8 CONCATENATION needs equal ones.)"""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.act = nn.Hardswish()
        self.branch_a = nn.Linear(128, 64)
        self.branch_b = nn.Linear(128, 64)
        self.proj_a = nn.Linear(64, 32)
        self.proj_b = nn.Linear(64, 32)
        self.fc_out = nn.Linear(64, 10)

    def forward(self, x):
        x = self.act(self.fc1(x.view(x.size(0), -1)))
        a = self.proj_a(torch.sigmoid(self.branch_a(x)))
        b = self.proj_b(torch.tanh(self.branch_b(x)))
        return self.fc_out(torch.cat([a, b], dim=1))


def randomise_batchnorm(model, gen):
    """Gives BatchNorm layers non-trivial running statistics and affine parameters."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)


def export(model, example, name, opset, keep_shape_ops=False, out_dir=HERE):
    """Exports in inference mode. TrainingMode.PRESERVE (the model is in eval mode) skips the
    exporter's eval peephole, so BatchNormalization nodes stay in the graph instead of being
    folded into the convolutions. keep_shape_ops turns off the exporter's ONNX shape inference
    (a keyword of torch.onnx.utils._export in torch 1.13), which would otherwise replace the
    Shape -> Gather chain of x.view(x.size(0), -1) by constants for a fixed-size input."""
    path = os.path.join(out_dir, name + '.onnx')
    torch.onnx.utils._export(
        model,
        (example,),
        path,
        opset_version=opset,
        input_names=['input'],
        output_names=['logits'],
        do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE,
        onnx_shape_inference=not keep_shape_ops,
    )
    # PyTorch's own output on a fixed input, so tests can hold onnxruntime's result on the
    # exported file against the framework that produced it.
    with torch.no_grad():
        expected = model(example)
    np.save(os.path.join(out_dir, name + '.input.npy'), example.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, name + '.output.npy'), expected.numpy().astype(np.float32))
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    params = sum(int(torch.tensor(list(t.dims)).prod().item()) if len(t.dims) else 1 for t in m.graph.initializer)
    print(f'{name}.onnx opset {opset}: {params} params, ops {", ".join(ops)}')


def main():
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(5678)
    with torch.no_grad():
        cnn = SmallCnn().eval()
        randomise_batchnorm(cnn, gen)
        mlp = MlpHead().eval()
        image = torch.rand(1, 3, 32, 32, generator=gen)
        vector = torch.rand(1, 4, 4, 4, generator=gen)
        export(cnn, image, 'torch-cnn-opset13', 13)
        export(cnn, image, 'torch-cnn-opset11', 11)
        export(cnn, image, 'torch-cnn-opset17', 17)
        # LayerNorm exports need Sqrt, which the TFLite back end cannot lower: they are import
        # fixtures (test/fixtures/import), not zoo models.
        export(mlp, vector, 'torch-mlp-opset13', 13, keep_shape_ops=True, out_dir=IMPORT_FIXTURES)
        export(mlp, vector, 'torch-mlp-opset11', 11, keep_shape_ops=True, out_dir=IMPORT_FIXTURES)
        # Made after the others, so adding it left their weights (and files) unchanged.
        mlp2 = MlpHeadCompilable().eval()
        export(mlp2, vector, 'torch-mlp-hswish-opset13', 13, keep_shape_ops=True)
    print('torch', torch.__version__, 'onnx', onnx.__version__, file=sys.stderr)


if __name__ == '__main__':
    main()
