"""Transport scene classes: bridge, parking lot and airport.

A bridge is drawn on the river scene of the river class; a parking lot fills anything from a third
to all of the view, beside a shop, houses or trees, with asphalt or gravel, cars or lorries; an
airport is a runway with an apron, a close view of terminal gates, or a small grass airfield.
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.built import (
    building,
    car,
    car_park,
    houses,
    plane,
    road,
    truck,
)
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
    land,
    mottle,
    near_path,
    scatter_trees,
    season,
    tree,
)
from sclip.data.scenes.water import river_banks, river_base


def draw_bridge(c: Canvas) -> Scene:
    s = Scene()
    river = river_base(c, s)
    pts, w = river.pts, river.width
    n_bridges = 2 if c.chance(0.2) else 1
    wide = c.chance(0.25)
    rw, dw = (0.075 * c.zoom, 0.095 * c.zoom) if wide else (0.04 * c.zoom, 0.055 * c.zoom)
    deck_color = c.jitter(c.choice([(176, 174, 168), (96, 96, 100)]), 8)
    # where the bridges cross: points of the river well inside the image (the middle always is)
    starts = [i for i in range(12, 37 if n_bridges == 1 else 21) if c.inside(*pts[i], 0.1)]
    starts = [i for i in starts if n_bridges == 1 or c.inside(*pts[i + 16], 0.1)]
    first = c.choice(starts) if starts else 24
    n_bridges = n_bridges if starts else 1
    cars, streets = 0, []
    for i in [first] if n_bridges == 1 else [first, first + 16]:
        (x0, y0), (x1, y1) = pts[i - 1], pts[i + 1]
        tx, ty = (x1 - x0) / math.hypot(x1 - x0, y1 - y0), (y1 - y0) / math.hypot(x1 - x0, y1 - y0)
        x, y, a = pts[i][0], pts[i][1], math.atan2(tx, -ty)  # across the river
        ends = [(x - 1.5 * ty, y + 1.5 * tx), (x + 1.5 * ty, y - 1.5 * tx)]
        road(c, ends, rw)
        streets.append(near_path([tuple(p) for p in np.linspace(*ends, 80)], rw / 2 + 0.035))
        deck = w * 1.25 + 0.08
        c.box(x + 0.02, y + 0.02, deck, dw, (30, 48, 60), a)  # shadow on the water
        c.box(x, y, deck, dw, deck_color, a)
        for side in (-1, 1):  # railings
            ox, oy = -math.sin(a) * side * dw / 2, math.cos(a) * side * dw / 2
            c.box(x + ox, y + oy, deck, 0.006, WHITE, a)
        for _ in range(c.integers(0, 4 if wide else 3)):
            t = (cars % 3 - 1) * deck / 3.5
            car(c, x + t * math.cos(a), y + t * math.sin(a), 0.04 * c.zoom, a)
            cars += c.inside(x + t * math.cos(a), y + t * math.sin(a))
    river_banks(c, s, river, keep_clear=lambda a, b: any(f(a, b) for f in streets))
    s.adjectives += ["long" if w > 0.14 else "short", "concrete"]
    s.add(f"over a {' '.join(river.words)} river", "A road crosses the river on the bridge.")
    s.add("carrying a wide road across the water" if wide else "carrying a road across the water")
    if n_bridges == 2:
        s.add("next to a second bridge", "Two bridges cross the river.")
    s.add(
        f"with {count(cars, 'car')} on it" if cars else "with no cars on it",
        f"{count(cars, 'car').capitalize()} {agree(cars, 'is', 'are')} on the bridge.",
    )
    return s


def _next_to_lot(c: Canvas, s: Scene, edge: float, vertical: bool) -> None:
    """Fill the ground beyond the lot (x > edge if vertical else y > edge): a shop, a street of
    houses, trees or nothing."""
    lo, hi = c.span()

    def pt(u: float, v: float) -> tuple[float, float]:
        return (u, v) if vertical else (v, u)

    def beyond(a: float, b: float, gap: float) -> bool:
        return (a if vertical else b) > edge + gap

    kind = c.choice(["shop", "houses", "trees", "none"])
    if kind == "shop" and hi - edge > 0.2:
        size = pt(hi - edge - 0.06, hi - lo)
        building(c, *pt((edge + 0.04 + hi) / 2, 0.5), *size, c.jitter((190, 190, 186), 14), False)
        s.add("next to a large building", "A large flat-roofed building stands beside the cars.")
    elif kind == "houses":
        road(c, [pt(edge + 0.06, lo), pt(edge + 0.06, hi)], 0.04 * c.zoom, markings=False)
        houses(c, s, c.integers(3, 8), "across the street", ok=lambda a, b: beyond(a, b, 0.12))
    elif kind == "trees" and scatter_trees(c, 120, ok=lambda a, b: beyond(a, b, 0.03), size=0.03):
        s.add("next to a group of trees", "Trees grow beside the parking lot.")


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
    w, h = c.uniform(0.35, 0.96), c.uniform(0.35, 0.96)  # from most of the view to an eighth
    x0, y0 = c.uniform(0.02, 0.98 - w), c.uniform(0.02, 0.98 - h)
    x1, y1 = x0 + w, y0 + h
    c.taken.append(((x0 + x1) / 2, (y0 + y1) / 2, max(w, h) / 2))
    if max(1 - x1, 1 - y1) > 0.15:
        _next_to_lot(c, s, x1 if 1 - x1 > 1 - y1 else y1, 1 - x1 > 1 - y1)
    gravel = c.chance(0.25)
    c.polygon(
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
        c.jitter((172, 158, 130) if gravel else ASPHALT, 8),
    )
    label, occupancy = c.choice([("full", 0.92), ("half empty", 0.55), ("almost empty", 0.18)])
    lorries = c.chance(0.2)
    depth, width = (0.13 * z, 0.055 * z) if lorries else (0.075 * z, 0.042 * z)
    vehicle = truck if lorries else car
    slant = c.choice([0.0, 0.0, 0.5])  # angled parking in some lots
    islands = not gravel and c.chance(0.3)  # planted strips between back-to-back rows
    rows, cars, y, k = 0, 0, y0 + 0.015, 0
    while y + depth < y1 - 0.01:
        seen = False  # count only the rows and cars that show in the image
        for x in np.arange(x0 + 0.01, x1 - width - depth * slant, width):
            if not gravel:
                c.line([(x, y), (x + depth * slant, y + depth)], 0.004, (210, 210, 200))
            cx, cy = x + width / 2 + depth * slant / 2, y + depth / 2
            seen = seen or c.inside(cx, cy)
            if c.chance(occupancy):
                vehicle(c, cx, cy, depth * 0.78, math.pi / 2 - slant * 0.8)
                cars += c.inside(cx, cy)
        rows += seen
        if islands and k % 2 == 0:
            c.box(
                (x0 + x1) / 2,
                y + depth + 0.012 * z,
                x1 - x0 - 0.02,
                0.022 * z,
                c.jitter(c.season.grass),
            )
            for x in np.arange(x0 + 0.03, x1 - 0.02, 0.09 * z):
                tree(c, float(x), y + depth + 0.012 * z, 0.02 * z)
        y += depth + (0.024 * z if islands else 0.0) if k % 2 == 0 else depth + 0.07 * z
        k += 1
    s.adjectives += [label]
    if gravel:
        s.adjectives.append("gravel")
        s.add(
            f"with {count(rows, 'row')} of parked cars" if rows else "with a gravel surface",
            "The cars stand on gravel.",
        )
    else:
        s.add(
            f"with {count(rows, 'row')} of parking spaces", "White lines mark the parking spaces."
        )
    if islands:
        s.add("with rows of trees between the spaces", "Strips of trees divide the rows of cars.")
    kind = "lorry" if lorries else "car"
    s.add(
        f"with {count(cars, kind, 'lorries' if lorries else None)}" if cars else f"with no {kind}s",
        f"The lot is {label}."
        if label != "full"
        else f"{kind.capitalize()}s fill almost every space.",
    )
    if cars >= 5:
        s.add("with cars of many colours" if not lorries else "for lorries")
    if c.chance(0.5) and green:
        lot = (x0 - 0.02, y0 - 0.02, x1 + 0.02, y1 + 0.02)
        outside = lambda a, b: not (lot[0] < a < lot[2] and lot[1] < b < lot[3])  # noqa: E731
        if scatter_trees(c, 120, ok=lambda a, b: outside(a, b) and c.free(a, b), size=0.028):
            s.add("with trees around it")
    return s


def _airfield(c: Canvas, s: Scene) -> None:
    """A small grass airfield: a mown strip with white edge markers, hangars and light planes."""
    z, (lo, hi) = c.zoom, c.span()
    ry, rw = c.uniform(0.3, 0.45), c.uniform(0.08, 0.11) * z
    mown = tuple(min(255, int(v * 1.18) + 12) for v in c.season.grass)
    c.box(0.5, ry, hi - lo, rw, c.jitter(mown, 4))
    for k in (-1, 1):  # mowing stripes along the strip
        c.box(0.5, ry + k * rw / 4, hi - lo, rw / 4, tuple(int(v * 0.92) for v in mown))
    for t in np.arange(lo, hi, 0.08):  # white edge markers
        for side in (-1, 1):
            c.box(float(t), ry + side * rw / 2, 0.03, 0.01, WHITE)
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
            plane(c, *spot, 0.09 * z, c.uniform(0, 2 * math.pi))
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


def _gates(c: Canvas, s: Scene) -> None:
    """A close view of a terminal: pier fingers reaching into the apron, planes at the gates."""
    z, (lo, hi) = c.zoom, c.span()
    ty = c.uniform(0.65, 0.85)
    c.polygon([(lo, lo), (hi, lo), (hi, ty), (lo, ty)], c.jitter(CONCRETE, 8))
    for x in np.arange(lo, hi, 0.2 * z):  # painted taxi lines
        c.line([(float(x), lo), (float(x), ty)], 0.004, (216, 186, 60))
    building(c, 0.5, ty + 0.07, hi - lo, 0.14, c.jitter(WHITE, 25), False)
    planes, size = 0, c.uniform(0.16, 0.22) * z
    for x in np.arange(c.uniform(0.1, 0.25), 0.95, size * 1.5):
        x = float(x)
        c.box(x - size * 0.6, ty - 0.12 * z, 0.025 * z, 0.24 * z, c.jitter((200, 200, 196), 8))
        if c.chance(0.75) and c.inside(x, ty - size * 0.6, 0.02):
            plane(c, x, ty - size * 0.6, size, math.pi / 2)
            planes += 1
        for _ in range(c.integers(0, 2)):  # service vehicles
            c.box(
                x + c.uniform(-0.3, 0.3) * size,
                ty - c.uniform(0.02, 0.3),
                0.03 * z,
                0.015 * z,
                c.jitter(WHITE, 10),
            )
    s.adjectives += ["busy"] if planes >= 3 else ["quiet"]
    s.add("next to a terminal building", "A long terminal building stands beside the apron.")
    s.add(
        f"with {count(planes, 'plane')} at the gates" if planes else "with no planes at the gates",
        f"{count(planes, 'plane').capitalize()} {agree(planes, 'is', 'are')} parked at the terminal gates.",
    )


def draw_airport(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    z = c.zoom
    land(c, s, fields_p=0.45)
    c.turn(c.uniform(0, math.pi))
    if c.season.name != "winter" and c.chance(0.25):
        _airfield(c, s)
        return s
    if c.chance(0.3):
        _gates(c, s)
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
    px = c.uniform(0.3, 0.7)
    if c.chance(0.35) and c.inside(px, ay1 + 0.2, 0.05):
        car_park(c, px, ay1 + 0.2, 0.3 * z, 0.12 * z)
        s.add("with a car park behind the terminal", "Cars are parked behind the terminal.")
    planes, size = 0, c.uniform(0.08, 0.14) * z
    for _ in range(0 if c.chance(0.35) else c.integers(1, 5)):
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
