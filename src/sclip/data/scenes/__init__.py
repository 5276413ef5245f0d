"""Procedural top-down drawing routines for the built-in synthetic aerial scene classes.

Each ``draw_<class>`` paints one scene on a :class:`Canvas` (unit coordinates, 0..1 across, which
a drawer may turn to any heading) and returns a :class:`Scene` listing what it actually drew and
can be seen, so captions describe the image truthfully. Classes share seasons, ground and elements
(roads, trees, water, buildings, fields, vehicles), and most come in variants that look like
another class, so telling them apart needs the defining detail, not a colour or a texture.

Modules: :mod:`.canvas` (surface, colours, seasons, caption helpers), :mod:`.elements` and
:mod:`.built` (natural and built elements shared by several classes), the classes in
:mod:`.nature` (forest, desert), :mod:`.fields` (farmland, meadow), :mod:`.water` (lake,
river), :mod:`.coast` (beach, port), :mod:`.urban` (residential area, baseball field),
:mod:`.industry` (industrial area) and :mod:`.transport` (bridge, parking lot, airport), and
:mod:`.photo` (camera effects).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from sclip.data.scenes.canvas import Canvas, Scene
from sclip.data.scenes.coast import draw_beach, draw_port
from sclip.data.scenes.fields import draw_farmland, draw_meadow
from sclip.data.scenes.industry import draw_industrial
from sclip.data.scenes.nature import draw_desert, draw_forest
from sclip.data.scenes.photo import photographic
from sclip.data.scenes.transport import draw_airport, draw_bridge, draw_parking_lot
from sclip.data.scenes.urban import draw_baseball_field, draw_residential
from sclip.data.scenes.water import draw_lake, draw_river

__all__ = ["DRAWERS", "Canvas", "Scene", "render"]


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
    image, clouds = photographic(c.image, size, rng)
    if clouds:
        scene.facts.append("Thin clouds drift over part of the scene.")
    return image, scene
