"""Domain errors, defined once and translated at each door (HTTP middleware, bot handlers, CLI).

Every error carries a stable machine `code`, a human `message` safe to show to the person,
and `status`, the HTTP status the web door answers with (the bots and the CLI ignore it).
"""

from __future__ import annotations


class ThreadrError(Exception):
    code = "error"
    status = 400
    message = "Something went wrong."

    def __init__(self, message: str | None = None, **details) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)


class InvalidInput(ThreadrError):
    code, status, message = "invalid_input", 422, "The request is not valid."


class PayloadTooLarge(ThreadrError):
    code, status, message = "payload_too_large", 413, "The request body is too large."


class ClientClosed(ThreadrError):
    """The client went away while we read its request: nothing to answer, nothing to log."""

    code, status, message = "client_closed", 400, "The request body was not received."


class UnsupportedMediaType(ThreadrError):
    code, status, message = "unsupported_media_type", 415, "Send JSON (application/json)."


class BlockedUrl(ThreadrError):
    code, status, message = "blocked_url", 400, "This address cannot be fetched."


class FetchFailed(ThreadrError):
    code, status, message = "fetch_failed", 502, "The page could not be fetched."


class PageTooLarge(FetchFailed):
    code, status, message = "page_too_large", 422, "The page is too large to fetch."


class UnsupportedContent(ThreadrError):
    code, status, message = "unsupported_content", 422, "That address is not an HTML or text page."


class Paywalled(ThreadrError):
    code, status = "paywalled", 422
    message = (
        "This page is behind a paywall or sign-in. Open it in your browser and use the "
        "Threadr extension, which reads the page as you see it."
    )


class PageTooComplex(ThreadrError):
    code, status = "page_too_complex", 422
    message = "This page is too complex to read. Paste the article's text instead."


class EmptyArticle(ThreadrError):
    code, status, message = "empty_article", 422, "No article text was found on that page."


class RetryableError(ThreadrError):
    """An error after which the same request may succeed later; carries `retry_after` seconds."""

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **details) -> None:
        super().__init__(message, **details)
        self.retry_after = max(1, int(retry_after))


class QuotaExceeded(RetryableError):
    code, status = "quota_exceeded", 429
    message = "You have used today's free threads."

    def __init__(self, message=None, *, retry_after: int, upgrade_url: str | None = None,
                 limit: int | None = None, resets_at: str | None = None, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.upgrade_url = upgrade_url
        self.limit = limit
        self.resets_at = resets_at


class RateLimited(RetryableError):
    code, status, message = "rate_limited", 429, "Too many requests. Please slow down."


class Unauthorized(ThreadrError):
    code, status, message = "unauthorized", 401, "Sign in to do this."


class InvalidCredentials(ThreadrError):
    code, status, message = "invalid_credentials", 401, "Wrong email or password."


class Forbidden(ThreadrError):
    code, status, message = "forbidden", 403, "You are not allowed to do this."


class NotFound(ThreadrError):
    code, status, message = "not_found", 404, "Not found."


class Conflict(ThreadrError):
    code, status, message = "conflict", 409, "This conflicts with existing data."


class EmailTaken(Conflict):
    code, message = "email_taken", "An account with this email already exists."


class VersionConflict(ThreadrError):
    code, status = "version_conflict", 412
    message = "This thread was changed elsewhere. Reload it to see the latest version."

    def __init__(self, message: str | None = None, *, current_version: int) -> None:
        super().__init__(message, current_version=current_version)


class IdentityLinkedElsewhere(Conflict):
    code = "identity_linked_elsewhere"
    message = ("That chat account is already linked to another Threadr account with an email. "
               "Unlink it there first.")


class InvalidLinkCode(ThreadrError):
    code, status, message = "invalid_link_code", 400, "This link code is invalid or has expired."


class InvalidToken(ThreadrError):
    code, status, message = "invalid_token", 400, "This link is invalid, was used, or has expired."


class ServiceUnavailable(RetryableError):
    code, status, message = "unavailable", 503, "Threadr is briefly unavailable. Please retry."


class StorageUnavailable(ServiceUnavailable):
    code, message = "storage_unavailable", "Storage is briefly unavailable. Please retry."


class BillingNotConfigured(ThreadrError):
    code, status, message = "billing_not_configured", 503, "Billing is not configured."


class BillingError(ThreadrError):
    code, status, message = "billing_error", 502, "The payment provider did not answer."


class InvalidWebhook(ThreadrError):
    code, status, message = "invalid_webhook", 400, "Webhook signature verification failed."


class PostTooLong(InvalidInput):
    code, message = "post_too_long", "A post is longer than X allows (280)."


class PremiumRequired(ThreadrError):
    code, status, message = "premium_required", 403, "This needs Threadr Premium."


class DestinationRefused(ThreadrError):
    """The network refused to connect the account (wrong app password, denied consent…)."""

    code, status, message = "destination_refused", 400, "The network refused the sign-in."


class NetworkUnavailable(ThreadrError):
    code, status, message = "network_unavailable", 502, "The network did not answer."


class PublishingNotConfigured(ThreadrError):
    code, status, message = "publishing_not_configured", 503, (
        "Publishing to this network is not configured on this server.")
