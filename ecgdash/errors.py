"""The one error type for bad input."""


class DataError(ValueError):
    """Bad input: a malformed file, a missing record, values the models cannot use.

    The message is written for the person who supplied the input: it says what is
    wrong and, where it can, where (file, line, column).
    """


class OfflineError(DataError):
    """PhysioNet could not be reached (no internet, or the site is down).

    The message says so in plain words; the caller adds how to use a local copy instead (the
    command line's ``--source DIR``, the Overview's folder field).
    """
