"""Errors the domain raises for a person to read."""


class DomainError(Exception):
    """A rule of the business was broken; `message` is shown to the user as it is.

    `field` names the form field the message belongs to, when there is one, so a form can
    show it beside what the user typed instead of losing the input.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransitionError(DomainError):
    """A status change the lifecycle does not allow."""
