"""What each attachment of a dossier says about dossier reduction, as SQL conditions over
dossier_attachment joined to its dossier and (outer) to its procedure component.

- reused: filled from data: reused digitised data or another dossier's result, or taken from the
  citizen's document store;
- replaceable: the procedure's published component can be replaced by a connected database
  (the catalogue's CSDL_THAYTHE);
- avoidable: replaceable, yet submitted as a file;
- avoidable, verified: avoidable, and the database that could replace it holds the owner's record,
  as far as the hub can see: the population register matched the owner (citizen_verification), or
  the land registry, civil status or social insurance holds a record of the owner (sectoral_record);
- outside the list: its component is not among the procedure's published components (or it names none).
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, true

from hub.warehouse.schema import citizen_verification, dossier, dossier_attachment, procedure_component, sectoral_record

a, d, pc = dossier_attachment.c, dossier.c, procedure_component.c


def _population_matched():
    cv = citizen_verification.c
    return exists().where(cv.subject_id_hash == d.owner_id_hash, cv.source == "population_db", cv.outcome == "match")


def _sectoral_holds(source: str):
    s = sectoral_record.c
    return exists().where(s.subject_id_hash == d.owner_id_hash, s.source == source)


# replaceable_by (catalogue key) -> whether that database holds the owner's record
HOLDS_OWNER = {
    "population": _population_matched,
    "land": lambda: _sectoral_holds("land_registry"),
    "civil_status": lambda: _sectoral_holds("civil_status"),
    "social_insurance": lambda: _sectoral_holds("social_insurance"),
}

present = and_(a.attachment_id.is_not(None), a.is_deleted == false())
reused = or_(a.reuse_state.in_((1, 2)), a.from_personal_store == true())
replaceable = and_(present, pc.replaceable_by.is_not(None))
avoidable = and_(replaceable, ~reused)
verified = and_(avoidable, or_(*[and_(pc.replaceable_by == key, holds()) for key, holds in HOLDS_OWNER.items()]))
outside_list = and_(present, pc.component_code.is_(None))


def attachments_of(dossiers):
    """dossiers (a FROM clause over ``dossier``) with their attachments (deleted ones left out) and
    each attachment's published component, outer-joined so a dossier without attachments stays."""
    return (dossiers.outerjoin(dossier_attachment, and_(a.dossier_id == d.dossier_id, a.is_deleted == false()))
            .outerjoin(procedure_component, and_(pc.procedure_code == d.procedure_code,
                                                 pc.component_code == a.component_code)))


