"""The industry chain under test: one organisation per role, two enterprises, payload makers."""

from __future__ import annotations

from chains.industry.app import (
    INDUSTRY_APPLICATION,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
)
from consortium.v1 import industry_pb2
from tests.apps.harness import AppHarness, make_key, make_org
from tests.industry.support import make_role_orgs, make_seed, make_uscc

ENT_A = make_uscc(1)
ENT_B = make_uscc(2)
ORG_IDS = {
    "tax_bureau": "tax-bureau",
    "public_security": "public-security",
    "customs": "customs",
    "central_bank": "pboc-shenzhen",
    "industry_association": "industry-association",
    "enterprise_federation": "enterprise-federation",
    "bank": "bank-icbc-sz",
    "enterprise": ENT_A,
    "auditor": "audit-office",
}
GOVERNING = ("industry_association", "enterprise_federation")
_ORGS, KEYS = make_role_orgs(ORG_IDS, GOVERNING)
KEY_B = make_key("enterprise-b-key")
APP_STATE = {"organisations": [*_ORGS, make_org(ENT_B, "enterprise", KEY_B)]}
ASSOCIATION = KEYS["industry_association"]
KEY_A = KEYS["enterprise"]

ALLOWED_ROLE = {
    TX_REPORT_PRODUCTION: "enterprise",
    TX_RECORD_ORDER: "enterprise",
    TX_RECORD_DELIVERY: "enterprise",
    TX_ATTEST: "industry_association",
}


def make_harness() -> AppHarness:
    """A fresh industry chain at genesis."""
    return AppHarness(INDUSTRY_APPLICATION, APP_STATE, chain_id="industry-test-1")


def make_report(
    report_id: str = "r-2025-q1",
    output_value: int = 5_000_000_00,
    request_attestation: bool = False,
    **changes: object,
) -> industry_pb2.ReportProduction:
    """A valid production report (fields overridable)."""
    fields = {
        "report_id": report_id,
        "period": "2025-Q1",
        "product": "lithium cells",
        "quantity": 120_000,
        "unit": "pcs",
        "output_value": output_value,
        "request_attestation": request_attestation,
        "record_seed": make_seed(f"report/{report_id}"),
        **changes,
    }
    return industry_pb2.ReportProduction(**fields)


def make_order(
    order_id: str = "po-77", quantity: int = 100, value: int = 2_000_000_00, **changes: object
) -> industry_pb2.RecordOrder:
    """A valid order (fields overridable)."""
    fields = {
        "order_id": order_id,
        "customer": "Shenzhen Battery Assembly Co.",
        "product": "lithium cells",
        "quantity": quantity,
        "unit": "pcs",
        "value": value,
        "ordered_on": "2025-03-02",
        "record_seed": make_seed(f"order/{order_id}"),
        **changes,
    }
    return industry_pb2.RecordOrder(**fields)


def make_delivery(
    delivery_id: str = "d-1", order_id: str = "po-77", quantity: int = 40, **changes: object
) -> industry_pb2.RecordDelivery:
    """A valid delivery (fields overridable)."""
    fields = {
        "delivery_id": delivery_id,
        "order_id": order_id,
        "quantity": quantity,
        "delivered_on": "2025-03-20",
        "record_seed": make_seed(f"delivery/{delivery_id}"),
        **changes,
    }
    return industry_pb2.RecordDelivery(**fields)


def make_attest(
    kind: str = "production", record_id: str = f"{ENT_A}:r-2025-q1", note: str = "checked"
) -> industry_pb2.Attest:
    """A valid attestation."""
    return industry_pb2.Attest(kind=kind, record_id=record_id, note=note)


VALID_PAYLOADS = {
    TX_REPORT_PRODUCTION: make_report,
    TX_RECORD_ORDER: make_order,
    TX_RECORD_DELIVERY: make_delivery,
    TX_ATTEST: make_attest,
}
