"""Dependencies: every one has an upper bound on its major version, and the lock files pin
every dependency (and the test extra) at a version pyproject.toml allows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
TEST = [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]


def _pins(lock: str) -> dict[str, str]:
    text = (REPO / lock).read_text("utf-8")
    return {canonicalize_name(m[1]): m[2]
            for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, re.M)}


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=str)
def test_every_dependency_has_an_upper_bound(requirement):
    if requirement.name == "regex":  # calendar-versioned, no majors to bound
        return
    assert any(spec.operator in ("<", "==", "~=") for spec in requirement.specifier), (
        f"{requirement}: add an upper bound on the major version")


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", RUNTIME), ("requirements-test.lock", RUNTIME + TEST)])
def test_the_lock_pins_every_dependency_within_its_bounds(lock, requirements):
    pins = _pins(lock)
    wrong = [f"{r}: locked {pins.get(canonicalize_name(r.name), 'nowhere')}"
             for r in requirements
             if not r.specifier.contains(pins.get(canonicalize_name(r.name), "0"),
                                         prereleases=True)]
    assert wrong == [], "regenerate with scripts/lock:\n" + "\n".join(wrong)


def test_test_only_packages_are_not_runtime_dependencies():
    runtime = {canonicalize_name(r.name) for r in RUNTIME}
    assert "pyyaml" not in runtime and "pytest" not in runtime
