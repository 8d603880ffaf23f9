"""The map's label placement as a pure function (the rendered result is measured in Chromium by
test_report.py): boxes apart, inside the map, clear of the obstacles, near their anchors."""

import random

import pytest

from netops.report.mapsvg import _OFFSETS, place_labels, text_width


@pytest.mark.parametrize("seed", range(5))
def test_a_crowd_of_labels_is_placed_apart(seed: int) -> None:
    rng = random.Random(seed)
    names = ["Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai",
             "Thanh Xuân", "Nam Từ Liêm", "Bắc Từ Liêm", "Hà Đông"]
    # a dense centre: every anchor within 60 units of the middle of a 960 x 700 map
    anchors = [(name, 480 + rng.uniform(-60, 60), 350 + rng.uniform(-60, 60)) for name in names]
    rings = [(x - 6, y - 6, x + 6, y + 6) for _, x, y in anchors]
    labels = place_labels(anchors, 960, 700, rings)
    assert sorted(label.text for label in labels) == sorted(names)
    for i, label in enumerate(labels):
        left, top, right, bottom = label.box
        assert left >= 0 and right <= 960 and top >= 0 and bottom <= 700
        assert right - left >= text_width(label.text)
        assert label.distance <= max(radius for radius, _ in _OFFSETS)
        for other in [*(other.box for other in labels[i + 1:]), *rings]:
            assert right <= other[0] or other[2] <= left or bottom <= other[1] or other[3] <= top, \
                (label.text, other)


def test_a_label_with_no_room_is_dropped() -> None:
    wall = [(0.0, 0.0, 200.0, 200.0)]
    assert place_labels([("Sóc Sơn", 100, 100)], 200, 200, wall) == []
