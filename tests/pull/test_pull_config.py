"""footprint.yaml's pull: section: each source once, only listed meters, a secret by name, mail only from whom it says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from company_files import CONFIG, ELECTRICITY_EAN
from pydantic import TypeAdapter

from footprint.config.organisation import load_org_config
from footprint.config.pull import PullSource
from footprint.config.starter import starter_config
from footprint.errors import ConfigError

API = {"name": "meten", "kind": "meetbedrijf", "url": "https://api.example/", "secret": "METEN_KEY",
       "eans": [ELECTRICITY_EAN]}
SFTP = {"name": "tankpas", "kind": "sftp", "host": "sftp.example", "secret": "TANKPAS"}


def _load(tmp_path: Path, pull: list[dict]) -> object:
    path = tmp_path / "footprint.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, "pull": pull}), encoding="utf-8")
    return load_org_config(path)


def test_a_valid_section_loads(tmp_path: Path) -> None:
    org = _load(tmp_path, [API, SFTP])
    assert [s.name for s in org.pull] == ["meten", "tankpas"]
    assert org.pull[1].host_key_checking is True and org.pull[1].port == 22


@pytest.mark.parametrize(("pull", "problem"), [
    ([API, {**SFTP, "name": "meten"}], "pull: source meten is listed twice"),
    ([{**API, "eans": ["871687120000000011"]}], "pull.0.eans: 871687120000000011 not in meters"),
    ([{**API, "eans": ["871687120000000001"]}], "fails its check digit"),
    ([{**SFTP, "secret": "not a name"}], "pull.0.sftp.secret"),
    ([{**SFTP, "password": "hunter2"}], "pull.0.sftp.password: is not a known key"),
    ([{"name": "post", "kind": "imap", "host": "imap.example", "secret": "POST"}], "needs senders"),
    ([{**SFTP, "kind": "ftp"}], "pull.0"),
], ids=["twice", "unlisted-ean", "check-digit", "secret-name", "password-in-yaml", "mail-from-anyone", "kind"])
def test_a_wrong_section_names_the_key(tmp_path: Path, pull: list[dict], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem.replace(".", r"\.")):
        _load(tmp_path, pull)


def test_the_starter_examples_are_valid_sources() -> None:
    """The commented examples footprint init writes work when a user removes the #."""
    text = starter_config("X").split("pull: []\n", 1)[1].split("\n\n", 1)[0]
    examples = yaml.safe_load("\n".join(line[1:] for line in text.splitlines()))
    kinds = [TypeAdapter(PullSource).validate_python(example).kind for example in examples]
    assert kinds == ["meetbedrijf", "sftp", "imap"]


def test_every_kind_footprint_yaml_accepts_has_a_connector() -> None:
    from typing import get_args

    from footprint.config.pull import ImapSource, MeteringApiSource, SftpSource
    from footprint.pull.kinds import OPENERS

    kinds = {kind for model in (MeteringApiSource, SftpSource, ImapSource)
             for kind in get_args(model.model_fields["kind"].annotation)}
    assert kinds == set(OPENERS) == {"meetbedrijf", "energiemissie", "meterbeheer_hub", "sftp", "imap"}
