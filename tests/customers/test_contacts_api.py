"""/api/v1/contacts: people, B2C contacts without an account, consent, names."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.customers.models import Contact
from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_chinese_name_is_split_into_family_and_given_name(admin_api):
    body = admin_api.post("/contacts", {"name": "欧阳娜娜"}).json()

    assert (body["family_name"], body["given_name"]) == ("欧阳", "娜娜")


def test_english_name_parts_sent_by_the_client_are_kept(admin_api):
    body = admin_api.post(
        "/contacts", {"name": "Mary Ann Smith", "family_name": "Smith", "given_name": "Mary Ann"}
    ).json()

    assert (body["family_name"], body["given_name"]) == ("Smith", "Mary Ann")


def test_mobile_is_stored_as_e164_with_the_workspace_region(admin_api, workspace):
    workspace.phone_region = "US"
    workspace.save()

    body = admin_api.post("/contacts", {"name": "Amy", "mobile": "(415) 555-2671"}).json()
    cn = admin_api.post("/contacts", {"name": "王芳", "mobile": "+86 138-1234-5678"}).json()

    assert body["mobile"] == "+14155552671"
    assert cn["mobile"] == "+8613812345678"


def test_b2c_contact_needs_no_account(admin_api):
    response = admin_api.post("/contacts", {"name": "李雷"})

    assert response.status_code == 201
    assert response.json()["account_id"] is None


def test_contact_created_on_an_account_appears_on_both_timelines(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()

    contact = admin_api.post("/contacts", {"name": "韩梅梅", "account_id": account["id"]}).json()

    subjects = set(
        TimelineEntry.objects.filter(kind="record.created", ref_type="contacts").values_list(
            "subject_type", "subject_id"
        )
    )
    assert subjects == {("contacts", contact["id"]), ("accounts", account["id"])}


def test_linking_to_an_account_the_rep_cannot_see_is_refused(workspace):
    rep = make_member(workspace, "sales_rep")
    other = make_member(workspace, "sales_rep")
    theirs = api_for(other).post("/accounts", {"name": "Theirs"}).json()

    response = api_for(rep).post("/contacts", {"name": "张伟", "account_id": theirs["id"]})

    assert response.status_code == 422
    assert "account_id" in response.json()["error"]["fields"]
    assert Contact.objects.count() == 0


def test_consent_change_is_stamped_with_time_and_source(admin_api):
    contact = admin_api.post("/contacts", {"name": "Tom"}).json()
    assert contact["email_consent"] == "unknown"
    assert contact["email_consent_at"] is None

    granted = admin_api.patch(
        f"/contacts/{contact['id']}",
        {"version": 1, "email_consent": "granted", "email_consent_source": "展会登记表"},
    ).json()
    withdrawn = admin_api.patch(
        f"/contacts/{contact['id']}", {"version": 2, "email_consent": "withdrawn"}
    ).json()

    assert granted["email_consent_source"] == "展会登记表"
    assert granted["email_consent_at"] is not None
    assert withdrawn["email_consent"] == "withdrawn"
    assert withdrawn["email_consent_source"] == "api"
    assert withdrawn["email_consent_at"] >= granted["email_consent_at"]
    changes = AuditEvent.objects.filter(action="contact.update").order_by("id").last().changes
    assert changes["email_consent"] == ["granted", "withdrawn"]


def test_bad_consent_value_and_future_birthday_are_refused(admin_api):
    response = admin_api.post(
        "/contacts", {"name": "Tom", "sms_consent": "maybe", "birthday": "2999-01-01"}
    )

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"sms_consent", "birthday"}


def test_contacts_filter_by_account_and_mobile_fragment(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()
    inside = admin_api.post(
        "/contacts", {"name": "周杰", "account_id": account["id"], "mobile": "13900001111"}
    ).json()
    admin_api.post("/contacts", {"name": "Outside", "mobile": "13700002222"})

    by_account = admin_api.get("/contacts", account_id=str(account["id"])).json()["items"]
    by_fragment = admin_api.get("/contacts", mobile="0000111").json()["items"]
    without_account = admin_api.get("/contacts", account_id="none").json()["items"]

    assert [c["id"] for c in by_account] == [inside["id"]]
    assert [c["id"] for c in by_fragment] == [inside["id"]]
    assert [c["name"] for c in without_account] == ["Outside"]


def test_other_workspace_contact_is_404_and_untouched(admin_api, other_workspace):
    from guanxi.customers.services.contacts import contact_create

    theirs = contact_create(actor=make_member(other_workspace, "admin"), data={"name": "Theirs"})

    assert admin_api.get(f"/contacts/{theirs.pk}").status_code == 404
    assert admin_api.patch(f"/contacts/{theirs.pk}", {"version": 1, "name": "X"}).status_code == 404
    assert Contact.objects.get(pk=theirs.pk).name == "Theirs"
