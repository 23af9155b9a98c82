"""The curated FAQ of the «Assistant chorus», written from the seeds and the reference docs.

Each entry (`entry.FaqEntry`): a stable id, the question, extra keywords (words users type that the
question does not contain), the answer (French, our own words) and its source (seed file or doc
section). The entries live in `getting_started` and `follow_up`, in the order the search ranks ties.
"""

from support.assistant.faq import follow_up, getting_started
from support.assistant.faq.entry import FaqEntry

FAQ: tuple[FaqEntry, ...] = getting_started.ENTRIES + follow_up.ENTRIES

FAQ_BY_ID: dict[str, FaqEntry] = {entry.id: entry for entry in FAQ}

__all__ = ["FAQ", "FAQ_BY_ID", "FaqEntry"]
