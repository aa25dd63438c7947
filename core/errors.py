"""Domain errors, defined once and translated at each door (HTTP middleware, bot handlers, CLI).

Every error carries a stable machine `code`, a human `message` safe to show to the person,
and its data (`details`, plus typed attributes such as `retry_after`). No HTTP status: each door
maps errors itself (the web door in `web/errors.py`).
"""

from __future__ import annotations


class ThreadrError(Exception):
    code = "error"
    message = "Something went wrong."

    def __init__(self, message: str | None = None, **details) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)


class InvalidInput(ThreadrError):
    code, message = "invalid_input", "The request is not valid."


class PayloadTooLarge(ThreadrError):
    code, message = "payload_too_large", "The request body is too large."


class ClientClosed(ThreadrError):
    """The client went away while we read its request: nothing to answer, nothing to log."""

    code, message = "client_closed", "The request body was not received."


class UnsupportedMediaType(ThreadrError):
    code, message = "unsupported_media_type", "Send JSON (application/json)."


class BlockedUrl(ThreadrError):
    code, message = "blocked_url", "This address cannot be fetched."


class FetchFailed(ThreadrError):
    code, message = "fetch_failed", "The page could not be fetched."


class PageTooLarge(FetchFailed):
    code, message = "page_too_large", "The page is too large to fetch."


class UnsupportedContent(ThreadrError):
    code, message = "unsupported_content", "That address is not an HTML or text page."


class Paywalled(ThreadrError):
    code = "paywalled"
    message = (
        "This page is behind a paywall or sign-in. Open it in your browser and use the "
        "Threadr extension, which reads the page as you see it."
    )


class PageTooComplex(ThreadrError):
    code = "page_too_complex"
    message = "This page is too complex to read. Paste the article's text instead."


class EmptyArticle(ThreadrError):
    code, message = "empty_article", "No article text was found on that page."


class RetryableError(ThreadrError):
    """An error after which the same request may succeed later; carries `retry_after` seconds."""

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **details) -> None:
        super().__init__(message, **details)
        self.retry_after = max(1, int(retry_after))


class QuotaExceeded(RetryableError):
    code = "quota_exceeded"
    message = "You have used today's free threads."

    def __init__(self, message=None, *, retry_after: int, upgrade_url: str | None = None,
                 limit: int | None = None, resets_at: str | None = None, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.upgrade_url = upgrade_url
        self.limit = limit
        self.resets_at = resets_at


class RateLimited(RetryableError):
    code, message = "rate_limited", "Too many requests. Please slow down."


class Unauthorized(ThreadrError):
    code, message = "unauthorized", "Sign in to do this."


class InvalidCredentials(ThreadrError):
    code, message = "invalid_credentials", "Wrong email or password."


class Forbidden(ThreadrError):
    code, message = "forbidden", "You are not allowed to do this."


class NotFound(ThreadrError):
    code, message = "not_found", "Not found."


class Conflict(ThreadrError):
    code, message = "conflict", "This conflicts with existing data."


class EmailTaken(Conflict):
    code, message = "email_taken", "An account with this email already exists."


class VersionConflict(ThreadrError):
    code = "version_conflict"
    message = "This thread was changed elsewhere. Reload it to see the latest version."

    def __init__(self, message: str | None = None, *, current_version: int) -> None:
        super().__init__(message, current_version=current_version)


class IdentityLinkedElsewhere(Conflict):
    code = "identity_linked_elsewhere"
    message = ("That chat account is already linked to another Threadr account with an email. "
               "Unlink it there first.")


class InvalidLinkCode(ThreadrError):
    code, message = "invalid_link_code", "This link code is invalid or has expired."


class InvalidToken(ThreadrError):
    code, message = "invalid_token", "This link is invalid, was used, or has expired."


class ServiceUnavailable(RetryableError):
    code, message = "unavailable", "Threadr is briefly unavailable. Please retry."


class StorageUnavailable(ServiceUnavailable):
    code, message = "storage_unavailable", "Storage is briefly unavailable. Please retry."


class MigrationsPending(ThreadrError):
    """The database lacks migrations this release needs (`threadr migrate` applies them)."""

    code = "migrations_pending"
    message = "The database is not migrated: run `threadr migrate`."


class BillingNotConfigured(ThreadrError):
    code, message = "billing_not_configured", "Billing is not configured."


class BillingError(ThreadrError):
    code, message = "billing_error", "The payment provider did not answer."


class InvalidWebhook(ThreadrError):
    code, message = "invalid_webhook", "Webhook signature verification failed."


class PostTooLong(InvalidInput):
    code, message = "post_too_long", "A post is longer than X allows (280)."


class PremiumRequired(ThreadrError):
    code, message = "premium_required", "This needs Threadr Premium."


class DestinationRefused(ThreadrError):
    """The network refused to connect the account (wrong app password, denied consent…)."""

    code, message = "destination_refused", "The network refused the sign-in."


class NetworkUnavailable(ThreadrError):
    code, message = "network_unavailable", "The network did not answer."


class PublishingNotConfigured(ThreadrError):
    code, message = "publishing_not_configured", (
        "Publishing to this network is not configured on this server.")
