"""Coastal scene classes: beach and port.

Both meet the same water colours; a port comes as a quay with piers, a container terminal or a
marina of small boats at wooden jetties, and a beach as sand between land and sea, sometimes with a
pier, boats or buildings behind it.
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.built import (
    boat,
    building,
    car_park,
    containers,
    crane,
    houses,
    jetty,
    road,
    small_boats,
)
from sclip.data.scenes.canvas import CONCRETE, ROOFS, SAND, WHITE, Canvas, Scene, agree, count
from sclip.data.scenes.elements import blob, mottle, scatter_trees, season, water_color


def draw_beach(c: Canvas) -> Scene:
    s = Scene(adjectives=["sandy", "long"])
    season(c, s, ("spring", "summer", "dry"))
    y0, amp, ph = c.uniform(0.2, 0.5), c.uniform(0.0, 0.08), c.uniform(0, 6.3)
    band = c.uniform(0.1, 0.3) * c.zoom
    tide = c.chance(0.25)  # low tide: a wide strip of wet sand with ripples and pools
    if tide:
        y0, band = c.uniform(0.08, 0.22), c.uniform(0.35, 0.55)

    def shore(x: float) -> float:
        return y0 + amp * math.sin(2 * math.pi * x + ph)

    ground = c.choice([c.season.grass, c.season.dry])
    c.fill(c.jitter(ground))
    mottle(c, ground, 30, (0.04, 0.1))
    if c.chance(0.5):
        c.turn(c.uniform(-math.pi / 4, math.pi / 4))
    lo, hi = c.span()
    xs = [float(x) for x in np.linspace(lo, hi, 40)]
    top = [(hi, lo), (lo, lo)]
    c.polygon([(x, shore(x) + band) for x in xs] + top, c.jitter(SAND, 8))
    colour, sea = water_color(c, 0.45)
    if tide:
        wet = c.jitter((166, 152, 120), 8)
        c.polygon([(x, shore(x) + band * 0.6) for x in xs] + top, wet)
        for d in np.arange(0.02, band * 0.6, c.uniform(0.012, 0.02)):
            c.line([(x, shore(x) + float(d)) for x in xs], 0.004, tuple(int(v * 0.88) for v in wet))
        for _ in range(c.integers(2, 7)):
            px = c.uniform(lo, hi)
            py = shore(px) + c.uniform(0.1, 0.5) * band
            c.polygon(blob(c, px, py, c.uniform(0.02, 0.05), 0.3), sea)
        s.adjectives.append("wide")
        s.add("at low tide", "Wet sand and pools lie bare at low tide.")
    c.polygon([(x, shore(x)) for x in xs] + top, tuple(min(255, v + 35) for v in sea))
    c.polygon([(x, shore(x) - 0.05) for x in xs] + top, sea)
    s.add(f"next to a {colour} sea", "The sea meets the sand.")
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
    if c.chance(0.3):  # dunes held by tufts of grass
        c.polygon(
            [(x, shore(x) + band) for x in xs] + [(hi, hi), (lo, hi)], c.jitter((206, 190, 148), 8)
        )
        for _ in range(c.integers(60, 160)):
            spot = (c.uniform(lo, hi), c.uniform(lo, hi))
            if spot[1] > shore(spot[0]) + band + 0.015:
                c.ellipse(*spot, c.uniform(0.006, 0.014), None, c.jitter(c.season.dry, 14))
        s.add("with grassy dunes behind it", "Dunes with tufts of grass rise behind the sand.")
    elif c.chance(0.55):
        scatter_trees(c, 140, ok=lambda a, b: b > shore(a) + band + 0.02, size=0.03)
        s.add("with trees behind the sand", "Trees grow behind the beach.")
    elif c.chance(0.5):
        bw = 0.1 * c.zoom
        for x in np.arange(lo + c.uniform(0, bw), hi, bw * 1.5):
            roof = c.jitter(c.choice([WHITE, *ROOFS.values()]), 10)
            building(c, float(x), min(0.93, y0 + band + 0.06 + bw / 2), bw, bw * 0.8, roof, False)
        s.add("with buildings behind it", "A row of buildings faces the sea.")
    elif c.chance(0.5) and y0 + band < 0.75:
        car_park(c, c.uniform(0.3, 0.7), y0 + band + 0.12 * c.zoom, 0.32 * c.zoom, 0.13 * c.zoom)
        s.add("with a car park behind it", "Cars are parked behind the beach.")
    if c.chance(0.2):
        x = c.uniform(0.2, 0.8)
        for bx, by in jetty(c, x, shore(x) + band * 0.5, -math.pi / 2, c.uniform(0.15, 0.3))[-2:]:
            boat(c, bx, by, 0.045 * c.zoom, -math.pi / 2)
        s.add("with a wooden pier", "A wooden pier reaches out into the sea.")
    elif c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the sea", ok=lambda a, b: b < shore(a) - 0.07)
    if c.chance(0.4) and y0 + band < 0.78:
        y = min(0.95, y0 + band + amp + 0.22)
        road(c, [(lo, y), (hi, y)], 0.035 * c.zoom)
        s.add("with a road along the coast")
    return s


def _marina(c: Canvas, s: Scene) -> None:
    """A small harbour: wooden jetties from a natural shore, small boats moored along them."""
    z, y0, amp, ph = c.zoom, c.uniform(0.6, 0.78), c.uniform(0.0, 0.05), c.uniform(0, 6.3)
    shore = [
        (float(x), y0 + amp * math.sin(2 * math.pi * x + ph)) for x in np.linspace(-0.05, 1.05, 30)
    ]
    c.polygon(shore + [(1.05, 1.1), (-0.05, 1.1)], c.jitter(c.season.grass))
    c.band(shore, 0.04 * z, c.jitter(CONCRETE, 8))  # the harbour wall and promenade
    n_jetties, boats = c.integers(3, 6), 0
    for i in range(n_jetties):
        x = 0.08 + 0.84 * (i + 0.5) / n_jetties + c.uniform(-0.02, 0.02)
        y = y0 + amp * math.sin(2 * math.pi * x + ph)
        for bx, by in jetty(c, x, y, -math.pi / 2 + c.uniform(-0.1, 0.1), c.uniform(0.25, 0.42)):
            if c.chance(0.8):  # berthed side-on, bows towards the jetty
                boat(c, bx, by, 0.06 * z, 0.0 if bx > x else math.pi)
                boats += c.inside(bx, by)
    if c.chance(0.6):  # a breakwater of grey stone sheltering the basin
        side = c.choice([-0.02, 1.02])
        top = y0 - c.uniform(0.45, 0.55)
        arm = [(side, y0), (side, top), (0.5 + (0.5 - side) * 0.2, top)]
        arm = [
            tuple(p) for a, b in zip(arm[:-1], arm[1:], strict=True) for p in np.linspace(a, b, 12)
        ]
        c.band(arm, 0.05 * z, c.jitter((132, 130, 124), 8))
        s.add("sheltered by a breakwater", "A stone breakwater shelters the harbour.")
    s.adjectives += ["small"]
    s.add(
        f"with {count(n_jetties, 'wooden jetty', 'wooden jetties')}",
        "Small boats are moored along wooden jetties.",
    )
    s.add(f"with {count(boats, 'small boat')} moored")
    land_ok = lambda a, b: b > y0 + amp + 0.06  # noqa: E731
    if c.chance(0.5):
        houses(c, s, c.integers(2, 6), "on the shore", ok=land_ok)
    if c.chance(0.5):
        scatter_trees(c, 60, ok=lambda a, b: land_ok(a, b) and c.free(a, b, 0.02), size=0.028)
        s.add("with trees on the shore")


def _piers(c: Canvas, s: Scene) -> None:
    """A harbour quay with concrete piers, boats moored between them."""
    z = c.zoom
    if c.chance(0.5):
        c.turn(c.uniform(0, math.pi / 2))
    quay, (lo, hi) = c.uniform(0.66, 0.8), c.span()
    c.polygon([(lo, quay), (hi, quay), (hi, hi), (lo, hi)], c.jitter(CONCRETE, 8))
    c.line([(lo, quay), (hi, quay)], 0.008, (110, 110, 106))
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
        boats += c.inside(*slots[int(i)])
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
    if c.chance(0.6) and containers(c, 0.06, quay + 0.04, 0.76, quay + 0.12, 0.05 * z):
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


def _terminal(c: Canvas, s: Scene) -> None:
    """A container terminal: ships along a straight quay, cranes, and stacks of containers."""
    z = c.zoom
    c.turn(c.uniform(0, math.pi))
    quay, (lo, hi) = c.uniform(0.38, 0.55), c.span()
    c.polygon([(lo, quay), (hi, quay), (hi, hi), (lo, hi)], c.jitter(CONCRETE, 8))
    c.line([(lo, quay), (hi, quay)], 0.008, (110, 110, 106))
    ships, x = 0, c.uniform(lo + 0.1, 0.3)
    while x < hi:
        length, width = c.uniform(0.35, 0.6) * z, 0.085 * z
        y, hull = (
            quay - width / 2 - 0.012,
            c.jitter(c.choice([(120, 40, 36), (50, 60, 80), (70, 72, 76)]), 8),
        )
        c.box(x + 0.012, y + 0.012, length, width, (30, 44, 56))  # shadow on the water
        c.box(x, y, length, width, hull)
        c.polygon(
            [
                (x + length / 2, y - width / 2),
                (x + length / 2 + width * 0.7, y),
                (x + length / 2, y + width / 2),
            ],
            hull,
        )
        containers(
            c, x - length * 0.38, y - width * 0.36, x + length * 0.4, y + width * 0.4, 0.045 * z
        )
        ships += c.inside(x, y)
        x += length + c.uniform(0.08, 0.4)
    n_cranes = c.integers(2, 4)
    for i in range(n_cranes):
        crane(c, 0.15 + 0.7 * (i + 0.5) / n_cranes, quay + 0.05 * z, 0.16 * z, -math.pi / 2)
    stacked = 0
    for _ in range(c.integers(2, 5)):  # blocks of stacked containers with lanes between them
        w, h = c.uniform(0.15, 0.35) * z, c.uniform(0.08, 0.16) * z
        top = quay + 0.12 * z + h / 2
        spot = c.place(math.hypot(w, h) / 2, ok=lambda a, b, top=top: b > top)
        if spot:
            x0, y0 = spot[0] - w / 2, spot[1] - h / 2
            stacked += containers(c, x0, y0, x0 + w, y0 + h, 0.05 * z)
    s.adjectives[:] = ["busy", "large", "industrial"]
    if ships:
        s.add(
            f"with {count(ships, 'container ship')} at the quay",
            f"{count(ships, 'ship').capitalize()} loaded with containers {agree(ships, 'lies', 'lie')} at the quay.",
        )
    s.add(f"with {count(n_cranes, 'crane')}", "Cranes stand along the quay.")
    if stacked:
        s.add("with stacks of colourful containers", "Rows of containers fill the quay.")


def draw_port(c: Canvas) -> Scene:
    s = Scene(adjectives=["busy", "large"])
    season(c, s)
    water = water_color(c)[1]
    c.fill(water)
    mottle(c, water, 20, (0.05, 0.15), 6)
    kind = c.choice([_marina, _piers, _terminal])
    if kind is _marina:
        s.adjectives.clear()
    kind(c, s)
    return s
