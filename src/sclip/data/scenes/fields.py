"""Open-country scene classes on the season's grass and crops: farmland and meadow.

Each has variants that come close to the other or to other classes (hedged fields and fenced
paddocks, pastures among crops, mown hay meadows, ploughed soil, round irrigated fields on dry
ground), so the class shows in details: furrows and crop colours versus grass, fences and herds.
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.built import (
    building,
    houses,
    road,
)
from sclip.data.scenes.canvas import ROOFS, Canvas, Color, Scene, count, listing
from sclip.data.scenes.elements import (
    Rect,
    fields,
    mottle,
    path_across,
    pond,
    scatter_trees,
    season,
    tree,
    water_band,
)

PLOUGHED: dict[str, Color] = {
    "brown": (130, 98, 70),
    "dark brown": (100, 78, 60),
    "pale brown": (164, 134, 100),
}


def _hedges(c: Canvas, rects: list[Rect], p: float) -> int:
    """Rows of trees along some field edges; returns how many edges got one."""
    n, lo = 0, c.span()[0] + 1e-6
    for x0, y0, x1, y1 in rects:
        for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x0, y0), (x0, y1))):
            if (ay > lo if ay == by else ax > lo) and c.chance(p):  # not the outer border
                steps = max(2, int(math.hypot(bx - ax, by - ay) / (0.04 * c.zoom)))
                for t in np.linspace(0, 1, steps):
                    tree(c, ax + t * (bx - ax), ay + t * (by - ay), 0.02 * c.zoom)
                n += 1
    return n


def _pivots(c: Canvas, s: Scene) -> Scene:
    """Round fields watered by centre-pivot irrigation on dry ground, in a grid."""
    c.fill(c.jitter(c.season.dry))
    mottle(c, c.season.dry, 40, (0.04, 0.12))
    r = c.uniform(0.14, 0.24) * c.zoom
    c.turn(c.uniform(0, math.pi / 2))
    lo, hi = c.span()
    colors, n, ox, oy = set(), 0, c.uniform(0, 2 * r), c.uniform(0, 2 * r)
    for x in np.arange(lo + ox, hi + r, 2.1 * r):
        for y in np.arange(lo + oy, hi + r, 2.1 * r):
            x, y = float(x), float(y)
            if c.chance(0.12):
                continue
            name = c.choice(list(c.season.crops))
            c.ellipse(x, y, r, None, c.jitter(c.season.crops[name], 10))
            a = c.uniform(0, 2 * math.pi)
            c.line([(x, y), (x + r * math.cos(a), y + r * math.sin(a))], 0.005, (200, 200, 196))
            if c.inside(x, y):
                n += 1
                colors.add(name)
    words = listing(colors)
    s.add(f"with {count(n, 'round field')}", "Round fields are watered by pivot irrigation.")
    if words:
        s.add(f"with {words} round fields", f"The round fields are {words}.")
    return s


def draw_farmland(c: Canvas) -> Scene:
    s = Scene(adjectives=["rural", "cultivated"])
    season(c, s)
    if c.season.name in ("summer", "dry") and c.chance(0.4):
        s.adjectives.append("irrigated")
        return _pivots(c, s)
    if c.chance(0.7):
        c.turn(c.uniform(0, math.pi / 2))
    ploughed = c.season.name in ("spring", "autumn") and c.chance(0.3)
    palette = PLOUGHED if ploughed else None
    pasture = 0.0 if ploughed or c.season.name == "winter" or c.chance(0.5) else 0.35
    used, rects, pastures = fields(c, c.integers(3, 9), c.uniform(0.8, 1.0), palette, pasture)
    if not used:  # all pasture: plough one field after all
        used, rects, pastures = fields(c, c.integers(3, 9), c.uniform(0.8, 1.0), palette)
    colors, n = listing(used), len(rects)
    if pastures:
        s.add(
            f"with {count(pastures, 'pasture')} among the crops", "Some fields are grass pasture."
        )
    if ploughed:
        s.add("with freshly ploughed fields", "The soil of the fields has just been ploughed.")
    s.add(
        f"divided into {count(n, 'field')}", f"{count(n, 'field').capitalize()} lie side by side."
    )
    s.add(f"with {colors} fields", f"The fields are {colors}.")
    s.add("with plough lines in the fields", "Straight furrows run across each field.")
    if c.chance(0.3) and _hedges(c, rects, 0.6):
        s.add("with hedges between the fields", "Rows of trees line the field edges.")
    elif c.chance(0.3):
        x = c.uniform(0.15, 0.85)
        for y in np.arange(*c.span(), 0.045 * c.zoom):
            tree(c, x, float(y), 0.022 * c.zoom)
        s.add("with a row of trees", "A line of trees separates the fields.")
    if c.chance(0.2):  # a stream: no road as well, or it would look like a bridge
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0.02, 0.1), 0.8)
        water_band(c, pts, c.uniform(0.03, 0.06) * c.zoom)
        s.add("crossed by a small river", "A small river flows between the fields.")
    elif c.chance(0.4):
        y = c.uniform(0.2, 0.8)
        road(c, [(c.span()[0], y), (c.span()[1], y)], 0.04 * c.zoom, markings=False)
        s.add("crossed by a road", "A straight road runs between the fields.")
    spot = c.place(0.08) if c.chance(0.35) else None
    if spot:
        x, y = spot
        roof = c.jitter(c.choice(list(ROOFS.values())))
        building(c, x, y, 0.08 * c.zoom, 0.055 * c.zoom, roof, True)
        for _ in range(3):
            tree(c, x + c.uniform(-0.08, 0.08), y + c.choice([-1, 1]) * 0.06, 0.022 * c.zoom)
        s.add(f"with a farmhouse {c.where(x, y)}", f"A small farmhouse stands {c.where(x, y)}.")
    return s


def _paddocks(c: Canvas, base: Color) -> int:
    """Fences splitting the grass into paddocks grazed to different tones; returns fence count."""
    n = c.integers(1, 3)
    for _ in range(n):
        a, off = c.uniform(0, math.pi), c.uniform(-0.3, 0.3)
        pts = path_across(c, a, off, c.uniform(0, 0.03), 0.4)
        side = [
            (x + 2 * math.cos(a + math.pi / 2), y + 2 * math.sin(a + math.pi / 2)) for x, y in pts
        ]
        c.polygon(pts + side[::-1], c.jitter(base, 14))  # the far side, grazed shorter or longer
        mottle_tone = c.jitter(base, 10)
        for x, y in pts[::3]:
            c.ellipse(x, y, 0.004, None, mottle_tone)
        c.line(pts, 0.004, c.jitter((96, 78, 60), 8))
    return n


def _herd(c: Canvas, s: Scene) -> None:
    kind, color = c.choice(
        [("sheep", (226, 224, 214)), ("cows", (96, 70, 52)), ("cows", (40, 36, 34))]
    )
    hx, hy, n = c.uniform(0.2, 0.8), c.uniform(0.2, 0.8), c.integers(5, 16)
    for _ in range(n):
        x, y = hx + c.uniform(-0.15, 0.15), hy + c.uniform(-0.15, 0.15)
        c.ellipse(x, y, 0.009 * c.zoom, 0.006 * c.zoom, c.jitter(color, 8))
    s.add(f"with grazing {kind}", f"A herd of {kind} grazes on the grass.")


def _hay(c: Canvas, base: Color) -> None:
    """Mown swaths across the meadow with round hay bales lying on them."""
    a, step = c.uniform(0, math.pi), c.uniform(0.05, 0.09) * c.zoom
    light = tuple(min(255, v + 24) for v in base)
    for off in np.arange(-0.7, 0.7, step):
        pts = path_across(c, a, float(off), 0.0, 0.0, 0.0)
        c.line(pts, 0.014 * c.zoom, c.jitter(light, 6))
        if c.chance(0.4):
            t = c.uniform(-0.4, 0.4)
            x = 0.5 + t * math.cos(a) - float(off) * math.sin(a)
            y = 0.5 + t * math.sin(a) + float(off) * math.cos(a)
            c.ellipse(x, y, 0.012 * c.zoom, None, c.jitter((214, 196, 128), 8))


def draw_meadow(c: Canvas) -> Scene:
    s = Scene(adjectives=["open"])
    sea = season(c, s)
    winter = sea.name == "winter"
    dry = c.chance(0.4)
    base, word = (sea.dry, sea.words[1]) if dry else (sea.grass, sea.words[0])
    c.fill(c.jitter(base, 8))
    mottle(c, base, 140, (0.015, 0.07), 18)
    for _ in range(c.integers(150, 350)):  # tussocks of long grass
        c.ellipse(
            c.uniform(0, 1), c.uniform(0, 1), c.uniform(0.003, 0.007), None, c.jitter(base, 26)
        )
    s.adjectives.append(word)
    if not winter:
        s.add(f"covered with {word} grass", f"The grass is {word}.")
    if c.chance(0.3):
        _paddocks(c, base)
        s.add("divided by fences", "Fences divide the grass into paddocks.")
    elif not winter and c.chance(0.25):
        _hay(c, base)
        s.add("with round hay bales", "The grass has been mown and baled into hay.")
    if c.chance(0.4):
        pts = path_across(
            c, c.uniform(0, math.pi), c.uniform(-0.3, 0.3), c.uniform(0.03, 0.12), 0.8
        )
        c.band(pts, 0.014 * c.zoom, c.jitter((170, 146, 108), 10))
        s.add("crossed by a narrow path", "A path winds through the grass.")
    if not winter and sea.words[0] in ("green", "fresh green") and c.chance(0.3):
        for _ in range(c.integers(80, 200)):
            color = c.choice([(236, 220, 70), (240, 240, 236), (150, 100, 170)])
            c.ellipse(c.uniform(0, 1), c.uniform(0, 1), 0.005, None, color)
        s.add("with wild flowers", "Small flowers dot the grass.")
    if not winter and c.chance(0.25):
        _herd(c, s)
    if c.chance(0.12):
        pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.35, 0.35), c.uniform(0, 0.06), 0.5)
        road(c, pts, 0.035 * c.zoom, markings=False)
        s.add("crossed by a road", "A road runs across the grass.")
    if c.chance(0.15):
        pond(c, s, c.uniform(0.07, 0.14))
    if c.chance(0.2):
        houses(c, s, c.integers(1, 3), "on the grass")
    if c.chance(0.3):
        gx, gy, gr = c.uniform(0.2, 0.8), c.uniform(0.2, 0.8), c.uniform(0.08, 0.2)
        scatter_trees(c, 50, ok=lambda a, b: math.hypot(a - gx, b - gy) < gr)
        c.taken.append((gx, gy, gr))
        s.add("with a small group of trees", "A clump of trees grows in the grass.")
    trees = 0
    for _ in range(0 if c.chance(0.3) else c.integers(1, 10)):
        spot = c.place(0.05 * c.zoom)
        if spot:
            tree(c, *spot, 0.035 * c.zoom * c.uniform(0.8, 1.3))
            trees += 1
    s.add(
        f"with {count(trees, 'lone tree')}" if trees else "without any lone trees",
        "A few trees stand alone on the grass." if trees else "No single trees stand on the grass.",
    )
    return s
