"""Builds are reproducible and their tooling current: bounded build requirements, one constraints
file that pins everything installed and that every install uses (issue 10, item 20). Files are
parsed; nothing is installed or fetched."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PROJECT = "e2b-agent"
# The first setuptools with the fixes of CVE-2022-40897, CVE-2024-6345 and CVE-2025-47273.
SAFE_SETUPTOOLS = Version("78.1.1")
INSTALL = re.compile(r"pip install|\$\(PIP_INSTALL\)")


def _pyproject() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and name and version, f"not an exact pin: {line!r}"
        key = canonicalize_name(name)
        assert key not in pins, f"pinned twice: {name}"
        pins[key] = Version(version)
    return pins


def _bounded(requirement: Requirement) -> bool:
    operators = {spec.operator for spec in requirement.specifier}
    return bool(operators & {"==", "===", "~="}) or (
        bool(operators & {">", ">="}) and bool(operators & {"<", "<="})
    )


def test_build_requirements_are_bounded_and_setuptools_is_safe() -> None:
    build_system = _pyproject()["build-system"]
    assert isinstance(build_system, dict)
    requirements = [Requirement(text) for text in build_system["requires"]]
    assert requirements
    for requirement in requirements:
        assert _bounded(requirement), f"unbounded build requirement: {requirement}"
    [setuptools] = [r for r in requirements if r.name == "setuptools"]
    assert not any(setuptools.specifier.contains(v) for v in ("65.5.0", "70.0.0", "78.1.0")), (
        setuptools
    )
    assert setuptools.specifier.contains(_pins()["setuptools"])


def test_the_constraints_pin_every_package_this_environment_has() -> None:
    pins = _pins()
    installed = {
        canonicalize_name(dist.metadata["Name"]) for dist in importlib.metadata.distributions()
    }
    missing = sorted(installed - set(pins) - {PROJECT})
    assert not missing, f"constraints.txt misses {missing}: run `make constraints`"
    assert pins["setuptools"] >= SAFE_SETUPTOOLS and "pip" in pins


def test_the_pins_satisfy_the_projects_own_bounds() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    extras = project["optional-dependencies"]
    pins = _pins()
    for text in [*project["dependencies"], *extras["test"], *extras["dev"]]:
        requirement = Requirement(text)
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)


def test_every_install_of_the_makefile_takes_the_constraints() -> None:
    """All but `make constraints`, which re-resolves them."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    target = ""
    installs = []
    for line in makefile.splitlines():
        if match := re.match(r"^([^\s#:=]+):", line):
            target = match.group(1)
        elif line.startswith("\t") and target != "constraints" and INSTALL.search(line):
            installs.append(line.strip())
    assert len(installs) == 3, installs  # pip and setuptools, the run extra, the test extras
    for line in installs:
        assert "-c constraints.txt" in line or line.startswith("$(PIP_INSTALL)"), line
    assert re.search(
        r"^PIP_INSTALL := .*-c constraints\.txt --build-constraint constraints\.txt",
        makefile,
        re.MULTILINE,
    )
