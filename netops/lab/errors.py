"""The lab's two failures: a request it must refuse (exit 2) and a machine that did not do its part (exit 1)."""

from netops.errors import NetopsError


class LabError(NetopsError):
    """The lab cannot do what was asked (bad usage or a machine that cannot run it): exit 2."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


class LabRuntimeError(NetopsError):
    """The lab was asked something sound but the machine did not do it (a daemon that does not start): exit 1."""
