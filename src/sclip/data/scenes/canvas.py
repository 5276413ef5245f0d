"""The drawing surface, shared colours, seasons and caption helpers for the synthetic scenes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from PIL import Image, ImageDraw

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
FLAT_ROOFS: dict[str, Color] = {  # warehouses, blocks of flats
    "white": (222, 222, 216),
    "grey": (140, 140, 146),
    "blue": (82, 112, 152),
    "red": (158, 76, 60),
    "brown": (124, 96, 76),
}
CAR_COLORS: tuple[Color, ...] = (
    (230, 230, 230),
    (30, 30, 34),
    (170, 172, 176),
    (160, 40, 40),
    (40, 70, 150),
    (110, 110, 110),
)


@dataclass(frozen=True)
class Season:
    """Colours of living things at one time of year, shared by every class that shows them."""

    name: str
    grass: Color  # open ground
    dry: Color  # the paler, drier variant of it
    trees: tuple[Color, ...]
    crops: dict[str, Color]  # colour word used in captions -> colour
    country: str  # "in green countryside"
    words: tuple[str, str]  # how captions call grass of the colours grass and dry
    detail: str | None = None  # a caption phrase where the season shows plainly


SEASONS: dict[str, Season] = {
    "spring": Season(
        name="spring",
        grass=(112, 150, 70),
        dry=(140, 148, 88),
        trees=((66, 112, 48), (86, 134, 58), (52, 96, 44)),
        crops={
            "green": (100, 150, 60),
            "light green": (150, 182, 96),
            "yellow": (222, 206, 72),
            "brown": (140, 104, 72),
        },
        country="in green countryside",
        words=("fresh green", "pale green"),
    ),
    "summer": Season(
        name="summer",
        grass=GRASS,
        dry=DRY_GRASS,
        trees=(TREE, (60, 98, 44), (36, 70, 38)),
        crops={
            "green": (104, 142, 58),
            "yellow": (204, 184, 92),
            "brown": (146, 108, 72),
            "light green": (150, 172, 92),
        },
        country="in green countryside",
        words=("green", "dry"),
    ),
    "dry": Season(
        name="dry",
        grass=(148, 142, 88),
        dry=(172, 160, 110),
        trees=((72, 86, 46), (88, 96, 54), (58, 72, 42)),
        crops={
            "golden": (200, 170, 92),
            "yellow": (210, 190, 110),
            "brown": (150, 112, 76),
            "green": (112, 134, 66),
        },
        country="in dry countryside",
        words=("dry", "parched yellow"),
    ),
    "autumn": Season(
        name="autumn",
        grass=(118, 122, 72),
        dry=(148, 130, 84),
        trees=((176, 118, 40), (192, 156, 58), (136, 68, 34), (66, 92, 46)),
        crops={
            "brown": (134, 98, 68),
            "dark brown": (106, 80, 60),
            "yellow": (192, 172, 98),
            "green": (100, 130, 62),
        },
        country="in autumn countryside",
        words=("faded green", "brownish"),
        detail="in autumn",
    ),
    "winter": Season(
        name="winter",
        grass=(222, 226, 230),
        dry=(202, 204, 206),
        trees=((38, 56, 42), (50, 64, 48), (94, 86, 78)),
        crops={"snow-covered": (226, 228, 232)},
        country="in snowy countryside",
        words=("snow-covered", "snow-covered"),
        detail="in winter snow",
    ),
}
ALL_SEASONS = tuple(SEASONS)
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'three boats'; counts above ten become 'many' (nobody counts beyond that at a glance)."""
    word = NUMBERS[n] if n <= 10 else "many"
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def listing(words: Sequence[str]) -> str:
    """'brown, green and yellow' (sorted, so the same set always reads the same)."""
    words = sorted(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


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
        # Random scale of every element in the scene, log-uniform: close-ups to wide views.
        self.zoom = float(np.exp(rng.uniform(np.log(0.55), np.log(1.7))))
        self.season = SEASONS["summer"]  # drawers pick their own with elements.season()
        self.image = Image.new("RGB", (size, size))
        self._draw = ImageDraw.Draw(self.image)
        self.taken: list[tuple[float, float, float]] = []  # occupied circles, to avoid overlaps
        self.angle = 0.0  # drawings are turned by this angle about the centre (see turn())

    def turn(self, angle: float) -> None:
        """Turn everything drawn from now on by angle (radians) about the image centre, so
        axis-aligned layouts (grids, runways, parking rows) appear at any heading. Drawers that
        turn must cover span() instead of the unit square, and count only what is inside()."""
        self.angle = angle

    def span(self) -> tuple[float, float]:
        """Range of local coordinates that covers the whole image at the current turn."""
        pad = 0.5 * (abs(math.cos(self.angle)) + abs(math.sin(self.angle))) - 0.5
        return -pad - 0.02, 1 + pad + 0.02

    def to_image(self, x: float, y: float) -> Point:
        """Local (possibly turned) coordinates to image coordinates."""
        if not self.angle:
            return x, y
        ca, sa, dx, dy = math.cos(self.angle), math.sin(self.angle), x - 0.5, y - 0.5
        return 0.5 + dx * ca - dy * sa, 0.5 + dx * sa + dy * ca

    def inside(self, x: float, y: float, margin: float = 0.0) -> bool:
        """Whether local point (x, y) shows in the image, at least margin from its border."""
        u, v = self.to_image(x, y)
        return margin <= u <= 1 - margin and margin <= v <= 1 - margin

    def where(self, x: float, y: float) -> str:
        """where() for a local point."""
        return where(*self.to_image(x, y))

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
        if self.angle:
            pts = [self.to_image(x, y) for x, y in pts]
        return [(x * self.size, y * self.size) for x, y in pts]

    def fill(self, color: Color) -> None:
        self._draw.rectangle((0, 0, self.size, self.size), fill=color)

    def polygon(self, pts: Sequence[Point], color: Color) -> None:
        self._draw.polygon(self._xy(pts), fill=color)

    def ellipse(self, x: float, y: float, rx: float, ry: float | None, color: Color) -> None:
        ry = rx if ry is None else ry
        x, y = self.to_image(x, y)
        self._draw.ellipse([v * self.size for v in (x - rx, y - ry, x + rx, y + ry)], fill=color)

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
        x, y = self.to_image(x, y)
        box = [v * self.size for v in (x - r, y - r, x + r, y + r)]
        turn = math.degrees(self.angle)
        self._draw.pieslice(box, start + turn, end + turn, fill=c)

    def claim(self, x: float, y: float, r: float) -> bool:
        """Reserve a circle if it overlaps nothing reserved yet (so counted objects stay apart)."""
        if all(math.hypot(x - a, y - b) > r + q for a, b, q in self.taken):
            self.taken.append((x, y, r))
            return True
        return False

    def free(self, x: float, y: float, margin: float = 0.0) -> bool:
        """Whether (x, y) lies outside every reserved circle (grown by margin)."""
        return all(math.hypot(x - a, y - b) > q + margin for a, b, q in self.taken)

    def place(
        self,
        r: float,
        lo: float | None = None,
        hi: float | None = None,
        ok: Callable[[float, float], bool] | None = None,
        tries: int = 40,
    ) -> Point | None:
        """A free spot for a circle of radius r where ok(x, y), in the image and between lo and
        hi (default: anywhere in view), reserved; None if none found."""
        if lo is None or hi is None:
            lo, hi = (0.05, 0.95) if not self.angle else self.span()
        for _ in range(tries):
            x, y = self.uniform(lo, hi), self.uniform(lo, hi)
            if self.inside(x, y, 0.02) and (ok is None or ok(x, y)) and self.claim(x, y, r):
                return x, y
        return None
