"""Industrial areas: warehouses and factories with yards, tanks, sidings, canals and car parks.

Their variants borrow the look of other classes (containers like a port, round water tanks like
ponds, a canal like a river, staff car parks like a parking lot), so the large flat-roofed
buildings are what marks the class.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sclip.data.scenes.built import building, car_park, containers, grid_roads, off_streets, truck
from sclip.data.scenes.canvas import CONCRETE, FLAT_ROOFS, Canvas, Scene, agree, count
from sclip.data.scenes.elements import land, scatter_trees, season, town_ground, water_color


def _treatment_tanks(c: Canvas, s: Scene, ok: Callable[[float, float], bool]) -> None:
    """Round open tanks of water with a bridge to the centre, as at a sewage works."""
    n = 0
    for _ in range(c.integers(2, 6)):
        r = c.uniform(0.05, 0.09) * c.zoom
        spot = c.place(r * 1.15, ok=ok)
        if spot:
            c.ellipse(*spot, r * 1.12, None, c.jitter(CONCRETE, 8))
            c.ellipse(
                *spot, r, None, c.jitter(c.choice([(70, 96, 86), (96, 100, 76), (52, 86, 104)]), 8)
            )
            c.line([spot, (spot[0] + r, spot[1])], 0.006, (210, 210, 206))
            n += 1
    if n:
        s.add(
            f"with {count(n, 'round water tank')}",
            f"{count(n, 'round tank').capitalize()} of water {agree(n, 'belongs', 'belong')} to a treatment plant.",
        )


def draw_industrial(c: Canvas) -> Scene:
    s = Scene(adjectives=["large", "busy"])
    season(c, s)
    z = c.zoom
    if c.chance(0.2):  # on the edge of town, among crop fields
        land(c, s, fields_p=1.0)
    else:
        town_ground(c, paved=0.5)
    if c.chance(0.6):
        c.turn(c.uniform(0, math.pi / 2))
    ys: list[float] = []
    if c.chance(0.6):
        _, ys = grid_roads(c, 0, 1, 0.045 * z)
        s.add("crossed by a road", "A road runs between the buildings.")
    if c.chance(0.25):  # a railway siding with goods wagons
        yr, (lo, hi) = c.uniform(0.15, 0.85), c.span()
        for side in (-1, 1):
            c.line([(lo, yr + side * 0.008 * z), (hi, yr + side * 0.008 * z)], 0.004, (70, 66, 62))
        x, wagons = c.uniform(lo, 0.3), 0
        for _ in range(c.integers(3, 12)):
            c.box(x, yr, 0.07 * z, 0.024 * z, c.jitter(c.choice([(120, 70, 50), (90, 96, 104)]), 8))
            wagons += c.inside(x, yr)
            x += 0.078 * z
        ys = [*ys, yr]
        if wagons:
            s.add(
                "with a railway siding",
                f"{count(wagons, 'goods wagon').capitalize()} stand on a siding.",
            )
    if c.chance(0.2):  # a straight canal with walled banks
        yc, (lo, hi), w = c.uniform(0.2, 0.8), c.span(), c.uniform(0.06, 0.12) * z
        c.band([(lo, yc), (hi, yc)], w * 1.4, c.jitter(CONCRETE, 10))
        c.band([(lo, yc), (hi, yc)], w, water_color(c)[1])
        ys = [*ys, yc, yc - w / 2, yc + w / 2]
        s.add("beside a canal", "A straight canal runs past the factories.")
    clear = off_streets([], ys, 0.07 * z)
    if c.chance(0.2):
        _treatment_tanks(c, s, clear)
    roof_name = c.choice(list(FLAT_ROOFS))
    roof, ribbed = FLAT_ROOFS[roof_name], c.chance(0.3)
    n_b = 0
    for _ in range(c.integers(2, 7)):
        w, h = c.uniform(0.1, 0.28) * z, c.uniform(0.08, 0.2) * z
        spot = c.place(math.hypot(w, h) / 2 * 0.85, ok=off_streets([], ys, h + 0.06))
        if spot:
            building(c, *spot, w, h, c.jitter(roof, 8), False)
            for x in (
                np.arange(spot[0] - w / 2 + 0.02 * z, spot[0] + w / 2, 0.02 * z) if ribbed else []
            ):
                c.line(
                    [(float(x), spot[1] - h / 2), (float(x), spot[1] + h / 2)],
                    0.004,
                    tuple(int(v * 0.8) for v in roof),
                )
            for _ in range(c.integers(0, 4)):  # roof vents
                c.box(
                    spot[0] + c.uniform(-0.3, 0.3) * w,
                    spot[1] + c.uniform(-0.3, 0.3) * h,
                    0.015,
                    0.015,
                    (96, 96, 100),
                )
            n_b += 1
    s.add(
        f"with {count(n_b, 'large building')}",
        f"{count(n_b, 'warehouse').capitalize()} with flat {roof_name} roofs "
        f"{agree(n_b, 'stands', 'stand')} here.",
    )
    s.add(
        f"with {roof_name} factory roofs",
        "The factory roofs are ribbed with skylights." if ribbed else None,
    )
    n_t = 0
    farm = c.chance(0.25)  # a tank farm
    for _ in range(c.integers(6, 14) if farm else 0 if c.chance(0.35) else c.integers(1, 6)):
        r = c.uniform(0.035, 0.055) * z
        spot = c.place(r * 1.1, ok=clear)
        if spot:
            c.ellipse(spot[0] + 0.012, spot[1] + 0.012, r, None, (60, 60, 58))
            c.ellipse(*spot, r, None, c.jitter((210, 210, 206), 10))
            c.ellipse(*spot, r * 0.7, None, c.jitter((186, 186, 182), 10))
            n_t += 1
    if n_t:
        s.add(
            f"with {count(n_t, 'round storage tank')}",
            f"{count(n_t, 'white storage tank').capitalize()} {agree(n_t, 'stands', 'stand')} "
            "near the factories.",
        )
    n_k = 0
    for _ in range(c.integers(0, 4)):
        spot = c.place(0.035 * z, ok=clear)
        if spot:
            truck(c, *spot, 0.08 * z, c.choice([0.0, math.pi / 2, math.pi, -math.pi / 2]))
            n_k += 1
    if n_k:
        s.add(f"with {count(n_k, 'truck')} parked outside")
    if c.chance(0.4):
        w, h = c.uniform(0.2, 0.36) * z, c.uniform(0.12, 0.2) * z
        spot = c.place(math.hypot(w, h) / 2 * 0.8, ok=clear)
        if spot:
            car_park(c, *spot, w, h)
            s.add("with a car park for the workers", "Cars are parked beside the factories.")
    if c.chance(0.25):
        w, h = c.uniform(0.2, 0.35) * z, c.uniform(0.12, 0.22) * z
        spot = c.place(math.hypot(w, h) / 2 * 0.8, ok=clear)
        x0, y0 = spot or (0.0, 0.0)
        if spot and containers(c, x0 - w / 2, y0 - h / 2, x0 + w / 2, y0 + h / 2, 0.05 * z):
            s.add("with a yard full of containers", "Containers are stacked in a yard.")
    if c.chance(0.35):
        edge = c.uniform(0.06, 0.15)
        scatter_trees(c, 40, ok=lambda a, b: min(a, b, 1 - a, 1 - b) < edge, size=0.03)
        s.add("with a few trees at the edge")
    return s
