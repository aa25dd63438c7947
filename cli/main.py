"""The `threadr` command line: serve, thread, migrate, doctor, billing, extension, the bots.

Every command reads the settings once, enters the composition root it needs, and turns
domain errors into one clear line on stderr with a non-zero exit status — never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from cli.inputs import CliError, InputRefused
from core import __version__
from core.errors import ThreadrError
from core.models import (
    LinkPolicy,
    Mode,
    Numbering,
    NumberingPosition,
    Platform,
    ThreadOptions,
    Tone,
)


def _add_thread_parser(sub) -> None:
    p = sub.add_parser("thread", help="make a thread from a URL, a file or stdin (offline by default)",
                       description="Print a ready-to-post X thread for an article.")
    p.add_argument("url", nargs="?", help="article URL to fetch")
    p.add_argument("-f", "--file", help="text or .html file to read ('-' for stdin)")
    p.add_argument("--html", metavar="FILE", help="an HTML file (use with --url)")
    p.add_argument("--url", dest="page_url", help="the URL the HTML/text came from")
    p.add_argument("--mode", choices=[m.value for m in Mode], default="summarize",
                   help="summarize into a thread (default, for every input), or split your "
                        "own text into posts, every word kept")
    p.add_argument("--no-limit", action="store_true",
                   help="read inputs larger than the API accepts (text 100 kB, HTML 5 MB)")
    p.add_argument("--numbering", choices=[n.value for n in Numbering], default="1/n")
    p.add_argument("--numbering-position", choices=[n.value for n in NumberingPosition],
                   default="suffix")
    p.add_argument("--max-posts", type=int, metavar="N", help="at most N posts (1-25)")
    p.add_argument("--link", choices=[x.value for x in LinkPolicy], default="last",
                   help="where the source link goes")
    p.add_argument("--tone", choices=[t.value for t in Tone], default="neutral")
    p.add_argument("--hashtags", type=int, default=0, choices=range(0, 4), metavar="0-3")
    p.add_argument("--emoji", action="store_true", help="allow emoji in generated posts")
    p.add_argument("--platform", choices=[x.value for x in Platform], default="x",
                   help="the network whose length rules the posts follow")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="threadr", description="Turn any article into a ready-to-post X thread.")
    parser.add_argument("--version", action="version", version=f"threadr {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the web page and HTTP API")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    _add_thread_parser(sub)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("doctor", help="show configuration and check every dependency")
    sub.add_parser("telegram", help="run the Telegram bot (long polling; TELEGRAM_TOKEN)")
    sub.add_parser("discord", help="run the Discord bot (DISCORD_TOKEN)")
    from cli.admin import add_admin_parser  # `admin grant|revoke EMAIL`

    add_admin_parser(sub)
    from cli.billing import add_billing_parser  # `billing reconcile [--since]`

    add_billing_parser(sub)
    from cli.extension_build import add_extension_parser  # `extension build`

    add_extension_parser(sub)
    from cli.publish import add_publish_parsers  # `worker`, `publish`

    add_publish_parsers(sub)
    return parser


def _options(args) -> ThreadOptions:
    if args.max_posts is not None and not 1 <= args.max_posts <= 25:
        raise CliError("--max-posts must be between 1 and 25")
    return ThreadOptions(
        mode=Mode(args.mode), numbering=Numbering(args.numbering),
        numbering_position=NumberingPosition(args.numbering_position),
        link=LinkPolicy(args.link), max_posts=args.max_posts, tone=Tone(args.tone),
        hashtags=args.hashtags, emoji=args.emoji, platform=Platform(args.platform),
    )


def _looks_like_html(name: str) -> bool:
    return name != "-" and Path(name).suffix.lower() in {".html", ".htm", ".xhtml"}


def _read(name: str, settings, *, html: bool) -> str:
    from cli.inputs import as_text, read_input

    cap = None if settings is None else 4 * max(settings.max_text_bytes, settings.max_html_bytes)
    raw = read_input(name, cap)
    if cap is not None and len(raw) > cap:
        raise CliError(f"{'stdin' if name == '-' else name} is larger than the API accepts "
                       f"({settings.max_text_bytes // 1000} kB of text, "
                       f"{settings.max_html_bytes // 1_000_000} MB of HTML); "
                       "use --no-limit to read it anyway")
    return as_text(raw, name, html=html)


def _request(args, settings=None):
    """The request for the given source; `settings` (None with --no-limit) bound the sizes."""
    from core.models import ThreadRequest

    sources = [x for x in (args.url, args.file, args.html) if x]
    if len(sources) != 1:
        raise CliError("give exactly one of: URL, -f FILE, --html FILE")
    options = _options(args)
    if args.url:
        return ThreadRequest(url=args.url, options=options)
    if args.html or _looks_like_html(args.file):
        return ThreadRequest(html=_read(args.html or args.file, settings, html=True),
                             url=args.page_url, options=options)
    text = _read(args.file, settings, html=args.file == "-")
    if "<html" in text[:2000].lower() and args.file == "-":
        return ThreadRequest(html=text, url=args.page_url, options=options)
    return ThreadRequest(text=text, url=args.page_url, options=options)


def _within_limits(request, settings) -> None:
    from core.errors import PayloadTooLarge
    from core.usecases.sources import check_sizes

    try:
        check_sizes(settings, request)
    except PayloadTooLarge as exc:
        raise CliError(f"{exc.message} Use --no-limit to go past it.") from None


async def _thread(args, settings) -> int:
    from core.bootstrap import build_preview
    from core.usecases.threads import preview_thread

    request = _request(args, None if args.no_limit else settings)
    if not args.no_limit:
        _within_limits(request, settings)
    if request.text is not None and not request.text.strip():
        raise CliError("the input is empty")
    fetch = request.text is None and request.html is None
    async with build_preview(settings, fetch=fetch) as services:
        thread = await preview_thread(services, request)
    _print_thread(thread, args.json)
    return 0


def _print_thread(thread, as_json: bool) -> None:
    if as_json:
        out = {
            "posts": [p.as_dict() for p in thread.posts],
            "generator": thread.generator,
            "fallback_reason": thread.fallback_reason,
            "source": thread.source.as_dict(),
            "options": thread.options.as_dict(),
            "warnings": thread.warnings,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for i, post in enumerate(thread.posts):
            print("\n" + post.text if i else post.text)
        note = f"[{len(thread.posts)} posts · generator: {thread.generator}"
        note += f" ({thread.fallback_reason})]" if thread.fallback_reason else "]"
        print("\n" + note, file=sys.stderr)
    for warning in thread.warnings:
        print(f"threadr: warning: {warning['message']}", file=sys.stderr)


async def _migrate(settings) -> int:
    from core.store.migrate import migrate

    try:
        applied = await migrate(settings.effective_database_url, settings.migrations_dir or None)
    except ThreadrError:
        raise
    except Exception as exc:  # the database refused a migration; it was rolled back
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"threadr: migration failed (nothing applied from it): {first}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied
          else "database is up to date")
    from core.publish.queue import runs_in_serve

    if not runs_in_serve(settings):  # the publishing job queue's own tables
        from core.publish.jobs import ProcrastinateQueue

        queue = ProcrastinateQueue(settings.effective_database_url)
        try:
            await queue.ensure_schema()
        finally:
            await queue.close()
    return 0


def _serve(args, settings) -> int:
    from bots.telegram.mounts import webhook_mounts
    from core.errors import MigrationsPending
    from core.store.factory import check_migrated
    from web.server import PortInUse, serve

    changes = {k: v for k, v in (("host", args.host), ("port", args.port),
                                 ("workers", args.workers)) if v is not None}
    try:
        asyncio.run(check_migrated(settings))  # before any worker starts (a clear exit 2)
        serve(settings.with_(**changes), webhook_mounts)
    except PortInUse as exc:
        print(exc, file=sys.stderr)
        return 2
    except MigrationsPending as exc:
        print(f"threadr: {exc.message}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    from core.logs import configure_logging
    from core.settings import Settings

    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env()
        configure_logging(settings, quiet=args.command == "thread")
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "thread":
            return asyncio.run(_thread(args, settings))
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command in ("telegram", "discord"):
            from bots import run

            return getattr(run, f"run_{args.command}")(settings)
        if args.command == "admin":
            from cli.admin import run_admin

            return asyncio.run(run_admin(args, settings))
        if args.command == "billing":
            from cli.billing import run_billing

            return asyncio.run(run_billing(args, settings))
        if args.command == "extension":
            from cli.extension_build import run_extension_command

            return run_extension_command(args, settings)
        if args.command in ("worker", "publish"):
            from cli import publish

            return asyncio.run(getattr(publish, f"run_{args.command}")(args, settings))
        if args.command == "doctor":
            from cli.doctor import run_doctor

            return asyncio.run(run_doctor(settings))
        parser.error(f"unknown command {args.command}")
    except (CliError, InputRefused) as exc:
        print(f"threadr: error: {exc}", file=sys.stderr)
        return 2
    except ThreadrError as exc:
        print(f"threadr: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:  # invalid settings
        print(f"threadr: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
