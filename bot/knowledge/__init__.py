"""The knowledge file: facts with their date, source and text in four languages."""

from bot.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    knowledge_files,
    load_knowledge,
    validate_knowledge,
)
from bot.knowledge.model import PROVINCES, REGIONS, TOPICS, Fact, Problem, Source, Website

__all__ = [
    "PROVINCES",
    "REGIONS",
    "TOPICS",
    "Fact",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Source",
    "Website",
    "knowledge_files",
    "load_knowledge",
    "validate_knowledge",
]
