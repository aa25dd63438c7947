"""The Discord bot (discord.py): `build_bot(settings)`, slash commands and buttons."""
