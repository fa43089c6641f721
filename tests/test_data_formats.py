"""The real data sets' readers against tiny fixtures in their exact formats, `verify`, the manifest, and a
fuzz-style set of damaged inputs that must each end in a DataError naming the file (never a library
traceback, never a silently dropped or guessed file)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dakd_nb.core import BINARY_CLASSES, OSD_CLASSES, DakdError, DataError
from dakd_nb.readers import INPEDataset, OSDDataset, RefinedSOSDataset, SOSDataset
from dakd_nb.manifest import load_manifest, value_ids, verify, verify_cli

sys.path.insert(0, str(Path(__file__).parent))
import fixtures  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def readers(name, root):
    "Every (split, subset) reader of a fixture, with the key its truth is stored under."
    if name == "osd": return [(s, OSDDataset(root, s)) for s in ("train", "test")]
    if name == "sos": return [(f"{s}/{b}", SOSDataset(root, b, s)) for s in ("train", "test") for b in ("palsar", "sentinel")]
    if name == "refined_sos": return [(s, RefinedSOSDataset(root, s)) for s in ("train", "val")]
    return [(s, INPEDataset(root, s)) for s in ("train", "val", "test")]


def key(name, image_path: Path) -> str:
    return image_path.name[:-len("_sat.jpg")] if name == "sos" else image_path.stem


# --- readers read their formats ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["osd", "sos", "refined_sos", "inpe"])
def test_reader_reads_its_format(name, tmp_path):
    truth = fixtures.WRITERS[name](tmp_path)
    for split, ds in readers(name, tmp_path):
        assert len(ds) == len(truth[split]) > 0
        assert ds.classes is (OSD_CLASSES if name == "osd" else BINARY_CLASSES)
        assert all(isinstance(f, tuple) and len(f) == 2 and f[0].exists() and f[1].exists() for f in ds.files)
        assert all(key(name, img) in label.name and img != label for img, label in ds.files)
        shared_folders = {img.parent for img, _ in ds.files} & {label.parent for _, label in ds.files}
        assert len(shared_folders) == (1 if name == "sos" and split.startswith("train") else 0)  # SOS train mixes them
        for i, (image_path, _) in enumerate(ds.files):
            item = ds[i]
            h, w = truth[split][key(name, image_path)].shape
            assert item["image"].shape == (1, h, w) and item["image"].dtype == torch.float32
            assert -1 <= item["image"].min() <= item["image"].max() <= 1
            assert item["label"].dtype == torch.int64
            assert np.array_equal(item["label"].numpy(), truth[split][key(name, image_path)])


def test_image_values_survive_reading(tmp_path):
    "The image is the written grey level, scaled to [-1, 1] (PNG is lossless; the JPEG stays close)."
    fixtures.write_refined_sos(tmp_path)
    ds = RefinedSOSDataset(tmp_path, "train")
    written = np.asarray(Image.open(ds.files[0][0]))
    assert torch.allclose(ds[0]["image"][0], torch.from_numpy(written.astype(np.float32)) / 127.5 - 1)
    fixtures.write_sos(tmp_path / "sos")
    sos = SOSDataset(tmp_path / "sos", "palsar")
    img, _ = sos.load(0)
    grey = np.asarray(Image.open(sos.files[0][0]).convert("L"))
    assert img.shape == grey.shape and (img == grey).all()


def test_binary_sets_map_oil_to_osd_oil_spill(tmp_path):
    fixtures.write_sos(tmp_path)
    ds = SOSDataset(tmp_path, "sentinel")
    raw = np.asarray(Image.open(ds.files[0][1]))
    assert set(np.unique(raw)) == {0, 255}
    lab = ds[0]["label"].numpy()
    assert (lab[raw == 255] == 1).all() and (lab[raw == 0] == 0).all()
    assert BINARY_CLASSES.names[1] == "oil_spill" and BINARY_CLASSES.osd_ids[1] == OSD_CLASSES.names.index("oil_spill")


def test_osd_rgb_and_1d_labels_agree_and_disagreement_is_caught(tmp_path):
    fixtures.write_osd(tmp_path)
    one_d, rgb = OSDDataset(tmp_path, "train"), OSDDataset(tmp_path, "train", labels="rgb")
    assert [f[1].parent.name for f in rgb.files] == ["labels"] * 3
    for i in range(3): assert torch.equal(one_d[i]["label"], rgb[i]["label"])
    ids = np.array(Image.open(tmp_path / "train" / "labels_1D" / "img_0002.png"))
    ids[ids == 0] = 4
    Image.fromarray(ids).save(tmp_path / "train" / "labels_1D" / "img_0002.png")
    OSDDataset(tmp_path, "train")[1]  # each file alone is valid ...
    with pytest.raises(DataError, match=r"labels/img_0002.png: disagrees with .*labels_1D/img_0002.png"):
        OSDDataset(tmp_path, "train", check_agreement=True)[1]  # ... but the two codings differ


def test_one_channel_jpeg_and_palette_masks_are_read(tmp_path):
    truth = fixtures.write_osd(tmp_path)
    img = np.asarray(Image.open(tmp_path / "test" / "images" / "img_1000.jpg").convert("L"))
    Image.fromarray(img, "L").save(tmp_path / "test" / "images" / "img_1000.jpg", quality=100)
    pal = Image.fromarray(truth["test"]["img_1000"], "L").convert("P")
    pal.save(tmp_path / "test" / "labels_1D" / "img_1000.png")
    assert Image.open(tmp_path / "test" / "labels_1D" / "img_1000.png").mode == "P"
    ds = OSDDataset(tmp_path, "test", check_agreement=True)
    assert np.array_equal(ds[0]["label"].numpy(), truth["test"]["img_1000"])


def test_explicit_options_for_unconfirmed_facts(tmp_path):
    "INPE masks with a 2 and SOS masks with soft edges are errors by default, readable when asked explicitly."
    truth = fixtures.write_inpe(tmp_path / "inpe")
    mask_path = INPEDataset(tmp_path / "inpe", "train").files[0][1]
    m = truth["train"][mask_path.stem[:-3]].copy(); m[m == 1] = 2
    Image.fromarray(m).save(mask_path)
    with pytest.raises(DataError, match=r"_1D.png: .* values \[2\]"): INPEDataset(tmp_path / "inpe", "train")[0]
    lab = INPEDataset(tmp_path / "inpe", "train", value_map={0: 0, 1: 1, 2: 1})[0]["label"].numpy()
    assert np.array_equal(lab, (m > 0).astype(np.int64))
    fixtures.write_sos(tmp_path / "sos")
    mask_path = SOSDataset(tmp_path / "sos", "sentinel").files[0][1]
    soft = np.array(Image.open(mask_path)); soft[soft == 255] = 200; soft[0, 0] = 90
    Image.fromarray(soft).save(mask_path)
    with pytest.raises(DataError, match="values"): SOSDataset(tmp_path / "sos", "sentinel")[0]
    assert np.array_equal(SOSDataset(tmp_path / "sos", "sentinel", threshold=128)[0]["label"].numpy(), (soft >= 128).astype(int))


def test_sos_layout_is_configurable(tmp_path):
    fixtures.write_sos(tmp_path)
    for p in (tmp_path / "test" / "palsar" / "gt").iterdir(): p.rename(p.with_name(p.name.replace("_mask", "_gt")))
    with pytest.raises(DataError, match="image without its label"): SOSDataset(tmp_path, "palsar", "test")
    assert len(SOSDataset(tmp_path, "palsar", "test", mask_suffix="_gt.png")) == 2


# --- verify --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["osd", "sos", "refined_sos", "inpe"])
def test_verify_passes_good_fixture_in_format_and_reports_sizes_when_strict(name, tmp_path):
    fixtures.WRITERS[name](tmp_path)
    report = verify(name, tmp_path, strict=False)
    assert report.ok, str(report)
    assert report.decoded == sum(report.counts.values()) > 0 and "OK" in str(report)
    entry = load_manifest()["datasets"][name]
    strict = verify(name, tmp_path)
    assert not strict.ok
    count_lines = [p for p in strict.problems if "the manifest expects" in p and "pairs found" in p]
    assert len(count_lines) == len(report.counts)  # every split (and subset) is off against the real sizes
    w, h = entry["image_size"]
    assert sum(f"the manifest expects {w}x{h}" in p for p in strict.problems) == report.decoded


def test_verify_lists_every_problem_at_once(tmp_path):
    fixtures.write_sos(tmp_path)
    tr = tmp_path / "train" / "palsar"
    (tr / "10000_mask.png").unlink()                                                   # image without mask
    (tr / "10001_sat.jpg").write_bytes((tr / "10001_sat.jpg").read_bytes()[:150])       # truncated JPEG
    Image.fromarray(np.full((32, 32), 3, np.uint8)).save(tr / "10002_mask.png")         # value 3 in 0/255
    (tr / "readme.txt").write_text("x")                                                 # stray file
    te = tmp_path / "test" / "sentinel"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(te / "gt" / "10001_mask.png")      # wrong size
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(te / "gt" / "20000_mask.png")    # mask without image
    report = verify("sos", tmp_path, strict=False)
    expected = ["10000_sat.jpg: image without its label", "10001_sat.jpg: cannot be decoded",
                "10002_mask.png: 1024 pixels have values [3]", "readme.txt: unexpected file",
                "gt/10001_mask.png: label is 8x8", "20000_mask.png: label without its image"]
    assert len(report.problems) == len(expected), str(report)
    for frag in expected: assert any(frag in p for p in report.problems), (frag, str(report))
    assert not report.ok and str(report).count("\n  - ") == len(expected)


def test_verify_quick_samples_each_split(tmp_path):
    fixtures.write_osd(tmp_path, n_train=6, n_test=4)
    r = verify("osd", tmp_path, strict=False, quick=True, sample=2)
    assert r.ok and r.decoded == 4 and r.counts == {"train": 6, "test": 4} and "(sample)" in str(r)
    bad = tmp_path / "train" / "images" / "img_0003.jpg"
    bad.write_bytes(b"not a jpeg")
    found = [any("img_0003.jpg" in p for p in verify("osd", tmp_path, strict=False, quick=True, sample=2, seed=s).problems)
             for s in range(12)]
    assert any(found) and not all(found)  # a sample sees the bad file only sometimes ...
    assert any("img_0003.jpg" in p for p in verify("osd", tmp_path, strict=False).problems)  # ... a full check always


def test_verify_missing_root_and_unknown_names(tmp_path):
    r = verify("osd", tmp_path / "absent")
    assert not r.ok and "absent: data set root does not exist" in r.problems[0]
    with pytest.raises(DakdError, match="unknown data set"): verify("mnist", tmp_path)
    with pytest.raises(DakdError, match="generated by the package"): verify("synthsar", tmp_path)


def test_verify_cli(tmp_path, capsys):
    fixtures.write_refined_sos(tmp_path)
    assert verify_cli(["refined_sos", str(tmp_path), "--loose"]) == 0
    assert "refined_sos at" in capsys.readouterr().out
    assert verify_cli(["refined_sos", str(tmp_path)]) == 1  # real sizes expected without --loose
    assert "train/sentinel: 3 pairs found, the manifest expects 3354" in capsys.readouterr().out
    (tmp_path / "masks" / "val" / "palsar_0.png").unlink()
    assert verify_cli(["refined_sos", str(tmp_path), "--loose"]) == 1
    assert "palsar_0.png: image without its label" in capsys.readouterr().out


def test_console_script_runs_without_dev_tools(tmp_path):
    "`python -c verify_cli` in a fresh process: exit status 1 on problems, and no nbdev/fastcore/execnb imported."
    fixtures.write_inpe(tmp_path)
    (tmp_path / "splits" / "val.csv").unlink()
    code = ("import sys; from dakd_nb.manifest import verify_cli; rc = verify_cli(sys.argv[1:]);"
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'nbdev', 'fastcore', 'execnb'});"
            "print('DEVTOOLS', bad); sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, "inpe", str(tmp_path), "--loose"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "val.csv: split file missing" in res.stdout and "DEVTOOLS []" in res.stdout


# --- the manifest --------------------------------------------------------------------------------------

def test_packaged_manifest_matches_readers_and_published_sizes():
    ds = load_manifest()["datasets"]
    assert set(ds) == {"osd", "sos", "refined_sos", "inpe", "synthsar"}
    readers_ = {"osd": OSDDataset, "sos": SOSDataset, "refined_sos": RefinedSOSDataset, "inpe": INPEDataset}
    for name, cls in readers_.items():
        assert value_ids(ds[name]) == cls.default_value_map, name
        assert ds[name]["unconfirmed"] and ds[name]["sources"] and ds[name]["licence"]
    assert ds["osd"]["splits"] == {"train": 1002, "test": 110} and ds["osd"]["image_size"] == [1250, 650]
    assert "redistribut" in ds["osd"]["licence"].lower()
    assert sum(ds["refined_sos"]["splits"]["train"].values()) == 6455 and sum(ds["refined_sos"]["splits"]["val"].values()) == 1615
    assert ds["refined_sos"]["splits"] == {"train": ds["sos"]["splits"]["train"], "val": ds["sos"]["splits"]["test"]}
    assert ds["inpe"]["splits"] == {"train": 108, "val": 43, "test": 22} and ds["inpe"]["image_size"] == [800, 600]
    colours = {tuple(c) for c in ds["osd"]["colour_code"].values()}
    assert colours == set(OSD_CLASSES.palette) and list(ds["osd"]["colour_code"]) == list(OSD_CLASSES.names)
    assert ds["synthsar"]["embedded"] is True


@pytest.mark.parametrize("text, fragment", [
    ("datasets:\n  osd: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "a 'datasets' mapping"),
    ("datasets:\n  osd: {title: x, classes: osd}\n", "osd: key 'citation' missing"),
    ("datasets:\n  x: 3\n", "x: entry must be a mapping"),
])
def test_broken_manifest_is_a_data_error_naming_the_file(text, fragment, refused):
    assert fragment in refused("my_manifest.yaml", text, load_manifest)


def test_manifest_values_are_checked(tmp_path):
    import yaml
    doc = yaml.safe_load((ROOT / "dakd_nb" / "data_manifest.yaml").read_text())
    doc["datasets"]["inpe"]["value_map"] = {0: "sea", 1: "slick"}
    doc["datasets"]["sos"]["reader"] = "KaggleReader"
    doc["datasets"]["osd"]["splits"] = {"train": "many"}
    p = tmp_path / "m.yaml"; p.write_text(yaml.safe_dump(doc))
    with pytest.raises(DataError) as e: load_manifest(p)
    for frag in ["inpe: value_map names ['slick']", "sos: unknown reader 'KaggleReader'", "osd: splits must map"]:
        assert frag in str(e.value)
    with pytest.raises(DataError, match="manifest file not found"): load_manifest(tmp_path / "none.yaml")


def test_names_and_aliases_are_checked(tmp_path):
    "One spelling per data set: sets name real subsets, aliases point at a name, no name is given twice."
    import yaml
    doc = yaml.safe_load((ROOT / "dakd_nb" / "data_manifest.yaml").read_text())
    doc["datasets"]["sos"]["sets"]["sos_alos"] = "alos"
    doc["datasets"]["refined_sos"]["aliases"]["rsos"] = "refined"
    doc["datasets"]["inpe"]["aliases"] = {"osd": "inpe"}
    p = tmp_path / "m.yaml"; p.write_text(yaml.safe_dump(doc))
    with pytest.raises(DataError) as e: load_manifest(p)
    for frag in ["sos: sets must map a name to one of the subsets in its splits (['palsar', 'sentinel'])",
                 "refined_sos: aliases must map another spelling to 'refined_sos'", "the name 'osd' is given twice"]:
        assert frag in str(e.value)


@pytest.mark.parametrize("name, canonical, counts", [
    ("sos_palsar", "sos_palsar", ["train/palsar", "test/palsar"]), ("sos-sentinel", "sos_sentinel", ["train/sentinel", "test/sentinel"]),
    ("sos", "sos", ["train/palsar", "train/sentinel", "test/palsar", "test/sentinel"])])
def test_verify_takes_one_area_of_sos_and_the_old_spellings(name, canonical, counts, tmp_path):
    fixtures.write_sos(tmp_path)
    report = verify(name, tmp_path, strict=False)
    assert report.ok and report.name == canonical and list(report.counts) == counts
    strict = verify(name, tmp_path)
    assert strict.problems == strict.differences and len(strict.differences) == len(counts) + report.decoded


# --- fuzz: damaged inputs, each a DataError naming the file --------------------------------------------

def _save(path, array, mode=None): Image.fromarray(array, mode).save(path)


def _truncate(path, keep=0.4): data = path.read_bytes(); path.write_bytes(data[:int(len(data) * keep)])


def _noise_mask_truncated(path):
    "A mask big enough after compression that cutting it loses pixel data, not only the PNG trailer."
    _save(path, np.random.default_rng(0).integers(0, 2, (32, 32), dtype=np.uint8) * 255)
    _truncate(path, 0.5)


def _remove_folder(folder):
    for p in folder.iterdir(): p.unlink()
    folder.rmdir()


# (name, data set, damage(root), read(root), fragments the message must hold)
FUZZ = [
    ("truncated jpeg", "osd", lambda r: _truncate(r / "train/images/img_0002.jpg"),
     lambda r: OSDDataset(r), ["img_0002.jpg", "cannot be decoded"]),
    ("truncated png label", "refined_sos", lambda r: _noise_mask_truncated(r / "masks/train/palsar_1.png"),
     lambda r: RefinedSOSDataset(r), ["masks/train/palsar_1.png", "cannot be decoded"]),
    ("garbage bytes", "inpe", lambda r: (r / "IMAGES/IMG-RGB/IMG_01_TILE_002.png").write_bytes(b"\x89PNG garbage" * 9),
     lambda r: INPEDataset(r), ["IMG_01_TILE_002.png", "cannot be decoded"]),
    ("zero-byte image", "sos", lambda r: (r / "train/sentinel/10001_sat.jpg").write_bytes(b""),
     lambda r: SOSDataset(r, "sentinel"), ["10001_sat.jpg", "cannot be decoded"]),
    ("RGBA image", "refined_sos", lambda r: _save(r / "images/val/sentinel_1.png", np.full((32, 32, 4), 99, np.uint8), "RGBA"),
     lambda r: RefinedSOSDataset(r, "val"), ["sentinel_1.png", "image mode 'RGBA'"]),
    ("16-bit image", "refined_sos", lambda r: Image.fromarray(np.full((32, 32), 999, np.uint16)).save(r / "images/train/palsar_0.png"),
     lambda r: RefinedSOSDataset(r), ["palsar_0.png", "image mode 'I;16'"]),
    ("grey colour mask", "osd", lambda r: _save(r / "test/labels/img_1001.png", np.zeros((24, 40), np.uint8)),
     lambda r: OSDDataset(r, "test", labels="rgb"), ["labels/img_1001.png", "must be RGB, got mode 'L'"]),
    ("colour where a value mask belongs", "sos", lambda r: _save(r / "test/palsar/gt/10000_mask.png",
                                                                 np.tile(np.array([255, 0, 0], np.uint8), (32, 32, 1))),
     lambda r: SOSDataset(r, "palsar", "test"), ["gt/10000_mask.png", "is a colour image"]),
    ("unknown colour", "osd", lambda r: _save(r / "train/labels/img_0003.png", np.full((24, 40, 3), (0, 200, 200), np.uint8)),
     lambda r: OSDDataset(r, labels="rgb"), ["labels/img_0003.png", "(0, 200, 200)"]),
    ("id 7 in labels_1D", "osd", lambda r: _save(r / "train/labels_1D/img_0001.png", np.full((24, 40), 7, np.uint8)),
     lambda r: OSDDataset(r), ["labels_1D/img_0001.png", "values [7]"]),
    ("3 in a 0/255 mask", "refined_sos", lambda r: _save(r / "masks/val/palsar_0.png", np.full((32, 32), 3, np.uint8)),
     lambda r: RefinedSOSDataset(r, "val"), ["masks/val/palsar_0.png", "values [3]"]),
    ("label of another size", "inpe", lambda r: _save(r / "IMAGES/LABELS-1D/IMG_02_TILE_001_1D.png", np.zeros((30, 41), np.uint8)),
     lambda r: INPEDataset(r), ["IMG_02_TILE_001_1D.png", "label is 41x30", "IMG_02_TILE_001.png is 40x30"]),
    ("empty image folder", "osd", lambda r: [p.unlink() for p in (r / "test/images").iterdir()],
     lambda r: OSDDataset(r, "test"), ["test/images: no images (*.jpg) found", "label without its image"]),
    ("missing split folder", "refined_sos", lambda r: _remove_folder(r / "masks/val"),
     lambda r: RefinedSOSDataset(r, "val"), ["masks/val: folder missing"]),
    ("missing root", "osd", lambda r: None, lambda r: OSDDataset(r / "not-here"), ["not-here", "does not exist"]),
    ("extra image", "sos", lambda r: (r / "test/sentinel/sat/10000_sat.jpg").rename(r / "test/sentinel/sat/19999_sat.jpg"),
     lambda r: SOSDataset(r, "sentinel", "test"), ["19999_sat.jpg: image without its label", "10000_mask.png: label without its image"]),
    ("extra label", "osd", lambda r: _save(r / "train/labels_1D/img_0777.png", np.zeros((24, 40), np.uint8)),
     lambda r: OSDDataset(r), ["labels_1D/img_0777.png: label without its image"]),
    ("stray file in images", "osd", lambda r: (r / "train/images/img_0001.JPG").write_bytes(b""),
     lambda r: OSDDataset(r), ["img_0001.JPG: unexpected file"]),
    ("badly named refined file", "refined_sos", lambda r: [_save(r / f"{d}/train/alos_5.png", np.zeros((32, 32), np.uint8)) for d in ("images", "masks")],
     lambda r: RefinedSOSDataset(r), ["alos_5.png: name does not follow"]),
    ("missing split csv", "inpe", lambda r: (r / "splits/test.csv").unlink(),
     lambda r: INPEDataset(r, "test"), ["test.csv: split file missing"]),
    ("csv without mask column", "inpe", lambda r: (r / "splits/val.csv").write_text("sample_id,image_path\nA,IMAGES/IMG-RGB/A.png\n"),
     lambda r: INPEDataset(r, "val"), ["val.csv: columns ['mask_path'] missing"]),
    ("empty csv", "inpe", lambda r: (r / "splits/val.csv").write_text("sample_id,image_path,mask_path,classe,subclasse\n"),
     lambda r: INPEDataset(r, "val"), ["val.csv: no samples listed"]),
    ("csv row naming a missing mask", "inpe", lambda r: (r / "IMAGES/LABELS-1D/IMG_01_TILE_002_1D.png").unlink(),
     lambda r: INPEDataset(r), ["train.csv:2", "IMG_01_TILE_002_1D.png not found"]),
    ("csv in another encoding", "inpe", lambda r: (r / "splits/val.csv").write_bytes(
        "sample_id,image_path,mask_path\nIMG_ç,IMAGES/IMG-RGB/A.png,IMAGES/LABELS-1D/A_1D.png\n".encode("latin-1")),
     lambda r: INPEDataset(r, "val"), ["val.csv: not UTF-8 text", "byte 0xe7"]),
    ("csv row with an empty field", "inpe", lambda r: (r / "splits/val.csv").write_text(
        "sample_id,image_path,mask_path\nA,IMAGES/IMG-RGB/IMG_02_TILE_002.png,\n"),
     lambda r: INPEDataset(r, "val"), ["val.csv:2: mask_path is empty"]),
]


@pytest.mark.parametrize("case", FUZZ, ids=[c[0] for c in FUZZ])
def test_bad_input_is_a_data_error_naming_the_file(case, tmp_path):
    _, name, damage, read, fragments = case
    fixtures.WRITERS[name](tmp_path)
    damage(tmp_path)
    with pytest.raises(DataError) as e:
        ds = read(tmp_path)
        for i in range(len(ds)): ds[i]
    for frag in fragments: assert frag in str(e.value), (frag, str(e.value))
    if "not-here" not in fragments:  # verify reports the same problem instead of raising
        report = verify(name, tmp_path, strict=False)
        assert any(fragments[0] in p for p in report.problems), str(report)


def test_inpe_csv_saved_with_a_byte_order_mark_reads(tmp_path):
    "Spreadsheets save UTF-8 CSVs with a BOM; the first column name must not come out as '\\ufeffsample_id'."
    fixtures.write_inpe(tmp_path)
    csv_path = tmp_path / "splits" / "train.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + csv_path.read_bytes())
    assert len(INPEDataset(tmp_path, "train")) == 3


def test_empty_csv_field_is_not_called_outside_the_root(tmp_path):
    fixtures.write_inpe(tmp_path)
    (tmp_path / "splits" / "val.csv").write_text("sample_id,image_path,mask_path\nA,,IMAGES/LABELS-1D/A_1D.png\n")
    with pytest.raises(DataError) as e: INPEDataset(tmp_path, "val")
    assert "val.csv:2: image_path is empty" in str(e.value) and "outside" not in str(e.value)


def test_refined_sos_reports_each_problem_once(tmp_path):
    "verify checks Refined SOS sensor by sensor; a misnamed file or a missing mask is listed once, not per sensor."
    fixtures.write_refined_sos(tmp_path)
    for d in ("images", "masks"): Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / d / "train" / "alos_5.png")
    (tmp_path / "masks" / "val" / "sentinel_1.png").unlink()
    problems = verify("refined_sos", tmp_path, strict=False).problems
    assert len(problems) == 2 and len(set(problems)) == 2, problems
    assert any("alos_5.png: name does not follow" in q for q in problems)
    assert any("sentinel_1.png: image without its label" in q for q in problems)
    with pytest.raises(DataError, match="alos_5.png"): RefinedSOSDataset(tmp_path, "train", subset="sentinel")
