"""The one error ingestion raises for bad input."""


class InputError(Exception):
    """A file or sheet that cannot be read; the message is for a data officer (French, then English)."""


class HeadersNotRecognised(InputError):
    """No sheet's headers name a kind of file; `suggested_profile` is the import profile the product proposes."""

    def __init__(self, message: str, suggested_profile: str):
        super().__init__(message)
        self.suggested_profile = suggested_profile
