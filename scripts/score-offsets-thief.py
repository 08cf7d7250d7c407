"""A thief who knows the score offsets' scheme (docs/watermark.md, "Score offsets"): it changes a board's answers
before training its copy, using the public features (the record's 4 x 4 moments on a 7 x 7 grid, whitened on its own
queries) and no key.

    /usr/bin/python3 scripts/score-offsets-thief.py <answers dir> -o <out dir> --mode fit|reference|overwrite
        [--reference <own scores.npy>] [--size 3] [--seed 7]

<answers dir> holds x.npy and scores.npy (scripts/score-offsets-answers.ts); <out dir> gets x.npy and the changed
scores.npy, for scripts/distill-pytorch.py.
  fit        subtract, per class, the centred answers' least-squares fit on the features (with an intercept)
  reference  the same fit with the thief's own model's centred score of that class as one more regressor
             (--reference: its scores on x.npy, scripts/model-scores.ts); only the features' part is subtracted
  overwrite  add offsets of the same form with random signs (--seed) of --size logits, centred over the classes
Run with Debian's /usr/bin/python3.
"""
import argparse
import os

import numpy as np


def features(x: np.ndarray, grid: int = 7, degrees: int = 4) -> np.ndarray:
    side = x.shape[-1]
    cell = np.arange(side) * grid // side
    pw = np.stack([(2.0 * cell + 1 - grid) ** a for a in range(degrees)])
    basis = np.einsum('ay,bx->abyx', pw, pw).reshape(degrees * degrees, side * side)
    raw = np.round(x.reshape(len(x), -1) * 255) @ basis.T
    mu = raw.mean(0)
    ev, u = np.linalg.eigh(np.cov((raw - mu).T))
    return np.clip((raw - mu) @ (u @ np.diag(ev ** -0.5) @ u.T), -2.5, 2.5)


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument('dir')
    a.add_argument('-o', '--out', required=True)
    a.add_argument('--mode', choices=['fit', 'reference', 'overwrite'], required=True)
    a.add_argument('--reference')
    a.add_argument('--size', type=float, default=3.0)
    a.add_argument('--seed', type=int, default=7)
    o = a.parse_args()
    x = np.load(f'{o.dir}/x.npy')
    z = np.load(f'{o.dir}/scores.npy').astype(np.float64)
    u = features(x)
    zc = z - z.mean(1, keepdims=True)
    if o.mode == 'overwrite':
        signs = np.random.default_rng(o.seed).choice([-1.0, 1.0], size=(u.shape[1], z.shape[1]))
        off = o.size * u @ signs / np.sqrt(u.shape[1])
        out = z + off - off.mean(1, keepdims=True)
    else:
        own = None
        if o.mode == 'reference':
            r = np.load(o.reference).astype(np.float64)
            own = r - r.mean(1, keepdims=True)
        out = z.copy()
        residual = 0.0
        for c in range(z.shape[1]):
            cols = np.hstack([np.ones((len(u), 1)), u] + ([own[:, c:c + 1]] if own is not None else []))
            b, *_ = np.linalg.lstsq(cols, zc[:, c], rcond=None)
            residual += ((zc[:, c] - cols @ b) ** 2).sum()
            out[:, c] = z[:, c] - u @ b[1:1 + u.shape[1]]
        print(f'the fit explains {1 - residual / ((zc - zc.mean(0)) ** 2).sum():.2f} of the centred answers\' variance')
    print(f'{o.mode}: arg-max changed on {(out.argmax(1) != z.argmax(1)).sum()} of {len(z)}')
    os.makedirs(o.out, exist_ok=True)
    np.save(f'{o.out}/x.npy', x)
    np.save(f'{o.out}/scores.npy', out.astype(np.float32))


if __name__ == '__main__':
    main()
