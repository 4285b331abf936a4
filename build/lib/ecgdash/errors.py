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


class RateNeeded(DataError):
    """A signal file that does not say its sampling rate (no time column, no header): the
    caller must ask for it (``fs=``) before anything is counted or cut.

    Attributes
    ----------
    name : str
        The file.
    samples : int
        Its samples per lead, so a prompt can say how long it is at a chosen rate.
    """

    #: Rates of common devices and databases, offered when the rate must be asked for.
    COMMON_RATES = (125, 128, 250, 256, 360, 500, 512, 1000)

    def __init__(self, name: str, samples: int):
        self.name, self.samples = name, int(samples)
        super().__init__(f"{name} does not say its sampling rate (no time column): give it (fs, "
                         "e.g. 125, 128, 250, 256, 360, 500 or 512 Hz). Heart rate, beat shapes and "
                         "the length of the strip all depend on it.")


class NotAnECG(DataError):
    """A signal that does not look like an ECG (noise, a sine wave, a table of other numbers):
    nothing is classified. The message says which check failed (``ecgdash.ecg.plausibility``)."""
