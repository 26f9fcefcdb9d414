"""The package list, which pyproject.toml cannot say alone.

``resources/`` ships as the package ``calldesk.resources`` (mapped in pyproject.toml), but it
has no ``__init__.py`` inside ``calldesk/``, so ``find_packages`` never sees it: it is named here.
Everything else about the project is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["calldesk*", "ui*"]), "calldesk.resources"])
