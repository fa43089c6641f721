"""Packaging read from nbdev 2's settings.ini, so versions and requirements live in one place."""
from configparser import ConfigParser
from pathlib import Path

import setuptools

cfg = ConfigParser(delimiters=["="])
cfg.read(Path(__file__).parent / "settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    license="Apache-2.0",
    keywords=cfg["keywords"],
    python_requires=">=" + cfg["min_python"],
    # namespace packages: the data folders under pretrained/ are importable names to setuptools, so it is told of them
    package_dir={"": "."},  # a flat layout, said so: setuptools then installs editable with a plain .pth (no finder, no warning)
    packages=setuptools.find_namespace_packages(include=[cfg["lib_path"], cfg["lib_path"] + ".*"]),
    package_data={cfg["lib_path"]: ["*.yaml", "pretrained/*/*.*", "pretrained/*/*/*.*"]},
    include_package_data=True,
    install_requires=cfg["requirements"].split(),
    extras_require={"dev": cfg["dev_requirements"].split(), "tensorboard": cfg["tensorboard_requirements"].split()},
    entry_points={"console_scripts": ["dakd-verify=dakd_nb.manifest:verify_cli", "dakd-demo=dakd_nb.data:demo_cli",
                                        "dakd-realism=dakd_nb.realism:realism_cli",
                                        "dakd-predict=dakd_nb.predict:predict_cli"]},
    zip_safe=False,
)
