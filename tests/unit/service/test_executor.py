"""service.executor: the byte cap, the row cap and the fast-lane decision travel with every query (Store.query_async takes them all)."""

from __future__ import annotations

from plankg.settings import Settings
from plankg.store import QueryRequest
from service.executor import QueryExecutor

from own_loop import run_in_own_loop


class RecordingStore:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    async def query_async(self, request: QueryRequest, *, fast_lane: bool = False):
        self.calls.append({**vars(request), "fast_lane": fast_lane})
        return "answer"


def test_the_byte_cap_and_row_cap_go_to_the_store():
    store = RecordingStore()
    executor = QueryExecutor(store, Settings(max_response_bytes=123_456, result_row_cap=42))
    run_in_own_loop(executor.query(QueryRequest("ASK {}", formats={"ask": "json"})))
    (call,) = store.calls
    assert call["max_bytes"] == 123_456 and call["row_cap"] == 42


def test_a_lower_row_cap_of_the_request_wins_and_the_time_limit_is_the_services():
    store = RecordingStore()
    executor = QueryExecutor(store, Settings(result_row_cap=42, query_timeout_s=7))
    run_in_own_loop(executor.query(QueryRequest("ASK {}", formats={"ask": "json"}, row_cap=5, timeout_s=999)))
    run_in_own_loop(executor.query(QueryRequest("ASK {}", formats={"ask": "json"}, row_cap=500)))
    assert [(c["row_cap"], c["timeout_s"]) for c in store.calls] == [(5, 7), (42, 7)]


def test_the_fast_lane_decision_reaches_a_store_that_takes_it():
    store = RecordingStore()
    executor = QueryExecutor(store, Settings())
    run_in_own_loop(executor.query(QueryRequest("ASK {}", formats={"ask": "json"}), fast_lane=True))
    run_in_own_loop(executor.query(QueryRequest("ASK {}", formats={"ask": "json"})))
    assert [c["fast_lane"] for c in store.calls] == [True, False]
