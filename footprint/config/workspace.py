"""Where a run reads and writes: settings from the environment and .env, and the workspace they make with footprint.yaml."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from footprint import yaml_strict
from footprint.config.common import CONFIG_FILE_NAME
from footprint.config.organisation import OrganisationConfig, load_org_config
from footprint.errors import ConfigError

DASK_FILES_PER_TASK: Final = 20  # a task's scheduling costs tens of milliseconds: more than parsing a small file


# DuckDB's own default is 80 % of RAM, and its buffer pool keeps the whole database file it has written
# (500 MiB at 10 M interval rows); the OS page cache keeps the file anyway, so little is lost by capping it.
DUCKDB_MEMORY_LIMIT: Final = "512MB"


# The one default of how long an inbox file must stay unchanged before a run takes it (uploads in progress).
INBOX_SETTLE_SECONDS: Final = 30.0


MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


# Settings whose value a message never repeats: a URL may carry a password.
_SECRET_SETTINGS: Final = frozenset({"pseudonym_key", "warehouse_url", "s3_endpoint_url", "dask_address"})


_SETTING_PROBLEMS: Final = {
    "int_parsing": "not a whole number", "int_from_float": "not a whole number", "float_parsing": "not a number",
    "finite_number": "not a finite number", "bool_parsing": "not true or false",
}


def _encoding_problem(path: Path) -> str:
    """Where a file that failed to decode stops being UTF-8 (its line and byte), for a one-line message."""
    try:
        yaml_strict.decode(path.read_bytes())
    except yaml_strict.EncodingError as exc:
        return str(exc)
    return "not UTF-8 text: save it as UTF-8"


def _settings_problem(error: ValidationError, env_file: object) -> str:
    """One line naming each wrong FOOTPRINT_* variable, where it was set and what is wrong with it."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        variable = f"FOOTPRINT_{name.upper()}"
        where = f" (set in {env_file})" if env_file is not None and variable not in os.environ else ""
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] != "value_error":
            reason = _SETTING_PROBLEMS.get(item["type"], reason[:1].lower() + reason[1:])
            if name not in _SECRET_SETTINGS:
                variable = f"{variable}={item['input']!r}"
        problems.append(f"{variable}{where}: {reason}")
    return "; ".join(problems)


class Settings(BaseSettings):
    """Process settings from the environment (FOOTPRINT_*): they override the YAML's locations."""

    model_config = SettingsConfigDict(env_prefix="FOOTPRINT_", extra="ignore", allow_inf_nan=False)

    def __init__(self, **values: Any) -> None:
        """As BaseSettings; a wrong value in the environment or the .env file is a ConfigError naming the variable."""
        env_file = values.get("_env_file")
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_settings_problem(exc, env_file)) from None
        except UnicodeDecodeError:
            raise ConfigError(f"{env_file}: {_encoding_problem(Path(str(env_file)))}") from None
        except OSError as exc:
            raise ConfigError(f"{env_file}: cannot be read: {exc.strerror or exc}") from None

    config: Path = Path(CONFIG_FILE_NAME)
    warehouse_url: str | None = None
    warehouse_schema: str | None = None
    # An embedded DuckDB warehouse's memory limit (e.g. 512MB, 2GB); beyond it DuckDB spills to
    # WAREHOUSE_FILE.tmp beside the database. Empty: DuckDB's default, 80 % of the machine's RAM.
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    inbox: str | None = None
    raw_store: str | None = None
    # A file is picked up once unchanged this long (0: at once); at most a day.
    inbox_settle_seconds: Annotated[float, Field(ge=0, le=86_400)] = INBOX_SETTLE_SECONDS
    s3_endpoint_url: str | None = None
    outbox: str | None = None
    pseudonym_key: str | None = None
    # Where the ingestion flows run their tasks: thread (one machine) or dask (see docs/operations.md).
    task_runner: str = "thread"
    dask_address: str | None = None
    # A month with more new files than this is parsed in batches of this size and loaded per dataset,
    # in parallel tasks; a smaller one is one task. Unset: one task on threads, 20 files a task on Dask.
    files_per_task: Annotated[int, Field(ge=1)] | None = None
    max_xlsx_uncompressed_mb: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 200.0  # a workbook unpacking to more is refused unread
    max_xlsx_compression_ratio: Annotated[float, Field(gt=1, allow_inf_nan=False)] = 100.0  # a zip bomb's part packs tighter
    max_rows_per_file: Annotated[int, Field(gt=0)] = 5_000_000  # a file (CSV, or a workbook's sheets) with more is refused

    def month_split(self) -> int | None:
        """Files per parsing task when a month is mapped over tasks; None: the month is one task.

        On threads a month stays one task unless asked: its parsing already uses every core, and
        passing rows between tasks as Parquet costs milliseconds per file (about 4 ms to write one
        15-minute file's rows). On Dask, tasks are processes, possibly on other machines: there
        mapping is what spreads the work.
        """
        if self.files_per_task is not None:
            return self.files_per_task
        return DASK_FILES_PER_TASK if self.task_runner.strip().lower() == "dask" else None

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        value = value.strip()
        if value and not MEMORY_SIZE.match(value):
            quoted = " (quotes are part of an environment variable's value: leave them out)" if re.search(
                r"[\"']", value) else ""
            raise ValueError(f"{value!r} is not a size such as 512MB or 2GB{quoted}")
        return value


