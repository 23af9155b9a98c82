"""The consumer watchdog's decision (chorus/watchdog.py); the real thing runs in the fault tests
(R2 and R2S, `make test-faults`) against real workers and a real Redis."""

from chorus.watchdog import PRIORITY_SEPARATOR, ConsumerWatchdog, queue_keys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(backlog, reserved, clock, stall=10.0):
    return ConsumerWatchdog(
        backlog=lambda: backlog[0], reserved=lambda: reserved[0], stall_seconds=stall, clock=clock
    )


def test_a_backlog_nobody_takes_for_the_stall_time_is_a_stall():
    clock, backlog, reserved = Clock(), [5], [0]
    watchdog = make(backlog, reserved, clock)
    clock.now += 4
    assert watchdog.check() is False  # first sighting of the backlog
    clock.now += 4
    assert watchdog.check() is False  # seen twice, but only 8 s without a message
    clock.now += 4
    assert watchdog.check() is True


def test_an_empty_queue_is_never_a_stall_however_long_the_silence():
    clock, backlog, reserved = Clock(), [0], [0]
    watchdog = make(backlog, reserved, clock)
    for _ in range(10):
        clock.now += 60
        assert watchdog.check() is False


def test_a_busy_worker_is_not_stalled():
    clock, backlog, reserved = Clock(), [500], [2]
    watchdog = make(backlog, reserved, clock)
    for _ in range(10):
        clock.now += 60
        assert watchdog.check() is False


def test_a_received_message_resets_the_silence():
    clock, backlog, reserved = Clock(), [3], [0]
    watchdog = make(backlog, reserved, clock)
    clock.now += 20
    assert watchdog.check() is False
    watchdog.received()
    clock.now += 5
    assert watchdog.check() is False  # backlog seen twice, but a message 5 s ago
    clock.now += 6
    assert watchdog.check() is True


def test_an_unreachable_broker_is_left_to_celery_reconnection():
    clock, backlog, reserved = Clock(), [None], [0]
    watchdog = make(backlog, reserved, clock)
    for _ in range(5):
        clock.now += 60
        assert watchdog.check() is False


def test_a_backlog_must_be_seen_at_two_checks_in_a_row():
    clock, backlog, reserved = Clock(), [4], [0]
    watchdog = make(backlog, reserved, clock)
    clock.now += 60
    assert watchdog.check() is False
    backlog[0] = 0
    clock.now += 3
    assert watchdog.check() is False
    backlog[0] = 4
    clock.now += 3
    assert watchdog.check() is False
    clock.now += 3
    assert watchdog.check() is True


def test_queue_keys_cover_kombu_priority_lists():
    assert queue_keys(["celery"]) == [
        "celery",
        f"celery{PRIORITY_SEPARATOR}3",
        f"celery{PRIORITY_SEPARATOR}6",
        f"celery{PRIORITY_SEPARATOR}9",
    ]
