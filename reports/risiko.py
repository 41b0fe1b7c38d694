"""The risk picture: the 5×5 matrix of active risks before and after tiltak, and the top risks with tiltak.

One section shape for the summaries and for the politicians' reports, so they show the same
figures. The ROS register keeps no history of scores, so the picture is the register as it
stands on the day it is read (`as_of`, printed with it), whatever period it is shown with.
`build_risiko` has the `SectionBuilder` shape: registering it in `reports.queries.SECTIONS`
(with a `risiko` field on `Summary`) puts the matrix in every summary.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlmodel import Session

from models.periods import local_date
from models.services.risk_read import RiskMatrix, RiskView, matrix_for_units, top_risks_for_units
from models.vocabulary import SEVERITY_LABELS
from reports.context import SummaryContext

TOP_RISKS = 10


class MatrixPart(BaseModel):
    """Active risks per cell of the 5×5 matrix: `cells[p - 1][c - 1]` for sannsynlighet p, konsekvens c."""

    after: bool = Field(description="false: scored before tiltak; true: after")
    total: int
    cells: list[list[int]]
    by_severity: dict[str, int] = Field(description="Lav / Middels / Høy / Kritisk → count")

    def matrix(self) -> RiskMatrix:
        """Back to the domain's matrix, for the chart (`reports.risk_chart`)."""
        return RiskMatrix(cells=tuple(tuple(r) for r in self.cells), after=self.after)


class RiskTiltakPart(BaseModel):
    description: str
    owner: str
    deadline: date
    done: bool


class TopRisk(BaseModel):
    ref: str = Field(description="RO-<number>")
    title: str
    unit: str
    process: str
    score_before: int
    score_after: int
    severity: str = Field(description="band of the score before tiltak")
    treatment: str = Field(description="Unngå / Redusere / Dele / Akseptere")
    owner: str
    review_date: date
    tiltak: list[RiskTiltakPart]


class RiskPicture(BaseModel):
    """The register as it stands on `as_of`: matrices before and after tiltak and the top risks."""

    as_of: date = Field(description="the day the register was read")
    before: MatrixPart
    after: MatrixPart
    top: list[TopRisk] = Field(description="the highest scores before tiltak, at most 10")


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


def build_risiko(ctx: SummaryContext) -> RiskPicture:
    """The summary section: the register as read now (see the module docstring)."""
    return risk_picture(ctx.session, ctx.org_id, local_date(ctx.now, ctx.tz_name))
