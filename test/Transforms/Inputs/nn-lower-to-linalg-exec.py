# The PyTorch (float32) reference values in the CHECK lines of ../nn-lower-to-linalg-exec.mlir,
# in the order they are printed there, formatted like printMemrefF32 (6 significant digits).
# Run: /usr/bin/python3 nn-lower-to-linalg-exec.py
import torch
F = torch.float32
T = lambda v: torch.tensor(v, dtype=F)
x = T([[0.5, -1.0, 2.0], [-0.25, 3.0, 0.0]])
dy = T([[0.2, -0.7, 0.1], [0.3, 0.3, -0.4]])
k = T([[1.0, -2.0], [0.5, 0.25], [-1.5, 3.0]])
row = T([10.0, 20.0, 30.0]); col = T([[1.0], [-1.0]])
z = T([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
labels = torch.tensor([2, 1])
dl = T([1.0, 0.5]); w = T([1.0, 0.5]); dL = T(2.0)
p = T([[0.9, 0.0], [0.25, 1.0]]); t = T([[1.0, 0.0], [0.0, 0.5]])
m0 = T([[0.1, -0.2, 0.0], [0.05, 0.0, 0.3]]); v0 = T([[0.01, 0.04, 0.0], [0.0025, 0.0, 0.09]])

def grad(f, inp, g):
    inp = inp.clone().requires_grad_(True); f(inp).backward(g); return inp.grad
out = []
out += [x @ k, x.T @ x, x @ x.T, k.T @ x.T]
out += [x + row, col - row, x * dL, x / col]
sig, th = torch.sigmoid(x), torch.tanh(x)
out += [-x, torch.relu(x), sig, th, torch.nn.functional.leaky_relu(x, 0.1), (x > 0.4).to(F)]
out += [grad(torch.relu, x, dy), grad(lambda a: torch.nn.functional.leaky_relu(a, 0.1), x, dy),
        grad(torch.sigmoid, x, dy), grad(torch.tanh, x, dy)]
smx = torch.softmax(x, -1)
out += [torch.softmax(z, -1), smx, grad(lambda a: torch.softmax(a, -1), x, dy)]
ce = torch.nn.functional.cross_entropy(z, labels, reduction='none')
out += [ce, grad(lambda a: torch.nn.functional.cross_entropy(a, labels, reduction='none'), z, dl)]
mse = lambda a: ((a - t) ** 2).mean(1)
out += [mse(p), grad(mse, p, dl)]
pc = lambda a: a.clamp(1e-7, 1 - 1e-7)
bce = lambda a: (-(t * torch.log(pc(a)) + (1 - t) * torch.log(1 - pc(a)))).mean(1)
# d/dp through the clamp is 0 outside [eps, 1-eps]; the nn op's rule uses the clamped p instead:
dbce = (pc(p) - t) / (pc(p) * (1 - pc(p))) / 2 * dl[:, None]
out += [bce(p), dbce]
wm = lambda l: (w * l).sum() / w.sum()
out += [wm(ce).reshape(1), grad(wm, ce, dL)]
out += [x.sum(0), x.sum(1, keepdim=True), x.sum().reshape(1)]
# optimizers: one torch.optim step each (lr = hyper[0], t = hyper[1])
def opt_step(cls, state, **kw):
    pp = x.clone().requires_grad_(True); o = cls([pp], **kw)
    pp.grad = dy.clone()
    o.state[pp].update(state)
    o.step(); return pp.detach(), o.state[pp]
sp, _ = opt_step(torch.optim.SGD, {}, lr=0.1)
mp, ms = opt_step(torch.optim.SGD, {'momentum_buffer': m0.clone()}, lr=0.1, momentum=0.9)
ap, ast = opt_step(torch.optim.Adam, {'step': torch.tensor(2.0), 'exp_avg': m0.clone(),
                                      'exp_avg_sq': v0.clone()}, lr=0.01, eps=1e-8)
assert float(ast['step']) == 3.0
out += [sp, mp, ms['momentum_buffer'], ap, ast['exp_avg'], ast['exp_avg_sq']]

def fmt(a):
    f = lambda v: '%g' % v
    if a.dim() == 1: return ['[' + ', '.join(f(v) for v in a.tolist()) + ']']
    rows = a.tolist()
    return [('[[' if i == 0 else ' [') + ', '.join(f(v) for v in r) + (']]' if i == len(rows) - 1 else '],')
            for i, r in enumerate(rows)]
for a in out:
    for line in fmt(a): print(line)
