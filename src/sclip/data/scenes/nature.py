"""Wild land scene classes: forest and desert.

A forest comes dense or sparse, natural or planted, whole or at its edge by a field, with
clearings, felled patches, ponds and roads; a desert as dunes or flat ground in several sand
colours, with rocks, shrubs, dry riverbeds or an oasis.
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.built import (
    houses,
    road,
)
from sclip.data.scenes.canvas import SAND, Canvas, Scene, count, where
from sclip.data.scenes.elements import (
    blob,
    mottle,
    path_across,
    pond,
    scatter_trees,
    season,
    tree,
)


def _plantation(c: Canvas, dense: bool) -> None:
    """Trees planted in straight rows, a single kind per plantation."""
    c.turn(c.uniform(0, math.pi / 2))
    lo, hi = c.span()
    step, color = c.uniform(0.035, 0.05) * c.zoom, c.choice(c.season.trees)
    for x in np.arange(lo, hi, step):
        for y in np.arange(lo, hi, step * c.uniform(0.9, 1.3)):
            if c.chance(0.92):
                tree(c, float(x), float(y), step * (0.5 if dense else 0.3), color)
    c.turn(0.0)


def _forest_edge(c: Canvas, s: Scene) -> None:
    """Where the forest ends: open grass or a crop field beyond a line, trees along the edge."""
    a, off = c.uniform(0, 2 * math.pi), c.uniform(0.18, 0.35)
    nx, ny = math.cos(a), math.sin(a)
    crops = c.chance(0.5)
    name = c.choice(list(c.season.crops))
    color = c.jitter(c.season.crops[name] if crops else c.season.grass, 10)
    c.box(0.5 + nx * (off + 1), 0.5 + ny * (off + 1), 2, 3, color, a)
    if crops:  # furrows along the edge
        for d in np.arange(off + 0.02, 1.0, c.uniform(0.012, 0.022) * c.zoom):
            mx, my = 0.5 + nx * d, 0.5 + ny * d
            c.line(
                [(mx - ny, my + nx), (mx + ny, my - nx)], 0.004, tuple(int(v * 0.85) for v in color)
            )
    scatter_trees(c, 60, ok=lambda x, y: abs((x - 0.5) * nx + (y - 0.5) * ny - off) < 0.025)
    c.taken.append((0.5 + nx * (off + 0.5), 0.5 + ny * (off + 0.5), 0.45))
    if crops:
        s.add("next to a field", f"The trees end at a {name} field.")
    else:
        s.add("next to open grass", "The trees end at open grass.")


def draw_forest(c: Canvas) -> Scene:
    s = Scene()
    sea = season(c, s)
    winter, autumn = sea.name == "winter", sea.name == "autumn"
    dense = c.chance(0.6)
    if dense:
        floor = (186, 190, 194) if winter else tuple(int(v * 0.55) for v in sea.grass)
    else:
        floor = sea.dry if c.chance(0.4) else sea.grass
    c.fill(c.jitter(floor))
    mottle(c, floor, 40, (0.05, 0.15))
    cx, cy, cr = c.uniform(0.25, 0.75), c.uniform(0.25, 0.75), c.uniform(0.1, 0.16)
    clearing = c.chance(0.3)
    planted = c.chance(0.2)
    if planted:
        _plantation(c, dense)
        s.adjectives.append("planted")
        s.add("with trees planted in rows", "The trees stand in straight rows.")
    else:
        n = c.integers(320, 480) if dense else c.integers(70, 150)
        scatter_trees(c, int(n / c.zoom**2), size=0.036 * c.uniform(0.8, 1.2))
    if dense:
        s.adjectives += ["dense", "thick"]
        s.add("with trees packed closely together", "Tree crowns cover almost all the ground.")
    else:
        s.adjectives += ["sparse", "open"]
        s.add("with open ground between the trees", "The trees stand apart on open ground.")
    if autumn:
        s.adjectives.append("autumn")
        s.add("in autumn colours", "Many trees have yellow and orange leaves.")
    elif winter:
        s.add("with dark evergreen trees", "Snow lies between the trees.")
    else:
        s.add("with many green trees")
    if clearing:
        c.polygon(blob(c, cx, cy, cr), c.jitter(sea.grass))
        c.taken.append((cx, cy, cr))
        s.add(f"with a clearing {where(cx, cy)}", "A small clearing opens among the trees.")
    elif c.chance(0.2):  # a felled patch: bare ground, stumps and tracks
        fx, fy, fr = c.uniform(0.2, 0.8), c.uniform(0.2, 0.8), c.uniform(0.14, 0.28)
        ground = (214, 216, 220) if winter else (124, 100, 74)
        c.polygon(blob(c, fx, fy, fr, 0.3), c.jitter(ground, 10))
        for _ in range(int(60 * fr / 0.2)):
            a, d = c.uniform(0, 2 * math.pi), fr * math.sqrt(c.uniform(0, 0.7))
            c.ellipse(fx + d * math.cos(a), fy + d * math.sin(a), 0.005, None, (82, 66, 50))
        c.line(
            [(fx - fr, fy + c.uniform(-0.1, 0.1)), (fx + fr, fy + c.uniform(-0.1, 0.1))],
            0.006,
            (96, 80, 62),
        )
        c.taken.append((fx, fy, fr))
        s.add("with a patch of felled trees", "Part of the forest has been cut down.")
    if not clearing and c.chance(0.3):
        _forest_edge(c, s)
    if c.chance(0.15):
        pond(c, s, c.uniform(0.07, 0.13))
    if c.chance(0.35):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0, 0.08), 0.6)
        road(c, pts, 0.04 * c.zoom, markings=c.chance(0.5))
        s.add("crossed by a road", "A road runs through the trees.")
        if c.chance(0.3):
            houses(c, s, c.integers(1, 3), "among the trees")
    return s


def draw_desert(c: Canvas) -> Scene:
    s = Scene(adjectives=["dry", "sandy"])
    name, base = c.choice(
        [
            ("golden", (214, 180, 120)),
            ("orange", (200, 142, 86)),
            ("pale", (226, 210, 172)),
            ("grey-brown", (170, 156, 128)),
            ("reddish", (184, 124, 88)),
        ]
    )
    c.fill(c.jitter(base, 8))
    mottle(c, base, 25, (0.1, 0.3), 10)
    s.adjectives.append(name)
    s.add(f"with {name} sand", f"The sand is {name}.")
    if c.chance(0.75):
        angle, amp = c.uniform(0, math.pi), c.uniform(0.01, 0.05)
        step, ph, waves = c.uniform(0.035, 0.09) * c.zoom, c.uniform(0, 6.3), c.uniform(0.8, 2.5)
        for off in np.arange(-0.75, 0.75, step):  # dune ripples: shaded flank + sunlit crest
            pts = path_across(c, angle, float(off), amp, waves, ph + 2 * float(off))
            c.line(pts, 0.012, tuple(int(v * 0.86) for v in base))
            crest = tuple(min(255, v + 18) for v in base)
            c.line([(x + 0.006, y + 0.006) for x, y in pts], 0.005, crest)
        s.add("with rippled dunes", "Wind has drawn long ripples across the sand.")
    else:
        s.add("with flat bare ground", "The ground is flat and bare.")
    if c.chance(0.2):  # a dry riverbed: pale gravel, no water
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0.02, 0.1), 0.8)
        c.band(pts, c.uniform(0.05, 0.1) * c.zoom, c.jitter(SAND, 8))
        s.add("with a dry riverbed", "A dry riverbed winds across the sand.")
    if c.chance(0.35):
        n = c.integers(2, 8)
        for _ in range(n):
            x, y = c.uniform(0.05, 0.95), c.uniform(0.05, 0.95)
            c.polygon(blob(c, x, y, c.uniform(0.015, 0.035), 0.3), c.jitter((92, 78, 66), 10))
        s.add(f"with {count(n, 'dark rock')}", "A few dark rocks lie on the sand.")
    if c.chance(0.45):
        for _ in range(c.integers(20, 90)):
            c.ellipse(c.uniform(0, 1), c.uniform(0, 1), 0.008, None, c.jitter((92, 104, 58), 10))
        s.add("with a few small shrubs", "Small dry shrubs dot the ground.")
    if c.chance(0.3):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0, 0.05), 0.5)
        road(c, pts, 0.035 * c.zoom)
        s.add("crossed by a road", "A lonely road crosses the sand.")
    if c.chance(0.12):
        spot = pond(c, s, c.uniform(0.06, 0.11), "with an oasis")
        if spot:
            scatter_trees(
                c,
                30,
                ok=lambda a, b: 0.1 < math.hypot(a - spot[0], b - spot[1]) < 0.2,
                colors=((44, 84, 40), (60, 98, 44)),
            )
    return s
