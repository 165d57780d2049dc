"""TLS contexts: verification defaults, CA files, caching off the event loop."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest

from pop3_mail.errors import ConfigError
from pop3_mail.pop3 import build_ssl_context, get_ssl_context
from pop3_mail.settings import Security, ServerSettings
from tests.support.certs import CertFiles


def test_verifying_context() -> None:
    context = build_ssl_context(verify=True, cafile=None)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_unverified_context_is_explicit() -> None:
    context = build_ssl_context(verify=False, cafile=None)
    assert context.verify_mode is ssl.CERT_NONE
    assert not context.check_hostname


def test_unreadable_ca_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        build_ssl_context(verify=True, cafile=str(tmp_path / "missing.pem"))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigError):
        build_ssl_context(verify=True, cafile=str(garbage))


async def test_contexts_are_cached_and_reloaded_when_the_ca_file_changes(
    fault_certs: CertFiles, tmp_path: Path
) -> None:
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(fault_certs.cafile.read_bytes())
    settings = ServerSettings(host="127.0.0.1", username="u", cafile=str(cafile))
    first = await get_ssl_context(settings)
    assert first is await get_ssl_context(settings)
    stat = cafile.stat()
    os.utime(cafile, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert await get_ssl_context(settings) is not first

    system = ServerSettings(host="127.0.0.1", username="u")
    assert await get_ssl_context(system) is await get_ssl_context(system)
    insecure = ServerSettings(
        host="127.0.0.1", username="u", security=Security.PLAIN, allow_insecure=True
    )
    assert await get_ssl_context(insecure) is None


async def test_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    settings = ServerSettings(host="127.0.0.1", username="u", cafile=str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigError):
        await get_ssl_context(settings)
