"""Typed domain errors. Each carries a message in the person's language that the edges can show as it is."""

from __future__ import annotations

from models.i18n import _


class DomainError(Exception):
    """Base: `message` is text in the current person's language (`_()` at raise time), safe to show the user (it holds no user input unescaped)."""

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    http_status = 404


class PermissionDenied(DomainError):
    http_status = 403


class InvalidTransition(DomainError):
    http_status = 409


class UnknownPerson(DomainError):
    """The chat user or e-mail matches nobody in the organisation."""

    http_status = 403


class ValidationFailed(DomainError):
    """Field errors keyed by field name, so forms can show each message on its own field."""

    http_status = 422

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or "; ".join(errors.values()))
        self.errors = errors


class ImportFailed(DomainError):
    """An org import with bad rows: nothing was imported; `problems` lists (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        lines = "\n".join(_("linje {n}: {problem}").format(n=n, problem=msg) for n, msg in problems)
        super().__init__(_("Ingenting ble importert. Rett feilene og prøv igjen:") + "\n" + lines)
        self.problems = problems


def avvik_not_found(number: int | str | None = None) -> NotFound:
    """One wording, in chat and on the web, for an avvik that is missing or not the person's to see.

    With the number the person asked for: «Fant ikke avvik AV-12.» (the same for a hidden case, so
    it reveals nothing). A button or link that carries only an internal id gets the wording the
    conversation uses for a stale or forged link.
    """
    if number is None:
        return NotFound(_("Fant ikke saken. Den kan være slettet, eller lenken er feil."))
    return NotFound(_("Fant ikke avvik AV-{number}.").format(number=number))
