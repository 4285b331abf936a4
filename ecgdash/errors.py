"""The one error type for bad input."""


class DataError(ValueError):
    """Bad input: a malformed file, a missing record, values the models cannot use.

    The message is written for the person who supplied the input: it says what is
    wrong and, where it can, where (file, line, column).
    """
