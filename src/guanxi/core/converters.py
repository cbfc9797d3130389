class IdConverter:
    """A database id in a page URL: digits only, at most 18 of them, so an absurd number is a
    404 rather than an overflow in the database driver."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
