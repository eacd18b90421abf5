from .smtp import smtp  # noqa: F401
