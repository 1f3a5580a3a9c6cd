"""Which web hosts count as official sources of guidance facts: `config/official_sources.yml`.

A guidance fact tells a person what to do, so its page must come from a public body (the federal
and regional governments, their agencies, municipalities, the EU). The list is configuration:
a host is official when it is one of the listed domains or a subdomain of one, or ends with a listed
suffix (only for suffixes that public bodies alone can register under, such as `.fgov.be`). Hosts
run by others (a private fund, a non-profit) are listed apart, each with who runs it and why it is
used, so that nobody allows one by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Union
from urllib.parse import urlsplit

import yaml

CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "official_sources.yml"


@dataclass(frozen=True)
class OtherSource:
    """A host that is not an official public body, used as a source with a stated reason."""

    domain: str
    publisher: str
    reason: str


@dataclass(frozen=True)
class AllowList:
    domains: tuple[str, ...]
    suffixes: tuple[str, ...]
    others: Mapping[str, OtherSource] = field(default_factory=dict)

    def official(self, url: Optional[str]) -> bool:
        """True when the URL's host is a listed official domain (or a subdomain) or has a listed suffix."""
        host = host_of(url)
        if not host:
            return False
        return _within(host, self.domains) or any(host.endswith(suffix) for suffix in self.suffixes)

    def other(self, url: Optional[str]) -> Optional[OtherSource]:
        """The listed non-official publisher of the URL's host, if any."""
        host = host_of(url)
        if not host:
            return None
        for domain, entry in self.others.items():
            if _within(host, (domain,)):
                return entry
        return None


def host_of(url: Optional[str]) -> Optional[str]:
    """The host of a URL, lower case, without port or the DNS root's trailing dot ("vlaanderen.be.")."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = (parts.hostname or "").rstrip(".").lower()
    return host or None


def _within(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def load_allow_list(path: Union[str, Path] = CONFIG_PATH) -> AllowList:
    """Read the allow-list; a malformed file raises ValueError naming what is wrong."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with 'domains' and 'suffixes'")
    domains = tuple(str(d).strip().lower().rstrip(".") for d in data.get("domains") or ())
    suffixes = tuple(str(s).strip().lower() for s in data.get("suffixes") or ())
    for suffix in suffixes:
        if not suffix.startswith(".") or suffix.count(".") < 2:
            # ".be" or ".brussels" alone would allow anyone's site: a suffix names a zone that only
            # public bodies can have names in.
            raise ValueError(f"{path}: suffix {suffix!r} must start with a dot and name more than a top-level domain")
    for domain in domains:
        if not domain or "/" in domain or domain.startswith("."):
            raise ValueError(f"{path}: bad domain {domain!r} (a host name such as fedasil.be)")
    others: dict[str, OtherSource] = {}
    for entry in data.get("not_public_bodies") or ():
        if not isinstance(entry, dict) or not all(str(entry.get(k) or "").strip() for k in ("domain", "publisher", "reason")):
            raise ValueError(f"{path}: each of not_public_bodies needs a domain, a publisher and a reason: {entry!r}")
        domain = str(entry["domain"]).strip().lower().rstrip(".")
        others[domain] = OtherSource(domain, str(entry["publisher"]).strip(), str(entry["reason"]).strip())
    overlap = [d for d in others if _within(d, domains) or any(d.endswith(s) for s in suffixes)]
    if overlap:
        raise ValueError(f"{path}: listed both as official and as not a public body: {', '.join(overlap)}")
    return AllowList(domains=domains, suffixes=suffixes, others=others)


__all__ = ["AllowList", "CONFIG_PATH", "OtherSource", "host_of", "load_allow_list"]
