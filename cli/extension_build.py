"""Packaging the browser extension: `threadr extension build [--server-url URL] [--out DIR]`.

The build stages `extension/` with the server URL baked in (`config.js`), a host permission
for exactly that origin, the version from `pyproject.toml`, and fresh copies of the web
page's weighted counter and SSE reader (`web/static/js`, never forked by hand), then writes
a deterministic zip for the Chrome Web Store and Firefox Add-ons. The `test` variant also
gets `http://127.0.0.1/*` so a test browser can read pages served on any local port.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
EXTENSION_DIR = REPO / "extension"
WEB_JS = REPO / "web" / "static" / "js"
VENDORED = ("sse.js", "weighted-length.js", "weighted-length-data.js", "editor.js", "numbering.js",
            "preview.js", "draft.js", "editor.css")
TEST_HOST_PERMISSION = "http://127.0.0.1/*"
VARIANTS = ("release", "test")
_SKIPPED = {"tools", "vendor", "README.md"}  # dev-only files; vendor/ is copied fresh
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def project_version(pyproject: Path = REPO / "pyproject.toml") -> str:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def manifest_version_of(version: str) -> str:
    """Browsers want 1-4 dot-separated integers: "1.2.0rc1" → "1.2.0"."""
    match = re.match(r"\d+(?:\.\d+){0,3}", version)
    return ".".join(str(int(p)) for p in match.group(0).split(".")) if match else "0.0.0"


def server_origin(url: str) -> str:
    """The origin (scheme://host[:port]) of an http(s) server URL; ValueError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the extension's server URL must be http(s)://host[:port], not {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the extension's server URL must not carry credentials, a query or a fragment")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"invalid port in the extension's server URL {url!r}") from None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def build_manifest(source: dict, *, version: str, origin: str, variant: str) -> dict:
    """The shipped manifest: version, and host permission for exactly the server's origin."""
    manifest = dict(source)
    manifest["version"] = manifest_version_of(version)
    if manifest["version"] != version:
        manifest["version_name"] = version
    hosts = [f"{origin}/*"]
    if variant == "test":
        hosts.append(TEST_HOST_PERMISSION)
    manifest["host_permissions"] = hosts
    return manifest


def sync_vendor(source: Path = EXTENSION_DIR, web_js: Path = WEB_JS) -> list[str]:
    """Refresh `extension/vendor/` (so `extension/` loads unpacked); returns the files changed."""
    changed = []
    vendor = source / "vendor"
    vendor.mkdir(exist_ok=True)
    for name in VENDORED:
        data = (web_js / name).read_bytes()
        target = vendor / name
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            changed.append(name)
    return changed


def stage_extension(dest: Path, *, server_url: str, version: str, variant: str = "release",
                    source: Path = EXTENSION_DIR, web_js: Path = WEB_JS) -> Path:
    """Write the unpacked extension into `dest` (created; must not exist) and return it."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown extension variant {variant!r} (one of {', '.join(VARIANTS)})")
    origin = server_origin(server_url)
    shutil.copytree(source, dest, ignore=lambda d, names: [
        n for n in names if (Path(d) == source and n in _SKIPPED) or n.startswith(".")])
    (dest / "vendor").mkdir()
    for name in VENDORED:
        shutil.copyfile(web_js / name, dest / "vendor" / name)
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest = build_manifest(manifest, version=version, origin=origin, variant=variant)
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (dest / "config.js").write_text(
        "// Written by `threadr extension build`.\n"
        f"export const DEFAULT_SERVER_URL = {json.dumps(origin)};\n", encoding="utf-8")
    return dest


def write_zip(staged: Path, target: Path) -> Path:
    """A reproducible zip: sorted entries, fixed timestamps, manifest.json at the root."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(staged).as_posix(), _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


def build_extension(server_url: str, out_dir: Path, *, variant: str = "release",
                    version: str | None = None, source: Path = EXTENSION_DIR,
                    web_js: Path = WEB_JS) -> Path:
    """Build `out_dir/threadr-extension-<version>[-test].zip` and return its path."""
    version = version or project_version()
    suffix = "" if variant == "release" else f"-{variant}"
    with tempfile.TemporaryDirectory(prefix="threadr-ext-") as tmp:
        staged = stage_extension(Path(tmp) / "ext", server_url=server_url, version=version,
                                 variant=variant, source=source, web_js=web_js)
        return write_zip(staged, Path(out_dir) / f"threadr-extension-{version}{suffix}.zip")


def add_extension_parser(sub) -> None:
    ext = sub.add_parser("extension", help="package the browser extension")
    actions = ext.add_subparsers(dest="extension_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write dist/threadr-extension-<version>.zip")
    build.add_argument("--server-url", help="the Threadr server the extension talks to "
                                            "(default: EXTENSION_SERVER_URL)")
    build.add_argument("--out", default="dist", help="output directory (default: dist)")
    build.add_argument("--variant", choices=VARIANTS, default="release",
                       help="'test' also allows http://127.0.0.1/* (for the e2e tests)")


def run_extension_command(args, settings) -> int:
    server_url = args.server_url or settings.extension_server_url
    try:
        changed = sync_vendor()
        target = build_extension(server_url, Path(args.out), variant=args.variant)
    except (ValueError, OSError) as exc:
        print(f"threadr: extension build failed: {exc}", file=sys.stderr)
        return 2
    if changed:
        print(f"refreshed extension/vendor: {', '.join(changed)}", file=sys.stderr)
    print(target)
    return 0
