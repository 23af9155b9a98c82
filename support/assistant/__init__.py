"""The «Assistant chorus»: FAQ retrieval (see `retrieval`) plus intents on the user's own data."""

from support.assistant.engine import Answer, assistant_answer

__all__ = ["Answer", "assistant_answer"]
