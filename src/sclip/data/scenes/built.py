"""Built elements shared by several scene classes: roads, buildings, vehicles, boats, piers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from sclip.data.scenes.canvas import (
    ASPHALT,
    CAR_COLORS,
    CONCRETE,
    ROOFS,
    WHITE,
    Canvas,
    Color,
    Point,
    Scene,
    agree,
    count,
)


def road(c: Canvas, pts: Sequence[Point], width: float, markings: bool = True) -> None:
    c.band(pts, width, c.jitter(ASPHALT, 6))
    if markings:  # dashed centre line
        for i in range(0, len(pts) - 1, 2):
            c.line(pts[i : i + 2], width * 0.08, (200, 200, 190))


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


def truck(c: Canvas, x: float, y: float, length: float, angle: float) -> None:
    """A lorry: a long trailer and a short cab in front, nose along angle."""
    ca, sa = math.cos(angle), math.sin(angle)
    trailer = c.jitter(c.choice([WHITE, (170, 172, 176), (150, 60, 50), (60, 90, 150)]), 10)
    c.box(
        x - 0.12 * length * ca, y - 0.12 * length * sa, length * 0.76, length * 0.3, trailer, angle
    )
    cab = c.jitter(c.choice(CAR_COLORS), 8)
    c.box(x + 0.38 * length * ca, y + 0.38 * length * sa, length * 0.2, length * 0.28, cab, angle)


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


def car_park(c: Canvas, x: float, y: float, w: float, h: float) -> None:
    """A small asphalt lot with two rows of cars."""
    c.box(x, y, w, h, c.jitter(ASPHALT, 6))
    for i in range(int(w / 0.045)):
        for side in (-1, 1):
            if c.chance(0.6):
                car(c, x - w / 2 + 0.045 * (i + 0.5), y + side * h / 4, 0.045, math.pi / 2)


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


def jetty(c: Canvas, x: float, y: float, angle: float, length: float) -> list[Point]:
    """A narrow wooden pier from (x, y) along angle; returns mooring spots on both sides."""
    ca, sa, w = math.cos(angle), math.sin(angle), 0.014 * c.zoom
    c.box(x + ca * length / 2, y + sa * length / 2, length, w, c.jitter((150, 120, 84), 10), angle)
    spots = []
    for t in np.arange(0.25, 1.0, 0.3) * length:
        for side in (-1, 1):
            spots.append(
                (x + ca * t - sa * side * 0.03 * c.zoom, y + sa * t + ca * side * 0.03 * c.zoom)
            )
    return spots


def grid_roads(c: Canvas, n_v: int, n_h: int, width: float) -> tuple[list[float], list[float]]:
    """Straight streets across the image; returns their x (vertical) and y (horizontal)."""
    xs = sorted(c.uniform(0.15, 0.85) for _ in range(n_v))
    ys = sorted(c.uniform(0.15, 0.85) for _ in range(n_h))
    lo, hi = c.span()
    for x in xs:
        c.band([(x, lo), (x, hi)], width * 1.3, c.jitter(CONCRETE, 6))  # pavements
    for y in ys:
        c.band([(lo, y), (hi, y)], width * 1.3, c.jitter(CONCRETE, 6))
    for x in xs:
        road(c, [(x, lo), (x, hi)], width, markings=False)
    for y in ys:
        road(c, [(lo, y), (hi, y)], width, markings=False)
    return xs, ys


def off_streets(
    xs: Sequence[float], ys: Sequence[float], d: float
) -> Callable[[float, float], bool]:
    """Whether a point is farther than d/2 from every street x=a and y=b."""
    return lambda x, y: all(abs(x - a) > d / 2 for a in xs) and all(abs(y - b) > d / 2 for b in ys)


CONTAINER_COLORS: tuple[Color, ...] = (
    (180, 50, 40),
    (40, 80, 160),
    (210, 130, 40),
    (60, 130, 70),
    (200, 200, 196),
)


def containers(c: Canvas, x0: float, y0: float, x1: float, y1: float, size: float) -> int:
    """Rows of shipping containers of length size filling a rectangle; returns how many show."""
    cw, ch, n = size, size * 0.42, 0
    for y in np.arange(y0, y1 - ch, ch * 1.5):
        for x in np.arange(x0, x1 - cw, cw * 1.08):
            if c.chance(0.85):
                x, y = float(x), float(y)
                c.box(x + cw / 2, y + ch / 2, cw, ch, c.jitter(c.choice(CONTAINER_COLORS), 10))
                n += c.inside(x + cw / 2, y + ch / 2)
    return n


def crane(c: Canvas, x: float, y: float, length: float, angle: float) -> None:
    """A quay crane seen from above: a long boom with its shadow."""
    ca, sa = math.cos(angle), math.sin(angle)
    end = (x + length * ca, y + length * sa)
    c.line([(x + 0.015, y + 0.015), (end[0] + 0.015, end[1] + 0.015)], 0.012, (50, 50, 52))
    color = c.jitter(c.choice([(200, 80, 40), (220, 180, 40), (70, 110, 170)]), 10)
    c.line([(x, y), end], 0.012, color)
    c.box(x, y, 0.04, 0.04, color)
