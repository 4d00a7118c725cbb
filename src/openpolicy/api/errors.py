"""RFC 9457 problem details: every error the api returns is `application/problem+json`."""

from __future__ import annotations

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document.

    ``extra`` members are added to the document (e.g. ``parameter="limit"``, ``errors=[...]``).
    """

    def __init__(
        self, status: int, title: str, detail: str | None = None, *, type_: str = "about:blank", **extra: Any
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class NotFound(ProblemError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(404, "Not Found", f"no {kind} with id {ident!r}", kind=kind, id=ident)


class BadParameter(ProblemError):
    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(400, "Bad Request", f"{parameter}: {detail}", parameter=parameter)
