"""A distilled copy trained in PyTorch: the attacker of issue #16 as a PyTorch user would be one.

    /usr/bin/python3 scripts/distill-pytorch.py <answers dir> -o copy.onnx [--queries 6000] [--labels hard|soft]
        [--arch lenet|mlp] [--epochs 20] [--lr 1e-3] [--batch 64] [--temperature 4] [--shift 0] [--seed 1]
        [--finetune <labels dir> --finetune-out copy-ft.onnx [--finetune-epochs 5] [--finetune-lr 1e-4]]

<answers dir> holds x.npy (float32 [n, 1, 28, 28], the attacker's queries) and scores.npy (float32 [n, 10], the
victim's answers), as `scripts/response-mark-measure.ts --export-answers` writes them. The copy is a fresh network
(LeNet-5 with the zoo LeNet's shapes, or the zoo MLP's 784-128-64-10) trained with Adam and a cosine learning rate on
the first --queries answers: hard labels = the answers' arg-max with cross-entropy; soft = softmax(scores / T) with
T^2 * KL (Hinton et al. 2015). --shift k: each batch shifted at random by up to k pixels (augmentation). The copy
is written with torch.onnx.export (opset 13, batch dimension dynamic) and verified by the TypeScript side
(`response-mark-measure.ts --reverify`), never here. Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def mlp() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def shifted(x: torch.Tensor, k: int, g: torch.Generator) -> torch.Tensor:
    """Each image moved by a random (dy, dx) in [-k, k], zero-filled."""
    if k == 0:
        return x
    n = x.shape[0]
    pad = F.pad(x, (k, k, k, k))
    d = torch.randint(0, 2 * k + 1, (n, 2), generator=g)
    return torch.stack([pad[i, :, d[i, 0]:d[i, 0] + 28, d[i, 1]:d[i, 1] + 28] for i in range(n)])


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument('answers')
    a.add_argument('-o', required=True)
    a.add_argument('--queries', type=int, default=6000)
    a.add_argument('--labels', choices=['hard', 'soft'], default='hard')
    a.add_argument('--arch', choices=['lenet', 'mlp'], default='lenet')
    a.add_argument('--epochs', type=int, default=20)
    a.add_argument('--lr', type=float, default=1e-3)
    a.add_argument('--batch', type=int, default=64)
    a.add_argument('--temperature', type=float, default=4.0)
    a.add_argument('--shift', type=int, default=0)
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--finetune', help='then fine-tune the copy on the hard labels of this answers dir (e.g. true labels) '
                                      'and write it to --finetune-out')
    a.add_argument('--finetune-out')
    a.add_argument('--finetune-epochs', type=int, default=5)
    a.add_argument('--finetune-lr', type=float, default=1e-4)
    o = a.parse_args()
    torch.manual_seed(o.seed)
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(o.seed)
    x = torch.from_numpy(np.load(f'{o.answers}/x.npy')[: o.queries])
    s = torch.from_numpy(np.load(f'{o.answers}/scores.npy')[: o.queries])
    n = x.shape[0]
    hard = s.argmax(1)
    soft = F.softmax(s / o.temperature, 1)
    net = lenet() if o.arch == 'lenet' else mlp()
    opt = torch.optim.Adam(net.parameters(), lr=o.lr)
    steps = o.epochs * ((n + o.batch - 1) // o.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0 = time.time()
    for epoch in range(o.epochs):
        net.train()
        order = torch.randperm(n, generator=g)
        total = 0.0
        for b in range(0, n, o.batch):
            idx = order[b:b + o.batch]
            z = net(shifted(x[idx], o.shift, g))
            if o.labels == 'hard':
                loss = F.cross_entropy(z, hard[idx])
            else:
                t = o.temperature
                loss = F.kl_div(F.log_softmax(z / t, 1), soft[idx], reduction='batchmean') * t * t
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        net.eval()
        with torch.no_grad():
            fit = (net(x).argmax(1) == hard).float().mean().item()
        print(f'epoch {epoch + 1}: loss {total / n:.4f}, agreement with the answers {fit * 100:.2f}%', flush=True)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), o.o, opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}})
    print(f'{o.o}: {o.arch}, {n} {o.labels} labels, {o.epochs} epochs, {time.time() - t0:.0f} s', flush=True)
    if o.finetune:
        # the thief fine-tunes the stolen copy on labelled data of its own (hard labels, Adam at a low rate, same shifts)
        fx = torch.from_numpy(np.load(f'{o.finetune}/x.npy'))
        fy = torch.from_numpy(np.load(f'{o.finetune}/scores.npy')).argmax(1)
        opt = torch.optim.Adam(net.parameters(), lr=o.finetune_lr)
        for epoch in range(o.finetune_epochs):
            net.train()
            order = torch.randperm(fx.shape[0], generator=g)
            for b in range(0, fx.shape[0], o.batch):
                idx = order[b:b + o.batch]
                loss = F.cross_entropy(net(shifted(fx[idx], o.shift, g)), fy[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        torch.onnx.export(net, torch.zeros(1, 1, 28, 28), o.finetune_out, opset_version=13, input_names=['input'],
                          output_names=['logits'], dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}})
        print(f'{o.finetune_out}: fine-tuned on {fx.shape[0]} labels of {o.finetune}, {o.finetune_epochs} epochs '
              f'at lr {o.finetune_lr}', flush=True)


if __name__ == '__main__':
    main()
