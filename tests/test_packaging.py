"""What HACS and Home Assistant read from the package, and the GitHub workflows that check it."""

import json
import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any
import zipfile

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
import pytest
import yaml

from scripts import release

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "custom_components" / "ww_go"
WORKFLOWS = ROOT / ".github" / "workflows"
README = ROOT / "README.md"
CHANGELOG = ROOT / "CHANGELOG.md"

# The Integration Quality Scale's rules by tier, as script/hassfest/quality_scale.py lists them.
RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules config-flow
        config-flow-test-coverage dependency-transparency docs-actions docs-conditions
        docs-high-level-description docs-installation-instructions docs-removal-instructions
        docs-triggers entity-event-setup entity-unique-id has-entity-name runtime-data
        test-before-configure test-before-setup unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading docs-configuration-parameters
        docs-installation-parameters entity-unavailable integration-owner log-when-unavailable
        parallel-updates reauthentication-flow test-coverage""",
    "gold": """devices diagnostics discovery discovery-update-info docs-data-update docs-examples
        docs-known-limitations docs-supported-devices docs-supported-functions docs-troubleshooting
        docs-use-cases dynamic-devices entity-category entity-device-class
        entity-disabled-by-default entity-translations exception-translations icon-translations
        reconfiguration-flow repair-issues stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def _json(path: Path) -> dict[str, object]:
    loaded = json.loads(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_manifest() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    assert manifest["domain"] == "ww_go"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] == "device"
    assert manifest["requirements"] == []
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(manifest["version"]))
    assert manifest["codeowners"]


def test_hacs() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert hacs["render_readme"] is True
    assert re.fullmatch(r"2026\.\d+\.0", str(hacs["homeassistant"]))
    # HACS installs the release's zip of this name, which the release workflow attaches.
    assert hacs["zip_release"] is True
    assert hacs["filename"] == "ww_go.zip"


def _year_month(version: str) -> str:
    match = re.match(r"(\d{4}\.\d+)(\.|$)", version)
    assert match, version
    return match.group(1)


def _pin(requirements: str, package: str) -> str:
    match = re.search(rf"^{package}==(\S+)$", (ROOT / requirements).read_text(), re.MULTILINE)
    assert match, (requirements, package)
    return match.group(1)


def test_floor_release_is_the_hacs_minimum() -> None:
    """The floor set-up, hacs.json's minimum and the README's stated floor are one release."""
    minimum = _year_month(str(_json(ROOT / "hacs.json")["homeassistant"]))
    assert _year_month(_pin("requirements_floor.txt", "homeassistant")) == minimum
    readme = README.read_text()
    [for_line] = [line for line in readme.splitlines() if line.startswith("For:")]
    assert re.search(rf"running Home Assistant {re.escape(minimum)}$", for_line), for_line
    assert f"The blueprints need Home Assistant {minimum} or newer" in readme
    if os.environ.get("WW_GO_HA") == "floor":
        # The floor environment runs exactly that release.
        assert f"{MAJOR_VERSION}.{MINOR_VERSION}" == minimum


def test_the_release_under_test_is_supported() -> None:
    minimum = _year_month(str(_json(ROOT / "hacs.json")["homeassistant"]))
    assert tuple(int(part) for part in minimum.split(".")) <= (MAJOR_VERSION, MINOR_VERSION)


def test_quality_scale_lists_every_rule_honestly() -> None:
    """Every rule is there; a claimed tier has no rule left to do; exemptions say why."""
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    all_rules = {rule for names in RULES.values() for rule in names.split()}
    assert set(rules) == all_rules
    statuses = {
        name: rule if isinstance(rule, str) else rule["status"] for name, rule in rules.items()
    }
    # A tier is claimed in the manifest only when none of its rules, or a lower tier's, is todo.
    reached = None
    for tier, names in RULES.items():
        if any(statuses[rule] == "todo" for rule in names.split()):
            break
        reached = tier
    assert _json(PACKAGE / "manifest.json").get("quality_scale") == reached
    for name, rule in rules.items():
        if statuses[name] == "exempt":
            assert rule.get("comment"), name


def test_translations_are_the_strings() -> None:
    assert _json(PACKAGE / "translations" / "en.json") == _json(PACKAGE / "strings.json")


def test_every_translation_key_used_in_code_exists() -> None:
    strings = _json(PACKAGE / "strings.json")
    exceptions = strings["exceptions"]
    assert isinstance(exceptions, dict)
    code = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    used = set(re.findall(r'translation_domain=DOMAIN,\s*translation_key="(\w+)"', code))
    used |= {key for _, key in re.findall(r"\((WwGo\w+Error), \"(\w+)\"\)", code)}
    used |= set(re.findall(r'_ISSUE: Final = "(\w+)"', code))
    assert "device_unreachable" in used
    issues = strings["issues"]
    assert isinstance(issues, dict)
    assert used - set(issues) <= set(exceptions)


def test_every_entity_has_a_name_and_an_icon() -> None:
    names = _json(PACKAGE / "strings.json")["entity"]
    icons = _json(PACKAGE / "icons.json")["entity"]
    assert isinstance(names, dict)
    assert isinstance(icons, dict)
    for platform in ("binary_sensor", "button", "event", "sensor"):
        code = (PACKAGE / f"{platform}.py").read_text()
        keys = set(re.findall(r'translation_key="(\w+)"', code))
        assert keys == set(names[platform]) == set(icons[platform]), platform


@pytest.mark.parametrize("name", ["icons.json", "strings.json"])
def test_json_files_load(name: str) -> None:
    assert _json(PACKAGE / name)


