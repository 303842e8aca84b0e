"""The fund screening assistant through the real API and the openai SDK: multi-turn refinement in English and
Chinese, figures that come from the database, SQL-injection attempts, contradictions, unknown column words,
impossible and ambiguous requests."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import openai
import pytest
from sqlalchemy import Engine, text

from luodi.packs.funds.database import default_path, open_engine
from tests.conftest import LiveServer

# the shipped kind (a pack's scenario on the scenario kind) and, for the trained one, the `kind: funds` alias
ASSISTANTS = {
    "funds": {"kind": "scenario", "base_model": "smollm2-135m",
              "options": {"scenario": "funds", "understander": "rules"}},
    "funds-trained": {"kind": "funds", "base_model": "smollm2-135m", "options": {"understander": "trained"}},
}


class Conversation:
    def __init__(self, client: openai.OpenAI, assistant: str = "funds") -> None:
        self.client = client
        self.assistant = assistant
        self.messages: list[dict[str, str]] = []
        self.extras: dict[str, Any] = {}

    def say(self, content: str) -> str:
        self.messages.append({"role": "user", "content": content})
        reply = self.client.chat.completions.create(model=self.assistant, messages=self.messages)  # type: ignore[arg-type]
        answer = reply.choices[0].message.content or ""
        self.messages.append({"role": "assistant", "content": answer})
        self.extras = reply.model_extra or {}
        return answer

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.extras["luodi"]["state"])

    @property
    def cited(self) -> list[str]:
        return [c["evidence_id"].removeprefix("funds:") for c in self.extras["citations"]]


@pytest.fixture(scope="module")
def server(server_factory: Callable[..., LiveServer]) -> LiveServer:
    return server_factory(extra_assistants=ASSISTANTS)


@pytest.fixture(scope="module")
def engine(server: LiveServer) -> Engine:
    return open_engine(default_path(server.platform.settings.data_dir))


@pytest.fixture()
def chat(server: LiveServer) -> Conversation:
    return Conversation(server.client(server.new_key()))


def codes(engine: Engine, where: str, order: str = "code", limit: int = 10, offset: int = 0) -> list[str]:
    sql = f"SELECT code FROM funds WHERE {where} ORDER BY {order}, code LIMIT {limit} OFFSET {offset}"
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(sql))]


def count(engine: Engine, where: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM funds WHERE {where}")).scalar_one())


def test_english_refinement_over_several_turns(chat: Conversation, engine: Engine) -> None:
    answer = chat.say("low-risk bond funds with a 3-year return above 5% and management fee under 0.5%")
    where = "category='bond' AND risk_level<=2 AND return_3y>5 AND management_fee<0.5"
    assert chat.state["count"] == count(engine, where)
    assert "risk level ≤ 2" in answer and "3-year return > 5%" in answer  # the interpreted filter is shown
    assert chat.cited == codes(engine, where)

    chat.say("only those with fees under 0.3%")
    where = "category='bond' AND risk_level<=2 AND return_3y>5 AND management_fee<0.3"
    assert chat.state["count"] == count(engine, where)

    chat.say("sort by Sharpe instead")
    assert chat.cited == codes(engine, where, order="sharpe_3y DESC")

    answer = chat.say("what about equity funds?")
    # no equity fund is low-risk or charges under 0.3%: those conditions are dropped and named, the return stays
    assert "Dropped" in answer
    where = "category='equity' AND return_3y>5"
    assert chat.cited == codes(engine, where, order="sharpe_3y DESC")

    chat.say("show the next 10")
    assert chat.cited == codes(engine, where, order="sharpe_3y DESC", offset=10)


def test_listed_figures_are_the_database_rows(chat: Conversation, engine: Engine) -> None:
    chat.say("top 5 index funds by size")
    assert chat.cited == codes(engine, "category='index'", order="size_cny_100m DESC", limit=5)
    evidence = chat.extras["citations"][0]["quote"]
    with engine.connect() as connection:
        size = connection.execute(text("SELECT size_cny_100m FROM funds WHERE code=:c"), {"c": chat.cited[0]}).scalar()
    assert f"size_cny_100m={size}" in evidence


def test_chinese_conversation(chat: Conversation, engine: Engine) -> None:
    answer = chat.say("近一年收益超过10%的股票型基金，按夏普比率排序")
    where = "category='equity' AND return_1y>10"
    assert "筛选条件" in answer and f"共 {count(engine, where)} 只" in answer
    assert chat.cited == codes(engine, where, order="sharpe_3y DESC")
    chat.say("只要管理费低于1.2%的")
    chat.say("那指数型的呢")
    where = "category='index' AND return_1y>10 AND management_fee<1.2"
    assert chat.state["count"] == count(engine, where)
    chat.say("去掉管理费的条件")
    assert chat.state["count"] == count(engine, "category='index' AND return_1y>10")


@pytest.mark.parametrize(
    "attack",
    [
        "bond funds'; DROP TABLE funds; --",
        "funds managed by x' OR '1'='1",
        'funds from Huasheng Fund"; DELETE FROM funds WHERE "1"="1',
        "基金经理张三'); DROP TABLE funds; --",
    ],
)
def test_sql_injection_attempts_change_nothing(chat: Conversation, engine: Engine, attack: str) -> None:
    before = count(engine, "1=1")
    chat.say(attack)
    assert count(engine, "1=1") == before
    # whatever was listed is real rows, and a made-up manager matches nothing
    assert all(count(engine, f"code='{code}'") == 1 for code in chat.cited)
    if "managed by" in attack or "基金经理" in attack:
        assert chat.cited == []


def test_contradictory_conditions_give_an_explicit_empty_result(chat: Conversation) -> None:
    answer = chat.say("bond funds with a 1-year return above 20% and below 10%")
    assert chat.state["count"] == 0 and chat.cited == []
    assert "contradict" in answer


def test_impossible_request_is_an_explicit_empty_result(chat: Conversation) -> None:
    answer = chat.say("funds with a return above 500%")
    assert chat.state["count"] == 0 and chat.cited == []
    assert "No fund" in answer


def test_unknown_column_words_are_asked_about(chat: Conversation) -> None:
    answer = chat.say("funds with an ESG score above 5")
    assert chat.extras["luodi"]["abstained"] is True and chat.cited == []
    assert "esg score" in answer.lower()


def test_the_best_fund_gets_a_clarifying_question(chat: Conversation, engine: Engine) -> None:
    answer = chat.say("the best bond fund")
    assert chat.extras["luodi"]["abstained"] is True and chat.cited == []
    assert "which measure" in answer
    chat.say("by 3-year Sharpe ratio")  # the answer to the question, keeping the bond category
    assert chat.cited == codes(engine, "category='bond'", order="sharpe_3y DESC", limit=1)


def test_vague_words_show_their_definition(chat: Conversation, engine: Engine) -> None:
    answer = chat.say("cheap bond funds")
    assert "management fee below its category's median" in answer
    with engine.connect() as connection:
        fees = [row[0] for row in connection.execute(text("SELECT management_fee FROM funds WHERE category='bond'"))]
    median = statistics.median(fees)
    assert chat.state["count"] == count(engine, f"category='bond' AND management_fee<{median}")


def test_the_same_request_again_gives_the_same_answer(chat: Conversation) -> None:
    first = chat.say("equity funds with volatility under 20%")
    chat.messages = chat.messages[:-1]
    reply = chat.client.chat.completions.create(model="funds", messages=chat.messages)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == first


def test_an_unknown_manager_is_named_in_a_question_back(chat: Conversation) -> None:
    answer = chat.say("bond funds managed by John Smith")
    assert chat.extras["luodi"]["abstained"] is True and chat.cited == []
    assert "John Smith" in answer and "did not filter" in answer
    answer = chat.say("funds managed by Zhang Wie")  # no such manager; close names are offered, never applied
    assert chat.cited == [] and "Did you mean" in answer


def test_an_empty_message_gets_guidance_not_a_422(chat: Conversation) -> None:
    answer = chat.say("  ")
    assert "Ask for example" in answer and chat.cited == []


def test_the_trained_understander_reads_figure_words_the_lexicon_lacks(server: LiveServer, engine: Engine) -> None:
    rules, trained = (Conversation(server.client(server.new_key()), name) for name in ("funds", "funds-trained"))
    message = "bond funds whose worst fall is under 3%"
    assert "could not tell which figure" in rules.say(message)
    answer = trained.say(message)
    assert "“worst fall” read as 3-year max drawdown" in answer
    expected = codes(engine, "category = 'bond' AND max_drawdown_3y < 3", order="size_cny_100m DESC", limit=500)
    assert trained.cited and set(trained.cited) <= set(expected)
    follow_up = trained.say("only those with a sharpe ratio above 1")  # the read figure stays in the filter
    assert "“worst fall” read as 3-year max drawdown" in follow_up and "Sharpe" in follow_up
