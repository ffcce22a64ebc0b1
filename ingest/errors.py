"""The one error ingestion raises for bad input."""


class InputError(Exception):
    """A file or sheet that cannot be read; the message is for a data officer (French, then English)."""
