class ChorusError(Exception):
    """A business rule refused the action. The message is French and shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
