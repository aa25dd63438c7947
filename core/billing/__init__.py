"""Premium through Stripe: the `Billing` gateway Protocol, its Stripe implementation, the
pure event mapping (`core.billing.events`) and webhook verification (`core.billing.signature`).

Nothing here is built at import time; `core.bootstrap` builds `StripeBilling(settings)` when
`settings.billing_configured`.
"""

from core.billing.gateway import Billing, StripeBilling

__all__ = ["Billing", "StripeBilling"]
