"""Transport scene classes: bridge, parking lot and airport."""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.canvas import (
    ASPHALT,
    CONCRETE,
    WHITE,
    Canvas,
    Scene,
    agree,
    count,
)
from sclip.data.scenes.elements import (
    building,
    car,
    houses,
    land,
    mottle,
    near_path,
    path_across,
    plane,
    road,
    scatter_trees,
    season,
    water_band,
)


def draw_bridge(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    land(c, s, fields_p=0.2, kinds=("green", "dry", "paved"))
    w = c.uniform(0.09, 0.26) * c.zoom
    pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.08, 0.08), c.uniform(0, 0.04), 0.6)
    water_band(c, pts, w)
    if c.chance(0.5):
        inner, outer = near_path(pts, w * 0.62 + 0.01), near_path(pts, w * 0.62 + 0.07)
        scatter_trees(c, 220, ok=lambda a, b: outer(a, b) and not inner(a, b), size=0.028)
        s.add("with trees on both banks")
    elif c.chance(0.25):
        houses(
            c, s, c.integers(2, 6), "near the river", ok=lambda a, b: not near_path(pts, w)(a, b)
        )
    n_bridges = 2 if c.chance(0.2) else 1
    cars = 0
    for i in [24] if n_bridges == 1 else [14, 34]:
        (x0, y0), (x1, y1) = pts[i - 1], pts[i + 1]
        tx, ty = (x1 - x0) / math.hypot(x1 - x0, y1 - y0), (y1 - y0) / math.hypot(x1 - x0, y1 - y0)
        x, y, a = pts[i][0], pts[i][1], math.atan2(tx, -ty)  # across the river
        road(c, [(x - 1.2 * ty, y + 1.2 * tx), (x + 1.2 * ty, y - 1.2 * tx)], 0.04 * c.zoom)
        deck, dw = w * 1.25 + 0.08, 0.055 * c.zoom
        c.box(x + 0.02, y + 0.02, deck, dw, (30, 48, 60), a)  # shadow on the water
        c.box(x, y, deck, dw, c.jitter((176, 174, 168), 8), a)
        for side in (-1, 1):  # railings
            ox, oy = -math.sin(a) * side * dw / 2, math.cos(a) * side * dw / 2
            c.box(x + ox, y + oy, deck, 0.006, WHITE, a)
        for _ in range(c.integers(0, 3)):
            t = (cars % 3 - 1) * deck / 3.5
            car(c, x + t * math.cos(a), y + t * math.sin(a), 0.04 * c.zoom, a)
            cars += 1
    s.adjectives += ["long" if w > 0.2 else "short", "concrete"]
    s.add("over a river", "A road crosses the river on the bridge.")
    s.add("carrying a road across the water")
    if n_bridges == 2:
        s.add("next to a second bridge", "Two bridges cross the river.")
    s.add(
        f"with {count(cars, 'car')} on it" if cars else "with no cars on it",
        f"{count(cars, 'car').capitalize()} {agree(cars, 'is', 'are')} on the bridge.",
    )
    return s


def draw_parking_lot(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    z = c.zoom
    green = c.chance(0.5)
    surround = c.season.grass if green else CONCRETE
    c.fill(c.jitter(surround))
    mottle(c, surround, 30, (0.03, 0.08))
    if c.chance(0.6):
        c.turn(c.uniform(0, math.pi / 2))
    x0, y0, x1, y1 = (c.uniform(0.02, 0.22) for _ in range(4))
    x1, y1 = 1 - x1, 1 - y1
    beside = c.chance(0.35)
    if beside:
        x1 = c.uniform(0.6, 0.7)
        building(c, (x1 + 1.05) / 2, 0.5, 1 - x1 - 0.06, 1.1, c.jitter((190, 190, 186), 14), False)
        s.add("next to a large building", "A large flat-roofed building stands beside the cars.")
    c.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], c.jitter(ASPHALT, 8))
    label, occupancy = c.choice([("full", 0.92), ("half empty", 0.55), ("almost empty", 0.18)])
    depth, width = 0.075 * z, 0.042 * z
    rows, cars, y, k = 0, 0, y0 + 0.015, 0
    while y + depth < y1 - 0.01:
        seen = False  # count only the rows and cars that show in the image
        for x in np.arange(x0 + 0.01, x1 - width, width):
            c.line([(x, y), (x, y + depth)], 0.004, (210, 210, 200))
            seen = seen or c.inside(x + width / 2, y + depth / 2)
            if c.chance(occupancy):
                car(c, x + width / 2, y + depth / 2, depth * 0.78, math.pi / 2)
                cars += c.inside(x + width / 2, y + depth / 2)
        rows += seen
        y += depth + (0.0 if k % 2 == 0 else 0.07 * z)  # pairs of rows share an aisle
        k += 1
    s.adjectives += [label]
    s.add(f"with {count(rows, 'row')} of parking spaces", "White lines mark the parking spaces.")
    s.add(
        f"with {count(cars, 'car')}" if cars else "with no cars",
        f"The lot is {label}." if label != "full" else "Cars fill almost every space.",
    )
    if cars >= 5:
        s.add("with cars of many colours")
    if c.chance(0.5) and green:
        lot = (x0 - 0.02, y0 - 0.02, x1 + 0.02, y1 + 0.02)
        outside = lambda a, b: not (lot[0] < a < lot[2] and lot[1] < b < lot[3])  # noqa: E731
        ok = lambda a, b: outside(a, b) and (a < lot[2] or not beside)  # noqa: E731
        scatter_trees(c, 120, ok=ok, size=0.028)
        s.add("surrounded by trees")
    return s


