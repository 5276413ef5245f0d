"""Procedural top-down drawing routines for the built-in synthetic aerial scene classes.

Each ``draw_<class>`` paints one scene on a :class:`Canvas` (unit coordinates, 0..1 across) and
returns a :class:`Scene` listing what it actually drew, so captions describe the image truthfully.
Classes deliberately share elements (roads, trees, water, buildings, fields) so that telling them
apart needs the whole layout, not a single colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Color = tuple[int, int, int]
Point = tuple[float, float]
T = TypeVar("T")

GRASS: Color = (98, 128, 66)
DRY_GRASS: Color = (150, 146, 92)
TREE: Color = (44, 84, 40)
WATER: Color = (42, 80, 108)
SAND: Color = (214, 198, 158)
ASPHALT: Color = (82, 82, 86)
CONCRETE: Color = (168, 166, 160)
SOIL: Color = (138, 108, 78)
WHITE: Color = (232, 232, 228)
ROOFS: dict[str, Color] = {
    "red": (172, 72, 56),
    "orange": (200, 116, 72),
    "grey": (122, 122, 128),
    "brown": (118, 84, 60),
}
CAR_COLORS: tuple[Color, ...] = (
    (230, 230, 230),
    (30, 30, 34),
    (170, 172, 176),
    (160, 40, 40),
    (40, 70, 150),
    (110, 110, 110),
)
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'three boats'; counts above ten become 'many' (nobody counts beyond that at a glance)."""
    word = NUMBERS[n] if n <= 10 else "many"
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def agree(n: int, singular: str, plural: str) -> str:
    """The verb form that agrees with a count: agree(1, "is", "are") == "is"."""
    return singular if n == 1 else plural


def where(x: float, y: float) -> str:
    """A position phrase that stays true under the random flips and quarter turns."""
    if max(abs(x - 0.5), abs(y - 0.5)) < 0.18:
        return "in the middle"
    if min(x, 1 - x) < 0.33 and min(y, 1 - y) < 0.33:
        return "in the corner"
    return "near the edge"


@dataclass
class Scene:
    """What was drawn: adjectives for the class noun, phrases that follow it, whole sentences."""

    adjectives: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def add(self, detail: str, fact: str | None = None) -> None:
        self.details.append(detail)
        if fact:
            self.facts.append(fact)