class Workspace(BaseModel):
    """Everything a run needs to know: the organisation and where its data lives, resolved."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    config_path: Path
    org: OrganisationConfig
    inbox: Path | str  # a folder, or an s3://bucket/prefix URL
    raw_store: Path | str
    inbox_settle_seconds: float  # from Settings: one default
    s3_endpoint_url: str | None = None
    staging: Path | None = None
    warehouse_url: str
    pseudonym_key: str
    outbox: Path
    warehouse_schema: str | None = None
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT


def _resolve(base: Path, location: str) -> Path:
    candidate = Path(location).expanduser()
    return candidate if candidate.is_absolute() else (base / candidate).resolve()


def _location(base: Path, location: str) -> Path | str:
    """An s3:// URL stays as it is; a folder is resolved beside footprint.yaml."""
    return location if location.startswith("s3://") else _resolve(base, location)


def open_workspace(config_path: Path | None = None, settings: Settings | None = None) -> Workspace:
    """Load the organisation and resolve locations: YAML defaults beside the file, environment on top."""
    settings = settings or Settings()
    path = (config_path or settings.config).expanduser().resolve()
    org = load_org_config(path)
    base = path.parent
    env_file = base / ".env"
    if env_file.is_file():
        # A workspace may keep its secrets in a .env beside footprint.yaml; the environment wins.
        settings = Settings(_env_file=env_file, **settings.model_dump(exclude_unset=True))
    warehouse_url = settings.warehouse_url or f"duckdb:///{_resolve(base, org.locations.warehouse)}"
    key = settings.pseudonym_key
    if not key:
        raise ConfigError(
            "FOOTPRINT_PSEUDONYM_KEY is not set: footprint needs a secret key to pseudonymise "
            "fuel-card numbers and driver names before they reach the warehouse"
        )
    return Workspace(
        config_path=path,
        org=org,
        inbox=_location(base, settings.inbox or org.locations.inbox),
        raw_store=_location(base, settings.raw_store or org.locations.raw_store),
        inbox_settle_seconds=settings.inbox_settle_seconds,
        s3_endpoint_url=settings.s3_endpoint_url,
        staging=base / ".staging",
        warehouse_url=warehouse_url,
        pseudonym_key=key,
        outbox=_resolve(base, settings.outbox or org.locations.outbox),
        warehouse_schema=settings.warehouse_schema or org.locations.warehouse_schema,
        duckdb_memory_limit=settings.duckdb_memory_limit,
    )