def _airfield(c: Canvas, s: Scene) -> None:
    """A small grass airfield: a mown strip with white edge markers, hangars and light planes."""
    z, (lo, hi) = c.zoom, c.span()
    ry, rw = c.uniform(0.3, 0.45), c.uniform(0.06, 0.09) * z
    c.box(0.5, ry, hi - lo, rw, c.jitter(tuple(min(255, v + 16) for v in c.season.grass), 6))
    for t in np.arange(lo, hi, 0.1):  # white edge markers
        for side in (-1, 1):
            c.box(float(t), ry + side * rw / 2, 0.025, 0.008, WHITE)
    c.taken.append((0.5, ry, 0.0))
    hangars = 0
    for _ in range(c.integers(1, 3)):
        spot = c.place(0.08 * z, ok=lambda a, b: b > ry + rw / 2 + 0.15)
        if spot:
            building(c, *spot, 0.13 * z, 0.09 * z, c.jitter((150, 152, 156), 12), False)
            hangars += 1
    planes = 0
    for _ in range(c.integers(0, 4)):
        spot = c.place(0.04 * z, ok=lambda a, b: ry + rw / 2 + 0.03 < b < ry + rw / 2 + 0.3)
        if spot:
            plane(c, *spot, 0.07 * z, c.uniform(0, 2 * math.pi))
            planes += 1
    s.adjectives += ["small", "rural"]
    s.add("with a grass runway", "A mown strip of grass serves as the runway.")
    if hangars:
        s.add(f"with {count(hangars, 'hangar')}")
    s.add(
        f"with {count(planes, 'small plane')} parked" if planes else "with no planes parked",
        f"{count(planes, 'light aircraft', 'light aircraft').capitalize()} "
        f"{agree(planes, 'stands', 'stand')} beside the strip."
        if planes
        else None,
    )


def draw_airport(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    z = c.zoom
    land(c, s, fields_p=0.25)
    c.turn(c.uniform(0, math.pi))
    if c.season.name != "winter" and c.chance(0.3):
        _airfield(c, s)
        return s
    lo, hi = c.span()
    ry, rw = c.uniform(0.22, 0.4), c.uniform(0.07, 0.1) * z
    runways = [(0.5, ry, 0.0)]
    if c.chance(0.25):
        runways.append((c.uniform(0.3, 0.7), ry, c.choice([-1, 1]) * c.uniform(0.5, 0.9)))
    for x, y, a in runways:
        c.box(x, y, 1.8, rw, c.jitter(ASPHALT, 6), a)
        for t in np.arange(-0.9, 0.9, 0.09):  # dashed centre line
            c.box(x + t * math.cos(a), y + t * math.sin(a), 0.045, 0.006, WHITE, a)
    ty = ry + rw / 2 + 0.06 * z
    c.band([(lo, ty), (hi, ty)], 0.025 * z, c.jitter((110, 110, 104), 6))  # taxiway
    for x in (0.2, 0.8):
        c.band([(x, ry), (x, ty)], 0.025 * z, c.jitter((110, 110, 104), 6))
    ax0, ax1, ay0, ay1 = c.uniform(0.0, 0.2), c.uniform(0.8, 1.0), ty + 0.03, min(0.86, ty + 0.4)
    c.polygon([(ax0, ay0), (ax1, ay0), (ax1, ay1), (ax0, ay1)], c.jitter(CONCRETE, 8))
    if c.chance(0.8):
        building(c, (ax0 + ax1) / 2, ay1 + 0.06, (ax1 - ax0) * 0.8, 0.1, c.jitter(WHITE, 25), False)
        s.add("next to a terminal building", "A long terminal building stands beside the apron.")
    planes, size = 0, 0.13 * z
    for _ in range(c.integers(0, 5)):
        spot = c.place(
            size * 0.5,
            ok=lambda a, b: (
                ax0 + size / 2 < a < ax1 - size / 2 and ay0 + size / 2 < b < ay1 - size / 2
            ),
        )
        if spot:
            plane(c, *spot, size, c.choice([-1, 1]) * math.pi / 2 + c.uniform(-0.3, 0.3))
            planes += 1
    s.adjectives += ["busy"] if planes >= 3 else ["quiet", "small"]
    s.add(
        f"with {count(len(runways), 'runway')}",
        "A long runway with white markings crosses the image.",
    )
    parked = f"{count(planes, 'plane')} {agree(planes, 'is', 'are')} parked near the terminal."
    s.add(
        f"with {count(planes, 'plane')} on the apron" if planes else "with no planes parked",
        parked.capitalize(),
    )
    return s
