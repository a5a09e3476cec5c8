"""The portal's other datasets: dossier attachments, the procedure catalogue and its components."""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import and_, case, select

from quality.suites import DatasetSuite, Tables, day_of, not_placeholder, present, tagged

E = gx.expectations
CATALOGUE_FIX = ("Cơ quan công bố TTHC cập nhật thủ tục trên CSDL quốc gia về TTHC; Cổng DVC quốc gia đồng bộ lại.")
CATALOGUE_FIX_EN = "The publishing agency updates the procedure in the national catalogue."


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
               "Thành phần hồ sơ đính kèm có trong danh mục thành phần đã công bố của thủ tục",
               "Attached components are in the procedure's published component list",
               action_vi="Chọn thành phần hồ sơ theo danh mục đã công bố của thủ tục, không tự đặt mã.",
               action_en="Use the procedure's published component codes, never local ones."),
        present("component_code", "Tệp đính kèm có mã thành phần hồ sơ", "Attachments name their component",
                action_vi="Gắn mỗi tệp đính kèm với mã thành phần hồ sơ.",
                action_en="Link every attached file to its component code."),
        tagged(E.ExpectColumnValuesToBeInSet(column="reuse_state", value_set=[0, 1, 2]), "sach",
               "Trạng thái tái sử dụng dữ liệu thuộc danh mục 0–2", "Data reuse state is 0, 1 or 2",
               action_vi="Ghi trạng thái tái sử dụng đúng danh mục của Cổng DVC quốc gia.",
               action_en="Use the portal's reuse-state codes."),
    ]


def procedures_by_day(tables: Tables):
    procedure = tables["procedure"]
    return select(procedure, day_of(procedure.c.updated_at).label("updated_date")).subquery("procedure_checked")


def procedure_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToMatchRegex(column="procedure_code", regex=r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.H\d{2})?$"),
               "dung", "Mã TTHC đúng cấu trúc của CSDL quốc gia về TTHC",
               "Procedure codes follow the national catalogue's structure", action_vi=CATALOGUE_FIX,
               action_en=CATALOGUE_FIX_EN),
        present("field_code", "Thủ tục có mã lĩnh vực", "Procedures name their field",
                action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
        not_placeholder("name", "Tên thủ tục không phải giá trị giữ chỗ", "Procedure names are not placeholders",
                        action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
    ]


def components_by_day(tables: Tables):
    component, procedure = tables["procedure_component"], tables["procedure"]
    return (select(component, procedure.c.source, day_of(component.c.updated_at).label("updated_date"))
            .join_from(component, procedure, component.c.procedure_code == procedure.c.procedure_code, isouter=True)
            .subquery("procedure_component_checked"))


def component_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeBetween(column="originals", min_value=0, max_value=20), "sach",
               "Số bản chính của thành phần hồ sơ trong khoảng 0–20", "Originals required are within 0–20",
               action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
        tagged(E.ExpectColumnValuesToBeBetween(column="copies", min_value=0, max_value=20), "sach",
               "Số bản sao của thành phần hồ sơ trong khoảng 0–20", "Copies required are within 0–20",
               action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
        not_placeholder("name", "Tên thành phần hồ sơ không phải giá trị giữ chỗ",
                        "Component names are not placeholders", action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
        present("source", "Thành phần hồ sơ thuộc một thủ tục có trong danh mục",
                "Components belong to a catalogued procedure", action_vi=CATALOGUE_FIX, action_en=CATALOGUE_FIX_EN),
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
