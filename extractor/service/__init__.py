"""The extraction service (``extractor serve``): FastAPI + uvicorn, the optional ``service``
extra. ``create_app`` builds the app; ``serve`` runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extractor.errors import ConfigError

if TYPE_CHECKING:
    from extractor.service._app import ServiceSettings

__all__ = ["create_app", "serve", "settings"]


def _need_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise ConfigError(
            f"the service needs the 'service' extra ({e.name} is missing): "
            "pip install 'extractor[service]'"
        ) from e


def settings(**kw: Any) -> ServiceSettings:
    _need_extra()
    from extractor.service._app import ServiceSettings

    return ServiceSettings(**kw)


def create_app(config: ServiceSettings) -> Any:
    _need_extra()
    from extractor.service._app import create_app as make

    return make(config)


def serve(config: ServiceSettings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the service until interrupted (jobs left running are resumed on the next start)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
