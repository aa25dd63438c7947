"""The extension's manifest, pages and packaging (`cli.extension_build`), without a browser."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cli.extension_build import (
    EXTENSION_DIR,
    TEST_HOST_PERMISSION,
    VENDORED,
    WEB_JS,
    build_extension,
    manifest_version_of,
    project_version,
    server_origin,
)

PERMISSIONS = {"activeTab", "scripting", "storage", "contextMenus"}
SERVER = "https://threadr.example.com"


def source_manifest() -> dict:
    return json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))


def built(tmp_path: Path, variant: str = "release", server: str = SERVER) -> zipfile.ZipFile:
    return zipfile.ZipFile(build_extension(server, tmp_path / variant, variant=variant))


def test_the_manifest_is_manifest_v3_with_what_both_browsers_need():
    m = source_manifest()
    assert m["manifest_version"] == 3
    assert m["name"] and m["description"] and re.fullmatch(r"\d+(\.\d+){0,3}", m["version"])
    assert m["action"]["default_popup"] == "popup.html"
    assert m["background"]["service_worker"] == "background.js"
    assert m["background"]["scripts"] == ["background.js"]  # Firefox's fallback
    assert m["browser_specific_settings"]["gecko"]["id"]
    assert m["options_ui"]["page"] == "options.html"


def test_the_extension_asks_only_for_the_four_permissions_and_one_server():
    m = source_manifest()
    assert set(m["permissions"]) == PERMISSIONS and len(m["permissions"]) == 4
    assert m["host_permissions"] == ["http://localhost:8080/*"]
    assert not {"optional_permissions", "optional_host_permissions", "content_scripts",
                "externally_connectable", "web_accessible_resources"} & set(m)


def test_only_the_extension_own_scripts_may_run():
    csp = source_manifest()["content_security_policy"]["extension_pages"]
    assert "script-src 'self'" in csp and "unsafe" not in csp and "http" not in csp


def test_every_file_the_manifest_names_exists():
    m = source_manifest()
    named = [m["action"]["default_popup"], m["background"]["service_worker"],
             m["options_ui"]["page"], *m["icons"].values(), *m["action"]["default_icon"].values()]
    for name in named:
        assert (EXTENSION_DIR / name).is_file(), name


def test_icons_are_pngs_of_their_declared_size():
    for size, name in source_manifest()["icons"].items():
        data = (EXTENSION_DIR / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (int(size), int(size))


@pytest.mark.parametrize("page", ["popup.html", "options.html"])
def test_pages_load_only_local_module_scripts_and_no_inline_code(page):
    soup = BeautifulSoup((EXTENSION_DIR / page).read_text(encoding="utf-8"), "html.parser")
    scripts = soup.find_all("script")
    assert scripts
    for script in scripts:
        assert script.get("src") and not script.string
        assert "://" not in script["src"] and (EXTENSION_DIR / script["src"]).is_file()
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name


def test_no_script_evaluates_or_fetches_code():
    for path in EXTENSION_DIR.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(|importScripts\(|import\(\s*['\"]http",
                             source), path.name
        for target in re.findall(r"^import .* from '([^']+)';", source, re.M):
            assert target.startswith("./") and (path.parent / target).is_file(), target


def test_the_vendored_counter_and_stream_reader_are_exact_copies_of_the_web_page_ones():
    for name in VENDORED:
        copy = EXTENSION_DIR / "vendor" / name
        assert copy.read_bytes() == (WEB_JS / name).read_bytes(), \
            f"extension/vendor/{name} is stale: run `threadr extension build`"


def test_the_build_bakes_in_the_server_and_asks_for_exactly_its_origin(tmp_path):
    with built(tmp_path, server="https://Threadr.example.com:8443/app/") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        config = zf.read("config.js").decode()
        names = set(zf.namelist())
    assert manifest["host_permissions"] == ["https://threadr.example.com:8443/*"]
    assert 'DEFAULT_SERVER_URL = "https://threadr.example.com:8443";' in config
    assert manifest["version"] == manifest_version_of(project_version())
    assert set(manifest["permissions"]) == PERMISSIONS
    assert {"manifest.json", "popup.html", "background.js", "icons/icon-128.png"} <= names
    assert {f"vendor/{name}" for name in VENDORED} <= names
    assert not any(n.startswith(("tools/", ".")) or n.endswith(".md") for n in names)


def test_the_vendored_files_in_the_zip_come_from_the_web_page(tmp_path):
    with built(tmp_path) as zf:
        for name in VENDORED:
            assert zf.read(f"vendor/{name}") == (WEB_JS / name).read_bytes()


def test_the_test_build_may_also_read_pages_on_any_local_port(tmp_path):
    with built(tmp_path, "test", "http://127.0.0.1:8765") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["host_permissions"] == ["http://127.0.0.1:8765/*", TEST_HOST_PERMISSION]
    assert zf.filename.endswith("-test.zip")


def test_two_builds_are_byte_identical(tmp_path):
    first = build_extension(SERVER, tmp_path / "a").read_bytes()
    assert build_extension(SERVER, tmp_path / "b").read_bytes() == first


@pytest.mark.parametrize("url", ["ftp://threadr.example.com", "threadr.example.com",
                                 "https://", "https://user:pw@threadr.example.com",
                                 "https://threadr.example.com/?q=1", "https://h:99999"])
def test_a_server_url_that_is_not_a_plain_http_origin_is_refused(url):
    with pytest.raises(ValueError, match="server URL"):
        server_origin(url)


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", "0.1.0"), ("1.2.0rc1", "1.2.0"), ("2.0.0.dev3", "2.0.0"), ("01.02", "1.2"),
    ("1.2.3.4.5", "1.2.3.4"), ("dev", "0.0.0"),
])
def test_the_manifest_version_is_what_browsers_accept(version, expected):
    assert manifest_version_of(version) == expected


def test_threadr_extension_build_writes_the_zip(tmp_path, monkeypatch, capsys):
    from cli.main import main

    monkeypatch.setenv("EXTENSION_SERVER_URL", "https://threadr.example.org")
    monkeypatch.setenv("THREADR_DATA_DIR", str(tmp_path / "data"))
    assert main(["extension", "build", "--out", str(tmp_path / "dist")]) == 0
    target = Path(capsys.readouterr().out.strip())
    assert target == tmp_path / "dist" / f"threadr-extension-{project_version()}.zip"
    with zipfile.ZipFile(target) as zf:
        assert json.loads(zf.read("manifest.json"))["host_permissions"] == \
            ["https://threadr.example.org/*"]


def test_threadr_extension_build_refuses_a_bad_server_url_in_one_line(tmp_path, capsys):
    from cli.main import main

    assert main(["extension", "build", "--server-url", "ftp://x", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "server URL must be http(s)" in err and "Traceback" not in err
