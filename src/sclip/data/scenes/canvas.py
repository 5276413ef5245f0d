"""The drawing surface, shared colours and caption helpers for the synthetic aerial scenes."""

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
