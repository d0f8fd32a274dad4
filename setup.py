"""The package list, which pyproject.toml cannot state: sql/ and expectations/ stay at the top of the repository,
where DBAs and quality officers look for them, yet install as footprint.sql and footprint.expectations so that a
wheel on a Prefect worker carries its migrations and suites. A find directive in pyproject.toml would replace this
list instead of adding to it, so the packages are found here.
"""

from setuptools import find_namespace_packages, setup

RESOURCE_PACKAGES: dict[str, str] = {
    "footprint.sql": "sql",
    "footprint.sql.views": "sql/views",
    "footprint.expectations": "expectations",
}

setup(
    packages=[*find_namespace_packages(include=["footprint*", "flows", "tasks"]), *RESOURCE_PACKAGES],
    package_dir=RESOURCE_PACKAGES,
)
