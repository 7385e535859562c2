"""The Pages workflow deploys exactly what was tested, with the least each job needs.

Read from .github/workflows/pages.yml (PyYAML comes with Bokeh); CI cannot check this itself,
since a wrong workflow only shows on GitHub after it has deployed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "pages.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def runs(job: dict, command: str) -> bool:
    return any(command in step.get("run", "") for step in job["steps"])


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def test_the_deployed_artifact_is_the_site_the_tests_ran_on(jobs: dict) -> None:
    (tester_name,) = [name for name, job in jobs.items() if runs(job, "bash .ci/run")]
    tester = jobs[tester_name]
    assert tester["container"].endswith("-bookworm"), "the tests run in Debian, as .ci/run expects"
    names = [s.get("uses", s.get("run", "")) for s in tester["steps"]]
    run_at = next(i for i, n in enumerate(names) if "bash .ci/run" in n)
    (upload,) = steps_using(tester, "actions/upload-pages-artifact")
    assert names.index(upload["uses"]) > run_at, "uploaded after the tests ran"
    assert "if" not in upload, "uploaded only when they passed"
    assert upload["with"]["path"] == "site"
    others = [job for name, job in jobs.items() if name != tester_name]
    assert not any(runs(job, "build.py") for job in others), "no other job rebuilds the site"

    (deployer,) = [job for job in jobs.values() if steps_using(job, "actions/deploy-pages")]
    needs = deployer["needs"]
    assert tester_name in ([needs] if isinstance(needs, str) else needs)
    assert all("run" not in step for step in deployer["steps"]), "the deploy job only deploys"


def test_the_download_cache_is_kept_and_keyed_on_the_pins(jobs: dict) -> None:
    (cache,) = [step for job in jobs.values() for step in steps_using(job, "actions/cache")]
    assert cache["with"]["path"] == "~/.cache/cnn-classroom"
    for pinned_in in ("requirements/*", "package-lock.json"):
        assert pinned_in in cache["with"]["key"]


def test_each_job_gets_only_the_permissions_it_needs(jobs: dict) -> None:
    assert yaml.safe_load(WORKFLOW.read_text())["permissions"] == {}
    for job in jobs.values():
        writes = {"pages": "write", "id-token": "write"}
        expected = writes if steps_using(job, "actions/deploy-pages") else {"contents": "read"}
        assert job["permissions"] == expected


def test_every_job_has_a_timeout_and_every_action_is_pinned_by_commit(jobs: dict) -> None:
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 30, name
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED.match(step["uses"]), step["uses"]
    # The tag each commit stands for is written beside it.
    for line in WORKFLOW.read_text().splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line
