"""Premium through Stripe: the `Billing` gateway Protocol, its Stripe implementation, the
pure event mapping (`core.billing.events`) and webhook verification (`core.billing.signature`).

Nothing here is built at import time; `core.bootstrap` builds `StripeBilling(settings)` when
`settings.billing_configured`. The gateway (and with it the `stripe` SDK, ~50 ms of imports)
is imported on first use, so a server without billing never loads it.
"""

__all__ = ["Billing", "StripeBilling"]


def __getattr__(name: str):
    if name in __all__:
        from core.billing import gateway

        return getattr(gateway, name)
    raise AttributeError(f"module 'core.billing' has no attribute {name!r}")
