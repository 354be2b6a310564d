"""Writes test/fixtures/classic-control.json: classic-control trajectories computed in float64 from
the formulas in shared/specs/classic-control.md (Gymnasium's dynamics), as an oracle independent of
the TypeScript code. No gymnasium package is installed here, so this is the spec's arithmetic in
Python, evaluated in Gymnasium's operation order (numpy not needed).

Run: python3 packages/rl-dqn/scripts/classic_oracle.py
"""
import json
import math
import os
import random

# CartPole-v1
G, MC, MP, L, F, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
MT = MP + MC
MPL = MP * L
THETA_LIMIT = 12 * 2 * math.pi / 360


def cartpole(s, a):
    x, xd, th, thd = s
    force = F if a == 1 else -F
    c, sn = math.cos(th), math.sin(th)
    temp = (force + MPL * thd**2 * sn) / MT
    thacc = (G * sn - c * temp) / (L * (4.0 / 3.0 - MP * c**2 / MT))
    xacc = temp - MPL * thacc * c / MT
    return [x + TAU * xd, xd + TAU * xacc, th + TAU * thd, thd + TAU * thacc]


# Acrobot-v1 (book dynamics, one RK4 step of 0.2 s)
def dsdt(s, torque):
    m1 = m2 = 1.0
    l1 = 1.0
    lc1 = lc2 = 0.5
    i1 = i2 = 1.0
    g = 9.8
    t1, t2, d1_, d2_ = s
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(t2)) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(t2)) + i2
    phi2 = m2 * lc2 * g * math.cos(t1 + t2 - math.pi / 2.0)
    phi1 = (-m2 * l1 * lc2 * d2_**2 * math.sin(t2) - 2 * m2 * l1 * lc2 * d2_ * d1_ * math.sin(t2)
            + (m1 * lc1 + m2 * l1) * g * math.cos(t1 - math.pi / 2) + phi2)
    dd2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * d1_**2 * math.sin(t2) - phi2) / (m2 * lc2**2 + i2 - d2**2 / d1)
    dd1 = -(d2 * dd2 + phi1) / d1
    return [d1_, d2_, dd1, dd2]


def wrap(x):
    while x > math.pi:
        x -= 2 * math.pi
    while x < -math.pi:
        x += 2 * math.pi
    return x


def acrobot(s, a):
    torque = [-1.0, 0.0, 1.0][a]
    dt = 0.2
    h = dt / 2.0
    k1 = dsdt(s, torque)
    k2 = dsdt([v + h * k for v, k in zip(s, k1)], torque)
    k3 = dsdt([v + h * k for v, k in zip(s, k2)], torque)
    k4 = dsdt([v + dt * k for v, k in zip(s, k3)], torque)
    n = [v + dt / 6.0 * (a1 + 2 * a2 + 2 * a3 + a4) for v, a1, a2, a3, a4 in zip(s, k1, k2, k3, k4)]
    return [wrap(n[0]), wrap(n[1]), min(max(n[2], -4 * math.pi), 4 * math.pi), min(max(n[3], -9 * math.pi), 9 * math.pi)]


def mountaincar(s, a):
    p, v = s
    v += (a - 1) * 0.001 + math.cos(3 * p) * (-0.0025)
    v = min(max(v, -0.07), 0.07)
    p += v
    p = min(max(p, -1.2), 0.6)
    if p == -1.2 and v < 0:
        v = 0.0
    return [p, v]


def trajectory(step, start, actions):
    states = [start]
    for a in actions:
        states.append(step(states[-1], a))
    return states


rng = random.Random(20260101)
cases = []
for k in range(4):
    start = [rng.uniform(-0.05, 0.05) for _ in range(4)]
    actions = [rng.randrange(2) for _ in range(40)]
    cases.append({"env": "CartPole-v1", "start": start, "actions": actions, "states": trajectory(cartpole, start, actions)})
for k in range(4):
    start = [rng.uniform(-0.1, 0.1) for _ in range(4)]
    actions = [rng.randrange(3) for _ in range(40)]
    cases.append({"env": "Acrobot-v1", "start": start, "actions": actions, "states": trajectory(acrobot, start, actions)})
# A fast start so the angle wrap and the velocity clip both act.
start = [3.0, -3.0, 12.0, 27.0]
actions = [2] * 10
cases.append({"env": "Acrobot-v1", "start": start, "actions": actions, "states": trajectory(acrobot, start, actions)})
for k in range(4):
    start = [rng.uniform(-0.6, -0.4), 0.0]
    actions = [rng.randrange(3) for _ in range(60)]
    cases.append({"env": "MountainCar-v0", "start": start, "actions": actions, "states": trajectory(mountaincar, start, actions)})
# Against the left wall: the position clips to -1.2 and the velocity is zeroed.
start = [-1.15, -0.06]
actions = [0] * 5
cases.append({"env": "MountainCar-v0", "start": start, "actions": actions, "states": trajectory(mountaincar, start, actions)})

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "classic-control.json")
with open(out, "w") as f:
    json.dump({"source": "scripts/classic_oracle.py (spec formulas in Python float64)", "cases": cases}, f, indent=1)
print("wrote", len(cases), "cases to", os.path.normpath(out))
