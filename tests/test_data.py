"""Tests of the data layer: generators, the catalog, features, splits, CSV parsing and its errors."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from playground.core.params import SpecError
from playground.core.spec import FEATURES, DataSpec, Spec
from playground.data import tabular
from playground.data.datasets import (
    DATASETS_DIR,
    Dataset,
    dataset_catalog,
    load_dataset,
    split_indices,
    validate_data_name,
)
from playground.data.generators import GENERATORS, generate
from playground.data.text import TEXT_SETS


def data(**values) -> DataSpec:
    return DataSpec.from_dict(values, "data")


def upload(text: str | bytes, label_column: str = "", **values) -> Dataset:
    raw = text.encode() if isinstance(text, str) else text
    return load_dataset(data(name="upload:file.csv", label_column=label_column, **values), {"file.csv": raw})


# --------------------------------------------------------------------------- generators

@pytest.mark.parametrize("name", list(GENERATORS))
def test_generator_is_a_pure_function_of_its_rng(name):
    state = np.random.get_state()[1].copy()
    a = generate(name, 200, 0.3, np.random.default_rng(5), classes=4)
    b = generate(name, 200, 0.3, np.random.default_rng(5), classes=4)
    c = generate(name, 200, 0.3, np.random.default_rng(6), classes=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert np.array_equal(np.random.get_state()[1], state), "generator touched numpy's global random state"
    X, y = a
    image, g = GENERATORS[name].image_shape, GENERATORS[name]
    width = (int(np.prod(image)) if image else g.sequence_length * len(g.sequence_features) if g.sequence_features
             else len(g.columns) if g.columns else 1 if g.geometry == "line" else 2)
    assert X.shape == (200, width)
    assert y.shape == ((200, g.sequence_length) if g.task == "tokens" else (200,))  # tokens: one per position
    if GENERATORS[name].task == "regression":
        assert y.dtype == np.float64
    else:
        assert y.dtype == np.int64


@pytest.mark.parametrize("name", [n for n, g in GENERATORS.items() if g.geometry == "plane"])
def test_plane_sets_live_in_the_tf_square(name):
    X, _ = generate(name, 500, 0.0, np.random.default_rng(0))
    assert np.abs(X).max() <= 6.0
    assert np.abs(X).max() > 3.0  # uses the square, not a corner of it


def test_circle_is_a_disc_inside_a_ring_when_clean():
    X, y = generate("circle", 400, 0.0, np.random.default_rng(1))
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_array_equal(y, (r < 2.5).astype(np.int64))
    assert y.sum() == 200
    assert r[y == 0].min() >= 3.5 and r[y == 1].max() <= 2.5


def test_noise_flips_circle_labels_near_the_gap():
    X, y = generate("circle", 2000, 0.5, np.random.default_rng(1))
    wrong = np.mean(y != (np.linalg.norm(X, axis=1) < 2.5))
    assert 0.02 < wrong < 0.45


def test_xor_checkerboard_and_plane_follow_their_formulas_when_clean():
    X, y = generate("xor", 300, 0.0, np.random.default_rng(2))
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(np.int64))
    assert np.abs(X).min() >= 0.3  # the gap at the axes
    X, y = generate("checkerboard", 300, 0.0, np.random.default_rng(2))
    np.testing.assert_array_equal(y, (np.floor(X[:, 0] / 3) + np.floor(X[:, 1] / 3)).astype(int) % 2)
    X, y = generate("plane", 300, 0.0, np.random.default_rng(2))
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10)
    x, y = generate("sine", 300, 0.0, np.random.default_rng(2))
    np.testing.assert_allclose(y, np.sin(x[:, 0]))


def test_gauss_noise_widens_the_clouds():
    clean, _ = generate("gauss", 2000, 0.0, np.random.default_rng(3))
    noisy, _ = generate("gauss", 2000, 1.0, np.random.default_rng(3))
    assert noisy.std() > 1.5 * clean.std()


@pytest.mark.parametrize("classes", [2, 5, 8])
def test_blobs_take_the_class_count_and_are_balanced(classes):
    ds = load_dataset(data(name="blobs", classes=classes, n_samples=400))
    assert ds.n_classes == classes
    assert ds.task == ("binary" if classes == 2 else "multiclass")
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=classes)
    assert counts.max() - counts.min() <= 1


def test_odd_sample_counts_are_kept_exactly():
    ds = load_dataset(data(name="spiral", n_samples=101))
    assert len(ds.y_train) + len(ds.y_test) == 101


# --------------------------------------------------------------------------- every catalog entry

@pytest.mark.parametrize("name", list(dataset_catalog()))
def test_every_catalog_entry_loads_with_consistent_shapes(name):
    info = dataset_catalog()[name]
    ds = load_dataset(data(name=name, n_samples=200, noise=0.1))
    assert (ds.name, ds.geometry) == (name, info.geometry)
    assert ds.task == info.task
    n_train, n_test = len(ds.y_train), len(ds.y_test)
    assert ds.x_train.shape == (n_train, ds.n_inputs) and ds.x_test.shape == (n_test, ds.n_inputs)
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert len(ds.feature_names) == ds.n_inputs
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()
    assert abs(n_train / (n_train + n_test) - 0.5) < 0.02
    if info.uses_n_samples:
        assert n_train + n_test == 200
    if ds.task == "regression":
        assert ds.y_train.dtype == np.float32 and ds.class_names == () and ds.n_classes == 0
    elif ds.task == "generative":  # a GAN's unlabelled points: no classes, every label 0
        assert ds.class_names == () and ds.n_classes == 0 and not ds.y_train.any() and not ds.y_test.any()
    else:
        assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
        assert ds.n_classes == len(ds.class_names) >= 2
        assert ds.task in ("tokens", "binary" if ds.n_classes == 2 else "multiclass")
        if name in TEXT_SETS:  # windows of natural text: 100 of them need not hold every rare character
            assert set(np.unique(ds.y_train)) <= set(range(ds.n_classes))
        else:
            assert set(np.unique(ds.y_train)) == set(range(ds.n_classes))  # every class is trained on
    if ds.geometry == "table":
        assert ds.points_train is None and ds.extent is None
    else:
        width = 2 if ds.geometry == "plane" else 1
        assert ds.points_train.shape == (n_train, width) and ds.points_test.shape == (n_test, width)
        np.testing.assert_array_equal(ds.featurize(ds.points_train), ds.x_train)
        np.testing.assert_array_equal(ds.featurize(ds.points_test), ds.x_test)
        x0, x1, y0, y1 = ds.extent
        assert x0 < ds.points_train[:, 0].min() and ds.points_train[:, 0].max() < x1
        vertical = ds.points_train[:, 1] if ds.geometry == "plane" else ds.y_train
        assert y0 < vertical.min() and vertical.max() < y1


def test_catalog_lists_generators_sklearn_sets_and_shipped_csvs():
    catalog = dataset_catalog()
    for name in ("circle", "xor", "gauss", "spiral", "moons", "blobs", "checkerboard", "plane", "bumps", "sine",
                 "iris", "wine", "breast_cancer", "digits", "diabetes"):
        assert name in catalog
    shipped = sorted(p.name for p in DATASETS_DIR.glob("*.csv"))
    assert len(shipped) >= 2
    assert all(f"csv:{f}" in catalog for f in shipped)
    assert catalog["blobs"].uses_classes and not catalog["circle"].uses_classes
    assert catalog["circle"].uses_features and not catalog["sine"].uses_features
    assert not catalog["iris"].uses_noise and catalog["spiral"].uses_noise


def test_sklearn_shapes():
    assert load_dataset(data(name="digits")).n_inputs == 64
    assert load_dataset(data(name="digits")).n_classes == 10
    iris = load_dataset(data(name="iris"))
    assert iris.class_names == ("setosa", "versicolor", "virginica")


# --------------------------------------------------------------------------- features, standardisation, split

def test_feature_subsets_change_the_input_width_and_featurize_round_trips():
    ds = load_dataset(data(name="spiral", features=list(FEATURES)))
    assert ds.n_inputs == len(FEATURES) and ds.feature_names == FEATURES
    np.testing.assert_array_equal(ds.featurize(ds.points_train), ds.x_train)
    one = load_dataset(data(name="spiral", features=["x1*x2"]))
    assert one.n_inputs == 1


def test_unstandardised_features_are_the_formulas():
    ds = load_dataset(data(name="circle", features=["x1", "x1^2", "x1*x2", "sin(x2)"], standardize=False))
    p = ds.points_train.astype(np.float64)
    expected = np.stack([p[:, 0], p[:, 0] ** 2, p[:, 0] * p[:, 1], np.sin(p[:, 1])], axis=1)
    np.testing.assert_allclose(ds.x_train, expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["circle", "wine", "csv:plant_growth.csv"])
def test_standardised_training_inputs_have_mean_0_std_1(name):
    ds = load_dataset(data(name=name, features=["x1", "x2", "x1^2"]))
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1.0, atol=1e-4)
    assert not np.allclose(ds.x_test.mean(axis=0), 0.0, atol=1e-5)  # test split uses the training statistics


def test_regression_targets_stay_in_their_units_and_the_head_standardises_them():
    from playground.train.heads import make_head

    ds = load_dataset(data(name="diabetes"))
    assert 100 < ds.y_train.mean() < 200  # disease progression is 25..346
    head = make_head("auto", ds.task, 0, ds.y_train)
    targets = head.targets(torch.as_tensor(ds.y_train))
    assert abs(float(targets.mean())) < 1e-4 and abs(float(targets.std()) - 1) < 1e-2
    # Predictions come back in the data's units.
    assert torch.allclose(head.predict(targets), torch.as_tensor(ds.y_train), rtol=1e-4)


def test_same_seed_same_dataset_and_seed_changes_it():
    a, b = load_dataset(data(name="moons", seed=4)), load_dataset(data(name="moons", seed=4))
    c = load_dataset(data(name="moons", seed=5))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    np.testing.assert_array_equal(load_dataset(Spec(data=DataSpec(name="moons", seed=4))).x_test, a.x_test)
    assert not np.array_equal(a.points_train, c.points_train)


def test_train_fraction_moves_the_split_not_the_points():
    small = load_dataset(data(name="gauss", train_fraction=0.2, noise=0.3))
    big = load_dataset(data(name="gauss", train_fraction=0.8, noise=0.3))
    assert len(small.y_train) == 100 and len(big.y_train) == 400

    def every(ds):
        pts = np.concatenate([ds.points_train, ds.points_test])
        return pts[np.lexsort(pts.T)]
    np.testing.assert_array_equal(every(small), every(big))


def test_classification_split_is_stratified():
    y = np.repeat(np.arange(3), [50, 30, 20])
    train, test = split_indices(y, "multiclass", 0.3, np.random.default_rng(0))
    assert len(train) == 30 and len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 100
    np.testing.assert_array_equal(np.bincount(y[train]), [15, 9, 6])


def test_tiny_split_keeps_a_row_on_each_side():
    train, test = split_indices(np.array([0, 1]), "binary", 0.95, np.random.default_rng(0))
    assert len(train) == 1 and len(test) == 1


def test_dataset_pickles_for_caches():
    ds = load_dataset(data(name="xor", features=["x1", "x1*x2"]))
    back = pickle.loads(pickle.dumps(ds))
    np.testing.assert_array_equal(back.featurize(ds.points_test), ds.x_test)


# --------------------------------------------------------------------------- CSV files

GOOD = "width,height,kind\n1,2,yes\n2,1,no\n3,3,yes\n0.5,4,no\n5,2,yes\n1.5,1.5,no\n"


def test_good_upload_with_two_features_is_a_plane():
    ds = upload(GOOD, features=["x1", "x2", "x1*x2"])
    assert ds.task == "binary" and ds.geometry == "plane"
    assert ds.class_names == ("no", "yes")
    assert ds.feature_names == ("width", "height", "width*height")
    np.testing.assert_array_equal(ds.featurize(ds.points_train), ds.x_train)
    rows = {(float(a), float(b)) for a, b in np.concatenate([ds.points_train, ds.points_test])}
    assert (0.5, 4.0) in rows and len(rows) == 6
    labels = dict(zip(map(tuple, ds.points_train.tolist()), ds.y_train.tolist()))
    if (1.0, 2.0) in labels:
        assert labels[(1.0, 2.0)] == 1  # "yes" sorts after "no"


def test_upload_label_column_integers_regression_and_semicolons():
    text = "grade,a,b,c\n" + "".join(f"{10 - i % 3},{i},{i * i % 7},{i % 2}\n" for i in range(12))
    ds = upload(text, label_column="grade")  # a middle-of-the-file label of few integers -> classes
    assert ds.geometry == "table" and ds.task == "multiclass" and ds.feature_names == ("a", "b", "c")
    assert ds.class_names == ("8", "9", "10")  # sorted numerically, ids 0..2 in that order
    assert upload("a,b,c\n1,0.5,0\n2,1.5,1\n3,2,0\n", label_column="b").task == "regression"  # 0.5: not ids
    text = "a;b;c;y\n" + "".join(f"{i};{i % 3};{i * 0.5};{i * 1.7}\n" for i in range(30))
    reg = upload(text)
    assert reg.task == "regression" and reg.n_inputs == 3
    np.testing.assert_allclose(np.sort(np.concatenate([reg.y_train, reg.y_test])), np.arange(30) * 1.7, rtol=1e-6)


def test_many_distinct_integers_are_a_regression_target():
    text = "a,y\n" + "".join(f"{i},{i * 3}\n" for i in range(40))
    assert upload(text).task == "regression"


def test_shipped_csv_and_path_names():
    rings = load_dataset(data(name="csv:rings.csv"))
    assert rings.task == "multiclass" and rings.geometry == "plane" and len(rings.y_train) + len(rings.y_test) == 450
    path = str(DATASETS_DIR / "exam_pass.csv")
    ds = load_dataset(data(name=f"csv:{path}"))
    assert ds.task == "binary" and ds.n_inputs == 3
    with pytest.raises(SpecError) as e:
        load_dataset(data(name=f"csv:{path}"), allow_paths=False)
    assert e.value.errors[0][0] == "data.name" and "upload" in str(e.value)


BIG_BYTES = b"a,b\n" + b"1" * (tabular.MAX_CSV_BYTES + 1)

CSV_ERRORS = [
    # (file content, label_column, field, words the message must contain)
    (b"", "", "data.name", ["empty"]),
    (b"\n  \n", "", "data.name", ["empty"]),
    (b"a,b,label\n", "", "data.name", ["no data rows"]),
    (b"a,b,label\n1,2,0\n", "", "data.name", ["only one data row"]),
    (b"1,2,0\n3,4,1\n5,6,0\n", "", "data.name", ["no header"]),
    (b"a,b,label\n1,2,0\n3,4,1\n", "target", "data.label_column", ["'target'", "a, b, label"]),
    (b"a,b,label\n1,2,0\n3,abc,1\n", "", "data.name", ["'b'", "not numeric", "row 2", "abc"]),
    (b"a,b,label\n1,inf,0\n3,4,1\n", "", "data.name", ["'b'", "not numeric", "row 1"]),
    (b"a,b,label\n1,2,0\n3,,1\n", "", "data.name", ["'b'", "missing", "row 2"]),
    (b"a,b,label\n1,NaN,0\n3,4,1\n", "", "data.name", ["'b'", "NaN", "row 1"]),
    (b"a,b,label\n1,2,0\n3,4\n", "", "data.name", ["'label'", "missing"]),
    (b"a,b,label\n1,2,0\n3,4,1,9\n", "", "data.name", ["could not be read as CSV"]),
    (b"a,b,label\n1,2,cat\n3,4,cat\n", "", "data.label_column", ["only one value", "cat"]),
    (b"a,b,label\n1,2,0.5\n3,4,-inf\n", "", "data.label_column", ["'label'", "infinite", "row 2"]),
    (b"a,b,label\n1,3e38,0\n3,4,1\n", "", "data.name", ["'b'", "too large", "row 1", "3e38", "1e+16", "rescale"]),
    (b"a,b,label\n1,2,0\n3,-1e400,1\n", "", "data.name", ["'b'", "too large", "row 2", "-1e400", "rescale"]),
    (b"a,y\n1,0.5\n2,3e38\n3,1.5\n", "", "data.label_column", ["'y'", "too large", "row 2", "3e38", "rescale"]),
    (b"a,y\n1,0.5\n2,1e400\n3,1.5\n", "", "data.label_column", ["'y'", "too large", "row 2", "1e400"]),
    (b"a,b,label\n1,2,\xff\xfe\n3,4,1\n", "", "data.name", ["UTF-8"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", "data.name", ["not a CSV"]),
    (b"a,a,label\n1,2,0\n3,4,1\n", "", "data.name", ["'a'", "twice"]),
    (b"label\n0\n1\n", "", "data.name", ["feature column"]),
    (b"a,,label\n1,2,0\n3,4,1\n", "", "data.name", ["no name"]),
    (("x," * 1025 + "y\n" + "1," * 1025 + "0\n") .encode() * 1, "", "data.name", ["1,026 columns", "1,025"]),
    (b"a,label\n" + b"1,0\n2,1\n" * 25_001, "", "data.name", ["50,002 rows", "50,000"]),
    (BIG_BYTES, "", "data.name", ["MB", "20"]),
    (b"a,label\n" + b"".join(f"{i},c{i}\n".encode() for i in range(60)), "", "data.label_column",
     ["60 different"]),
]


@pytest.mark.parametrize("content,label_column,field,words", CSV_ERRORS,
                         ids=[f"{i}:{w[0]}" for i, (_, _, _, w) in enumerate(CSV_ERRORS)])
def test_bad_csv_gives_a_spec_error_naming_the_problem(content, label_column, field, words):
    with pytest.raises(SpecError) as e:
        upload(content, label_column)
    assert e.value.errors[0][0] == field
    for word in words:
        assert word in str(e.value), f"{word!r} not in {e.value}"


def test_numbers_up_to_the_bound_load_and_their_float32_statistics_stay_finite():
    """The bound is what float32 training can square and sum: a regression target of ±1e16 in
    a file of the most rows allowed keeps its std and R² finite (targets of 1e18 made them nan
    with 200 rows); anything larger is refused at load, naming the column."""
    from playground.train.heads import make_head

    bound, rows = tabular.MAX_ABS_VALUE, tabular.MAX_CSV_ROWS
    text = "a,b,y\n" + "".join(f"{(-1) ** i * bound:.17g},{i % 7},{(-1) ** (i // 2) * bound:.17g}\n"
                               for i in range(rows - 1)) + "0,0,0.5\n"  # 0.5: not class ids
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in numpy would be a RuntimeWarning
        ds = upload(text, standardize=False)
        assert ds.task == "regression" and np.abs(ds.y_train).max() == bound
        head = make_head("auto", ds.task, 0, ds.y_train)
        assert np.isfinite(head.y_std) and head.y_std > 0.9 * bound
        y = torch.as_tensor(ds.y_train)
        r2 = head.metric(torch.zeros(len(y), 1), y)  # predicting the mean: R² = 0, not nan
        assert abs(float(r2)) < 1e-3
    for column, field, line in (("'a'", "data.name", "2e16,1,0.5\n"), ("'y'", "data.label_column", "1,1,-2e16\n")):
        with pytest.raises(SpecError) as e:
            upload("a,b,y\n1,2,0.25\n" + line)
        assert e.value.errors[0][0] == field and column in str(e.value) and "too large" in str(e.value)


def test_missing_upload_and_missing_file_are_spec_errors():
    with pytest.raises(SpecError, match="no uploaded file"):
        load_dataset(data(name="upload:gone.csv"), uploads={})
    with pytest.raises(SpecError) as e:
        tabular.parse_csv(DATASETS_DIR / "nope.csv")
    assert "does not exist" in str(e.value)


# --------------------------------------------------------------------------- names through the spec

def test_unknown_data_name_is_rejected_by_the_spec():
    with pytest.raises(SpecError) as e:
        Spec.from_dict({"data": {"name": "circel"}})
    assert [f for f, _ in e.value.errors] == ["data.name"]
    assert "circel" in str(e.value) and "circle" in str(e.value) and "csv:rings.csv" in str(e.value)
    with pytest.raises(SpecError) as e:
        Spec.from_flat({"data.name": "csv:missing.csv"})
    assert e.value.errors[0][0] == "data.name" and "missing.csv" in str(e.value)
    with pytest.raises(SpecError) as e:  # other field errors are kept alongside
        Spec.from_dict({"data": {"name": "nope", "noise": 3}})
    assert {f for f, _ in e.value.errors} == {"data.name", "data.noise"}


def test_known_names_pass_validation():
    for name in [*dataset_catalog(), "upload:anything.csv"]:
        validate_data_name(name)
    assert Spec.from_flat({"data.name": "csv:rings.csv"}).data.name == "csv:rings.csv"


def test_importing_spec_and_data_does_not_import_sklearn():
    code = "import sys, playground.core.spec, playground.data.datasets; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
