"""Dialogue states remembered per conversation prefix.

The conversation is the `messages` list a client sends (OpenAI's way): the state after k user messages is
stored under a hash of those k messages (with tenant, assistant and the optional conversation id). A new
request finds the longest remembered prefix and replays only the rest, so editing history simply starts a
different branch, and a replay never repeats a side effect (the approval desk is idempotent on the same key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from luodi.contracts import Answer
from luodi.dialogue.state import DialogueState
from luodi.store import Base, Store, utc_now


class ConversationState(Base):
    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    assistant: Mapped[str] = mapped_column(String(200))
    turns: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text)
    # the reply given at that point, so that the same request again gets the same answer without re-running it
    reply: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


def prefix_keys(tenant_id: str, assistant: str, conversation_id: str | None, user_messages: list[str]) -> list[str]:
    """keys[k] identifies the conversation after its first k user messages (keys[0]: before any)."""
    digest = hashlib.sha256(f"{tenant_id}\x00{assistant}\x00{conversation_id or ''}".encode())
    keys = [digest.hexdigest()]
    for message in user_messages:
        digest.update(b"\x00" + message.encode("utf-8"))
        keys.append(digest.copy().hexdigest())
    return keys


class ConversationMemory:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.create_tables(ConversationState)  # built with its assistant, after the platform made the schema

    def longest_known(self, keys: list[str]) -> tuple[int, DialogueState | None, str]:
        """(k, state after k messages, the reply then) for the largest k remembered, or (0, None, "")."""
        with self.store.transaction() as session:
            for turns in range(len(keys) - 1, 0, -1):
                row = session.get(ConversationState, keys[turns])
                if row is not None:
                    return turns, DialogueState.model_validate_json(row.state), row.reply
        return 0, None, ""

    def remember(self, key: str, tenant_id: str, assistant: str, turns: int, state: DialogueState, reply: str) -> None:
        with self.store.transaction() as session:
            if session.get(ConversationState, key) is None:
                session.add(
                    ConversationState(
                        key=key,
                        tenant_id=tenant_id,
                        assistant=assistant,
                        turns=turns,
                        state=state.model_dump_json(),
                        reply=reply,
                        created_at=utc_now(),
                    )
                )

    def converse(
        self,
        tenant_id: str,
        assistant: str,
        conversation_id: str | None,
        user_messages: list[str],
        fresh: Callable[[], DialogueState],
        step: Callable[[DialogueState, str, str], tuple[DialogueState, Answer]],
    ) -> Answer:
        """The answer to the last user message: resume from the longest remembered prefix, run `step` (state,
        message, this turn's key) on each new message and remember each result; the same request again gets
        the remembered answer without running anything."""
        keys = prefix_keys(tenant_id, assistant, conversation_id, user_messages)
        known, state, reply = self.longest_known(keys)
        if known == len(user_messages) and reply:
            return Answer.model_validate_json(reply)
        state = state or fresh()
        answer = Answer(text="")
        for index in range(known, len(user_messages)):
            state, answer = step(state, user_messages[index], keys[index + 1])
            self.remember(keys[index + 1], tenant_id, assistant, index + 1, state, answer.model_dump_json())
        return answer
