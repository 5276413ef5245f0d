"""Inland water scene classes: lake and river.

A lake is a closed shoreline (in the middle or a corner, in fields, grass or forest, sometimes
frozen, dammed, with an island, a jetty or boats); a river a band of water across the image. The
river and bridge classes draw the same river scene (river_base() and river_banks()), so only the
bridge itself tells them apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sclip.data.scenes.built import (
    boat,
    houses,
    jetty,
    road,
    small_boats,
)
from sclip.data.scenes.canvas import CONCRETE, SAND, Canvas, Point, Scene, agree, count
from sclip.data.scenes.elements import (
    blob,
    land,
    near_path,
    path_across,
    scatter_trees,
    season,
    tree,
    water_band,
    water_color,
)


def draw_lake(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    land(c, s, fields_p=0.25)
    corner = c.chance(0.3)
    if corner:
        x, y, r = c.choice([0.12, 0.88]), c.choice([0.12, 0.88]), c.uniform(0.32, 0.45)
    else:
        x, y, r = c.uniform(0.38, 0.62), c.uniform(0.38, 0.62), c.uniform(0.14, 0.32)
    shore = blob(c, x, y, r, c.uniform(0.1, 0.25))
    if c.chance(0.4):
        c.polygon(blob(c, x, y, r * 1.1, 0.1), c.jitter(SAND))
        s.add("with a sandy shore", "Pale sand lines the shore.")
    frozen = c.season.name == "winter" and c.chance(0.6)
    water = c.jitter((150, 170, 186), 8) if frozen else water_color(c)[1]
    if frozen:  # reeds along the shore set the grey ice off from the snow
        c.polygon(blob(c, x, y, r * 1.06, 0.1), c.jitter((104, 96, 80), 8))
    c.polygon(shore, water)
    for _ in range(c.integers(2, 6)):  # glints on the water, or cracks in the ice
        gx, gy = x + c.uniform(-0.5, 0.5) * r, y + c.uniform(-0.5, 0.5) * r
        tone = tuple(min(255, v + (35 if frozen else 25)) for v in water)
        c.line([(gx, gy), (gx + c.uniform(0.03, 0.12), gy + c.uniform(-0.05, 0.05))], 0.004, tone)
    s.adjectives += ["large" if r > 0.28 else "small", "frozen" if frozen else "calm"]
    if frozen:
        s.add("frozen over", "Ice covers the water.")
    pos = f"in the {'corner' if corner else 'middle'} of the picture"
    s.add(pos, f"The water lies {pos}.")
    if not corner and not frozen and c.chance(0.2):  # a reservoir: a dam across one end
        a, d = c.uniform(0, 2 * math.pi), r * c.uniform(0.45, 0.7)
        nx, ny = math.cos(a), math.sin(a)
        c.box(x + nx * (d + 1.5), y + ny * (d + 1.5), 3, 3, c.jitter(c.season.grass), a)
        half = math.sqrt(max(r * r - d * d, 0.0)) + 0.06
        c.box(x + nx * d, y + ny * d, 0.035 * c.zoom, 2 * half, c.jitter(CONCRETE, 8), a)
        c.taken.append((x + nx * (d + r), y + ny * (d + r), r))
        s.add("held back by a dam", "A concrete dam holds back the water.")
    if not corner and r > 0.22 and c.chance(0.35):
        ix, iy = x + c.uniform(-0.3, 0.3) * r, y + c.uniform(-0.3, 0.3) * r
        c.polygon(blob(c, ix, iy, r * 0.22), c.jitter(c.season.grass))
        tree(c, ix, iy, 0.03 * c.zoom)
        c.taken.append((ix, iy, r * 0.3))  # keeps boats off the island
        s.add("with a small island", "A small wooded island sits in the water.")
    if c.chance(0.25):
        ok = lambda a, b: math.hypot(a - x, b - y) > r * 1.2 and c.free(a, b)  # noqa: E731
        scatter_trees(c, int(380 / c.zoom**2), ok=ok, size=0.034)
        s.add("in a forest", "Dense forest surrounds the water.")
    elif c.chance(0.6):
        scatter_trees(c, 90, ok=lambda a, b: r * 1.2 < math.hypot(a - x, b - y) < r * 1.75)
        s.add("surrounded by trees", "Trees grow along the shore.")
    if c.chance(0.35):
        for _ in range(10):
            pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.4, 0.4), 0.04, 0.5)
            if not near_path(pts, r * 1.3 + 0.03)(x, y):
                road(c, pts, 0.035 * c.zoom)
                s.add("next to a road", "A road passes by the water.")
                break
    if c.chance(0.3):
        houses(
            c,
            s,
            c.integers(2, 5),
            "on the shore",
            ok=lambda a, b: r * 1.35 < math.hypot(a - x, b - y) < r * 1.9,
        )
    if not frozen and c.chance(0.2):  # a wooden jetty from the shore, with rowing boats tied to it
        t = c.uniform(0, 2 * math.pi)
        spots = jetty(c, x + r * math.cos(t), y + r * math.sin(t), t + math.pi, r * 0.45)
        moored = c.integers(1, 3)
        for bx, by in spots[:moored]:
            boat(c, bx, by, 0.045 * c.zoom, t + math.pi)
        s.add(
            "with a wooden jetty",
            f"{count(moored, 'boat').capitalize()} {agree(moored, 'is', 'are')} tied to a jetty.",
        )
    elif not frozen and c.chance(0.2):
        small_boats(
            c, s, c.integers(1, 3), "the water", ok=lambda a, b: math.hypot(a - x, b - y) < r * 0.7
        )
    return s


@dataclass
class River:
    """A river drawn across the image: its centre line, width and how captions may call it."""

    pts: list[Point]
    width: float
    words: list[str]  # "wide"/"narrow", maybe "winding"
    town: bool


def river_base(c: Canvas, s: Scene) -> River:
    """Season, land (countryside, crop fields or a town) and a river band across it. The river
    and bridge classes share this and river_banks(), so only the bridge tells them apart."""
    season(c, s)
    town = c.chance(0.25)
    land(c, s, fields_p=0.0 if town else 0.3, kinds=("paved",) if town else ("green", "dry"))
    angle, amp, phase = c.uniform(0, math.pi), c.uniform(0.0, 0.16), c.uniform(0, 6.3)
    wide = c.chance(0.45)
    w = (c.uniform(0.11, 0.18) if wide else c.uniform(0.04, 0.085)) * c.zoom
    pts = path_across(c, angle, c.uniform(-0.2, 0.2), amp, 0.8, phase)
    water_band(c, pts, w)
    words = ["wide" if wide else "narrow"] + (["winding"] if amp > 0.07 else [])
    return River(pts, w, words, town)


def river_banks(
    c: Canvas, s: Scene, river: River, keep_clear: Callable[[float, float], bool] | None = None
) -> None:
    """Trees, a road, houses and boats along a river, away from keep_clear(x, y) spots."""
    wet = near_path(river.pts, river.width * 0.62 + 0.02)

    def dry(a: float, b: float) -> bool:
        return not wet(a, b) and not (keep_clear and keep_clear(a, b))

    if not river.town and c.chance(0.55):
        bank = near_path(river.pts, river.width * 0.62 + 0.07)
        scatter_trees(c, 260, ok=lambda a, b: bank(a, b) and dry(a, b) and c.free(a, b), size=0.028)
        s.add("with trees along the banks", "Trees grow along both banks.")
    if river.town or c.chance(0.2):
        n = c.integers(5, 10) if river.town else c.integers(2, 6)
        houses(c, s, n, "near the banks", ok=lambda a, b: dry(a, b) and c.free(a, b, 0.03))
    if "wide" in river.words and c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the river", ok=near_path(river.pts, river.width * 0.2))


def draw_river(c: Canvas) -> Scene:
    s = Scene()
    river = river_base(c, s)
    s.adjectives += river.words
    if "winding" in river.words:
        s.add("winding through the land", "The river makes wide bends.")
    else:
        s.add("running almost straight across the image")
    if c.chance(0.3):
        x0, y0 = river.pts[0]
        x1, y1 = river.pts[-1]
        angle = math.atan2(y1 - y0, x1 - x0)
        side = c.choice([-1, 1]) * (river.width / 2 + c.uniform(0.08, 0.2))
        pts = [(x - side * math.sin(angle), y + side * math.cos(angle)) for x, y in river.pts]
        road(c, pts, 0.035 * c.zoom)
        s.add("with a road along the river", "A road follows the river.")
        c.taken += [(x, y, 0.04) for x, y in pts[::3]]
    river_banks(c, s, river)
    return s
