"""The CLI as a client of the service, as any user's program would be: the official openai SDK for OpenAI's routes
(files, vector stores), httpx for Luodi's own (`/v1/assistants`).

What the service refuses is printed as its status and its own message (`403: defining assistants needs the
tenant's admin key (role admin)`) with exit code 1, never a traceback. openai and httpx are imported inside the
functions, so that `luodi --help` starts fast."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from luodi.cli.common import client_key, fail

if TYPE_CHECKING:
    import httpx
    import openai

    from luodi.config import Settings

TIMEOUT_SECONDS = 120.0


class ServiceRefused(Exception):
    """A 4xx or 5xx from the service, with the message of its OpenAI-shaped error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def service_url(settings: Settings, url: str | None) -> str:
    return (url or f"http://{settings.host}:{settings.port}/v1").rstrip("/")


def openai_client(settings: Settings, url: str | None, api_key: str | None) -> openai.OpenAI:
    import openai

    return openai.OpenAI(base_url=service_url(settings, url), api_key=client_key(settings, api_key), max_retries=0,
                         timeout=TIMEOUT_SECONDS)


def http_client(settings: Settings, url: str | None, api_key: str | None) -> httpx.Client:
    import httpx

    return httpx.Client(base_url=service_url(settings, url), timeout=TIMEOUT_SECONDS,
                        headers={"Authorization": f"Bearer {client_key(settings, api_key)}"})


def call(http: httpx.Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One request to a Luodi route: the decoded JSON answer, or ServiceRefused."""
    response = http.request(method, path, json=body)
    if response.is_success:
        return response.json()
    try:
        decoded: Any = response.json()
    except ValueError:
        decoded = None
    raise ServiceRefused(response.status_code, error_message(decoded, response.text or response.reason_phrase))


def error_message(body: Any, fallback: str) -> str:
    """The message of an error body in OpenAI's shape (`{"error": {"message": …}}`, or the inner object the SDK
    keeps), else `fallback`."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return fallback


def escaped(record: dict[str, Any]) -> dict[str, Any]:
    """A record of the service's with its text safe to print in a rich table (a "[...]" in a name or description
    is text, not markup)."""
    return {field: escape(value) if isinstance(value, str) else value for field, value in record.items()}


@contextmanager
def api_errors(base_url: str) -> Iterator[None]:
    """The service's refusals and an unreachable service as one line and exit code 1."""
    import httpx
    import openai

    try:
        yield
    except (openai.APIConnectionError, httpx.TransportError) as exc:
        raise fail(f"cannot reach the service at {escape(base_url)}: is `luodi serve` running?") from exc
    except openai.APIStatusError as exc:
        raise fail(escape(f"{exc.status_code}: {error_message(exc.body, exc.message)}")) from exc
    except (ServiceRefused, openai.APIError) as exc:
        raise fail(escape(str(exc))) from exc
