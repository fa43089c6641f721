import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run slow tests and notebook cells flagged #| slow")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long test, runs only with --slow")
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium; leave out with -m 'not browser'")
    # diffusers' DPM-Solver++ calls np.array on a torch tensor; numpy 2 asks torch's __array__ for a `copy` keyword it lacks.
    # Nothing in this package can act on it (runs never show it: a DeprecationWarning from library code is hidden outside tests).
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:diffusers")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def refused(tmp_path):
    "refused(name, text, load): the message of the DataError `load` raises on a file `name` holding `text`; it names the file."
    from dakd_nb.core import DataError

    def check(name: str, text: str, load) -> str:
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DataError) as e: load(path)
        assert name in str(e.value), e.value
        return str(e.value)
    return check
