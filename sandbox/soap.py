"""SOAP 1.1 plumbing for simulators: safe parsing, envelopes, faults, dict-to-XML.

Incoming XML is parsed with defusedxml with DTDs forbidden: no entity expansion, no external
entities, no network. Any DTD (the vehicle of "billion laughs" and XXE) is answered with a
client fault before anything is expanded.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from fastapi.responses import Response

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
MAX_BODY_BYTES = 2 * 1024 * 1024  # a batch of 100 is ~30 kB; anything near this is abuse
ET.register_namespace("soap", SOAP_ENV)  # faultcode values below say "soap:Client"


class SoapFault(Exception):
    """Answered as a SOAP 1.1 Fault: ``code`` is Client or Server, ``detail`` a machine-readable code."""

    def __init__(self, code: str, message: str, detail: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def local_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def child(element, name: str):
    """The first child with local name ``name`` (clients differ in how they qualify children)."""
    for node in element:
        if local_name(node) == name:
            return node
    return None


def child_text(element, name: str) -> str | None:
    node = child(element, name)
    if node is None:
        return None
    return (node.text or "").strip()


def parse_body(payload: bytes):
    """The first element inside soap:Body, parsed safely; SoapFault on anything else."""
    if len(payload) > MAX_BODY_BYTES:
        raise SoapFault("Client", "Yêu cầu quá lớn", "YEU_CAU_QUA_LON")
    try:
        root = safe_fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SoapFault("Client", "Không chấp nhận DTD hoặc thực thể XML trong yêu cầu", "XML_KHONG_AN_TOAN") from None
    except ET.ParseError as exc:
        raise SoapFault("Client", f"XML không hợp lệ: {exc}", "XML_KHONG_HOP_LE") from None
    body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
    if body is None or len(body) == 0:
        raise SoapFault("Client", "Thiếu SOAP Envelope/Body", "XML_KHONG_HOP_LE")
    return body[0]


def append(parent, namespace: str, name: str, value) -> None:
    """Serialise ``value`` under ``parent``: dict -> children, list -> repeated, None -> omitted.

    A key already in Clark notation ("{ns}name") keeps its own namespace.
    """
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            append(parent, namespace, name, item)
        return
    tag = name if name.startswith("{") else f"{{{namespace}}}{name}"
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            append(node, namespace, key, item)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    else:
        node.text = str(value)


def envelope_bytes(build) -> bytes:
    """An Envelope whose Body is filled by ``build(body_element)``."""
    root = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(root, f"{{{SOAP_ENV}}}Body")
    build(body)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def soap_response(build) -> Response:
    return Response(envelope_bytes(build), media_type=XML_CONTENT_TYPE)


def fault_response(fault: SoapFault, detail_namespace: str) -> Response:
    """SOAP 1.1 faults travel with HTTP 500 (SOAP 1.1 section 6.2)."""

    def build(body):
        node = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
        ET.SubElement(node, "faultcode").text = f"soap:{fault.code}"
        ET.SubElement(node, "faultstring").text = fault.message
        detail = ET.SubElement(node, "detail")
        ET.SubElement(detail, f"{{{detail_namespace}}}MaLoi").text = fault.detail

    return Response(envelope_bytes(build), status_code=500, media_type=XML_CONTENT_TYPE)
