"""Natural elements shared by several scene classes: seasons, ground, trees, fields and water."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from sclip.data.scenes.canvas import (
    ALL_SEASONS,
    CONCRETE,
    SAND,
    SEASONS,
    SOIL,
    WATER,
    Canvas,
    Color,
    Point,
    Scene,
    Season,
)


def mottle(c: Canvas, color: Color, n: int, r: tuple[float, float], amount: int = 14) -> None:
    """Soft patches of varied tone, so no surface is a flat colour."""
    for _ in range(n):
        rad = c.uniform(*r) * c.zoom
        c.ellipse(
            c.uniform(0, 1), c.uniform(0, 1), rad, rad * c.uniform(0.5, 1), c.jitter(color, amount)
        )


def season(c: Canvas, s: Scene, allowed: Sequence[str] = ALL_SEASONS) -> Season:
    """Pick the scene's time of year (colours of grass, trees and crops); caption it if visible."""
    c.season = SEASONS[c.choice(allowed)]
    if c.season.detail:
        s.add(c.season.detail)
    return c.season


def tree(c: Canvas, x: float, y: float, r: float, color: Color | None = None) -> None:
    """A crown seen from above: shadow, crown, sunlit highlight."""
    c.ellipse(x + 0.35 * r, y + 0.35 * r, r, r, (28, 40, 26))
    crown = c.jitter(c.choice(c.season.trees) if color is None else color, 14)
    c.ellipse(x, y, r, r, crown)
    c.ellipse(x - 0.3 * r, y - 0.3 * r, 0.45 * r, 0.45 * r, tuple(min(255, v + 22) for v in crown))


def scatter_trees(
    c: Canvas,
    n: int,
    ok: Callable[[float, float], bool] | None = None,
    colors: Sequence[Color] | None = None,
    size: float = 0.03,
) -> int:
    """Up to n trees at random spots where ok(x, y); returns how many were drawn."""
    drawn = 0
    for _ in range(n):
        lo, hi = c.span()
        x, y = c.uniform(lo, hi), c.uniform(lo, hi)
        if ok is None or ok(x, y):
            tree(c, x, y, size * c.zoom * c.uniform(0.7, 1.3), c.choice(colors or c.season.trees))
            drawn += 1
    return drawn


def path_across(
    c: Canvas, angle: float, offset: float, amp: float, waves: float, phase: float | None = None
) -> list[Point]:
    """A gently meandering line crossing the whole image (roads, rivers, dune crests)."""
    dx, dy = math.cos(angle), math.sin(angle)
    ph = c.uniform(0, 2 * math.pi) if phase is None else phase
    pts = []
    for t in np.linspace(-0.78, 0.78, 48):
        m = offset + amp * math.sin(2 * math.pi * waves * t + ph)
        pts.append((0.5 + t * dx - m * dy, 0.5 + t * dy + m * dx))
    return pts


def near_path(pts: Sequence[Point], d: float) -> Callable[[float, float], bool]:
    arr = np.asarray(pts)
    return lambda x, y: bool(np.min(np.hypot(arr[:, 0] - x, arr[:, 1] - y)) < d)


def blob(c: Canvas, x: float, y: float, r: float, irregular: float = 0.18) -> list[Point]:
    """An irregular closed outline (lakes, islands, clearings)."""
    angles = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    rad = np.ones_like(angles)
    for k in (2, 3, 5):
        rad += 1.2 * irregular / k * np.sin(k * angles + c.uniform(0, 2 * math.pi))
    return [
        (x + r * q * math.cos(a), y + r * q * math.sin(a)) for a, q in zip(angles, rad, strict=True)
    ]


Rect = tuple[float, float, float, float]


def visible(c: Canvas, rect: Rect) -> bool:
    """Whether any of a 5 x 5 grid of points in rect (x0, y0, x1, y1) shows in the image."""
    x0, y0, x1, y1 = rect
    return any(
        c.inside(float(x), float(y), 0.02)
        for x in np.linspace(x0, x1, 5)
        for y in np.linspace(y0, y1, 5)
    )


