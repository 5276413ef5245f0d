"""Open-country scene classes: forest, farmland, meadow and desert."""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.canvas import (
    GRASS,
    ROOFS,
    TREE,
    Canvas,
    Scene,
    count,
    where,
)
from sclip.data.scenes.elements import (
    blob,
    building,
    fields,
    houses,
    mottle,
    path_across,
    pond,
    road,
    scatter_trees,
    tree,
    water_band,
)


def draw_forest(c: Canvas) -> Scene:
    s = Scene()
    dense, autumn = c.chance(0.6), c.chance(0.2)
    floor = (52, 78, 42) if dense else (118, 126, 76)
    c.fill(c.jitter(floor))
    mottle(c, floor, 40, (0.05, 0.15))
    colors = [TREE, (60, 98, 44), (36, 70, 38)]
    colors += [(172, 118, 40), (188, 152, 54), (132, 64, 32)] if autumn else []
    cx, cy, cr = c.uniform(0.25, 0.75), c.uniform(0.25, 0.75), c.uniform(0.1, 0.16)
    clearing = c.chance(0.3)
    scatter_trees(c, int((420 if dense else 110) / c.zoom**2), colors=colors, size=0.036)
    if dense:
        s.adjectives += ["dense", "thick"]
        s.add("with trees packed closely together", "Tree crowns cover almost all the ground.")
    else:
        s.adjectives += ["sparse", "open"]
        s.add("with open ground between the trees", "The trees stand apart on bare ground.")
    if autumn:
        s.adjectives.append("autumn")
        s.add("in autumn colours", "Many trees have yellow and orange leaves.")
    else:
        s.add("with many green trees")
    if clearing:
        c.polygon(blob(c, cx, cy, cr), c.jitter(GRASS))
        c.taken.append((cx, cy, cr))
        s.add(f"with a grassy clearing {where(cx, cy)}", "A small clearing opens among the trees.")
    if c.chance(0.15):
        pond(c, s, c.uniform(0.07, 0.13))
    if c.chance(0.35):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0, 0.08), 0.6)
        road(c, pts, 0.04 * c.zoom, markings=c.chance(0.5))
        s.add("crossed by a road", "A road runs through the trees.")
    return s


def draw_farmland(c: Canvas) -> Scene:
    s = Scene(adjectives=["rural", "cultivated"])
    n = c.integers(4, 9)
    colors = " and ".join(sorted(fields(c, n)))
    s.add(
        f"divided into {count(n, 'field')}", f"{count(n, 'field').capitalize()} lie side by side."
    )
    s.add(f"with {colors} fields", f"The crops are {colors}.")
    s.add("with plough lines in the fields", "Straight furrows run across each field.")
    if c.chance(0.3):
        x = c.uniform(0.15, 0.85)
        for y in np.arange(0.0, 1.02, 0.045 * c.zoom):
            tree(c, x, float(y), 0.022 * c.zoom)
        s.add("with a row of trees", "A line of trees separates the fields.")
    if c.chance(0.2):  # a stream: no road as well, or it would look like a bridge
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0.02, 0.1), 0.8)
        water_band(c, pts, c.uniform(0.03, 0.06) * c.zoom)
        s.add("crossed by a small river", "A small river flows between the fields.")
    elif c.chance(0.4):
        y = c.uniform(0.2, 0.8)
        road(c, [(-0.1, y), (1.1, y)], 0.04 * c.zoom, markings=False)
        s.add("crossed by a road", "A straight road runs between the fields.")
    if c.chance(0.35):
        x, y = c.uniform(0.12, 0.88), c.uniform(0.12, 0.88)
        building(
            c, x, y, 0.08 * c.zoom, 0.055 * c.zoom, c.jitter(c.choice(list(ROOFS.values()))), True
        )
        for _ in range(3):
            tree(c, x + c.uniform(-0.08, 0.08), y + c.choice([-1, 1]) * 0.06, 0.022 * c.zoom)
        s.add(f"with a farmhouse {where(x, y)}", f"A small farmhouse stands {where(x, y)}.")
    return s


