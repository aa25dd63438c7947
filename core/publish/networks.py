"""The publishing adapters built once by the composition root: the token cipher, the guarded
HTTP session and one client per network."""

from __future__ import annotations

from core.articles.netguard import AddressPolicy
from core.keyfiles import token_key
from core.models import Platform
from core.publish.bluesky import BlueskyNetwork
from core.publish.crypto import TokenCipher
from core.publish.http import NetHttp
from core.publish.mastodon import MastodonNetwork
from core.publish.x import XNetwork
from core.settings import Settings


class Networks:
    def __init__(self, settings: Settings, policy: AddressPolicy | None = None) -> None:
        self.cipher = TokenCipher(token_key(settings))
        self.http = NetHttp(policy or AddressPolicy.from_settings(settings))
        self.x = XNetwork(settings, self.http)
        self.bluesky = BlueskyNetwork(self.http)
        self.mastodon = MastodonNetwork(self.http)

    def of(self, platform: Platform | str):
        return {Platform.X: self.x, Platform.BLUESKY: self.bluesky,
                Platform.MASTODON: self.mastodon}[Platform(platform)]

    async def close(self) -> None:
        await self.http.close()
