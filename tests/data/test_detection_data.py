"""Detection data: the shapes generator, COCO JSON and VOC XML loaders on files the tests write, collate."""

import json

import numpy as np
import pytest
from PIL import Image

from nnlab.data import DataLoader, detection_collate, load_coco, load_voc, make_shapes
from nnlab.vision import box_iou


def test_shapes_boxes_fit_the_drawn_pixels():
    ds = make_shapes(40, image_size=48, background="plain", noise=0.0, max_overlap=0.0, seed=3)
    assert ds.images.shape == (40, 3, 48, 48) and ds.images.dtype == np.float32
    for img, b, lab, kp in zip(ds.images, ds.boxes, ds.labels, ds.keypoints):
        assert 1 <= len(b) <= 3 and b.dtype == np.float32 and lab.dtype == np.int64 and kp.shape == (len(b), 5, 2)
        assert ((b >= 0) & (b <= 48)).all() and (b[:, 2:] > b[:, :2]).all()
        iou = box_iou(b, b)
        assert (iou[~np.eye(len(b), dtype=bool)] <= 1e-6).all()  # max_overlap=0: disjoint boxes
        bg = img[:, 0, 0]  # plain background colour (corner not covered by every scene, so check pixels)
        for box in b:
            x1, y1, x2, y2 = box
            # The shape reaches into the pixels at its box's centre row/column and nothing is drawn outside.
            cy, cx = int((y1 + y2) / 2), int((x1 + x2) / 2)
            assert not np.allclose(img[:, cy, cx], bg)
        np.testing.assert_allclose(kp[:, 0], (b[:, :2] + b[:, 2:]) / 2, atol=1e-4)  # landmark 0 = centre


def test_shapes_are_seeded_and_respect_options():
    a, b = make_shapes(5, seed=7), make_shapes(5, seed=7)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, make_shapes(5, seed=8).images)
    one = make_shapes(30, min_objects=0, max_objects=1, classes=("triangle",), seed=1)
    counts = [len(x) for x in one.boxes]
    assert set(counts) == {0, 1} and all((lab == 0).all() for lab in one.labels)
    with pytest.raises(ValueError, match="make_shapes: classes"):
        make_shapes(1, classes=("hexagon",))


def write_png(path, h=20, w=30):
    Image.fromarray(np.full((h, w, 3), 128, np.uint8)).save(path)


def test_load_coco(tmp_path):
    for name in ("a.png", "b.png"):
        write_png(tmp_path / name)
    coco = {
        "images": [{"id": 7, "file_name": "a.png"}, {"id": 3, "file_name": "b.png"}],
        "categories": [{"id": 18, "name": "dog"}, {"id": 1, "name": "person"}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 18, "bbox": [2, 3, 10, 5], "iscrowd": 0},
            {"id": 2, "image_id": 7, "category_id": 1, "bbox": [0, 0, 4, 4]},
            {"id": 3, "image_id": 3, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": 1},
        ],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(coco))
    ds = load_coco(str(path), str(tmp_path))
    assert ds.classes == ("person", "dog") and len(ds) == 2
    img, t = ds[0]
    assert img.shape == (3, 20, 30) and np.allclose(img, 128 / 255)
    np.testing.assert_allclose(t["boxes"], [[2, 3, 12, 8], [0, 0, 4, 4]])
    assert t["labels"].tolist() == [1, 0]
    assert len(ds[1][1]["boxes"]) == 0  # the crowd box is skipped


def test_load_voc(tmp_path):
    (tmp_path / "ann").mkdir()
    write_png(tmp_path / "img1.png")
    (tmp_path / "ann" / "img1.xml").write_text(
        "<annotation><filename>img1.png</filename>"
        "<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>10</xmax><ymax>12</ymax></bndbox></object>"
        "<object><name>bird</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>6</xmax><ymax>9</ymax></bndbox></object>"
        "</annotation>")
    ds = load_voc(str(tmp_path / "ann"), str(tmp_path))
    assert ds.classes == ("bird", "cat")
    _, t = ds[0]
    np.testing.assert_allclose(t["boxes"], [[0, 1, 10, 12], [4, 4, 6, 9]])  # 1-based inclusive → continuous
    assert t["labels"].tolist() == [1, 0]
    with pytest.raises(ValueError, match="load_voc: classes \\['cat'\\] appear"):
        load_voc(str(tmp_path / "ann"), str(tmp_path), classes=("bird",))


def test_detection_collate_keeps_variable_box_counts():
    ds = make_shapes(6, seed=2)
    images, targets = next(iter(DataLoader(ds, batch_size=4, collate_fn=detection_collate)))
    assert images.shape == (4, 3, 64, 64)
    assert [len(t["boxes"]) for t in targets] == [len(b) for b in ds.boxes[:4]]
    mixed, _ = detection_collate([(np.zeros((3, 4, 4)), {}), (np.zeros((3, 5, 5)), {})])
    assert isinstance(mixed, list) and len(mixed) == 2
