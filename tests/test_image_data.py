"""Image data sets: the generated shapes and the shipped Fashion-MNIST subset."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from playground.core.params import SpecError
from playground.core.spec import DataSpec, Spec
from playground.data.datasets import DATASETS_DIR, dataset_catalog, load_dataset, validate_data_name
from playground.data.generators import GENERATORS, SHAPE_NAMES, SHAPE_SIZE, generate
from playground.data.imagefiles import IMAGE_FILES, load_image_file


def data(**values) -> DataSpec:
    return DataSpec.from_dict(values, "data")


def clean_shapes(n: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, y = generate("shapes", n, 0.0, np.random.default_rng(seed))
    return X.reshape(n, SHAPE_SIZE, SHAPE_SIZE), y


# --------------------------------------------------------------------------- shapes

def test_shapes_are_a_pure_function_of_the_data_seed():
    a, b = load_dataset(data(name="shapes", seed=3, noise=0.2)), load_dataset(data(name="shapes", seed=3, noise=0.2))
    other = load_dataset(data(name="shapes", seed=4, noise=0.2))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, other.x_train)


def test_shapes_are_balanced_images_of_the_right_shape():
    ds = load_dataset(data(name="shapes", n_samples=503, noise=0.1))
    assert ds.image_shape == (1, SHAPE_SIZE, SHAPE_SIZE) == GENERATORS["shapes"].image_shape
    assert ds.n_inputs == int(np.prod(ds.image_shape)) == len(ds.feature_names)
    assert ds.feature_names[:2] == ("pixel_0_0", "pixel_0_1") and ds.feature_names[-1] == "pixel_15_15"
    assert ds.class_names == SHAPE_NAMES and ds.task == "multiclass" and ds.geometry == "table"
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=len(SHAPE_NAMES))
    assert counts.max() - counts.min() <= 1 and counts.sum() == 503
    info = dataset_catalog()["shapes"]
    assert info.uses_noise and info.uses_n_samples and not info.uses_features


def test_clean_shapes_are_binary_and_inside_the_image():
    X, _ = clean_shapes()
    assert set(np.unique(X)) == {0.0, 1.0}
    assert X.sum(axis=(1, 2)).min() >= 8  # every image has its shape drawn
    # Shapes lie wholly inside: the border rows and columns are mostly background.
    border = np.concatenate([X[:, 0], X[:, -1], X[:, :, 0], X[:, :, -1]], axis=1)
    assert border.mean() < 0.05


def test_each_shape_is_drawn_as_itself():
    X, y = clean_shapes(1000)
    area = X.sum(axis=(1, 2))
    # Areas relative to a disc of the same circumradius: circle 1, square 2/π, triangle 3√3/(4π),
    # cross (2.4 - 0.36)/π, ring 1 - 0.55². Radii are uniform in 3.5..6.5, so E[r²] = 5² + 0.75.
    mean_r2 = 25.75
    expected = {"circle": np.pi, "square": 2.0, "triangle": 3 * np.sqrt(3) / 4, "cross": 2.04,
                "ring": np.pi * (1 - 0.55 ** 2)}
    for k, name in enumerate(SHAPE_NAMES):
        assert area[y == k].mean() == pytest.approx(expected[name] * mean_r2, rel=0.08), name
    # A ring has a hole: its centre of mass is background. A circle's is ink.
    for k, want in ((SHAPE_NAMES.index("ring"), 0.0), (SHAPE_NAMES.index("circle"), 1.0)):
        for image in X[y == k][:50]:
            rows, cols = np.nonzero(image)
            assert image[int(rows.mean()), int(cols.mean())] == want
    # A circle looks the same mirrored about its own centre; a triangle does not (point symmetry).
    def point_symmetry(image: np.ndarray) -> float:
        rows, cols = np.nonzero(image)
        r0, c0 = rows.min(), cols.min()
        box = image[r0:rows.max() + 1, c0:cols.max() + 1]
        return float((box * box[::-1, ::-1]).sum() / box.sum())
    circle = np.mean([point_symmetry(im) for im in X[y == SHAPE_NAMES.index("circle")][:50]])
    cross = np.mean([point_symmetry(im) for im in X[y == SHAPE_NAMES.index("cross")][:50]])
    triangle = np.mean([point_symmetry(im) for im in X[y == SHAPE_NAMES.index("triangle")][:50]])
    assert circle > 0.9 and cross > 0.8 and triangle < 0.75, (circle, cross, triangle)


def test_noise_is_pixel_noise_of_that_size():
    clean, _ = generate("shapes", 300, 0.0, np.random.default_rng(7))
    noisy, _ = generate("shapes", 300, 0.3, np.random.default_rng(7))
    assert (noisy - clean).std() == pytest.approx(0.3, rel=0.05)
    assert abs((noisy - clean).mean()) < 0.01


# --------------------------------------------------------------------------- fashion

FASHION = DATASETS_DIR / IMAGE_FILES["fashion"].file


def test_fashion_file_is_small_and_balanced():
    assert FASHION.is_file() and FASHION.stat().st_size < 1_000_000
    with np.load(FASHION, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
    assert images.shape == (2000, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.uint8 and np.bincount(labels).tolist() == [200] * 10
    assert images.max() == 255 and images.min() == 0


def test_fashion_loads_offline_as_10_balanced_classes_of_28x28_images(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)  # the set comes from datasets/ alone
    load_image_file.cache_clear()
    raw = load_dataset(data(name="fashion", standardize=False))
    assert len(raw.y_train) + len(raw.y_test) == 2000 and raw.n_inputs == 784
    assert (raw.x_train.min(), raw.x_train.max()) == (0.0, 1.0)  # pixels scaled to 0..1
    ds = load_dataset(data(name="fashion", train_fraction=0.7))
    assert ds.image_shape == (1, 28, 28) and ds.x_train.shape == (1400, 784) and ds.x_test.shape == (600, 784)
    assert ds.class_names == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                              "Sneaker", "Bag", "Ankle boot")
    assert np.bincount(ds.y_train).tolist() == [140] * 10 and np.bincount(ds.y_test).tolist() == [60] * 10
    info = dataset_catalog()["fashion"]
    assert (info.task, info.geometry, info.uses_noise, info.uses_n_samples) == ("multiclass", "table", False, False)


def test_non_csv_files_in_datasets_are_not_offered_as_csv():
    catalog = dataset_catalog()
    assert all(name.endswith(".csv") for name in catalog if name.startswith("csv:"))
    assert f"csv:{FASHION.name}" not in catalog
    # Named anyway, an .npz is read as one (its 28x28 images; labels 0..9 by number, no names).
    named = load_dataset(data(name=f"csv:{FASHION.name}"))
    assert named.image_shape == (1, 28, 28) and named.class_names == tuple(str(i) for i in range(10))


def test_a_missing_image_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr("playground.data.datasets.DATASETS_DIR", tmp_path)
    assert "fashion" not in dataset_catalog()
    with pytest.raises(SpecError, match="fashion_mnist_2000.npz is missing"):
        validate_data_name("fashion")


def _image_csv(tmp_path, rows: int = 60) -> Path:
    """3x3 images of a bar, vertical (class v) or horizontal (class h), plus noise: 9 pixel columns."""
    rng = np.random.default_rng(0)
    lines = [",".join(f"p{i}" for i in range(9)) + ",label"]
    for n in range(rows):
        image = rng.normal(0, 0.1, (3, 3))
        kind = "v" if n % 2 else "h"
        if kind == "v":
            image[:, 1] += 1
        else:
            image[1, :] += 1
        lines.append(",".join(f"{v:.3f}" for v in image.ravel()) + f",{kind}")
    path = tmp_path / "bars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_of_images_takes_its_shape_and_a_cnn_trains_on_it(tmp_path):
    from playground.cli import main

    path = _image_csv(tmp_path)
    ds = load_dataset(Spec().with_overrides(**{"data.name": f"csv:{path}", "data.image_shape": "1x3x3"}).data)
    assert ds.image_shape == (1, 3, 3) and ds.n_inputs == 9 and ds.class_names == ("h", "v")
    plain = load_dataset(Spec().with_overrides(**{"data.name": f"csv:{path}"}).data)
    assert plain.image_shape is None  # without the setting a CSV stays a table
    out = tmp_path / "run"
    code = main(["train", "--preset", "digits-cnn", "--set", f"data.name=csv:{path}", "--set",
                 "data.image_shape=1×3×3", "--set", 'model.layers=[{"kind":"conv","channels":4,"kernel":2,'
                 '"padding":0},{"kind":"linear","units":8}]', "--epochs", "2", "--out", str(out), "--quiet"])
    assert code == 0 and json.loads((out / "summary.json").read_text())["input_shape"] == [1, 3, 3]


@pytest.mark.parametrize("shape, says", [
    ("1x3x4", "is 12 pixels, but the file has 9 feature columns"),
    ("three by three", "is not channels x height x width"),
    ("9x1x1x1", "is not channels x height x width"),
    ("5x3x3", "out of range: 1 to 4 channels"),
])
def test_a_wrong_image_shape_names_the_field_and_what_is_wrong(tmp_path, shape, says):
    spec = Spec().with_overrides(**{"data.name": f"csv:{_image_csv(tmp_path)}", "data.image_shape": shape})
    with pytest.raises(SpecError) as refused:
        load_dataset(spec.data)
    field, message = refused.value.errors[0]
    assert field == "data.image_shape" and says in message


def test_a_csv_of_28x28_images_fits_the_column_limit(tmp_path):
    """Fashion-MNIST-sized rows (784 pixels and a label) load as images: the CSV column limit
    leaves room for a 32x32 image."""
    rng = np.random.default_rng(1)
    header = ",".join(f"p{i}" for i in range(784)) + ",label"
    rows = [",".join(str(v) for v in rng.integers(0, 256, 784)) + f",{i % 2}" for i in range(20)]
    path = tmp_path / "mnist_like.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    ds = load_dataset(Spec().with_overrides(**{"data.name": f"csv:{path}", "data.image_shape": "1x28x28"}).data)
    assert ds.image_shape == (1, 28, 28) and ds.n_inputs == 784


# --------------------------------------------------------------------------- uploaded .npz images

def _npz(**arrays) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _load_npz(raw: bytes, name: str = "mine.npz", **overrides):
    spec = Spec().with_overrides(**{"data.name": f"upload:{name}", **overrides})
    return load_dataset(spec.data, {name: raw})


def test_an_npz_of_images_loads_with_its_shape_names_and_scaled_pixels():
    images = clean_shapes(60)[0]  # (60, H, W) in 0..1
    pixels = (images * 255).round().astype(np.uint8)
    labels = np.arange(60) % 3
    ds = _load_npz(_npz(images=pixels, labels=labels, class_names=np.array(["a", "b", "c"])),
                   **{"data.standardize": False})
    assert ds.image_shape == (1, SHAPE_SIZE, SHAPE_SIZE) and ds.class_names == ("a", "b", "c")
    assert ds.task == "multiclass" and len(ds.y_train) + len(ds.y_test) == 60
    every = np.concatenate([ds.x_train, ds.x_test])
    assert every.min() >= 0 and every.max() <= 1  # uint8 read as 0..255
    # A row is its image's pixels, row by row: find one train row among the images.
    assert any(np.allclose(ds.x_train[0], p.ravel() / 255) for p in pixels)


def test_an_npz_of_colour_images_with_text_labels_trains_a_cnn():
    rng = np.random.default_rng(0)
    images = rng.random((40, 3, 6, 6)).astype(np.float32)
    labels = np.array(["cat", "dog"] * 20)
    raw = _npz(x=images, y=labels)
    spec = Spec().with_overrides(**{"data.name": "upload:rgb.npz", "model.family": "cnn", "train.epochs": 1})
    from playground.train.trainer import Trainer

    trainer = Trainer(spec, uploads={"rgb.npz": raw})
    assert trainer.dataset.image_shape == (3, 6, 6) and trainer.dataset.class_names == ("cat", "dog")
    trainer.run(trainer.total_steps)
    assert np.isfinite(trainer.history.records[-1].train_loss)


@pytest.mark.parametrize("arrays, says", [
    ({"pixels": np.zeros((4, 3, 3)), "labels": np.arange(4)}, "it holds labels, pixels"),
    ({"images": np.zeros((4, 9)), "labels": np.arange(4)}, "not numbers of shape (N, H, W)"),
    ({"images": np.zeros((4, 5, 3, 3)), "labels": np.arange(4)}, "1 to 4 channels"),
    ({"images": np.zeros((4, 3, 65)), "labels": np.arange(4)}, "1 to 64 pixels"),
    ({"images": np.zeros((4, 3, 3)), "labels": np.arange(5)}, "it needs one number or text per image, shape (4,)"),
    ({"images": np.full((4, 2, 2), np.nan), "labels": np.arange(4)}, "NaN or infinite pixels"),
    ({"images": np.zeros((4, 2, 2)), "labels": np.arange(4) % 2, "class_names": np.array(["a"])},
     "give labels 0..K-1 or leave class_names out"),
])
def test_a_wrong_npz_names_what_is_wrong_and_the_format(arrays, says):
    with pytest.raises(SpecError) as refused:
        _load_npz(_npz(**arrays))
    field, message = refused.value.errors[0]
    assert field == "data.name" and says in message and "mine.npz" in message


def test_an_npz_is_sized_from_its_headers_before_it_is_unpacked():
    """A few kB of zeros that would unpack to 400 MB are refused without unpacking them."""
    import tracemalloc

    raw = _npz(images=np.zeros((50_000, 32, 32), dtype=np.float64), labels=np.zeros(50_000))
    assert len(raw) < 1_000_000
    tracemalloc.start()
    with pytest.raises(SpecError, match="at most 8,000,000 pixels in all"):
        _load_npz(raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000


def test_not_an_npz_and_pickles_are_refused():
    with pytest.raises(SpecError, match="not an .npz file"):
        _load_npz(b"images,labels\n1,2\n")
    with pytest.raises(SpecError, match="not numbers"):
        _load_npz(_npz(images=np.array([[[object()]]] * 2, dtype=object), labels=np.arange(2)))
