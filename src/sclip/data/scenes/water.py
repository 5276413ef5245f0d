"""Scene classes around water: lake, river, beach and port.

All three share the water colours, shores and the surrounding season; what tells them apart is the
shape of the water: a closed shoreline (lake), a band crossing the image (river) or open sea
behind a strip of sand with waves (beach).
"""

from __future__ import annotations

import math

import numpy as np

from sclip.data.scenes.canvas import CONCRETE, ROOFS, SAND, WHITE, Canvas, Scene, agree, count
from sclip.data.scenes.elements import (
    blob,
    boat,
    building,
    houses,
    jetty,
    land,
    mottle,
    near_path,
    path_across,
    road,
    scatter_trees,
    season,
    small_boats,
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
    water = water_color(c)[1]
    c.polygon(shore, water)
    for _ in range(c.integers(2, 6)):  # glints on the surface
        gx, gy = x + c.uniform(-0.5, 0.5) * r, y + c.uniform(-0.5, 0.5) * r
        c.line([(gx, gy), (gx + 0.05, gy)], 0.004, tuple(min(255, v + 25) for v in water))
    s.adjectives += ["large" if r > 0.28 else "small", "calm"]
    pos = f"in the {'corner' if corner else 'middle'} of the picture"
    s.add(pos, f"The water lies {pos}.")
    if not corner and r > 0.22 and c.chance(0.35):
        ix, iy = x + c.uniform(-0.3, 0.3) * r, y + c.uniform(-0.3, 0.3) * r
        c.polygon(blob(c, ix, iy, r * 0.22), c.jitter(c.season.grass))
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
    if c.chance(0.2):  # a wooden jetty from the shore, with rowing boats tied to it
        t = c.uniform(0, 2 * math.pi)
        spots = jetty(c, x + r * math.cos(t), y + r * math.sin(t), t + math.pi, r * 0.45)
        moored = c.integers(1, 3)
        for bx, by in spots[:moored]:
            boat(c, bx, by, 0.045 * c.zoom, t + math.pi)
        s.add(
            "with a wooden jetty",
            f"{count(moored, 'boat').capitalize()} {agree(moored, 'is', 'are')} tied to a jetty.",
        )
    elif c.chance(0.2):
        small_boats(
            c, s, c.integers(1, 3), "the water", ok=lambda a, b: math.hypot(a - x, b - y) < r * 0.7
        )
    return s


def draw_river(c: Canvas) -> Scene:
    s = Scene()
    season(c, s)
    land(c, s, fields_p=0.3)
    angle, amp, phase = c.uniform(0, math.pi), c.uniform(0.02, 0.16), c.uniform(0, 6.3)
    offset, wide = c.uniform(-0.1, 0.1), c.chance(0.45)
    w = (c.uniform(0.11, 0.18) if wide else c.uniform(0.04, 0.085)) * c.zoom
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
    if c.chance(0.2):
        houses(c, s, c.integers(2, 6), "near the bank", ok=lambda a, b: not near_path(pts, w)(a, b))
    if wide and c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the river", ok=near_path(pts, w * 0.2))
    return s


def draw_beach(c: Canvas) -> Scene:
    s = Scene(adjectives=["sandy", "long"])
    season(c, s, ("spring", "summer", "dry"))
    y0, amp, ph = c.uniform(0.2, 0.5), c.uniform(0.0, 0.08), c.uniform(0, 6.3)
    band = c.uniform(0.1, 0.3) * c.zoom

    def shore(x: float) -> float:
        return y0 + amp * math.sin(2 * math.pi * x + ph)

    xs = [float(x) for x in np.linspace(-0.05, 1.05, 40)]
    ground = c.choice([c.season.grass, c.season.dry])
    c.fill(c.jitter(ground))
    mottle(c, ground, 30, (0.04, 0.1))
    top = [(1.05, -0.05), (-0.05, -0.05)]
    c.polygon([(x, shore(x) + band) for x in xs] + top, c.jitter(SAND, 8))
    colour, sea = water_color(c, 0.45)
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
    if c.chance(0.55):
        scatter_trees(c, 140, ok=lambda a, b: b > shore(a) + band + 0.02, size=0.03)
        s.add("with trees behind the sand", "Trees grow behind the beach.")
    elif c.chance(0.5):
        bw = 0.1 * c.zoom
        for x in np.arange(c.uniform(0, bw), 1.0, bw * 1.5):
            roof = c.jitter(c.choice([WHITE, *ROOFS.values()]), 10)
            building(c, float(x), min(0.93, y0 + band + 0.06 + bw / 2), bw, bw * 0.8, roof, False)
        s.add("with buildings behind it", "A row of buildings faces the sea.")
    if c.chance(0.2):
        x = c.uniform(0.2, 0.8)
        for bx, by in jetty(c, x, shore(x) + band * 0.5, -math.pi / 2, c.uniform(0.15, 0.3))[-2:]:
            boat(c, bx, by, 0.045 * c.zoom, -math.pi / 2)
        s.add("with a wooden pier", "A wooden pier reaches out into the sea.")
    elif c.chance(0.2):
        small_boats(c, s, c.integers(1, 3), "the sea", ok=lambda a, b: b < shore(a) - 0.07)
    if c.chance(0.4) and y0 + band < 0.78:
        y = min(0.95, y0 + band + amp + 0.22)
        road(c, [(-0.1, y), (1.1, y)], 0.035 * c.zoom)
        s.add("with a road along the coast")
    return s


def _marina(c: Canvas, s: Scene) -> None:
    """A small harbour: wooden jetties from a natural shore, small boats moored along them."""
    z, y0, amp, ph = c.zoom, c.uniform(0.6, 0.78), c.uniform(0.0, 0.05), c.uniform(0, 6.3)
    shore = [
        (float(x), y0 + amp * math.sin(2 * math.pi * x + ph)) for x in np.linspace(-0.05, 1.05, 30)
    ]
    c.band(shore, 0.03 * z, c.jitter(SAND, 8))
    c.polygon(shore + [(1.05, 1.1), (-0.05, 1.1)], c.jitter(c.season.grass))
    n_jetties, boats = c.integers(2, 4), 0
    for i in range(n_jetties):
        x = 0.1 + 0.8 * (i + 0.5) / n_jetties + c.uniform(-0.04, 0.04)
        y = y0 + amp * math.sin(2 * math.pi * x + ph)
        for bx, by in jetty(c, x, y, -math.pi / 2 + c.uniform(-0.15, 0.15), c.uniform(0.22, 0.4)):
            if c.chance(0.6):
                boat(c, bx, by, 0.05 * z, -math.pi / 2 + c.uniform(-0.1, 0.1))
                boats += 1
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


def draw_port(c: Canvas) -> Scene:
    s = Scene(adjectives=["busy", "large"])
    season(c, s)
    z = c.zoom
    water = water_color(c)[1]
    c.fill(water)
    mottle(c, water, 20, (0.05, 0.15), 6)
    if c.chance(0.35):
        s.adjectives.clear()
        _marina(c, s)
        return s
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
