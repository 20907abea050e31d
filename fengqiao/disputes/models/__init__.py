"""The disputes app's models, by subject: the case and its timeline (``cases``), its
mediation records (``mediation``), and the ladder around it (``ladder``: supervision,
hand-offs, typical cases, county policy). Import them from here."""

from fengqiao.disputes.models.cases import (
    Case,
    CaseEvent,
    CaseEventQuerySet,
    CaseLink,
    CaseSequence,
    Notification,
    Party,
    State,
)
from fengqiao.disputes.models.ladder import CountyPolicy, Handoff, Supervision, TypicalCase
from fengqiao.disputes.models.mediation import (
    Agreement,
    AgreementTerm,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    Signature,
)

__all__ = [
    "Agreement",
    "AgreementTerm",
    "Case",
    "CaseEvent",
    "CaseEventQuerySet",
    "CaseLink",
    "CaseSequence",
    "CountyPolicy",
    "Handoff",
    "JudicialConfirmation",
    "MediationSession",
    "Notification",
    "Party",
    "ReturnVisit",
    "Signature",
    "Supervision",
    "State",
    "TypicalCase",
]
