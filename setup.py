"""Package discovery that pyproject.toml cannot express alone: every package under designer_app/ is found
automatically, and the top-level resources/ folder ships inside the wheel as designer_app.resources
(the mapping is `package-dir` in pyproject.toml). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["designer_app", "designer_app.*"]), "designer_app.resources"])
