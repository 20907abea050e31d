"""The disputes app's models, by subject: the case and its timeline (``cases``), and its
mediation records (``mediation``). Import them from here."""

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
    "JudicialConfirmation",
    "MediationSession",
    "Notification",
    "Party",
    "ReturnVisit",
    "Signature",
    "State",
]