class Canvas:
    """A supersampled RGB surface addressed in unit coordinates, with its own random stream."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size = size
        self.rng = rng
        self.zoom = float(rng.uniform(0.65, 1.45))  # random scale of every element in the scene
        self.image = Image.new("RGB", (size, size))
        self._draw = ImageDraw.Draw(self.image)
        self.taken: list[tuple[float, float, float]] = []  # occupied circles, to avoid overlaps

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def integers(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi], both ends included."""
        return int(self.rng.integers(lo, hi + 1))

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def jitter(self, color: Color, amount: int = 12) -> Color:
        """The colour made lighter or darker, with a slight tint."""
        shift = int(self.rng.integers(-amount, amount + 1))
        tint = self.rng.integers(-amount // 3, amount // 3 + 1, size=3).tolist()
        r, g, b = (min(255, max(0, v + shift + t)) for v, t in zip(color, tint, strict=True))
        return r, g, b

    def _xy(self, pts: Sequence[Point]) -> list[Point]:
        return [(x * self.size, y * self.size) for x, y in pts]

    def fill(self, color: Color) -> None:
        self._draw.rectangle((0, 0, self.size, self.size), fill=color)

    def polygon(self, pts: Sequence[Point], color: Color) -> None:
        self._draw.polygon(self._xy(pts), fill=color)

    def ellipse(self, x: float, y: float, rx: float, ry: float | None, color: Color) -> None:
        ry = rx if ry is None else ry
        self._draw.ellipse(self._xy([(x - rx, y - ry), (x + rx, y + ry)]), fill=color)

    def line(self, pts: Sequence[Point], width: float, color: Color) -> None:
        w = max(1, round(width * self.size))
        self._draw.line(self._xy(pts), fill=color, width=w)

    def band(self, pts: Sequence[Point], width: float, color: Color) -> None:
        """A wide polyline drawn as one polygon (PIL's wide lines leave notches at the joints)."""
        p = np.asarray(pts, dtype=float)
        tangent = np.gradient(p, axis=0)
        normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
        normal *= width / 2 / np.linalg.norm(normal, axis=1, keepdims=True)
        self.polygon([tuple(q) for q in np.concatenate([p + normal, (p - normal)[::-1]])], color)

    def box(self, x: float, y: float, w: float, h: float, color: Color, angle: float = 0.0) -> None:
        """A w x h rectangle centred on (x, y), turned by angle (radians)."""
        ca, sa = math.cos(angle), math.sin(angle)
        corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        self.polygon([(x + u * ca - v * sa, y + u * sa + v * ca) for u, v in corners], color)

    def pieslice(self, x: float, y: float, r: float, start: float, end: float, c: Color) -> None:
        self._draw.pieslice(self._xy([(x - r, y - r), (x + r, y + r)]), start, end, fill=c)

    def claim(self, x: float, y: float, r: float) -> bool:
        """Reserve a circle if it overlaps nothing reserved yet (so counted objects stay apart)."""
        if all(math.hypot(x - a, y - b) > r + q for a, b, q in self.taken):
            self.taken.append((x, y, r))
            return True
        return False

    def place(
        self,
        r: float,
        lo: float = 0.05,
        hi: float = 0.95,
        ok: Callable[[float, float], bool] | None = None,
        tries: int = 40,
    ) -> Point | None:
        """A free spot for a circle of radius r where ok(x, y), reserved; None if none found."""
        for _ in range(tries):
            x, y = self.uniform(lo, hi), self.uniform(lo, hi)
            if (ok is None or ok(x, y)) and self.claim(x, y, r):
                return x, y
        return None


# ---- shared elements -------------------------------------------------------------------------


def mottle(c: Canvas, color: Color, n: int, r: tuple[float, float], amount: int = 14) -> None:
    """Soft patches of varied tone, so no surface is a flat colour."""
    for _ in range(n):
        rad = c.uniform(*r) * c.zoom
        c.ellipse(
            c.uniform(0, 1), c.uniform(0, 1), rad, rad * c.uniform(0.5, 1), c.jitter(color, amount)
        )


def tree(c: Canvas, x: float, y: float, r: float, color: Color = TREE) -> None:
    """A crown seen from above: shadow, crown, sunlit highlight."""
    c.ellipse(x + 0.35 * r, y + 0.35 * r, r, r, (28, 40, 26))
    crown = c.jitter(color, 14)
    c.ellipse(x, y, r, r, crown)
    c.ellipse(x - 0.3 * r, y - 0.3 * r, 0.45 * r, 0.45 * r, tuple(min(255, v + 22) for v in crown))


def scatter_trees(
    c: Canvas,
    n: int,
    ok: Callable[[float, float], bool] | None = None,
    colors: Sequence[Color] = (TREE,),
    size: float = 0.03,
) -> int:
    """Up to n trees at random spots where ok(x, y); returns how many were drawn."""
    drawn = 0
    for _ in range(n):
        x, y = c.uniform(-0.02, 1.02), c.uniform(-0.02, 1.02)
        if ok is None or ok(x, y):
            tree(c, x, y, size * c.zoom * c.uniform(0.7, 1.3), c.choice(colors))
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


def road(c: Canvas, pts: Sequence[Point], width: float, markings: bool = True) -> None:
    c.band(pts, width, c.jitter(ASPHALT, 6))
    if markings:  # dashed centre line
        for i in range(0, len(pts) - 1, 2):
            c.line(pts[i : i + 2], width * 0.08, (200, 200, 190))


def blob(c: Canvas, x: float, y: float, r: float, irregular: float = 0.18) -> list[Point]:
    """An irregular closed outline (lakes, islands, clearings)."""
    angles = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    rad = np.ones_like(angles)
    for k in (2, 3, 5):
        rad += 1.2 * irregular / k * np.sin(k * angles + c.uniform(0, 2 * math.pi))
    return [
        (x + r * q * math.cos(a), y + r * q * math.sin(a)) for a, q in zip(angles, rad, strict=True)
    ]


def building(c: Canvas, x: float, y: float, w: float, h: float, roof: Color, ridge: bool) -> None:
    c.box(x + 0.012 * c.zoom, y + 0.012 * c.zoom, w, h, (52, 52, 50))  # shadow
    c.box(x, y, w, h, roof)
    if ridge:  # pitched roof: darker half and a ridge line
        c.box(x, y + h / 4, w, h / 2, tuple(int(v * 0.82) for v in roof))
        c.line([(x - w / 2, y), (x + w / 2, y)], 0.004, tuple(min(255, v + 30) for v in roof))


def car(c: Canvas, x: float, y: float, length: float, angle: float) -> None:
    color = c.jitter(c.choice(CAR_COLORS), 8)
    c.box(x, y, length, length * 0.48, color, angle)
    c.box(
        x + 0.1 * length * math.cos(angle),
        y + 0.1 * length * math.sin(angle),
        length * 0.3,
        length * 0.4,
        (50, 56, 64),
        angle,
    )  # windscreen


def plane(c: Canvas, x: float, y: float, size: float, angle: float) -> None:
    """An airliner silhouette, nose along angle."""
    local = [
        (0.5, 0),
        (0.05, 0.05),
        (-0.15, 0.5),
        (-0.27, 0.5),
        (-0.15, 0.05),
        (-0.4, 0.05),
        (-0.5, 0.2),
        (-0.55, 0.2),
        (-0.5, 0),
        (-0.55, -0.2),
        (-0.5, -0.2),
        (-0.4, -0.05),
        (-0.15, -0.05),
        (-0.27, -0.5),
        (-0.15, -0.5),
        (0.05, -0.05),
    ]
    ca, sa = math.cos(angle), math.sin(angle)
    for off, color in ((0.02 * size / 0.1, (60, 62, 60)), (0.0, c.jitter(WHITE, 10))):
        c.polygon(
            [
                (x + off + size * (u * ca - v * sa), y + off + size * (u * sa + v * ca))
                for u, v in local
            ],
            color,
        )
    c.box(x, y, size, size * 0.09, c.jitter(WHITE, 6), angle)


def boat(c: Canvas, x: float, y: float, length: float, angle: float) -> None:
    ca, sa = math.cos(angle), math.sin(angle)
    hull = [(0.5, 0), (0.25, 0.18), (-0.5, 0.18), (-0.5, -0.18), (0.25, -0.18)]
    color = c.jitter(c.choice([WHITE, (180, 50, 40), (40, 70, 130), (90, 90, 90)]), 10)
    c.polygon(
        [(x + length * (u * ca - v * sa), y + length * (u * sa + v * ca)) for u, v in hull], color
    )
    c.box(
        x - 0.12 * length * ca,
        y - 0.12 * length * sa,
        length * 0.35,
        length * 0.22,
        c.jitter(WHITE, 20),
        angle,
    )


def fields(c: Canvas, n: int, muted: float = 1.0) -> set[str]:
    """Patchwork of n rectangular crop fields with furrows; returns the crop colours used."""
    palette = {
        "green": (104, 142, 58),
        "yellow": (204, 184, 92),
        "brown": (146, 108, 72),
        "light green": (150, 172, 92),
    }
    rects = [(0.0, 0.0, 1.0, 1.0)]
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
    used = set()
    for x0, y0, x1, y1 in rects:
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
    return used


def water_band(c: Canvas, pts: Sequence[Point], w: float) -> Color:
    """A river of width w along pts, between sandy or muddy banks."""
    c.band(pts, w * 1.25, c.jitter(c.choice([SAND, SOIL]), 10))  # muddy or sandy banks
    water = c.jitter(c.choice([WATER, (48, 92, 100), (70, 96, 92)]))
    c.band(pts, w, water)
    return water


def land(
    c: Canvas, s: Scene, fields_p: float = 0.0, kinds: Sequence[str] = ("green", "dry")
) -> None:
    """Open ground around a scene's main element: grass, dry grass, pavement or crop fields."""
    if c.chance(fields_p):
        fields(c, c.integers(4, 8), muted=0.85)
        s.add("among crop fields", "Fields of crops lie all around.")
        return
    kind = c.choice(kinds)
    color = {"green": GRASS, "dry": DRY_GRASS, "paved": CONCRETE}[kind]
    c.fill(c.jitter(color))
    mottle(c, color, 40, (0.04, 0.12))
    s.add(
        {
            "green": "in green countryside",
            "dry": "in dry countryside",
            "paved": "in a paved town area",
        }[kind]
    )


def car_park(c: Canvas, x: float, y: float, w: float, h: float) -> None:
    """A small asphalt lot with two rows of cars."""
    c.box(x, y, w, h, c.jitter(ASPHALT, 6))
    for i in range(int(w / 0.045)):
        for side in (-1, 1):
            if c.chance(0.6):
                car(c, x - w / 2 + 0.045 * (i + 0.5), y + side * h / 4, 0.045, math.pi / 2)


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


def houses(
    c: Canvas, s: Scene, n: int, where_: str, ok: Callable[[float, float], bool] | None = None
) -> None:
    """Up to n small houses at free spots; describes how many were drawn."""
    drawn = 0
    for _ in range(n):
        spot = c.place(0.045 * c.zoom, ok=ok)
        if spot:
            roof = c.jitter(c.choice(list(ROOFS.values())), 10)
            building(c, *spot, 0.06 * c.zoom, 0.045 * c.zoom, roof, True)
            drawn += 1
    if drawn:
        s.add(
            f"with {count(drawn, 'house')} {where_}",
            f"{count(drawn, 'house').capitalize()} {agree(drawn, 'stands', 'stand')} {where_}.",
        )


def small_boats(c: Canvas, s: Scene, n: int, on: str, ok: Callable[[float, float], bool]) -> None:
    drawn = 0
    for _ in range(n):
        spot = c.place(0.035 * c.zoom, ok=ok)
        if spot:
            boat(c, *spot, 0.055 * c.zoom, c.uniform(0, 2 * math.pi))
            drawn += 1
    if drawn:
        boats = count(drawn, "small boat")
        verb = agree(drawn, "floats", "float")
        s.add(f"with {boats} on {on}", f"{boats.capitalize()} {verb} on {on}.")


# ---- scene classes ---------------------------------------------------------------------------


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


def draw_lake(c: Canvas) -> Scene:
    s = Scene()
    land(c, s, fields_p=0.25)
    corner = c.chance(0.3)
    if corner:
        x, y, r = c.choice([0.12, 0.88]), c.choice([0.12, 0.88]), c.uniform(0.32, 0.45)
    else:
        x, y, r = c.uniform(0.38, 0.62), c.uniform(0.38, 0.62), c.uniform(0.17, 0.32)
    shore = blob(c, x, y, r, 0.15)
    if c.chance(0.4):
        c.polygon(blob(c, x, y, r * 1.1, 0.1), c.jitter(SAND))
        s.add("with a sandy shore", "Pale sand lines the shore.")
    water = c.jitter(c.choice([WATER, (40, 96, 104), (56, 88, 96)]))
    c.polygon(shore, water)
    for _ in range(c.integers(2, 6)):  # glints on the surface
        gx, gy = x + c.uniform(-0.5, 0.5) * r, y + c.uniform(-0.5, 0.5) * r
        c.line([(gx, gy), (gx + 0.05, gy)], 0.004, tuple(v + 25 for v in water))
    s.adjectives += ["large" if r > 0.28 else "small", "calm"]
    pos = f"in the {'corner' if corner else 'middle'} of the picture"
    s.add(pos, f"The water lies {pos}.")
    if not corner and r > 0.22 and c.chance(0.35):
        ix, iy = x + c.uniform(-0.3, 0.3) * r, y + c.uniform(-0.3, 0.3) * r
        c.polygon(blob(c, ix, iy, r * 0.22), c.jitter(GRASS))
        tree(c, ix, iy, 0.03 * c.zoom)
        c.taken.append((ix, iy, r * 0.3))  # keeps boats off the island
        s.add("with a small island", "A small wooded island sits in the water.")
    if c.chance(0.6):
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
    if c.chance(0.2):
        small_boats(
            c, s, c.integers(1, 3), "the water", ok=lambda a, b: math.hypot(a - x, b - y) < r * 0.7
        )
    return s


def draw_river(c: Canvas) -> Scene:
    s = Scene()
    land(c, s, fields_p=0.3)
    angle, amp, phase = c.uniform(0, math.pi), c.uniform(0.02, 0.16), c.uniform(0, 6.3)
    offset, wide = c.uniform(-0.1, 0.1), c.chance(0.45)
    w = (c.uniform(0.11, 0.16) if wide else c.uniform(0.05, 0.085)) * c.zoom
    pts = path_across(c, angle, offset, amp, 0.8, phase)
    water_band(c, pts, w)
    s.adjectives += ["wide" if wide else "narrow"]
    if amp > 0.07:
        s.adjectives.append("winding")
        s.add("winding through the land", "The river makes wide bends.")
    else:
        s.add("running almost straight across the image")
    if c.chance(0.55):
        inner, outer = near_path(pts, w * 0.62 + 0.01), near_path(pts, w * 0.62 + 0.07)
        scatter_trees(c, 260, ok=lambda a, b: outer(a, b) and not inner(a, b), size=0.028)
        s.add("lined with trees", "Trees grow along both banks.")
    if c.chance(0.3):
        side = c.choice([-1, 1]) * c.uniform(0.26, 0.32)
        road(c, path_across(c, angle, offset + side, amp, 0.8, phase), 0.035 * c.zoom)
        s.add("with a road running beside it", "A road follows the river.")
    if wide and c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the river", ok=near_path(pts, w * 0.2))
    return s


def draw_bridge(c: Canvas) -> Scene:
    s = Scene()
    land(c, s, fields_p=0.2, kinds=("green", "dry", "paved"))
    w = c.uniform(0.14, 0.26) * c.zoom
    pts = path_across(c, c.uniform(0, math.pi), c.uniform(-0.08, 0.08), c.uniform(0, 0.04), 0.6)
    water_band(c, pts, w)
    if c.chance(0.5):
        inner, outer = near_path(pts, w * 0.62 + 0.01), near_path(pts, w * 0.62 + 0.07)
        scatter_trees(c, 220, ok=lambda a, b: outer(a, b) and not inner(a, b), size=0.028)
        s.add("with trees on both banks")
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


def draw_beach(c: Canvas) -> Scene:
    s = Scene(adjectives=["sandy", "long"])
    y0, amp, ph = c.uniform(0.28, 0.45), c.uniform(0.0, 0.06), c.uniform(0, 6.3)
    band = c.uniform(0.16, 0.3) * c.zoom

    def shore(x: float) -> float:
        return y0 + amp * math.sin(2 * math.pi * x + ph)

    xs = [float(x) for x in np.linspace(-0.05, 1.05, 40)]
    ground = c.choice([GRASS, (112, 122, 72)])
    c.fill(c.jitter(ground))
    mottle(c, ground, 30, (0.04, 0.1))
    top = [(1.05, -0.05), (-0.05, -0.05)]
    c.polygon([(x, shore(x) + band) for x in xs] + top, c.jitter(SAND, 8))
    turquoise = c.chance(0.5)
    sea = c.jitter((56, 142, 150) if turquoise else (38, 86, 122), 8)
    c.polygon([(x, shore(x)) for x in xs] + top, tuple(min(255, v + 35) for v in sea))
    c.polygon([(x, shore(x) - 0.05) for x in xs] + top, sea)
    s.add(f"next to a {'turquoise' if turquoise else 'blue'} sea", "The sea meets the sand.")
    s.add("between the sea and the land")
    if c.chance(0.75):
        for k in range(c.integers(2, 4)):
            for i in range(0, len(xs) - 1, 2):
                if c.chance(0.7):
                    seg = xs[i : i + 2]
                    c.line([(x, shore(x) - 0.008 - 0.025 * k) for x in seg], 0.005, WHITE)
        s.add("with white waves", "Waves break on the shore.")
    n = 0
    if c.chance(0.55):
        for _ in range(c.integers(2, 10)):
            spot = c.place(0.016, ok=lambda a, b: shore(a) + 0.03 < b < shore(a) + band - 0.03)
            if spot:
                c.ellipse(spot[0] + 0.006, spot[1] + 0.006, 0.014, None, (150, 136, 104))
                c.ellipse(
                    *spot, 0.014, None, c.choice([(220, 40, 40), (40, 90, 200), (240, 200, 30)])
                )
                n += 1
    if n:
        umbrellas = count(n, "colourful umbrella")
        s.add(
            f"with {count(n, 'umbrella')}",
            f"{umbrellas} {agree(n, 'stands', 'stand')} on the sand.",
        )
    if c.chance(0.55):
        scatter_trees(c, 140, ok=lambda a, b: b > shore(a) + band + 0.02, size=0.03)
        s.add("with trees behind the sand", "Green vegetation grows behind the beach.")
    elif c.chance(0.5):
        bw = 0.1 * c.zoom
        for x in np.arange(c.uniform(0, bw), 1.0, bw * 1.5):
            roof = c.jitter(c.choice([WHITE, *ROOFS.values()]), 10)
            building(c, float(x), min(0.93, y0 + band + 0.06 + bw / 2), bw, bw * 0.8, roof, False)
        s.add("with buildings behind it", "A row of buildings faces the sea.")
    if c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the sea", ok=lambda a, b: b < shore(a) - 0.07)
    if c.chance(0.4) and y0 + band < 0.78:
        y = min(0.95, y0 + band + amp + 0.22)
        road(c, [(-0.1, y), (1.1, y)], 0.035 * c.zoom)
        s.add("with a road along the coast")
    return s


def _grid_roads(c: Canvas, n_v: int, n_h: int, width: float) -> tuple[list[float], list[float]]:
    """Straight streets across the image; returns their x (vertical) and y (horizontal)."""
    xs = sorted(c.uniform(0.15, 0.85) for _ in range(n_v))
    ys = sorted(c.uniform(0.15, 0.85) for _ in range(n_h))
    for x in xs:
        c.band([(x, -0.1), (x, 1.1)], width * 1.3, c.jitter(CONCRETE, 6))  # pavements
    for y in ys:
        c.band([(-0.1, y), (1.1, y)], width * 1.3, c.jitter(CONCRETE, 6))
    for x in xs:
        road(c, [(x, -0.1), (x, 1.1)], width, markings=False)
    for y in ys:
        road(c, [(-0.1, y), (1.1, y)], width, markings=False)
    return xs, ys


def draw_residential(c: Canvas) -> Scene:
    s = Scene()
    c.fill(c.jitter(GRASS))
    mottle(c, GRASS, 50, (0.03, 0.08))
    z, dense = c.zoom, c.chance(0.5)
    rw = 0.04 * z
    xs, ys = _grid_roads(c, c.integers(0, 2), c.integers(1, 2), rw)
    roof_name = c.choice(list(ROOFS))
    hw, hh = 0.055 * z * c.uniform(0.85, 1.15), 0.042 * z * c.uniform(0.85, 1.15)
    gap = hw * (1.3 if dense else 2.1)
    n_houses = pools = 0
    depth = 2 if dense else 1  # dense estates have a second row of houses behind the first
    for y in ys:
        for side, k in ((side, k) for side in (-1, 1) for k in range(depth)):
            hy = y + side * (rw * 0.65 + 0.012 + hh * (k + 0.5) + 0.03 * k)
            for x in np.arange(c.uniform(0, gap), 1.0, gap):
                x = float(x)
                if any(abs(x - a) < rw * 0.65 + hw / 2 + 0.01 for a in xs) or not 0.02 < hy < 0.98:
                    continue
                if c.chance(0.1) or not c.claim(x, hy, hh * 0.45):
                    continue
                roof = ROOFS[roof_name] if c.chance(0.8) else c.choice(list(ROOFS.values()))
                building(c, x, hy, hw, hh, c.jitter(roof, 10), True)
                n_houses += 1
                if k == depth - 1 and c.chance(0.15):  # a pool in the back garden
                    c.box(x, hy + side * (hh / 2 + 0.025), hw * 0.5, 0.022 * z, (70, 170, 200))
                    pools += 1
    s.adjectives += ["dense", "crowded"] if dense else ["quiet", "leafy"]
    s.add(
        f"with {count(n_houses, 'house')}",
        f"{count(n_houses, 'house').capitalize()} {agree(n_houses, 'lines', 'line')} the street.",
    )
    s.add(f"with {roof_name} roofs", f"Most houses have {roof_name} roofs.")
    s.add("with streets in a grid" if xs else "along a street")
    if pools:
        s.add(
            f"with {count(pools, 'swimming pool')}",
            f"There {agree(pools, 'is', 'are')} "
            f"{count(pools, 'blue swimming pool')} in the gardens.",
        )
    if c.chance(0.12):
        pond(c, s, c.uniform(0.06, 0.1), "with a pond in a park", ok=off_streets(xs, ys, rw + 0.25))
    if c.chance(0.7):
        ok = off_streets(xs, ys, rw + hh * (4.6 if dense else 2.4))
        scatter_trees(c, 60 if dense else 120, ok=ok, size=0.022)
        s.add("with trees in the gardens", "Trees grow in the gardens.")
    return s


def off_streets(
    xs: Sequence[float], ys: Sequence[float], d: float
) -> Callable[[float, float], bool]:
    """Whether a point is farther than d/2 from every street x=a and y=b."""
    return lambda x, y: all(abs(x - a) > d / 2 for a in xs) and all(abs(y - b) > d / 2 for b in ys)


def draw_industrial(c: Canvas) -> Scene:
    s = Scene(adjectives=["large", "busy"])
    c.fill(c.jitter(CONCRETE))
    mottle(c, (150, 146, 136), 40, (0.04, 0.14), 16)
    z = c.zoom
    ys: list[float] = []
    if c.chance(0.6):
        _, ys = _grid_roads(c, 0, 1, 0.045 * z)
        s.add("crossed by a road", "A road runs between the buildings.")
    clear = off_streets([], ys, 0.07 * z)
    roof_name, roof = c.choice(
        [("white", (222, 222, 216)), ("grey", (140, 140, 146)), ("blue", (82, 112, 152))]
    )
    n_b = 0
    for _ in range(c.integers(3, 7)):
        w, h = c.uniform(0.12, 0.28) * z, c.uniform(0.1, 0.2) * z
        spot = c.place(math.hypot(w, h) / 2 * 0.85, ok=off_streets([], ys, h + 0.06))
        if spot:
            building(c, *spot, w, h, c.jitter(roof, 8), False)
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
    s.add(f"with {roof_name} factory roofs")
    n_t = 0
    for _ in range(0 if c.chance(0.35) else c.integers(1, 6)):
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
            c.box(*spot, 0.07 * z, 0.026 * z, c.jitter(WHITE, 20), c.choice([0.0, math.pi / 2]))
            n_k += 1
    if n_k:
        s.add(f"with {count(n_k, 'truck')} parked outside")
    if c.chance(0.3):
        spot = c.place(0.14, ok=clear)
        if spot:
            car_park(c, *spot, 0.24, 0.14)
            s.add("with a small car park", "Cars are parked beside the factories.")
    if c.chance(0.3):
        scatter_trees(c, 25, ok=lambda a, b: min(a, b, 1 - a, 1 - b) < 0.08, size=0.03)
        s.add("with a few trees at the edge")
    return s


def draw_parking_lot(c: Canvas) -> Scene:
    s = Scene()
    z = c.zoom
    surround = c.choice([GRASS, CONCRETE])
    c.fill(c.jitter(surround))
    mottle(c, surround, 30, (0.03, 0.08))
    x0, y0, x1, y1 = (c.uniform(0.02, 0.12) for _ in range(4))
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
        for x in np.arange(x0 + 0.01, x1 - width, width):
            c.line([(x, y), (x, y + depth)], 0.004, (210, 210, 200))
            if c.chance(occupancy):
                car(c, x + width / 2, y + depth / 2, depth * 0.78, math.pi / 2)
                cars += 1
        rows += 1
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
    if c.chance(0.5) and surround == GRASS:
        lot = (x0 - 0.02, y0 - 0.02, x1 + 0.02, y1 + 0.02)
        outside = lambda a, b: not (lot[0] < a < lot[2] and lot[1] < b < lot[3])  # noqa: E731
        ok = lambda a, b: outside(a, b) and (a < lot[2] or not beside)  # noqa: E731
        scatter_trees(c, 120, ok=ok, size=0.028)
        s.add("surrounded by trees")
    return s


def draw_airport(c: Canvas) -> Scene:
    s = Scene()
    z = c.zoom
    land(c, s, fields_p=0.25)
    ry, rw = c.uniform(0.22, 0.4), c.uniform(0.07, 0.1) * z
    runways = [(0.5, ry, 0.0)]
    if c.chance(0.25):
        runways.append((c.uniform(0.3, 0.7), ry, c.choice([-1, 1]) * c.uniform(0.5, 0.9)))
    for x, y, a in runways:
        c.box(x, y, 1.8, rw, c.jitter(ASPHALT, 6), a)
        for t in np.arange(-0.9, 0.9, 0.09):  # dashed centre line
            c.box(x + t * math.cos(a), y + t * math.sin(a), 0.045, 0.006, WHITE, a)
    ty = ry + rw / 2 + 0.06 * z
    c.band([(-0.1, ty), (1.1, ty)], 0.025 * z, c.jitter((110, 110, 104), 6))  # taxiway
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
    land(c, s, kinds=("green", "green", "dry"))
    two = c.chance(0.3)
    r = c.uniform(0.27, 0.34) if two else c.uniform(0.42, 0.55) * min(c.zoom, 1.1)
    a = c.choice([k * math.pi / 4 for k in range(8)]) + c.uniform(-0.2, 0.2)
    fx, fy = c.uniform(0.42, 0.58), c.uniform(0.42, 0.58)
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
    if c.chance(0.25):
        houses(c, s, c.integers(2, 6), "nearby")
    return s


def draw_port(c: Canvas) -> Scene:
    s = Scene(adjectives=["busy", "large"])
    z = c.zoom
    water = c.jitter(c.choice([WATER, (40, 92, 110), (50, 78, 90)]))
    c.fill(water)
    mottle(c, water, 20, (0.05, 0.15), 6)
    quay = c.uniform(0.66, 0.8)
    c.polygon([(0, quay), (1, quay), (1, 1.1), (0, 1.1)], c.jitter(CONCRETE, 8))
    c.line([(0, quay), (1, quay)], 0.008, (110, 110, 106))
    n_piers = c.integers(2, 5)
    piers = [
        (0.12 + 0.76 * (i + 0.5) / n_piers + c.uniform(-0.03, 0.03), c.uniform(0.25, 0.45))
        for i in range(n_piers)
    ]
    pw, length = 0.035 * z, 0.085 * z
    for x, plen in piers:
        c.box(x, quay - plen / 2, pw, plen, c.jitter(CONCRETE, 8))
        c.taken.append((x, quay - plen / 2, 0.0))
    slots = [
        (x + side * (pw / 2 + 0.018), quay - 0.02 - length / 2 - k * length * 1.15)
        for x, plen in piers
        for side in (-1, 1)
        for k in range(int(plen / (length * 1.15)))
    ]
    boats = 0
    for i in c.rng.permutation(len(slots))[: c.integers(1, 8)]:
        boat(c, *slots[int(i)], length, -math.pi / 2)
        boats += 1
    for _ in range(c.integers(0, 3)):  # a few boats at anchor in open water
        spot = c.place(length * 0.7, lo=0.08, hi=quay - max(p for _, p in piers) - 0.05)
        if spot:
            boat(c, *spot, length, c.uniform(0, 2 * math.pi))
            boats += 1
    s.add(
        f"with {count(n_piers, 'pier')}",
        f"{count(n_piers, 'pier').capitalize()} reach into the water.",
    )
    moored = f"{count(boats, 'boat')} {agree(boats, 'is', 'are')} moored in the harbour."
    s.add(f"with {count(boats, 'boat')}", moored.capitalize())
    if c.chance(0.6):
        for i in range(c.integers(6, 24)):
            c.box(
                0.06 + 0.06 * (i % 12),
                quay + 0.05 + 0.035 * (i // 12),
                0.05 * z,
                0.025,
                c.jitter(
                    c.choice([(180, 50, 40), (40, 80, 160), (210, 130, 40), (60, 130, 70)]), 10
                ),
            )
        s.add(
            "with colourful containers on the quay", "Colourful containers are stacked on the quay."
        )
    if c.chance(0.5):
        building(
            c,
            c.uniform(0.3, 0.7),
            min(0.94, quay + 0.18),
            0.3,
            0.1,
            c.jitter((150, 150, 154), 10),
            False,
        )
        s.add("with a warehouse on the quay")
    elif c.chance(0.4):
        houses(c, s, c.integers(2, 6), "behind the quay", ok=lambda a, b: b > quay + 0.06)
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


DRAWERS: dict[str, Callable[[Canvas], Scene]] = {
    "forest": draw_forest,
    "farmland": draw_farmland,
    "meadow": draw_meadow,
    "lake": draw_lake,
    "river": draw_river,
    "bridge": draw_bridge,
    "beach": draw_beach,
    "port": draw_port,
    "desert": draw_desert,
    "residential area": draw_residential,
    "industrial area": draw_industrial,
    "parking lot": draw_parking_lot,
    "airport": draw_airport,
    "baseball field": draw_baseball_field,
}


def render(name: str, size: int, rng: np.random.Generator) -> tuple[Image.Image, Scene]:
    """Draw one scene of class name at 2x size, then make it look like a photograph."""
    c = Canvas(2 * size, rng)
    scene = DRAWERS[name](c)
    return _photographic(c.image, size, rng), scene


def _photographic(image: Image.Image, size: int, rng: np.random.Generator) -> Image.Image:
    """Random flip/quarter turn, lens blur and downsampling, then colour jitter, uneven light and
    sensor noise at the final resolution (cheaper, and where a camera adds them)."""
    k = int(rng.integers(8))
    if k >= 4:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    for _ in range(k % 4):
        image = image.transpose(Image.Transpose.ROTATE_90)
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 3.0))))
    arr = np.asarray(image.resize((size, size), Image.Resampling.BOX), dtype=np.float32)
    gain = rng.uniform(0.8, 1.2) * rng.uniform(0.9, 1.1, size=3)  # exposure, white balance
    grey = arr.mean(axis=2, keepdims=True)
    arr = grey + (arr - grey) * rng.uniform(0.55, 1.3)  # saturation
    mean = arr.mean(axis=(0, 1))
    arr = (arr - mean) * rng.uniform(0.75, 1.15) + mean  # contrast
    if rng.random() < 0.4:  # atmospheric haze
        haze = rng.uniform(0.05, 0.4)
        arr = (1 - haze) * arr + haze * np.array([200, 205, 212], dtype=np.float32)
    light = Image.fromarray(rng.normal(0.0, 1.0, (5, 5)).astype(np.float32))
    light = np.asarray(light.resize((size, size), Image.Resampling.BICUBIC))
    arr = arr * gain * (1 + 0.07 * light[..., None])
    arr += rng.normal(0.0, rng.uniform(2.0, 6.0), arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
