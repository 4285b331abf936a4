"""caches.Shared: what thirty sessions would each compute is made once, kept while used, freed after."""
import gc
import threading
import time

import numpy as np
import pytest

from ecgdash.dashboard.caches import Shared
from ecgdash.errors import DataError


def test_one_result_per_key_shared_by_every_caller():
    shared, made = Shared("test", keep=1), []

    def make():
        made.append(1)
        return np.arange(3)

    a, b = shared.get("k", make), shared.get("k", make)
    assert a is b and len(made) == 1
    shared.get("other", make)
    assert len(made) == 2


def test_two_sessions_asking_at_once_wait_for_one_making():
    shared, made = Shared("test"), []

    def slow():
        made.append(1)
        time.sleep(0.3)
        return object()

    out = []
    threads = [threading.Thread(target=lambda: out.append(shared.get("k", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and all(o is out[0] for o in out)


def test_a_result_nobody_holds_is_freed_and_made_again():
    shared, made = Shared("test", keep=1), []

    def make():
        made.append(1)
        return [len(made)]

    first = shared.get("a", make)
    shared.get("b", make)                    # the process keeps only its last one: "a" is nobody's
    del first
    gc.collect()
    assert len(shared) == 1
    assert shared.get("a", make) == [3] and len(made) == 3


def test_a_held_result_outlives_the_process_keep():
    shared = Shared("test", keep=1)
    value = shared.get("a", lambda: {"x": 1})
    holder = shared._alive["a"]              # what a session's state keeps (caches._hold)
    shared.get("b", lambda: {"y": 2})
    gc.collect()
    assert shared.get("a", lambda: pytest.fail("made again while a session held it")) is value
    assert holder.value is value


def test_a_failure_is_not_kept():
    shared, calls = Shared("test"), []

    def fails():
        calls.append(1)
        raise DataError("bad file")

    for _ in range(2):
        with pytest.raises(DataError):
            shared.get("k", fails)
    assert len(calls) == 2 and len(shared) == 0
