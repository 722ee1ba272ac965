"""The id of the default sentiment model, computed from the committed head file alone.

Every stored label carries the id of the model that made it, and readers count the comments whose
label came from another model (:func:`influscope.audience.refresh.pending_comments`). They need the
id, not the model: this module gives it without importing the embedding engine or numpy, so a
process that only reads KPIs never loads them. :mod:`influscope.audience.embedding` names its model
with the same function.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HEAD_FILE = Path(__file__).parent / "data" / "sentiment_head.json"

# The decision rules outside the head file: a change of them is a new model (new labels).
# 2: texts without words settled by their emoji where safe (symbol_label).
# 3: hashtags read as their words (prepare).
RULES_VERSION = "3"


def head_digest(path: Path = HEAD_FILE, rules: str | None = None) -> str:
    """A digest of the head file and of the decision rules' version RULES (default: RULES_VERSION)."""
    version = RULES_VERSION if rules is None else rules
    return hashlib.sha256(path.read_bytes() + f"|rules {version}".encode()).hexdigest()[:10]


def model_name(path: Path = HEAD_FILE, rules: str | None = None) -> str:
    """The id of the model that the head file PATH and the rules' version RULES make."""
    return f"e5small-q4-lr-{head_digest(path, rules)}"
