"""Fuel-card product names to fuels: the shipped list, extended by fuel-card profiles and footprint.yaml.

The shipped names are fuel_products / non_fuel_products in footprint/data/activity_factors.yaml.
Every fuel-card profile adds its provider's names, and an organisation adds its own under
fuel_cards.products in footprint.yaml (a fuel, or non_fuel). Later sources win for the same name
(compared ignoring case and spacing): shipped, then shipped profiles, then the user's profiles, then
footprint.yaml. The result is an ActivityMapping, so classify_products and known_products take it
as their `mapping` argument unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

import pandas as pd
from pydantic import ValidationError

from footprint import json_strict
from footprint.activity_mapping import (
    FUEL_KEY_PREFIX,
    ActivityMapping,
    load_activity_mapping,
    normalise_product,
)
from footprint.config.common import NON_FUEL
from footprint.config.organisation import OrganisationConfig
from footprint.errors import ConfigError, UserYamlError
from footprint.sources.fuelcard_profile import product_sources

ORG_NON_FUEL_REASON: Final = "not a fuel (fuel_cards.products in footprint.yaml)"
CONFIG_KEY: Final = "fuel_cards"


def fuels(mapping: ActivityMapping | None = None) -> list[str]:
    """The fuels a product can map to: the activities fuel:<name> of the mapping."""
    mapping = mapping or load_activity_mapping()
    return sorted(k.removeprefix(FUEL_KEY_PREFIX) for k in mapping.activities if k.startswith(FUEL_KEY_PREFIX))


class _Products:
    """Product names keyed by their normalised form; a later entry replaces an earlier one."""

    def __init__(self, known_fuels: Iterable[str]) -> None:
        self.fuels = set(known_fuels)
        self.entries: dict[str, tuple[str, str | None, str | None]] = {}

    def fuel(self, product: str, fuel: str, where: str) -> None:
        if fuel not in self.fuels:
            allowed = ", ".join(sorted(self.fuels))
            raise ConfigError(f"{where}: product {product!r} maps to {fuel!r}, which is not a fuel ({allowed})")
        self.entries[normalise_product(product)] = (product, fuel, None)

    def non_fuel(self, product: str, reason: str) -> None:
        self.entries[normalise_product(product)] = (product, None, reason)

    def mapping(self, base: ActivityMapping) -> ActivityMapping:
        fuel_products = {name: fuel for name, fuel, _ in self.entries.values() if fuel is not None}
        non_fuel_products = {name: reason for name, _, reason in self.entries.values() if reason is not None}
        data = base.model_dump() | {"fuel_products": fuel_products, "non_fuel_products": non_fuel_products}
        try:
            return ActivityMapping.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{UserYamlError.key_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
            )
            raise ConfigError(f"the merged fuel-card product mapping is not valid: {problems}") from None


def product_mapping(
    org: OrganisationConfig | None = None,
    config_dir: Path | None = None,
    mapping: ActivityMapping | None = None,
) -> ActivityMapping:
    """The activity mapping with every product name footprint knows for this organisation.

    config_dir is footprint.yaml's folder, against which relative fuel_cards.profiles resolve.
    """
    base = mapping or load_activity_mapping()
    products = _Products(fuels(base))
    for product, fuel in base.fuel_products.items():
        products.fuel(product, fuel, "activity_factors.yaml fuel_products")
    for product, reason in base.non_fuel_products.items():
        products.non_fuel(product, reason)
    for fmt in product_sources(org, config_dir):
        for product, fuel in fmt.profile.fuel_products.items():
            products.fuel(product, fuel, f"{fmt.source} fuel_products")
        for product, reason in fmt.profile.non_fuel_products.items():
            products.non_fuel(product, reason)
    if org is not None:
        for product, target in org.fuel_cards.products.items():
            if target == NON_FUEL:
                products.non_fuel(product, ORG_NON_FUEL_REASON)
            else:
                products.fuel(product, target, f"footprint.yaml {CONFIG_KEY}.products")
    return products.mapping(base)


def product_yaml_line(product: str, target: str) -> str:
    """The footprint.yaml line mapping `product` to `target` (a fuel or non_fuel), quoted safely."""
    return f"{CONFIG_KEY}: {{products: {{{json_strict.dumps(product, ensure_ascii=False)}: {target}}}}}"


def _words(name: str) -> set[str]:
    return set(normalise_product(name).replace("-", " ").split())


def suggested_target(product: str, mapping: ActivityMapping | None = None) -> str | None:
    """The fuel (or non_fuel) of the known products sharing most words with `product`, if they agree."""
    mapping = mapping or load_activity_mapping()
    words = _words(product)
    targets: dict[str, int] = {}
    best = 0
    known = [*mapping.fuel_products.items(), *((name, NON_FUEL) for name in mapping.non_fuel_products)]
    for name, target in known:
        shared = len(words & _words(name))
        if shared and shared >= best:
            if shared > best:
                targets, best = {}, shared
            targets[target] = shared
    return next(iter(targets)) if len(targets) == 1 else None


def unmapped_product_hint(product: str, mapping: ActivityMapping | None = None) -> str:
    """What a quality officer reads for an unmapped product: the footprint.yaml line that maps it."""
    mapping = mapping or load_activity_mapping()
    known_fuels = fuels(mapping)
    target = suggested_target(product, mapping)
    if target is None:
        return (
            f"product {product!r} is not mapped: add to footprint.yaml {product_yaml_line(product, NON_FUEL)} "
            f"if it is not a fuel, or the fuel it is instead of {NON_FUEL} ({', '.join(known_fuels)})"
        )
    others = ", ".join(c for c in [*known_fuels, NON_FUEL] if c != target)
    line = product_yaml_line(product, target)
    return f"product {product!r} is not mapped: add to footprint.yaml {line} (or {others})"


def unmapped_product_hints(products: pd.Series, mapping: ActivityMapping | None = None) -> pd.Series:
    """unmapped_product_hint per row, worked out once per distinct product name."""
    mapping = mapping or load_activity_mapping()
    codes, uniques = pd.factorize(products)
    hints = pd.array([unmapped_product_hint(str(u), mapping) for u in uniques] + [pd.NA], dtype="string")
    return pd.Series(hints.take(codes), index=products.index, name="hint")