def draw_meadow(c: Canvas) -> Scene:
    s = Scene(adjectives=["open"])
    name, base = c.choice(
        [("green", (104, 140, 64)), ("yellow-green", (140, 152, 74)), ("dry", (162, 152, 98))]
    )
    c.fill(c.jitter(base, 8))
    mottle(c, base, 140, (0.015, 0.07), 18)
    s.adjectives.append(name)
    s.add(f"covered with {name} grass", f"The grass is {name}.")
    if c.chance(0.4):
        pts = path_across(
            c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0.03, 0.12), 0.8
        )
        c.band(pts, 0.014 * c.zoom, c.jitter((170, 146, 108), 10))
        s.add("crossed by a narrow path", "A dirt path winds through the grass.")
    if c.chance(0.3):
        for _ in range(c.integers(80, 200)):
            color = c.choice([(236, 220, 70), (240, 240, 236), (150, 100, 170)])
            c.ellipse(c.uniform(0, 1), c.uniform(0, 1), 0.005, None, color)
        s.add("with wild flowers", "Small flowers dot the grass.")
    if c.chance(0.2):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.35, 0.35), c.uniform(0, 0.06), 0.5)
        road(c, pts, 0.035 * c.zoom, markings=False)
        s.add("crossed by a road", "A road runs across the grass.")
    if c.chance(0.15):
        pond(c, s, c.uniform(0.07, 0.14))
    if c.chance(0.15):
        houses(c, s, c.integers(1, 3), "on the grass")
    if c.chance(0.25):
        gx, gy, gr = c.uniform(0.2, 0.8), c.uniform(0.2, 0.8), c.uniform(0.08, 0.16)
        scatter_trees(c, 40, ok=lambda a, b: math.hypot(a - gx, b - gy) < gr)
        c.taken.append((gx, gy, gr))
        s.add("with a small group of trees", "A clump of trees grows in the grass.")
    trees = 0
    for _ in range(0 if c.chance(0.3) else c.integers(1, 8)):
        spot = c.place(0.05 * c.zoom)
        if spot:
            tree(c, *spot, 0.035 * c.zoom * c.uniform(0.8, 1.3))
            trees += 1
    s.add(
        f"with {count(trees, 'lone tree')}" if trees else "without any lone trees",
        "A few trees stand alone on the grass." if trees else "No single trees stand on the grass.",
    )
    return s


def draw_desert(c: Canvas) -> Scene:
    s = Scene(adjectives=["dry", "sandy"])
    name, base = c.choice(
        [("golden", (214, 180, 120)), ("orange", (200, 142, 86)), ("pale", (226, 210, 172))]
    )
    c.fill(c.jitter(base, 8))
    mottle(c, base, 25, (0.1, 0.3), 10)
    s.adjectives.append(name)
    s.add(f"with {name} sand", f"The sand is {name}.")
    angle, amp, step = c.uniform(0, math.pi), c.uniform(0.01, 0.05), c.uniform(0.035, 0.07) * c.zoom
    ph, waves = c.uniform(0, 6.3), c.uniform(0.8, 2.5)
    for off in np.arange(-0.75, 0.75, step):  # dune ripples: shaded flank + sunlit crest
        pts = path_across(c, angle, float(off), amp, waves, ph + 2 * float(off))
        c.line(pts, 0.012, tuple(int(v * 0.86) for v in base))
        c.line(
            [(x + 0.006, y + 0.006) for x, y in pts], 0.005, tuple(min(255, v + 18) for v in base)
        )
    s.add("with rippled dunes", "Wind has drawn long ripples across the sand.")
    if c.chance(0.35):
        n = c.integers(2, 8)
        for _ in range(n):
            x, y = c.uniform(0.05, 0.95), c.uniform(0.05, 0.95)
            c.polygon(blob(c, x, y, c.uniform(0.015, 0.035), 0.3), c.jitter((92, 78, 66), 10))
        s.add(f"with {count(n, 'dark rock')}", "A few dark rocks lie on the sand.")
    if c.chance(0.3):
        for _ in range(c.integers(20, 60)):
            c.ellipse(c.uniform(0, 1), c.uniform(0, 1), 0.008, None, c.jitter((92, 104, 58), 10))
        s.add("with a few small shrubs", "Small dry shrubs dot the ground.")
    if c.chance(0.3):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0, 0.05), 0.5)
        road(c, pts, 0.035 * c.zoom)
        s.add("crossed by a road", "A lonely road crosses the sand.")
    if c.chance(0.12):
        spot = pond(c, s, c.uniform(0.06, 0.11), "with an oasis")
        if spot:
            scatter_trees(c, 30, ok=lambda a, b: 0.1 < math.hypot(a - spot[0], b - spot[1]) < 0.2)
    return s
