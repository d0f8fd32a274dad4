"""Projects: the share of vehicles, sites and suppliers that counts for one client project."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from footprint.activity_mapping import (
    load_activity_mapping,
)
from footprint.config.common import Carrier, Plate, Strict, doubled_keys, month_key


class _Share(Strict):
    share_pct: float = 100.0

    @field_validator("share_pct")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 <= value <= 100:
            raise ValueError(f"share_pct {value:g} is outside 0-100 (a percentage of the item's emissions)")
        return value


class VehicleShare(_Share):
    """All fuel-card transactions of one plate."""

    plate: Plate


class SiteShare(_Share):
    """The energy of a site's meters (electricity, gas, heat); its vehicles are allocated by plate."""

    site: str


class SupplierShare(_Share):
    """A supplier's rows (name as in its statements, any case), optionally of one emission source only."""

    supplier: Annotated[str, Field(min_length=1)] | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "SupplierShare":
        if self.supplier is None and self.source is None:
            raise ValueError("a supplier rule needs a supplier, a source (e.g. flights, supplier_reported) or both")
        return self


class Project(Strict):
    """A project with a CO2 award advantage (gunningvoordeel) and the emissions allocated to it."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    name: Annotated[str, Field(min_length=1)]
    client: str | None = None
    start: str | None = None
    end: str | None = None
    vehicles: list[VehicleShare] = []
    sites: list[SiteShare] = []
    suppliers: list[SupplierShare] = []

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value: object) -> str | None:
        if value is None:
            return None
        return month_key(str(value).strip())

    @model_validator(mode="after")
    def _rules(self) -> "Project":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} lies before start {self.start}")
        if not (self.vehicles or self.sites or self.suppliers):
            raise ValueError("allocates nothing: give vehicles, sites or suppliers with a share_pct")
        for kind, keys in (("vehicles", [v.plate for v in self.vehicles]), ("sites", [s.site for s in self.sites])):
            doubled = doubled_keys(keys)
            if doubled:
                raise ValueError(f"{kind}: {', '.join(doubled)} listed twice; give one rule with the total share")
        keys = [_supplier_key(s) for s in self.suppliers]
        for i, (supplier, source) in enumerate(keys):
            for other, other_source in keys[i + 1:]:
                if supplier in (None, other) or other is None:
                    if source in (None, other_source) or other_source is None:
                        raise ValueError(f"suppliers: two rules can match the same rows ({supplier or 'any supplier'}/"
                                         f"{source or 'any source'} and {other or 'any supplier'}/"
                                         f"{other_source or 'any source'}); make them distinct")
        return self

    def allocations(self) -> list[tuple[str, tuple[str | None, ...], float]]:
        """(kind, key, share_pct) per rule: what the overlap check and the report iterate over."""
        return ([("vehicle", (v.plate,), v.share_pct) for v in self.vehicles]
                + [("site", (s.site,), s.share_pct) for s in self.sites]
                + [("supplier", _supplier_key(s), s.share_pct) for s in self.suppliers])


def _supplier_key(rule: SupplierShare) -> tuple[str | None, str | None]:
    return (rule.supplier.strip().casefold() if rule.supplier else None, rule.source)


def supplier_sources() -> list[str]:
    """Emission sources of supplier, travel and mileage rows: the mapping's sources that are no fuel or meter."""
    activities = load_activity_mapping().activities
    own = {a.source for k, a in activities.items() if k.startswith("fuel:")} | {c.value for c in Carrier}
    return sorted({a.source for a in activities.values()} - own)


def check_projects(projects: list[Project], plates: set[str], site_ids: set[str]) -> None:
    """Unknown plates and sites, and any item allocated beyond 100 % in a month where projects overlap."""
    sources = supplier_sources() if any(s.source for p in projects for s in p.suppliers) else []
    doubled = doubled_keys(p.id for p in projects)
    if doubled:
        raise ValueError(f"projects: a project id is listed twice: {', '.join(doubled)}")
    spans: dict[tuple[str, tuple[str | None, ...]], list[tuple[str, str, float, str]]] = {}
    for i, project in enumerate(projects):
        for j, rule in enumerate(project.vehicles):
            if rule.plate not in plates:
                raise ValueError(f"projects.{i}.vehicles.{j}.plate {rule.plate!r} is not one of the vehicles: "
                                 f"{sorted(plates)}")
        for j, site in enumerate(project.sites):
            if site.site not in site_ids:
                raise ValueError(f"projects.{i}.sites.{j}.site {site.site!r} is not one of the sites: "
                                 f"{sorted(site_ids)}")
        for j, supplier in enumerate(project.suppliers):
            if supplier.source is not None and supplier.source not in sources:
                raise ValueError(f"projects.{i}.suppliers.{j}.source {supplier.source!r} is not a supplier source: "
                                 f"use one of {', '.join(sources)}")
        for kind, key, share in project.allocations():
            spans.setdefault((kind, key), []).append((project.start or "0000-01", project.end or "9999-12", share,
                                                      project.id))
    for (kind, key), items in spans.items():
        for month, _, _, _ in items:
            active = [(share, pid) for start, end, share, pid in items if start <= month <= end]
            if sum(share for share, _ in active) > 100 + 1e-9:
                name = " ".join(k for k in key if k)
                parts = ", ".join(f"{pid} {share:g} %" for share, pid in active)
                when = f"from {month}" if month != "0000-01" else "in the months they share"
                raise ValueError(f"projects: {kind} {name} is allocated beyond 100 % ({parts}) {when}")