def test_services_are_described() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    strings = _json(PACKAGE / "strings.json")["services"]
    assert isinstance(strings, dict)
    for service, spec in services.items():
        assert set(spec["fields"]) == set(strings[service]["fields"])


def _workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads an unquoted `on` key as true.
    triggers = workflow["on"] if "on" in workflow else workflow[True]
    assert isinstance(triggers, dict)
    return triggers


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_validate_workflow_runs_hassfest_and_hacs_daily() -> None:
    workflow = _workflow("validate.yml")
    triggers = _triggers(workflow)
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    # Every day: minute and hour fixed, any day of the month, month and weekday.
    crons = [entry["cron"].split() for entry in triggers["schedule"]]
    assert any(
        cron[2:] == ["*", "*", "*"] and cron[0].isdigit() and cron[1].isdigit() for cron in crons
    ), crons
    steps = _steps(workflow)
    assert "home-assistant/actions/hassfest@master" in {step.get("uses") for step in steps}
    hacs = [step for step in steps if step.get("uses") == "hacs/action@main"]
    assert [step["with"]["category"] for step in hacs] == ["integration"]


def test_tests_workflow_runs_scripts_test_on_three_releases() -> None:
    workflow = _workflow("tests.yml")
    assert {"push", "pull_request"} <= set(_triggers(workflow))
    [job] = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    releases = job["strategy"]["matrix"]["release"]
    assert releases == ["floor", "current", "newest"]
    for name in releases:
        requirements = "requirements_test.txt" if name == "current" else f"requirements_{name}.txt"
        assert (ROOT / requirements).is_file()
    # scripts/_env.sh picks the release's requirements and venv by WW_GO_HA.
    assert job["env"]["WW_GO_HA"] == "${{ matrix.release }}"
    assert job["strategy"]["fail-fast"] is False
    # Only the newest may fail: its harness may lag behind it.
    assert job["continue-on-error"] == "${{ matrix.release == 'newest' }}"
    steps = job["steps"]
    # The checkout, Python 3.14 on PATH for scripts/setup, everything scripts/test runs, and on the
    # floor the check that it is hacs.json's minimum.
    done = [str(step.get("uses", "")).partition("@")[0] or step["run"].strip() for step in steps]
    assert done[:3] == ["actions/checkout", "actions/setup-python", "scripts/test"]
    assert str(steps[1]["with"]["python-version"]) == "3.14"
    [floor_check] = steps[3:]
    assert floor_check["if"] == "matrix.release == 'floor'"
    assert floor_check["run"].split()[:2] == ["scripts/run", "python"]
    selected = floor_check["run"].split("-k", 1)[1].split()[0]
    assert selected in test_floor_release_is_the_hacs_minimum.__name__


def test_release_workflow_publishes_the_zip_hacs_installs() -> None:
    workflow = _workflow("release.yml")
    assert _triggers(workflow) == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "write"}
    runs = [" ".join(step["run"].split()) for step in _steps(workflow) if "run" in step]
    filename = _json(ROOT / "hacs.json")["filename"]
    # Notes first: they refuse a tag that is not v + manifest.json's version.
    assert runs == [
        'python3 scripts/release.py notes "$GITHUB_REF_NAME" >release-notes.md',
        f"python3 scripts/release.py zip {filename}",
        (
            f'gh release create "$GITHUB_REF_NAME" {filename} --verify-tag'
            ' --title "$GITHUB_REF_NAME" --notes-file release-notes.md'
        ),
    ]


def _release_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the checkout's own script
        [sys.executable, str(ROOT / "scripts" / "release.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_changelog_has_the_manifest_version() -> None:
    version = _json(PACKAGE / "manifest.json")["version"]
    changelog = CHANGELOG.read_text()
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{version}] - ")
    answer = _release_script("notes", f"v{version}")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip()
    # Only that section: no other version's heading and no link definitions.
    assert "## [" not in answer.stdout
    assert "]: https://" not in answer.stdout


@pytest.mark.parametrize("tag", ["{version}", "v{version}.1", "v0.0.0", "v{version}-rc1"])
def test_a_tag_other_than_the_manifest_version_is_not_released(tag: str) -> None:
    version = _json(PACKAGE / "manifest.json")["version"]
    answer = _release_script("notes", tag.format(version=version))
    assert answer.returncode == 1
    assert answer.stdout == ""
    assert f"is not v{version}, manifest.json's version" in answer.stderr


def test_release_notes_are_the_section_of_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [0.2.0] - 2027-01-02\n\n### Fixed\n\n"
        "- this\n\n## [0.1.0] - 2026-12-03\n\n- that\n\n[0.2.0]: https://example.org\n"
    )
    monkeypatch.setattr(release, "CHANGELOG", changelog)
    monkeypatch.setattr(release, "manifest_version", lambda: "0.2.0")
    assert release.notes("v0.2.0") == "### Fixed\n\n- this\n"
    monkeypatch.setattr(release, "manifest_version", lambda: "0.1.0")
    assert release.notes("v0.1.0") == "- that\n"
    monkeypatch.setattr(release, "manifest_version", lambda: "0.3.0")
    with pytest.raises(release.ReleaseError, match=re.escape("no section for 0.3.0")):
        release.notes("v0.3.0")


def test_release_zip_holds_the_integration_at_its_root(tmp_path: Path) -> None:
    path = tmp_path / "ww_go.zip"
    answer = _release_script("zip", str(path))
    assert answer.returncode == 0, answer.stderr
    names = set(zipfile.ZipFile(path).namelist())
    files = {
        file.relative_to(PACKAGE).as_posix()
        for file in PACKAGE.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts
    }
    assert names == files
    assert {"manifest.json", "__init__.py", "brand/icon.png", "translations/en.json"} <= names
