"""Multi-region failover control plane: the logic behind the Step Functions state machine.

Reading the clock: spell it ``from datetime import UTC, datetime`` + ``datetime.now(UTC)``,
or ``import time`` + ``time.monotonic()`` / ``time.sleep()`` / ``time.time()`` (also
``import datetime``, and ``from time import sleep, monotonic, perf_counter``). Offline, the
emulator runs the handlers on modelled time by rebinding exactly those globals in this
package's modules (emulator/services/lambda_runtime.py, ``_virtualise``); any other spelling
(``import time as t``, ``from time import time``, ``from datetime import datetime as dt``,
``date.today()``, ``time.strftime(fmt)``) reads the real clock there, and the drill's timeline
and the tests would mix real and modelled seconds. tests/unit/test_product_clock_spellings.py
holds the package to it.
"""
