"""The one exception type the CLI turns into a single error line and a non-zero exit code."""


class ConvertError(Exception):
    """A failure the user can act on; its message is printed as one line."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(" ".join(str(message).split()))
        self.exit_code = exit_code


class Unreachable(ConvertError):
    """The source could not be reached at all (no network, DNS failure, timeout, server down)."""
