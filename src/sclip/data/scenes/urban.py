"""Residential areas and baseball fields.

Residential areas come as streets of houses or as flat-roofed apartment blocks with car parks, on
the same town ground as industrial areas, so roof shape, size and layout tell them apart. A
baseball field lies in open grass or, in a block of its own, among the streets of a town.
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.built import (
    building,
    car_park,
    grid_roads,
    houses,
    off_streets,
)
from sclip.data.scenes.canvas import FLAT_ROOFS, ROOFS, WHITE, Canvas, Scene, agree, count
from sclip.data.scenes.elements import (
    land,
    pond,
    scatter_trees,
    season,
    town_ground,
)


def _houses_along(
    c: Canvas, s: Scene, xs: list[float], ys: list[float], rw: float, dense: bool
) -> float:
    """Rows of pitched-roof houses along the streets ys; returns the depth kept clear of trees."""
    z = c.zoom
    roof_name = c.choice(list(ROOFS))
    hw, hh = 0.062 * z * c.uniform(0.85, 1.15), 0.046 * z * c.uniform(0.85, 1.15)
    gap = hw * (1.3 if dense else 2.1)
    n_houses = pools = 0
    depth = 2 if dense else 1  # dense estates have a second row of houses behind the first
    can_swim = c.season.name in ("spring", "summer", "dry")
    for y in ys:
        for side, k in ((side, k) for side in (-1, 1) for k in range(depth)):
            hy = y + side * (rw * 0.65 + 0.012 + hh * (k + 0.5) + 0.03 * k)
            for x in np.arange(c.span()[0] + c.uniform(0, gap), c.span()[1], gap):
                x = float(x)
                if any(abs(x - a) < rw * 0.65 + hw / 2 + 0.01 for a in xs):
                    continue
                if not c.inside(x, hy, -0.02) or c.chance(0.1) or not c.claim(x, hy, hh * 0.45):
                    continue
                roof = ROOFS[roof_name] if c.chance(0.8) else c.choice(list(ROOFS.values()))
                building(c, x, hy, hw, hh, c.jitter(roof, 10), True)
                n_houses += c.inside(x, hy)  # count only those whose middle is in view
                if can_swim and k == depth - 1 and c.chance(0.15):  # a pool in the back garden
                    py = hy + side * (hh / 2 + 0.025)
                    c.box(x, py, hw * 0.5, 0.022 * z, (70, 170, 200))
                    pools += c.inside(x, py)
    s.adjectives += ["dense", "crowded"] if dense else ["quiet", "leafy"]
    s.add(
        f"with {count(n_houses, 'house')}",
        f"{count(n_houses, 'house').capitalize()} {agree(n_houses, 'lines', 'line')} the street.",
    )
    s.add(f"with {roof_name} roofs", f"Most houses have {roof_name} roofs.")
    if pools:
        s.add(
            f"with {count(pools, 'swimming pool')}",
            f"There {agree(pools, 'is', 'are')} "
            f"{count(pools, 'blue swimming pool')} in the gardens.",
        )
    return hh * (4.6 if dense else 2.4)


def _apartment_blocks(c: Canvas, s: Scene, xs: list[float], ys: list[float], rw: float) -> float:
    """Long flat-roofed blocks of flats between the streets, some with a car park."""
    z = c.zoom
    roof_name = c.choice(list(FLAT_ROOFS))
    n = parks = 0
    for _ in range(c.integers(3, 8)):
        w, h = c.uniform(0.16, 0.3) * z, c.uniform(0.05, 0.08) * z
        if c.chance(0.5):
            w, h = h, w
        spot = c.place(math.hypot(w, h) / 2 * 0.8, ok=off_streets(xs, ys, rw + max(w, h) + 0.02))
        if not spot:
            continue
        building(c, *spot, w, h, c.jitter(FLAT_ROOFS[roof_name], 10), False)
        n += 1
        if c.chance(0.4):
            pw, ph = (0.2, 0.1) if w > h else (0.1, 0.2)
            px, py = (
                (spot[0], spot[1] + h / 2 + 0.07) if w > h else (spot[0] + w / 2 + 0.07, spot[1])
            )
            if c.claim(px, py, 0.05):
                car_park(c, px, py, pw * z, ph * z)
                parks += 1
    s.adjectives += ["urban", "dense"] if n >= 4 else ["urban"]
    s.add(
        f"with {count(n, 'apartment block')}",
        f"{count(n, 'block').capitalize()} of flats with {roof_name} roofs "
        f"{agree(n, 'stands', 'stand')} between the streets.",
    )
    s.add(f"with flat {roof_name} roofs")
    if parks:
        s.add("with cars parked beside the blocks", "Cars are parked beside the blocks of flats.")
    return rw + 0.3


def draw_residential(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    town_ground(c, paved=0.25)
    if c.chance(0.6):
        c.turn(c.uniform(0, math.pi / 2))
    rw, dense = 0.04 * c.zoom, c.chance(0.5)
    xs, ys = grid_roads(c, c.integers(0, 2), c.integers(2, 3) if dense else c.integers(1, 2), rw)
    if c.chance(0.3):
        keep_clear = _apartment_blocks(c, s, xs, ys, rw)
    else:
        keep_clear = _houses_along(c, s, xs, ys, rw, dense)
    s.add("with streets in a grid" if xs else "along a street")
    if c.chance(0.12):
        pond(c, s, c.uniform(0.06, 0.1), "with a pond in a park", ok=off_streets(xs, ys, rw + 0.25))
    if c.chance(0.7):
        clear = off_streets(xs, ys, rw + keep_clear)
        scatter_trees(c, 90, ok=lambda a, b: clear(a, b) and c.free(a, b, 0.02), size=0.022)
        s.add("with trees in the gardens", "Trees grow between the houses.")
    return s


def _diamond(c: Canvas, hx: float, hy: float, r: float, a: float) -> None:
    """One baseball field from home plate (hx, hy), its outfield opening towards angle a."""
    deg = math.degrees(a)
    c.pieslice(hx, hy, r * 1.04, deg - 45, deg + 45, c.jitter((160, 120, 84), 8))  # warning track
    for k in range(6):  # mowing stripes
        shade = (112, 164, 70) if k % 2 == 0 else (98, 148, 62)
        c.pieslice(hx, hy, r * (1 - k / 7), deg - 45, deg + 45, c.jitter(shade, 4))
    c.pieslice(hx, hy, r * 0.45, deg - 45, deg + 45, c.jitter((196, 146, 98), 8))  # infield dirt
    c.ellipse(hx, hy, r * 0.07, None, (196, 146, 98))
    side = r * 0.27
    corners = [
        (hx + side * math.cos(a + da) * m, hy + side * math.sin(a + da) * m)
        for da, m in ((0.0, 0.0), (-math.pi / 4, 1.0), (0.0, math.sqrt(2)), (math.pi / 4, 1.0))
    ]
    c.polygon(corners, c.jitter((104, 156, 66), 6))  # infield grass
    for x, y in corners:
        c.box(x, y, 0.012, 0.012, WHITE, a + math.pi / 4)
    mx, my = hx + side * 0.7 * math.cos(a), hy + side * 0.7 * math.sin(a)
    c.ellipse(mx, my, r * 0.04, None, (196, 146, 98))  # pitcher's mound


def draw_baseball_field(c: Canvas) -> Scene:
    s = Scene(adjectives=["green"])
    season(c, s, ("spring", "summer", "dry", "autumn"))
    town = c.chance(0.3)  # a ball park in a block of its own among the streets of a town
    two = not town and c.chance(0.3)
    r = (c.uniform(0.27, 0.34) if two else c.uniform(0.3, 0.55)) * min(c.zoom, 1.1)
    a = c.choice([k * math.pi / 4 for k in range(8)]) + c.uniform(-0.2, 0.2)
    fx, fy = c.uniform(0.42, 0.58), c.uniform(0.42, 0.58)
    if town:
        town_ground(c, paved=0.2)
        rw = 0.04 * c.zoom
        xs, ys = grid_roads(c, c.integers(0, 2), c.integers(1, 3), rw)
        r = c.uniform(0.2, 0.3)
        c.box(fx, fy, 2.3 * r, 2.3 * r, c.jitter(c.season.grass))  # the park
        c.taken.append((fx, fy, 1.2 * r))
        adjectives = list(s.adjectives)
        _houses_along(c, s, xs, ys, rw, c.chance(0.5))
        s.adjectives[:] = adjectives
        s.add("in a town", "Streets and houses surround the ball park.")
    else:
        land(c, s, kinds=("green", "green", "dry"))
    centres = (
        [(fx, fy)]
        if not two
        else [
            (fx - 0.25 * math.cos(a), fy - 0.25 * math.sin(a)),
            (fx + 0.25 * math.cos(a), fy + 0.25 * math.sin(a)),
        ]
    )
    for i, (x, y) in enumerate(centres):
        d = a + (math.pi if two and i == 0 else 0.0)  # two fields sit back to back
        _diamond(c, x - 0.45 * r * math.cos(d), y - 0.45 * r * math.sin(d), r, d)
        c.taken.append((x, y, r * 0.6))
    s.add(
        "with a brown infield and a green outfield", "White bases mark the corners of the diamond."
    )
    s.add("with white bases on the diamond")
    if two:
        s.add("next to a second baseball field", "Two baseball diamonds lie back to back.")
    if town:
        return s
    if c.chance(0.5):
        scatter_trees(
            c, 140, ok=lambda p, q: all(math.hypot(p - x, q - y) > r * 0.72 for x, y in centres)
        )
        s.add("surrounded by trees", "Trees grow around the field.")
    if c.chance(0.35):
        spot = c.place(0.11, lo=0.12, hi=0.88)
        if spot:
            car_park(c, *spot, 0.2, 0.14)
            s.add("next to a small parking lot", "Cars are parked beside the field.")
    if c.chance(0.35):
        houses(c, s, c.integers(2, 8), "nearby")
    return s
