"""The portal's other datasets: dossier attachments, the procedure catalogue and its components."""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import and_, case, select

from quality.suites import DatasetSuite, Tables, day_of, not_placeholder, present, tagged

E = gx.expectations


def attachments_with_dossier(tables: Tables):
    """Each attachment with its dossier's day, source and commune, and whether its component code is in the
    procedure's published list (NULL, not judged, when the procedure is not in the catalogue or the
    attachment names no component: the đủ check counts that).
    Outer joins on the catalogue's keys (at most one match each), so the database can hash-join them."""
    attachment, dossier = tables["dossier_attachment"], tables["dossier"]
    procedure, component = tables["procedure"], tables["procedure_component"]
    listed = case((procedure.c.procedure_code.is_(None), None), (attachment.c.component_code.is_(None), None),
                  (component.c.component_code.is_not(None), "listed"), else_="unlisted")
    return (select(attachment, dossier.c.received_date, dossier.c.source, dossier.c.province_code,
                   dossier.c.commune_code, listed.label("component_listed"))
            .join_from(attachment, dossier, attachment.c.dossier_id == dossier.c.dossier_id)
            .outerjoin(procedure, procedure.c.procedure_code == dossier.c.procedure_code)
            .outerjoin(component, and_(component.c.procedure_code == dossier.c.procedure_code,
                                       component.c.component_code == attachment.c.component_code))
            .subquery("dossier_attachment_checked"))


def attachment_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeInSet(column="component_listed", value_set=["listed"]), "dung",
               "attachment_component_listed"),
        present("component_code", "attachment_component_present"),
        tagged(E.ExpectColumnValuesToBeInSet(column="reuse_state", value_set=[0, 1, 2]), "sach",
               "attachment_reuse_state_known"),
    ]


def procedures_by_day(tables: Tables):
    procedure = tables["procedure"]
    return select(procedure, day_of(procedure.c.updated_at).label("updated_date")).subquery("procedure_checked")


def procedure_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToMatchRegex(column="procedure_code", regex=r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.H\d{2})?$"),
               "dung", "procedure_code_format"),
        present("field_code", "procedure_field_present"),
        not_placeholder("name", "procedure_name_not_placeholder"),
    ]


def components_by_day(tables: Tables):
    component, procedure = tables["procedure_component"], tables["procedure"]
    return (select(component, procedure.c.source, day_of(component.c.updated_at).label("updated_date"))
            .join_from(component, procedure, component.c.procedure_code == procedure.c.procedure_code, isouter=True)
            .subquery("procedure_component_checked"))


def component_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeBetween(column="originals", min_value=0, max_value=20), "sach",
               "component_originals_in_range"),
        tagged(E.ExpectColumnValuesToBeBetween(column="copies", min_value=0, max_value=20), "sach",
               "component_copies_in_range"),
        not_placeholder("name", "component_name_not_placeholder"),
        present("source", "component_procedure_catalogued"),
    ]


ATTACHMENT_SUITE = DatasetSuite(
    dataset="dossier_attachment", name="dossier_attachment_dung_du_sach_song", partition_column="received_date",
    change_column="loaded_at", expectations=attachment_expectations, selection=attachments_with_dossier,
    key_column="attachment_id")
PROCEDURE_SUITE = DatasetSuite(
    dataset="procedure", name="procedure_dung_du_sach_song", partition_column="updated_date",
    change_column="loaded_at", expectations=procedure_expectations, selection=procedures_by_day,
    province_column=None, commune_column=None, quarantine_streams=(("dvc_portal_catalogue", "procedures"),))
COMPONENT_SUITE = DatasetSuite(
    dataset="procedure_component", name="procedure_component_dung_du_sach_song", partition_column="updated_date",
    change_column="loaded_at", expectations=component_expectations, selection=components_by_day,
    province_column=None, commune_column=None, key_column="component_code")
