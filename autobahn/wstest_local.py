"""Starts the Autobahn|Testsuite's `wstest` for wsref's local (non-Docker) runs.

Used by scripts/run-autobahn-local.sh with the suite's package folder on PYTHONPATH; it takes
the same arguments as `wstest`. This file holds none of the suite's code. It adjusts two things
at run time, leaving the suite's files untouched:

* the fuzzing server listens on 127.0.0.1 only (the suite would listen on every interface);
* case reports are written even when a close reason arrived as raw bytes, which the Python 3
  port's JSON writer otherwise rejects (first seen in case 7.3.2), after which the process
  hangs instead of exiting.
"""

import json
import types

# wstest must be imported first: importing it selects the Twisted reactor.
from autobahntestsuite import wstest
from autobahntestsuite import fuzzing

LOOPBACK = "127.0.0.1"

_listen_ws = fuzzing.listenWS


def _listen_on_loopback(factory, contextFactory=None, backlog=50, interface=""):
    return _listen_ws(factory, contextFactory, backlog, LOOPBACK)


def _bytes_as_text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    raise TypeError("%s is not JSON serializable" % type(value).__name__)


def _dumps_tolerating_bytes(obj, **options):
    options.setdefault("default", _bytes_as_text)
    return json.dumps(obj, **options)


fuzzing.listenWS = _listen_on_loopback
# The fuzzing module reaches json through its module global `json`; give it a copy of the
# json module whose dumps() turns bytes into text.
fuzzing.json = types.SimpleNamespace(**{**vars(json), "dumps": _dumps_tolerating_bytes})

if __name__ == "__main__":
    wstest.run()
