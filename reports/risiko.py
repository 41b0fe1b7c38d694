"""The risk picture: the 5×5 matrix of active risks before and after tiltak, and the top risks with tiltak.

One section shape for the summaries and for the politicians' reports, so they show the same
figures. The ROS register keeps no history of scores, so the picture is the register as it
stands on the day it is read (`as_of`, printed with it), whatever period it is shown with.
`build_risiko` is the summaries' `risiko` section (`reports.queries.SECTIONS`), in tertial and
year summaries; its shape is in `reports.risiko_shape`.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from models.periods import local_date
from models.services.risk_read import RiskMatrix, RiskView, matrix_for_units, top_risks_for_units
from models.vocabulary import SEVERITY_LABELS
from reports.context import SummaryContext
from reports.risiko_shape import MatrixPart, RiskPicture, RiskTiltakPart, TopRisk

__all__ = ["MatrixPart", "RiskPicture", "RiskTiltakPart", "TopRisk", "build_risiko", "matrix_part", "risk_picture"]

TOP_RISKS = 10


def matrix_part(m: RiskMatrix) -> MatrixPart:
    bands = dict.fromkeys(SEVERITY_LABELS, 0) | m.by_severity()
    return MatrixPart(after=m.after, total=m.total, cells=[list(r) for r in m.cells], by_severity=bands)


def _top_risk(r: RiskView) -> TopRisk:
    return TopRisk(ref=r.ref, title=r.title, unit=r.unit_name, process=r.process, score_before=r.risk_before,
                   score_after=r.risk_after, severity=r.severity, treatment=r.treatment_label, owner=r.owner_name,
                   review_date=r.review_date,
                   tiltak=[RiskTiltakPart(description=t.description, owner=t.owner_name, deadline=t.deadline,
                                          done=t.done) for t in r.tiltak])


def risk_picture(session: Session, org_id: int, as_of: date) -> RiskPicture:
    """The whole kommune's active risks (three small queries and the top risks' four)."""
    return RiskPicture(
        as_of=as_of,
        before=matrix_part(matrix_for_units(session, org_id=org_id)),
        after=matrix_part(matrix_for_units(session, org_id=org_id, after=True)),
        top=[_top_risk(r) for r in top_risks_for_units(session, org_id=org_id, limit=TOP_RISKS)])


def build_risiko(ctx: SummaryContext) -> RiskPicture | None:
    """The summary section: the register as read now (see the module docstring). Month summaries
    leave it out (None), like the styringskort: the register is reviewed by tertial."""
    if ctx.period.kind == "month":
        return None
    return risk_picture(ctx.session, ctx.org_id, local_date(ctx.now, ctx.tz_name))
