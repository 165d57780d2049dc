"""Notifications through apprise: one target per service, delivered off the event loop.

Every function here blocks (apprise imports ~200 plugin modules on first use and sends with
``requests``); callers run them through an executor. Works with apprise 1.9.x and 2.x: results
are only used through ``bool()``, arguments are passed positionally where the two differ.

Each service of an action is a separate *target* with a stable fingerprint, so a failure of one
service is retried without notifying the others twice. Only apprise's privacy form of a URL
(``json://user:****@host/path``) is ever logged or shown.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .attachments import AttachmentFile
from .redaction import hide_in_library_logs, url_secrets

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """One apprise service; ``label`` is its privacy URL without the query (safe to log)."""

    fingerprint: str
    label: str
    service: Any = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class LoadedTargets:
    """What loading an action's services gave: usable targets and safe problem descriptions.

    ``retryable`` is true when a problem may go away by itself (an unreadable config file),
    ``unusable`` when a URL of the action can never be used (apprise does not know it).
    """

    targets: tuple[NotifyTarget, ...] = ()
    problems: tuple[str, ...] = ()
    retryable: bool = False
    unusable: bool = False


def fingerprint(secret_url: str) -> str:
    """Stable identity of a service that reveals nothing about its URL."""
    return hashlib.sha256(secret_url.encode()).hexdigest()[:16]


def load_targets(urls: Sequence[str], config: str | None, tags: Sequence[str]) -> LoadedTargets:
    """Instantiate the services of one notify action (blocking).

    Never raises: a URL or config file apprise chokes on becomes a problem description.
    """
    import apprise  # noqa: PLC0415 - heavy, and only ever imported in a worker thread

    asset = _asset(apprise)
    targets: list[NotifyTarget] = []
    problems: list[str] = []
    for number, url in enumerate(urls, start=1):
        hide_in_library_logs(url_secrets(url))  # apprise logs while it parses the URL
        try:
            service = apprise.Apprise.instantiate(url, asset=asset)
        except Exception as err:  # a plugin bug must not end the dispatcher
            service, failure = None, f" ({type(err).__name__})"
        else:
            failure = ""
        if service is None:
            problems.append(
                f"URL #{number} ({_scheme(url)}://…) is not a valid apprise URL{failure}"
            )
            continue
        targets.append(_target(service, fingerprint(url), url))
    unusable = bool(problems)
    retryable = False
    if config:
        found, problem = _config_services(apprise, asset, config, tags)
        if problem:
            problems.append(problem)
            retryable = True
        targets.extend(
            _target(service, fingerprint(service.url()), service.url()) for service in found
        )
    return LoadedTargets(tuple(_unique(targets)), tuple(problems), retryable, unusable)


def _config_services(
    apprise: Any, asset: Any, config: str, tags: Sequence[str]
) -> tuple[list[Any], str | None]:
    """The services of an apprise config file with one of ``tags``, or why there are none."""
    if not os.access(config, os.R_OK) or not Path(config).is_file():
        return [], f"apprise config file {config} cannot be read"
    try:
        manager = apprise.Apprise(asset=asset)
        config_source = apprise.AppriseConfig(asset=asset)
        config_source.add(config)
        manager.add(config_source)
        found: list[Any] = list(manager.find(list(tags)) if tags else manager.find())
    except Exception as err:  # a plugin bug must not end the dispatcher
        return [], f"apprise config file {config} cannot be loaded ({type(err).__name__})"
    if not found:
        selection = f" with tag {' or '.join(tags)}" if tags else ""
        return [], f"apprise config file {config} has no service{selection}"
    return found, None


def invalid_urls(urls: Sequence[str]) -> list[int]:
    """Positions (from 0) of URLs apprise cannot use; for forms that validate input (blocking)."""
    import apprise  # noqa: PLC0415 - heavy, and only ever imported in a worker thread

    invalid = []
    for index, url in enumerate(urls):
        hide_in_library_logs(url_secrets(url))
        service: Any
        try:
            service = apprise.Apprise.instantiate(url)
        except Exception:  # a plugin bug means "cannot use it" here
            service = None
        if service is None:
            invalid.append(index)
        else:
            hide_in_library_logs(url_secrets(url, str(service.url(privacy=True))))
    return invalid


def send(
    target: NotifyTarget,
    *,
    title: str,
    body: str,
    body_format: str,
    attachments: Sequence[AttachmentFile] = (),
) -> str | None:
    """Notify one service (blocking); ``None`` on success, else a safe reason."""
    import apprise  # noqa: PLC0415 - heavy, and only ever imported in a worker thread

    manager = apprise.Apprise(asset=target.service.asset)
    manager.add(target.service)
    with tempfile.TemporaryDirectory(prefix="pop3mail-attach-") as directory:
        paths = _write_attachments(Path(directory), attachments)
        try:
            result = manager.notify(
                body,
                title,
                body_format=body_format,  # a plain string: 1.x has no NotifyFormat enum
                attach=paths or None,
            )
        except Exception as err:  # a plugin bug must not end the dispatcher
            return f"apprise raised {type(err).__name__}"
    if result:
        return None
    if result is None or getattr(result, "status", None) == 3:  # 1.x None / 2.x NOMATCH
        return "apprise did not send anything (service disabled?)"
    return "the service reported a failure"


def _asset(apprise: Any) -> Any:
    """Services that notify in the calling thread (already a worker of ours).

    apprise's defaults hand each service to process-wide thread pools (``async_mode``, and in
    2.x a per-service deadline) whose threads then live on for the life of the process.
    """
    try:
        return apprise.AppriseAsset(async_mode=False, service_timeout=0)
    except (TypeError, AttributeError):  # apprise 1.x has no service_timeout
        return apprise.AppriseAsset(async_mode=False)


def _target(service: Any, key: str, secret_url: str) -> NotifyTarget:
    privacy_url = str(service.url(privacy=True))
    hide_in_library_logs(url_secrets(secret_url, privacy_url))
    # Without the query: apprise's privacy form masks passwords and tokens but shows custom
    # headers (+Authorization=...) and URL parameters (-token=...) as they are.
    return NotifyTarget(fingerprint=key, label=privacy_url.partition("?")[0], service=service)


def _unique(targets: list[NotifyTarget]) -> list[NotifyTarget]:
    """One target per fingerprint (the same URL listed twice is notified once)."""
    return list({target.fingerprint: target for target in targets}.values())


def _scheme(url: str) -> str:
    scheme = url.partition("://")[0]
    return scheme[:20] if scheme.isalnum() else "?"


def _write_attachments(directory: Path, attachments: Sequence[AttachmentFile]) -> list[str]:
    paths = []
    for index, attachment in enumerate(attachments):
        # One sub-directory each keeps the original file names even when two are equal.
        path = directory / str(index) / attachment.filename
        path.parent.mkdir()
        path.write_bytes(attachment.data)
        paths.append(str(path))
    return paths
