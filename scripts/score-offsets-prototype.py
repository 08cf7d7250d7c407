"""Prototype (not in the product): keyed score offsets that a shifted soft-label student learns.

    npx tsx scripts/victim-scores.ts --out <dir>
    /usr/bin/python3 scripts/score-offsets-prototype.py <dir> [--delta 1.0] [--projections 16] [--sigma 6]
        [--students marked-soft,clean-soft,marked-hard] [--seed 1] [--queries 6000] [--epochs 30] [--shift 2] [--arch lenet|mlp]

The response mark does not survive a student trained with random shifts (docs/watermark.md, "A PyTorch student").
This tries a signal such a student can learn: a smooth function of the input added to every answer's scores.

  key        m directions v_j in pixel space (seeded Gaussian noise blurred with a Gaussian of --sigma pixels, so a
             shift of a few pixels barely moves <v_j, x>) and a sign matrix S (m x C, +-1)
  features   u(x) = the m projections <v_j, x>, centred and whitened on the owner's pool, clipped to +-2.5
  answer     logits z(x) + delta * u(x) S / sqrt(m), centred over the classes

A student trained on the answers (PyTorch LeNet or MLP, Adam, cosine schedule, 30 epochs, batches shifted by up to --shift pixels,
soft labels at T = 4 with T^2 KL, or hard labels) is read on the owner's pool: r(x) = its log-probabilities minus the
base model's, centred over the classes; a = u^T r / n (m x C); statistic Z = sum(S * a) / sqrt(sum(a^2)). For a model
trained without the key, S is uniform and independent of a, so P(Z >= z) <= exp(-z^2 / 2) (Hoeffding): the printed p
is that bound. 200 decoy sign matrices give the statistic's spread on the same suspect.
Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import importlib.util
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('distill_pytorch', os.path.join(HERE, 'distill-pytorch.py'))
dp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dp)


def blurred_direction(seed: int, sigma: float) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((28, 28))
    k = np.exp(-0.5 * (np.arange(-12, 13) / sigma) ** 2)
    k /= k.sum()
    v = np.pad(v, 12, mode='wrap')
    v = np.apply_along_axis(lambda r: np.convolve(r, k, 'valid'), 1, v)
    v = np.apply_along_axis(lambda c: np.convolve(c, k, 'valid'), 0, v).reshape(-1)
    return v / np.linalg.norm(v)


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument('dir')
    a.add_argument('--delta', type=float, default=1.0)
    a.add_argument('--projections', type=int, default=16)
    a.add_argument('--sigma', type=float, default=6.0)
    a.add_argument('--students', default='marked-soft,clean-soft,marked-hard')
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--queries', type=int, default=6000)
    a.add_argument('--epochs', type=int, default=30)
    a.add_argument('--shift', type=int, default=2)
    a.add_argument('--arch', choices=['lenet', 'mlp'], default='lenet')
    a.add_argument('--temperature', type=float, default=4.0, help='the soft-label students\' temperature')
    a.add_argument('--gate', type=float, default=0.0,
                   help='g > 0: the offsets grow with the base model\'s margin M (top logit minus runner-up): '
                        'amplitude delta + g * max(0, M - tau), the extra part closing at most half of any class\'s '
                        'gap to the top, so the arg-max is the one delta alone gives; the reading weighs each input by that amplitude')
    a.add_argument('--tau', type=float, default=4.0)
    a.add_argument('--scrub-dct', type=int, default=0,
                   help='D > 0: a thief who knows the scheme but not the features removes, before training, the part '
                        'of the marked answers that the D x D lowest DCT coefficients of the image explain beside its '
                        'own model\'s score (--scrub-reference: its scores on xq.npy, scripts/model-scores.ts)')
    a.add_argument('--scrub-reference')
    a.add_argument('--grid', type=int, default=0,
                   help='G > 0 (with --basis K): the K x K polynomial moments (2i + 1 - G)^a (2j + 1 - G)^b of the int8 image '
                        'pooled to G x G cells, as the boards compute them (src/score-offsets/), instead of DCT coefficients')
    a.add_argument('--basis', type=int, default=0,
                   help='K > 0: the features are the K x K lowest DCT-II coefficients of the int8 image, whitened '
                        'on the pool (what a board computes cheaply); --projections and --sigma are then unused')
    o = a.parse_args()
    torch.set_num_threads(1)
    xq, zq = np.load(f'{o.dir}/xq.npy'), np.load(f'{o.dir}/zq.npy')
    xt, zt, yt = np.load(f'{o.dir}/xtest.npy'), np.load(f'{o.dir}/ztest.npy'), np.load(f'{o.dir}/ytest.npy')
    if o.basis:
        m = o.basis * o.basis
        i = np.arange(28) + 0.5
        cos = np.stack([np.cos(np.pi * i * f / 28) for f in range(o.basis)])  # K x 28
        if o.grid:
            cell = np.arange(28) * o.grid // 28
            cos = np.stack([(2.0 * cell + 1 - o.grid) ** f for f in range(o.basis)])
        V = np.einsum('ay,bx->abyx', cos, cos).reshape(m, 784)

        def raw(x: np.ndarray) -> np.ndarray:
            return np.round(x.reshape(len(x), -1) * 255) @ V.T

        pool = raw(xt)
        mu = pool.mean(0)
        ev, U = np.linalg.eigh(np.cov((pool - mu).T))
        W = U @ np.diag(ev ** -0.5) @ U.T

        def features(x: np.ndarray) -> np.ndarray:
            return np.clip((raw(x) - mu) @ W, -2.5, 2.5)
    else:
        m = o.projections
        V = np.stack([blurred_direction(11 + j, o.sigma) for j in range(m)])
        pool = xt.reshape(len(xt), -1) @ V.T
        mu = pool.mean(0)
        ev, U = np.linalg.eigh(np.cov((pool - mu).T))
        W = U @ np.diag(ev ** -0.5) @ U.T

        def features(x: np.ndarray) -> np.ndarray:
            return np.clip((x.reshape(len(x), -1) @ V.T - mu) @ W, -2.5, 2.5)
    S = np.random.default_rng(99).choice([-1.0, 1.0], size=(m, zq.shape[1]))

    def amplitude(z: np.ndarray) -> np.ndarray:
        top = np.sort(z, 1)
        margin = top[:, -1] - top[:, -2]
        return o.delta + o.gate * np.maximum(0, margin - o.tau)

    def mark(z: np.ndarray, x: np.ndarray) -> np.ndarray:
        v = features(x) @ S / np.sqrt(m)
        v = v - v.mean(1, keepdims=True)
        base_off = o.delta * v
        if o.gate:
            z1 = z + base_off
            k = z1.argmax(1)
            gap = z1[np.arange(len(z)), k][:, None] - z1          # >= 0, what delta alone leaves
            dv = v - v[np.arange(len(z)), k][:, None]             # how the extra part closes each gap
            room = np.where(dv > 0, gap / np.where(dv > 0, dv, 1), np.inf).min(1)
            extra = np.minimum(amplitude(z) - o.delta, room / 2)  # closes at most half of any gap: arg-max kept
            return z1 + extra[:, None] * v
        return z + base_off

    ut = features(xt)
    base = log_softmax(zt)

    wt = amplitude(zt) if o.gate else np.ones(len(zt))

    def read(logp: np.ndarray) -> str:
        r = logp - base
        r = (r - r.mean(1, keepdims=True)) * wt[:, None]
        c = ut.T @ r / len(r)
        norm = np.sqrt((c * c).sum())
        z = (S * c).sum() / norm
        decoys = [(np.random.default_rng(1000 + k).choice([-1.0, 1.0], size=S.shape) * c).sum() / norm
                  for k in range(200)]
        p = np.exp(-z * z / 2) if z > 0 else 1.0
        return f'Z {z:.1f}, p <= {p:.1e} (decoy keys: sd {np.std(decoys):.2f}, max {np.max(decoys):.2f})'

    zq_marked, zt_marked = mark(zq, xq), mark(zt, xt)
    if o.scrub_dct:
        n, d = o.queries, o.scrub_dct
        i = np.arange(28) + 0.5
        cos = np.stack([np.cos(np.pi * i * f / 28) for f in range(d)])
        X = xq[:n].reshape(n, -1) @ np.einsum('ay,bx->abyx', cos, cos).reshape(d * d, 784).T
        X = (X - X.mean(0)) / X.std(0).clip(1e-9)
        own = np.load(o.scrub_reference)[:n].astype(np.float64)
        own -= own.mean(1, keepdims=True)
        z = zq_marked[:n].astype(np.float64)
        zc = z - z.mean(1, keepdims=True)
        for c in range(z.shape[1]):
            b, *_ = np.linalg.lstsq(np.hstack([np.ones((n, 1)), X, own[:, c:c + 1]]), zc[:, c], rcond=None)
            z[:, c] -= X @ b[1:1 + d * d]
        print(f'scrubbed on {d}x{d} DCT and the thief\'s own scores: arg-max changed on '
              f'{(z.argmax(1) != zq_marked[:n].argmax(1)).sum()} of {n}', flush=True)
        zq_marked = zq_marked.copy()
        zq_marked[:n] = z
    changed = (zt.argmax(1) != zt_marked.argmax(1)).sum()
    pb, pm = np.exp(base).max(1), np.exp(log_softmax(zt_marked))[np.arange(len(zt)), zt.argmax(1)]
    print(f'top-class probability: mean |change| {np.abs(pm - pb).mean():.4f}, max {np.abs(pm - pb).max():.3f}; '
          f'>= 0.9 before and < 0.9 after: {((pb >= 0.9) & (pm < 0.9)).sum()} of {len(zt)}', flush=True)
    what = f'{o.basis}x{o.basis} {f"moments on a {o.grid}x{o.grid} grid" if o.grid else "DCT basis"}' if o.basis else f'{m} directions (sigma {o.sigma})'
    print(f'delta {o.delta}, {what}: test accuracy {(zt.argmax(1) == yt).mean():.4f} -> '
          f'{(zt_marked.argmax(1) == yt).mean():.4f} ({changed} answers changed); the marked answers themselves: '
          f'{read(log_softmax(zt_marked))}', flush=True)

    def student(target: np.ndarray, kind: str) -> np.ndarray:
        torch.manual_seed(o.seed)
        g = torch.Generator().manual_seed(o.seed)
        n = o.queries
        net = dp.lenet() if o.arch == 'lenet' else dp.mlp()
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, o.epochs * ((n + 63) // 64))
        x = torch.from_numpy(xq[:n])
        z = torch.from_numpy(target[:n].astype(np.float32))
        T = o.temperature
        y = z.argmax(1) if kind == 'hard' else F.softmax(z / T, 1)
        for _ in range(o.epochs):
            order = torch.randperm(n, generator=g)
            for b in range(0, n, 64):
                i = order[b:b + 64]
                out = net(dp.shifted(x[i], o.shift, g))
                loss = (F.cross_entropy(out, y[i]) if kind == 'hard'
                        else F.kl_div(F.log_softmax(out / T, 1), y[i], reduction='batchmean') * T * T)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        net.eval()
        with torch.no_grad():
            return F.log_softmax(net(torch.from_numpy(xt)), 1).numpy()

    targets = {'marked-soft': (zq_marked, 'soft'), 'clean-soft': (zq, 'soft'), 'marked-hard': (zq_marked, 'hard')}
    for name in filter(None, o.students.split(',')):
        t0 = time.time()
        logp = student(*targets[name])
        print(f'{name} student ({o.arch}, seed {o.seed}, shift {o.shift}, T {o.temperature}): test accuracy {(logp.argmax(1) == yt).mean():.4f}; {read(logp)} '
              f'({time.time() - t0:.0f} s)', flush=True)


if __name__ == '__main__':
    main()