def fields(
    c: Canvas,
    n: int,
    muted: float = 1.0,
    palette: dict[str, Color] | None = None,
    pasture: float = 0.0,
) -> tuple[set[str], list[Rect], int]:
    """Patchwork of n rectangular fields: crops with furrows in the season's crop colours (or
    palette's), each a grass pasture instead with probability pasture. Returns the crop colour
    words in view, the fields in view (x0, y0, x1, y1) and how many of them are pastures."""
    palette = palette or c.season.crops
    lo, hi = c.span()
    rects: list[Rect] = [(lo, lo, hi, hi)]
    while len(rects) < n:  # split the largest field along its long side
        rects.sort(key=lambda r: (r[2] - r[0]) * (r[3] - r[1]))
        x0, y0, x1, y1 = rects.pop()
        s = c.uniform(0.35, 0.65)
        if x1 - x0 > y1 - y0:
            xm = x0 + s * (x1 - x0)
            rects += [(x0, y0, xm, y1), (xm, y0, x1, y1)]
        else:
            ym = y0 + s * (y1 - y0)
            rects += [(x0, y0, x1, ym), (x0, ym, x1, y1)]
    used, pastures = set(), 0
    rects = [r for r in rects if visible(c, r)]
    for x0, y0, x1, y1 in rects:
        if c.chance(pasture):
            grass = c.jitter(c.season.grass, 10)
            c.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], grass)
            for _ in range(int(300 * (x1 - x0) * (y1 - y0))):
                r = c.uniform(0.004, 0.03)
                c.ellipse(
                    c.uniform(x0 + r, x1 - r),
                    c.uniform(y0 + r, y1 - r),
                    r,
                    None,
                    c.jitter(grass, 16),
                )
            c.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], 0.005, (110, 92, 70))
            pastures += 1
            continue
        name = c.choice(list(palette))
        used.add(name)
        base = c.jitter(tuple(int(muted * v + (1 - muted) * 120) for v in palette[name]), 10)
        c.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], base)
        step, dark = c.uniform(0.012, 0.022) * c.zoom, tuple(int(v * 0.85) for v in base)
        if c.chance(0.5):
            c_lines = [[(x, y0), (x, y1)] for x in np.arange(x0 + step, x1, step)]
        else:
            c_lines = [[(x0, y), (x1, y)] for y in np.arange(y0 + step, y1, step)]
        for seg in c_lines:
            c.line(seg, 0.004, dark)
        c.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], 0.006, (160, 140, 105))
    return used, rects, pastures


# Water colours shared by lakes, rivers, the sea and harbours (so none of them owns a colour).
WATERS: dict[str, Color] = {
    "dark blue": WATER,
    "blue": (38, 86, 122),
    "blue-green": (44, 96, 104),
    "murky green": (70, 96, 86),
    "turquoise": (56, 142, 150),
}


def water_color(c: Canvas, turquoise: float = 0.1) -> tuple[str, Color]:
    """A colour word and a colour for open water; turquoise (clear shallow water) is rarer."""
    if c.chance(turquoise):
        return "turquoise", c.jitter(WATERS["turquoise"], 8)
    name = c.choice([n for n in WATERS if n != "turquoise"])
    return name, c.jitter(WATERS[name], 8)


def water_band(c: Canvas, pts: Sequence[Point], w: float) -> Color:
    """A river of width w along pts, between sandy or muddy banks."""
    c.band(pts, w * 1.25, c.jitter(c.choice([SAND, SOIL]), 10))  # muddy or sandy banks
    water = water_color(c, 0.05)[1]
    c.band(pts, w, water)
    return water


def grassland(c: Canvas, base: Color) -> None:
    """Open grass over the whole image: patches of varied tone and tussocks of longer grass."""
    c.fill(c.jitter(base, 8))
    mottle(c, base, 140, (0.015, 0.07), 18)
    for _ in range(c.integers(150, 350)):
        c.ellipse(
            c.uniform(0, 1), c.uniform(0, 1), c.uniform(0.003, 0.007), None, c.jitter(base, 26)
        )


def land(
    c: Canvas, s: Scene, fields_p: float = 0.0, kinds: Sequence[str] = ("green", "dry")
) -> None:
    """Open ground around a scene's main element: grass, dry grass, pavement or crop fields."""
    if c.chance(fields_p):
        fields(c, c.integers(4, 8), muted=0.85)
        s.add("among crop fields", "Fields of crops lie all around.")
        return
    kind = c.choice(kinds)
    if kind == "paved":
        c.fill(c.jitter(CONCRETE))
        mottle(c, CONCRETE, 40, (0.04, 0.12))
    else:
        grassland(c, c.season.grass if kind == "green" else c.season.dry)
    s.add("in a paved town area" if kind == "paved" else c.season.country)


def pond(
    c: Canvas,
    s: Scene,
    r: float,
    detail: str = "with a small pond",
    ok: Callable[[float, float], bool] | None = None,
) -> Point | None:
    """A small pond at a free spot (ponds, oases and park lakes make classes overlap)."""
    spot = c.place(r * 1.3, lo=0.15, hi=0.85, ok=ok)
    if spot:
        c.polygon(blob(c, *spot, r * 1.12, 0.12), c.jitter(SOIL, 10))
        c.polygon(blob(c, *spot, r, 0.2), c.jitter(WATER))
        s.add(detail, "A small pond of dark water lies in the scene.")
    return spot


def town_ground(c: Canvas, paved: float) -> None:
    """Ground between town buildings: all paved, or grass with a few paved yards (uncaptioned)."""
    if c.chance(paved):
        c.fill(c.jitter(CONCRETE))
        mottle(c, (150, 146, 136), 40, (0.04, 0.14), 16)
        return
    ground = c.season.dry if c.chance(0.3) else c.season.grass
    c.fill(c.jitter(ground))
    mottle(c, ground, 50, (0.03, 0.08))
    for _ in range(c.integers(0, 4)):  # yards and squares
        w, h = c.uniform(0.15, 0.4) * c.zoom, c.uniform(0.1, 0.3) * c.zoom
        c.box(c.uniform(0.1, 0.9), c.uniform(0.1, 0.9), w, h, c.jitter(CONCRETE, 10))
