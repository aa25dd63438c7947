"""`threadr admin grant EMAIL` / `threadr admin revoke EMAIL`: the operator role."""

from __future__ import annotations


def add_admin_parser(sub) -> None:
    admin = sub.add_parser("admin", help="give or take the operator (admin) role")
    actions = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    for name, text in (("grant", "make the account with EMAIL an admin"),
                       ("revoke", "take the admin role from the account with EMAIL")):
        action = actions.add_parser(name, help=text)
        action.add_argument("email")


async def run_admin(args, settings) -> int:
    from core.bootstrap import build_services
    from core.usecases.admin import set_admin

    async with build_services(settings) as services:
        user_id = await set_admin(services, args.email, args.admin_command == "grant")
    role = "now an admin" if args.admin_command == "grant" else "no longer an admin"
    print(f"{args.email} ({user_id}) is {role}; it takes effect on their next request")
    return 0
