"""The shared base of every model: strict, immutable, self-documenting."""

from pydantic import BaseModel, ConfigDict


class NetopsModel(BaseModel):
    """Base of all city-netops models.

    Unknown keys are errors (a typo in intent must never be silently dropped), instances are
    frozen (phases hand models to each other; none may change what another produced), and
    surrounding whitespace of strings is stripped.

    A model's validator is built the first time it validates (``defer_build``): a command pays only for the models
    it uses. That first build may happen in a worker thread; pydantic 2.14.4 (the floor in pyproject.toml) makes it
    thread-safe.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        use_enum_values=False,
        validate_default=True,
        defer_build=True,
    )
